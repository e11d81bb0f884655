"""Benchmark: the whole ``signalering evaluate`` process on a Parquet file vs the floor a user would
write by hand, in the same run and on the same file:

    python -c "df = pandas.read_parquet(FILE); sklearn.metrics.roc_auc_score(df.reference, df.score)"

Both are whole processes (interpreter start, imports, reading, checks, statistics), timed best of
``REPEAT``. Cases (issue 11 targets):

- integer score, ``SIGNALERING_BENCH_CLI_N`` records (default 10 million), ``evaluate --bootstrap 2000``:
  target ratio <= 1.0;
- continuous score, a tenth of that (default 1 million), ``evaluate`` (AUC + DeLong): target <= 2.0;
- a wide export as CSV (a tenth of the records, 60 item columns, id, reference, score): ``evaluate``
  against ``pandas.read_csv`` of the same file alone (the guard must see every column, so one full
  read is the floor): target <= 2.0.

Run only some cases by naming them: ``python benchmarks/bench_cli.py wide`` (``integer``, ``continuous``,
``wide``).

``evaluate`` reads every column (the identifier guard must see them all), checks that every
``record_id`` occurs once, parses the score and reference and computes the document; the baseline
does none of that. Files go to the system temporary folder and are kept between runs. Run alone:
``python benchmarks/bench_cli.py``; ``benchmarks/run.py`` calls ``main()``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPEAT = 2
SEED = 20261125
BASELINE = (
    "import sys, pandas as pd; from sklearn.metrics import roc_auc_score; "
    "df = pd.read_parquet(sys.argv[1]); print(roc_auc_score(df['reference'], df['score']))"
)


def records(n: int, kind: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"signalering-bench-cli-{kind}-{n}.parquet"
    if not path.exists():
        rng = np.random.default_rng(SEED)
        y = (rng.random(n) < 0.05).astype(np.int64)
        if kind == "integer":
            score = np.clip(np.round(rng.normal(15.0 + 4.0 * y, 5.0)), 0, 40).astype(np.int64)
        else:
            score = rng.normal(1.0 * y, 1.0)
        pd.DataFrame({"record_id": [f"K{i:09d}" for i in range(n)], "reference": y, "score": score}).to_parquet(
            path, index=False
        )
    return path


WIDE_BASELINE = "import sys, pandas as pd; pd.read_csv(sys.argv[1])"


def wide_csv(n: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"signalering-bench-cli-wide-{n}.csv"
    if not path.exists():
        rng = np.random.default_rng(SEED)
        y = (rng.random(n) < 0.05).astype(np.int64)
        items = {f"item_{j:02d}": rng.integers(0, 3, n) for j in range(60)}
        frame = pd.DataFrame({"record_id": [f"K{i:09d}" for i in range(n)], "reference": y, **items})
        frame["score"] = np.sum(list(items.values()), axis=0)
        frame.to_csv(path, index=False)
    return path


def best(cmd: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main(only: tuple[str, ...] = ()) -> None:
    n = int(float(os.environ.get("SIGNALERING_BENCH_CLI_N", 10_000_000)))
    exe = Path(sys.executable).parent / "signalering"
    out = Path(tempfile.mkdtemp(prefix="signalering-bench-cli-"))
    tenth = max(n // 10, 1000)
    print("| case | records | evaluate (s) | baseline (s) | ratio | target |")
    print("|---|---|---|---|---|---|")
    cases = {  # key: name, records, file, extra evaluate options, baseline, target
        "integer": (
            "integer score + 2,000 bootstrap",
            n,
            lambda: records(n, "integer"),
            ["--bootstrap", "2000"],
            BASELINE,
            1.0,
        ),
        "continuous": (
            "continuous score, AUC + DeLong",
            tenth,
            lambda: records(tenth, "continuous"),
            [],
            BASELINE,
            2.0,
        ),
        "wide": (
            "wide CSV export (63 columns) vs `pandas.read_csv` alone",
            tenth,
            lambda: wide_csv(tenth),
            [],
            WIDE_BASELINE,
            2.0,
        ),
    }
    for i, (key, (name, size, make, extra, baseline, target)) in enumerate(cases.items()):
        if only and key not in only:
            continue
        path = make()
        base = best([sys.executable, "-c", baseline, str(path)])
        evaluate = [str(exe), "evaluate", "--records", str(path), "--score", "score", "--reference", "reference"]
        ours = best([*evaluate, "--out", str(out / str(i)), *extra])
        print(f"| {name} | {size:,} | {ours:.1f} | {base:.1f} | {ours / base:.2f} | <= {target} |", flush=True)


if __name__ == "__main__":
    main(tuple(sys.argv[1:]))
