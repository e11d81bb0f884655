"""The command line: `signalering evaluate` on any records file, and the contract's exit statuses."""

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from signalering.cli import main


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def records(tmp_path):
    rows = ["id;ref;score"] + [
        f"R{i};{r};{s}"
        for i, (r, s) in enumerate(
            [(1, 3), (1, 2), (1, 2), (1, 1), (0, 2), (0, 1), (0, 0), (0, 0), (0, 0), ("", 3), (1, "")]
        )
    ]
    return write(tmp_path / "r.csv", "\n".join(rows) + "\n")


def test_evaluate_writes_accuracy_json(records, tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "evaluate",
                "--records",
                records,
                "--score",
                "score",
                "--reference",
                "ref",
                "--cutoff",
                "2",
                "--prevalence",
                "0.034",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads((out / "accuracy.json").read_text())
    assert (doc["n"], doc["n_positive"], doc["n_negative"], doc["n_unverified"], doc["n_missing_score"]) == (
        10,
        4,
        5,
        1,
        1,
    )
    assert doc["auc"]["estimate"] == pytest.approx(
        roc_auc_score([1, 1, 1, 1, 0, 0, 0, 0, 0], [3, 2, 2, 1, 2, 1, 0, 0, 0])
    )
    (t,) = doc["thresholds"]
    assert (t["cutoff"], t["tp"], t["fp"], t["tn"], t["fn"]) == (2.0, 3, 1, 4, 1)
    assert t["sensitivity"]["estimate"] == 0.75 and t["sensitivity"]["method"] == "wilson"
    assert t["at_prevalence"][0]["prevalence"] == 0.034
    assert doc["optimal"]["method"] == "youden"


def test_default_cutoffs_are_every_distinct_score(records, tmp_path):
    assert (
        main(["evaluate", "--records", records, "--score", "score", "--reference", "ref", "--out", str(tmp_path)]) == 0
    )
    doc = json.loads((tmp_path / "accuracy.json").read_text())
    assert [t["cutoff"] for t in doc["thresholds"]] == [3.0, 2.0, 1.0, 0.0]


def test_direction_lower(records, tmp_path):
    assert (
        main(
            [
                "evaluate",
                "--records",
                records,
                "--score",
                "score",
                "--reference",
                "ref",
                "--direction",
                "lower",
                "--cutoff",
                "1",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "accuracy.json").read_text())
    (t,) = doc["thresholds"]  # positive when score <= 1
    assert (t["tp"], t["fp"], t["tn"], t["fn"]) == (1, 4, 1, 3)
    assert doc["auc"]["estimate"] == pytest.approx(1 - 0.875)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["evaluate"],
        ["evaluate", "--records", "x.csv", "--score", "s", "--reference", "r", "--out", "o", "--ci-method", "wald"],
        ["evaluate", "--records", "x.csv", "--score", "s", "--reference", "r", "--out", "o", "--prevalence", "1.5"],
        ["nonsense"],
    ],
)
def test_wrong_words_exit_2(argv, capsys, records):
    argv = [records if a == "x.csv" else a for a in argv]
    with pytest.raises(SystemExit) as ex:
        code = main(argv)
        raise SystemExit(code)
    assert ex.value.code == 2


