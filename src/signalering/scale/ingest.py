"""Validation of a records file larger than memory, batch by batch, with the in-memory path's results.

Three passes over the file, none holding more than one batch of records:

1. the identifier guard over every batch (``guard``), and every ``record_id`` into a DuckDB table
   (DuckDB spills to disk beyond its memory limit); a ``GROUP BY ... HAVING count(*) > 1`` then gives
   the ids that occur more than once anywhere in the file. Nothing is written before this pass ends;
2. ``ingest.schema.validate_records`` on each batch - the same code as the in-memory path - told
   which ids repeat anywhere in the file (``repeated``), so a copy in another batch excludes the row
   with the same reason and quarantine line as on the whole file;
3. the flow is the sum of the batches' flows.

Quarantine rows are the file's 1-based data rows, as on the whole file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from .. import progress
from ..ingest.flow import Flow
from ..ingest.identifiers import check_identifiers
from ..ingest.schema import RecordSchema, validate_records
from ..io import DEFAULT_BATCH_ROWS, Batch, iter_batches
from .guard import IdentifierScan


@dataclass(frozen=True, slots=True)
class ValidatedBatch:
    """One batch's analysed records and quarantine lines (``row`` = 1-based row in the file)."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    offset: int


def duplicate_ids(path: str | Path, schema: RecordSchema, batch_rows: int = DEFAULT_BATCH_ROWS) -> set[str]:
    """Guard the whole file and return the ids that occur more than once (pass 1 above)."""
    import duckdb
    import pyarrow as pa

    file = str(path)
    scan = IdentifierScan(file, frozenset(schema.drop), frozenset(schema.coded))
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE ids (id VARCHAR)")
        for batch in iter_batches(path, batch_rows, decimal=schema.decimal):
            scan.add(batch)
            if schema.id_column not in batch.frame.columns:
                continue
            from .counts import arrow_text

            ids = pa.table({"id": arrow_text(batch.frame[schema.id_column].dropna())})
            con.register("batch_ids", ids)
            con.execute("INSERT INTO ids SELECT id FROM batch_ids")
            con.unregister("batch_ids")
        scan.raise_first()
        dups = con.execute("SELECT id FROM ids GROUP BY id HAVING count(*) > 1").fetchall()
    finally:
        con.close()
    return {d[0] for d in dups}


def _validate_batch(batch: Batch, schema: RecordSchema, file: str, dups: set[str]) -> tuple[ValidatedBatch, Flow]:
    """``validate_records`` on one batch, told which ids repeat elsewhere in the file; quarantine rows
    become rows of the file."""
    v = validate_records(batch.frame, schema, file, repeated=dups)
    q = v.quarantine.copy()
    q["row"] = q["row"] + batch.offset
    return ValidatedBatch(v.records, q.reset_index(drop=True), batch.offset), v.flow


def validate_stream(
    path: str | Path,
    schema: RecordSchema,
    batch_rows: int | None = DEFAULT_BATCH_ROWS,
    on_flow: Callable[[Flow], None] | None = None,
) -> Iterator[ValidatedBatch]:
    """Validate a records file batch by batch (passes 1 and 2 of the module docstring).

    Yields one ``ValidatedBatch`` per batch; ``on_flow`` receives the whole file's ``Flow`` after the
    last one. The identifier guard and the duplicate scan finish before the first batch is yielded.
    ``batch_rows=None``: the whole file as one batch, read once (``scale.engine: pandas``).
    """
    file = str(path)
    if batch_rows is None:
        batch = next(iter_batches(path, None, decimal=schema.decimal))
        check_identifiers(batch.frame, file, drop=schema.drop, coded=schema.coded, distinct=batch.distinct)
        vb, flow = _validate_batch(batch, schema, file, set())
        yield vb
        if on_flow is not None:
            on_flow(flow)
        return
    dups = duplicate_ids(path, schema, batch_rows)
    flows: list[Flow] = []
    for batch in progress.bar(
        iter_batches(path, batch_rows, decimal=schema.decimal), desc="batches", unit="batch"
    ):  # a bar on a terminal only
        vb, flow = _validate_batch(batch, schema, file, dups)
        flows.append(flow)
        yield vb
    if on_flow is not None:
        on_flow(sum_flows(flows))


def sum_flows(flows: list[Flow]) -> Flow:
    """The flow of a file from the flows of its batches."""
    excluded: Counter = Counter()
    for f in flows:
        excluded.update(f.excluded)
    return Flow(
        received=sum(f.received for f in flows),
        analysed=sum(f.analysed for f in flows),
        excluded=dict(excluded),
        unverified=sum(f.unverified for f in flows),
        window_days=flows[0].window_days if flows else None,
        short_followup=sum(f.short_followup for f in flows),
        event_after_window=sum(f.event_after_window for f in flows),
    )


def ingest_stream(
    path: str | Path,
    schema: RecordSchema,
    records_out: str | Path,
    quarantine_out: str | Path,
    batch_rows: int | None = DEFAULT_BATCH_ROWS,
) -> Flow:
    """Validate a records file larger than memory; write analysed records and quarantine batch by batch.

    Parameters
    ----------
    path : records file (CSV, Parquet, .xlsx)
    schema : RecordSchema (from ``params.yaml`` ``data``)
    records_out : Parquet file for the analysed records (parents are created)
    quarantine_out : Parquet file, or CSV when it ends in ``.csv`` (as the in-memory stage writes it)
    batch_rows : records per batch (``None``: the whole file in memory, read once)

    Returns
    -------
    Flow
        Equal to ``validate_records(io.read_records(path), schema, path).flow``.

    Raises
    ------
    InputError
        As the in-memory path; an identifier refuses the file before anything is written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    result: list[Flow] = []
    writers: dict[str, pq.ParquetWriter] = {}
    schemas: dict[str, pa.Schema] = {}
    quarantine_csv = Path(quarantine_out).suffix.lower() == ".csv"
    first = True
    try:
        for vb in validate_stream(path, schema, batch_rows, on_flow=result.append):
            outs = [("records", vb.records, records_out)]
            if quarantine_csv:
                if first:
                    Path(quarantine_out).parent.mkdir(parents=True, exist_ok=True)
                vb.quarantine.to_csv(
                    quarantine_out, mode="w" if first else "a", header=first, index=False, lineterminator="\n"
                )
            else:
                outs.append(("quarantine", vb.quarantine, quarantine_out))
            first = False
            for key, frame, out in outs:
                table = _arrow(frame, schemas.get(key))
                if key not in writers:
                    Path(out).parent.mkdir(parents=True, exist_ok=True)
                    schemas[key] = table.schema
                    writers[key] = pq.ParquetWriter(out, table.schema)
                writers[key].write_table(table)
    finally:
        for w in writers.values():
            w.close()
    return result[0]


def _arrow(frame: pd.DataFrame, schema):
    import pyarrow as pa

    if schema is None and list(frame.columns) == ["row", "record_id", "column", "reason"]:
        schema = pa.schema(
            [("row", pa.int64()), ("record_id", pa.string()), ("column", pa.string()), ("reason", pa.string())]
        )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if schema is not None and table.schema != schema:
        table = table.cast(schema)
    return table
