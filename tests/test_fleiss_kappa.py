"""Fleiss' kappa for three or more raters (reliability.fleiss_kappa).

References: Fleiss (1971) Table 1 with R irr::kappam.fleiss's estimate and Fleiss-Nee-Landis z
(tests/reference/irr/); a hand-worked 10-subject, 14-rater example; Scott's pi by hand for two
raters; Gwet's linearised variance against the jackknife computed here, and interval coverage in a
simulation whose true kappa is known (theta^2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signalering.errors import UsageError
from signalering.stats.reliability import fleiss_kappa, reliability_summary

REF = Path(__file__).parent / "reference" / "irr" / "fleiss1971_diagnoses.json"


def _ratings_from_counts(counts) -> np.ndarray:
    """Subjects x raters codes from a subjects x categories table of counts."""
    return np.array([np.repeat(np.arange(len(row)), row) for row in np.asarray(counts)])


def test_fleiss_1971_matches_irr():
    ref = json.loads(REF.read_text())
    r = fleiss_kappa(np.array(ref["ratings"], dtype=float))
    exp = ref["expected"]
    assert (r.n_subjects, r.n_raters, r.n_categories) == (exp["subjects"], exp["raters"], 5)
    assert r.estimate == pytest.approx(exp["kappa"], abs=5e-8)
    assert r.z == pytest.approx(exp["z"], abs=5e-6)
    assert r.se_h0 == pytest.approx(exp["kappa"] / exp["z"], rel=1e-6)
    assert r.p_value < 1e-60
    assert round(r.estimate, 3) == 0.430  # as Fleiss (1971) reports it


def test_hand_worked_ten_subjects_fourteen_raters():
    # 10 subjects, 14 raters, 5 categories: p_j = (.143, .200, .279, .171, .207), P = 0.378,
    # P_e = 0.213, kappa = (0.378 - 0.213) / (1 - 0.213) = 0.210 (worked by hand)
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    r = fleiss_kappa(_ratings_from_counts(counts))
    assert round(r.estimate, 3) == 0.210
    # exact: sum_i (sum_j n_ij^2 - 14) = 688 over 10 * 14 * 13 = 1820 -> P = 688/1820; category totals
    # (20, 28, 39, 21, 32) of 140 -> P_e = 4170/19600
    big_p, p_e = 688 / 1820, 4170 / 19600
    assert r.estimate == pytest.approx((big_p - p_e) / (1 - p_e), abs=1e-12)


def test_two_raters_give_scotts_pi():
    # 40 (1,1), 40 (2,2), 10 (1,2), 10 (2,1): P_o = 0.8, p = (0.5, 0.5), P_e = 0.5 -> pi = 0.6
    rows = [(1, 1)] * 40 + [(2, 2)] * 40 + [(1, 2)] * 10 + [(2, 1)] * 10
    r = fleiss_kappa(np.array(rows, dtype=float))
    assert r.estimate == pytest.approx(0.6, abs=1e-12)
    # H0 variance by hand: sum pq = 0.5, sum pq(q-p) = 0 -> var0 = 2 / (100 * 2 * 1) * 0.25 / 0.25 = 0.01
    assert r.se_h0 == pytest.approx(0.1, abs=1e-12)


def _jackknife_se(x: np.ndarray) -> float:
    n = len(x)
    loo = np.array([fleiss_kappa(np.delete(x, i, axis=0)).estimate for i in range(n)])
    return float(np.sqrt((n - 1) / n * ((loo - loo.mean()) ** 2).sum()))


def _simulate(rng, n_subjects, n_raters, theta, pi):
    """Each rater gives the subject's true class with probability theta, else a draw from pi (the true
    classes' distribution): the population Fleiss kappa is theta^2."""
    k = len(pi)
    true = rng.choice(k, size=n_subjects, p=pi)
    noise = rng.choice(k, size=(n_subjects, n_raters), p=pi)
    keep = rng.random((n_subjects, n_raters)) < theta
    return np.where(keep, true[:, None], noise).astype(float)


def test_gwet_variance_agrees_with_the_jackknife():
    ref = json.loads(REF.read_text())
    x = np.array(ref["ratings"], dtype=float)
    r = fleiss_kappa(x)
    assert r.se == pytest.approx(_jackknife_se(x), rel=0.05)  # 0.0542 vs 0.0551 with 30 subjects
    big = _simulate(np.random.default_rng(7), 600, 4, 0.7, [0.5, 0.3, 0.2])
    assert fleiss_kappa(big).se == pytest.approx(_jackknife_se(big), rel=0.01)
    assert r.ci_low == pytest.approx(r.estimate - 1.959964 * r.se, abs=1e-6)


def test_interval_covers_the_true_kappa():
    rng = np.random.default_rng(20261206)
    theta, reps = 0.6, 400
    hits = sum(
        (lambda r: r.ci_low <= theta**2 <= r.ci_high)(fleiss_kappa(_simulate(rng, 80, 3, theta, [0.6, 0.25, 0.15])))
        for _ in range(reps)
    )
    # 95% nominal: 380 expected, binomial sd 4.4; the H0 standard error would cover far less often
    assert 365 <= hits <= 395


