"""DVC stage `compare`: paired comparison of every configured pair of instruments on the same records.

Writes ``data/processed/comparison/<a>__vs__<b>.json`` (``comparison.json`` per docs/contract.md) and
``reports/comparison_metrics.json``: the headline figures of every pair after disclosure control, as
DVC metrics (nested objects, no lists, no dots in keys). Without pairs (``compare.pairs`` empty) it
writes only the "not applicable" document (``signalering.documents.not_applicable``) and empty metrics.

With ``compare.judgement`` set, it also writes ``data/processed/judgement/<instrument>.json``: each
instrument against and added to the professional's judgement (``signalering.stats.comparator``), the
judgement column read from ``data/interim/records.parquet`` and joined on the record id; their
headline figures go into ``comparison_metrics.json`` under ``judgement``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from signalering import documents, io, params, progress
from signalering.documents import disclosure, not_applicable
from signalering.errors import InputError
from signalering.instruments import banded_column

PARAMS = ("seed", "data", "compare", "evaluate", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/comparison")
JUDGEMENT_OUT = Path("data/processed/judgement")
METRICS = Path("reports/comparison_metrics.json")
ACCURACY = Path("data/processed/accuracy")


def published_accuracy(min_cell: int) -> dict:
    """Instrument id -> its accuracy document as published (disclosure control): a paired comparison
    must not show an instrument's table where that document withholds it (disclosure.republished_sides)."""
    return {
        path.stem: disclosure.suppress_accuracy_document(io.read_json(path), min_cell, path.stem)[0]
        for path in sorted(ACCURACY.glob("*.json"))
        if path.name != not_applicable.FILE
    }


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


