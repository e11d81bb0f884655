"""The validation report: sections present, offline in a browser, no record-level data, deterministic.

One small pipeline run (shared by the session) feeds every test; a forced rerun of a copy of it
(also shared) shows the report files are byte-identical.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, shared_demo_project, shared_demo_rerun

from signalering.report import build, figures, inputs, verdict, views

REPORTS = ("validation_report", "validatierapport")
APPENDICES = ("validation_report_appendix", "validatierapport_bijlage")
SECTIONS = (
    "summary",
    "verdict",
    "flow",
    "setting",
    "instruments",
    "comparison",
    "stard",
    "tripod",
    "methods",
    "disclosure",
    "provenance",
    "glossary",
)
PER_INSTRUMENT = (
    "flow",
    "setting",
    "2x2",
    "accuracy",
    "per1000",
    "roc",
    "calibration",
    "decision",
    "reliability",
    "subgroups",
    "verdict",
    "limitations",
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return shared_demo_project(tmp_path_factory)


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v.startswith(("http:", "https:", "//")) or (tag in ("script", "link") and v):
                self.external.append(v)


def parse(html: str) -> Ids:
    p = Ids()
    p.feed(html)
    return p


def instrument_ids(project: Path) -> list[str]:
    return yaml.safe_load((project / "params.yaml").read_text())["score"]["instruments"]


# ---------------------------------------------------------------------------------------- structure
def test_both_languages_have_every_section(project):
    insts = instrument_ids(project)
    for stem in REPORTS:
        html = (project / "reports" / f"{stem}.html").read_text(encoding="utf-8")
        p = parse(html)
        assert len(p.ids) == len(set(p.ids)), "duplicate ids"
        missing = [s for s in SECTIONS if s not in p.ids]
        missing += [
            f"{views.slug(i)}-{s}" for i in insts for s in PER_INSTRUMENT if f"{views.slug(i)}-{s}" not in p.ids
        ]
        assert not missing, (stem, missing)
        assert not p.external, p.external  # self-contained: nothing fetched
        assert "<script" not in html
        assert html.count("<svg") >= 3 * len(insts)  # flow, icon arrays, ROC per instrument
        import html5lib

        parser = html5lib.HTMLParser(strict=False)
        parser.parse(html)
        assert parser.errors == [], parser.errors[:5]


def test_reliability_of_an_instrument_without_raters_or_items_is_not_applicable(project):
    # the reliability stage ran: a single-column instrument has nothing to assess (not "not assessed")
    for page, lang in (("validation_report.html", "en"), ("validatierapport.html", "nl")):
        html = (project / "reports" / page).read_text(encoding="utf-8")
        block = section(html, f"{views.slug('risk-model@1')}-reliability")
        assert build.load_texts(lang)["reliability_na"] in block
        assert build.load_texts(lang)["not_in_run"] not in block


def test_verdict_section_reports_each_criterion(project):
    html = (project / "reports/validation_report.html").read_text(encoding="utf-8")
    criteria = yaml.safe_load((project / "params.yaml").read_text())["report"]["criteria"]
    for key in criteria["default"]:
        assert f"<code>{key}</code>" in html
    for inst in instrument_ids(project):
        block = section(html, f"{views.slug(inst)}-verdict")
        assert all(f"<code>{k}</code>" in block for k in criteria["default"]), inst
        assert 'class="badge ' in block
    block = section(html, f"{views.slug('sensitivity-observation@1')}-verdict")
    assert "<code>icc_ci_low_min</code>" in block


def section(html: str, sid: str) -> str:
    start = html.index(f'id="{sid}"')
    return html[start : html.index("</section>", start)]


def test_metrics_carry_the_verdict_counts(project):
    metrics = yaml.safe_load((project / "reports/metrics.json").read_text())
    criteria = yaml.safe_load((project / "params.yaml").read_text())["report"]["criteria"]
    for inst in instrument_ids(project):
        counts = metrics[inst]["criteria"]
        assert set(counts) == {"met", "not_met", "inconclusive", "not_assessable"}
        assert sum(counts.values()) >= len(criteria["default"])


def test_provenance_states_version_hash_params_and_seed(project):
    html = (project / "reports/validation_report.html").read_text(encoding="utf-8")
    flow = yaml.safe_load((project / "data/interim/flow.json").read_text())
    params = yaml.safe_load((project / "params.yaml").read_text())
    from signalering import __version__

    assert flow["file_sha256"] in html
    assert f"signalering {__version__}" in html
    assert str(params["seed"]) in html
    assert "ci_method: wilson" in html and "min_cell: 10" in html


def test_translations_have_the_same_keys():
    en, nl = build.load_texts("en"), build.load_texts("nl")
    assert set(en) == set(nl)
    assert all(isinstance(k, str) for k in en)


# ---------------------------------------------------------------------------------------- privacy
def test_no_record_level_data_in_any_report_file(project):
    with open(project / "data/demo/records.csv", newline="", encoding="utf-8") as fh:
        ids = {row["record_id"] for row in csv.DictReader(fh)}
    assert len(ids) > 1000
    from pypdf import PdfReader

    for path in sorted((project / "reports").rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        else:
            text = path.read_text(encoding="utf-8")
        tokens = set(re.findall(r"[A-Za-z0-9_@.-]+", text)) | set(re.findall(r"[A-Za-z0-9]+", text))
        leaked = sorted(ids & tokens)
        assert not leaked, (path, leaked[:3])
    assert "quarantine" not in (project / "reports/validation_report.html").read_text(encoding="utf-8")


def test_small_counts_are_shown_as_below_threshold(project):
    html = (project / "reports/validation_report.html").read_text(encoding="utf-8")
    disclosure = yaml.safe_load((project / "reports/disclosure.json").read_text())
    assert disclosure["log"], "a 3000-record demo always has small exclusion counts"
    assert "&lt;10" in html


# ---------------------------------------------------------------------------------------- determinism
def test_rerun_is_byte_identical(project, tmp_path_factory):
    # the session's `dvc repro --force` on a copy of the project (every stage rerun, the report included)
    rerun = shared_demo_rerun(tmp_path_factory)
    names = [
        *(f"{s}.{ext}" for s in REPORTS for ext in ("html", "pdf")),
        *(f"{s}.pdf" for s in APPENDICES),
        "metrics.json",
        "disclosure.json",
    ]
    first = {n: (project / "reports" / n).read_bytes() for n in names}
    assert {n: (rerun / "reports" / n).read_bytes() for n in names} == first


def test_pdf_is_a_pdf_with_the_report_text(project):
    from pypdf import PdfReader

    reader = PdfReader(project / "reports/validation_report.pdf")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert 5 < len(reader.pages) <= 24  # issue 15: a main PDF a reviewer reads in ten minutes
    assert "risk-checklist@2" in text and "validation_report_appendix.pdf" in text
    appendix = PdfReader(project / "reports/validation_report_appendix.pdf")
    text = "\n".join(page.extract_text() or "" for page in appendix.pages)
    assert "STARD" in text and "TRIPOD" in text and "risk-checklist@2" in text


def test_html_has_the_summary_first_and_the_appendix_collapsible(project):
    for stem in REPORTS:
        html = (project / "reports" / f"{stem}.html").read_text(encoding="utf-8")
        assert html.index('id="summary"') < html.index('id="instruments"') < html.index('id="appendix"')
        appendix = html[html.index('id="appendix"') :]
        for sid in ("verdict", "setting", "stard", "tripod", "methods", "disclosure", "provenance", "glossary"):
            assert f'id="{sid}"' in appendix, (stem, sid)
        assert appendix.count("<details>") >= len(instrument_ids(project)) + 8
        # the explanations are given once, not per instrument
        t = build.load_texts("en" if stem == "validation_report" else "nl")
        assert html.count(t["tables_plain"].replace("'", "&#39;")) == 1


def test_pdf_tables_repeat_their_header_row():
    html = build.repeat_table_headers(
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
        "<table><tr><th>k</th><td>v</td></tr></table>"
    )
    assert html.count('repeat="1"') == 1 and html.startswith('<table repeat="1">')


# ---------------------------------------------------------------------------------------- study.yaml
def render_en_nl(project: Path, study: dict) -> tuple[str, str]:
    """Both HTML reports built in-process from the project's outputs (no PDF), with ``study``."""
    inp, log = inputs.publishable(inputs.load_inputs(project), 10)
    params = yaml.safe_load((project / "params.yaml").read_text())
    return tuple(
        build.render(views.build_view(inp, log, params, study, lang, build.load_texts(lang))) for lang in ("en", "nl")
    )


