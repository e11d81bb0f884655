"""Tests of signalering.stats.calibration against rms::val.prob / glm / pROC fixtures and by construction."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special
from sklearn.metrics import roc_auc_score
from statsmodels.nonparametric.smoothers_lowess import lowess

from signalering import instruments
from signalering.errors import InputError, UsageError
from signalering.stats import calibration as cal

REFERENCE = Path(__file__).parent / "reference"
CASES = ["rms/birthwt_split", "rms/asah_split"]


def load_reference(case: str) -> dict:
    """The JSON written by ``tests/reference/<case>.R`` (inputs, expected, versions)."""
    with open(REFERENCE / f"{case}.json", encoding="utf-8") as fh:
        return json.load(fh)


def simulated(n=2000, seed=11, intercept=0.0, slope=1.0):
    """Predictions p and outcomes drawn from logit P(y) = intercept + slope * logit p."""
    rng = np.random.default_rng(seed)
    p = special.expit(rng.normal(-1.0, 1.2, n))
    y = (rng.random(n) < special.expit(intercept + slope * special.logit(p))).astype(float)
    return p, y


# ------------------------------------------------------------------------------- against R (rms)
@pytest.mark.parametrize("case", CASES)
def test_matches_val_prob(case):
    ref = load_reference(case)
    e = ref["expected"]
    r = cal.calibration_statistics(ref["inputs"]["probability"], ref["inputs"]["reference"])
    assert (r.n, r.n_events, r.n_missing, r.n_extreme) == (e["n"], e["events"], 0, 0)
    # same method, same formulas: tight
    got = (r.brier, r.brier_scaled, r.emax, r.e90, r.ici, r.e50, r.spiegelhalter.z)
    want = (e["brier"], e["brier_scaled"], e["emax"], e["e90"], e["ici"], e["e50"], e["spiegelhalter_z"])
    assert got == pytest.approx(want, abs=1e-9)
    assert r.spiegelhalter.p_value == pytest.approx(e["spiegelhalter_p"], rel=1e-9)
    # lrm.fit (val.prob) vs our Newton-Raphson: both converged to the same maximum
    assert r.recalibration_intercept == pytest.approx(e["recalibration_intercept"], abs=1e-8)
    assert r.calibration_slope.estimate == pytest.approx(e["calibration_slope"], abs=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_recalibration_intervals_match_glm(case):
    e = load_reference(case)["expected"]
    ref = load_reference(case)["inputs"]
    r = cal.calibration_statistics(ref["probability"], ref["reference"])
    citl, slope = r.calibration_in_the_large, r.calibration_slope
    assert citl.estimate == pytest.approx(e["calibration_in_the_large"], abs=1e-9)
    assert (citl.ci_low, citl.ci_high) == pytest.approx(tuple(e["calibration_in_the_large_ci"]), abs=1e-7)
    assert slope.estimate == pytest.approx(e["calibration_slope_glm"], abs=1e-9)
    assert (slope.ci_low, slope.ci_high) == pytest.approx(tuple(e["calibration_slope_ci"]), abs=1e-7)
    assert r.recalibration_intercept == pytest.approx(e["recalibration_intercept_glm"], abs=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_oe_hosmer_lemeshow_and_auc_match_r(case):
    ref = load_reference(case)
    e = ref["expected"]
    r = cal.calibration_statistics(ref["inputs"]["probability"], ref["inputs"]["reference"])
    oe = r.observed_expected_ratio
    assert (oe.estimate, oe.ci_low, oe.ci_high) == pytest.approx(
        (e["observed_expected"], *e["observed_expected_ci"]), abs=1e-12
    )
    hl = r.hosmer_lemeshow
    assert (hl.statistic, hl.df, hl.groups) == (
        pytest.approx(e["hosmer_lemeshow"]["statistic"], abs=1e-9),
        e["hosmer_lemeshow"]["df"],
        e["hosmer_lemeshow"]["groups"],
    )
    assert hl.p_value == pytest.approx(e["hosmer_lemeshow"]["p_value"], rel=1e-8)
    assert (r.auc.estimate, r.auc.ci_low, r.auc.ci_high) == pytest.approx((e["auc_proc"], *e["auc_proc_ci"]), abs=1e-12)
    # val.prob's C comes from lrm.fit, which rounds predicted probabilities to the nearest 0.002:
    # close to the exact AUC, and equal to the exact AUC of the rounded predictions
    assert r.auc.estimate == pytest.approx(e["c_statistic"], abs=1e-3)
    rounded = np.round(np.asarray(ref["inputs"]["probability"]) * 500) / 500
    assert roc_auc_score(ref["inputs"]["reference"], rounded) == pytest.approx(e["c_statistic"], abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_smooth_matches_r_lowess(case):
    ref = load_reference(case)
    p = np.asarray(ref["inputs"]["probability"])
    y = np.asarray(ref["inputs"]["reference"], dtype=float)
    xs = np.asarray(ref["expected"]["lowess"]["x"])
    assert cal._smooth_at(p, y, xs) == pytest.approx(ref["expected"]["lowess"]["y"], abs=1e-9)


# ------------------------------------------------------------------------------- by construction
def test_hand_worked_oe_brier_spiegelhalter():
    p = np.array([0.1, 0.2, 0.3, 0.4] * 10)
    y = np.array([0, 0, 1, 1] * 10, dtype=float)
    r = cal.calibration_statistics(p, y)
    assert r.observed_expected_ratio.estimate == pytest.approx(20 / 10)
    se = math.sqrt((1 - 20 / 40) / 20)
    assert r.observed_expected_ratio.ci_high == pytest.approx(2 * math.exp(1.959963984540054 * se))
    assert r.brier == pytest.approx(np.mean((p - y) ** 2))
    assert r.brier_scaled == pytest.approx(1 - r.brier / 0.25)
    num = np.sum((y - p) * (1 - 2 * p))
    den = np.sqrt(np.sum((1 - 2 * p) ** 2 * p * (1 - p)))
    assert r.spiegelhalter.z == pytest.approx(num / den)


def test_logistic_fits_match_statsmodels():
    p, y = simulated(n=800, seed=5, intercept=0.3, slope=0.7)
    r = cal.calibration_statistics(p, y)
    lp = special.logit(p)
    m1 = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit(tol=1e-14)
    ci = m1.conf_int()
    assert (r.recalibration_intercept, r.calibration_slope.estimate) == pytest.approx(tuple(m1.params), abs=1e-8)
    assert (r.calibration_slope.ci_low, r.calibration_slope.ci_high) == pytest.approx(tuple(ci[1]), abs=1e-7)
    m0 = sm.GLM(y, np.ones_like(y), family=sm.families.Binomial(), offset=lp).fit(tol=1e-14)
    assert r.calibration_in_the_large.estimate == pytest.approx(m0.params[0], abs=1e-8)


def test_well_calibrated_predictions_look_calibrated():
    p, y = simulated(n=5000, seed=2)
    r = cal.calibration_statistics(p, y)
    assert r.calibration_slope.ci_low < 1 < r.calibration_slope.ci_high
    assert r.calibration_in_the_large.ci_low < 0 < r.calibration_in_the_large.ci_high
    assert r.observed_expected_ratio.ci_low < 1 < r.observed_expected_ratio.ci_high
    assert r.ici < 0.02 and r.e50 <= r.e90 <= r.emax
    assert r.hosmer_lemeshow.p_value > 0.01


def test_overfitted_predictions_have_slope_below_one():
    p, y = simulated(n=5000, seed=3, slope=0.6)
    assert cal.calibration_statistics(p, y).calibration_slope.ci_high < 1


def test_record_order_changes_nothing():
    p, y = simulated(n=300, seed=4)
    order = np.random.default_rng(0).permutation(p.size)
    a = cal.calibration_statistics(p, y).to_dict()
    b = cal.calibration_statistics(p[order], y[order]).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) or _close(a, b)


def _close(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return a == b


def test_output_is_contract_shaped_and_nan_free():
    p, y = simulated(n=300, seed=6)
    d = cal.calibration_statistics(p, y).to_dict()
    for key in (
        "n",
        "observed_expected_ratio",
        "calibration_in_the_large",
        "calibration_slope",
        "recalibration_intercept",
        "brier",
        "brier_scaled",
        "ici",
        "e50",
        "e90",
        "emax",
        "hosmer_lemeshow",
        "spiegelhalter",
        "auc",
    ):
        assert key in d
    assert set(d["hosmer_lemeshow"]) == {"statistic", "df", "p_value", "groups"}
    assert set(d["spiegelhalter"]) == {"z", "p_value"}
    assert {"estimate", "ci_low", "ci_high", "method"} <= set(d["auc"])
    json.dumps(d, allow_nan=False)


# ----------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "p, fragment",
    [
        ([0.2, 3.0, 0.5], "score"),
        ([0.2, -0.1, 0.5], "negative"),
        ([0, 1, 1], "0 or 1"),
        ([0.2, "high", 0.5], "numbers"),
    ],
)
def test_non_probabilities_are_refused(p, fragment):
    with pytest.raises(InputError, match=fragment) as info:
        cal.calibration_statistics(p, [0, 1, 1], column="risk")
    assert info.value.column == "risk"


def test_score_column_is_refused_with_a_clear_message():
    with pytest.raises(InputError, match="looks like a score"):
        cal.calibration_statistics([0, 3, 7, 12, 2], [0, 1, 1, 1, 0])


def test_bad_reference_and_lengths():
    with pytest.raises(InputError, match="reference standard"):
        cal.calibration_statistics([0.2, 0.4], [0, 2], reference_column="ref")
    with pytest.raises(UsageError, match="'reference' parameter of calibration_statistics"):
        cal.calibration_statistics([0.2, 0.4], [0])
    with pytest.raises(UsageError, match="'min_events'"):
        cal.calibration_statistics([0.2, 0.4], [0, 1], min_events=0)


def test_too_few_events_is_undefined_not_nan():
    p, y = simulated(n=200, seed=8)
    y = np.zeros_like(y)
    y[:9] = 1
    r = cal.calibration_statistics(p, y)
    assert r.reason is not None and "too few events" in r.reason
    assert r.brier is None and r.calibration_slope.estimate is None and r.hosmer_lemeshow.statistic is None
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["auc"]["reason"] == r.reason
    curve = cal.calibration_curve(p, y, np.random.default_rng(0))
    assert curve.empty and list(curve.columns) == ["predicted", "observed", "ci_low", "ci_high", "n_boot"]


def test_missing_pairs_left_out_and_counted():
    p, y = simulated(n=200, seed=9)
    p2 = np.append(p, [np.nan, 0.3])
    y2 = np.append(y, [1.0, np.nan])
    a, b = cal.calibration_statistics(p, y), cal.calibration_statistics(p2, y2)
    assert b.n_missing == 2 and b.n == a.n and b.brier == a.brier


def test_probabilities_of_exactly_zero_or_one():
    p, y = simulated(n=300, seed=10)
    p[:3] = [0.0, 1.0, 0.0]
    y[:3] = [0.0, 1.0, 0.0]
    r = cal.calibration_statistics(p, y)
    assert r.n_extreme == 3 and r.calibration_slope.estimate is not None
    json.dumps(r.to_dict(), allow_nan=False)


def test_constant_prediction():
    y = np.array([1.0] * 20 + [0.0] * 80)
    r = cal.calibration_statistics(np.full(100, 0.2), y)
    assert r.calibration_slope.estimate is None and "equal" in r.calibration_slope.reason
    assert r.ici is None and r.calibration_in_the_large.estimate == pytest.approx(0.0, abs=1e-9)
    assert r.auc.estimate == pytest.approx(0.5)
    json.dumps(r.to_dict(), allow_nan=False)


# ----------------------------------------------------------------------------------------- curve
def test_curve_band_is_reproducible_and_sensible():
    ref = load_reference("rms/birthwt_split")["inputs"]
    a = cal.calibration_curve(ref["probability"], ref["reference"], np.random.default_rng(42), n_boot=100)
    b = cal.calibration_curve(ref["probability"], ref["reference"], np.random.default_rng(42), n_boot=100)
    assert a.equals(b)
    assert len(a) == 50 and a["predicted"].is_monotonic_increasing
    for col in ("observed", "ci_low", "ci_high"):
        assert a[col].between(0, 1).all()
    assert (a["ci_low"] <= a["ci_high"]).all()
    inside = (a["ci_low"] <= a["observed"] + 1e-12) & (a["observed"] <= a["ci_high"] + 1e-12)
    assert inside.mean() > 0.9
    assert (a["n_boot"] > 0).all() and (a["n_boot"] <= 100).all()


def test_curve_follows_smooth_without_bootstrap():
    p, y = simulated(n=500, seed=12)
    c = cal.calibration_curve(p, y, np.random.default_rng(0), n_boot=0, n_points=5)
    assert c["observed"].to_numpy() == pytest.approx(np.clip(cal._smooth_at(p, y, c["predicted"].to_numpy()), 0, 1))
    assert c["ci_low"].isna().all() and (c["n_boot"] == 0).all()


def test_curve_bad_arguments():
    p, y = simulated(n=100, seed=1)
    with pytest.raises(UsageError, match="'rng' parameter of calibration_curve"):
        cal.calibration_curve(p, y, 42)
    with pytest.raises(UsageError, match="'n_points'"):
        cal.calibration_curve(p, y, np.random.default_rng(0), n_points=1)


# ----------------------------------------------------------------------------- risk mapping
def _score_data(n=400, seed=14):
    rng = np.random.default_rng(seed)
    score = rng.integers(0, 15, n).astype(float)
    y = (rng.random(n) < special.expit(-3 + 0.3 * score)).astype(float)
    return score, y


def test_risk_mapping_is_out_of_fold_and_labelled():
    score, y = _score_data()
    m = cal.logistic_risk_mapping(score, y, folds=5, seed=1)
    assert m.reason is None and "estimated" in m.label and "5-fold" in m.label
    assert np.all((m.probability > 0) & (m.probability < 1))
    assert set(np.unique(m.fold)) == set(range(5))
    # stratified: events spread evenly over folds
    per_fold = np.bincount(m.fold[y == 1], minlength=5)
    assert per_fold.max() - per_fold.min() <= 1
    # fold 0's risks come from a model fitted on folds 1-4 (oracle: statsmodels)
    train = m.fold != 0
    fit = sm.GLM(y[train], sm.add_constant(score[train]), family=sm.families.Binomial()).fit(tol=1e-14)
    expected = special.expit(fit.params[0] + fit.params[1] * score[m.fold == 0])
    assert m.probability[m.fold == 0] == pytest.approx(expected, abs=1e-9)
    full = sm.GLM(y, sm.add_constant(score), family=sm.families.Binomial()).fit(tol=1e-14)
    assert (m.intercept, m.slope) == pytest.approx(tuple(full.params), abs=1e-8)


def test_risk_mapping_reproducible_and_feeds_calibration():
    score, y = _score_data()
    a = cal.logistic_risk_mapping(score, y, 10, 7)
    b = cal.logistic_risk_mapping(score, y, 10, np.random.default_rng(7))
    assert np.array_equal(a.probability, b.probability) and np.array_equal(a.fold, b.fold)
    r = cal.calibration_statistics(a.probability, y)
    assert r.reason is None and 0.5 < r.calibration_slope.estimate < 1.5


def test_risk_mapping_missing_and_undefined():
    score, y = _score_data(n=60)
    score[0] = np.nan
    m = cal.logistic_risk_mapping(score, y, folds=3, seed=0)
    assert np.isnan(m.probability[0]) and m.fold[0] == -1
    few = cal.logistic_risk_mapping([1.0, 2, 3, 4], [0, 1, 0, 1], folds=5, seed=0)
    assert few.reason is not None and few.intercept is None
    separated = cal.logistic_risk_mapping(np.arange(40.0), [0] * 20 + [1] * 20, folds=4, seed=0)
    assert separated.reason is not None and "converge" in separated.reason
    with pytest.raises(UsageError, match="'folds'"):
        cal.logistic_risk_mapping(score, y, folds=1)
    with pytest.raises(UsageError, match="'seed'"):
        cal.logistic_risk_mapping(score, y, folds=3, seed="x")


def test_calibration_curve_points_json_ready():
    p, y = simulated(n=300, seed=15)
    curve = cal.calibration_curve(p, y, np.random.default_rng(0), n_boot=0, n_points=4)
    pts = cal.calibration_curve_points(curve)
    assert len(pts) == 4 and pts[0]["ci_low"] is None and set(pts[0]) == {"predicted", "observed", "ci_low", "ci_high"}
    json.dumps(pts, allow_nan=False)
    with pytest.raises(UsageError, match="calibration_curve_points"):
        cal.calibration_curve_points(curve.drop(columns="observed"))


@pytest.mark.parametrize("values", [[0.1, 0.2], [0.1, 0.2, 0.3], [0.05, 0.5, 0.95]])
def test_few_distinct_predictions_stay_nan_free(values):
    rng = np.random.default_rng(0)
    p = rng.choice(values, 300)
    y = (rng.random(300) < p).astype(float)
    r = cal.calibration_statistics(p, y)
    json.dumps(r.to_dict(), allow_nan=False)
    hl = r.hosmer_lemeshow
    assert hl.groups <= len(values) and (hl.statistic is None) == (hl.groups < 3)
    assert r.ici is not None


# --------------------------------------------------------------------------- instrument_risks
def test_instrument_risks_by_kind():
    from signalering.instruments import load_specs

    model, declared, estimated = load_specs(["risk-model@1", "risk-checklist@2", "risk-checklist@1"])
    score = np.array([0.0, 1.0, 2.0, 5.0, np.nan])
    ref = np.array([0.0, 1.0, np.nan, 1.0, 0.0])

    p, label = instruments.instrument_risks(model, np.array([0.1, 0.2, 0.3, 0.4, np.nan]), ref)
    assert p.tolist()[:4] == [0.1, 0.2, 0.3, 0.4] and "own probability" in label

    p, label = instruments.instrument_risks(declared, score, ref)  # logistic, intercept -4, slope 0.45 (spec)
    expected = 1 / (1 + np.exp(-(-4.0 + 0.45 * score)))
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15)
    assert "declared" in label

    p, label = instruments.instrument_risks(estimated, np.zeros(5), np.full(5, np.nan))
    assert np.isnan(p).all() and "no record" in label


def test_instrument_risks_estimated_mapping_only_on_verified_records():
    from signalering.instruments import load_specs

    (spec,) = load_specs(["risk-checklist@1"])
    rng = np.random.default_rng(5)
    score = rng.integers(0, 8, 400).astype(float)
    ref = (rng.random(400) < 1 / (1 + np.exp(-(-3 + 0.5 * score)))).astype(float)
    ref[:40] = np.nan
    p, label = instruments.instrument_risks(spec, score, ref, folds=5, seed=1)
    assert np.isnan(p[:40]).all() and np.isfinite(p[40:]).all()
    assert label.startswith("estimated")
    direct = cal.logistic_risk_mapping(score[40:], ref[40:], folds=5, seed=1)
    np.testing.assert_array_equal(p[40:], direct.probability)


def test_equal_probabilities_leave_numbers_null_with_reasons_beside_them():
    d = cal.calibration_statistics(np.full(60, 0.3), np.r_[np.ones(20), np.zeros(40)]).to_dict()
    for key in ("ici", "e50", "e90", "emax"):
        assert d[key] is None
        assert d[f"{key}_reason"] == "all predicted probabilities are equal: no smooth calibration curve"
    assert d["recalibration_intercept"] is None
    assert d["recalibration_intercept_reason"] == (
        "the calibration slope is undefined, so is the intercept "
        "estimated with it (all predicted probabilities are equal: no slope)"
    )
    assert d["brier"] == pytest.approx((20 * 0.7**2 + 40 * 0.3**2) / 60) and "brier_reason" not in d
    few = cal.calibration_statistics(np.linspace(0.1, 0.9, 12), [1] * 2 + [0] * 10).to_dict()
    assert few["ici"] is None and few["ici_reason"] == few["reason"] and few["reason"].startswith("too few events")


# ------------------------------------------------------------------------------- lowess on groups
@pytest.mark.parametrize("case", ["mapped_score", "dominant_value"])
def test_grouped_lowess_matches_r_lowess_with_ties(case):
    # tests/reference/rms/lowess_ties.R: R's lowess(p, y, iter = 0, delta = 0.01 * range(p)). In
    # "dominant_value" 75% of the records share one risk: statsmodels' lowess returns one record's
    # outcome there (0.022 away from R), R and lowess_grouped the mean outcome of the tied records.
    c = load_reference("rms/lowess_ties")[case]
    p, y = np.asarray(c["probability"]), np.asarray(c["reference"], dtype=float)
    xs, inverse = np.unique(p, return_inverse=True)
    fit = cal.lowess_grouped(xs, np.bincount(inverse), np.bincount(inverse, weights=y))
    assert xs == pytest.approx(c["expected"]["x"], abs=0)
    assert fit == pytest.approx(c["expected"]["fit"], abs=1e-12)


@given(
    st.integers(0, 2**32 - 1),
    st.integers(20, 1500),
    st.integers(2, 60),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_grouped_lowess_equals_statsmodels_on_the_records(seed, n, n_values, continuous):
    # Independent implementation: statsmodels' compiled lowess on every record (its one arbitrary
    # case, a value holding at least k = int(2/3 n) records, is excluded and tested against R above).
    rng = np.random.default_rng(seed)
    p = rng.random(n) if continuous else rng.choice(np.sort(rng.random(n_values)), n)
    y = (rng.random(n) < p).astype(float)
    xs, inverse = np.unique(p, return_inverse=True)
    counts = np.bincount(inverse)
    assume(np.ptp(p) > 0 and counts.max() < int(cal.LOWESS_FRAC * n + 1e-10))
    fit = lowess(y, p, frac=cal.LOWESS_FRAC, it=0, delta=0.01 * float(np.ptp(p)), return_sorted=True)
    expected = fit[np.searchsorted(fit[:, 0], xs), 1]
    got = cal.lowess_grouped(xs, counts, np.bincount(inverse, weights=y))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_curve_band_does_not_depend_on_record_order():
    # the bootstrap draws counts of (p, y) cells, so shuffling the records changes nothing
    rng = np.random.default_rng(4)
    p = rng.choice(np.linspace(0.02, 0.5, 15), 4000)
    y = (rng.random(4000) < p).astype(float)
    order = rng.permutation(4000)
    a = cal.calibration_curve(p, y, np.random.default_rng(9), n_boot=30)
    b = cal.calibration_curve(p[order], y[order], np.random.default_rng(9), n_boot=30)
    pd.testing.assert_frame_equal(a, b)
