"""Planning the next validation study: how many families does it need?

Pure functions; each returns a frozen dataclass with a ``to_dict`` for the ``signalering plan`` JSON.

- ``buderer_sample_size``: numbers of cases, non-cases and families so that sensitivity and
  specificity are estimated with a target interval half-width (Buderer 1996), by the normal
  approximation (``method="normal"``) or by an exact Clopper-Pearson search (``method="exact"``);
- ``partial_verification_sample_size``: the same target when every screen-positive but only a
  fraction of the screen-negatives gets the reference standard (Begg & Greenes 1983 correction);
- ``riley_oe_sample_size``, ``riley_slope_sample_size``, ``riley_cstatistic_sample_size`` and
  ``riley_net_benefit_sample_size``: the four criteria of Riley et al. (2021), Stat Med 40:4230-4251, for
  the external validation of a risk model with a binary outcome (the study needs the largest);
- ``assurance``: a simulation check of a planned design: the distribution of the interval half-widths
  the study would report and the chance that it meets the target and pre-registered criteria.

Rounding: every number of people is rounded *up* (``ceil``) once, at the end; totals are computed
from the unrounded numbers of cases (non-cases), so the *expected* number of cases in the total is at
least the number needed. (Rounding the cases first and dividing afterwards, 139 / 0.10 = 1390, overshoots.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import UsageError, check_in, check_open_unit
from .intervals import INTERVAL_METHODS, proportion_ci, z_value
from .verification import begg_greenes_cells

PLAN_METHODS = ("normal", "exact")
_MAX_N = 10_000_000  # the exact search gives up beyond this many cases (a half-width that small is a typo)
_MAX_BLOCK = 1 << 20  # people per scan step: bounded memory


class _Result:
    """A planning result: its ``to_dict`` is its fields, in order (``dataclasses.asdict``), for the JSON."""

    __slots__ = ()

    def to_dict(self) -> dict:
        return asdict(self)


def _check_inputs(where: str, **values: float) -> None:
    for name, value in values.items():
        check_open_unit(name, value, where)


def _check_design(
    where: str, sensitivity: float, specificity: float, prevalence: float, half_width: float, confidence: float
) -> None:
    """The anticipated accuracy, prevalence, target half-width and confidence, each in (0, 1)."""
    _check_inputs(
        where,
        sensitivity=sensitivity,
        specificity=specificity,
        prevalence=prevalence,
        half_width=half_width,
        confidence=confidence,
    )


def _check_fraction(fraction: float, where: str) -> None:
    """The fraction of screen-negatives verified, in (0, 1]."""
    if not (isinstance(fraction, (int, float)) and 0 < fraction <= 1):
        raise UsageError(
            f"The 'verified_negatives_fraction' parameter of {where} must be in (0, 1]. Got {fraction!r} instead."
        )


def _ceil(x: float) -> int:
    """Round a number of people up; a hair above a whole number from float noise stays that number."""
    return int(math.ceil(x - 1e-9))


@dataclass(frozen=True, slots=True)
class AccuracySampleSize(_Result):
    """Numbers needed to estimate sensitivity and specificity with interval half-width ``half_width``.

    ``cases`` (``noncases``) is the number of people with (without) the condition who must be
    verified; ``total_for_sensitivity = ceil(cases_unrounded / prevalence)``,
    ``total_for_specificity = ceil(noncases_unrounded / (1 - prevalence))`` and ``total`` the larger.
    ``cases_unrounded`` equals ``cases`` for the exact method.
    """

    method: str
    sensitivity: float
    specificity: float
    prevalence: float
    half_width: float
    confidence: float
    cases_unrounded: float
    noncases_unrounded: float
    cases: int
    noncases: int
    total_for_sensitivity: int
    total_for_specificity: int
    total: int
    half_width_definition: str


def normal_count(p: float, half_width: float, confidence: float = 0.95) -> float:
    """Unrounded ``n = z^2 p (1 - p) / d^2``: Wald interval ``p +- z sqrt(p(1-p)/n)`` has half-width d."""
    z = z_value(confidence)
    return z * z * p * (1.0 - p) / (half_width * half_width)


def exact_half_width(n, p: float, confidence: float = 0.95) -> np.ndarray:
    """Expected Clopper-Pearson half-width with ``n`` people at anticipated proportion ``p``, vectorised.

    "Expected" here means: the count observed is the anticipated one rounded half up,
    ``x = floor(n p + 1/2)``, and the half-width is half the interval's width, ``(upper - lower) / 2``
    (the interval is not symmetric around ``x / n``; half its width is what "estimated to within
    +- d" is usually read as).
    """
    n = np.asarray(n, dtype=float)
    x = np.floor(n * p + 0.5)
    _, lo, hi = proportion_ci(x, n, method="clopper-pearson", confidence=confidence)
    return (hi - lo) / 2.0


def exact_count(p: float, half_width: float, confidence: float = 0.95) -> int:
    """Smallest ``n`` whose expected Clopper-Pearson half-width (``exact_half_width``) is <= ``half_width``.

    The half-width is not monotone in ``n`` (the rounded count jumps), so a slightly larger ``n`` can
    just miss the target again; this is the *smallest* ``n`` that meets it, found by scanning
    ``n = 1, 2, ...`` in growing blocks.
    """
    start, block = 1, 256
    # the width shrinks like 1/sqrt(n): when even _MAX_N people miss the target, give up at once
    reachable = exact_half_width(_MAX_N, p, confidence)[()] <= half_width
    while reachable and start <= _MAX_N:
        n = np.arange(start, start + block, dtype=float)
        ok = np.flatnonzero(exact_half_width(n, p, confidence) <= half_width)
        if ok.size:
            return int(n[ok[0]])
        start, block = start + block, min(block * 2, _MAX_BLOCK)
    raise UsageError(f"The half-width {half_width} needs more than {_MAX_N} people; choose a larger half-width.")


def buderer_sample_size(
    sensitivity: float,
    specificity: float,
    prevalence: float,
    half_width: float,
    confidence: float = 0.95,
    method: str = "normal",
) -> AccuracySampleSize:
    """Families needed so that sensitivity and specificity have a ``confidence`` interval of +- ``half_width``.

    Parameters
    ----------
    sensitivity, specificity : float in (0, 1)   anticipated values
    prevalence : float in (0, 1)                 anticipated prevalence of the condition in the study
    half_width : float in (0, 1)                 target half-width d of each interval
    confidence : float in (0, 1)
    method : {"normal", "exact"}

    Notes
    -----
    Buderer (1996), Acad Emerg Med 3:895-900, normal approximation with z = z_{1-alpha/2}::

        cases     = z^2 Se (1 - Se) / d^2      total for sensitivity = cases / P
        non-cases = z^2 Sp (1 - Sp) / d^2      total for specificity = non-cases / (1 - P)

    and the study needs the larger total. ``method="exact"`` replaces the first column by the
    smallest numbers whose expected Clopper-Pearson (1934) interval has half-width <= d
    (``exact_count``): the normal approximation is too optimistic for Se or Sp near 1.

    Examples
    --------
    >>> r = buderer_sample_size(0.90, 0.85, 0.10, 0.05)
    >>> r.cases, r.total_for_sensitivity
    (139, 1383)
    """
    _check_design("buderer_sample_size", sensitivity, specificity, prevalence, half_width, confidence)
    check_in("method", method, PLAN_METHODS, "buderer_sample_size")
    if method == "normal":
        cases_raw = normal_count(sensitivity, half_width, confidence)
        noncases_raw = normal_count(specificity, half_width, confidence)
        definition = "Wald: z * sqrt(p (1 - p) / n)"
    else:
        cases_raw = float(exact_count(sensitivity, half_width, confidence))
        noncases_raw = float(exact_count(specificity, half_width, confidence))
        definition = "Clopper-Pearson (upper - lower) / 2 at x = floor(n p + 1/2)"
    for_sens = _ceil(cases_raw / prevalence)
    for_spec = _ceil(noncases_raw / (1.0 - prevalence))
    return AccuracySampleSize(
        method,
        sensitivity,
        specificity,
        prevalence,
        half_width,
        confidence,
        cases_raw,
        noncases_raw,
        _ceil(cases_raw),
        _ceil(noncases_raw),
        for_sens,
        for_spec,
        max(for_sens, for_spec),
        definition,
    )


# ------------------------------------------------------------------ partial verification
@dataclass(frozen=True, slots=True)
class PartialVerificationSampleSize(_Result):
    """Families to screen when all screen-positives and a fraction ``f`` of screen-negatives are verified.

    ``variance_unit_sensitivity`` (``_specificity``) is ``N * Var`` of the corrected estimate (the
    variance for one screened family); ``total_*`` are screened families; ``expected_verified`` is the
    expected number of families who get the reference standard at ``total``.
    """

    sensitivity: float
    specificity: float
    prevalence: float
    half_width: float
    confidence: float
    verified_negatives_fraction: float
    variance_unit_sensitivity: float
    variance_unit_specificity: float
    total_for_sensitivity: int
    total_for_specificity: int
    total: int
    expected_screen_positive: float
    expected_verified: float
    expected_verified_cases: float
    expected_verified_noncases: float


def begg_greenes_unit_variances(
    sensitivity: float, specificity: float, prevalence: float, fraction: float
) -> tuple[float, float]:
    """``N Var`` of the Begg-Greenes corrected sensitivity and specificity (delta method).

    With pi1 = P(T+), pi0 = 1 - pi1, a = P(D+ | T+), b = P(D+ | T-)::

        Se = a pi1 / (a pi1 + b pi0)        Sp = (1 - b) pi0 / ((1 - a) pi1 + (1 - b) pi0)

    pi1 is estimated from all N screened, a from the N pi1 verified screen-positives and b from the
    N pi0 f verified screen-negatives (three independent binomials), so with A = a pi1, B = b pi0,
    C = (1 - a) pi1, D = (1 - b) pi0::

        N Var(Se) = [ (pi1 B)^2 a(1-a)/pi1 + (pi0 A)^2 b(1-b)/(pi0 f) + (a B + b A)^2 pi1 pi0 ] / (A + B)^4
        N Var(Sp) = [ (pi1 D)^2 a(1-a)/pi1 + (pi0 C)^2 b(1-b)/(pi0 f) + ((1-a) D + (1-b) C)^2 pi1 pi0 ] / (C + D)^4

    At f = 1 these are Se(1-Se)/P and Sp(1-Sp)/(1-P), Buderer's. Begg & Greenes (1983), Biometrics
    39:207-215; Zhou, Obuchowski & McClish (2011), Statistical Methods in Diagnostic Medicine, ch. 10.
    """
    p, se, sp, f = prevalence, sensitivity, specificity, fraction
    pi1 = p * se + (1.0 - p) * (1.0 - sp)
    pi0 = 1.0 - pi1
    a = p * se / pi1
    b = p * (1.0 - se) / pi0
    big_a, big_b, big_c, big_d = a * pi1, b * pi0, (1.0 - a) * pi1, (1.0 - b) * pi0
    var_a, var_b, var_pi = a * (1.0 - a) / pi1, b * (1.0 - b) / (pi0 * f), pi1 * pi0
    v_se = ((pi1 * big_b) ** 2 * var_a + (pi0 * big_a) ** 2 * var_b + (a * big_b + b * big_a) ** 2 * var_pi) / (
        big_a + big_b
    ) ** 4
    v_sp = (
        (pi1 * big_d) ** 2 * var_a + (pi0 * big_c) ** 2 * var_b + ((1.0 - a) * big_d + (1.0 - b) * big_c) ** 2 * var_pi
    ) / (big_c + big_d) ** 4
    return v_se, v_sp


def partial_verification_sample_size(
    sensitivity: float,
    specificity: float,
    prevalence: float,
    half_width: float,
    verified_negatives_fraction: float,
    confidence: float = 0.95,
) -> PartialVerificationSampleSize:
    """Families to screen when only a fraction ``f`` of screen-negatives is verified.

    Assumptions: every screen-positive is verified; screen-negatives are verified at random with
    probability f (missing at random given the screen result, so the Begg-Greenes correction is
    unbiased); sensitivity and specificity are estimated with that correction and a Wald interval,
    N = z^2 (N Var) / d^2 with ``N Var`` from ``begg_greenes_unit_variances``. At f = 1 this is
    Buderer's normal-approximation total. Totals round up once, as in ``buderer_sample_size``.

    Examples
    --------
    >>> r = partial_verification_sample_size(0.90, 0.85, 0.10, 0.05, 1.0)
    >>> r.total_for_sensitivity
    1383
    """
    _check_design("partial_verification_sample_size", sensitivity, specificity, prevalence, half_width, confidence)
    _check_fraction(verified_negatives_fraction, "partial_verification_sample_size")
    f = verified_negatives_fraction
    v_se, v_sp = begg_greenes_unit_variances(sensitivity, specificity, prevalence, f)
    z = z_value(confidence)
    for_sens = _ceil(z * z * v_se / half_width**2)
    for_spec = _ceil(z * z * v_sp / half_width**2)
    total = max(for_sens, for_spec)
    p, se, sp = prevalence, sensitivity, specificity
    pos = p * se + (1.0 - p) * (1.0 - sp)
    cases = total * p * (se + f * (1.0 - se))
    noncases = total * (1.0 - p) * ((1.0 - sp) + f * sp)
    return PartialVerificationSampleSize(
        se,
        sp,
        p,
        half_width,
        confidence,
        f,
        v_se,
        v_sp,
        for_sens,
        for_spec,
        total,
        total * pos,
        total * (pos + f * (1.0 - pos)),
        cases,
        noncases,
    )


# ------------------------------------------------------------------ Riley et al. (2021): external validation of a risk model
@dataclass(frozen=True, slots=True)
class RileyCriterion(_Result):
    """One criterion of Riley et al. (2021): the target standard error and the minimum sample size.

    ``events`` is the expected number of outcome events at ``n`` (``n * prevalence``).
    """

    criterion: str
    prevalence: float
    target_se: float
    n_unrounded: float
    n: int
    events: float
    formula: str


def _riley(criterion: str, prevalence: float, se: float, n_raw: float, formula: str) -> RileyCriterion:
    n = _ceil(n_raw)
    return RileyCriterion(criterion, prevalence, se, n_raw, n, n * prevalence, formula)


def _check_se(se: float | None, where: str) -> None:
    if se is not None and not (math.isfinite(se) and se > 0):
        raise UsageError(f"The 'se' parameter of {where} must be a positive number. Got {se!r} instead.")


def riley_oe_sample_size(
    prevalence: float, ci_width: float = 0.2, oe: float = 1.0, confidence: float = 0.95, se: float | None = None
) -> RileyCriterion:
    """Sample size for a precise observed/expected ratio (calibration-in-the-large), Riley criterion 1.

    ``SE(ln O/E) = sqrt((1 - phi) / (n phi))`` so ``n = (1 - phi) / (phi SE^2)``. The target SE comes from
    the width of the interval ``O/E exp(+- z SE)``: ``width = 2 O/E sinh(z SE)``, so
    ``SE = asinh(width / (2 O/E)) / z`` (0.05094 for width 0.2 at O/E = 1; the paper rounds to 0.051),
    unless ``se`` is given. Riley et al. (2021), Stat Med 40:4230-4251, section 3.1.

    Examples
    --------
    >>> riley_oe_sample_size(0.1, se=0.051).n
    3461
    """
    _check_inputs("riley_oe_sample_size", prevalence=prevalence, confidence=confidence)
    _check_se(se, "riley_oe_sample_size")
    if not (ci_width > 0 and oe > 0):
        raise UsageError(
            "The 'ci_width' and 'oe' parameters of riley_oe_sample_size must be positive. "
            f"Got {ci_width!r} and {oe!r} instead."
        )
    if se is None:
        se = math.asinh(ci_width / (2.0 * oe)) / z_value(confidence)
    return _riley(
        "O/E", prevalence, se, (1.0 - prevalence) / (prevalence * se * se), "n = (1 - phi) / (phi SE(ln O/E)^2)"
    )


def c_statistic_se(c: float, prevalence: float, n) -> np.ndarray:
    """Newcombe's (2006) approximate SE of the C-statistic with ``n`` people, as used by Riley et al. (2021)::

    SE(C)^2 = C (1 - C) [1 + (n/2 - 1)(1 - C)/(2 - C) + (n/2 - 1) C/(1 + C)] / (n^2 phi (1 - phi))
    """
    n = np.asarray(n, dtype=float)
    k = (1.0 - c) / (2.0 - c) + c / (1.0 + c)
    return np.sqrt(c * (1.0 - c) * (1.0 + (n / 2.0 - 1.0) * k) / (n * n * prevalence * (1.0 - prevalence)))


def riley_cstatistic_sample_size(
    c: float, prevalence: float, ci_width: float = 0.1, confidence: float = 0.95, se: float | None = None
) -> RileyCriterion:
    """Sample size for a precise C-statistic, Riley criterion 3 (section 3.3).

    Target ``SE = width / (2 z)`` (0.0255 for width 0.1) unless ``se`` is given. Setting
    ``c_statistic_se(n) = SE`` gives a quadratic in n: with ``k = (1-C)/(2-C) + C/(1+C)``,
    ``SE^2 phi (1-phi) n^2 - (C(1-C) k / 2) n - C(1-C)(1 - k) = 0``, whose positive root is the size.
    """
    _check_inputs("riley_cstatistic_sample_size", prevalence=prevalence, confidence=confidence)
    _check_se(se, "riley_cstatistic_sample_size")
    if not 0.5 <= c < 1:
        raise UsageError(f"The 'c' parameter of riley_cstatistic_sample_size must be in [0.5, 1). Got {c!r} instead.")
    if not ci_width > 0:
        raise UsageError(
            f"The 'ci_width' parameter of riley_cstatistic_sample_size must be positive. Got {ci_width!r} instead."
        )
    if se is None:
        se = ci_width / (2.0 * z_value(confidence))
    k = (1.0 - c) / (2.0 - c) + c / (1.0 + c)
    qa = se * se * prevalence * (1.0 - prevalence)
    qb = c * (1.0 - c) * k / 2.0
    qc = c * (1.0 - c) * (1.0 - k)
    n_raw = (qb + math.sqrt(qb * qb + 4.0 * qa * qc)) / (2.0 * qa)
    return _riley("C-statistic", prevalence, se, n_raw, "SE(C) of Newcombe (2006) solved for n")


def riley_slope_sample_size(
    prevalence: float,
    lp_mean: float,
    lp_sd: float,
    ci_width: float = 0.2,
    confidence: float = 0.95,
    se: float | None = None,
    nodes: int = 200,
) -> RileyCriterion:
    """Sample size for a precise calibration slope, Riley criterion 2 (section 3.2), linear predictor ~ Normal.

    For a well-calibrated model (intercept 0, slope 1) the Fisher information of (intercept, slope) per
    person is ``I = E[p(1-p) (1, LP; LP, LP^2)]``, p = expit(LP); ``SE(slope)^2 = I00 / (n (I00 I11 - I01^2))``,
    so ``n = I00 / (SE^2 (I00 I11 - I01^2))``. Expectations over LP ~ N(lp_mean, lp_sd) by Gauss-Hermite
    quadrature (``nodes`` points). Target ``SE = width / (2 z)`` unless ``se`` is given. ``prevalence`` is
    only recorded (it follows from the LP distribution; events = n * prevalence).
    """
    _check_inputs("riley_slope_sample_size", prevalence=prevalence, confidence=confidence)
    _check_se(se, "riley_slope_sample_size")
    if not (math.isfinite(lp_mean) and lp_sd > 0 and ci_width > 0):
        raise UsageError("riley_slope_sample_size needs a finite 'lp_mean', and positive 'lp_sd' and 'ci_width'.")
    if se is None:
        se = ci_width / (2.0 * z_value(confidence))
    x, w = np.polynomial.hermite_e.hermegauss(nodes)  # weight exp(-x^2 / 2)
    w = w / w.sum()
    lp = lp_mean + lp_sd * x
    v = np.exp(-np.logaddexp(0.0, -lp) - np.logaddexp(0.0, lp))  # p (1 - p), stable
    i00, i01, i11 = float(w @ v), float(w @ (v * lp)), float(w @ (v * lp * lp))
    return _riley(
        "calibration slope",
        prevalence,
        se,
        i00 / (se * se * (i00 * i11 - i01 * i01)),
        "n = I00 / (SE^2 (I00 I11 - I01^2)), LP ~ Normal",
    )


def riley_net_benefit_sample_size(
    sensitivity: float,
    specificity: float,
    prevalence: float,
    threshold: float,
    ci_width: float = 0.2,
    confidence: float = 0.95,
    se: float | None = None,
) -> RileyCriterion:
    """Sample size for a precise standardised net benefit at risk threshold ``pt``, Riley criterion 4 (3.4).

    ``sensitivity`` and ``specificity`` are the model's at ``pt``. With ``w = (1 - phi)/phi * pt/(1 - pt)``::

        n = [Se(1-Se)/phi + w^2 Sp(1-Sp)/(1-phi) + w^2 (1-Sp)^2/(phi(1-phi))] / SE(sNB)^2

    Target ``SE = width / (2 z)`` (0.0510 for width 0.2) unless ``se`` is given.
    """
    _check_inputs(
        "riley_net_benefit_sample_size",
        sensitivity=sensitivity,
        specificity=specificity,
        prevalence=prevalence,
        threshold=threshold,
        confidence=confidence,
    )
    _check_se(se, "riley_net_benefit_sample_size")
    if not ci_width > 0:
        raise UsageError(
            f"The 'ci_width' parameter of riley_net_benefit_sample_size must be positive. Got {ci_width!r} instead."
        )
    if se is None:
        se = ci_width / (2.0 * z_value(confidence))
    phi, se_, sp = prevalence, sensitivity, specificity
    w = (1.0 - phi) / phi * threshold / (1.0 - threshold)
    v = se_ * (1 - se_) / phi + w * w * sp * (1 - sp) / (1 - phi) + w * w * (1 - sp) ** 2 / (phi * (1 - phi))
    return _riley("standardised net benefit", prevalence, se, v / (se * se), "n = Var_1(sNB) / SE^2")


# ------------------------------------------------------------------ assurance: simulating the planned study
_MAX_SIMULATIONS = 1_000_000
ASSURANCE_CRITERIA = ("sensitivity_ci_low_min", "specificity_ci_low_min")


@dataclass(frozen=True, slots=True)
class HalfWidthDistribution(_Result):
    """Half-widths ``(upper - lower) / 2`` over the simulated studies whose interval is defined.

    ``share_undefined``: studies without a case (non-case) to compute the interval from; they count as
    missing the target and every criterion.
    """

    median: float | None
    p10: float | None
    p90: float | None
    share_meeting_target: float
    share_undefined: float


@dataclass(frozen=True, slots=True)
class Assurance(_Result):
    """Result of ``assurance``: what the planned study would report, over ``simulations`` replicates.

    ``share_meeting_target`` is the share of studies where both half-widths are <= ``half_width``;
    ``criteria`` maps each pre-registered criterion to ``{"threshold", "share_meeting"}``, and
    ``share_meeting_all_criteria`` is the share meeting every one at once (None without criteria).
    """

    families: int
    sensitivity: float
    specificity: float
    prevalence: float
    half_width: float
    confidence: float
    verified_negatives_fraction: float
    interval_method: str
    simulations: int
    seed: int
    sensitivity_half_width: HalfWidthDistribution
    specificity_half_width: HalfWidthDistribution
    share_meeting_target: float
    criteria: dict
    share_meeting_all_criteria: float | None


def _half_width_distribution(hw: np.ndarray, target: float) -> HalfWidthDistribution:
    ok = ~np.isnan(hw)
    if ok.any():
        med, p10, p90 = (float(v) for v in np.quantile(hw[ok], [0.5, 0.1, 0.9]))
    else:
        med = p10 = p90 = None
    meets = ok & (np.where(ok, hw, np.inf) <= target)
    return HalfWidthDistribution(med, p10, p90, float(meets.mean()), float((~ok).mean()))


def assurance(
    families: int,
    sensitivity: float,
    specificity: float,
    prevalence: float,
    half_width: float,
    confidence: float = 0.95,
    verified_negatives_fraction: float = 1.0,
    criteria: dict[str, float] | None = None,
    simulations: int = 10_000,
    seed: int = 0,
    interval_method: str = "wilson",
) -> Assurance:
    """Simulate ``simulations`` studies of ``families`` screened families and summarise their intervals.

    Parameters
    ----------
    families : int >= 1                    families screened in the planned study
    sensitivity, specificity, prevalence : float in (0, 1)   anticipated values (the truth simulated)
    half_width : float in (0, 1)           target half-width of each interval
    confidence : float in (0, 1)
    verified_negatives_fraction : float in (0, 1]   fraction f of screen-negatives verified
    criteria : dict, optional              pre-registered criteria, keys from ``ASSURANCE_CRITERIA``:
        ``sensitivity_ci_low_min`` (``specificity_ci_low_min``) = X is met when the reported lower
        bound is >= X
    simulations : int in [1, 1_000_000]; seed : int   ``numpy.random.default_rng(seed)``
    interval_method : {"wilson", "clopper-pearson", "agresti-coull"}   used when f = 1

    Notes
    -----
    Each study draws, with a seeded ``numpy.random.Generator``::

        cases ~ Bin(N, P);  TP ~ Bin(cases, Se);  TN ~ Bin(N - cases, Sp)

    and the screen-positives (TP + FP) are all verified. With f = 1 the study reports
    ``proportion_ci(TP, TP + FN)`` and ``proportion_ci(TN, TN + FP)`` (Wilson by default), the intervals
    ``signalering evaluate`` reports. With f < 1, the verified screen-negatives are a random subset
    ``V ~ Bin(FN + TN, f)`` split hypergeometrically into verified FN and TN; complete-case estimates would be
    biased (verification bias), so the study reports the Begg & Greenes (1983) corrected estimates
    (``verification.begg_greenes_cells``, missing at random given the screen result) with a Wald
    interval ``estimate +- z sqrt(V_hat / N)``, clipped to [0, 1], where ``V_hat`` is
    ``begg_greenes_unit_variances`` at the estimates and the observed verified fraction -- the interval
    ``partial_verification_sample_size`` plans with. That Wald interval is degenerate (width 0) when an
    estimate is 0 or 1.

    The half-width of a study is ``(upper - lower) / 2``. Assurance is the share of simulated studies
    meeting a target or criterion (O'Hagan, Stevens & Campbell 2005, Pharm Stat 4:187-201, for the
    term); with S simulations its Monte Carlo standard error is ``sqrt(a (1 - a) / S)``.
    """
    where = "assurance"
    _check_design(where, sensitivity, specificity, prevalence, half_width, confidence)
    check_in("interval_method", interval_method, INTERVAL_METHODS, where)
    for name, value, low, high in (("families", families, 1, None), ("simulations", simulations, 1, _MAX_SIMULATIONS)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < low
            or (high and value > high)
        ):
            span = f"[{low}, {high}]" if high else f">= {low}"
            raise UsageError(f"The '{name}' parameter of {where} must be a whole number {span}. Got {value!r} instead.")
    f = verified_negatives_fraction
    _check_fraction(f, where)
    criteria = dict(criteria or {})
    for name, value in criteria.items():
        check_in("criteria", name, ASSURANCE_CRITERIA, where)
        check_open_unit(name, value, where)

    rng = np.random.default_rng(seed)
    s = int(simulations)
    cases = rng.binomial(families, prevalence, s)
    tp = rng.binomial(cases, sensitivity)
    tn = rng.binomial(families - cases, specificity)
    fn, fp = cases - tp, families - cases - tn
    if f == 1:
        method = interval_method
        _, se_lo, se_hi = proportion_ci(tp, tp + fn, method=method, confidence=confidence)
        _, sp_lo, sp_hi = proportion_ci(tn, tn + fp, method=method, confidence=confidence)
    else:
        method = "begg-greenes-wald"
        negatives = fn + tn
        verified = rng.binomial(negatives, f)
        fn_v = rng.hypergeometric(fn, tn, verified)
        tn_v = verified - fn_v
        est = begg_greenes_cells(tp, fp, fn_v, tn_v, 0, negatives - verified)
        with np.errstate(divide="ignore", invalid="ignore"):
            f_hat = verified / negatives
            v_se, v_sp = begg_greenes_unit_variances(est["sensitivity"], est["specificity"], est["prevalence"], f_hat)
        z = z_value(confidence)
        bounds = []
        for e, v in ((est["sensitivity"], v_se), (est["specificity"], v_sp)):
            ok = np.isfinite(e) & np.isfinite(v)
            h = z * np.sqrt(np.where(ok, v, np.nan) / families)
            bounds.append((np.where(ok, np.clip(e - h, 0, 1), np.nan), np.where(ok, np.clip(e + h, 0, 1), np.nan)))
        (se_lo, se_hi), (sp_lo, sp_hi) = bounds
    hw_se, hw_sp = (se_hi - se_lo) / 2.0, (sp_hi - sp_lo) / 2.0
    both = (np.nan_to_num(hw_se, nan=np.inf) <= half_width) & (np.nan_to_num(hw_sp, nan=np.inf) <= half_width)
    lows = {"sensitivity_ci_low_min": se_lo, "specificity_ci_low_min": sp_lo}
    met = {name: np.nan_to_num(lows[name], nan=-np.inf) >= value for name, value in criteria.items()}
    return Assurance(
        int(families),
        sensitivity,
        specificity,
        prevalence,
        half_width,
        confidence,
        float(f),
        method,
        s,
        int(seed),
        _half_width_distribution(hw_se, half_width),
        _half_width_distribution(hw_sp, half_width),
        float(both.mean()),
        {name: {"threshold": criteria[name], "share_meeting": float(m.mean())} for name, m in met.items()},
        float(np.logical_and.reduce(list(met.values())).mean()) if met else None,
    )
