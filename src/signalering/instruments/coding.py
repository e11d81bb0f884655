"""How answers are coded and scored: the coding of the answers (``Coding``), the items (``Item``), the
rule for unanswered items (``MissingRule``) and the gate question that makes a score 0 (``Gate``),
with the readers that build them from a specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from signalering.instruments.fields import (
    Field,
    check_unique,
    read_choice,
    read_code,
    read_integer,
    read_item_id,
    read_list,
    read_nonempty_text,
    read_number,
    read_text,
    same_code,
    show_code,
    type_name,
)

FILL_METHODS = ("zero", "prorate")

ROUNDING = ("half_up", "none")


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
class Gate:
    """A gate question that makes the score 0 when answered with one of ``zero_codes``.

    The SDQ impact supplement: when the parent (teacher, young person) answers "no difficulties",
    the impact items are skipped and the impact score is 0, not missing. ``coding`` lists the
    declared answers (others are refused); an empty gate answer leaves the usual missing-answer rule.
    """

    column: str
    coding: Coding
    zero_codes: tuple


def read_coding(f: Field) -> Coding:
    """``[0, 1, 2]`` (each code scored as itself) or ``{1: 0, 2: 1, 3: 2}`` (code: scored value)."""
    if isinstance(f.data, list):
        codes = [read_code(c) for c in read_list(f)]
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
            codes.append(read_code(Field(key, f.join(f"[{key}]"), f.file)))
            values.append(read_number(f.child(key)))
    else:
        raise f.fail(f"must be a list of codes or a mapping code: value, not {type_name(f.data)}")
    check_unique(codes, f, "code")
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


def read_missing_rule(f: Field | None, n_items: int, weights: list[float], coding: Coding | None) -> MissingRule:
    """``missing: {max_missing, fill, rounding}`` of a set of ``n_items`` items with their ``weights``
    (the default rule when absent), checked against the items and the ``coding``."""
    if f is None:
        return MissingRule()
    f.mapping(("max_missing", "fill", "rounding"))
    max_missing = f.get("max_missing", lambda g: read_integer(g, 0), 0)
    fill = f.get("fill", read_choice(FILL_METHODS), "zero")
    rounding = f.get("rounding", read_choice(ROUNDING), "none")
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


def read_items(f: Field, allowed: tuple[str, ...]) -> list[tuple[dict, Field]]:
    """``items``: each ``{id, column, label}`` (and the ``allowed`` kind-specific keys, read by the
    caller from the returned field), ids and columns unique."""
    out = []
    for g in read_list(f):
        g.mapping(allowed, required=("id", "column"))
        out.append(
            (
                {
                    "id": g.get("id", read_item_id),
                    "column": g.get("column", read_nonempty_text),
                    "label": g.get("label", read_text, ""),
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


def read_abnormal(f: Field, coding: Coding) -> tuple:
    """The answers that count as a signal (one code or a list), declared codes and not all of them."""
    values = [read_code(g) for g in read_list(f)] if isinstance(f.data, list) else [read_code(f)]
    for v in values:
        if v not in coding.codes:
            raise f.fail(f"abnormal answer '{v}' is not one of the declared codes")
    if len(set(values)) == len(coding.codes):
        raise f.fail("every code is abnormal, so every answered item would be a signal")
    return tuple(values)


def read_gate(f: Field, item_columns: list[str]) -> Gate:
    """``gate: {column, coding, zero_when}``: the score is 0 when the gate answer is one of ``zero_when``."""
    f.mapping(("column", "coding", "zero_when"), required=("column", "coding", "zero_when"))
    column = read_nonempty_text(f.child("column"))
    if column in item_columns:
        raise f.fail("the gate column must not be an item column", "column")
    coding = read_coding(f.child("coding"))
    zf = f.child("zero_when")
    zero = [read_code(g) for g in read_list(zf)] if isinstance(zf.data, list) else [read_code(zf)]
    for z in zero:
        if not any(same_code(z, c) for c in coding.codes):
            raise zf.fail(f"answer '{z}' is not one of the gate's declared codes")
    if len(set(map(show_code, zero))) == len(coding.codes):
        raise zf.fail("every gate answer gives 0, so no item would ever be scored")
    return Gate(column=column, coding=coding, zero_codes=tuple(zero))
