"""Stratified bootstrap of a ``CountTable``: replicate tables drawn as multinomial counts.

A bootstrap sample of the records that keeps the number of reference-positive records ``m`` and
reference-negative records ``n`` fixed (resampling *within* the two strata, methodology.md section 5)
is, in count-table form, a pair of multinomial draws over the distinct scores:

    wpos ~ Multinomial(m, n_pos / m),    wneg ~ Multinomial(n, n_neg / n),

independent of each other. Every statistic of the replicate (AUC, partial AUC, sensitivity and
specificity at a cut-off, the cut-point a rule would choose) is then a function of ``(wpos, wneg)``
and is computed for a block of replicates at once (arrays of shape ``(replicates, k)``).

Two ways of drawing the same multinomial are used, chosen by the table's size:

* few distinct scores (``k`` <= ``MULTINOMIAL_MAX_K``, e.g. checklist counts, SDQ totals):
  ``rng.multinomial`` for a block of replicates at once, O(k) per replicate whatever the number of
  records; 10 million records with 40 distinct scores cost microseconds per replicate.
* many distinct scores (a continuous score, k ~ n): draw ``m`` (``n``) record indices uniformly with
  replacement and ``bincount`` them per record; the AUC, the cells at the cut-offs, the partial AUC
  and the cut-point rules are all read from the cumulative multiplicities of that one replicate
  (``_continuous.RecordSpace``): O(m + n) per replicate plus the part of the curve inside the
  partial-AUC range, with no array of the k distinct scores built per replicate.

Percentile intervals (Efron & Tibshirani 1993, ch. 13) are used throughout; they respect the [0, 1]
range of proportions and of the AUC. Uncertainty of the *choice* of a cut-point and the optimism of
an apparent sensitivity/specificity at a data-driven cut-point are in ``cutpoints``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from .. import progress
from ..errors import UsageError
from . import _continuous, roc
from . import cutpoints as _cp
from .counts import CountTable, tail_sums

MULTINOMIAL_MAX_K = 4096
BLOCK_BYTES = 32 * 2**20
DRAW_BLOCK = 2**16


def check_replicates(n_boot: int, where: str, minimum: int = 1) -> int:
    """``n_boot`` as an int, or a ``UsageError``: an integer of at least ``minimum`` (0: no bootstrap)."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise UsageError(f"The 'n_boot' parameter of {where} must be {kind}. Got {n_boot!r} instead.")
    return int(n_boot)


