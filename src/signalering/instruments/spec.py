"""Instrument specifications: the validated, immutable form of an instrument's YAML file.

A specification says which data columns an instrument reads, how the answers are coded, how a score
is computed from them (per *kind*), what to do with missing answers, which direction of the score
means concern, and which named cut-offs the evaluation stage should use. ``docs/instruments.md``
describes every field; this module turns the parsed YAML mapping into an ``InstrumentSpec`` and
refuses anything it does not understand with ``InputError(file=<spec file>, column=<field>)``.

Reading the YAML text lives in :mod:`signalering.instruments.loading`; nothing here touches files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from signalering.errors import InputError

KINDS = (
    "questionnaire",
    "risk_checklist",
    "signal_list",
    "ordinal_category",
    "rater_observation",
    "probability",
    "score",
    "combination",
)
DIRECTIONS = ("higher", "lower")
COMBINE_METHODS = ("mean_of_available", "first_rater", "first_available", "consensus_column", "min", "max")
FILL_METHODS = ("zero", "prorate")
ROUNDING = ("half_up", "none")
RULE_TYPES = ("any", "all", "at_least")

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ID_PATTERN = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)@(?P<version>[A-Za-z0-9][A-Za-z0-9_-]*)$")
SLUG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


# --------------------------------------------------------------------------------------------------
# Value objects
# --------------------------------------------------------------------------------------------------
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
class Gate:
    """A gate question that makes the score 0 when answered with one of ``zero_codes``.

    The SDQ impact supplement: when the parent (teacher, young person) answers "no difficulties",
    the impact items are skipped and the impact score is 0, not missing. ``coding`` lists the
    declared answers (others are refused); an empty gate answer leaves the usual missing-answer rule.
    """

    column: str
    coding: Coding
    zero_codes: tuple


@dataclass(frozen=True, slots=True)
class Coding:
    """The codes accepted in the data and the value each code is scored as.

    ``codes[i]`` is scored as ``values[i]``. Codes are all numbers or all strings
    (``numeric`` tells which). Any other non-empty value in the data is refused.
    """

    codes: tuple
    values: tuple[float, ...]
    numeric: bool

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


@dataclass(frozen=True, slots=True)
class Item:
    """One item (question) and the column that holds its answers.

    ``weight`` multiplies the scored value (risk checklists); ``reverse`` marks a reverse-scored
    item (questionnaires: scored value becomes ``low + high - value``); ``abnormal`` lists the codes
    that count as a signal (signal lists).
    """

    id: Any
    column: str
    label: str = ""
    weight: float = 1.0
    reverse: bool = False
    abnormal: tuple = ()


@dataclass(frozen=True, slots=True)
class MissingRule:
    """What to do with unanswered items of one scale.

    More than ``max_missing`` unanswered items: the score is missing. Otherwise ``fill`` decides:
    ``zero`` sums the answered items (an unanswered item counts 0); ``prorate`` scales the sum of the
    answered items up to the full item set (``sum * total_weight / answered_weight``) and rounds it
    when ``rounding`` is ``half_up`` (exact integer arithmetic, as in the official SDQ syntax).
    A record with no answered item never gets a score.
    """

    max_missing: int = 0
    fill: str = "zero"
    rounding: str = "none"


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


@dataclass(frozen=True, slots=True)
class RiskMapping:
    """Optional mapping from the score to a predicted risk, for the calibration stage.

    ``logistic``: ``risk = 1 / (1 + exp(-(intercept + slope * score)))``.
    ``table``: a step function; a score gets the ``risk`` of the last row whose ``from`` is
    ``<= score`` (rows sorted by ``from``; the first row covers the lowest possible score).
    """

    type: str
    intercept: float = math.nan
    slope: float = math.nan
    table: tuple[tuple[float, float], ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Rater:
    """One rater's column and, optionally, the column holding that rater's pseudonymous id."""

    column: str
    id_column: str | None = None


@dataclass(frozen=True, slots=True)
class PositiveRule:
    """When is a record positive: ``any`` (k = 1), ``all`` (k = number of parts) or ``at_least`` k."""

    type: str
    k: int

    @property
    def cutoff_name(self) -> str:
        return {"any": "any", "all": "all"}.get(self.type, f"at-least-{self.k}")


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a combination rule: another instrument screened at one of its named cut-offs."""

    instrument: str
    cutoff: Cutoff
    spec: "InstrumentSpec" = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """A validated instrument specification (see ``docs/instruments.md``).

    Only the fields that apply to ``kind`` are filled; the others keep their empty defaults.
    ``score_range`` is the interval every non-missing score lies in.
    """

    name: str
    version: int | str
    kind: str
    description: str
    direction: str
    cutoffs: tuple[Cutoff, ...]
    source_file: str
    references: tuple[str, ...]
    columns: tuple[str, ...]
    score_range: tuple[float, float]
    coding: Coding | None = None
    items: tuple[Item, ...] = ()
    missing: MissingRule = MissingRule()
    scales: tuple[Scale, ...] = ()
    score_scale: str | None = None
    band_sets: tuple[BandSet, ...] = ()
    column: str | None = None
    raters: tuple[Rater, ...] = ()
    consensus_column: str | None = None
    combine: str | None = None
    fallback: str | None = None
    min_ratings: int = 1
    rule: PositiveRule | None = None
    components: tuple[Component, ...] = ()
    risk_mapping: RiskMapping | None = None
    probability: bool = False
    banded_cutoffs: tuple[BandedCutoff, ...] = ()
    gate: Gate | None = None

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def is_probability(self) -> bool:
        """True when the score is itself a predicted risk in [0, 1]: kind ``probability``, or kind
        ``score`` declared with ``probability: true``. The calibration stage assesses such scores as
        they are."""
        return self.kind == "probability" or self.probability

    @property
    def rater_columns(self) -> tuple[str, ...]:
        return tuple(r.column for r in self.raters)

    @property
    def rater_id_columns(self) -> tuple[str, ...]:
        return tuple(r.id_column for r in self.raters if r.id_column is not None)

    def cutoff(self, name: str) -> Cutoff:
        """The cut-off called ``name``; ``KeyError`` when the spec has none by that name."""
        for c in self.cutoffs:
            if c.name == name:
                return c
        raise KeyError(f"{self.id} has no cut-off named {name!r}; it has {[c.name for c in self.cutoffs]}")

    def banded_cutoff(self, name: str) -> BandedCutoff:
        """The banded cut-off called ``name``; ``KeyError`` when the spec has none by that name."""
        for c in self.banded_cutoffs:
            if c.name == name:
                return c
        raise KeyError(
            f"{self.id} has no banded cut-off named {name!r}; it has {[c.name for c in self.banded_cutoffs]}"
        )

    @property
    def band_columns(self) -> tuple[str, ...]:
        """The records columns the banded cut-offs read (each once)."""
        return tuple(dict.fromkeys(c.column for c in self.banded_cutoffs))

    def scale(self, name: str) -> Scale:
        """The questionnaire scale called ``name``."""
        for s in self.scales:
            if s.name == name:
                return s
        raise KeyError(f"{self.id} has no scale named {name!r}")

    def band_set(self, name: str) -> BandSet:
        """The band set called ``name``."""
        for b in self.band_sets:
            if b.name == name:
                return b
        raise KeyError(f"{self.id} has no band set named {name!r}")