def test_perfect_agreement_and_one_category_and_too_few_subjects():
    r = fleiss_kappa(np.array([[1, 1, 1], [2, 2, 2], [3, 3, 3]], dtype=float))
    assert (r.estimate, r.se, r.ci_low, r.ci_high) == (1.0, 0.0, 1.0, 1.0)
    r = fleiss_kappa(np.array([[2, 2, 2], [2, 2, 2]], dtype=float))
    assert r.estimate is None and "0/0" in r.reason and r.to_dict()["reason"] == r.reason
    r = fleiss_kappa(np.array([[1, 2, np.nan], [2, 2, 2]], dtype=float))
    assert r.estimate is None and r.n_subjects == 1 and "fewer than two" in r.reason
    with pytest.raises(UsageError, match="two or more rater columns"):
        fleiss_kappa(np.array([[1.0], [2.0]]))


def test_only_subjects_rated_by_every_column_are_used():
    x = np.array([[1, 1, 1], [2, 2, 1], [1, 2, 2], [2, 2, 2], [1, np.nan, 1]], dtype=float)
    r = fleiss_kappa(x)
    assert (r.n_subjects, r.n_total) == (4, 5)
    assert r.estimate == pytest.approx(fleiss_kappa(x[:4]).estimate)
    # by hand on the four complete subjects: P_i = (1, 1/3, 1/3, 1), P = 2/3; p = (5/12, 7/12),
    # P_e = (25 + 49) / 144 = 74/144; kappa = (2/3 - 74/144) / (1 - 74/144) = 22/70
    assert r.estimate == pytest.approx(22 / 70, abs=1e-12)


def test_reliability_summary_adds_fleiss_kappa_for_three_categorical_raters():
    x = pd.DataFrame(_simulate(np.random.default_rng(3), 60, 3, 0.8, [0.5, 0.5]), columns=["a", "b", "c"])
    three = reliability_summary(x, ["a", "b", "c"], categorical=True)
    assert three["fleiss_kappa"]["raters"] == 3 and three["fleiss_kappa"]["method"] == "gwet-linearised"
    assert "kappa" not in three  # Cohen's kappa is for two raters
    two = reliability_summary(x, ["a", "b"], categorical=True)
    assert "fleiss_kappa" not in two and "weighted_kappa" in two
    assert "fleiss_kappa" not in reliability_summary(x, ["a", "b", "c"], categorical=False)


@pytest.mark.parametrize(
    "lang, expect",
    [("en", ("3 raters", "z = 17.65", "0.430 (0.324")), ("nl", ("3 beoordelaars", "z = 17,65", "0,430 (0,324"))],
)
def test_report_shows_fleiss_kappa_with_its_test(lang, expect):
    from signalering.report import build, views

    ref = json.loads(REF.read_text())
    doc = fleiss_kappa(np.array(ref["ratings"], dtype=float)).to_dict()
    doc["raters"] = 3  # as a three-column instrument would say
    t = build.load_texts(lang)
    view = views.reliability_view({"icc": [], "fleiss_kappa": doc}, views.Fmt(lang, t), t, "ICC1")
    ((label, value),) = view["other"]
    assert expect[0] in label and value.startswith(expect[2])
    assert expect[1] in view["fleiss"] and "<" in view["fleiss"]  # p < 0.001
    undefined = fleiss_kappa(np.array([[2, 2, 2], [2, 2, 2]], dtype=float)).to_dict()
    view = views.reliability_view({"icc": [], "fleiss_kappa": undefined}, views.Fmt(lang, t), t, "ICC1")
    assert view["fleiss"] is None and view["other"][0][1].startswith(t["undefined"])
    assert t["reasons"]["fleiss_one_category"] in view["other"][0][1]  # said in the reader's language


def test_a_criterion_on_fleiss_kappa_is_judged_on_its_lower_bound():
    from signalering.report import verdict

    ref = json.loads(REF.read_text())
    fk = fleiss_kappa(np.array(ref["ratings"], dtype=float)).to_dict()  # 0.430 (0.324 to 0.536)
    figs = verdict.verdict_figures({"auc": None}, None, None, {"icc": [], "fleiss_kappa": fk}, {})
    judged = verdict.assess({"fleiss_kappa_ci_low_min": 0.3, "fleiss_kappa_min": 0.4}, figs)
    assert [j.outcome for j in judged] == [verdict.MET, verdict.INCONCLUSIVE]


def test_reliability_command_reports_fleiss_kappa_for_six_raters(tmp_path):
    from signalering.cli import main

    ref = json.loads(REF.read_text())
    columns = [f"r{i}" for i in range(1, 7)]
    frame = pd.DataFrame(ref["ratings"], columns=columns)
    frame.insert(0, "record_id", [f"P{i:03d}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "ratings.csv", index=False)
    args = ["reliability", "--records", str(tmp_path / "ratings.csv"), "--raters", ",".join(columns)]
    assert main([*args, "--categorical", "--out", str(tmp_path / "out")]) == 0
    doc = json.loads((tmp_path / "out" / "reliability.json").read_text())
    assert doc["fleiss_kappa"]["estimate"] == pytest.approx(ref["expected"]["kappa"], abs=5e-8)
    assert doc["fleiss_kappa"]["z"] == pytest.approx(ref["expected"]["z"], abs=5e-6)
    assert doc["fleiss_kappa"]["raters"] == 6 and doc["fleiss_kappa"]["n_subjects"] == 30
