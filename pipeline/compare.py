"""DVC stage `compare`: paired comparison of every configured pair of instruments on the same records.

Writes ``data/processed/comparison/<a>__vs__<b>.json`` (``comparison.json`` per docs/contract.md) and
``reports/comparison_metrics.json``: the headline figures of every pair after disclosure control, as
DVC metrics (nested objects, no lists, no dots in keys). Without pairs (``compare.pairs`` empty) it
writes only the "not applicable" document (``signalering.not_applicable``) and empty metrics.
"""

from pathlib import Path

from signalering import compare, disclosure, io, not_applicable, params, progress
from signalering.errors import InputError
from signalering.instruments import banded_column

PARAMS = ("data", "compare", "evaluate", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/comparison")
METRICS = Path("reports/comparison_metrics.json")


def pair_cutoff(inst: dict, overrides: dict, evaluate: dict):
    """The cut-off used for an instrument: ``compare.cutoffs[id]``, else the judged cut-off (a
    number, ``params.judged_cutoff``, or the name of a banded one, ``params.judged_banded``), else
    the spec's first cut-off."""
    if inst["id"] in overrides:
        return float(overrides[inst["id"]])
    judged = params.judged_cutoff(inst, evaluate)
    if judged is not None:
        return judged
    banded = params.judged_banded(inst, evaluate)
    if banded is not None:
        return banded
    return float(inst["cutoffs"][0]["value"]) if inst["cutoffs"] else None


def headline(doc: dict) -> dict:
    """Numeric leaves of a (suppressed) comparison document for ``dvc metrics diff``."""
    m = {
        "n": doc["n"],
        "auc_difference": doc["delong"]["difference"],
        "auc_difference_ci_low": doc["delong"]["ci_low"],
        "auc_difference_ci_high": doc["delong"]["ci_high"],
        "auc_difference_p_value": doc["delong"]["p_value"],
    }
    at = doc.get("at_cutoffs") or {}
    for stat in ("sensitivity", "specificity"):
        e = at.get(stat) or {}
        ratio = e.get("ratio") or {}
        m[f"{stat}_ratio"] = ratio.get("estimate")
        m[f"{stat}_ratio_ci_low"] = ratio.get("ci_low")
        m[f"{stat}_ratio_ci_high"] = ratio.get("ci_high")
        m[f"{stat}_mcnemar_p"] = e.get("mcnemar_p")
    return {k: v for k, v in m.items() if isinstance(v, (int, float))}


def main() -> None:
    p = params.load(PARAMS)
    cfg, data, ev = p["compare"] or {}, p["data"], p["evaluate"]
    min_cell = disclosure.check_min_cell(p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL))
    unused = (data.get("id_column", "record_id"), *(data.get("subgroups") or []))
    scores = io.read_parquet_without(INTERIM / "scores.parquet", unused)
    instruments = {i["id"]: i for i in io.read_json(INTERIM / "instruments.json")["instruments"]}
    params.fresh_dirs(OUT)
    overrides = cfg.get("cutoffs") or {}
    metrics = {}
    if not cfg.get("pairs"):
        not_applicable.write(OUT, "compare", "no pair of instruments to compare (compare.pairs)")
    for pair in cfg.get("pairs") or []:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise InputError(
                "params.yaml", "each entry of compare.pairs must name two instruments", column="compare.pairs"
            )
        a, b = (instruments.get(x) for x in pair)
        for name, inst in zip(pair, (a, b)):
            if inst is None:
                raise InputError(
                    "params.yaml",
                    "compare.pairs names an instrument that score.instruments does not score",
                    column=f"compare.pairs: {name}",
                )
        ca, cb = pair_cutoff(a, overrides, ev), pair_cutoff(b, overrides, ev)
        if ca is None or cb is None:
            ca = cb = None
        # a banded cut-off (its name): each record's own cut-off from the scores file
        band_a, band_b = (c if isinstance(c, str) else None for c in (ca, cb))
        if band_a:
            ca = scores[banded_column(a["id"], band_a)].to_numpy(float)
        if band_b:
            cb = scores[banded_column(b["id"], band_b)].to_numpy(float)
        doc = compare.comparison_document(
            scores[a["id"]].to_numpy(float),
            scores[b["id"]].to_numpy(float),
            scores[data["reference"]].to_numpy(float),
            name_a=a["id"],
            name_b=b["id"],
            direction_a=a["direction"],
            direction_b=b["direction"],
            cutoff_a=ca,
            cutoff_b=cb,
            mcnemar=cfg.get("mcnemar", "exact"),
            ci_method=ev.get("ci_method", "wilson"),
            confidence=ev.get("confidence", 0.95),
            banded_a=band_a,
            banded_b=band_b,
        )
        key = f"{a['id']}__vs__{b['id']}"
        io.write_json(OUT / f"{key}.json", doc)
        published, _ = disclosure.suppress_comparison_document(doc, min_cell, key)
        metrics[key] = headline(published)
    io.write_json(METRICS, metrics)
    progress.summary(
        "compare",
        f"wrote {len(metrics)} comparisons to {OUT} and {METRICS}"
        if metrics
        else f"not applicable (no pairs); wrote {OUT / not_applicable.FILE} and {METRICS}",
    )


if __name__ == "__main__":
    params.run_stage(main)
