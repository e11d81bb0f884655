"""Bivariate meta-analysis of sensitivity and specificity against R.

Fixture ``tests/reference/meta/bivariate.json`` (script beside it): ``metafor::rma.mv`` (REML, Reitsma
et al. 2005) and ``lme4::glmer`` (binomial, Laplace; Chu & Cole 2006) on the AuditC data of Kriston et
al. (2008, Ann Intern Med 149:879-888) and on simulated organisations (zero cells, a boundary fit, four
organisations); HSROC parameters in Harbord et al.'s false-positive-rate parametrisation and the
regions drawn by the R package ``ellipse``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from signalering.stats import meta_analysis as ma

FIXTURE = json.loads((Path(__file__).parent / "reference" / "meta" / "bivariate.json").read_text())
CASES = FIXTURE["cases"]
Z = 1.959963984540054


def cells(case: str):
    c = CASES[case]["counts"]
    return c["tp"], c["fp"], c["fn"], c["tn"]


INTERIOR = [c for c in CASES if c not in ("simulated_boundary", "simulated_few")]


@pytest.mark.parametrize("case", list(CASES))
def test_reml_matches_metafor(case):
    e = CASES[case]["reml"]
    fit = ma.reitsma_reml(*cells(case))
    pooled = ma.pooled_accuracy(fit)
    assert fit.mu == pytest.approx(e["mu"], abs=1e-6)
    assert fit.cov_array() == pytest.approx(np.array(e["vcov"]), abs=1e-6)
    assert (pooled.logit - Z * pooled.se_logit).to_numpy() == pytest.approx(e["ci_low"], abs=1e-6)
    assert (pooled.logit + Z * pooled.se_logit).to_numpy() == pytest.approx(e["ci_high"], abs=1e-6)
    assert pooled.estimate.to_numpy() == pytest.approx(expit(e["mu"]), abs=1e-7)
    assert pooled.ci_low.to_numpy() == pytest.approx(expit(e["ci_low"]), abs=1e-7)
    assert pooled.ci_high.to_numpy() == pytest.approx(expit(e["ci_high"]), abs=1e-7)
    assert fit.tau2 == pytest.approx(e["tau2"], abs=1e-6)
    assert fit.loglik == pytest.approx(e["loglik"], abs=1e-8)
    assert list(fit.corrected) == list(np.atleast_1d(e["corrected"]).astype(int))
    if case in INTERIOR:
        assert fit.rho == pytest.approx(e["rho"], abs=1e-6)
        assert fit.boundary is None
    else:
        assert fit.rho == pytest.approx(-1.0) and "boundary" in fit.boundary


@pytest.mark.parametrize("case", [c for c in CASES if c != "simulated_few"])
def test_glmm_matches_lme4(case):
    """lme4 with tolPwrss = 1e-10 (see the R script): estimates to 1e-6, intervals (Hessian by finite
    differences on both sides) to 1e-4 on the logit scale."""
    e = CASES[case]["glmm"]
    fit = ma.chu_cole_glmm(*cells(case))
    pooled = ma.pooled_accuracy(fit)
    assert fit.converged and fit.corrected == ()
    assert fit.mu == pytest.approx(e["mu"], abs=1e-6)
    assert (pooled.logit - Z * pooled.se_logit).to_numpy() == pytest.approx(e["ci_low"], abs=1e-4)
    assert (pooled.logit + Z * pooled.se_logit).to_numpy() == pytest.approx(e["ci_high"], abs=1e-4)
    assert pooled.estimate.to_numpy() == pytest.approx(expit(e["mu"]), abs=1e-6)
    assert pooled.ci_low.to_numpy() == pytest.approx(expit(e["ci_low"]), abs=2e-5)
    assert pooled.ci_high.to_numpy() == pytest.approx(expit(e["ci_high"]), abs=2e-5)
    assert fit.tau2 == pytest.approx(e["tau2"], abs=1e-5)
    assert fit.loglik == pytest.approx(e["loglik"], abs=1e-6)
    if case == "simulated_boundary":
        assert fit.boundary.startswith("correlation estimated at -1") and e["singular"]
    else:
        assert fit.rho == pytest.approx(e["rho"], abs=1e-5) and fit.boundary is None


def test_glmm_with_few_organisations_on_the_boundary():
    e = CASES["simulated_few"]["glmm"]
    fit = ma.chu_cole_glmm(*cells("simulated_few"))
    assert fit.mu == pytest.approx(e["mu"], abs=1e-5)
    assert ma.pooled_accuracy(fit).ci_low.to_numpy() == pytest.approx(expit(e["ci_low"]), abs=1e-4)
    assert e["singular"] and fit.boundary is not None


@pytest.mark.parametrize("case", ["simulated_30", "simulated_zero_cells"])
def test_glmm_matches_lme4_with_its_default_tolerance(case):
    e = CASES[case]["glmm_lme4_defaults"]
    pooled = ma.pooled_accuracy(ma.chu_cole_glmm(*cells(case)))
    assert pooled.estimate.to_numpy() == pytest.approx(expit(e["mu"]), abs=1e-4)
    assert pooled.ci_low.to_numpy() == pytest.approx(expit(e["ci_low"]), abs=1e-4)
    assert pooled.ci_high.to_numpy() == pytest.approx(expit(e["ci_high"]), abs=1e-4)


def test_glmm_beats_lme4_defaults_on_large_extreme_organisations():
    """AuditC: organisations of thousands with a sensitivity of 1. With its default tolPwrss (1e-7)
    lme4 stops PIRLS early and evaluates the log-determinant at the penultimate iterate; its optimum
    moves by ~1e-3 on the logit scale and its likelihood is lower than the Laplace optimum's."""
    e = CASES["auditc"]["glmm_lme4_defaults"]
    fit = ma.chu_cole_glmm(*cells("auditc"))
    assert fit.loglik > e["loglik"] + 1e-4
    assert fit.mu == pytest.approx(CASES["auditc"]["glmm"]["mu"], abs=1e-6)
    assert fit.mu != pytest.approx(e["mu"], abs=1e-4)


