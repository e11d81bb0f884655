"""Attacks on published outputs of small data sets (a small municipality): each family is planted
as the suppression published it before its fix (the attack recovers a withheld count of 1 to
min_cell - 1, and the disclosure audit finds it), and run on what is published now (nothing
recovered, the audit is clean)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from signalering.documents import audit, disclosure
from signalering.documents.accuracy import accuracy_document
from signalering.stats.counts import CountTable
from signalering.stats.verification import begg_greenes_cells


def _records(cells) -> CountTable:
    """(score, reference, count) triples; reference NaN = not verified."""
    score, ref = [], []
    for s, r, k in cells:
        score += [s] * k
        ref += [r] * k
    return CountTable.from_scores(np.array(score, float), np.array(ref, float))


# ------------------------------------------------------------------ Begg-Greenes inversion
def _solve_u1(table: dict, n_unverified: int, sensitivity: float) -> list[int]:
    """Hand-written attack: every split u1 + u0 = n_unverified whose corrected sensitivity matches."""
    tp, fp, fn, tn = (table[c] for c in ("tp", "fp", "fn", "tn"))
    out = []
    for u1 in range(n_unverified + 1):
        u0 = n_unverified - u1
        tp_w = (tp + fp + u1) * tp / (tp + fp)  # Begg and Greenes (1983): P(D|T) from the verified
        fn_w = (fn + tn + u0) * fn / (fn + tn)
        if abs(tp_w / (tp_w + fn_w) - sensitivity) < 1e-9:
            out.append(u1)
    return out


@pytest.fixture(scope="module")
def unverified_doc():
    """Verified table at score >= 1: tp 20, fp 30, fn 15, tn 200; 4 unverified screen-positives and
    60 unverified screen-negatives (all cells of the published table >= 10)."""
    counts = _records([(1, 1, 20), (1, 0, 30), (0, 1, 15), (0, 0, 200), (1, np.nan, 4), (0, np.nan, 60)])
    return accuracy_document(counts, [1.0])


def test_hand_attack_matches_the_library_formula(unverified_doc):
    # the independent check of the attack itself: Begg-Greenes by hand gives the library's estimate
    e = unverified_doc["verification_corrected"]["thresholds"][0]
    tp_w = (50 + 4) * 20 / 50
    fn_w = (215 + 60) * 15 / 215
    assert e["corrected"]["sensitivity"]["estimate"] == pytest.approx(tp_w / (tp_w + fn_w), rel=1e-12)


def test_corrected_sensitivity_gave_the_unverified_screen_positives_back(unverified_doc):
    pub, _ = disclosure.suppress_accuracy_document(unverified_doc, 10)
    table = pub["thresholds"][0]
    assert "suppressed" not in table and pub["n_unverified"] == 64
    e = pub["verification_corrected"]["thresholds"][0]
    assert e["n_unverified_screen_positive"] == "<10"
    # now: the corrected estimates and the sensitivity analysis are withheld with the count
    assert e["corrected"]["sensitivity"]["estimate"] is None and e["suppressed"]
    assert all(v is None for sa in e["sensitivity_analysis"] for k, v in sa.items())
    assert e["n_unverified_screen_negative"] is None and e["cutoff"] == 1.0
    assert audit.audit_document(pub, "now") == []
    # before the fix the corrected sensitivity was published beside "<10": one solution, 4
    raw = unverified_doc["verification_corrected"]["thresholds"][0]
    before = copy.deepcopy(pub)
    before["verification_corrected"]["thresholds"][0] = {
        **raw,
        "n_unverified_screen_positive": "<10",
        "n_unverified_screen_negative": None,
        "n_screen_positive": None,
        "n_screen_negative": None,
    }
    assert _solve_u1(table, 64, raw["corrected"]["sensitivity"]["estimate"]) == [4]
    found = audit.audit_document(before, "before")
    assert [f["attack"] for f in found] == ["verification"]


def test_begg_greenes_cells_is_what_the_audit_inverts():
    # the audit's search over u1 uses the library's formula at every r of the sensitivity analysis
    est = begg_greenes_cells(20, 30, 15, 200, np.arange(65.0), 64 - np.arange(65.0), 2.0)["sensitivity"]
    assert len(np.unique(np.round(est, 12))) == 65  # strictly monotone in u1: one solution


def test_unverified_differing_by_a_few_between_cut_offs_are_withheld():
    """Two published cut-offs whose unverified screen-positives differ by 1..9 give the unverified
    records scoring in between (rule 6 for the unverified)."""
    counts = _records(
        [(2, 1, 20), (2, 0, 20), (1, 1, 10), (1, 0, 20), (0, 1, 15), (0, 0, 200)]
        + [(2, np.nan, 20), (1, np.nan, 3), (0, np.nan, 40)]
    )
    doc = accuracy_document(counts, [2.0, 1.0])
    raw = doc["verification_corrected"]["thresholds"]
    assert [e["n_unverified_screen_positive"] for e in raw] == [20, 23]
    pub, _ = disclosure.suppress_accuracy_document(doc, 10)
    assert all("suppressed" not in e for e in pub["thresholds"])  # tables differ by 10 and 20
    vc = pub["verification_corrected"]["thresholds"]
    assert "suppressed" not in vc[0] and vc[0]["n_unverified_screen_positive"] == 20
    assert vc[1]["suppressed"] and vc[1]["n_unverified_screen_positive"] is None
    assert vc[1]["corrected"]["sensitivity"]["estimate"] is None
    assert audit.audit_document(pub, "now") == []
    before = copy.deepcopy(pub)
    before["verification_corrected"]["thresholds"][1] = raw[1]
    assert "differencing" in {f["attack"] for f in audit.audit_document(before, "before")}


# ------------------------------------------------------------------ a paired comparison republishing a table
def _paired_frame(seed: int = 3):
    """600 verified records: 60 reference-positive. Instrument A scores 0..5; its tables at 4 and 3
    differ by 6 positives (so the table at 3 is withheld for differencing). B is an independent
    noisy score; the judgement is positive for about a third of the records."""
    rng = np.random.default_rng(seed)
    ref = np.r_[np.ones(60), np.zeros(540)]
    a = np.r_[np.repeat([5, 4, 3, 2, 1, 0], [15, 15, 6, 12, 6, 6]), rng.choice([5, 4, 3, 2, 1, 0], 540)].astype(float)
    a[60:][a[60:] == 3] = 2.0  # no negative at 3: the table at 3 differs from 4 by 6 positives, 0 negatives
    a[60:80] = 3.0  # ... but 20 negatives at 3 keep its own cells large
    b = np.round(np.clip(a + rng.normal(0, 1.5, 600), 0, 5))
    judgement = (rng.random(600) < 0.3 + 0.4 * ref).astype(float)
    return a, b, ref, judgement


def _published_accuracy(a, ref, cutoffs=(4.0, 3.0)):
    doc = accuracy_document(CountTable.from_scores(a, ref), list(cutoffs))
    return disclosure.suppress_accuracy_document(doc, 10)[0]


def _tp_from_sensitivity(sens: float, positives: int) -> int:
    tp = round(sens * positives)
    assert abs(tp / positives - sens) < 1e-12
    return tp


def test_paired_comparison_gave_back_a_table_withheld_for_differencing():
    from signalering.documents.comparison import comparison_document

    a, b, ref, _ = _paired_frame()
    acc = _published_accuracy(a, ref)
    at4, at3 = acc["thresholds"]
    assert "suppressed" in at3 and at4["tp"] == 30  # withheld: 36 - 30 = 6 positives score exactly 3
    doc = comparison_document(a, b, ref, name_a="A", name_b="B", cutoff_a=3.0, cutoff_b=3.0)
    # before: the comparison showed A's sensitivity at 3 on the same 60 positives
    before, _ = disclosure.suppress_comparison_document(doc, 10, "A__vs__B")
    tp3 = _tp_from_sensitivity(before["at_cutoffs"]["sensitivity"]["a"], before["n_positive"])
    assert tp3 - at4["tp"] == 6
    # now, given the published accuracy documents: A's figures go (ratios and differences with them)
    now, _ = disclosure.suppress_comparison_document(doc, 10, "A__vs__B", {"A": acc})
    s = now["at_cutoffs"]["sensitivity"]
    assert s["a"] is None and s["ratio"]["estimate"] is None and s["difference"]["estimate"] is None
    assert now["at_cutoffs"]["specificity"]["a"] is None and now["at_cutoffs"]["ppv"]["a"] is None
    assert s["b"] is not None  # B's own table is not withheld anywhere
    # an instrument whose table at the cut-off is published keeps its figures
    keep, _ = disclosure.suppress_comparison_document(
        comparison_document(a, b, ref, name_a="A", name_b="B", cutoff_a=4.0, cutoff_b=3.0), 10, "x", {"A": acc}
    )
    assert keep["at_cutoffs"]["sensitivity"]["a"] == pytest.approx(30 / 60)


def test_paired_records_leaving_out_a_few_positives_are_withheld():
    """The pairing drops the records without B's score: 3 positives scoring >= 4. A's published table
    at 4 minus its table on the paired records gives them."""
    from signalering.documents.comparison import comparison_document

    a, b, ref, _ = _paired_frame()
    b = b.copy()
    b[:3] = np.nan  # three positives scoring 5 have no B score
    acc = _published_accuracy(a, ref)
    doc = comparison_document(a, b, ref, name_a="A", name_b="B", cutoff_a=4.0, cutoff_b=3.0)
    before, _ = disclosure.suppress_comparison_document(doc, 10, "x")
    tp = _tp_from_sensitivity(before["at_cutoffs"]["sensitivity"]["a"], before["n_positive"])
    assert acc["thresholds"][0]["tp"] - tp == 3
    now, _ = disclosure.suppress_comparison_document(doc, 10, "x", {"A": acc})
    assert now["at_cutoffs"]["sensitivity"]["a"] is None


def test_judgement_comparison_and_net_benefit_gave_back_the_withheld_table():
    from signalering.documents.comparison import judgement_document

    a, _, ref, judgement = _paired_frame()
    acc = _published_accuracy(a, ref)
    doc = judgement_document(
        judgement, a, ref, positive_from=1, cutoff=3.0, instrument="A", thresholds=(0.05, 0.2), n_boot=0, folds=5
    )
    before, _ = disclosure.suppress_judgement_document(doc, 10, "A")
    at = before["versus_judgement"]["instrument"]["at_cutoffs"]
    assert _tp_from_sensitivity(at["sensitivity"]["a"], before["n_positive"]) - 30 == 6
    # the instrument's net benefit at two thresholds gives its TP and FP (NB = TP/n - FP/n * t/(1-t))
    nb = [e["strategies"]["instrument"]["net_benefit"] for e in before["net_benefit"]["thresholds"]]
    n, w = before["n"], np.array([0.05 / 0.95, 0.2 / 0.8])
    tp, fp = np.linalg.solve(np.c_[np.ones(2), -w], np.array(nb) * n)
    assert round(tp) == 36 and abs(tp - round(tp)) < 1e-6
    now, _ = disclosure.suppress_judgement_document(doc, 10, "A", {"A": acc})
    at = now["versus_judgement"]["instrument"]["at_cutoffs"]
    assert at["sensitivity"]["a"] is None and at["sensitivity"]["difference"]["estimate"] is None
    assert all(e["strategies"]["instrument"]["net_benefit"] is None for e in now["net_benefit"]["thresholds"])
    assert "either" not in now["versus_judgement"] and "both" not in now["versus_judgement"]
    assert now["per_1000"] is None or now["per_1000"]["cases_found"]["estimate"] is None


def test_audit_finds_a_table_given_back_by_a_comparison_ratio(tmp_path):
    """The audit's ``paired`` attack on a reports folder: the sensitivity ratio of ``comparison_metrics.json``
    times B's published sensitivity gives A's withheld table at 3 (6 positives from its table at 4)."""
    import json

    from signalering.documents.comparison import comparison_document

    a, b, ref, _ = _paired_frame()
    acc_a = _published_accuracy(a, ref)
    acc_b = _published_accuracy(b, ref, cutoffs=(3.0,))
    assert "suppressed" not in acc_b["thresholds"][0]
    doc = comparison_document(a, b, ref, name_a="A", name_b="B", cutoff_a=3.0, cutoff_b=3.0)
    (tmp_path / "subgroups").mkdir()
    for name, acc in (("A", acc_a), ("B", acc_b)):
        (tmp_path / "subgroups" / f"{name}.json").write_text(json.dumps({"overall": acc, "subgroups": {}}))
    found = {}
    for when, accuracy in (("before", None), ("now", {"A": acc_a, "B": acc_b})):
        pub, _ = disclosure.suppress_comparison_document(doc, 10, "A__vs__B", accuracy)
        ratio = pub["at_cutoffs"]["sensitivity"]["ratio"]["estimate"]
        (tmp_path / "comparison_metrics.json").write_text(json.dumps({"A__vs__B": {"sensitivity_ratio": ratio}}))
        found[when] = audit.paired_findings(tmp_path, 10)
    assert [f["attack"] for f in found["before"]] == ["paired"]
    assert found["now"] == []


# ------------------------------------------------------------------ meta-analysis: organisations with both
def test_meta_analysis_count_of_organisations_no_longer_tells_a_zero_margin():
    """An instrument observed in three small sites with no reference-positive record at all: the
    accuracy document shows the positives as "<10" (a zero margin is group disclosure), but the
    meta-analysis said "at the cut-off 3, 0 organisation(s) had both children with and without the
    condition" while every site has negatives: so none has a positive."""
    from signalering.scale.federated import meta_analysis_document

    sites = {
        name: CountTable.from_scores(np.arange(k, dtype=float) % 6, np.zeros(k))
        for name, k in (("s1", 14), ("s2", 12), ("s3", 13))
    }
    pooled = sum(sites.values(), CountTable.from_scores(np.zeros(0), np.zeros(0)))
    acc, _ = disclosure.suppress_accuracy_document(accuracy_document(pooled, [3.0]), 10)
    assert acc["n_positive"] == "<10" and acc["n_negative"] is None
    doc = meta_analysis_document(sites, [3.0])
    before = doc  # as the stage wrote it
    entry = before["at_cutoffs"][0]
    assert entry["organisations"] == 0  # the report's sentence quotes it
    now, _ = disclosure.suppress_meta_analysis_document(doc, acc, 10)
    entry = now["at_cutoffs"][0]
    assert entry["organisations"] is None and entry["per_organisation"] == {}
    assert entry["reason"] == disclosure.WITHHELD and entry["cutoff"] == 3.0


