"""Choosing a cut-point from the data, and how uncertain and optimistic that choice is.

A rule looks at every observed score as a candidate cut-off (a record screens positive when
``score >= cutoff``, or ``<=`` for direction ``lower``) and picks one:

=====================  =======================================================================
``youden``             maximise J = sens + spec - 1 (Youden 1950, Cancer 3:32-35)
``closest_to_01``      minimise the distance to the ROC corner, sqrt((1 - sens)^2 + (1 - spec)^2)
                       (cutpointr's ``roc01``)
``max_sensitivity``    maximise sensitivity subject to specificity >= ``min_specificity``
``max_specificity``    maximise specificity subject to sensitivity >= ``min_sensitivity``
``min_cost``           minimise the expected cost per screened child at target prevalence pi,
                       C = cost_ratio * pi * (1 - sens) + (1 - pi) * (1 - spec),
                       with a false negative costing ``cost_ratio`` times a false positive
                       (pi defaults to the sample prevalence; then C is cutpointr's
                       ``misclassification_cost`` divided by n)
=====================  =======================================================================

Ties (equal criterion within 1e-12; closest_to_01 compared on the squared distance) go to the
stricter cut-off (fewer screen positives), except for
``max_specificity``, where among equal specificities the more lenient cut-off has the higher
sensitivity and is chosen. These are the rules of cutpointr's ``maximize_metric`` /
``minimize_metric`` on the observed values (cutpointr returns every tied cut-point).

A cut-point chosen on the same data is optimistic (methodology.md section 7; STARD 12a). With a
stratified bootstrap (``bootstrap.bootstrap_accuracy``) the rule is re-applied in every replicate;
``cutpoint_summary`` reports the distribution of the chosen cut-off and Harrell's optimism-corrected
sensitivity and specificity:

    optimism = mean_b [ perf_b(c_b) - perf_orig(c_b) ],   corrected = perf_orig(c_orig) - optimism,

where c_b is the cut-off the rule chooses in replicate b and perf_b / perf_orig are evaluated on the
replicate / original table (Harrell, Lee & Mark 1996, Stat Med 15:361-387; Efron & Tibshirani 1993,
section 17.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError, check_in
from .counts import CountTable

CUTPOINT_METHODS = ("youden", "closest_to_01", "max_sensitivity", "max_specificity", "min_cost")
_TIE_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class CutpointRule:
    """A cut-point rule and its criteria (see the module docstring)."""

    method: str = "youden"
    min_specificity: float | None = None
    min_sensitivity: float | None = None
    cost_ratio: float = 1.0
    prevalence: float | None = None

    def __post_init__(self) -> None:
        check_in("method", self.method, CUTPOINT_METHODS, "CutpointRule")
        if self.method == "max_sensitivity" and not _in_unit(self.min_specificity):
            raise UsageError(
                "The 'min_specificity' parameter of CutpointRule must be in [0, 1] for method "
                f"'max_sensitivity'. Got {self.min_specificity!r} instead."
            )
        if self.method == "max_specificity" and not _in_unit(self.min_sensitivity):
            raise UsageError(
                "The 'min_sensitivity' parameter of CutpointRule must be in [0, 1] for method "
                f"'max_specificity'. Got {self.min_sensitivity!r} instead."
            )
        if not (isinstance(self.cost_ratio, (int, float)) and self.cost_ratio > 0):
            raise UsageError(
                f"The 'cost_ratio' parameter of CutpointRule must be > 0. Got {self.cost_ratio!r} instead."
            )
        if self.prevalence is not None and not 0 < self.prevalence < 1:
            raise UsageError(
                f"The 'prevalence' parameter of CutpointRule must be in (0, 1). Got {self.prevalence!r} instead."
            )

    @property
    def name(self) -> str:
        return self.method

    def criteria(self) -> dict:
        """The rule's parameters as they appear in ``accuracy.json``."""
        if self.method == "max_sensitivity":
            return {"min_specificity": self.min_specificity}
        if self.method == "max_specificity":
            return {"min_sensitivity": self.min_sensitivity}
        if self.method == "min_cost":
            return {"cost_ratio_fn_fp": float(self.cost_ratio), "prevalence": self.prevalence}
        return {}


