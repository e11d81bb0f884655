"""Scale: records files larger than memory, several machines, and data that may not leave its organisation.

- reading is the library's one reader, ``io.iter_batches`` (a small file is one batch, a large one many).
- ``guard``: the identifier guard over every batch, reporting what the whole-file guard reports.
- ``ingest``: validation batch by batch with the same code as ``ingest.schema`` plus a DuckDB pass for
  duplicate ``record_id`` across batches; flow and quarantine equal the in-memory path's.
- ``counts``: the table of counts per (instrument, score, reference, subgroups) with the engine named in
  ``params.yaml`` (``scale.engine``: pandas, duckdb or dask); every engine gives the same table.
- ``aggregate``: that table as a file an organisation can share, with small-cell control.
- ``federated``: accuracy per organisation and pooled from such files, and heterogeneity between them.

See ``docs/scale.md``.
"""

from __future__ import annotations

ENGINES = ("pandas", "duckdb", "dask")
