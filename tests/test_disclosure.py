"""Disclosure control: small cells, complementary and group suppression, differencing, ROC points,
and an end-to-end scan of everything under reports/ after a pipeline run with a tiny site."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import shared_demo_project
from hypothesis import given
from hypothesis import strategies as st

from signalering import documents
from signalering.documents import disclosure
from signalering.errors import UsageError
from signalering.stats.counts import CountTable
from signalering.stats.roc import roc_points

SMALL = "withheld (small numbers)"


def _doc(pos, neg, cutoffs=None, unverified=None):
    """accuracy.json of a score with counts per score value (scores 0..k-1)."""
    k = len(pos)
    counts = CountTable.from_counts(np.arange(k), pos, neg, unverified)
    return counts, documents.accuracy_document(counts, cutoffs)


def _no_values_in_log(log):
    for entry in log:
        assert set(entry) == {"location", "hidden", "reason"}
        assert all(isinstance(h, str) for h in entry["hidden"])


# ------------------------------------------------------------------ threshold rule and whole-table suppression
def test_small_cell_withholds_the_whole_table_and_its_statistics():
    # cut-off 2: tp 40, fp 15, fn 23, tn 260 -> published; cut-off 0 with 3 and 4 records at score -1:
    # fn 3, tn 4 -> a small cell, the whole table is withheld
    counts = CountTable.from_counts(np.arange(-1, 3), [3, 3, 20, 40], [4, 200, 60, 15])
    doc = documents.accuracy_document(counts, [2, 0])
    out, log = disclosure.suppress_accuracy_document(doc, 10)
    kept, hidden = out["thresholds"]
    assert kept["tp"] == 40 and "suppressed" not in kept
    assert hidden["fn"] == "<10" and hidden["tn"] == "<10"
    assert hidden["tp"] is None and hidden["fp"] is None  # complementary: margins are published
    for stat in ("sensitivity", "specificity", "ppv", "npv", "lr_positive", "dor"):
        assert hidden[stat]["estimate"] is None and hidden[stat]["ci_low"] is None
        assert hidden[stat]["reason"] == SMALL
    assert hidden["youden"] is None and hidden["at_prevalence"] == []
    assert disclosure.small_counts(out) == []
    _no_values_in_log(log)
    assert doc["thresholds"][1]["tn"] == 4  # the input is not modified


def test_a_zero_cell_is_published_as_zero():
    """Zero singles out nobody: a table with a 0 cell and no cell of 1..9 is published whole (a
    cut-off everybody passes: fn = tn = 0), and so are zero counts of unverified records."""
    counts, doc = _doc([3, 20, 40], [200, 60, 15], cutoffs=[2, 0])
    doc["n_unverified"] = 0
    out, log = disclosure.suppress_accuracy_document(doc, 10)
    everybody = out["thresholds"][1]
    assert (everybody["tp"], everybody["fp"], everybody["fn"], everybody["tn"]) == (63, 275, 0, 0)
    assert "suppressed" not in everybody and everybody["sensitivity"]["estimate"] == 1.0
    assert out["n_unverified"] == 0 and out["n"] == doc["n"] and "suppressed" not in out
    assert disclosure.small_counts(out) == []
    assert not [e for e in log if e["location"].startswith(("counts", "thresholds"))]


def test_a_zero_margin_is_still_group_disclosure():
    """No reference-positive record at all (all of the group negative) is withheld like a small margin."""
    counts, doc = _doc([0, 0, 0], [100, 60, 15])
    out, _ = disclosure.suppress_accuracy_document(doc, 10)
    assert {out["n_positive"], out["n_negative"]} == {"<10", None}
    assert disclosure.small_counts({"n_positive": 0}) == ["$.n_positive"]
    assert disclosure.small_counts({"n_unverified": 0, "tp": 0}) == []


def test_flow_with_complete_verification_shows_zero_unverified_and_the_verified():
    flow = {"received": 113, "analysed": 113, "excluded": {}, "verified": 113, "unverified": 0}
    out, log = disclosure.suppress_flow(flow, 10)
    assert out["verified"] == 113 and out["unverified"] == 0 and log == []


def test_flow_with_a_few_unverified_keeps_verified_as_the_instruments_show_it():
    """Each instrument shows its positives and negatives (= the verified records): the overall flow
    hides the total analysed instead of the verified, and then one exclusion count (or received)."""
    flow = {"received": 1000, "analysed": 980, "excluded": {"dup": 20}, "verified": 975, "unverified": 5}
    out, log = disclosure.suppress_flow(flow, 10)
    assert out["verified"] == 975 and out["unverified"] == "<10" and out["analysed"] is None
    assert out["received"] is None or out["excluded"]["dup"] is None


def test_hidden_parts_that_can_only_be_ones_are_complemented():
    """Two parts shown as "<10" (1..9) adding up to 2 are both 1: a further part goes."""
    out, reasons = disclosure.suppress_parts({"t": 52, "a": 1, "b": 1, "c": 50}, ["a", "b", "c"], "t", 10)
    assert out["c"] is None or out["t"] is None


def test_counts_below_min_cell_are_shown_as_less_than_and_auc_withheld():
    counts, doc = _doc([2, 3, 4], [100, 60, 15])
    out, log = disclosure.suppress_accuracy_document(doc, 10)
    assert out["n_positive"] == "<10"
    assert out["auc"]["estimate"] is None and out["auc"]["reason"] == SMALL
    assert all("suppressed" in t for t in out["thresholds"])
    assert disclosure.small_counts(out) == []


def test_one_hidden_part_of_a_total_hides_another():
    values, reasons = disclosure.suppress_parts({"n": 300, "a": 5, "b": 200, "c": 95}, ["a", "b", "c"], "n", 10)
    assert values["a"] == "<10" and values["c"] is None and values["b"] == 200 and values["n"] == 300
    assert set(reasons) == {"a", "c"}
    values, reasons = disclosure.suppress_parts({"n": 300, "a": 5, "b": 295}, ["a", "b"], "n", 10, spare=["b"])
    assert values["n"] is None and values["b"] == 295  # nothing else to hide: the total goes


def test_few_unverified_hides_the_total_not_the_positives():
    counts, doc = _doc([20, 30, 40], [200, 60, 15], unverified=[3, 0, 0])
    out, _ = disclosure.suppress_accuracy_document(doc, 10)
    assert out["n_unverified"] == "<10" and out["n"] is None
    assert out["n_positive"] == 90 and out["auc"]["estimate"] is not None


def test_group_disclosure_all_positive():
    counts, doc = _doc([20, 30, 40], [0, 0, 0])
    out, log = disclosure.suppress_accuracy_document(doc, 10)
    assert out["n_positive"] is None and out["n_negative"] == "<10"
    assert all(t["sensitivity"]["estimate"] is None for t in out["thresholds"])
    # why it is withheld is not said: "all or none are positive" would disclose every member's status
    assert {e["reason"] for e in log} == {SMALL}
    assert out["auc"]["estimate"] is None and out["auc"]["reason"] == SMALL


def test_neighbouring_cutoffs_closer_than_min_cell_are_not_both_published():
    # cut-offs 2 and 1 differ by 4 positives and 50 negatives: publishing both reveals the 4
    counts, doc = _doc([30, 4, 40], [200, 50, 30], cutoffs=[2, 1])
    out, log = disclosure.suppress_accuracy_document(doc, 10)
    assert "suppressed" not in out["thresholds"][0]
    assert out["thresholds"][1]["suppressed"] == SMALL  # not "differs by fewer than 10": that is a range
    assert out["thresholds"][1]["tp"] is None


def test_bootstrap_and_verification_parts_follow_the_table():
    counts = CountTable.from_counts(np.arange(-1, 3), [3, 3, 20, 40], [4, 200, 60, 15], [0, 30, 5, 0])
    doc = documents.accuracy_document(counts, [2, 0], n_boot=50, seed=1)
    out, _ = disclosure.suppress_accuracy_document(doc, 10)
    hidden = out["thresholds"][1]
    assert all(v["estimate"] is None for v in hidden.get("bootstrap", {}).values())
    assert disclosure.small_counts(out) == []


def test_min_cell_must_be_a_positive_integer():
    for bad in (0, -1, 2.5, "10", True):
        with pytest.raises(UsageError):
            disclosure.check_min_cell(bad)


# ------------------------------------------------------------------ ROC points
def all_roc_points(counts: CountTable) -> list[dict]:
    """Every empirical ROC point as a row, the corner's cut-off null."""
    return [
        {"cutoff": None if np.isnan(r.cutoff) else float(r.cutoff), "fpr": float(r.fpr), "tpr": float(r.tpr)}
        for r in roc_points(counts).itertuples(index=False)
    ]


