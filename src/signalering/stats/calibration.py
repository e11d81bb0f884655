"""Calibration of predicted risks: O/E, calibration-in-the-large, slope, Brier, ICI/E50/E90/Emax,
Hosmer-Lemeshow, Spiegelhalter, AUC, a smoothed calibration curve, and a cross-validated logistic
mapping that turns a score-type instrument into (estimated) risks.

The smooth follows ``rms::val.prob``: ``lowess(p, y, iter = 0)`` with R's defaults (span 2/3,
``delta = 0.01 * range(p)``), read off at the observed p with ties averaged (``approx(ties = mean)``).
Statistics that need it are undefined (``None`` with a reason), never NaN, so
:meth:`CalibrationResult.to_dict` goes straight into ``calibration.json`` (docs/contract.md).

References
----------
Van Calster et al. (2016), J Clin Epidemiol 74:167-176 (calibration hierarchy).
Cox (1958), Biometrika 45:562-565 (recalibration slope). Harrell, *Regression Modeling Strategies*,
``rms::val.prob``. Austin & Steyerberg (2019), Stat Med 38:4051-4065 (ICI, E50, E90).
Debray et al. (2017), BMJ 356:i6460 and Riley et al. (2024), BMJ (O/E and its SE).
Hosmer & Lemeshow (1980), Commun Stat Theory Methods 9:1043-1069. Spiegelhalter (1986), Stat Med 5:421-433.
Brier (1950), Mon Weather Rev 78:1-3; Steyerberg et al. (2010), Epidemiology 21:128-138 (scaled Brier).
Cleveland (1979), J Am Stat Assoc 74:829-836 (lowess).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.nonparametric.smoothers_lowess import lowess

from ..errors import InputError, UsageError, check_open_unit
from .bootstrap import check_replicates, check_rng
from .counts import CountTable
from .intervals import Interval, z_value
from .roc import auc_delong

LOWESS_FRAC = 2.0 / 3.0  # R lowess() default span, as used by rms::val.prob
LOWESS_ITER = 0  # val.prob: lowess(p, y, iter = 0): no robustness iterations
SMOOTHER = "lowess(y ~ p), span 2/3, 0 robustness iterations, delta 0.01 * range(p) (as rms::val.prob)"


# ------------------------------------------------------------------------------------ result types
@dataclass(frozen=True, slots=True)
class HosmerLemeshow:
    """Hosmer-Lemeshow goodness-of-fit test over ``groups`` risk groups (df = groups - 2)."""

    statistic: float | None
    df: int | None
    p_value: float | None
    groups: int | None
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {"statistic": self.statistic, "df": self.df, "p_value": self.p_value, "groups": self.groups}
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True, slots=True)
class Spiegelhalter:
    """Spiegelhalter's z test of calibration (two-sided p-value)."""

    z: float | None
    p_value: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {"z": self.z, "p_value": self.p_value}
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Every statistic of ``calibration.json``; ``None`` + ``reason`` where undefined.

    ``n`` records (with both a probability and a reference value) entered, ``n_events`` of them
    reference-positive; ``n_missing`` pairs were left out for a missing value; ``n_extreme``
    records with p exactly 0 or 1 were left out of the logistic recalibration fits only (their logit
    is infinite, as in val.prob). ``reason`` is set when the whole result is undefined;
    ``number_reasons`` says why a plain number (``recalibration_intercept``, ``ici``, ...) is ``None``;
    ``to_dict`` writes it beside the number as ``<key>_reason``.
    """

    n: int
    n_events: int
    observed_expected_ratio: Interval
    calibration_in_the_large: Interval
    calibration_slope: Interval
    recalibration_intercept: float | None
    brier: float | None
    brier_scaled: float | None
    ici: float | None
    e50: float | None
    e90: float | None
    emax: float | None
    hosmer_lemeshow: HosmerLemeshow
    spiegelhalter: Spiegelhalter
    auc: Interval
    n_missing: int = 0
    n_extreme: int = 0
    smoother: str = SMOOTHER
    reason: str | None = None
    number_reasons: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The ``calibration.json`` object (without ``schema_version``, which ``documents.calibration`` adds)."""
        d = {
            "n": self.n,
            "n_events": self.n_events,
            "observed_expected_ratio": self.observed_expected_ratio.to_dict(),
            "calibration_in_the_large": self.calibration_in_the_large.to_dict(),
            "calibration_slope": self.calibration_slope.to_dict(),
            "recalibration_intercept": self.recalibration_intercept,
            "brier": self.brier,
            "brier_scaled": self.brier_scaled,
            "ici": self.ici,
            "e50": self.e50,
            "e90": self.e90,
            "emax": self.emax,
            "hosmer_lemeshow": self.hosmer_lemeshow.to_dict(),
            "spiegelhalter": self.spiegelhalter.to_dict(),
            "auc": self.auc.to_dict(),
            "n_missing": self.n_missing,
            "n_extreme": self.n_extreme,
            "smoother": self.smoother,
        }
        for key in NUMBERS:
            if d[key] is None:
                d[f"{key}_reason"] = self.number_reasons.get(key) or self.reason or "undefined"
        if self.reason is not None:
            d["reason"] = self.reason
        return d


