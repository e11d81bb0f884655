"""params.yaml: typed validation (unknown keys, types, instruments named), the generated reference
docs/parameters.md, cut-off selection, per-instrument random streams, output folders, exit statuses."""

import copy
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

from signalering import params
from signalering.errors import InputError

SHIPPED = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def write(tmp_path, doc) -> str:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def refused(tmp_path, doc) -> InputError:
    with pytest.raises(InputError) as err:
        params.load(["seed"], write(tmp_path, doc))
    assert err.value.file.endswith("params.yaml")
    return err.value


def changed(**groups) -> dict:
    doc = copy.deepcopy(SHIPPED)
    for dotted, value in groups.items():
        *path, key = dotted.split("__")
        target = doc
        for part in path:
            target = target[part]
        target[key] = value
    return doc


def test_the_shipped_params_validate_and_defaults_are_filled(tmp_path):
    p = params.load(["seed", "evaluate", "simulate"], ROOT / "params.yaml")
    assert p["seed"] == SHIPPED["seed"] and p["evaluate"]["bootstrap"] == 2000
    partial = {"seed": 1, "data": {"records": "r.csv", "reference": "ref"}}
    p = params.load(["seed", "data", "calibration"], write(tmp_path, partial))
    assert p["data"]["id_column"] == "record_id" and p["calibration"]["folds"] == 10
    with pytest.raises(InputError) as err:
        params.load(["score"], write(tmp_path, partial))  # a group without defaults
    assert err.value.column == "score"


@pytest.mark.parametrize(
    "doc, where, hint",
    [
        (changed(evaluate__bootstrp=2000), "evaluate.bootstrp", "bootstrap"),
        (changed(seeed=1), "seeed", "seed"),
        (
            changed(evaluate__cutpoint_rules__min_specifity=0.9),
            "evaluate.cutpoint_rules.min_specifity",
            "min_specificity",
        ),
        (changed(reliability__thresholds__kappa=0.7), "reliability.thresholds.kappa", "weighted_kappa"),
        (changed(data__columns__site__code=["a"]), "data.columns.site.code", "codes"),
    ],
)
def test_an_unknown_key_is_refused_with_the_closest_name(tmp_path, doc, where, hint):
    err = refused(tmp_path, doc)
    assert err.column == where and f"did you mean '{hint}'" in err.reason


def test_a_union_names_every_accepted_type(tmp_path):
    err = refused(tmp_path, changed(data__positive_label=["ja"]))
    assert "string" in err.reason and "integer" in err.reason and "number" in err.reason


def test_the_old_cutoffs_key_says_where_it_went(tmp_path):
    err = refused(tmp_path, changed(evaluate__cutoffs={"risk-checklist@2": [2]}))
    assert err.column == "evaluate.cutoffs" and "judged_cutoff" in err.reason and "exploratory_cutoffs" in err.reason


@pytest.mark.parametrize(
    "doc, where",
    [
        (changed(evaluate__bootstrap="2000"), "evaluate.bootstrap"),
        (changed(evaluate__bootstrap=True), "evaluate.bootstrap"),
        (changed(evaluate__bootstrap=-1), "evaluate.bootstrap"),
        (changed(evaluate__prevalences=[0.1, 1.5]), "evaluate.prevalences.1"),
        (changed(evaluate__ci_method="wald"), "evaluate.ci_method"),
        (changed(disclosure__min_cell=0), "disclosure.min_cell"),
        (changed(report__pdf="yes"), "report.pdf"),
        (changed(compare__pairs=[["risk-checklist@2"]]), "compare.pairs.0"),
        (changed(seed=1.5), "seed"),
        (changed(simulate__seed="x"), "simulate.seed"),
        (changed(data__positive_label=["ja", "yes"]), "data.positive_label"),
    ],
)
def test_a_wrong_type_is_refused_with_group_and_key(tmp_path, doc, where):
    err = refused(tmp_path, doc)
    assert err.column == where, err
    assert "ja" not in err.reason and "wald" not in err.reason and "2000" not in err.reason  # never the value