def judgement_headline(doc: dict) -> dict:
    """Numeric leaves of a (suppressed) judgement document for ``dvc metrics diff``: the combination's
    AUC difference from the judgement, and the per-1000 line of the 'either' rule."""
    dl = ((doc.get("versus_judgement") or {}).get("combination") or {}).get("delong") or {}
    per = doc.get("per_1000") or {}
    m = {
        "n": doc.get("n"),
        "combination_auc_difference": dl.get("difference"),
        "combination_auc_difference_ci_low": dl.get("ci_low"),
        "combination_auc_difference_ci_high": dl.get("ci_high"),
    }
    for key in ("cases_found", "flagged_wrongly"):
        iv = per.get(key) or {}
        m[f"either_{key}_per_1000"] = iv.get("estimate")
        m[f"either_{key}_per_1000_ci_low"] = iv.get("ci_low")
        m[f"either_{key}_per_1000_ci_high"] = iv.get("ci_high")
    return {k: v for k, v in m.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def judgement_documents(
    cfg: dict, p: dict, instruments: dict, overrides: dict, min_cell: int, accuracy: dict | None = None
) -> dict:
    """Write one judgement document per instrument (``compare.judgement``); returns the headline
    figures of each, after disclosure control."""
    data, ev = p["data"], p["evaluate"]
    id_column, column = data.get("id_column", "record_id"), cfg["column"]
    if column == id_column or column not in pq.read_schema(INTERIM / "records.parquet").names:
        raise InputError(
            "params.yaml",
            "compare.judgement.column is not a column of the records file",
            column="compare.judgement.column",
        )
    chosen = [i for i in cfg.get("instruments") or instruments if i in instruments]  # not scored: skipped
    # only the columns used: the reference, the chosen instruments' scores and own cut-offs
    own = [
        c
        for i in chosen
        for c in (i, *(banded_column(i, b["name"]) for b in instruments[i].get("banded_cutoffs") or []))
    ]
    # the score stage keeps the records' order: then no join is needed (ids compared in Arrow, no copies)
    same_order = (
        pq.read_table(INTERIM / "scores.parquet", columns=[id_column])
        .column(0)
        .equals(pq.read_table(INTERIM / "records.parquet", columns=[id_column]).column(0))
    )
    merged = pd.read_parquet(INTERIM / "scores.parquet", columns=list(dict.fromkeys([data["reference"], *own])))
    if same_order:
        values = pd.read_parquet(INTERIM / "records.parquet", columns=[column])
    else:
        ids = pd.read_parquet(INTERIM / "scores.parquet", columns=[id_column])
        records = pd.read_parquet(INTERIM / "records.parquet", columns=[id_column, column])
        values = ids.merge(records, on=id_column, how="left", validate="one_to_one")[[column]]
        del ids, records
    judgement = io.numeric_column(values, column, str(INTERIM / "records.parquet"))
    del values
    reference = merged[data["reference"]].to_numpy(float)
    prevalences = ev.get("prevalences") or []
    headlines = {}
    for inst_id in chosen:
        inst = instruments[inst_id]
        cutoff = pair_cutoff(inst, overrides, ev)
        banded = cutoff if isinstance(cutoff, str) else None  # a banded cut-off: each record's own
        doc = documents.judgement_document(
            judgement,
            merged[inst_id].to_numpy(float),
            reference,
            positive_from=cfg["positive_from"],
            cutoff=merged[banded_column(inst_id, banded)].to_numpy(float) if banded else cutoff,
            banded=banded,
            direction=inst["direction"],
            instrument=inst_id,
            judgement_column=column,
            prevalence=prevalences[0] if prevalences else None,
            thresholds=cfg["thresholds"],
            folds=cfg["folds"],
            n_boot=cfg["bootstrap"],
            seed=np.random.default_rng(params.stream_seed(p["seed"], f"judgement:{inst_id}")),
            mcnemar=p["compare"].get("mcnemar", "exact"),
            ci_method=ev.get("ci_method", "wilson"),
            confidence=ev.get("confidence", 0.95),
        )
        io.write_json(JUDGEMENT_OUT / f"{inst_id}.json", doc)
        published, _ = disclosure.suppress_judgement_document(doc, min_cell, inst_id, accuracy)
        headlines[inst_id] = judgement_headline(published)
    return headlines


def main() -> None:
    p = params.load(PARAMS)
    cfg, data, ev = p["compare"] or {}, p["data"], p["evaluate"]
    min_cell = disclosure.check_min_cell(p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL))
    # only the columns the pairs compare (the judgement reads its own below)
    wanted = {i for pair in cfg.get("pairs") or [] if isinstance(pair, (list, tuple)) for i in pair}
    available = pq.read_schema(INTERIM / "scores.parquet").names
    columns = [c for c in available if c == data["reference"] or c in wanted or c.split("#", 1)[0] in wanted]
    scores = pd.read_parquet(INTERIM / "scores.parquet", columns=columns)
    instruments = {i["id"]: i for i in io.read_json(INTERIM / "instruments.json")["instruments"]}
    params.fresh_dirs(OUT, JUDGEMENT_OUT)
    overrides = cfg.get("cutoffs") or {}
    metrics = {}
    accuracy = published_accuracy(min_cell)
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
        doc = documents.comparison_document(
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
        published, _ = disclosure.suppress_comparison_document(doc, min_cell, key, accuracy)
        metrics[key] = headline(published)
    n_pairs = len(metrics)
    del scores  # the judgement reads the columns it needs
    judged = (
        judgement_documents(cfg["judgement"], p, instruments, overrides, min_cell, accuracy)
        if cfg.get("judgement")
        else {}
    )
    if judged:
        metrics["judgement"] = judged
    io.write_json(METRICS, metrics)
    plural = "s" if len(judged) != 1 else ""
    note = f"; {len(judged)} instrument{plural} against the professional's judgement in {JUDGEMENT_OUT}"
    progress.summary(
        "compare",
        (
            f"wrote {n_pairs} comparisons to {OUT} and {METRICS}"
            if n_pairs
            else f"not applicable (no pairs); wrote {OUT / not_applicable.FILE} and {METRICS}"
        )
        + (note if judged else ""),
    )


if __name__ == "__main__":
    params.run_stage(main)
