"""Subgroup accuracy: per-group documents equal the single-group computation, largest differences,
Newcombe's interval, the homogeneity test, and calibration for probability scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from signalering import documents
from signalering.errors import UsageError
from signalering.stats import subgroups
from signalering.stats.counts import CountTable


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(11)
    n = 3000
    sex = rng.choice(["m", "f"], n)
    site = rng.choice(["s1", "s2", "s3"], n, p=[0.5, 0.4, 0.1])
    y = (rng.random(n) < 0.2).astype(float)
    y[rng.random(n) < 0.05] = np.nan
    shift = np.where(site == "s3", 0.3, 1.0)  # the instrument works worse at s3
    score = np.clip(np.round(rng.normal(size=n) + shift * np.nan_to_num(y) + 2), 0, 6)
    p = 1 / (1 + np.exp(-(score - 4)))
    return pd.DataFrame({"score": score, "prob": p, "reference": y, "child_sex": sex, "site": site})


def test_each_group_equals_the_accuracy_document_of_its_records(frame):
    doc = documents.subgroup_document(frame, "score", "reference", ["child_sex", "site"], cutoffs=[3, 4])
    for col in ("child_sex", "site"):
        for g, gdoc in doc["subgroups"][col]["groups"].items():
            sub = frame[frame[col] == g]
            expected = documents.accuracy_document(CountTable.from_scores(sub.score, sub.reference), [3, 4])
            expected.pop("schema_version")
            assert gdoc == expected
    total = sum(doc["subgroups"]["site"]["groups"][g]["n_positive"] for g in ("s1", "s2", "s3"))
    assert total == doc["overall"]["n_positive"]


def test_largest_difference_names_the_extreme_groups(frame):
    doc = documents.subgroup_document(frame, "score", "reference", ["site"], cutoffs=[3])
    groups = doc["subgroups"]["site"]["groups"]
    ld = doc["subgroups"]["site"]["largest_difference"][0]
    sens = {g: d["thresholds"][0]["sensitivity"]["estimate"] for g, d in groups.items()}
    assert ld["sensitivity"]["highest"]["group"] == max(sens, key=sens.get)
    assert ld["sensitivity"]["lowest"]["group"] == min(sens, key=sens.get) == "s3"
    assert ld["sensitivity"]["difference"]["estimate"] == pytest.approx(max(sens.values()) - min(sens.values()))
    fpr = {g: 1 - d["thresholds"][0]["specificity"]["estimate"] for g, d in groups.items()}
    assert ld["false_positive_rate"]["difference"]["estimate"] == pytest.approx(max(fpr.values()) - min(fpr.values()))
    iv = ld["sensitivity"]["difference"]
    assert iv["ci_low"] < iv["estimate"] < iv["ci_high"] and iv["method"] == "newcombe-hybrid"


def test_newcombe_matches_published_example():
    # Newcombe (1998) Stat Med 17:873-890, table II example (a): 56/70 - 48/80 = 0.2000 (0.0524, 0.3339)
    d, lo, hi = subgroups.newcombe_difference(56, 70, 48, 80)
    assert (d[0], lo[0], hi[0]) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)
    d, lo, hi = subgroups.newcombe_difference(9, 10, 3, 10)
    assert (d[0], lo[0], hi[0]) == pytest.approx((0.6, 0.1705, 0.8090), abs=5e-5)


def test_homogeneity_test_equals_pearson_chi_square():
    x, n = np.array([30, 45, 12]), np.array([50, 60, 40])
    res = subgroups.homogeneity_test(x, n)
    stat, p, df, _ = chi2_contingency(np.vstack([x, n - x]).T, correction=False)
    assert (res["statistic"], res["p_value"], res["df"]) == pytest.approx((stat, p, df))
    assert subgroups.homogeneity_test([0, 0], [10, 20])["statistic"] is None


def test_missing_subgroup_value_forms_its_own_group(frame):
    f = frame.copy()
    f["child_sex"] = f["child_sex"].astype(object)
    f.loc[f.index[:40], "child_sex"] = None
    doc = documents.subgroup_document(f, "score", "reference", ["child_sex"], cutoffs=[3])
    assert subgroups.MISSING_GROUP in doc["subgroups"]["child_sex"]["groups"]
    assert sum(g["n"] for g in doc["subgroups"]["child_sex"]["groups"].values()) == doc["overall"]["n"]


def test_probability_scores_get_calibration_per_group(frame):
    doc = documents.subgroup_document(frame, "prob", "reference", ["child_sex"], cutoffs=[0.5], probability=True)
    for g in doc["subgroups"]["child_sex"]["groups"].values():
        assert {"n", "n_events", "calibration_slope", "brier"} <= set(g["calibration"])
    assert "calibration" not in documents.subgroup_document(frame, "score", "reference", ["site"])["overall"]


def test_unknown_column_is_a_usage_error(frame):
    with pytest.raises(UsageError):
        documents.subgroup_document(frame, "score", "reference", ["nope"])


def test_direction_lower_equals_negated_higher(frame):
    f = frame.assign(neg=-frame.score)
    a = documents.subgroup_document(f, "score", "reference", ["site"], cutoffs=[3])
    b = documents.subgroup_document(f, "neg", "reference", ["site"], cutoffs=[-3], direction="lower")
    for g in ("s1", "s2", "s3"):
        ta, tb = (
            a["subgroups"]["site"]["groups"][g]["thresholds"][0],
            b["subgroups"]["site"]["groups"][g]["thresholds"][0],
        )
        assert (ta["tp"], ta["fp"], ta["tn"], ta["fn"]) == (tb["tp"], tb["fp"], tb["tn"], tb["fn"])