# ----------------------------------------------------------------------------------- input checks
def probability_pairs(probability, reference, *, column: str, reference_column: str, where: str):
    """Validated (p, y, n_missing): 1-d float arrays without missing pairs."""
    p = np.asarray(
        pd.to_numeric(pd.Series(np.asarray(probability, dtype=object).ravel()), errors="coerce"), dtype=float
    )
    raw_y = pd.Series(np.asarray(reference, dtype=object).ravel())
    y = np.asarray(pd.to_numeric(raw_y, errors="coerce"), dtype=float)
    if p.shape != y.shape:
        raise UsageError(
            f"The 'reference' parameter of {where} must have the length of probability ({p.size}). "
            f"Got {y.size} instead."
        )
    if (np.isnan(y) & raw_y.notna().to_numpy()).any() or (~np.isnan(y) & (y != 0) & (y != 1)).any():
        raise InputError(
            "", "the reference standard must be 1 (positive), 0 (negative) or empty", column=reference_column
        )
    raw_p = pd.Series(np.asarray(probability, dtype=object).ravel())
    if (np.isnan(p) & raw_p.notna().to_numpy()).any():
        raise InputError("", "predicted probabilities must be numbers", column=column)
    finite = p[~np.isnan(p)]
    if np.isinf(finite).any() or (finite > 1).any():
        raise InputError(
            "",
            "values above 1: this column looks like a score (or a percentage), not a predicted "
            "probability; "
            "map scores to risks first (logistic_risk_mapping) or declare the mapping",
            column=column,
        )
    if (finite < 0).any():
        raise InputError("", "negative values: predicted probabilities must lie in [0, 1]", column=column)
    if finite.size and np.all(finite == np.round(finite)):
        raise InputError(
            "",
            "every value is 0 or 1: this column holds classifications or a score, not predicted probabilities",
            column=column,
        )
    keep = ~np.isnan(p) & ~np.isnan(y)
    return p[keep], y[keep], int((~keep).sum())


# ------------------------------------------------------------------------------- logistic fitting
@dataclass(frozen=True, slots=True)
class _Logistic:
    coef: np.ndarray
    cov: np.ndarray
    converged: bool


def _logistic_fit(
    x: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-11,
    weights: np.ndarray | None = None,
) -> _Logistic:
    """Maximum-likelihood logistic regression by Newton-Raphson with step halving.

    ``x`` is the full design matrix (include the intercept column). Covariance = inverse Fisher
    information at the optimum (what R's ``glm`` + ``vcov`` and ``confint.default`` use).
    ``weights``: frequency weights (a row stands for that many records with the same x, offset and
    y), so records grouped by their values give the fit of the records themselves.
    """
    n, k = x.shape
    off = np.zeros(n) if offset is None else offset
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    beta = np.zeros(k)

    def deviance(b: np.ndarray) -> float:
        eta = x @ b + off
        return float(2.0 * np.sum(w * (np.logaddexp(0.0, eta) - y * eta)))

    dev = deviance(beta)
    converged = False
    for _ in range(max_iter):
        mu = special.expit(x @ beta + off)
        info = x.T @ (x * (w * mu * (1.0 - mu))[:, None])
        try:
            step = np.linalg.solve(info, x.T @ (w * (y - mu)))
        except np.linalg.LinAlgError:
            break
        new_dev, t = deviance(beta + step), 1.0
        while new_dev > dev + 1e-12 * (1.0 + abs(dev)) and t > 1e-8:
            t /= 2.0
            new_dev = deviance(beta + t * step)
        beta = beta + t * step
        dev = new_dev
        if np.max(np.abs(t * step)) < tol * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
    mu = special.expit(x @ beta + off)
    info = x.T @ (x * (w * mu * (1.0 - mu))[:, None])
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.inf)
        converged = False
    if np.max(np.abs(beta)) > 30:  # on the logit scale: a separated fit running away
        converged = False
    return _Logistic(beta, cov, converged)


def _grouped_rows(x: np.ndarray, y: np.ndarray, group: np.ndarray | None = None, n_groups: int = 1):
    """Records as rows of distinct (predictors, y) for :func:`_logistic_fit`'s frequency weights (a
    mapped score or a judgement level: a few dozen rows for millions of records).

    ``x``: one predictor (1-D) or several (2-D); ``group``: each record's group (e.g. its fold,
    0 .. ``n_groups`` - 1). Returns ``(predictors, y, records)``: two rows (y = 0, y = 1) per distinct
    predictor value, and the number of records of each row per group, shape ``(n_groups, rows)``."""
    values, inverse = np.unique(np.asarray(x, dtype=float).reshape(len(y), -1), axis=0, return_inverse=True)
    rows = 2 * len(values)
    code = 2 * inverse.ravel() + (np.asarray(y) > 0)
    if group is not None:
        code = code + np.asarray(group) * rows
    records = np.bincount(code, minlength=n_groups * rows).reshape(n_groups, rows).astype(float)
    return np.repeat(values, 2, axis=0), np.tile([0.0, 1.0], len(values)), records


def _wald(est: float, se: float, z: float, method: str) -> Interval:
    return Interval(float(est), float(est - z * se), float(est + z * se), method)


