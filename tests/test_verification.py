"""Begg-Greenes correction for partial verification: worked example, IPW equivalence, r-analysis, bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from signalering import documents
from signalering.errors import UsageError
from signalering.stats import verification
from signalering.stats.counts import CountTable


def sputovamo() -> CountTable:
    """methodology.md section 6: 50,671 screened, 108 positive (all verified), 5,484 of 50,563 negatives verified."""
    return CountTable.from_counts([0, 1], n_pos=[52, 9], n_neg=[5432, 99], n_unverified=[50563 - 5484, 0])


def test_worked_example():
    row = verification.begg_greenes(sputovamo(), [1]).iloc[0]
    assert round(row.sensitivity_corrected, 4) == 0.0184
    assert round(row.specificity_corrected, 5) == 0.99803
    assert round(row.prevalence_corrected, 5) == 0.00964
    assert round(row.sensitivity_naive, 4) == 0.1475 and round(row.specificity_naive, 4) == 0.9821
    assert (row.n_unverified_screen_positive, row.n_unverified_screen_negative) == (0, 45079)
    w = verification.begg_greenes_cells(9, 99, 52, 5432, 0, 45079)
    assert round(float(w["fn_w"]), 1) == 479.4 and round(float(w["tn_w"]), 1) == 50083.6


def test_formula_in_probabilities():
    p_t1 = 108 / 50671
    p_d_t1, p_d_t0 = 9 / 108, 52 / 5484
    sens = p_t1 * p_d_t1 / (p_t1 * p_d_t1 + (1 - p_t1) * p_d_t0)
    spec = (1 - p_t1) * (1 - p_d_t0) / ((1 - p_t1) * (1 - p_d_t0) + p_t1 * (1 - p_d_t1))
    row = verification.begg_greenes(sputovamo(), [1]).iloc[0]
    assert (row.sensitivity_corrected, row.specificity_corrected) == pytest.approx((sens, spec), rel=1e-12)


def test_equals_inverse_probability_weighting_of_records():
    rng = np.random.default_rng(0)
    n = 4000
    d = rng.random(n) < 0.1
    s = np.clip(np.round(rng.normal(2 + 2 * d, 1.2)), 0, 8)
    verified = np.where(s >= 4, rng.random(n) < 0.9, rng.random(n) < 0.2)  # depends on the screen only
    ref = np.where(verified, d.astype(float), np.nan)
    t = CountTable.from_scores(s, ref)
    row = verification.begg_greenes(t, [4]).iloc[0]
    screen = s >= 4
    w = np.zeros(n)
    for stratum in (True, False):
        sel = screen == stratum
        w[sel & verified] = sel.sum() / (sel & verified).sum()
    sens_ipw = w[screen & verified & d].sum() / w[verified & d].sum()
    spec_ipw = w[~screen & verified & ~d].sum() / w[verified & ~d].sum()
    assert (row.sensitivity_corrected, row.specificity_corrected) == pytest.approx((sens_ipw, spec_ipw), rel=1e-12)
    # and it removes most of the bias of the naive estimates against the truth
    true_sens = (screen & d).sum() / d.sum()
    assert abs(row.sensitivity_corrected - true_sens) < abs(row.sensitivity_naive - true_sens)


def test_no_unverified_records_means_no_correction():
    t = CountTable.from_scores([0, 1, 2, 3, 1], [0, 0, 1, 1, 1])
    row = verification.begg_greenes(t, [2]).iloc[0]
    assert row.sensitivity_corrected == pytest.approx(row.sensitivity_naive)
    assert row.specificity_corrected == pytest.approx(row.specificity_naive)


def test_undefined_when_a_screen_stratum_has_no_verified_record():
    t = CountTable.from_counts([0, 1], n_pos=[3, 0], n_neg=[10, 0], n_unverified=[0, 5])
    row = verification.begg_greenes(t, [1]).iloc[0]
    assert np.isnan(row.sensitivity_corrected)


def test_sensitivity_analysis_r_multipliers():
    sa = verification.sensitivity_analysis(sputovamo(), [1])
    assert sa.r.tolist() == [0.5, 1.0, 2.0, 5.0]
    bg = verification.begg_greenes(sputovamo(), [1]).iloc[0]
    one = sa[sa.r == 1.0].iloc[0]
    assert one.sensitivity == pytest.approx(bg.sensitivity_corrected, rel=1e-12)
    assert np.all(np.diff(sa.sensitivity) < 0) and np.all(np.diff(sa.prevalence) > 0)
    # r = 2: fn_w = 52 + 45079 * 2 * 52/5484
    fn_w = 52 + 45079 * 2 * 52 / 5484
    assert sa[sa.r == 2.0].iloc[0].sensitivity == pytest.approx(9 / (9 + fn_w), rel=1e-12)
    with pytest.raises(UsageError, match="'r' parameter"):
        verification.sensitivity_analysis(sputovamo(), [1], r=[-1])


def test_bootstrap_interval_holds_estimate_and_is_reproducible():
    a = verification.bootstrap_begg_greenes(sputovamo(), [1], 2000, np.random.default_rng(1)).iloc[0]
    b = verification.bootstrap_begg_greenes(sputovamo(), [1], 2000, np.random.default_rng(1)).iloc[0]
    assert a.equals(b)
    assert a.sensitivity_ci_low < 0.0184 < a.sensitivity_ci_high
    assert a.specificity_ci_low < 0.99803 < a.specificity_ci_high
    # the sensitivity interval is dominated by the binomial uncertainty of fn among 5,484 verified negatives
    assert 0.005 < a.sensitivity_ci_low and a.sensitivity_ci_high < 0.04
    assert a.replicates_undefined == 0


def test_document_names_naive_and_corrected():
    doc = documents.accuracy_document(sputovamo(), [1], n_boot=300, seed=2)
    v = doc["verification_corrected"]
    assert v["method"] == "begg-greenes" and v["n_unverified"] == 45079
    entry = v["thresholds"][0]
    assert entry["naive"]["note"] == "verified records only"
    assert round(entry["naive"]["sensitivity"]["estimate"], 4) == 0.1475
    assert round(entry["corrected"]["sensitivity"]["estimate"], 4) == 0.0184
    assert entry["corrected"]["sensitivity"]["ci_low"] < entry["corrected"]["sensitivity"]["estimate"]
    assert entry["n_screen_negative"] == 50563 and entry["n_screen_positive"] == 108
    assert [r["r"] for r in entry["sensitivity_analysis"]] == [0.5, 1.0, 2.0, 5.0]