def test_study_yaml_fills_stard_items(project, tmp_path):
    html = (project / "reports/validation_report.html").read_text(encoding="utf-8")
    stard = html[html.index('id="stard"') : html.index('id="methods"')]
    assert "not reported" in stard and "study.yaml" in stard
    study = {"funding": "ZonMw grant 123", "setting": {"en": "Eight JGZ sites, 2024", "nl": "Acht JGZ-locaties, 2024"}}
    en, nl = render_en_nl(project, study)
    assert "ZonMw grant 123" in en[en.index('id="stard"') :]
    assert "Eight JGZ sites, 2024" in en and "Acht JGZ-locaties, 2024" in nl
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["report"]["criteria"]["default"]["sensitivty_min"] = 0.8
    inp, log = inputs.publishable(inputs.load_inputs(project), 10)
    html = build.render(views.build_view(inp, log, params, {}, "en", build.load_texts("en")))
    assert "unknown statistic &#39;sensitivty&#39;" in html
    en, _ = render_en_nl(project, {"fundng": "typo"})
    assert "fundng" in en[en.index('id="stard"') : en.index('id="tripod"')]
    # the stage script reads study.yaml next to params.yaml
    from runpy import run_path

    read_study = run_path(str(ROOT / "pipeline/report.py"))["read_study"]
    path = tmp_path / "study.yaml"  # not the shared project's own study.yaml
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    try:
        assert read_study(path) == study
    finally:
        path.unlink()
    assert read_study(path) == {}


