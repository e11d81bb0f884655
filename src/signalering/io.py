"""Reading records files and writing outputs.

Records are read with every column as text first, so identifier-like values keep their leading zeros
and the identifier guard sees exactly what is in the file; types are applied afterwards by the schema
(pipeline) or by ``numeric_column`` / ``reference_column`` (commands). The door refuses, with file,
row, column and reason and never a value: binary and single-line files, files mixing UTF-8 and
Windows-1252, ``.xlsx`` zip bombs, non-finite numbers and (commands) duplicated record ids.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io as _io
import json
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .errors import InputError, UsageError, check_in

CSV_ENCODINGS = ("utf-8-sig", "cp1252")
SUFFIXES = (".csv", ".txt", ".parquet", ".pq", ".xlsx")
DECIMALS = (".", ",", "auto")
HEAD_BYTES = 1 << 20  # the header row must end within the first MiB of a CSV file
XLSX_MAX_BYTES = 256 << 20  # sum of the uncompressed sizes of an .xlsx file's parts
XLSX_MAX_SHARED_STRINGS = 64 << 20  # uncompressed size of its shared-strings part (held as Python text)
XLSX_MAX_RATIO = 200  # uncompressed / compressed size of one part (XML compresses ~5-30x)
XLSX_MAX_CELLS = 20_000_000  # cells of the first sheet read (counted while reading)
XLSX_MAX_TEXT = 256 << 20  # characters of cell text (a shared string repeated in many cells counts each time)
_XLSX_CHUNK_ROWS = 65_536  # rows held as Python values before they are stored as Arrow text


# Every non-ASCII Unicode decimal digit (full-width ０-９, Arabic-Indic, ...) and the full-width
# signs, mapped to ASCII: the file is read as it reads to a person, and the identifier guard and the
# number parsing see plain digits.
@functools.cache
def _digit_table() -> dict:
    digits = {
        c: str(unicodedata.decimal(chr(c))) for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Nd"
    }
    digits.update({0xFF0B: "+", 0xFF0D: "-", 0xFF0E: ".", 0xFF0C: ","})
    return str.maketrans(digits)


# pandas' CSV options of the door: every value text, only empty text missing ("NA" is a value)
PANDAS_CSV = dict(dtype="string", keep_default_na=False, na_values=[""], skip_blank_lines=True)

_DECIMAL_COMMA = r"[+-]?[0-9]+,[0-9]+"
_NON_FINITE = r"(?i)[+-]?(?:inf|infinity|nan)"
# In a file read with decimal commas, 1.234 is a decimal point or a thousands separator (1234): ambiguous
_DECIMAL_DOT = r"\s*[+-]?[1-9][0-9]{0,2}\.[0-9]{3}\s*"
DECIMAL_DOT_REASON = "ambiguous number: a dot in a file read with decimal commas (a thousands separator?)"
_UTF8_SEQUENCE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}")


def check_decimal(decimal: str, where: str = "read_records") -> None:
    """``decimal`` must be ``"."``, ``","`` or ``"auto"`` (``UsageError`` otherwise)."""
    check_in("decimal", decimal, DECIMALS, where)


def duplicate_header(names: list[str], duplicated: str, file: str) -> InputError:
    """The error for a header that names a column twice; when the header looks like a record (a CSV
    without a header row) the identifier guard's refusal instead, which names no cell."""
    from .ingest.identifiers import check_header

    check_header(names, file)
    return InputError(file, "the header names a column twice", column=duplicated)


def read_records(path: str | Path, decimal: str = "auto", typed: bool = False) -> pd.DataFrame:
    """Read a records file (CSV, Parquet or .xlsx) with every column as text (missing = NA): the whole
    file as the one batch of ``iter_batches(path, None)``.

    CSV: comma or semicolon separated, UTF-8 (with or without BOM) or Windows-1252 (a file mixing
    both is refused), CR, LF or CRLF line endings. Values are stripped; empty text is missing;
    non-ASCII digits (full-width ``１２``) are read as ASCII digits. ``decimal``: ``","`` reads
    ``0,25`` as ``0.25`` in every column, ``"auto"`` (default) does so in semicolon-separated CSV
    files only (as Dutch Excel writes them), ``"."`` never. Raises ``InputError`` for a file that is
    unusable as a whole: missing, unreadable, empty, header only, not a table, undecodable, an
    ``.xlsx`` that inflates beyond sane limits.

    ``typed=True``: Parquet number, boolean and date/time columns keep their type (the commands read
    them so; the identifier guard checks typed columns by their type); other columns are text as above.
    """
    return next(iter_batches(path, None, decimal=decimal, typed=typed)).frame


# ------------------------------------------------------------------ the one reader
DEFAULT_BATCH_ROWS = 500_000
_SCAN_BYTES = 1 << 24


@dataclass(frozen=True, slots=True)
class Batch:
    """``frame``: the batch's columns (text as ``string`` dtype, missing = NA; with ``typed`` Parquet
    numbers and dates keep their type) with a 0-based index; ``offset``: file position of the batch's
    first record (0-based), so data row ``offset + i + 1`` (1-based, as ``InputError`` reports rows)
    is the batch's row ``i``; ``distinct``: for the text columns read through Arrow's parser, each
    column's distinct non-missing values (as ``frame`` holds them, each once; a column of mostly
    distinct values such as record ids is left out), which the identifier guard checks instead of
    finding them again."""

    frame: pd.DataFrame
    offset: int
    distinct: dict[str, pd.Series] | None = None


def iter_batches(
    path: str | Path,
    batch_rows: int | None = DEFAULT_BATCH_ROWS,
    columns: list[str] | None = None,
    decimal: str = "auto",
    typed: bool = False,
) -> Iterator[Batch]:
    """The records file as batches of at most ``batch_rows`` records; ``None``: the whole file as one
    batch. Every reader of records (commands, pipeline stages, ``aggregate``, the DuckDB and Dask
    engines) reads through here, so a file reads the same whichever way it is cut.

    Parameters
    ----------
    path : path of a CSV, Parquet or .xlsx records file
    batch_rows : int or None
        Records per batch; memory use grows with it (roughly 100 bytes per value as text).
    columns : list of str, optional
        Read only these columns (all must exist; the identifier guard needs all columns, so only
        code that has already guarded the file may pass this).
    decimal : {"auto", ".", ","}
        Decimal mark (see ``read_records``).
    typed : bool
        Parquet number and date columns keep their type (see ``read_records``).

    Raises
    ------
    InputError
        For a file unusable as a whole (see ``read_records``); a file with a header and no records
        is refused after the last batch.

    CSV read whole goes through Arrow's multi-threaded parser (pandas' parser for files Arrow refuses);
    in batches through pandas' chunked C parser with the same options. Parquet through ``pyarrow``
    (row batches when streaming). ``.xlsx`` files (at most about a million rows by the format's own
    limit) are read whole and given as one batch.
    """
    return _batches(path, batch_rows, columns, decimal, typed)


