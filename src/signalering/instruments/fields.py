"""Reading one field of a parsed instrument specification: the ``Field`` (a value with its path in the
YAML file) and the readers of text, numbers, codes and lists that every part of a specification uses.

Every error names the spec file and the field path (``InputError(file=<spec file>,
column="items[3].column")``), never a value from the data. The vocabularies that several parts share
(the score directions, the fields every kind takes, the name and id patterns) live here too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from signalering.errors import InputError

DIRECTIONS = ("higher", "lower")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ID_PATTERN = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]*)@(?P<version>[A-Za-z0-9][A-Za-z0-9_-]*)$")
SLUG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# the top-level fields every kind takes
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


class Field:
    """A mapping from the YAML file together with its path, for precise error messages."""

    def __init__(self, data: Any, path: str, file: str):
        self.data = data
        self.path = path
        self.file = file

    def fail(self, reason: str, sub: str | None = None) -> InputError:
        """The error to raise: the spec file, the path of this field (or of ``sub`` below it) and why."""
        return InputError(file=self.file, column=self.join(sub) or None, reason=reason)

    def join(self, sub: str | None) -> str:
        """The path of ``sub`` (a key, or ``"[i]"``) below this field: ``items[3].column``."""
        if sub is None:
            return self.path
        if sub.startswith("["):
            return f"{self.path}{sub}"
        return f"{self.path}.{sub}" if self.path else sub

    def child(self, key: str | int) -> "Field":
        """The field under ``key`` (a mapping key, or a list position)."""
        sub = f"[{key}]" if isinstance(key, int) else str(key)
        value = self.data[key]
        return Field(value, self.join(sub), self.file)

    def mapping(self, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> "Field":
        """This field, checked to be a mapping of ``allowed`` text keys that holds every ``required`` one."""
        if not isinstance(self.data, Mapping):
            raise self.fail(f"must be a mapping (key: value), not {type_name(self.data)}")
        for key in self.data:
            if not isinstance(key, str):
                raise self.fail(f"field names must be text, found {type_name(key)}")
            if key not in allowed:
                raise self.fail(f"unknown field '{key}'; allowed here: {', '.join(allowed)}", key)
        for key in required:
            if key not in self.data or self.data[key] is None:
                raise self.fail("required field is missing", key)
        return self

    def has(self, key: str) -> bool:
        """True when ``key`` is present and not null."""
        return key in self.data and self.data[key] is not None

    def get(self, key: str, check: Callable[["Field"], Any], default: Any = None) -> Any:
        """``check(child)`` of ``key``, or ``default`` when it is absent or null."""
        if not self.has(key):
            return default
        return check(self.child(key))


def type_name(value: Any) -> str:
    """What a YAML value is, in words for an error message (never the value itself)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    return {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def read_text(f: Field) -> str:
    """A text value."""
    if not isinstance(f.data, str):
        raise f.fail(f"must be text, not {type_name(f.data)}")
    return f.data


def read_nonempty_text(f: Field) -> str:
    """A text value with something besides spaces, stripped."""
    value = read_text(f).strip()
    if not value:
        raise f.fail("must not be empty")
    return value


def read_slug(f: Field) -> str:
    """A name of letters, digits, ``-`` and ``_`` (a cut-off, band set, scale or label name)."""
    value = read_text(f)
    if not SLUG_PATTERN.match(value):
        raise f.fail("must be letters, digits, '-' or '_' (no spaces, dots or slashes)")
    return value


def read_number(f: Field) -> float:
    """A finite number (not true/false), as a float."""
    if isinstance(f.data, bool) or not isinstance(f.data, (int, float)):
        raise f.fail(f"must be a number, not {type_name(f.data)}")
    value = float(f.data)
    if not math.isfinite(value):
        raise f.fail("must be a finite number")
    return value


def read_integer(f: Field, minimum: int | None = None) -> int:
    """A whole number (not true/false), at least ``minimum`` when given."""
    if isinstance(f.data, bool) or not isinstance(f.data, int):
        raise f.fail(f"must be a whole number, not {type_name(f.data)}")
    if minimum is not None and f.data < minimum:
        raise f.fail(f"must be at least {minimum}")
    return int(f.data)


def read_boolean(f: Field) -> bool:
    """true or false."""
    if not isinstance(f.data, bool):
        raise f.fail(f"must be true or false, not {type_name(f.data)}")
    return f.data


def read_choice(options: tuple[str, ...]) -> Callable[[Field], str]:
    """A reader of one of the text ``options``."""

    def check(f: Field) -> str:
        value = read_text(f)
        if value not in options:
            raise f.fail(f"must be one of {', '.join(options)}")
        return value

    return check


def read_list(f: Field, nonempty: bool = True) -> list[Field]:
    """The entries of a list (not empty unless ``nonempty`` is false), each a ``Field``."""
    if not isinstance(f.data, list):
        raise f.fail(f"must be a list, not {type_name(f.data)}")
    if nonempty and not f.data:
        raise f.fail("must not be an empty list")
    return [f.child(i) for i in range(len(f.data))]


def read_item_id(f: Field) -> int | str:
    """An item id: a whole number or non-empty text."""
    if isinstance(f.data, bool) or not isinstance(f.data, (int, str)):
        raise f.fail(f"an item id must be a whole number or text, not {type_name(f.data)}")
    if isinstance(f.data, str) and not f.data.strip():
        raise f.fail("an item id must not be empty")
    return f.data


def read_code(f: Field) -> int | float | str:
    """An answer code: a finite number, or text without surrounding spaces (never an unquoted yes/no)."""
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
    raise f.fail(f"a code must be a number or text, not {type_name(f.data)}")


def check_unique(values: list, f: Field, what: str) -> None:
    """Refuse a repeated value (text ``"1"`` and number ``1`` differ) with ``duplicate <what>``."""
    seen: set = set()
    for v in values:
        key = (type(v) is str, v)
        if key in seen:
            raise f.fail(f"duplicate {what} '{v}'")
        seen.add(key)


def read_references(f: Field | None) -> tuple[str, ...]:
    """A list of literature references (non-empty texts); none when the field is absent."""
    if f is None:
        return ()
    return tuple(read_nonempty_text(g) for g in read_list(f, nonempty=False))


def show_number(x: float) -> str:
    """A bound for a message: ``4`` for 4.0, ``0.5`` otherwise."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def show_code(code: Any) -> str:
    """A code as a label: ``2`` for 2.0, the text as it is."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def same_code(a: Any, b: Any) -> bool:
    """Two codes are the same: equal texts, or equal numbers (``2`` and ``2.0``)."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return float(a) == float(b)