def test_missing_optional_inputs_render(project, tmp_path):
    """Only flow and accuracy: every other section says it was not assessed."""
    for rel in ("data/interim/flow.json", "data/processed/accuracy"):
        src = project / rel
        dst = tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    inp, log = inputs.publishable(inputs.load_inputs(tmp_path), 10)
    params = yaml.safe_load((project / "params.yaml").read_text())
    view = views.build_view(inp, log, params, {}, "en", build.load_texts("en"))
    html = build.render(view)
    p = parse(html)
    assert all(s in p.ids for s in SECTIONS)
    comparison = html[html.index('id="comparison"') : html.index('id="stard"')]
    assert "not assessed in this run" in comparison
    for part in ("calibration", "decision", "reliability", "subgroups"):
        assert "not assessed in this run" in section(html, f"{views.slug('sensitivity-observation@1')}-{part}")
    # a criterion whose figure is missing is not assessable, and so is the instrument
    verdict = section(html, f"{views.slug('sensitivity-observation@1')}-verdict")
    assert "icc_ci_low_min" in verdict and "not assessable" in verdict


# ---------------------------------------------------------------------------------------- browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def open_in_chromium(path: Path, profile: Path) -> tuple[str, list[str]]:
    """(DOM after load, console lines) from headless Chromium, offline."""
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (.ci/run installs it) but was not found")
        pytest.skip("chromium not installed (apt-get install chromium); required when CI is set")
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        path.resolve().as_uri(),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    console = [line for line in res.stderr.splitlines() if ":CONSOLE" in line]
    return res.stdout, console


def test_browser_harness_sees_console_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>'
        '<body><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    _, console = open_in_chromium(page, tmp_path / "profile")
    assert any("boom" in line for line in console)


def test_report_opens_offline_in_chromium_without_console_errors(project, tmp_path):
    insts = instrument_ids(project)
    for stem in REPORTS:
        dom, console = open_in_chromium(project / "reports" / f"{stem}.html", tmp_path / f"profile-{stem}")
        assert not console, console
        ids = parse(dom).ids
        wanted = [*SECTIONS, *(f"{views.slug(i)}-{s}" for i in insts for s in PER_INSTRUMENT)]
        assert not [s for s in wanted if s not in ids]


# ---------------------------------------------------------------------------------------- figures
def test_icon_array_rounds_to_1000_and_is_deterministic():
    counts = {"tp": 13.3, "fn": 20.7, "fp": 124.2, "tn": 841.8}
    assert sum(figures.largest_remainder(list(counts.values()))) == 1000
    labels = {"title": "t", "tp": "a", "fn": "b", "fp": "c", "tn": "d"}
    svg = figures.icon_array_svg(counts, labels)
    assert svg == figures.icon_array_svg(counts, labels)
    assert ">13 a<" in svg and ">842 d<" in svg


