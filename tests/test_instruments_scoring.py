"""Scoring every instrument kind on small hand-checked tables, and refusing bad data."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from signalering.errors import InputError, UsageError
from signalering.instruments import (
    BUNDLED_DIR,
    load_specs,
    read_yaml,
    risk_from_scores,
    score_records,
    spec_from_mapping,
)

NAN = np.nan
FILE = "data/raw/records.csv"


def bundled(spec_id: str, **changes):
    """The bundled spec with top-level fields replaced (None removes the field)."""
    data = read_yaml(BUNDLED_DIR / f"{spec_id}.yaml")
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return spec_from_mapping(data, file=f"{spec_id}-changed.yaml")


def scores_of(spec, records) -> list[float]:
    return score_records([spec], records, file=FILE).scores[spec.id].tolist()


def same(actual, expected) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------------
# Risk checklist
# ------------------------------------------------------------------------------------------------
def checklist_records() -> pd.DataFrame:
    rows = {
        "none": {},
        "rc10": {"rc_10": 1},
        "rc11": {"rc_11": 1},
        "four": {"rc_01": 1, "rc_02": 1, "rc_10": 1, "rc_11": 1},
        "all": {f"rc_{i:02d}": 1 for i in range(1, 12)},
        "gap": {"rc_03": None},
    }
    out = []
    for rid, ones in rows.items():
        row = {"record_id": rid, **{f"rc_{i:02d}": "0" for i in range(1, 12)}}
        row.update({k: ("" if v is None else " 1 ") for k, v in ones.items()})
        out.append(row)
    return pd.DataFrame(out)


def test_risk_checklist_versions_side_by_side():
    v1, v2 = load_specs(["risk-checklist@1", "risk-checklist@2"])
    result = score_records([v1, v2], checklist_records(), file=FILE)
    #                       none rc10 rc11 four all  gap
    same(result.scores["risk-checklist@1"], [0, 1, 0, 3, 10, NAN])
    same(result.scores["risk-checklist@2"], [0, 0, 2, 4, 11, NAN])  # rc_10 dropped, rc_11 weight 2
    assert result.missing.to_dict("records") == [
        {
            "record_id": "gap",
            "instrument": "risk-checklist@1",
            "reason": "risk-checklist: 1 of 10 items unanswered (at most 0 allowed)",
        },
        {
            "record_id": "gap",
            "instrument": "risk-checklist@2",
            "reason": "risk-checklist: 1 of 10 items unanswered (at most 0 allowed)",
        },
    ]


def test_risk_checklist_missing_items_zero_and_prorate():
    base = {
        "name": "w",
        "version": 1,
        "kind": "risk_checklist",
        "coding": {"nee": 0, "ja": 1},
        "items": [
            {"id": "a", "column": "a", "weight": 1},
            {"id": "b", "column": "b", "weight": 2},
            {"id": "c", "column": "c", "weight": 1},
        ],
        "cutoffs": [{"name": "k", "value": 2, "prespecified": True}],
    }
    records = pd.DataFrame(
        {
            "record_id": list("pqrs"),
            "a": ["ja", "ja", None, "ja"],
            "b": ["ja", None, "ja", None],
            "c": ["nee", "ja", "ja", None],
        }
    )
    zero = spec_from_mapping({**base, "missing": {"max_missing": 1, "fill": "zero"}})
    same(scores_of(zero, records), [3, 2, 3, NAN])
    prorate = spec_from_mapping({**base, "missing": {"max_missing": 1, "fill": "prorate"}})
    # q: (1 + 1) * 4 / (1 + 1) = 4; r: (2 + 1) * 4 / (2 + 1) = 4
    same(scores_of(prorate, records), [3, 4, 4, NAN])
    halfup = spec_from_mapping({**base, "missing": {"max_missing": 2, "fill": "prorate", "rounding": "half_up"}})
    # s: only a answered: 1 * 4 / 1 = 4; q: 2 * 4 / 2 = 4
    same(scores_of(halfup, records), [3, 4, 4, 4])
    negative = spec_from_mapping(
        {
            **base,
            "items": base["items"] + [{"id": "d", "column": "d", "weight": -1}],
            "cutoffs": [{"name": "k", "value": -1, "prespecified": False}],
        }
    )
    assert negative.score_range == (-1.0, 4.0)
    same(scores_of(negative, records.assign(d=["ja", "nee", "ja", "ja"]).fillna("nee")), [2, 2, 2, 0])


# ------------------------------------------------------------------------------------------------
# Signal list
# ------------------------------------------------------------------------------------------------
def test_signal_list_counts_abnormal_answers():
    spec = load_specs(["signal-list@1"])[0]
    sig = np.zeros((4, 6), dtype=int)
    sig[1, 2] = 1
    sig[2, [0, 3, 5]] = 1
    sig[3, :] = 1
    records = pd.DataFrame(sig, columns=[f"sig_{i}" for i in range(1, 7)]).assign(record_id=list("abcd"))
    same(scores_of(spec, records), [0, 1, 3, 6])
    assert spec.cutoff("any").value == 1 and spec.cutoff("any").prespecified


def test_signal_list_per_item_polarity():
    spec = spec_from_mapping(
        {
            "name": "pol",
            "version": 1,
            "kind": "signal_list",
            "coding": {"ja": 1, "nee": 0},
            "items": [
                {"id": "fits", "column": "fits", "abnormal": "nee"},  # "does it fit?": no is worrying
                {"id": "delay", "column": "delay", "abnormal": "ja"},
            ],  # "was help delayed?": yes
            "positive_rule": {"type": "at_least", "k": 2},
        }
    )
    records = pd.DataFrame(
        {
            "record_id": list("abcde"),
            "fits": ["ja", "nee", "nee", "ja", " nee"],
            "delay": ["nee", "ja", "nee", "ja", ""],
        }
    )
    same(scores_of(spec, records), [0, 2, 1, 1, NAN])
    assert [(c.name, c.value) for c in spec.cutoffs] == [("at-least-2", 2.0)]
    with pytest.raises(InputError) as err:
        score_records([spec], records.assign(fits=["ja", "Nee", "ja", "ja", "ja"]), file=FILE)
    assert (err.value.row, err.value.column) == (2, "fits") and "codes (ja, nee)" in err.value.reason
    assert "Nee" not in str(err.value)


# ------------------------------------------------------------------------------------------------
# Ordinal category
# ------------------------------------------------------------------------------------------------
def test_ordinal_category():
    spec = load_specs(["risk-category@1"])[0]
    records = pd.DataFrame({"record_id": list("abcde"), "risk_category": ["low", "high", "medium", "", None]})
    result = score_records([spec], records, file=FILE)
    same(result.scores[spec.id], [0, 2, 1, NAN, NAN])
    assert result.missing["reason"].tolist() == ["risk-category: no category recorded"] * 2
    # each boundary is a cut-off: >= medium, >= high
    assert [(c.name, c.value) for c in spec.cutoffs] == [("at-least-medium", 1.0), ("at-least-high", 2.0)]
    with pytest.raises(InputError) as err:
        score_records([spec], records.assign(risk_category=["low", "low", "very high", "low", "low"]), file=FILE)
    assert (err.value.file, err.value.row, err.value.column) == (FILE, 3, "risk_category")
    assert "very high" not in str(err.value)


def test_ordinal_category_with_explicit_values_and_lower_direction():
    spec = spec_from_mapping(
        {
            "name": "o",
            "version": 1,
            "kind": "ordinal_category",
            "direction": "lower",
            "column": "c",
            "categories": {"veilig": 3, "zorgelijk": 2, "onveilig": 1},
        }
    )
    assert [(c.name, c.value) for c in spec.cutoffs] == [("at-most-onveilig", 1.0), ("at-most-zorgelijk", 2.0)]
    same(scores_of(spec, pd.DataFrame({"record_id": [1, 2, 3], "c": ["onveilig", "veilig", "zorgelijk"]})), [1, 3, 2])


# ------------------------------------------------------------------------------------------------
# Rater observation
# ------------------------------------------------------------------------------------------------
def rater_records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": list("abcde"),
            "sens_r1": [5, 3, 7, NAN, NAN],
            "sens_r2": [6, 3, NAN, 4, NAN],
            "sens_r3": [NAN, 4, NAN, NAN, NAN],
            "sens_consensus": ["6", "3", "", "", ""],
            "rater1_id": ["RT01", "RT02", "RT01", "", ""],
            "rater2_id": ["RT03", "RT04", "", "RT05", ""],
            "rater3_id": ["", "RT06", "", "", ""],
        }
    )


@pytest.mark.parametrize(
    "combine,expected",
    [
        ("mean_of_available", [5.5, 10 / 3, 7, 4, NAN]),
        ("first_rater", [5, 3, 7, NAN, NAN]),
        ("first_available", [5, 3, 7, 4, NAN]),
        ("consensus_column", [6, 3, NAN, NAN, NAN]),
        ("min", [5, 3, 7, 4, NAN]),
        ("max", [6, 4, 7, 4, NAN]),
    ],
)
def test_rater_combinations(combine, expected):
    spec = bundled("sensitivity-observation@1", combine=combine)
    same(scores_of(spec, rater_records()), expected)


def test_rater_bundled_spec_and_reasons():
    spec = load_specs(["sensitivity-observation@1"])[0]
    result = score_records([spec], rater_records(), file=FILE)
    same(result.scores[spec.id], [5.5, 10 / 3, 7, 4, NAN])
    assert result.missing.to_dict("records") == [
        {"record_id": "e", "instrument": spec.id, "reason": "sensitivity-observation: no rating from any rater"}
    ]
    assert spec.direction == "lower" and spec.cutoff("insensitive").value == 3


def test_rater_fallback_and_min_ratings():
    spec = bundled("sensitivity-observation@1", combine="consensus_column", fallback="mean_of_available")
    result = score_records([spec], rater_records(), file=FILE)
    same(result.scores[spec.id], [6, 3, 7, 4, NAN])
    assert result.missing["reason"].tolist() == [
        "sensitivity-observation: no consensus rating ('sens_consensus'), and fallback mean_of_available: "
        "no rating from any rater"
    ]
    two = bundled("sensitivity-observation@1", min_ratings=2)
    result = score_records([two], rater_records(), file=FILE)
    same(result.scores[two.id], [5.5, 10 / 3, NAN, NAN, NAN])
    assert set(result.missing["reason"]) == {"sensitivity-observation: fewer than 2 ratings"}
    first = bundled("sensitivity-observation@1", combine="first_rater")
    reasons = score_records([first], rater_records(), file=FILE).missing["reason"].tolist()
    assert reasons == ["sensitivity-observation: first rater ('sens_r1') gave no rating"] * 2


def rating_error(bad) -> InputError:
    spec = load_specs(["sensitivity-observation@1"])[0]
    records = rater_records().astype({"sens_r2": object})
    records.loc[3, "sens_r2"] = bad
    with pytest.raises(InputError) as err:
        score_records([spec], records, file=FILE)
    return err.value


def test_rating_outside_scale_refused_without_echo():
    errors = [rating_error(bad) for bad in (10, 0, 4.5, "12")]
    for e in errors:
        assert (e.file, e.row, e.column) == (FILE, 4, "sens_r2")
        assert "sensitivity-observation@1" in e.reason and "outside the codes (1, 2, 3, 4, 5, 6, 7, 8, 9)" in e.reason
    assert len({str(e) for e in errors}) == 1  # the message does not depend on the value
    text = rating_error("vijf")
    assert (text.row, text.column) == (4, "sens_r2") and "not a number" in text.reason
    assert "vijf" not in str(text)


def test_continuous_rating_scale():
    spec = bundled(
        "sensitivity-observation@1",
        rating_scale={"min": 1, "max": 7, "integer": False},
        cutoffs=[{"name": "low", "value": 2.5, "prespecified": False}],
    )
    records = rater_records().assign(sens_r1=[5.25, 3, 7, NAN, NAN])
    same(scores_of(spec, records), [5.625, 10 / 3, 7, 4, NAN])
    with pytest.raises(InputError) as err:
        score_records([spec], rater_records().assign(sens_r1=[8, 3, 7, NAN, NAN]), file=FILE)
    assert (err.value.row, err.value.column) == (1, "sens_r1") and "outside the scale [1, 7]" in err.value.reason


def test_rater_id_column_must_be_present():
    spec = load_specs(["sensitivity-observation@1"])[0]
    with pytest.raises(InputError) as err:
        score_records([spec], rater_records().drop(columns="rater3_id"), file=FILE)
    assert (err.value.file, err.value.column, err.value.row) == (FILE, "rater3_id", None)


# ------------------------------------------------------------------------------------------------
# Probability
# ------------------------------------------------------------------------------------------------
def test_probability():
    spec = load_specs(["risk-model@1"])[0]
    records = pd.DataFrame({"record_id": list("abcde"), "risk_probability": ["0.2", "0", "1", "", " 0.05 "]})
    result = score_records([spec], records, file=FILE)
    same(result.scores[spec.id], [0.2, 0, 1, NAN, 0.05])
    assert result.missing["reason"].tolist() == ["risk-model: no probability recorded"]
    assert risk_from_scores(spec, [0.3]).tolist() == [0.3]


@pytest.mark.parametrize(
    "bad,words",
    [
        (1.2, "probability outside [0, 1]"),
        (-0.01, "probability outside [0, 1]"),
        ("0,3", "not a number"),
        ("hoog", "not a number"),
    ],
)
def test_probability_out_of_range_refused(bad, words):
    spec = load_specs(["risk-model@1"])[0]
    records = pd.DataFrame(
        {"record_id": ["a", "b", "c"], "risk_probability": [0.1, bad, 0.2]}, index=[7, 8, 9]
    )  # rows are positions, not index labels
    with pytest.raises(InputError) as err:
        score_records([spec], records, file=FILE)
    assert (err.value.file, err.value.row, err.value.column) == (FILE, 2, "risk_probability")
    assert words in err.value.reason and str(bad) not in str(err.value)


# ------------------------------------------------------------------------------------------------
# Combination rules
# ------------------------------------------------------------------------------------------------
def combo_records() -> pd.DataFrame:
    rc = np.zeros((5, 11), dtype=object)
    rc[[0, 2], :4] = 1  # checklist v2 score 4 (>= 3: positive)
    rc[1, 0] = 1  # score 1: negative
    rc[4, 2] = ""  # unanswered item: no checklist score
    sig = np.zeros((5, 6), dtype=int)
    sig[1, 5] = 1  # one signal: positive
    sig[2, :2] = 1
    frame = pd.DataFrame(rc, columns=[f"rc_{i:02d}" for i in range(1, 12)])
    frame[[f"sig_{i}" for i in range(1, 7)]] = sig
    return frame.assign(record_id=[f"r{i}" for i in range(5)])


def test_combination_any_with_components_resolved_automatically():
    spec = load_specs(["checklist-or-signals@1"])[0]
    result = score_records([spec], combo_records(), file=FILE)
    assert list(result.scores.columns) == ["record_id", spec.id]  # components scored, not listed
    #                                  rc+  sig+  both none  rc missing
    same(result.scores[spec.id], [1, 1, 2, 0, NAN])
    assert result.missing.to_dict("records") == [
        {
            "record_id": "r4",
            "instrument": spec.id,
            "reason": "checklist-or-signals: component 'risk-checklist@2' not scored "
            "(risk-checklist: 1 of 10 items unanswered (at most 0 allowed))",
        }
    ]
    assert (spec.cutoff("any").value, spec.direction) == (1.0, "higher")


def test_combination_with_components_listed_scores_them_once():
    specs = load_specs(["risk-checklist@2", "signal-list@1", "checklist-or-signals@1"])
    result = score_records(specs, combo_records(), file=FILE)
    same(result.scores["risk-checklist@2"], [4, 1, 4, 0, NAN])
    same(result.scores["signal-list@1"], [0, 1, 2, 0, 0])
    same(result.scores["checklist-or-signals@1"], [1, 1, 2, 0, NAN])
    assert result.missing["instrument"].tolist() == ["risk-checklist@2", "checklist-or-signals@1"]


@pytest.mark.parametrize(
    "rule,cutoff", [({"type": "all"}, ("all", 2.0)), ({"type": "at_least", "k": 1}, ("at-least-1", 1.0))]
)
def test_combination_rules_derive_their_cutoff(rule, cutoff):
    spec = bundled("checklist-or-signals@1", positive_rule=rule, cutoffs=None)
    assert [(c.name, c.value, c.prespecified) for c in spec.cutoffs] == [(*cutoff, True)]
    same(scores_of(spec, combo_records()), [1, 1, 2, 0, NAN])  # the score is the count either way


def test_combination_with_a_lower_direction_component_and_missing_allowed():
    spec = spec_from_mapping(
        {
            "name": "obs-or-category",
            "version": 1,
            "kind": "combination",
            "components": [
                {"instrument": "sensitivity-observation@1", "cutoff": "insensitive"},
                {"instrument": "risk-category@1", "cutoff": "at-least-high"},
            ],
            "positive_rule": {"type": "any"},
            "missing": {"max_missing": 1},
        }
    )
    records = rater_records().assign(risk_category=["high", "low", "low", "", ""])
    records.loc[2, "sens_r1"] = 2  # means 5.5, 3.33, 2, 4, none: only 2 <= 3 (direction lower)
    same(scores_of(spec, records), [1, 0, 1, 0, NAN])
    reason = score_records([spec], records, file=FILE).missing["reason"].tolist()
    assert reason == [
        "obs-or-category: component 'sensitivity-observation@1' not scored "
        "(sensitivity-observation: no rating from any rater); component 'risk-category@1' "
        "not scored (risk-category: no category recorded)"
    ]


# ------------------------------------------------------------------------------------------------
# Bad data and interface details
# ------------------------------------------------------------------------------------------------
def test_missing_column_refused_naming_spec_and_column():
    spec = load_specs(["risk-checklist@2"])[0]
    with pytest.raises(InputError) as err:
        score_records([spec], checklist_records().drop(columns="rc_11"), file=FILE)
    e = err.value
    assert (e.file, e.column, e.row) == (FILE, "rc_11", None)
    assert e.reason == "column required by instrument 'risk-checklist@2' is absent from the records"
    assert "/" not in str(e).replace(FILE, "")  # no path on this machine in the message


def test_missing_record_id_refused():
    spec = load_specs(["risk-model@1"])[0]
    with pytest.raises(InputError) as err:
        score_records([spec], pd.DataFrame({"risk_probability": [0.1]}), file=FILE)
    assert (err.value.file, err.value.column) == (FILE, "record_id")


def test_out_of_code_value_refused_without_echo():
    spec = load_specs(["risk-checklist@1"])[0]
    messages = set()
    for bad in ("7", "-1", "0.5"):
        records = checklist_records()
        records.loc[4, "rc_07"] = bad
        with pytest.raises(InputError) as err:
            score_records([spec], records, file=FILE)
        e = err.value
        assert (e.file, e.row, e.column) == (FILE, 5, "rc_07")
        assert e.reason == (
            "value outside the codes (0, 1) declared by the coding of instrument 'risk-checklist@1'"
        )  # the spec by its id, no path
        messages.add(str(e))
    assert len(messages) == 1  # nothing in the message depends on the value
    records.loc[5, "rc_07"] = "BSN123456782"  # text in a numeric coding is checked first
    with pytest.raises(InputError) as err:
        score_records([spec], records, file=FILE)
    e = err.value
    assert (e.file, e.row, e.column) == (FILE, 6, "rc_07")
    assert "not a number" in e.reason and "BSN" not in str(e) and "123456782" not in str(e)


def test_first_offending_row_and_count_reported():
    spec = load_specs(["risk-checklist@1"])[0]
    records = checklist_records()
    records.loc[[1, 3], "rc_02"] = "2"
    with pytest.raises(InputError) as err:
        score_records([spec], records, file=FILE)
    assert err.value.row == 2 and "(2 rows in all)" in err.value.reason


def test_numeric_and_text_cells_score_the_same():
    spec = load_specs(["risk-checklist@1"])[0]
    text = checklist_records()
    numeric = text.copy()
    for c in [f"rc_{i:02d}" for i in range(1, 12)]:
        numeric[c] = pd.to_numeric(text[c].str.strip().replace("", NAN))
    assert scores_of(spec, text)[:5] == scores_of(spec, numeric)[:5] == [0, 1, 0, 3, 10]
    bools = numeric.drop(index=5).astype({c: bool for c in numeric.columns if c.startswith("rc_")})
    assert scores_of(spec, bools) == [0, 1, 0, 3, 10]


def test_duplicate_spec_in_call_refused():
    spec = load_specs(["risk-model@1"])[0]
    with pytest.raises(UsageError):
        score_records([spec, spec], pd.DataFrame({"record_id": [], "risk_probability": []}))


def test_empty_records_and_empty_missing_frame():
    specs = load_specs(["risk-model@1", "risk-category@1"])
    result = score_records(specs, pd.DataFrame({"record_id": [], "risk_probability": [], "risk_category": []}))
    assert list(result.scores.columns) == ["record_id", "risk-model@1", "risk-category@1"]
    assert len(result.scores) == 0 and list(result.missing.columns) == ["record_id", "instrument", "reason"]


def test_risk_mapping_logistic_and_table():
    rc2 = load_specs(["risk-checklist@2"])[0]
    same(risk_from_scores(rc2, [0, 4, NAN]), [expit(-4.0), expit(-4.0 + 0.45 * 4), NAN])
    table = spec_from_mapping(
        {
            "name": "t",
            "version": 1,
            "kind": "risk_checklist",
            "coding": [0, 1],
            "items": [{"id": i, "column": f"c{i}"} for i in range(4)],
            "cutoffs": [{"name": "k", "value": 2, "prespecified": True}],
            "risk_mapping": {
                "type": "table",
                "table": [{"from": 0, "risk": 0.01}, {"from": 2, "risk": 0.05}, {"from": 3, "risk": 0.2}],
            },
        }
    )
    same(risk_from_scores(table, [0, 1, 2, 2.5, 3, 4, NAN]), [0.01, 0.01, 0.05, 0.05, 0.2, 0.2, NAN])
    with pytest.raises(UsageError):
        risk_from_scores(load_specs(["signal-list@1"])[0], [1])


def test_spec_objects_are_immutable():
    spec = load_specs(["risk-model@1"])[0]
    with pytest.raises(AttributeError):
        spec.direction = "lower"  # frozen dataclass
    assert copy.copy(spec) == spec


# ------------------------------------------------------------------------------------------------
# Properties over every bundled specification
# ------------------------------------------------------------------------------------------------
ALL = load_specs(
    [
        "sdq-parent@1",
        "risk-checklist@1",
        "risk-checklist@2",
        "signal-list@1",
        "risk-category@1",
        "sensitivity-observation@1",
        "risk-model@1",
        "checklist-or-signals@1",
    ]
)


def random_records(seed: int, n: int, p_missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {"record_id": [f"r{i}" for i in range(n)]}
    for spec in ALL:
        for c in spec.columns:
            if c in cols:
                continue
            if c.startswith("rater"):
                values = rng.choice(np.array(["RT01", "RT02", ""], dtype=object), n)
            elif c == "risk_probability":
                values = rng.random(n)
            elif spec.coding is not None and spec.coding.codes:
                values = rng.choice(np.array(spec.coding.codes, dtype=object), n)
            else:
                values = rng.random(n)
            values = np.asarray(values, dtype=object)
            values[rng.random(n) < p_missing] = ""
            cols[c] = values
    return pd.DataFrame(cols)


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.sampled_from([0.0, 0.05, 0.3, 0.9]))
def test_every_score_lies_in_its_range_and_every_missing_score_has_a_reason(seed, n, p_missing):
    records = random_records(seed, n, p_missing)
    result = score_records(ALL, records, file=FILE)
    assert result.scores["record_id"].tolist() == records["record_id"].tolist()
    for spec in ALL:
        s = result.scores[spec.id]
        low, high = spec.score_range
        assert ((s.dropna() >= low) & (s.dropna() <= high)).all()
        gone = result.missing[result.missing["instrument"] == spec.id]
        assert gone["record_id"].tolist() == records["record_id"][s.isna()].tolist()
        assert gone["reason"].map(lambda r, name=spec.name: isinstance(r, str) and r.startswith(name + ":")).all()
    combo = result.scores["checklist-or-signals@1"]
    rc = result.scores["risk-checklist@2"] >= 3
    sig = result.scores["signal-list@1"] >= 1
    both = result.scores[["risk-checklist@2", "signal-list@1"]].notna().all(axis=1)
    assert (combo[both] == rc[both].astype(int) + sig[both].astype(int)).all()
    assert combo[~both].isna().all()


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(2, 30))
def test_record_order_does_not_change_scores(seed, n):
    records = random_records(seed, n, 0.1)
    order = np.random.default_rng(seed).permutation(n)
    a = score_records(ALL, records).scores.set_index("record_id")
    b = score_records(ALL, records.iloc[order]).scores.set_index("record_id")
    pd.testing.assert_frame_equal(a, b.loc[a.index])
