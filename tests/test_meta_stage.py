"""The pipeline's meta-analysis across a subgroup column (``evaluate.meta_analysis``): the params
switch, the ``meta_analysis`` stage and the report's figure and plain-words sentences."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from scipy.special import expit

from signalering.errors import InputError
from signalering.params import validate
from signalering.report.build import load_texts
from signalering.report.views import Fmt, meta_analysis_view
from signalering.scale.federated import meta_analysis_document
from signalering.stats import meta_analysis as ma
from signalering.stats.counts import CountTable

FIXTURE = json.loads((Path(__file__).parent / "reference" / "meta" / "bivariate.json").read_text())
SITES = [f"s{i}" for i in range(1, 9)]


def site_tables(case: str) -> dict[str, CountTable]:
    c = FIXTURE["cases"][case]["counts"]
    out = {}
    for i, (tp, fp, fn, tn) in enumerate(zip(c["tp"], c["fp"], c["fn"], c["tn"])):
        scores = [1] * (tp + fp) + [0] * (fn + tn)
        ref = [1] * tp + [0] * fp + [1] * fn + [0] * tn
        out[f"org{i + 1:02d}"] = CountTable.from_scores(scores, ref, "higher")
    return out


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Eight sites with site-specific sensitivity and specificity, a score with a pre-specified cut-off."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(11)
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "lab.yaml").write_text(
        "name: lab\nversion: 1\nkind: score\ncolumn: lab\ncutoffs:\n  - {name: c, value: 1, prespecified: true}\n",
        encoding="utf-8",
    )
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params = {k: shipped[k] for k in ("seed", "evaluate", "disclosure")}
    params["evaluate"]["meta_analysis"] = {"by": "site"}
    params.update(
        data={
            "records": "x.csv",
            "id_column": "case",
            "reference": "ref",
            "subgroups": ["site"],
            "columns": {"site": {"codes": SITES}},
        },
        score={"instruments": ["instruments/lab.yaml"]},
    )
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    rows = []
    for j, site in enumerate(SITES):
        sens, spec = expit(1.0 + 0.5 * rng.normal()), expit(1.5 + 0.5 * rng.normal())
        ref = np.r_[np.ones(60 + 10 * j), np.zeros(300)]
        pos = np.where(ref == 1, rng.random(ref.size) < sens, rng.random(ref.size) > spec)
        rows.append(pd.DataFrame({"ref": ref, "site": site, "lab@1": pos.astype(float)}))
    scores = pd.concat(rows, ignore_index=True)
    scores.insert(0, "case", [f"c{i}" for i in range(len(scores))])
    interim = tmp_path / "data" / "interim"
    interim.mkdir(parents=True)
    scores.to_parquet(interim / "scores.parquet")
    inst = {
        "id": "lab@1",
        "name": "lab",
        "version": 1,
        "kind": "score",
        "probability": False,
        "direction": "higher",
        "cutoffs": [{"name": "c", "value": 1, "prespecified": True}],
        "references": [],
        "source_file": "lab.yaml",
    }
    (interim / "instruments.json").write_text(json.dumps({"schema_version": 1, "instruments": [inst]}))
    return tmp_path, scores


def test_stage_meta_analyses_the_sites_at_the_judged_cutoff(project):
    folder, scores = project
    runpy.run_path(str(ROOT / "pipeline" / "meta_analysis.py"), run_name="__main__")
    doc = json.loads((folder / "data/processed/meta_analysis/lab@1.json").read_text())
    assert doc["by"] == "site" and doc["organisations"] == SITES and doc["judged_cutoff"] == 1.0
    (entry,) = doc["at_cutoffs"]
    assert entry["cutoff"] == 1.0 and entry["prespecified"] is True and entry["organisations"] == 8
    # the same fit by hand from the sites' 2x2 tables
    g = scores.groupby("site")
    tp = g.apply(lambda d: ((d["lab@1"] == 1) & (d.ref == 1)).sum(), include_groups=False)
    fn = g.apply(lambda d: ((d["lab@1"] == 0) & (d.ref == 1)).sum(), include_groups=False)
    fp = g.apply(lambda d: ((d["lab@1"] == 1) & (d.ref == 0)).sum(), include_groups=False)
    tn = g.apply(lambda d: ((d["lab@1"] == 0) & (d.ref == 0)).sum(), include_groups=False)
    fit = ma.reitsma_reml(tp, fp, fn, tn)
    assert entry["pooled"]["sensitivity"]["estimate"] == pytest.approx(expit(fit.mu[0]), abs=1e-12)
    for site in SITES:
        point = entry["per_organisation"][site]
        if point["n"] is not None:
            assert point["sensitivity"] == pytest.approx(tp[site] / (tp[site] + fn[site]))


def test_stage_without_a_judged_cutoff_says_why(project):
    folder, _ = project
    path = folder / "data/interim/instruments.json"
    doc = json.loads(path.read_text())
    doc["instruments"][0]["cutoffs"] = []
    path.write_text(json.dumps(doc))
    runpy.run_path(str(ROOT / "pipeline" / "meta_analysis.py"), run_name="__main__")
    out = json.loads((folder / "data/processed/meta_analysis/lab@1.json").read_text())
    assert out["at_cutoffs"] == [] and out["judged_cutoff"] is None and "judged cut-off" in out["reason"]


def test_by_must_be_a_declared_subgroup(project):
    folder, _ = project
    doc = yaml.safe_load((folder / "params.yaml").read_text())
    doc["evaluate"]["meta_analysis"]["by"] = "region"
    with pytest.raises(InputError, match="evaluate.meta_analysis.by"):
        validate(doc, "params.yaml", folder)
    doc["evaluate"]["meta_analysis"] = {"by": "site", "min_organisations": 2}
    with pytest.raises(InputError, match="min_organisations"):
        validate(doc, "params.yaml", folder)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_sentence_and_figure(lang):
    t = load_texts(lang)
    fmt = Fmt(lang, t)
    doc = meta_analysis_document(site_tables("simulated_30"), [1.0])
    doc["by"] = "site"
    view = meta_analysis_view(doc, fmt, t, "lab@1")
    entry = doc["at_cutoffs"][0]
    sens = entry["pooled"]["sensitivity"]
    first = view["plain"][0]
    assert fmt.interval("sensitivity", sens) in first
    assert fmt.pct(sens["prediction_low"]) in first and fmt.pct(sens["prediction_high"]) in first
    assert ("new organisation" if lang == "en" else "nieuwe organisatie") in first
    published = sum(p["n"] is not None for p in entry["per_organisation"].values())
    withheld = 30 - published
    assert withheld > 0 and str(withheld) in view["figure_note"]
    svg = view["svg"]
    assert svg.count("<circle") == published + 1 + 2  # organisations, summary point, two legend marks
    assert svg.count("<polyline") == 3  # prediction and confidence regions, SROC curve
    assert "{" not in " ".join(view["plain"]) + view["tech"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_says_why_there_is_no_meta_analysis(lang):
    t = load_texts(lang)
    doc = meta_analysis_document(site_tables("simulated_few"), [1.0])
    view = meta_analysis_view(doc, Fmt(lang, t), t, "lab@1")
    assert view["svg"] is None
    assert view["plain"] == [t["meta_too_few"].format(k=4, min=5, cutoff="1")]


@pytest.mark.slow
def test_dvc_repro_with_the_switch_on(tmp_project):
    """`dvc repro` with `evaluate.meta_analysis.by: site` on 2,000 simulated records: a document per
    instrument and the report part in both languages."""
    from conftest import run

    meta = {"by": "site", "method": "glmm", "all_cutoffs": True, "min_organisations": 5}
    project = tmp_project(
        simulate={"n_records": 2000},
        # two instruments (one pair) are enough for the meta-analysis documents and report parts checked here
        score={"instruments": ["risk-checklist@1", "risk-checklist@2"]},
        compare={"pairs": [["risk-checklist@2", "risk-checklist@1"]]},
        evaluate={"bootstrap": 0, "meta_analysis": meta},
        report={"pdf": False},
    )
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "repro"], project)
    docs = sorted((project / "data/processed/meta_analysis").glob("*.json"))
    assert docs and not (project / "data/processed/meta_analysis/_not_applicable.json").exists()
    doc = json.loads((project / "data/processed/meta_analysis/risk-checklist@2.json").read_text())
    assert doc["method"] == "glmm" and len(doc["at_cutoffs"]) > 1
    for entry in doc["at_cutoffs"]:
        assert (entry["pooled"] is None) == ("reason" in entry)
    en = (project / "reports/validation_report.html").read_text()
    nl = (project / "reports/validatierapport.html").read_text()
    assert 'id="i-risk-checklist-v2-meta-analysis"' in en and "Meta-analysis across site" in en
    assert 'id="i-risk-checklist-v2-meta-analysis"' in nl and "Meta-analyse over site" in nl
    from test_report_dutch import english_fragments

    assert not english_fragments(nl)


def _tables(per_org: list[tuple[int, int, int, int]]) -> dict[str, CountTable]:
    """Organisations from (tp, fp, fn, tn) at the cut-off 1 of a 0/1 score."""
    out = {}
    for i, (tp, fp, fn, tn) in enumerate(per_org):
        scores = [1] * (tp + fp) + [0] * (fn + tn)
        ref = [1] * tp + [0] * fp + [1] * fn + [0] * tn
        out[f"org{i + 1}"] = CountTable.from_scores(scores, ref, "higher")
    return out


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_meta_analysis_is_withheld_where_the_pooled_table_is(lang):
    """Six organisations with one or two reference-positives each: the pooled table (TP 5, FN 4) is
    withheld, and the pooled sensitivity of the model would come within a few points of 5/9 (its
    interval telling the margin): the report withholds the summary at that cut-off too."""
    from signalering.documents import disclosure
    from signalering.scale.federated import evaluate_tables

    tables = _tables(
        [(1, 20, 1, 200), (1, 25, 0, 210), (1, 18, 1, 190), (1, 22, 1, 205), (0, 21, 1, 199), (1, 19, 0, 201)]
    )
    doc = meta_analysis_document(tables, [1.0], min_cell=10)
    entry = doc["at_cutoffs"][0]
    assert entry["pooled"]["sensitivity"]["estimate"] == pytest.approx(5 / 9, abs=0.1)  # what would leak
    accuracy, _ = disclosure.suppress_accuracy_document(evaluate_tables(tables, [1.0])["pooled"], 10)
    assert accuracy["thresholds"][0].get("suppressed")
    published, log = disclosure.suppress_meta_analysis_document(doc, accuracy, 10, "lab@1")
    (pub,) = published["at_cutoffs"]
    assert pub["pooled"] is None and pub["reason"] == disclosure.WITHHELD and pub["per_organisation"] == {}
    assert pub["confidence_region"] is None and pub["between_organisations"] is None
    assert pub["cutoff"] == 1.0 and log and "pooled" in log[0]["hidden"]
    t = load_texts(lang)
    view = meta_analysis_view({**published, "by": "site"}, Fmt(lang, t), t, "lab@1")
    assert view["plain"] == [t["meta_table_withheld"].format(cutoff="1")] and view["svg"] is None
    # large tables: the pooled table is published, and so is the summary
    big = site_tables("simulated_30")
    doc = meta_analysis_document(big, [1.0])
    accuracy, _ = disclosure.suppress_accuracy_document(evaluate_tables(big, [1.0])["pooled"], 10)
    assert not accuracy["thresholds"][0].get("suppressed")
    assert disclosure.suppress_meta_analysis_document(doc, accuracy, 10)[0] == doc


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_banded_judged_cutoff_is_named_not_called_missing(project, lang):
    """An instrument judged by a banded cut-off has a judged cut-off: the stage and the report say
    the meta-analysis does not support banded ones, not that there is no judged cut-off."""
    folder, _ = project
    path = folder / "data/interim/instruments.json"
    doc = json.loads(path.read_text())
    doc["instruments"][0]["cutoffs"] = [{"name": "c", "value": 1, "prespecified": False}]
    doc["instruments"][0]["banded_cutoffs"] = [
        {"name": "by-age", "column": "age", "prespecified": True, "bands": [{"min": 0, "max": 17, "cutoff": 1}]}
    ]
    path.write_text(json.dumps(doc))
    runpy.run_path(str(ROOT / "pipeline" / "meta_analysis.py"), run_name="__main__")
    out = json.loads((folder / "data/processed/meta_analysis/lab@1.json").read_text())
    assert out["at_cutoffs"] == [] and out["judged_cutoff"] is None and out["judged_banded"] == "by-age"
    assert "banded (by-age)" in out["reason"] and "no judged cut-off" not in out["reason"]
    t = load_texts(lang)
    view = meta_analysis_view(out, Fmt(lang, t), t, "lab@1")
    assert view["plain"] == [t["meta_banded"].format(name="by-age")]
    assert "by-age" in view["plain"][0] and view["plain"][0] != t["meta_no_cutoff"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_withheld_organisations_are_counted_out_of_all_not_only_those_fitted(lang):
    """Six organisations with positives and negatives and a seventh without positives (withheld from
    the figure, in the fit for specificity only): 'Across 6 organisations' must not be followed by
    '7 organisation(s) are not shown' without saying out of how many."""
    big = [
        (40, 30, 20, 300),
        (45, 35, 15, 280),
        (50, 25, 25, 310),
        (38, 28, 22, 290),
        (42, 33, 18, 305),
        (47, 31, 19, 295),
    ]
    tables = _tables([*big, (0, 3, 0, 40)])
    doc = meta_analysis_document(tables, [1.0], min_cell=10)
    entry = doc["at_cutoffs"][0]
    assert entry["organisations"] == 6 and len(entry["per_organisation"]) == 7
    withheld = sum(1 for p in entry["per_organisation"].values() if p.get("suppressed"))
    t = load_texts(lang)
    view = meta_analysis_view({**doc, "by": "site"}, Fmt(lang, t), t, "lab@1")
    assert view["plain"][0].startswith(t["meta_plain"].split("{")[0]) and " 6 " in view["plain"][0]
    line = view["figure_note"]
    assert line == t["meta_withheld"].format(n=withheld, total=7)
    assert (f"{withheld} of the 7" if lang == "en" else f"{withheld} van de 7") in line


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_published_sentence_does_not_count_the_organisations_without_both(lang):
    """The same seven organisations as published (``disclosure.suppress_meta_analysis_document``): the
    count 6 of 7 would tell that one organisation has no reference-positive (a zero margin); the
    sentence gives no count, and the figure's note counts that organisation with the withheld ones
    (never alone: the smallest drawn one goes with it)."""
    from signalering.documents import disclosure
    from signalering.documents.accuracy import accuracy_document

    def published(tables):
        pooled = sum(tables.values(), CountTable.from_scores([], [], "higher"))
        acc, _ = disclosure.suppress_accuracy_document(accuracy_document(pooled, [1.0]), 10)
        doc = meta_analysis_document(tables, [1.0], min_cell=10)
        return disclosure.suppress_meta_analysis_document(doc, acc, 10)[0]

    big = [(40, 30, 20, 300), (45, 35, 15, 280), (50, 25, 25, 310), (38, 28, 22, 290), (42, 33, 18, 305)]
    tables = _tables([*big, (47, 31, 19, 295), (0, 10, 0, 40)])
    doc = published(tables)
    entry = doc["at_cutoffs"][0]
    assert entry["organisations"] is None and entry["pooled"] is not None
    t = load_texts(lang)
    view = meta_analysis_view({**doc, "by": "site"}, Fmt(lang, t), t, "lab@1")
    assert view["plain"][0].startswith(t["meta_plain_unnumbered"].split("{")[0])
    assert " 6 " not in view["plain"][0] and "{" not in view["plain"][0]
    assert view["figure_note"] == t["meta_withheld"].format(n=2, total=7)
    assert view["svg"].count("<circle") == 5 + 1 + 2  # five organisations, summary point, two legend marks
    # too few organisations with both: no count either
    few = _tables([*big[:3], (0, 10, 0, 40), (0, 12, 0, 50)])
    doc = published(few)
    view = meta_analysis_view({**doc, "by": "site"}, Fmt(lang, t), t, "lab@1")
    assert view["plain"] == [t["meta_too_few_unnumbered"].format(cutoff="1")]
    assert "3" not in view["plain"][0]
