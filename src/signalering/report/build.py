"""The validation report's orchestration: ``reports/metrics.json``, the texts and templates, HTML and PDF.

The report is made in four steps, in three modules so each can be tested on its own:

1. :func:`.inputs.load_inputs` reads whatever the stages left behind;
2. :func:`.inputs.publishable` passes every document through :mod:`signalering.documents.disclosure`;
3. :func:`.views.build_view` turns the documents into formatted, translated text and inline SVG for one
   language (the verdict's criteria: :mod:`.verdict`; the figures: :mod:`.figures`);
4. here, :func:`render` fills the Jinja2 template (:func:`templates`, the one environment of every page
   the package writes, with the texts of :func:`load_texts`) and :func:`html_to_pdf` prints it with
   xhtml2pdf; :func:`headline_metrics`, :func:`judged_metrics` and :func:`add_verdicts` give
   ``reports/metrics.json`` its figures (what ``dvc metrics diff`` compares between runs).

The pipeline stage ``pipeline/report.py`` runs the steps in this order.
"""

from __future__ import annotations

import base64
import io as _io
import re
from pathlib import Path

import jinja2
import yaml

from . import verdict

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
I18N = HERE / "i18n"
LANGS = {"en": "validation_report", "nl": "validatierapport"}


# ------------------------------------------------------------------------------------ metrics.json
def metric_key(value: float) -> str:
    """A cut-off as a DVC metrics key fragment: no dots (DVC joins keys with dots)."""
    text = f"{value:g}"
    return text.replace("-", "minus").replace(".", "_")


def is_number(x) -> bool:
    """Whether a figure of a suppressed document is a number (a withheld one is None or "<10")."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def add_estimate(m: dict, key: str, iv: dict | None) -> None:
    """``m[key]`` the estimate of an interval object and ``m[key_ci_low]`` its lower bound, each when shown."""
    iv = iv or {}
    if is_number(iv.get("estimate")):
        m[key] = iv["estimate"]
        if is_number(iv.get("ci_low")):
            m[f"{key}_ci_low"] = iv["ci_low"]


def headline_metrics(documents: dict[str, dict]) -> dict:
    """Nested dict of numeric headline figures per instrument (no lists, no dots in keys).

    Reads suppressed documents: a withheld figure (None or "<10") is left out.
    """
    out = {}
    for inst_id, doc in sorted(documents.items()):
        m = {k: doc[k] for k in ("n", "n_positive", "n_negative") if is_number(doc.get(k))}
        auc = doc.get("auc") or {}
        if is_number(auc.get("estimate")):
            m.update(auc=auc["estimate"], auc_ci_low=auc["ci_low"], auc_ci_high=auc["ci_high"])
        for t in doc.get("thresholds", []):
            k = f"band_{t['banded']['name']}" if t.get("banded") else metric_key(t["cutoff"])
            for stat in ("sensitivity", "specificity", "ppv", "npv"):
                add_estimate(m, f"{stat}_at_{k}", t.get(stat))
        out[inst_id] = m
    return out


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
    for inst_id, doc in inputs.accuracy.items():
        spec = inputs.spec(inst_id)
        criteria = (p.get("report") or {}).get("criteria") or {}
        idx, _ = verdict.primary_threshold(
            doc, spec, verdict.criteria_for(criteria, inst_id), verdict.judged_cutoff(p, inst_id)
        )
        if idx is None:
            continue
        entry = doc["thresholds"][idx]
        m = {"cutoff": entry["cutoff"]} if is_number(entry.get("cutoff")) else {}
        for stat in ("sensitivity", "specificity"):
            add_estimate(m, stat, entry.get(stat))
        for at in entry.get("at_prevalence") or []:
            for stat in ("ppv", "npv"):
                s = at.get(stat) or {}
                if is_number(s.get("estimate")) and is_number(at.get("prevalence")):
                    m[f"{stat}_at_prevalence_{metric_key(at['prevalence'])}"] = s["estimate"]
        metrics.setdefault(inst_id, {})["judged"] = m


def load_texts(lang: str) -> dict:
    return yaml.safe_load((I18N / f"{lang}.yaml").read_text(encoding="utf-8"))


PARTS = ("all", "main", "appendix")
APPENDIX = {"en": "validation_report_appendix", "nl": "validatierapport_bijlage"}


def templates() -> jinja2.Environment:
    """The Jinja2 environment of every page the package writes (escaped, strict about missing values)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(view: dict, template: str = "report.html.j2", pdf: bool = False, part: str = "all") -> str:
    """The report as HTML: ``part`` "all" (the HTML report: summary and core results, then the
    appendix in collapsible sections), "main" or "appendix" (the two PDFs)."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    html = (
        templates()
        .get_template(template)
        .render(pdf=pdf, part=part, appendix_file=f"{APPENDIX[view['lang']]}.pdf", **view)
    )
    return repeat_table_headers(svg_to_img(html)) if pdf else html


_TABLE = re.compile(r"<table(?P<attrs>[^>]*)>(?P<body>.*?)</table>", re.S)


def repeat_table_headers(html: str) -> str:
    """``repeat="1"`` on every table whose first row is a header row (only ``<th>`` cells), so that
    xhtml2pdf repeats it at the top of each page a table runs onto."""

    def repl(m: re.Match) -> str:
        first = re.search(r"<tr[^>]*>(.*?)</tr>", m.group("body"), re.S)
        if not first or "<td" in first.group(1) or "repeat=" in m.group("attrs"):
            return m.group(0)
        return f'<table{m.group("attrs")} repeat="1">{m.group("body")}</table>'

    return _TABLE.sub(repl, html)


SVG_BLOCK = re.compile(
    r'(?P<half><!--half-->)?<svg xmlns="http://www.w3.org/2000/svg" width="([0-9.]+)" '
    r'height="([0-9.]+)".*?</svg>',
    re.S,
)
PDF_WIDTH, PDF_HALF = 480, 250  # px: a figure on its own, and one of two side by side (<!--half-->)


def svg_to_img(html: str) -> str:
    """Inline SVG -> ``<img src="data:image/svg+xml;base64,...">`` (what xhtml2pdf can draw)."""

    def repl(m: re.Match) -> str:
        w, h = float(m.group(2)), float(m.group(3))
        scale = min(1.0, (PDF_HALF if m.group("half") else PDF_WIDTH) / w)
        svg = m.group(0).removeprefix(m.group("half") or "")
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (
            f'<div><img src="data:image/svg+xml;base64,{data}" width="{w * scale:.0f}" '
            f'height="{h * scale:.0f}" alt=""/></div>'
        )

    return SVG_BLOCK.sub(repl, html)


def html_to_pdf(html: str) -> bytes:
    """The report as PDF with xhtml2pdf (pure Python); byte-identical for identical input."""
    import logging

    from reportlab import rl_config
    from xhtml2pdf import pisa

    rl_config.invariant = 1  # no creation date or random document id in the file
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    buf = _io.BytesIO()
    result = pisa.CreatePDF(html, dest=buf, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"xhtml2pdf could not print the report ({result.err} errors)")
    return buf.getvalue()
