"""ROC curve and AUC with the DeLong interval, computed from a ``CountTable`` in O(k).

With k distinct scores, every quantity DeLong needs is a cumulative sum over the table, so the cost
after counting is O(k) rather than O(n^2) or O(n log n) (Sun & Xu 2014 give an O(n log n) algorithm
for raw scores; counting first is the same idea for tied data).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .counts import CountTable
from .errors import check_open_unit
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
    v10, v01 = structural_components(counts)
    auc = float(np.sum(counts.n_pos * v10) / m)
    if m < 2 or n < 2:
        return AucResult(auc, None, None, None, reason="DeLong variance needs at least two positives and two negatives")
    s10 = float(np.sum(counts.n_pos * (v10 - auc) ** 2) / (m - 1))
    s01 = float(np.sum(counts.n_neg * (v01 - auc) ** 2) / (n - 1))
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
    tp = np.concatenate([[0], np.cumsum(counts.n_pos[::-1])])
    fp = np.concatenate([[0], np.cumsum(counts.n_neg[::-1])])
    cut = np.concatenate([[np.nan], counts.external_scores[::-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = tp / counts.n_positive if counts.n_positive else np.full(tp.shape, np.nan)
        fpr = fp / counts.n_negative if counts.n_negative else np.full(fp.shape, np.nan)
    return pd.DataFrame({"cutoff": cut, "tpr": tpr, "fpr": fpr, "tp": tp, "fp": fp,
                         "n_screen_positive": tp + fp})
