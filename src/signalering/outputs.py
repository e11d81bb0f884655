"""The contract's JSON documents, assembled from library results (CONTRACT.md, ``schema_version`` 1).

Only formatting happens here: every number comes from a library function. Undefined statistics are
``null`` with a ``reason`` beside them, never NaN.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import accuracy, roc
from .counts import CountTable
from .intervals import Interval

SCHEMA_VERSION = 1


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) or np.isinf(x) else x


def interval_dict(estimate, ci_low, ci_high, method: str, reason: str | None = None) -> dict:
    """An interval object; when the estimate is undefined all three numbers are null with a reason."""
    est = _num(estimate)
    if est is None:
        return {"estimate": None, "ci_low": None, "ci_high": None, "method": method,
                "reason": reason or "undefined"}
    out = {"estimate": est, "ci_low": _num(ci_low), "ci_high": _num(ci_high), "method": method}
    if reason:
        out["reason"] = reason
    return out


def threshold_entries(cells: pd.DataFrame, stats: pd.DataFrame, prevalences: Sequence[float]) -> list[dict]:
    """One ``thresholds`` entry per cut-off (see ``accuracy.accuracy_table`` for the inputs)."""
    entries = []
    by_cut = {c: g.set_index("statistic") for c, g in stats.groupby("cutoff", sort=False)}
    for row in cells.itertuples(index=False):
        g = by_cut[row.cutoff]
        entry = {"cutoff": float(row.cutoff), "tp": int(row.tp), "fp": int(row.fp), "tn": int(row.tn),
                 "fn": int(row.fn), "youden": _num(row.youden)}
        for stat in accuracy.STATISTICS:
            s = g.loc[stat]
            entry[stat] = interval_dict(s.estimate, s.ci_low, s.ci_high, s.method, s.reason)
        sens, spec = g.loc["sensitivity", "estimate"], g.loc["specificity", "estimate"]
        entry["at_prevalence"] = []
        if prevalences and not (np.isnan(sens) or np.isnan(spec)):
            prev = accuracy.at_prevalence(sens, spec, list(prevalences))
            for p in prev.itertuples(index=False):
                entry["at_prevalence"].append({
                    "prevalence": float(p.prevalence), "ppv": _num(p.ppv), "npv": _num(p.npv),
                    "per_1000": {"tp": float(p.tp_per_1000), "fp": float(p.fp_per_1000),
                                 "fn": float(p.fn_per_1000), "tn": float(p.tn_per_1000)}})
        elif prevalences:
            entry["at_prevalence_reason"] = "sensitivity or specificity is undefined"
        entries.append(entry)
    return entries


def accuracy_document(counts: CountTable, cutoffs: Sequence[float] | None = None, *,
                      prevalences: Sequence[float] = (), ci_method: str = "wilson",
                      confidence: float = 0.95) -> dict:
    """``accuracy.json`` for one score (CONTRACT.md)."""
    cells, stats = accuracy.accuracy_table(counts, cutoffs, ci_method=ci_method, confidence=confidence)
    auc = roc.auc_delong(counts, confidence)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "n": counts.n_verified + counts.n_unverified_total,
        "n_positive": counts.n_positive,
        "n_negative": counts.n_negative,
        "n_unverified": counts.n_unverified_total,
        "n_missing_score": counts.n_missing_score,
        "direction": counts.direction,
        "confidence": confidence,
        "auc": interval_dict(auc.estimate, auc.ci_low, auc.ci_high, "delong", auc.reason),
        "thresholds": threshold_entries(cells, stats, prevalences),
    }
    doc["optimal"] = optimal_youden(counts, prevalences, ci_method, confidence)
    return doc


def optimal_youden(counts: CountTable, prevalences: Sequence[float], ci_method: str, confidence: float) -> dict:
    """The observed score that maximises Youden's J (ties: the stricter cut-off), with its accuracy.

    A data-driven cut-off is optimistic (exploratory, STARD 12a); see ``cutpoints`` for alternatives.
    """
    if counts.n_positive == 0 or counts.n_negative == 0:
        return {"method": "youden", "cutoff": None, "reason": "needs reference-positive and -negative records"}
    all_cuts = counts.default_cutoffs(max_distinct=np.iinfo(np.int64).max)
    cells, _ = accuracy.accuracy_table(counts, all_cuts, ci_method=ci_method, confidence=confidence)
    best = float(cells.loc[cells["youden"].idxmax(), "cutoff"])
    c2, s2 = accuracy.accuracy_table(counts, [best], ci_method=ci_method, confidence=confidence)
    return {"method": "youden", "prespecified": False, **threshold_entries(c2, s2, prevalences)[0]}


def roc_plot_rows(counts: CountTable) -> list[dict]:
    """ROC points for the DVC plot: ``fpr``, ``tpr``, ``cutoff`` (null for the (0, 0) corner)."""
    pts = roc.roc_points(counts)
    return [{"cutoff": _num(r.cutoff), "fpr": _num(r.fpr), "tpr": _num(r.tpr)} for r in pts.itertuples(index=False)]


def as_interval(iv: Interval) -> dict:
    return interval_dict(iv.estimate, iv.ci_low, iv.ci_high, iv.method, iv.reason)
