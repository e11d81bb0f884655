"""Bivariate random-effects meta-analysis of sensitivity and specificity across organisations.

Organisation ``i = 1..k`` contributes one 2x2 table at a common cut-off: ``tp_i, fn_i`` among the
reference-positive (``n1_i``) and ``tn_i, fp_i`` among the reference-negative (``n0_i``). Sensitivity
and specificity vary between organisations and are correlated through the threshold, so they are
modelled jointly on the logit scale with organisation effects ``(a_i, b_i) ~ N(0, Sigma)``,
``Sigma = [[tau_A^2, rho tau_A tau_B], [rho tau_A tau_B, tau_B^2]]``:

- ``reitsma_reml``: the approximate normal model of Reitsma et al. (2005, J Clin Epidemiol
  58:982-990). ``y_i = (logit(tp_i / n1_i), logit(tn_i / n0_i))`` with within-organisation covariance
  ``S_i = diag(1/tp_i + 1/fn_i, 1/tn_i + 1/fp_i)``; ``y_i ~ N(mu, Sigma + S_i)``. ``Sigma`` by
  restricted maximum likelihood with ``mu`` profiled out by generalised least squares,
  ``Cov(mu_hat) = (sum_i (Sigma + S_i)^-1)^-1``. A table with a zero cell gets 0.5 added to each of its
  four cells (only that table; the fit lists which). Matches ``metafor::rma.mv(yi, vi, mods = ~ outcome
  - 1, random = ~ outcome | study, struct = "UN", method = "REML")``.
- ``chu_cole_glmm``: the exact binomial model of Chu & Cole (2006, J Clin Epidemiol 59:1331-1332),
  ``tp_i ~ Bin(n1_i, expit(mu_A + a_i))``, ``tn_i ~ Bin(n0_i, expit(mu_B + b_i))``, by maximum
  likelihood with the random effects integrated out by the Laplace approximation, the one
  ``lme4::glmer(cbind(x, n - x) ~ 0 + se + sp + (0 + se + sp | org), family = binomial)`` uses (its
  default ``nAGQ = 1``; lme4 allows no quadrature for a vector random effect). The conditional modes
  are found to 1e-11; lme4 matches this with ``glmerControl(tolPwrss = 1e-10)``, while its default
  tolerance can move its optimum by ~1e-3 (logit) with large organisations at extreme proportions
  (docs/meta-analysis.md). No continuity correction: zero cells enter the binomial likelihood as
  they are. ``Cov(mu_hat)`` is the fixed-effect
  block of the inverse of the Hessian of the approximate negative log-likelihood in all five parameters
  (``mu`` and the covariance parameters jointly), computed by central differences as lme4's
  ``vcov()`` does for a GLMM (its ``use.hessian`` default).

Both give the pooled sensitivity ``expit(mu_A)`` and specificity ``expit(mu_B)`` with Wald intervals
on the logit scale, back-transformed. From the fit: the hierarchical SROC parameters (Rutter &
Gatsonis 2001, Stat Med 20:2865-2884) by the equivalence of Harbord et al. (2007, Biostatistics
8:239-251), the SROC curve, and the confidence region of the summary point (covariance
``Cov(mu_hat)``) and the prediction region for a new organisation (``Sigma + Cov(mu_hat)``): ellipses on
the logit scale with radius ``sqrt(chi2_2(level))``, as the R packages ``ellipse`` and ``mada`` draw
them, back-transformed to ROC space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaln
from scipy.stats import chi2, norm

METHODS = ("glmm", "reml")
BOUNDARY_RHO = 1 - 1e-6
BOUNDARY_TAU2 = 1e-8
MIN_ORGANISATIONS = 5
MAX_LOGIT = 12.0  # |logit| beyond this (a proportion within 6e-6 of 0 or 1): the fit has diverged


@dataclass(frozen=True)
class BivariateFit:
    """A fitted bivariate model (logit sensitivity first, logit specificity second).

    ``mu``: the pooled logits; ``cov_mu``: their 2x2 covariance; ``sigma``: the between-organisation
    covariance; ``loglik``: the maximised (restricted, for REML) log-likelihood, with the same constants
    as metafor and lme4; ``boundary``: why an estimate lies on the boundary of the parameter space
    (``None`` if not); ``corrected``: indices of the tables that got 0.5 added (REML only).
    """

    method: str
    organisations: int
    mu: tuple[float, float]
    cov_mu: tuple[tuple[float, float], tuple[float, float]]
    sigma: tuple[tuple[float, float], tuple[float, float]]
    loglik: float
    converged: bool
    boundary: str | None = None
    corrected: tuple[int, ...] = ()
    reason: str | None = None

    @property
    def tau2(self) -> tuple[float, float]:
        return (self.sigma[0][0], self.sigma[1][1])

    @property
    def rho(self) -> float | None:
        t2 = np.array(self.tau2)
        if np.any(t2 < BOUNDARY_TAU2):  # a variance at 0: the correlation is not identified
            return None
        t = np.sqrt(t2)
        return float(np.clip(self.sigma[0][1] / (t[0] * t[1]), -1.0, 1.0))

    def mu_array(self) -> np.ndarray:
        return np.array(self.mu, dtype=float)

    def cov_array(self) -> np.ndarray:
        return np.array(self.cov_mu, dtype=float)

    def sigma_array(self) -> np.ndarray:
        return np.array(self.sigma, dtype=float)


@dataclass(frozen=True)
class HSROC:
    """Hierarchical SROC parameters (Rutter & Gatsonis 2001) of a bivariate fit (Harbord et al. 2007):
    ``Lambda`` (accuracy), ``Theta`` (threshold), ``beta`` (shape), ``sigma2_alpha``, ``sigma2_theta``."""

    Lambda: float
    Theta: float
    beta: float
    sigma2_alpha: float
    sigma2_theta: float


def _cells(tp, fp, fn, tn) -> tuple[np.ndarray, ...]:
    arrays = [np.asarray(v, dtype=float).ravel() for v in (tp, fp, fn, tn)]
    if len({a.size for a in arrays}) != 1:
        raise ValueError("tp, fp, fn and tn must have the same length (one entry per organisation).")
    for a in arrays:
        if np.any(~np.isfinite(a)) or np.any(a < 0) or np.any(a != np.floor(a)):
            raise ValueError("tp, fp, fn and tn must be whole numbers >= 0.")
    return tuple(arrays)


def _sigma_from_cholesky(p: np.ndarray) -> np.ndarray:
    L = np.array([[p[0], 0.0], [p[1], p[2]]])
    return L @ L.T


def _boundary(sigma: np.ndarray) -> str | None:
    t2 = np.diag(sigma)
    if t2[0] < BOUNDARY_TAU2:
        return "between-organisation variance of logit sensitivity estimated at 0"
    if t2[1] < BOUNDARY_TAU2:
        return "between-organisation variance of logit specificity estimated at 0"
    rho = sigma[0, 1] / np.sqrt(t2[0] * t2[1])
    if abs(rho) > BOUNDARY_RHO:
        return f"correlation estimated at {'+1' if rho > 0 else '-1'} (boundary)"
    return None


# ----------------------------------------------------------------------------- Reitsma: REML
def _reml_parts(sigma, y, s, obs):
    """Per-organisation inverse covariance P_i (zero rows/columns for an absent outcome), log|V_i|,
    the GLS estimate of mu, H = sum P_i and the residuals."""
    v = sigma[None, :, :] + s  # (k, 2, 2); s is diagonal
    det = v[:, 0, 0] * v[:, 1, 1] - v[:, 0, 1] ** 2
    p = np.empty_like(v)
    p[:, 0, 0] = v[:, 1, 1] / det
    p[:, 1, 1] = v[:, 0, 0] / det
    p[:, 0, 1] = p[:, 1, 0] = -v[:, 0, 1] / det
    logdet = np.log(det)
    only_a, only_b = obs[:, 0] & ~obs[:, 1], obs[:, 1] & ~obs[:, 0]
    for keep, j in ((only_a, 0), (only_b, 1)):
        if keep.any():
            p[keep] = 0.0
            p[keep, j, j] = 1.0 / v[keep, j, j]
            logdet[keep] = np.log(v[keep, j, j])
    h = p.sum(axis=0)
    mu = np.linalg.solve(h, np.einsum("kij,kj->i", p, y))
    r = y - mu
    return p, logdet, h, mu, r


def _reml_objective(par, y, s, obs):
    sigma = _sigma_from_cholesky(par)
    p, logdet, h, mu, r = _reml_parts(sigma, y, s, obs)
    pr = np.einsum("kij,kj->ki", p, r)
    nll = 0.5 * (logdet.sum() + np.linalg.slogdet(h)[1] + np.einsum("ki,ki->", r, pr))
    hinv = np.linalg.inv(h)
    g = -0.5 * (p.sum(axis=0) - np.einsum("kij,jl,klm->im", p, hinv, p) - np.einsum("ki,kj->ij", pr, pr))
    L = np.array([[par[0], 0.0], [par[1], par[2]]])
    dL = 2.0 * g @ L  # d loglik / d L for symmetric g
    return nll, -np.array([dL[0, 0], dL[1, 0], dL[1, 1]])


def _logits(tp, fp, fn, tn):
    """Observed logits and within-organisation variances (an absent outcome: placeholders 0 and 1,
    never used), which outcomes are present, and the indices of the tables that got 0.5 added to
    every cell (a zero among the cells of a present outcome)."""
    n1, n0 = tp + fn, tn + fp
    zero = (n1 > 0) & ((tp == 0) | (fn == 0)) | (n0 > 0) & ((tn == 0) | (fp == 0))
    c = np.where(zero, 0.5, 0.0)
    a, b, cc, d = tp + c, fn + c, tn + c, fp + c
    obs = np.column_stack([n1 > 0, n0 > 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.column_stack([np.log(a / b), np.log(cc / d)])
        v = np.column_stack([1 / a + 1 / b, 1 / cc + 1 / d])
    y = np.where(obs, y, 0.0)
    v = np.where(obs, v, 1.0)
    s = np.zeros((len(tp), 2, 2))
    s[:, 0, 0], s[:, 1, 1] = v[:, 0], v[:, 1]
    return y, s, obs, tuple(int(i) for i in np.flatnonzero(zero))


def reitsma_reml(tp, fp, fn, tn) -> BivariateFit:
    """Fit the bivariate normal model of Reitsma et al. (2005) by REML.

    Parameters
    ----------
    tp, fp, fn, tn : array-like of whole numbers, one entry per organisation. An organisation without
        reference-positive (or -negative) records contributes only its specificity (sensitivity).

    Returns
    -------
    BivariateFit with ``method="reml"``. The restricted log-likelihood is maximised over the Cholesky
    factor of ``Sigma`` (analytic gradient, BFGS), ``mu`` by GLS at each step;
    ``loglik = -(n - 2)/2 log(2 pi) + 1/2 log|X'X| - 1/2 sum log|V_i| - 1/2 log|sum P_i| - 1/2 r'P r``
    (metafor's). Needs at least three organisations.
    """
    tp, fp, fn, tn = _cells(tp, fp, fn, tn)
    y, s, obs, corrected = _logits(tp, fp, fn, tn)
    k = int(obs.any(axis=1).sum())
    if k < 3 or obs[:, 0].sum() < 2 or obs[:, 1].sum() < 2:
        raise ValueError("The bivariate model needs at least three organisations with both outcomes.")
    keep = obs.any(axis=1)
    y, s, obs = y[keep], s[keep], obs[keep]
    # start: method-of-moments covariance of the observed logits, floored
    ya, yb = y[obs[:, 0], 0], y[obs[:, 1], 1]
    va = max(np.var(ya, ddof=1) - np.mean(s[obs[:, 0], 0, 0]), 0.05)
    vb = max(np.var(yb, ddof=1) - np.mean(s[obs[:, 1], 1, 1]), 0.05)
    both = obs.all(axis=1)
    r0 = 0.0
    if both.sum() > 2 and np.std(y[both, 0]) > 0 and np.std(y[both, 1]) > 0:
        r0 = float(np.clip(np.corrcoef(y[both, 0], y[both, 1])[0, 1], -0.8, 0.8))
    start = np.array([np.sqrt(va), r0 * np.sqrt(vb), np.sqrt(vb * (1 - r0**2))])
    res = minimize(
        _reml_objective, start, args=(y, s, obs), jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 2000}
    )
    res = minimize(
        _reml_objective,
        res.x,
        args=(y, s, obs),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 2000},
    )
    sigma = _sigma_from_cholesky(res.x)
    p, logdet, h, mu, r = _reml_parts(sigma, y, s, obs)
    n_rows = int(obs.sum())
    xtx = np.array([obs[:, 0].sum(), obs[:, 1].sum()], dtype=float)
    loglik = -0.5 * (n_rows - 2) * np.log(2 * np.pi) + 0.5 * np.log(xtx).sum() - res.fun
    grad_ok = np.max(np.abs(res.jac)) < 1e-4 * max(1.0, abs(res.fun))
    return BivariateFit(
        method="reml",
        organisations=k,
        mu=(float(mu[0]), float(mu[1])),
        cov_mu=_tuple2(np.linalg.inv(h)),
        sigma=_tuple2(sigma),
        loglik=float(loglik),
        converged=bool(grad_ok and np.all(np.isfinite(mu))),
        boundary=_boundary(sigma),
        corrected=corrected,
        reason=None if grad_ok else "the REML optimisation did not converge",
    )


def _tuple2(m: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    return ((float(m[0, 0]), float(m[0, 1])), (float(m[1, 0]), float(m[1, 1])))


# ----------------------------------------------------------------------------- Chu & Cole: GLMM
def _laplace_deviance(par, x, n, const, u_start=None):
    """-2 x the Laplace approximation of the marginal log-likelihood (lme4's ``nAGQ = 1``).

    Per organisation, with ``b = L u``, ``u ~ N(0, I)``: the conditional mode ``u_hat`` of
    ``g(u) = sum_j [x_j eta_j - n_j log(1 + e^eta_j)] - u'u / 2`` (``eta = mu + L u``) by Newton's
    method, and ``log L_i ~ g(u_hat) - 1/2 log|L' W L + I|`` with ``W = diag(n_j p_j (1 - p_j))``.
    """
    mu = par[:2]
    L = np.array([[par[2], 0.0], [par[3], par[4]]])
    k = x.shape[0]
    u = np.zeros((k, 2)) if u_start is None else u_start.copy()

    def g_of(u):
        eta = mu + u @ L.T
        return (x * eta - n * np.logaddexp(0.0, eta)).sum(axis=1) - 0.5 * (u**2).sum(axis=1), eta

    g, eta = g_of(u)
    for _ in range(100):
        p = expit(eta)
        grad = (x - n * p) @ L - u
        w = n * p * (1 - p)
        hm = np.einsum("ji,kj,jl->kil", L, w, L) + np.eye(2)
        det = hm[:, 0, 0] * hm[:, 1, 1] - hm[:, 0, 1] ** 2
        step = (
            np.column_stack(
                [
                    hm[:, 1, 1] * grad[:, 0] - hm[:, 0, 1] * grad[:, 1],
                    hm[:, 0, 0] * grad[:, 1] - hm[:, 1, 0] * grad[:, 0],
                ]
            )
            / det[:, None]
        )
        t = np.ones(k)
        for _ in range(30):  # step halving where the step does not increase g
            g_new, eta_new = g_of(u + t[:, None] * step)
            bad = g_new < g - 1e-12 * (1 + np.abs(g))
            if not bad.any():
                break
            t = np.where(bad, t / 2, t)
        u = u + t[:, None] * step
        g, eta = g_new, eta_new
        if np.max(np.abs(step * t[:, None])) < 1e-11:
            break
    p = expit(eta)
    w = n * p * (1 - p)
    hm = np.einsum("ji,kj,jl->kil", L, w, L) + np.eye(2)
    logdet = np.log(hm[:, 0, 0] * hm[:, 1, 1] - hm[:, 0, 1] ** 2)
    return -2.0 * float(np.sum(g - 0.5 * logdet) + const), u


def _central_hessian(f, x0, step=1e-4):
    """Central finite-difference Hessian (as lme4's ``deriv12``)."""
    m = len(x0)
    f0 = f(x0)
    h = np.empty((m, m))
    e = np.eye(m) * step
    for j in range(m):
        h[j, j] = (f(x0 + e[j]) - 2 * f0 + f(x0 - e[j])) / step**2
        for i in range(j):
            h[i, j] = h[j, i] = (
                f(x0 + e[i] + e[j]) - f(x0 + e[i] - e[j]) - f(x0 - e[i] + e[j]) + f(x0 - e[i] - e[j])
            ) / (4 * step**2)
    return h


def chu_cole_glmm(tp, fp, fn, tn, start: BivariateFit | None = None) -> BivariateFit:
    """Fit the bivariate binomial GLMM of Chu & Cole (2006) by Laplace-approximated maximum likelihood.

    Parameters
    ----------
    tp, fp, fn, tn : array-like of whole numbers, one entry per organisation; zero cells need no
        correction. An organisation without positives (negatives) contributes its specificity
        (sensitivity) only, as its one row in glmer.
    start : a fit to start from (default: ``reitsma_reml`` on the same tables).

    Returns
    -------
    BivariateFit with ``method="glmm"``; ``loglik`` includes the binomial coefficients (lme4's).
    """
    tp, fp, fn, tn = _cells(tp, fp, fn, tn)
    x = np.column_stack([tp, tn])
    n = np.column_stack([tp + fn, tn + fp])
    keep = (n > 0).any(axis=1)
    x, n = x[keep], n[keep]
    k = int(keep.sum())
    if k < 3:
        raise ValueError("The bivariate model needs at least three organisations.")
    const = float(np.sum(gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)))
    if start is None:
        start = reitsma_reml(tp, fp, fn, tn)
    sig0 = start.sigma_array() + np.diag([0.01, 0.01])
    L0 = np.linalg.cholesky(sig0)
    p0 = np.array([*start.mu, L0[0, 0], L0[1, 0], L0[1, 1]])

    def dev(par):
        return _laplace_deviance(par, x, n, const)[0]

    def grad(par, step=1e-6):
        g = np.empty(5)
        for j in range(5):
            e = np.zeros(5)
            e[j] = step
            g[j] = (dev(par + e) - dev(par - e)) / (2 * step)
        return g

    res = minimize(dev, p0, jac=grad, method="BFGS", options={"gtol": 1e-7, "maxiter": 1000})
    par = res.x
    # polish by Newton steps on the finite-difference Hessian
    for _ in range(5):
        hess = _central_hessian(dev, par)
        g = grad(par)
        try:
            step = np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            break
        if np.max(np.abs(step)) > 0.1 or not np.isfinite(step).all():
            break
        if dev(par - step) <= dev(par) + 1e-10:
            par = par - step
        if np.max(np.abs(step)) < 1e-9:
            break
    sigma = _sigma_from_cholesky(par[2:])
    hess = _central_hessian(dev, par)
    g = grad(par)
    reason = None
    try:
        inv = np.linalg.inv(hess / 2.0)  # deviance = -2 loglik
        cov = inv[:2, :2]
        cov = (cov + cov.T) / 2
        if np.any(~np.isfinite(cov)) or np.any(np.linalg.eigvalsh(cov) <= 0):
            reason = "the Hessian of the likelihood is not positive definite"
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
        reason = "the Hessian of the likelihood is singular"
    converged = bool(np.max(np.abs(g)) < 1e-3) and reason is None
    if reason is None and not converged:
        reason = "the GLMM optimisation did not converge"
    return BivariateFit(
        method="glmm",
        organisations=k,
        mu=(float(par[0]), float(par[1])),
        cov_mu=_tuple2(cov),
        sigma=_tuple2(sigma),
        loglik=float(-0.5 * dev(par)),
        converged=converged,
        boundary=_boundary(sigma),
        reason=reason,
    )


def fit(tp, fp, fn, tn, method: str = "glmm") -> BivariateFit:
    """``chu_cole_glmm`` (``"glmm"``) or ``reitsma_reml`` (``"reml"``)."""
    if method not in METHODS:
        raise ValueError(f"The 'method' parameter must be one of {METHODS}. Got {method!r} instead.")
    return chu_cole_glmm(tp, fp, fn, tn) if method == "glmm" else reitsma_reml(tp, fp, fn, tn)


# ----------------------------------------------------------------------------- summaries
def pooled_accuracy(result: BivariateFit, confidence: float = 0.95) -> pd.DataFrame:
    """Pooled sensitivity and specificity with Wald intervals, and the marginal prediction interval
    for a new organisation.

    Returns one row per ``statistic`` (``sensitivity``, ``specificity``): ``estimate = expit(mu)``,
    ``ci_low, ci_high = expit(mu -/+ z se(mu))``, ``prediction_low, prediction_high =
    expit(mu -/+ z sqrt(tau^2 + se(mu)^2))`` (the marginal of the predictive distribution
    ``N(mu, Sigma + Cov(mu))`` that the prediction region is drawn from; Riley et al. 2011, BMJ 342:d549,
    use ``t`` with ``k - 2`` df for one outcome), ``logit``, ``se_logit``, ``tau2``.
    """
    z = norm.ppf(0.5 + confidence / 2)
    mu, cov, sig = result.mu_array(), result.cov_array(), result.sigma_array()
    se = np.sqrt(np.diag(cov))
    sp = np.sqrt(np.diag(sig) + np.diag(cov))
    return pd.DataFrame(
        {
            "statistic": ["sensitivity", "specificity"],
            "estimate": expit(mu),
            "ci_low": expit(mu - z * se),
            "ci_high": expit(mu + z * se),
            "prediction_low": expit(mu - z * sp),
            "prediction_high": expit(mu + z * sp),
            "logit": mu,
            "se_logit": se,
            "tau2": np.diag(sig),
        }
    )


def hsroc_parameters(result: BivariateFit) -> HSROC | None:
    """HSROC parameters from the bivariate ones (Harbord et al. 2007, Biostatistics 8:239-251, with
    ``sigma_A, sigma_B`` the between-organisation SDs of logit sensitivity and logit specificity and
    ``sigma_AB`` their covariance):

    ``beta = log(sigma_B / sigma_A)``, ``Lambda = (sigma_B/sigma_A)^(1/2) mu_A + (sigma_A/sigma_B)^(1/2) mu_B``,
    ``Theta = 1/2 [(sigma_B/sigma_A)^(1/2) mu_A - (sigma_A/sigma_B)^(1/2) mu_B]``,
    ``sigma2_alpha = 2 (sigma_A sigma_B + sigma_AB)``, ``sigma2_theta = 1/2 (sigma_A sigma_B - sigma_AB)``.

    ``None`` when a between-organisation variance is 0 (``beta`` is then infinite).
    """
    sig = result.sigma_array()
    ta, tb = np.sqrt(max(sig[0, 0], 0.0)), np.sqrt(max(sig[1, 1], 0.0))
    if ta < np.sqrt(BOUNDARY_TAU2) or tb < np.sqrt(BOUNDARY_TAU2):
        return None
    ma, mb = result.mu
    r = np.sqrt(tb / ta)
    return HSROC(
        Lambda=float(r * ma + mb / r),
        Theta=float(0.5 * (r * ma - mb / r)),
        beta=float(np.log(tb / ta)),
        sigma2_alpha=float(2 * (ta * tb + sig[0, 1])),
        sigma2_theta=float(0.5 * (ta * tb - sig[0, 1])),
    )


def bivariate_from_hsroc(h: HSROC) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of ``hsroc_parameters`` (Harbord et al. 2007): ``mu_A = e^(-beta/2) (Theta + Lambda/2)``,
    ``mu_B = -e^(beta/2) (Theta - Lambda/2)``, ``sigma_A^2 = e^(-beta) (sigma2_theta + sigma2_alpha/4)``,
    ``sigma_B^2 = e^(beta) (sigma2_theta + sigma2_alpha/4)``, ``sigma_AB = sigma2_alpha/4 - sigma2_theta``.
    Returns ``(mu, Sigma)``."""
    s = h.sigma2_theta + h.sigma2_alpha / 4
    mu = np.array([np.exp(-h.beta / 2) * (h.Theta + h.Lambda / 2), -np.exp(h.beta / 2) * (h.Theta - h.Lambda / 2)])
    cov = h.sigma2_alpha / 4 - h.sigma2_theta
    return mu, np.array([[np.exp(-h.beta) * s, cov], [cov, np.exp(h.beta) * s]])


def sroc_curve(h: HSROC, fpr) -> pd.DataFrame:
    """The HSROC summary curve at the false-positive rates ``fpr`` (Rutter & Gatsonis 2001):
    ``logit(sensitivity) = Lambda e^(-beta/2) + e^(-beta) logit(fpr)``. Returns ``fpr, sensitivity``."""
    fpr = np.asarray(fpr, dtype=float)
    with np.errstate(divide="ignore"):
        sens = expit(h.Lambda * np.exp(-h.beta / 2) + np.exp(-h.beta) * np.log(fpr / (1 - fpr)))
    return pd.DataFrame({"fpr": fpr, "sensitivity": sens})


def ellipse(centre, cov, level: float = 0.95, npoints: int = 100) -> np.ndarray:
    """Points of the ellipse ``(x - centre)' cov^-1 (x - centre) = chi2_2(level)``, parametrised as
    the R package ``ellipse`` does (``ellipse.default``): ``x_1 = c_1 + t s_1 cos(a + d/2)``,
    ``x_2 = c_2 + t s_2 cos(a - d/2)``, ``d = arccos(r)``, ``a`` from 0 to 2 pi in ``npoints`` steps,
    ``t = sqrt(chi2_2(level))``. Returns an ``(npoints, 2)`` array."""
    cov = np.asarray(cov, dtype=float)
    s = np.sqrt(np.diag(cov))
    r = float(np.clip(cov[0, 1] / (s[0] * s[1]), -1, 1))
    d = np.arccos(r)
    a = np.linspace(0, 2 * np.pi, npoints)
    t = np.sqrt(chi2.ppf(level, 2))
    return np.column_stack([centre[0] + t * s[0] * np.cos(a + d / 2), centre[1] + t * s[1] * np.cos(a - d / 2)])


def regions(result: BivariateFit, level: float = 0.95, npoints: int = 100) -> pd.DataFrame:
    """Confidence region of the summary point (covariance ``Cov(mu)``) and prediction region for a new
    organisation (``Sigma + Cov(mu)``) in ROC space. Returns ``region, fpr, sensitivity`` rows."""
    mu = result.mu_array()
    out = []
    for name, cov in (("confidence", result.cov_array()), ("prediction", result.sigma_array() + result.cov_array())):
        pts = ellipse(mu, cov, level, npoints)
        out.append(pd.DataFrame({"region": name, "fpr": expit(-pts[:, 1]), "sensitivity": expit(pts[:, 0])}))
    return pd.concat(out, ignore_index=True)


def meta_analysis(
    tp, fp, fn, tn, method: str = "glmm", *, min_organisations: int = MIN_ORGANISATIONS
) -> tuple[BivariateFit | None, str | None]:
    """Fit the bivariate model when it can be estimated; otherwise ``(None, reason)``, never silently.

    - fewer than ``min_organisations`` organisations with both reference-positive and -negative
      records: ``Sigma`` (three parameters) is poorly estimated, no fit (the univariate summaries and
      the exactly pooled table stand in);
    - every organisation at sensitivity (or specificity) 1 (or 0): the pooled logit diverges;
    - no convergence, a non-positive-definite Hessian, or a pooled logit beyond +-12: no fit.

    A fit on the boundary (a variance at 0, the correlation at +-1) is returned with ``boundary`` set.
    """
    tp, fp, fn, tn = _cells(tp, fp, fn, tn)
    n1, n0 = tp + fn, tn + fp
    k = int(((n1 > 0) & (n0 > 0)).sum())
    if k < min_organisations:
        return None, (
            f"{k} organisation(s) with both reference-positive and reference-negative records; the "
            f"bivariate model needs at least {min_organisations} to estimate the between-organisation "
            "covariance"
        )
    for x, m, what in ((tp, n1, "sensitivity"), (tn, n0, "specificity")):
        has = m > 0
        if np.all(x[has] == m[has]) or np.all(x[has] == 0):
            return None, f"{what} is 0 or 1 in every organisation, so its pooled logit is infinite"
    try:
        result = fit(tp, fp, fn, tn, method)
    except (np.linalg.LinAlgError, FloatingPointError) as exc:  # pragma: no cover - numerical failure
        return None, f"the {method.upper()} fit failed ({type(exc).__name__})"
    if not result.converged:
        return None, result.reason or "the fit did not converge"
    if np.any(np.abs(result.mu_array()) > MAX_LOGIT):
        return None, "the pooled logit diverges (sensitivity or specificity at 0 or 1 in nearly every organisation)"
    return result, None
