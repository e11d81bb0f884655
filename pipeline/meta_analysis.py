"""DVC stage `meta_analysis`: the bivariate random-effects meta-analysis of sensitivity and specificity
across the categories of one column (``evaluate.meta_analysis.by``, e.g. ``site``; docs/meta-analysis.md).

Writes ``data/processed/meta_analysis/<instrument>.json`` (``scale.federated.meta_analysis_document``
on one count table per category, at the judged cut-off or, with ``all_cutoffs``, at every cut-off the
instrument is evaluated at); the per-category points are already under the disclosure rules
(``disclosure.min_cell``). Without ``by`` it writes only the "not applicable" document.
"""

from pathlib import Path

import pandas as pd

from signalering import io, params, progress
from signalering.documents import disclosure, not_applicable
from signalering.scale.federated import meta_analysis_document
from signalering.stats.counts import CountTable

PARAMS = ("data", "evaluate", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/meta_analysis")


def main() -> None:
    p = params.load(PARAMS)
    data, ev = p["data"], p["evaluate"]
    cfg = ev.get("meta_analysis") or {}
    min_cell = disclosure.check_min_cell(p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL))
    params.fresh_dirs(OUT)
    by = cfg.get("by")
    if not by:
        not_applicable.write(OUT, "meta_analysis", "no column to meta-analyse across (evaluate.meta_analysis.by)")
        progress.summary(
            "meta_analysis", f"not applicable (evaluate.meta_analysis.by not set); wrote {OUT / not_applicable.FILE}"
        )
        return
    instruments = io.read_json(INTERIM / "instruments.json")["instruments"]
    scores = pd.read_parquet(
        INTERIM / "scores.parquet", columns=[data["reference"], by, *(i["id"] for i in instruments)]
    )
    groups = scores[by].astype("string")
    categories = sorted(groups.dropna().unique())
    for inst in progress.bar(instruments, desc="meta_analysis", unit="instrument"):
        judged = params.judged_cutoff(inst, ev)
        if cfg.get("all_cutoffs"):
            cuts = params.evaluation_cutoffs(inst, ev)
        else:
            cuts = [judged] if judged is not None else []
        tables = {
            str(c): CountTable.from_scores(
                scores.loc[groups == c, inst["id"]], scores.loc[groups == c, data["reference"]], inst["direction"]
            )
            for c in categories
        }
        doc = meta_analysis_document(
            tables,
            cuts,
            method=cfg.get("method", "reml"),
            confidence=ev.get("confidence", 0.95),
            min_cell=min_cell,
            min_organisations=cfg.get("min_organisations", 5),
        )
        doc.update({"instrument": inst["id"], "by": by, "judged_cutoff": judged})
        banded = params.judged_banded(inst, ev)
        if banded is not None:
            doc["judged_banded"] = banded
        if not cuts and banded is not None:
            doc["reason"] = (
                f"the judged cut-off is banded ({banded}): the meta-analysis supports fixed cut-offs only "
                "(set evaluate.meta_analysis.all_cutoffs for the specification's fixed cut-offs)"
            )
        elif not cuts:
            doc["reason"] = "no judged cut-off (set evaluate.judged_cutoff, or evaluate.meta_analysis.all_cutoffs)"
        for entry in doc["at_cutoffs"]:
            entry["prespecified"] = params.is_prespecified(inst, ev, entry["cutoff"])
        io.write_json(OUT / f"{inst['id']}.json", doc)
    progress.summary("meta_analysis", f"wrote {len(instruments)} meta-analysis documents across '{by}' to {OUT}")


if __name__ == "__main__":
    params.run_stage(main)