def _batches(
    path: str | Path,
    batch_rows: int | None,
    columns: list[str] | None,
    decimal: str,
    typed: bool,
    returned: frozenset | None = None,
) -> Iterator[Batch]:
    """``iter_batches``; ``returned``: the columns the caller will use (``None``: all). The other text
    columns of a CSV file read whole through Arrow are only for the identifier guard: they are given
    as ``ArrowDtype(string)`` columns, as parsed (no copy into pandas' ``string`` layout)."""
    if batch_rows is not None and (not isinstance(batch_rows, int) or batch_rows < 1):
        raise UsageError(
            f"The 'batch_rows' parameter of iter_batches must be a positive integer. Got {batch_rows!r} instead."
        )
    check_decimal(decimal, "iter_batches")
    path = Path(path)
    name = str(path)
    check_records_path(path)
    suffix = path.suffix.lower()
    n = 0
    try:
        if suffix in (".parquet", ".pq"):
            batches = _parquet_batches(path, batch_rows, columns, decimal == ",", typed)
        elif suffix == ".xlsx":
            batches = _whole(path, _read_xlsx(path), None, decimal, columns)
        elif batch_rows:
            batches = _csv_batches(path, batch_rows, columns, decimal)
        else:
            batches = _whole(path, *_read_csv(path), decimal, columns, returned)
        for batch in batches:
            batch = _without_empty_rows(batch, n)
            if len(batch.frame):
                n += len(batch.frame)
                yield batch
    except OSError as exc:
        raise InputError(name, f"the file cannot be read ({type(exc).__name__})") from None
    if n == 0:
        raise InputError(name, "the file has a header but no records")


def empty_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """Mask of the rows whose every value is missing (``;;;;;;`` as Excel leaves below a table), or
    ``None`` when there is none (checked on the first column first: usually the ids, never missing)."""
    if frame.shape[1] == 0 or not frame.iloc[:, 0].isna().any():
        return None
    empty = frame.isna().all(axis=1).to_numpy(bool)
    return empty if empty.any() else None


def drop_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its entirely empty rows (no records: as blank lines), re-indexed from 0, with
    the reader's ``attrs["decimal_dots"]`` moved along."""
    empty = empty_rows(frame)
    if empty is None:
        return frame
    position = np.cumsum(~empty) - 1
    dots = {
        c: tuple(position[np.asarray(labels, dtype=np.int64)].tolist())
        for c, labels in frame.attrs.get("decimal_dots", {}).items()
    }
    kept = frame.loc[~empty].reset_index(drop=True)
    set_decimal_dots(kept, dots)
    return kept


def _without_empty_rows(batch: Batch, before: int) -> Batch:
    """``batch`` without its entirely empty rows, its offset the records yielded before it: such a row
    is no record (not received, not numbered), as a blank line is not."""
    frame = drop_empty_rows(batch.frame)
    if frame is batch.frame and batch.offset == before:
        return batch
    return Batch(frame, before, batch.distinct)