@pytest.mark.parametrize("case", INTERIOR)
def test_hsroc_parameters_match_harbord_parametrisation(case):
    fit = ma.reitsma_reml(*cells(case))
    h = ma.hsroc_parameters(fit)
    e = CASES[case]["reml"]["hsroc"]
    assert (h.Lambda, h.Theta, h.beta, h.sigma2_alpha, h.sigma2_theta) == pytest.approx(
        (e["Lambda"], e["Theta"], e["beta"], e["sigma2_alpha"], e["sigma2_theta"]), abs=1e-6
    )
    mu, sigma = ma.bivariate_from_hsroc(h)
    assert mu == pytest.approx(fit.mu_array(), abs=1e-12)
    assert sigma == pytest.approx(fit.sigma_array(), abs=1e-12)


def test_sroc_curve_passes_through_the_summary_point():
    fit = ma.reitsma_reml(*cells("simulated_30"))
    h = ma.hsroc_parameters(fit)
    fpr = expit(-fit.mu[1])
    assert ma.sroc_curve(h, [fpr]).sensitivity.iloc[0] == pytest.approx(expit(fit.mu[0]), abs=1e-12)
    curve = ma.sroc_curve(h, np.linspace(0.01, 0.99, 50))
    assert np.all(np.diff(curve.sensitivity) > 0)


def test_hsroc_undefined_when_a_variance_is_zero():
    fit = ma.BivariateFit("reml", 5, (1.0, 2.0), ((0.1, 0), (0, 0.1)), ((0.0, 0.0), (0.0, 0.5)), 0.0, True)
    assert ma.hsroc_parameters(fit) is None


