"""End to end: `dvc repro` on a small simulated file, the flow adds up, and a rerun changes nothing."""

import json

import yaml
from conftest import ROOT, run, shared_demo_project, shared_demo_rerun


def test_pipeline_end_to_end(tmp_path_factory):
    project = shared_demo_project(tmp_path_factory)  # `dvc repro` on 3,000 records, 50 bootstrap replicates

    flow = json.loads((project / "data/interim/flow.json").read_text())
    assert flow["received"] == 3000
    assert flow["received"] == flow["analysed"] + sum(flow["excluded"].values())
    quarantine = (project / "data/secure/quarantine.csv").read_text().splitlines()
    assert len({line.split(",")[0] for line in quarantine[1:]}) == sum(flow["excluded"].values())

    params = yaml.safe_load((project / "params.yaml").read_text())
    instruments = params["score"]["instruments"]
    for inst in instruments:
        doc = json.loads((project / f"data/processed/accuracy/{inst}.json").read_text())
        assert doc["schema_version"] == 1 and doc["thresholds"]
        assert doc["n_positive"] + doc["n_negative"] + doc["n_unverified"] == doc["n"]
        assert 0.5 < doc["auc"]["estimate"] < 0.95, inst
        for t in doc["thresholds"]:
            if t.get("banded"):  # a banded cut-off's table holds the records with a band only
                assert t["tp"] + t["fn"] <= doc["n_positive"] and t["fp"] + t["tn"] <= doc["n_negative"]
                continue
            assert t["tp"] + t["fn"] == doc["n_positive"] and t["fp"] + t["tn"] == doc["n_negative"]
    cal = json.loads((project / "data/processed/calibration/risk-model@1.json").read_text())
    acc = json.loads((project / "data/processed/accuracy/risk-model@1.json").read_text())
    # calibration and accuracy read the same verified records with a probability
    assert (cal["n"], cal["n_events"]) == (acc["n_positive"] + acc["n_negative"], acc["n_positive"])
    assert 0 < cal["n_events"] < cal["n"] and 0 < cal["brier"] < 0.25
    assert json.loads((project / "data/processed/calibration/risk-checklist@1.json").read_text())["estimated_mapping"]
    for curve in ("calibration", "decision"):
        assert json.loads((project / f"reports/plots/{curve}/risk-model@1.json").read_text())
    rel = json.loads((project / "data/processed/reliability/sensitivity-observation@1.json").read_text())
    assert [f["type"] for f in rel["icc"]][0] == "ICC1" and rel["flags"]
    metrics = json.loads((project / "reports/metrics.json").read_text())
    assert set(instruments) <= set(metrics)
    assert not any("." in k for m in metrics.values() for k in m)
    for name in ("validation_report.html", "validatierapport.html"):
        assert (project / "reports" / name).stat().st_size > 1000

    # a copy of the project: `dvc repro` finds nothing to do, then `dvc repro --force` reruns every stage
    rerun = shared_demo_rerun(tmp_path_factory)  # shared with test_report's byte-identical report files
    assert "up to date" in (rerun.parent / "repro_again.txt").read_text()
    accuracy = sorted((project / "data/processed/accuracy").glob("*.json"))
    outputs = ["reports/metrics.json", *(p.relative_to(project) for p in accuracy)]
    first = {p: (project / p).read_bytes() for p in outputs}
    assert {p: (rerun / p).read_bytes() for p in outputs} == first  # byte-identical rerun, bootstrap included


def test_stage_params_are_declared_in_dvc_yaml():
    """Each stage reads only the params groups dvc.yaml declares for it (so `dvc exp run -S` reruns it)."""
    import runpy

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        script = ROOT / "pipeline" / f"{name}.py"
        assert script.is_file(), name
        declared = runpy.run_path(str(script))["PARAMS"]
        assert sorted(declared) == sorted(stage.get("params", [])), name
        assert f"pipeline/{name}.py" in stage["deps"]


def test_pipeline_on_tiny_data_without_bootstrap_or_pdf(tmp_project):
    """300 records: few events, instruments without verified scores, heavy suppression; still a report."""
    project = tmp_project(simulate={"n_records": 300}, evaluate={"bootstrap": 0}, report={"pdf": False})
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "repro"], project)
    cal = json.loads((project / "data/processed/calibration/sensitivity-observation@1.json").read_text())
    assert cal["reason"] and cal["n"] == 0
    assert b"PDF switched off" not in (project / "reports/validation_report.html").read_bytes()
    assert (project / "reports/validation_report.pdf").read_bytes().startswith(b"%PDF")