def _whole(
    path: Path, frame, sep: str | None, decimal: str, columns: list[str] | None, returned: frozenset | None = None
) -> Iterator[Batch]:
    """The one batch of a file read whole: ``frame`` a DataFrame of text columns, or (an Arrow table of
    text columns in header order, the header's names) from ``_read_csv``; ``returned``: see
    ``_batches``."""
    commas = decimal == "," or (decimal == "auto" and sep == ";")
    if not isinstance(frame, pd.DataFrame):
        table, raw_names = frame
        names = _check_header(raw_names, str(path))
        keep = _selected(names, columns, str(path))
        table = table.select([i for i, c in enumerate(names) if c in set(keep)])
        yield _arrow_batch(table, keep, 0, commas, returned)
        return
    names = _check_header(list(frame.columns), str(path))
    keep = _selected(names, columns, str(path))
    frame.columns = names
    yield _normalise(frame[keep] if columns is not None else frame, keep, 0, commas)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of an ``.xlsx`` file as text columns, read as a CSV file is read: only an empty cell
    is missing (``NA``, ``null``, ``N/A`` are text), an Excel error cell (``#N/A``, ``#DIV/0!``) is its
    text (so a numeric column refuses it as not a number), a number as its shortest text (``2.0`` as
    ``2``), ``TRUE``/``FALSE`` as ``1``/``0``; rows whose every cell is empty are no records (as blank
    lines in a CSV file). Streamed (openpyxl read-only) into Arrow text in chunks of rows, within the
    limits ``check_xlsx`` and ``_xlsx_columns`` set, so memory stays bounded (docs/input-files.md)."""
    import openpyxl

    check_xlsx(path)
    name = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # declared dimensions can be wrong: read the rows as they are
            names, columns = _xlsx_columns(sheet.iter_rows(values_only=True), name)
        finally:
            book.close()
    except (InputError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many types for a broken file
        raise InputError(name, f"not a readable Excel .xlsx file ({type(exc).__name__})") from None
    names = _check_header(names, name)
    return pd.DataFrame({n: _arrow_series(c) for n, c in zip(names, columns)}, copy=False)


def _xlsx_text(value) -> str | None:
    """One cell's value as the door's text (``None``: empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def _xlsx_columns(rows, name: str) -> tuple[list[str], list]:
    """(header names, one Arrow ``string`` array per column) of a sheet's rows of values; entirely empty
    rows skipped, trailing empty cells ignored. Refuses a sheet beyond ``XLSX_MAX_CELLS`` cells or
    ``XLSX_MAX_TEXT`` characters of text, as it reads (before it holds more)."""
    import pyarrow as pa

    header = None
    chunks: list[list] = []  # per column: its Arrow chunks
    pending: list[list] = []
    stored = cells = chars = 0

    def flush():
        nonlocal stored, pending
        if not pending:
            return
        width = max(len(r) for r in pending)
        while len(chunks) < width:
            chunks.append([pa.nulls(stored, pa.string())] if stored else [])
        for j, chunk in enumerate(chunks):
            chunk.append(pa.array([r[j] if j < len(r) else None for r in pending], pa.string()))
        stored += len(pending)
        pending = []

    for row in rows:
        texts = [_xlsx_text(v) for v in row]
        while texts and texts[-1] is None:
            texts.pop()
        if not texts:
            continue  # an empty row: no record
        cells += len(texts)
        chars += sum(len(t) for t in texts if t is not None)
        if cells > XLSX_MAX_CELLS or chars > XLSX_MAX_TEXT:
            raise InputError(
                name,
                f"refused: the .xlsx file holds more than {XLSX_MAX_CELLS:,} cells or {XLSX_MAX_TEXT >> 20} "
                "million characters of text, more than is read from a workbook; save it as CSV or Parquet",
            )
        if header is None:
            header = texts
            continue
        pending.append(texts)
        if len(pending) >= _XLSX_CHUNK_ROWS:
            flush()
    flush()
    if header is None:
        raise InputError(name, "not a table: expected a header row naming at least two columns")
    width = max(len(header), len(chunks))
    names = [h if h is not None else "" for h in header] + [""] * (width - len(header))
    columns = [pa.chunked_array(c, pa.string()).combine_chunks() for c in chunks]
    columns += [pa.nulls(stored, pa.string())] * (width - len(columns))
    return names, columns


def _check_header(columns: list, name: str) -> list[str]:
    columns = [str(c).strip() for c in columns]
    if len(columns) < 2 or any(c.startswith("Unnamed:") or c == "" for c in columns):
        raise InputError(name, "not a table: expected a header row naming at least two columns")
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise duplicate_header(columns, dup, name)
    return columns


def _normalise(frame: pd.DataFrame, columns: list[str], offset: int, commas: bool) -> Batch:
    frame.columns = columns
    frame = frame.reset_index(drop=True)
    dots = decimal_dots(frame, commas)
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.StringDtype):
            frame[col] = normalise_text(frame[col], commas)
    set_decimal_dots(frame, dots)
    return Batch(frame, offset)


def decimal_dots(frame: pd.DataFrame, commas: bool) -> dict[str, tuple]:
    """For a frame of text columns as read (before ``normalise_text``) with decimal commas: per column
    holding any, the index labels of the values shaped ``1.234`` (one to three digits not starting with 0, a dot, three
    digits), which may be a thousands separator (1234) as much as a decimal point; the readers keep
    them in ``frame.attrs["decimal_dots"]`` and every numeric reading refuses them
    (``decimal_dot_rows``). Empty without ``commas``."""
    if not commas:
        return {}
    out = {}
    for col in frame.columns:
        values = frame[col]
        if not (isinstance(values.dtype, (pd.StringDtype, pd.ArrowDtype)) or values.dtype == object):
            continue
        values = values.astype("string")
        if not values.str.contains(".", regex=False).fillna(False).any():
            continue
        hit = values.str.fullmatch(_DECIMAL_DOT).fillna(False).to_numpy(bool)
        if hit.any():
            out[col] = tuple(frame.index[hit].tolist())
    return out


def set_decimal_dots(frame: pd.DataFrame, dots: dict) -> None:
    """Keep ``decimal_dots`` (column -> tuple of index labels) in ``frame.attrs``, only when there are
    any (tuples, so that pandas can compare the attrs of frames it concatenates)."""
    if dots:
        frame.attrs["decimal_dots"] = dots
    else:
        frame.attrs.pop("decimal_dots", None)


def decimal_dot_rows(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Boolean mask of the rows of ``column`` that the reader found ambiguous (``decimal_dots``)."""
    labels = frame.attrs.get("decimal_dots", {}).get(column)
    if labels is None or not len(labels):
        return np.zeros(len(frame), dtype=bool)
    return np.isin(np.asarray(frame.index), labels)


def check_decimal_dots(frame: pd.DataFrame, column: str, file: str) -> None:
    """Refuse a numeric ``column`` holding a value the reader found ambiguous (``decimal_dots``),
    naming the first such row."""
    if column not in frame.columns:
        return
    bad = decimal_dot_rows(frame, column)
    if bad.any():
        raise InputError(file, DECIMAL_DOT_REASON, row=int(np.flatnonzero(bad)[0]) + 1, column=column)


def _selected(all_columns: list[str], columns: list[str] | None, name: str) -> list[str]:
    if columns is None:
        return all_columns
    for c in columns:
        if c not in all_columns:
            raise InputError(name, "the column does not exist", column=c)
    return [c for c in all_columns if c in set(columns)]


def _typed_frame(frame: pd.DataFrame, typed: bool) -> pd.DataFrame:
    """Parquet columns as every reader gives them: text, or (``typed``) numbers and dates kept; booleans
    as the codes ``1`` / ``0`` either way."""
    frame = _bools_as_codes(frame)
    if not typed:
        return frame.astype("string")
    keep = {
        c
        for c in frame.columns
        if (pd.api.types.is_numeric_dtype(frame[c].dtype) or pd.api.types.is_datetime64_any_dtype(frame[c].dtype))
    }
    return frame.astype({c: "string" for c in frame.columns if c not in keep})


def parquet_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A Parquet partition read by another reader (Dask) as the door's text columns (booleans as
    ``1`` / ``0``, see ``_bools_as_codes``)."""
    return _bools_as_codes(frame).astype("string")


def _bools_as_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """A Parquet frame with its boolean columns (missing values allowed) as the text codes ``1`` / ``0``,
    so every route (commands, streaming engines, the ingest stage) reads ``True`` as ``1``, as a CSV
    would write it, and never as the text ``True``."""
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values.dtype) or (
            values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "boolean"
        ):
            frame[col] = values.astype("boolean").astype("Int8").astype("string")
    return frame


def _parquet_batches(
    path: Path, batch_rows: int | None, columns: list[str] | None, commas: bool, typed: bool = False
) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    name = str(path)
    try:
        pf = pq.ParquetFile(path)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise InputError(name, f"not a readable Parquet file ({type(exc).__name__})") from None
    raw = list(pf.schema_arrow.names)
    all_columns = _check_header(raw, name)
    keep = _selected(all_columns, columns, name)
    raw_keep = [r for r, c in zip(raw, all_columns) if c in set(keep)]
    offset = 0
    try:
        parts = pf.iter_batches(batch_size=batch_rows, columns=raw_keep) if batch_rows else [pf.read(raw_keep)]
        for rb in parts:
            frame = _typed_frame(rb.to_pandas(), typed)
            yield _normalise(frame, keep, offset, commas)
            offset += rb.num_rows
    except (InputError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt row group surfaces only while reading
        raise InputError(name, f"not a readable Parquet file ({type(exc).__name__})") from None


def csv_format(path: str | Path) -> tuple[str, str]:
    """(encoding, separator) of a CSV file, decided as ``read_records`` decides them.

    The whole file is checked for UTF-8 in blocks (it is never held in memory); Windows-1252 otherwise,
    unless the file also holds UTF-8 characters (refused as mixed, as ``read_records`` does).
    """
    import codecs

    path = Path(path)
    name = str(path)
    check_csv_head(path)
    encoding = None
    for enc in CSV_ENCODINGS:
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
                            refusal = mixed_encoding_in_file(path, fed - pending + exc.start)
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
    return encoding, separator(first_line(first))


def _csv_batches(path: Path, batch_rows: int, columns: list[str] | None, decimal: str) -> Iterator[Batch]:
    name = str(path)
    encoding, sep = csv_format(path)
    commas = decimal == "," or (decimal == "auto" and sep == ";")
    with open(path, encoding=encoding, newline="") as fh:
        head = first_line(fh.read(65536))
    names = [f.strip() for f in next(csv.reader([head], delimiter=sep), [])]
    duplicated = [f for f in names if f and names.count(f) > 1]
    if duplicated:  # pandas would silently rename the second copy (as in read_records)
        raise duplicate_header(names, duplicated[0], name)
    try:
        header = pd.read_csv(path, sep=sep, dtype="string", nrows=0, encoding=encoding).columns
    except pd.errors.EmptyDataError:
        raise InputError(name, "the file has no header row") from None
    except (pd.errors.ParserError, csv.Error):
        raise InputError(name, "not a table: rows have a different number of fields than the header") from None
    all_columns = _check_header(list(header), name)
    keep = _selected(all_columns, columns, name)
    usecols = [i for i, c in enumerate(all_columns) if c in set(keep)]
    with open(path, encoding=encoding, newline="") as fh:
        first_char = fh.read(1).lstrip("\ufeff")
    if first_char == head[:1] and _arrow_parses(path, encoding, sep, len(all_columns)):
        yield from _arrow_batches(path, encoding, sep, len(all_columns), usecols, keep, batch_rows, commas)
        return
    with _parse_errors(name):
        reader = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            chunksize=batch_rows,
            usecols=usecols if columns is not None else None,
            **PANDAS_CSV,
        )
        offset = 0
        with reader:
            for frame in reader:
                n = len(frame)
                yield _normalise(frame, keep, offset, commas)
                offset += n


_ARROW_PARSES: dict[tuple, bool] = {}
_BLOCK_BYTES = 1 << 22  # Arrow's CSV block: the unit its threads parse in parallel


def _arrow_options(encoding: str, sep: str, n_fields: int, usecols: list[int] | None, newlines: bool) -> dict:
    """Arrow's CSV options for the door: every column text (``string``: Arrow validates it as UTF-8
    while it parses, and parses it faster than ``large_string``), empty = missing, the header row
    skipped (its names come from the door's own header check), only the columns ``usecols``
    (``None``: all)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    keys = [f"c{i}" for i in range(n_fields)]
    if encoding.lower().replace("-", "").startswith("utf8"):
        encoding = "utf8"  # Arrow's own decoder (a BOM sits in the header row, which is skipped)
    return dict(
        read_options=pcsv.ReadOptions(encoding=encoding, column_names=keys, skip_rows=1, block_size=_BLOCK_BYTES),
        parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=newlines),
        convert_options=pcsv.ConvertOptions(
            column_types={k: pa.string() for k in keys},
            null_values=[""],
            strings_can_be_null=True,
            include_columns=None if usecols is None else [keys[i] for i in usecols],
        ),
    )


def _arrow_batch(table, names: list[str], offset: int, commas: bool, returned: frozenset | None = None) -> Batch:
    """An Arrow table of text columns as a ``Batch`` of ``string[pyarrow]`` columns named ``names``,
    normalised as ``normalise_text`` does, with each column's distinct values for the guard
    (``_text_column``); columns not in ``returned`` (``None``: all are) as ``ArrowDtype(string)``;
    ``attrs["decimal_dots"]``: see ``decimal_dots``."""
    import pyarrow.compute as pc

    columns, distinct, dots = {}, {}, {}
    for i, name in enumerate(names):
        if commas and pc.any(pc.match_substring(table.column(i), ".")).as_py():
            hit = pc.match_substring_regex(table.column(i), f"^{_DECIMAL_DOT}$").to_numpy(zero_copy_only=False)
            hit = np.asarray(pd.array(hit, dtype="boolean").fillna(False), dtype=bool)
            if hit.any():
                dots[name] = tuple(np.flatnonzero(hit).tolist())
        column, values = _text_column(table.column(i), commas)
        if returned is None or name in returned:
            columns[name] = _arrow_series(column)
        else:
            columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(column), copy=False)
        if values is not None:
            distinct[name] = values
    frame = pd.DataFrame(columns, copy=False)
    set_decimal_dots(frame, dots)
    return Batch(frame, offset, distinct)


def _arrow_reader(path: Path, encoding: str, sep: str, n_fields: int, usecols: list[int]):
    import pyarrow.csv as pcsv

    return pcsv.open_csv(path, **_arrow_options(encoding, sep, n_fields, usecols, newlines=True))


def _arrow_parses(path: Path, encoding: str, sep: str, n_fields: int) -> bool:
    """Whether Arrow's stricter parser reads the whole file (every row has the header's fields), by one
    streaming pass that keeps nothing; remembered for the file as it is (size and time of change), so
    the passes of a streaming ingest decide once."""
    import pyarrow as pa

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, encoding, sep)
    if key not in _ARROW_PARSES:
        try:
            for _ in _arrow_reader(path, encoding, sep, n_fields, [0]):
                pass
            _ARROW_PARSES[key] = True
        except (pa.ArrowInvalid, UnicodeDecodeError):
            _ARROW_PARSES[key] = False
    return _ARROW_PARSES[key]


def _arrow_batches(
    path: Path,
    encoding: str,
    sep: str,
    n_fields: int,
    usecols: list[int],
    keep: list[str],
    batch_rows: int,
    commas: bool,
) -> Iterator[Batch]:
    """Batches of exactly ``batch_rows`` records (the last may be shorter) from Arrow's streaming CSV
    reader, as text columns shared with Arrow (the same values as pandas' chunked parser)."""
    import pyarrow as pa

    def batch(table, offset: int) -> Batch:
        return _arrow_batch(table, keep, offset, commas)

    pending: list = []
    rows = offset = 0
    for record_batch in _arrow_reader(path, encoding, sep, n_fields, usecols):
        pending.append(record_batch)
        rows += record_batch.num_rows
        while rows >= batch_rows:
            table = pa.Table.from_batches(pending)
            yield batch(table.slice(0, batch_rows), offset)
            offset += batch_rows
            rest = table.slice(batch_rows)
            pending, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield batch(pa.Table.from_batches(pending), offset)


def check_records_path(path: Path) -> None:
    """Refuse a records path that does not exist, has an unsupported suffix or is empty."""
    name = str(path)
    if path.is_dir():
        raise InputError(name, "this is a folder, not a records file; name the file itself")
    if not path.is_file():
        raise InputError(name, "the file does not exist")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(name, f"unsupported file type '{suffix}'; use CSV, Parquet or .xlsx")
    if path.stat().st_size == 0:
        raise InputError(name, "the file is empty")


def normalise_text(values: pd.Series, decimal_commas: bool) -> pd.Series:
    """One column's text as every reader gives it: stripped, empty = NA, non-ASCII text in Unicode NFKC
    form (full-width ``Ｒ００２`` is ``R002``, so an id typed full-width is the same id), non-ASCII digits
    as ASCII, and with ``decimal_commas`` a value like ``-0,25`` (digits, one comma, digits) as ``-0.25``."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        fast = _normalise_ascii_arrow(values)
        if fast is not None:
            if not (decimal_commas and fast.str.contains(",", regex=False).fillna(False).any()):
                return fast
            values = fast
    values = values.astype("string").str.strip().replace("", pd.NA)
    wide = ~values.str.isascii().fillna(True).to_numpy(bool)
    if wide.any():
        values = values.copy()
        table = _digit_table()
        values[wide] = values[wide].map(lambda v: unicodedata.normalize("NFKC", v).translate(table)).astype("string")
    if decimal_commas and values.str.contains(",", regex=False).fillna(False).any():
        comma = values.str.fullmatch(_DECIMAL_COMMA).fillna(False).to_numpy(bool)
        if comma.any():
            values = values.copy()
            values[comma] = values[comma].str.replace(",", ".", regex=False)
    return values


def _normalise_ascii_arrow(values: pd.Series) -> pd.Series | None:
    """:func:`normalise_text`'s stripping and empty-as-missing in Arrow's kernels, for an Arrow text
    column that is all ASCII (the common case: nothing to translate); ``None`` otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.array.__arrow_array__()
    if not pc.all(pc.string_is_ascii(text), skip_nulls=True).as_py():
        return None
    text = pc.utf8_trim_whitespace(text)
    empty = pc.equal(text, "")
    if pc.any(empty).as_py():
        text = pc.if_else(empty, pa.scalar(None, text.type), text)
    return pd.Series(pd.arrays.ArrowStringArray(text), index=values.index, name=values.name, copy=False)


_MOSTLY_DISTINCT_SAMPLE = 65_536


def _text_column(column, commas: bool) -> tuple[pd.Series, pd.Series | None]:
    """One Arrow text column (``string``, missing = null) normalised as ``normalise_text`` normalises it,
    and its distinct non-missing normalised values (``None`` for a column of mostly distinct values).

    ``normalise_text`` works value by value, so it runs on the column's distinct values only and is
    mapped back through them: a column whose distinct values it leaves as they are (no blank space
    around a value, all ASCII, no decimal comma to read: the usual export) is kept as parsed, without
    touching its million values again. A column of nearly all distinct values (its first 65,536 values
    at least 90% distinct: record ids) is normalised value by value, as finding its distinct values
    would cost more than that.
    """
    import pyarrow.compute as pc

    values = _distinct_values(column)
    if values is None:
        if _left_as_is(column, commas):
            return column, None
        return _arrow_strings(normalise_text(_arrow_series(column), commas)), None
    texts = values.to_pylist()
    if all(t and t.isascii() and t[0] > " " and t[-1] > " " and not (commas and "," in t) for t in texts):
        normal = values  # nothing for normalise_text to do: no blank around a value, nothing to translate
    else:
        normal = _arrow_strings(normalise_text(_arrow_series(values), commas))
        column = pc.take(normal, pc.index_in(column, value_set=values))
        normal = pc.unique(normal.drop_null())
    return column, _arrow_series(normal)


def _arrow_strings(values: pd.Series):
    """A text Series as one Arrow ``string`` array."""
    import pyarrow as pa

    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def _left_as_is(column, commas: bool) -> bool:
    """Whether ``normalise_text`` would leave every value of an Arrow text column as it is: all ASCII,
    none empty, none starting or ending with a blank or control character, and (``commas``) none
    holding a comma. Vectorised over the values' first and last bytes, without copying them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pc.all(pc.string_is_ascii(column), skip_nulls=True).as_py():
        return False
    if commas and pc.any(pc.match_substring(column, ",")).as_py():
        return False
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        if chunk.null_count == len(chunk):
            continue
        _, offsets, data = chunk.buffers()
        start = np.frombuffer(offsets, dtype=np.int32, count=len(chunk) + 1, offset=4 * chunk.offset)
        length = np.diff(start)
        valid = chunk.is_valid().to_numpy(zero_copy_only=False) if chunk.null_count else slice(None)
        if (length[valid] == 0).any():
            return False
        data = np.frombuffer(data, dtype=np.uint8)
        first, last = data[start[:-1][valid]], data[start[1:][valid] - 1]
        if (first <= 32).any() or (last <= 32).any():
            return False
    return True


def _arrow_series(values) -> pd.Series:
    """Arrow text as a ``string[pyarrow]`` Series (pandas keeps Arrow's buffers)."""
    return pd.Series(pd.arrays.ArrowStringArray(values), dtype=pd.StringDtype("pyarrow"), copy=False)


def _distinct_values(column):
    """The distinct non-null values of an Arrow text column (a ``string`` array), or ``None`` when its
    first ``_MOSTLY_DISTINCT_SAMPLE`` values are nearly all distinct (a column of ids: nothing to gain
    from finding them; a continuous risk with a fifth as many distinct values as records is worth
    it, as the guard then runs its rules on a fifth of the values). Columns of values of
    at most two bytes (item responses, codes, flags: most columns of a wide export) are counted by
    their bytes (``_short_distinct``), without hashing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.null_count == len(column):
        return pa.array([], pa.string())
    longest = pc.max(pc.binary_length(column)).as_py()
    if longest <= 2:
        return _short_distinct(column, longest)
    sample = _MOSTLY_DISTINCT_SAMPLE
    if len(column) > 2 * sample and pc.count_distinct(column.slice(0, sample)).as_py() > sample * 9 // 10:
        return None
    return pc.unique(column).drop_null()


def _short_distinct(column, longest: int = 2):
    """The distinct non-null values of an Arrow text column whose values are at most ``longest`` (1 or
    2) bytes long, in byte order. A chunk of one-byte values holds them back to back, so its values
    are its bytes, found from their range (a few codes: ``0``-``3``) without hashing; otherwise each
    value's length and bytes make one number, counted with ``np.bincount``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    seen = np.zeros(3 << 16, dtype=bool)  # key = length * 65536 + first byte * 256 + second byte
    single = []  # chunks of one-byte values, as their bytes
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        n = len(chunk)
        if n == 0:
            continue
        _, offsets, data = chunk.buffers()
        start = np.frombuffer(offsets, dtype=np.int32, count=n + 1, offset=4 * chunk.offset)
        if longest == 1 and chunk.null_count == 0 and int(start[-1]) - int(start[0]) == n:
            # n values of at most one byte and n bytes in all: every value is one byte
            single.append(pa.Array.from_buffers(pa.uint8(), n, [None, data], offset=int(start[0])))
            continue
        length = np.diff(start)
        if chunk.null_count:
            length = np.where(chunk.is_valid().to_numpy(zero_copy_only=False), length, -1)
        data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        padded = np.concatenate([data, np.zeros(2, np.uint8)])
        at = start[:-1]
        first = np.where(length >= 1, padded[at], 0).astype(np.int64)
        second = np.where(length == 2, padded[at + 1], 0).astype(np.int64)
        keys = (length.astype(np.int64) << 16) + (first << 8) + second
        seen |= np.bincount(keys[length >= 0], minlength=3 << 16).astype(bool)
    if single:
        codes = pa.chunked_array(single, pa.uint8())
        low, high = (v.as_py() for v in pc.min_max(codes).values())
        if high - low < 4:  # the lowest and highest occur; test the codes between them
            between = [c for c in range(low + 1, high) if pc.any(pc.equal(codes, pa.scalar(c, pa.uint8()))).as_py()]
            found = [low, *between, high] if high > low else [low]
        else:
            found = pc.unique(codes).to_pylist()
        seen[(1 << 16) + (np.asarray(found, dtype=np.int64) << 8)] = True
    texts = []
    for key in np.flatnonzero(seen).tolist():
        length, pair = key >> 16, (key & 0xFFFF).to_bytes(2, "big")
        texts.append(pair[:length].decode("utf-8"))
    return pa.array(texts, pa.string())


def check_xlsx(path: str | Path) -> None:
    """Refuse an ``.xlsx`` file that would inflate beyond sane limits (a zip bomb), from the sizes its
    zip central directory declares (``zipfile`` never extracts more than declared), before any part
    is decompressed: more than ``XLSX_MAX_BYTES`` in all, or a part compressed more than
    ``XLSX_MAX_RATIO`` times."""
    name = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise InputError(name, "not a readable Excel .xlsx file (not a zip archive)") from None
    total = sum(i.file_size for i in infos)
    if total > XLSX_MAX_BYTES:
        raise InputError(
            name,
            f"refused: the .xlsx file would inflate to more than {XLSX_MAX_BYTES >> 20} MiB; save it as CSV or Parquet",
        )
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > XLSX_MAX_SHARED_STRINGS:
            raise InputError(
                name,
                f"refused: the .xlsx file's text table would inflate to more than "
                f"{XLSX_MAX_SHARED_STRINGS >> 20} MiB; save it as CSV or Parquet",
            )
        if info.file_size > (1 << 20) and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                name,
                f"refused: a part of the .xlsx file is compressed more than {XLSX_MAX_RATIO} "
                "times (a zip bomb?); save it as CSV or Parquet",
            )


def check_csv_head(path: str | Path) -> bytes:
    """The first ``HEAD_BYTES`` of a CSV file, refused when binary (NUL bytes, UTF-16) or when no line
    ends in them (a single-line file, not a table) - decided before the rest is read."""
    name = str(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        more = bool(fh.read(1))
    if b"\x00" in head[:65536]:
        raise InputError(name, "not a text table (binary content or UTF-16); save it as CSV in UTF-8")
    if more and b"\n" not in head and b"\r" not in head:
        raise InputError(
            name,
            f"not a table: no line ends within the first {HEAD_BYTES >> 20} MiB "
            "(a CSV file has a header row and one line per record)",
        )
    return head


def mixed_encoding(name: str, data: bytes, bad_at: int, before: bytes = b"") -> InputError | None:
    """The refusal for text that fails UTF-8 at byte ``bad_at`` of ``data`` but also holds valid UTF-8
    multi-byte characters (a file mixing UTF-8 and Windows-1252): decoding it either way would split
    one value into two categories. ``before``: the file's bytes before ``data`` (for the row)."""
    if not _UTF8_SEQUENCE.search(data) and not _UTF8_SEQUENCE.search(before):
        return None
    row = before.count(b"\n") + data[:bad_at].count(b"\n")
    if not row:
        row = before.count(b"\r") + data[:bad_at].count(b"\r")
    return InputError(
        name,
        "the file mixes UTF-8 and Windows-1252 text (this row is the first that is not UTF-8; the file "
        "holds UTF-8 characters elsewhere); save it again in one encoding, UTF-8",
        row=row or None,
    )


def mixed_encoding_in_file(path: str | Path, bad_at: int) -> InputError | None:
    """``mixed_encoding`` for a file read in blocks (never held in memory): ``bad_at`` is the file
    offset of the first byte that is not UTF-8."""
    block_size = 1 << 24
    found = False
    newlines = returns = 0
    offset = 0
    tail = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(block_size), b""):
            found = found or bool(_UTF8_SEQUENCE.search(tail + block))
            part = block[: max(0, bad_at - offset)]
            newlines += part.count(b"\n")
            returns += part.count(b"\r")
            offset += len(block)
            tail = block[-3:]
    if not found:
        return None
    row = newlines if newlines else returns
    return InputError(
        str(path),
        "the file mixes UTF-8 and Windows-1252 text (this row is the first that is not UTF-8; the file "
        "holds UTF-8 characters elsewhere); save it again in one encoding, UTF-8",
        row=row or None,
    )


def first_line(text: str) -> str:
    """The first line of a text (LF, CRLF or CR-only line endings), leading blank space skipped."""
    return re.split(r"\r\n|\r|\n", text.lstrip(), maxsplit=1)[0]


def separator(header: str) -> str:
    """``;`` when the header row has more semicolons than commas, else ``,``."""
    return ";" if header.count(";") > header.count(",") else ","


def _read_csv(path: Path) -> tuple[pd.DataFrame | tuple, str]:
    """A CSV file read whole: (the Arrow table of its text columns and the header's names, or a
    DataFrame of text columns from pandas' parser; the separator).

    A file whose header row is UTF-8 goes straight to Arrow's parser, which checks that every value is
    UTF-8 as it parses (no separate pass decoding the file). Any other file, or one Arrow refuses (not
    UTF-8 after all, a short row, ...), is decoded here: UTF-8, else Windows-1252 unless it also holds
    UTF-8 characters (refused as mixed), then parsed by Arrow or pandas as before."""
    name = str(path)
    head = check_csv_head(path)
    header = _utf8_header(head)
    tried = False
    if header is not None:
        sep = separator(header)
        names = [f.strip() for f in next(csv.reader([header], delimiter=sep), [])]
        if not any(f and names.count(f) > 1 for f in names):  # a repeated name: the checks below
            table = _arrow_csv(path, "utf8", sep, names, _has_quote(path))
            if table is not None:
                return table, sep
            tried = True
    raw = path.read_bytes()
    text = None
    encoding = "utf8"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        refusal = mixed_encoding(name, raw, exc.start)
        if refusal is not None:
            raise refusal from None
    if text is None:
        try:
            text = raw.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError:
            raise InputError(name, "cannot be decoded as UTF-8 or Windows-1252 text") from None
    quoted = b'"' in raw
    del raw
    if "\n" not in text and "\r" in text:  # old Mac line endings (CR only)
        text = text.replace("\r", "\n")
    header = first_line(text)
    sep = separator(header)
    names = [f.strip() for f in next(csv.reader([header], delimiter=sep), [])]
    duplicated = [f for f in names if f and names.count(f) > 1]
    if duplicated:  # pandas would silently rename the second copy
        raise duplicate_header(names, duplicated[0], name)
    if text[:1] == header[:1] and not (tried and encoding == "utf8"):  # no blank lines before the header
        del text
        frame = _arrow_csv(path, encoding, sep, names, quoted)
        if frame is not None:
            return frame, sep
        text = path.read_bytes().decode("utf-8-sig" if encoding == "utf8" else encoding)
        if "\n" not in text and "\r" in text:
            text = text.replace("\r", "\n")
    with _parse_errors(name):
        frame = pd.read_csv(_io.StringIO(text), sep=sep, **PANDAS_CSV)
    return frame, sep


def _arrow_csv(path: Path, encoding: str, sep: str, names: list[str], quoted: bool) -> tuple | None:
    """A CSV file whose every row has the header's number of fields, parsed by Arrow's multi-threaded
    reader into text columns: (the Arrow table, ``names``), the same values pandas' parser gives,
    several times faster on a wide export. ``None`` when Arrow's stricter parser refuses the file (a
    short row, a whitespace-only line, a value that is not UTF-8, ...): then the file is decoded and
    pandas' parser reads it and names the problem, as for every file before."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        table = pcsv.read_csv(path, **_arrow_options(encoding, sep, len(names), None, newlines=quoted))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table, names


def _utf8_header(head: bytes) -> str | None:
    """The header row of a CSV file's first bytes (BOM removed) when it is UTF-8, ends within them and
    starts the file (no blank line or space before it); ``None`` otherwise."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    end = re.search(rb"\r|\n", head)
    if end is None:
        return None
    try:
        line = head[: end.start()].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return line if line[:1] and not line[:1].isspace() else None


def _has_quote(path: Path) -> bool:
    """Whether the file holds a quote character (a quoted value may hold a line break), without
    reading it into memory."""
    import mmap

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b'"') >= 0


