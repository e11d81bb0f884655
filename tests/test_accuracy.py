"""Accuracy at cut-offs, prevalence-dependent PPV/NPV, the accuracy.json document and `evaluate`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from signalering import cli, documents
from signalering.errors import UsageError
from signalering.stats import accuracy
from signalering.stats.counts import CountTable


def sputovamo() -> CountTable:
    """SPUTOVAMO-R2 verified table (methodology.md section 2): screen positive = score 1."""
    return CountTable.from_counts([0, 1], n_pos=[52, 9], n_neg=[5432, 99])


def stat(stats: pd.DataFrame, name: str, cutoff: float = 1.0) -> pd.Series:
    return stats[(stats.statistic == name) & (stats.cutoff == cutoff)].iloc[0]


def test_sputovamo_table_all_statistics():
    cells, stats = accuracy.accuracy_table(sputovamo(), [1])
    assert cells[["tp", "fp", "tn", "fn"]].iloc[0].tolist() == [9, 99, 5432, 52]
    assert cells.youden.iloc[0] == pytest.approx(9 / 61 + 5432 / 5531 - 1, abs=1e-15)
    assert round(cells.youden.iloc[0], 4) == 0.1296
    expected = {
        "sensitivity": (9 / 61, 0.0796, 0.2572),
        "specificity": (5432 / 5531, 0.9783, 0.9853),
        "ppv": (9 / 108, 0.0445, 0.1508),
        "npv": (5432 / 5484, 0.9876, 0.9928),
        "accuracy": (5441 / 5592, None, None),
        "lr_positive": (8.2429, 4.3726, 15.5391),
        "lr_negative": (0.868, 0.7819, 0.9636),
        "dor": (9.4965, 4.5537, 19.8046),
    }
    for name, (est, lo, hi) in expected.items():
        s = stat(stats, name)
        assert s.estimate == pytest.approx(est, abs=5e-5)
        if lo is not None:
            assert (round(s.ci_low, 4), round(s.ci_high, 4)) == (lo, hi)
        assert s.reason is None
    assert stat(stats, "sensitivity").method == "wilson" and stat(stats, "dor").method == "log"


def test_clopper_pearson_reproduces_published_intervals():
    _, stats = accuracy.accuracy_table(sputovamo(), [1], ci_method="clopper-pearson")
    # published: sens 14.8 (7.0-26.2), spec 98.2 (97.8-98.5), PPV 8.3 (3.9-15.2), NPV 99.1 (98.8-99.3)
    for name, (lo, hi) in {
        "sensitivity": (7.0, 26.2),
        "specificity": (97.8, 98.5),
        "ppv": (3.9, 15.2),
        "npv": (98.8, 99.3),
    }.items():
        s = stat(stats, name)
        assert (round(100 * s.ci_low, 1), round(100 * s.ci_high, 1)) == (lo, hi)


def test_zero_cells_give_reasons_and_correction_is_labelled():
    t = CountTable.from_scores([5, 5, 1, 1, 1], [1, 1, 0, 0, 1])  # cut-off 5: fp = 0
    _, stats = accuracy.accuracy_table(t, [5, 9])
    lr = stat(stats, "lr_positive", 5)
    assert np.isnan(lr.estimate) and "fp is 0" in lr.reason
    assert np.isnan(stat(stats, "dor", 5).estimate) and stat(stats, "dor", 5).reason
    ppv9 = stat(stats, "ppv", 9)  # nobody screens positive at 9
    assert np.isnan(ppv9.estimate) and ppv9.reason == "no records screened positive"
    assert stat(stats, "sensitivity", 9).estimate == 0.0
    _, corrected = accuracy.accuracy_table(t, [5], correction=0.5)
    lr = stat(corrected, "lr_positive", 5)
    assert lr.estimate == pytest.approx((2.5 / 4) / (0.5 / 3))  # tp 2, fp 0, fn 1, tn 2 plus 0.5 each
    assert lr.method == "log, 0.5 added to every cell"
    with pytest.raises(UsageError, match="correction"):
        accuracy.accuracy_table(t, [5], correction=-1)


def test_no_positives_makes_sensitivity_undefined():
    _, stats = accuracy.accuracy_table(CountTable.from_scores([1, 2], [0, 0]), [2])
    s = stat(stats, "sensitivity", 2)
    assert np.isnan(s.estimate) and s.reason == "no reference-positive records"


@pytest.mark.parametrize(
    "prev,ppv,npv,tp,fn,fp,tn",
    [
        (0.034, 0.225, 0.970, 5.0, 29.0, 17.3, 948.7),
        (0.010, 0.077, 0.991, 1.5, 8.5, 17.7, 972.3),
        (0.150, 0.593, 0.867, 22.1, 127.9, 15.2, 834.8),
    ],
)
def test_at_prevalence_methodology_table(prev, ppv, npv, tp, fn, fp, tn):
    r = accuracy.at_prevalence(0.1475, 0.9821, prev).iloc[0]
    assert (round(r.ppv, 3), round(r.npv, 3)) == (ppv, npv)
    assert [round(r[f"{k}_per_1000"], 1) for k in ("tp", "fn", "fp", "tn")] == [tp, fn, fp, tn]


def test_at_prevalence_iparan_example():
    r = accuracy.at_prevalence(0.70, 0.80, 17 / 4692).iloc[0]
    assert round(100 * r.ppv, 1) == 1.3
    assert round(r.tp_per_1000, 1) == 2.5 and round(r.fp_per_1000) == 199
    with pytest.raises(UsageError, match="prevalence"):
        accuracy.at_prevalence(0.7, 0.8, 1.5)


def _records(n=600, seed=0, unverified=0.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(float)
    s = np.clip(np.round(rng.normal(3 + 2 * y, 1.5)), 0, 10)
    if unverified:
        y[(rng.random(n) < unverified) & (s < 4)] = np.nan
    return s, y


def test_document_keeps_contract_keys_and_adds_new_ones():
    s, y = _records(unverified=0.5)
    doc = documents.accuracy_document(CountTable.from_scores(s, y), [4, 5], prevalences=[0.05], n_boot=200, seed=3)
    for key in (
        "schema_version",
        "n",
        "n_positive",
        "n_negative",
        "n_unverified",
        "direction",
        "auc",
        "thresholds",
        "optimal",
        "auc_bootstrap",
        "bootstrap",
        "partial_auc",
        "cutpoints",
        "verification_corrected",
    ):
        assert key in doc
    th = doc["thresholds"][0]
    for key in (
        "cutoff",
        "tp",
        "fp",
        "tn",
        "fn",
        "sensitivity",
        "specificity",
        "ppv",
        "npv",
        "accuracy",
        "lr_positive",
        "lr_negative",
        "dor",
        "youden",
        "at_prevalence",
        "bootstrap",
    ):
        assert key in th
    tp = th["at_prevalence"][0]["per_1000"]["tp"]
    assert tp["estimate"] == pytest.approx(1000 * 0.05 * th["sensitivity"]["estimate"])
    assert (tp["ci_low"], tp["ci_high"]) == pytest.approx(
        (50 * th["sensitivity"]["ci_low"], 50 * th["sensitivity"]["ci_high"])
    )
    for key in ("ppv", "npv"):
        iv = th["at_prevalence"][0][key]
        assert iv["ci_low"] <= iv["estimate"] <= iv["ci_high"] and iv["method"] == "logit (Mercaldo 2007)"
    assert doc["auc_bootstrap"]["method"] == "bootstrap-percentile" and doc["auc_bootstrap"]["replicates"] == 200
    assert doc["auc_bootstrap"]["estimate"] == doc["auc"]["estimate"]
    b = th["bootstrap"]["sensitivity"]
    assert b["ci_low"] <= b["estimate"] <= b["ci_high"]
    assert [c["method"] for c in doc["cutpoints"]] == ["youden", "closest_to_01", "min_cost"]
    assert doc["cutpoints"][0]["cutoff"] == doc["optimal"]["cutoff"]
    v = doc["verification_corrected"]["thresholds"][0]
    assert set(v) >= {"naive", "corrected", "sensitivity_analysis", "n_unverified_screen_negative"}
    assert v["naive"]["sensitivity"]["estimate"] == th["sensitivity"]["estimate"]
    assert v["corrected"]["sensitivity"]["estimate"] < v["naive"]["sensitivity"]["estimate"]
    assert doc["n"] == len(s) and doc["n_unverified"] == int(np.isnan(y).sum())
    json.dumps(doc, allow_nan=False)


def test_document_without_bootstrap_has_no_bootstrap_keys_and_is_reproducible_with_seed():
    s, y = _records()
    t = CountTable.from_scores(s, y)
    plain = documents.accuracy_document(t)
    assert "auc_bootstrap" not in plain and "bootstrap" not in plain["thresholds"][0]
    assert plain["partial_auc"]["partial_auc"]["ci_low"] is None and plain["partial_auc"]["partial_auc"]["reason"]
    assert plain["verification_corrected"]["thresholds"] == []
    a = documents.accuracy_document(t, n_boot=100, seed=11)
    b = documents.accuracy_document(t, n_boot=100, seed=11)
    c = documents.accuracy_document(t, n_boot=100, seed=12)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["auc_bootstrap"] != c["auc_bootstrap"]


def test_document_with_one_class_has_reasons_not_numbers():
    doc = documents.accuracy_document(CountTable.from_scores([1, 2, 3], [0, 0, 0]), n_boot=50)
    assert doc["auc"]["estimate"] is None and doc["auc"]["reason"]
    assert doc["optimal"]["cutoff"] is None and doc["cutpoints"][0]["cutoff"] is None
    assert doc["bootstrap"]["replicates"] == 0 and "auc_bootstrap" not in doc
    json.dumps(doc, allow_nan=False)


def test_cli_evaluate_writes_document(tmp_path):
    s, y = _records(unverified=0.3)
    records = tmp_path / "records.csv"
    pd.DataFrame(
        {"record_id": [f"r{i}" for i in range(len(s))], "score": s, "ref": pd.Series(y).map({1.0: "1", 0.0: "0"})}
    ).to_csv(records, index=False)
    out = tmp_path / "out"
    status = cli.main(
        [
            "evaluate",
            "--records",
            str(records),
            "--score",
            "score",
            "--reference",
            "ref",
            "--cutoff",
            "4",
            "--prevalence",
            "0.05",
            "--bootstrap",
            "100",
            "--seed",
            "7",
            "--correction",
            "0.5",
            "--min-specificity",
            "0.9",
            "--min-sensitivity",
            "0.8",
            "--cost-ratio",
            "5",
            "--partial-auc-specificity",
            "0.9",
            "1.0",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    doc = json.loads((out / "accuracy.json").read_text())
    assert doc["bootstrap"]["seed"] == 7 and doc["correction"] == 0.5
    assert doc["partial_auc"]["specificity_low"] == 0.9
    assert doc["thresholds"][0]["dor"]["method"] == "log, 0.5 added to every cell"
    rules = {c["method"]: c for c in doc["cutpoints"]}
    assert rules["max_sensitivity"]["min_specificity"] == 0.9 and rules["min_cost"]["cost_ratio_fn_fp"] == 5.0
    assert rules["max_sensitivity"]["specificity"] >= 0.9 and rules["max_specificity"]["sensitivity"] >= 0.8
    assert doc["verification_corrected"]["thresholds"][0]["cutoff"] == 4.0


@pytest.mark.parametrize(
    "bad", [["--bootstrap", "-1"], ["--correction", "-0.5"], ["--confidence", "2"], ["--min-specificity", "1.5"]]
)
def test_cli_evaluate_refuses_bad_options(tmp_path, bad):
    records = tmp_path / "r.csv"
    records.write_text("record_id,score,ref\na,1,1\nb,0,0\n")
    assert (
        cli.main(
            [
                "evaluate",
                "--records",
                str(records),
                "--score",
                "score",
                "--reference",
                "ref",
                "--out",
                str(tmp_path / "o"),
                *bad,
            ]
        )
        == 2
    )


def test_document_names_itself_in_argument_errors():
    t = CountTable.from_scores([3, 2, 2, 1, 0], [1, 1, 0, 0, 0])
    with pytest.raises(UsageError, match="'confidence' parameter of accuracy_document"):
        documents.accuracy_document(t, confidence=1.5)
    with pytest.raises(UsageError, match="'ci_method' parameter of accuracy_document"):
        documents.accuracy_document(t, ci_method="wald")


def test_undefined_at_prevalence_values_and_standardised_partial_auc_carry_reasons():
    t = CountTable.from_scores([1, 1, 2, 3, 4, 5], [1, 1, 0, 0, 0, 0])
    doc = documents.accuracy_document(t, [0, 9], prevalences=[0.1])
    everyone, nobody = doc["thresholds"]
    assert nobody["at_prevalence"][0]["ppv"]["estimate"] is None
    assert nobody["at_prevalence"][0]["ppv"]["reason"] == "nobody screens positive"
    assert everyone["at_prevalence"][0]["npv"]["estimate"] is None
    assert everyone["at_prevalence"][0]["npv"]["reason"] == "nobody screens negative"
    std = doc["partial_auc"]["standardised"]
    assert std["estimate"] is None and std["reason"].startswith("the ROC curve lies below the chance diagonal")
    assert doc["partial_auc"]["partial_auc"]["estimate"] == 0.0
    allowed = documents.accuracy_document(t, [0], partial_auc_allow_invalid=True)["partial_auc"]["standardised"]
    assert allowed["estimate"] == pytest.approx(0.4444444444444444)
    booted = documents.accuracy_document(t, [0], n_boot=50, seed=1)["partial_auc"]["standardised"]
    assert booted["estimate"] is None and booted["ci_low"] is None and booted["reason"] == std["reason"]
