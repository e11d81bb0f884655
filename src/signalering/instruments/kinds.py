"""The builders of every kind but the questionnaire: risk checklist, signal list, ordinal category, rater
observation (``Rater``), probability, plain score and combination (``Component``).

Each returns the kind's keyword arguments of ``InstrumentSpec``, its score range and the cut-offs it
derives by itself (positive rules, category boundaries).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from signalering.instruments.coding import Coding, Item, read_abnormal, read_coding, read_items, read_missing_rule
from signalering.instruments.cutoffs import Cutoff, read_positive_rule
from signalering.instruments.fields import (
    COMMON,
    ID_PATTERN,
    SLUG_PATTERN,
    Field,
    check_unique,
    read_boolean,
    read_choice,
    read_code,
    read_integer,
    read_list,
    read_nonempty_text,
    read_number,
    read_text,
    show_number,
)

if TYPE_CHECKING:
    from signalering.instruments.spec import InstrumentSpec


COMBINE_METHODS = ("mean_of_available", "first_rater", "first_available", "consensus_column", "min", "max")


@dataclass(frozen=True, slots=True)
class Rater:
    """One rater's column and, optionally, the column holding that rater's pseudonymous id."""

    column: str
    id_column: str | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a combination rule: another instrument screened at one of its named cut-offs."""

    instrument: str
    cutoff: Cutoff
    spec: "InstrumentSpec" = field(repr=False, compare=False)


def build_checklist(root: Field, direction: str) -> dict:
    """A risk checklist: a weighted sum of coded items."""
    root.mapping(COMMON + ("coding", "items", "missing"), required=("coding", "items"))
    coding = read_coding(root.child("coding"))
    if not coding.numeric and not all(isinstance(v, float) for v in coding.values):
        raise root.child("coding").fail("scored values must be numbers")
    raw_items = read_items(root.child("items"), ("id", "column", "label", "weight"))
    items = []
    for d, g in raw_items:
        weight = g.get("weight", read_number, 1.0)
        if weight == 0:
            raise g.fail("a weight of 0 makes the item pointless; drop the item instead", "weight")
        items.append(Item(id=d["id"], column=d["column"], label=d["label"], weight=weight))
    weights = [i.weight for i in items]
    rule = read_missing_rule(root.child("missing") if root.has("missing") else None, len(items), weights, coding)
    low = sum(min(w * coding.low, w * coding.high) for w in weights)
    high = sum(max(w * coding.low, w * coding.high) for w in weights)
    return dict(
        coding=coding,
        items=tuple(items),
        missing=rule,
        columns=tuple(i.column for i in items),
        score_range=(low, high),
        derived_cutoffs=[],
    )


def build_signal_list(root: Field, direction: str) -> dict:
    """A signal list: the number of items answered with an abnormal code, positive by ``positive_rule``."""
    root.mapping(
        COMMON + ("coding", "items", "abnormal", "missing", "positive_rule"),
        required=("coding", "items", "positive_rule"),
    )
    coding = read_coding(root.child("coding"))
    default = None
    if root.has("abnormal"):
        default = read_abnormal(root.child("abnormal"), coding)
    raw_items = read_items(root.child("items"), ("id", "column", "label", "abnormal"))
    items = []
    for d, g in raw_items:
        if g.has("abnormal"):
            abnormal = read_abnormal(g.child("abnormal"), coding)
        elif default is not None:
            abnormal = default
        else:
            raise g.fail("say which answer is abnormal (here or as a default 'abnormal' at the top)", "abnormal")
        items.append(Item(id=d["id"], column=d["column"], label=d["label"], abnormal=abnormal))
    rule = read_missing_rule(
        root.child("missing") if root.has("missing") else None, len(items), [1.0] * len(items), None
    )
    positive = read_positive_rule(root.child("positive_rule"), len(items), "items")
    cut = Cutoff(positive.cutoff_name, float(positive.k), True, note="from positive_rule")
    return dict(
        coding=coding,
        items=tuple(items),
        missing=rule,
        rule=positive,
        columns=tuple(i.column for i in items),
        score_range=(0.0, float(len(items))),
        derived_cutoffs=[(cut, root.child("positive_rule"))],
    )