# ------------------------------------------------------------------ the records a pairing leaves out
def test_judgement_margins_no_longer_tell_the_records_without_a_judgement():
    """6 reference-negative records have no judgement: the accuracy document's 540 negatives minus the
    judgement document's 534 gave them, and its 60 positives minus 60 that all are negative."""
    from signalering.documents.comparison import judgement_document

    a, _, ref, judgement = _paired_frame()
    judgement = judgement.copy()
    judgement[100:106] = np.nan  # negatives
    acc = _published_accuracy(a, ref, cutoffs=(4.0,))
    doc = judgement_document(
        judgement, a, ref, positive_from=1, cutoff=4.0, instrument="A", thresholds=(0.05, 0.2), n_boot=0, folds=5
    )
    before, _ = disclosure.suppress_judgement_document(doc, 10, "A")
    assert acc["n_negative"] - before["n_negative"] == 6 and acc["n_positive"] == before["n_positive"]
    now, _ = disclosure.suppress_judgement_document(doc, 10, "A", {"A": acc})
    assert now["n_positive"] is None and now["n_negative"] is None and now["n"] is None
    for name, comp in now["versus_judgement"].items():
        assert comp["n_positive"] is None and comp["n_negative"] is None, name
        assert comp["auc_a"]["estimate"] is None, name
        assert comp["at_cutoffs"]["sensitivity"]["a"] is None, name
    # nothing left out: the comparison stays
    full = judgement_document(
        np.nan_to_num(judgement, nan=0.0), a, ref, positive_from=1, cutoff=4.0, instrument="A", n_boot=0, folds=5
    )
    kept, _ = disclosure.suppress_judgement_document(full, 10, "A", {"A": acc})
    assert kept["n_negative"] == 540 and kept["versus_judgement"]["instrument"]["auc_a"]["estimate"] is not None


