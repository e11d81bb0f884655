"""DVC stage `calibration`: calibration and decision curves of every instrument's risk estimates.

Probability instruments are assessed as they are; score-type instruments through the risk mapping
their specification declares, or, when it declares none, a cross-validated logistic mapping that
the output labels as estimated (TRIPOD 10d/10e). A plain ``score`` (kind ``score`` not declared
``probability: true``, without a risk mapping) has no risk to calibrate and is left out; when no
instrument is left, the stage writes only the "not applicable" document.
"""

from pathlib import Path

import numpy as np

from signalering import documents, instruments, io, params, progress
from signalering.documents import disclosure, not_applicable
from signalering.instruments import load_specs
from signalering.stats import calibration, decision

PARAMS = ("seed", "data", "score", "calibration", "disclosure")
INTERIM = Path("data/interim")
OUT = Path("data/processed/calibration")
PLOTS = {"calibration": Path("reports/plots/calibration"), "decision": Path("reports/plots/decision")}
ACCURACY = Path("data/processed/accuracy")
ROC = Path("reports/plots/roc")


def published_tables(inst_id: str, min_cell: int) -> list[tuple[int, int]]:
    """(TP, FP) of the instrument's tables published elsewhere: its accuracy document as published and
    its ROC points (a decision curve must not give back a table that document withholds)."""
    path = ACCURACY / f"{inst_id}.json"
    if not path.is_file():
        return []
    doc, _ = disclosure.suppress_accuracy_document(io.read_json(path), min_cell, inst_id)
    roc = ROC / f"{inst_id}.json"
    return disclosure.published_tables(doc, io.read_json(roc) if roc.is_file() else ())


def has_risk(spec) -> bool:
    """Whether the stage assesses the instrument: every kind but a plain ``score`` without a risk
    mapping (a checklist's sum gets an estimated mapping; a lab value or free score does not)."""
    return spec.kind != "score" or spec.is_probability or spec.risk_mapping is not None


def main() -> None:
    p = params.load(PARAMS)
    cal, data = p["calibration"], p["data"]
    unused = (data.get("id_column", "record_id"), *(data.get("subgroups") or []))
    scores = io.read_parquet_without(INTERIM / "scores.parquet", unused)
    reference = scores[data["reference"]].to_numpy(dtype=float)
    params.fresh_dirs(OUT, *PLOTS.values())
    thresholds = np.round(np.arange(*cal["thresholds"]), 10)
    specs = load_specs(p["score"]["instruments"])
    if not any(has_risk(s) for s in specs):
        not_applicable.write(OUT, "calibration", "no instrument is a probability or has a risk mapping")
        for spec in specs:  # plot folders hold plot rows only: an empty plot per instrument
            for d in PLOTS.values():
                io.write_json(d / f"{spec.id}.json", [])
        progress.summary(
            "calibration",
            f"not applicable (no probability or risk mapping); wrote {OUT / not_applicable.FILE} and empty plots",
        )
        return
    assessed = [s for s in specs if has_risk(s)]
    for spec in progress.bar(assessed, desc="calibration", unit="instrument"):
        rng = np.random.default_rng(params.stream_seed(p["seed"], spec.id))  # keyed by id, not list position
        score = scores[spec.id].to_numpy(dtype=float)
        risk, source = instruments.instrument_risks(spec, score, reference, folds=cal["folds"], seed=p["seed"])
        estimated = not spec.is_probability and spec.risk_mapping is None
        if not np.any(~np.isnan(risk) & ~np.isnan(reference)):
            io.write_json(
                OUT / f"{spec.id}.json",
                documents.calibration_document(
                    None,
                    instrument=spec.id,
                    risk_source=source,
                    estimated_mapping=estimated,
                    reason="no record has both a predicted risk and a reference standard",
                ),
            )
            for d in PLOTS.values():
                io.write_json(d / f"{spec.id}.json", [])
            continue
        result = calibration.calibration_statistics(risk, reference, confidence=cal["confidence"])
        curve = calibration.calibration_curve(
            risk, reference, rng, n_boot=cal["curve_bootstrap"], confidence=cal["confidence"]
        )
        curve_nb = decision.net_benefit(
            risk, reference, thresholds, rng=rng, n_boot=cal["decision_bootstrap"], confidence=cal["confidence"]
        )
        io.write_json(
            OUT / f"{spec.id}.json",
            documents.calibration_document(result, instrument=spec.id, risk_source=source, estimated_mapping=estimated),
        )
        # Plot points leave the pipeline: small-cell control first.
        min_cell = p["disclosure"]["min_cell"]
        cal_rows, _ = disclosure.calibration_plot_rows(calibration.calibration_curve_points(curve), risk, min_cell)
        dec_rows, _ = disclosure.decision_plot_rows(
            decision.decision_curve_points(curve_nb),
            risk,
            reference,
            min_cell,
            tables=published_tables(spec.id, min_cell),
        )
        io.write_json(PLOTS["calibration"] / f"{spec.id}.json", cal_rows)
        io.write_json(PLOTS["decision"] / f"{spec.id}.json", dec_rows)
    progress.summary(
        "calibration",
        f"wrote {len(assessed)} calibration documents to {OUT} and their "
        f"calibration and decision curves to reports/plots/",
    )


if __name__ == "__main__":
    params.run_stage(main)
