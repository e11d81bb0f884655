"""A records file in batches of text, read exactly as ``io.read_records`` reads it whole.

CSV goes through pandas' own chunked C parser with the options ``io.read_records`` uses (so quoting,
blank lines, separators and the rows named in errors are the same); Parquet through
``pyarrow.parquet.ParquetFile.iter_batches`` converted column by column as ``pd.read_parquet`` would.
Every value is text, stripped, with empty text as missing. Each batch carries a fresh ``RangeIndex``
and its ``offset``: the 0-based position of its first record in the file, so data row ``offset + i + 1``
(1-based, as ``InputError`` reports rows) is the batch's row ``i``.

``.xlsx`` files (at most about a million rows by the format's own limit) are read whole and given
as one batch.
"""
from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from .. import io
from ..errors import InputError, UsageError

DEFAULT_BATCH_ROWS = 500_000
_SCAN_BYTES = 1 << 24


@dataclass(frozen=True, slots=True)
class Batch:
    """``frame``: text values (``string`` dtype, missing = NA) with a 0-based index; ``offset``: file
    position of the first record (0-based)."""

    frame: pd.DataFrame
    offset: int


def csv_format(path: str | Path) -> tuple[str, str]:
    """(encoding, separator) of a CSV file, decided as ``io.read_records`` decides them.

    The whole file is checked for UTF-8 in blocks (it is never held in memory); Windows-1252 otherwise,
    unless the file also holds UTF-8 characters (refused as mixed, as ``io.read_records`` does).
    """
    path = Path(path)
    name = str(path)
    io.check_csv_head(path)
    encoding = None
    for enc in io.CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(enc)()
        first = ""
        fed = 0
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(_SCAN_BYTES), b""):
                    pending = len(decoder.getstate()[0])
                    try:
                        text = decoder.decode(block)
                    except UnicodeDecodeError as exc:
                        if enc.startswith("utf"):
                            refusal = io.mixed_encoding_in_file(path, fed - pending + exc.start)
                            if refusal is not None:
                                raise refusal from None
                        raise
                    fed += len(block)
                    if len(first) < 65536:
                        first += text[:65536]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        encoding = enc
        break
    if encoding is None:
        raise InputError(name, "cannot be decoded as UTF-8 or Windows-1252 text")
    return encoding, io.separator(io.first_line(first))


def _check_header(columns: list[str], name: str) -> list[str]:
    columns = [str(c).strip() for c in columns]
    if len(columns) < 2 or any(c.startswith("Unnamed:") or c == "" for c in columns):
        raise InputError(name, "not a table: expected a header row naming at least two columns")
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise io.duplicate_header(columns, dup, name)
    return columns


def _normalise(frame: pd.DataFrame, columns: list[str], offset: int, commas: bool) -> Batch:
    frame.columns = columns
    for col in frame.columns:
        frame[col] = io.normalise_text(frame[col], commas)
    return Batch(frame.reset_index(drop=True), offset)


def iter_batches(path: str | Path, batch_rows: int = DEFAULT_BATCH_ROWS,
                 columns: list[str] | None = None, decimal: str = "auto") -> Iterator[Batch]:
    """The records file as batches of at most ``batch_rows`` records (see the module docstring).

    Parameters
    ----------
    path : path of a CSV, Parquet or .xlsx records file
    batch_rows : int
        Records per batch; memory use grows with it (roughly 100 bytes per value as text).
    columns : list of str, optional
        Read only these columns (all must exist; the identifier guard needs all columns, so only
        code that has already guarded the file may pass this).
    decimal : {"auto", ".", ","}
        Decimal mark, as ``io.read_records``.

    Raises
    ------
    InputError
        For a file that ``io.read_records`` refuses as a whole, with the same reason; a file with
        a header and no records is refused after the last batch.
    """
    if not isinstance(batch_rows, int) or batch_rows < 1:
        raise UsageError(f"The 'batch_rows' parameter of iter_batches must be a positive integer. "
                         f"Got {batch_rows!r} instead.")
    io.check_decimal(decimal, "iter_batches")
    path = Path(path)
    name = str(path)
    io.check_records_path(path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        batches = _parquet_batches(path, batch_rows, columns, decimal == ",")
    elif suffix == ".xlsx":
        frame = io.read_records(path, decimal)
        batches = iter([Batch(frame[columns] if columns else frame, 0)])
    else:
        batches = _csv_batches(path, batch_rows, columns, decimal)
    n = 0
    for batch in batches:
        if len(batch.frame):
            n += len(batch.frame)
            yield batch
    if n == 0:
        raise InputError(name, "the file has a header but no records")


def _selected(all_columns: list[str], columns: list[str] | None, name: str) -> list[str]:
    if columns is None:
        return all_columns
    for c in columns:
        if c not in all_columns:
            raise InputError(name, "the column does not exist", column=c)
    return [c for c in all_columns if c in set(columns)]


def _parquet_batches(path: Path, batch_rows: int, columns: list[str] | None, commas: bool) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    name = str(path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise InputError(name, f"not a readable Parquet file ({type(exc).__name__})") from None
    raw = list(pf.schema_arrow.names)
    all_columns = _check_header(raw, name)
    keep = _selected(all_columns, columns, name)
    raw_keep = [r for r, c in zip(raw, all_columns) if c in set(keep)]
    offset = 0
    try:
        for rb in pf.iter_batches(batch_size=batch_rows, columns=raw_keep):
            frame = rb.to_pandas().astype("string")
            yield _normalise(frame, keep, offset, commas)
            offset += rb.num_rows
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt row group surfaces only while reading
        raise InputError(name, f"not a readable Parquet file ({type(exc).__name__})") from None


def _csv_batches(path: Path, batch_rows: int, columns: list[str] | None, decimal: str) -> Iterator[Batch]:
    name = str(path)
    encoding, sep = csv_format(path)
    commas = decimal == "," or (decimal == "auto" and sep == ";")
    with open(path, encoding=encoding, newline="") as fh:
        head = io.first_line(fh.read(65536))
    names = [f.strip() for f in next(csv.reader([head], delimiter=sep), [])]
    duplicated = [f for f in names if f and names.count(f) > 1]
    if duplicated:  # pandas would silently rename the second copy (as in io.read_records)
        raise io.duplicate_header(names, duplicated[0], name)
    try:
        header = pd.read_csv(path, sep=sep, dtype="string", nrows=0, encoding=encoding).columns
    except pd.errors.EmptyDataError:
        raise InputError(name, "the file has no header row") from None
    except (pd.errors.ParserError, csv.Error):
        raise InputError(name, "not a table: rows have a different number of fields than the header") from None
    all_columns = _check_header(header, name)
    keep = _selected(all_columns, columns, name)
    usecols = [i for i, c in enumerate(all_columns) if c in set(keep)]
    try:
        reader = pd.read_csv(path, sep=sep, dtype="string", keep_default_na=False, na_values=[""],
                             skip_blank_lines=True, encoding=encoding, chunksize=batch_rows,
                             usecols=usecols if columns is not None else None)
        offset = 0
        with reader:
            for frame in reader:
                n = len(frame)
                yield _normalise(frame, keep, offset, commas)
                offset += n
    except (pd.errors.ParserError, csv.Error) as exc:
        line = io._parser_line(str(exc))
        raise InputError(name, "not a table: rows have a different number of fields than the header",
                         row=line) from None
    except pd.errors.EmptyDataError:
        raise InputError(name, "the file has no header row") from None
