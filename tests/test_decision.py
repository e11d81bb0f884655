"""Tests of signalering.stats.decision: hand-worked values, a brute-force oracle and the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from signalering.errors import InputError, UsageError
from signalering.stats import decision as dec


def brute_force_nb(p, y, t):
    """Net benefit by a loop over records, straight from Vickers & Elkin (2006)."""
    n = len(p)
    tp = fp = 0
    for pi, yi in zip(p, y):
        if pi >= t:
            if yi == 1:
                tp += 1
            else:
                fp += 1
    return tp / n - fp / n * t / (1 - t)


def rows(table, strategy):
    return table[table.strategy == strategy].reset_index(drop=True)


def test_hand_worked_example():
    # 10 records; threshold 0.2 (w = 1/4): treated p >= 0.2 are the 6 records below with p >= 0.2,
    # 4 of them positive -> NB = 4/10 - 2/10 * 1/4 = 0.35; prevalence 5/10 -> treat all 0.5 - 0.5/4 = 0.375
    p = [0.05, 0.1, 0.15, 0.18, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9]
    y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1]
    t = dec.net_benefit(p, y, thresholds=[0.2, 0.5])
    model, treat_all, none = rows(t, "model"), rows(t, "treat_all"), rows(t, "treat_none")
    assert model.net_benefit.tolist() == pytest.approx([0.35, 0.3 - 0.0 * 1.0])
    assert model.tp.tolist() == [4, 3] and model.fp.tolist() == [2, 0]
    assert treat_all.net_benefit.tolist() == pytest.approx([0.375, 0.0])
    assert none.net_benefit.tolist() == [0.0, 0.0]
    assert (t.n == 10).all()
    assert list(t.columns) == ["threshold", "strategy", "net_benefit", "ci_low", "ci_high", "tp", "fp", "n"]
    assert t.strategy.tolist()[:3] == ["model", "treat_all", "treat_none"]


def test_matches_brute_force_including_ties_at_threshold():
    rng = np.random.default_rng(1)
    p = np.round(rng.beta(2, 5, 300), 2)  # ties, and thresholds that hit observed values
    y = (rng.random(300) < p).astype(int)
    thresholds = np.round(np.arange(0.01, 1.0, 0.01), 2)
    t = dec.net_benefit(p, y, thresholds)
    model = rows(t, "model")
    expected = [brute_force_nb(p, y, th) for th in thresholds]
    assert model.net_benefit.to_numpy() == pytest.approx(expected, abs=1e-14)
    prev = y.mean()
    assert rows(t, "treat_all").net_benefit.to_numpy() == pytest.approx(
        prev - (1 - prev) * thresholds / (1 - thresholds), abs=1e-14
    )


def test_model_equals_treat_all_below_smallest_prediction():
    p = [0.3, 0.4, 0.6, 0.7]
    y = [0, 1, 0, 1]
    t = dec.net_benefit(p, y, thresholds=[0.1, 0.25])
    assert rows(t, "model").net_benefit.tolist() == pytest.approx(rows(t, "treat_all").net_benefit.tolist())


def test_default_thresholds():
    t = dec.net_benefit([0.1, 0.3, 0.6, 0.8], [0, 0, 1, 1])
    assert len(t) == 99 * 3
    assert t.threshold.min() == pytest.approx(0.01) and t.threshold.max() == pytest.approx(0.99)


def test_counts_at_matches_loop_on_random_cells():
    rng = np.random.default_rng(2)
    values = np.sort(rng.random(12))
    pos = rng.integers(0, 5, size=(7, 12))
    neg = rng.integers(0, 5, size=(7, 12))
    th = np.array([0.05, 0.3, 0.5, 0.95])
    cut = np.searchsorted(values, th, side="left")
    tp, fp = dec._counts_at(pos, neg, cut)
    for b in range(7):
        for j, x in enumerate(th):
            assert tp[b, j] == pos[b, values >= x].sum()
            assert fp[b, j] == neg[b, values >= x].sum()


def test_bootstrap_reproducible_and_brackets_estimate():
    rng = np.random.default_rng(3)
    p = rng.beta(2, 4, 500)
    y = (rng.random(500) < p).astype(int)
    a = dec.net_benefit(p, y, [0.1, 0.2, 0.3], rng=np.random.default_rng(9), n_boot=300)
    b = dec.net_benefit(p, y, [0.1, 0.2, 0.3], rng=np.random.default_rng(9), n_boot=300)
    assert a.equals(b)
    assert (a.ci_low <= a.net_benefit + 1e-12).all() and (a.net_benefit <= a.ci_high + 1e-12).all()
    none = rows(a, "treat_none")
    assert (none.ci_low == 0).all() and (none.ci_high == 0).all()
    assert dec.net_benefit(p, y, [0.2]).ci_low.isna().all()


def test_cell_bootstrap_has_the_spread_of_a_record_bootstrap():
    rng = np.random.default_rng(4)
    n = 400
    p = rng.beta(2, 4, n)
    y = (rng.random(n) < p).astype(int)
    th = 0.25
    # naive record bootstrap, loop over replicates
    naive_rng = np.random.default_rng(5)
    reps = []
    for _ in range(2000):
        i = naive_rng.integers(0, n, n)
        reps.append(brute_force_nb(p[i], y[i], th))
    lo, hi = np.quantile(reps, [0.025, 0.975])
    t = rows(dec.net_benefit(p, y, [th], rng=np.random.default_rng(6), n_boot=2000), "model")
    width = hi - lo
    assert t.ci_low.item() == pytest.approx(lo, abs=0.1 * width)
    assert t.ci_high.item() == pytest.approx(hi, abs=0.1 * width)


def test_bootstrap_in_chunks_equals_one_draw(monkeypatch):
    rng = np.random.default_rng(7)
    p = rng.random(50)
    y = (rng.random(50) < p).astype(int)
    whole = dec.net_benefit(p, y, [0.2, 0.5], rng=np.random.default_rng(1), n_boot=40)
    monkeypatch.setattr(dec, "_CHUNK_CELLS", 12)  # 6 cells (2 x 3 bins) -> chunks of 2 replicates
    chunked = dec.net_benefit(p, y, [0.2, 0.5], rng=np.random.default_rng(1), n_boot=40)
    # the generator's multinomial stream drawn in pieces is the same stream: identical intervals
    assert chunked.equals(whole)


def test_bad_arguments_and_input():
    with pytest.raises(UsageError, match="'thresholds' parameter of net_benefit"):
        dec.net_benefit([0.2, 0.4], [0, 1], thresholds=[0.0, 0.5])
    with pytest.raises(UsageError, match="'thresholds' parameter of net_benefit"):
        dec.net_benefit([0.2, 0.4], [0, 1], thresholds=[1.0])
    with pytest.raises(UsageError, match="'rng' parameter of net_benefit"):
        dec.net_benefit([0.2, 0.4], [0, 1], n_boot=10)
    with pytest.raises(UsageError, match="'n_boot'"):
        dec.net_benefit([0.2, 0.4], [0, 1], n_boot=-1)
    with pytest.raises(InputError, match="score"):
        dec.net_benefit([2.0, 4.0], [0, 1])
    with pytest.raises(InputError, match="no records"):
        dec.net_benefit([np.nan, 0.3], [1, np.nan])


def test_no_events_is_still_defined():
    t = dec.net_benefit([0.1, 0.2, 0.4], [0, 0, 0], thresholds=[0.3])
    assert rows(t, "model").net_benefit.item() == pytest.approx(-1 / 3 * 0.3 / 0.7)
    assert rows(t, "treat_all").net_benefit.item() == pytest.approx(-0.3 / 0.7)


# ---------------------------------------------------------------------------------- properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

records = st.integers(1, 50).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5, 0.7, 0.95]), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(records)
def test_net_benefit_properties(data):
    p, y = data
    th = [0.05, 0.1, 0.2, 0.3, 0.5, 0.9]
    t = dec.net_benefit(p, y, th)
    model = rows(t, "model").net_benefit.to_numpy()
    prevalence = np.mean(y)
    assert np.all(model <= prevalence + 1e-12)  # never better than a perfect test
    assert model == pytest.approx([brute_force_nb(p, y, x) for x in th], abs=1e-12)
    order = np.random.default_rng(0).permutation(len(p))
    again = dec.net_benefit(np.asarray(p)[order], np.asarray(y)[order], th)
    assert again.equals(t)


def test_decision_curve_points_are_wide_and_json_ready():
    import json

    t = dec.net_benefit([0.1, 0.3, 0.6, 0.8], [0, 0, 1, 1], thresholds=[0.5, 0.2])
    pts = dec.decision_curve_points(t)
    assert [p["threshold"] for p in pts] == [0.2, 0.5]
    assert pts[1] == {
        "threshold": 0.5,
        "net_benefit": 0.5,
        "ci_low": None,
        "ci_high": None,
        "treat_all": 0.0,
        "treat_none": 0.0,
    }
    json.dumps(pts, allow_nan=False)
    with pytest.raises(UsageError, match="decision_curve_points"):
        dec.decision_curve_points(t.drop(columns="ci_low"))