# ------------------------------------------------------------------ decision curve plateaus
def test_decision_curve_no_longer_gives_back_a_table_withheld_for_differencing(tmp_path):
    """A score turned into risks (here 0.05 per point): treating everyone with a risk >= t screens at a
    score cut-off. Two thresholds on the plateau of 'score >= 3' give its TP and FP by hand
    (net benefit = TP/n - FP/n * t/(1 - t)), the table the accuracy document withholds."""
    import json

    from signalering.stats.decision import decision_curve_points, net_benefit

    a, _, ref, _ = _paired_frame()
    acc = _published_accuracy(a, ref)
    risk = 0.05 * a
    rows = decision_curve_points(net_benefit(risk, ref, np.arange(0.01, 0.3, 0.01)))
    before, _ = disclosure.decision_plot_rows(rows, risk, ref, 10)
    plateau = [r for r in before if 0.1 < r["threshold"] <= 0.15]  # treated: score >= 3
    assert len(plateau) >= 2
    (t1, nb1), (t2, nb2) = ((r["threshold"], r["net_benefit"]) for r in plateau[:2])
    n = len(ref)
    tp, fp = np.linalg.solve([[1, -t1 / (1 - t1)], [1, -t2 / (1 - t2)]], [nb1 * n, nb2 * n])
    assert round(tp) == 36 and abs(tp - round(tp)) < 1e-6 and acc["thresholds"][0]["tp"] == 30
    tables = [(e["tp"], e["fp"]) for e in acc["thresholds"] if isinstance(e.get("tp"), int)]
    now, _ = disclosure.decision_plot_rows(rows, risk, ref, 10, tables=tables)
    assert not [r for r in now if 0.1 < r["threshold"] <= 0.15]
    assert [r for r in now if 0.15 < r["threshold"] <= 0.2]  # the plateau of the published table at 4 stays
    # the audit's decision attack on a reports folder
    (tmp_path / "subgroups").mkdir()
    (tmp_path / "plots" / "decision").mkdir(parents=True)
    (tmp_path / "subgroups" / "A.json").write_text(json.dumps({"overall": acc, "subgroups": {}}))
    found = {}
    for when, published in (("before", before), ("now", now)):
        (tmp_path / "plots" / "decision" / "A.json").write_text(json.dumps(published))
        found[when] = audit.decision_findings(tmp_path, 10)
    assert [f["attack"] for f in found["before"]] == ["decision"] and found["now"] == []