def build_ordinal(root: Field, direction: str) -> dict:
    """An ordinal category: one column of ordered categories; each boundary is a cut-off."""
    root.mapping(COMMON + ("column", "categories"), required=("column", "categories"))
    column = read_nonempty_text(root.child("column"))
    cf = root.child("categories")
    if isinstance(cf.data, list):
        codes = [read_code(g) for g in read_list(cf)]
        check_unique(codes, cf, "category")
        coding = Coding(
            codes=tuple(codes),
            values=tuple(float(i) for i in range(len(codes))),
            numeric=not any(isinstance(c, str) for c in codes),
        )
        if any(isinstance(c, str) for c in codes) and not all(isinstance(c, str) for c in codes):
            raise cf.fail("categories must be all numbers or all text, not a mix")
    else:
        coding = read_coding(cf)
        if len(set(coding.values)) != len(coding.values):
            raise cf.fail("two categories have the same value; categories must be strictly ordered")
    if len(coding.codes) < 2:
        raise cf.fail("needs at least two categories")
    order = sorted(zip(coding.values, coding.codes), key=lambda t: t[0])
    derived = []
    boundary = order[1:] if direction == "higher" else order[:-1]
    for value, code in boundary:
        name = f"at-least-{code}" if direction == "higher" else f"at-most-{code}"
        if not SLUG_PATTERN.match(name):
            name = f"{'at-least' if direction == 'higher' else 'at-most'}-{show_number(value)}"
        derived.append((Cutoff(name, value, True, note=f"category boundary at '{code}'"), cf))
    return dict(
        coding=coding,
        column=column,
        columns=(column,),
        score_range=(min(coding.values), max(coding.values)),
        derived_cutoffs=derived,
    )


def build_rater(root: Field, direction: str) -> dict:
    """A rater observation: one rating per rater column, combined into one score by ``combine``."""
    root.mapping(
        COMMON + ("raters", "consensus_column", "combine", "fallback", "rating_scale", "min_ratings"),
        required=("raters", "combine", "rating_scale"),
    )
    raters = []
    for g in read_list(root.child("raters")):
        g.mapping(("column", "id_column"), required=("column",))
        raters.append(
            Rater(column=g.get("column", read_nonempty_text), id_column=g.get("id_column", read_nonempty_text))
        )
    consensus = root.get("consensus_column", read_nonempty_text)
    combine = root.get("combine", read_choice(COMBINE_METHODS))
    fallback = root.get("fallback", read_choice(COMBINE_METHODS))
    if combine == "consensus_column" and consensus is None:
        raise root.fail("combine: consensus_column needs a consensus_column", "consensus_column")
    if fallback is not None:
        if fallback == combine:
            raise root.fail("fallback must differ from combine", "fallback")
        if fallback == "consensus_column" and consensus is None:
            raise root.fail("fallback: consensus_column needs a consensus_column", "fallback")
    sf = root.child("rating_scale").mapping(("min", "max", "integer"), required=("min", "max"))
    low, high = sf.get("min", read_number), sf.get("max", read_number)
    integer = sf.get("integer", read_boolean, True)
    if not low < high:
        raise sf.fail("min must be below max", "max")
    if integer and not (low.is_integer() and high.is_integer()):
        raise sf.fail("an integer scale needs whole-number min and max", "min")
    min_ratings = root.get("min_ratings", lambda g: read_integer(g, 1), 1)
    if min_ratings > len(raters):
        raise root.fail(f"must be at most the number of raters ({len(raters)})", "min_ratings")
    if min_ratings > 1 and combine not in ("mean_of_available", "min", "max"):
        raise root.fail("min_ratings applies only to mean_of_available, min and max", "min_ratings")
    columns = (
        [r.column for r in raters] + ([consensus] if consensus else []) + [r.id_column for r in raters if r.id_column]
    )
    check_unique(columns, root.child("raters"), "column")
    return dict(
        raters=tuple(raters),
        consensus_column=consensus,
        combine=combine,
        fallback=fallback,
        min_ratings=min_ratings,
        coding=_rating_coding(low, high, integer),
        columns=tuple(columns),
        score_range=(low, high),
        derived_cutoffs=[],
    )


