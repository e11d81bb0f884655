"""Confidence intervals for proportions and ratios, and the contract's interval object.

Proportions: Wilson, Clopper-Pearson and Agresti-Coull, a few lines of NumPy over ``scipy.special``
(the normal quantile and the inverse incomplete beta function), so that reading this module does not
import ``scipy.stats`` and statsmodels (about a second of every command's start). They are tested
against statsmodels' ``proportion_confint`` and against published values (tests/test_intervals.py).
A proportion with denominator 0 is undefined and gets a reason instead of a number.
Likelihood ratios and the diagnostic odds ratio use the log method (Simel, Samsa & Matchar 1991).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv, ndtri

from ..errors import check_in, check_open_unit

INTERVAL_METHODS = ("wilson", "clopper-pearson", "agresti-coull")


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with its interval; ``estimate is None`` means undefined, with ``reason`` saying why."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {"estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high, "method": self.method}
        if self.reason is not None:
            d["reason"] = self.reason
        return d


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile, e.g. 1.959964 for 0.95."""
    return float(ndtri(0.5 + confidence / 2.0))


def proportion_ci(count, nobs, method: str = "wilson", confidence: float = 0.95):
    """Interval for a binomial proportion ``count / nobs``, vectorised.

    Parameters
    ----------
    count, nobs : int or array-like of int
    method : {"wilson", "clopper-pearson", "agresti-coull"}
    confidence : float in (0, 1)

    Returns
    -------
    (estimate, ci_low, ci_high) as float arrays; NaN where ``nobs == 0`` (undefined).

    Notes
    -----
    Wilson (1927) score interval; Clopper-Pearson (1934) exact interval (conservative); Agresti-Coull
    (1998), clipped to [0, 1]. See Brown, Cai & DasGupta (2001), Stat Sci 16:101-133. With
    ``p = x / n``, ``z = z_{1 - alpha/2}``:

    - Wilson: ``(p + z^2/(2n) +- z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``;
    - Clopper-Pearson: ``B^-1(alpha/2; x, n-x+1)`` and ``B^-1(1-alpha/2; x+1, n-x)`` (0 at x = 0,
      1 at x = n), ``B^-1`` the inverse regularised incomplete beta function;
    - Agresti-Coull: ``n~ = n + z^2``, ``p~ = (x + z^2/2) / n~``, ``p~ +- z sqrt(p~(1-p~)/n~)``.

    Examples
    --------
    >>> est, lo, hi = proportion_ci(0, 20)
    >>> round(float(hi[0]), 3)
    0.161
    """
    check_in("method", method, INTERVAL_METHODS, "proportion_ci")
    check_open_unit("confidence", confidence, "proportion_ci")
    x = np.atleast_1d(np.asarray(count, dtype=float))
    n = np.atleast_1d(np.asarray(nobs, dtype=float))
    x, n = np.broadcast_arrays(x, n)
    est = np.full(x.shape, np.nan)
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    ok = n > 0
    if ok.any():
        est[ok] = x[ok] / n[ok]
        lo[ok], hi[ok] = _BOUNDS[method](x[ok], n[ok], 1.0 - confidence)
        lo[ok] = np.clip(lo[ok], 0.0, 1.0)
        hi[ok] = np.clip(hi[ok], 0.0, 1.0)
        # exactly 0 / 1 at the boundary; float noise elsewhere is clipped.
        lo[ok & (x == 0)] = 0.0
        hi[ok & (x == n)] = 1.0
    return est, lo, hi


def _wilson(x: np.ndarray, n: np.ndarray, alpha: float):
    z = ndtri(1.0 - alpha / 2.0)
    p, z2 = x / n, z * z
    centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n)
    half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n)
    return centre - half, centre + half


def _clopper_pearson(x: np.ndarray, n: np.ndarray, alpha: float):
    with np.errstate(invalid="ignore"):  # x = 0 (x = n): the lower (upper) bound is set to 0 (1) below
        lo = betaincinv(x, n - x + 1.0, alpha / 2.0)
        hi = betaincinv(x + 1.0, n - x, 1.0 - alpha / 2.0)
    return np.where(x > 0, lo, 0.0), np.where(x < n, hi, 1.0)


def _agresti_coull(x: np.ndarray, n: np.ndarray, alpha: float):
    z = ndtri(1.0 - alpha / 2.0)
    n_tilde = n + z * z
    p_tilde = (x + z * z / 2.0) / n_tilde
    half = z * np.sqrt(p_tilde * (1.0 - p_tilde) / n_tilde)
    return p_tilde - half, p_tilde + half


_BOUNDS = {"wilson": _wilson, "clopper-pearson": _clopper_pearson, "agresti-coull": _agresti_coull}


def likelihood_ratio_ci(tp, fp, fn, tn, confidence: float = 0.95, correction: float = 0.0):
    """LR+, LR- and DOR with log-method intervals, vectorised over cut-offs.

    Parameters
    ----------
    tp, fp, fn, tn : array-like of int
    confidence : float in (0, 1)
    correction : float
        Added to every cell before computing (0.5 = Haldane-Anscombe). Default 0: no correction,
        and a statistic that needs a zero cell in a denominator or logarithm is undefined (NaN).

    Returns
    -------
    dict name -> (estimate, ci_low, ci_high) arrays for ``lr_positive``, ``lr_negative``, ``dor``.

    Notes
    -----
    LR+ = sens / (1 - spec), LR- = (1 - sens) / spec, DOR = tp*tn / (fp*fn).
    SE(ln LR+) = sqrt(1/tp - 1/n1 + 1/fp - 1/n0); SE(ln LR-) = sqrt(1/fn - 1/n1 + 1/tn - 1/n0);
    SE(ln DOR) = sqrt(1/tp + 1/fp + 1/fn + 1/tn) (Simel, Samsa & Matchar 1991, J Clin Epidemiol
    44:763-770; Glas et al. 2003, J Clin Epidemiol 56:1129-1135).
    """
    check_open_unit("confidence", confidence, "likelihood_ratio_ci")
    z = z_value(confidence)
    tp, fp, fn, tn = (np.asarray(a, dtype=float) + correction for a in (tp, fp, fn, tn))
    n1, n0 = tp + fn, fp + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        sens, spec = tp / n1, tn / n0
        out = {}
        for name, est, se, ok in (
            ("lr_positive", sens / (1 - spec), np.sqrt(1 / tp - 1 / n1 + 1 / fp - 1 / n0), (tp > 0) & (fp > 0)),
            ("lr_negative", (1 - sens) / spec, np.sqrt(1 / fn - 1 / n1 + 1 / tn - 1 / n0), (fn > 0) & (tn > 0)),
            (
                "dor",
                tp * tn / (fp * fn),
                np.sqrt(1 / tp + 1 / fp + 1 / fn + 1 / tn),
                (tp > 0) & (fp > 0) & (fn > 0) & (tn > 0),
            ),
        ):
            est = np.where(ok, est, np.nan)
            out[name] = (est, np.where(ok, est * np.exp(-z * se), np.nan), np.where(ok, est * np.exp(z * se), np.nan))
    return out
