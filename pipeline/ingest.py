"""DVC stage `ingest`: identifier guard, row validation, quarantine and the flow counts.

Nothing is written before the identifier guard has passed over the whole file.
"""
from pathlib import Path

from signalering import io, params, progress
from signalering.ingest.identifiers import check_identifiers
from signalering.ingest.schema import RecordSchema, validate_records

PARAMS = ("data", "scale")
INTERIM = Path("data/interim")
SECURE = Path("data/secure")


def main() -> None:
    loaded = params.load(PARAMS)
    data = loaded["data"]
    path = str(data["records"])
    engine = loaded["scale"].get("engine", "pandas")
    if engine != "pandas":  # duckdb or dask: stream the file in batches, same results (docs/scale.md)
        from signalering.scale import ENGINES
        from signalering.errors import check_in
        from signalering.scale.ingest import ingest_stream
        check_in("scale.engine", engine, ENGINES, "params.yaml")
        flow = ingest_stream(path, RecordSchema.from_params(data), INTERIM / "records.parquet",
                             SECURE / "quarantine.csv", int(loaded["scale"].get("batch_rows", 500_000)))
        doc = flow.to_dict()
        doc["file_sha256"] = io.file_sha256(path)
        io.write_json(INTERIM / "flow.json", doc)
        summarise(doc)
        return
    schema = RecordSchema.from_params(data)
    frame = io.read_records(path, schema.decimal)
    check_identifiers(frame, path, drop=schema.drop, coded=schema.coded)
    result = validate_records(frame, schema, path)
    INTERIM.mkdir(parents=True, exist_ok=True)
    SECURE.mkdir(parents=True, exist_ok=True)
    result.records.to_parquet(INTERIM / "records.parquet", index=False)
    result.quarantine.to_csv(SECURE / "quarantine.csv", index=False, lineterminator="\n")
    flow = result.flow.to_dict()
    flow["file_sha256"] = io.file_sha256(path)
    io.write_json(INTERIM / "flow.json", flow)
    summarise(flow)


def summarise(flow: dict) -> None:
    progress.summary("ingest", f"wrote {INTERIM / 'records.parquet'} ({flow['analysed']} of {flow['received']} "
                               f"records analysed), {INTERIM / 'flow.json'} and {SECURE / 'quarantine.csv'}")


if __name__ == "__main__":
    params.run_stage(main)
