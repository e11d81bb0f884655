"""The continuous-score fast path (stats/_continuous.py) against the general code on the same table."""

from __future__ import annotations

import numpy as np
import pytest

from signalering.stats import _continuous, roc
from signalering.stats.counts import CountTable
from signalering.stats.cutpoints import choose_cutpoint, rules_from_options

RULES = rules_from_options(min_specificity=0.6, min_sensitivity=0.6, cost_ratio=2.0)  # all five


def long_table(seed: int, direction: str = "higher") -> CountTable:
    rng = np.random.default_rng(seed)
    y = (rng.random(9000) < 0.2).astype(float)
    s = np.round(rng.normal(y, 1.0), 4)  # ties, k + 1 > roc.LONG_CURVE
    return CountTable.from_scores(s, y, direction)


@pytest.mark.parametrize("block", [5, 8192])
def test_partial_area_of_a_long_table_is_the_sliced_row_to_the_last_bit(monkeypatch, block):
    monkeypatch.setattr(_continuous, "AREA_BLOCK", block)
    t = long_table(1)
    assert len(t.scores) + 1 > roc.LONG_CURVE
    tp, fp = t.curve()
    for low, high in [(0.8, 1.0), (0.3, 0.6), (0.0, 1.0), (0.999, 1.0), (0.0, 0.001)]:
        sliced = roc.partial_area_rows(tp[None], fp[None], t.n_positive, t.n_negative, 1 - high, 1 - low)
        assert roc.partial_auc(t, (low, high)).estimate == sliced[0]


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_a_replicate_drawing_every_record_once_is_the_table_itself(direction):
    # multiplicity 1 for every record: the replicate's AUC, cells, partial AUC and chosen cut-points
    # are the table's own, computed by the general code
    t = long_table(2, direction)
    cut = t.default_cutoffs()
    space = _continuous.RecordSpace(t, t.cutoff_index(cut), RULES)
    m, n = t.n_positive, t.n_negative
    ones_p, ones_n = np.r_[0, np.ones(m, np.int64)], np.r_[0, np.ones(n, np.int64)]
    auc, tp, fp, pauc, picks = space.replicate(ones_p, ones_n, (1 - 0.9, 1 - 0.6))
    cells = t.cells_at(cut)
    assert np.array_equal(tp[0], cells["tp"]) and np.array_equal(fp[0], cells["fp"])
    assert auc[0] == pytest.approx(roc.auc_delong(t).estimate, abs=1e-12)
    assert pauc[0] == roc.partial_auc(t, (0.6, 0.9)).estimate
    for rule in RULES:
        chosen = choose_cutpoint(t, rule)
        j, sens, spec = (v[0] for v in picks[rule.name])
        assert t.external_scores[j] == chosen.cutoff
        assert (sens, spec) == (chosen.sensitivity, chosen.specificity)


def test_score_of_a_negative_record_from_the_top_matches_the_tail_sums():
    rng = np.random.default_rng(3)
    n_neg = rng.integers(0, 3, 5000)
    n = int(n_neg.sum())
    above = np.r_[np.cumsum(n_neg[::-1])[::-1], 0]  # negatives at or above each score
    for r in (0, n // 2, n - 1, n - 2):
        j, at_or_above = _continuous.score_of_negative(n_neg, n, r)
        assert n - above[j] <= r < n - above[j + 1] and at_or_above == above[j]