def _undefined_interval(method: str, reason: str) -> Interval:
    return Interval(None, None, None, method, reason)


# ----------------------------------------------------------------------------------------- smooth
def _smooth_at(p: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """val.prob's smooth: lowess(p, y, iter = 0) read off at ``at`` by linear interpolation, ties averaged."""
    xs, inverse = np.unique(p, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(xs))
    return np.interp(at, xs, _smooth_groups(xs, counts, np.bincount(inverse, weights=y, minlength=len(xs))))


def _smooth_groups(xs: np.ndarray, counts: np.ndarray, y_sums: np.ndarray) -> np.ndarray:
    """The smooth at each distinct value: :func:`lowess_grouped` when values repeat (a mapped score:
    few values, whatever the number of records), statsmodels' compiled lowess on the records when
    most values are distinct (a continuous risk), where it is faster and gives the same numbers (no
    value holds enough records for the two to differ)."""
    n = int(counts.sum())
    if 4 * len(xs) <= n or counts.max() >= int(LOWESS_FRAC * n + 1e-10):
        return lowess_grouped(xs, counts, y_sums)
    ones = np.round(y_sums).astype(np.int64)
    x = np.concatenate([np.repeat(xs, ones), np.repeat(xs, counts - ones)])
    y = np.concatenate([np.ones(int(ones.sum())), np.zeros(n - int(ones.sum()))])
    fit = lowess(y, x, frac=LOWESS_FRAC, it=LOWESS_ITER, delta=0.01 * float(np.ptp(xs)), return_sorted=True)
    first = np.searchsorted(fit[:, 0], xs, side="left")  # ties share one fit: read it at the first
    return fit[first, 1]


def lowess_grouped(xs: np.ndarray, counts: np.ndarray, y_sums: np.ndarray, frac: float = LOWESS_FRAC) -> np.ndarray:
    """Cleveland's lowess without robustness iterations, ``delta = 0.01 * range(x)``, fitted at each
    distinct x of data given as groups: distinct sorted values ``xs``, how many records hold each
    (``counts``) and the sum of their outcomes (``y_sums``).

    The same smooth as statsmodels' ``lowess(y, x, frac, it=0, delta)`` on the records themselves,
    computed per distinct value instead of per record: the neighbourhood of the fit at ``x0`` is the
    window of ``k = int(frac n)`` consecutive records (in sorted order) that statsmodels slides to, the
    smallest start ``L`` with ``(x[L] + x[L+k]) / 2 >= x0``; record weights are the tricube
    ``(1 - (|x - x0| / r)^3)^3``, ``r`` the distance to the farther end of the window; the fit is the
    weighted least-squares line at ``x0``; fits are skipped (and linearly interpolated) for x within
    ``delta`` of the last fit, exactly as statsmodels chooses them. A group that the window cuts
    lies at distance ``r`` (weight 0), so which of its records fall inside never matters. One
    difference, where statsmodels is arbitrary: when a single value holds more than ``frac`` of the
    records, the window around it has radius 0; statsmodels then returns the outcome of one record of
    that value (whichever its sort put first), this function the mean outcome of the value (R's
    ``lowess`` gives every record tied at the point weight 1, the same mean).

    Cost: one fit per step of ``delta`` (at most ~100 plus the number of distinct values within a
    step), each over the distinct values in its window, so a risk with few distinct values (a mapped
    score) costs microseconds however many records hold it; the bootstrap draws group counts.
    Cleveland (1979), J Am Stat Assoc 74:829-836.
    """
    xs, m, ysum = (np.asarray(a, dtype=float) for a in (xs, counts, y_sums))
    keep = m > 0
    xs, m, ysum = xs[keep], m[keep], ysum[keep]
    n_groups = len(xs)
    ends = np.cumsum(m).astype(np.int64)  # record index (exclusive) where each group ends
    starts = ends - m.astype(np.int64)
    n = int(ends[-1])
    k = min(max(int(frac * n + 1e-10), 2), n)
    delta = 0.01 * float(xs[-1] - xs[0])
    fit = np.full(n_groups, np.nan)

    # statsmodels slides its window [L, L + k) right while x0 > (x[L] + x[L + k]) / 2; that midpoint
    # only changes where L or L + k enters a new group, so the window of any x0 starts at one of these.
    starts_at = np.unique(np.clip(np.concatenate([[0, n - k], starts, starts - k]), 0, n - k))
    sliding = starts_at < n - k
    midpoint = np.full(starts_at.size, np.inf)  # at L = n - k the window cannot slide further
    group_of = lambda record: np.searchsorted(ends, record, side="right")  # noqa: E731
    midpoint[sliding] = (xs[group_of(starts_at[sliding])] + xs[group_of(starts_at[sliding] + k)]) / 2.0

    def fit_at(g: int) -> float:
        x0 = xs[g]
        left = int(starts_at[np.searchsorted(midpoint, x0, side="left")])  # first L with x0 <= midpoint
        right = left + k
        g0, g1 = int(np.searchsorted(ends, left, side="right")), int(np.searchsorted(ends, right - 1, side="right"))
        radius = max(x0 - xs[g0], xs[g1] - x0)
        if radius == 0:
            return float(ysum[g] / m[g])
        span = slice(g0, g1 + 1)
        inside = np.minimum(ends[span], right) - np.maximum(starts[span], left)  # records of each group in the window
        w = (1.0 - (np.abs(xs[span] - x0) / radius) ** 3) ** 3
        if np.sum(inside * (w > 1e-12)) < 2:
            return float(ysum[g] / m[g])
        w = inside * w / np.sum(inside * w)
        mean = np.sum(w * xs[span])
        spread = max(np.sum(w * (xs[span] - mean) ** 2), 1e-12)
        proj = w * (1.0 + (x0 - mean) * (xs[span] - mean) / spread)
        share = np.where(inside == m[span], ysum[span], ysum[span] * inside / m[span])
        return float(np.sum(proj * share / inside))

    g, last = 0, -1  # the group fitted next, the group fitted last
    while True:
        fit[g] = fit_at(g)
        if last >= 0 and g > last + 1:  # groups skipped within delta: linear interpolation
            a = (xs[last + 1 : g] - xs[last]) / (xs[g] - xs[last])
            fit[last + 1 : g] = a * fit[g] + (1.0 - a) * fit[last]
        last = g
        if last >= n_groups - 1:
            break
        beyond = int(np.searchsorted(xs, xs[last] + delta, side="right"))  # first group past the cut
        if beyond < n_groups:
            g = beyond - 1 if beyond - 1 > last else last + 1
        else:  # statsmodels then fits the second-to-last record, then the last
            g = max(int(np.searchsorted(ends, n - 2, side="right")), last + 1)
    return fit


# --------------------------------------------------------------------------------- the statistics
def hosmer_lemeshow(probability, reference, groups: int = 10) -> HosmerLemeshow:
    """Hosmer-Lemeshow statistic over groups cut at the quantiles of predicted risk.

    Parameters
    ----------
    probability, reference : array-like (already validated: p in [0, 1], y in {0, 1})
    groups : int >= 3

    Returns
    -------
    HosmerLemeshow

    Notes
    -----
    Groups are ``cut(p, unique(quantile(p, 0:g/g)), include.lowest = TRUE)`` (right-closed, as
    ResourceSelection::hoslem.test); empty groups are dropped. C = sum over groups of
    (O1 - E1)^2 / E1 + (O0 - E0)^2 / E0 with E1 = sum p, E0 = sum (1 - p); df = groups - 2
    (Hosmer & Lemeshow 1980). Undefined with fewer than 3 groups or an expected count of 0.
    """
    if not (isinstance(groups, (int, np.integer)) and groups >= 3):
        raise UsageError(f"The 'groups' parameter of hosmer_lemeshow must be an integer >= 3. Got {groups!r} instead.")
    p = np.asarray(probability, dtype=float)
    y = np.asarray(reference, dtype=float)
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, groups + 1)))
    g = np.maximum(np.searchsorted(breaks, p, side="left"), 1) - 1
    n_g = np.bincount(g, minlength=len(breaks) - 1)
    used = n_g > 0
    o1 = np.bincount(g, weights=y, minlength=len(n_g))[used]
    e1 = np.bincount(g, weights=p, minlength=len(n_g))[used]
    o0, e0 = n_g[used] - o1, n_g[used] - e1
    n_groups = int(used.sum())
    if n_groups < 3:
        return HosmerLemeshow(None, None, None, n_groups, "fewer than 3 distinct risk groups")
    if (e1 <= 0).any() or (e0 <= 0).any():
        return HosmerLemeshow(None, None, None, n_groups, "a risk group has an expected count of 0")
    c = float(np.sum((o1 - e1) ** 2 / e1 + (o0 - e0) ** 2 / e0))
    df = n_groups - 2
    return HosmerLemeshow(c, df, float(stats.chi2.sf(c, df)), n_groups)


