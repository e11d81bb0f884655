"""ROC curve and AUC with the DeLong interval, computed from a ``CountTable`` in O(k).

With k distinct scores, every quantity DeLong needs is a cumulative sum over the table, so the cost
after counting is O(k) rather than O(n^2) or O(n log n) (Sun & Xu 2014 give an O(n log n) algorithm
for raw scores; counting first is the same idea for tied data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import UsageError, check_open_unit
from .counts import CountTable
from .intervals import Interval, z_value


@dataclass(frozen=True, slots=True)
class AucResult:
    """AUC with its DeLong variance and Wald interval (clipped to [0, 1], as pROC does)."""

    estimate: float | None
    variance: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = "delong"
    reason: str | None = None

    def interval(self) -> Interval:
        return Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)


def structural_components(counts: CountTable) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's placement values per distinct score.

    Returns ``(v10, v01)`` with, for a positive record at score s, V10 = P(negative < s) + 0.5 P(negative = s),
    and for a negative record at s, V01 = P(positive > s) + 0.5 P(positive = s). Each array has one
    entry per distinct score (weights ``n_pos`` / ``n_neg``).
    """
    m, n = counts.n_positive, counts.n_negative
    neg_below = np.cumsum(counts.n_neg) - counts.n_neg
    pos_above = counts.n_positive - np.cumsum(counts.n_pos)
    with np.errstate(divide="ignore", invalid="ignore"):
        v10 = (neg_below + 0.5 * counts.n_neg) / n
        v01 = (pos_above + 0.5 * counts.n_pos) / m
    return v10, v01


def auc_delong(counts: CountTable, confidence: float = 0.95) -> AucResult:
    """Area under the ROC curve with DeLong's variance.

    AUC = P(S_pos > S_neg) + 0.5 P(S_pos = S_neg) (Mann-Whitney). Var(AUC) = S10/m + S01/n, where S10
    and S01 are the sample variances (ddof 1) of the structural components of the m positives and n
    negatives (DeLong, DeLong & Clarke-Pearson 1988, Biometrics 44:837-845). Interval: AUC +- z SE,
    clipped to [0, 1] (pROC's ``ci.auc(method = "delong")`` does the same).

    Undefined (``estimate None``) without both positives and negatives; the interval is undefined
    with a single positive or negative (ddof 1 variance).

    Examples
    --------
    >>> r = auc_delong(CountTable.from_scores([3, 2, 2, 1, 2, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0]))
    >>> r.estimate, round(r.variance, 6)
    (0.875, 0.013333)
    """
    check_open_unit("confidence", confidence, "auc_delong")
    m, n = counts.n_positive, counts.n_negative
    if m == 0 or n == 0:
        return AucResult(None, None, None, None, reason="AUC needs reference-positive and reference-negative records")
    # Placement values and their weighted variances, computed in place (one temporary of k floats)
    # so that a continuous score (k ~ number of records) needs little memory beyond the table.
    v = np.cumsum(counts.n_neg, dtype=np.float64)  # negatives at or below each score
    v *= 2.0
    v -= counts.n_neg  # 2 * below + equal
    v *= 0.5 / n  # V10 at each score
    auc = float(np.dot(counts.n_pos, v) / m)
    if m < 2 or n < 2:
        return AucResult(auc, None, None, None, reason="DeLong variance needs at least two positives and two negatives")
    v -= auc
    v *= v
    s10 = float(np.dot(counts.n_pos, v) / (m - 1))
    np.cumsum(counts.n_pos[::-1], dtype=np.float64, out=v[::-1])  # positives at or above each score
    v *= 2.0
    v -= counts.n_pos
    v *= 0.5 / m  # V01 at each score
    v -= auc
    v *= v
    s01 = float(np.dot(counts.n_neg, v) / (n - 1))
    var = s10 / m + s01 / n
    half = z_value(confidence) * np.sqrt(var)
    return AucResult(auc, var, float(max(0.0, auc - half)), float(min(1.0, auc + half)))


