"""Chance-corrected agreement on categories: Cohen's (weighted) kappa for two raters and Fleiss' kappa for
three or more.

Cohen (1960), Educ Psychol Meas 20:37-46; Cohen (1968), Psychol Bull 70:213-220; Fleiss, Cohen &
Everitt (1969), Psychol Bull 72:323-327; Fleiss (1971), Psychol Bull 76:378-382; Fleiss, Nee & Landis
(1979), Psychol Bull 86:974-977; Gwet (2008), Br J Math Stat Psychol 61:29-48.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import UsageError, check_in, check_open_unit
from ..intervals import Interval, z_value
from .ratings import wide_ratings

KAPPA_WEIGHTS = ("none", "linear", "quadratic")


@dataclass(frozen=True, slots=True)
class KappaResult:
    """Cohen's kappa (``weights="none"``) or weighted kappa, with a Wald interval.

    ``se`` is the Fleiss-Cohen-Everitt (1969) large-sample standard error (not under H0).
    ``agreement`` is the observed proportion of exact agreement; ``n`` the rated pairs used.
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    weights: str
    n: int
    agreement: float | None
    method: str = "fleiss-cohen-everitt"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus ``weights``, ``se``, ``n`` and ``agreement``."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {**interval.to_dict(), "weights": self.weights, "se": self.se, "n": self.n, "agreement": self.agreement}


