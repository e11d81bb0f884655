"""The table of counts per (instrument, score, reference, subgroups), with one of three engines.

Every accuracy statistic of a discrete score is a function of this table (``counts.CountTable``), so
a records file of any size reduces to it and the statistics never need the records again.

``engine`` (``params.yaml`` ``scale.engine``):

- ``pandas``: the whole file in memory (``io.read_guarded``), for files that fit;
- ``duckdb``: the file in batches (``io.iter_batches``), each guarded and typed by the same code as the pandas
  path; DuckDB aggregates the typed batches with one ``GROUP BY GROUPING SETS`` over an Arrow stream,
  so memory holds one batch plus the (small) table;
- ``dask``: the file as a Dask dataframe; each partition is guarded, typed and counted where it lies
  (on a ``distributed`` cluster if one is active), and the partitions' results are combined.

All three give the same table and refuse the same file with the same message: the guard's verdict
(see ``guard``), then the first record id held twice (``CountSpec.id_column``: the id column is read
in full only for this check), then the first non-number in a score column (scores in the order given),
then the first reference value that is neither label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError, check_in
from ..io import DEFAULT_BATCH_ROWS, PANDAS_CSV, Batch, csv_format, iter_batches
from . import ENGINES
from .guard import IdentifierScan

if TYPE_CHECKING:
    from ..stats.counts import CountTable

REFERENCE_CODES = ("1", "0", "unverified")


@dataclass(frozen=True, slots=True)
class CountSpec:
    """What to count: score columns (each one instrument), the reference column and its labels, and
    subgroup columns."""

    scores: tuple[str, ...]
    reference: str
    subgroups: tuple[str, ...] = ()
    positive: str = "1"
    negative: str = "0"
    id_column: str | None = None  # record ids: a file holding one twice is refused (none: not checked)
    id_required: bool = False  # refuse a file without ``id_column`` (else it is checked when present)
    decimal: str = "auto"  # decimal mark of text files (``io.read_records``)
    drop: tuple[str, ...] = ()  # columns dropped at the door: not guarded, never read further

    def __post_init__(self) -> None:
        if not self.scores:
            raise UsageError("At least one score column is needed.")
        names = [*self.scores, self.reference, *self.subgroups]
        if len(set(names)) != len(names):
            raise UsageError("Score, reference and subgroup columns must all be different columns.")
        reserved = {"instrument", "score", "reference", "n"} & set(self.subgroups)
        if reserved:
            raise UsageError(f"A subgroup column may not be named {sorted(reserved)[0]!r} (a column of the table).")

    @property
    def columns(self) -> list[str]:
        return [*self.scores, self.reference, *self.subgroups]

    @property
    def keys(self) -> list[str]:
        """Columns of the count table before ``n``."""
        return ["instrument", "score", "reference", *self.subgroups]


# ------------------------------------------------------------------ typing one chunk
@dataclass(slots=True)
class _FirstErrors:
    """The first refusal per column over chunks (chunks arrive in file order)."""

    order: list[str]
    errors: dict[str, InputError] = field(default_factory=dict)

    def add(self, column: str, exc: InputError, offset: int) -> None:
        if column not in self.errors:
            row = None if exc.row is None else exc.row + offset
            self.errors[column] = InputError(exc.file, exc.reason, row=row, column=exc.column)

    def merge(self, other: "_FirstErrors", offset: int) -> None:
        for column, exc in other.errors.items():
            self.add(column, exc, offset)

    def raise_first(self) -> None:
        for column in self.order:
            if column in self.errors:
                raise self.errors[column]


def _on_distinct(convert, frame: pd.DataFrame, column: str) -> np.ndarray:
    """``convert(frame, column) -> float array`` evaluated on the column's distinct values only.

    Scores and labels take few distinct values, so this is much faster on large batches, and exact:
    the conversion is element by element, and a refusal's row is mapped back to the first record
    holding the refused value (which is the first refused record, as distinct values keep the order
    of their first appearance).
    """
    if column not in frame.columns:
        return convert(frame, column)  # raises "the column does not exist"
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    present, first = np.unique(codes, return_index=True)
    first_row = first[present >= 0]
    if pd.api.types.is_bool_dtype(frame[column].dtype):  # typed True/False: 1/0, as the commands read them
        distinct = pd.DataFrame({column: pd.Series(uniques, dtype=frame[column].dtype)})
    else:
        distinct = pd.DataFrame({column: pd.array(np.asarray(uniques, dtype=object), dtype="string")})
    try:
        values = convert(distinct, column)
    except InputError as exc:
        row = None if exc.row is None else int(first_row[exc.row - 1]) + 1
        raise InputError(exc.file, exc.reason, row=row, column=exc.column) from None
    return np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else np.nan, np.nan)


def _typed(frame: pd.DataFrame, spec: CountSpec, file: str, errors: _FirstErrors, offset: int) -> pd.DataFrame:
    """Scores as float, reference as ``1``/``0``/``unverified``, subgroups as text; refusals are
    recorded in ``errors`` (not raised) so that later chunks are still guarded.

    The conversions are every command's (``io.numeric_column``, ``io.reference_column``).
    """
    from ..io import check_decimal_dots, numeric_column, reference_column

    out = {}
    for col in spec.scores:
        try:
            try:
                out[col] = _on_distinct(lambda f, c: numeric_column(f, c, file), frame, col)
            except InputError as exc:  # an ambiguous 1.234 before the refused row is named first
                if exc.row is not None:
                    check_decimal_dots(frame.iloc[: exc.row - 1], col, file)
                raise
            check_decimal_dots(frame, col, file)
        except InputError as exc:
            errors.add(col, exc, offset)
            out[col] = np.full(len(frame), np.nan)
    try:
        ref = _on_distinct(
            lambda f, c: reference_column(f, c, spec.positive, spec.negative, file), frame, spec.reference
        )
    except InputError as exc:
        errors.add(spec.reference, exc, offset)
        ref = np.full(len(frame), np.nan)
    out["__ref"] = np.where(ref == 1, "1", np.where(ref == 0, "0", "unverified"))
    typed = pd.DataFrame(out, index=frame.index)
    for col in spec.subgroups:
        if col not in frame.columns:
            errors.add(col, InputError(file, "the column does not exist", column=col), 0)
            typed[col] = pd.array([pd.NA] * len(frame), dtype="string")
        else:
            typed[col] = frame[col].astype("string")
    return typed


def _count_typed(typed: pd.DataFrame, spec: CountSpec) -> pd.DataFrame:
    parts = []
    for col in spec.scores:
        long = pd.DataFrame(
            {"instrument": col, "score": typed[col].to_numpy(dtype=float), "reference": typed["__ref"].to_numpy()}
        )
        for g in spec.subgroups:
            long[g] = typed[g].to_numpy()
        parts.append(long.groupby(spec.keys, dropna=False, sort=False).size().rename("n").reset_index())
    return pd.concat(parts, ignore_index=True)


def finish(counts: pd.DataFrame, spec: CountSpec) -> pd.DataFrame:
    """Sum rows with the same keys; fix dtypes and row order (instrument in the order given, then
    score with missing last, reference ``1, 0, unverified``, subgroups with missing last)."""
    frame = counts.copy()
    frame["score"] = frame["score"].astype(float)
    frame["reference"] = frame["reference"].astype(str)
    for g in spec.subgroups:
        frame[g] = frame[g].astype("string")
    frame["n"] = frame["n"].astype(np.int64)
    frame = frame.groupby(spec.keys, dropna=False, sort=False)["n"].sum().reset_index()
    frame = frame[frame["n"] > 0]
    frame["_inst"] = frame["instrument"].map({s: i for i, s in enumerate(spec.scores)})
    frame["_ref"] = frame["reference"].map({r: i for i, r in enumerate(REFERENCE_CODES)})
    frame = frame.sort_values(["_inst", "score", "_ref", *spec.subgroups], na_position="last", kind="stable")
    frame = frame.drop(columns=["_inst", "_ref"]).reset_index(drop=True)
    frame["n"] = frame["n"].astype(np.int64)
    return frame[[*spec.keys, "n"]]


# ------------------------------------------------------------------ engines
def count_rows(
    path: str | Path,
    spec: CountSpec,
    engine: str = "pandas",
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    blocksize: str | int = "64MB",
) -> pd.DataFrame:
    """Records per (instrument, score, reference, subgroups) of a records file.

    Parameters
    ----------
    path : records file (CSV, Parquet; ``.xlsx`` with the pandas engine)
    spec : CountSpec
    engine : {"pandas", "duckdb", "dask"}
    batch_rows : records per batch (duckdb)
    blocksize : bytes per CSV partition (dask)

    Returns
    -------
    DataFrame with columns ``instrument, score, reference, <subgroups>, n``: one row per combination
    that occurs (``n > 0``); ``score`` NaN = records without a score; ``reference`` is ``1``, ``0``
    or ``unverified``. The same for every engine.

    Raises
    ------
    InputError
        The file is refused (identifiers, a non-number score, an unknown reference value, a missing
        column), with the same message from every engine; nothing is returned before the whole
        file has been guarded.
    """
    check_in("engine", engine, ENGINES, "count_rows")
    file = str(path)
    if engine == "pandas":
        from ..io import read_unique

        frame = read_unique(file, spec.decimal, spec.drop, spec.id_column, spec.id_required)
        errors = _FirstErrors(spec.columns)
        typed = _typed(frame, spec, file, errors, 0)
        errors.raise_first()
        return finish(_count_typed(typed, spec), spec)
    if engine == "duckdb":
        return _duckdb_counts(file, spec, batch_rows)
    return _dask_counts(file, spec, blocksize)


def _duckdb_counts(file: str, spec: CountSpec, batch_rows: int) -> pd.DataFrame:
    import duckdb
    import pyarrow as pa

    scan = IdentifierScan(file, frozenset(spec.drop))
    errors = _FirstErrors(spec.columns)
    ids = _IdScan(file, spec)
    names = [f"s{i}" for i in range(len(spec.scores))] + ["ref"] + [f"g{j}" for j in range(len(spec.subgroups))]
    schema = pa.schema(
        [(n, pa.float64()) for n in names[: len(spec.scores)]] + [(n, pa.string()) for n in names[len(spec.scores) :]]
    )

    refused: list[InputError] = []  # a refusal inside the stream reaches DuckDB as its own error type

    def typed_batches():
        try:
            for batch in iter_batches(file, batch_rows, decimal=spec.decimal):
                scan.add(batch)
                ids.add(batch.frame, batch.offset)
                typed = _typed(batch.frame, spec, file, errors, batch.offset)
                arrays = [pa.array(typed[c].to_numpy(dtype=float), type=pa.float64()) for c in spec.scores]
                arrays.append(pa.array(typed["__ref"].to_numpy(dtype=object), type=pa.string()))
                arrays += [arrow_text(typed[g]) for g in spec.subgroups]
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        except InputError as exc:
            refused.append(exc)
            raise

    stream = pa.RecordBatchReader.from_batches(schema, typed_batches())
    groups = ", ".join(names[len(spec.scores) + 1 :])
    sets = ", ".join(f"(s{i}, ref{', ' + groups if groups else ''})" for i in range(len(spec.scores)))
    flags = ", ".join(f"grouping(s{i}) AS k{i}" for i in range(len(spec.scores)))
    sql = f"SELECT {flags}, {', '.join(names)}, count(*) AS n FROM stream GROUP BY GROUPING SETS ({sets})"
    con = duckdb.connect()
    try:
        con.register("stream", stream)
        result = con.execute(sql).df()
    except duckdb.Error:
        if refused:  # the reader refused the file (encoding, header, ...): that message, not DuckDB's
            raise refused[0] from None
        raise
    finally:
        con.close()
    scan.raise_first()
    ids.raise_first()
    errors.raise_first()
    parts = []
    for i, col in enumerate(spec.scores):
        mine = result[result[f"k{i}"] == 0]
        part = pd.DataFrame(
            {"instrument": col, "score": mine[f"s{i}"].to_numpy(dtype=float), "reference": mine["ref"].to_numpy()}
        )
        for j, g in enumerate(spec.subgroups):
            part[g] = mine[f"g{j}"].to_numpy()
        part["n"] = mine["n"].to_numpy()
        parts.append(part)
    return finish(pd.concat(parts, ignore_index=True), spec)


@dataclass(slots=True)
class _IdScan:
    """Record ids over chunks in file order, kept as two 64-bit hashes per record (16 bytes; two
    different ids share both hashes with probability about 2^-128 per pair), to find the first record
    whose id occurred before, as ``io.check_unique_ids`` finds it on the whole file."""

    file: str
    spec: CountSpec
    hashes: list = field(default_factory=list)
    present: bool | None = None

    def add(self, frame: pd.DataFrame, offset: int) -> None:
        self.add_hashes(id_hashes(frame, self.spec.id_column), offset)

    def add_hashes(self, hashes, offset: int) -> None:
        if hashes is None:
            self.present = False if self.present is None else self.present
            return
        self.present = True
        rows, h1, h2 = hashes
        self.hashes.append((rows + offset, h1, h2))

    def raise_first(self) -> None:
        from ..io import duplicate_id_error

        column = self.spec.id_column
        if column is None:
            return
        if not self.present:
            if self.spec.id_required:
                raise InputError(self.file, "the id column does not exist", column=column)
            return
        if not self.hashes:
            return
        table = pd.DataFrame(
            {
                "row": np.concatenate([h[0] for h in self.hashes]),
                "h1": np.concatenate([h[1] for h in self.hashes]),
                "h2": np.concatenate([h[2] for h in self.hashes]),
            }
        ).sort_values("row", kind="stable")
        dup = table.duplicated(["h1", "h2"], keep="first").to_numpy(bool)
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            same = (table["h1"].to_numpy() == table["h1"].iat[i]) & (table["h2"].to_numpy() == table["h2"].iat[i])
            first = int(table["row"].to_numpy()[same].min())
            raise duplicate_id_error(self.file, column, int(table["row"].iat[i]) + 1, first + 1)


def id_hashes(frame: pd.DataFrame, column: str | None):
    """(0-based rows, hash 1, hash 2) of the non-missing ids of one chunk; ``None`` without the column."""
    if column is None or column not in frame.columns:
        return None
    ids = frame[column].astype("string")
    keep = ids.notna().to_numpy(bool)
    values = ids[keep].astype(object).to_numpy()
    h1 = pd.util.hash_array(values, hash_key="signalering-id-1")
    h2 = pd.util.hash_array(values, hash_key="signalering-id-2")
    return np.flatnonzero(keep).astype(np.int64), h1, h2


def arrow_text(values: pd.Series):
    """A text column as one Arrow ``string`` array (pandas may hold it in several chunks)."""
    import pyarrow as pa

    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


# ------------------------------------------------------------------ dask
@dataclass(slots=True)
class _PartitionResult:
    n: int
    scan: IdentifierScan
    errors: _FirstErrors
    counts: pd.DataFrame
    ids: tuple | None


def _scan_partition(
    frame: pd.DataFrame, spec: CountSpec, file: str, from_parquet: bool, commas: bool
) -> _PartitionResult:
    """Guard, type and count one partition (runs on a worker); rows are partition-local."""
    from ..io import decimal_dots, drop_empty_rows, normalise_text, parquet_text, set_decimal_dots

    frame = parquet_text(frame) if from_parquet else frame
    frame = frame.reset_index(drop=True)
    dots = decimal_dots(frame, commas)
    for col in frame.columns:
        frame[col] = normalise_text(frame[col], commas)
    set_decimal_dots(frame, dots)
    frame = drop_empty_rows(frame)  # no records, as in every reader
    scan = IdentifierScan(file, frozenset(spec.drop))
    scan.add(Batch(frame, 0))
    errors = _FirstErrors(spec.columns)
    typed = _typed(frame, spec, file, errors, 0)
    return _PartitionResult(len(frame), scan, errors, _count_typed(typed, spec), id_hashes(frame, spec.id_column))


def _dask_counts(file: str, spec: CountSpec, blocksize) -> pd.DataFrame:
    import dask
    import dask.dataframe as dd

    path = Path(file)
    # The whole-file checks (existence, type, header) are the batch reader's: read its first batch.
    first = next(iter_batches(path, 1, decimal=spec.decimal))
    columns = list(first.frame.columns)
    suffix = path.suffix.lower()
    commas = spec.decimal == ","
    if suffix in (".parquet", ".pq"):
        ddf = dd.read_parquet(file, split_row_groups=True)  # one partition per row group
        from_parquet = True
    elif suffix == ".xlsx":
        raise UsageError("The dask engine reads CSV and Parquet; use the pandas engine for .xlsx files.")
    else:
        encoding, sep = csv_format(path)
        commas = commas or (spec.decimal == "auto" and sep == ";")
        ddf = dd.read_csv(file, sep=sep, encoding=encoding, blocksize=blocksize, **PANDAS_CSV)
        from_parquet = False
    parts = [dask.delayed(_rename_scan)(p, columns, spec, file, from_parquet, commas) for p in ddf.to_delayed()]
    try:
        results = _compute(parts)
    except pd.errors.ParserError:
        raise InputError(file, "not a table: rows have a different number of fields than the header") from None
    scan = IdentifierScan(file, frozenset(spec.drop), columns=columns)
    errors = _FirstErrors(spec.columns)
    ids = _IdScan(file, spec)
    offset = 0
    for r in results:
        ids.add_hashes(r.ids, offset)
        for column, found in r.scan.found.items():
            scan.found.setdefault(column, []).extend(
                (finding, None if row is None else offset + row) for finding, row in found
            )
        errors.merge(r.errors, offset)
        offset += r.n
    scan.raise_first()
    ids.raise_first()
    errors.raise_first()
    return finish(pd.concat([r.counts for r in results], ignore_index=True), spec)


def _compute(parts: list) -> tuple:
    """Compute on the active ``distributed`` client; else on the scheduler named by the Dask setting
    ``scheduler-address`` (environment ``DASK_SCHEDULER_ADDRESS``); else on local threads."""
    import dask

    address = dask.config.get("scheduler-address", None)
    if address:
        from distributed import Client, get_client

        try:
            get_client()
        except ValueError:  # no client in this process: connect to the named scheduler
            with Client(address):
                return dask.compute(*parts)
    return dask.compute(*parts)


def _rename_scan(
    frame: pd.DataFrame, columns: list[str], spec: CountSpec, file: str, from_parquet: bool, commas: bool
) -> _PartitionResult:
    frame = frame.copy()
    frame.columns = columns
    return _scan_partition(frame, spec, file, from_parquet, commas)


# ------------------------------------------------------------------ to CountTable
def count_table(counts: pd.DataFrame, instrument: str, direction: str = "higher", **subgroup) -> CountTable:
    """The ``CountTable`` of one instrument from a count table (summed over subgroups, or restricted
    to ``subgroup=value`` keywords)."""
    from ..stats.counts import CountTable

    rows = counts[counts["instrument"] == instrument]
    for col, value in subgroup.items():
        rows = rows[rows[col] == value]
    if rows.empty:
        raise UsageError(f"The count table has no rows for instrument {instrument!r}.")
    missing = rows["score"].isna().to_numpy()
    n = rows["n"].to_numpy(dtype=np.int64)
    ref = rows["reference"].astype(str).to_numpy()
    scored = ~missing
    return CountTable.from_counts(
        rows["score"].to_numpy(dtype=float)[scored],
        np.where(ref == "1", n, 0)[scored],
        np.where(ref == "0", n, 0)[scored],
        np.where(ref == "unverified", n, 0)[scored],
        direction,
        int(n[missing].sum()),
    )
