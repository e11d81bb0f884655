"""DVC stage `ingest`: identifier guard, row validation, quarantine and the flow counts.

One path for every engine (``scale.engine``): ``pandas`` reads the file as one batch, ``duckdb`` and
``dask`` stream it in batches of ``scale.batch_rows`` with the same results (docs/scale.md). Nothing is
written before the identifier guard has passed over the whole file. A file of which no record passes
the checks stops the pipeline (exit 3) after the flow and the quarantine are written.
"""

from pathlib import Path

from signalering import io, params, progress
from signalering.errors import InputError
from signalering.ingest.schema import RecordSchema
from signalering.scale.ingest import ingest_stream

PARAMS = ("data", "scale")
INTERIM = Path("data/interim")
SECURE = Path("data/secure")


def main() -> None:
    loaded = params.load(PARAMS)
    data, scale = loaded["data"], loaded["scale"]
    path = str(data["records"])
    batch_rows = None if scale.get("engine", "pandas") == "pandas" else int(scale.get("batch_rows", 500_000))
    flow = ingest_stream(
        path, RecordSchema.from_params(data), INTERIM / "records.parquet", SECURE / "quarantine.csv", batch_rows
    ).to_dict()
    flow["file_sha256"] = io.file_sha256(path)
    io.write_json(INTERIM / "flow.json", flow)
    if flow["received"] and not flow["analysed"]:  # nothing usable: stop here, not with a report of nothing
        reason = max(flow["excluded"].items(), key=lambda kv: (kv[1], kv[0]))[0]
        hint = "; numbers written with decimal commas need data.decimal ','" if reason.endswith("not a number") else ""
        raise InputError(
            path,
            f"no record passed the checks: all {flow['received']} are listed in {SECURE / 'quarantine.csv'} "
            f"(most often '{reason}'){hint}",
        )
    progress.summary(
        "ingest",
        f"wrote {INTERIM / 'records.parquet'} ({flow['analysed']} of {flow['received']} "
        f"records analysed), {INTERIM / 'flow.json'} and {SECURE / 'quarantine.csv'}",
    )


if __name__ == "__main__":
    params.run_stage(main)
