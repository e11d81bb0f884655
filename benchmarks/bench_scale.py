"""Benchmark: records per second and peak memory of the scale paths on simulated records.

For each size (records) the simulator writes a CSV and a Parquet file in chunks (never the whole file
in memory), cached between runs; then each task runs in a fresh Python process that reports its own
peak resident memory (``ru_maxrss``):

- ``count/<engine>`` (duckdb, dask: a ``distributed.LocalCluster`` of 2 in-process workers): the count table of two scores by reference x two subgroups (``signalering
  aggregate``'s work: identifier guard over every column + typing + GROUP BY);
- ``ingest/duckdb``: the streaming ingest (guard, duplicate scan, pandera validation per batch,
  Parquet + quarantine written);
- ``count/pandas`` and ``ingest/pandas`` (in memory) only up to ``PANDAS_MAX`` records.

Sizes: ``SIGNALERING_BENCH_SIZES`` (comma-separated, e.g. ``200000,1000000``); otherwise 10 and 100
million with ``SIGNALERING_BENCH_FULL=1``, else 1 and 10 million. ``SIGNALERING_BENCH_TASKS`` keeps only
some tasks (``count/duckdb,ingest/duckdb:parquet``: the second only on Parquet). Files go to
``SIGNALERING_BENCH_DIR`` (default: the system temporary folder); a 100-million-record CSV takes about
20 GB. Run alone: ``python benchmarks/bench_scale.py``; ``benchmarks/run.py`` calls ``main()``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 250_000
PANDAS_MAX = 1_000_000
SPEC_ARGS = dict(scores=("rc_sum", "sdq_total"), reference="reference", subgroups=("site", "age_band"))


def sizes() -> list[int]:
    env = os.environ.get("SIGNALERING_BENCH_SIZES")
    if env:
        return [int(float(s)) for s in env.split(",") if s.strip()]
    if os.environ.get("SIGNALERING_BENCH_FULL") == "1":
        return [10_000_000, 100_000_000]
    return [1_000_000, 10_000_000]


def data_dir() -> Path:
    d = Path(os.environ.get("SIGNALERING_BENCH_DIR", Path(tempfile.gettempdir()) / "signalering-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def generate(n: int, folder: Path) -> dict[str, Path]:
    """Write ``n`` simulated records as CSV and Parquet in chunks (unique ids across chunks)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from signalering.simulate import SimulationParams, simulate_records

    csv, parquet, done = folder / f"records_{n}.csv", folder / f"records_{n}.parquet", folder / f"records_{n}.done"
    if done.exists():
        return {"csv": csv, "parquet": parquet}
    writer = None
    try:
        for k, start in enumerate(range(0, n, CHUNK)):
            m = min(CHUNK, n - start)
            df = simulate_records(SimulationParams(n_records=m, invalid_fraction=0), np.random.default_rng(k))
            df["record_id"] = [f"R{start + i:010x}" for i in range(m)]  # unique over the whole file
            df["rc_sum"] = df[[f"rc_{i:02d}" for i in range(1, 12)]].sum(axis=1)
            df["sdq_total"] = df[[f"sdq_{i:02d}" for i in range(1, 26)]].astype(float).sum(axis=1, min_count=20)
            df = df.astype({c: "string" for c in df.columns if df[c].dtype == object})
            df.to_csv(csv, mode="w" if k == 0 else "a", header=k == 0, index=False)
            table = pa.Table.from_pandas(df.astype("string"), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(parquet, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    done.touch()
    return {"csv": csv, "parquet": parquet}


def _task(task: str, path: str, out: str) -> None:
    """Run one task in this process (called in a child process)."""
    import yaml

    from signalering.ingest.schema import RecordSchema
    from signalering.scale.counts import CountSpec, count_rows
    from signalering.scale.ingest import ingest_stream

    kind, engine = task.split("/")
    if kind == "count":
        spec = CountSpec(SPEC_ARGS["scores"], SPEC_ARGS["reference"], SPEC_ARGS["subgroups"])
        if engine == "dask":
            import distributed

            with (
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
                ) as cluster,
                distributed.Client(cluster),
            ):
                count_rows(path, spec, "dask")
        else:
            count_rows(path, spec, engine)
    else:
        data = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())["data"]
        data["columns"]["sdq_total"] = {"min": 0, "max": 50, "required": False}
        data["columns"]["rc_sum"] = {"min": 0, "max": 11, "integer": True, "required": False}
        schema = RecordSchema.from_params(data)
        if engine == "pandas":
            from signalering import io
            from signalering.ingest.identifiers import check_identifiers
            from signalering.ingest.schema import validate_records

            batch = next(io.iter_batches(path, None))  # as scale.ingest reads a file whole
            check_identifiers(batch.frame, path, distinct=batch.distinct)
            v = validate_records(batch.frame, schema, path)
            v.records.to_parquet(Path(out) / "records.parquet", index=False)
        else:
            ingest_stream(path, schema, Path(out) / "records.parquet", Path(out) / "quarantine.csv")


def run_task(task: str, path: Path, n: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, __file__, "--task", task, str(path), out], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    if res.returncode != 0:
        return {"task": task, "file": path.suffix[1:], "records": n, "error": res.stderr.strip().splitlines()[-1:]}
    peak_mb = json.loads(res.stdout.strip().splitlines()[-1])["peak_mb"]
    return {
        "task": task,
        "file": path.suffix[1:],
        "records": n,
        "seconds": round(seconds, 1),
        "records_per_second": round(n / seconds),
        "peak_memory_mb": round(peak_mb),
        "file_mb": round(path.stat().st_size / 2**20),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the benchmark, print a table, return its rows."""
    rows = []
    folder = data_dir()
    for n in sizes():
        files = generate(n, folder)
        for kind, path in files.items():
            tasks = ["count/duckdb", "count/dask", "ingest/duckdb"]
            if n <= PANDAS_MAX:
                tasks = ["count/pandas", "ingest/pandas", *tasks]
            wanted = os.environ.get("SIGNALERING_BENCH_TASKS")  # e.g. "count/duckdb,ingest/duckdb:parquet"
            if wanted:
                keep = {w.strip() for w in wanted.split(",")}
                tasks = [t for t in tasks if t in keep or f"{t}:{kind}" in keep]
            for task in tasks:
                row = run_task(task, path, n)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    print(format_table(rows))
    return rows


def format_table(rows: list[dict]) -> str:
    head = "| records | file | task | seconds | records/s | peak memory (MB) | file (MB) |"
    lines = [head, "|---:|---|---|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['records']:,} | {r['file']} | {r['task']} | failed: {r['error']} | | | |")
        else:
            lines.append(
                f"| {r['records']:,} | {r['file']} | {r['task']} | {r['seconds']} | "
                f"{r['records_per_second']:,} | {r['peak_memory_mb']:,} | {r['file_mb']:,} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--task":
        _task(sys.argv[2], sys.argv[3], sys.argv[4])
        print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    else:
        main()