# ------------------------------------------------------------------ ROC points next to a published table
def test_roc_point_next_to_a_published_table_is_merged(tmp_path):
    """The published table at 17 is (tp 17, fp 12); the ROC point of 'score >= 18' was (16, 11): one
    positive and one negative score exactly 17."""
    import json

    counts = _records([(20, 1, 16), (19, 0, 11), (17, 1, 1), (17, 0, 1), (10, 1, 24), (5, 0, 241)])
    acc, _ = disclosure.suppress_accuracy_document(accuracy_document(counts, [17.0]), 10)
    assert (acc["thresholds"][0]["tp"], acc["thresholds"][0]["fp"]) == (17, 12)
    before, _ = disclosure.roc_plot_rows(counts, 10)
    points = {(round(r["tpr"] * 41), round(r["fpr"] * 253)) for r in before}
    assert (16, 11) in points  # 17 - 16 = 1 positive, 12 - 11 = 1 negative at 17
    now, _ = disclosure.roc_plot_rows(counts, 10, tables=[(17, 12)])
    points = {(round(r["tpr"] * 41), round(r["fpr"] * 253)) for r in now}
    assert (16, 11) not in points and (0, 0) in points and (41, 253) in points
    (tmp_path / "subgroups").mkdir()
    (tmp_path / "plots" / "roc").mkdir(parents=True)
    (tmp_path / "subgroups" / "A.json").write_text(json.dumps({"overall": acc, "subgroups": {}}))
    found = {}
    for when, rows in (("before", before), ("now", now)):
        (tmp_path / "plots" / "roc" / "A.json").write_text(json.dumps(rows))
        found[when] = audit.roc_findings(tmp_path, 10)
    assert {f["attack"] for f in found["before"]} == {"roc"} and found["now"] == []