def test_html_to_pdf_draws_svg_figures():
    html = build.svg_to_img(
        "<html><body><p>x</p>"
        + figures.roc_svg(
            [(0, 0), (0.2, 0.6), (1, 1)],
            [{"fpr": 0.2, "tpr": 0.6, "text": "3", "prespecified": True}],
            {
                "title": "ROC",
                "x": "1 - spec",
                "y": "sens",
                "curve": "c",
                "chance": "ch",
                "prespecified": "p",
                "exploratory": "e",
            },
        )
        + "</body></html>"
    )
    assert "data:image/svg+xml;base64," in html
    pdf = build.html_to_pdf(html)
    assert pdf.startswith(b"%PDF") and pdf == build.html_to_pdf(html)


def test_slug_is_a_valid_html_id():
    assert views.slug("risk-checklist@2") == "i-risk-checklist-v2"
    assert ROOT.is_dir()


def test_verdict_uses_the_cut_off_judged_and_respects_suppression():
    iv = {"estimate": 0.9, "ci_low": 0.85, "ci_high": 0.95, "method": "wilson"}
    hidden = {
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "method": "wilson",
        "reason": "suppressed: fewer than 10 records",
    }
    doc = {
        "auc": iv,
        "direction": "higher",
        "thresholds": [
            {"cutoff": 2.0, "prespecified": True, "names": ["a"], "sensitivity": hidden, "specificity": iv},
            {"cutoff": 3.0, "prespecified": True, "names": ["b"], "sensitivity": iv, "specificity": iv},
        ],
    }
    spec = {
        "cutoffs": [
            {"name": "b", "value": 3.0, "prespecified": True},
            {"name": "a", "value": 2.0, "prespecified": True},
        ]
    }
    assert verdict.primary_threshold(doc, spec, {}) == (1, None)  # the spec's first pre-specified
    assert verdict.primary_threshold(doc, spec, {"cutoff": 2}) == (0, None)
    assert verdict.primary_threshold(doc, spec, {"cutoff": 7})[0] is None
    figs = verdict.verdict_figures(
        doc, doc["thresholds"][0], None, {"icc": [{"type": "ICC1", **iv}], "primary_icc": "ICC1"}, {}
    )
    res = {
        j.key: j
        for j in verdict.assess(
            {"sensitivity_min": 0.8, "icc_ci_low_min": 0.7, "calibration_slope_range": [0.8, 1.2]}, figs
        )
    }
    assert res["sensitivity_min"].outcome == verdict.NOT_ASSESSABLE
    assert res["sensitivity_min"].reason.startswith("suppressed")
    assert res["icc_ci_low_min"].outcome == verdict.MET  # the reliability stage's primary form
    assert res["calibration_slope_range"].reason == "not assessed in this run"


def test_icc_form_judged_defaults_to_the_params_model():
    """One default ICC form: the params model's ``reliability.primary_icc`` (ICC1), read by the report."""
    from signalering import params

    default = params.defaults()["reliability"]["primary_icc"]
    assert default == "ICC1" == verdict.DEFAULT_ICC
    assert verdict.icc_type_judged({}, None) == verdict.icc_type_judged({}, {"icc": []}) == default
    assert verdict.icc_type_judged({}, {"primary_icc": "ICC3"}) == "ICC3"
    assert verdict.icc_type_judged({"icc_type": "ICC2"}, {"primary_icc": "ICC3"}) == "ICC2"
    forms = [
        {"type": t, "estimate": e, "ci_low": e - 0.05, "ci_high": e + 0.05} for t, e in (("ICC1", 0.5), ("ICC2", 0.9))
    ]
    figs = verdict.verdict_figures({"auc": None}, None, None, {"icc": forms}, {})  # no primary_icc in the document
    assert figs["icc"]["type"] == default


def test_the_meta_analysis_figure_shows_organisation_size_in_classes_not_the_exact_n():
    labels = dict.fromkeys(("title", "x", "y", "organisations", "summary", "confidence", "prediction", "curve"), "")
    labels["decimal"] = "."

    def radii(sizes):
        svg = figures.sroc_svg([(0.1, 0.8, n) for n in sizes], (0.1, 0.8), [], [], [], labels)
        return re.findall(r'<circle[^>]*r="([0-9.]+)"', svg)

    # 412 and 405 children fall in one class (fifths of the largest, 1000): one radius, n not given back
    r = radii([1000, 412, 405])  # the organisations' circles come first, then the legend's
    assert r[1] == r[2] and r[0] != r[1]
    assert radii([1000, 100])[1] != radii([1000, 900])[1]  # sizes still differ between classes