@pytest.mark.parametrize(
    "doc, where",
    [
        (changed(evaluate__judged_cutoff={"risk-checklist@3": 2}), "evaluate.judged_cutoff.risk-checklist@3"),
        (changed(evaluate__exploratory_cutoffs={"nope@1": [2]}), "evaluate.exploratory_cutoffs.nope@1"),
        (changed(compare__cutoffs={"risk-model@2": 0.1}), "compare.cutoffs.risk-model@2"),
        (changed(compare__pairs=[["risk-checklist@2", "risk-checklst@1"]]), "compare.pairs.risk-checklst@1"),
        (changed(report__criteria={"default": {}, "risk-modl": {"auc_min": 0.7}}), "report.criteria.risk-modl"),
        (changed(report__criteria={"risk-model@9": {"auc_min": 0.7}}), "report.criteria.risk-model@9"),
        (
            changed(score__instruments=["risk-model@1"], compare__pairs=[], report__criteria={"lab": {"auc_min": 0.7}}),
            "report.criteria.lab",
        ),
    ],
)
def test_an_instrument_that_is_not_scored_is_refused(tmp_path, doc, where):
    err = refused(tmp_path, doc)
    assert err.column == where and "score.instruments" in err.reason


def test_criteria_may_name_default_a_name_or_a_version(tmp_path):
    doc = changed(
        report__criteria={
            "default": {"auc_min": 0.6},
            "risk-checklist": {"auc_min": 0.7},
            "risk-model@1": {"calibration_slope_range": [0.8, 1.2]},
        }
    )
    assert params.load(["report"], write(tmp_path, doc))["report"]["criteria"]["risk-checklist"] == {"auc_min": 0.7}
    # a bundled instrument this run does not score: the criteria stay valid for a smaller experiment
    doc = changed(score__instruments=["risk-model@1"], compare__pairs=[])
    assert "sensitivity-observation" in params.load(["report"], write(tmp_path, doc))["report"]["criteria"]
    err = refused(tmp_path, changed(report__criteria={"default": {"auc_at_least": 0.6}}))
    assert err.column == "report.criteria.default.auc_at_least"


def test_own_spec_files_must_lie_in_the_instruments_folder(tmp_path):
    spec = "name: lab\nversion: 2\nkind: score\ncolumn: lab\n"
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "lab.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "lab.yaml").write_text(spec, encoding="utf-8")
    doc = changed(
        score__instruments=["instruments/lab.yaml"],
        compare__pairs=[],
        evaluate__judged_cutoff={"lab@2": 1.5},
        report__criteria={"lab": {"auc_min": 0.5}},
    )
    assert params.load(["score"], write(tmp_path, doc))["score"]["instruments"] == ["instruments/lab.yaml"]
    doc["score"]["instruments"] = ["lab.yaml"]
    err = refused(tmp_path, doc)
    assert err.column == "score.instruments" and "instruments/" in err.reason


def test_the_params_init_writes_validate(tmp_path):
    import numpy as np
    import pandas as pd

    from signalering import init

    frame = pd.DataFrame(
        {"record_id": [f"r{i}" for i in range(20)], "ref": [1, 0] * 10, "lab": np.linspace(0, 1, 20)}
    ).astype(str)
    plan = init.plan(
        frame,
        str(tmp_path / "own.csv"),
        reference="ref",
        scores=["lab"],
        params_path=tmp_path / "params.yaml",
        current=changed(evaluate__judged_cutoff={"risk-checklist@2": 3}),
    )
    written = init.write(plan, tmp_path / "params.yaml")
    assert tmp_path / "study.yaml" in written
    p = params.load(["data", "score", "evaluate", "report"], tmp_path / "params.yaml")
    assert p["score"]["instruments"] == ["instruments/lab.yaml"] and p["evaluate"]["judged_cutoff"] == {}