@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 60)), min_size=1, max_size=25), st.sampled_from([1, 5, 10])
)
def test_published_roc_points_separate_at_least_min_cell_records(cells, min_cell):
    pos, neg = zip(*cells)
    counts = CountTable.from_counts(np.arange(len(cells)), pos, neg)
    rows, log = disclosure.roc_plot_rows(counts, min_cell)
    m, n = counts.n_positive, counts.n_negative
    assert rows[0]["cutoff"] is None
    if m == 0 or n == 0:
        return
    assert (rows[0]["fpr"], rows[0]["tpr"]) == (0.0, 0.0) and (rows[-1]["fpr"], rows[-1]["tpr"]) == (1.0, 1.0)
    tp = [round(r["tpr"] * m) for r in rows]
    fp = [round(r["fpr"] * n) for r in rows]

    def ok(count):  # a zero singles out nobody; otherwise at least min_cell
        return count == 0 or count >= min_cell

    for i in range(1, len(rows) - 1):
        assert all(ok(c) for c in (tp[i], fp[i], m - tp[i], n - fp[i]))
        assert ok(tp[i] - tp[i - 1]) and ok(fp[i] - fp[i - 1]) and (tp[i], fp[i]) != (tp[i - 1], fp[i - 1])
    full = all_roc_points(counts)
    assert all(r in full for r in rows)  # every published point is a true empirical point
    if min_cell == 1:
        assert len(rows) <= len(full)