# ------------------------------------------------------------------ unverified per category: overall minus the rest
def test_subgroup_unverified_screen_counts_are_complemented():
    """Group f has 6 unverified screen-negatives at score >= 1 (shown "<10"), group m 30: the overall
    36 minus 30 gave them back."""
    import pandas as pd

    from signalering import documents

    def group(sex, unv_neg):
        rows = [(1, 1, 20), (1, 0, 30), (0, 1, 15), (0, 0, 200), (1, np.nan, 12), (0, np.nan, unv_neg)]
        return pd.DataFrame([{"score": s, "reference": r, "sex": sex} for s, r, k in rows for _ in range(k)])

    frame = pd.concat([group("f", 6), group("m", 30)], ignore_index=True)
    raw = documents.subgroup_document(frame, "score", "reference", ["sex"], cutoffs=[1.0])
    now, _ = disclosure.suppress_subgroups_document(raw, 10)
    overall = now["overall"]["verification_corrected"]["thresholds"][0]
    groups = {g: d["verification_corrected"]["thresholds"][0] for g, d in now["subgroups"]["sex"]["groups"].items()}
    assert overall["n_unverified_screen_negative"] == 36
    assert groups["f"]["n_unverified_screen_negative"] == "<10"
    assert groups["m"]["n_unverified_screen_negative"] is None and groups["m"]["suppressed"]
    assert groups["m"]["corrected"]["sensitivity"]["estimate"] is None
    assert audit.audit_document(now, "now") == []
    before = copy.deepcopy(now)
    before["subgroups"]["sex"]["groups"]["m"]["verification_corrected"] = raw["subgroups"]["sex"]["groups"]["m"][
        "verification_corrected"
    ]
    assert (
        36
        - before["subgroups"]["sex"]["groups"]["m"]["verification_corrected"]["thresholds"][0][
            "n_unverified_screen_negative"
        ]
        == 6
    )
    found = audit.audit_document(before, "before")
    assert any(f["attack"] == "totals" and "verification_corrected" in f["location"] for f in found)


