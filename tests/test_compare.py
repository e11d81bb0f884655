"""Paired comparison of two scores: DeLong vs pROC, McNemar vs R and statsmodels, delta-method intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from signalering import cli, documents
from signalering.stats import compare

REF = Path(__file__).parent / "reference" / "proc_compare" / "asah_pairs.json"


@pytest.fixture(scope="module")
def asah():
    return json.loads(REF.read_text())


def _case_id(case):
    return f"{case['name_a']}-vs-{case['name_b']}"


def test_fixture_has_three_pairs(asah):
    assert [_case_id(c) for c in asah["cases"]] == ["s100b-vs-ndka", "s100b-vs-wfns", "wfns-vs-ndka"]


@pytest.mark.parametrize("i", range(3))
def test_delong_paired_matches_proc_roc_test(asah, i):
    case, inp = asah["cases"][i], asah["inputs"]
    e = case["expected"]
    r = compare.delong_paired(inp[case["name_a"]], inp[case["name_b"]], inp["reference"])
    assert r.auc_a.estimate == pytest.approx(e["auc_a"], abs=1e-12)
    assert r.auc_b.estimate == pytest.approx(e["auc_b"], abs=1e-12)
    assert r.auc_a.variance == pytest.approx(e["var_a"], abs=1e-12)
    assert r.auc_b.variance == pytest.approx(e["var_b"], abs=1e-12)
    assert r.variance == pytest.approx(e["var_a"] + e["var_b"] - 2 * e["cov"], abs=1e-12)
    assert (r.difference, r.z, r.p_value, r.ci_low, r.ci_high) == pytest.approx(
        (e["auc_a"] - e["auc_b"], e["z"], e["p_value"], e["ci_low"], e["ci_high"]), abs=1e-9
    )
    assert r.n == 113 and r.n_positive == 41


@pytest.mark.parametrize("i", range(3))
@pytest.mark.parametrize("stat", ["sensitivity", "specificity"])
def test_mcnemar_at_cutoffs_matches_r(asah, i, stat):
    case, inp = asah["cases"][i], asah["inputs"]
    e = case["expected"][stat]
    args = (inp[case["name_a"]], inp[case["name_b"]], inp["reference"])
    kw = dict(cutoff_a=case["cutoff_a"], cutoff_b=case["cutoff_b"])
    exact = documents.comparison_document(*args, **kw)["at_cutoffs"][stat]
    assert (exact["mcnemar"]["correct_a_only"], exact["mcnemar"]["correct_b_only"]) == (e["a_only"], e["b_only"])
    assert exact["mcnemar_p"] == pytest.approx(e["exact_p"], abs=1e-12)
    chisq = documents.comparison_document(*args, mcnemar="chi-square", **kw)["at_cutoffs"][stat]
    assert chisq["mcnemar"]["statistic"] == pytest.approx(e["chisq_statistic"], abs=1e-12)
    assert chisq["mcnemar_p"] == pytest.approx(e["chisq_p"], abs=1e-12)


@pytest.mark.parametrize(
    "table", [[[20, 9], [3, 50]], [[5, 0], [0, 5]], [[10, 1], [12, 3]], [[0, 30], [25, 0]], [[100, 2], [0, 40]]]
)
def test_mcnemar_matches_statsmodels(table):
    b, c = table[0][1], table[1][0]
    stat, p = compare.mcnemar_test(b, c, "exact")
    ref = sm_mcnemar(np.array(table), exact=True)
    assert (stat[0], p[0]) == pytest.approx((ref.statistic, ref.pvalue), abs=1e-12)
    if b + c > 0:
        stat, p = compare.mcnemar_test(b, c, "chi-square")
        ref = sm_mcnemar(np.array(table), exact=False, correction=True)
        assert (stat[0], p[0]) == pytest.approx((ref.statistic, ref.pvalue), abs=1e-12)


def test_mcnemar_hand_checked():
    # b = 9, c = 3: exact p = 2 * P(Bin(12, 1/2) <= 3) = 2 * 299 / 4096; chi-square (|9-3|-1)^2/12 = 25/12
    stat, p = compare.mcnemar_test(9, 3, "exact")
    assert p[0] == pytest.approx(2 * 299 / 4096, abs=1e-15)
    stat, p = compare.mcnemar_test(9, 3, "chi-square")
    assert stat[0] == pytest.approx(25 / 12)
    assert compare.mcnemar_test(0, 0, "exact")[1][0] == 1.0
    assert np.isnan(compare.mcnemar_test(0, 0, "chi-square")[1][0])


def _cells(pos_both, pos_a, pos_b, pos_none, neg_both, neg_a, neg_b, neg_none):
    c = np.zeros((2, 2, 2), np.int64)
    c[1, 1, 1], c[1, 1, 0], c[1, 0, 1], c[1, 0, 0] = pos_both, pos_a, pos_b, pos_none
    c[0, 1, 1], c[0, 1, 0], c[0, 0, 1], c[0, 0, 0] = neg_both, neg_a, neg_b, neg_none
    return c


CELLS = _cells(30, 12, 5, 8, 40, 25, 60, 800)


def test_relative_sensitivity_is_alonzo_pepe_moskowitz_log_method():
    a, b, c = 30, 12, 5  # both, A only, B only among reference-positives
    res = compare.paired_contrast(CELLS, "sensitivity", "ratio")
    assert res["estimate"] == pytest.approx((a + b) / (a + c))
    se = np.sqrt((b + c) / ((a + b) * (a + c)))
    assert res["se"] == pytest.approx(se)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(
        ((a + b) / (a + c) * np.exp(-1.959963984540054 * se), (a + b) / (a + c) * np.exp(1.959963984540054 * se))
    )


def test_relative_specificity_uses_negatives_only():
    # specificity: correct = screen negative among reference-negatives
    spec_a, spec_b = (60 + 800) / 925, (25 + 800) / 925
    res = compare.paired_contrast(CELLS, "specificity", "ratio")
    assert res["estimate"] == pytest.approx(spec_a / spec_b)
    a, b, c = 800, 60, 25  # both correct, A only correct, B only correct
    assert res["se"] == pytest.approx(np.sqrt((b + c) / ((a + b) * (a + c))))


def test_difference_of_sensitivity_is_paired_wald():
    n1, b, c = 55, 12, 5
    res = compare.paired_contrast(CELLS, "sensitivity", "difference")
    assert res["estimate"] == pytest.approx((b - c) / n1)
    assert res["se"] == pytest.approx(np.sqrt(b + c - (b - c) ** 2 / n1) / n1)


@pytest.mark.parametrize("stat", ["sensitivity", "specificity", "ppv", "npv"])
@pytest.mark.parametrize("contrast", ["difference", "ratio"])
def test_delta_method_se_agrees_with_multinomial_bootstrap(stat, contrast):
    rng = np.random.default_rng(7)
    total = int(CELLS.sum())
    p = CELLS.ravel() / total
    reps = rng.multinomial(total, p, size=20000).reshape(-1, 2, 2, 2)
    masks, _ = compare.PROPORTION_MASKS[stat]
    flat = reps.reshape(len(reps), 8).astype(float)
    ra = flat @ masks["a"][0] / (flat @ masks["a"][1])
    rb = flat @ masks["b"][0] / (flat @ masks["b"][1])
    boot = ra - rb if contrast == "difference" else np.log(ra / rb)
    res = compare.paired_contrast(CELLS, stat, contrast)
    assert res["se"] == pytest.approx(np.std(boot, ddof=1), rel=0.05)


def test_ppv_difference_hand_computed():
    ppv_a = (30 + 12) / (30 + 12 + 40 + 25)
    ppv_b = (30 + 5) / (30 + 5 + 40 + 60)
    res = compare.paired_contrast(CELLS, "ppv", "difference")
    assert res["estimate"] == pytest.approx(ppv_a - ppv_b)
    assert res["ci_low"] < res["estimate"] < res["ci_high"]


def test_nri_equals_differences_of_sensitivity_and_specificity():
    nri = compare.net_reclassification(CELLS)
    sens = compare.paired_contrast(CELLS, "sensitivity", "difference")
    spec = compare.paired_contrast(CELLS, "specificity", "difference")
    assert nri["events"]["estimate"] == pytest.approx(sens["estimate"])
    assert nri["nonevents"]["estimate"] == pytest.approx(spec["estimate"])
    assert nri["total"]["estimate"] == pytest.approx(sens["estimate"] + spec["estimate"])
    assert (nri["events_up"], nri["events_down"], nri["nonevents_up"], nri["nonevents_down"]) == (12, 5, 25, 60)
    assert nri["events"]["estimate"] == pytest.approx((12 - 5) / 55)
    assert nri["nonevents"]["estimate"] == pytest.approx((60 - 25) / 925)


def test_zero_discordance_and_zero_numerator():
    same = _cells(10, 0, 0, 5, 3, 0, 0, 50)
    r = compare.paired_contrast(same, "sensitivity", "ratio")
    assert r["estimate"] == 1.0 and r["ci_low"] == r["ci_high"] == 1.0 and "zero width" in r["reason"]
    none_a = _cells(0, 0, 4, 5, 3, 0, 0, 50)
    r = compare.paired_contrast(none_a, "sensitivity", "ratio")
    assert r["estimate"] == 0.0 and np.isnan(r["ci_low"]) and r["reason"]
    r = compare.paired_contrast(_cells(0, 0, 0, 0, 3, 1, 1, 50), "sensitivity", "difference")
    assert np.isnan(r["estimate"]) and r["reason"] == "no reference-positive records"


def test_identical_scores_have_no_variance():
    s = [3, 2, 2, 1, 2, 1, 0, 0, 0]
    r = compare.delong_paired(s, s, [1, 1, 1, 1, 0, 0, 0, 0, 0])
    assert r.difference == 0.0 and r.z is None and r.p_value is None and "identically" in r.reason


def test_direction_lower_equals_negated_higher(asah):
    inp = asah["inputs"]
    neg = [-x for x in inp["ndka"]]
    r1 = compare.delong_paired(inp["s100b"], inp["ndka"], inp["reference"])
    r2 = compare.delong_paired(inp["s100b"], neg, inp["reference"], direction_b="lower")
    assert (r1.difference, r1.z, r1.ci_low) == pytest.approx((r2.difference, r2.z, r2.ci_low), abs=1e-12)
    d1 = documents.comparison_document(inp["s100b"], inp["ndka"], inp["reference"], cutoff_a=0.22, cutoff_b=12)
    d2 = documents.comparison_document(
        inp["s100b"], neg, inp["reference"], cutoff_a=0.22, cutoff_b=-12, direction_b="lower"
    )
    assert d1["at_cutoffs"]["cells"] == d2["at_cutoffs"]["cells"]


def test_record_order_and_increasing_transform_change_nothing(asah):
    inp = asah["inputs"]
    a, b, y = (np.asarray(inp[k], float) for k in ("s100b", "wfns", "reference"))
    perm = np.random.default_rng(1).permutation(len(y))
    r1 = compare.delong_paired(a, b, y)
    r2 = compare.delong_paired(np.log(a[perm]), b[perm] ** 3, y[perm])
    assert (r1.difference, r1.variance) == pytest.approx((r2.difference, r2.variance), abs=1e-12)


def test_unpaired_records_are_excluded_and_counted():
    a = [3, 2, np.nan, 1, 2, 1, 0, 0, 0, 5]
    b = [2, 2, 1, np.nan, 1, 1, 0, 1, 0, 4]
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0, np.nan]
    doc = documents.comparison_document(a, b, y)
    assert doc["n"] == 7 and doc["n_excluded"] == {"missing_score": 2, "unverified": 1}


def test_document_has_contract_keys(asah):
    inp = asah["inputs"]
    doc = documents.comparison_document(inp["s100b"], inp["ndka"], inp["reference"], cutoff_a=0.22, cutoff_b=12)
    assert {"schema_version", "n", "auc_a", "auc_b", "delong", "at_cutoffs"} <= set(doc)
    assert {"difference", "ci_low", "ci_high", "z", "p_value"} <= set(doc["delong"])
    for stat in ("sensitivity", "specificity"):
        e = doc["at_cutoffs"][stat]
        assert {"a", "b", "mcnemar_p", "ratio"} <= set(e)
        assert {"estimate", "ci_low", "ci_high", "method"} <= set(e["ratio"])
    assert "at_cutoffs" not in documents.comparison_document(inp["s100b"], inp["ndka"], inp["reference"])


# ------------------------------------------------------------------ command line
@pytest.fixture
def records(tmp_path, asah):
    inp = asah["inputs"]
    path = tmp_path / "records.csv"
    rows = ["record_id,s100b,ndka,outcome"] + [
        f"r{i:03d},{a},{b},{y}" for i, (a, b, y) in enumerate(zip(inp["s100b"], inp["ndka"], inp["reference"]))
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_cli_compare_writes_comparison_json(records, tmp_path, asah):
    out = tmp_path / "out"
    status = cli.main(
        [
            "compare",
            "--records",
            str(records),
            "--score",
            "s100b",
            "--score",
            "ndka",
            "--reference",
            "outcome",
            "--cutoff-a",
            "0.22",
            "--cutoff-b",
            "12",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    doc = json.loads((out / "comparison.json").read_text())
    e = asah["cases"][0]["expected"]
    assert doc["delong"]["p_value"] == pytest.approx(e["p_value"], abs=1e-9)
    assert doc["score_a"] == "s100b" and doc["at_cutoffs"]["cutoff_b"] == 12.0


@pytest.mark.parametrize("extra", [["--cutoff-a", "1"], ["--direction-a", "sideways"], ["--confidence", "1.5"]])
def test_cli_compare_usage_errors_exit_2(records, tmp_path, extra, capsys):
    argv = [
        "compare",
        "--records",
        str(records),
        "--score",
        "s100b",
        "--score",
        "ndka",
        "--reference",
        "outcome",
        "--out",
        str(tmp_path / "o"),
        *extra,
    ]
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse refuses choices itself
        status = exc.code
    assert status == 2
    assert not (tmp_path / "o").exists()


def test_cli_compare_needs_two_scores(records, tmp_path):
    assert (
        cli.main(
            [
                "compare",
                "--records",
                str(records),
                "--score",
                "s100b",
                "--reference",
                "outcome",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )


def test_cli_compare_refuses_input_exit_3(records, tmp_path, capsys):
    status = cli.main(
        [
            "compare",
            "--records",
            str(records),
            "--score",
            "s100b",
            "--score",
            "nope",
            "--reference",
            "outcome",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert status == 3
    assert "nope" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_constant_score_correlation_and_undefined_proportions_have_reasons():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60).astype(float)
    b = rng.normal(size=60) + y
    doc = documents.comparison_document(np.ones(60), b, y, cutoff_a=1, cutoff_b=0.5)
    assert doc["delong"]["correlation"] is None
    assert doc["delong"]["correlation_reason"] == compare.CONSTANT_PLACEMENTS
    assert doc["delong"]["z"] is not None  # the difference itself is defined (AUC A = 0.5 exactly)
    npv = doc["at_cutoffs"]["npv"]  # A calls everyone positive
    assert npv["a"] is None and npv["a_reason"] == "no records screened negative"
    assert npv["b"] is not None and "b_reason" not in npv
    same = documents.comparison_document(b, b, y, cutoff_a=0.5, cutoff_b=0.5, mcnemar="chi-square")["at_cutoffs"][
        "sensitivity"
    ]
    assert same["mcnemar_p"] is None and same["mcnemar_p_reason"] == "no discordant records"