# --------------------------------------------------------------------------------------------------
# Validation helpers: every error names the spec file and the field path (e.g. "items[3].column")
# --------------------------------------------------------------------------------------------------
class _Field:
    """A mapping from the YAML file together with its path, for precise error messages."""

    def __init__(self, data: Any, path: str, file: str):
        self.data = data
        self.path = path
        self.file = file

    def fail(self, reason: str, sub: str | None = None) -> InputError:
        return InputError(file=self.file, column=self._join(sub) or None, reason=reason)

    def _join(self, sub: str | None) -> str:
        if sub is None:
            return self.path
        if sub.startswith("["):
            return f"{self.path}{sub}"
        return f"{self.path}.{sub}" if self.path else sub

    def child(self, key: str | int) -> "_Field":
        sub = f"[{key}]" if isinstance(key, int) else str(key)
        value = self.data[key]
        return _Field(value, self._join(sub), self.file)

    def mapping(self, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> "_Field":
        if not isinstance(self.data, Mapping):
            raise self.fail(f"must be a mapping (key: value), not {_type_name(self.data)}")
        for key in self.data:
            if not isinstance(key, str):
                raise self.fail(f"field names must be text, found {_type_name(key)}")
            if key not in allowed:
                raise self.fail(f"unknown field '{key}'; allowed here: {', '.join(allowed)}", key)
        for key in required:
            if key not in self.data or self.data[key] is None:
                raise self.fail("required field is missing", key)
        return self

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def get(self, key: str, check: Callable[["_Field"], Any], default: Any = None) -> Any:
        if not self.has(key):
            return default
        return check(self.child(key))


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def _text(f: _Field) -> str:
    if not isinstance(f.data, str):
        raise f.fail(f"must be text, not {_type_name(f.data)}")
    return f.data


def _nonempty_text(f: _Field) -> str:
    value = _text(f).strip()
    if not value:
        raise f.fail("must not be empty")
    return value


def _slug(f: _Field) -> str:
    value = _text(f)
    if not SLUG_PATTERN.match(value):
        raise f.fail("must be letters, digits, '-' or '_' (no spaces, dots or slashes)")
    return value


def _number(f: _Field) -> float:
    if isinstance(f.data, bool) or not isinstance(f.data, (int, float)):
        raise f.fail(f"must be a number, not {_type_name(f.data)}")
    value = float(f.data)
    if not math.isfinite(value):
        raise f.fail("must be a finite number")
    return value


def _integer(f: _Field, minimum: int | None = None) -> int:
    if isinstance(f.data, bool) or not isinstance(f.data, int):
        raise f.fail(f"must be a whole number, not {_type_name(f.data)}")
    if minimum is not None and f.data < minimum:
        raise f.fail(f"must be at least {minimum}")
    return int(f.data)


def _boolean(f: _Field) -> bool:
    if not isinstance(f.data, bool):
        raise f.fail(f"must be true or false, not {_type_name(f.data)}")
    return f.data


def _choice(options: tuple[str, ...]) -> Callable[[_Field], str]:
    def check(f: _Field) -> str:
        value = _text(f)
        if value not in options:
            raise f.fail(f"must be one of {', '.join(options)}")
        return value

    return check


def _list(f: _Field, nonempty: bool = True) -> list[_Field]:
    if not isinstance(f.data, list):
        raise f.fail(f"must be a list, not {_type_name(f.data)}")
    if nonempty and not f.data:
        raise f.fail("must not be an empty list")
    return [f.child(i) for i in range(len(f.data))]


def _item_id(f: _Field) -> int | str:
    if isinstance(f.data, bool) or not isinstance(f.data, (int, str)):
        raise f.fail(f"an item id must be a whole number or text, not {_type_name(f.data)}")
    if isinstance(f.data, str) and not f.data.strip():
        raise f.fail("an item id must not be empty")
    return f.data


def _code(f: _Field) -> int | float | str:
    if isinstance(f.data, bool):
        raise f.fail(
            "a code must be a number or quoted text; YAML reads unquoted yes/no/true/false as "
            'true/false, so write "yes" and "no" in quotes'
        )
    if isinstance(f.data, (int, float)):
        if not math.isfinite(float(f.data)):
            raise f.fail("a code must be a finite number")
        return f.data
    if isinstance(f.data, str):
        if not f.data.strip() or f.data != f.data.strip():
            raise f.fail("a text code must be non-empty without leading or trailing spaces")
        return f.data
    raise f.fail(f"a code must be a number or text, not {_type_name(f.data)}")


def _unique(values: list, f: _Field, what: str) -> None:
    seen: set = set()
    for v in values:
        key = (type(v) is str, v)
        if key in seen:
            raise f.fail(f"duplicate {what} '{v}'")
        seen.add(key)


# --------------------------------------------------------------------------------------------------
# Field parsers shared by several kinds
# --------------------------------------------------------------------------------------------------
def _coding(f: _Field) -> Coding:
    """``[0, 1, 2]`` (each code scored as itself) or ``{1: 0, 2: 1, 3: 2}`` (code: scored value)."""
    if isinstance(f.data, list):
        codes = [_code(c) for c in _list(f)]
        if any(isinstance(c, str) for c in codes):
            raise f.fail(
                "a list coding scores each code as itself, so the codes must be numbers; "
                "map text codes to numbers with a mapping (code: value)"
            )
        values = [float(c) for c in codes]
    elif isinstance(f.data, Mapping):
        if not f.data:
            raise f.fail("must not be empty")
        codes, values = [], []
        for key in f.data:
            codes.append(_code(_Field(key, f._join(f"[{key}]"), f.file)))
            values.append(_number(f.child(key)))
    else:
        raise f.fail(f"must be a list of codes or a mapping code: value, not {_type_name(f.data)}")
    _unique(codes, f, "code")
    kinds = {isinstance(c, str) for c in codes}
    if len(kinds) > 1:
        raise f.fail("codes must be all numbers or all text, not a mix")
    if len(codes) < 2:
        raise f.fail("must declare at least two codes")
    if kinds == {False}:
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        codes = [codes[i] for i in order]
        values = [values[i] for i in order]
        if len({float(c) for c in codes}) != len(codes):
            raise f.fail("duplicate code (the same number written twice)")
    return Coding(codes=tuple(codes), values=tuple(values), numeric=kinds == {False})


def _missing_rule(f: _Field | None, n_items: int, weights: list[float], coding: Coding | None) -> MissingRule:
    if f is None:
        return MissingRule()
    f.mapping(("max_missing", "fill", "rounding"))
    max_missing = f.get("max_missing", lambda g: _integer(g, 0), 0)
    fill = f.get("fill", _choice(FILL_METHODS), "zero")
    rounding = f.get("rounding", _choice(ROUNDING), "none")
    if max_missing > n_items - 1:
        raise f.fail(
            f"must be at most {n_items - 1} (one less than the number of items): "
            "a record with no answered item is never scored",
            "max_missing",
        )
    if rounding == "half_up" and fill != "prorate":
        raise f.fail("rounding applies only to fill: prorate", "rounding")
    if fill == "prorate":
        if any(w <= 0 for w in weights):
            raise f.fail("fill: prorate needs positive item weights", "fill")
        if coding is not None and coding.low < 0:
            raise f.fail("fill: prorate needs non-negative scored values", "fill")
        if rounding == "half_up":
            non_integer = [w for w in weights if not float(w).is_integer()]
            if non_integer or (coding is not None and not all(float(v).is_integer() for v in coding.values)):
                raise f.fail("rounding: half_up needs whole-number weights and scored values", "rounding")
    return MissingRule(max_missing=max_missing, fill=fill, rounding=rounding)


def _cutoff_entry(f: _Field) -> Cutoff:
    f.mapping(("name", "value", "prespecified", "note"), required=("name", "value", "prespecified"))
    return Cutoff(
        name=f.get("name", _slug),
        value=f.get("value", _number),
        prespecified=f.get("prespecified", _boolean),
        note=f.get("note", _text, ""),
    )


def _cutoffs(f: _Field | None) -> list[tuple[Cutoff, _Field]]:
    if f is None:
        return []
    return [(_cutoff_entry(g), g) for g in _list(f, nonempty=False)]


def _check_cutoffs(cutoffs: list[tuple[Cutoff, _Field]], low: float, high: float, root: _Field) -> tuple[Cutoff, ...]:
    names = set()
    for cut, where in cutoffs:
        if cut.name in names:
            raise where.fail(f"duplicate cut-off name '{cut.name}'", "name")
        names.add(cut.name)
        if not low <= cut.value <= high:
            raise where.fail(f"cut-off outside the score range [{_fmt(low)}, {_fmt(high)}]", "value")
    return tuple(c for c, _ in cutoffs)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _banded_cutoffs(f: _Field, low: float, high: float, plain: tuple[Cutoff, ...]) -> tuple[BandedCutoff, ...]:
    """``banded_cutoffs``: a list of ``{name, column, prespecified, note, references, bands}``; each
    band is ``{code, value}`` or ``{from, to, value}`` (whole numbers, inclusive), not mixed within
    one banded cut-off; codes unique, ranges not overlapping, values inside the score range."""
    names = {c.name for c in plain}
    out = []
    for g in _list(f):
        g.mapping(
            ("name", "column", "prespecified", "note", "references", "bands"),
            required=("name", "column", "prespecified", "bands"),
        )
        name = g.get("name", _slug)
        if name in names:
            raise g.fail(f"duplicate cut-off name '{name}'", "name")
        names.add(name)
        bands: list[Band] = []
        for h in _list(g.child("bands")):
            h.mapping(("code", "from", "to", "value"), required=("value",))
            value = h.get("value", _number)
            if not low <= value <= high:
                raise h.fail(f"cut-off outside the score range [{_fmt(low)}, {_fmt(high)}]", "value")
            if h.has("code"):
                if h.has("from") or h.has("to"):
                    raise h.fail("a band is either a code or a range (from/to), not both", "code")
                code = _code(h.child("code"))
                band = Band(label=_show_code(code), value=value, code=code)
            else:
                if not (h.has("from") and h.has("to")):
                    raise h.fail("a band needs a code, or both from and to (whole numbers, inclusive)", "from")
                start, stop = h.get("from", _integer), h.get("to", _integer)
                if start > stop:
                    raise h.fail("from must not exceed to", "to")
                band = Band(label=f"{start}-{stop}", value=value, low=float(start), high=float(stop))
            if bands and band.is_range != bands[0].is_range:
                raise h.fail("all bands of one banded cut-off are codes, or all are ranges (from/to)")
            for other in bands:
                if band.is_range and band.low <= other.high and other.low <= band.high:
                    raise h.fail(f"range {band.label} overlaps range {other.label}", "from")
                if not band.is_range and _same_code(band.code, other.code):
                    raise h.fail(f"duplicate band code '{band.label}'", "code")
            bands.append(band)
        kinds = {isinstance(b.code, str) for b in bands if not b.is_range}
        if len(kinds) > 1:
            raise g.child("bands").fail("band codes must be all numbers or all text, not a mix")
        out.append(
            BandedCutoff(
                name=name,
                column=g.get("column", _nonempty_text),
                bands=tuple(bands),
                prespecified=g.get("prespecified", _boolean),
                note=g.get("note", _text, ""),
                references=_references(g.child("references") if g.has("references") else None),
            )
        )
    return tuple(out)


def _show_code(code: Any) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _same_code(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return float(a) == float(b)


def _gate(f: _Field, item_columns: list[str]) -> Gate:
    """``gate: {column, coding, zero_when}``: the score is 0 when the gate answer is one of ``zero_when``."""
    f.mapping(("column", "coding", "zero_when"), required=("column", "coding", "zero_when"))
    column = _nonempty_text(f.child("column"))
    if column in item_columns:
        raise f.fail("the gate column must not be an item column", "column")
    coding = _coding(f.child("coding"))
    zf = f.child("zero_when")
    zero = [_code(g) for g in _list(zf)] if isinstance(zf.data, list) else [_code(zf)]
    for z in zero:
        if not any(_same_code(z, c) for c in coding.codes):
            raise zf.fail(f"answer '{z}' is not one of the gate's declared codes")
    if len(set(map(_show_code, zero))) == len(coding.codes):
        raise zf.fail("every gate answer gives 0, so no item would ever be scored")
    return Gate(column=column, coding=coding, zero_codes=tuple(zero))


def _references(f: _Field | None) -> tuple[str, ...]:
    if f is None:
        return ()
    return tuple(_nonempty_text(g) for g in _list(f, nonempty=False))


def _risk_mapping(f: _Field | None, low: float, high: float) -> RiskMapping | None:
    if f is None:
        return None
    f.mapping(("type", "intercept", "slope", "table", "source"), required=("type",))
    kind = f.get("type", _choice(("logistic", "table")))
    source = f.get("source", _text, "")
    if kind == "logistic":
        if f.has("table"):
            raise f.fail("a logistic mapping has intercept and slope, not a table", "table")
        for key in ("intercept", "slope"):
            if not f.has(key):
                raise f.fail("required field is missing", key)
        return RiskMapping(
            "logistic", intercept=f.get("intercept", _number), slope=f.get("slope", _number), source=source
        )
    for key in ("intercept", "slope"):
        if f.has(key):
            raise f.fail("a table mapping has rows, not intercept/slope", key)
    if not f.has("table"):
        raise f.fail("required field is missing", "table")
    rows = []
    for g in _list(f.child("table")):
        g.mapping(("from", "risk"), required=("from", "risk"))
        start, risk = g.get("from", _number), g.get("risk", _number)
        if not 0.0 <= risk <= 1.0:
            raise g.fail("a risk must lie in [0, 1]", "risk")
        if rows and start <= rows[-1][0]:
            raise g.fail("rows must be sorted by 'from', strictly increasing", "from")
        rows.append((start, risk))
    if math.isfinite(low) and rows[0][0] > low:  # a plain score may have no lower bound
        raise f.child("table").fail(f"the first row must start at or below the lowest possible score {_fmt(low)}")
    if rows[-1][0] > high:
        raise f.child("table").fail(f"a row starts above the highest possible score {_fmt(high)}")
    return RiskMapping("table", table=tuple(rows), source=source)


def _items(f: _Field, allowed: tuple[str, ...]) -> list[tuple[dict, _Field]]:
    out = []
    for g in _list(f):
        g.mapping(allowed, required=("id", "column"))
        out.append(
            (
                {
                    "id": g.get("id", _item_id),
                    "column": g.get("column", _nonempty_text),
                    "label": g.get("label", _text, ""),
                },
                g,
            )
        )
    ids = [d["id"] for d, _ in out]
    for i, (d, g) in enumerate(out):
        if d["id"] in ids[:i]:
            raise g.fail(f"duplicate item id '{d['id']}'", "id")
        if d["column"] in [e["column"] for e, _ in out[:i]]:
            raise g.fail(f"duplicate item column '{d['column']}'", "column")
    return out


COMMON = (
    "name",
    "version",
    "kind",
    "description",
    "direction",
    "cutoffs",
    "banded_cutoffs",
    "references",
    "risk_mapping",
)


# --------------------------------------------------------------------------------------------------
# Per-kind builders. Each returns the kind-specific keyword arguments of InstrumentSpec, the score
# range, and the cut-offs the kind derives by itself (band sets, positive rules, category boundaries).
# --------------------------------------------------------------------------------------------------
def _build_questionnaire(root: _Field, direction: str) -> dict:
    root.mapping(
        COMMON + ("coding", "items", "reverse_items", "scales", "derived", "score", "band_sets", "gate"),
        required=("coding", "items", "scales", "score"),
    )
    coding = _coding(root.child("coding"))
    if not coding.numeric:
        raise root.child("coding").fail("a questionnaire needs numeric scored values; use a mapping code: value")
    raw_items = _items(root.child("items"), ("id", "column", "label"))
    ids = [d["id"] for d, _ in raw_items]
    reverse: set = set()
    if root.has("reverse_items"):
        for g in _list(root.child("reverse_items"), nonempty=False):
            item = _item_id(g)
            if item not in ids:
                raise g.fail(f"reverse-scored item '{item}' is not one of the items")
            if item in reverse:
                raise g.fail(f"item '{item}' is listed twice")
            reverse.add(item)
    items = tuple(
        Item(id=d["id"], column=d["column"], label=d["label"], reverse=d["id"] in reverse) for d, _ in raw_items
    )

    scales: dict[str, Scale] = {}
    sf = root.child("scales").mapping(tuple(root.child("scales").data or ()))
    if not sf.data:
        raise sf.fail("must declare at least one scale")
    for name in sf.data:
        g = sf.child(name)
        _slug(_Field(name, g.path, g.file))
        g.mapping(("items", "missing", "direction"), required=("items",))
        members = []
        for h in _list(g.child("items")):
            item = _item_id(h)
            if item not in ids:
                raise h.fail(f"item '{item}' is not one of the items")
            if item in members:
                raise h.fail(f"item '{item}' is listed twice in this scale")
            members.append(item)
        rule = _missing_rule(
            g.child("missing") if g.has("missing") else None, len(members), [1.0] * len(members), coding
        )
        n = len(members)
        scales[name] = Scale(
            name=name,
            items=tuple(members),
            direction=g.get("direction", _choice(DIRECTIONS), "higher"),
            missing=rule,
            low=n * coding.low,
            high=n * coding.high,
        )

    if root.has("derived"):
        df = root.child("derived")
        df.mapping(tuple(df.data or ()))
        for name in df.data:
            g = df.child(name)
            _slug(_Field(name, g.path, g.file))
            if name in scales:
                raise g.fail(f"'{name}' is already a scale")
            g.mapping(("sum_of", "direction"), required=("sum_of",))
            parts = []
            for h in _list(g.child("sum_of")):
                part = _text(h)
                if part not in scales:
                    raise h.fail(f"'{part}' is not a scale declared before it")
                if part in parts:
                    raise h.fail(f"scale '{part}' is listed twice")
                parts.append(part)
            scales[name] = Scale(
                name=name,
                sum_of=tuple(parts),
                direction=g.get("direction", _choice(DIRECTIONS), "higher"),
                low=sum(scales[p].low for p in parts),
                high=sum(scales[p].high for p in parts),
            )

    score = _text(root.child("score"))
    if score not in scales:
        raise root.child("score").fail(f"'{score}' is not a scale or derived scale")
    if scales[score].direction != direction:
        raise root.fail(f"the spec's direction must match the direction of its score scale '{score}'", "direction")

    band_sets = []
    derived_cutoffs: list[tuple[Cutoff, _Field]] = []
    if root.has("band_sets"):
        bf = root.child("band_sets")
        bf.mapping(tuple(bf.data or ()))
        for set_name in bf.data:
            g = bf.child(set_name).mapping(
                ("description", "prespecified", "labels", "bounds", "references"), required=("labels", "bounds")
            )
            _slug(_Field(set_name, g.path, g.file))
            default_labels = [_slug(h) for h in _list(g.child("labels"))]
            _unique(default_labels, g.child("labels"), "label")
            prespecified = g.get("prespecified", _boolean, True)
            bounds, labels = [], []
            bb = g.child("bounds").mapping(tuple(g.child("bounds").data or ()))
            for scale_name in bb.data:
                h = bb.child(scale_name)
                if scale_name not in scales:
                    raise h.fail(f"'{scale_name}' is not a scale")
                sc = scales[scale_name]
                if isinstance(h.data, Mapping):
                    h.mapping(("bounds", "labels"), required=("bounds", "labels"))
                    values = [_number(x) for x in _list(h.child("bounds"))]
                    own = [_slug(x) for x in _list(h.child("labels"))]
                    _unique(own, h.child("labels"), "label")
                else:
                    values = [_number(x) for x in _list(h)]
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
                            f"bound outside the score range [{_fmt(sc.low)}, {_fmt(sc.high)}] of '{scale_name}'"
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
                    description=g.get("description", _text, ""),
                    prespecified=prespecified,
                    bounds=tuple(bounds),
                    labels=tuple(labels),
                    references=_references(g.child("references") if g.has("references") else None),
                )
            )

    gate = _gate(root.child("gate"), [i.column for i in items]) if root.has("gate") else None
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


