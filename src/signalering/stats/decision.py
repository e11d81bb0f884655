"""Decision-curve analysis: net benefit of acting on predicted risks, against treat-all and treat-none.

A record is *treated* (referred, followed up) at threshold probability p_t when p >= p_t, the same
"screens positive when score >= cut-off" rule as the rest of signalering.

References
----------
Vickers & Elkin (2006), Med Decis Making 26:565-574 (decision curve analysis).
Vickers, Van Calster & Steyerberg (2016), BMJ 352:i6 (net benefit, interpretation).
Vickers et al. (2008), BMC Med Inform Decis Mak 8:53 (bootstrap intervals for net benefit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError, check_open_unit
from .bootstrap import check_replicates, check_rng
from .calibration import probability_pairs
from .counts import tail_sums

DEFAULT_THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2)  # 0.01, 0.02, ..., 0.99
STRATEGIES = ("model", "treat_all", "treat_none")
_CHUNK_CELLS = 5_000_000  # bootstrap replicates are drawn in chunks of at most this many cells


def _thresholds(thresholds, where: str) -> np.ndarray:
    t = DEFAULT_THRESHOLDS if thresholds is None else np.atleast_1d(np.asarray(thresholds, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all((t > 0) & (t < 1)):
        raise UsageError(
            f"The 'thresholds' parameter of {where} must be threshold probabilities in (0, 1). "
            f"Got {thresholds!r} instead."
        )
    return np.unique(t)


def _counts_at(pos: np.ndarray, neg: np.ndarray, cut_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TP and FP at each threshold from record counts per ordered cell (bin of probabilities).

    ``pos``/``neg`` have shape (..., k); the records treated at threshold t are those in cells
    ``cut_index[t]:`` (``counts.tail_sums`` at those cells). Returns arrays of shape (..., n_thresholds).
    """
    return tail_sums(pos, cut_index), tail_sums(neg, cut_index)


