"""DVC stage `subgroups`: accuracy (and calibration for probability instruments) per subgroup.

Writes ``data/processed/subgroups/<instrument>.json`` (all counts; stays inside the pipeline) and
``reports/subgroups/<instrument>.json``, the same after disclosure control, with the log of what was
hidden under ``disclosure``. Categories with fewer than ``disclosure.min_cell`` reference-positive or
-negative records are merged (or the column withheld) *before* the analysis, the same for every
instrument (``disclosure.small_groups``, ``disclosure.combined_group``; docs/disclosure.md). Without
subgroup columns (``data.subgroups`` empty) it writes only the "not applicable" document
(``signalering.documents.not_applicable``).
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from signalering import documents, io, params, progress
from signalering.documents import disclosure, not_applicable
from signalering.instruments import banded_column
from signalering.stats import subgroups

PARAMS = ("data", "evaluate", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/subgroups")
PUBLISHED = Path("reports/subgroups")


def main() -> None:
    p = params.load(PARAMS)
    data, ev = p["data"], p["evaluate"]
    min_cell = disclosure.check_min_cell(p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL))
    source = INTERIM / "scores.parquet"
    available = pq.read_schema(source).names
    instruments = io.read_json(INTERIM / "instruments.json")["instruments"]
    params.fresh_dirs(OUT, PUBLISHED)
    columns = [c for c in data.get("subgroups") or [] if c in available]
    # the reference and the subgroup columns once; each instrument's score column when it is analysed
    # (a national file: a few columns in memory, never every instrument's)
    scores = pd.read_parquet(source, columns=[data["reference"], *columns])
    if not columns:
        for folder in (OUT, PUBLISHED):
            not_applicable.write(folder, "subgroups", "no subgroup column declared (data.subgroups)")
        progress.summary(
            "subgroups",
            f"not applicable (no subgroup column); wrote {OUT / not_applicable.FILE} "
            f"and {PUBLISHED / not_applicable.FILE}",
        )
        return
    dp = p["disclosure"]
    # Merged on the reference status of all records, the same for every instrument (merging per
    # instrument would let two instruments' groups be differenced); a group that is still small for
    # an instrument with fewer scores is withheld by the suppression that follows.
    reference = pd.to_numeric(scores[data["reference"]], errors="raise").to_numpy(float)
    merges = {
        c: subgroups.small_group_merges(
            subgroups.category_values(scores[c]),
            reference,
            None,
            min_cell,
            dp.get("small_groups", "merge"),
            dp.get("combined_group", subgroups.COMBINED_GROUP),
        )
        for c in columns
    }
    for inst in instruments:
        cutoffs = params.evaluation_cutoffs(inst, ev)
        banded = [(b, banded_column(inst["id"], b["name"])) for b in inst.get("banded_cutoffs") or []]
        own = [inst["id"], *(column for _, column in banded)]  # this instrument's columns only
        scores[own] = pd.read_parquet(source, columns=own)
        doc = documents.subgroup_document(
            scores,
            inst["id"],
            data["reference"],
            columns,
            direction=inst["direction"],
            cutoffs=cutoffs,
            ci_method=ev.get("ci_method", "wilson"),
            confidence=ev.get("confidence", 0.95),
            prevalences=ev.get("prevalences", []),
            probability=inst.get("kind") == "probability" or bool(inst.get("probability")),
            merges=merges,
            banded=banded,
        )
        scores = scores.drop(columns=own)
        doc["instrument"] = inst["id"]
        io.write_json(OUT / f"{inst['id']}.json", doc)
        published, log = disclosure.suppress_subgroups_document(doc, min_cell, inst["id"])
        published["disclosure"] = {"min_cell": min_cell, "log": log}
        io.write_json(PUBLISHED / f"{inst['id']}.json", published)
    progress.summary(
        "subgroups", f"wrote {len(instruments)} documents to {OUT} and to {PUBLISHED} ({len(columns)} subgroup columns)"
    )


if __name__ == "__main__":
    params.run_stage(main)
