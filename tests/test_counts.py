"""CountTable: construction paths, direction, cells at cut-offs (vs scikit-learn), pooling, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix_at_thresholds

from signalering.errors import UsageError
from signalering.stats import counts as counts_mod
from signalering.stats.counts import CountTable


@st.composite
def score_reference_pairs(draw, max_size=60, unverified=True):
    """Integer-ish scores with many ties, references 1/0 (and NaN = unverified), possibly one class."""
    n = draw(st.integers(1, max_size))
    score = np.array(draw(st.lists(st.integers(-3, 6), min_size=n, max_size=n)), dtype=float)
    codes = [0, 1, 2] if unverified else [0, 1]
    ref = np.array(draw(st.lists(st.sampled_from(codes), min_size=n, max_size=n)), dtype=float)
    ref[ref == 2] = np.nan
    return score, ref


def test_from_scores_counts_every_category():
    t = CountTable.from_scores([3, 2, 2, 1, 2, np.nan, 0, 5], [1, 1, 0, np.nan, 0, 1, 0, None])
    assert t.scores.tolist() == [0, 1, 2, 3, 5]
    assert t.n_pos.tolist() == [0, 0, 1, 1, 0]
    assert t.n_neg.tolist() == [1, 0, 2, 0, 0]
    assert t.n_unverified.tolist() == [0, 1, 0, 0, 1]
    assert (t.n_positive, t.n_negative, t.n_unverified_total, t.n_missing_score) == (2, 3, 2, 1)


def test_integer_and_general_paths_agree():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 30, 5000).astype(float)
    r = rng.integers(0, 2, 5000).astype(float)
    r[rng.random(5000) < 0.1] = np.nan
    a = CountTable.from_scores(s, r)  # bincount path
    b = CountTable.from_scores(s + 0.25, r)  # np.unique path
    assert np.array_equal(a.scores + 0.25, b.scores)
    for f in ("n_pos", "n_neg", "n_unverified"):
        assert np.array_equal(getattr(a, f), getattr(b, f))


def test_chunked_counting_equals_one_pass(monkeypatch):
    rng = np.random.default_rng(2)
    s = rng.integers(-5, 40, 10_001).astype(float)
    s[::97] = np.nan
    r = (rng.random(10_001) < 0.2).astype(float)
    whole = CountTable.from_scores(s, r)
    monkeypatch.setattr(counts_mod, "_CHUNK", 1000)
    assert CountTable.from_scores(s, r) == whole
    assert whole.n_missing_score == int(np.isnan(s).sum())


def test_reference_given_as_pandas_nullable_and_strings():
    a = CountTable.from_scores(pd.Series([1.0, 2.0, 3.0]), pd.Series([1, pd.NA, 0], dtype="Int64"))
    b = CountTable.from_scores([1, 2, 3], pd.Series(["1", None, "0"], dtype="string"))
    assert a == b
    assert a.n_unverified.tolist() == [0, 1, 0]


def test_bad_reference_and_shapes_are_usage_errors():
    with pytest.raises(UsageError, match="1, 0 or missing"):
        CountTable.from_scores([1, 2], [1, 2])
    with pytest.raises(UsageError, match="same length"):
        CountTable.from_scores([1, 2, 3], [1, 0])
    with pytest.raises(UsageError, match="direction"):
        CountTable.from_scores([1, 2], [1, 0], "up")


def test_all_scores_missing_gives_empty_table():
    t = CountTable.from_scores([np.nan, np.nan], [1, 0])
    assert len(t.scores) == 0 and t.n_missing_score == 2 and t.n_verified == 0


def test_lower_direction_negates_scores_and_cutoffs():
    s, r = [1, 2, 3, 4, 5], [1, 1, 0, 0, 0]
    t = CountTable.from_scores(s, r, "lower")
    assert t.scores.tolist() == [-5, -4, -3, -2, -1]
    assert t.external_scores.tolist() == [5, 4, 3, 2, 1]
    c = t.cells_at([2])  # positive when score <= 2
    assert (c["tp"][0], c["fp"][0], c["fn"][0], c["tn"][0]) == (2, 0, 0, 3)


def test_cells_match_sklearn_confusion_matrix_at_thresholds():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 12, 400).astype(float)
    y = (rng.random(400) < 0.3 + 0.04 * s).astype(int)
    tns, fps, fns, tps, thr = confusion_matrix_at_thresholds(y, s)
    c = CountTable.from_scores(s, y).cells_at(thr)
    assert np.array_equal(c["tp"], tps) and np.array_equal(c["fp"], fps)
    assert np.array_equal(c["fn"], fns) and np.array_equal(c["tn"], tns)


def test_cells_count_unverified_by_screen_result():
    t = CountTable.from_scores([0, 0, 1, 2, 2], [np.nan, 0, np.nan, 1, np.nan])
    c = t.cells_at([1])
    assert (c["unverified_pos"][0], c["unverified_neg"][0]) == (2, 1)


def test_default_cutoffs_all_scores_or_percentiles():
    t = CountTable.from_scores([0, 1, 1, 2, 7], [0, 1, 0, 1, np.nan])
    assert t.default_cutoffs().tolist() == [2.0, 1.0, 0.0]  # strict to lenient; 7 only unverified
    many = CountTable.from_scores(np.arange(1000.0), np.arange(1000) % 2)
    cuts = many.default_cutoffs()
    assert len(cuts) == 19 and cuts[0] == 949.0 and cuts[-1] == 49.0


def test_from_counts_pools_and_sums_duplicate_scores():
    a = CountTable.from_counts([0, 1, 1], [1, 2, 3], [4, 5, 6], [0, 1, 0])
    assert a.scores.tolist() == [0, 1] and a.n_pos.tolist() == [1, 5] and a.n_neg.tolist() == [4, 11]
    with pytest.raises(UsageError, match="non-negative"):
        CountTable.from_counts([0], [-1], [0])


@given(score_reference_pairs(), score_reference_pairs())
def test_pooled_tables_equal_concatenated_records(p1, p2):
    (s1, r1), (s2, r2) = p1, p2
    pooled = CountTable.from_scores(s1, r1) + CountTable.from_scores(s2, r2)
    assert pooled == CountTable.from_scores(np.concatenate([s1, s2]), np.concatenate([r1, r2]))


@given(score_reference_pairs(), st.lists(st.floats(-4, 7, allow_nan=False), min_size=1, max_size=5))
def test_cells_add_up(pair, cutoffs):
    score, ref = pair
    t = CountTable.from_scores(score, ref)
    c = t.cells_at(cutoffs)
    assert np.all(c["tp"] + c["fn"] == t.n_positive)
    assert np.all(c["fp"] + c["tn"] == t.n_negative)
    assert np.all(c["unverified_pos"] + c["unverified_neg"] == t.n_unverified_total)
    brute_tp = [int(np.sum((score >= x) & (ref == 1))) for x in cutoffs]
    assert c["tp"].tolist() == brute_tp


@given(score_reference_pairs(), st.randoms(use_true_random=False))
def test_record_order_changes_nothing(pair, random):
    score, ref = pair
    order = list(range(len(score)))
    random.shuffle(order)
    assert CountTable.from_scores(score[order], ref[order]) == CountTable.from_scores(score, ref)


@given(score_reference_pairs())
def test_increasing_transform_changes_no_cells(pair):
    score, ref = pair
    assume(np.isfinite(score).all())
    t, u = CountTable.from_scores(score, ref), CountTable.from_scores(np.exp(score / 3.0) * 10 + 1, ref)
    cuts = np.unique(score)
    a, b = t.cells_at(cuts), u.cells_at(np.exp(cuts / 3.0) * 10 + 1)
    for key in ("tp", "fp", "tn", "fn"):
        assert np.array_equal(a[key], b[key])


@given(score_reference_pairs())
def test_lower_equals_negated_higher(pair):
    score, ref = pair
    lo, hi = CountTable.from_scores(score, ref, "lower"), CountTable.from_scores(-score, ref, "higher")
    assert np.array_equal(lo.scores, hi.scores) and np.array_equal(lo.n_pos, hi.n_pos)
    cuts = np.unique(score)
    a, b = lo.cells_at(cuts), hi.cells_at(-cuts)
    assert all(np.array_equal(a[k], b[k]) for k in ("tp", "fp", "tn", "fn"))


def test_tail_sums_count_at_or_above_each_cell_with_a_replicate_axis():
    # the one count of screen-positives per cut-off, against a loop over the cells
    rng = np.random.default_rng(4)
    w = rng.integers(0, 5, size=(3, 9))
    full = counts_mod.tail_sums(w)
    assert full.shape == (3, 10) and np.all(full[:, -1] == 0)
    for j in range(10):
        assert np.array_equal(full[:, j], w[:, j:].sum(axis=1))
    at = np.array([0, 3, 9, 3, 8])
    assert np.array_equal(counts_mod.tail_sums(w, at), full[:, at])
    assert np.array_equal(counts_mod.tail_sums(w[1], at), full[1, at])
    assert counts_mod.tail_sums(w[0], dtype=np.int32).dtype == np.int32
    empty = np.zeros(0, np.int64)
    assert counts_mod.tail_sums(empty).tolist() == [0] and counts_mod.tail_sums(empty, [0, 0]).tolist() == [0, 0]


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_curve_counts_verified_records_screening_positive_at_each_score(direction):
    rng = np.random.default_rng(5)
    s = rng.integers(0, 8, 200).astype(float)
    y = (rng.random(200) < 0.3).astype(float)
    y[rng.random(200) < 0.1] = np.nan
    t = CountTable.from_scores(s, y, direction)
    tp, fp = t.curve()
    flagged = (lambda c: s >= c) if direction == "higher" else (lambda c: s <= c)
    for j, c in enumerate(t.external_scores):
        assert tp[j] == np.sum(flagged(c) & (y == 1)) and fp[j] == np.sum(flagged(c) & (y == 0))
    assert tp[-1] == fp[-1] == 0  # a cut-off beyond every score: nobody positive
    j = np.array([2, 0, len(t.scores)])
    assert [a.tolist() for a in t.curve(j)] == [tp[j].tolist(), fp[j].tolist()]
    assert np.array_equal(t.cutoff_index(t.external_scores), np.arange(len(t.scores)))