def test_roc_points_of_a_large_sample_are_all_kept():
    counts = CountTable.from_counts(np.arange(5), [50, 60, 70, 80, 90], [300, 200, 100, 50, 20])
    rows, log = disclosure.roc_plot_rows(counts, 10)
    assert rows == all_roc_points(counts) and log == []


# ------------------------------------------------------------------ flow, comparison, subgroups
def test_flow_small_exclusion_is_complemented():
    flow = {
        "schema_version": 1,
        "received": 3000,
        "analysed": 2950,
        "verified": 2800,
        "unverified": 150,
        "excluded": {"duplicate record_id": 4, "bad code": 46},
    }
    out, log = disclosure.suppress_flow(flow, 10)
    assert out["excluded"]["duplicate record_id"] == "<10" and out["excluded"]["bad code"] is None
    assert out["received"] == 3000 and out["analysed"] == 2950
    flow1 = {**flow, "analysed": 2996, "excluded": {"duplicate record_id": 4}}
    out, _ = disclosure.suppress_flow(flow1, 10)
    assert out["received"] is None and out["analysed"] == 2996
    _no_values_in_log(log)


def test_comparison_with_small_discordant_cells_withholds_at_cutoffs():
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.2).astype(float)
    a = rng.normal(size=400) + y
    b = a + rng.normal(scale=0.1, size=400)  # almost the same: few discordant records
    doc = documents.comparison_document(a, b, y, cutoff_a=1.0, cutoff_b=1.0)
    out, log = disclosure.suppress_comparison_document(doc, 10)
    at = out["at_cutoffs"]
    # per published cell: the two sensitivities (each instrument's own table is large) stay; what the
    # small discordant cells would be recovered from goes
    assert at["sensitivity"]["a"] == doc["at_cutoffs"]["sensitivity"]["a"]
    assert at["sensitivity"]["ratio"]["estimate"] == doc["at_cutoffs"]["sensitivity"]["ratio"]["estimate"]
    assert at["sensitivity"]["ratio"]["ci_low"] is None and at["sensitivity"]["mcnemar_p"] is None
    assert "mcnemar" not in at["sensitivity"] or set(at["sensitivity"]["mcnemar"]) <= {"method"}
    assert "cells.positive" in at["withheld"]
    assert all(v in ("<10", None) for v in at["cells"]["positive"].values())
    assert out["delong"]["difference"] == doc["delong"]["difference"]
    assert disclosure.small_counts(out) == []
    _no_values_in_log(log)