def roc_points(counts: CountTable) -> pd.DataFrame:
    """The empirical ROC curve: one point per distinct score plus (0, 0).

    Returns a DataFrame with ``cutoff`` (original scale; a record is positive at ``score >= cutoff``,
    or ``<=`` for direction lower), ``tpr``, ``fpr``, ``n_screen_positive`` (verified records flagged),
    ordered from the strictest cut-off (0, 0) to the most lenient (1, 1). The first row has cutoff
    None (nobody positive).
    """
    tp_ge, fp_ge = counts.curve()
    tp, fp = tp_ge[::-1], fp_ge[::-1]  # from nobody positive (above the highest score) down
    cut = np.concatenate([[np.nan], counts.external_scores[::-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = tp / counts.n_positive if counts.n_positive else np.full(tp.shape, np.nan)
        fpr = fp / counts.n_negative if counts.n_negative else np.full(fp.shape, np.nan)
    return pd.DataFrame({"cutoff": cut, "tpr": tpr, "fpr": fpr, "tp": tp, "fp": fp, "n_screen_positive": tp + fp})


@dataclass(frozen=True, slots=True)
class PartialAucResult:
    """Partial AUC over a specificity range, raw and McClish-standardised.

    ``reason`` says why both are undefined; ``standardised_reason`` why only the standardised value is
    (the curve lies below the chance diagonal in the range).
    """

    specificity_low: float
    specificity_high: float
    estimate: float | None
    standardised: float | None
    reason: str | None = None
    standardised_reason: str | None = None


BELOW_DIAGONAL = (
    "the ROC curve lies below the chance diagonal in the range: the McClish standardisation "
    "is undefined (as pROC's partial.auc.correct = TRUE)"
)


def area_between(fpr: np.ndarray, tpr: np.ndarray, fpr_low: float, fpr_high: float) -> np.ndarray:
    """Area under the piecewise-linear ROC curve between two false-positive rates, vectorised.

    Each segment between consecutive points (fpr non-decreasing along the last axis) is clipped to
    [fpr_low, fpr_high] and integrated exactly (trapezoid with linear interpolation at the ends);
    vertical segments contribute nothing. Ties between a positive and a negative score give a
    diagonal segment, i.e. the tie counts 1/2, as in the Mann-Whitney AUC and pROC.
    """
    return np.sum(segment_areas(fpr, tpr, fpr_low, fpr_high), axis=-1)


def segment_areas(fpr: np.ndarray, tpr: np.ndarray, fpr_low: float, fpr_high: float) -> np.ndarray:
    """The area of each segment inside [fpr_low, fpr_high] (one entry fewer than points, last axis).

    ``area_between`` sums these; the bootstrap of a continuous score computes them block by block
    and sums the same array, so both give the same number to the last bit.
    """
    f0, f1 = fpr[..., :-1], fpr[..., 1:]
    t0, t1 = tpr[..., :-1], tpr[..., 1:]
    lo = np.clip(f0, fpr_low, fpr_high)
    hi = np.clip(f1, fpr_low, fpr_high)
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(f1 > f0, (t1 - t0) / (f1 - f0), 0.0)
    y_lo, y_hi = t0 + slope * (lo - f0), t0 + slope * (hi - f0)
    return np.where(width > 0, width * (y_lo + y_hi) / 2.0, 0.0)


LONG_CURVE = 4096  # points from which a single curve is integrated only over the FPR range


def partial_area_rows(
    tp_ge: np.ndarray, fp_ge: np.ndarray, m: int, n: int, fpr_low: float, fpr_high: float, slice_above: int = LONG_CURVE
) -> np.ndarray:
    """Partial AUC over FPR [fpr_low, fpr_high] for each row of screen-positive counts.

    ``tp_ge``, ``fp_ge`` : (rows, k + 1) positives / negatives with internal score >= scores[j]
    (last column 0: ``counts.tail_sums``, ``CountTable.curve``). A single row longer than
    ``slice_above`` (a continuous score) is first cut to the points that bound the FPR range
    (``fp_ge`` is non-increasing along the row), so only that part of the curve is integrated; the
    result is the same (see ``area_between``). ``partial_auc`` of a long table walks the range in
    blocks instead (``_continuous.partial_area``), to the same number.
    """
    if tp_ge.shape[0] == 1 and tp_ge.shape[1] > slice_above:
        a, b = _range_points(fp_ge[0], n, fpr_low, fpr_high)
        tp_ge, fp_ge = tp_ge[:, a:b], fp_ge[:, a:b]
    return area_between(fp_ge[:, ::-1] / n, tp_ge[:, ::-1] / m, fpr_low, fpr_high)


def _range_points(fp_row: np.ndarray, n: int, fpr_low: float, fpr_high: float) -> tuple[int, int]:
    """``a, b``: the points ``fp_row[a:b]`` (non-increasing, k + 1 entries) that bound the FPR range."""
    k = len(fp_row) - 1
    up = fp_row[::-1]  # non-decreasing view
    i_hi = int(np.searchsorted(up, fpr_high * n, side="right"))  # first point beyond the range
    i_lo = int(np.searchsorted(up, fpr_low * n, side="left"))  # first point inside it
    return max(k - min(i_hi, k), 0), min(k - max(i_lo - 1, 0), k) + 1


def mcclish(pauc, fpr_low: float, fpr_high: float, allow_invalid: bool = False):
    """McClish (1989) standardisation of a partial AUC over FPR [a, b] to the (0.5, 1) scale.

    standardised = (1 + (pAUC - min) / (max - min)) / 2 with min = (b^2 - a^2) / 2 (the chance
    diagonal) and max = b - a (a perfect test). McClish DK (1989), Med Decis Making 9:190-195; the
    same as pROC ``auc(..., partial.auc.correct = TRUE)``. Below the diagonal (pAUC < min) the
    standardisation is not defined: NaN, as pROC's NA, unless ``allow_invalid`` (pROC's
    ``allow.invalid.partial.auc.correct = TRUE``), which gives the formula's value (below 0.5, possibly
    negative).

    >>> float(mcclish(0.1, 0.0, 0.2)), float(mcclish(0.01, 0.0, 0.2)), float(mcclish(0.01, 0.0, 0.2, True))
    (0.7222222222222222, nan, 0.4722222222222222)
    """
    lo_area = (fpr_high**2 - fpr_low**2) / 2.0
    hi_area = fpr_high - fpr_low
    pauc = np.asarray(pauc, float)
    std = (1.0 + (pauc - lo_area) / (hi_area - lo_area)) / 2.0
    return std if allow_invalid else np.where(pauc < lo_area, np.nan, std)


def partial_auc(
    counts: CountTable, specificity: tuple[float, float] = (0.8, 1.0), *, allow_invalid: bool = False
) -> PartialAucResult:
    """Partial AUC over a specificity range (``partial.auc.focus = "specificity"`` in pROC).

    Parameters
    ----------
    counts : CountTable
    specificity : (low, high) with 0 <= low < high <= 1
        E.g. (0.8, 1.0): the part of the curve where at most 20% of reference-negatives screen positive.
    allow_invalid : bool
        Report the McClish value also when the curve lies below the chance diagonal (pROC's
        ``allow.invalid.partial.auc.correct``); by default it is then ``None`` with
        ``standardised_reason``.

    Returns
    -------
    PartialAucResult with ``estimate`` (area, between 0 and high - low) and ``standardised``
    (McClish, 0.5 = chance, 1 = perfect within the range; see ``mcclish``).

    Examples
    --------
    >>> r = partial_auc(CountTable.from_scores([3, 2, 2, 1, 2, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0]))
    >>> round(r.estimate, 4), round(r.standardised, 4)
    (0.1, 0.7222)
    """
    sp_low, sp_high = check_specificity_range(specificity, "partial_auc")
    m, n = counts.n_positive, counts.n_negative
    if m == 0 or n == 0:
        return PartialAucResult(
            sp_low, sp_high, None, None, "partial AUC needs reference-positive and reference-negative records"
        )
    fpr_low, fpr_high = 1.0 - sp_high, 1.0 - sp_low
    if len(counts.scores) + 1 > LONG_CURVE:
        # a continuous score: only the part of the curve inside the range, walked in blocks, without
        # the whole curve (the same number as partial_area_rows)
        from . import _continuous  # _continuous builds on segment_areas: a top-level import would be circular

        area = float(_continuous.partial_area(counts.n_pos, counts.n_neg, m, n, fpr_low, fpr_high)[0])
    else:
        area = float(partial_area_rows(*(c[None, :] for c in counts.curve()), m, n, fpr_low, fpr_high)[0])
    std = float(mcclish(area, fpr_low, fpr_high, allow_invalid))
    if np.isnan(std):
        return PartialAucResult(sp_low, sp_high, area, None, standardised_reason=BELOW_DIAGONAL)
    return PartialAucResult(sp_low, sp_high, area, std)


def check_specificity_range(specificity, where: str) -> tuple[float, float]:
    """``(low, high)`` as floats with 0 <= low < high <= 1, or a ``UsageError`` naming ``where``."""
    try:
        low, high = (float(v) for v in specificity)
    except (TypeError, ValueError):
        raise UsageError(
            f"The 'specificity' parameter of {where} must be a pair (low, high). Got {specificity!r} instead."
        ) from None
    if not 0.0 <= low < high <= 1.0:
        raise UsageError(
            f"The 'specificity' parameter of {where} must satisfy 0 <= low < high <= 1. Got {specificity!r} instead."
        )
    return low, high


def auc_from_weights(wpos: np.ndarray, wneg: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of count tables given as weights per distinct score, vectorised over rows.

    ``wpos``, ``wneg`` have shape (..., k) (positives / negatives per distinct score, increasing).
    AUC = sum_j wpos_j (N_<j + N_=j / 2) / (m n) with N_<j the negatives below score j; computed as
    sum_j wpos_j (cumsum(wneg)_j - wneg_j / 2) to keep one temporary of shape (..., k).
    """
    m = wpos.sum(axis=-1, dtype=np.float64)
    n = wneg.sum(axis=-1, dtype=np.float64)
    below = np.cumsum(wneg, axis=-1, dtype=np.float64)
    below -= 0.5 * wneg
    num = np.einsum("...k,...k->...", below, wpos.astype(np.float64, copy=False))
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / (m * n)