def rules_from_options(
    min_specificity: float | None = None,
    min_sensitivity: float | None = None,
    cost_ratio: float = 1.0,
    cost_prevalence: float | None = None,
) -> list[CutpointRule]:
    """The rules ``evaluate`` applies: Youden, closest-to-(0,1), minimum expected cost, and the
    constrained rules for which a minimum is given (CLI options / ``evaluate.cutpoint_rules`` params)."""
    rules = [
        CutpointRule("youden"),
        CutpointRule("closest_to_01"),
        CutpointRule("min_cost", cost_ratio=cost_ratio, prevalence=cost_prevalence),
    ]
    if min_specificity is not None:
        rules.append(CutpointRule("max_sensitivity", min_specificity=min_specificity))
    if min_sensitivity is not None:
        rules.append(CutpointRule("max_specificity", min_sensitivity=min_sensitivity))
    return rules


def _in_unit(x) -> bool:
    return isinstance(x, (int, float)) and 0.0 <= x <= 1.0


def criterion(tp_ge, fp_ge, m, n, rule: CutpointRule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value each candidate cut-off gets under ``rule`` (larger is better; -inf = inadmissible).

    ``tp_ge[..., j]``, ``fp_ge[..., j]``: positives / negatives screening positive at candidate j.
    Returns ``(value, sensitivity, specificity)``, each of the same shape as ``tp_ge``.
    """
    sens = np.asarray(tp_ge, float) / m
    spec = (n - np.asarray(fp_ge, float)) / n
    return _value(sens, spec, m, n, rule), sens, spec


def _value(sens: np.ndarray, spec: np.ndarray, m, n, rule: CutpointRule) -> np.ndarray:
    if rule.method == "youden":
        return sens + spec - 1.0
    if rule.method == "closest_to_01":
        return -np.sqrt((1.0 - sens) ** 2 + (1.0 - spec) ** 2)
    if rule.method == "max_sensitivity":
        return np.where(spec >= rule.min_specificity, sens, -np.inf)
    if rule.method == "max_specificity":
        return np.where(sens >= rule.min_sensitivity, spec, -np.inf)
    pi = m / (m + n) if rule.prevalence is None else rule.prevalence  # min_cost
    return -(rule.cost_ratio * pi * (1.0 - sens) + (1.0 - pi) * (1.0 - spec))


def choose_index(tp_ge, fp_ge, m, n, rule: CutpointRule, present=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index of the chosen candidate along the last axis, with its sensitivity and specificity.

    Vectorised over leading axes (bootstrap replicates). ``present`` (same shape, bool) marks the
    candidates that are observed scores of the table at hand (in a bootstrap replicate: scores drawn
    at least once); others are not candidates. Index -1 (and NaN) where no candidate is admissible.
    """
    return choose_indices(tp_ge, fp_ge, m, n, [rule], present)[rule.name]


def _rank_value(tp: np.ndarray, fp: np.ndarray, m, n, rule: CutpointRule) -> np.ndarray:
    """A monotone transform of the rule's criterion (larger is better), in as few passes as possible.

    Youden: tp/m - fp/n (= J + 1 - 1); closest_to_01: minus the squared distance; min_cost: minus
    the cost without its constant. The constrained rules use ``_value`` on sensitivity/specificity so
    the constraint is checked exactly as cutpointr does (spec = tn / (tn + fp)).
    """
    if rule.method == "youden":
        v = tp * (1.0 / m)
        v -= fp * (1.0 / n)
        return v
    if rule.method == "closest_to_01":
        v = (m - tp) * (1.0 / m)
        v *= v
        w = fp * (1.0 / n)
        w *= w
        v += w
        np.negative(v, out=v)
        return v
    if rule.method == "min_cost":
        pi = m / (m + n) if rule.prevalence is None else rule.prevalence
        v = tp * (rule.cost_ratio * pi / m)
        v -= fp * ((1.0 - pi) / n)
        return v
    return _value(tp / m, (n - fp) / n, m, n, rule)


def choose_indices(tp_ge, fp_ge, m, n, rules, present=None) -> dict:
    """``choose_index`` for several rules on the same candidates (vectorised over leading axes)."""
    tp = np.asarray(tp_ge)
    fp = np.asarray(fp_ge)
    out = {}
    for rule in rules:
        value = _rank_value(tp, fp, m, n, rule)
        if present is not None:
            value[~present] = -np.inf
        best = np.max(value, axis=-1, keepdims=True)
        tie = value >= best - _TIE_TOL
        k = value.shape[-1]
        if rule.method == "max_specificity":
            j = np.argmax(tie, axis=-1)  # most lenient among ties
        else:
            j = k - 1 - np.argmax(tie[..., ::-1], axis=-1)  # strictest among ties
        ok = np.isfinite(best[..., 0])
        j = np.where(ok, j, -1)
        safe = np.where(ok, j, 0)[..., None]
        tp_j = np.take_along_axis(tp, safe, axis=-1)[..., 0].astype(float)
        fp_j = np.take_along_axis(fp, safe, axis=-1)[..., 0].astype(float)
        out[rule.name] = (j, np.where(ok, tp_j / m, np.nan), np.where(ok, (n - fp_j) / n, np.nan))
    return out


@dataclass(frozen=True, slots=True)
class CutpointResult:
    """The cut-off a rule chooses on a table (original scale), with its apparent accuracy."""

    rule: CutpointRule
    cutoff: float | None
    sensitivity: float | None
    specificity: float | None
    criterion: float | None
    reason: str | None = None


def choose_cutpoint(counts: CountTable, rule: CutpointRule = CutpointRule()) -> CutpointResult:
    """Apply ``rule`` to every observed score with a verified record and return the chosen cut-off.

    Examples
    --------
    >>> t = CountTable.from_scores([3, 2, 2, 1, 2, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0, 0])
    >>> choose_cutpoint(t, CutpointRule("youden")).cutoff
    1.0
    """
    m, n = counts.n_positive, counts.n_negative
    if m == 0 or n == 0:
        return CutpointResult(
            rule, None, None, None, None, "choosing a cut-point needs reference-positive and reference-negative records"
        )
    if rule.method == "max_specificity":
        tp_ge, fp_ge, keep = _candidates(counts)
        where = np.flatnonzero(keep) if isinstance(keep, np.ndarray) else None
    else:
        tp_ge, fp_ge, where = _stricter_wins_candidates(counts)
    j, sens, spec = choose_index(tp_ge, fp_ge, m, n, rule)
    if j < 0:
        return CutpointResult(rule, None, None, None, None, "no observed cut-off meets the constraint")
    value, _, _ = criterion(tp_ge[j], fp_ge[j], m, n, rule)
    if rule.method in ("closest_to_01", "min_cost"):
        value = -value
    cutoff = float(counts.to_external(counts.scores[j if where is None else where[j]]))
    return CutpointResult(rule, cutoff, float(sens), float(spec), float(value))


def _stricter_wins_candidates(counts: CountTable):
    """The candidates that can win a rule which prefers the stricter of tied cut-offs.

    Every rule but ``max_specificity`` has a criterion that never decreases with tp nor increases
    with fp (also in floating point) and breaks ties towards the stricter cut-off. Of the candidates
    sharing one tp, the strictest therefore has the best value and wins ties, so the choice is a
    score with a reference-positive record, or the strictest candidate. Returns tp and fp at those
    (increasing score) and their indices into ``counts.scores`` (``CountTable.curve`` at those
    indices: one cumulative sum at a time, so a continuous score needs little memory beyond its
    table). The record-space bootstrap (``_continuous``) uses the same argument.
    """
    where = np.flatnonzero(counts.n_pos)
    verified_neg = counts.n_neg > 0
    top = len(verified_neg) - 1 - int(np.argmax(verified_neg[::-1])) if verified_neg.any() else -1
    del verified_neg
    if len(where) == 0 or top > where[-1]:
        where = np.append(where, top)
    return *counts.curve(where), where


def _candidates(counts: CountTable):
    """Screen-positive counts at each observed score that has a verified record (candidate cut-offs)."""
    keep = (counts.n_pos > 0) | (counts.n_neg > 0)
    tp_ge, fp_ge = (c[:-1] for c in counts.curve())  # the point above the highest score is no candidate
    if keep.all():  # the usual case for verified data: no compressed copies
        return tp_ge, fp_ge, slice(None)
    return tp_ge[keep], fp_ge[keep], keep


def cutpoint_summary(counts: CountTable, rule: CutpointRule, boot=None, confidence: float = 0.95) -> dict:
    """Apparent cut-off, its bootstrap distribution and optimism-corrected sensitivity/specificity.

    Parameters
    ----------
    counts : CountTable
    rule : CutpointRule
    boot : bootstrap.BootstrapResult, optional
        A run made with ``cutpoint_rules`` containing ``rule``. Without it only the apparent values
        are returned.
    confidence : float in (0, 1)
        For the percentile interval of the chosen cut-off.

    Returns
    -------
    dict with ``method``, the rule's criteria, ``cutoff``, ``sensitivity``, ``specificity``,
    ``criterion`` (apparent), and with ``boot``: ``bootstrap`` = {``replicates``, ``cutoff_median``,
    ``cutoff_ci_low``, ``cutoff_ci_high``, ``share_same_cutoff``, ``frequencies`` (cut-off -> share,
    when at most 20 distinct cut-offs were chosen), ``replicates_without_cutoff``} and
    ``optimism_corrected`` = {``sensitivity``, ``specificity``, ``optimism_sensitivity``,
    ``optimism_specificity``}.
    """
    res = choose_cutpoint(counts, rule)
    out = {
        "method": rule.method,
        **rule.criteria(),
        "prespecified": False,
        "cutoff": res.cutoff,
        "sensitivity": res.sensitivity,
        "specificity": res.specificity,
        "criterion": res.criterion,
    }
    if res.reason:
        out["reason"] = res.reason
    if boot is None or rule.name not in boot.cutpoint_index or res.cutoff is None:
        return out
    rows = boot.cutpoint_index[rule.name]
    ok = rows >= 0
    chosen = counts.to_external(counts.scores[rows[ok]])
    alpha = 1.0 - confidence
    summary = {"replicates": int(boot.n_boot), "replicates_without_cutoff": int((~ok).sum())}
    if ok.any():
        lo, med, hi = np.quantile(chosen, [alpha / 2, 0.5, 1 - alpha / 2], method="inverted_cdf")
        values, freq = np.unique(chosen, return_counts=True)
        summary.update(
            {
                "cutoff_median": float(med),
                "cutoff_ci_low": float(lo),
                "cutoff_ci_high": float(hi),
                "share_same_cutoff": float(np.mean(chosen == res.cutoff)),
            }
        )
        if len(values) <= 20:
            summary["frequencies"] = [{"cutoff": float(v), "share": float(f / ok.sum())} for v, f in zip(values, freq)]
        own, orig = boot.cutpoint_boot[rule.name], boot.cutpoint_orig[rule.name]
        opt_sens = float(np.nanmean(own["sensitivity"] - orig["sensitivity"]))
        opt_spec = float(np.nanmean(own["specificity"] - orig["specificity"]))
        out["optimism_corrected"] = {
            "sensitivity": res.sensitivity - opt_sens,
            "specificity": res.specificity - opt_spec,
            "optimism_sensitivity": opt_sens,
            "optimism_specificity": opt_spec,
            "method": "Harrell bootstrap optimism (stratified bootstrap, rule re-applied in each replicate)",
        }
    out["bootstrap"] = summary
    return out