def spiegelhalter(probability, reference) -> Spiegelhalter:
    """Spiegelhalter's z: sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p)), two-sided normal p.

    Spiegelhalter (1986), Stat Med 5:421-433; the formula of ``rms::val.prob`` (``S:z``, ``S:p``).
    Undefined when the denominator is 0 (every p in {0, 0.5, 1}).
    """
    p = np.asarray(probability, dtype=float)
    y = np.asarray(reference, dtype=float)
    den = float(np.sum((1 - 2 * p) ** 2 * p * (1 - p)))
    if den <= 0:
        return Spiegelhalter(None, None, "zero variance: every predicted probability is 0, 0.5 or 1")
    z = float(np.sum((y - p) * (1 - 2 * p)) / math.sqrt(den))
    return Spiegelhalter(z, float(2.0 * stats.norm.sf(abs(z))))


NUMBERS = ("recalibration_intercept", "brier", "brier_scaled", "ici", "e50", "e90", "emax")
EQUAL_PROBABILITIES = "all predicted probabilities are equal: no smooth calibration curve"
NO_SLOPE = "the calibration slope is undefined, so is the intercept estimated with it"


def _undefined_result(n: int, events: int, n_missing: int, reason: str) -> CalibrationResult:
    iv = _undefined_interval("undefined", reason)
    return CalibrationResult(
        n=n,
        n_events=events,
        observed_expected_ratio=iv,
        calibration_in_the_large=iv,
        calibration_slope=iv,
        recalibration_intercept=None,
        brier=None,
        brier_scaled=None,
        ici=None,
        e50=None,
        e90=None,
        emax=None,
        hosmer_lemeshow=HosmerLemeshow(None, None, None, None, reason),
        spiegelhalter=Spiegelhalter(None, None, reason),
        auc=iv,
        n_missing=n_missing,
        reason=reason,
    )


