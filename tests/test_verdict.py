"""Verdict logic (methodology §10) on hand-made intervals."""

import pytest

from signalering.errors import UsageError
from signalering.report.verdict import (
    INCONCLUSIVE,
    MET,
    NOT_ASSESSABLE,
    NOT_MET,
    Figure,
    assess,
    criteria_for,
    flag_below,
    judge,
    overall,
    parse_criterion,
)


def iv(est, lo, hi):
    return {"estimate": est, "ci_low": lo, "ci_high": hi, "method": "wilson"}


@pytest.mark.parametrize(
    "interval, outcome",
    [
        (iv(0.90, 0.85, 0.94), MET),  # whole interval above 0.80
        (iv(0.90, 0.80, 0.94), MET),  # lower bound exactly on the threshold counts as met
        (iv(0.85, 0.75, 0.92), INCONCLUSIVE),  # straddles: point estimate above, bound below
        (iv(0.78, 0.70, 0.85), INCONCLUSIVE),  # straddles: point estimate below
        (iv(0.60, 0.50, 0.79), NOT_MET),  # whole interval below
    ],
)
def test_minimum_compares_bounds_not_estimate(interval, outcome):
    assert judge("sensitivity_ci_low_min", 0.80, interval).outcome == outcome
    assert judge("sensitivity_min", 0.80, interval).outcome == outcome  # synonym


@pytest.mark.parametrize(
    "interval, outcome",
    [
        (iv(0.2, 0.1, 0.3), MET),
        (iv(0.45, 0.4, 0.5), NOT_MET),
        (iv(0.33, 0.3, 0.36), INCONCLUSIVE),
        (iv(0.3, 0.25, 0.35), MET),  # upper bound exactly on the threshold counts as met
    ],
)
def test_maximum(interval, outcome):
    assert judge("lr_negative_max", 0.35, interval).outcome == outcome
    assert judge("lr_negative_ci_high_max", 0.35, interval).outcome == outcome


@pytest.mark.parametrize(
    "interval, outcome",
    [
        (iv(1.0, 0.9, 1.1), MET),
        (iv(1.0, 0.8, 1.2), MET),  # ends included
        (iv(1.0, 0.7, 1.1), INCONCLUSIVE),  # pokes out below
        (iv(1.0, 0.6, 1.4), INCONCLUSIVE),  # wider than the range on both sides
        (iv(0.5, 0.4, 0.7), NOT_MET),  # entirely below
        (iv(1.5, 1.3, 1.7), NOT_MET),  # entirely above
    ],
)
def test_range(interval, outcome):
    assert judge("calibration_slope_range", [0.8, 1.2], interval).outcome == outcome


def test_contains():
    assert judge("calibration_slope_ci_contains", 1, iv(0.9, 0.7, 1.1)).outcome == MET
    assert judge("calibration_slope_ci_contains", 1, iv(0.6, 0.5, 0.8)).outcome == NOT_MET


def test_not_assessable_with_reason():
    missing = judge("icc_ci_low_min", 0.7, None)
    assert (missing.outcome, missing.reason) == (NOT_ASSESSABLE, "not assessed in this run")
    undefined = judge(
        "sensitivity_min",
        0.8,
        {
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "method": "wilson",
            "reason": "no reference-positive records",
        },
    )
    assert undefined.outcome == NOT_ASSESSABLE and "no reference-positive" in undefined.reason
    no_interval = judge("auc_min", 0.7, Figure(0.8, None, None))
    assert no_interval.outcome == NOT_ASSESSABLE


def test_judgement_keeps_figure_and_bound():
    j = judge("specificity_min", 0.9, iv(0.95, 0.93, 0.96))
    assert (j.statistic, j.rule, j.bound, j.figure.ci_low) == ("specificity", "min", (0.9,), 0.93)


def test_assess_keeps_order_and_skips_settings():
    crit = {
        "cutoff": 3,
        "specificity_min": 0.9,
        "sensitivity_ci_low_min": 0.8,
        "icc_type": "ICC2",
        "icc_ci_low_min": 0.7,
    }
    figures = {"sensitivity": iv(0.9, 0.85, 0.95), "specificity": iv(0.8, 0.7, 0.85)}
    res = assess(crit, figures)
    assert [(j.key, j.outcome) for j in res] == [
        ("specificity_min", NOT_MET),
        ("sensitivity_ci_low_min", MET),
        ("icc_ci_low_min", NOT_ASSESSABLE),
    ]


