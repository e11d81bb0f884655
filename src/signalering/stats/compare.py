"""Comparing two scores (instrument versions) measured on the same records: paired statistics.

Two versions of an instrument scored on the same children are *paired*: their errors are correlated,
and an unpaired comparison (two independent intervals) would be too wide. Everything here uses the
records that have both scores and a verified reference standard.

- AUC difference: DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44:837-845, the covariance of
  the structural components of the two scores (the same test as pROC's
  ``roc.test(method = "delong", paired = TRUE)``).
- At one cut-off per score, the records form a 2 x 2 x 2 table (reference x screen A x screen B).
  McNemar's test compares the paired sensitivities (among reference-positives) and specificities
  (among reference-negatives). Relative and absolute differences of sensitivity, specificity, PPV
  and NPV get Wald intervals from the delta method on the multinomial distribution of the eight
  cells; for the ratios this is the log method of Alonzo, Pepe & Moskowitz (2002), Stat Med
  21:835-852 (relative true/false positive fractions) and Moskowitz & Pepe (2006), Clin Trials
  3:272-279 (relative predictive values).
- Net reclassification (categorical NRI) from B to A at the two cut-offs (Pencina et al. 2008,
  Stat Med 27:157-172). With one cut-off per score it equals the difference in sensitivity (events)
  and in specificity (non-events).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, chi2, norm

from ..errors import UsageError, check_in, check_open_unit
from .counts import DIRECTIONS, CountTable
from .intervals import z_value
from .roc import auc_delong, structural_components

MCNEMAR_METHODS = ("exact", "chi-square")


# ------------------------------------------------------------------ records
def paired_records(score_a, score_b, reference) -> dict[str, np.ndarray | int]:
    """Records usable for a paired comparison: both scores present and the reference verified.

    Parameters
    ----------
    score_a, score_b : array-like of float (NaN = no score)
    reference : array-like of 1 / 0 / NaN (NaN = not verified)

    Returns
    -------
    dict with ``a``, ``b``, ``reference`` (float arrays of the usable records) and the counts
    ``n_received``, ``n_missing_score`` (either score missing) and ``n_unverified`` (both scores
    present, reference missing).
    """
    a = np.asarray(score_a, dtype=float)
    b = np.asarray(score_b, dtype=float)
    r = np.asarray(reference, dtype=float)
    if not (a.ndim == 1 and a.shape == b.shape == r.shape):
        raise UsageError(
            "The 'score_a', 'score_b' and 'reference' parameters of paired_records must be "
            f"1-d arrays of the same length. Got shapes {a.shape}, {b.shape} and {r.shape} instead."
        )
    verified = ~np.isnan(r)
    if np.any(verified & (r != 0) & (r != 1)):
        raise UsageError("The 'reference' parameter of paired_records must hold 1, 0 or missing values.")
    both = ~np.isnan(a) & ~np.isnan(b)
    use = both & verified
    return {
        "a": a[use],
        "b": b[use],
        "reference": r[use],
        "n_received": int(a.size),
        "n_missing_score": int((~both).sum()),
        "n_unverified": int((both & ~verified).sum()),
    }


def _placements(score: np.ndarray, reference: np.ndarray, direction: str) -> tuple[np.ndarray, CountTable]:
    """Per-record DeLong placement value: V10 for a positive record, V01 for a negative one."""
    counts = CountTable.from_scores(score, reference, direction)
    v10, v01 = structural_components(counts)
    internal = -score if direction == "lower" else score
    idx = np.searchsorted(counts.scores, internal)
    return np.where(reference == 1, v10[idx], v01[idx]), counts


# ------------------------------------------------------------------ DeLong
@dataclass(frozen=True, slots=True)
class DelongComparison:
    """Paired DeLong comparison of two AUCs; ``difference`` = AUC(A) - AUC(B).

    Undefined parts are ``None`` with ``reason`` saying why.
    """

    n: int
    n_positive: int
    n_negative: int
    auc_a: object  # roc.AucResult
    auc_b: object
    difference: float | None
    variance: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p_value: float | None
    correlation: float | None
    reason: str | None = None
    correlation_reason: str | None = None

    def to_dict(self) -> dict:
        d = {
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "z": self.z,
            "p_value": self.p_value,
            "variance": self.variance,
            "correlation": self.correlation,
            "method": "delong-paired",
        }
        if self.reason:
            d["reason"] = self.reason
        if self.correlation is None:
            d["correlation_reason"] = self.correlation_reason or self.reason or "undefined"
        return d


CONSTANT_PLACEMENTS = (
    "a score's placement values do not vary (e.g. a constant score, AUC 0.5 with no "
    "variance): the correlation of the two AUCs is undefined"
)


def delong_paired(
    score_a, score_b, reference, direction_a: str = "higher", direction_b: str = "higher", confidence: float = 0.95
) -> DelongComparison:
    """DeLong's test and interval for the difference of two paired AUCs.

    Parameters
    ----------
    score_a, score_b : array-like of float, one per record (NaN = no score)
    reference : array-like of 1 / 0 / NaN
    direction_a, direction_b : {"higher", "lower"}
        Which end of each score is the concern; fixed beforehand, never flipped to the data.
    confidence : float in (0, 1)

    Returns
    -------
    DelongComparison

    Notes
    -----
    For score k, the placement value of a positive record i is V10_k(i) = P(negative score < its
    score) + 1/2 P(equal), of a negative record j V01_k(j) = P(positive score > its score) + 1/2
    P(equal). With S10 and S01 the 2 x 2 sample covariance matrices (ddof 1) of (V10_A, V10_B) over
    the m positives and of (V01_A, V01_B) over the n negatives, S = S10/m + S01/n and

        Var(AUC_A - AUC_B) = S_AA + S_BB - 2 S_AB,   z = (AUC_A - AUC_B) / sqrt(Var),

    two-sided p = 2 (1 - Phi(|z|)), interval = difference +- z_(1-alpha/2) sqrt(Var) (DeLong, DeLong &
    Clarke-Pearson 1988, Biometrics 44:837-845; pROC ``roc.test(method = "delong", paired = TRUE)``
    gives the same z, p and interval). Only records with both scores and a verified reference are
    used, so ``auc_a`` and ``auc_b`` may differ slightly from single-score results on more records.
    When the two scores rank every pair identically the variance is 0: z and p are then undefined.

    Examples
    --------
    >>> r = delong_paired([3, 2, 2, 1, 2, 1, 0, 0, 0], [3, 2, 2, 1, 2, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0])
    >>> r.difference, r.reason
    (0.0, 'the two scores order the records identically: the difference has no variance')
    """
    check_in("direction_a", direction_a, DIRECTIONS, "delong_paired")
    check_in("direction_b", direction_b, DIRECTIONS, "delong_paired")
    check_open_unit("confidence", confidence, "delong_paired")
    rec = paired_records(score_a, score_b, reference)
    a, b, r = rec["a"], rec["b"], rec["reference"]
    pos = r == 1
    m, n = int(pos.sum()), int((~pos).sum())
    ca = CountTable.from_scores(a, r, direction_a)
    cb = CountTable.from_scores(b, r, direction_b)
    auc_a, auc_b = auc_delong(ca, confidence), auc_delong(cb, confidence)
    base = dict(n=m + n, n_positive=m, n_negative=n, auc_a=auc_a, auc_b=auc_b)
    if m < 2 or n < 2:
        return DelongComparison(
            **base,
            difference=float(auc_a.estimate - auc_b.estimate) if m and n else None,
            variance=None,
            ci_low=None,
            ci_high=None,
            z=None,
            p_value=None,
            correlation=None,
            reason=(
                "DeLong variance needs at least two positives and two negatives"
                if m and n
                else "needs reference-positive and reference-negative records with both scores"
            ),
        )
    diff = float(auc_a.estimate - auc_b.estimate)
    va, _ = _placements(a, r, direction_a)
    vb, _ = _placements(b, r, direction_b)
    s10 = np.cov(np.vstack([va[pos], vb[pos]]), ddof=1)
    s01 = np.cov(np.vstack([va[~pos], vb[~pos]]), ddof=1)
    s = s10 / m + s01 / n
    var = float(s[0, 0] + s[1, 1] - 2 * s[0, 1])
    corr = float(s[0, 1] / np.sqrt(s[0, 0] * s[1, 1])) if s[0, 0] > 0 and s[1, 1] > 0 else None
    corr_reason = None if corr is not None else CONSTANT_PLACEMENTS
    if var > 1e-15:
        se = np.sqrt(var)
        zstat = diff / se
        half = z_value(confidence) * se
        z, p_value, reason = float(zstat), float(2 * norm.sf(abs(zstat))), None
    else:  # identical orderings: a zero-width interval at the difference, no test
        var, half, z, p_value = max(var, 0.0), 0.0, None, None
        reason = "the two scores order the records identically: the difference has no variance"
    return DelongComparison(
        **base,
        difference=diff,
        variance=var,
        ci_low=diff - half,
        ci_high=diff + half,
        z=z,
        p_value=p_value,
        correlation=corr,
        reason=reason,
        correlation_reason=corr_reason,
    )


# ------------------------------------------------------------------ the 2 x 2 x 2 table
def paired_cells(
    score_a,
    score_b,
    reference,
    cutoff_a: float,
    cutoff_b: float,
    direction_a: str = "higher",
    direction_b: str = "higher",
) -> np.ndarray:
    """Counts of the reference x screen-A x screen-B table at one cut-off per score.

    Returns an int64 array ``cells[d, a, b]``: d = 1 reference-positive, a = 1 screen A positive
    (``score >= cutoff``, or ``<=`` for direction lower), b likewise for B. Only records with both
    scores and a verified reference are counted.

    Examples
    --------
    >>> paired_cells([3, 1, 0], [2, 2, 0], [1, 1, 0], 2, 2)[1]
    array([[0, 1],
           [0, 1]])
    """
    check_in("direction_a", direction_a, DIRECTIONS, "paired_cells")
    check_in("direction_b", direction_b, DIRECTIONS, "paired_cells")
    rec = paired_records(score_a, score_b, reference)
    sa = rec["a"] >= cutoff_a if direction_a == "higher" else rec["a"] <= cutoff_a
    sb = rec["b"] >= cutoff_b if direction_b == "higher" else rec["b"] <= cutoff_b
    code = rec["reference"].astype(np.int64) * 4 + sa.astype(np.int64) * 2 + sb.astype(np.int64)
    return np.bincount(code, minlength=8).reshape(2, 2, 2).astype(np.int64)


def mcnemar_test(discordant_a, discordant_b, method: str = "exact"):
    """McNemar's test of paired proportions from the two discordant counts, vectorised.

    Parameters
    ----------
    discordant_a : int or array-like
        Records positive on A and negative on B (within one reference stratum).
    discordant_b : int or array-like
        Records negative on A and positive on B.
    method : {"exact", "chi-square"}
        ``exact``: two-sided binomial test of ``discordant_a`` ~ Bin(b + c, 1/2), p = min(1, 2 P(X <=
        min(b, c))), statistic min(b, c); ``chi-square``: (|b - c| - 1)^2 / (b + c) with continuity
        correction, 1 df (McNemar 1947, Psychometrika 12:153-157; Edwards 1948), and no correction
        when b = c (statistic 0, p = 1: the correction would overshoot). Same numbers as R's
        ``mcnemar.test`` and ``binom.test``, and as statsmodels ``mcnemar(table, exact=True)`` /
        ``mcnemar(table, exact=False, correction=True)`` except at b = c, where statsmodels corrects.

    Returns
    -------
    (statistic, p_value) float arrays. With no discordant records the exact p is 1 and the
    chi-square statistic is undefined (NaN).
    """
    check_in("method", method, MCNEMAR_METHODS, "mcnemar_test")
    b = np.atleast_1d(np.asarray(discordant_a, dtype=float))
    c = np.atleast_1d(np.asarray(discordant_b, dtype=float))
    b, c = np.broadcast_arrays(b, c)
    if method == "exact":
        stat = np.minimum(b, c)
        return stat, np.minimum(1.0, 2.0 * binom.cdf(stat, b + c, 0.5))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(b + c > 0, np.where(b == c, 0.0, np.abs(b - c) - 1.0) ** 2 / (b + c), np.nan)
    return stat, np.where(b + c > 0, chi2.sf(stat, 1), np.nan)


# Numerator and denominator cells of each proportion, as 0/1 masks over cells[d, a, b].
def _mask(d=None, a=None, b=None) -> np.ndarray:
    m = np.zeros((2, 2, 2))
    m[slice(None) if d is None else d, slice(None) if a is None else a, slice(None) if b is None else b] = 1.0
    return m.ravel()


PROPORTION_MASKS = {
    # statistic: {version: (numerator mask, denominator mask)}, reason when the denominator is 0
    "sensitivity": (
        {"a": (_mask(1, 1), _mask(1)), "b": (_mask(1, None, 1), _mask(1))},
        "no reference-positive records",
    ),
    "specificity": (
        {"a": (_mask(0, 0), _mask(0)), "b": (_mask(0, None, 0), _mask(0))},
        "no reference-negative records",
    ),
    "ppv": (
        {"a": (_mask(1, 1), _mask(None, 1)), "b": (_mask(1, None, 1), _mask(None, None, 1))},
        "no records screened positive",
    ),
    "npv": (
        {"a": (_mask(0, 0), _mask(None, 0)), "b": (_mask(0, None, 0), _mask(None, None, 0))},
        "no records screened negative",
    ),
}


def paired_contrast(cells, statistic: str, contrast: str = "difference", confidence: float = 0.95) -> dict:
    """Difference or ratio of one proportion between A and B on paired records, with a Wald interval.

    Parameters
    ----------
    cells : array-like, shape (2, 2, 2)
        ``paired_cells`` output.
    statistic : {"sensitivity", "specificity", "ppv", "npv"}
    contrast : {"difference", "ratio"}
        ``difference`` = stat(A) - stat(B); ``ratio`` = stat(A) / stat(B).
    confidence : float in (0, 1)

    Returns
    -------
    dict with ``estimate, ci_low, ci_high, se, z, p_value`` (NaN where undefined) and ``reason``.

    Notes
    -----
    Every statistic is a ratio r = u'p / v'p of sums of the eight cell probabilities p (u, v 0/1
    masks). With p-hat multinomial, Cov(p-hat) = (diag p - p p') / N, and the delta method gives
    Var(g) = (grad' diag(p) grad - (grad' p)^2) / N with grad r = u / v'p - (u'p) v / (v'p)^2 for the
    difference and grad log r = u / u'p - v / v'p for the log ratio. The ratio's interval is
    exp(log r +- z SE) (log method); for sensitivity it reduces to Var(log rTPF) = (b + c) / ((a + b)
    (a + c)) with a, b, c the both-positive, A-only and B-only counts among reference-positives
    (Alonzo, Pepe & Moskowitz 2002, Stat Med 21:835-852), for PPV to Moskowitz & Pepe (2006), Clin
    Trials 3:272-279. For the difference of sensitivities it reduces to the paired Wald variance
    (b + c - (b - c)^2 / n1) / n1^2. The difference is clipped to [-1, 1]. Zero discordance gives a
    zero-width interval (the reason says so); a zero numerator leaves the ratio undefined.
    """
    check_in("statistic", statistic, tuple(PROPORTION_MASKS), "paired_contrast")
    check_in("contrast", contrast, ("difference", "ratio"), "paired_contrast")
    check_open_unit("confidence", confidence, "paired_contrast")
    x = np.asarray(cells, dtype=float).ravel()
    if x.size != 8:
        raise UsageError("The 'cells' parameter of paired_contrast must have shape (2, 2, 2).")
    total = x.sum()
    masks, den_reason = PROPORTION_MASKS[statistic]
    (ua, va), (ub, vb) = masks["a"], masks["b"]
    out = {
        "estimate": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "se": np.nan,
        "z": np.nan,
        "p_value": np.nan,
        "reason": None,
    }
    if total == 0 or va @ x == 0 or vb @ x == 0:
        out["reason"] = den_reason
        return out
    p = x / total
    ra, rb = (ua @ p) / (va @ p), (ub @ p) / (vb @ p)
    if contrast == "difference":
        grad = (ua / (va @ p) - (ua @ p) * va / (va @ p) ** 2) - (ub / (vb @ p) - (ub @ p) * vb / (vb @ p) ** 2)
        est, null = ra - rb, 0.0
    else:
        if ua @ p == 0 or ub @ p == 0:
            out["reason"] = "a proportion is 0, so the ratio (or its logarithm) is undefined"
            if ub @ p > 0:
                out["estimate"] = 0.0
            return out
        grad = (ua / (ua @ p) - va / (va @ p)) - (ub / (ub @ p) - vb / (vb @ p))
        est, null = np.log(ra / rb), 0.0
    var = max(float(grad @ (p * grad) - (grad @ p) ** 2) / total, 0.0)
    se = np.sqrt(var)
    half = z_value(confidence) * se
    lo, hi = est - half, est + half
    if se > 1e-12:
        out["z"] = (est - null) / se
        out["p_value"] = float(2 * norm.sf(abs(out["z"])))
    else:
        out["reason"] = "no discordant records: the interval has zero width"
    if contrast == "ratio":
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
    else:
        lo, hi = max(lo, -1.0), min(hi, 1.0)
    out.update(estimate=float(est), ci_low=float(lo), ci_high=float(hi), se=float(se))
    return out


def net_reclassification(cells, confidence: float = 0.95) -> dict:
    """Categorical net reclassification index for moving from screen B to screen A.

    NRI_events = P(up | D=1) - P(down | D=1) and NRI_nonevents = P(down | D=0) - P(up | D=0), with
    "up" = positive on A but not on B and "down" = the reverse; NRI = NRI_events + NRI_nonevents
    (Pencina, D'Agostino & Vasan 2008, Stat Med 27:157-172). With one cut-off per score,
    NRI_events = sens(A) - sens(B) and NRI_nonevents = spec(A) - spec(B) (Pepe 2011; Kerr et al. 2014,
    Epidemiology 25:114-121); the intervals are the paired Wald intervals of those differences
    (``paired_contrast``), and the total's variance is their sum (independent strata).

    Returns
    -------
    dict with ``events``, ``nonevents``, ``total`` (each ``estimate, ci_low, ci_high, reason``) and the
    reclassification counts ``events_up, events_down, nonevents_up, nonevents_down``.
    """
    x = np.asarray(cells, dtype=np.int64).reshape(2, 2, 2)
    ev = paired_contrast(x, "sensitivity", "difference", confidence)
    ne = paired_contrast(x, "specificity", "difference", confidence)
    total = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "reason": ev["reason"] or ne["reason"]}
    if not (np.isnan(ev["estimate"]) or np.isnan(ne["estimate"])):
        est = ev["estimate"] + ne["estimate"]
        half = z_value(confidence) * np.sqrt(ev["se"] ** 2 + ne["se"] ** 2)
        total.update(
            estimate=est,
            ci_low=max(est - half, -2.0),
            ci_high=min(est + half, 2.0),
            reason=None if half > 0 else "no reclassified records: the interval has zero width",
        )
    return {
        "events": ev,
        "nonevents": ne,
        "total": total,
        "events_up": int(x[1, 1, 0]),
        "events_down": int(x[1, 0, 1]),
        "nonevents_up": int(x[0, 1, 0]),
        "nonevents_down": int(x[0, 0, 1]),
    }
