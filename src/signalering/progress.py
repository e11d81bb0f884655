"""Progress bars and one-line summaries on the terminal (stderr; stdout stays for data).

``bar`` shows a tqdm progress bar only when stderr is a terminal (not under DVC's log capture, a
pipe or a test) and ``SIGNALERING_PROGRESS`` is not ``0``; otherwise it is a silent stand-in with the
same ``update``/iteration interface. ``summary`` prints the one line every command and stage ends
with, naming what it wrote (file and folder names, counts of files; never a record value).
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator


def enabled() -> bool:
    """Whether progress bars are shown: stderr is a terminal and ``SIGNALERING_PROGRESS`` is not 0."""
    return os.environ.get("SIGNALERING_PROGRESS", "1") != "0" and sys.stderr.isatty()


class _Silent:
    """The stand-in for a bar when none is shown."""

    def __init__(self, iterable: Iterable | None = None) -> None:
        self._iterable = iterable

    def __iter__(self) -> Iterator:
        return iter(self._iterable if self._iterable is not None else ())

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def bar(iterable: Iterable | None = None, *, total: int | None = None, desc: str | None = None, unit: str = "it"):
    """A progress bar over ``iterable`` (or one updated by hand with ``update(n)`` up to ``total``)."""
    if not enabled():
        return _Silent(iterable)
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)


def summary(what: str, text: str) -> None:
    """Print ``signalering: <what>: <text>`` on stderr (what a command or stage wrote)."""
    print(f"signalering: {what}: {text}", file=sys.stderr, flush=True)
