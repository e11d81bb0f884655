"""The professional's judgement as comparator (signalering.stats.comparator).

References: tests/reference/judgement/asah_judgement.R (R glm, pROC roc.test, binom.test,
mcnemar.test, net benefit and NRI by their definitions, on pROC's aSAH data with WFNS as the
judgement) and hand-worked examples.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from signalering.documents import judgement_document
from signalering.simulate import SimulationParams, simulate_records
from signalering.stats.calibration import cross_validated_logistic
from signalering.stats.comparator import judgement_rules, net_benefit_difference, per_1000_added

REF = Path(__file__).parent / "reference" / "judgement" / "asah_judgement.json"
Z = 1.959963984540054


@pytest.fixture(scope="module")
def fixture():
    return json.loads(REF.read_text())


def _doc(fixture, case, **kw):
    inp = fixture["inputs"]
    return judgement_document(
        np.asarray(case["judgement"], float),
        np.asarray(case["score"], float),
        np.asarray(inp["reference"], float),
        positive_from=case["positive_from"],
        cutoff=case["cutoff"],
        prevalence=inp["prevalence"],
        thresholds=inp["thresholds"],
        folds=np.asarray(inp["fold"]),
        n_boot=0,
        **kw,
    )


CASES = [0, 1]


@pytest.mark.parametrize("i", CASES)
def test_combination_out_of_fold_risks_match_r_glm(fixture, i):
    case = fixture["cases"][i]
    e = case["expected"]
    cv = cross_validated_logistic(
        np.column_stack([case["judgement"], case["score"]]),
        fixture["inputs"]["reference"],
        np.asarray(fixture["inputs"]["fold"]),
    )
    assert cv.reason is None
    np.testing.assert_allclose(cv.probability, e["oof"], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(cv.coef, e["coefficients"], rtol=1e-7)


@pytest.mark.parametrize("i", CASES)
def test_combination_versus_judgement_delong_matches_proc(fixture, i):
    case = fixture["cases"][i]
    e = case["expected"]
    doc = _doc(fixture, case)
    c = doc["versus_judgement"]["combination"]
    assert c["auc_a"]["estimate"] == pytest.approx(e["auc_combination"], abs=1e-12)
    assert c["auc_b"]["estimate"] == pytest.approx(e["auc_judgement"], abs=1e-12)
    for k in ("difference", "z", "p_value", "ci_low", "ci_high"):
        assert c["delong"][k] == pytest.approx(e["delong"][k], rel=1e-9, abs=1e-12), k
    assert list(doc["combination"]["coefficients"].values()) == pytest.approx(e["coefficients"], rel=1e-7)


@pytest.mark.parametrize("i", CASES)
@pytest.mark.parametrize("rule", ["instrument", "either", "both", "combination"])
def test_rules_versus_judgement_match_r(fixture, i, rule):
    case = fixture["cases"][i]
    e = case["expected"]
    x = e["versus"][rule]
    at = _doc(fixture, case)["versus_judgement"][rule]["at_cutoffs"]
    chi = _doc(fixture, case, mcnemar="chi-square")["versus_judgement"][rule]["at_cutoffs"]
    for stat in ("sensitivity", "specificity"):
        assert at[stat]["a"] == pytest.approx(x[stat], abs=1e-12)
        assert at[stat]["b"] == pytest.approx(e[f"judgement_{stat}"], abs=1e-12)
        m = x[f"mcnemar_{stat}"]
        assert at[stat]["mcnemar"]["correct_a_only"] == m["correct_a_only"]
        assert at[stat]["mcnemar"]["correct_b_only"] == m["correct_b_only"]
        assert at[stat]["mcnemar_p"] == pytest.approx(m["exact_p"], rel=1e-9)
        if m["chisq_p"] is None:
            assert chi[stat]["mcnemar_p"] is None
        else:
            assert chi[stat]["mcnemar_p"] == pytest.approx(m["chisq_p"], rel=1e-9)
    nri = at["nri"]
    for part in ("events", "nonevents", "total"):
        est, se = x[f"nri_{part}"], x[f"nri_{part}_se"]
        assert nri[part]["estimate"] == pytest.approx(est, abs=1e-12)
        if se > 0:
            assert nri[part]["ci_low"] == pytest.approx(est - Z * se, abs=1e-9)
            assert nri[part]["ci_high"] == pytest.approx(est + Z * se, abs=1e-9)
    for k in ("events_up", "events_down", "nonevents_up", "nonevents_down"):
        assert nri[k] == x[k]


@pytest.mark.parametrize("i", CASES)
def test_net_benefit_and_difference_match_r(fixture, i):
    case = fixture["cases"][i]
    doc = _doc(fixture, case)
    for got, want in zip(doc["net_benefit"]["thresholds"], case["expected"]["net_benefit"]):
        assert got["threshold"] == want["threshold"]
        assert got["judgement"] == pytest.approx(want["judgement"], abs=1e-12)
        assert got["treat_all"] == pytest.approx(want["treat_all"], abs=1e-12)
        for rule, s in got["strategies"].items():
            assert s["net_benefit"] == pytest.approx(want["net_benefit"][rule], abs=1e-12), rule
            assert s["difference"]["estimate"] == pytest.approx(want["difference"][rule], abs=1e-12), rule


@pytest.mark.parametrize("i", CASES)
def test_per_1000_matches_r(fixture, i):
    case = fixture["cases"][i]
    want = case["expected"]["per_1000"]
    got = _doc(fixture, case)["per_1000"]
    assert got["rule"] == "either" and got["prevalence"] == 0.034
    assert got["cases_found"]["estimate"] == pytest.approx(want["cases_found"], abs=1e-9)
    assert got["flagged_wrongly"]["estimate"] == pytest.approx(want["flagged_wrongly"], abs=1e-9)
    assert [got["cases_found"]["ci_low"], got["cases_found"]["ci_high"]] == pytest.approx(want["cases_found_ci"])
    assert [got["flagged_wrongly"]["ci_low"], got["flagged_wrongly"]["ci_high"]] == pytest.approx(
        want["flagged_wrongly_ci"]
    )


# ------------------------------------------------------------------ hand-worked examples
def test_mcnemar_chi_square_without_correction_when_discordant_counts_are_equal():
    # R's mcnemar.test: b = c -> statistic 0, p = 1 (the fixture's ordinal instrument case has b = c = 4);
    # b = 9, c = 3 -> (|9 - 3| - 1)^2 / 12 as before
    from signalering.stats.compare import mcnemar_test

    stat, p = mcnemar_test([4, 9], [4, 3], "chi-square")
    assert stat.tolist() == [0.0, pytest.approx(25 / 12)] and p[0] == 1.0


def test_rules_hand_worked_two_by_two():
    # 10 children; judgement levels 0-3 positive from 2; checklist positive from 3.
    judgement = [3, 2, 0, 0, 1, 2, 0, 0, 1, 0]
    score = [1, 4, 5, 0, 3, 0, 4, 1, 0, np.nan]
    reference = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    r = judgement_rules(judgement, score, 2, 3)
    # judgement positive: records 0, 1, 5; instrument positive: 1, 2, 4, 6; record 9 has no score
    assert r["judgement"][:9].tolist() == [1, 1, 0, 0, 0, 1, 0, 0, 0]
    assert r["either"][:9].tolist() == [1, 1, 1, 0, 1, 1, 1, 0, 0]
    assert r["both"][:9].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert np.isnan(r["either"][9])
    doc = judgement_document(judgement, score, reference, positive_from=2, cutoff=3, folds=2, n_boot=0)
    assert doc["n"] == 9 and doc["n_excluded"] == {"missing_judgement": 0, "missing_score": 1, "unverified": 0}
    either = doc["versus_judgement"]["either"]["at_cutoffs"]
    # positives 0-3: judgement finds 2 (0, 1), either finds 3 (0, 1, 2): sensitivity 2/4 -> 3/4
    assert (either["sensitivity"]["b"], either["sensitivity"]["a"]) == (0.5, 0.75)
    # negatives 4-8: judgement flags 5; either flags 4, 5, 6: specificity 4/5 -> 2/5
    assert (either["specificity"]["b"], either["specificity"]["a"]) == (0.8, 0.4)
    assert either["cells"]["positive"] == {"both": 2, "a_only": 1, "b_only": 0, "neither": 1}
    # McNemar exact among negatives: 2 correct on the judgement only, 0 on either: p = 2 * 0.5^2
    assert either["specificity"]["mcnemar_p"] == pytest.approx(0.5)
    both = doc["versus_judgement"]["both"]["at_cutoffs"]
    assert (both["sensitivity"]["a"], both["specificity"]["a"]) == (0.25, 1.0)
    # net benefit at t = 0.5 (w = 1) on 9 records: judgement 2 TP, 1 FP -> 1/9; either 3 TP, 3 FP -> 0
    doc5 = judgement_document(
        judgement, score, reference, positive_from=2, cutoff=3, folds=2, n_boot=0, thresholds=[0.5]
    )
    nb = doc5["net_benefit"]["thresholds"][0]
    assert nb["judgement"] == pytest.approx(1 / 9)
    assert nb["strategies"]["either"]["net_benefit"] == pytest.approx(0.0)
    assert nb["strategies"]["either"]["difference"]["estimate"] == pytest.approx(-1 / 9)
    assert nb["strategies"]["both"]["net_benefit"] == pytest.approx(1 / 9)  # 1 TP, 0 FP


def test_net_benefit_difference_hand_worked_and_undefined():
    # A refers records 0, 1, 3; B refers 0. Reference 1, 1, 0, 0. t = 0.25 (w = 1/3).
    t = net_benefit_difference([1, 1, 0, 1], [1, 0, 0, 0], [1, 1, 0, 0], [0.25])
    row = t.iloc[0]
    assert row["net_benefit_a"] == pytest.approx((2 - 1 / 3) / 4)
    assert row["net_benefit_b"] == pytest.approx(1 / 4)
    assert row["difference"] == pytest.approx((1 - 1 / 3) / 4)
    assert (row["pos_both"], row["pos_a_only"], row["neg_a_only"], row["neg_neither"]) == (1, 1, 1, 1)
    empty = net_benefit_difference([np.nan], [1], [1], [0.1]).iloc[0]
    assert empty["n"] == 0 and np.isnan(empty["difference"]) and np.isnan(empty["net_benefit_a"])


def test_net_benefit_difference_bootstrap_matches_exact_multinomial_variance():
    # NB_A - NB_B is linear in the cell proportions p: difference = g'p, Var = (g' diag(p) g - (g'p)^2) / n.
    rng = np.random.default_rng(3)
    n = 4000
    y = (rng.random(n) < 0.2).astype(float)
    a = ((y + rng.normal(0, 1, n)) > 0.9).astype(float)
    b = ((y + rng.normal(0, 1, n)) > 1.1).astype(float)
    th, w = 0.2, 0.25
    t = net_benefit_difference(a, b, y, [th], n_boot=20000, rng=np.random.default_rng(1)).iloc[0]
    cells = np.bincount((y * 4 + a * 2 + b).astype(int), minlength=8)
    g = np.array([0, w, -w, 0, 0, -1, 1, 0])
    p = cells / n
    sd = np.sqrt((g**2 @ p - (g @ p) ** 2) / n)
    assert t["difference"] == pytest.approx(g @ p, abs=1e-12)
    assert (t["ci_high"] - t["ci_low"]) / (2 * Z) == pytest.approx(sd, rel=0.05)


def test_net_benefit_difference_is_seeded():
    args = ([1, 0, 1, 0, 1], [0, 0, 1, 1, 1], [1, 0, 1, 0, 0], [0.1, 0.2])
    t1 = net_benefit_difference(*args, n_boot=200, rng=np.random.default_rng(5))
    t2 = net_benefit_difference(*args, n_boot=200, rng=np.random.default_rng(5))
    assert t1.equals(t2)


def test_per_1000_hand_worked_and_undefined():
    d = per_1000_added(
        {"estimate": 0.1, "ci_low": 0.05, "ci_high": 0.15}, {"estimate": -0.02, "ci_low": -0.03, "ci_high": 0}, 0.05
    )
    assert d["cases_found"]["estimate"] == pytest.approx(5.0)  # 1000 * 0.05 * 0.1
    assert (d["cases_found"]["ci_low"], d["cases_found"]["ci_high"]) == pytest.approx((2.5, 7.5))
    assert d["flagged_wrongly"]["estimate"] == pytest.approx(19.0)  # 950 * 0.02
    assert (d["flagged_wrongly"]["ci_low"], d["flagged_wrongly"]["ci_high"]) == pytest.approx((0.0, 28.5))
    u = per_1000_added({"estimate": None, "reason": "no reference-positive records"}, {"estimate": 0.0}, 0.05)
    assert u["cases_found"]["estimate"] is None and u["cases_found"]["reason"] == "no reference-positive records"


# ------------------------------------------------------------------ edge cases
def test_all_one_class_and_no_cutoff_give_reasons():
    j, s = [0, 1, 2, 3, 1, 0], [1, 2, 3, 4, 5, 6]
    doc = judgement_document(j, s, [1] * 6, positive_from=1, cutoff=3, folds=2, n_boot=10, prevalence=0.05)
    assert doc["n_negative"] == 0
    assert doc["combination"]["coefficients"] is None and "too few" in doc["combination"]["reason"]
    assert "combination" not in doc["versus_judgement"]
    either = doc["versus_judgement"]["either"]
    assert either["delong"]["difference"] is None and either["delong"]["reason"]
    assert doc["per_1000"]["flagged_wrongly"]["estimate"] is None
    assert doc["per_1000"]["flagged_wrongly"]["reason"] == "no reference-negative records"
    nocut = judgement_document(j, s, [1, 0] * 3, positive_from=1, cutoff=None, folds=2, n_boot=0, prevalence=0.05)
    assert set(nocut["versus_judgement"]) <= {"combination"} and nocut["rules_reason"]
    assert nocut["per_1000"] is None and nocut["per_1000_reason"]


def test_no_usable_record_gives_reasons_not_numbers():
    doc = judgement_document([0, 1, 2], [1, 2, 3], [np.nan] * 3, positive_from=1, cutoff=2, prevalence=0.03, n_boot=10)
    assert doc["n"] == 0 and doc["n_excluded"]["unverified"] == 3
    entry = doc["net_benefit"]["thresholds"][0]
    assert entry["judgement"] is None and entry["reason"].startswith("no records")
    either = entry["strategies"]["either"]
    assert either["net_benefit"] is None and either["difference"]["reason"] == entry["reason"]
    assert doc["combination"]["coefficients"] is None and doc["per_1000"]["cases_found"]["estimate"] is None
    json.dumps(doc, allow_nan=False)


def test_document_is_deterministic_and_json_ready():
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.2).astype(float)
    j = np.clip(np.round(y + rng.normal(0, 1, 600)), 0, 3)
    s = np.round(2 * y + rng.normal(2, 1.5, 600))
    y[:30] = np.nan
    kw = dict(positive_from=1, cutoff=3, prevalence=0.034, n_boot=200, seed=7)
    d1, d2 = judgement_document(j, s, y, **kw), judgement_document(j, s, y, **kw)
    text = json.dumps(d1, allow_nan=False, sort_keys=True)
    assert text == json.dumps(d2, allow_nan=False, sort_keys=True)
    assert d1["n_excluded"]["unverified"] == 30
    nb = d1["net_benefit"]["thresholds"][0]["strategies"]["either"]["difference"]
    assert nb["ci_low"] <= nb["estimate"] <= nb["ci_high"]


# ------------------------------------------------------------------ the demo data
EXISTING_COLUMNS_SHA256 = "314e8af532ed7cbb7bda6adcbf79e9d916a9655c8bdbe942975d0e33b514b97c"


def test_simulated_judgement_leaves_every_other_column_unchanged():
    frame = simulate_records(SimulationParams(n_records=3000), np.random.default_rng(7))
    # the columns of the demo data before the judgement was added, in their order; their CSV text
    # then hashed to the constant above (the judgement draws from its own stream)
    before = [c for c in frame.columns if c != "judgement" and c not in ("age_years", "followup_days")]
    text = frame[before].to_csv(index=False, lineterminator="\n").encode()
    assert hashlib.sha256(text).hexdigest() == EXISTING_COLUMNS_SHA256
    levels = frame["judgement"]
    assert set(levels.dropna().unique()) <= {0.0, 1.0, 2.0, 3.0} and levels.isna().any()
    again = simulate_records(SimulationParams(n_records=3000), np.random.default_rng(7))
    assert levels.equals(again["judgement"])


def test_simulated_judgement_is_related_to_the_truth():
    frame = simulate_records(SimulationParams(n_records=6000), np.random.default_rng(11))
    ref = np.asarray(frame["reference"].map(lambda v: v if v in (0, 1, 0.0, 1.0) else np.nan), float)
    j = frame["judgement"].to_numpy(float)
    ok = ~np.isnan(ref) & ~np.isnan(j)
    assert j[ok][ref[ok] == 1].mean() > j[ok][ref[ok] == 0].mean() + 0.5


# ------------------------------------------------------------------ disclosure
def _small_doc(n_pos_extra=0):
    rng = np.random.default_rng(4)
    n = 400
    y = (rng.random(n) < 0.25).astype(float)
    j = np.clip(np.round(y + rng.normal(0, 1, n)), 0, 3)
    s = np.round(2 * y + rng.normal(2, 1.5, n))
    return judgement_document(j, s, y, positive_from=2, cutoff=4, prevalence=0.034, n_boot=50, seed=1, folds=5)


def test_published_judgement_document_hides_small_counts_and_never_the_paired_cells():
    from signalering.documents.disclosure import WITHHELD, small_counts, suppress_judgement_document

    doc = _small_doc()
    pub, log = suppress_judgement_document(doc, 10, "x")
    assert small_counts(pub, 10) == []
    for entry in pub["net_benefit"]["thresholds"]:
        for name, st in entry["strategies"].items():
            assert "cells" not in st
            raw = next(e for e in doc["net_benefit"]["thresholds"] if e["threshold"] == entry["threshold"])
            cells = raw["strategies"][name]["cells"]
            small = [v for c in cells.values() for v in c.values() if 1 <= v < 10]
            if small:  # some paired cell is small: at least the interval is gone
                assert st["difference"]["ci_low"] is None and st["difference"]["reason"] == WITHHELD
    # with min_cell 1 nothing is withheld but the cells still do not leave
    pub1, log1 = suppress_judgement_document(doc, 1, "x")
    assert log1 == [] and pub1["per_1000"] == doc["per_1000"]
    assert all("cells" not in st for e in pub1["net_benefit"]["thresholds"] for st in e["strategies"].values())


def test_published_judgement_document_withheld_whole_when_positives_are_few():
    from signalering.documents.disclosure import suppress_judgement_document

    rng = np.random.default_rng(2)
    y = np.zeros(300)
    y[:6] = 1  # six positives: below min_cell
    j = np.clip(np.round(y + rng.normal(0, 1, 300)), 0, 3)
    s = np.round(2 * y + rng.normal(2, 1.5, 300))
    doc = judgement_document(j, s, y, positive_from=2, cutoff=4, prevalence=0.034, n_boot=20, seed=1, folds=3)
    pub, log = suppress_judgement_document(doc, 10)
    assert pub["n_positive"] != 6 and pub["suppressed"]
    assert pub["per_1000"]["cases_found"]["estimate"] is None
    assert pub["combination"]["coefficients"] is None
    for entry in pub["net_benefit"]["thresholds"]:
        assert entry["judgement"] is None and entry["treat_all"] is None
        assert all(st["net_benefit"] is None for st in entry["strategies"].values())
    for comp in pub["versus_judgement"].values():
        assert comp["delong"]["difference"] is None


# ------------------------------------------------------------------ params
def test_params_judgement_group_is_checked():
    import yaml

    from signalering import params
    from signalering.errors import InputError

    root = Path(__file__).resolve().parents[1]
    doc = yaml.safe_load((root / "params.yaml").read_text())

    def validated(**judgement):
        d = json.loads(json.dumps(doc))
        d["compare"]["judgement"] = {**d["compare"]["judgement"], **judgement}
        return params.validate(d, base=root)

    assert validated().compare.judgement.column == "judgement"
    # a bundled instrument this run does not score is accepted (and skipped by the stage)
    assert validated(instruments=["risk-model@1"]).compare.judgement.instruments == ["risk-model@1"]
    with pytest.raises(InputError) as err:
        validated(instruments=["risk-checklst@2"])
    assert err.value.column == "compare.judgement.instruments.risk-checklst@2" and "did you mean" in err.value.reason
    with pytest.raises(InputError) as err:
        validated(thresholds=[0.05, 1.5])
    assert err.value.column == "compare.judgement.thresholds.1"
    with pytest.raises(InputError) as err:
        validated(folds=1)
    assert err.value.column == "compare.judgement.folds"
    off = json.loads(json.dumps(doc))
    off["compare"]["judgement"] = None
    assert params.validate(off, base=root).compare.judgement is None


# ------------------------------------------------------------------ report
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_plain_line_and_table_from_the_published_document(lang):
    from signalering.documents.disclosure import suppress_judgement_document
    from signalering.report.build import load_texts
    from signalering.report.inputs import Inputs
    from signalering.report.views import Fmt, judgement_plain, judgement_view

    t = load_texts(lang)
    fmt = Fmt(lang, t)
    doc = _small_doc()
    # min_cell 1: every figure published (with 10, one paired cell of 1 withholds 'either' and 'both')
    pub, _ = suppress_judgement_document(doc, 1, "x")
    per = pub["per_1000"]
    line = judgement_plain(pub, fmt, t)
    assert fmt.num(per["cases_found"]["estimate"], 1) in line and fmt.num(per["flagged_wrongly"]["estimate"], 1) in line
    assert fmt.pct(0.034) in line
    assert ("more cases per 1000" in line) == (lang == "en") and ("meer per 1000" in line) == (lang == "nl")
    view = judgement_view(Inputs(flow={}, accuracy={}, judgement={"x@1": pub}), fmt, t)[0]
    assert [r["rule"].split(" ")[0] for r in view["rows"]][:1] == [t["judgement_rule_judgement"].split(" ")[0]]
    assert len(view["rows"]) == 5 and len(view["net_benefit"]) == 2
    withheld = {**pub, "per_1000": {**per, "cases_found": {"estimate": None, "reason": "withheld (small numbers)"}}}
    assert judgement_plain(withheld, fmt, t) == t["judgement_plain_withheld"]
    nocut = judgement_document([0, 1, 2, 3, 1, 0] * 5, list(range(30)), [1, 0] * 15, positive_from=1, cutoff=None)
    nocut["versus_judgement"] = {}
    v = judgement_view(Inputs(flow={}, accuracy={}, judgement={"x@1": nocut}), fmt, t)[0]
    assert v["rows"] == [] and v["reason"] == t["reasons"]["judgement_no_cutoff"]


# ------------------------------------------------------------------ the stage
@pytest.fixture
def stage_project(tmp_path, monkeypatch):
    """A tiny project: one plain score instrument (with and without a cut-off) and a judgement column."""
    import yaml

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(8)
    n = 300
    ref = (rng.random(n) < 0.3).astype(float)
    ref[:12] = np.nan
    judgement = np.clip(np.round(np.nan_to_num(ref) + rng.normal(0.3, 1, n)), 0, 3)
    judgement[12:20] = np.nan
    lab = np.round(2 * np.nan_to_num(ref) + rng.normal(3, 1.5, n), 1)
    (tmp_path / "instruments").mkdir()
    spec = "name: lab\nversion: 1\nkind: score\ncolumn: lab\ncutoffs: [{name: c, value: 4, prespecified: true}]\n"
    (tmp_path / "instruments" / "lab.yaml").write_text(spec, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    shipped = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    p = {k: shipped[k] for k in ("seed", "evaluate", "disclosure")}
    p["disclosure"]["min_cell"] = 1  # the metrics show every headline figure of this tiny file
    p["evaluate"]["meta_analysis"]["by"] = None  # this file has no subgroup columns
    p.update(
        data={"records": "x.csv", "id_column": "case", "reference": "ref", "subgroups": [], "columns": {}},
        score={"instruments": ["instruments/lab.yaml"]},
        compare={"pairs": [], "judgement": {"column": "concern", "positive_from": 1, "bootstrap": 100}},
    )
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(p), encoding="utf-8")
    interim = tmp_path / "data" / "interim"
    interim.mkdir(parents=True)
    ids = [f"c{i}" for i in range(n)]
    import pandas as pd

    # the records in another order than the scores: the stage joins on the id
    pd.DataFrame({"case": ids, "ref": ref, "lab": lab, "concern": judgement}).iloc[::-1].to_parquet(
        interim / "records.parquet"
    )
    pd.DataFrame({"case": ids, "ref": ref, "lab@1": lab}).to_parquet(interim / "scores.parquet")
    inst = {"id": "lab@1", "name": "lab", "version": 1, "kind": "score", "probability": False}
    inst.update(direction="higher", cutoffs=[{"name": "c", "value": 4, "prespecified": True}])
    inst.update(references=[], source_file="lab.yaml")
    (interim / "instruments.json").write_text(json.dumps({"schema_version": 1, "instruments": [inst]}))
    return tmp_path, judgement, lab, ref


def _run_compare():
    import runpy

    runpy.run_path(str(Path(__file__).resolve().parents[1] / "pipeline" / "compare.py"), run_name="__main__")


def test_compare_stage_writes_the_judgement_document_joined_on_the_id(stage_project):
    tmp, judgement, lab, ref = stage_project
    _run_compare()
    out = tmp / "data" / "processed" / "judgement" / "lab@1.json"
    text = out.read_text()
    doc = json.loads(text)
    assert doc["judgement_column"] == "concern" and doc["cutoff"] == 4
    assert doc["n_excluded"] == {"missing_judgement": 8, "missing_score": 0, "unverified": 12}
    # the same numbers as the library on the arrays in the scores' order
    lib = judgement_document(judgement, lab, ref, positive_from=1, cutoff=4, n_boot=0, prevalence=0.034)
    assert (
        doc["versus_judgement"]["either"]["at_cutoffs"]["cells"]
        == lib["versus_judgement"]["either"]["at_cutoffs"]["cells"]
    )
    assert doc["per_1000"]["cases_found"] == lib["per_1000"]["cases_found"]
    metrics = json.loads((tmp / "reports" / "comparison_metrics.json").read_text())
    head = metrics["judgement"]["lab@1"]
    assert head["either_cases_found_per_1000"] == pytest.approx(doc["per_1000"]["cases_found"]["estimate"])
    assert head["combination_auc_difference"] == doc["versus_judgement"]["combination"]["delong"]["difference"]
    _run_compare()
    assert out.read_text() == text  # seeded: byte-identical


def test_compare_stage_refuses_a_judgement_column_that_is_not_there(stage_project, capsys):
    import yaml

    tmp = stage_project[0]
    p = yaml.safe_load((tmp / "params.yaml").read_text())
    p["compare"]["judgement"]["column"] = "nurse"
    (tmp / "params.yaml").write_text(yaml.safe_dump(p))
    with pytest.raises(SystemExit) as exit_:
        _run_compare()
    assert exit_.value.code == 3
    assert "compare.judgement.column" in capsys.readouterr().err


def test_init_switches_the_judgement_off_for_a_new_records_file():
    import yaml

    from signalering import init

    shipped = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    assert shipped["compare"]["judgement"]["column"] == "judgement"
    assert init.kept_settings(shipped, {"risk-checklist@2"})["compare"]["judgement"] is None


def test_published_net_benefit_steps_between_thresholds_are_never_small():
    # hand-made: the combination refers 40 cases / 120 non-cases at 5% and 35 / 60 at 10%: TP differs by 5
    from signalering.documents.disclosure import WITHHELD, suppress_judgement_document

    def strategy(tp, fp, n_pos=100, n_neg=900, j_tp=30, j_fp=100):
        # paired cells with the judgement (which refers j_tp cases and j_fp non-cases, all also referred by A)
        cells = {
            "positive": {"both": j_tp, "a_only": tp - j_tp, "b_only": 0, "neither": n_pos - tp},
            "negative": {"both": j_fp, "a_only": fp - j_fp, "b_only": 0, "neither": n_neg - fp},
        }
        iv = {"estimate": 0.01, "ci_low": 0.0, "ci_high": 0.02, "method": "bootstrap-percentile"}
        return {"net_benefit": 0.02, "difference": dict(iv), "cells": cells}

    doc = {
        "n": 1000,
        "n_positive": 100,
        "n_negative": 900,
        "versus_judgement": {},
        "net_benefit": {
            "thresholds": [
                {"threshold": 0.05, "judgement": 0.01, "treat_all": 0.05, "strategies": {"c": strategy(40, 120)}},
                {"threshold": 0.1, "judgement": 0.01, "treat_all": 0.05, "strategies": {"c": strategy(35, 60)}},
                {"threshold": 0.2, "judgement": 0.01, "treat_all": 0.05, "strategies": {"c": strategy(30, 100)}},
            ]
        },
    }
    pub, log = suppress_judgement_document(doc, 10)
    first, second, third = (e["strategies"]["c"] for e in pub["net_benefit"]["thresholds"])
    assert first["net_benefit"] == 0.02 and first["difference"]["ci_low"] == 0.0
    assert second["net_benefit"] is None and second["difference"]["estimate"] is None  # TP step of 5
    # the third is compared with the last one shown (40, 120): steps of 10 and 20 are not small
    assert third["net_benefit"] == 0.02 and third["difference"]["estimate"] == 0.01
    assert [e["location"] for e in log] == ["net_benefit.0.1"] and log[0]["reason"] == WITHHELD
    assert all("cells" not in e["strategies"]["c"] for e in pub["net_benefit"]["thresholds"])


def test_compare_stage_refuses_a_judgement_that_is_not_a_number(stage_project, capsys):
    import pandas as pd

    tmp = stage_project[0]
    path = tmp / "data" / "interim" / "records.parquet"
    records = pd.read_parquet(path)
    records["concern"] = [None if pd.isna(v) else "ja" if v == 2 else f"{v:g}" for v in records["concern"]]
    records.to_parquet(path)
    with pytest.raises(SystemExit) as exit_:
        _run_compare()
    err = capsys.readouterr().err
    assert exit_.value.code == 3 and "concern" in err and "not a number" in err and "ja" not in err


def test_banded_cutoff_uses_each_records_own_cutoff_and_leaves_out_records_without_a_band():
    # the example above with a cut-off per record: 3 for records 0-5, 5 for 6-8 (an older band), record 9
    # has a score but no band. Instrument positive: 1 (4>=3), 2 (5>=3), 4 (3>=3); record 6 (4 < 5) not.
    judgement = [3, 2, 0, 0, 1, 2, 0, 0, 1, 0]
    score = [1, 4, 5, 0, 3, 0, 4, 1, 0, 2]
    reference = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    own = [3, 3, 3, 3, 3, 3, 5, 5, 5, np.nan]
    doc = judgement_document(
        judgement, score, reference, positive_from=2, cutoff=np.array(own, float), banded="by-age", folds=2, n_boot=0
    )
    assert doc["n"] == 9 and doc["n_excluded"]["no_band"] == 1 and doc["banded"] == "by-age"
    assert doc["cutoff"] is None and "by-age" in doc["rules"]["instrument"]
    either = doc["versus_judgement"]["either"]["at_cutoffs"]
    # either flags negatives 4 and 5 (record 6 no longer): specificity 4/5 -> 3/5; sensitivity as before 3/4
    assert (either["sensitivity"]["a"], either["specificity"]["a"]) == (0.75, 0.6)
    alone = doc["versus_judgement"]["instrument"]["at_cutoffs"]
    assert (alone["sensitivity"]["a"], alone["specificity"]["a"]) == (0.5, 0.8)


def test_either_and_both_are_withheld_when_a_paired_cell_is_small():
    from signalering.documents.disclosure import small_counts, suppress_judgement_document

    # either = J + I - both in each stratum: with the judgement and the instrument published, the two
    # set rules would give the paired cells of instrument x judgement; one of them is 6 here.
    rng = np.random.default_rng(8)
    y = np.r_[np.ones(60), np.zeros(400)]
    j = np.r_[np.ones(30), np.zeros(30), (rng.random(400) < 0.2)].astype(float)
    s = np.r_[np.full(24, 5.0), np.zeros(6), np.full(20, 5.0), np.zeros(10), np.where(rng.random(400) < 0.3, 5.0, 0.0)]
    doc = judgement_document(j, s, y, positive_from=1, cutoff=4, prevalence=0.034, n_boot=20, seed=1, folds=3)
    cells = doc["versus_judgement"]["instrument"]["at_cutoffs"]["cells"]["positive"]
    assert sorted(cells.values()) == [6, 10, 20, 24]  # J+I+ 24, J+I- 6, J-I+ 20, J-I- 10
    pub, log = suppress_judgement_document(doc, 10)
    assert "either" not in pub["versus_judgement"] and "both" not in pub["versus_judgement"]
    assert set(pub["withheld_rules"]) == {"either", "both"}
    assert pub["per_1000"]["cases_found"]["estimate"] is None
    for entry in pub["net_benefit"]["thresholds"]:
        assert (
            entry["strategies"]["either"]["net_benefit"] is None and entry["strategies"]["both"]["net_benefit"] is None
        )
    assert not small_counts(pub, 10)
    # with min_cell 5 every paired cell (6, 10, 20, 24) may be published: the rules stay
    assert "either" in suppress_judgement_document(doc, 5)[0]["versus_judgement"]


def test_banded_cutoff_must_give_one_cutoff_per_record():
    from signalering.errors import UsageError

    with pytest.raises(UsageError, match="one cut-off per record"):
        judgement_document([1, 0, 1], [3, 2, 5], [1, 0, 1], positive_from=1, cutoff=np.array([3.0, 4.0]), banded="b")
