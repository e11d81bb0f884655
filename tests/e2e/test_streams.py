"""Random streams are keyed by instrument id: reordering `score.instruments` changes no instrument's
results, and the analysis seed does not regenerate the demo data (it has its own `simulate.seed`)."""

from __future__ import annotations

import pytest
import yaml
from conftest import project_copy, run

INSTRUMENTS = ["risk-checklist@1", "risk-checklist@2", "risk-model@1"]
OUTPUTS = ("data/processed/accuracy", "data/processed/calibration", "reports/plots/calibration")


def outputs(project) -> dict[str, bytes]:
    return {f"{d}/{p.name}": p.read_bytes() for d in OUTPUTS for p in sorted((project / d).glob("*.json"))}


def set_params(project, **groups) -> None:
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    for group, values in groups.items():
        if isinstance(values, dict):
            params[group].update(values)
        else:
            params[group] = values
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


@pytest.mark.slow
def test_reordering_instruments_leaves_each_instruments_results_byte_identical(tmp_path):
    project = project_copy(
        tmp_path,
        simulate={"n_records": 1500},
        score={"instruments": INSTRUMENTS},
        compare={"pairs": []},
        evaluate={"bootstrap": 30},
        calibration={"curve_bootstrap": 20, "decision_bootstrap": 20},
    )
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "config", "core.analytics", "false"], project)
    run(["dvc", "repro", "evaluate", "calibration"], project)
    before = outputs(project)
    demo = (project / "data/demo/records.csv").read_bytes()
    assert any("calibration/risk-model@1" in k for k in before) and len(before) >= 7

    set_params(project, score={"instruments": INSTRUMENTS[::-1]})
    run(["dvc", "repro", "evaluate", "calibration"], project)
    assert outputs(project) == before

    set_params(project, seed=1)  # the analysis seed: new bootstrap, same demo data
    status = run(["dvc", "status", "simulate"], project).stdout
    assert "changed" not in status, status
    run(["dvc", "repro", "evaluate"], project)
    assert (project / "data/demo/records.csv").read_bytes() == demo
    assert (
        outputs(project)["data/processed/accuracy/risk-checklist@2.json"]
        != before["data/processed/accuracy/risk-checklist@2.json"]
    )