def _build_checklist(root: _Field, direction: str) -> dict:
    root.mapping(COMMON + ("coding", "items", "missing"), required=("coding", "items"))
    coding = _coding(root.child("coding"))
    if not coding.numeric and not all(isinstance(v, float) for v in coding.values):
        raise root.child("coding").fail("scored values must be numbers")
    raw_items = _items(root.child("items"), ("id", "column", "label", "weight"))
    items = []
    for d, g in raw_items:
        weight = g.get("weight", _number, 1.0)
        if weight == 0:
            raise g.fail("a weight of 0 makes the item pointless; drop the item instead", "weight")
        items.append(Item(id=d["id"], column=d["column"], label=d["label"], weight=weight))
    weights = [i.weight for i in items]
    rule = _missing_rule(root.child("missing") if root.has("missing") else None, len(items), weights, coding)
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


def _positive_rule(f: _Field, n_parts: int, what: str) -> PositiveRule:
    f.mapping(("type", "k"), required=("type",))
    kind = f.get("type", _choice(RULE_TYPES))
    if kind == "at_least":
        if not f.has("k"):
            raise f.fail("required field is missing for type at_least", "k")
        k = f.get("k", lambda g: _integer(g, 1))
        if k > n_parts:
            raise f.fail(f"k must be at most the number of {what} ({n_parts})", "k")
        return PositiveRule("at_least", k)
    if f.has("k"):
        raise f.fail(f"k applies only to type at_least (type {kind} fixes it)", "k")
    return PositiveRule(kind, 1 if kind == "any" else n_parts)