def calibration_statistics(
    probability,
    reference,
    *,
    confidence: float = 0.95,
    hl_groups: int = 10,
    min_events: int = 10,
    column: str = "probability",
    reference_column: str = "reference",
) -> CalibrationResult:
    """Calibration and discrimination of predicted probabilities against a binary reference.

    Parameters
    ----------
    probability : array-like of float in [0, 1]
        Predicted risk per record; NaN = none (the pair is left out and counted in ``n_missing``).
    reference : array-like of {0, 1}
        Reference standard; NaN/None = not verified (left out, counted in ``n_missing``).
    confidence : float in (0, 1)
    hl_groups : int      Hosmer-Lemeshow groups (deciles by default).
    min_events : int
        Fewer events *or* non-events than this makes the whole result undefined (default 10).
    column, reference_column : str
        Column names used in an :class:`InputError` (for the command line's message).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        Probabilities outside [0, 1] (a score, not a risk), all 0/1, or a reference other than 0/1.

    Notes
    -----
    With O = sum y, E = sum p, n records (Van Calster et al. 2016; methodology.md section 8):

    - O/E = O / E; interval exp(ln(O/E) +- z SE), SE(ln O/E) = sqrt((1 - O/n) / O) (Debray et al.
      2017; Riley et al. 2024): the variance of ln O with O binomial, E treated as fixed.
    - calibration-in-the-large: a in logit P(y = 1) = a + offset(logit p); Wald interval
      (``glm(y ~ 1, offset = qlogis(p), family = binomial)`` + ``confint.default``).
    - calibration slope b and recalibration intercept a in logit P(y = 1) = a + b logit p (Cox 1958);
      Wald interval for b. Records with p exactly 0 or 1 are left out of these fits (val.prob does
      the same) and counted in ``n_extreme``.
    - Brier = mean (p - y)^2; scaled Brier = 1 - Brier / (ybar (1 - ybar)).
    - ICI (= val.prob's Eavg), E50, E90 (``quantile`` type 7), Emax: mean, median, 90th percentile
      and maximum of |p - s(p)| with s the lowess smooth of y on p (see :data:`SMOOTHER`; Austin &
      Steyerberg 2019 use loess with span 0.75 instead; we match val.prob, so numbers agree with rms).
    - Hosmer-Lemeshow: :func:`hosmer_lemeshow`; Spiegelhalter: :func:`spiegelhalter`.
    - AUC (c-statistic) with DeLong interval from :func:`signalering.stats.roc.auc_delong`.

    Checked against ``rms::val.prob`` (Brier, Intercept, Slope, Emax, E90, Eavg, S:z, S:p, C) and
    ``glm`` on two external-validation sets (tests/reference/rms).
    """
    where = "calibration_statistics"
    check_open_unit("confidence", confidence, where)
    if not (isinstance(min_events, (int, np.integer)) and min_events >= 1):
        raise UsageError(
            f"The 'min_events' parameter of {where} must be a positive integer. Got {min_events!r} instead."
        )
    p, y, n_missing = probability_pairs(
        probability, reference, column=column, reference_column=reference_column, where=where
    )
    n, events = int(p.size), int(y.sum())
    if min(events, n - events) < min_events:
        return _undefined_result(
            n,
            events,
            n_missing,
            f"too few events or non-events: {events} events and {n - events} non-events "
            f"(at least {min_events} of each needed)",
        )
    z = z_value(confidence)

    o_e = events / float(p.sum())
    se_log = math.sqrt((1.0 - events / n) / events)
    oe = Interval(o_e, o_e * math.exp(-z * se_log), o_e * math.exp(z * se_log), "log")

    inner = (p > 0) & (p < 1)
    n_extreme = int((~inner).sum())
    lp, yi = special.logit(p[inner]), y[inner]
    citl, slope, intercept = (
        _undefined_interval("wald", "too few records with 0 < p < 1, or they all have the same reference value"),
    ) * 2 + (None,)
    if inner.sum() >= 2 and 0 < yi.sum() < yi.size:
        lp_g, y_g, w_g = _grouped_rows(lp, yi)
        held = w_g[0] > 0
        lp_g, y_g, w_g = lp_g[held, 0], y_g[held], w_g[0, held]
        fit0 = _logistic_fit(np.ones((lp_g.size, 1)), y_g, offset=lp_g, weights=w_g)
        citl = (
            _wald(fit0.coef[0], math.sqrt(fit0.cov[0, 0]), z, "wald")
            if fit0.converged
            else _undefined_interval("wald", "the logistic fit did not converge")
        )
        if np.ptp(lp) > 0:
            fit1 = _logistic_fit(np.column_stack([np.ones(lp_g.size), lp_g]), y_g, weights=w_g)
            if fit1.converged:
                slope = _wald(fit1.coef[1], math.sqrt(fit1.cov[1, 1]), z, "wald")
                intercept = float(fit1.coef[0])
            else:
                slope = _undefined_interval("wald", "the logistic fit did not converge")
        else:
            slope = _undefined_interval("wald", "all predicted probabilities are equal: no slope")

    ybar = events / n
    brier = float(np.mean((p - y) ** 2))
    brier_scaled = 1.0 - brier / (ybar * (1.0 - ybar))

    ici = e50 = e90 = emax = None
    number_reasons = {}
    if intercept is None:
        number_reasons["recalibration_intercept"] = NO_SLOPE + f" ({slope.reason})"
    if np.ptp(p) > 0:
        err = np.abs(p - _smooth_at(p, y, p))
        if np.isfinite(err).all():  # lowess gives NaN only in degenerate designs; never let it out
            ici, e50, e90, emax = (
                float(np.mean(err)),
                float(np.median(err)),
                float(np.quantile(err, 0.9)),
                float(np.max(err)),
            )
        else:
            number_reasons.update(dict.fromkeys(("ici", "e50", "e90", "emax"), "the lowess smooth is undefined"))
    else:
        number_reasons.update(dict.fromkeys(("ici", "e50", "e90", "emax"), EQUAL_PROBABILITIES))

    auc = auc_delong(CountTable.from_scores(p, y), confidence=confidence).interval()
    return CalibrationResult(
        n=n,
        n_events=events,
        observed_expected_ratio=oe,
        calibration_in_the_large=citl,
        calibration_slope=slope,
        recalibration_intercept=intercept,
        brier=brier,
        brier_scaled=float(brier_scaled),
        ici=ici,
        e50=e50,
        e90=e90,
        emax=emax,
        hosmer_lemeshow=hosmer_lemeshow(p, y, hl_groups),
        spiegelhalter=spiegelhalter(p, y),
        auc=auc,
        n_missing=n_missing,
        n_extreme=n_extreme,
        number_reasons=number_reasons,
    )


