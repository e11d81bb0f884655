"""Named cut-offs: plain ones (``Cutoff``), cut-offs per band of a records column (``BandedCutoff``,
``Band``) and the rule that makes a count of parts positive (``PositiveRule``), with the readers that
build and check them against the score range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signalering.instruments.fields import (
    Field,
    read_boolean,
    read_choice,
    read_code,
    read_integer,
    read_list,
    read_nonempty_text,
    read_number,
    read_references,
    read_slug,
    read_text,
    same_code,
    show_code,
    show_number,
)

RULE_TYPES = ("any", "all", "at_least")


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A named cut-off in the score's own units.

    A record screens positive when ``score >= value`` (direction ``higher``) or ``score <= value``
    (direction ``lower``). ``prespecified`` is true when the cut-off was fixed before the data were
    seen (published or in the study protocol) and false for exploratory cut-offs.
    """

    name: str
    value: float
    prespecified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a :class:`BandedCutoff`: the records whose band column holds ``code`` (or, for a
    range band, a whole number in ``[low, high]``) are screened at ``value``.

    ``label`` names the band in reports: the code as written, or ``"<low>-<high>"``.
    """

    label: str
    value: float
    code: Any = None
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None


@dataclass(frozen=True, slots=True)
class BandedCutoff:
    """A cut-off that depends on a declared records column (age, age band, informant, ...).

    Each record is screened at the cut-off of its own band: positive when ``score >= value`` of the
    band its ``column`` value falls in (direction ``higher``; ``<=`` for ``lower``). A record whose
    band value is empty or matches no band gets no screen result and is excluded, with the reason
    counted (``band_cutoffs``). Accuracy at a banded cut-off is the accuracy of this per-record rule;
    ROC and AUC stay on the raw score.
    """

    name: str
    column: str
    bands: tuple[Band, ...]
    prespecified: bool
    note: str = ""
    references: tuple[str, ...] = ()

    @property
    def by_range(self) -> bool:
        """True when the bands are whole-number ranges (e.g. age in years), False for codes."""
        return self.bands[0].is_range

    @property
    def values(self) -> tuple[float, ...]:
        """The distinct cut-off values, in the order of the bands."""
        return tuple(dict.fromkeys(b.value for b in self.bands))


@dataclass(frozen=True, slots=True)
class PositiveRule:
    """When is a record positive: ``any`` (k = 1), ``all`` (k = number of parts) or ``at_least`` k."""

    type: str
    k: int

    @property
    def cutoff_name(self) -> str:
        return {"any": "any", "all": "all"}.get(self.type, f"at-least-{self.k}")


def _cutoff_entry(f: Field) -> Cutoff:
    f.mapping(("name", "value", "prespecified", "note"), required=("name", "value", "prespecified"))
    return Cutoff(
        name=f.get("name", read_slug),
        value=f.get("value", read_number),
        prespecified=f.get("prespecified", read_boolean),
        note=f.get("note", read_text, ""),
    )


def read_cutoffs(f: Field | None) -> list[tuple[Cutoff, Field]]:
    """``cutoffs``: each ``{name, value, prespecified, note}``, with its field for later errors."""
    if f is None:
        return []
    return [(_cutoff_entry(g), g) for g in read_list(f, nonempty=False)]


def check_cutoffs(cutoffs: list[tuple[Cutoff, Field]], low: float, high: float, root: Field) -> tuple[Cutoff, ...]:
    """The cut-offs (derived and declared), names unique and values inside the score range [low, high]."""
    names = set()
    for cut, where in cutoffs:
        if cut.name in names:
            raise where.fail(f"duplicate cut-off name '{cut.name}'", "name")
        names.add(cut.name)
        if not low <= cut.value <= high:
            raise where.fail(f"cut-off outside the score range [{show_number(low)}, {show_number(high)}]", "value")
    return tuple(c for c, _ in cutoffs)


def read_banded_cutoffs(f: Field, low: float, high: float, plain: tuple[Cutoff, ...]) -> tuple[BandedCutoff, ...]:
    """``banded_cutoffs``: a list of ``{name, column, prespecified, note, references, bands}``; each
    band is ``{code, value}`` or ``{from, to, value}`` (whole numbers, inclusive), not mixed within
    one banded cut-off; codes unique, ranges not overlapping, values inside the score range."""
    names = {c.name for c in plain}
    out = []
    for g in read_list(f):
        g.mapping(
            ("name", "column", "prespecified", "note", "references", "bands"),
            required=("name", "column", "prespecified", "bands"),
        )
        name = g.get("name", read_slug)
        if name in names:
            raise g.fail(f"duplicate cut-off name '{name}'", "name")
        names.add(name)
        bands: list[Band] = []
        for h in read_list(g.child("bands")):
            h.mapping(("code", "from", "to", "value"), required=("value",))
            value = h.get("value", read_number)
            if not low <= value <= high:
                raise h.fail(f"cut-off outside the score range [{show_number(low)}, {show_number(high)}]", "value")
            if h.has("code"):
                if h.has("from") or h.has("to"):
                    raise h.fail("a band is either a code or a range (from/to), not both", "code")
                code = read_code(h.child("code"))
                band = Band(label=show_code(code), value=value, code=code)
            else:
                if not (h.has("from") and h.has("to")):
                    raise h.fail("a band needs a code, or both from and to (whole numbers, inclusive)", "from")
                start, stop = h.get("from", read_integer), h.get("to", read_integer)
                if start > stop:
                    raise h.fail("from must not exceed to", "to")
                band = Band(label=f"{start}-{stop}", value=value, low=float(start), high=float(stop))
            if bands and band.is_range != bands[0].is_range:
                raise h.fail("all bands of one banded cut-off are codes, or all are ranges (from/to)")
            for other in bands:
                if band.is_range and band.low <= other.high and other.low <= band.high:
                    raise h.fail(f"range {band.label} overlaps range {other.label}", "from")
                if not band.is_range and same_code(band.code, other.code):
                    raise h.fail(f"duplicate band code '{band.label}'", "code")
            bands.append(band)
        kinds = {isinstance(b.code, str) for b in bands if not b.is_range}
        if len(kinds) > 1:
            raise g.child("bands").fail("band codes must be all numbers or all text, not a mix")
        out.append(
            BandedCutoff(
                name=name,
                column=g.get("column", read_nonempty_text),
                bands=tuple(bands),
                prespecified=g.get("prespecified", read_boolean),
                note=g.get("note", read_text, ""),
                references=read_references(g.child("references") if g.has("references") else None),
            )
        )
    return tuple(out)


def read_positive_rule(f: Field, n_parts: int, what: str) -> PositiveRule:
    """``positive_rule: {type, k}`` over ``n_parts`` parts (``what``: items or components)."""
    f.mapping(("type", "k"), required=("type",))
    kind = f.get("type", read_choice(RULE_TYPES))
    if kind == "at_least":
        if not f.has("k"):
            raise f.fail("required field is missing for type at_least", "k")
        k = f.get("k", lambda g: read_integer(g, 1))
        if k > n_parts:
            raise f.fail(f"k must be at most the number of {what} ({n_parts})", "k")
        return PositiveRule("at_least", k)
    if f.has("k"):
        raise f.fail(f"k applies only to type at_least (type {kind} fixes it)", "k")
    return PositiveRule(kind, 1 if kind == "any" else n_parts)