def _build_signal_list(root: _Field, direction: str) -> dict:
    root.mapping(
        COMMON + ("coding", "items", "abnormal", "missing", "positive_rule"),
        required=("coding", "items", "positive_rule"),
    )
    coding = _coding(root.child("coding"))
    default = None
    if root.has("abnormal"):
        default = _abnormal(root.child("abnormal"), coding)
    raw_items = _items(root.child("items"), ("id", "column", "label", "abnormal"))
    items = []
    for d, g in raw_items:
        if g.has("abnormal"):
            abnormal = _abnormal(g.child("abnormal"), coding)
        elif default is not None:
            abnormal = default
        else:
            raise g.fail("say which answer is abnormal (here or as a default 'abnormal' at the top)", "abnormal")
        items.append(Item(id=d["id"], column=d["column"], label=d["label"], abnormal=abnormal))
    rule = _missing_rule(root.child("missing") if root.has("missing") else None, len(items), [1.0] * len(items), None)
    positive = _positive_rule(root.child("positive_rule"), len(items), "items")
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


def _abnormal(f: _Field, coding: Coding) -> tuple:
    values = [_code(g) for g in _list(f)] if isinstance(f.data, list) else [_code(f)]
    for v in values:
        if v not in coding.codes:
            raise f.fail(f"abnormal answer '{v}' is not one of the declared codes")
    if len(set(values)) == len(coding.codes):
        raise f.fail("every code is abnormal, so every answered item would be a signal")
    return tuple(values)


