"""Stage support: parameter groups, cut-off selection, output folders and exit statuses."""
import pytest

from signalering import params
from signalering.errors import InputError


def test_load_returns_only_the_named_groups(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\ndata: {reference: ref}\nother: 3\n")
    assert params.load(["seed", "data"], path) == {"seed": 1, "data": {"reference": "ref"}}
    with pytest.raises(InputError) as err:
        params.load(["missing"], path)
    assert err.value.column == "missing"


def test_evaluation_cutoffs_override_or_spec_values_once_in_order():
    inst = {"id": "x@1", "cutoffs": [{"value": 17}, {"value": 14}, {"value": 17.0}]}
    assert params.evaluation_cutoffs(inst, {}) == [17.0, 14.0]
    assert params.evaluation_cutoffs(inst, {"x@1": [2, 3]}) == [2.0, 3.0]
    assert params.evaluation_cutoffs({"id": "y@1", "cutoffs": []}, {}) is None


def test_fresh_dirs_empties_old_outputs(tmp_path):
    old = tmp_path / "out" / "stale.json"
    old.parent.mkdir()
    old.write_text("{}")
    params.fresh_dirs(tmp_path / "out", tmp_path / "new")
    assert list((tmp_path / "out").iterdir()) == [] and (tmp_path / "new").is_dir()


def test_run_stage_exit_statuses(capsys):
    def refused():
        raise InputError("f.csv", "bad", row=2, column="c")
    with pytest.raises(SystemExit) as ex:
        params.run_stage(refused)
    assert ex.value.code == 3
    err = capsys.readouterr().err
    assert "f.csv" in err and "row 2" in err and "Traceback" not in err