@pytest.mark.parametrize(
    "text, column, row, reason",
    [
        ("id;ref;score\nR1;1;3\nR2;maybe;1\n", "ref", 2, "reference standard"),
        ("id;ref;score\nR1;1;3\nR2;0;high\n", "score", 2, "not a number"),
        ("id;ref;other\nR1;1;3\n", "score", None, "does not exist"),
        ("id;ref;score;bsn\nR1;1;3;1\n", "bsn", None, "BSN"),
        ("id;ref;score\nR1;;3\nR2;;1\n", "ref", None, "no record has both"),
        ("", None, None, "empty"),
    ],
)
def test_refused_input_exits_3_with_one_clear_message(tmp_path, capsys, text, column, row, reason):
    path = write(tmp_path / "r.csv", text)
    code = main(["evaluate", "--records", path, "--score", "score", "--reference", "ref", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 3
    assert reason in err and path in err and "Traceback" not in err
    if column:
        assert f"column '{column}'" in err
    if row:
        assert f"row {row}" in err
    assert not (tmp_path / "o").exists()


def test_identifier_value_is_never_echoed(tmp_path, capsys):
    path = write(tmp_path / "r.csv", "id,ref,score,code\nR1,1,3,x\nR2,0,1,123456782\n")
    assert (
        main(["evaluate", "--records", path, "--score", "score", "--reference", "ref", "--out", str(tmp_path / "o")])
        == 3
    )
    captured = capsys.readouterr()
    assert "123456782" not in captured.err + captured.out
    assert "column 'code'" in captured.err and "row 2" in captured.err


def test_debug_shows_traceback(tmp_path, capsys):
    path = write(tmp_path / "r.csv", "")
    assert main(["--debug", "evaluate", "--records", path, "--score", "s", "--reference", "r", "--out", "o"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_console_script_help():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "signalering"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "evaluate" in res.stdout


@pytest.fixture
def rated(tmp_path):
    rng = np.random.default_rng(7)
    n = 300
    p = rng.uniform(0.02, 0.6, n)
    y = (rng.random(n) < p).astype(int)
    r1 = rng.integers(1, 10, n)
    r2 = np.clip(r1 + rng.integers(-1, 2, n), 1, 9)
    lines = ["id,p,y,r1,r2,i1,i2,i3"] + [
        f"R{i},{p[i]},{y[i]},{r1[i]},{r2[i]},{r1[i] % 3},{r2[i] % 3},{(r1[i] + 1) % 3}" for i in range(n)
    ]
    return write(tmp_path / "rated.csv", "\n".join(lines) + "\n"), p, y, r1, r2


def test_calibration_command(rated, tmp_path):
    from signalering.stats.calibration import calibration_statistics

    path, p, y, *_ = rated
    assert (
        main(
            [
                "calibration",
                "--records",
                path,
                "--probability",
                "p",
                "--reference",
                "y",
                "--bootstrap",
                "20",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "c" / "calibration.json").read_text())
    expected = calibration_statistics(p, y)
    assert doc["schema_version"] == 1 and doc["n"] == 300
    assert doc["brier"] == pytest.approx(np.mean((p - y) ** 2), abs=1e-12)
    assert doc["calibration_slope"]["estimate"] == pytest.approx(expected.calibration_slope.estimate, abs=1e-12)
    assert "curve" not in doc and "decision_curve" not in doc  # curves are plot rows beside it
    assert json.loads((tmp_path / "c" / "calibration_curve.json").read_text())
    assert json.loads((tmp_path / "c" / "decision_curve.json").read_text())[0]["threshold"] == pytest.approx(0.01)


def test_calibration_document_is_the_same_from_the_command_and_the_stage(rated, tmp_path, monkeypatch):
    """One ``calibration.json`` shape: the command and the pipeline stage, on the same records of a
    probability instrument, write the same keys and the same statistics."""
    import runpy

    import pandas as pd
    from conftest import ROOT, project_copy

    path, p, y, *_ = rated
    assert (
        main(
            [
                "calibration",
                "--records",
                path,
                "--probability",
                "p",
                "--reference",
                "y",
                "--bootstrap",
                "5",
                "--out",
                str(tmp_path / "cli"),
            ]
        )
        == 0
    )
    from_cli = json.loads((tmp_path / "cli" / "calibration.json").read_text())
    (tmp_path / "project").mkdir()
    project = project_copy(
        tmp_path / "project",
        score={"instruments": ["risk-model@1"]},
        compare={"pairs": []},
        calibration={"curve_bootstrap": 5, "decision_bootstrap": 5},
    )
    (project / "data/interim").mkdir(parents=True)
    pd.DataFrame({"risk-model@1": p, "reference": y.astype(float)}).to_parquet(project / "data/interim/scores.parquet")
    monkeypatch.chdir(project)
    runpy.run_path(str(ROOT / "pipeline" / "calibration.py"))["main"]()
    from_stage = json.loads((project / "data/processed/calibration/risk-model@1.json").read_text())
    assert list(from_cli) == list(from_stage)
    assert from_stage["instrument"] == "risk-model@1" and from_cli["instrument"] == "p"
    assert from_cli["risk_source"] == from_stage["risk_source"] and from_cli["estimated_mapping"] is False
    same = {k: v for k, v in from_cli.items() if k != "instrument"}
    assert same == {k: v for k, v in from_stage.items() if k != "instrument"}


def test_calibration_refuses_a_score_column(rated, tmp_path, capsys):
    path, *_ = rated
    assert (
        main(
            ["calibration", "--records", path, "--probability", "r1", "--reference", "y", "--out", str(tmp_path / "c")]
        )
        == 3
    )
    err = capsys.readouterr().err
    assert path in err and "column 'r1'" in err and "probability" in err


def test_reliability_command(rated, tmp_path):
    from sklearn.metrics import cohen_kappa_score

    path, _, _, r1, r2 = rated
    assert (
        main(
            [
                "reliability",
                "--records",
                path,
                "--raters",
                "r1,r2",
                "--items",
                "i1,i2,i3",
                "--categorical",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "r" / "reliability.json").read_text())
    assert [f["type"] for f in doc["icc"]] == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    assert doc["weighted_kappa"]["estimate"] == pytest.approx(cohen_kappa_score(r1, r2, weights="quadratic"))
    assert doc["kappa"]["estimate"] == pytest.approx(cohen_kappa_score(r1, r2))
    assert "cronbach_alpha" in doc


def test_reliability_needs_two_raters(rated, tmp_path):
    path, *_ = rated
    assert main(["reliability", "--records", path, "--raters", "r1", "--out", str(tmp_path / "r")]) == 2


@pytest.mark.parametrize("extra", [["--confidence", "1.2"], ["--bootstrap", "-5"]])
def test_calibration_wrong_words_exit_2(rated, tmp_path, extra):
    path, *_ = rated
    assert (
        main(
            [
                "calibration",
                "--records",
                path,
                "--probability",
                "p",
                "--reference",
                "y",
                "--out",
                str(tmp_path / "c"),
                *extra,
            ]
        )
        == 2
    )