def net_benefit(
    probability,
    reference,
    thresholds=None,
    *,
    rng: np.random.Generator | None = None,
    n_boot: int = 0,
    confidence: float = 0.95,
    column: str = "probability",
    reference_column: str = "reference",
) -> pd.DataFrame:
    """Net benefit of the model, treat-all and treat-none at each threshold probability.

    Parameters
    ----------
    probability : array-like of float in [0, 1]
        Predicted risk per record (a score must be mapped to risks first:
        :func:`signalering.stats.calibration.logistic_risk_mapping`). NaN pairs are left out.
    reference : array-like of {0, 1}; NaN = not verified (left out)
    thresholds : array-like of float in (0, 1), optional
        Default 0.01, 0.02, ..., 0.99.
    rng : numpy.random.Generator, optional     Needed when ``n_boot > 0``.
    n_boot : int
        Bootstrap replicates for percentile intervals (0: no intervals, ``ci_*`` NaN).
    confidence : float in (0, 1)
    column, reference_column : str             Column names used in an :class:`InputError`.

    Returns
    -------
    DataFrame, one row per (threshold, strategy), sorted by threshold then strategy order
    ``model, treat_all, treat_none``: ``threshold, strategy, net_benefit, ci_low, ci_high, tp, fp, n``.

    Notes
    -----
    With w = p_t / (1 - p_t) (the odds at the threshold: the harm of a false positive relative to
    the benefit of a true positive) and n records, TP/FP counted among records with p >= p_t:
    NB(model) = TP/n - FP/n * w; NB(treat all) = pi - (1 - pi) w with pi the prevalence;
    NB(treat none) = 0 (Vickers & Elkin 2006).

    Intervals: records are resampled with replacement ``n_boot`` times (percentile method, Vickers
    et al. 2008); the threshold is fixed and the model is not refitted. The draws are vectorised:
    resampling n records is a multinomial draw of n over the records, and records that fall between
    the same two consecutive thresholds with the same reference value are interchangeable, so each
    replicate is one multinomial over those 2 (len(thresholds) + 1) cells (``rng.multinomial``),
    turned into TP/FP at every threshold with cumulative sums. Exact, and independent of n.
    Treat-none has the degenerate interval [0, 0].

    Examples
    --------
    >>> t = net_benefit([0.1, 0.3, 0.6, 0.8], [0, 0, 1, 1], thresholds=[0.5])
    >>> t.loc[t.strategy == "model", "net_benefit"].item()
    0.5
    """
    where = "net_benefit"
    check_open_unit("confidence", confidence, where)
    if check_replicates(n_boot, where, minimum=0) > 0:
        check_rng(rng, where)
    t = _thresholds(thresholds, where)
    p, y, _ = probability_pairs(probability, reference, column=column, reference_column=reference_column, where=where)
    n = int(p.size)
    if n == 0:
        raise InputError("", "no records with both a predicted probability and a reference value", column=column)

    # Net benefit at the requested thresholds depends on a record only through the number of
    # thresholds at or below its p (it is treated at t_j iff p >= t_j), so records are counted in
    # len(t) + 1 bins per reference value; cell b holds records with exactly b thresholds <= p.
    k = t.size + 1
    index = np.searchsorted(t, p, side="right")
    pos = np.bincount(index, weights=y, minlength=k).astype(np.int64)
    neg = np.bincount(index, minlength=k).astype(np.int64) - pos
    cut = np.arange(1, k)  # treated at t_j: bins j+1 .. len(t)
    w = t / (1.0 - t)

    tp, fp = _counts_at(pos, neg, cut)
    events = int(pos.sum())
    nb_model = tp / n - fp / n * w
    nb_all = events / n - (n - events) / n * w

    lo = {s: np.full(t.size, np.nan) for s in STRATEGIES}
    hi = {s: np.full(t.size, np.nan) for s in STRATEGIES}
    if n_boot > 0:
        cells = np.concatenate([pos, neg])
        keep = cells > 0  # only occupied cells can be drawn
        probs = cells[keep] / n
        model_reps = np.empty((n_boot, t.size))
        all_reps = np.empty((n_boot, t.size))
        chunk = max(1, _CHUNK_CELLS // max(1, int(keep.sum())))
        for start in range(0, n_boot, chunk):
            b = min(chunk, n_boot - start)
            draws = np.zeros((b, 2 * k), dtype=np.int64)
            draws[:, keep] = rng.multinomial(n, probs, size=b)
            pos_b, neg_b = draws[:, :k], draws[:, k:]
            tp_b, fp_b = _counts_at(pos_b, neg_b, cut)
            model_reps[start : start + b] = tp_b / n - fp_b / n * w
            prev_b = pos_b.sum(axis=1, keepdims=True) / n
            all_reps[start : start + b] = prev_b - (1.0 - prev_b) * w
        a = (1.0 - confidence) / 2.0
        lo["model"], hi["model"] = np.quantile(model_reps, [a, 1.0 - a], axis=0)
        lo["treat_all"], hi["treat_all"] = np.quantile(all_reps, [a, 1.0 - a], axis=0)
        lo["treat_none"] = np.zeros(t.size)
        hi["treat_none"] = np.zeros(t.size)

    frames = []
    for s, nb, tps, fps in (
        ("model", nb_model, tp, fp),
        ("treat_all", nb_all, np.full(t.size, events), np.full(t.size, n - events)),
        ("treat_none", np.zeros(t.size), np.zeros(t.size, dtype=np.int64), np.zeros(t.size, dtype=np.int64)),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "threshold": t,
                    "strategy": s,
                    "net_benefit": nb,
                    "ci_low": lo[s],
                    "ci_high": hi[s],
                    "tp": tps.astype(np.int64),
                    "fp": fps.astype(np.int64),
                    "n": n,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["strategy"] = pd.Categorical(out["strategy"], categories=list(STRATEGIES), ordered=True)
    out = out.sort_values(["threshold", "strategy"], kind="stable").reset_index(drop=True)
    out["strategy"] = out["strategy"].astype(str)
    return out


def decision_curve_points(table: pd.DataFrame) -> list[dict]:
    """Plot rows from :func:`net_benefit`'s table: one dict per threshold, JSON-ready.

    Parameters
    ----------
    table : DataFrame as returned by :func:`net_benefit`

    Returns
    -------
    list of ``{"threshold", "net_benefit", "ci_low", "ci_high", "treat_all", "treat_none"}`` sorted
    by threshold (``net_benefit`` and its interval are the model's); a missing interval is ``None``,
    never NaN, so ``json.dumps(..., allow_nan=False)`` accepts the list.
    """
    missing = {"threshold", "strategy", "net_benefit", "ci_low", "ci_high"} - set(table.columns)
    if missing:
        raise UsageError(
            f"The 'table' parameter of decision_curve_points must come from net_benefit. "
            f"Got a table without {sorted(missing)} instead."
        )
    wide = table.pivot(index="threshold", columns="strategy", values="net_benefit").sort_index()
    model = table[table.strategy == "model"].set_index("threshold").sort_index()

    def num(x) -> float | None:
        return None if pd.isna(x) else float(x)

    return [
        {
            "threshold": float(th),
            "net_benefit": num(wide.at[th, "model"]),
            "ci_low": num(model.at[th, "ci_low"]),
            "ci_high": num(model.at[th, "ci_high"]),
            "treat_all": num(wide.at[th, "treat_all"]),
            "treat_none": num(wide.at[th, "treat_none"]),
        }
        for th in wide.index
    ]
