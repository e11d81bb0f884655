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
