"""Benchmark: the identifier guard's cost next to reading the same data.

A demo-like wide frame (1 million records by default: a unique text id, a reference, 60 item columns
of codes, a continuous risk and four subgroup columns) is checked by
``ingest.identifiers.check_identifiers``. The baseline is ``pandas.read_csv`` of the same data as a
CSV with every column as text, measured in the same run, so the ratio is comparable across machines.
Size: ``SIGNALERING_BENCH_GUARD_ROWS``. Run alone: ``python benchmarks/bench_guard.py``.
"""

from __future__ import annotations

import io
import os
import time

import numpy as np
import pandas as pd

from signalering.ingest.identifiers import check_identifiers


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {"record_id": [f"R{i:08d}" for i in range(n)], "reference": rng.integers(0, 2, n).astype(str)}
    for j in range(60):
        cols[f"item_{j:02d}"] = rng.integers(0, 3, n).astype(str)
    cols["risk"] = np.round(rng.random(n), 6).astype(str)
    cols["site"] = rng.choice([f"site{k:02d}" for k in range(20)], n)
    cols["age_band"] = rng.choice(["0-1", "2-3", "4-11", "12-17"], n)
    cols["child_sex"] = rng.choice(["m", "f"], n)
    cols["gemeente_naam"] = rng.choice(["Den Haag", "Bergen op Zoom", "Utrecht", "Capelle aan den IJssel"], n)
    return pd.DataFrame(cols)


def main() -> None:
    n = int(float(os.environ.get("SIGNALERING_BENCH_GUARD_ROWS", 1_000_000)))
    text = frame(n).to_csv(index=False)
    t0 = time.perf_counter()
    df = pd.read_csv(io.StringIO(text), dtype="string", keep_default_na=False, na_values=[""])
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    check_identifiers(df, "bench.csv")
    guard = time.perf_counter() - t0
    print("| records | columns | read_csv (s) | guard (s) | guard / read_csv |")
    print("|---|---|---|---|---|")
    print(f"| {n:,} | {df.shape[1]} | {read:.2f} | {guard:.2f} | {guard / read:.2f} |")


if __name__ == "__main__":
    main()
