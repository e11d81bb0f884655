"""Stratified bootstrap over the count table: strata kept, both draw paths, statistics per replicate."""

from __future__ import annotations

import numpy as np
import pytest

from signalering.errors import UsageError
from signalering.stats import _continuous, bootstrap, roc
from signalering.stats.counts import CountTable
from signalering.stats.cutpoints import CutpointRule


def table(seed=0, n=800, continuous=False) -> CountTable:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(float)
    s = rng.normal(y, 1.0)
    if not continuous:
        s = np.clip(np.round(2 * s + 4), 0, 10)
    y[rng.random(n) < 0.05] = np.nan
    return CountTable.from_scores(s, y)


@pytest.fixture(params=["multinomial", "records"])
def path(request, monkeypatch):
    """Run a test with each way of drawing the multinomial counts."""
    if request.param == "records":
        monkeypatch.setattr(bootstrap, "MULTINOMIAL_MAX_K", 0)
    return request.param


def test_replicates_keep_strata_sizes_and_support(path):
    t = table()
    blocks = list(bootstrap.stratified_replicates(t, 250, np.random.default_rng(1), block_bytes=20_000))
    wpos = np.concatenate([b[0] for b in blocks])
    wneg = np.concatenate([b[1] for b in blocks])
    assert wpos.shape == (250, len(t.scores)) and len(blocks) > 1
    assert np.all(wpos.sum(axis=1) == t.n_positive) and np.all(wneg.sum(axis=1) == t.n_negative)
    assert np.all(wpos[:, t.n_pos == 0] == 0) and np.all(wneg[:, t.n_neg == 0] == 0)
    # multinomial means and variances: E = m p, Var = m p (1 - p)
    p = t.n_pos / t.n_positive
    assert wpos.mean(axis=0) == pytest.approx(t.n_pos, abs=4 * np.sqrt(t.n_positive * p * (1 - p) / 250).max() + 1e-9)
    j = int(np.argmax(t.n_neg))
    q = t.n_neg[j] / t.n_negative
    assert wneg[:, j].var(ddof=1) == pytest.approx(t.n_negative * q * (1 - q), rel=0.25)


def test_same_seed_same_replicates_and_different_seed_different(path):
    t = table()
    a = np.concatenate([w for w, _ in bootstrap.stratified_replicates(t, 20, np.random.default_rng(5))])
    b = np.concatenate([w for w, _ in bootstrap.stratified_replicates(t, 20, np.random.default_rng(5))])
    c = np.concatenate([w for w, _ in bootstrap.stratified_replicates(t, 20, np.random.default_rng(6))])
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_replicate_statistics_equal_those_of_the_rebuilt_table(path):
    t = table(continuous=(path == "records"))
    cut = np.quantile(t.scores, [0.3, 0.6])
    res = bootstrap.bootstrap_accuracy(t, 30, np.random.default_rng(2), cutoffs=cut, specificity_range=(0.8, 1.0))
    blocks = bootstrap.stratified_replicates(t, 30, np.random.default_rng(2))
    wpos, wneg = (np.concatenate(x) for x in zip(*blocks))
    for i in (0, 13, 29):
        rep = CountTable.from_counts(t.scores, wpos[i], wneg[i])
        assert res.auc[i] == pytest.approx(roc.auc_delong(rep).estimate, abs=1e-12)
        assert res.partial_auc[i] == pytest.approx(roc.partial_auc(rep, (0.8, 1.0)).estimate, abs=1e-12)
        cells = rep.cells_at(cut)
        assert res.tp[i].tolist() == cells["tp"].tolist() and res.fp[i].tolist() == cells["fp"].tolist()
    props = res.proportions()
    assert props["sensitivity"][:, 0] == pytest.approx(res.tp[:, 0] / t.n_positive)


def test_bootstrap_se_of_auc_is_close_to_delong(path):
    t = table(seed=3, n=1500, continuous=(path == "records"))
    res = bootstrap.bootstrap_accuracy(t, 1000, np.random.default_rng(4))
    delong = roc.auc_delong(t)
    assert res.auc.std(ddof=1) == pytest.approx(np.sqrt(delong.variance), rel=0.15)
    assert res.auc.mean() == pytest.approx(delong.estimate, abs=0.01)


def test_cutpoint_rules_are_reapplied_in_every_replicate():
    t = table()
    rule = CutpointRule("youden")
    res = bootstrap.bootstrap_accuracy(t, 40, np.random.default_rng(9), cutpoint_rules=[rule])
    blocks = bootstrap.stratified_replicates(t, 40, np.random.default_rng(9))
    wpos, wneg = (np.concatenate(x) for x in zip(*blocks))
    from signalering.stats.cutpoints import choose_cutpoint

    for i in range(0, 40, 7):
        rep = CountTable.from_counts(t.scores, wpos[i], wneg[i])
        chosen = choose_cutpoint(rep, rule)
        assert t.scores[res.cutpoint_index["youden"][i]] == chosen.cutoff
        assert res.cutpoint_boot["youden"]["sensitivity"][i] == pytest.approx(chosen.sensitivity)
        orig = t.cells_at([chosen.cutoff])
        assert res.cutpoint_orig["youden"]["sensitivity"][i] == pytest.approx(orig["tp"][0] / t.n_positive)


