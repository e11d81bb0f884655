"""The fast path for a continuous score: count tables with about as many distinct scores as records.

Two things are read here without building arrays of the k distinct scores per use:

* ``partial_area``: the partial AUC of a long curve, walked down from the strictest cut-off in blocks
  of ``AREA_BLOCK`` points, only over the part of the curve inside the FPR range. The points are
  the table's own (``roc.partial_auc`` of a table with more than ``roc.LONG_CURVE`` points) or those
  of a bootstrap replicate drawn in record space.
* ``RecordSpace``: every statistic ``bootstrap.bootstrap_accuracy`` asks of a replicate drawn in
  record space (``bootstrap`` draws the records' multiplicities; this reads the AUC, the cells at the
  cut-offs, the cut-points the rules choose and the partial AUC from their cumulative sums).

Both give the same numbers, to the last bit, as the general code on the replicate's (or table's)
count table: the tests compare them with it. Counts at or above a score are ``counts.tail_sums``
throughout; records *below* a score (the index bounds of the records sorted by score) are its
complement, ``total - tail_sums``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from . import cutpoints as _cp
from .counts import CountTable, tail_sums
from .roc import segment_areas

AREA_BLOCK = 8192  # points of the curve per block in ``partial_area``


def _below(w: np.ndarray, total: int, dtype) -> np.ndarray:
    """Records below each distinct score j = 0..k (k + 1 entries): ``total - tail_sums(w)``."""
    out = tail_sums(w, dtype=dtype)
    np.subtract(total, out, out=out)
    return out


def _tails_down(w: np.ndarray, lo: int, hi: int, above: int) -> np.ndarray:
    """Records at or above scores hi - 1, hi - 2, ..., lo (descending), ``above`` those at or above hi."""
    return tail_sums(w[lo:hi])[-2::-1] + above


def partial_area(
    n_pos: np.ndarray,
    n_neg: np.ndarray,
    m: int,
    n: int,
    fpr_low: float,
    fpr_high: float,
    cum_p: np.ndarray | None = None,
    cum_n: np.ndarray | None = None,
) -> np.ndarray:
    """``roc.partial_area_rows`` of one long curve, shape (1,): the table's, or a record-space replicate's.

    The curve's points p = 0..k run from the strictest score j = k - p (nobody positive, p = 0)
    down; with S(j) the records of the *table* at or above score j (a running tail sum, walked
    down in blocks), the table has tp = S_pos(j), fp = S_neg(j) there, and a replicate given by the
    cumulative multiplicities ``cum_p``, ``cum_n`` of the records sorted by score has
    tp = m - cum_p[m - S_pos(j)], fp = n - cum_n[n - S_neg(j)] (non-decreasing in p). A first walk
    counts the points with fp below and within the FPR range (up to the first point beyond it),
    which are the points ``roc.partial_area_rows`` keeps for one long row; the second writes their
    segment areas (``roc.segment_areas``, ``AREA_BLOCK`` points at a time) into one row, summed as
    ``roc.area_between`` sums it: the same number to the last bit, with no array of the k scores.
    """

    def tp_of(s):
        return s if cum_p is None else m - cum_p[m - s]

    def fp_of(s):
        return s if cum_n is None else n - cum_n[n - s]

    k = len(n_pos)
    max_lo = math.ceil(fpr_low * n) - 1  # fp < fpr_low * n
    max_hi = math.floor(fpr_high * n)  # fp <= fpr_high * n
    # walk 1: points with fp <= max_lo and fp <= max_hi (point p = 0 has fp 0)
    c_lo, c_hi = int(max_lo >= 0), 1
    hi, s_neg = k, 0
    while hi > 0:
        lo = max(hi - AREA_BLOCK, 0)
        s = _tails_down(n_neg, lo, hi, s_neg)
        fp = fp_of(s)
        c_lo += int(np.searchsorted(fp, max_lo, side="right"))
        c_hi += int(np.searchsorted(fp, max_hi, side="right"))
        if fp[-1] > max_hi:
            break
        hi, s_neg = lo, int(s[-1])
    p_start, p_end = max(c_lo - 1, 0), min(c_hi, k)
    # walk 2: points p_start..p_end, segment areas block by block
    j = k - p_start
    s_pos, s_neg = int(n_pos[j:].sum()), int(n_neg[j:].sum())
    prev_t, prev_f = tp_of(s_pos) / m, fp_of(s_neg) / n
    areas = np.empty((1, p_end - p_start))
    done, hi = 0, j
    while done < areas.shape[1]:
        cnt = min(AREA_BLOCK, areas.shape[1] - done)
        lo = hi - cnt
        sp = _tails_down(n_pos, lo, hi, s_pos)  # S at scores hi-1, ..., lo
        sn = _tails_down(n_neg, lo, hi, s_neg)
        tpr = np.empty(cnt + 1)
        fpr = np.empty(cnt + 1)
        tpr[0], fpr[0] = prev_t, prev_f
        tpr[1:] = tp_of(sp) / m
        fpr[1:] = fp_of(sn) / n
        areas[0, done : done + cnt] = segment_areas(fpr, tpr, fpr_low, fpr_high)
        prev_t, prev_f, s_pos, s_neg = tpr[-1], fpr[-1], int(sp[-1]), int(sn[-1])
        done, hi = done + cnt, lo
    return np.sum(areas, axis=-1)


def score_of_negative(n_neg: np.ndarray, n: int, r: int) -> tuple[int, int]:
    """Distinct score j of negative record r (records by score, 0-based) and the negatives at or
    above it, found by walking down from the highest score (r is near the top in practice)."""
    hi, above, step = len(n_neg), 0, 64
    while True:
        lo = max(hi - step, 0)
        s = _tails_down(n_neg, lo, hi, above)  # negatives at or above hi-1, hi-2, ..., lo
        i = int(np.searchsorted(s, n - r, side="left"))  # first score (from the top) holding record r
        if i < len(s):
            return hi - 1 - i, int(s[i])
        hi, above, step = lo, int(s[-1]) if len(s) else above, step * 4


class RecordSpace:
    """A count table as its records sorted by score, for replicates drawn in record space.

    A replicate is the multiplicity of each record (m, resp. n, uniform draws among the positive,
    resp. negative, records) and its cumulative sum C (C_pos[i]: drawn positives among the first i
    positive records). ``replicate`` reads everything from C_pos and C_neg, so neither the draws
    nor any array of the k distinct scores is kept per replicate:

    * AUC = sum_i c_i (C_neg[L_i] + C_neg[U_i]) / (2 m n), where L_i / U_i count the negatives
      below / at-or-below positive i (placement values);
    * tp and fp at score j are ``m - C_pos[B_pos[j]]`` and ``n - C_neg[B_neg[j]]`` (B = records
      below score j), taken at the requested cut-offs (B fixed), over the part of the curve inside
      the partial-AUC range (``partial_area``), and at the cut-point candidates below;
    * cut-point rules: every rule except ``max_specificity`` prefers the stricter of tied cut-offs
      and its criterion never decreases with tp nor increases with fp (also in floating point). Of
      the candidates sharing one tp, the strictest therefore has the best value and wins ties, so
      the rule's choice is always a score at which a positive was drawn, or the strictest drawn
      score. Only those (at most m + 1, against ~0.63 k drawn scores) are evaluated: the same
      values, maximum and tie-break as over every drawn score, hence the same choice.
      ``max_specificity`` (ties to the more lenient) is evaluated over every drawn score.

    O(m + n) per replicate plus the partial-AUC range; memory: a few arrays of m entries (kept)
    and, while setting up, one of k + 1.
    """

    def __init__(self, counts: CountTable, idx: np.ndarray, rules: Sequence[_cp.CutpointRule]) -> None:
        k, m, n = len(counts.scores), counts.n_positive, counts.n_negative
        self.counts, self.m, self.n = counts, m, n
        self.itype = np.int32 if max(k, m + n) < 2**31 - 1 else np.int64
        # Set-up only (freed here): records below each distinct score, per stratum. Kept: per
        # positive record its placement among the negatives (below / at-or-below its score), the
        # first positive record of its score and its score; the records below each cut-off.
        bound = _below(counts.n_neg, n, self.itype)
        self.group = np.repeat(np.arange(k, dtype=self.itype), counts.n_pos)  # score of each positive record
        self.below, self.upto, self.neg_idx = bound[self.group], bound[self.group + 1], bound[idx]
        del bound  # before the next one: one array of k + 1 at a time
        bound = _below(counts.n_pos, m, self.itype)
        self.pos_first, self.pos_idx = bound[self.group], bound[idx]
        del bound
        self.tied_pos = bool(np.any(counts.n_pos > 1))
        self.fast = [r for r in rules if r.method != "max_specificity"]
        self.slow = [r for r in rules if r.method == "max_specificity"]

    def replicate(self, cum_p: np.ndarray, cum_n: np.ndarray, fpr_range: tuple[float, float] | None):
        """``(auc, tp_sel, fp_sel, pauc, picks)`` of one replicate, as ``bootstrap._replicate_blocks``
        yields them for a block of one.

        ``cum_p``, ``cum_n``: the multiplicity of each positive / negative record with a leading 0
        (m + 1, n + 1 entries); made cumulative here, in place (the positives' only after the AUC
        and the drawn positives have been read from them).
        """
        counts, m, n = self.counts, self.m, self.n
        np.cumsum(cum_n, out=cum_n)
        c_pos = cum_p[1:]
        num = np.dot(c_pos, cum_n[self.below]) + np.dot(c_pos, cum_n[self.upto])
        auc = np.array([num / (2.0 * m * n)])
        drawn = np.flatnonzero(c_pos) if self.fast else None  # positive records drawn, by score
        np.cumsum(cum_p, out=cum_p)
        tp_sel = (m - cum_p[self.pos_idx])[None, :]
        fp_sel = (n - cum_n[self.neg_idx])[None, :]
        pauc, picks = None, {}
        if self.fast:
            if self.tied_pos:  # one candidate per score: the first drawn positive record of each
                pf = self.pos_first[drawn]
                first = np.empty(len(drawn), bool)
                first[0] = True
                np.not_equal(pf[1:], pf[:-1], out=first[1:])
                drawn = drawn[first]
            cand = self.group[drawn].astype(np.int64)
            tp_c = m - cum_p[self.pos_first[drawn]]
            fp_c = n - cum_n[self.below[drawn]]
            # the strictest drawn score, when only negatives were drawn there (tp 0): the highest
            # negative record drawn lies above the highest drawn positive's score
            r_top = int(np.searchsorted(cum_n, n, side="left")) - 1  # highest negative record drawn
            if r_top >= self.upto[drawn[-1]]:
                j_top, above = score_of_negative(counts.n_neg, n, r_top)
                cand = np.append(cand, j_top)
                tp_c = np.append(tp_c, 0)
                fp_c = np.append(fp_c, n - cum_n[n - above])
            got = _cp.choose_indices(tp_c[None, :], fp_c[None, :], m, n, self.fast)
            picks.update(_picked(got, cand))
            del drawn, cand, tp_c, fp_c
        if fpr_range is not None:
            pauc = partial_area(counts.n_pos, counts.n_neg, m, n, *fpr_range, cum_p=cum_p, cum_n=cum_n)
        if self.slow:  # the whole curve, once per replicate
            tp_ge = m - cum_p[_below(counts.n_pos, m, self.itype)]
            fp_ge = n - cum_n[_below(counts.n_neg, n, self.itype)]
            total = tp_ge + fp_ge
            cand = np.flatnonzero(total[:-1] > total[1:])  # scores drawn at least once
            del total
            got = _cp.choose_indices(tp_ge[None, cand], fp_ge[None, cand], m, n, self.slow)
            picks.update(_picked(got, cand))
            del tp_ge, fp_ge, cand
        return auc, tp_sel, fp_sel, pauc, picks


def _picked(got: dict, cand: np.ndarray) -> dict:
    """``choose_indices`` over candidates ``cand`` -> index into the table's scores (-1: none)."""
    return {name: (np.where(j >= 0, cand[np.maximum(j, 0)], -1), se, sp) for name, (j, se, sp) in got.items()}
