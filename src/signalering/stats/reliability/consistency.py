"""Internal consistency of a multi-item instrument: Cronbach's alpha (Feldt's interval) and McDonald's
omega total, from the items or from their moments accumulated batch by batch (``ItemMoments``).

Cronbach (1951), Psychometrika 16:297-334; Feldt, Woodruff & Salih (1987), Appl Psychol Meas 11:93-103;
McDonald (1999), *Test theory: a unified treatment*; Revelle & Zinbarg (2009), Psychometrika 74:145-154.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ...errors import UsageError, check_open_unit
from ..intervals import Interval


@dataclass(frozen=True, slots=True, eq=False)
class ItemMoments:
    """What alpha and omega need of k item columns: the number of complete rows ``n`` (of
    ``n_total``), their item means and their sample covariance matrix (ddof 1).

    Built from the items (:meth:`from_items`) or batch by batch (``a + b``: the pairwise update of
    Chan, Golub & LeVeque 1983, exact up to rounding), so a national file's items never need to be in
    memory at once."""

    n: int
    n_total: int
    mean: np.ndarray
    comoment: np.ndarray  # sum over complete rows of (x - mean)(x - mean)'

    @classmethod
    def from_items(cls, items, where: str = "ItemMoments") -> "ItemMoments":
        x, n_total = _item_matrix(items, where)
        n, k = x.shape
        mean = x.mean(axis=0) if n else np.zeros(k)
        centred = x - mean
        return cls(n, n_total, mean, centred.T @ centred)

    def __add__(self, other: "ItemMoments") -> "ItemMoments":
        if self.mean.shape != other.mean.shape:
            raise UsageError("ItemMoments of a different number of items cannot be combined.")
        n = self.n + other.n
        if n == 0:
            return ItemMoments(0, self.n_total + other.n_total, self.mean, self.comoment)
        d = other.mean - self.mean
        mean = self.mean + d * (other.n / n)
        comoment = self.comoment + other.comoment + np.outer(d, d) * (self.n * other.n / n)
        return ItemMoments(n, self.n_total + other.n_total, mean, comoment)

    @property
    def k(self) -> int:
        return self.mean.shape[0]

    @property
    def covariance(self) -> np.ndarray:
        return self.comoment / (self.n - 1)


def _moments(items, where: str) -> ItemMoments:
    return items if isinstance(items, ItemMoments) else ItemMoments.from_items(items, where)


def _item_matrix(items, where: str) -> tuple[np.ndarray, int]:
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items, dtype=float))
    try:
        frame = frame.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"The 'items' parameter of {where} must hold numeric item scores. Got a non-numeric column instead."
        ) from exc
    n_total = len(frame)
    return frame.dropna(axis=0, how="any").to_numpy(), n_total


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Cronbach's alpha with Feldt's interval, on ``n`` complete rows (of ``n_total``) and ``k`` items."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_total: int
    k: int
    method: str = "feldt"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus ``n`` and ``k``."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {**interval.to_dict(), "n": self.n, "k": self.k}


def cronbach_alpha(items, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha of k items with Feldt's F-based interval, on the complete rows.

    Parameters
    ----------
    items : DataFrame or 2-D array, one row per respondent, one column per item (keyed the same way);
        or their :class:`ItemMoments` (a file read in batches)
    confidence : float in (0, 1)

    Returns
    -------
    AlphaResult

    Notes
    -----
    alpha = k / (k - 1) (1 - sum var(item) / var(total)) (Cronbach 1951), sample variances.
    Interval (Feldt, Woodruff & Salih 1987): with df1 = n - 1, df2 = (n - 1)(k - 1),
    [1 - (1 - alpha) F_{1-a/2}(df1, df2), 1 - (1 - alpha) F_{a/2}(df1, df2)], a = 1 - confidence.
    Computed here, unrounded (pingouin's ``cronbach_alpha`` gives the same interval rounded to 3
    decimals; psych::alpha prints it as "Feldt"). Rows with a missing item are left out.
    Undefined: fewer than 2 items, fewer than 3 complete rows, or a constant total score.
    """
    check_open_unit("confidence", confidence, "cronbach_alpha")
    moments = _moments(items, "cronbach_alpha")
    n, n_total, k = moments.n, moments.n_total, moments.k
    reason = None
    if k < 2:
        reason = f"alpha needs at least two items; {k} given"
    elif n < 3:
        reason = f"too few complete rows: {n} (at least 3 needed)"
    elif moments.comoment.sum() <= 1e-12 * max(float(np.trace(moments.comoment)), 1e-300):
        reason = "the total score is constant: alpha is undefined"
    if reason is not None:
        return AlphaResult(None, None, None, n, n_total, k, reason=reason)
    # var(total) = sum of the covariance matrix, sum var(item) = its trace
    alpha = k / (k - 1) * (1.0 - np.trace(moments.comoment) / moments.comoment.sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1.0 - confidence
    lo = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - a / 2.0, df1, df2)
    hi = 1.0 - (1.0 - alpha) * stats.f.ppf(a / 2.0, df1, df2)
    return AlphaResult(float(alpha), float(lo), float(hi), n, n_total, k)


