"""SDQ parent report (sdq-parent@1) scored by the official rules (docs/instruments.md)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalering.errors import InputError
from signalering.instruments import assign_bands, load_specs, score_records

FIXTURES = Path(__file__).parent / "instruments"
SDQ = "sdq-parent@1"
SUBSCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
SCALE_ITEMS = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
REVERSED = (7, 11, 14, 21, 25)

# The three worked examples of sdq.md section 6, copied verbatim ('.' = missing).
EX1 = "2 1 0 2 1 0 2 1 2 1 2 0 0 1 2 1 2 0 0 1 0 0 1 1 1"
EX2 = "2 2 1 . 1 1 2 . 2 1 2 . 2 2 1 1 1 1 0 . . 0 0 . 1"
EX3 = "0 2 0 0 2 . 0 0 1 2 . 1 . 0 2 . 0 1 1 0 0 0 1 . 0"


def col(i: int) -> str:
    return f"sdq_{i:02d}"


def records_from(*forms: str, as_text: bool = True) -> pd.DataFrame:
    """One record per form string; cells as text (as a CSV read with dtype=str) or numbers."""
    rows = []
    for k, form in enumerate(forms):
        answers = form.split()
        assert len(answers) == 25
        row = {"record_id": f"r{k}"}
        for i, a in enumerate(answers, start=1):
            if as_text:
                row[col(i)] = "" if a == "." else a
            else:
                row[col(i)] = np.nan if a == "." else float(a)
        rows.append(row)
    return pd.DataFrame(rows)


SPEC = load_specs([SDQ])[0]


@pytest.fixture(scope="module")
def sdq():
    return SPEC


def subscores(result, spec_id=SDQ) -> pd.DataFrame:
    out = result.subscores.set_index("record_id")
    out.columns = [c.split(":", 1)[1] for c in out.columns]
    return out


@pytest.mark.parametrize("as_text", [True, False])
def test_worked_example_1_complete_form(sdq, as_text):
    result = score_records([sdq], records_from(EX1, as_text=as_text), file="ex.csv")
    sub = subscores(result).loc["r0"]
    assert sub.to_dict() == {
        "emotional": 3,
        "conduct": 1,
        "hyperactivity": 7,
        "peer": 2,
        "prosocial": 9,
        "total": 13,
        "externalising": 8,
        "internalising": 5,
    }
    assert result.scores[SDQ].tolist() == [13.0]
    assert result.missing.empty
    # 13 is the top of 'close to average' (0-13); hyperactivity 7 is 'slightly raised' (6-7).
    assert list(assign_bands(sdq, "total", "uk-4band", [13])) == ["close-to-average"]
    assert list(assign_bands(sdq, "hyperactivity", "uk-4band", [7])) == ["slightly-raised"]


def test_worked_example_2_prorating_rounds_half_up(sdq):
    result = score_records([sdq], records_from(EX2), file="ex.csv")
    sub = subscores(result).loc["r0"]
    # emotional 4/3*5 = 6.67 -> 7; conduct 2/4*5 = 2.5 -> 3 (half-even would give 2);
    # hyperactivity 5/4*5 = 6.25 -> 6; peer complete = 1; prosocial 5/3*5 = 8.33 -> 8.
    assert sub.to_dict() == {
        "emotional": 7,
        "conduct": 3,
        "hyperactivity": 6,
        "peer": 1,
        "prosocial": 8,
        "total": 17,
        "externalising": 9,
        "internalising": 8,
    }
    assert result.scores[SDQ].tolist() == [17.0]
    # The wrong (half-to-even) total 16 would be 'slightly raised' / 'borderline'.
    assert list(assign_bands(sdq, "total", "uk-4band", [17, 16])) == ["high", "slightly-raised"]
    assert list(assign_bands(sdq, "total", "uk-3band-original", [17, 16])) == ["abnormal", "borderline"]


def test_worked_example_3_subscale_below_minimum_makes_total_missing(sdq):
    result = score_records([sdq], records_from(EX3), file="ex.csv")
    sub = subscores(result).loc["r0"]
    assert np.isnan(sub["emotional"]) and np.isnan(sub["total"]) and np.isnan(sub["internalising"])
    assert (sub["conduct"], sub["hyperactivity"], sub["peer"], sub["prosocial"], sub["externalising"]) == (
        6,
        10,
        7,
        1,
        16,
    )
    assert np.isnan(result.scores[SDQ].iloc[0])
    assert result.missing.to_dict("records") == [
        {
            "record_id": "r0",
            "instrument": SDQ,
            "reason": "sdq-parent: total not computable: subscale 'emotional' has fewer than 3 answered items",
        }
    ]


def test_three_examples_together_keep_record_order(sdq):
    result = score_records([sdq], records_from(EX3, EX1, EX2), file="ex.csv")
    assert result.scores["record_id"].tolist() == ["r0", "r1", "r2"]
    np.testing.assert_array_equal(result.scores[SDQ].to_numpy(), [np.nan, 13.0, 17.0])
    assert result.missing["record_id"].tolist() == ["r0"]


def test_prorating_rule_exhaustively_for_one_subscale(sdq):
    """Every answer pattern of the conduct items with 3-5 answered: score = floor(raw*5/n + 1/2)."""
    rows, expected = [], []
    rng = np.random.default_rng(7)
    for _ in range(400):
        answers = rng.integers(0, 3, size=5).astype(float)
        n_missing = rng.integers(0, 5)
        drop = rng.choice(5, size=n_missing, replace=False)
        answers[drop] = np.nan
        row = {"record_id": f"r{len(rows)}", **{col(i): 0 for i in range(1, 26)}}
        recoded = []
        for item, a in zip(SCALE_ITEMS["conduct"], answers):
            row[col(item)] = a
            if not np.isnan(a):
                recoded.append(2 - a if item in REVERSED else a)
        n = len(recoded)
        expected.append(np.nan if n < 3 else float((10 * int(sum(recoded)) + n) // (2 * n)))
        rows.append(row)
    result = score_records([sdq], pd.DataFrame(rows), file="x.csv")
    np.testing.assert_array_equal(result.subscores[f"{SDQ}:conduct"].to_numpy(), expected)


def test_ties_round_up_not_to_even(sdq):
    """4 answered items with raw 2 (2.5) and raw 6 (7.5): the only ties; half up gives 3 and 8."""
    base = {col(i): 0 for i in range(1, 26)}
    base[col(7)] = 2  # reverse item answered 2 -> scores 0
    a = dict(base, record_id="a", **{col(5): 1, col(12): 1, col(18): np.nan})  # conduct raw 2 of 4
    b = dict(base, record_id="b", **{col(5): 2, col(12): 2, col(18): 2, col(7): np.nan})  # raw 6 of 4
    result = score_records([sdq], pd.DataFrame([a, b]), file="x.csv")
    assert result.subscores[f"{SDQ}:conduct"].tolist() == [3.0, 8.0]
    assert round(2.5) == 2 and round(7.5) == 8  # the trap: Python rounds half to even


def test_two_missing_subscales_both_named(sdq):
    form = EX1.split()
    for item in (3, 8, 13, 6, 11, 14):  # three emotional and three peer items missing
        form[item - 1] = "."
    result = score_records([sdq], records_from(" ".join(form)), file="x.csv")
    assert result.missing["reason"].tolist() == [
        "sdq-parent: total not computable: subscale 'emotional' has fewer than 3 answered items; "
        "subscale 'peer' has fewer than 3 answered items"
    ]


def test_prosocial_missing_does_not_affect_total(sdq):
    form = EX1.split()
    for item in SCALE_ITEMS["prosocial"]:
        form[item - 1] = "."
    result = score_records([sdq], records_from(" ".join(form)), file="x.csv")
    assert result.scores[SDQ].tolist() == [13.0]
    assert np.isnan(result.subscores[f"{SDQ}:prosocial"].iloc[0])
    assert result.missing.empty


def test_value_outside_coding_refused_without_echo(sdq):
    records = records_from(EX1, EX1, EX1)
    records.loc[2, col(14)] = "3"
    with pytest.raises(InputError) as err:
        score_records([sdq], records, file="data/raw/records.csv")
    e = err.value
    assert (e.file, e.row, e.column) == ("data/raw/records.csv", 3, "sdq_14")
    assert e.reason == "value outside the codes (0, 1, 2) declared by the coding of instrument 'sdq-parent@1'"
    assert "codes (0, 1, 2)" in e.reason
    assert "'3'" not in str(e) and "value 3" not in str(e)


def test_one_two_three_coding_scores_like_zero_one_two():
    """An export coded 1/2/3 (fixture spec coding {1: 0, 2: 1, 3: 2}) gives the same scores, and a 0
    is refused there."""
    spec = load_specs([FIXTURES / "sdq-parent-123.yaml"])[0]
    assert spec.coding.codes == (1, 2, 3) and spec.coding.values == (0.0, 1.0, 2.0)
    shifted = [" ".join(a if a == "." else str(int(a) + 1) for a in f.split()) for f in (EX1, EX2, EX3)]
    result = score_records([spec], records_from(*shifted), file="x.csv")
    np.testing.assert_array_equal(result.scores[spec.id].to_numpy(), [13.0, 17.0, np.nan])
    with pytest.raises(InputError) as err:
        score_records([spec], records_from(EX1), file="x.csv")  # EX1 contains 0s
    assert err.value.row == 1 and err.value.column == "sdq_03"


def test_band_sets_and_cutoffs(sdq):
    cut = {c.name: c.value for c in sdq.cutoffs}
    assert cut == {
        "uk-4band-slightly-raised": 14,
        "uk-4band-high": 17,
        "uk-4band-very-high": 20,
        "uk-3band-original-borderline": 14,
        "uk-3band-original-abnormal": 17,
        "uk-3band-norms-borderline": 14,
        "uk-3band-norms-abnormal": 17,
    }
    assert all(c.prespecified for c in sdq.cutoffs)
    assert sdq.scale("prosocial").direction == "lower"
    # Prosocial 4-band: 8-10 / 7 / 6 / 0-5.
    assert list(assign_bands(sdq, "prosocial", "uk-4band", [10, 8, 7, 6, 5, 0, np.nan])) == [
        "close-to-average",
        "close-to-average",
        "slightly-lowered",
        "low",
        "very-low",
        "very-low",
        np.nan,
    ]
    # The two 3-band prosocial variants: original 6-10/5/0-4, norms 8-10/7/0-6.
    assert list(assign_bands(sdq, "prosocial", "uk-3band-original", [6, 5, 4])) == ["normal", "borderline", "abnormal"]
    assert list(assign_bands(sdq, "prosocial", "uk-3band-norms", [8, 7, 6])) == ["normal", "borderline", "abnormal"]
    # Total 4-band edges: 0-13 / 14-16 / 17-19 / 20-40.
    assert list(assign_bands(sdq, "total", "uk-4band", [0, 13, 14, 16, 17, 19, 20, 40])) == [
        "close-to-average",
        "close-to-average",
        "slightly-raised",
        "slightly-raised",
        "high",
        "high",
        "very-high",
        "very-high",
    ]
    assert list(assign_bands(sdq, "hyperactivity", "uk-3band-norms", [5, 6, 7])) == ["normal", "borderline", "abnormal"]


# ------------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------------
answer = st.one_of(st.none(), st.integers(0, 2))
forms = st.lists(st.lists(answer, min_size=25, max_size=25), min_size=1, max_size=20)


def frame(forms_: list[list[int | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"record_id": f"r{k}", **{col(i + 1): (np.nan if a is None else a) for i, a in enumerate(f)}}
            for k, f in enumerate(forms_)
        ]
    )


@given(forms)
def test_scores_stay_in_range(forms_):
    spec = SPEC
    result = score_records([spec], frame(forms_))
    sub = subscores(result)
    for scale in SUBSCALES:
        v = sub[scale].dropna()
        assert ((v >= 0) & (v <= 10) & (v == v.round())).all()
    for scale, high in (("total", 40), ("externalising", 20), ("internalising", 20)):
        v = sub[scale].dropna()
        assert ((v >= 0) & (v <= high)).all()
    # Totals are missing exactly when a difficulty subscale is missing, else their sum.
    parts = sub[["emotional", "conduct", "hyperactivity", "peer"]]
    np.testing.assert_array_equal(
        sub["total"].to_numpy(), parts.sum(axis=1, min_count=4).where(parts.notna().all(axis=1)).to_numpy()
    )
    assert len(result.missing) == int(sub["total"].isna().sum())


@given(st.lists(st.integers(0, 2), min_size=25, max_size=25), st.sampled_from(REVERSED))
def test_reversing_a_reverse_item_moves_score_the_right_way(form, item):
    """Answering a reverse-scored item 2 ('certainly true' = the strength) instead of 0 lowers its
    subscale (and the total) by exactly 2 on a complete form; summing raw instead of recoded answers
    would raise it."""
    spec = SPEC
    low, high = list(form), list(form)
    low[item - 1], high[item - 1] = 0, 2
    sub = subscores(score_records([spec], frame([low, high])))
    scale = next(s for s, items in SCALE_ITEMS.items() if item in items)
    assert sub[scale].iloc[1] == sub[scale].iloc[0] - 2
    assert sub["total"].iloc[1] == sub["total"].iloc[0] - 2


@given(
    st.lists(st.integers(0, 2), min_size=25, max_size=25),
    st.sampled_from([i for i in range(1, 26) if i not in REVERSED]),
)
def test_raising_a_normal_item_never_lowers_its_subscale(form, item):
    spec = SPEC
    low, high = list(form), list(form)
    low[item - 1], high[item - 1] = 0, 2
    sub = subscores(score_records([spec], frame([low, high])))
    scale = next(s for s, items in SCALE_ITEMS.items() if item in items)
    assert sub[scale].iloc[1] == sub[scale].iloc[0] + 2


@given(st.lists(answer, min_size=25, max_size=25))
def test_prorated_subscale_equals_mean_times_five_rounded_half_up(form):
    spec = SPEC
    sub = subscores(score_records([spec], frame([form]))).iloc[0]
    for scale, items in SCALE_ITEMS.items():
        answered = [(2 - form[i - 1]) if i in REVERSED else form[i - 1] for i in items if form[i - 1] is not None]
        if len(answered) < 3:
            assert np.isnan(sub[scale])
        else:
            mean5 = sum(answered) / len(answered) * 5
            # half up: the nearest integer, ties upwards (exact fractions avoid float ties).
            exact = Fraction(sum(answered) * 5, len(answered))
            assert sub[scale] == int(exact + Fraction(1, 2)) and abs(sub[scale] - mean5) <= 0.5


def test_bundled_spec_matches_the_official_item_table(sdq):
    from signalering.instruments import sdq as official

    assert official.SCALE_ITEMS == SCALE_ITEMS and official.REVERSED_ITEMS == REVERSED
    assert {s.name: s.items for s in sdq.scales if not s.derived} == official.SCALE_ITEMS
    assert {s.name: s.sum_of for s in sdq.scales if s.derived} == official.DERIVED
    assert tuple(i.id for i in sdq.items if i.reverse) == official.REVERSED_ITEMS
    assert [i.column for i in sdq.items] == [col(i) for i in range(1, 26)]
    assert all(
        s.missing.max_missing == 2 and s.missing.fill == "prorate" and s.missing.rounding == "half_up"
        for s in sdq.scales
        if not s.derived
    )
    assert sdq.score_scale == "total" and sdq.score_range == (0.0, 40.0)


def test_prorate_half_up_exact():
    from signalering.instruments.sdq import prorate_half_up

    assert [prorate_half_up(raw, n, 5) for raw, n in [(2, 4), (6, 4), (4, 3), (5, 3), (5, 4), (1, 5)]] == [
        3,
        8,
        7,
        8,
        6,
        1,
    ]
    np.testing.assert_array_equal(prorate_half_up(np.array([2, 6]), np.array([4, 4]), 5), [3, 8])