def test_comparison_with_zero_discordant_cells_is_published():
    """A combination that contains the other (b positive implies a positive) has b_only = 0 in both
    strata: zero singles out nobody, the comparison is shown whole (issue 15: 19,101 records)."""
    rng = np.random.default_rng(4)
    y = (rng.random(2000) < 0.2).astype(float)
    b = rng.normal(size=2000) + y
    a = np.maximum(b, rng.normal(size=2000) + y)  # a >= b: whoever b flags, a flags
    doc = documents.comparison_document(a, b, y, cutoff_a=1.0, cutoff_b=1.0)
    assert doc["at_cutoffs"]["cells"]["positive"]["b_only"] == 0
    out, log = disclosure.suppress_comparison_document(doc, 10)
    assert out["at_cutoffs"] == doc["at_cutoffs"] and "withheld" not in out["at_cutoffs"]


def test_comparison_with_a_small_table_of_one_instrument_withholds_its_figures():
    at = {
        "cells": {
            "positive": {"both": 5, "a_only": 0, "b_only": 40, "neither": 30},
            "negative": {"both": 20, "a_only": 30, "b_only": 40, "neither": 500},
        },
        "sensitivity": {"a": 5 / 75, "b": 45 / 75, "ratio": {"estimate": 1 / 9, "ci_low": 0.05, "ci_high": 0.3}},
    }
    out, hidden = disclosure.suppress_at_cutoffs(at, 10)
    assert out["sensitivity"]["a"] is None and out["sensitivity"]["b"] == 45 / 75
    assert out["sensitivity"]["ratio"]["estimate"] is None
    assert out["cells"]["positive"] == {"both": "<10", "a_only": None, "b_only": None, "neither": None}


def test_subgroup_document_tiny_group_and_n_minus_one():
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 2000
    site = np.where(rng.random(n) < 0.01, "tiny", np.where(rng.random(n) < 0.5, "big1", "big2"))
    y = (rng.random(n) < 0.15).astype(float)
    frame = pd.DataFrame({"score": np.round(rng.normal(size=n) + y, 0), "reference": y, "site": site})
    doc = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[1.0])
    out, log = disclosure.suppress_subgroups_document(doc, 10)
    groups = out["subgroups"]["site"]["groups"]
    assert "suppressed" in groups["tiny"]["thresholds"][0]
    # n-1: overall minus big1 minus big2 would give tiny's margins and table; the big site with fewer
    # positives loses its margins and, since its tables and AUC would give them back, every statistic
    smaller = min(("big1", "big2"), key=lambda g: doc["subgroups"]["site"]["groups"][g]["n_positive"])
    assert "suppressed" in groups[smaller]["thresholds"][0]
    assert groups[smaller]["n_positive"] is None and groups[smaller]["auc"]["estimate"] is None
    diff = out["subgroups"]["site"]["largest_difference"][0]
    assert "tiny" in diff.get("groups_left_out", [])
    assert disclosure.small_counts(out) == []
    _no_values_in_log(log)


# ------------------------------------------------------------------ end to end: nothing small leaves the pipeline
_CELL = re.compile(r"<td[^>]*>\s*(\d+)\s*</td>")
_SVG_COUNT = re.compile(r":\s*(\d[\d,.\u202f ]*)\s*</text>")
# Tables whose small whole numbers are not record counts: STARD item numbers, cut-off values,
# numbers of pre-declared criteria.
_NOT_COUNTS = ("<th>Item</th>", "<th>Cut-off</th>", "<th>Afkappunt</th>", "<th>Verdict</th>", "<th>Oordeel</th>")


def small_counts_in_html(html: str, min_cell: int = 10) -> list[str]:
    """Whole numbers 1 to ``min_cell - 1`` in count positions of the report: table cells (outside the
    tables listed in ``_NOT_COUNTS``) and "label: number" texts of the SVG figures."""
    found = []
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        header = re.search(r"<tr>(.*?)</tr>", table, flags=re.S)
        if header and any(h in header.group(1) for h in _NOT_COUNTS):
            continue
        found += [c for c in _CELL.findall(table) if 0 < int(c) < min_cell]  # a zero singles out nobody
    for text in _SVG_COUNT.findall(html):
        digits = re.sub(r"\D", "", text)
        if digits and 0 < int(digits) < min_cell:
            found.append(text)
    return found


