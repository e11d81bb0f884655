"""The demo simulator's age and follow-up columns (docs/demo-data.md, simulate.py point 8)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from signalering.simulate import SimulationParams, age_and_followup, simulate_chunks, simulate_records, substream

NEW = ("age_years", "followup_days")
# sha256 of the CSV text of every column the simulator wrote before the age and follow-up columns were
# added (n_records=3000, seed 20261125; computed at commit 96010c3): the new columns come from their
# own stream, so these stay byte-identical.
BEFORE = "2a5bdb48bf87e526ea466d1616a6bd8662247c9ffdb66cc0ee808c381230f938"


def _frame(n=3000, seed=20261125):
    return simulate_records(SimulationParams(n_records=n), np.random.default_rng(seed))


def test_existing_columns_stay_byte_identical():
    frame = _frame()
    old = [c for c in frame.columns if c not in NEW and c != "judgement"]
    text = frame[old].to_csv(index=False, lineterminator="\n")
    assert hashlib.sha256(text.encode()).hexdigest() == BEFORE


def test_substream_leaves_the_generator_untouched_and_differs_by_name():
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    s = substream(a, "followup").random(4)
    assert np.array_equal(a.random(3), b.random(3))  # drawing from the substream did not advance `a`
    assert np.array_equal(s, substream(np.random.default_rng(5), "followup").random(4))
    assert not np.array_equal(s, substream(np.random.default_rng(5), "judgement").random(4))
    assert not np.array_equal(s, substream(np.random.default_rng(6), "followup").random(4))


def test_age_years_lies_in_its_band_and_covers_it():
    frame = _frame()
    bounds = {"0-1": (0, 1), "2-3": (2, 3), "4-11": (4, 11), "12-17": (12, 17)}
    for band, (lo, hi) in bounds.items():
        ages = frame.loc[frame["age_band"] == band, "age_years"]
        assert ages.min() == lo and ages.max() == hi, band
        assert set(ages) == set(range(lo, hi + 1))


def test_followup_days_by_reference_status():
    frame = _frame(n=20000)
    ref = pd.to_numeric(frame["reference"], errors="coerce")
    days = frame["followup_days"]
    assert days[ref.isna() & (frame["reference"].astype(str) != "unknown")].isna().all()  # not verified: empty
    pos, neg = days[ref == 1], days[ref == 0]
    assert pos.notna().all() and neg.notna().all()
    assert pos.min() >= 0 and pos.max() < 1095  # events within three years
    assert neg.min() >= 365 and neg.max() <= 1461  # follow-up ends between one and four years
    # Beta(1.2, 2) events: mean 1095 * 1.2 / 3.2 = 410.6 days; uniform ends: mean 913 days
    assert abs(pos.mean() - 410.6) < 40 and abs(neg.mean() - 913) < 15
    # at the demo window (730 days) a third of the negatives are followed for less
    assert 0.30 < (neg < 730).mean() < 0.37


def test_followup_days_are_written_as_whole_numbers():
    out = age_and_followup(
        np.array(["0-1", "12-17", "4-11"]),
        np.array([True, False, False]),
        np.array([False, False, True]),
        np.random.default_rng(1),
    )
    frame = pd.DataFrame({"followup_days": out["followup_days"], "age_years": out["age_years"]})
    lines = [line.split(",") for line in frame.to_csv(index=False, lineterminator="\n").splitlines()[1:]]
    assert lines[0][0].isdigit() and lines[1][0].isdigit() and lines[2][0] == ""
    assert [int(r[1]) for r in lines][1] >= 12


def test_chunks_up_to_the_chunk_size_are_the_whole_simulation():
    p = SimulationParams(n_records=3000)
    (only,) = list(simulate_chunks(p, np.random.default_rng(4), chunk_rows=3000))
    pd.testing.assert_frame_equal(only, simulate_records(p, np.random.default_rng(4)))


def test_chunks_beyond_the_chunk_size_have_unique_ids_and_keep_injected_duplicates():
    p = SimulationParams(n_records=2500, invalid_fraction=0.02)
    chunks = list(simulate_chunks(p, np.random.default_rng(4), chunk_rows=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    ids = pd.concat([c["record_id"] for c in chunks])
    assert ids.str.fullmatch(r"R[0-9a-f]{10}").all()
    within = sum(int(c["record_id"].duplicated().sum()) for c in chunks)
    assert int(ids.duplicated().sum()) == within > 0  # duplicates only where the fault injection made them
    again = list(simulate_chunks(p, np.random.default_rng(4), chunk_rows=1000))
    for a, b in zip(chunks, again):
        pd.testing.assert_frame_equal(a, b)