def test_percentile_interval():
    assert bootstrap.percentile_interval(np.arange(101.0), 0.9) == pytest.approx((5.0, 95.0), abs=1e-12)
    assert bootstrap.percentile_interval(np.array([np.nan, 1.0, 3.0]), 0.5) == (1.5, 2.5)
    lo, hi = bootstrap.percentile_interval(np.array([np.nan]))
    assert np.isnan(lo) and np.isnan(hi)


def test_bad_arguments():
    t = table()
    with pytest.raises(UsageError, match="n_boot"):
        next(bootstrap.stratified_replicates(t, 0, np.random.default_rng()))
    with pytest.raises(UsageError, match="Generator"):
        bootstrap.bootstrap_accuracy(t, 10, np.random.RandomState(0))
    with pytest.raises(UsageError, match="positive and reference-negative"):
        bootstrap.bootstrap_accuracy(CountTable.from_scores([1, 2], [1, 1]), 10, np.random.default_rng())


ALL_RULES = [
    CutpointRule("youden"),
    CutpointRule("closest_to_01"),
    CutpointRule("min_cost", cost_ratio=3.0),
    CutpointRule("max_sensitivity", min_specificity=0.7),
    CutpointRule("max_specificity", min_sensitivity=0.7),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_rule_and_partial_auc_equal_the_rebuilt_table_in_record_space(monkeypatch, seed):
    # record space with ties (scores rounded), a score that is useless in one replicate or another,
    # and partial-AUC blocks shorter than the curve: each replicate's choice, its sensitivity and
    # specificity, and the partial AUC equal those of the replicate's own count table
    monkeypatch.setattr(bootstrap, "MULTINOMIAL_MAX_K", 0)
    monkeypatch.setattr(_continuous, "AREA_BLOCK", 7)
    rng = np.random.default_rng(seed)
    y = (rng.random(300) < 0.3).astype(float)
    s = np.round(rng.normal(0.4 * y * seed, 1.0), 1 + seed % 2)
    t = CountTable.from_scores(s, y, "lower" if seed == 2 else "higher")
    res = bootstrap.bootstrap_accuracy(
        t, 25, np.random.default_rng(seed), cutpoint_rules=ALL_RULES, specificity_range=(0.6, 0.95)
    )
    wpos, wneg = (np.concatenate(x) for x in zip(*bootstrap.stratified_replicates(t, 25, np.random.default_rng(seed))))
    from signalering.stats.cutpoints import choose_cutpoint

    for i in range(25):
        rep = CountTable.from_counts(t.external_scores, wpos[i], wneg[i], direction=t.direction)
        assert res.partial_auc[i] == pytest.approx(roc.partial_auc(rep, (0.6, 0.95)).estimate, abs=1e-12)
        for rule in ALL_RULES:
            chosen = choose_cutpoint(rep, rule)
            j = res.cutpoint_index[rule.name][i]
            if chosen.cutoff is None:
                assert j == -1
                continue
            assert t.external_scores[j] == chosen.cutoff
            assert res.cutpoint_boot[rule.name]["sensitivity"][i] == chosen.sensitivity
            assert res.cutpoint_boot[rule.name]["specificity"][i] == chosen.specificity


def test_record_multiplicities_are_the_bincount_of_one_draw_and_leave_the_same_state(monkeypatch):
    # drawn in blocks into a reused buffer: the numbers and the generator's state of one big draw
    monkeypatch.setattr(bootstrap, "DRAW_BLOCK", 1000)
    for size in (1, 999, 1000, 12345):
        a, b = np.random.default_rng(size), np.random.default_rng(size)
        out = np.full(size + 1, 7, np.int64)
        bootstrap._multiplicities(a, size, out)
        assert np.array_equal(out, np.bincount(b.integers(1, size + 1, size), minlength=size + 1))
        assert a.integers(0, 2**62) == b.integers(0, 2**62)


def test_score_of_a_negative_record_found_from_the_top():
    rng = np.random.default_rng(0)
    n_neg = rng.integers(0, 3, 700)
    below = np.r_[0, np.cumsum(n_neg)]
    for r in range(0, int(n_neg.sum()), 7):
        j, above = _continuous.score_of_negative(n_neg, int(n_neg.sum()), r)
        assert below[j] <= r < below[j + 1] and above == n_neg.sum() - below[j]
