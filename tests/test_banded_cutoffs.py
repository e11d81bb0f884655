"""Banded cut-offs: a cut-off per band of a declared records column (docs/instruments.md).

Specification checks and refusals, band assignment at the edges, the per-record screen, accuracy of
the banded rule against a hand-computed 2 x 2 table, paired comparison, disclosure and the report's
choice of the judged cut-off."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from signalering import documents
from signalering.documents import audit, disclosure
from signalering.errors import InputError
from signalering.instruments import (
    assign_band_cutoffs,
    banded_column,
    banded_cutoff_columns,
    load_spec,
    score_records,
    screen_positive,
    spec_from_mapping,
)
from signalering.instruments.scoring import BAND_EMPTY, BAND_NOT_WHOLE, BAND_UNKNOWN
from signalering.report import build, verdict, views

AGE = {
    "name": "age",
    "column": "age_years",
    "prespecified": True,
    "bands": [{"from": 2, "to": 3, "value": 8}, {"from": 4, "to": 17, "value": 14}],
}
SPEC = {"name": "own", "version": 1, "kind": "score", "column": "s", "range": {"min": 0, "max": 40}}


def spec_with(*banded, **extra):
    return spec_from_mapping({**SPEC, **extra, "banded_cutoffs": list(banded)})


# ---------------------------------------------------------------------------------- specification
def test_banded_cut_off_is_read_with_its_bands():
    spec = spec_with(AGE)
    b = spec.banded_cutoff("age")
    assert b.column == "age_years" and b.by_range and b.prespecified
    assert [(x.label, x.value, x.low, x.high) for x in b.bands] == [("2-3", 8.0, 2.0, 3.0), ("4-17", 14.0, 4.0, 17.0)]
    assert b.values == (8.0, 14.0) and spec.band_columns == ("age_years",)


def test_bundled_dutch_norms_by_age_group():
    spec = load_spec("sdq-parent-nl@1")
    clinical = spec.banded_cutoff("nl-clinical")
    # Theunissen et al. 2022, table 2: "> 10, > 14, > 13, > 11" = positive from 11, 15, 14, 12
    assert [(b.label, b.value) for b in clinical.bands] == [("3-4", 11), ("4-7", 15), ("7-11", 14), ("12-14", 12)]
    borderline = spec.banded_cutoff("nl-borderline")
    assert [(b.label, b.value) for b in borderline.bands] == [("3-4", 8), ("4-7", 11), ("7-11", 11), ("12-14", 9)]
    assert clinical.column == "sdq_age_group" and not clinical.by_range


BAD = [
    ({**AGE, "bands": [{"from": 2, "to": 5, "value": 8}, {"from": 5, "to": 9, "value": 9}]}, "overlaps"),
    ({**AGE, "bands": [{"from": 4, "to": 2, "value": 8}]}, "from must not exceed to"),
    ({**AGE, "bands": [{"from": 2, "value": 8}]}, "both from and to"),
    ({**AGE, "bands": [{"code": "a", "value": 8}, {"from": 2, "to": 3, "value": 8}]}, "all are ranges"),
    ({**AGE, "bands": [{"code": "a", "from": 1, "to": 2, "value": 8}]}, "not both"),
    ({**AGE, "bands": [{"code": "a", "value": 8}, {"code": "a", "value": 9}]}, "duplicate band code"),
    ({**AGE, "bands": [{"code": 1, "value": 8}, {"code": 1.0, "value": 9}]}, "duplicate band code"),
    ({**AGE, "bands": [{"code": 1, "value": 8}, {"code": "b", "value": 9}]}, "not a mix"),
    ({**AGE, "bands": [{"from": 2, "to": 3, "value": 41}]}, "outside the score range"),
    ({**AGE, "bands": [{"from": 2.5, "to": 3, "value": 4}]}, "whole number"),
    ({**AGE, "bands": []}, "empty list"),
    ({**AGE, "column": ""}, "must not be empty"),
    ({k: v for k, v in AGE.items() if k != "prespecified"}, "required field"),
    ({**AGE, "bands": [{"code": True, "value": 8}]}, "quoted"),
]


@pytest.mark.parametrize("banded, message", BAD)
def test_bad_banded_cut_offs_are_refused_naming_the_field(banded, message):
    with pytest.raises(InputError) as err:
        spec_with(banded)
    assert message in err.value.reason
    assert "banded_cutoffs[0]" in err.value.column


def test_banded_name_must_differ_from_the_other_cut_offs():
    with pytest.raises(InputError, match="duplicate cut-off name"):
        spec_with({**AGE, "name": "k"}, cutoffs=[{"name": "k", "value": 3, "prespecified": True}])
    with pytest.raises(InputError, match="duplicate cut-off name"):
        spec_with(AGE, AGE)


def test_a_banded_cut_off_counts_as_the_declared_cut_off():
    checklist = {
        "name": "c",
        "version": 1,
        "kind": "risk_checklist",
        "coding": [0, 1],
        "items": [{"id": 1, "column": "a"}, {"id": 2, "column": "b"}],
        "banded_cutoffs": [{**AGE, "bands": [{"from": 0, "to": 17, "value": 1}]}],
    }
    assert spec_from_mapping(checklist).banded_cutoffs[0].name == "age"
    with pytest.raises(InputError, match="at least one named cut-off"):
        spec_from_mapping({k: v for k, v in checklist.items() if k != "banded_cutoffs"})


# ---------------------------------------------------------------------------------- band assignment
def test_range_bands_at_their_edges_and_invalid_values():
    spec = spec_with(AGE)
    ages = [1, 2, 3, 4, 17, 18, None, "", " 4 ", "4.0", "4.5", "four", np.nan, 3.0]
    got = assign_band_cutoffs(spec, "age", ages)
    nan = math.nan
    np.testing.assert_array_equal(got.cutoff, [nan, 8, 8, 14, 14, nan, nan, nan, 14, 14, nan, nan, nan, 8])
    assert got.band.tolist() == [
        None,
        "2-3",
        "2-3",
        "4-17",
        "4-17",
        None,
        None,
        None,
        "4-17",
        "4-17",
        None,
        None,
        None,
        "2-3",
    ]
    assert got.reason.tolist() == [
        BAND_UNKNOWN,
        None,
        None,
        None,
        None,
        BAND_UNKNOWN,
        BAND_EMPTY,
        BAND_EMPTY,
        None,
        None,
        BAND_NOT_WHOLE,
        BAND_NOT_WHOLE,
        BAND_EMPTY,
        None,
    ]


def test_code_bands_match_trimmed_text_exactly():
    spec = load_spec("sdq-parent-nl@1")
    groups = ["3-4", " 7-11 ", "12-14", "4-7", "3-5", "", None, "3-4 jaar"]
    got = assign_band_cutoffs(spec, "nl-clinical", groups)
    nan = math.nan
    np.testing.assert_array_equal(got.cutoff, [11, 14, 12, 15, nan, nan, nan, nan])
    assert got.reason.tolist()[4:] == [BAND_UNKNOWN, BAND_EMPTY, BAND_EMPTY, BAND_UNKNOWN]


def test_numeric_code_bands_match_numbers_written_as_text():
    spec = spec_with({**AGE, "bands": [{"code": 1, "value": 5}, {"code": 2, "value": 7}]})
    got = assign_band_cutoffs(spec, "age", ["1", 2.0, "2.0", 3, "x"])
    np.testing.assert_array_equal(got.cutoff, [5, 7, 7, math.nan, math.nan])


def test_screen_is_positive_at_exactly_the_bands_cut_off():
    # higher: score >= own cut-off; lower: score <= own cut-off; no band or no score: no screen
    np.testing.assert_array_equal(
        screen_positive([8, 7, 14, 13, 5, np.nan], [8, 8, 14, 14, np.nan, 8]), [1, 0, 1, 0, np.nan, np.nan]
    )
    np.testing.assert_array_equal(screen_positive([3, 4, 5], [4, 4, 4], "lower"), [1, 1, 0])


# ------------------------------------------------------------------ accuracy of the banded rule (2 x 2)
# (age, score, reference) with bands 2-3 -> 8 and 4-17 -> 14, direction higher.
RECORDS = [
    (3, 8, 1),  # at the 2-3 cut-off: TP
    (3, 7, 1),  # FN
    (3, 9, 0),  # FP
    (4, 13, 1),  # 13 < 14: FN (positive had the 2-3 cut-off applied)
    (4, 14, 1),  # TP
    (17, 20, 1),  # TP
    (10, 10, 0),  # TN
    (5, 2, 0),  # TN
    (12, 15, 0),  # FP
    (18, 30, 1),  # no band (18): left out
    (None, 12, 0),  # empty band: left out
    ("4.5", 5, 0),  # not a whole number: left out
    (6, None, 1),  # no score: left out (as for every cut-off)
    (7, 11, None),  # not verified: not in the table
]


def frame():
    age, score, ref = zip(*RECORDS)
    return (
        pd.Series(age, dtype=object),
        np.array([np.nan if s is None else s for s in score], dtype=float),
        np.array([np.nan if r is None else r for r in ref], dtype=float),
    )


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_banded_accuracy_matches_the_hand_computed_table():
    spec = spec_with(AGE)
    age, score, ref = frame()
    cut = assign_band_cutoffs(spec, "age", age).cutoff
    bands = {
        "name": "age",
        "column": "age_years",
        "bands": [{"band": "2-3", "cutoff": 8}, {"band": "4-17", "cutoff": 14}],
    }
    e = documents.banded_threshold_entry(score, cut, ref, "higher", banded=bands, prevalences=[0.1])
    assert (e["tp"], e["fp"], e["fn"], e["tn"]) == (3, 2, 2, 2)
    assert e["cutoff"] is None and e["banded"]["name"] == "age"
    assert e["sensitivity"]["estimate"] == pytest.approx(3 / 5)
    assert e["specificity"]["estimate"] == pytest.approx(2 / 4)
    assert e["ppv"]["estimate"] == pytest.approx(3 / 5)
    assert e["npv"]["estimate"] == pytest.approx(2 / 4)
    lo, hi = wilson(3, 5)
    assert (e["sensitivity"]["ci_low"], e["sensitivity"]["ci_high"]) == pytest.approx((lo, hi))
    # PPV at 10% prevalence by Bayes: 0.6*0.1 / (0.6*0.1 + 0.5*0.9)
    assert e["at_prevalence"][0]["ppv"]["estimate"] == pytest.approx(0.06 / (0.06 + 0.45))
    # the verified, scored records without a band (18/30/+, empty/12/-, 4.5/5/-) at each band value
    assert e["excluded_by_band"] == [
        {"cutoff": 8.0, "tp": 1, "fp": 1, "fn": 0, "tn": 1},
        {"cutoff": 14.0, "tp": 1, "fp": 0, "fn": 0, "tn": 2},
    ]


def test_banded_rule_with_direction_lower():
    # positive when score <= own cut-off: (score, cut-off, ref) 3<=4 TP, 5>4 FN, 2<=2 FP, 9>6 TN
    e = documents.banded_threshold_entry(
        [3, 5, 2, 9], [4, 4, 2, 6], [1, 1, 0, 0], "lower", banded={"name": "b", "column": "c", "bands": []}
    )
    assert (e["tp"], e["fn"], e["fp"], e["tn"]) == (1, 1, 1, 1)


def test_score_stage_columns_and_flow_reasons():
    spec = spec_with(AGE)
    age, score, ref = frame()
    records = pd.DataFrame({"record_id": range(len(age)), "s": score, "age_years": age})
    scores = score_records([spec], records).scores
    cuts, excluded = banded_cutoff_columns([spec], records, scores)
    assert list(cuts.columns) == [banded_column("own@1", "age")] == ["own@1#age"]
    assert cuts.iloc[:, 0].notna().sum() == 11  # 9 in the table, the unverified one, the unscored one
    # scored records without a band, by reason; the unscored record (age 6) is not among them
    assert sorted(excluded["reason"]) == sorted([BAND_UNKNOWN, BAND_EMPTY, BAND_NOT_WHOLE])
    scored = int(scores["own@1"].notna().sum())
    assert scored == int(cuts.iloc[:, 0][scores["own@1"].notna()].notna().sum()) + len(excluded)


def test_a_missing_band_column_is_refused_naming_it():
    records = pd.DataFrame({"record_id": [1], "s": [3.0]})
    spec = spec_with(AGE)
    with pytest.raises(InputError) as err:
        banded_cutoff_columns([spec], records, score_records([spec], records).scores, file="r.csv")
    assert err.value.column == "age_years" and "own@1" in err.value.reason


# ---------------------------------------------------------------------------------- paired comparison
def test_mcnemar_with_a_banded_cut_off_against_a_number():
    spec = spec_with(AGE)
    age, score, ref = frame()
    cut = assign_band_cutoffs(spec, "age", age).cutoff
    doc = documents.comparison_document(score, score, ref, cutoff_a=cut, cutoff_b=10.0, banded_a="age")
    at = doc["at_cutoffs"]
    assert at["banded_a"] == "age" and at["cutoff_a"] is None and at["cutoff_b"] == 10.0
    # hand-computed over the 9 records with a band: B positive at >= 10
    assert at["cells"] == {
        "positive": {"both": 2, "a_only": 1, "b_only": 1, "neither": 1},
        "negative": {"both": 1, "a_only": 1, "b_only": 1, "neither": 1},
    }
    assert at["sensitivity"]["a"] == pytest.approx(3 / 5) and at["sensitivity"]["b"] == pytest.approx(3 / 5)
    assert at["sensitivity"]["mcnemar_p"] == pytest.approx(1.0)  # 1 vs 1 discordant, exact
    assert doc["n"] == 12  # DeLong on the raw scores: every scored, verified record (9 + 3 without band)


def test_per_record_cut_offs_without_a_name_are_refused():
    with pytest.raises(Exception, match="banded"):
        documents.comparison_document([1.0, 2.0], [1.0, 2.0], [1, 0], cutoff_a=np.array([1.0, 1.0]), cutoff_b=1.0)


# ---------------------------------------------------------------------------------- disclosure
def accuracy_doc(banded_entry: dict) -> dict:
    plain = {"cutoff": 14.0, "tp": 40, "fp": 30, "fn": 20, "tn": 110, "names": []}
    return {
        "n": 200,
        "n_positive": 60,
        "n_negative": 140,
        "n_unverified": 0,
        "n_missing_score": 0,
        "thresholds": [plain, banded_entry],
    }


def banded_entry(values=(14.0,), **cells) -> dict:
    bands = [{"band": str(k), "cutoff": v} for k, v in enumerate(values)]
    e = {"cutoff": None, "banded": {"name": "age", "column": "a", "bands": bands}, "names": ["age"]}
    e.update({"tp": 30, "fp": 15, "fn": 20, "tn": 100, **cells})
    e["excluded_by_band"] = [{"cutoff": 14.0, "tp": 10, "fp": 15, "fn": 0, "tn": 10}]
    return e


def test_a_banded_table_is_published_without_its_disclosure_input():
    out, log = disclosure.suppress_accuracy_document(accuracy_doc(banded_entry()), 10)
    e = out["thresholds"][1]
    assert "suppressed" not in e and e["tp"] == 30 and "excluded_by_band" not in e
    assert not [x for x in log if "banded" in x["location"]]


def test_a_banded_table_is_withheld_when_the_records_without_band_are_few():
    e = banded_entry()
    e["excluded_by_band"] = [{"cutoff": 14.0, "tp": 3, "fp": 15, "fn": 0, "tn": 10}]  # 3 is small
    out, log = disclosure.suppress_accuracy_document(accuracy_doc(e), 10)
    assert out["thresholds"][1]["suppressed"] and out["thresholds"][1]["tp"] is None
    assert "excluded_by_band" not in out["thresholds"][1]
    assert any("banded=age" in x["location"] for x in log)


def test_with_several_band_values_only_the_margins_of_the_records_without_band_count():
    e = banded_entry()
    # small cells at each value, but 10 positives and 25 negatives without band: published
    e["excluded_by_band"] = [
        {"cutoff": 11.0, "tp": 3, "fp": 15, "fn": 7, "tn": 10},
        {"cutoff": 14.0, "tp": 2, "fp": 5, "fn": 8, "tn": 20},
    ]
    out, _ = disclosure.suppress_accuracy_document(accuracy_doc(e), 10)
    assert "suppressed" not in out["thresholds"][1]
    # 4 positives without band (n_positive minus tp + fn of the table): withheld
    e["excluded_by_band"] = [
        {"cutoff": 11.0, "tp": 3, "fp": 15, "fn": 1, "tn": 10},
        {"cutoff": 14.0, "tp": 2, "fp": 5, "fn": 2, "tn": 20},
    ]
    out, _ = disclosure.suppress_accuracy_document(accuracy_doc(e), 10)
    assert out["thresholds"][1]["suppressed"]


def test_a_banded_table_close_to_the_table_at_its_one_value_is_withheld():
    # one band value (14): the banded table is nested in the all-records table at 14 (tp 40)
    out, _ = disclosure.suppress_accuracy_document(accuracy_doc(banded_entry(tp=36)), 10)  # differs by 4
    assert out["thresholds"][1]["suppressed"]
    # several band values: not nested in any one table, rule 5 does not apply
    out, _ = disclosure.suppress_accuracy_document(accuracy_doc(banded_entry((11.0, 14.0), tp=36)), 10)
    assert "suppressed" not in out["thresholds"][1]
    out, _ = disclosure.suppress_accuracy_document(accuracy_doc(banded_entry(fn=4)), 10)  # small cell
    assert out["thresholds"][1]["suppressed"] and out["thresholds"][1]["fn"] == "<10"


# ---------------------------------------------------------------------------------- report
INSTRUMENT = {
    "id": "own@1",
    "direction": "higher",
    "cutoffs": [{"name": "uk", "value": 17.0, "prespecified": True}],
    "banded_cutoffs": [
        {"name": "age", "column": "age_years", "prespecified": True, "bands": [{"band": "4-17", "cutoff": 17.0}]}
    ],
}


def report_doc():
    plain = {"cutoff": 17.0, "names": ["uk"], "prespecified": True}
    banded = {"cutoff": None, "banded": {"name": "age"}, "names": ["age"], "prespecified": True}
    return {"thresholds": [plain, banded]}


def test_the_report_judges_the_pre_specified_banded_cut_off_first():
    assert verdict.primary_threshold(report_doc(), INSTRUMENT, {}) == (1, None)
    # a judged number (evaluate.judged_cutoff) or a criteria cut-off wins over the bands
    assert verdict.primary_threshold(report_doc(), INSTRUMENT, {}, judged=17.0) == (0, None)
    assert verdict.primary_threshold(report_doc(), INSTRUMENT, {"cutoff": 17}) == (0, None)
    assert verdict.primary_threshold(report_doc(), INSTRUMENT, {"cutoff": "age"}) == (1, None)
    assert verdict.primary_threshold(report_doc(), INSTRUMENT, {"cutoff": "nope"}) == (None, "criteria_cutoff_missing")
    exploratory = copy.deepcopy(INSTRUMENT)
    exploratory["banded_cutoffs"][0]["prespecified"] = False
    assert verdict.primary_threshold(report_doc(), exploratory, {}) == (0, None)


@pytest.mark.parametrize("lang, words", [("en", "own band (age)"), ("nl", "eigen band van het record (age)")])
def test_the_report_names_the_banded_rule_and_its_bands(lang, words):
    fmt = views.Fmt(lang, build.load_texts(lang))
    e = report_doc()["thresholds"][1]
    assert fmt.entry_rule("higher", e).endswith(words)
    assert fmt.entry_rule("higher", report_doc()["thresholds"][0]) == fmt.rule("higher", 17.0)
    assert (
        fmt.bands("higher", [{"band": "3-4", "cutoff": 11}, {"band": "4-7", "cutoff": 15}])
        == "3-4: \u2265 11 \u00b7 4-7: \u2265 15"
    )
    view = views.banded_view(INSTRUMENT, {"no_band": {"age": {"band column empty": 12}}}, "higher", fmt)
    assert view[0]["bands"] == "4-17: \u2265 17" and view[0]["excluded"][0]["n"] == fmt.count(12)
    assert view[0]["excluded"][0]["reason"] == fmt.say("band column empty")


def test_headline_metrics_key_a_banded_table_by_its_name():
    doc = {"thresholds": [{"cutoff": None, "banded": {"name": "nl-clinical"}, "sensitivity": {"estimate": 0.7}}]}
    assert build.headline_metrics({"x@1": doc})["x@1"] == {"sensitivity_at_band_nl-clinical": 0.7}


# ---------------------------------------------------------------------------------- bundled banded SDQ specs
EX1 = "2 1 0 2 1 0 2 1 2 1 2 0 0 1 2 1 2 0 0 1 0 0 1 1 1"  # total 13 (test_sdq.py)
EX2 = "2 2 1 . 1 1 2 . 2 1 2 . 2 2 1 1 1 1 0 . . 0 0 . 1"  # total 17 (prorated, half up)


@pytest.mark.parametrize("spec_id", ["sdq-parent-nl@1", "sdq-parent-age@1"])
def test_banded_sdq_specs_score_exactly_as_the_parent_form(spec_id):
    spec, parent = load_spec(spec_id), load_spec("sdq-parent@1")
    assert spec.items == parent.items and spec.scales == parent.scales and spec.coding == parent.coding


def test_uk_cut_off_by_age_in_years_on_worked_examples():
    spec = load_spec("sdq-parent-age@1")
    rows = [(EX2, 3), (EX2, 4), (EX2, 17), (EX2, 18), (EX1, 10), (EX1, "")]
    records = pd.DataFrame(
        [
            {
                "record_id": k,
                "age_years": age,
                **{f"sdq_{i:02d}": ("" if a == "." else a) for i, a in enumerate(f.split(), 1)},
            }
            for k, (f, age) in enumerate(rows)
        ]
    )
    scores = score_records([spec], records).scores[spec.id].to_numpy()
    assert scores.tolist() == [17, 17, 17, 17, 13, 13]
    abnormal = assign_band_cutoffs(spec, "uk-abnormal-by-age", records["age_years"])
    # age 3 and 18 have no UK 4-17 cut-off, nor has an empty age; 17 is inside the band
    np.testing.assert_array_equal(screen_positive(scores, abnormal.cutoff), [np.nan, 1, 1, np.nan, 0, np.nan])
    borderline = assign_band_cutoffs(spec, "uk-borderline-by-age", records["age_years"])
    np.testing.assert_array_equal(screen_positive(scores, borderline.cutoff), [np.nan, 1, 1, np.nan, 0, np.nan])
    assert abnormal.reason.tolist() == [BAND_UNKNOWN, None, None, BAND_UNKNOWN, None, BAND_EMPTY]


def test_dutch_norms_judge_the_same_total_differently_by_age_group():
    # total 13 (EX1): clinical from 11 at 3-4, 15 at 4-7, 14 at 7-11, 12 at 12-14
    spec = load_spec("sdq-parent-nl@1")
    cut = assign_band_cutoffs(spec, "nl-clinical", ["3-4", "4-7", "7-11", "12-14"]).cutoff
    np.testing.assert_array_equal(screen_positive([13, 13, 13, 13], cut), [1, 0, 0, 1])
    cut = assign_band_cutoffs(spec, "nl-borderline", ["3-4", "4-7", "7-11", "12-14"]).cutoff
    np.testing.assert_array_equal(screen_positive([10, 10, 10, 10], cut), [1, 0, 0, 1])


def test_the_disclosure_audit_does_not_take_a_banded_tables_margins_for_the_documents():
    # n_positive withheld; the banded table has no reference-positive record, but it counts only the
    # records with a band: it does not show that the document has none (an all-records table would)
    banded = {"cutoff": None, "banded": {"name": "age"}, "tp": 0, "fp": 30, "fn": 0, "tn": 60}
    doc = {"n": 100, "n_positive": None, "n_negative": None, "n_unverified": 0, "thresholds": [banded]}
    assert audit.audit_document(doc, "a.json", 10) == []
    plain = copy.deepcopy(doc)
    plain["n"] = 90
    plain["thresholds"][0] = {k: v for k, v in banded.items() if k != "banded"} | {"cutoff": 14.0}
    assert audit.audit_document(plain, "a.json", 10) == [
        {"file": "a.json", "location": "document", "attack": "totals", "recovered": ["n_positive"]}
    ]


# ---------------------------------------------------------------------------------- subgroups
def test_subgroup_document_adds_the_banded_table_per_group():
    spec = spec_with(AGE)
    age, score, ref = frame()
    frame_ = pd.DataFrame(
        {
            "s": score,
            "ref": ref,
            "cut": assign_band_cutoffs(spec, "age", age).cutoff,
            "sex": ["f", "m", "f", "m", "f", "m", "f", "m", "f", "m", "f", "m", "f", "m"],
        }
    )
    bands = {
        "name": "age",
        "column": "age_years",
        "bands": [{"band": "2-3", "cutoff": 8}, {"band": "4-17", "cutoff": 14}],
    }
    doc = documents.subgroup_document(frame_, "s", "ref", ["sex"], cutoffs=[10.0], banded=[(bands, "cut")])
    assert doc["cutoffs"] == [10.0] and doc["banded_cutoffs"] == ["age"]
    overall = doc["overall"]["thresholds"][1]
    assert (overall["tp"], overall["fp"], overall["fn"], overall["tn"]) == (3, 2, 2, 2)  # as by hand above
    groups = doc["subgroups"]["sex"]["groups"]
    # by hand: f = records 1, 3, 5, 7, 9 (TP, FP, TP, TN, FP); m = 2, 4, 6, 8 (FN, FN, TP, TN)
    f, m = groups["f"]["thresholds"][1], groups["m"]["thresholds"][1]
    assert (f["tp"], f["fp"], f["fn"], f["tn"]) == (2, 2, 0, 1)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 0, 2, 1)
    largest = doc["subgroups"]["sex"]["largest_difference"][1]
    assert largest["banded"] == "age" and largest["cutoff"] is None
    assert largest["sensitivity"]["highest"] == {"group": "f", "estimate": 1.0}
    # the report shows the groups at the banded cut-off when it is the one judged
    fmt = views.Fmt("en", build.load_texts("en"))
    view = views.subgroup_view(doc, None, fmt, build.load_texts("en"), banded="age")
    assert view["cutoff"].endswith("own band (age)")
    assert [r["sens"] for r in view["blocks"][0]["rows"]][0].startswith("100")


def test_a_banded_table_without_records_says_that_no_record_has_a_band():
    e = documents.banded_threshold_entry(
        [3, 5], [np.nan, np.nan], [1, 0], "higher", banded={"name": "b", "column": "c", "bands": []}
    )
    assert (e["tp"], e["fp"], e["fn"], e["tn"]) == (0, 0, 0, 0)
    assert e["sensitivity"]["estimate"] is None and e["sensitivity"]["reason"] == documents.NO_BAND_RECORDS
    for lang in ("en", "nl"):
        fmt = views.Fmt(lang, build.load_texts(lang))
        assert fmt.say(documents.NO_BAND_RECORDS) != build.load_texts(lang)["reason_other"]
