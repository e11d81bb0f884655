"""AUC with DeLong from the count table, partial AUC (McClish), ROC points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score, roc_curve

from signalering.errors import UsageError
from signalering.stats import _continuous, roc
from signalering.stats.counts import CountTable

POS, NEG = [3, 2, 2, 1], [2, 1, 0, 0, 0]  # methodology.md section 5


def fixture_table() -> CountTable:
    return CountTable.from_scores(POS + NEG, [1] * 4 + [0] * 5)


@st.composite
def score_reference_pairs(draw, max_size=60):
    n = draw(st.integers(2, max_size))
    score = np.array(draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)), dtype=float)
    ref = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=float)
    return score, ref


def test_delong_hand_worked_example():
    t = fixture_table()
    r = roc.auc_delong(t)
    assert r.estimate == pytest.approx(0.875, abs=1e-15)
    assert r.variance == pytest.approx(1 / 75, abs=1e-15)
    v10, v01 = roc.structural_components(t)
    # per distinct score 0, 1, 2, 3: positives at 1, 2, 2, 3; negatives at 0, 0, 0, 1, 2
    assert v10[[1, 2, 3]] == pytest.approx([0.7, 0.9, 1.0])
    assert v01[[0, 1, 2]] == pytest.approx([1.0, 0.875, 0.5])
    assert np.sqrt(r.variance) == pytest.approx(0.11547, abs=1e-5)
    # Wald interval 0.6487-1.1013; the upper bound is clipped to 1 (as pROC does)
    assert r.ci_low == pytest.approx(0.875 - norm.ppf(0.975) * np.sqrt(1 / 75), abs=1e-12)
    assert round(r.ci_low, 4) == 0.6487 and r.ci_high == 1.0


def test_auc_undefined_with_one_class_and_variance_needs_two_each():
    r = roc.auc_delong(CountTable.from_scores([1, 2], [1, 1]))
    assert r.estimate is None and "reference-positive and reference-negative" in r.reason
    r = roc.auc_delong(CountTable.from_scores([3, 1, 2], [1, 0, 0]))
    assert r.estimate == 1.0 and r.variance is None and "two positives" in r.reason


def test_auc_matches_sklearn_with_ties_and_continuous():
    rng = np.random.default_rng(5)
    y = (rng.random(3000) < 0.2).astype(int)
    tied = rng.integers(0, 15, 3000) + 2 * y
    cont = rng.normal(size=3000) + 0.8 * y
    for s in (tied.astype(float), cont):
        assert roc.auc_delong(CountTable.from_scores(s, y)).estimate == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_delong_variance_matches_brute_force_placement_values():
    rng = np.random.default_rng(6)
    y = (rng.random(300) < 0.3).astype(int)
    s = rng.integers(0, 6, 300) + y
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg).astype(float) + 0.5 * (pos[:, None] == neg)
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    assert roc.auc_delong(CountTable.from_scores(s, y)).variance == pytest.approx(var, rel=1e-12)


@given(score_reference_pairs())
def test_auc_equals_pair_count(pair):
    score, ref = pair
    assume(0 < ref.sum() < len(ref))
    pos, neg = score[ref == 1], score[ref == 0]
    wins = (pos[:, None] > neg).sum() + 0.5 * (pos[:, None] == neg).sum()
    t = CountTable.from_scores(score, ref)
    assert roc.auc_delong(t).estimate == pytest.approx(wins / (len(pos) * len(neg)))
    assert float(roc.auc_from_weights(t.n_pos, t.n_neg)) == pytest.approx(wins / (len(pos) * len(neg)))


@given(score_reference_pairs())
def test_lower_equals_negated_higher_and_transforms_change_nothing(pair):
    score, ref = pair
    assume(0 < ref.sum() < len(ref))
    a = roc.auc_delong(CountTable.from_scores(score, ref, "lower"))
    b = roc.auc_delong(CountTable.from_scores(-score, ref))
    c = roc.auc_delong(CountTable.from_scores(-(score**3) - 7.0, ref))  # decreasing transform of score
    assert a.estimate == pytest.approx(b.estimate) == pytest.approx(c.estimate)
    if a.variance is not None:
        assert a.variance == pytest.approx(b.variance) == pytest.approx(c.variance)
        assert 0.0 <= a.ci_low <= a.estimate <= a.ci_high <= 1.0


def test_partial_auc_hand_worked():
    # ROC points (fpr, tpr): (0,0) (0,.25) (.2,.75) (.4,1) (1,1): area over fpr [0, .2] = .2 * (.25+.75)/2
    r = roc.partial_auc(fixture_table(), (0.8, 1.0))
    assert r.estimate == pytest.approx(0.1, abs=1e-15)
    # McClish: min = .2^2/2 = .02, max = .2 -> (1 + (.1 - .02)/.18)/2
    assert r.standardised == pytest.approx((1 + 0.08 / 0.18) / 2, abs=1e-15)


def test_partial_auc_over_everything_is_the_auc_and_perfect_is_one():
    t = fixture_table()
    assert roc.partial_auc(t, (0.0, 1.0)).estimate == pytest.approx(0.875, abs=1e-15)
    assert roc.partial_auc(t, (0.0, 1.0)).standardised == pytest.approx(0.875, abs=1e-15)
    perfect = CountTable.from_scores([5, 6, 1, 2], [1, 1, 0, 0])
    assert roc.partial_auc(perfect, (0.9, 1.0)).standardised == pytest.approx(1.0)
    assert roc.partial_auc(perfect, (0.9, 1.0)).estimate == pytest.approx(0.1)


def test_partial_auc_matches_interpolated_sklearn_curve():
    rng = np.random.default_rng(7)
    y = (rng.random(500) < 0.3).astype(int)
    s = rng.normal(size=500) + y
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    grid = np.linspace(0.1, 0.3, 200_001)
    brute = np.trapezoid(np.interp(grid, fpr, tpr), grid)
    assert roc.partial_auc(CountTable.from_scores(s, y), (0.7, 0.9)).estimate == pytest.approx(brute, abs=1e-8)


def test_partial_auc_bad_range():
    with pytest.raises(UsageError, match="0 <= low < high <= 1"):
        roc.partial_auc(fixture_table(), (0.9, 0.8))
    with pytest.raises(UsageError, match="pair"):
        roc.partial_auc(fixture_table(), 0.8)
    assert roc.partial_auc(CountTable.from_scores([1, 2], [0, 0])).estimate is None


def test_auc_from_weights_is_vectorised_over_rows():
    t = fixture_table()
    w = np.stack([t.n_pos, t.n_pos * 2])
    out = roc.auc_from_weights(w, np.stack([t.n_neg, t.n_neg]))
    assert out.tolist() == pytest.approx([0.875, 0.875])


def test_roc_points_start_at_origin_and_end_at_one():
    pts = roc.roc_points(fixture_table())
    assert pts[["fpr", "tpr"]].iloc[0].tolist() == [0, 0] and pts[["fpr", "tpr"]].iloc[-1].tolist() == [1, 1]
    assert pts.cutoff.iloc[1:].tolist() == [3, 2, 1, 0]


@pytest.mark.slow
def test_delong_coverage_simulation():
    """95% DeLong intervals cover the true AUC about 95% of the time (binormal, AUC = Phi(1/sqrt 2))."""
    rng = np.random.default_rng(20261125)
    true_auc = norm.cdf(1.0 / np.sqrt(2.0))
    hits = 0
    reps = 2000
    for _ in range(reps):
        y = np.r_[np.ones(60), np.zeros(140)]
        s = np.round(np.r_[rng.normal(1, 1, 60), rng.normal(0, 1, 140)], 1)
        r = roc.auc_delong(CountTable.from_scores(s, y))
        hits += r.ci_low <= true_auc <= r.ci_high
    assert 0.93 <= hits / reps <= 0.97


def test_sliced_partial_area_equals_full_integration_with_ties():
    """The slice to the FPR range (used for long rows) gives the same area, also at tied boundaries."""
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(1500):
        k = int(rng.integers(1, 30))
        n_pos, n_neg = rng.integers(0, 4, k), rng.integers(0, 4, k)
        if n_pos.sum() == 0 or n_neg.sum() == 0:
            continue
        tp = np.r_[np.cumsum(n_pos[::-1])[::-1], 0][None, :]
        fp = np.r_[np.cumsum(n_neg[::-1])[::-1], 0][None, :]
        a, b = sorted(
            rng.choice([0.0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.8, 1.0, rng.random(), rng.random()], 2, replace=False)
        )
        sliced = roc.partial_area_rows(tp, fp, n_pos.sum(), n_neg.sum(), a, b, slice_above=0)
        full = roc.partial_area_rows(tp, fp, n_pos.sum(), n_neg.sum(), a, b, slice_above=10**9)
        assert sliced[0] == pytest.approx(full[0], abs=1e-14)
        checked += 1
    assert checked > 1000


@pytest.mark.parametrize("block", [3, 8192])
def test_partial_auc_of_a_long_table_is_computed_in_blocks_without_the_whole_curve(monkeypatch, block):
    """A continuous score (k + 1 > 4096): tp is built only where the range needs it, areas in blocks;
    the same number as integrating the whole curve."""
    monkeypatch.setattr(_continuous, "AREA_BLOCK", block)
    rng = np.random.default_rng(7)
    y = (rng.random(12000) < 0.2).astype(float)
    s = np.round(rng.normal(y, 1.0), 4)  # ties, k > 4096
    t = CountTable.from_scores(s, y)
    assert len(t.scores) + 1 > 4096
    tp = np.r_[np.cumsum(t.n_pos[::-1])[::-1], 0][None, :]
    fp = np.r_[np.cumsum(t.n_neg[::-1])[::-1], 0][None, :]
    for low, high in [(0.8, 1.0), (0.3, 0.6), (0.0, 1.0), (0.999, 1.0)]:
        full = roc.partial_area_rows(tp, fp, t.n_positive, t.n_negative, 1 - high, 1 - low, slice_above=10**9)
        assert roc.partial_auc(t, (low, high)).estimate == pytest.approx(full[0], abs=1e-14)


# ------------------------------------------------------------------ McClish below the chance diagonal
BELOW = (
    "the ROC curve lies below the chance diagonal in the range: the McClish standardisation is undefined "
    "(as pROC's partial.auc.correct = TRUE)"
)


def test_mcclish_below_the_diagonal_is_null_with_a_reason_unless_allowed():
    # The positives score lowest: over FPR [0, 0.2] the curve stays at TPR 0, area 0 < the diagonal's 0.02.
    t = CountTable.from_scores([1, 1, 2, 3, 4, 5], [1, 1, 0, 0, 0, 0])
    r = roc.partial_auc(t, (0.8, 1.0))
    assert (r.estimate, r.standardised, r.reason, r.standardised_reason) == (0.0, None, None, BELOW)
    allowed = roc.partial_auc(t, (0.8, 1.0), allow_invalid=True)  # allow.invalid.partial.auc.correct = TRUE
    assert allowed.standardised == pytest.approx((1 + (0 - 0.02) / (0.2 - 0.02)) / 2) and allowed.standardised < 0.5
    assert allowed.standardised_reason is None
    on_diagonal = roc.partial_auc(CountTable.from_scores([1, 1], [1, 0]), (0.8, 1.0))  # area = min: 0.5
    assert on_diagonal.standardised == pytest.approx(0.5)
