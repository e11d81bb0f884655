"""Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()``, in file-name order.

Called by ``make bench``. Add a benchmark by adding a ``bench_<topic>.py`` with a ``main()`` that
prints its own tables; ratios are measured within the same run, so figures from different machines
stay comparable. ``python benchmarks/run.py accuracy`` runs only the modules whose name contains
``accuracy``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(filters: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    return [p for p in found if not filters or any(f in p.stem for f in filters)]


def main(argv: list[str] | None = None) -> int:
    filters = list(sys.argv[1:] if argv is None else argv)
    for path in modules(filters):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {path.name} ===", flush=True)
        start = time.perf_counter()
        module.main()
        print(f"({path.name}: {time.perf_counter() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
