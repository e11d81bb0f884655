"""Does the instrument add to the professional's judgement? The judgement as comparator.

The Health Council (advisory report 2018/11) stresses that in practice the professional's experienced
judgement matters alongside checklists. With a column holding that judgement (yes/no, or an ordinal
level of concern) recorded on the same children, the question is not "is the instrument accurate?"
but "does using it change what the professional would have done, and for the better?". Everything
here uses the records with a judgement, an instrument score and a verified reference standard, so
every comparison is paired.

Definitions (docs/instruments.md, "The professional's judgement as comparator"):

- **judgement alone**: positive when the level is at or above ``positive_from`` (yes/no: 1 = yes);
  its ROC orders records by the level itself.
- **instrument alone**: positive at its cut-off (``score >= cutoff``, or ``<=`` for direction lower).
- **either**: judgement positive OR instrument positive ("add the checklist to the judgement": refer
  when either signals concern). It finds at least the cases the judgement finds, and flags at least
  the families the judgement flags.
- **both**: judgement positive AND instrument positive (the instrument as a second opinion before
  referral).
- **combination**: logistic regression of the reference on (judgement level, score), with out-of-fold
  predicted risks from K folds stratified by the reference (:func:`signalering.stats.calibration.
  cross_validated_logistic`), so its AUC compared with the judgement's carries no optimism from the
  fit; positive at a threshold probability.

Statistics, each from the library's existing one: paired DeLong AUC difference, McNemar at the
cut-offs, paired differences and ratios, categorical NRI (:mod:`signalering.stats.compare`); difference in
net benefit with a multinomial bootstrap interval (:func:`net_benefit_difference`, Vickers & Elkin
2006); the plain-words counts per 1000 families (:func:`per_1000_added`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import UsageError, check_in, check_open_unit
from ..schema import finite_or_none, interval_dict
from .counts import DIRECTIONS

RULES = ("instrument", "either", "both", "combination")
CELL_NAMES = {(1, 1): "both", (1, 0): "a_only", (0, 1): "b_only", (0, 0): "neither"}


# ------------------------------------------------------------------ rules
def judgement_rules(judgement, score, positive_from: float, cutoff: float, direction: str = "higher") -> dict:
    """The four referral rules as 0/1 arrays (NaN where the judgement or the score is missing).

    Parameters
    ----------
    judgement : array-like of float        Level of concern (higher = more concern); NaN = not recorded.
    score : array-like of float            Instrument score; NaN = no score.
    positive_from : float                  The judgement is positive at this level and above.
    cutoff : float                         The instrument's cut-off.
    direction : {"higher", "lower"}        Which end of the score is the concern.

    Returns
    -------
    dict ``judgement, instrument, either, both`` -> float arrays of 1 / 0 / NaN.

    Examples
    --------
    >>> r = judgement_rules([0, 2, 1, 0], [5, 1, 4, 0], positive_from=1, cutoff=4)
    >>> r["either"].tolist(), r["both"].tolist()
    ([1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0])
    """
    check_in("direction", direction, DIRECTIONS, "judgement_rules")
    j = np.asarray(judgement, dtype=float)
    s = np.asarray(score, dtype=float)
    if j.shape != s.shape or j.ndim != 1:
        raise UsageError(
            "The 'judgement' and 'score' parameters of judgement_rules must be 1-d arrays of the same length. "
            f"Got shapes {j.shape} and {s.shape} instead."
        )
    present = ~np.isnan(j) & ~np.isnan(s)
    jp = j >= positive_from
    ip = s >= cutoff if direction == "higher" else s <= cutoff

    def rule(x):
        return np.where(present, x.astype(float), np.nan)

    return {"judgement": rule(jp), "instrument": rule(ip), "either": rule(jp | ip), "both": rule(jp & ip)}


# ------------------------------------------------------------------ net benefit
def net_benefit_difference(
    treat_a,
    treat_b,
    reference,
    thresholds,
    *,
    n_boot: int = 0,
    rng: np.random.Generator | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Net benefit of two referral rules on the same records and its paired difference A - B.

    Parameters
    ----------
    treat_a, treat_b : array-like of 0/1 (NaN = left out), shape (n,) or (n, len(thresholds))
        Who each rule refers; a 2-d array gives a rule per threshold (e.g. a risk >= the threshold).
    reference : array-like of 1 / 0 / NaN (not verified: left out)
    thresholds : array-like of float in (0, 1)      Threshold probabilities p_t.
    n_boot : int                                    Bootstrap replicates (0: no interval).
    rng : numpy.random.Generator                    Needed when ``n_boot > 0``.
    confidence : float in (0, 1)

    Returns
    -------
    DataFrame, one row per threshold: ``threshold, net_benefit_a, net_benefit_b, difference, ci_low,
    ci_high, n`` and the paired cells ``pos_both, pos_a_only, pos_b_only, pos_neither`` and the same
    with ``neg_`` (reference-negatives; "a_only" = referred by A, not by B).

    Notes
    -----
    NB = TP/n - FP/n * w with w = p_t / (1 - p_t) (Vickers & Elkin 2006, Med Decis Making
    26:565-574). Records referred by both rules or by neither cancel, so

        NB_A - NB_B = (b1 - c1)/n - w (b0 - c0)/n,

    with b_d, c_d the records of reference status d referred by A only and by B only. The interval is
    the percentile interval of ``n_boot`` resamples of the records (Vickers, Cronin, Elkin et al. 2008,
    BMC Med Inform Decis Mak 8:53), drawn exactly as one multinomial over the eight cells (reference x
    A x B) per threshold; the rules are not refitted. A threshold's replicates are drawn separately,
    so the intervals are pointwise. No records: every number NaN.

    Examples
    --------
    >>> t = net_benefit_difference([1, 1, 0, 1], [1, 0, 0, 0], [1, 1, 0, 0], [0.5])
    >>> t[["net_benefit_a", "net_benefit_b", "difference"]].iloc[0].tolist()
    [0.25, 0.25, 0.0]
    """
    where = "net_benefit_difference"
    check_open_unit("confidence", confidence, where)
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 0):
        raise UsageError(f"The 'n_boot' parameter of {where} must be a non-negative integer. Got {n_boot!r} instead.")
    if n_boot > 0 and not isinstance(rng, np.random.Generator):
        raise UsageError(f"The 'rng' parameter of {where} must be a numpy.random.Generator when n_boot > 0.")
    t = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all((t > 0) & (t < 1)):
        raise UsageError(f"The 'thresholds' parameter of {where} must be threshold probabilities in (0, 1).")
    r = np.asarray(reference, dtype=float)
    a = np.asarray(treat_a, dtype=float)
    b = np.asarray(treat_b, dtype=float)
    a = np.repeat(a[:, None], t.size, axis=1) if a.ndim == 1 else a
    b = np.repeat(b[:, None], t.size, axis=1) if b.ndim == 1 else b
    if r.ndim != 1 or a.shape != (r.size, t.size) or b.shape != (r.size, t.size):
        raise UsageError(
            f"The 'treat_a' and 'treat_b' parameters of {where} must have one row per record ({r.size}) "
            f"and one column per threshold ({t.size}) when 2-d."
        )
    alpha = (1.0 - confidence) / 2.0
    rows = []
    for k, th in enumerate(t):
        ok = ~np.isnan(r) & ~np.isnan(a[:, k]) & ~np.isnan(b[:, k])
        code = r[ok].astype(np.int64) * 4 + (a[ok, k] > 0).astype(np.int64) * 2 + (b[ok, k] > 0).astype(np.int64)
        cells = np.bincount(code, minlength=8)  # index d*4 + a*2 + b
        n = int(cells.sum())
        w = th / (1.0 - th)
        tp_a, tp_b = cells[6] + cells[7], cells[5] + cells[7]
        fp_a, fp_b = cells[2] + cells[3], cells[1] + cells[3]
        # weight of each cell in n * (NB_A - NB_B): only the discordant cells count
        g = np.array([0.0, w, -w, 0.0, 0.0, -1.0, 1.0, 0.0])
        row = {
            "threshold": float(th),
            "net_benefit_a": (tp_a - w * fp_a) / n if n else np.nan,
            "net_benefit_b": (tp_b - w * fp_b) / n if n else np.nan,
            "difference": float(g @ cells) / n if n else np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "n": n,
        }
        if n and n_boot > 0:
            reps = rng.multinomial(n, cells / n, size=n_boot) @ g / n
            row["ci_low"], row["ci_high"] = (float(q) for q in np.quantile(reps, [alpha, 1.0 - alpha]))
        for d, prefix in ((1, "pos"), (0, "neg")):
            for (ia, ib), name in CELL_NAMES.items():
                row[f"{prefix}_{name}"] = int(cells[d * 4 + ia * 2 + ib])
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ per 1000
def per_1000_added(sensitivity_difference: dict, specificity_difference: dict, prevalence: float) -> dict:
    """Extra cases found and extra families flagged wrongly per 1000 screened, from paired differences.

    Parameters
    ----------
    sensitivity_difference, specificity_difference : dict
        Interval objects (``estimate, ci_low, ci_high``) of sens(A) - sens(B) and spec(A) - spec(B) on
        the same records (``compare.paired_contrast``).
    prevalence : float in (0, 1)       The prevalence where the rule will be used.

    Returns
    -------
    dict ``prevalence``, ``cases_found`` and ``flagged_wrongly`` (interval objects, per 1000 families).

    Notes
    -----
    Among 1000 families at prevalence pi, 1000 pi have the condition and 1000 (1 - pi) do not; a rule
    with sensitivity se finds 1000 pi se of them and flags 1000 (1 - pi)(1 - sp) wrongly, so moving
    from B to A finds 1000 pi (se_A - se_B) more cases and flags 1000 (1 - pi)(sp_B - sp_A) more
    families wrongly. Both are linear in the differences, so their intervals are the differences'
    intervals scaled (the second with the bounds swapped). Sensitivity and specificity come from the
    sample; the prevalence is the target's, as in ``accuracy.json``'s ``per_1000``.

    Examples
    --------
    >>> d = per_1000_added({"estimate": 0.2, "ci_low": 0.1, "ci_high": 0.3},
    ...                    {"estimate": -0.05, "ci_low": -0.07, "ci_high": -0.03}, 0.04)
    >>> round(d["cases_found"]["estimate"], 6), round(d["flagged_wrongly"]["ci_high"], 6)
    (8.0, 67.2)
    """
    check_open_unit("prevalence", prevalence, "per_1000_added")
    method = "scaled-paired-difference"

    def scaled(iv: dict, factor: float) -> dict:
        est, lo, hi = (finite_or_none((iv or {}).get(k)) for k in ("estimate", "ci_low", "ci_high"))
        if est is None:
            return interval_dict(None, None, None, method, (iv or {}).get("reason") or "undefined")
        lo, hi = (None, None) if lo is None or hi is None else sorted((factor * lo, factor * hi))
        return interval_dict(factor * est, lo, hi, method, (iv or {}).get("reason"))

    return {
        "prevalence": float(prevalence),
        "cases_found": scaled(sensitivity_difference, 1000.0 * prevalence),
        "flagged_wrongly": scaled(specificity_difference, -1000.0 * (1.0 - prevalence)),
    }