@contextlib.contextmanager
def _parse_errors(name: str):
    """pandas' CSV parser errors as the door's refusals (file, row; never the line's text)."""
    try:
        yield
    except (pd.errors.ParserError, csv.Error) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(
            name,
            "not a table: rows have a different number of fields than the header",
            row=int(m.group(1)) - 1 if m else None,
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(name, "the file has no header row") from None


# ------------------------------------------------------------------ typed columns (every command)
def read_guarded(path: str | Path, decimal: str = "auto", drop=(), columns=None) -> pd.DataFrame:
    """Read a records file and refuse it if it carries direct identifiers (before anything is written).

    ``drop``: columns dropped at the door (``--drop``): not guarded and not returned; naming a column
    the file does not have is a usage error. ``columns``: return only these of the file's columns
    (every column is still guarded; a name the file lacks is left for the caller to report).
    """
    from .ingest.identifiers import check_identifiers

    returned = None if columns is None else frozenset(columns)
    batch = next(_batches(path, None, None, decimal, True, returned))
    frame = batch.frame
    missing = [c for c in drop if c not in frame.columns]
    if missing:
        raise UsageError(f"--drop names a column the file does not have: '{missing[0]}'.")
    check_identifiers(frame, str(path), drop=drop, distinct=batch.distinct)
    if columns is not None:
        return frame[[c for c in frame.columns if c in set(columns) and c not in set(drop)]]
    return frame.drop(columns=list(drop))


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """(codes, distinct values, first row of each): a column as codes into its distinct non-missing
    values (missing = -1), so a check runs once per distinct value (scores, labels: a few dozen)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.asarray(codes)
    first = _first_rows(codes)
    distinct = pd.Series(np.asarray(uniques, dtype=object))
    if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
        distinct = distinct.astype("string")
    return codes, distinct, first


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of the first occurrence of each code of ``pd.factorize`` (codes are numbered in order of
    first appearance, so a row holds a new code exactly when it exceeds every code before it)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return np.flatnonzero(codes > before)


def _expand(codes: np.ndarray, per_value: np.ndarray, missing) -> np.ndarray:
    out = per_value[np.maximum(codes, 0)] if len(per_value) else np.full(len(codes), missing)
    return np.where(codes >= 0, out, missing)


def numeric_column(frame: pd.DataFrame, column: str, file: str) -> np.ndarray:
    """A numeric column as float (missing = NaN); a value that is not a number, or not a finite one
    (``inf``, ``nan`` written as text, ``1e999``), or (in a file read with decimal commas) an ambiguous
    ``1.234`` refuses the file, naming the first such row and the column (the value is not echoed). Typed (numeric) columns are taken as they are; text is parsed
    once per distinct value."""
    if column not in frame.columns:
        raise InputError(file, "the column does not exist", column=column)
    try:
        num = _numeric_column(frame, column, file)
    except InputError as exc:
        dots = decimal_dot_rows(frame, column)
        if dots.any() and int(np.flatnonzero(dots)[0]) + 1 < exc.row:
            check_decimal_dots(frame, column, file)
        raise
    check_decimal_dots(frame, column, file)
    return num


def _numeric_column(frame: pd.DataFrame, column: str, file: str) -> np.ndarray:
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = values.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(num)
        if bad.any():
            raise InputError(file, "not a finite number", row=int(np.flatnonzero(bad)[0]) + 1, column=column)
        return num
    codes, distinct, first = _distinct(values)
    num_u = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad_u = ~np.isfinite(num_u)
    if bad_u.any():
        worst = int(np.flatnonzero(bad_u)[np.argmin(first[bad_u])])
        text = str(distinct.iloc[worst])
        finite = np.isnan(num_u[worst]) and not re.fullmatch(_NON_FINITE, text)
        raise InputError(
            file, "not a number" if finite else "not a finite number", row=int(first[worst]) + 1, column=column
        )
    return _expand(codes, num_u, np.nan)


def reference_column(frame: pd.DataFrame, column: str, positive: str, negative: str, file: str) -> np.ndarray:
    """Reference standard as 1.0 / 0.0 / NaN (not verified); other values refuse the file (labels
    compare as codes: ``1``, ``1.0`` and ``"1"`` are the same; see ``ingest.schema.reference_values``)."""
    from .ingest.schema import reference_values

    if column not in frame.columns:
        raise InputError(file, "the column does not exist", column=column)
    values = frame[column]
    labels = (_label_number(positive), _label_number(negative))
    if (
        pd.api.types.is_numeric_dtype(values.dtype)
        and not pd.api.types.is_bool_dtype(values.dtype)
        and None not in labels
    ):  # typed numbers and numeric labels: compared as numbers, no text
        num = values.to_numpy(dtype=float, na_value=np.nan)
        is_pos, is_neg = num == labels[0], num == labels[1]
        bad = ~np.isnan(num) & ~is_pos & ~is_neg
        if bad.any():
            raise InputError(
                file,
                f"reference standard must be {positive}, {negative} or empty",
                row=int(np.argmax(bad)) + 1,
                column=column,
            )
        return np.where(is_pos, 1.0, np.where(is_neg, 0.0, np.nan))
    codes, distinct, first = _distinct(values)
    ref_u, bad_u = reference_values(distinct, positive, negative)
    if bad_u.any():
        worst = int(np.flatnonzero(bad_u)[np.argmin(first[bad_u])])
        raise InputError(
            file,
            f"reference standard must be {positive}, {negative} or empty",
            row=int(first[worst]) + 1,
            column=column,
        )
    return _expand(codes, np.asarray(ref_u, dtype=float), np.nan)


def _label_number(label) -> float | None:
    """A reference label as the number it codes (``"1"`` -> 1.0), or ``None`` when the label is not
    spelled as its number's code (``"yes"``, ``"1.0"``: those compare as text)."""
    from .ingest.schema import canonical_code

    try:
        number = float(label)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and canonical_code(number) == canonical_code(label) else None


def duplicate_id_error(file: str, column: str, row: int, first_row: int) -> InputError:
    """The refusal of a records file whose id column holds an id twice (rows 1-based)."""
    return InputError(
        file,
        f"duplicate record id: the same id is already in row {first_row}; every record "
        "must be counted once, so remove or correct the copies",
        row=row,
        column=column,
    )


def check_unique_ids(frame: pd.DataFrame, column: str | None, file: str, required: bool = False) -> None:
    """Refuse a file in which an id occurs twice in ``column`` (missing ids are not compared).

    The message names the file, the column, the first row holding an id seen before and the row where
    it was first seen, never the id. A missing ``column`` refuses the file only when ``required``
    (the user named it); ``None`` checks nothing.
    """
    if column is None:
        return
    if column not in frame.columns:
        if required:
            raise InputError(file, "the id column does not exist", column=column)
        return
    if _strictly_increasing(frame[column]):  # a file sorted by id (most exports): every id once
        return
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    codes = np.asarray(codes)
    present = codes >= 0
    if int(present.sum()) == len(uniques):  # every id once (the usual case): one hash pass
        return
    first = _first_rows(codes)
    dup = present & (np.arange(len(codes)) != first[np.maximum(codes, 0)])
    row = int(np.flatnonzero(dup)[0])
    raise duplicate_id_error(file, column, row + 1, int(first[codes[row]]) + 1)


def read_unique(
    path: str | Path,
    decimal: str = "auto",
    drop=(),
    id_column: str | None = "record_id",
    id_required: bool = False,
    columns=None,
) -> pd.DataFrame:
    """The records of a command: :func:`read_guarded` (identifiers refused in every column, ``drop``
    dropped at the door; ``columns``: only these returned), then :func:`check_unique_ids` (every id once
    in ``id_column``; its absence refuses the file only when ``id_required``)."""
    frame = read_guarded(path, decimal, drop, columns)
    check_unique_ids(frame, id_column, str(path), id_required)
    return frame


def _strictly_increasing(values: pd.Series) -> bool:
    """True when every value is present and greater than the one before (so none occurs twice): one
    vectorised pass, against a hash of every value otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(values) < 2 or values.isna().any():
        return False
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = values.to_numpy()
        return bool(np.all(num[1:] > num[:-1]))
    if not hasattr(values.array, "__arrow_array__"):
        return False
    arr = pa.array(values.array)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    return bool(pc.all(pc.less(arr[:-1], arr[1:])).as_py())


def read_parquet_without(path: str | Path, without=()) -> pd.DataFrame:
    """A Parquet file (the pipeline's own interim files) without the columns named in ``without``:
    a national file's record ids and unused columns stay on disk."""
    import pyarrow.parquet as pq

    skip = set(without)
    return pd.read_parquet(path, columns=[c for c in pq.read_schema(path).names if c not in skip])


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def to_jsonable(obj):
    """Convert NumPy scalars/arrays and NaN to plain JSON values (NaN and inf become ``None``)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NA:
        return None
    return obj


def dumps(obj) -> str:
    """Deterministic JSON: sorted keys, full precision, no NaN (byte-identical reruns)."""
    return json.dumps(to_jsonable(obj), sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_json(path: str | Path, obj) -> None:
    """Write ``dumps(obj)``; through a temporary file, so a full or failing disk leaves no half file."""
    write_text(path, dumps(obj))


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` through a temporary file, so a full or failing disk leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def read_json(path: str | Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