def _build_ordinal(root: _Field, direction: str) -> dict:
    root.mapping(COMMON + ("column", "categories"), required=("column", "categories"))
    column = _nonempty_text(root.child("column"))
    cf = root.child("categories")
    if isinstance(cf.data, list):
        codes = [_code(g) for g in _list(cf)]
        _unique(codes, cf, "category")
        coding = Coding(
            codes=tuple(codes),
            values=tuple(float(i) for i in range(len(codes))),
            numeric=not any(isinstance(c, str) for c in codes),
        )
        if any(isinstance(c, str) for c in codes) and not all(isinstance(c, str) for c in codes):
            raise cf.fail("categories must be all numbers or all text, not a mix")
    else:
        coding = _coding(cf)
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
            name = f"{'at-least' if direction == 'higher' else 'at-most'}-{_fmt(value)}"
        derived.append((Cutoff(name, value, True, note=f"category boundary at '{code}'"), cf))
    return dict(
        coding=coding,
        column=column,
        columns=(column,),
        score_range=(min(coding.values), max(coding.values)),
        derived_cutoffs=derived,
    )


def _build_rater(root: _Field, direction: str) -> dict:
    root.mapping(
        COMMON + ("raters", "consensus_column", "combine", "fallback", "rating_scale", "min_ratings"),
        required=("raters", "combine", "rating_scale"),
    )
    raters = []
    for g in _list(root.child("raters")):
        g.mapping(("column", "id_column"), required=("column",))
        raters.append(Rater(column=g.get("column", _nonempty_text), id_column=g.get("id_column", _nonempty_text)))
    consensus = root.get("consensus_column", _nonempty_text)
    combine = root.get("combine", _choice(COMBINE_METHODS))
    fallback = root.get("fallback", _choice(COMBINE_METHODS))
    if combine == "consensus_column" and consensus is None:
        raise root.fail("combine: consensus_column needs a consensus_column", "consensus_column")
    if fallback is not None:
        if fallback == combine:
            raise root.fail("fallback must differ from combine", "fallback")
        if fallback == "consensus_column" and consensus is None:
            raise root.fail("fallback: consensus_column needs a consensus_column", "fallback")
    sf = root.child("rating_scale").mapping(("min", "max", "integer"), required=("min", "max"))
    low, high = sf.get("min", _number), sf.get("max", _number)
    integer = sf.get("integer", _boolean, True)
    if not low < high:
        raise sf.fail("min must be below max", "max")
    if integer and not (low.is_integer() and high.is_integer()):
        raise sf.fail("an integer scale needs whole-number min and max", "min")
    min_ratings = root.get("min_ratings", lambda g: _integer(g, 1), 1)
    if min_ratings > len(raters):
        raise root.fail(f"must be at most the number of raters ({len(raters)})", "min_ratings")
    if min_ratings > 1 and combine not in ("mean_of_available", "min", "max"):
        raise root.fail("min_ratings applies only to mean_of_available, min and max", "min_ratings")
    columns = (
        [r.column for r in raters] + ([consensus] if consensus else []) + [r.id_column for r in raters if r.id_column]
    )
    _unique(columns, root.child("raters"), "column")
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


