"""The identifier guard over a file read in batches, with the whole-file guard's verdict.

``ingest.identifiers.check_identifiers`` checks the header, then columns in file order and, within a
column, its rules in a fixed order, reporting the first row of the first rule that finds something.
Run batch by batch that order would change (a later batch could hold a kind that ranks first). So
every batch is scanned with the same rules (``identifiers.column_findings``, on the batch's distinct
values), and each finding is kept in memory (never written) with its first file row. At the end the
finding with the lowest rule rank, then the first row, is reported per column in file order: what the
whole-file guard reports. The free-text rule judges each batch's values (a column that is free text
in any batch is refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..ingest.identifiers import Finding, check_header, column_findings, first_finding, first_row, refusal
from ..io import Batch


@dataclass(slots=True)
class IdentifierScan:
    """Findings gathered over batches: per column, each finding with its first file row."""

    file: str
    drop: frozenset = frozenset()
    coded: frozenset = frozenset()
    columns: list[str] | None = None
    found: dict[str, list[tuple[Finding, int | None]]] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        """Check one batch (values as ``io.iter_batches`` gives them)."""
        frame = batch.frame
        if self.columns is None:
            self.columns = list(frame.columns)
            check_header(self.columns, self.file)
        distinct = batch.distinct or {}
        for column in frame.columns:
            if column in self.drop:
                continue
            values = frame[column].dropna()
            for finding in column_findings(column, values, self.coded, distinct.get(column)):
                self.found.setdefault(column, []).append((finding, first_row(finding, values, batch.offset)))

    def raise_first(self) -> None:
        """Raise the ``InputError`` the whole-file guard would raise, if any."""
        for column in self.columns or []:
            if column in self.found:
                finding, row = first_finding(self.found[column])
                raise refusal(finding, row, self.file)


def guarded(
    batches: Iterable[Batch], file: str, drop: Iterable[str] = (), coded: Iterable[str] = ()
) -> Iterator[Batch]:
    """Pass batches through while checking them; raise the whole-file verdict after the last one.

    Nothing that depends on the batches may be written before this generator is exhausted.
    """
    scan = IdentifierScan(file, frozenset(drop), frozenset(coded))
    for batch in batches:
        scan.add(batch)
        yield batch
    scan.raise_first()


def check_identifiers_stream(
    batches: Iterable[Batch], file: str, drop: Iterable[str] = (), coded: Iterable[str] = ()
) -> None:
    """Run the guard over every batch; raise as ``check_identifiers`` on the whole file would."""
    for _ in guarded(batches, file, drop, coded):
        pass