def test_reports_after_pipeline_run_hold_no_small_counts(tmp_path_factory):
    # the session's `dvc repro` on 3,000 demo records (shared with the report tests; its 50 bootstrap
    # replicates change intervals, not the counts scanned here)
    project = shared_demo_project(tmp_path_factory)
    reports = project / "reports"
    files = sorted(p for p in reports.rglob("*") if p.is_file())
    assert any(p.suffix == ".html" for p in files) and (reports / "subgroups").is_dir()
    assert "&lt;10" in (reports / "validation_report.html").read_text(encoding="utf-8")
    raw = json.loads((project / "data/processed/subgroups/risk-checklist@2.json").read_text())
    assert disclosure.small_counts(raw)  # there was work
    assert {p.suffix for p in files} <= {".json", ".html", ".pdf"}
    for path in files:
        if path.suffix == ".pdf":  # rendered from the same (suppressed) view as the HTML scanned here
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            found = disclosure.small_counts(json.loads(text))
            assert found == [], (path.relative_to(project), found[:5])
        elif path.suffix == ".html":
            assert small_counts_in_html(text) == [], path.name
    log = json.loads((reports / "disclosure.json").read_text())["log"]
    assert log and all(set(e) == {"location", "hidden", "reason"} for e in log)
    # site08 (a few dozen records) is merged before the analysis, or the site breakdown withheld
    pub = json.loads((reports / "subgroups/risk-checklist@2.json").read_text())
    assert "site08" in (pub["subgroups"].get("site") or {}).get("combined", {}).get(
        "categories", []
    ) or "site" in pub.get("withheld_subgroups", [])
    assert json.loads((project / "data/secure/disclosure_audit.json").read_text())["findings"] == []
    roc = json.loads((reports / "plots/roc/risk-checklist@2.json").read_text())
    assert roc[0]["cutoff"] is None and roc[-1]["tpr"] == 1.0


# ------------------------------------------------------------------ decision and calibration curves
def test_decision_curve_rows_follow_the_roc_rule():
    from signalering.stats import decision

    rng = np.random.default_rng(9)
    y = (rng.random(600) < 0.1).astype(float)
    p = 1 / (1 + np.exp(-(rng.normal(size=600) + 1.5 * y - 2.5)))
    th = np.round(np.arange(0.01, 0.6, 0.01), 10)
    rows = decision.decision_curve_points(decision.net_benefit(p, y, th))
    kept, log = disclosure.decision_plot_rows(rows, p, y, 10)
    assert 0 < len(kept) < len(rows) and log
    pos, neg = np.sort(p[y == 1]), np.sort(p[y == 0])
    last = None
    for r in kept:
        tp, fp = int((pos >= r["threshold"]).sum()), int((neg >= r["threshold"]).sum())
        assert min(tp, fp, len(pos) - tp, len(neg) - fp) >= 10
        if last is not None and (tp, fp) != last:
            assert last[0] - tp >= 10 and last[1] - fp >= 10
        last = (tp, fp)


def test_calibration_curve_rows_are_trimmed_to_well_populated_predictions():
    p = np.linspace(0.01, 0.9, 200)
    rows = [
        {"predicted": float(x), "observed": float(x), "ci_low": None, "ci_high": None} for x in np.linspace(0, 1, 51)
    ]
    kept, log = disclosure.calibration_plot_rows(rows, p, 10)
    assert all(p[9] <= r["predicted"] <= p[-10] for r in kept) and len(kept) < len(rows) and log
    assert disclosure.calibration_plot_rows(rows, p[:15], 10)[0] == []


