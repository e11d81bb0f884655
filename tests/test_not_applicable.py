"""Stages with nothing to do succeed with a "not applicable" document, which the report reads.

Each stage script is run as DVC runs it (``__main__`` in the project folder) on a tiny project of
plain score instruments: no raters, no probabilities, no subgroups, no pairs.
"""

from __future__ import annotations

import json
import runpy

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from signalering.documents import not_applicable
from signalering.report.inputs import load_inputs

N = 60


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with a plain score, a one-rater observation and the interim files."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    ref = np.tile([1.0, 0.0, 0.0], N // 3)
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "lab.yaml").write_text(
        "name: lab\nversion: 1\nkind: score\ncolumn: lab\n", encoding="utf-8"
    )
    (tmp_path / "instruments" / "obs.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "obs",
                "version": 1,
                "kind": "rater_observation",
                "raters": [{"column": "r1"}],
                "combine": "first_rater",
                "rating_scale": {"min": 1, "max": 9},
                "cutoffs": [{"name": "c", "value": 5, "prespecified": True}],
            }
        ),
        encoding="utf-8",
    )
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params = {k: shipped[k] for k in ("seed", "evaluate", "calibration", "reliability", "disclosure")}
    params["evaluate"]["bootstrap"] = 0
    params["evaluate"]["meta_analysis"]["by"] = None  # this file has no subgroup columns
    params.update(
        data={"records": "x.csv", "id_column": "case", "reference": "ref", "subgroups": [], "columns": {}},
        score={"instruments": ["instruments/lab.yaml"]},
        compare={"pairs": [], "cutoffs": {}, "mcnemar": "exact"},
    )
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    interim = tmp_path / "data" / "interim"
    interim.mkdir(parents=True)
    lab = rng.normal(ref, 1.0)
    pd.DataFrame(
        {"case": [f"c{i}" for i in range(N)], "ref": ref, "lab": lab, "r1": rng.integers(1, 10, N).astype(float)}
    ).to_parquet(interim / "records.parquet")
    pd.DataFrame({"case": [f"c{i}" for i in range(N)], "ref": ref, "lab@1": lab}).to_parquet(interim / "scores.parquet")
    (interim / "instruments.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "instruments": [
                    {
                        "id": "lab@1",
                        "name": "lab",
                        "version": 1,
                        "kind": "score",
                        "probability": False,
                        "direction": "higher",
                        "cutoffs": [],
                        "references": [],
                        "source_file": "lab.yaml",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return tmp_path


def run_stage(name: str) -> None:
    runpy.run_path(str(ROOT / "pipeline" / f"{name}.py"), run_name="__main__")


def documents(folder) -> dict:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


@pytest.mark.parametrize(
    "stage, folder, reason",
    [
        ("reliability", "data/processed/reliability", "rater columns"),
        ("calibration", "data/processed/calibration", "probability"),
        ("compare", "data/processed/comparison", "compare.pairs"),
        ("subgroups", "data/processed/subgroups", "data.subgroups"),
        ("meta_analysis", "data/processed/meta_analysis", "evaluate.meta_analysis.by"),
    ],
)
def test_a_stage_with_nothing_to_do_writes_only_the_document(project, stage, folder, reason):
    run_stage(stage)
    docs = documents(project / folder)
    assert list(docs) == [not_applicable.FILE]
    doc = docs[not_applicable.FILE]
    assert doc["applicable"] is False and doc["stage"] == stage and reason in doc["reason"]


def test_calibration_plots_stay_plot_rows(project):
    run_stage("calibration")
    for curve in ("calibration", "decision"):
        assert documents(project / "reports" / "plots" / curve) == {"lab@1.json": []}


def test_compare_without_pairs_writes_empty_metrics(project):
    run_stage("compare")
    assert json.loads((project / "reports" / "comparison_metrics.json").read_text(encoding="utf-8")) == {}


def test_subgroups_without_columns_publishes_the_document_too(project):
    run_stage("subgroups")
    assert list(documents(project / "reports" / "subgroups")) == [not_applicable.FILE]


def test_one_rater_observation_gets_a_reason_not_an_index_error(project):
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["score"]["instruments"] = ["instruments/lab.yaml", "instruments/obs.yaml"]
    (project / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    run_stage("reliability")
    docs = documents(project / "data" / "processed" / "reliability")
    assert list(docs) == ["obs@1.json"]
    assert "two" in docs["obs@1.json"]["reason"] and "icc" not in docs["obs@1.json"]


def test_calibration_assesses_a_score_declared_a_probability(project):
    (project / "instruments" / "lab.yaml").write_text(
        "name: lab\nversion: 1\nkind: score\ncolumn: lab\nprobability: true\n", encoding="utf-8"
    )
    scores = pd.read_parquet(project / "data" / "interim" / "scores.parquet")
    scores["lab@1"] = np.clip(0.3 + 0.2 * scores["ref"] + np.linspace(-0.2, 0.2, N), 0, 1)
    scores.to_parquet(project / "data" / "interim" / "scores.parquet")
    run_stage("calibration")
    docs = documents(project / "data" / "processed" / "calibration")
    assert list(docs) == ["lab@1.json"]
    assert docs["lab@1.json"]["estimated_mapping"] is False and docs["lab@1.json"]["n"] == N


def test_the_report_reads_the_documents_apart_from_the_instruments(project):
    for stage in ("reliability", "compare"):
        run_stage(stage)
    (project / "data" / "interim" / "flow.json").write_text('{"received": 60}', encoding="utf-8")
    (project / "data" / "processed" / "accuracy").mkdir(parents=True)
    inputs = load_inputs(project)
    assert set(inputs.not_applicable) == {"reliability", "compare"}
    assert inputs.reliability == {} and inputs.comparisons == []
    assert "data/processed/reliability/_not_applicable.json" in [f for f, _ in inputs.files]


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError):
        not_applicable.document("evaluate", "x")


def test_every_stage_has_a_line_in_both_languages():
    for lang in ("en", "nl"):
        texts = yaml.safe_load((ROOT / "src/signalering/report/i18n" / f"{lang}.yaml").read_text(encoding="utf-8"))
        assert set(texts["not_applicable"]) == set(not_applicable.STAGES), lang


@pytest.mark.parametrize(
    "stage, words",
    [
        ("reliability", "not applicable"),
        ("calibration", "not applicable"),
        ("compare", "not applicable"),
        ("subgroups", "not applicable"),
        ("meta_analysis", "not applicable"),
        ("evaluate", "wrote 1 accuracy documents"),
    ],
)
def test_a_stage_ends_with_one_summary_line_on_stderr(project, capsys, stage, words):
    run_stage(stage)
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"signalering: {stage}: ") and words in line and "wrote" in line
