"""End to end on a public data set the project was not built for: `signalering init`, then `dvc repro`.

The data are the 113 patients of the ``aSAH`` set shipped with R's pROC package (outcome after
aneurysmal subarachnoid haemorrhage; scores s100b, ndka: continuous, wfns: ordinal 1-5), exported
with ``data/asah.R``, which also wrote pROC's AUCs with DeLong intervals (``data/asah_proc.json``).
No specification is written by hand: `init` writes params.yaml and one ``score`` instrument per
column, and the whole pipeline runs on it.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import ROOT, copy_project, project_copy, run, shared_build

DATA = ROOT / "tests" / "e2e" / "data"
SCORES = ("s100b", "ndka", "wfns")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The project after `init` and `dvc repro`, built once per session (pytest-xdist workers share it);
    tests only read it, a test that edits it works on a copy."""
    return shared_build(tmp_path_factory, "shared-asah", _init_and_repro)


def _init_and_repro(folder):
    project = project_copy(folder)
    shutil.copy(DATA / "asah.csv", project / "asah.csv")
    res = run(
        [
            "signalering",
            "init",
            "--records",
            "asah.csv",
            "--reference",
            "outcome",
            "--positive",
            "Poor",
            "--negative",
            "Good",
            *[a for s in SCORES for a in ("--score", s)],
            "--id",
            "case",
            "--subgroup",
            "gender",
        ],
        project,
    )
    assert "dvc repro" in res.stderr and "params.yaml" in res.stderr
    # no test here reads the PDFs (xhtml2pdf takes most of the report stage): the HTML is what is checked
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["report"]["pdf"] = False
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "config", "core.analytics", "false"], project)
    run(["dvc", "repro"], project)


@pytest.mark.slow
def test_init_writes_score_instruments_and_keeps_the_analysis_settings(project):
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    assert params["score"]["instruments"] == [f"instruments/{s}.yaml" for s in SCORES]
    assert params["data"]["id_column"] == "case" and params["data"]["subgroups"] == ["gender"]
    assert params["data"]["columns"]["gender"] == {"codes": ["Female", "Male"]}
    assert params["data"]["columns"]["wfns"] == {"min": 1, "max": 5, "integer": True}
    # the analysis settings are kept; the meta-analysis column named a subgroup column of the demo file
    meta = {**shipped["evaluate"]["meta_analysis"], "by": None}
    assert params["evaluate"] == {**shipped["evaluate"], "meta_analysis": meta} and params["seed"] == shipped["seed"]
    assert params["compare"]["pairs"] == []  # the demo's pairs name other instruments
    assert set(params["report"]["criteria"]) == {"default"}
    spec = yaml.safe_load((project / "instruments" / "wfns.yaml").read_text(encoding="utf-8"))
    assert spec["kind"] == "score" and spec["column"] == "wfns" and spec["direction"] == "higher"


@pytest.mark.slow
def test_aucs_equal_proc(project):
    proc = json.loads((DATA / "asah_proc.json").read_text(encoding="utf-8"))
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    for s in SCORES:
        m, r = metrics[f"{s}@1"], proc[s]
        assert m["auc"] == pytest.approx(r["auc"], abs=1e-9), s
        assert m["auc_ci_low"] == pytest.approx(r["ci_low"], abs=1e-9), s
        assert m["auc_ci_high"] == pytest.approx(r["ci_high"], abs=1e-9), s
        doc = json.loads((project / "data" / "processed" / "accuracy" / f"{s}@1.json").read_text(encoding="utf-8"))
        assert (doc["n_positive"], doc["n_negative"]) == (41, 72)


@pytest.mark.slow
def test_report_names_every_score_and_the_stages_not_applicable(project):
    flow = json.loads((project / "data" / "interim" / "flow.json").read_text(encoding="utf-8"))
    assert flow["received"] == flow["analysed"] == 113
    for stage in ("comparison", "calibration", "reliability", "meta_analysis"):
        doc = json.loads((project / "data" / "processed" / stage / "_not_applicable.json").read_text(encoding="utf-8"))
        assert doc["applicable"] is False
    assert sorted(p.name for p in (project / "data" / "processed" / "subgroups").glob("*.json")) == [
        f"{s}@1.json" for s in sorted(SCORES)
    ]
    for name, words in (
        ("validation_report.html", "not applicable in this run"),
        ("validatierapport.html", "niet van toepassing in deze run"),
    ):
        html = (project / "reports" / name).read_text(encoding="utf-8")
        for s in SCORES:
            assert f"{s}@1" in html, (name, s)
        assert html.count(words) == 4, name  # comparison, calibration, reliability, meta-analysis


