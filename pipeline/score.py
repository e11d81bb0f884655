"""DVC stage `score`: scores every configured instrument specification on the analysed records.

Scoring is record by record, so the records are read and scored in batches of ``scale.batch_rows``
(memory stays bounded for a national file); the scores file does not depend on the batch size.
"""

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from signalering import io, params, progress
from signalering.errors import InputError
from signalering.instruments import banded_column, banded_cutoff_columns, load_specs, score_records

PARAMS = ("data", "score", "scale")
INTERIM = Path("data/interim")
RECORDS = INTERIM / "records.parquet"


def main() -> None:
    p = params.load(PARAMS)
    data, scale = p["data"], p["scale"]
    specs = load_specs(p["score"]["instruments"])
    id_column = data.get("id_column", "record_id")
    keep = [id_column, data["reference"], *(data.get("subgroups") or [])]
    source = pq.ParquetFile(RECORDS)
    # per banded cut-off, each record's own cut-off ("<id>#<name>", NaN = no valid band)
    banded = [banded_column(s.id, b.name) for s in specs for b in s.banded_cutoffs]
    schema = pa.schema(
        [source.schema_arrow.field(c) for c in keep]
        + [pa.field(s.id, pa.float64()) for s in specs]
        + [pa.field(c, pa.float64()) for c in banded]
    )
    batch_rows = int(scale.get("batch_rows", 500_000))
    scored, missing, no_band = Counter(), Counter(), Counter()
    offset = 0
    with pq.ParquetWriter(INTERIM / "scores.parquet", schema) as writer:
        for batch in source.iter_batches(batch_size=batch_rows):
            records = pa.Table.from_batches([batch]).to_pandas()
            try:
                result = score_records(specs, records, file=str(RECORDS), id_column=id_column)
                cuts, excluded = banded_cutoff_columns(specs, records, result.scores, file=str(RECORDS))
            except InputError as exc:  # rows of the records file, not of the batch
                raise replace(exc, row=exc.row + offset) if exc.row else exc from None
            scores = records[keep].merge(result.scores, on=id_column, how="left", validate="one_to_one")
            scores = pd.concat([scores, cuts.set_axis(scores.index)], axis=1)
            writer.write_table(pa.Table.from_pandas(scores, schema=schema, preserve_index=False))
            scored.update({s.id: int(scores[s.id].notna().sum()) for s in specs})
            missing.update(zip(result.missing["instrument"], result.missing["reason"]))
            no_band.update(zip(excluded["instrument"], excluded["cutoff"], excluded["reason"]))
            offset += batch.num_rows
    io.write_json(
        INTERIM / "score_flow.json",
        {
            "schema_version": 1,
            "instruments": {
                s.id: {
                    "scored": scored[s.id],
                    "missing_score": {r: n for (i, r), n in sorted(missing.items()) if i == s.id},
                    # scored records left out of a banded cut-off's accuracy, by reason
                    **(
                        {
                            "no_band": {
                                b.name: {r: n for (i, c, r), n in sorted(no_band.items()) if i == s.id and c == b.name}
                                for b in s.banded_cutoffs
                            }
                        }
                        if s.banded_cutoffs
                        else {}
                    ),
                }
                for s in specs
            },
        },
    )
    io.write_json(
        INTERIM / "instruments.json",
        {
            "schema_version": 1,
            "instruments": [
                {
                    "id": s.id,
                    "name": s.name,
                    "version": s.version,
                    "kind": s.kind,
                    "probability": s.is_probability,
                    "direction": s.direction,
                    "cutoffs": [{"name": c.name, "value": c.value, "prespecified": c.prespecified} for c in s.cutoffs],
                    "banded_cutoffs": [
                        {
                            "name": b.name,
                            "column": b.column,
                            "prespecified": b.prespecified,
                            "note": b.note,
                            "bands": [{"band": band.label, "cutoff": band.value} for band in b.bands],
                            "references": list(b.references),
                        }
                        for b in s.banded_cutoffs
                    ],
                    "references": list(s.references),
                    "source_file": Path(s.source_file).name,
                }
                for s in specs
            ],
        },
    )
    progress.summary(
        "score", f"wrote {INTERIM / 'scores.parquet'} ({len(specs)} instruments), score_flow.json and instruments.json"
    )


if __name__ == "__main__":
    params.run_stage(main)
