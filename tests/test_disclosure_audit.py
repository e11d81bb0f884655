"""The disclosure audit: each attack of issue 13 planted in a document as the earlier suppression
published it (caught), and the same data as published now (nothing recovered); the same for the
counts only the HTML report shows (reports rendered by the report builder); the command and the DVC
stage end to end on records with tiny groups."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, project_copy, run

from signalering import documents
from signalering.cli import main
from signalering.documents import audit, disclosure
from signalering.stats import subgroups
from signalering.stats.counts import CountTable

WITHHELD = "withheld (small numbers)"


@pytest.fixture(scope="module")
def frame():
    """Two big sites and one of 3 families (1 reference-positive, 2 negative); 4 unverified at site b."""
    rng = np.random.default_rng(13)
    n = 1200
    y = (rng.random(n) < 0.2).astype(float)
    y[:4] = np.nan
    site = np.where(np.arange(n) < 600, "a", "b").astype(object)
    site[-3:] = "tiny"
    y[-3:] = [1, 0, 0]
    score = np.clip(np.round(rng.normal(size=n) + 1.2 * np.nan_to_num(y) + 2), 0, 6)
    return pd.DataFrame({"score": score, "reference": y, "site": site})


def _attacks(findings) -> set[str]:
    return {f["attack"] for f in findings}


def test_complement_auc_gives_back_the_margins_unless_the_group_is_merged(frame):
    raw = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[3.0])
    now, _ = disclosure.suppress_subgroups_document(raw, 10)
    assert audit.audit_document(now, "now") == []
    # as published before: the complement lost its positives but kept its full-precision AUC
    before = copy.deepcopy(now)
    groups = before["subgroups"]["site"]["groups"]
    victim = next(g for g in ("a", "b") if groups[g]["n_positive"] is None)
    groups[victim]["auc"] = raw["subgroups"]["site"]["groups"][victim]["auc"]
    groups[victim]["n_negative"] = raw["subgroups"]["site"]["groups"][victim]["n_negative"]
    found = audit.audit_document(before, "before")
    assert "auc_integrality" in _attacks(found)
    assert any(f["location"].startswith("site=tiny") for f in found)  # then overall minus the rest
    # merged before the analysis: every group shown has >= 10 positives and negatives
    merges = {
        "site": subgroups.small_group_merges(subgroups.category_values(frame["site"]), frame["reference"], min_cell=10)
    }
    merged = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[3.0], merges=merges)
    assert "tiny" not in merged["subgroups"]["site"]["groups"]
    assert merged["subgroups"]["site"]["combined"]["categories"] == ["a", "tiny"] or merged["subgroups"]["site"][
        "combined"
    ]["categories"] == ["b", "tiny"]
    pub, _ = disclosure.suppress_subgroups_document(merged, 10)
    assert audit.audit_document(pub, "merged") == []
    for g in pub["subgroups"]["site"]["groups"].values():
        assert isinstance(g["n_positive"], int) and g["auc"]["estimate"] is not None


def _youden_withheld_doc(cutoffs=(3.0, 1.0)):
    # cut-off >= 2 is Youden's choice, with only 3 false positives: withheld
    counts = CountTable.from_counts(np.arange(4), [5, 5, 40, 50], [300, 100, 3, 0])
    return documents.accuracy_document(counts, list(cutoffs))


def test_withheld_cutpoint_criterion_gives_back_the_table():
    raw = _youden_withheld_doc()
    now, _ = disclosure.suppress_accuracy_document(raw, 10)
    youden = next(c for c in now["cutpoints"] if c["method"] == "youden")
    assert youden["suppressed"] == WITHHELD and youden["criterion"] is None and youden["cutoff"] is None
    assert audit.audit_document(now, "now") == []
    before = copy.deepcopy(now)  # as published before: the criterion was kept
    raw_youden = next(c for c in raw["cutpoints"] if c["method"] == "youden")
    next(c for c in before["cutpoints"] if c["method"] == "youden")["criterion"] = raw_youden["criterion"]
    found = audit.audit_document(before, "before")
    assert [f["attack"] for f in found] == ["criterion"] and found[0]["location"] == "document.cutpoints[youden]"
    assert set(found[0]["recovered"]) == {"tp", "fp", "tn", "fn"}


@pytest.mark.parametrize(
    "stats",
    [("ppv", "sensitivity"), ("npv", "specificity"), ("lr_positive", "sensitivity"), ("accuracy", "sensitivity")],
)
def test_predictive_values_and_ratios_of_a_withheld_table_give_it_back(stats):
    raw = _youden_withheld_doc((2.0, 1.0))  # cut-off 2: tp 90, fp 3 -> withheld
    now, _ = disclosure.suppress_accuracy_document(raw, 10)
    i = next(k for k, e in enumerate(now["thresholds"]) if "suppressed" in e)
    before = copy.deepcopy(now)
    for s in stats:
        before["thresholds"][i][s] = raw["thresholds"][i][s]
    found = audit.audit_document(before, "before")
    assert [f["attack"] for f in found] == ["ratios"]
    # one ratio alone with the margins is not enough (many tables fit)
    before["thresholds"][i][stats[1]] = now["thresholds"][i][stats[1]]
    assert audit.audit_document(before, "before") == []


def test_solve_table_counts_the_tables_that_fit():
    e = {"sensitivity": 0.9, "specificity": 400 / 403}
    assert audit.solve_table(e, 100, 403)[0] == 1
    assert audit.solve_table({"sensitivity": 0.9}, 100, 403)[0] == 404
    assert audit.solve_table({"youden": 0.9 - 3 / 403, "method": "youden"}, 100, 403)[0] == 1


def test_small_exclusion_counts_are_not_given_away_by_received_minus_analysed():
    flow = {
        "received": 1000,
        "analysed": 993,
        "excluded": {"duplicate id": 3, "not a code": 4},
        "verified": 900,
        "unverified": 93,
    }
    before = {**flow, "excluded": {"duplicate id": "<10", "not a code": "<10"}}
    found = audit.audit_document(before, "flow")
    assert _attacks(found) == {"totals"} and "sum of" in found[0]["recovered"][0]
    now, _ = disclosure.suppress_flow(flow, 10)
    assert now["received"] is None and now["analysed"] == 993
    assert audit.audit_document(now, "flow") == []
    # one small and one large exclusion: the large one is hidden as well (the old rule, still kept)
    now, _ = disclosure.suppress_flow({**flow, "excluded": {"duplicate id": 3, "not a code": 40}, "received": 1036}, 10)
    assert now["excluded"] == {"duplicate id": "<10", "not a code": None}
    assert audit.audit_document(now, "flow") == []


def test_complement_total_gives_back_a_hidden_side_count():
    # as published before: group b's unverified count hidden as a complement, but its total kept
    overall = {"n": 400, "n_positive": 60, "n_negative": 320, "n_unverified": 20}
    a = {"n": None, "n_positive": 30, "n_negative": 150, "n_unverified": "<10"}
    b = {"n": 215, "n_positive": 30, "n_negative": 170, "n_unverified": None}
    doc = {"overall": overall, "subgroups": {"site": {"groups": {"a": a, "b": b}}}}
    found = audit.audit_document(doc, "before")
    # a's 5 unverified come back (b's 15 too, but a recovered large count is no finding by itself)
    assert {f["location"] for f in found} == {"site=a"} and _attacks(found) == {"totals"}
    raw = {
        "overall": overall,
        "cutoffs": [],
        "subgroups": {
            "site": {
                "groups": {
                    "a": {**a, "n": 185, "n_unverified": 5, "thresholds": []},
                    "b": {**b, "n_unverified": 15, "thresholds": []},
                }
            }
        },
    }
    now, _ = disclosure.suppress_subgroups_document(raw, 10)
    assert now["subgroups"]["site"]["groups"]["b"]["n"] is None
    assert audit.audit_document(now, "now") == []


def test_a_tiny_group_says_only_withheld(frame):
    # 4 children, all reference-negative: no message may say why a statistic is undefined
    f = frame.copy()
    f.loc[f.index[-4:], "reference"] = 0.0
    raw = documents.subgroup_document(f, "score", "reference", ["site"], cutoffs=[3.0])
    tiny = raw["subgroups"]["site"]["groups"]["tiny"]
    assert "needs" in json.dumps(tiny)  # the unsuppressed document says why
    pub, log = disclosure.suppress_subgroups_document(raw, 10)
    text = json.dumps(pub["subgroups"]["site"]["groups"]["tiny"]) + json.dumps(log)
    assert "needs" not in text and "all or none" not in text and "positive and negative" not in text
    reasons = {e["reason"] for e in log}
    assert reasons == {WITHHELD}


def test_small_group_merges_modes():
    cats = np.array(["a"] * 50 + ["b"] * 40 + ["c"] * 3 + ["d"] * 60, dtype=object)
    y = np.array([1, 0] * 25 + [1, 0] * 20 + [1, 0, 0] + [1, 0] * 30, float)
    assert subgroups.small_group_merges(cats, y, min_cell=10, mode="withhold") is None
    assert subgroups.small_group_merges(cats[:90], y[:90], min_cell=10) == {"a": "a", "b": "b"}
    # two groups only, one small: merging leaves one group, so the breakdown is withheld
    assert subgroups.small_group_merges(cats[50:93], y[50:93], min_cell=10) is None
    # a category small only for a second score (few records with that score) is merged too
    scored = np.ones((153, 2), bool)
    scored[50:90, 1] = False
    m = subgroups.small_group_merges(cats, y, scored, min_cell=10)
    assert m["b"] == m["c"] == m["a"] == subgroups.COMBINED_GROUP and m["d"] == "d"  # b + c too few: a joins


def test_command_exit_status_and_findings_file(tmp_path, frame):
    reports = tmp_path / "reports"
    raw = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[3.0])
    now, _ = disclosure.suppress_subgroups_document(raw, 10)
    (reports / "subgroups").mkdir(parents=True)
    (reports / "subgroups" / "s.json").write_text(json.dumps(now))
    out = tmp_path / "data" / "audit.json"
    assert main(["disclosure-audit", str(reports), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["findings"] == []
    now["subgroups"]["site"]["groups"]["tiny"]["n_negative"] = 2  # a planted leak
    now["subgroups"]["site"]["groups"]["tiny"]["n_positive"] = 1
    (reports / "subgroups" / "s.json").write_text(json.dumps(now))
    assert main(["disclosure-audit", str(reports), "--out", str(out)]) == 3
    findings = json.loads(out.read_text())["findings"]
    assert findings and all(set(f) >= {"file", "location", "attack", "recovered"} for f in findings)
    assert main(["disclosure-audit", str(reports), "--out", str(reports / "a.json")]) == 2
    assert main(["disclosure-audit", str(tmp_path / "nope"), "--out", str(out)]) == 2


@pytest.mark.slow
def test_pipeline_with_tiny_groups_passes_its_audit(tmp_path):
    """`dvc repro` on records with a municipality of 3 families (1 positive, 2 negative) and an
    ethnicity group of 4 children (all negative): the audit stage passes and finds nothing."""
    import yaml

    from signalering.simulate import SimulationParams, simulate_records

    base = yaml.safe_load((ROOT / "params.yaml").read_text())
    sim = {**base["simulate"], "n_records": 3000}
    seed = sim.pop("seed")  # the demo data's own seed (simulate.seed)
    records = simulate_records(SimulationParams(**sim), np.random.default_rng(seed))
    ref = records["reference"]
    rng = np.random.default_rng(3)
    records["municipality"] = rng.choice(["m1", "m2", "m3"], len(records))
    pos = np.flatnonzero((ref == 1).to_numpy())
    neg = np.flatnonzero((ref == 0).to_numpy())
    records.loc[records.index[[pos[0], neg[0], neg[1]]], "municipality"] = "m4"
    records["ethnicity"] = rng.choice(["e1", "e2"], len(records))
    records.loc[records.index[neg[2:6]], "ethnicity"] = "e3"
    (tmp_path / "p").mkdir()
    records.to_csv(tmp_path / "p" / "records.csv", index=False)
    data = dict(base["data"])
    data.update(
        records="records.csv",
        subgroups=[*data["subgroups"], "municipality", "ethnicity"],
        columns={
            **data["columns"],
            "municipality": {"codes": ["m1", "m2", "m3", "m4"]},
            "ethnicity": {"codes": ["e1", "e2", "e3"]},
        },
    )
    project = project_copy(
        tmp_path / "p",
        data=data,
        evaluate={"bootstrap": 20},
        score={"instruments": ["risk-checklist@1", "risk-checklist@2", "risk-model@1"]},
        compare={"pairs": [["risk-checklist@2", "risk-checklist@1"]]},
        calibration={"curve_bootstrap": 20, "decision_bootstrap": 20},
        report={"pdf": False},  # the audit reads the HTML and JSON under reports/, not the PDFs
    )
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "config", "core.analytics", "false"], project)
    run(["dvc", "repro"], project)
    result = json.loads((project / "data/secure/disclosure_audit.json").read_text())
    assert result["findings"] == [] and "subgroups/risk-checklist@2.json" in result["files"]
    assert {"validation_report.html", "validatierapport.html"} <= set(result["files"])  # the HTML is read
    assert not list((project / "reports").rglob("disclosure_audit*"))
    pub = json.loads((project / "reports/subgroups/risk-checklist@2.json").read_text())
    for col, small in (("municipality", "m4"), ("ethnicity", "e3")):
        block = pub["subgroups"][col]
        assert small not in block["groups"] and small in block["combined"]["categories"]
    assert run(["signalering", "disclosure-audit", "reports", "--out", "data/x.json"], project).returncode == 0


def test_two_small_labels_that_fill_their_margin_are_not_shown():
    # tp 9, fn 9, 18 positives: "<10" and "<10" can only be 9 and 9
    counts = CountTable.from_counts(np.arange(3), [9, 0, 9], [200, 100, 50])
    raw = documents.accuracy_document(counts, [2.0])
    before = copy.deepcopy(raw)
    before["thresholds"][0].update(tp="<10", fn="<10", fp=None, tn=None, suppressed=WITHHELD)
    for k in ("sensitivity", "specificity", "ppv", "npv", "accuracy", "lr_positive", "lr_negative", "dor"):
        before["thresholds"][0].pop(k, None)
    before["thresholds"][0]["at_prevalence"] = []
    for k in ("auc", "optimal", "cutpoints", "partial_auc"):
        before.pop(k, None)
    found = audit.audit_document(before, "before")
    assert ("totals", ["fn", "tp"]) in [(f["attack"], f["recovered"]) for f in found]
    now, _ = disclosure.suppress_accuracy_document(raw, 10)
    assert now["thresholds"][0]["tp"] is None and now["thresholds"][0]["fn"] is None
    assert audit.audit_document(now, "now") == []


def test_flat_metrics_are_audited_per_instrument(tmp_path):
    # metrics.json as it would be with a hidden margin and the full-precision AUC
    metrics = {
        "inst@1": {"n": None, "n_positive": "<10", "n_negative": 400, "auc": 2001 / (7 * 400)},
        "inst@2": {"n": 530, "n_positive": 130, "n_negative": 400, "auc": 0.7},
    }
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    found = audit.audit_reports(tmp_path, 10)["findings"]
    assert [(f["file"], f["attack"]) for f in found] == [("metrics.json#inst@1", "auc_integrality")]


def test_the_everyone_positive_corner_is_not_a_finding_but_an_inner_table_is(tmp_path):
    # at the lowest cut-off everyone screens positive: tp = P, fp = N, the published margins; a withheld
    # table there tells nothing new, while a withheld inner table with a published ROC point does
    rng = np.random.default_rng(5)
    y = (rng.random(300) < 0.3).astype(float)
    score = np.round(rng.normal(size=300) + y, 1)
    frame = pd.DataFrame({"score": score, "reference": y, "site": ["a"] * 300})
    low = float(score.min())
    raw = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[low])
    pub, _ = disclosure.suppress_subgroups_document(raw, 10)
    entry = pub["overall"]["thresholds"][0]
    # fn = tn = 0: no cell of 1..9, so the corner is published (a zero singles out nobody)
    assert entry.get("fn") in (None, "<10", 0) and entry.get("tn") in (None, "<10", 0)
    roc = [{"cutoff": None, "fpr": 0.0, "tpr": 0.0}, {"cutoff": low, "fpr": 1.0, "tpr": 1.0}]
    assert audit.audit_document(pub, "corner", roc=roc) == []
    (tmp_path / "subgroups").mkdir()
    (tmp_path / "plots" / "roc").mkdir(parents=True)
    (tmp_path / "subgroups" / "x.json").write_text(json.dumps(pub))
    (tmp_path / "plots" / "roc" / "x.json").write_text(json.dumps(roc))
    assert audit.audit_reports(tmp_path)["findings"] == []
    P, N = raw["overall"]["n_positive"], raw["overall"]["n_negative"]
    inner = {"cutoff": 1.0, "tp": None, "fp": None, "tn": "<10", "fn": None, "reason": WITHHELD}
    assert audit.solve_table(inner, P, N, roc=[{"cutoff": 1.0, "tpr": 20 / P, "fpr": 30 / N}])[0] == 1


# ------------------------------------------------------------------ the counts the HTML reports show
FLOW = {"received": 1000, "excluded": {"duplicate id": 7}, "analysed": 993, "verified": 900, "unverified": 93}


def _accuracy(n_missing_score=0):
    # 100 positives, 800 negatives, 93 unverified; at cut-off 2 only 4 false negatives
    counts = CountTable.from_counts(
        np.arange(4), [1, 3, 46, 50], [500, 200, 60, 40], [40, 30, 20, 3], n_missing_score=n_missing_score
    )
    return documents.accuracy_document(counts, [2.0, 3.0])


def _html(flow, accuracy, score_flow=None, suppress=True, lang="en") -> str:
    """One report rendered by the report builder: from the suppressed documents (as published), or
    from ``flow``/``accuracy`` as given (a planted document as an earlier suppression made it)."""
    from signalering.report import build, inputs, views

    inp = inputs.Inputs(flow=flow, accuracy={"inst@1": accuracy}, score_flow=score_flow or {})
    log: list[dict] = []
    if suppress:
        inp, log = inputs.publishable(inp, 10)
    return build.render(views.build_view(inp, log, {}, {}, lang, build.load_texts(lang)))


def test_shown_count_reads_what_the_report_displays():
    assert [audit.shown_count(s) for s in ("1,234", "1.234", " 12 ", "<10", "0")] == [1234, 1234, 12, "<10", 0]
    assert [audit.shown_count(s) for s in ("withheld", "niet getoond", "\u2013", "", "1,2345", "4.1%")] == [None] * 6


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_html_flow_received_minus_analysed_gives_back_a_small_exclusion(lang):
    # as an earlier report showed it: the one exclusion as '<10', received and analysed in full
    before = _html({**FLOW, "excluded": {"duplicate id": "<10"}}, _accuracy(), suppress=False, lang=lang)
    counts, _ = audit.html_counts(before)
    assert counts["flow.received"] == 1000 and counts["flow.excluded.0"] == "<10" and counts["flow.analysed"] == 993
    found = audit.audit_html(before, "before.html")
    assert [(f["attack"], f["location"], f["recovered"]) for f in found] == [("totals", "flow.excluded", ["0"])]
    # as published now: received is withheld as well
    now = _html(FLOW, _accuracy(), lang=lang)
    assert audit.html_counts(now)[0]["flow.received"] is None
    assert audit.audit_html(now, "now.html") == []


def test_html_two_by_two_table_with_its_margins_gives_back_a_small_cell():
    raw = _accuracy()
    now = _html(FLOW, raw)
    counts, _ = audit.html_counts(now)
    assert counts["i-inst-v1.tables.0.fn"] == "<10" and counts["i-inst-v1.n_positive"] == 100
    assert audit.audit_html(now, "now.html") == []
    before = copy.deepcopy(raw)  # as if only the small cell were hidden: tp + fn = positives
    before["thresholds"][0]["fn"] = "<10"
    found = audit.audit_html(_html(FLOW, before, suppress=False), "before.html")
    assert [(f["location"], f["recovered"]) for f in found] == [("i-inst-v1.tables.0", ["fn"])]


def test_html_instrument_flow_figure_reasons_add_up_to_the_records_without_a_score():
    sflow = {"inst@1": {"scored": 993 - 43, "missing_score": {"no answers": 3, "out of range": 40}}}
    acc = _accuracy(n_missing_score=43)
    now = _html(FLOW, acc, sflow)
    fig = audit.html_counts(now)[1]["i-inst-v1"]
    assert fig["n_missing_score"] == 43 and fig["missing"] == ["<10", None]
    assert audit.audit_html(now, "now.html") == []
    # an earlier rendering: the complementary reason shown in full
    before = _html(
        FLOW,
        acc,
        {"inst@1": {**sflow["inst@1"], "missing_score": {"no answers": "<10", "out of range": 40}}},
        suppress=False,
    )
    found = audit.audit_html(before, "before.html")
    assert [(f["location"], f["recovered"]) for f in found] == [("i-inst-v1.flow.missing", ["0"])]


def test_records_without_a_score_as_analysed_minus_scored_is_a_known_limit():
    # docs/disclosure.md, known limits: '<10' records without a score = analysed - with a score
    flow = {**FLOW, "received": 1004, "analysed": 997, "verified": 904}  # 4 of the analysed without a score
    html = _html(flow, _accuracy(n_missing_score=4))
    assert audit.audit_html(html, "r.html") == []
    found = audit.audit_html(html, "r.html", link_missing_score=True)
    assert [(f["location"], f["recovered"]) for f in found] == [("i-inst-v1.flow", ["n_missing_score"])]


def test_audit_reports_and_the_command_read_the_html_reports(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "validation_report.html").write_text(_html(FLOW, _accuracy()), encoding="utf-8")
    (reports / "validatierapport.html").write_text(_html(FLOW, _accuracy(), lang="nl"), encoding="utf-8")
    result = audit.audit_reports(reports, 10)
    assert result["findings"] == [] and "validatierapport.html" in result["files"]
    out = tmp_path / "data" / "audit.json"
    assert main(["disclosure-audit", str(reports), "--out", str(out)]) == 0
    (reports / "validation_report.html").write_text(
        _html({**FLOW, "excluded": {"duplicate id": "<10"}}, _accuracy(), suppress=False), encoding="utf-8"
    )
    assert main(["disclosure-audit", str(reports), "--out", str(out)]) == 3
    findings = json.loads(out.read_text())["findings"]
    assert [(f["file"], f["location"]) for f in findings] == [("validation_report.html", "flow.excluded")]