def _build_probability(root: _Field, direction: str) -> dict:
    root.mapping(COMMON + ("column",), required=("column",))
    if root.has("risk_mapping"):
        raise root.fail("a probability is already a risk; it takes no risk_mapping", "risk_mapping")
    column = _nonempty_text(root.child("column"))
    return dict(column=column, columns=(column,), score_range=(0.0, 1.0), derived_cutoffs=[])


def _build_score(root: _Field, direction: str) -> dict:
    """A plain numeric column used as it is (a lab value, a published total, a model's output).

    ``range`` (``min``/``max``, each optional) bounds the values; ``probability: true`` says the
    column is a predicted risk, which fixes the range to [0, 1] and lets the calibration stage assess
    it as it is (like kind ``probability``, but with any direction and optional cut-offs).
    """
    root.mapping(COMMON + ("column", "probability", "range"), required=("column",))
    column = _nonempty_text(root.child("column"))
    probability = root.get("probability", _boolean, False)
    low, high = -math.inf, math.inf
    if root.has("range"):
        if probability:
            raise root.fail("a probability's range is [0, 1]; drop 'range'", "range")
        rf = root.child("range").mapping(("min", "max"))
        low, high = rf.get("min", _number, -math.inf), rf.get("max", _number, math.inf)
        if not low < high:
            raise rf.fail("min must be below max", "max")
    if probability:
        if root.has("risk_mapping"):
            raise root.fail("a probability is already a risk; it takes no risk_mapping", "risk_mapping")
        low, high = 0.0, 1.0
    return dict(column=column, columns=(column,), score_range=(low, high), probability=probability, derived_cutoffs=[])


