"""Cut-point rules (brute force and hand-worked), ties, constraints, bootstrap distribution and optimism."""

from __future__ import annotations

import numpy as np
import pytest

from signalering.errors import UsageError
from signalering.stats import bootstrap, cutpoints
from signalering.stats.counts import CountTable
from signalering.stats.cutpoints import CutpointRule, choose_cutpoint, cutpoint_summary

# methodology.md section 5 fixture. Candidates (score >= c): sens, spec
#   c=0: 1, 0    c=1: 1, .6    c=2: .75, .8    c=3: .25, 1
FIXTURE = CountTable.from_scores([3, 2, 2, 1, 2, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0])


def brute(score, ref, rule: CutpointRule):
    """Every observed score as a cut-off; the same tie rule as the module, evaluated record by record."""
    cands = np.unique(score)
    m, n = (ref == 1).sum(), (ref == 0).sum()
    best, best_c = -np.inf, None
    order = cands if rule.method == "max_specificity" else cands[::-1]
    for c in order:
        sens = ((score >= c) & (ref == 1)).sum() / m
        spec = ((score < c) & (ref == 0)).sum() / n
        v, _, _ = cutpoints.criterion(np.array([sens * m]), np.array([(1 - spec) * n]), m, n, rule)
        if v[0] > best + 1e-12:
            best, best_c = v[0], c
    return best_c


@pytest.mark.parametrize(
    "rule,cutoff",
    [
        (CutpointRule("youden"), 1.0),  # J: -, .6, .55, .25
        (CutpointRule("closest_to_01"), 2.0),  # distances: 1, .4, .32, .75
        (CutpointRule("max_sensitivity", min_specificity=0.8), 2.0),
        (CutpointRule("max_sensitivity", min_specificity=0.5), 1.0),
        (CutpointRule("max_specificity", min_sensitivity=0.7), 2.0),
        (CutpointRule("max_specificity", min_sensitivity=1.0), 1.0),
        (CutpointRule("min_cost", cost_ratio=1.0), 2.0),  # errors: 5, 2, 2 (tie -> stricter), 3
        (CutpointRule("min_cost", cost_ratio=10.0), 1.0),
    ],
)
def test_hand_worked_rules(rule, cutoff):
    assert choose_cutpoint(FIXTURE, rule).cutoff == cutoff


def test_reported_values_and_criterion():
    r = choose_cutpoint(FIXTURE, CutpointRule("closest_to_01"))
    assert (r.sensitivity, r.specificity) == pytest.approx((0.75, 0.8))
    assert r.criterion == pytest.approx(np.sqrt(0.25**2 + 0.2**2))
    c = choose_cutpoint(FIXTURE, CutpointRule("min_cost", cost_ratio=2.0, prevalence=0.1))
    # C = 2 * .1 * (1 - sens) + .9 * (1 - spec): c=0 .9, c=1 .36, c=2 .23, c=3 .15
    assert c.cutoff == 3.0 and c.criterion == pytest.approx(0.15)


def test_ties_go_to_the_stricter_cutoff_except_max_specificity():
    t = CountTable.from_scores([0, 1, 2, 3], [0, 1, 0, 1])  # J(1) = J(3) = .5 -> 3
    assert choose_cutpoint(t, CutpointRule("youden")).cutoff == 3.0
    # specificity 1 at cut-offs 3 (sens .5); among equal spec the lenient one has more sensitivity
    u = CountTable.from_scores([0, 2, 3, 3], [0, 1, 1, 1])
    assert choose_cutpoint(u, CutpointRule("max_specificity", min_sensitivity=0.5)).cutoff == 2.0


def test_infeasible_constraint_and_one_class_give_reasons():
    t = CountTable.from_scores([1, 2, 3], [1, 0, 0])
    r = choose_cutpoint(t, CutpointRule("max_sensitivity", min_specificity=1.0))
    assert r.cutoff is None and "constraint" in r.reason
    r = choose_cutpoint(CountTable.from_scores([1, 2], [0, 0]), CutpointRule())
    assert r.cutoff is None and r.reason