def _rating_coding(low: float, high: float, integer: bool) -> Coding:
    """Integer scale: every whole number from low to high is a code. Continuous scale: no codes,
    only the range (``values``) is checked when scoring."""
    if integer:
        codes = tuple(float(v) for v in range(int(low), int(high) + 1))
        return Coding(codes=codes, values=codes, numeric=True)
    return Coding(codes=(), values=(low, high), numeric=True)


def build_probability(root: Field, direction: str) -> dict:
    """A probability: a column of predicted risks in [0, 1]."""
    root.mapping(COMMON + ("column",), required=("column",))
    if root.has("risk_mapping"):
        raise root.fail("a probability is already a risk; it takes no risk_mapping", "risk_mapping")
    column = read_nonempty_text(root.child("column"))
    return dict(column=column, columns=(column,), score_range=(0.0, 1.0), derived_cutoffs=[])


def build_score(root: Field, direction: str) -> dict:
    """A plain numeric column used as it is (a lab value, a published total, a model's output).

    ``range`` (``min``/``max``, each optional) bounds the values; ``probability: true`` says the
    column is a predicted risk, which fixes the range to [0, 1] and lets the calibration stage assess
    it as it is (like kind ``probability``, but with any direction and optional cut-offs).
    """
    root.mapping(COMMON + ("column", "probability", "range"), required=("column",))
    column = read_nonempty_text(root.child("column"))
    probability = root.get("probability", read_boolean, False)
    low, high = -math.inf, math.inf
    if root.has("range"):
        if probability:
            raise root.fail("a probability's range is [0, 1]; drop 'range'", "range")
        rf = root.child("range").mapping(("min", "max"))
        low, high = rf.get("min", read_number, -math.inf), rf.get("max", read_number, math.inf)
        if not low < high:
            raise rf.fail("min must be below max", "max")
    if probability:
        if root.has("risk_mapping"):
            raise root.fail("a probability is already a risk; it takes no risk_mapping", "risk_mapping")
        low, high = 0.0, 1.0
    return dict(column=column, columns=(column,), score_range=(low, high), probability=probability, derived_cutoffs=[])


def build_combination(root: Field, direction: str, resolve: Callable[[str, Field], "InstrumentSpec"]) -> dict:
    """A combination: the number of component instruments positive at their named cut-offs."""
    root.mapping(COMMON + ("components", "positive_rule", "missing"), required=("components", "positive_rule"))
    if direction != "higher":
        raise root.fail("a combination's score counts positive components, so its direction is 'higher'", "direction")
    if root.has("risk_mapping"):
        raise root.fail("a combination takes no risk_mapping", "risk_mapping")
    components = []
    for g in read_list(root.child("components")):
        g.mapping(("instrument", "cutoff"), required=("instrument", "cutoff"))
        ref = read_text(g.child("instrument"))
        if not ID_PATTERN.match(ref):
            raise g.fail("must be an instrument id 'name@version'", "instrument")
        if ref in [c.instrument for c in components]:
            raise g.fail(f"instrument '{ref}' is listed twice", "instrument")
        spec = resolve(ref, g.child("instrument"))
        name = read_text(g.child("cutoff"))
        try:
            cut = spec.cutoff(name)
        except KeyError:
            raise g.fail(
                f"'{spec.id}' has no cut-off '{name}'; it has {', '.join(c.name for c in spec.cutoffs)}", "cutoff"
            ) from None
        components.append(Component(instrument=ref, cutoff=cut, spec=spec))
    if len(components) < 2:
        raise root.child("components").fail("a combination needs at least two components")
    n = len(components)
    rule = read_missing_rule(root.child("missing") if root.has("missing") else None, n, [1.0] * n, None)
    if rule.fill != "zero":
        raise root.child("missing").fail(
            "a combination counts a missing component as not positive; only fill: zero is possible", "fill"
        )
    positive = read_positive_rule(root.child("positive_rule"), n, "components")
    cut = Cutoff(positive.cutoff_name, float(positive.k), True, note="from positive_rule")
    columns: list[str] = []
    for c in components:
        columns += [col for col in c.spec.columns if col not in columns]
    return dict(
        components=tuple(components),
        rule=positive,
        missing=rule,
        columns=tuple(columns),
        score_range=(0.0, float(n)),
        derived_cutoffs=[(cut, root.child("positive_rule"))],
    )
