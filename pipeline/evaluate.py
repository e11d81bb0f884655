"""DVC stage `evaluate`: accuracy of every instrument at its cut-offs, and ROC points for the plots."""

from pathlib import Path

import pandas as pd

from signalering import documents, io, params, progress
from signalering.documents import disclosure
from signalering.instruments import banded_column
from signalering.stats.counts import CountTable
from signalering.stats.cutpoints import rules_from_options

PARAMS = ("seed", "data", "evaluate", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/accuracy")
PLOTS = Path("reports/plots/roc")


def main() -> None:
    p = params.load(PARAMS)
    ev, data = p["evaluate"], p["data"]
    instruments = io.read_json(INTERIM / "instruments.json")["instruments"]
    # only the columns counted (a national file's ids and subgroups stay on disk)
    banded = [banded_column(i["id"], b["name"]) for i in instruments for b in i.get("banded_cutoffs") or []]
    scores = pd.read_parquet(
        INTERIM / "scores.parquet", columns=[data["reference"], *(i["id"] for i in instruments), *banded]
    )
    params.fresh_dirs(OUT, PLOTS)
    for inst in progress.bar(instruments, desc="evaluate", unit="instrument"):
        counts = CountTable.from_scores(scores[inst["id"]], scores[data["reference"]], inst["direction"])
        named = {}  # cut-off value -> the spec's names for it (several bands may share a value)
        for c in inst["cutoffs"]:
            named.setdefault(float(c["value"]), []).append(c["name"])
        cutoffs = params.evaluation_cutoffs(inst, ev)
        doc = documents.accuracy_document(
            counts,
            cutoffs,
            prevalences=ev.get("prevalences", []),
            ci_method=ev.get("ci_method", "wilson"),
            confidence=ev.get("confidence", 0.95),
            correction=ev.get("correction", 0.0),
            n_boot=ev.get("bootstrap", 0),
            seed=params.stream_seed(p["seed"], inst["id"]),
            partial_auc_specificity=tuple(ev.get("partial_auc_specificity", (0.8, 1.0))),
            cutpoint_rules=rules_from_options(**(ev.get("cutpoint_rules") or {})),
        )
        doc["instrument"] = inst
        for entry in doc["thresholds"]:
            entry["names"] = named.get(entry["cutoff"], [])
            # fixed before the analysis (STARD 12a): the spec's, or evaluate.judged_cutoff instead
            entry["prespecified"] = params.is_prespecified(inst, ev, entry["cutoff"])
        override = (ev.get("judged_cutoff") or {}).get(inst["id"]) is not None
        for b in inst.get("banded_cutoffs") or []:  # each record at its own band's cut-off
            entry = documents.banded_threshold_entry(
                scores[inst["id"]].to_numpy(float),
                scores[banded_column(inst["id"], b["name"])].to_numpy(float),
                scores[data["reference"]].to_numpy(float),
                inst["direction"],
                banded=b,
                prevalences=ev.get("prevalences", []),
                ci_method=ev.get("ci_method", "wilson"),
                confidence=ev.get("confidence", 0.95),
                correction=ev.get("correction", 0.0),
            )
            entry["names"] = [b["name"]]
            # as for the other cut-offs: the spec's flag, unless evaluate.judged_cutoff names a number
            entry["prespecified"] = bool(b["prespecified"]) and not override
            doc["thresholds"].append(entry)
        io.write_json(OUT / f"{inst['id']}.json", doc)
        # Plot points leave the pipeline: merge points that separate fewer than min_cell records.
        # ... and that differ by fewer than min_cell from a table the accuracy document publishes
        min_cell = p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL)
        shown, _ = disclosure.suppress_accuracy_document(doc, min_cell, inst["id"])
        rows, _ = disclosure.roc_plot_rows(counts, min_cell, tables=disclosure.published_tables(shown))
        io.write_json(PLOTS / f"{inst['id']}.json", rows)
    progress.summary("evaluate", f"wrote {len(instruments)} accuracy documents to {OUT} and ROC points to {PLOTS}")


if __name__ == "__main__":
    params.run_stage(main)