def test_lower_direction_reports_original_scale():
    t = CountTable.from_scores([-3, -2, -2, -1, -2, -1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0], "lower")
    assert choose_cutpoint(t, CutpointRule("youden")).cutoff == -1.0
    assert choose_cutpoint(t, CutpointRule("closest_to_01")).cutoff == -2.0


@pytest.mark.parametrize(
    "rule",
    [
        CutpointRule("youden"),
        CutpointRule("closest_to_01"),
        CutpointRule("max_sensitivity", min_specificity=0.85),
        CutpointRule("max_specificity", min_sensitivity=0.6),
        CutpointRule("min_cost", cost_ratio=4.0),
        CutpointRule("min_cost", cost_ratio=0.5, prevalence=0.02),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rules_match_brute_force(rule, seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.3).astype(float)
    s = np.round(rng.normal(1.2 * y, 1.0), 1)
    got = choose_cutpoint(CountTable.from_scores(s, y), rule).cutoff
    assert got == brute(s, y, rule)


def test_rule_validation():
    with pytest.raises(UsageError, match="method"):
        CutpointRule("best")
    with pytest.raises(UsageError, match="min_specificity"):
        CutpointRule("max_sensitivity")
    with pytest.raises(UsageError, match="min_sensitivity"):
        CutpointRule("max_specificity", min_sensitivity=2)
    with pytest.raises(UsageError, match="cost_ratio"):
        CutpointRule("min_cost", cost_ratio=0)
    with pytest.raises(UsageError, match="prevalence"):
        CutpointRule("min_cost", prevalence=1.0)


def test_rules_from_options():
    names = [r.method for r in cutpoints.rules_from_options(min_specificity=0.9)]
    assert names == ["youden", "closest_to_01", "min_cost", "max_sensitivity"]


def test_summary_optimism_is_harrell_formula():
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.2).astype(float)
    t = CountTable.from_scores(np.clip(np.round(rng.normal(3 + 1.5 * y, 1.5)), 0, 9), y)
    rule = CutpointRule("youden")
    boot = bootstrap.bootstrap_accuracy(t, 500, np.random.default_rng(8), cutpoint_rules=[rule])
    out = cutpoint_summary(t, rule, boot)
    apparent = choose_cutpoint(t, rule)
    opt = np.mean(boot.cutpoint_boot["youden"]["sensitivity"] - boot.cutpoint_orig["youden"]["sensitivity"])
    assert out["optimism_corrected"]["sensitivity"] == pytest.approx(apparent.sensitivity - opt, abs=1e-12)
    assert out["optimism_corrected"]["optimism_sensitivity"] == pytest.approx(opt, abs=1e-12)
    chosen = t.scores[boot.cutpoint_index["youden"]]
    assert out["bootstrap"]["share_same_cutoff"] == pytest.approx(np.mean(chosen == apparent.cutoff))
    assert sum(f["share"] for f in out["bootstrap"]["frequencies"]) == pytest.approx(1.0)
    assert out["bootstrap"]["cutoff_ci_low"] <= out["bootstrap"]["cutoff_median"] <= out["bootstrap"]["cutoff_ci_high"]
    # choosing the best of many cut-offs on the same data flatters Youden's J on average
    j_opt = out["optimism_corrected"]["optimism_sensitivity"] + out["optimism_corrected"]["optimism_specificity"]
    assert j_opt > 0


def test_summary_without_bootstrap_is_apparent_only():
    out = cutpoint_summary(FIXTURE, CutpointRule("youden"))
    assert out == {
        "method": "youden",
        "prespecified": False,
        "cutoff": 1.0,
        "sensitivity": 1.0,
        "specificity": 0.6,
        "criterion": pytest.approx(0.6),
    }