def calibration_curve(
    probability,
    reference,
    rng: np.random.Generator,
    *,
    n_boot: int = 200,
    n_points: int = 50,
    confidence: float = 0.95,
    min_events: int = 10,
    column: str = "probability",
    reference_column: str = "reference",
) -> pd.DataFrame:
    """Smoothed calibration curve with a bootstrap percentile band.

    Parameters
    ----------
    probability, reference : array-like, as :func:`calibration_statistics`
    rng : numpy.random.Generator         Draws the bootstrap samples.
    n_boot : int                         Bootstrap replicates (0: no band).
    n_points : int                       Grid points, equally spaced over [min p, max p].
    confidence : float in (0, 1)
    min_events : int                     As :func:`calibration_statistics`: too few -> empty curve.

    Returns
    -------
    DataFrame ``predicted, observed, ci_low, ci_high, n_boot`` sorted by ``predicted``: the smooth
    (val.prob's lowess, :data:`SMOOTHER`) at each grid point, and the percentile band over the
    bootstrap smooths that cover the point (``n_boot`` says how many did; a replicate covers a point
    inside its own range of p). Band values are NaN where no replicate covers the point (only
    possible with ``n_boot`` 0 or tiny); ``observed`` and the band are clipped to [0, 1] (lowess is
    not bounded). Empty (no rows) when the statistics would be undefined.

    Notes
    -----
    Records are resampled with replacement (as multinomial counts of the records of each distinct
    (p, y) pair, which is the same distribution in memory of the number of pairs); each replicate's
    smooth is refitted (Efron & Tibshirani 1993, percentile method). The band is
    pointwise, not simultaneous.
    """
    where = "calibration_curve"
    check_open_unit("confidence", confidence, where)
    check_rng(rng, where)
    check_replicates(n_boot, where, minimum=0)
    if not (isinstance(n_points, (int, np.integer)) and n_points >= 2):
        raise UsageError(f"The 'n_points' parameter of {where} must be an integer >= 2. Got {n_points!r} instead.")
    p, y, _ = probability_pairs(probability, reference, column=column, reference_column=reference_column, where=where)
    columns = ["predicted", "observed", "ci_low", "ci_high", "n_boot"]
    events = int(y.sum())
    if min(events, p.size - events) < min_events or np.ptp(p) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    grid = np.linspace(p.min(), p.max(), n_points)
    observed = _smooth_at(p, y, grid)
    lo = np.full(n_points, np.nan)
    hi = np.full(n_points, np.nan)
    covered = np.zeros(n_points, dtype=int)
    if n_boot > 0:
        # Resampling records with replacement = drawing how many records of each (p, y) cell a
        # replicate holds, multinomial with the cells' shares: the same distribution, in memory of the
        # number of cells, not n_boot x n indices.
        xs, inverse = np.unique(p, return_inverse=True)
        cell = 2 * inverse + (y > 0)
        cells = np.bincount(cell, minlength=2 * len(xs))
        curves = np.full((n_boot, n_points), np.nan)
        for b in range(n_boot):
            drawn = rng.multinomial(p.size, cells / p.size).reshape(-1, 2)
            counts = drawn.sum(axis=1)
            held = counts > 0
            xb = xs[held]
            if len(xb) < 2:
                continue
            inside = (grid >= xb[0]) & (grid <= xb[-1])
            fit = _smooth_groups(xb, counts[held], drawn[held, 1].astype(float))
            curves[b, inside] = np.interp(grid[inside], xb, fit)
        covered = np.sum(~np.isnan(curves), axis=0)
        ok = covered > 0
        a = (1.0 - confidence) / 2.0
        if ok.any():
            lo[ok] = np.nanquantile(curves[:, ok], a, axis=0)
            hi[ok] = np.nanquantile(curves[:, ok], 1.0 - a, axis=0)
    # lowess is not bounded; an observed proportion is, so the curve and band are clipped to [0, 1]
    # (the ICI/E-statistics use the unclipped smooth, as val.prob).
    return pd.DataFrame(
        {
            "predicted": grid,
            "observed": np.clip(observed, 0.0, 1.0),
            "ci_low": np.clip(lo, 0.0, 1.0),
            "ci_high": np.clip(hi, 0.0, 1.0),
            "n_boot": covered,
        }
    )


