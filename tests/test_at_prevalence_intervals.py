"""PPV, NPV and per-1000 counts at a fixed target prevalence, with intervals (Mercaldo, Lau & Zhou 2007)."""

import numpy as np
import pytest

from signalering.stats.accuracy import at_prevalence_intervals


def table(tp, fp, fn, tn, prev=(0.034,), **kw):
    return at_prevalence_intervals(tp, fp, fn, tn, list(prev), **kw).set_index(["prevalence", "statistic"])


def test_hand_worked_example():
    # sens = spec = 0.9 (tp 45, fn 5, fp 20, tn 180): LR+ = 9, SE(ln LR+) = sqrt(1/45 - 1/50 + 1/20 - 1/200)
    # = 0.217307; z = 1.959964: LR+ from 9 exp(-0.425913) = 5.8785 to 9 exp(0.425913) = 13.779;
    # PPV(0.034) = 0.034 LR / (0.034 LR + 0.966): 0.240566 (0.171434 to 0.326588).
    # LR- = 0.1/0.9 = 0.111111, SE(ln LR-) = sqrt(1/5 - 1/50 + 1/180 - 1/200) = 0.424918,
    # LR- from 0.048313 to 0.255534; NPV = 0.966 / (0.966 + 0.034 LR-): 0.996104 (0.991086 to 0.998302).
    r = table(45, 20, 5, 180).loc[0.034]
    assert [r.loc["ppv", k] for k in ("estimate", "ci_low", "ci_high")] == pytest.approx(
        [0.240566, 0.171434, 0.326587], abs=3e-6
    )
    assert [r.loc["npv", k] for k in ("estimate", "ci_low", "ci_high")] == pytest.approx(
        [0.996104, 0.991086, 0.998302], abs=3e-6
    )
    # per 1000: TP = 34 x sens; its interval is the Wilson interval of 45/50 (0.78640 to 0.95652) x 34
    assert [r.loc["tp_per_1000", k] for k in ("estimate", "ci_low", "ci_high")] == pytest.approx(
        [30.6, 26.7376, 32.5217], abs=1e-3
    )
    assert r.loc["fn_per_1000", "ci_low"] == pytest.approx(34 - r.loc["tp_per_1000", "ci_high"])
    assert r.loc["fp_per_1000", "estimate"] == pytest.approx(96.6)


def test_zero_false_positives_give_ppv_one_with_upper_bound_one():
    r = table(30, 0, 10, 200).loc[0.034]
    assert r.loc["ppv", "estimate"] == 1.0 and r.loc["ppv", "ci_high"] == 1.0
    assert 0 < r.loc["ppv", "ci_low"] < 1
    r = table(0, 10, 40, 200).loc[0.034]
    assert r.loc["ppv", "estimate"] == 0.0 and r.loc["ppv", "ci_low"] == 0.0 and r.loc["ppv", "ci_high"] > 0


def test_nobody_screens_positive_is_undefined_with_reason():
    r = table(0, 0, 40, 200).loc[0.034]
    assert np.isnan(r.loc["ppv", "estimate"]) and r.loc["ppv", "reason"] == "nobody screens positive"
    assert r.loc["npv", "estimate"] == pytest.approx(0.966 / (0.966 + 0.034))


def test_one_class_only_is_undefined():
    r = table(10, 0, 5, 0)
    assert r["estimate"].isna().all() and (r["reason"] == "needs reference-positive and -negative records").all()


def test_ppv_rises_with_prevalence_and_intervals_contain_estimates():
    r = at_prevalence_intervals(40, 30, 10, 300, [0.01, 0.034, 0.15, 0.5])
    ppv = r[r.statistic == "ppv"]
    assert np.all(np.diff(ppv["estimate"]) > 0)
    assert np.all((r["ci_low"] <= r["estimate"] + 1e-12) & (r["estimate"] <= r["ci_high"] + 1e-12))


@pytest.mark.slow
def test_ppv_interval_covers_the_true_value_at_the_nominal_rate():
    rng = np.random.default_rng(20261206)
    se, sp, prev, n1, n0 = 0.8, 0.9, 0.034, 60, 400
    true_ppv = prev * se / (prev * se + (1 - prev) * (1 - sp))
    true_npv = (1 - prev) * sp / ((1 - prev) * sp + prev * (1 - se))
    hit_ppv = hit_npv = 0
    reps = 2000
    for _ in range(reps):
        tp, tn = rng.binomial(n1, se), rng.binomial(n0, sp)
        r = table(tp, n0 - tn, n1 - tp, tn, (prev,)).loc[prev]
        hit_ppv += r.loc["ppv", "ci_low"] <= true_ppv <= r.loc["ppv", "ci_high"]
        hit_npv += r.loc["npv", "ci_low"] <= true_npv <= r.loc["npv", "ci_high"]
    assert 0.93 <= hit_ppv / reps <= 0.975 and 0.93 <= hit_npv / reps <= 0.985
