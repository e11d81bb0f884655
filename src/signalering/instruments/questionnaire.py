"""Questionnaires: the item scales, the scales derived as sums of scales (``Scale``) and the published
band sets (``BandSet``) whose boundaries on the score scale become named cut-offs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from signalering.instruments.coding import Item, MissingRule, read_coding, read_gate, read_items, read_missing_rule
from signalering.instruments.cutoffs import Cutoff
from signalering.instruments.fields import (
    COMMON,
    DIRECTIONS,
    Field,
    check_unique,
    read_boolean,
    read_choice,
    read_item_id,
    read_list,
    read_number,
    read_references,
    read_slug,
    read_text,
    show_number,
)


@dataclass(frozen=True, slots=True)
class Scale:
    """A scale of a questionnaire: a sum of items (``items``) or of other scales (``sum_of``).

    A derived scale (``sum_of``) is missing when any of its component scales is missing: there is no
    prorating above the item level.
    """

    name: str
    items: tuple = ()
    sum_of: tuple[str, ...] = ()
    direction: str = "higher"
    missing: MissingRule = MissingRule()
    low: float = 0.0
    high: float = 0.0

    @property
    def derived(self) -> bool:
        return bool(self.sum_of)


@dataclass(frozen=True, slots=True)
class BandSet:
    """Named, published banding of a questionnaire's scales.

    ``bounds[scale]`` holds the boundaries between consecutive bands, from the least to the most
    concerning band: for a ``higher`` scale the lowest score of each band after the first; for a
    ``lower`` scale the highest score of each band after the first. ``labels[scale]`` names the bands.
    """

    name: str
    description: str
    prespecified: bool
    bounds: tuple[tuple[str, tuple[float, ...]], ...]
    labels: tuple[tuple[str, tuple[str, ...]], ...]
    references: tuple[str, ...] = ()

    def bounds_for(self, scale: str) -> tuple[float, ...]:
        return dict(self.bounds)[scale]

    def labels_for(self, scale: str) -> tuple[str, ...]:
        return dict(self.labels)[scale]

    @property
    def scales(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.bounds)


def _members(
    f: Field, read: Callable[[Field], Any], known: Collection, unknown: str, twice: str, nonempty: bool = True
) -> list:
    """The list ``f``, each entry read with ``read``, declared in ``known`` and listed once; ``unknown``
    and ``twice`` are the errors, ``{}`` standing for the entry."""
    out: list = []
    for g in read_list(f, nonempty=nonempty):
        value = read(g)
        if value not in known:
            raise g.fail(unknown.format(value))
        if value in out:
            raise g.fail(twice.format(value))
        out.append(value)
    return out


def build_questionnaire(root: Field, direction: str) -> dict:
    root.mapping(
        COMMON + ("coding", "items", "reverse_items", "scales", "derived", "score", "band_sets", "gate"),
        required=("coding", "items", "scales", "score"),
    )
    coding = read_coding(root.child("coding"))
    if not coding.numeric:
        raise root.child("coding").fail("a questionnaire needs numeric scored values; use a mapping code: value")
    raw_items = read_items(root.child("items"), ("id", "column", "label"))
    ids = [d["id"] for d, _ in raw_items]
    reverse = []
    if root.has("reverse_items"):
        reverse = _members(
            root.child("reverse_items"),
            read_item_id,
            ids,
            "reverse-scored item '{}' is not one of the items",
            "item '{}' is listed twice",
            nonempty=False,
        )
    items = tuple(
        Item(id=d["id"], column=d["column"], label=d["label"], reverse=d["id"] in reverse) for d, _ in raw_items
    )

    scales: dict[str, Scale] = {}
    sf = root.child("scales").mapping(tuple(root.child("scales").data or ()))
    if not sf.data:
        raise sf.fail("must declare at least one scale")
    for name in sf.data:
        g = sf.child(name)
        read_slug(Field(name, g.path, g.file))
        g.mapping(("items", "missing", "direction"), required=("items",))
        members = _members(
            g.child("items"),
            read_item_id,
            ids,
            "item '{}' is not one of the items",
            "item '{}' is listed twice in this scale",
        )
        rule = read_missing_rule(
            g.child("missing") if g.has("missing") else None, len(members), [1.0] * len(members), coding
        )
        n = len(members)
        scales[name] = Scale(
            name=name,
            items=tuple(members),
            direction=g.get("direction", read_choice(DIRECTIONS), "higher"),
            missing=rule,
            low=n * coding.low,
            high=n * coding.high,
        )

    if root.has("derived"):
        df = root.child("derived")
        df.mapping(tuple(df.data or ()))
        for name in df.data:
            g = df.child(name)
            read_slug(Field(name, g.path, g.file))
            if name in scales:
                raise g.fail(f"'{name}' is already a scale")
            g.mapping(("sum_of", "direction"), required=("sum_of",))
            parts = _members(
                g.child("sum_of"),
                read_text,
                scales,
                "'{}' is not a scale declared before it",
                "scale '{}' is listed twice",
            )
            scales[name] = Scale(
                name=name,
                sum_of=tuple(parts),
                direction=g.get("direction", read_choice(DIRECTIONS), "higher"),
                low=sum(scales[p].low for p in parts),
                high=sum(scales[p].high for p in parts),
            )

    score = read_text(root.child("score"))
    if score not in scales:
        raise root.child("score").fail(f"'{score}' is not a scale or derived scale")
    if scales[score].direction != direction:
        raise root.fail(f"the spec's direction must match the direction of its score scale '{score}'", "direction")

    band_sets = []
    derived_cutoffs: list[tuple[Cutoff, Field]] = []
    if root.has("band_sets"):
        bf = root.child("band_sets")
        bf.mapping(tuple(bf.data or ()))
        for set_name in bf.data:
            g = bf.child(set_name).mapping(
                ("description", "prespecified", "labels", "bounds", "references"), required=("labels", "bounds")
            )
            read_slug(Field(set_name, g.path, g.file))
            default_labels = [read_slug(h) for h in read_list(g.child("labels"))]
            check_unique(default_labels, g.child("labels"), "label")
            prespecified = g.get("prespecified", read_boolean, True)
            bounds, labels = [], []
            bb = g.child("bounds").mapping(tuple(g.child("bounds").data or ()))
            for scale_name in bb.data:
                h = bb.child(scale_name)
                if scale_name not in scales:
                    raise h.fail(f"'{scale_name}' is not a scale")
                sc = scales[scale_name]
                if isinstance(h.data, Mapping):
                    h.mapping(("bounds", "labels"), required=("bounds", "labels"))
                    values = [read_number(x) for x in read_list(h.child("bounds"))]
                    own = [read_slug(x) for x in read_list(h.child("labels"))]
                    check_unique(own, h.child("labels"), "label")
                else:
                    values = [read_number(x) for x in read_list(h)]
                    own = default_labels
                if len(own) != len(values) + 1:
                    raise h.fail(f"{len(values)} bounds need {len(values) + 1} labels, found {len(own)}")
                step = [b - a for a, b in zip(values, values[1:])]
                if sc.direction == "higher" and any(s <= 0 for s in step):
                    raise h.fail("bounds of a 'higher' scale must increase strictly")
                if sc.direction == "lower" and any(s >= 0 for s in step):
                    raise h.fail("bounds of a 'lower' scale must decrease strictly")
                for v in values:
                    if not sc.low <= v <= sc.high:
                        raise h.fail(
                            f"bound outside the score range [{show_number(sc.low)}, {show_number(sc.high)}] of '{scale_name}'"
                        )
                bounds.append((scale_name, tuple(values)))
                labels.append((scale_name, tuple(own)))
                if scale_name == score:
                    for value, label in zip(values, own[1:]):
                        derived_cutoffs.append(
                            (
                                Cutoff(
                                    f"{set_name}-{label}",
                                    value,
                                    prespecified,
                                    note=f"band set '{set_name}': '{label}' or worse",
                                ),
                                h,
                            )
                        )
            band_sets.append(
                BandSet(
                    name=set_name,
                    description=g.get("description", read_text, ""),
                    prespecified=prespecified,
                    bounds=tuple(bounds),
                    labels=tuple(labels),
                    references=read_references(g.child("references") if g.has("references") else None),
                )
            )

    gate = read_gate(root.child("gate"), [i.column for i in items]) if root.has("gate") else None
    return dict(
        coding=coding,
        items=items,
        gate=gate,
        scales=tuple(scales.values()),
        score_scale=score,
        band_sets=tuple(band_sets),
        columns=tuple(i.column for i in items) + ((gate.column,) if gate else ()),
        score_range=(scales[score].low, scales[score].high),
        derived_cutoffs=derived_cutoffs,
    )