# ----------------------------------------------------------------------- score -> risk mapping
@dataclass(frozen=True, slots=True, eq=False)
class RiskMapping:
    """Risks estimated from a score by cross-validated logistic regression.

    ``probability[i]`` is the out-of-fold estimate for record i (fitted without the fold holding i),
    NaN for records without a score or reference; ``fold[i]`` its fold (-1 when left out).
    ``intercept`` and ``slope`` are the fit on all records (to apply to new data, logit risk =
    intercept + slope * score). ``label`` says these are estimated risks.
    """

    probability: np.ndarray
    fold: np.ndarray
    intercept: float | None
    slope: float | None
    folds: int
    label: str
    reason: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class CrossValidatedLogistic:
    """Out-of-fold risks of a logistic regression (:func:`cross_validated_logistic`).

    ``probability[i]`` is the estimate for record i from the model fitted without its fold (NaN for a
    record left out: a missing predictor or reference); ``fold[i]`` its fold (-1 when left out);
    ``coef`` the fit on all usable records (intercept first, then one per predictor column), None with
    ``reason`` when undefined.
    """

    probability: np.ndarray
    fold: np.ndarray
    coef: np.ndarray | None
    folds: int
    reason: str | None = None


def cross_validated_logistic(
    features, y, folds=10, seed: int | np.random.Generator = 0, *, where: str = "cross_validated_logistic"
) -> CrossValidatedLogistic:
    """Logistic regression of ``y`` on ``features`` with out-of-fold predicted risks, K folds stratified by ``y``.

    Parameters
    ----------
    features : array-like of float, shape (n,) or (n, k)     NaN in a row leaves the record out.
    y : array-like of {0, 1}                                 Reference standard; NaN = not verified.
    folds : int >= 2, or array-like of int
        The number of folds; or each record's fold (0 .. K-1, -1 = left out) as given, e.g. to
        reproduce another analysis (``seed`` is then not used).
    seed : int or numpy.random.Generator                     Fold assignment; an int seeds ``default_rng``.

    Notes
    -----
    Records are assigned to ``folds`` folds at random within each reference class (class 0 first, then
    1: a permutation of each class dealt round-robin); each fold's risks come from the model fitted by
    maximum likelihood on the other folds (Newton-Raphson, as R's ``glm(family = binomial)``), so a
    statistic computed from them afterwards (calibration, AUC) is free of the fit's optimism
    (Steyerberg 2019, *Clinical Prediction Models*, ch. 17). A training fit that does not converge
    (separation) leaves every risk undefined (``reason``).
    """
    given = None
    if not isinstance(folds, (int, np.integer)):
        given = np.asarray(folds)
        if given.ndim != 1 or given.dtype.kind not in "iu" or given.size == 0 or given.max() < 1:
            raise UsageError(f"The 'folds' parameter of {where} must be an integer >= 2 or an integer fold per record.")
        folds = int(given.max()) + 1
    if not folds >= 2:
        raise UsageError(f"The 'folds' parameter of {where} must be an integer >= 2. Got {folds!r} instead.")
    if isinstance(seed, np.random.Generator):
        rng = seed
    elif isinstance(seed, (int, np.integer)):
        rng = np.random.default_rng(int(seed))
    else:
        raise UsageError(
            f"The 'seed' parameter of {where} must be an int or a numpy.random.Generator. "
            f"Got {type(seed).__name__} instead."
        )
    x = np.asarray(features, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    r = np.asarray(pd.to_numeric(pd.Series(np.asarray(y, dtype=object).ravel()), errors="coerce"), dtype=float)
    if x.ndim != 2 or x.shape[0] != r.shape[0]:
        raise UsageError(
            f"The 'y' parameter of {where} must have one value per row of the predictors ({x.shape[0]}). "
            f"Got {r.size} instead."
        )
    if (~np.isnan(r) & (r != 0) & (r != 1)).any():
        raise InputError("", "the reference standard must be 1 (positive), 0 (negative) or empty", column="reference")
    if given is not None and given.size != r.size:
        raise UsageError(f"The 'folds' parameter of {where} must give one fold per record ({r.size}).")
    n = r.size
    prob = np.full(n, np.nan)
    fold = np.full(n, -1, dtype=int)
    ok = np.isfinite(x).all(axis=1) & ~np.isnan(r) & (True if given is None else given >= 0)
    idx = np.flatnonzero(ok)
    n_pos = int(r[idx].sum())
    if min(n_pos, idx.size - n_pos) < folds:
        # no counts in the reason: it reaches the published calibration and judgement documents
        reason = f"too few events or non-events for {folds} folds"
        return CrossValidatedLogistic(prob, fold, None, folds, reason)
    if given is not None:
        fold[ok] = given[ok]
    else:
        for cls in (0.0, 1.0):
            members = idx[r[idx] == cls]
            fold[rng.permutation(members)] = np.arange(members.size) % folds
    # Each training set as rows of distinct (predictors, reference) with their numbers of records: all
    # records' rows minus the fold's (the fit of the records themselves, at the cost of the rows: a
    # score and a judgement level give a few dozen rows for millions of records).
    values, outcome, per_fold = _grouped_rows(x[idx], r[idx], fold[idx], folds)
    total = per_fold.sum(axis=0)
    rows = np.column_stack([np.ones(len(outcome)), values])
    design = np.column_stack([np.ones(n), x])
    for k in range(folds):
        test = ok & (fold == k)
        weight = total - per_fold[k]
        held = weight > 0
        fit = _logistic_fit(rows[held], outcome[held], weights=weight[held])
        if not fit.converged:
            reason = "the logistic fit did not converge in a training fold (the score separates the classes?)"
            return CrossValidatedLogistic(np.full(n, np.nan), fold, None, folds, reason)
        prob[test] = special.expit(design[test] @ fit.coef)
    held = total > 0
    full = _logistic_fit(rows[held], outcome[held], weights=total[held])
    if not full.converged:
        reason = "the logistic fit on all records did not converge"
        return CrossValidatedLogistic(np.full(n, np.nan), fold, None, folds, reason)
    return CrossValidatedLogistic(prob, fold, full.coef.astype(float), folds)


def logistic_risk_mapping(score, y, folds: int = 10, seed: int | np.random.Generator = 0) -> RiskMapping:
    """Map a score-type instrument to risks: logit P(y = 1) = a + b * score, cross-validated.

    Parameters
    ----------
    score : array-like of float        E.g. a checklist count or an SDQ total; NaN = no score.
    y : array-like of {0, 1}           Reference standard; NaN = not verified.
    folds : int >= 2                   Folds, stratified by the reference.
    seed : int or numpy.random.Generator
        Fold assignment; an int seeds ``numpy.random.default_rng``.

    Returns
    -------
    RiskMapping

    Notes
    -----
    A score has no calibration until it is mapped to risks (methodology.md section 8). Records are
    split into ``folds`` folds at random within each reference class; each fold's risks come from a
    logistic model fitted on the other folds (:func:`cross_validated_logistic`), so the calibration
    assessed afterwards is honest (out-of-sample) and must be reported as *estimated* (the ``label``
    says so). A fold whose training fit does not converge (separation) makes the result undefined
    (``reason``).
    """
    where = "logistic_risk_mapping"
    s = np.asarray(score, dtype=float).ravel()
    if np.asarray(y, dtype=object).size != s.size:
        raise UsageError(
            f"The 'y' parameter of {where} must have the length of score ({s.size}). "
            f"Got {np.asarray(y, dtype=object).size} instead."
        )
    cv = cross_validated_logistic(s, y, folds, seed, where=where)
    label = f"estimated: {folds}-fold cross-validated logistic regression of the reference on the score"
    if cv.coef is None:
        return RiskMapping(cv.probability, cv.fold, None, None, folds, label, cv.reason)
    return RiskMapping(cv.probability, cv.fold, float(cv.coef[0]), float(cv.coef[1]), folds, label)


def calibration_curve_points(curve: pd.DataFrame) -> list[dict]:
    """Plot rows from :func:`calibration_curve`: ``{"predicted","observed","ci_low","ci_high"}`` dicts,
    sorted by ``predicted``, with ``None`` instead of NaN (JSON-ready, ``allow_nan=False``)."""
    missing = {"predicted", "observed", "ci_low", "ci_high"} - set(curve.columns)
    if missing:
        raise UsageError(
            f"The 'curve' parameter of calibration_curve_points must come from calibration_curve. "
            f"Got a table without {sorted(missing)} instead."
        )

    def num(x) -> float | None:
        return None if pd.isna(x) else float(x)

    ordered = curve.sort_values("predicted")
    return [
        {"predicted": num(r.predicted), "observed": num(r.observed), "ci_low": num(r.ci_low), "ci_high": num(r.ci_high)}
        for r in ordered.itertuples(index=False)
    ]


# ``risk_source`` of a probability assessed as it is (an instrument of kind probability, or the
# ``--probability`` column of ``signalering calibration``).
OWN_PROBABILITY = "the instrument's own probability"