def _build_combination(root: _Field, direction: str, resolve: Callable[[str, _Field], "InstrumentSpec"]) -> dict:
    root.mapping(COMMON + ("components", "positive_rule", "missing"), required=("components", "positive_rule"))
    if direction != "higher":
        raise root.fail("a combination's score counts positive components, so its direction is 'higher'", "direction")
    if root.has("risk_mapping"):
        raise root.fail("a combination takes no risk_mapping", "risk_mapping")
    components = []
    for g in _list(root.child("components")):
        g.mapping(("instrument", "cutoff"), required=("instrument", "cutoff"))
        ref = _text(g.child("instrument"))
        if not ID_PATTERN.match(ref):
            raise g.fail("must be an instrument id 'name@version'", "instrument")
        if ref in [c.instrument for c in components]:
            raise g.fail(f"instrument '{ref}' is listed twice", "instrument")
        spec = resolve(ref, g.child("instrument"))
        name = _text(g.child("cutoff"))
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
    rule = _missing_rule(root.child("missing") if root.has("missing") else None, n, [1.0] * n, None)
    if rule.fill != "zero":
        raise root.child("missing").fail(
            "a combination counts a missing component as not positive; only fill: zero is possible", "fill"
        )
    positive = _positive_rule(root.child("positive_rule"), n, "components")
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


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------
def header(data: Any, file: str) -> tuple[str, int | str, str]:
    """Name, version and kind of a parsed spec, validated (used to index files before building)."""
    root = _Field(data, "", file)
    if not isinstance(data, Mapping):
        raise root.fail(f"a specification must be a mapping (key: value), not {_type_name(data)}")
    for key in ("name", "version", "kind"):
        if not root.has(key):
            raise root.fail("required field is missing", key)
    name = _text(root.child("name"))
    if not NAME_PATTERN.match(name):
        raise root.fail("must be lower-case letters, digits, '-' or '_' (it becomes part of the id)", "name")
    vf = root.child("version")
    if isinstance(vf.data, bool) or not isinstance(vf.data, (int, str)):
        raise vf.fail(
            "must be a whole number or text of letters, digits, '-' or '_' (no dots: "
            "the id becomes a key in reports/metrics.json)"
        )
    if isinstance(vf.data, int) and vf.data < 1:
        raise vf.fail("must be at least 1")
    if isinstance(vf.data, str) and not VERSION_PATTERN.match(vf.data):
        raise vf.fail("must be letters, digits, '-' or '_' (no dots: the id becomes a key in reports/metrics.json)")
    kind = _choice(KINDS)(root.child("kind"))
    return name, vf.data, kind