def test_docs_parameters_md_is_generated_from_the_models(tmp_path):
    text = params.markdown()
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == text, (
        "docs/parameters.md is stale: run `python -m signalering.params`"
    )
    for key in (
        "evaluate.judged_cutoff",
        "evaluate.exploratory_cutoffs",
        "simulate.seed",
        "evaluate.cutpoint_rules.cost_ratio",
        "data.columns.<pattern>.codes",
    ):
        assert f"`{key}`" in text, key
    out = tmp_path / "p.md"
    subprocess.run([sys.executable, "-m", "signalering.params", str(out)], check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == text


def test_every_shipped_key_is_documented():
    text = params.markdown()

    free = (
        "data.columns",
        "report.criteria",
        "evaluate.judged_cutoff",
        "evaluate.exploratory_cutoffs",
        "compare.cutoffs",
    )  # mappings keyed by column or instrument

    def keys(doc, prefix=""):
        for k, v in doc.items():
            if isinstance(v, dict) and f"{prefix}{k}" not in free:
                yield from keys(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    for key in keys(SHIPPED):
        assert f"`{key}`" in text or f"## `{key}`" in text, key


def test_evaluation_cutoffs_judged_first_then_spec_then_exploratory_once():
    inst = {
        "id": "x@1",
        "cutoffs": [
            {"value": 17, "prespecified": True},
            {"value": 14, "prespecified": False},
            {"value": 17.0, "prespecified": True},
        ],
    }
    assert params.evaluation_cutoffs(inst, {}) == [17.0, 14.0]
    ev = {"judged_cutoff": {"x@1": 12}, "exploratory_cutoffs": {"x@1": [2, 14, 3]}}
    assert params.evaluation_cutoffs(inst, ev) == [12.0, 17.0, 14.0, 2.0, 3.0]
    assert params.evaluation_cutoffs({"id": "y@1", "cutoffs": []}, {}) is None
    assert params.evaluation_cutoffs({"id": "y@1", "cutoffs": []}, {"exploratory_cutoffs": {"y@1": [1]}}) == [1.0]


def test_the_judged_cutoff_replaces_the_prespecified_one_and_exploratory_ones_are_not():
    inst = {"id": "x@1", "cutoffs": [{"value": 3, "prespecified": True}, {"value": 2, "prespecified": False}]}
    assert params.judged_cutoff(inst, {}) == 3.0 and params.is_prespecified(inst, {}, 3.0)
    assert not params.is_prespecified(inst, {"exploratory_cutoffs": {"x@1": [5]}}, 5.0)
    ev = {"judged_cutoff": {"x@1": 2}}
    assert params.judged_cutoff(inst, ev) == 2.0
    assert params.is_prespecified(inst, ev, 2.0) and not params.is_prespecified(inst, ev, 3.0)
    assert params.judged_cutoff({"id": "y@1", "cutoffs": [{"value": 1, "prespecified": False}]}, {}) is None


def test_streams_are_keyed_by_the_instrument_id_not_its_position():
    import numpy as np

    a = np.random.default_rng(params.stream_seed(7, "risk-checklist@2")).random(3)
    b = np.random.default_rng(params.stream_seed(7, "risk-checklist@2")).random(3)
    c = np.random.default_rng(params.stream_seed(7, "risk-checklist@1")).random(3)
    assert (a == b).all() and not (a == c).any()
    # stable across processes (CRC-32, not Python's salted hash)
    code = "from signalering import params; print(params.stream_seed(7, 'risk-checklist@2')[1])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "123", "PYTHONPATH": str(ROOT / "src")},
    ).stdout
    import zlib

    assert int(out) == zlib.crc32(b"risk-checklist@2")


def test_fresh_dirs_empties_old_outputs(tmp_path):
    old = tmp_path / "out" / "stale.json"
    old.parent.mkdir()
    old.write_text("{}")
    params.fresh_dirs(tmp_path / "out", tmp_path / "new")
    assert list((tmp_path / "out").iterdir()) == [] and (tmp_path / "new").is_dir()


def test_run_stage_exit_statuses(capsys):
    def refused_():
        raise InputError("f.csv", "bad", row=2, column="c")

    with pytest.raises(SystemExit) as ex:
        params.run_stage(refused_)
    assert ex.value.code == 3
    err = capsys.readouterr().err
    assert "f.csv" in err and "row 2" in err and "Traceback" not in err