@pytest.mark.slow
def test_editing_a_spec_reruns_the_pipeline_and_the_judged_cutoff_is_used(project, tmp_path):
    project = copy_project(project, tmp_path)  # the edit and the rerun on a private copy
    path = project / "instruments" / "wfns.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["cutoffs"] = [
        {"name": "protocol", "value": 4, "prespecified": True},
        {"name": "explore", "value": 2, "prespecified": False},
    ]
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert "score" in run(["dvc", "status"], project).stdout  # the spec file is a dependency
    run(["dvc", "repro"], project)
    doc = json.loads((project / "data" / "processed" / "accuracy" / "wfns@1.json").read_text(encoding="utf-8"))
    assert [(t["cutoff"], t["prespecified"]) for t in doc["thresholds"]] == [(4.0, True), (2.0, False)]
    at4 = doc["thresholds"][0]
    # wfns >= 4 in aSAH: 26 of the 41 poor outcomes, 12 of the 72 good ones (table(aSAH$wfns, aSAH$outcome))
    assert (at4["tp"], at4["fn"], at4["fp"], at4["tn"]) == (26, 15, 12, 60)
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["wfns@1"]["criteria"]["not_assessable"] == 0


@pytest.mark.slow
def test_report_sentences_are_true_for_complete_verification(project):
    """aSAH: every patient has an outcome. No partial-verification limitation, the flow says the
    verification is complete and shows every count (issue 15: "for not shown of them ...")."""
    for name, partial, complete, hidden in (
        (
            "validation_report.html",
            "(partial verification)",
            "the reference standard is known (complete",
            "for not shown",
        ),
        (
            "validatierapport.html",
            "(partiële verificatie)",
            "de referentiestandaard bekend (volledige",
            "van niet getoond",
        ),
    ):
        html = (project / "reports" / name).read_text(encoding="utf-8")
        assert partial not in html and complete in html and hidden not in html, name
        assert 'data-count="flow.unverified">0<' in html and 'data-count="flow.verified">113<' in html, name


@pytest.mark.slow
def test_without_a_pre_specified_cutoff_the_report_says_so_not_that_it_was_not_run(project):
    """ndka and s100b come from `init` without cut-offs: the summary's per-1000 row and the criteria
    give that reason, not "not assessed in this run" (the figures were not skipped, there is no
    cut-off to judge)."""
    for name, reason, not_run, plain in (
        ("validation_report.html", "no pre-specified cut-off", "not assessed in this run", "No cut-off was fixed"),
        (
            "validatierapport.html",
            "geen vooraf vastgelegd afkappunt",
            "niet beoordeeld in deze run",
            "geen afkappunt vastgelegd",
        ),
    ):
        html = (project / "reports" / name).read_text(encoding="utf-8")
        summary = html[html.index('<section id="summary">') : html.index("</section>", html.index('id="summary"'))]
        assert reason in summary and not_run not in summary, name
        assert plain in html, name


@pytest.mark.slow
def test_sections_with_nothing_to_do_say_not_applicable_not_not_assessed(project):
    # plain scores without a cut-off: calibration, decision curve and reliability ran and had nothing
    # to do; no cut-off was fixed, so no subgroup difference at one
    from signalering.report import build, views

    for page, lang in (("validation_report.html", "en"), ("validatierapport.html", "nl")):
        t = build.load_texts(lang)
        html = (project / "reports" / page).read_text(encoding="utf-8")
        for s in SCORES:
            slug = views.slug(f"{s}@1")
            for part, text in (
                ("calibration", "calibration_na"),
                ("decision", "calibration_na"),
                ("reliability", "reliability_na"),
            ):
                start = html.index(f'id="{slug}-{part}"')
                block = html[start : html.index("</section>", start)]
                assert t[text] in block and t["not_in_run"] not in block, (page, s, part)
            start = html.index(f'id="{slug}-subgroups"')  # (the test giving wfns a cut-off edits a copy)
            assert t["no_subgroup_cutoff"] in html[start : html.index("</section>", start)]
