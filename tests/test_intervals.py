"""Intervals for proportions (published values, closed forms, the methodology fixture) and log-method ratios."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalering.errors import UsageError
from signalering.stats.intervals import INTERVAL_METHODS, Interval, likelihood_ratio_ci, proportion_ci, z_value

# SPUTOVAMO-R2 (Schouten et al. 2017): tp 9, fp 99, fn 52, tn 5432 -- methodology.md section 2
SPUTOVAMO = {"sens": (9, 61), "spec": (5432, 5531), "ppv": (9, 108), "npv": (5432, 5484)}
TABLE = {  # statistic: {method: (low, high)} to 4 decimals, from methodology.md
    "sens": {"wilson": (0.0796, 0.2572), "clopper-pearson": (0.0698, 0.2617), "agresti-coull": (0.0773, 0.2595)},
    "spec": {"wilson": (0.9783, 0.9853), "clopper-pearson": (0.9783, 0.9854), "agresti-coull": (0.9782, 0.9853)},
    "ppv": {"wilson": (0.0445, 0.1508), "clopper-pearson": (0.0388, 0.1523), "agresti-coull": (0.0426, 0.1527)},
    "npv": {"wilson": (0.9876, 0.9928), "clopper-pearson": (0.9876, 0.9929), "agresti-coull": (0.9876, 0.9928)},
}


def test_z_value():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("stat", list(SPUTOVAMO))
def test_methodology_fixture(method, stat):
    est, lo, hi = proportion_ci(*SPUTOVAMO[stat], method=method)
    assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == TABLE[stat][method]
    assert est[0] == pytest.approx(SPUTOVAMO[stat][0] / SPUTOVAMO[stat][1])


def test_zero_of_twenty():
    assert round(float(proportion_ci(0, 20, "wilson")[2][0]), 3) == 0.161
    est, lo, hi = proportion_ci(0, 20, "clopper-pearson")
    assert (est[0], lo[0], round(float(hi[0]), 3)) == (0.0, 0.0, 0.168)
    assert proportion_ci(20, 20, "clopper-pearson")[2][0] == 1.0


# Newcombe (1998), Stat Med 17:857-872, Table I: method 3 (Wilson score) and method 5 (exact,
# Clopper-Pearson), 95%. Agresti-Coull worked by hand: n~ = n + z^2, p~ = (x + z^2/2) / n~,
# p~ -/+ z sqrt(p~(1 - p~)/n~), clipped to [0, 1]; e.g. 0/20: p~ = 1.92073/23.8415 = 0.080563,
# se = 0.055740, upper 0.080563 + 1.959964 * 0.055740 = 0.1898.
NEWCOMBE = {  # (x, n): {method: (low, high)} to 4 decimals
    (81, 263): {"wilson": (0.2553, 0.3662), "clopper-pearson": (0.2527, 0.3676), "agresti-coull": (0.2552, 0.3663)},
    (15, 148): {"wilson": (0.0624, 0.1605), "clopper-pearson": (0.0578, 0.1617), "agresti-coull": (0.0614, 0.1615)},
    (0, 20): {"wilson": (0.0, 0.1611), "clopper-pearson": (0.0, 0.1684), "agresti-coull": (0.0, 0.1898)},
    (1, 29): {"wilson": (0.0061, 0.1718), "clopper-pearson": (0.0009, 0.1776), "agresti-coull": (0.0, 0.1863)},
}


@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("x,n", list(NEWCOMBE))
def test_published_values(x, n, method):
    est, lo, hi = proportion_ci(x, n, method=method)
    assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == NEWCOMBE[(x, n)][method]
    assert est[0] == x / n


def test_closed_forms_at_the_boundary_and_other_confidence():
    """0/n and n/n have closed forms: Wilson upper z^2/(n + z^2), Clopper-Pearson upper 1 - (alpha/2)^(1/n)."""
    z = 1.6448536269514722  # 90%
    est, lo, hi = proportion_ci([0, 20], [20, 20], "wilson", confidence=0.9)
    assert hi[0] == pytest.approx(z**2 / (20 + z**2), abs=1e-12) and lo[0] == 0.0
    assert lo[1] == pytest.approx(20 / (20 + z**2), abs=1e-12) and hi[1] == 1.0
    est, lo, hi = proportion_ci([0, 20], [20, 20], "clopper-pearson", confidence=0.9)
    assert hi[0] == pytest.approx(1 - 0.05 ** (1 / 20), abs=1e-12) and lo[0] == 0.0
    assert lo[1] == pytest.approx(0.05 ** (1 / 20), abs=1e-12) and hi[1] == 1.0
    assert list(est) == [0.0, 1.0]


def test_agresti_coull_is_clipped():
    est, lo, hi = proportion_ci(12, 13, "agresti-coull")
    z = z_value(0.95)
    m = 13 + z**2
    centre = (12 + z**2 / 2) / m
    raw_lo, raw_hi = centre - z * np.sqrt(centre * (1 - centre) / m), centre + z * np.sqrt(centre * (1 - centre) / m)
    assert raw_hi > 1 and hi[0] == 1.0 and lo[0] == pytest.approx(raw_lo, abs=1e-12)
    assert est[0] == 12 / 13  # the estimate stays x/n (epiR reports the adjusted centre instead)


def test_zero_denominator_is_nan_and_shape_is_kept():
    est, lo, hi = proportion_ci([0, 3], [0, 4])
    assert np.isnan(est[0]) and np.isnan(lo[0]) and np.isnan(hi[0])
    assert est[1] == 0.75


def test_bad_arguments():
    with pytest.raises(UsageError, match="'method' parameter of proportion_ci"):
        proportion_ci(1, 2, method="wald")
    with pytest.raises(UsageError, match=r"must be in \(0, 1\)"):
        proportion_ci(1, 2, confidence=95)


@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(INTERVAL_METHODS),
    st.floats(0.5, 0.999),
)
def test_intervals_hold_the_estimate_and_stay_in_unit(xn, method, conf):
    est, lo, hi = proportion_ci(*xn, method=method, confidence=conf)
    assert 0.0 <= lo[0] <= est[0] + 1e-12 and est[0] - 1e-12 <= hi[0] <= 1.0


def test_likelihood_ratios_methodology_fixture():
    out = likelihood_ratio_ci(9, 99, 52, 5432)
    lrp, lrn, dor = (tuple(round(float(v), 4) for v in out[k]) for k in ("lr_positive", "lr_negative", "dor"))
    assert lrp == (8.2429, 4.3726, 15.5391)
    assert lrn == (0.868, 0.7819, 0.9636)
    assert dor == (9.4965, 4.5537, 19.8046)


def test_likelihood_ratio_hand_computed():
    # tp 20, fp 10, fn 5, tn 65: sens .8, spec 65/75
    out = likelihood_ratio_ci(20, 10, 5, 65)
    se = np.sqrt(1 / 20 - 1 / 25 + 1 / 10 - 1 / 75)
    assert float(out["lr_positive"][0]) == pytest.approx(0.8 / (10 / 75))
    assert float(out["lr_positive"][1]) == pytest.approx(6.0 * np.exp(-1.959963984540054 * se))
    assert float(out["dor"][0]) == pytest.approx(20 * 65 / (10 * 5))


def test_zero_cells_undefined_without_correction_and_finite_with_haldane():
    out = likelihood_ratio_ci([0, 5], [3, 0], [5, 2], [10, 12])
    assert np.isnan(out["lr_positive"][0][0]) and np.isnan(out["dor"][0][0])
    assert np.isnan(out["lr_positive"][0][1])  # fp = 0: infinite
    assert float(out["lr_negative"][0][1]) == pytest.approx((2 / 7) / 1.0)
    fixed = likelihood_ratio_ci(0, 3, 5, 10, correction=0.5)
    assert float(fixed["dor"][0]) == pytest.approx(0.5 * 10.5 / (3.5 * 5.5))
    lo, hi = float(fixed["dor"][1]), float(fixed["dor"][2])
    se = np.sqrt(1 / 0.5 + 1 / 3.5 + 1 / 5.5 + 1 / 10.5)
    assert (lo, hi) == pytest.approx(
        (0.5 * 10.5 / 19.25 * np.exp(-z_value(0.95) * se), 0.5 * 10.5 / 19.25 * np.exp(z_value(0.95) * se))
    )


def test_interval_to_dict_carries_reason_only_when_given():
    assert Interval(0.5, 0.4, 0.6, "wilson").to_dict() == {
        "estimate": 0.5,
        "ci_low": 0.4,
        "ci_high": 0.6,
        "method": "wilson",
    }
    assert Interval(None, None, None, "wilson", "no positives").to_dict()["reason"] == "no positives"


@pytest.mark.slow
@pytest.mark.parametrize("p,n", [(0.05, 30), (0.2, 50), (0.5, 20), (0.9, 100)])
def test_wilson_coverage_simulation(p, n):
    """Wilson 95% coverage stays near nominal (Brown, Cai & DasGupta 2001: within a few points)."""
    rng = np.random.default_rng(20261125)
    x = rng.binomial(n, p, size=20_000)
    _, lo, hi = proportion_ci(x, np.full_like(x, n), "wilson")
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.92 <= coverage <= 0.99


@pytest.mark.parametrize(
    "method, sm_name", [("wilson", "wilson"), ("clopper-pearson", "beta"), ("agresti-coull", "agresti_coull")]
)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_agrees_with_statsmodels_on_a_grid(method, sm_name, confidence):
    # statsmodels' proportion_confint is an independent implementation (proportion_ci computes its own).
    from statsmodels.stats.proportion import proportion_confint

    n = np.repeat(np.arange(1, 120), 7)
    x = np.minimum(n, (n * np.tile(np.array([0, 0.01, 0.1, 0.37, 0.5, 0.93, 1.0]), 119)).round())
    _, lo, hi = proportion_ci(x, n, method=method, confidence=confidence)
    ref_lo, ref_hi = proportion_confint(x, n, alpha=1 - confidence, method=sm_name)
    np.testing.assert_allclose(lo, np.clip(np.where(x == 0, 0, ref_lo), 0, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(hi, np.clip(np.where(x == n, 1, ref_hi), 0, 1), rtol=0, atol=1e-12)


def test_reading_intervals_does_not_import_scipy_stats_or_statsmodels():
    import subprocess
    import sys

    code = (
        "import sys, signalering.stats.intervals; print(any(m in sys.modules for m in ('scipy.stats', 'statsmodels')))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_the_command_line_and_the_documents_load_no_heavy_statistics_until_used():
    """``evaluate`` on a wide file is measured against ``pandas.read_csv`` alone (benchmarks/bench_cli.py):
    importing the command line or the documents package must not load ``scipy.stats`` or statsmodels;
    the accuracy document loads its own statistics only."""
    import subprocess
    import sys

    code = (
        "import sys, signalering.cli, signalering.documents as d; heavy = ('scipy.stats', 'statsmodels'); "
        "a = any(m in sys.modules for m in heavy); d.accuracy_document; "
        "b = any(m in sys.modules for m in heavy); d.judgement_document; "
        "print(a, b, 'scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]  # the judgement document does load them: the check sees it
