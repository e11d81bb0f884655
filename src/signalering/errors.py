"""Errors the command line turns into exit statuses (see docs/contract.md).

``InputError`` means the *input* was refused (exit status 3). It never carries a data value, only
where the problem is (file, row, column) and what kind of problem it is, so an identifier that
triggered the refusal is never echoed back into a terminal or a log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputError(Exception):
    """The input file, a specification or a parameter file was refused.

    Parameters
    ----------
    file : str
        The file that was refused (or ``""`` for in-memory data).
    reason : str
        What is wrong, in plain words. Must not contain record values.
    row : int, optional
        1-based data row (the header is row 0), where it applies.
    column : str, optional
        Column or specification field, where it applies.
    """

    file: str
    reason: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [f"file '{self.file}'"] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def __reduce__(self):
        # ``Exception`` pickles as ``cls(*args)`` plus ``__dict__`` set afterwards, which a frozen
        # dataclass forbids (and ``args`` misses keyword fields): rebuild from the fields instead, so
        # the error crosses process boundaries (Dask workers, multiprocessing) intact.
        return (type(self), (self.file, self.reason, self.row, self.column))


# A frozen dataclass refuses every attribute assignment, but raising, chaining and unpickling an
# exception (Python itself, tblib - which ``distributed`` installs for every exception class -,
# multiprocessing) assign these; let them through, the fields stay frozen.
_EXCEPTION_STATE = frozenset({"__cause__", "__context__", "__traceback__", "__suppress_context__", "__notes__"})
_frozen_setattr = InputError.__setattr__


def _input_error_setattr(self, name, value):
    if name in _EXCEPTION_STATE:
        Exception.__setattr__(self, name, value)
    else:
        _frozen_setattr(self, name, value)


InputError.__setattr__ = _input_error_setattr


class UsageError(ValueError):
    """The command's words or a parameter are wrong (exit status 2)."""


def check_in(name: str, value: object, allowed: tuple | list | set | frozenset, where: str) -> None:
    """Raise ``UsageError`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise UsageError(
            f"The '{name}' parameter of {where} must be one of {sorted(map(str, allowed))}. Got {value!r} instead."
        )


def check_open_unit(name: str, value: float, where: str) -> None:
    """Raise ``UsageError`` unless ``0 < value < 1``."""
    if not (isinstance(value, (int, float)) and 0.0 < float(value) < 1.0):
        raise UsageError(f"The '{name}' parameter of {where} must be in (0, 1). Got {value!r} instead.")
