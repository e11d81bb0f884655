"""The identifier guard over a file read in batches, with the whole-file guard's verdict.

``ingest.identifiers.check_identifiers`` checks columns in file order and, within a column, its kinds
of identifier in a fixed order, reporting the first row of the first kind found. Run batch by batch
that order would change (a later batch could hold a kind that ranks first). So each batch is checked
column by column with the same function on its distinct values (a value's first occurrence keeps its
row, so the first row found is the same), and for each column the first hit of every batch is kept
in memory (never written). At the end the same function is run once more on just those hits: it
returns exactly what it would have returned on the whole file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

import pandas as pd

from ..errors import InputError
from ..ingest.identifiers import check_identifiers
from .reader import Batch


@dataclass(slots=True)
class IdentifierScan:
    """Hits gathered over batches: per column, the first offending value of each batch (file row)."""

    file: str
    columns: list[str] | None = None
    hits: dict[str, dict[int, str]] = field(default_factory=dict)
    row_free: dict[str, InputError] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        """Check one batch (text values as ``reader.iter_batches`` gives them)."""
        frame = batch.frame
        if self.columns is None:
            self.columns = list(frame.columns)
        for column in frame.columns:
            if column in self.row_free:
                continue
            values = frame[column].dropna().drop_duplicates()
            try:
                check_identifiers(pd.DataFrame({column: values}), self.file)
            except InputError as exc:
                if exc.row is None:
                    self.row_free[column] = exc
                else:
                    self.hits.setdefault(column, {})[batch.offset + exc.row] = values.loc[exc.row - 1]

    def raise_first(self) -> None:
        """Raise the ``InputError`` the whole-file guard would raise, if any."""
        for column in self.columns or []:
            if column in self.row_free:
                raise self.row_free[column]
            if column in self.hits:
                rows = sorted(self.hits[column])
                found = pd.Series([self.hits[column][r] for r in rows], index=[r - 1 for r in rows],
                                  dtype="string")
                check_identifiers(pd.DataFrame({column: found}), self.file)


def guarded(batches: Iterable[Batch], file: str) -> Iterator[Batch]:
    """Pass batches through while checking them; raise the whole-file verdict after the last one.

    Nothing that depends on the batches may be written before this generator is exhausted.
    """
    scan = IdentifierScan(file)
    for batch in batches:
        scan.add(batch)
        yield batch
    scan.raise_first()


def check_identifiers_stream(batches: Iterable[Batch], file: str) -> None:
    """Run the guard over every batch; raise as ``check_identifiers`` on the whole file would."""
    for _ in guarded(batches, file):
        pass
