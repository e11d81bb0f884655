"""Speed and memory of the accuracy document, against scikit-learn's ``roc_auc_score`` on the same arrays.

Tables (ratios measured in this run):

1. integer score, 10 million records: the whole ``accuracy.json`` document (count table, every
   cut-off, DeLong, 2,000 stratified bootstrap replicates with partial AUC and three cut-point rules
   re-chosen in each) vs ``roc_auc_score`` alone. Target ratio <= 1.
2. continuous score, 1 million records: count table + AUC + DeLong vs ``roc_auc_score`` (target
   <= 2); 2,000 stratified bootstrap replicates of the AUC and of sensitivity, specificity, PPV and
   NPV at the 19 default cut-offs (target < 60 s); the whole document with bootstrap (timed on
   ``DOC_REPLICATES`` replicates and scaled to 2,000).
3. peak memory (tracemalloc, numpy buffers included) of each job relative to the bytes of the
   input columns (score + reference as float64). Target <= 3.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np
from sklearn.metrics import roc_auc_score

from signalering import documents
from signalering.stats import bootstrap, roc
from signalering.stats.counts import CountTable

N_INTEGER = 10_000_000
N_CONTINUOUS = 1_000_000
REPLICATES = 2000
DOC_REPLICATES = 200
SEED = 20261125


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_ratio(fn, input_bytes: int) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / input_bytes


def integer_data(n: int, rng: np.random.Generator):
    y = (rng.random(n) < 0.05).astype(np.float64)
    s = np.clip(np.round(rng.normal(15.0 + 4.0 * y, 5.0)), 0, 40)
    return s, y


def continuous_data(n: int, rng: np.random.Generator):
    y = (rng.random(n) < 0.10).astype(np.float64)
    s = rng.normal(y, 1.0)
    return s, y


def row(name: str, seconds: float, ratio: str = "", target: str = "") -> str:
    return f"| {name:<62} | {seconds:>9.3f} | {ratio:>9} | {target:>8} |"


def header() -> str:
    return (
        f"| {'job':<62} | {'seconds':>9} | {'ratio':>9} | {'target':>8} |\n"
        f"|{'-' * 64}|{'-' * 11}|{'-' * 11}|{'-' * 10}|"
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    print(f"numpy {np.__version__}; seed {SEED}")

    # ---------------------------------------------------------------- 1. integer, 10 million
    s, y = integer_data(N_INTEGER, rng)
    in_bytes = s.nbytes + y.nbytes

    def whole_document():
        counts = CountTable.from_scores(s, y)
        return documents.accuracy_document(counts, n_boot=REPLICATES, seed=SEED)

    t_sk = best_of(lambda: roc_auc_score(y, s), 2)
    t_doc = best_of(whole_document, 2)
    t_counts = best_of(lambda: CountTable.from_scores(s, y), 2)
    doc = whole_document()
    print(f"\n1. Integer score (0-40), {N_INTEGER:,} records, {len(doc['thresholds'])} cut-offs\n")
    print(header())
    print(row("scikit-learn roc_auc_score", t_sk))
    print(row("CountTable.from_scores (chunked bincount)", t_counts, f"{t_counts / t_sk:.3f}"))
    print(row(f"whole accuracy document, {REPLICATES} bootstrap replicates", t_doc, f"{t_doc / t_sk:.3f}", "<= 1"))
    mem_int = peak_ratio(whole_document, in_bytes)
    del s, y, doc
    gc.collect()

    # ---------------------------------------------------------------- 2. continuous, 1 million
    s, y = continuous_data(N_CONTINUOUS, rng)
    in_bytes = s.nbytes + y.nbytes

    def auc_delong():
        return roc.auc_delong(CountTable.from_scores(s, y))

    counts = CountTable.from_scores(s, y)
    cutoffs = counts.default_cutoffs()

    def boot_intervals(n_boot=REPLICATES):
        return bootstrap.bootstrap_accuracy(counts, n_boot, np.random.default_rng(SEED), cutoffs=cutoffs)

    def doc_with_boot(n_boot=DOC_REPLICATES):
        return documents.accuracy_document(counts, n_boot=n_boot, seed=SEED)

    t_sk = best_of(lambda: roc_auc_score(y, s), 3)
    t_auc = best_of(auc_delong, 3)
    t_boot = best_of(boot_intervals, 1)
    t_doc = best_of(doc_with_boot, 1)
    t_doc0 = best_of(lambda: doc_with_boot(0), 1)
    per_rep = (t_doc - t_doc0) / DOC_REPLICATES
    print(f"\n2. Continuous score, {N_CONTINUOUS:,} records ({len(counts.scores):,} distinct scores)\n")
    print(header())
    print(row("scikit-learn roc_auc_score", t_sk))
    print(row("count table + AUC + DeLong variance", t_auc, f"{t_auc / t_sk:.3f}", "<= 2"))
    print(row(f"{REPLICATES} replicates: AUC + sens/spec/PPV/NPV at {len(cutoffs)} cut-offs", t_boot, "", "< 60"))
    print(row("whole document without bootstrap", t_doc0, f"{t_doc0 / t_sk:.3f}"))
    print(
        row(
            f"whole document, {REPLICATES} replicates (scaled from {DOC_REPLICATES})", t_doc0 + per_rep * REPLICATES, ""
        )
    )

    # ---------------------------------------------------------------- 3. memory
    mem_auc = peak_ratio(auc_delong, in_bytes)
    mem_boot = peak_ratio(lambda: (CountTable.from_scores(s, y), boot_intervals(20)), in_bytes)
    mem_doc = peak_ratio(
        lambda: documents.accuracy_document(CountTable.from_scores(s, y), n_boot=20, seed=SEED), in_bytes
    )
    print("\n3. Peak traced memory / bytes of the input columns (score + reference, float64)\n")
    print(f"| {'job':<62} | {'ratio':>9} | {'target':>8} |\n|{'-' * 64}|{'-' * 11}|{'-' * 10}|")
    print(f"| {'integer 10M: count table + whole document, 2000 replicates':<62} | {mem_int:>9.3f} | {'<= 3':>8} |")
    print(f"| {'continuous 1M: count table + AUC + DeLong':<62} | {mem_auc:>9.3f} | {'<= 3':>8} |")
    print(f"| {'continuous 1M: count table + bootstrap of AUC and cut-offs':<62} | {mem_boot:>9.3f} | {'<= 3':>8} |")
    print(f"| {'continuous 1M: count table + whole document with bootstrap':<62} | {mem_doc:>9.3f} | {'<= 3':>8} |")


if __name__ == "__main__":
    main()
