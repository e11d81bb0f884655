"""Accuracy of a screen at cut-offs: the 2x2 table, proportions with intervals, likelihood ratios,
and what the screen would do at other prevalences.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .counts import CountTable
from .errors import UsageError, check_in, check_open_unit
from .intervals import INTERVAL_METHODS, likelihood_ratio_ci, proportion_ci

PROPORTIONS = {
    # statistic: (numerator cell(s), denominator cells, reason when the denominator is 0)
    "sensitivity": (("tp",), ("tp", "fn"), "no reference-positive records"),
    "specificity": (("tn",), ("tn", "fp"), "no reference-negative records"),
    "ppv": (("tp",), ("tp", "fp"), "no records screened positive"),
    "npv": (("tn",), ("tn", "fn"), "no records screened negative"),
    "accuracy": (("tp", "tn"), ("tp", "fp", "tn", "fn"), "no verified records"),
}
RATIO_REASONS = {
    "lr_positive": "undefined: a zero cell (tp or fp is 0) makes LR+ zero or infinite",
    "lr_negative": "undefined: a zero cell (fn or tn is 0) makes LR- zero or infinite",
    "dor": "undefined: a zero cell makes the diagnostic odds ratio zero or infinite",
}
STATISTICS = (*PROPORTIONS, *RATIO_REASONS)


def accuracy_table(counts: CountTable, cutoffs: Sequence[float] | None = None, *,
                   ci_method: str = "wilson", confidence: float = 0.95,
                   correction: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy of the screen at each cut-off (verified records only).

    Parameters
    ----------
    counts : CountTable
    cutoffs : sequence of float, optional
        On the score's original scale. Default: ``counts.default_cutoffs()``.
    ci_method : {"wilson", "clopper-pearson", "agresti-coull"}
        Interval for the proportions (sensitivity, specificity, PPV, NPV, accuracy).
    confidence : float in (0, 1)
    correction : float
        Continuity correction for LR+, LR-, DOR only (0.5 = Haldane-Anscombe), applied only when asked.

    Returns
    -------
    cells : DataFrame, one row per cut-off: ``cutoff, tp, fp, tn, fn, youden``.
    stats : DataFrame, one row per (cutoff, statistic): ``cutoff, statistic, estimate, ci_low,
        ci_high, method, reason``. Undefined statistics have NaN and a reason.

    Notes
    -----
    sensitivity = tp/(tp+fn), specificity = tn/(tn+fp), PPV = tp/(tp+fp), NPV = tn/(tn+fn),
    accuracy = (tp+tn)/n, Youden J = sens + spec - 1; likelihood ratios and DOR with log intervals
    (see ``intervals.likelihood_ratio_ci``). PPV and NPV here are at the *sample* prevalence; see
    ``at_prevalence`` for other prevalences.
    """
    check_in("ci_method", ci_method, INTERVAL_METHODS, "accuracy_table")
    check_open_unit("confidence", confidence, "accuracy_table")
    if correction < 0:
        raise UsageError(f"The 'correction' parameter of accuracy_table must be >= 0. Got {correction!r} instead.")
    cut = counts.default_cutoffs() if cutoffs is None else np.asarray(cutoffs, dtype=float)
    cells = counts.cells_at(cut)
    c = {k: cells[k].astype(float) for k in ("tp", "fp", "tn", "fn")}
    rows = []
    for stat, (num, den, reason) in PROPORTIONS.items():
        x, n = sum(c[k] for k in num), sum(c[k] for k in den)
        est, lo, hi = proportion_ci(x, n, ci_method, confidence)
        rows.append(_long(cut, stat, est, lo, hi, ci_method, np.where(n > 0, None, reason)))
    ratio_method = "log" if correction == 0 else f"log, {correction} added to every cell"
    for stat, (est, lo, hi) in likelihood_ratio_ci(c["tp"], c["fp"], c["fn"], c["tn"], confidence,
                                                   correction).items():
        rows.append(_long(cut, stat, est, lo, hi, ratio_method, np.where(np.isnan(est), RATIO_REASONS[stat], None)))
    stats = pd.concat(rows, ignore_index=True)
    sens = stats.loc[stats.statistic == "sensitivity", "estimate"].to_numpy()
    spec = stats.loc[stats.statistic == "specificity", "estimate"].to_numpy()
    cells_df = pd.DataFrame({"cutoff": cut, **{k: cells[k] for k in ("tp", "fp", "tn", "fn")},
                             "youden": sens + spec - 1})
    return cells_df, stats


def _long(cut, stat, est, lo, hi, method, reason) -> pd.DataFrame:
    return pd.DataFrame({"cutoff": cut, "statistic": stat, "estimate": est, "ci_low": lo, "ci_high": hi,
                         "method": method, "reason": reason})


def at_prevalence(sensitivity, specificity, prevalence) -> pd.DataFrame:
    """PPV, NPV and natural frequencies per 1000 screened at a target prevalence.

    PPV(pi) = sens pi / (sens pi + (1 - spec)(1 - pi)); NPV(pi) = spec (1 - pi) / (spec (1 - pi) +
    (1 - sens) pi); per 1000: TP = 1000 pi sens, FN = 1000 pi (1 - sens), FP = 1000 (1 - pi)(1 - spec),
    TN = 1000 (1 - pi) spec (Altman & Bland 1994, BMJ 309:102; Gigerenzer & Hoffrage 1995).

    Parameters
    ----------
    sensitivity, specificity : float or array-like (same shape)
    prevalence : float or array-like in (0, 1)

    Returns
    -------
    DataFrame with the broadcast inputs and ``ppv, npv, tp_per_1000, fp_per_1000, fn_per_1000,
    tn_per_1000``. NaN where PPV/NPV is undefined (nobody screens positive / negative).
    """
    se, sp, pi = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, dtype=float))
                                       for a in (sensitivity, specificity, prevalence)))
    if np.any((pi <= 0) | (pi >= 1)):
        raise UsageError("The 'prevalence' parameter of at_prevalence must be in (0, 1).")
    tp, fn = 1000 * pi * se, 1000 * pi * (1 - se)
    fp, tn = 1000 * (1 - pi) * (1 - sp), 1000 * (1 - pi) * sp
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        npv = np.where(tn + fn > 0, tn / (tn + fn), np.nan)
    return pd.DataFrame({"sensitivity": se, "specificity": sp, "prevalence": pi, "ppv": ppv, "npv": npv,
                         "tp_per_1000": tp, "fp_per_1000": fp, "fn_per_1000": fn, "tn_per_1000": tn})