def agreement_weights(n_categories: int, weights: str) -> np.ndarray:
    """Agreement weight matrix w[i, j] in [0, 1] for ordered categories 0..K-1.

    ``none``: identity; ``linear``: 1 - |i - j| / (K - 1); ``quadratic``: 1 - (i - j)^2 / (K - 1)^2
    (Cicchetti-Allison and Fleiss-Cohen weights; the agreement form of Cohen's 1968 disagreement weights).
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "agreement_weights")
    idx = np.arange(n_categories)
    if weights == "none" or n_categories < 2:
        return np.eye(n_categories)
    d = np.abs(idx[:, None] - idx[None, :]) / (n_categories - 1)
    return 1.0 - (d if weights == "linear" else d**2)


def kappa_from_table(table: np.ndarray, weights: str = "none", *, confidence: float = 0.95) -> KappaResult:
    """Cohen's (weighted) kappa from a K x K table of counts (rows rater 1, columns rater 2).

    Parameters
    ----------
    table : array (K, K) of counts; rows and columns in the same (ordered) category order
    weights : {"none", "linear", "quadratic"}
    confidence : float in (0, 1)

    Returns
    -------
    KappaResult

    Notes
    -----
    With p_ij = n_ij / n, agreement weights w_ij (see :func:`agreement_weights`), row and column
    margins p_i. and p_.j: p_o = sum w_ij p_ij, p_e = sum w_ij p_i. p_.j, kappa = (p_o - p_e) / (1 - p_e)
    (Cohen 1960, 1968). Large-sample variance (Fleiss, Cohen & Everitt 1969, Psychol Bull 72:323-327):

        var = [sum_ij p_ij (w_ij - (wbar_i. + wbar_.j)(1 - kappa))^2 - (kappa - p_e (1 - kappa))^2]
              / (n (1 - p_e)^2),

    wbar_i. = sum_j p_.j w_ij, wbar_.j = sum_i p_i. w_ij. It is the variance of an influence function,
    so it is never negative (psych's weighted-kappa variance is a different formula and can be).
    This is also SAS PROC FREQ's ASE and statsmodels' ``cohens_kappa(...).std_kappa``; a simulation
    test checks its coverage. Interval: kappa +- z se, clipped to [-1, 1].
    Undefined when both raters use one and the same category only (p_e = 1: 0/0). Perfect agreement
    (every pair on the diagonal) gives exactly kappa 1 with SE 0.
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "kappa_from_table")
    check_open_unit("confidence", confidence, "kappa_from_table")
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise UsageError(
            f"The 'table' parameter of kappa_from_table must be a square matrix. Got shape {counts.shape} instead."
        )
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise UsageError(
            "The 'table' parameter of kappa_from_table must hold non-negative counts. "
            "Got negative or non-finite values instead."
        )
    n = float(counts.sum())
    if n == 0:
        return KappaResult(None, None, None, None, weights, 0, None, reason="no rated pairs")
    p = counts / n
    agreement = float(np.trace(p))
    w = agreement_weights(counts.shape[0], weights)
    row, col = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(row, col)).sum())
    if math.isclose(pe, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return KappaResult(
            None,
            None,
            None,
            None,
            weights,
            int(n),
            agreement,
            reason="both raters used a single, identical category: chance agreement is 1, kappa is 0/0",
        )
    if not counts[~np.eye(counts.shape[0], dtype=bool)].any():
        # Perfect agreement: p_o = 1, so kappa = 1 and var = (sum_i p_ii - 1) / ... = 0 exactly (as R
        # gives), not 1 - 4e-16 with a rounding-noise SE of 1e-8.
        return KappaResult(1.0, 1.0, 1.0, 0.0, weights, int(n), agreement)
    # Kappa lies in [-1, 1]; clip the rounding of p_o - p_e (e.g. -1 - 4e-16 for total disagreement).
    kappa = min(max((po - pe) / (1.0 - pe), -1.0), 1.0)
    wbar_row = w @ col  # wbar_i. = sum_j p_.j w_ij
    wbar_col = row @ w  # wbar_.j = sum_i p_i. w_ij
    a = w - (wbar_row[:, None] + wbar_col[None, :]) * (1.0 - kappa)
    var = ((p * a**2).sum() - (kappa - pe * (1.0 - kappa)) ** 2) / (n * (1.0 - pe) ** 2)
    se = math.sqrt(max(var, 0.0))
    z = z_value(confidence)
    lo, hi = max(kappa - z * se, -1.0), min(kappa + z * se, 1.0)
    return KappaResult(float(kappa), float(lo), float(hi), float(se), weights, int(n), agreement)


def cohen_kappa(
    rater1, rater2, *, weights: str = "none", categories: Sequence | None = None, confidence: float = 0.95
) -> KappaResult:
    """Cohen's kappa or weighted kappa of two raters' categorical ratings of the same records.

    Parameters
    ----------
    rater1, rater2 : array-like, same length
        One category per record; NaN/None = not rated (the pair is left out).
    weights : {"none", "linear", "quadratic"}
        ``none`` for nominal categories (e.g. attachment classification); linear or quadratic
        agreement weights for ordered categories (quadratic-weighted kappa is close to the ICC).
    categories : sequence, optional
        The categories in their order (for weighted kappa the order matters: weights use the
        position 0..K-1, not the values). Default: the sorted distinct observed values.
    confidence : float in (0, 1)

    Returns
    -------
    KappaResult (see :func:`kappa_from_table` for formulas, variance and references).

    Examples
    --------
    >>> r = cohen_kappa([1, 1, 2, 2, 3, 3], [1, 2, 2, 2, 3, 1], weights="none")
    >>> round(r.estimate, 4)
    0.5
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "cohen_kappa")
    a = pd.Series(np.asarray(rater1, dtype=object).ravel())
    b = pd.Series(np.asarray(rater2, dtype=object).ravel())
    if len(a) != len(b):
        raise UsageError(
            f"The 'rater2' parameter of cohen_kappa must have the length of rater1 ({len(a)}). Got {len(b)} instead."
        )
    keep = a.notna() & b.notna()
    a, b = a[keep], b[keep]
    if categories is None:
        try:
            categories = sorted(set(a) | set(b))
        except TypeError as exc:
            raise UsageError(
                "The 'categories' parameter of cohen_kappa must be given when the "
                "ratings cannot be sorted. Got None instead."
            ) from exc
    categories = list(categories)
    index = {c: i for i, c in enumerate(categories)}
    if len(index) != len(categories):
        raise UsageError("The 'categories' parameter of cohen_kappa must not repeat a category. Got repeats instead.")
    unknown = (~a.isin(categories)) | (~b.isin(categories))
    if unknown.any():
        raise UsageError(
            "The 'categories' parameter of cohen_kappa must contain every observed rating. "
            f"Got {int(unknown.sum())} ratings outside it instead."
        )
    k = len(categories)  # none: an empty table, "no rated pairs"
    i = a.map(index).to_numpy(dtype=int)
    j = b.map(index).to_numpy(dtype=int)
    table = np.bincount(i * k + j, minlength=k * k).reshape(k, k)
    return kappa_from_table(table, weights, confidence=confidence)


@dataclass(frozen=True, slots=True)
class FleissKappaResult:
    """Fleiss' kappa for three or more raters, with an interval, and the test of no agreement.

    ``estimate``, ``ci_low``, ``ci_high``: kappa and its Wald interval from Gwet's (2008) variance
    (``se``); ``se_h0``, ``z`` and ``p_value``: Fleiss, Nee & Landis (1979) standard error under
    kappa = 0 and its two-sided z test (what R's ``irr::kappam.fleiss`` reports). ``n_subjects``:
    records rated by every rater column (of ``n_total``); ``n_raters``, ``n_categories``: rater columns
    and observed categories (``raters``, ``categories`` in ``to_dict``).
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    se_h0: float | None
    z: float | None
    p_value: float | None
    n_subjects: int
    n_total: int
    n_raters: int
    n_categories: int
    method: str = "gwet-linearised"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus the test under H0 and the counts."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {
            **interval.to_dict(),
            "se": self.se,
            "se_h0": self.se_h0,
            "z": self.z,
            "p_value": self.p_value,
            "n_subjects": self.n_subjects,
            "n_total": self.n_total,
            "raters": self.n_raters,  # not record counts: no n_ prefix, so disclosure leaves them alone
            "categories": self.n_categories,
        }


def fleiss_kappa(
    ratings: pd.DataFrame | np.ndarray, columns: Sequence[str] | None = None, *, confidence: float = 0.95
) -> FleissKappaResult:
    """Fleiss' kappa of m >= 2 raters' categorical ratings, each subject rated by every rater column.

    Parameters
    ----------
    ratings : DataFrame or array (subjects x rater columns)
        One category code per cell (numbers); NaN = not rated. Only subjects rated in every column
        are used (Fleiss' kappa needs the same number of ratings per subject); categories are the
        distinct observed codes, as nominal (unordered) classes.
    columns : the rater columns (default: all)
    confidence : float in (0, 1)

    Returns
    -------
    FleissKappaResult

    Notes
    -----
    With N subjects, n raters, n_ij the raters putting subject i in category j,
    p_j = sum_i n_ij / (N n), P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean P_i, P_e = sum_j p_j^2:

        kappa = (P - P_e) / (1 - P_e)                          (Fleiss 1971; statsmodels' estimate)

    Test of kappa = 0 (Fleiss, Nee & Landis 1979; R irr::kappam.fleiss), with q_j = 1 - p_j:

        var_0 = 2 / (N n (n - 1)) * [(sum p_j q_j)^2 - sum p_j q_j (q_j - p_j)] / (sum p_j q_j)^2,
        z = kappa / sqrt(var_0).

    var_0 holds only when there is no agreement beyond chance, so it is not used for the interval.
    The interval is kappa +- z_(1-alpha/2) se (clipped to [-1, 1]) with Gwet's (2008; the
    sampling fraction taken as 0) linearised variance, the variance of kappa's influence function:

        kappa_i* = (P_i - P_e) / (1 - P_e) - 2 (1 - kappa) (P_e|i - P_e) / (1 - P_e),
        P_e|i = sum_j p_j n_ij / n,   var = sum_i (kappa_i* - kappa)^2 / (N (N - 1)).

    It is valid whatever the true kappa (Gwet 2008 shows the H0 variance is not), needs no seed,
    and agrees with the jackknife (tests). Undefined (None with a reason) with fewer than two
    complete subjects or when every rating is one category (P_e = 1: 0/0). Perfect agreement gives
    kappa 1 with se 0.

    On Fleiss's (1971) 30 patients x 6 psychiatrists x 5 diagnoses this gives kappa 0.430 and z 17.65
    as R's irr does (tests/reference/irr/).

    Examples
    --------
    Four records, three raters: P_i = (1, 1, 1/3, 1/3), P = 2/3, p = (1/2, 1/2), P_e = 1/2.

    >>> r = fleiss_kappa(np.array([[1, 1, 1], [2, 2, 2], [1, 1, 2], [2, 2, 1]]))
    >>> round(r.estimate, 4)
    0.3333
    """
    from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss_kappa

    check_open_unit("confidence", confidence, "fleiss_kappa")
    wide = wide_ratings(ratings, columns, "fleiss_kappa")
    n_total, n = len(wide), wide.shape[1]
    if n < 2:
        raise UsageError(
            f"The 'ratings' parameter of fleiss_kappa must have two or more rater columns. Got {n} instead."
        )
    x = wide.to_numpy()[~wide.isna().any(axis=1).to_numpy()]
    big_n = len(x)
    cats = np.unique(x) if big_n else np.array([])

    def undefined(reason: str) -> FleissKappaResult:
        return FleissKappaResult(None, None, None, None, None, None, None, big_n, n_total, n, len(cats), reason=reason)

    if big_n < 2:
        return undefined("fewer than two records rated by every rater column")
    counts = (x[:, :, None] == cats[None, None, :]).sum(axis=1).astype(float)  # N x k: n_ij
    p = counts.sum(axis=0) / (big_n * n)
    pe = float((p**2).sum())
    if math.isclose(pe, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return undefined("every rating is the same category: chance agreement is 1, kappa is 0/0")
    kappa = float(_sm_fleiss_kappa(counts, method="fleiss"))
    p_i = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    pe_i = counts @ p / n
    infl = (p_i - pe) / (1 - pe) - 2 * (1 - kappa) * (pe_i - pe) / (1 - pe)
    var = float(((infl - kappa) ** 2).sum() / (big_n * (big_n - 1)))
    se = math.sqrt(max(var, 0.0))
    if (counts.max(axis=1) == n).all():  # perfect agreement: every P_i = 1, so kappa = 1 and var = 0
        kappa, se = 1.0, 0.0
    pq = p * (1 - p)
    var0 = 2.0 / (big_n * n * (n - 1)) * (pq.sum() ** 2 - (pq * (1 - 2 * p)).sum()) / pq.sum() ** 2
    se0 = math.sqrt(var0)
    z0 = kappa / se0
    zc = z_value(confidence)
    return FleissKappaResult(
        kappa,
        max(kappa - zc * se, -1.0),
        min(kappa + zc * se, 1.0),
        se,
        se0,
        z0,
        float(2 * stats.norm.sf(abs(z0))),
        big_n,
        n_total,
        n,
        len(cats),
    )
