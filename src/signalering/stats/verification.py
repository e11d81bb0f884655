"""Partial verification: Begg-Greenes corrected sensitivity and specificity beside the naive ones.

When the reference standard is known only for some screened records and whether it is known depends
on the screen result (screen-positives investigated, screen-negatives mostly not), sensitivity and
specificity computed on the verified records alone ("naive") are biased: sensitivity too high,
specificity too low (methodology.md section 6).

Begg & Greenes (1983, Biometrics 39:207-215) assume verification is missing at random given the
screen result T at the cut-off. With P(T = t) from **all** screened records (verified or not) and
P(D = 1 | T = t) from the verified records of stratum t:

    sens_BG = P(T=1) P(D=1|T=1) / [P(T=1) P(D=1|T=1) + P(T=0) P(D=1|T=0)]
    spec_BG = P(T=0) P(D=0|T=0) / [P(T=0) P(D=0|T=0) + P(T=1) P(D=0|T=1)]

which is the same as weighting each verified record by N_t / v_t (screened / verified in its
stratum) and computing the usual statistics on the weighted table (inverse probability weighting).
In count form, with N_1 = tp + fp + u_1 and N_0 = fn + tn + u_0 (u_t = unverified in stratum t):

    D+ in T=1: N_1 tp / (tp + fp)      D+ in T=0: N_0 fn / (fn + tn)   (and D- likewise).

Records censored by a follow-up window (``ingest.followup``: negatives followed for less than the
window) arrive here as unverified and are corrected under the same assumption.

Because missing-at-random given T is doubtful in maltreatment data (who is investigated also depends
on the professional's concern), ``sensitivity_analysis`` replaces the reference-positive rate among
the *unverified screen-negatives* by r times the rate among the verified screen-negatives, for r in
e.g. (0.5, 1, 2, 5); r = 1 is Begg-Greenes. (A design suggestion in methodology.md, not from a cited
source.)

Intervals: stratified bootstrap that mirrors the design: the screened records are resampled
(N_1* ~ Binomial(N, N_1 / N)) and, within each screen stratum, the verified records
((tp*, fp*) ~ Multinomial(v_1, ...), (fn*, tn*) ~ Multinomial(v_0, ...)) with the stratum's number
of verified records kept; percentile intervals. De Groot et al. (2008, Stat Med 27:5880-5889) show
Begg-Greenes and multiple imputation agree in simple settings.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import UsageError, check_open_unit
from .counts import CountTable

R_MULTIPLIERS = (0.5, 1.0, 2.0, 5.0)


def begg_greenes_cells(tp, fp, fn, tn, u1, u0, r=1.0) -> dict[str, np.ndarray]:
    """Corrected sensitivity, specificity and prevalence from verified cells and unverified counts.

    Parameters
    ----------
    tp, fp, fn, tn : array-like
        Verified records by screen result and reference standard (broadcast together).
    u1, u0 : array-like
        Unverified screen-positive / screen-negative records.
    r : float or array-like
        Reference-positive rate among unverified screen-negatives relative to the verified
        screen-negatives (1 = missing at random given T, i.e. Begg-Greenes). Rates are capped at 1.

    Returns
    -------
    dict with ``sensitivity``, ``specificity``, ``prevalence`` (estimated for all screened records)
    and the weighted cells ``tp_w``, ``fp_w``, ``fn_w``, ``tn_w``; NaN where undefined (no verified
    record in a screen stratum, or a zero denominator).

    Examples
    --------
    >>> out = begg_greenes_cells(9, 99, 52, 5432, 0, 50563 - 5484)
    >>> round(float(out["sensitivity"][()]), 4), round(float(out["specificity"][()]), 5)
    (0.0184, 0.99803)
    """
    tp, fp, fn, tn, u1, u0, r = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (tp, fp, fn, tn, u1, u0, r)))
    v1, v0 = tp + fp, fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        rate1 = np.where(v1 > 0, tp / v1, np.nan)
        rate0 = np.where(v0 > 0, fn / v0, np.nan)
        tp_w = (v1 + u1) * rate1
        fp_w = (v1 + u1) * (1.0 - rate1)
        fn_w = fn + u0 * np.minimum(1.0, r * rate0)
        tn_w = (v0 + u0) - fn_w
        sens = tp_w / (tp_w + fn_w)
        spec = tn_w / (tn_w + fp_w)
        prev = (tp_w + fn_w) / (v1 + u1 + v0 + u0)
    return {
        "sensitivity": sens,
        "specificity": spec,
        "prevalence": prev,
        "tp_w": tp_w,
        "fp_w": fp_w,
        "fn_w": fn_w,
        "tn_w": tn_w,
    }


def begg_greenes(counts: CountTable, cutoffs: Sequence[float]) -> pd.DataFrame:
    """Naive and Begg-Greenes corrected sensitivity and specificity at each cut-off.

    Returns
    -------
    DataFrame, one row per cut-off: ``cutoff, tp, fp, fn, tn, n_unverified_screen_positive,
    n_unverified_screen_negative, sensitivity_naive, specificity_naive, sensitivity_corrected,
    specificity_corrected, prevalence_corrected`` (NaN = undefined).
    """
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    c = counts.cells_at(cut)
    bg = begg_greenes_cells(c["tp"], c["fp"], c["fn"], c["tn"], c["unverified_pos"], c["unverified_neg"])
    with np.errstate(divide="ignore", invalid="ignore"):
        sens_naive = c["tp"] / (c["tp"] + c["fn"])
        spec_naive = c["tn"] / (c["tn"] + c["fp"])
    return pd.DataFrame(
        {
            "cutoff": cut,
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
            "tn": c["tn"],
            "n_unverified_screen_positive": c["unverified_pos"],
            "n_unverified_screen_negative": c["unverified_neg"],
            "sensitivity_naive": sens_naive,
            "specificity_naive": spec_naive,
            "sensitivity_corrected": bg["sensitivity"],
            "specificity_corrected": bg["specificity"],
            "prevalence_corrected": bg["prevalence"],
        }
    )


def sensitivity_analysis(counts: CountTable, cutoffs: Sequence[float], r=R_MULTIPLIERS) -> pd.DataFrame:
    """Corrected sensitivity/specificity when unverified screen-negatives have r x the verified rate.

    Returns a long DataFrame ``cutoff, r, sensitivity, specificity, prevalence``; r = 1 reproduces
    ``begg_greenes``.
    """
    rs = np.asarray(r, dtype=float)
    if rs.ndim != 1 or np.any(rs < 0):
        raise UsageError(
            f"The 'r' parameter of sensitivity_analysis must be a list of numbers >= 0. Got {r!r} instead."
        )
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    c = counts.cells_at(cut)
    args = [c[k][:, None] for k in ("tp", "fp", "fn", "tn", "unverified_pos", "unverified_neg")]
    out = begg_greenes_cells(*args, r=rs[None, :])
    return pd.DataFrame(
        {
            "cutoff": np.repeat(cut, len(rs)),
            "r": np.tile(rs, len(cut)),
            "sensitivity": out["sensitivity"].ravel(),
            "specificity": out["specificity"].ravel(),
            "prevalence": out["prevalence"].ravel(),
        }
    )


def bootstrap_begg_greenes(
    counts: CountTable, cutoffs: Sequence[float], n_boot: int, rng: np.random.Generator, confidence: float = 0.95
) -> pd.DataFrame:
    """Percentile intervals for the corrected sensitivity and specificity (see the module docstring).

    Returns
    -------
    DataFrame, one row per cut-off: ``cutoff, sensitivity_ci_low, sensitivity_ci_high,
    specificity_ci_low, specificity_ci_high, replicates_undefined``. Vectorised over replicates and
    cut-offs (arrays of shape (n_boot, cut-offs)).
    """
    from .bootstrap import check_replicates, check_rng, percentile_interval

    n_boot = check_replicates(n_boot, "bootstrap_begg_greenes")
    check_rng(rng, "bootstrap_begg_greenes")
    check_open_unit("confidence", confidence, "bootstrap_begg_greenes")
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    c = counts.cells_at(cut)
    tp, fp, fn, tn = (c[k].astype(np.int64) for k in ("tp", "fp", "fn", "tn"))
    n1 = tp + fp + c["unverified_pos"]
    total = int(counts.n_verified + counts.n_unverified_total)
    v1, v0 = tp + fp, fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(total > 0, n1 / max(total, 1), 0.0)
        r1 = np.where(v1 > 0, tp / np.maximum(v1, 1), 0.0)
        r0 = np.where(v0 > 0, fn / np.maximum(v0, 1), 0.0)
    shape = (n_boot, len(cut))
    n1_b = rng.binomial(total, np.broadcast_to(p1, shape))
    tp_b = rng.binomial(np.broadcast_to(v1, shape), np.broadcast_to(r1, shape))
    fn_b = rng.binomial(np.broadcast_to(v0, shape), np.broadcast_to(r0, shape))
    # Stratum sizes N_t* from the resampled screened records, verified counts v_t fixed (design).
    # With r = 1 the formula only uses N_t* = v_t + u_t, so u_t* = N_t* - v_t may be negative here.
    u1_b = n1_b - v1
    u0_b = (total - n1_b) - v0
    out = begg_greenes_cells(tp_b, v1 - tp_b, fn_b, v0 - fn_b, u1_b, u0_b)
    rows = []
    for i, cutoff in enumerate(cut):
        s_lo, s_hi = percentile_interval(out["sensitivity"][:, i], confidence)
        p_lo, p_hi = percentile_interval(out["specificity"][:, i], confidence)
        undefined = int(np.sum(np.isnan(out["sensitivity"][:, i]) | np.isnan(out["specificity"][:, i])))
        rows.append(
            {
                "cutoff": float(cutoff),
                "sensitivity_ci_low": s_lo,
                "sensitivity_ci_high": s_hi,
                "specificity_ci_low": p_lo,
                "specificity_ci_high": p_hi,
                "replicates_undefined": undefined,
            }
        )
    return pd.DataFrame(rows)