@pytest.mark.parametrize(
    "outcomes, word",
    [
        ([MET, MET], MET),
        ([MET, INCONCLUSIVE], INCONCLUSIVE),
        ([MET, INCONCLUSIVE, NOT_MET], NOT_MET),
        ([MET, NOT_ASSESSABLE], NOT_ASSESSABLE),
        ([INCONCLUSIVE, NOT_ASSESSABLE], INCONCLUSIVE),
        ([], NOT_ASSESSABLE),
    ],
)
def test_overall(outcomes, word):
    js = [
        judge(
            "x_min",
            0.5,
            {MET: iv(0.9, 0.8, 1), NOT_MET: iv(0.1, 0, 0.2), INCONCLUSIVE: iv(0.5, 0.4, 0.6), NOT_ASSESSABLE: None}[o],
        )
        for o in outcomes
    ]
    assert [j.outcome for j in js] == outcomes
    assert overall(js) == word


@pytest.mark.parametrize(
    "key, value",
    [
        ("sensitivity", 0.8),
        ("sensitivity_min", "high"),
        ("sensitivity_min", True),
        ("calibration_slope_range", [1.2, 0.8]),
        ("calibration_slope_range", 1.0),
        ("_min", 0.5),
    ],
)
def test_bad_criteria_are_usage_errors(key, value):
    with pytest.raises(UsageError):
        parse_criterion(key, value)


def test_criteria_for_merges_default_name_and_version():
    config = {
        "default": {"sensitivity_ci_low_min": 0.8, "specificity_min": 0.9},
        "risk-checklist": {"specificity_min": 0.85},
        "risk-checklist@2": {"sensitivity_ci_low_min": None, "cutoff": 3},
    }
    assert criteria_for(config, "risk-checklist@2") == {"specificity_min": 0.85, "cutoff": 3}
    assert criteria_for(config, "risk-checklist@1") == {"sensitivity_ci_low_min": 0.8, "specificity_min": 0.85}
    assert criteria_for(config, "sdq-parent@1") == {"sensitivity_ci_low_min": 0.8, "specificity_min": 0.9}
    assert criteria_for(None, "x@1") == {}


# ------------------------------------------------------------------ reliability thresholds = criteria
@pytest.mark.parametrize(
    "interval, outcome, flagged",
    [
        (iv(0.90, 0.75, 0.95), MET, False),
        (iv(0.80, 0.65, 0.90), INCONCLUSIVE, True),  # the estimate clears 0.70, the lower bound does not
        (iv(0.60, 0.50, 0.69), NOT_MET, True),
        (iv(0.90, None, None), NOT_ASSESSABLE, None),  # no interval: neither flagged nor passed
        ({"estimate": None, "reason": "constant ratings"}, NOT_ASSESSABLE, None),
    ],
)
def test_flag_below_is_the_minimum_criterion(interval, outcome, flagged):
    f = flag_below({"icc": interval}, {"icc": 0.70})[0]
    assert (f.outcome, f.flagged) == (outcome, flagged)
    assert f.outcome == judge("icc_ci_low_min", 0.70, interval).outcome
    d = f.to_dict()
    assert d["bound"] == "ci_low" and d["value"] == interval.get("ci_low") and d["flagged"] is flagged
    assert d["threshold"] == 0.70 and d["estimate"] == interval.get("estimate")


def test_flag_below_reads_result_objects_and_keeps_order():
    from signalering.stats import reliability as rel

    alpha = rel.cronbach_alpha([[1, 2, 1], [2, 3, 2], [3, 3, 4], [4, 5, 4], [5, 5, 5], [2, 1, 2]])
    flags = flag_below(
        {"alpha": alpha, "plain": 0.9, "omega": rel.mcdonald_omega([[1.0, 1.0], [1.0, 1.0]])},
        {"omega": 0.7, "alpha": 0.7, "plain": 0.7, "absent": 0.7},
    )
    assert [f.statistic for f in flags] == ["omega", "alpha", "plain", "absent"]
    assert flags[1].value == alpha.ci_low and flags[1].flagged is (alpha.ci_low < 0.7)
    assert [f.flagged for f in (flags[0], flags[2], flags[3])] == [None, None, None]
    assert flags[3].reason == "not assessed in this run" and flags[2].reason == "no interval"
    with pytest.raises(UsageError, match="'thresholds' parameter of flag_below"):
        flag_below({}, {"icc": "high"})
