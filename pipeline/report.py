"""DVC stage `report`: reports/metrics.json and the English and Dutch validation reports."""
from pathlib import Path

import yaml

from signalering import __version__, disclosure, io, params
from signalering.report.build import TEMPLATES, headline_metrics, render, roc_svg

PARAMS = ("seed", "disclosure")
PROCESSED = Path("data/processed")
REPORTS = Path("reports")
LANGS = {"en": "validation_report.html", "nl": "validatierapport.html"}


def main() -> None:
    p = params.load(PARAMS)
    min_cell = p["disclosure"].get("min_cell", disclosure.DEFAULT_MIN_CELL)
    # Disclosure control: everything below is published, so it reads suppressed copies only.
    flow, suppression_log = disclosure.suppress_flow(io.read_json("data/interim/flow.json"), min_cell)
    docs = {}
    for f in sorted((PROCESSED / "accuracy").glob("*.json")):
        docs[f.stem], log = disclosure.suppress_accuracy_document(io.read_json(f), min_cell, f.stem)
        suppression_log.extend(log)
    io.write_json(REPORTS / "disclosure.json", {"schema_version": 1, "min_cell": min_cell, "log": suppression_log})
    io.write_json(REPORTS / "metrics.json", headline_metrics(docs))
    instruments = []
    for inst_id, doc in docs.items():
        points = io.read_json(REPORTS / "plots" / "roc" / f"{inst_id}.json")
        cut = [t["cutoff"] for t in doc["thresholds"]]
        instruments.append({"id": inst_id, "kind": doc["instrument"]["kind"], "doc": doc,
                            "roc": roc_svg(points, f"ROC {inst_id}", cut)})
    for lang, name in LANGS.items():
        t = yaml.safe_load((TEMPLATES.parent / "i18n" / f"{lang}.yaml").read_text(encoding="utf-8"))
        html = render("report.html.j2", lang=lang, t=t, version=__version__, seed=p["seed"], flow=flow,
                      instruments=instruments)
        (REPORTS / name).write_text(html, encoding="utf-8")


if __name__ == "__main__":
    params.run_stage(main)
