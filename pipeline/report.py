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
from signalering.report import verdict
from signalering.report.build import APPENDIX, LANGS, headline_metrics, html_to_pdf, load_texts, metric_key, render
from signalering.report.inputs import load_inputs, publishable
from signalering.report.verdict import judged_cutoff, primary_threshold
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


def add_verdicts(metrics: dict, view: dict) -> None:
    """Per instrument, how many declared criteria were met / not met / inconclusive / not assessable,
    so that `dvc metrics diff` shows a verdict changing between experiments."""
    for inst in view["instruments"]:
        outcomes = [j["outcome"] for j in inst["judgements"]]
        metrics.setdefault(inst["id"], {})["criteria"] = {w: outcomes.count(w) for w in verdict.OUTCOMES}


def judged_metrics(metrics: dict, inputs, p: dict) -> None:
    """Per instrument, the figures at the cut-off the verdict judges (``judged``: ``cutoff``,
    sensitivity and specificity with lower bounds, PPV and NPV at each target prevalence), so that
    ``dvc metrics diff`` shows a change of the judged cut-off or of a prevalence. Withheld figures
    (disclosure control) are left out."""

    def num(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    for inst_id, doc in inputs.accuracy.items():
        spec = inputs.instruments.get(inst_id) or doc.get("instrument") or {}
        criteria = (p.get("report") or {}).get("criteria") or {}
        idx, _ = primary_threshold(doc, spec, verdict.criteria_for(criteria, inst_id), judged_cutoff(p, inst_id))
        if idx is None:
            continue
        entry = doc["thresholds"][idx]
        m = {"cutoff": entry["cutoff"]} if num(entry.get("cutoff")) else {}
        for stat in ("sensitivity", "specificity"):
            s = entry.get(stat) or {}
            if num(s.get("estimate")):
                m[stat] = s["estimate"]
                if num(s.get("ci_low")):
                    m[f"{stat}_ci_low"] = s["ci_low"]
        for at in entry.get("at_prevalence") or []:
            for stat in ("ppv", "npv"):
                s = at.get(stat) or {}
                if num(s.get("estimate")) and num(at.get("prevalence")):
                    m[f"{stat}_at_prevalence_{metric_key(at['prevalence'])}"] = s["estimate"]
        metrics.setdefault(inst_id, {})["judged"] = m


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