@dataclass(frozen=True, slots=True)
class OmegaResult:
    """McDonald's omega total from a one-factor ML model of the item correlations.

    ``loadings`` and ``uniquenesses`` are the standardised one-factor solution (loadings signed so
    that their sum is positive); ``converged`` reports the optimiser.
    """

    omega_total: float | None
    loadings: tuple[float, ...] | None
    uniquenesses: tuple[float, ...] | None
    n: int
    n_total: int
    k: int
    converged: bool
    method: str = "one-factor ML, omega total = 1 - sum(uniquenesses) / sum(R) (psych::omega)"
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {
            "estimate": self.omega_total,
            "method": self.method,
            "n": self.n,
            "k": self.k,
            "loadings": list(self.loadings) if self.loadings is not None else None,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


def _one_factor_ml(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood one-factor model of a correlation matrix R: Sigma = l l' + diag(psi).

    Minimises F = log|Sigma| + tr(R Sigma^-1) (Joreskog 1967) over (l, psi), psi >= 0.005 as
    stats::factanal; analytic gradient dF/dSigma = G = Sigma^-1 - Sigma^-1 R Sigma^-1,
    dF/dl = 2 G l, dF/dpsi = diag(G).
    """
    p = r.shape[0]
    vals, vecs = np.linalg.eigh(r)
    start_l = vecs[:, -1] * math.sqrt(vals[-1])
    start_l *= np.sign(start_l.sum()) or 1.0
    start_psi = np.clip(1.0 - start_l**2, 0.05, 1.0)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lam, psi = theta[:p], theta[p:]
        sigma = np.outer(lam, lam) + np.diag(psi)
        sign, logdet = np.linalg.slogdet(sigma)
        inv = np.linalg.inv(sigma)
        value = logdet + float(np.trace(r @ inv))
        g = inv - inv @ r @ inv
        return value, np.concatenate([2.0 * g @ lam, np.diag(g)])

    bounds = [(None, None)] * p + [(0.005, None)] * p
    res = optimize.minimize(
        fun,
        np.concatenate([start_l, start_psi]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    lam, psi = res.x[:p], res.x[p:]
    if lam.sum() < 0:
        lam = -lam
    return lam, psi, bool(res.success)


def mcdonald_omega(items) -> OmegaResult:
    """McDonald's omega total of k items from a one-factor maximum-likelihood model.

    Parameters
    ----------
    items : DataFrame or 2-D array, one row per respondent, one column per item (keyed the same way);
        or their :class:`ItemMoments`

    Returns
    -------
    OmegaResult

    Notes
    -----
    A one-factor model is fitted by maximum likelihood to the item correlation matrix R of the
    complete rows; omega total = 1 - sum(psi) / sum(R), the total variance being the observed
    variance of the standardised sum score, as ``psych::omega(x, nfactors = 1, fm = "ml")`` computes
    it (Revelle & Zinbarg 2009, Psychometrika 74:145-154). The model-implied form
    (sum l)^2 / ((sum l)^2 + sum psi) (McDonald 1999) differs when the one-factor model does not fit
    exactly (by 3e-4 on psych's bfi agreeableness items). Items must be keyed in the same direction.
    Undefined: fewer than 3 items (a one-factor model is not identified), fewer than k + 2 complete
    rows, or a constant item.
    """
    moments = _moments(items, "mcdonald_omega")
    n, n_total, k = moments.n, moments.n_total, moments.k
    reason = None
    if k < 3:
        reason = f"a one-factor model needs at least three items; {k} given"
    elif n < k + 2:
        reason = f"too few complete rows: {n} (at least {k + 2} needed)"
    elif (np.diag(moments.comoment) <= 1e-12 * n * (1.0 + moments.mean**2)).any():
        reason = "an item is constant: its correlations are undefined"
    if reason is not None:
        return OmegaResult(None, None, None, n, n_total, k, False, reason=reason)
    sd = np.sqrt(np.diag(moments.comoment))
    r = moments.comoment / np.outer(sd, sd)
    np.fill_diagonal(r, 1.0)
    lam, psi, converged = _one_factor_ml(r)
    omega = 1.0 - psi.sum() / r.sum()
    return OmegaResult(
        float(omega),
        tuple(map(float, lam)),
        tuple(map(float, psi)),
        n,
        n_total,
        k,
        converged,
        reason=None if converged else "the one-factor ML fit did not converge",
    )