@pytest.mark.parametrize("case", INTERIOR)
def test_regions_match_the_ellipse_package(case):
    fit = ma.reitsma_reml(*cells(case))
    e = CASES[case]["reml"]["regions"]
    level = FIXTURE["level"]
    conf = ma.ellipse(fit.mu_array(), fit.cov_array(), level, npoints=24)
    pred = ma.ellipse(fit.mu_array(), fit.sigma_array() + fit.cov_array(), level, npoints=24)
    assert conf[:, 0] == pytest.approx(e["confidence"]["logit_sens"], abs=1e-6)
    assert conf[:, 1] == pytest.approx(e["confidence"]["logit_spec"], abs=1e-6)
    assert pred[:, 0] == pytest.approx(e["prediction"]["logit_sens"], abs=1e-5)
    assert pred[:, 1] == pytest.approx(e["prediction"]["logit_spec"], abs=1e-5)
    roc = ma.regions(fit, level, npoints=24)
    assert roc[roc.region == "confidence"].sensitivity.to_numpy() == pytest.approx(
        expit(e["confidence"]["logit_sens"]), abs=1e-7
    )
    assert roc[roc.region == "confidence"].fpr.to_numpy() == pytest.approx(
        1 - expit(e["confidence"]["logit_spec"]), abs=1e-7
    )


def test_prediction_interval_from_r_estimates():
    e = CASES["auditc"]["reml"]
    fit = ma.reitsma_reml(*cells("auditc"))
    pooled = ma.pooled_accuracy(fit)
    sd = np.sqrt(np.array(e["tau2"]) + np.diag(np.array(e["vcov"])))
    assert pooled.prediction_low.to_numpy() == pytest.approx(expit(np.array(e["mu"]) - Z * sd), abs=1e-6)
    assert pooled.prediction_high.to_numpy() == pytest.approx(expit(np.array(e["mu"]) + Z * sd), abs=1e-6)
    assert np.all(pooled.prediction_low < pooled.ci_low) and np.all(pooled.prediction_high > pooled.ci_high)


def test_few_organisations_give_no_fit_with_a_reason():
    result, reason = ma.meta_analysis(*cells("simulated_few"), "reml")
    assert result is None and "at least 5" in reason


def test_all_sensitivities_one_give_no_fit_with_a_reason():
    tp = [10, 20, 30, 40, 50]
    result, reason = ma.meta_analysis(tp, [5, 6, 7, 8, 9], [0] * 5, [50, 60, 70, 80, 90], "glmm")
    assert result is None and "sensitivity is 0 or 1 in every organisation" in reason


def test_boundary_fit_is_returned_and_flagged():
    result, reason = ma.meta_analysis(*cells("simulated_boundary"), "reml")
    assert reason is None and result.boundary.startswith("correlation estimated at -1")


def test_organisation_without_positives_contributes_its_specificity():
    tp, fp, fn, tn = (list(v) for v in cells("simulated_30"))
    with_extra = ma.reitsma_reml(tp + [0], fp + [40], fn + [0], tn + [400])
    base = ma.reitsma_reml(tp, fp, fn, tn)
    assert with_extra.organisations == base.organisations + 1
    assert with_extra.mu[1] != pytest.approx(base.mu[1], abs=1e-6)
    assert with_extra.corrected == base.corrected


def test_bad_input():
    with pytest.raises(ValueError):
        ma.reitsma_reml([1, 2], [1, 2, 3], [1, 2], [1, 2])
    with pytest.raises(ValueError):
        ma.fit([1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], "bayes")
    with pytest.raises(ValueError):
        ma.reitsma_reml([1.5, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3])


@pytest.mark.slow
def test_hundreds_of_organisations_are_fast():
    import time

    rng = np.random.default_rng(7)
    k = 400
    n1, n0 = rng.integers(20, 300, k), rng.integers(200, 3000, k)
    a = rng.multivariate_normal([1.2, 1.8], [[0.3, -0.1], [-0.1, 0.4]], k)
    tp, tn = rng.binomial(n1, expit(a[:, 0])), rng.binomial(n0, expit(a[:, 1]))
    for method in ma.METHODS:
        start = time.perf_counter()
        fit = ma.fit(tp, n0 - tn, n1 - tp, tn, method)
        assert fit.converged and time.perf_counter() - start < 20
        assert fit.mu == pytest.approx(a.mean(axis=0), abs=0.05)  # the drawn organisation effects
