"""`signalering init`: the parameters written for a researcher's own file, and what it refuses.

The whole path (init, then `dvc repro`, AUCs against pROC) is tested in tests/e2e/test_own_data.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from signalering import init
from signalering.cli import main
from signalering.errors import InputError, UsageError
from signalering.instruments import load_specs

ROWS = 40


def records(**extra) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    ref = np.tile(["ja", "nee", "nee", ""], ROWS // 4)
    frame = pd.DataFrame(
        {
            "pseudo": [f"k{i:03d}" for i in range(ROWS)],
            "uitkomst": ref,
            "lab": np.round(rng.uniform(0.03, 2.07, ROWS), 2),
            "grade": rng.integers(1, 6, ROWS),
            "p": np.round(rng.uniform(0, 1, ROWS), 3),
            "regio": np.tile(["noord", "zuid"], ROWS // 2),
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame.astype(str).replace({"nan": ""})


def write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


ARGS = ["--reference", "uitkomst", "--positive", "ja", "--negative", "nee", "--id", "pseudo"]


def test_init_writes_params_and_specs_that_load(tmp_path, capsys):
    file = write(records(), tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    (out).write_text((ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert (
        main(
            [
                "init",
                "--records",
                file,
                *ARGS,
                "--score",
                "lab",
                "--lower",
                "grade",
                "--score",
                "p",
                "--probability",
                "p",
                "--subgroup",
                "regio",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().err
    assert str(out) in printed and "instruments/lab.yaml" in printed and "dvc repro" in printed
    params = yaml.safe_load(out.read_text(encoding="utf-8"))
    data = params["data"]
    assert data["records"] == "own.csv" and data["id_column"] == "pseudo" and data["reference"] == "uitkomst"
    assert (data["positive_label"], data["negative_label"]) == ("ja", "nee") and data["subgroups"] == ["regio"]
    assert data["columns"] == {
        "regio": {"codes": ["noord", "zuid"]},
        "lab": {"min": 0, "max": 3},
        "grade": {"min": 1, "max": 5, "integer": True},
        "p": {"min": 0, "max": 1},
    }
    refs = params["score"]["instruments"]
    assert refs == ["instruments/lab.yaml", "instruments/p.yaml", "instruments/grade.yaml"]
    specs = {s.column: s for s in load_specs([tmp_path / r for r in refs])}
    assert specs["lab"].kind == "score" and specs["lab"].direction == "higher" and not specs["lab"].is_probability
    assert specs["grade"].direction == "lower" and specs["p"].is_probability
    # analysis settings kept; entries naming the demo's instruments dropped
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for group in ("seed", "simulate", "calibration", "reliability", "disclosure", "scale"):
        assert params[group] == shipped[group], group
    assert params["compare"]["pairs"] == [] and set(params["report"]["criteria"]) == {"default"}


def test_defaults_equal_the_shipped_analysis_settings():
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    assert init.kept_settings(shipped, set()) == init.kept_settings(None, set())


def test_entries_for_kept_instruments_stay():
    current = {
        "evaluate": {"judged_cutoff": {"a@1": 2, "x@1": 1}, "exploratory_cutoffs": {"b@1": [2], "x@1": [1]}},
        "compare": {"pairs": [["a@1", "b@1"], ["a@1", "x@1"]], "cutoffs": {"b@1": 3}},
        "report": {"criteria": {"default": {}, "a": {"auc_min": 0.7}, "b@1": {}, "x": {}}},
    }
    current["future_group"] = {"x": 1}
    current["data"] = {"records": "old.csv"}
    kept = init.kept_settings(current, {"a@1", "b@1"})
    assert kept["future_group"] == {"x": 1} and "data" not in kept and kept["seed"] == init.DEFAULTS["seed"]
    assert kept["evaluate"]["judged_cutoff"] == {"a@1": 2} and kept["evaluate"]["exploratory_cutoffs"] == {"b@1": [2]}
    old = init.kept_settings({"evaluate": {"cutoffs": {"a@1": [2], "x@1": [1]}}}, {"a@1"})  # before the split
    assert "cutoffs" not in old["evaluate"] and old["evaluate"]["exploratory_cutoffs"] == {"a@1": [2]}
    assert kept["compare"]["pairs"] == [["a@1", "b@1"]] and kept["compare"]["cutoffs"] == {"b@1": 3}
    assert set(kept["report"]["criteria"]) == {"default", "a", "b@1"}


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.03, 2.07, np.nan], {"min": 0, "max": 3}),
        ([12.5, 418.0], {"min": 0, "max": 500}),
        ([-0.42, 0.37], {"min": -0.5, "max": 0.4}),
        ([1, 5, 3], {"min": 1, "max": 5, "integer": True}),
        ([0.5, 0.5], {"min": 0.5, "max": 0.6}),
        (list(range(3, 215)), {"min": 0, "max": 300, "integer": True}),  # many whole numbers: not echoed
        ([0.0, 0.0], {"min": 0, "max": 0, "integer": True}),
        ([np.nan], {}),
    ],
)
def test_score_range_is_rounded_outwards(values, expected):
    assert init.score_range(np.array(values, dtype=float)) == expected


def test_spec_names_are_slugs_and_unique():
    assert init.spec_name("S100B (ug/L)", set()) == "s100b-ug-l"
    assert init.spec_name("lab", {"lab"}) == "lab-2"
    assert init.spec_name("_x", set()) == "x" and init.spec_name("é", set()) == "score"


def test_identifiers_refuse_before_anything_is_written(tmp_path, capsys):
    file = write(records(email=[f"k{i}@example.org" for i in range(ROWS)]), tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    assert main(["init", "--records", file, *ARGS, "--score", "lab", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "own.csv" in err and "example.org" not in err
    assert not out.exists() and not (tmp_path / "instruments").exists()


@pytest.mark.parametrize(
    "extra, argv, column, row",
    [
        ({}, ["--score", "nope"], "nope", None),
        ({}, ["--score", "lab", "--subgroup", "nope"], "nope", None),
        ({"lab": ["0.1"] * (ROWS - 1) + ["hoog"]}, ["--score", "lab"], "lab", ROWS),
        ({"uitkomst": ["ja", "misschien"] * (ROWS // 2)}, ["--score", "lab"], "uitkomst", 2),
        ({"uitkomst": ["nee"] * ROWS}, ["--score", "lab"], "uitkomst", None),
        ({"p": ["0.5"] * (ROWS - 1) + ["1.5"]}, ["--score", "p", "--probability", "p"], "p", ROWS),
    ],
)
def test_refused_inputs_exit_3_and_write_nothing(tmp_path, capsys, extra, argv, column, row):
    file = write(records(**extra), tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    assert main(["init", "--records", file, *ARGS, *argv, "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "own.csv" in err and column in err and (row is None or f"row {row}" in err)
    assert "hoog" not in err and "misschien" not in err and "1.5" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],  # no score column
        ["--score", "lab", "--lower", "lab"],  # one column, two directions
        ["--score", "lab", "--probability", "p"],  # probability not among the scores
        ["--score", "uitkomst"],  # the reference as a score
    ],
)
def test_wrong_words_exit_2(tmp_path, capsys, argv):
    file = write(records(), tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    assert main(["init", "--records", file, *ARGS, *argv, "--out", str(out)]) == 2
    assert "signalering: error" in capsys.readouterr().err and not out.exists()


def test_plan_touches_no_file(tmp_path):
    frame = records().replace({"": None})
    result = init.plan(
        frame,
        str(tmp_path / "own.csv"),
        reference="uitkomst",
        scores=["lab"],
        positive="ja",
        negative="nee",
        id_column="pseudo",
        params_path=tmp_path / "params.yaml",
    )
    assert list(tmp_path.iterdir()) == []
    assert result.specs == {
        "instruments/lab.yaml": {
            "name": "lab",
            "version": 1,
            "kind": "score",
            "description": "Column 'lab' of own.csv, used as it is (written by signalering init).",
            "direction": "higher",
            "column": "lab",
            "cutoffs": [],
        }
    }
    with pytest.raises(UsageError):
        init.plan(frame, "own.csv", reference="uitkomst", scores=[])
    with pytest.raises(InputError):
        init.plan(frame, "own.csv", reference="uitkomst", scores=["lab"], id_column="pseudo")  # labels 1/0


def test_a_spec_edited_by_hand_is_not_overwritten_without_force(tmp_path, capsys):
    file = write(records(), tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    argv = ["init", "--records", file, *ARGS, "--score", "lab", "--out", str(out)]
    assert main(argv) == 0
    assert main(argv) == 0  # same content: rewritten quietly
    spec = tmp_path / "instruments" / "lab.yaml"
    edited = spec.read_text(encoding="utf-8").replace(
        "cutoffs: []", "cutoffs: [{name: p, value: 1, prespecified: true}]"
    )
    spec.write_text(edited, encoding="utf-8")
    out.unlink()
    capsys.readouterr()
    assert main(argv) == 2
    assert "instruments/lab.yaml" in capsys.readouterr().err and not out.exists()
    assert spec.read_text(encoding="utf-8") == edited
    assert main([*argv, "--force"]) == 0 and "cutoffs: []" in spec.read_text(encoding="utf-8")


def test_init_drops_free_text_at_the_door_and_records_it(tmp_path):
    frame = records(opmerking=[f"gesprek {i} met moeder over slaap" for i in range(ROWS)])
    file = write(frame, tmp_path / "own.csv")
    out = tmp_path / "params.yaml"
    assert main(["init", "--records", file, *ARGS, "--score", "lab", "--out", str(out)]) == 3
    assert not out.exists()
    assert main(["init", "--records", file, *ARGS, "--score", "lab", "--drop", "opmerking", "--out", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))["data"]
    assert data["drop"] == ["opmerking"] and data["decimal"] == "auto" and "opmerking" not in data["columns"]
