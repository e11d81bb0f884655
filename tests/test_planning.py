"""Sample-size planning (signalering.stats.planning) and the ``signalering plan`` command."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import beta

from signalering import cli
from signalering.errors import UsageError
from signalering.stats import planning

Z95 = 1.959963984540054  # standard normal 0.975 quantile


def _cp_half_width(n: int, p: float, confidence: float = 0.95) -> float:
    """Independent oracle: Clopper-Pearson from beta quantiles, x = floor(n p + 1/2), (upper - lower) / 2."""
    x = math.floor(n * p + 0.5)
    alpha = 1.0 - confidence
    lo = 0.0 if x == 0 else beta.ppf(alpha / 2, x, n - x + 1)
    hi = 1.0 if x == n else beta.ppf(1 - alpha / 2, x + 1, n - x)
    return (hi - lo) / 2


# ------------------------------------------------------------------ Buderer, normal approximation
def test_buderer_worked_example_by_hand():
    # Se 0.90, Sp 0.85, prevalence 0.10, half-width 0.05, 95%:
    # cases     = 1.959964^2 * 0.90 * 0.10 / 0.05^2 = 3.841459 * 0.09 / 0.0025 = 138.2925 -> 139
    # total(Se) = 138.2925 / 0.10 = 1382.925 -> 1383  (139 / 0.10 = 1390 would round twice)
    # non-cases = 3.841459 * 0.85 * 0.15 / 0.0025 = 3.841459 * 51 = 195.9144 -> 196
    # total(Sp) = 195.9144 / 0.90 = 217.683 -> 218;  total = max = 1383
    r = planning.buderer_sample_size(0.90, 0.85, 0.10, 0.05)
    assert r.cases_unrounded == pytest.approx(138.2925, abs=1e-4)
    assert (r.cases, r.total_for_sensitivity) == (139, 1383)
    assert r.noncases_unrounded == pytest.approx(195.9144, abs=1e-4)
    assert (r.noncases, r.total_for_specificity, r.total) == (196, 218, 1383)


def test_buderer_specificity_can_bind():
    # Se 0.80, Sp 0.70, prevalence 0.60, d 0.10, 90% (z = 1.644854, z^2 = 2.705543):
    # cases = 2.705543 * 0.16 / 0.01 = 43.289 -> 44, total(Se) = 43.289 / 0.6 = 72.148 -> 73
    # non-cases = 2.705543 * 0.21 / 0.01 = 56.816 -> 57, total(Sp) = 56.816 / 0.4 = 142.04 -> 143
    r = planning.buderer_sample_size(0.80, 0.70, 0.60, 0.10, confidence=0.90)
    assert (r.cases, r.noncases, r.total_for_sensitivity, r.total_for_specificity, r.total) == (44, 57, 73, 143, 143)


@pytest.mark.parametrize(
    "bad",
    [dict(prevalence=1.0), dict(sensitivity=0.0), dict(half_width=-0.1), dict(confidence=1.5), dict(method="wald")],
)
def test_buderer_refuses_wrong_words(bad):
    args = dict(sensitivity=0.9, specificity=0.85, prevalence=0.1, half_width=0.05) | bad
    with pytest.raises(UsageError):
        planning.buderer_sample_size(**args)


# ------------------------------------------------------------------ exact (Clopper-Pearson) search
@pytest.mark.parametrize("p, d", [(0.90, 0.05), (0.85, 0.05), (0.95, 0.03), (0.5, 0.1), (0.99, 0.02)])
def test_exact_count_is_the_smallest_n_meeting_the_target(p, d):
    n = planning.exact_count(p, d)
    assert _cp_half_width(n, p) <= d
    assert all(_cp_half_width(m, p) > d for m in range(1, n))


def test_exact_worked_example():
    # Se 0.90, d 0.05: n = 154 -> x = floor(138.6 + 0.5) = 139, CP (0.8444, 0.9445), half-width 0.05001 misses;
    # n = 155 -> x = 140, CP (0.8454, 0.9448), half-width 0.0497 meets (values from beta.ppf by hand, and the
    # oracle test above checks every smaller n); 155 / 0.10 = 1550 families, 12% more than Buderer's 1383.
    assert _cp_half_width(154, 0.9) > 0.05 >= _cp_half_width(155, 0.9)
    r = planning.buderer_sample_size(0.90, 0.85, 0.10, 0.05, method="exact")
    assert (r.cases, r.total_for_sensitivity, r.total) == (155, 1550, 1550)
    assert r.noncases >= planning.buderer_sample_size(0.90, 0.85, 0.10, 0.05).noncases


def test_exact_half_width_vectorised_matches_oracle():
    ns = np.array([10, 57, 300])
    got = planning.exact_half_width(ns, 0.83)
    assert got == pytest.approx([_cp_half_width(int(n), 0.83) for n in ns], rel=1e-9)


# ------------------------------------------------------------------ monotonicity
props = st.floats(0.55, 0.98)
widths = st.floats(0.03, 0.2)


@given(p=props, d1=widths, d2=widths, method=st.sampled_from(planning.PLAN_METHODS))
def test_smaller_half_width_needs_more(p, d1, d2, method):
    small, large = sorted((d1, d2))
    a = planning.buderer_sample_size(p, p, 0.3, small, method=method)
    b = planning.buderer_sample_size(p, p, 0.3, large, method=method)
    assert a.cases >= b.cases and a.noncases >= b.noncases and a.total >= b.total


@given(p=props, prev1=st.floats(0.01, 0.9), prev2=st.floats(0.01, 0.9), method=st.sampled_from(planning.PLAN_METHODS))
def test_lower_prevalence_needs_more_families_for_sensitivity(p, prev1, prev2, method):
    low, high = sorted((prev1, prev2))
    a = planning.buderer_sample_size(p, 0.8, low, 0.08, method=method)
    b = planning.buderer_sample_size(p, 0.8, high, 0.08, method=method)
    assert a.total_for_sensitivity >= b.total_for_sensitivity
    assert a.total_for_specificity <= b.total_for_specificity


# ------------------------------------------------------------------ partial verification
def test_full_verification_is_buderer():
    # f = 1: N Var(Se) = Se(1-Se)/P = 0.09 / 0.1 = 0.9, N Var(Sp) = Sp(1-Sp)/(1-P) = 0.1275 / 0.9 = 0.141667
    r = planning.partial_verification_sample_size(0.90, 0.85, 0.10, 0.05, 1.0)
    assert r.variance_unit_sensitivity == pytest.approx(0.9, rel=1e-12)
    assert r.variance_unit_specificity == pytest.approx(0.1275 / 0.9, rel=1e-12)
    assert (r.total_for_sensitivity, r.total_for_specificity) == (1383, 218)
    assert r.expected_verified == pytest.approx(1383)


@pytest.mark.parametrize("f", [0.2, 0.5])
def test_partial_verification_variance_matches_simulation(f):
    # Simulated Begg-Greenes estimates (independent of the delta-method algebra): their spread at the
    # planned N must match N Var / N within Monte Carlo error (4000 replicates: SD within ~3%).
    se, sp, prev, n = 0.85, 0.80, 0.2, 3000
    v_se, v_sp = planning.begg_greenes_unit_variances(se, sp, prev, f)
    rng = np.random.default_rng(20261206)
    reps = 4000
    cases = rng.binomial(n, prev, reps)
    tp = rng.binomial(cases, se)
    tn = rng.binomial(n - cases, sp)
    pos = tp + (n - cases - tn)
    fn = cases - tp
    # verify a random fraction f of the screen-negatives: hypergeometric split of (fn, tn)
    neg = fn + tn
    nv = rng.binomial(neg, f)
    fn_v = rng.hypergeometric(fn, tn, np.maximum(nv, 0))
    tn_v = nv - fn_v
    pi1, a, b = pos / n, tp / pos, fn_v / nv
    se_hat = a * pi1 / (a * pi1 + b * (1 - pi1))
    sp_hat = (1 - b) * (1 - pi1) / ((1 - a) * pi1 + (1 - b) * (1 - pi1))
    assert np.std(se_hat) == pytest.approx(math.sqrt(v_se / n), rel=0.06)
    assert np.std(sp_hat) == pytest.approx(math.sqrt(v_sp / n), rel=0.06)
    assert tn_v.min() > 0


@given(f1=st.floats(0.05, 1.0), f2=st.floats(0.05, 1.0))
def test_verifying_fewer_negatives_needs_more_families(f1, f2):
    low, high = sorted((f1, f2))
    a = planning.partial_verification_sample_size(0.9, 0.85, 0.1, 0.05, low)
    b = planning.partial_verification_sample_size(0.9, 0.85, 0.1, 0.05, high)
    assert a.total_for_sensitivity >= b.total_for_sensitivity
    assert a.total >= b.total


@pytest.mark.parametrize("f", [0.0, 1.2, -0.5])
def test_partial_verification_refuses_fraction(f):
    with pytest.raises(UsageError, match="verified_negatives_fraction"):
        planning.partial_verification_sample_size(0.9, 0.85, 0.1, 0.05, f)


# ------------------------------------------------------------------ signalering plan
DESIGN = ["--sensitivity", "0.90", "--specificity", "0.85", "--prevalence", "0.10", "--half-width", "0.05"]


def test_plan_command_writes_json(tmp_path, capsys):
    out = tmp_path / "sub" / "plan.json"
    assert cli.main(["plan", *DESIGN, "--verified-negatives-fraction", "0.3", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["normal"]["total"] == 1383 and doc["normal"]["cases"] == 139
    assert doc["exact"]["total"] == 1550
    pv = doc["partial_verification"]
    assert pv["verified_negatives_fraction"] == 0.3 and pv["total"] > 1383
    assert doc["design"] == {
        "sensitivity": 0.9,
        "specificity": 0.85,
        "prevalence": 0.1,
        "half_width": 0.05,
        "confidence": 0.95,
    }
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"signalering: plan: normal: 1383 families; exact: 1550 families; verifying 0.3 of screen-negatives: "
        f"{pv['total']} families; wrote {out}"
    ]


def test_plan_command_prints_json_without_out(capsys):
    assert cli.main(["plan", *DESIGN, "--method", "normal", "--confidence", "0.90"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"schema_version", "design", "normal"}
    # z(0.90)^2 = 2.705543: cases = 2.705543 * 0.09 / 0.0025 = 97.3996 -> 98; total 973.996 -> 974
    assert (doc["normal"]["cases"], doc["normal"]["total"]) == (98, 974)


@pytest.mark.parametrize(
    "extra",
    [
        ["--prevalence", "1"],
        ["--half-width", "0"],
        ["--sensitivity", "nan"],
        ["--confidence", "95"],
        ["--verified-negatives-fraction", "0"],
        ["--verified-negatives-fraction", "1.5"],
        ["--method", "wald"],
    ],
)
def test_plan_command_wrong_words_exit_2(extra, capsys):
    assert cli.main(["plan", *DESIGN, *extra]) == 2
    assert capsys.readouterr().out == ""


def test_plan_command_out_is_a_folder(tmp_path):
    assert cli.main(["plan", *DESIGN, "--out", str(tmp_path)]) == 2


# ------------------------------------------------------------------ Riley et al. (2021) criteria
# Worked examples of Riley et al. (2021, Stat Med 40:4230-4251) sections 3.1.1-3.4.1, with the SE targets the
# paper uses (0.051 for O/E, slope and net benefit; 0.0255 for the C-statistic). Inputs from the authors'
# companion R script; expected sizes computed by hand below (not yet checked against the paper's printed text).
@pytest.mark.parametrize(
    "phi, se, expected",
    [
        (0.5, 0.051, 385),  # 0.5 / (0.5 * 0.051^2) = 1 / 0.002601 = 384.47 -> 385
        (0.1, 0.051, 3461),  # 0.9 / (0.1 * 0.002601) = 3460.2 -> 3461
        (0.1, 0.175, 294),  # 0.9 / (0.1 * 0.030625) = 293.88 -> 294
    ],
)
def test_riley_oe_worked_examples(phi, se, expected):
    r = planning.riley_oe_sample_size(phi, se=se)
    assert r.n == expected and r.events == pytest.approx(expected * phi)


def test_riley_oe_se_from_interval_width():
    # width 0.2 at O/E = 1: exp(z SE) - exp(-z SE) = 0.2 -> SE = asinh(0.1) / 1.959964 = 0.0998340 / 1.959964 = 0.050937
    r = planning.riley_oe_sample_size(0.1, ci_width=0.2)
    assert r.target_se == pytest.approx(0.050937, abs=1e-6)
    assert math.exp(Z95 * r.target_se) - math.exp(-Z95 * r.target_se) == pytest.approx(0.2)
    assert r.n == math.ceil(0.9 / (0.1 * r.target_se**2))


def _newcombe_se(c, phi, n):
    """Oracle typed from the paper (eq. for SE(C)), independent of planning.c_statistic_se."""
    return math.sqrt(
        c * (1 - c) * (1 + (n / 2 - 1) * (1 - c) / (2 - c) + (n / 2 - 1) * c / (1 + c)) / (n**2 * phi * (1 - phi))
    )


@pytest.mark.parametrize("c, phi", [(0.7, 0.1), (0.8, 0.5), (0.8, 0.018), (0.6, 0.3)])
def test_riley_cstatistic_is_smallest_n_meeting_se(c, phi):
    r = planning.riley_cstatistic_sample_size(c, phi, se=0.0255)
    assert _newcombe_se(c, phi, r.n) <= 0.0255 < _newcombe_se(c, phi, r.n - 1)


def test_riley_cstatistic_worked_example():
    # Section 3.3.1, C = 0.7, phi = 0.1, SE 0.0255: 1154 (the oracle above confirms 1153 misses, 1154 meets)
    assert planning.riley_cstatistic_sample_size(0.7, 0.1, se=0.0255).n == 1154
    # width 0.1 -> SE = 0.1 / (2 * 1.959964) = 0.025510
    assert planning.riley_cstatistic_sample_size(0.7, 0.1).target_se == pytest.approx(0.025510, abs=1e-6)


def test_riley_matches_authors_reference_implementation():
    # The authors' R package pmvalsampsize (Ensor, CRAN 0.1.0), its test "4.1": prevalence 0.018, C 0.8,
    # O/E interval width 1, C-statistic interval width 0.1 -> 905 (O/E) and 4252 (C-statistic).
    # pmvalsampsize steps the O/E SE up in increments of 1e-4 with z = 1.96 until the width reaches 1
    # (SE 0.2456); the exact SE is asinh(0.5) / z = 0.245521, which needs 906 (905.03 rounded up).
    assert planning.riley_oe_sample_size(0.018, se=0.2456).n == 905
    exact = planning.riley_oe_sample_size(0.018, ci_width=1.0)
    assert exact.target_se == pytest.approx(math.asinh(0.5) / Z95, abs=1e-9) and exact.n == 906
    assert planning.riley_cstatistic_sample_size(0.8, 0.018, ci_width=0.1).n == 4252


def test_riley_slope_matches_monte_carlo_information():
    # Section 3.2.4: LP ~ N(-1.75, 1.47), SE 0.051. Oracle: the authors' Monte Carlo recipe (means over 2e6
    # simulated LPs) instead of quadrature; agreement within Monte Carlo error (~0.5%).
    lp = np.random.default_rng(5).normal(-1.75, 1.47, 2_000_000)
    p = 1 / (1 + np.exp(-lp))
    v = p * (1 - p)
    i00, i01, i11 = v.mean(), (v * lp).mean(), (v * lp * lp).mean()
    mc = i00 / (0.051**2 * (i00 * i11 - i01**2))
    r = planning.riley_slope_sample_size(0.2, -1.75, 1.47, se=0.051)
    assert r.n_unrounded == pytest.approx(mc, rel=0.01)


def test_riley_net_benefit_worked_example():
    # Section 3.4.1: Se 0.6, Sp 0.88, phi 0.72, threshold 0.8, SE 0.051.
    # w = 0.28/0.72 * 0.8/0.2 = 1.555556, w^2 = 2.419753
    # 0.24/0.72 + 2.419753*0.1056/0.28 + 2.419753*0.0144/0.2016 = 0.333333 + 0.912593 + 0.172840 = 1.418766
    # n = 1.418766 / 0.002601 = 545.47 -> 546
    r = planning.riley_net_benefit_sample_size(0.6, 0.88, 0.72, 0.8, se=0.051)
    assert r.n_unrounded == pytest.approx(545.47, abs=0.01) and r.n == 546


@pytest.mark.parametrize(
    "call",
    [
        lambda: planning.riley_oe_sample_size(0.1, se=0.0),
        lambda: planning.riley_cstatistic_sample_size(0.4, 0.1),
        lambda: planning.riley_slope_sample_size(0.1, 0.0, -1.0),
        lambda: planning.riley_net_benefit_sample_size(0.6, 0.9, 0.2, 1.0),
    ],
)
def test_riley_refuses_wrong_words(call):
    with pytest.raises(UsageError):
        call()


def test_plan_command_risk_model(tmp_path, capsys):
    out = tmp_path / "risk.json"
    assert (
        cli.main(
            [
                "plan",
                "--risk-prevalence",
                "0.1",
                "--c-statistic",
                "0.7",
                "--c-ci-width",
                "0.1",
                "--net-benefit",
                "0.1",
                "0.6",
                "0.88",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "normal" not in doc and "design" not in doc
    by_name = {c["criterion"]: c for c in doc["risk_model"]["criteria"]}
    assert set(by_name) == {"O/E", "C-statistic", "standardised net benefit"}
    # O/E at width 0.2: 0.9 / (0.1 * 0.050937^2) = 3468.8 -> 3469, the largest criterion
    assert by_name["O/E"]["n"] == 3469 and doc["risk_model"]["n"] == 3469
    # net benefit at pt 0.1: w = 9 * 0.1/0.9 = 1; (0.24/0.1 + 0.1056/0.9 + 0.0144/0.09) / (0.2/3.919928)^2
    # = 2.677333 / 0.00260312 = 1028.5 -> 1029
    assert by_name["standardised net benefit"]["n"] == 1029
    assert "risk model: 3469 people" in capsys.readouterr().err


def test_plan_command_both_parts_together(capsys):
    assert cli.main(["plan", *DESIGN, "--method", "exact", "--risk-prevalence", "0.5", "--lp-normal", "0", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exact"]["total"] == 1550
    assert [c["criterion"] for c in doc["risk_model"]["criteria"]] == ["O/E", "calibration slope"]


@pytest.mark.parametrize(
    "argv",
    [
        ["plan"],
        ["plan", "--sensitivity", "0.9"],
        ["plan", "--risk-prevalence", "0"],
        ["plan", "--risk-prevalence", "0.1", "--c-statistic", "0.4"],
        ["plan", "--risk-prevalence", "0.1", "--oe-ci-width", "-1"],
        ["plan", "--risk-prevalence", "0.1", "--net-benefit", "1", "0.5", "0.5"],
        ["plan", "--risk-prevalence", "0.1", "--lp-normal", "0", "0"],
    ],
)
def test_plan_command_risk_model_wrong_words_exit_2(argv):
    assert cli.main(argv) == 2


def test_exact_search_gives_up_on_an_absurd_half_width():
    # p = 0.5, d = 0.0003 needs about 1.96^2 * 0.25 / 0.0003^2 = 10.7 million cases: more than the search's cap
    with pytest.raises(UsageError, match="larger half-width"):
        planning.exact_count(0.5, 0.0003)


# ------------------------------------------------------------------ assurance (simulation check)
def _wilson_half_width(x: float, n: float, z: float = Z95) -> float:
    """Independent oracle: Wilson (1927) half-width z sqrt(p(1-p)/n + z^2/(4n^2)) / (1 + z^2/n)."""
    p = x / n
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def test_assurance_is_deterministic_given_the_seed():
    args = dict(families=600, sensitivity=0.85, specificity=0.8, prevalence=0.15, half_width=0.07, simulations=3000)
    crit = {"sensitivity_ci_low_min": 0.7, "specificity_ci_low_min": 0.75}
    a = planning.assurance(**args, criteria=crit, seed=11)
    b = planning.assurance(**args, criteria=crit, seed=11)
    c = planning.assurance(**args, criteria=crit, seed=12)
    assert a == b and a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()
    json.dumps(a.to_dict())  # JSON-ready


def test_assurance_median_half_width_at_the_buderer_n():
    # At Buderer's n (1383 families, Se 0.90, P 0.10, d 0.05) the number of cases is Bin(1383, 0.1),
    # median 138. The Wilson half-width at the median study (124 of 138) is 0.0503: Wilson adds
    # z^2/(4n^2) under the root and shrinks by 1 + z^2/n, 1% above the Wald 0.0500 Buderer plans with.
    # The median of the simulated half-widths is not exactly the half-width at the median study (both the
    # number of cases and the estimate vary), so allow 2%: the bias terms are O(1/n) ~ 1%, the Monte
    # Carlo SE of the median at 20 000 replicates about 0.1%. The Wald target 0.05 is within 1.5%.
    a = planning.assurance(1383, 0.90, 0.85, 0.10, 0.05, simulations=20_000, seed=2026)
    hw = a.sensitivity_half_width
    assert hw.median == pytest.approx(_wilson_half_width(0.9 * 138, 138), rel=0.02)
    assert hw.median == pytest.approx(0.05, rel=0.015)
    assert hw.p10 < hw.median < hw.p90
    # Buderer's n meets the target in about half of the studies only: that is what "expected" means
    assert 0.35 < a.sensitivity_half_width.share_meeting_target < 0.6
    assert a.specificity_half_width.share_meeting_target == 1.0  # 1245 non-cases: half-width about 0.02
    assert a.share_meeting_target == a.sensitivity_half_width.share_meeting_target


def test_assurance_extremes_have_known_answers():
    lenient = {"sensitivity_ci_low_min": 0.5, "specificity_ci_low_min": 0.5}
    strict = {"sensitivity_ci_low_min": 0.88, "specificity_ci_low_min": 0.83}
    huge = planning.assurance(200_000, 0.9, 0.85, 0.1, 0.05, criteria=lenient, simulations=500, seed=1)
    assert huge.share_meeting_target == 1.0 and huge.share_meeting_all_criteria == 1.0
    assert all(c["share_meeting"] == 1.0 for c in huge.criteria.values())
    # 50 families, about 5 cases: the Wilson lower bound of 5/5 is 0.57, never >= 0.88
    tiny = planning.assurance(50, 0.9, 0.85, 0.1, 0.05, criteria=strict, simulations=2000, seed=1)
    assert tiny.criteria["sensitivity_ci_low_min"]["share_meeting"] == 0.0
    assert tiny.share_meeting_all_criteria == 0.0 and tiny.share_meeting_target == 0.0
    # some of those studies have no case at all: undefined, counted as missing everything
    assert tiny.sensitivity_half_width.share_undefined == pytest.approx(0.9**50, abs=0.01)


def test_assurance_partial_verification_matches_its_plan():
    # the study planned by partial_verification_sample_size, analysed with the Begg-Greenes correction:
    # its median half-width is the planned d (Wald interval, delta-method variance; 3% for the plug-in)
    plan = planning.partial_verification_sample_size(0.90, 0.85, 0.10, 0.05, 0.3)
    a = planning.assurance(plan.total, 0.90, 0.85, 0.10, 0.05, verified_negatives_fraction=0.3, seed=5)
    assert a.interval_method == "begg-greenes-wald"
    assert a.sensitivity_half_width.median == pytest.approx(0.05, rel=0.03)
    # the true Se is 0.90: a 95% interval lies wholly above it in about 2.5% of studies (the Wald interval
    # with plug-in variance, a little more). A complete-case analysis, centred near
    # 0.9 / (0.9 + 0.3 * 0.1) = 0.97, would do so in nearly every study.
    a2 = planning.assurance(plan.total, 0.90, 0.85, 0.10, 0.05, 0.95, 0.3, {"sensitivity_ci_low_min": 0.9}, seed=5)
    assert a2.criteria["sensitivity_ci_low_min"]["share_meeting"] < 0.10


@pytest.mark.parametrize(
    "bad",
    [
        dict(families=0),
        dict(families=10.5),
        dict(simulations=0),
        dict(verified_negatives_fraction=0.0),
        dict(criteria={"ppv_ci_low_min": 0.5}),
        dict(criteria={"sensitivity_ci_low_min": 1.2}),
        dict(interval_method="wald"),
    ],
)
def test_assurance_refuses_wrong_words(bad):
    args = dict(families=500, sensitivity=0.9, specificity=0.85, prevalence=0.1, half_width=0.05) | bad
    with pytest.raises(UsageError):
        planning.assurance(**args)


def test_plan_command_simulate(capsys):
    argv = ["plan", *DESIGN, "--simulate", "2000", "--seed", "7", "--sensitivity-ci-low-min", "0.8"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    sim = doc["assurance"]
    assert sim["families"] == 1550 and sim["simulations"] == 2000 and sim["seed"] == 7  # exact's total
    assert sim["interval_method"] == "wilson"
    assert set(sim["criteria"]) == {"sensitivity_ci_low_min"}
    assert 0.5 < sim["share_meeting_target"] < 0.9  # 1550 families: more than Buderer's half
    assert "simulated 1550 families: target met in" in captured.err
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out) == doc  # seeded
    argv = ["plan", *DESIGN, "--method", "normal", "--simulate", "100", "--families", "300"]
    assert cli.main([*argv, "--interval-method", "clopper-pearson"]) == 0
    sim = json.loads(capsys.readouterr().out)["assurance"]
    assert (sim["families"], sim["interval_method"]) == (300, "clopper-pearson")


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", *DESIGN, "--simulate", "0"],
        ["plan", *DESIGN, "--simulate", "10", "--families", "0"],
        ["plan", *DESIGN, "--simulate", "10", "--sensitivity-ci-low-min", "1.5"],
        ["plan", *DESIGN, "--families", "100"],
        ["plan", *DESIGN, "--sensitivity-ci-low-min", "0.8"],
        ["plan", "--risk-prevalence", "0.2", "--simulate", "10"],
        ["plan", *DESIGN, "--simulate", "ten"],
    ],
)
def test_plan_command_simulate_wrong_words_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ the HTML page
def test_plan_page_shows_the_documents_numbers_in_both_languages(tmp_path):
    html_en, html_nl, out = tmp_path / "plan.html", tmp_path / "plan_nl.html", tmp_path / "plan.json"
    design = [*DESIGN, "--verified-negatives-fraction", "0.3", "--risk-prevalence", "0.1", "--c-statistic", "0.75"]
    design += ["--simulate", "50", "--sensitivity-ci-low-min", "0.8"]
    assert cli.main(["plan", *design, "--out", str(out), "--html", str(html_en)]) == 0
    assert cli.main(["plan", *design, "--html", str(html_nl), "--language", "nl", "--out", str(tmp_path / "x")]) == 0
    doc = json.loads(out.read_text())
    en, nl = html_en.read_text(encoding="utf-8"), html_nl.read_text(encoding="utf-8")
    # Buderer worked example above: 1383 (normal), 1550 (exact); partial verification and Riley from the JSON
    for total in (1383, 1550, doc["partial_verification"]["total"], doc["risk_model"]["n"]):
        assert f"{total:,}" in en and f"{total:,}".replace(",", ".") in nl
    assert "Sample size plan" in en and "Steekproefplan" in nl
    assert "sensitivity interval at least 80%" in en and "minstens 80%" in nl
    for page in (en, nl):
        body = page.split("<body>")[1]
        assert not re.search(r"\bNone\b|\bnan\b|[{}]", body)


def test_plan_page_without_accuracy_design_shows_only_the_risk_model(tmp_path):
    page = tmp_path / "plan.html"
    assert cli.main(["plan", "--risk-prevalence", "0.018", "--c-statistic", "0.8", "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "Riley" in text and "Sensitivity and specificity</h2>" not in text
    assert "4,252" in text  # the C-statistic criterion of the authors' example (width 0.1)


def test_plan_html_and_out_must_differ(tmp_path):
    same = str(tmp_path / "plan.json")
    assert cli.main(["plan", *DESIGN, "--out", same, "--html", same]) == 2


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_plan_page_cites_only_the_methods_it_uses(tmp_path, lang):
    """The normal approximation alone cites Buderer, not Clopper-Pearson, Begg-Greenes or Riley;
    a risk-model plan alone cites Riley only; each reference of the texts is tied to a method."""
    normal, risk = tmp_path / "normal.html", tmp_path / "risk.html"
    assert cli.main(["plan", *DESIGN, "--method", "normal", "--html", str(normal), "--language", lang]) == 0
    assert cli.main(["plan", "--risk-prevalence", "0.05", "--html", str(risk), "--language", lang]) == 0
    page, riskpage = normal.read_text(encoding="utf-8"), risk.read_text(encoding="utf-8")
    assert "Buderer NM" in page and not any(a in page for a in ("Clopper CJ", "Begg CB", "Riley RD"))
    assert "Riley RD" in riskpage and not any(a in riskpage for a in ("Buderer NM", "Clopper CJ", "Begg CB"))
    from signalering.report.build import load_texts
    from signalering.report.plan_page import CITED_FOR

    assert {r.split(" ", 1)[0] for r in load_texts(lang)["plan"]["references"]} == set(CITED_FOR)


def test_plan_page_language_must_be_english_or_dutch(tmp_path):
    page = tmp_path / "p.html"
    assert cli.main(["plan", *DESIGN, "--html", str(page), "--language", "de"]) == 2
    assert not page.exists()
