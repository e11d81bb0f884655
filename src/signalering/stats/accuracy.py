"""Accuracy of a screen at cut-offs: the 2x2 table, proportions with intervals, likelihood ratios,
and what the screen would do at other prevalences.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import UsageError, check_in, check_open_unit
from .counts import CountTable
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


def accuracy_table(
    counts: CountTable,
    cutoffs: Sequence[float] | None = None,
    *,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    correction: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
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
        rows.append(pd.DataFrame(_long("cutoff", cut, stat, est, lo, hi, ci_method, np.where(n > 0, None, reason))))
    ratio_method = "log" if correction == 0 else f"log, {correction} added to every cell"
    for stat, (est, lo, hi) in likelihood_ratio_ci(c["tp"], c["fp"], c["fn"], c["tn"], confidence, correction).items():
        reason = np.where(np.isnan(est), RATIO_REASONS[stat], None)
        rows.append(pd.DataFrame(_long("cutoff", cut, stat, est, lo, hi, ratio_method, reason)))
    stats = pd.concat(rows, ignore_index=True)
    sens = stats.loc[stats.statistic == "sensitivity", "estimate"].to_numpy()
    spec = stats.loc[stats.statistic == "specificity", "estimate"].to_numpy()
    cells_df = pd.DataFrame(
        {"cutoff": cut, **{k: cells[k] for k in ("tp", "fp", "tn", "fn")}, "youden": sens + spec - 1}
    )
    return cells_df, stats


def _long(key: str, at, stat: str, est, lo, hi, method, reason=None) -> dict:
    """One statistic in long form, keyed by ``key`` (``cutoff`` or ``prevalence``): the columns of
    ``accuracy_table``'s ``stats`` (arrays, one entry per cut-off) and of ``at_prevalence_intervals``
    (one row)."""
    return {
        key: at,
        "statistic": stat,
        "estimate": est,
        "ci_low": lo,
        "ci_high": hi,
        "method": method,
        "reason": reason,
    }


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
    se, sp, pi = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(a, dtype=float)) for a in (sensitivity, specificity, prevalence))
    )
    if np.any((pi <= 0) | (pi >= 1)):
        raise UsageError("The 'prevalence' parameter of at_prevalence must be in (0, 1).")
    tp, fn = 1000 * pi * se, 1000 * pi * (1 - se)
    fp, tn = 1000 * (1 - pi) * (1 - sp), 1000 * (1 - pi) * sp
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        npv = np.where(tn + fn > 0, tn / (tn + fn), np.nan)
    return pd.DataFrame(
        {
            "sensitivity": se,
            "specificity": sp,
            "prevalence": pi,
            "ppv": ppv,
            "npv": npv,
            "tp_per_1000": tp,
            "fp_per_1000": fp,
            "fn_per_1000": fn,
            "tn_per_1000": tn,
        }
    )


def at_prevalence_intervals(
    tp, fp, fn, tn, prevalence, *, ci_method: str = "wilson", confidence: float = 0.95
) -> pd.DataFrame:
    """PPV, NPV and the counts per 1000 screened at a *fixed* target prevalence, with intervals.

    The target prevalence is a planning value, not estimated from the sample, so the uncertainty
    comes from sensitivity and specificity only:

    - PPV(pi) = pi LR+ / (pi LR+ + 1 - pi), NPV(pi) = (1 - pi) / (1 - pi + pi LR-): the log-method
      intervals of LR+ and LR- (Simel, Samsa & Matchar 1991) mapped through Bayes' theorem, which
      is the logit interval of Mercaldo, Lau & Zhou (2007, Stat Med 26:2170-2183) for predictive
      values at a known prevalence. With a zero cell 0.5 is added to every cell for the interval
      (the estimate stays unadjusted) and the bound on the side of the zero cell is the boundary
      (PPV = 1 when no false positives: upper bound 1).
    - per 1000: TP = 1000 pi sens, FN = 1000 pi (1 - sens), FP = 1000 (1 - pi)(1 - spec),
      TN = 1000 (1 - pi) spec; each interval is the sensitivity's or specificity's interval
      (``ci_method``) scaled by the fixed factor, so it keeps that method's coverage.

    Parameters
    ----------
    tp, fp, fn, tn : int
        The 2 x 2 table at one cut-off.
    prevalence : sequence of float in (0, 1)
    ci_method, confidence : as ``intervals.proportion_ci``

    Returns
    -------
    DataFrame with one row per (prevalence, statistic): ``prevalence, statistic, estimate, ci_low,
    ci_high, method, reason``; statistics ``ppv, npv, tp_per_1000, fp_per_1000, fn_per_1000,
    tn_per_1000``.

    Examples
    --------
    tp 45, fn 5, fp 20, tn 180 (sens = spec = 0.9, LR+ = 9, SE(ln LR+) = 0.2173) at 3.4%:
    PPV = 0.306 / 1.272 = 0.2406, LR+ interval 9 exp(-/+ 1.96 x 0.2173) = 5.879 to 13.78, so PPV
    0.1714 to 0.3266.

    >>> r = at_prevalence_intervals(45, 20, 5, 180, [0.034]).set_index("statistic")
    >>> [round(float(r.loc["ppv", k]), 4) for k in ("estimate", "ci_low", "ci_high")]
    [0.2406, 0.1714, 0.3266]
    """
    pi = np.atleast_1d(np.asarray(prevalence, dtype=float))
    if np.any((pi <= 0) | (pi >= 1)):
        raise UsageError("The 'prevalence' parameter of at_prevalence_intervals must be in (0, 1).")
    tp, fp, fn, tn = (int(v) for v in (tp, fp, fn, tn))
    n1, n0 = tp + fn, fp + tn
    se_est, se_lo, se_hi = (float(v[0]) for v in proportion_ci(tp, n1, ci_method, confidence))
    sp_est, sp_lo, sp_hi = (float(v[0]) for v in proportion_ci(tn, n0, ci_method, confidence))
    point = at_prevalence(se_est, sp_est, pi) if n1 and n0 else None
    plain = likelihood_ratio_ci(tp, fp, fn, tn, confidence)
    adjusted = likelihood_ratio_ci(tp, fp, fn, tn, confidence, correction=0.5)
    rows = []
    for i, p in enumerate(pi):

        def add(stat, est, lo, hi, method, reason=None, p=p):
            rows.append(_long("prevalence", float(p), stat, est, lo, hi, method, reason))

        if point is None:
            reason = "needs reference-positive and -negative records"
            for stat in ("ppv", "npv", "tp_per_1000", "fp_per_1000", "fn_per_1000", "tn_per_1000"):
                add(stat, np.nan, np.nan, np.nan, ci_method, reason)
            continue
        r = point.iloc[i]
        for stat, name, zero_low, zero_high, to_value in (
            ("ppv", "lr_positive", tp == 0, fp == 0, lambda lr, p=p: p * lr / (p * lr + 1 - p)),
            ("npv", "lr_negative", tn == 0, fn == 0, lambda lr, p=p: (1 - p) / (1 - p + p * lr)),
        ):
            lr = plain[name] if not (zero_low or zero_high) else adjusted[name]
            b1, b2 = to_value(float(np.ravel(lr[1])[0])), to_value(float(np.ravel(lr[2])[0]))
            lo, hi = min(b1, b2), max(b1, b2)
            if zero_low:
                lo = 0.0
            if zero_high:
                hi = 1.0
            est = float(r[stat])
            reason = None if np.isfinite(est) else "nobody screens " + ("positive" if stat == "ppv" else "negative")
            add(
                stat,
                est,
                lo if np.isfinite(est) else np.nan,
                hi if np.isfinite(est) else np.nan,
                "logit (Mercaldo 2007)",
                reason,
            )
        add("tp_per_1000", 1000 * p * se_est, 1000 * p * se_lo, 1000 * p * se_hi, ci_method)
        add("fn_per_1000", 1000 * p * (1 - se_est), 1000 * p * (1 - se_hi), 1000 * p * (1 - se_lo), ci_method)
        add(
            "fp_per_1000",
            1000 * (1 - p) * (1 - sp_est),
            1000 * (1 - p) * (1 - sp_hi),
            1000 * (1 - p) * (1 - sp_lo),
            ci_method,
        )
        add("tn_per_1000", 1000 * (1 - p) * sp_est, 1000 * (1 - p) * sp_lo, 1000 * (1 - p) * sp_hi, ci_method)
    return pd.DataFrame(rows, columns=["prevalence", "statistic", "estimate", "ci_low", "ci_high", "method", "reason"])