def build_spec(data: Any, file: str, resolve: Callable[[str, Any], InstrumentSpec] | None = None) -> InstrumentSpec:
    """Validate a parsed YAML mapping and return the ``InstrumentSpec``.

    Parameters
    ----------
    data : the parsed YAML document
    file : str
        The spec file, used in every error message.
    resolve : callable, optional
        ``resolve(instrument_id, field)`` returns the spec of a combination's component; it should
        raise ``InputError`` when the id cannot be found. Needed only for ``kind: combination``.

    Raises
    ------
    InputError
        ``file`` = the spec file, ``column`` = the offending field (e.g. ``items[3].column``).
    """
    name, version, kind = header(data, file)
    root = _Field(data, "", file)
    direction = root.get("direction", _choice(DIRECTIONS), "higher")
    description = root.get("description", _text, "")
    if kind == "questionnaire":
        parts = _build_questionnaire(root, direction)
    elif kind == "risk_checklist":
        parts = _build_checklist(root, direction)
    elif kind == "signal_list":
        if direction != "higher":
            raise root.fail("a signal list's score counts signals, so its direction is 'higher'", "direction")
        parts = _build_signal_list(root, direction)
    elif kind == "ordinal_category":
        parts = _build_ordinal(root, direction)
    elif kind == "rater_observation":
        parts = _build_rater(root, direction)
    elif kind == "probability":
        parts = _build_probability(root, direction)
    elif kind == "score":
        parts = _build_score(root, direction)
    else:
        if resolve is None:
            raise root.fail("a combination needs its components resolved; load it with load_specs", "components")
        parts = _build_combination(root, direction, resolve)

    low, high = parts.pop("score_range")
    explicit = _cutoffs(root.child("cutoffs") if root.has("cutoffs") else None)
    derived = parts.pop("derived_cutoffs")
    cutoffs = _check_cutoffs(derived + explicit, low, high, root)
    banded = _banded_cutoffs(root.child("banded_cutoffs"), low, high, cutoffs) if root.has("banded_cutoffs") else ()
    if not cutoffs and not banded and kind not in ("score", "questionnaire"):
        raise root.fail(
            "required field is missing: declare at least one named cut-off (cutoffs or banded_cutoffs)", "cutoffs"
        )
    risk = _risk_mapping(root.child("risk_mapping") if root.has("risk_mapping") else None, low, high)
    return InstrumentSpec(
        name=name,
        version=version,
        kind=kind,
        description=description.strip(),
        direction=direction,
        cutoffs=cutoffs,
        source_file=file,
        references=_references(root.child("references") if root.has("references") else None),
        score_range=(low, high),
        risk_mapping=risk,
        banded_cutoffs=banded,
        **parts,
    )