def check_rng(rng, where: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise UsageError(
            f"The 'rng' parameter of {where} must be a numpy.random.Generator "
            f"(e.g. np.random.default_rng(seed)). Got {type(rng).__name__} instead."
        )
    return rng


def stratified_replicates(
    counts: CountTable, n_boot: int, rng: np.random.Generator, *, block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield blocks ``(wpos, wneg)`` of bootstrap count tables, each of shape ``(b, k)`` (int64).

    Resampling is stratified by reference status: every replicate has the table's ``m`` positives
    and ``n`` negatives (unverified records are not resampled here; see ``verification``). The
    blocks together hold ``n_boot`` replicates; the draws depend only on ``rng``'s state, so a seed
    reproduces them exactly.
    """
    n_boot = check_replicates(n_boot, "stratified_replicates")
    check_rng(rng, "stratified_replicates")
    k, m, n = len(counts.scores), counts.n_positive, counts.n_negative
    if k == 0:
        raise UsageError("stratified_replicates needs a non-empty count table.")
    if k <= MULTINOMIAL_MAX_K:
        # One (b, k) block per draw; the multinomial costs O(k) per replicate whatever m and n are.
        b = max(1, min(n_boot, block_bytes // (16 * k)))
        p_pos = counts.n_pos / m if m else None
        p_neg = counts.n_neg / n if n else None
        done = 0
        while done < n_boot:
            size = min(b, n_boot - done)
            wpos = rng.multinomial(m, p_pos, size=size) if m else np.zeros((size, k), np.int64)
            wneg = rng.multinomial(n, p_neg, size=size) if n else np.zeros((size, k), np.int64)
            yield wpos.astype(np.int64, copy=False), wneg.astype(np.int64, copy=False)
            done += size
        return
    # Many distinct scores: resample record indices (records sorted by score) and count them per
    # distinct score; the same draws, in the same order, as ``_replicate_blocks``.
    bound_pos = m - tail_sums(counts.n_pos)  # records below each distinct score
    bound_neg = n - tail_sums(counts.n_neg)
    cum_p, cum_n = np.empty(m + 1, np.int64), np.empty(n + 1, np.int64)
    b = max(1, min(n_boot, block_bytes // (16 * k)))
    done = 0
    while done < n_boot:
        size = min(b, n_boot - done)
        wpos = np.empty((size, k), np.int64)
        wneg = np.empty((size, k), np.int64)
        for i in range(size):
            np.cumsum(_multiplicities(rng, m, cum_p), out=cum_p)
            np.cumsum(_multiplicities(rng, n, cum_n), out=cum_n)
            wpos[i] = np.diff(cum_p[bound_pos])
            wneg[i] = np.diff(cum_n[bound_neg])
        yield wpos, wneg
        done += size


def _replicate_blocks(
    counts: CountTable,
    n_boot: int,
    rng: np.random.Generator,
    idx: np.ndarray,
    fpr_range: tuple[float, float] | None,
    rules: Sequence[_cp.CutpointRule],
    block_bytes: int,
):
    """Blocks of replicates as ``(auc, tp_sel, fp_sel, pauc, picks)``.

    ``auc`` (b,); ``tp_sel``/``fp_sel`` (b, len(idx)): screen-positive counts at the requested
    cut-offs; ``pauc`` (b,) partial AUC over FPR ``fpr_range`` (None when not asked); ``picks``:
    rule name -> (index into ``counts.scores`` chosen in each replicate or -1, its sensitivity, its
    specificity), each (b,). Candidates of a rule are the scores drawn at least once in the replicate.

    Few distinct scores: the multinomial tables of ``stratified_replicates``, whole curves per block
    (``tail_sums`` along the replicate axis). Many distinct scores (k > ``MULTINOMIAL_MAX_K``, a
    continuous score): one replicate per block, the multiplicity of each record drawn here and every
    statistic read from it by ``_continuous.RecordSpace`` (the same distribution and numbers).
    """
    m, n = counts.n_positive, counts.n_negative
    if len(counts.scores) > MULTINOMIAL_MAX_K:
        space = _continuous.RecordSpace(counts, idx, rules)
        cum_p, cum_n = np.empty(m + 1, np.int64), np.empty(n + 1, np.int64)  # reused by every replicate
        for _ in range(n_boot):
            _multiplicities(rng, m, cum_p)
            _multiplicities(rng, n, cum_n)
            yield space.replicate(cum_p, cum_n, fpr_range)
        return
    for wpos, wneg in stratified_replicates(counts, n_boot, rng, block_bytes=block_bytes):
        tp_ge, fp_ge = tail_sums(wpos), tail_sums(wneg)
        auc = roc.auc_from_weights(wpos, wneg)
        pauc = (
            None
            if fpr_range is None
            else roc.partial_area_rows(tp_ge, fp_ge, m, n, *fpr_range, slice_above=MULTINOMIAL_MAX_K)
        )
        picks = {}
        if rules:
            # candidates: scores drawn at least once in the replicate
            total = tp_ge + fp_ge
            present = total[:, :-1] > total[:, 1:]
            del total
            picks = _cp.choose_indices(tp_ge[:, :-1], fp_ge[:, :-1], m, n, rules, present=present)
        yield auc, tp_ge[:, idx], fp_ge[:, idx], pauc, picks
        del tp_ge, fp_ge


def _multiplicities(rng: np.random.Generator, size: int, out: np.ndarray) -> np.ndarray:
    """``out[i]`` = how often record i (1..size) is drawn in ``size`` uniform draws; ``out[0] = 0``.

    The same numbers as ``np.bincount(rng.integers(1, size + 1, size), minlength=size + 1)`` and the
    same generator state afterwards (``integers`` draws the same stream in blocks), without the
    array of ``size`` draws.
    """
    out.fill(0)
    for start in range(0, size, DRAW_BLOCK):
        np.add.at(out, rng.integers(1, size + 1, min(DRAW_BLOCK, size - start)), 1)
    return out


def percentile_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the defined (non-NaN) replicate values; NaN if none."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    alpha = 1.0 - confidence
    lo, hi = np.quantile(v, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(lo), float(hi)


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    """Per-replicate statistics of one stratified bootstrap run (arrays with ``n_boot`` rows).

    Attributes
    ----------
    n_boot, seed : replicates drawn and the seed (None if the caller passed a Generator only)
    auc : (n_boot,) Mann-Whitney AUC of each replicate
    partial_auc : (n_boot,) over ``specificity_range`` (None if not asked; ``roc.mcclish`` standardises)
    cutoffs : (c,) cut-offs on the original scale; ``tp``, ``fp`` : (n_boot, c) cells at each
    m, n : positives and negatives per replicate (fixed by the stratification)
    cutpoint_index : method -> (n_boot,) index into ``counts.scores`` chosen in each replicate
        (-1 where the rule has no admissible cut-off)
    cutpoint_boot, cutpoint_orig : method -> dict with (n_boot,) ``sensitivity``/``specificity`` of
        the replicate's chosen cut-off on the replicate and on the original table (for optimism)
    """

    n_boot: int
    seed: int | None
    auc: np.ndarray
    cutoffs: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    m: int
    n: int
    specificity_range: tuple[float, float] | None = None
    partial_auc: np.ndarray | None = None
    cutpoint_index: dict = field(default_factory=dict)
    cutpoint_boot: dict = field(default_factory=dict)
    cutpoint_orig: dict = field(default_factory=dict)

    def cells(self) -> dict[str, np.ndarray]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.m - self.tp, "tn": self.n - self.fp}

    def proportions(self) -> dict[str, np.ndarray]:
        """sensitivity, specificity, ppv, npv per replicate and cut-off, shape (n_boot, c); NaN = undefined."""
        c = {k: v.astype(float) for k, v in self.cells().items()}
        with np.errstate(divide="ignore", invalid="ignore"):
            return {
                "sensitivity": c["tp"] / (c["tp"] + c["fn"]),
                "specificity": c["tn"] / (c["tn"] + c["fp"]),
                "ppv": c["tp"] / (c["tp"] + c["fp"]),
                "npv": c["tn"] / (c["tn"] + c["fn"]),
            }


def bootstrap_accuracy(
    counts: CountTable,
    n_boot: int,
    rng: np.random.Generator,
    *,
    cutoffs: Sequence[float] = (),
    specificity_range: tuple[float, float] | None = None,
    cutpoint_rules: Sequence[_cp.CutpointRule] = (),
    seed: int | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> BootstrapResult:
    """One pass of ``n_boot`` stratified bootstrap replicates and every statistic asked of them.

    Parameters
    ----------
    counts : CountTable
        Needs reference-positive and reference-negative records.
    n_boot : int
        Replicates (e.g. 2000).
    rng : numpy.random.Generator
        E.g. ``np.random.default_rng(seed)``; no global state is used.
    cutoffs : sequence of float
        Cut-offs (original scale) at which to record tp and fp in every replicate.
    specificity_range : (low, high), optional
        Also record the partial AUC over this specificity range (see ``roc.partial_auc``).
    cutpoint_rules : sequence of ``cutpoints.CutpointRule``
        Re-choose each rule's cut-point in every replicate (bootstrap distribution of the chosen
        cut-point, and Harrell's optimism of sensitivity/specificity at it).
    seed : int, optional
        Recorded in the result only.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Replicates are drawn by ``stratified_replicates`` (multinomial counts within reference strata).
    Cost: O(n_boot k) for few distinct scores; for continuous scores O(n_boot (m + n)) plus the
    partial-AUC range (plus k per replicate for the rule ``max_specificity``).
    """
    n_boot = check_replicates(n_boot, "bootstrap_accuracy")
    check_rng(rng, "bootstrap_accuracy")
    m, n = counts.n_positive, counts.n_negative
    if m == 0 or n == 0:
        raise UsageError("bootstrap_accuracy needs reference-positive and reference-negative records.")
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    idx = counts.cutoff_index(cut)
    if specificity_range is not None:
        sp_low, sp_high = roc.check_specificity_range(specificity_range, "bootstrap_accuracy")
    fpr_range = None if specificity_range is None else (1.0 - sp_high, 1.0 - sp_low)
    rules = list(cutpoint_rules)
    auc, pauc, tp, fp = [], [], [], []
    chosen = {r.name: [] for r in rules}
    shown = progress.bar(total=n_boot, desc="bootstrap", unit="replicate")  # on a terminal only
    for blk_auc, tp_sel, fp_sel, blk_pauc, picks in _replicate_blocks(
        counts, n_boot, rng, idx, fpr_range, rules, block_bytes
    ):
        shown.update(len(blk_auc))
        auc.append(blk_auc)
        tp.append(tp_sel)
        fp.append(fp_sel)
        if blk_pauc is not None:
            pauc.append(blk_pauc)
        for rule in rules:
            # (index chosen in the replicate, its sensitivity and specificity in the replicate)
            chosen[rule.name].append(picks[rule.name])
    shown.close()
    cp_index, cp_boot, cp_orig = {}, {}, {}
    for rule in cutpoint_rules:
        rows = np.concatenate([c[0] for c in chosen[rule.name]])
        own_sens = np.concatenate([c[1] for c in chosen[rule.name]])
        own_spec = np.concatenate([c[2] for c in chosen[rule.name]])
        ok = rows >= 0
        cp_index[rule.name] = rows
        cp_boot[rule.name] = {
            "sensitivity": np.where(ok, own_sens, np.nan),
            "specificity": np.where(ok, own_spec, np.nan),
        }
    # sensitivity and specificity of each chosen cut-off on the original table; one cumulative sum
    # of k counts at a time (a continuous score has k ~ number of records)
    for w, stat, value in (
        (counts.n_pos, "sensitivity", lambda x: x / m),
        (counts.n_neg, "specificity", lambda x: 1.0 - x / n),
    ):
        for rule in cutpoint_rules:
            rows = cp_index[rule.name]
            ok = rows >= 0
            at = tail_sums(w, np.where(ok, rows, 0))
            cp_orig.setdefault(rule.name, {})[stat] = np.where(ok, value(at), np.nan)
    result = BootstrapResult(
        n_boot=n_boot,
        seed=seed,
        auc=np.concatenate(auc),
        cutoffs=cut,
        tp=np.concatenate(tp, axis=0),
        fp=np.concatenate(fp, axis=0),
        m=m,
        n=n,
        specificity_range=None if specificity_range is None else (sp_low, sp_high),
        partial_auc=np.concatenate(pauc) if pauc else None,
        cutpoint_index=cp_index,
        cutpoint_boot=cp_boot,
        cutpoint_orig=cp_orig,
    )
    return result