def test_the_report_passes_the_published_accuracy_documents_to_the_paired_documents():
    """The report's own publishable copies (``report.inputs.publishable``) withhold A's paired figures at
    the cut-off its accuracy document withholds, in the comparison and the judgement comparison alike."""
    from signalering.documents.comparison import comparison_document, judgement_document
    from signalering.report import inputs

    a, b, ref, judgement = _paired_frame()
    acc = accuracy_document(CountTable.from_scores(a, ref), [4.0, 3.0])
    comp = comparison_document(a, b, ref, name_a="A", name_b="B", cutoff_a=3.0, cutoff_b=3.0)
    judg = judgement_document(
        judgement, a, ref, positive_from=1, cutoff=3.0, instrument="A", thresholds=(0.05, 0.2), n_boot=0, folds=5
    )
    flow = {"received": 600, "analysed": 600, "excluded": {}, "verified": 600, "unverified": 0}
    inp = inputs.Inputs(flow=flow, accuracy={"A": acc}, comparisons=[comp], judgement={"A": judg})
    pub, _ = inputs.publishable(inp, 10)
    assert "suppressed" in pub.accuracy["A"]["thresholds"][1]  # the table at 3 is withheld for differencing
    assert pub.comparisons[0]["at_cutoffs"]["sensitivity"]["a"] is None
    assert pub.comparisons[0]["at_cutoffs"]["sensitivity"]["b"] is not None
    at = pub.judgement["A"]["versus_judgement"]["instrument"]["at_cutoffs"]
    assert at["sensitivity"]["a"] is None


def test_a_whole_number_solution_by_coincidence_is_left_out_as_the_audit_would_flag_it(tmp_path):
    """Rows at t = 0.05 and 0.1 with different tables (120, 240) and (100, 200): a reader assuming a
    plateau solves TP = (19 * 120 - 9 * 100 + 200 - 240) / 10 = 134 and FP = 19 * (134 - 120) + 240 = 506,
    whole numbers by coincidence, 4 positives from the published table (130, 600). The reader cannot tell
    this from a plateau and the audit flags it, so the second row is left out."""
    import json

    from signalering.stats.decision import decision_curve_points, net_benefit

    risk = np.r_[np.repeat([0.5, 0.07, 0.01], [100, 20, 50]), np.repeat([0.5, 0.07, 0.01], [200, 40, 400])]
    ref = np.r_[np.ones(170), np.zeros(640)]
    rows = decision_curve_points(net_benefit(risk, ref, [0.05, 0.1]))
    n = len(ref)
    w = np.array([0.05 / 0.95, 0.1 / 0.9])
    tp, fp = np.linalg.solve(np.c_[np.ones(2), -w], n * np.array([r["net_benefit"] for r in rows]))
    assert (round(tp, 6), round(fp, 6)) == (134, 506)
    before, _ = disclosure.decision_plot_rows(rows, risk, ref, 10)
    now, _ = disclosure.decision_plot_rows(rows, risk, ref, 10, tables=[(130, 600)])
    assert len(before) == 2 and [r["threshold"] for r in now] == [0.05]
    overall = {"n_positive": 170, "n_negative": 640, "thresholds": [{"cutoff": 0.06, "tp": 130, "fp": 600}]}
    (tmp_path / "subgroups").mkdir()
    (tmp_path / "plots" / "decision").mkdir(parents=True)
    (tmp_path / "subgroups" / "A.json").write_text(json.dumps({"overall": overall, "subgroups": {}}))
    found = {}
    for when, published in (("before", before), ("now", now)):
        (tmp_path / "plots" / "decision" / "A.json").write_text(json.dumps(published))
        found[when] = audit.decision_findings(tmp_path, 10)
    assert [f["attack"] for f in found["before"]] == ["decision"] and found["now"] == []


