"""DVC stage `report`: reports/metrics.json, the disclosure log, and the validation reports (HTML; PDF of
the main report and of its appendix).

Everything the report shows passes ``signalering.documents.disclosure`` first; reports/disclosure.json lists
what was withheld and why (locations and reasons, never values).
"""

from pathlib import Path

import yaml

from signalering import io, params, progress
from signalering.documents import disclosure
from signalering.errors import InputError
from signalering.report.build import (
    APPENDIX,
    LANGS,
    add_verdicts,
    headline_metrics,
    html_to_pdf,
    judged_metrics,
    load_texts,
    render,
)
from signalering.report.inputs import load_inputs, publishable
from signalering.report.views import build_view

PARAMS = ("seed", "data", "score", "evaluate", "compare", "calibration", "reliability", "disclosure", "report")
REPORTS = Path("reports")


def read_study(path: Path) -> dict:
    """The researcher's study.yaml (STARD text); missing file = {} ("not reported" in the report)."""
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise InputError(str(path), "not a readable YAML file") from None
    if not isinstance(doc, dict):
        raise InputError(str(path), "must be a mapping of STARD keys to text (see docs/report.md)")
    return doc


def main() -> None:
    p = params.load(PARAMS)
    cfg = p.get("report") or {}
    min_cell = disclosure.check_min_cell((p.get("disclosure") or {}).get("min_cell", disclosure.DEFAULT_MIN_CELL))
    inputs, log = publishable(load_inputs("."), min_cell)
    io.write_json(REPORTS / "disclosure.json", {"schema_version": 1, "min_cell": min_cell, "log": log})
    study = read_study(Path(cfg.get("study", "study.yaml")))
    metrics = headline_metrics(inputs.accuracy)
    judged_metrics(metrics, inputs, p)
    for lang, stem in progress.bar(LANGS.items(), total=len(LANGS), desc="report", unit="language"):
        view = build_view(inputs, log, p, study, lang, load_texts(lang))
        if lang == "en":
            add_verdicts(metrics, view)
            io.write_json(REPORTS / "metrics.json", metrics)
        (REPORTS / f"{stem}.html").write_text(render(view), encoding="utf-8")
        # The PDFs are declared outputs: with `report.pdf: false` a one-line PDF says where the report is.
        for part, name in (("main", stem), ("appendix", APPENDIX[lang])):
            html = (
                render(view, pdf=True, part=part)
                if cfg.get("pdf", True)
                else (f"<html><body><p>{view['t']['pdf_off'].format(file=f'{stem}.html')}</p></body></html>")
            )
            (REPORTS / f"{name}.pdf").write_bytes(html_to_pdf(html))
    names = ", ".join(f"{stem}.html" + (" and .pdf" if cfg.get("pdf", True) else "") for stem in LANGS.values())
    progress.summary(
        "report",
        f"wrote {REPORTS / 'metrics.json'}, {REPORTS / 'disclosure.json'}, {names} "
        + ("(with appendix PDFs) " if cfg.get("pdf", True) else "(placeholder PDFs: report.pdf is false) ")
        + f"under {REPORTS}/",
    )


if __name__ == "__main__":
    params.run_stage(main)