def test_a_statistic_over_fewer_than_min_cell_records_is_withheld_with_its_count():
    # e.g. Fleiss' kappa over the 8 families that every rater rated: the count and the statistic go
    fleiss = {
        "estimate": 0.12,
        "ci_low": 0.02,
        "ci_high": 0.22,
        "se": 0.05,
        "se_h0": 0.04,
        "z": 3.4,
        "p_value": 0.0007,
        "method": "gwet-linearised",
        "n_subjects": 8,
        "n_total": 19947,
        "raters": 3,
    }
    log = []
    out = disclosure.suppress_counts({"fleiss_kappa": fleiss}, 10, "x", log)["fleiss_kappa"]
    assert out["n_subjects"] == "<10" and out["n_total"] is None
    assert all(out[k] is None for k in ("estimate", "ci_low", "ci_high", "se", "se_h0", "z", "p_value"))
    assert out["raters"] == 3 and out["reason"] and log
    big = disclosure.suppress_counts({"fleiss_kappa": {**fleiss, "n_subjects": 54}}, 10, "x")["fleiss_kappa"]
    assert big["estimate"] == 0.12 and big["n_subjects"] == 54


def _two_raters(n_rated: int) -> dict:
    """A reliability document: 200 records, the first ``n_rated`` rated by both of two raters (1-9)."""
    import pandas as pd

    from signalering.stats.reliability.summary import reliability_summary

    a = np.full(200, np.nan)
    b = np.full(200, np.nan)
    pattern_a = [3, 5, 7, 2, 8, 4, 6, 1, 9, 5, 3, 7]
    pattern_b = [4, 5, 6, 2, 9, 3, 6, 2, 8, 5, 4, 7]
    a[:n_rated] = pattern_a[:n_rated]
    b[:n_rated] = pattern_b[:n_rated]
    return reliability_summary(pd.DataFrame({"r1": a, "r2": b}), ["r1", "r2"], categorical=True)


def test_reliability_icc_over_few_families_is_withheld():
    # six families rated by both raters: the kappas over them were withheld by suppress_counts, but
    # the six ICC forms (whose interval and F give the six back through their degrees of freedom)
    # and the subset's note ("computed on the 6 of 200 records") were published
    doc = _two_raters(6)
    assert doc["icc"][0]["estimate"] is not None and "6 of 200" in doc["icc_subset"]["note"]
    out, log = disclosure.suppress_reliability_document(doc, 10, "obs.reliability")
    assert all(f["estimate"] is None and f["ci_low"] is None and f["f"] is None for f in out["icc"])
    assert all(f["reason"] == disclosure.WITHHELD for f in out["icc"])
    assert out["icc_subset"]["note"] is None and out["icc_subset"]["n_used"] == "<10"
    assert out["kappa"]["estimate"] is None and out["kappa"]["agreement"] is None  # 2 of the 6 alike
    assert out["icc_subset"]["n_raters"] == 2  # raters, not records
    assert any(e["location"] == "obs.reliability.icc" for e in log)
    assert disclosure.small_counts(out, 10) == []


def test_reliability_two_raters_are_not_a_small_count():
    # twelve families: everything is shown; n_raters = 2 is no record count, so it does not hide the
    # subset's n_used and n_total (suppress_counts alone read it as a count of 2 and nulled them)
    doc = _two_raters(12)
    out, log = disclosure.suppress_reliability_document(doc, 10, "obs.reliability")
    assert out["icc_subset"] == {**doc["icc_subset"]}
    assert out["icc"] == doc["icc"] and out["kappa"] == doc["kappa"]
    assert log == []


def test_reliability_bland_altman_over_few_families_is_withheld():
    # two continuous raters on seven families: the bias (times 7: the sum of the differences) and
    # its interval (whose width gives the 7 back) were published beside the withheld n
    import pandas as pd

    from signalering.stats.reliability.summary import reliability_summary

    a = np.full(50, np.nan)
    b = np.full(50, np.nan)
    a[:7] = [3, 5, 7, 2, 8, 4, 6]
    b[:7] = [4, 5, 6, 2, 9, 3, 7]
    doc = reliability_summary(pd.DataFrame({"r1": a, "r2": b}), ["r1", "r2"])
    assert doc["bland_altman"]["bias"]["estimate"] is not None
    out, log = disclosure.suppress_reliability_document(doc, 10, "obs.reliability")
    ba = out["bland_altman"]
    assert ba["n"] == "<10" and ba["sd_difference"] is None
    assert all(ba[k]["estimate"] is None and ba[k]["ci_low"] is None for k in ("bias", "loa_low", "loa_high"))
    assert any(e["location"] == "obs.reliability.bland_altman" for e in log)
