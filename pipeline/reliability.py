"""DVC stage `reliability`: rater agreement of observation instruments and internal consistency of
multi-item instruments, flagged against the thresholds in params.yaml: a threshold is judged as the
report's criterion ``<statistic>_min`` (``verdict.flag_below``): flagged unless the lower bound of the
interval reaches it; each flag says the bound judged (``"bound": "ci_low"``) and the ``outcome``.

Rater columns (``sens_r1``, ``sens_r2`` ...) hold *different* raters from record to record, so the
primary ICC is the one-way ICC1 (params ``reliability.primary_icc``); all six forms are reported.
Agreement is computed on the first two rater columns (the double-coded records); an ICC over all
rater columns and Fleiss' kappa (records rated by every rater) are added when there are more than two. An observation
with one rater column gets no agreement figures (a reason instead); when no instrument has anything
to assess, the stage writes only the "not applicable" document (``signalering.documents.not_applicable``).
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from signalering import io, params, progress
from signalering.documents import not_applicable
from signalering.instruments import item_values, load_specs
from signalering.report import verdict
from signalering.stats import reliability

PARAMS = ("data", "score", "reliability")
INTERIM = Path("data/interim")
OUT = Path("data/processed/reliability")


ITEM_BATCH = 500_000  # records per batch of item columns (fixed, so results never depend on params)


def item_moments(spec, source: Path, available: set[str]) -> dict[str, reliability.ItemMoments]:
    """Per scale of the instrument, the moments of its scored items, read batch by batch (only this
    instrument's item columns; a national file's items are never in memory at once)."""
    columns = [c for c in dict.fromkeys(i.column for i in spec.items) if c in available]
    if not columns:
        return {}
    moments: dict[str, reliability.ItemMoments] = {}
    for batch in pq.ParquetFile(source).iter_batches(batch_size=ITEM_BATCH, columns=columns):
        for scale, items in item_values(spec, batch.to_pandas()).items():
            part = reliability.ItemMoments.from_items(items)
            moments[scale] = moments[scale] + part if scale in moments else part
    return moments


def main() -> None:
    p = params.load(PARAMS)
    rel = p["reliability"]
    source = INTERIM / "records.parquet"
    available = set(pq.read_schema(source).names)
    params.fresh_dirs(OUT)
    thresholds = rel["thresholds"]
    written = 0
    for spec in load_specs(p["score"]["instruments"]):
        doc: dict = {"schema_version": 1, "instrument": spec.id}
        checks: dict = {}  # name in the flags -> (threshold key in params, result)
        # only this instrument's rater and item columns (a national file's other columns stay on disk)
        raters = [c for c in spec.rater_columns if c in available]
        records = pd.read_parquet(source, columns=raters) if raters else pd.DataFrame(index=pd.RangeIndex(0))
        if spec.kind == "rater_observation" and len(spec.raters) < 2:
            doc["reason"] = "one rater column: agreement between raters needs at least two"
        elif spec.kind == "rater_observation":
            columns = [r.column for r in spec.raters]
            ratings = records[columns].apply(pd.to_numeric)
            doc.update(
                reliability.reliability_summary(
                    ratings, columns[:2], categorical=True, kappa_weights=rel["kappa_weights"]
                )
            )
            doc["bland_altman"] = reliability.bland_altman(ratings[columns[0]], ratings[columns[1]]).to_dict()
            if len(columns) > 2:
                doc["icc_all_raters"] = reliability.icc(ratings, columns).to_list()
                doc["fleiss_kappa"] = reliability.fleiss_kappa(ratings, columns).to_dict()
            doc["primary_icc"] = rel["primary_icc"]
            primary = next(f for f in doc["icc"] if f["type"] == rel["primary_icc"])
            checks[rel["primary_icc"]] = ("icc", primary)
            checks["weighted_kappa"] = ("weighted_kappa", doc["weighted_kappa"])
        scales = item_moments(spec, source, available)
        if scales:
            doc["internal_consistency"] = {}
            for scale, moments in scales.items():
                alpha = reliability.cronbach_alpha(moments).to_dict()
                doc["internal_consistency"][scale] = {
                    "cronbach_alpha": alpha,
                    "omega": reliability.mcdonald_omega(moments).to_dict(),
                }
                checks[f"cronbach_alpha_{scale}"] = ("cronbach_alpha", alpha)
        if len(doc) == 2:
            continue  # single-column instruments (categories, probabilities, combinations): nothing to assess
        limits = {name: thresholds[key] for name, (key, _) in checks.items() if key in thresholds}
        results = {name: result for name, (_, result) in checks.items()}
        doc["flags"] = [f.to_dict() for f in verdict.flag_below(results, limits)]
        io.write_json(OUT / f"{spec.id}.json", doc)
        written += 1
    if not written:
        not_applicable.write(OUT, "reliability", "no instrument has rater columns or several items")
        progress.summary("reliability", f"not applicable (no raters or item scales); wrote {OUT / not_applicable.FILE}")
    else:
        progress.summary("reliability", f"wrote {written} reliability documents to {OUT}")


if __name__ == "__main__":
    params.run_stage(main)
