"""Verdict of an instrument against acceptance criteria declared before the analysis (methodology §10).

A criterion names a statistic and a bound, e.g. ``sensitivity_ci_low_min: 0.80``. The verdict compares
the **interval bounds** with the bound, never the point estimate alone:

==========================  =========================  ============================  ==================
criterion key               met when                   not met when                  inconclusive when
==========================  =========================  ============================  ==================
``<stat>_min: x``           ``ci_low >= x``            ``ci_high < x``               the interval
``<stat>_ci_low_min: x``    (same rule)                                              straddles ``x``
``<stat>_max: x``           ``ci_high <= x``           ``ci_low > x``                straddles ``x``
``<stat>_ci_high_max: x``   (same rule)
``<stat>_range: [a, b]``    ``a <= ci_low, ci_high <= b``  ``ci_high < a or ci_low > b``  overlaps an end
``<stat>_ci_contains: v``   ``ci_low <= v <= ci_high`` otherwise                      (never)
==========================  =========================  ============================  ==================

``_min`` and ``_ci_low_min`` are two spellings of one rule: "the lower bound must reach x" is what a
pre-registered minimum means when the estimate is uncertain. A criterion whose statistic is missing
from the run, undefined, suppressed or has no interval is **not assessable**, with the reason.

The reliability stage's thresholds (``reliability.thresholds`` in params.yaml) are the same rule:
:func:`flag_below` judges ``threshold`` as the criterion ``<stat>_min: threshold``, so a statistic is
flagged unless the lower bound of its interval reaches the threshold. One acceptance mechanism.

What is judged is chosen here too: :func:`primary_threshold` picks the cut-off the verdict judges (never
a data-driven one; :func:`judged_cutoff` reads the params' choice) and :func:`verdict_figures` collects
the figures of the documents a criterion may name (:data:`KNOWN_STATISTICS`). The report's views and
the metrics of the pipeline stage both use them.

Everything here is pure: figures in, judgements out; no I/O, no formatting.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Mapping

from ..errors import UsageError
from ..params import Reliability as ReliabilityParams

MET = "met"
NOT_MET = "not_met"
INCONCLUSIVE = "inconclusive"
NOT_ASSESSABLE = "not_assessable"
OUTCOMES = (MET, NOT_MET, INCONCLUSIVE, NOT_ASSESSABLE)

# Longest suffix first: "_ci_low_min" must win over "_min".
RULES = (
    ("_ci_low_min", "min"),
    ("_ci_high_max", "max"),
    ("_ci_contains", "contains"),
    ("_range", "range"),
    ("_min", "min"),
    ("_max", "max"),
)
# Keys inside a criteria block that are settings, not criteria.
SETTINGS = frozenset({"cutoff", "icc_type"})


@dataclass(frozen=True, slots=True)
class Figure:
    """The figure a criterion is judged on: an estimate with its interval (``None`` = undefined)."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """One criterion judged: ``outcome`` is one of :data:`OUTCOMES`."""

    key: str
    statistic: str
    rule: str  # "min" | "max" | "range" | "contains"
    bound: tuple[float, ...]  # (x,) or (a, b)
    outcome: str
    figure: Figure | None
    reason: str | None = None


def parse_criterion(key: str, value) -> tuple[str, str, tuple[float, ...]]:
    """``("sensitivity", "min", (0.8,))`` from ``("sensitivity_ci_low_min", 0.8)``.

    Raises ``UsageError`` for a key without a known suffix or a bound of the wrong shape.
    """
    for suffix, rule in RULES:  # noqa: B007 - `rule` is the matched one, read after the loop
        if key.endswith(suffix) and len(key) > len(suffix):
            stat = key[: -len(suffix)]
            break
    else:
        raise UsageError(
            f"The criterion '{key}' must end in one of {', '.join(s for s, _ in RULES)}. Got '{key}' instead."
        )
    if rule == "range":
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 2
            or not all(_is_number(v) for v in value)
            or float(value[0]) > float(value[1])
        ):
            raise UsageError(
                f"The criterion '{key}' must be a list [low, high] with low <= high. Got {value!r} instead."
            )
        return stat, rule, (float(value[0]), float(value[1]))
    if not _is_number(value):
        raise UsageError(f"The criterion '{key}' must be a number. Got {value!r} instead.")
    return stat, rule, (float(value),)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _as_figure(fig) -> Figure | None:
    if fig is None or isinstance(fig, Figure):
        return fig
    if isinstance(fig, Mapping):
        return Figure(fig.get("estimate"), fig.get("ci_low"), fig.get("ci_high"), fig.get("method"), fig.get("reason"))
    raise UsageError(f"A figure must be a Figure, a mapping or None. Got {type(fig).__name__} instead.")


def judge(key: str, value, figure) -> Judgement:
    """Judge one criterion ``key: value`` on ``figure`` (a :class:`Figure`, an interval dict or None)."""
    stat, rule, bound = parse_criterion(key, value)
    fig = _as_figure(figure)
    if fig is None:
        return Judgement(key, stat, rule, bound, NOT_ASSESSABLE, None, "not assessed in this run")
    if fig.estimate is None:
        return Judgement(key, stat, rule, bound, NOT_ASSESSABLE, fig, fig.reason or "undefined")
    if fig.ci_low is None or fig.ci_high is None:
        return Judgement(key, stat, rule, bound, NOT_ASSESSABLE, fig, fig.reason or "no interval")
    lo, hi = float(fig.ci_low), float(fig.ci_high)
    if rule == "min":
        outcome = MET if lo >= bound[0] else NOT_MET if hi < bound[0] else INCONCLUSIVE
    elif rule == "max":
        outcome = MET if hi <= bound[0] else NOT_MET if lo > bound[0] else INCONCLUSIVE
    elif rule == "range":
        a, b = bound
        outcome = MET if a <= lo and hi <= b else NOT_MET if hi < a or lo > b else INCONCLUSIVE
    else:  # contains
        outcome = MET if lo <= bound[0] <= hi else NOT_MET
    return Judgement(key, stat, rule, bound, outcome, fig)


def assess(criteria: Mapping[str, object], figures: Mapping[str, object]) -> list[Judgement]:
    """Judge every criterion in ``criteria`` on ``figures`` (statistic name -> figure or None).

    Keys in :data:`SETTINGS` and keys whose value is ``None`` (a default switched off) are skipped.
    Judgements come back in the order of ``criteria``.
    """
    out = []
    for key, value in criteria.items():
        if key in SETTINGS or value is None:
            continue
        stat, _, _ = parse_criterion(key, value)
        out.append(judge(key, value, figures.get(stat)))
    return out


def overall(judgements: list[Judgement]) -> str:
    """One word for the instrument.

    ``not_met`` if any criterion is not met; else ``inconclusive`` if any is inconclusive; else
    ``not_assessable`` if any cannot be assessed (or none were declared); else ``met``.
    """
    outcomes = {j.outcome for j in judgements}
    if not judgements:
        return NOT_ASSESSABLE
    for word in (NOT_MET, INCONCLUSIVE, NOT_ASSESSABLE):
        if word in outcomes:
            return word
    return MET


def criteria_for(config: Mapping[str, object] | None, instrument: str) -> dict:
    """The criteria block for ``instrument``: ``default`` merged with the instrument's own entry.

    An instrument's entry overrides default keys one by one; a key set to ``None`` there switches a
    default criterion off. The instrument may be named ``name@version`` or just ``name`` (all versions);
    the versioned entry wins.
    """
    config = config or {}
    merged: dict = dict(config.get("default") or {})
    name = instrument.split("@", 1)[0]
    for key in dict.fromkeys((name, instrument)):
        merged.update(config.get(key) or {})
    return {k: v for k, v in merged.items() if v is not None}


# --------------------------------------------------------------------------------------------- flags
@dataclass(frozen=True, slots=True)
class Flag:
    """A statistic checked against a minimum, judged as the criterion ``<statistic>_min: threshold``.

    ``value`` is the bound judged (``bound == "ci_low"``, the lower interval bound); ``flagged`` is
    True unless the criterion is met (``outcome`` ``not_met`` or ``inconclusive``: the lower bound is
    below the threshold), False when met, None (with ``reason``) when not assessable.
    """

    statistic: str
    value: float | None
    threshold: float
    outcome: str
    estimate: float | None = None
    reason: str | None = None
    bound: str = "ci_low"

    @property
    def flagged(self) -> bool | None:
        return None if self.outcome == NOT_ASSESSABLE else self.outcome != MET

    def to_dict(self) -> dict:
        d = {
            "statistic": self.statistic,
            "value": self.value,
            "threshold": self.threshold,
            "bound": self.bound,
            "flagged": self.flagged,
            "outcome": self.outcome,
            "estimate": self.estimate,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


def _result_figure(result) -> Figure | None:
    if result is None or isinstance(result, (Figure, Mapping)):
        return _as_figure(result)
    if isinstance(result, numbers.Real) and not isinstance(result, bool):  # a bare estimate: no interval
        return Figure(float(result) if math.isfinite(float(result)) else None, None, None)
    if hasattr(result, "to_dict"):
        return _as_figure(result.to_dict())
    raise UsageError(
        f"A result given to flag_below must be a number, a mapping, a Figure or a result object. "
        f"Got {type(result).__name__} instead."
    )


def flag_below(results: Mapping[str, object], thresholds: Mapping[str, float]) -> tuple[Flag, ...]:
    """Flag statistics whose interval does not clear their threshold, e.g. ``{"ICC1": 0.70}``.

    Each threshold is judged exactly as the criterion ``<statistic>_min: threshold`` (:func:`judge`):
    met (not flagged) when ``ci_low >= threshold``; flagged when the lower bound is below it (the
    outcome says whether the whole interval is below, ``not_met``, or straddles it, ``inconclusive``).
    Koo & Li (2016) judge the ICC on its 95% interval; COSMIN's minimum is 0.70.

    Parameters
    ----------
    results : mapping name -> result object, interval dict, Figure or number
        E.g. ``{"ICC1": table["ICC1"], "weighted_kappa": wk}``; an object is read through its
        ``to_dict()`` (``estimate``, ``ci_low``, ``ci_high``). A bare number has no interval.
    thresholds : mapping name -> float
        One entry per statistic to check.

    Returns
    -------
    tuple of Flag, in the order of ``thresholds``. A statistic that is missing, undefined or has no
    interval is not flagged either way (``flagged None`` with the reason).

    >>> f = flag_below({"kappa": {"estimate": 0.8, "ci_low": 0.65, "ci_high": 0.9}}, {"kappa": 0.7})[0]
    >>> f.flagged, f.outcome, f.bound, f.value
    (True, 'inconclusive', 'ci_low', 0.65)
    """
    out = []
    for name, threshold in thresholds.items():
        if not _is_number(threshold):
            raise UsageError(
                f"The 'thresholds' parameter of flag_below must map names to numbers. "
                f"Got {threshold!r} for {name!r} instead."
            )
        j = judge(f"{name}_min", float(threshold), _result_figure(results.get(name)) if name in results else None)
        fig = j.figure
        out.append(
            Flag(
                name,
                None if fig is None or fig.ci_low is None else float(fig.ci_low),
                float(threshold),
                j.outcome,
                None if fig is None or fig.estimate is None else float(fig.estimate),
                j.reason,
            )
        )
    return tuple(out)


# ------------------------------------------------------------------ what the verdict judges
PROPORTIONS = ("sensitivity", "specificity", "ppv", "npv", "accuracy")
RATIOS = ("lr_positive", "lr_negative", "dor")
STAT_ROWS = (*PROPORTIONS, *RATIOS)
# the calibration and agreement statistics a document may hold as interval objects
CALIBRATION = ("calibration_slope", "calibration_in_the_large", "observed_expected_ratio")
AGREEMENT = ("icc", "kappa", "weighted_kappa", "fleiss_kappa", "cronbach_alpha", "omega")
KNOWN_STATISTICS = frozenset({*STAT_ROWS, "auc", *CALIBRATION, *AGREEMENT})


def spec_prespecified(spec: dict | None, entry: dict) -> bool:
    """A cut-off is pre-specified when the evaluate stage says so and the spec declares it so."""
    if not entry.get("prespecified"):
        return False
    if not spec:
        return True
    declared = [*spec.get("cutoffs", []), *(spec.get("banded_cutoffs") or [])]
    flags = [c.get("prespecified", True) for c in declared if c.get("name") in entry.get("names", [])]
    return any(flags) if flags else True


def judged_cutoff(params: dict, inst_id: str) -> float | None:
    """The cut-off judged for one instrument as the run's params declare it, or None.

    The one place that reads it: ``evaluate.judged_cutoff`` (a number for every instrument, or a
    mapping from instrument id or name to a number; ``judged_cutoffs`` is read too). The verdict
    then judges that cut-off (:func:`primary_threshold`).
    """
    ev = (params or {}).get("evaluate") or {}
    value = ev.get("judged_cutoff", ev.get("judged_cutoffs"))
    if isinstance(value, dict):
        value = value.get(inst_id, value.get(inst_id.split("@")[0]))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def primary_threshold(
    doc: dict, spec: dict | None, crit: dict, judged: float | None = None
) -> tuple[int | None, str | None]:
    """Index of the threshold the verdict and the pictures use, or (None, reason).

    In this order: ``cutoff`` in the instrument's criteria (a number, or a banded cut-off's name);
    the judged cut-off of the params (:func:`judged_cutoff`); the spec's first pre-specified banded
    cut-off; a cut-off the spec marks ``judged: true``; the first pre-specified cut-off the spec
    declares itself, before those derived from its categories; the first pre-specified one. Never a data-driven (exploratory) cut-off: on small data its table may be
    withheld, and the verdict must judge what was fixed before the analysis.
    """
    ths = doc.get("thresholds", [])

    def at(value) -> int | None:
        for i, t in enumerate(ths):
            if t.get("cutoff") is not None and abs(float(t["cutoff"]) - float(value)) < 1e-9:
                return i
        return None

    def banded(name: str) -> int | None:
        for i, t in enumerate(ths):
            if (t.get("banded") or {}).get("name") == name:
                return i
        return None

    if "cutoff" in crit:  # a number, or the name of a banded cut-off
        i = banded(crit["cutoff"]) if isinstance(crit["cutoff"], str) else at(crit["cutoff"])
        return (i, None) if i is not None else (None, "criteria_cutoff_missing")
    if judged is not None:
        i = at(judged)
        return (i, None) if i is not None else (None, "criteria_cutoff_missing")
    # a pre-specified banded cut-off (each record at its own band's cut-off) comes first: it is the
    # rule the specification's norms define (params.judged_banded)
    for b in (spec or {}).get("banded_cutoffs") or []:
        i = banded(b.get("name")) if b.get("prespecified") else None
        if i is not None and spec_prespecified(spec, ths[i]):
            return i, None
    cuts = [c for c in (spec or {}).get("cutoffs", []) if c.get("prespecified", True) and c.get("value") is not None]
    derived = [c for c in cuts if "category boundary" in str(c.get("note", ""))]
    order = [c for c in cuts if c.get("judged")] + [c for c in cuts if c not in derived] + derived
    for c in order:
        i = at(c["value"])
        if i is not None and spec_prespecified(spec, ths[i]):
            return i, None
    for i, t in enumerate(ths):
        if spec_prespecified(spec, t):
            return i, None
    return None, "no_prespecified"


def verdict_figures(
    doc: dict, entry: dict | None, calibration: dict | None, reliability: dict | None, crit: dict
) -> dict:
    """Statistic name -> interval (or None) for :func:`assess`."""
    figs: dict = {"auc": doc.get("auc")}
    if entry is not None:
        for stat in STAT_ROWS:
            figs[stat] = entry.get(stat)
    if calibration:
        for k in CALIBRATION:
            if isinstance(calibration.get(k), dict):
                figs[k] = calibration[k]
            elif calibration.get("reason"):
                figs[k] = {"estimate": None, "reason": calibration["reason"]}
    if reliability:
        icc_type = icc_type_judged(crit, reliability)
        for form in reliability.get("icc") or []:
            if isinstance(form, dict) and form.get("type") == icc_type:
                figs["icc"] = form
        for k in AGREEMENT:
            if k != "icc" and isinstance(reliability.get(k), dict):
                figs[k] = reliability[k]
        scales = reliability.get("internal_consistency") or {}
        for k in ("cronbach_alpha", "omega"):
            # several scales: the criterion must hold for each, so the weakest scale is judged
            found = [v[k] for v in scales.values() if isinstance(v, dict) and isinstance(v.get(k), dict)]
            if found and k not in figs:
                defined = [f for f in found if f.get("estimate") is not None]
                figs[k] = (
                    min(defined, key=lambda f: f.get("ci_low") if f.get("ci_low") is not None else f["estimate"])
                    if defined
                    else found[0]
                )
    return figs


# The ICC form judged when neither the criteria nor the reliability document name one: the default of
# ``reliability.primary_icc``, defined once in the params model.
DEFAULT_ICC = ReliabilityParams.model_fields["primary_icc"].default


def icc_type_judged(crit: dict, reliability: dict | None) -> str:
    """The ICC form judged: ``icc_type`` in the criteria, else the reliability document's
    ``primary_icc`` (the stage writes the param), else the params model's default (:data:`DEFAULT_ICC`)."""
    return crit.get("icc_type") or (reliability or {}).get("primary_icc") or DEFAULT_ICC