# ------------------------------------------------------------------ meta-analysis: k of K organisations
def _site_tables(per_site: dict[str, tuple[int, int, int, int]]) -> dict[str, CountTable]:
    """Sites from (tp, fp, fn, tn) at the cut-off 1 of a 0/1 score."""
    return {
        name: _records([(1, 1, tp), (1, 0, fp), (0, 1, fn), (0, 0, tn)]) for name, (tp, fp, fn, tn) in per_site.items()
    }


def test_meta_analysis_k_of_K_no_longer_names_a_site_without_positives():
    """Six sites, site05 with 12 children and no reference-positive: the per-site subgroup table merges
    site05 with the smallest other site (site06) and publishes the merged group's counts. The
    meta-analysis said "across 5 organisations" (k) of the 6 (K) and drew site06's point with its
    number of children: K - k = 1 and a single site not drawn (the stage withholds two or more) name
    site05 as the one without positives, and the merged group's n minus site06's n gives its 12
    records: "none of the 12 children at site05 has the condition" (a zero margin, group disclosure,
    rule 4). The stage's per-organisation rules keep every drawn cell at 0 or >= min_cell, so what
    comes back is this zero, not a count of 1 to 9 (site05's own cells are 0 or >= min_cell too)."""
    from signalering.scale.federated import meta_analysis_document
    from signalering.stats.subgroups import small_group_merges

    per_site = {
        "site01": (40, 30, 20, 300),
        "site02": (45, 35, 15, 280),
        "site03": (50, 25, 25, 310),
        "site04": (38, 28, 22, 290),
        "site05": (0, 0, 0, 12),
        "site06": (10, 0, 10, 20),
    }
    tables = _site_tables(per_site)
    cats = np.concatenate([[s] * sum(c) for s, c in per_site.items()])
    ref = np.concatenate([[1] * (tp + fn) + [0] * (fp + tn) for tp, fp, fn, tn in per_site.values()])
    merges = small_group_merges(cats, ref.astype(float), min_cell=10)
    combined = sorted(s for s, g in merges.items() if g != s)
    assert combined == ["site05", "site06"]  # the subgroup document names them, with their group's counts
    n_combined = sum(sum(per_site[s]) for s in combined)

    doc = meta_analysis_document(tables, [1.0], min_cell=10)
    acc, _ = disclosure.suppress_accuracy_document(accuracy_document(sum(tables.values(), _records([])), [1.0]), 10)

    def attack(published: dict) -> int | None:
        e = published["at_cutoffs"][0]
        k, K = e["organisations"], len(published["organisations"])
        points = e["per_organisation"]
        drawn = {s for s, p in points.items() if p.get("n") and None not in (p["sensitivity"], p["specificity"])}
        undrawn = sorted(set(points) - drawn)
        if k is None or K - k != len(undrawn) or undrawn != ["site05"] or "site06" not in drawn:
            return None
        return n_combined - points["site06"]["n"]  # site05: no positive, this many negatives

    before = copy.deepcopy(doc)  # what the stage wrote was published as it was
    assert attack(before) == 12  # and none of them positive
    assert [f["attack"] for f in audit.meta_findings(before)] == ["meta_zero_margin"]
    now, _ = disclosure.suppress_meta_analysis_document(doc, acc, 10)
    entry = now["at_cutoffs"][0]
    assert attack(now) is None and audit.meta_findings(now) == []
    assert entry["organisations"] is None and entry["pooled"] is not None  # the summary stays
    hidden = sorted(s for s, p in entry["per_organisation"].items() if p.get("suppressed"))
    assert hidden == ["site05", "site06"]  # not one alone: site06 (the smallest drawn) goes with it
    assert entry["per_organisation"]["site06"]["n"] is None
    # every site with both: the count is published (it names no one)
    full = meta_analysis_document({s: t for s, t in tables.items() if s != "site05"}, [1.0], min_cell=10)
    assert disclosure.suppress_meta_analysis_document(full, acc, 10)[0]["at_cutoffs"][0]["organisations"] == 5
