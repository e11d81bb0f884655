"""Loading and validating instrument specifications: bundled specs, look-up, and every refusal."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from signalering.errors import InputError
from signalering.instruments import (
    BUNDLED_DIR,
    Cutoff,
    bundled_ids,
    load_spec,
    load_specs,
    spec_from_mapping,
)

FIXTURES = Path(__file__).parent / "instruments"

BUNDLED = [
    "checklist-or-signals@1",
    "risk-category@1",
    "risk-checklist@1",
    "risk-checklist@2",
    "risk-model@1",
    "sdq-parent-2-4@1",
    "sdq-parent-age@1",
    "sdq-parent-impact@1",
    "sdq-parent-nl@1",
    "sdq-parent@1",
    "sdq-self-impact@1",
    "sdq-self@1",
    "sdq-teacher-impact@1",
    "sdq-teacher@1",
    "sensitivity-observation@1",
    "signal-list@1",
]

CHECKLIST = {
    "name": "own-checklist",
    "version": 1,
    "kind": "risk_checklist",
    "description": "test",
    "direction": "higher",
    "coding": {0: 0, 1: 1},
    "items": [{"id": "a", "column": "col_a"}, {"id": "b", "column": "col_b", "weight": 2}],
    "missing": {"max_missing": 0},
    "cutoffs": [{"name": "k2", "value": 2, "prespecified": True}],
    "references": ["Someone (2020). A paper."],
}
QUESTIONNAIRE = {
    "name": "own-q",
    "version": 1,
    "kind": "questionnaire",
    "coding": [0, 1, 2],
    "items": [{"id": i, "column": f"q{i}"} for i in range(1, 7)],
    "reverse_items": [2],
    "scales": {
        "s1": {"items": [1, 2, 3], "missing": {"max_missing": 1, "fill": "prorate", "rounding": "half_up"}},
        "s2": {"items": [4, 5, 6]},
    },
    "derived": {"total": {"sum_of": ["s1", "s2"]}},
    "score": "total",
    "band_sets": {"b": {"labels": ["ok", "raised"], "bounds": {"total": [8], "s1": [4]}}},
}
SIGNALS = {
    "name": "own-signals",
    "version": 1,
    "kind": "signal_list",
    "coding": ["ja", "nee"],
    "items": [
        {"id": "fits", "column": "s_fits", "abnormal": "nee"},
        {"id": "delay", "column": "s_delay", "abnormal": "ja"},
    ],
    "positive_rule": {"type": "any"},
}
SIGNALS["coding"] = {"ja": 1, "nee": 0}
ORDINAL = {
    "name": "own-cat",
    "version": 1,
    "kind": "ordinal_category",
    "column": "cat",
    "categories": ["laag", "midden", "hoog"],
}
RATER = {
    "name": "own-rating",
    "version": 1,
    "kind": "rater_observation",
    "direction": "lower",
    "raters": [{"column": "r1", "id_column": "r1_id"}, {"column": "r2"}],
    "consensus_column": "rc",
    "combine": "mean_of_available",
    "rating_scale": {"min": 1, "max": 9},
    "cutoffs": [{"name": "low", "value": 3, "prespecified": True}],
}
PROBABILITY = {
    "name": "own-p",
    "version": 1,
    "kind": "probability",
    "column": "p",
    "cutoffs": [{"name": "p10", "value": 0.1, "prespecified": False}],
}
COMBINATION = {
    "name": "own-combo",
    "version": 1,
    "kind": "combination",
    "components": [
        {"instrument": "risk-checklist@2", "cutoff": "protocol"},
        {"instrument": "signal-list@1", "cutoff": "any"},
    ],
    "positive_rule": {"type": "at_least", "k": 2},
}
VALID = {
    "checklist": CHECKLIST,
    "questionnaire": QUESTIONNAIRE,
    "signals": SIGNALS,
    "ordinal": ORDINAL,
    "rater": RATER,
    "probability": PROBABILITY,
    "combination": COMBINATION,
}


def write(tmp_path: Path, data, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def refused(tmp_path: Path, data, name: str = "spec.yaml") -> InputError:
    path = write(tmp_path, data, name)
    with pytest.raises(InputError) as err:
        load_specs([str(path)])
    assert err.value.file == str(path)
    return err.value


def changed(base: dict, path: str, value) -> dict:
    """Copy of ``base`` with the field at dotted ``path`` (list indices as numbers) set; the
    sentinel ``DELETE`` removes it."""
    data = copy.deepcopy(base)
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    target = data
    for k in keys[:-1]:
        target = target[k]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


DELETE = object()


# ------------------------------------------------------------------------------------------------
# Bundled specifications
# ------------------------------------------------------------------------------------------------
def test_bundled_ids():
    assert bundled_ids() == BUNDLED


def test_every_bundled_spec_loads_with_its_interface():
    specs = {s.id: s for s in load_specs(BUNDLED)}
    assert list(specs) == BUNDLED
    rc2 = specs["risk-checklist@2"]
    assert (rc2.name, rc2.version, rc2.kind, rc2.direction) == ("risk-checklist", 2, "risk_checklist", "higher")
    assert rc2.columns == tuple(f"rc_{i:02d}" for i in range(1, 10)) + ("rc_11",)
    assert [i.weight for i in rc2.items] == [1.0] * 9 + [2.0]
    assert rc2.score_range == (0.0, 11.0)
    assert rc2.cutoff("protocol") == Cutoff("protocol", 3.0, True, rc2.cutoff("protocol").note)
    assert Path(rc2.source_file) == BUNDLED_DIR / "risk-checklist@2.yaml"
    assert rc2.references and all(isinstance(r, str) for r in rc2.references)
    rc1 = specs["risk-checklist@1"]
    assert rc1.columns == tuple(f"rc_{i:02d}" for i in range(1, 11)) and rc1.score_range == (0.0, 10.0)

    sens = specs["sensitivity-observation@1"]
    assert sens.direction == "lower" and sens.combine == "mean_of_available"
    assert sens.rater_columns == ("sens_r1", "sens_r2", "sens_r3")
    assert sens.rater_id_columns == ("rater1_id", "rater2_id", "rater3_id")
    assert sens.columns == ("sens_r1", "sens_r2", "sens_r3", "sens_consensus", "rater1_id", "rater2_id", "rater3_id")

    assert specs["risk-model@1"].columns == ("risk_probability",)
    cat = specs["risk-category@1"]
    assert [(c.name, c.value, c.prespecified) for c in cat.cutoffs] == [
        ("at-least-medium", 1.0, True),
        ("at-least-high", 2.0, True),
    ]
    sig = specs["signal-list@1"]
    assert sig.columns == tuple(f"sig_{i}" for i in range(1, 7))
    assert (sig.cutoff("any").value, sig.rule.type) == (1.0, "any")

    combo = specs["checklist-or-signals@1"]
    assert [c.instrument for c in combo.components] == ["risk-checklist@2", "signal-list@1"]
    assert [c.cutoff.value for c in combo.components] == [3.0, 1.0]
    # Components listed in the same call are the very same objects.
    assert combo.components[0].spec is rc2 and combo.components[1].spec is sig
    assert combo.cutoff("any").value == 1.0 and combo.score_range == (0.0, 2.0)


def test_combination_components_resolved_automatically():
    combo = load_spec("checklist-or-signals@1")
    assert [c.spec.id for c in combo.components] == ["risk-checklist@2", "signal-list@1"]
    assert set(combo.columns) == {f"rc_{i:02d}" for i in (*range(1, 10), 11)} | {f"sig_{i}" for i in range(1, 7)}


def test_spec_listed_twice_is_returned_once():
    specs = load_specs(["risk-model@1", str(BUNDLED_DIR / "risk-model@1.yaml"), "risk-model@1"])
    assert [s.id for s in specs] == ["risk-model@1"]


def test_single_string_reference_accepted():
    assert [s.id for s in load_specs("risk-model@1")] == ["risk-model@1"]


def test_every_valid_example_kind_loads(tmp_path):
    for key, data in VALID.items():
        spec = load_spec(str(write(tmp_path, data, f"{key}.yaml")))
        assert spec.id == f"{data['name']}@1"
        assert spec.source_file == str(tmp_path / f"{key}.yaml")


def test_questionnaire_fields(tmp_path):
    spec = load_spec(str(write(tmp_path, QUESTIONNAIRE)))
    assert [i.reverse for i in spec.items] == [False, True, False, False, False, False]
    assert spec.score_scale == "total" and spec.score_range == (0.0, 12.0)
    assert [(c.name, c.value) for c in spec.cutoffs] == [("b-raised", 8.0)]
    assert spec.scale("s1").missing.max_missing == 1 and spec.scale("s2").missing.max_missing == 0


def test_text_codes_and_per_item_polarity(tmp_path):
    spec = load_spec(str(write(tmp_path, SIGNALS)))
    assert spec.coding.codes == ("ja", "nee") and not spec.coding.numeric
    assert [i.abnormal for i in spec.items] == [("nee",), ("ja",)]


def test_spec_dir_found_first_and_both_layouts(tmp_path):
    own = changed(PROBABILITY, "name", "risk-model")
    own["cutoffs"] = [{"name": "mine", "value": 0.3, "prespecified": True}]
    write(tmp_path, own, "risk-model@1.yaml")
    (tmp_path / "own-p").mkdir()
    write(tmp_path / "own-p", changed(PROBABILITY, "version", 2), "2.yaml")
    a, b, c = load_specs(["risk-model@1", "own-p@2", "risk-checklist@1"], spec_dir=tmp_path)
    assert [x.name for x in a.cutoffs] == ["mine"] and a.source_file == str(tmp_path / "risk-model@1.yaml")
    assert b.id == "own-p@2" and b.source_file == str(tmp_path / "own-p" / "2.yaml")
    assert Path(c.source_file).parent == BUNDLED_DIR  # falls back to the bundled specs


def test_component_found_next_to_the_combination(tmp_path):
    write(tmp_path, CHECKLIST, "own-checklist@1.yaml")
    combo = changed(COMBINATION, "components.0", {"instrument": "own-checklist@1", "cutoff": "k2"})
    spec = load_spec(str(write(tmp_path, combo, "combo.yaml")))
    assert spec.components[0].spec.source_file == str(tmp_path / "own-checklist@1.yaml")


def test_spec_from_mapping():
    spec = spec_from_mapping(copy.deepcopy(PROBABILITY), file="inline")
    assert spec.id == "own-p@1" and spec.source_file == "inline"


# ------------------------------------------------------------------------------------------------
# Refusals: each names the spec file (checked in `refused`) and the offending field
# ------------------------------------------------------------------------------------------------
BAD = [
    # (base, field path, new value, expected column, words in the reason)
    ("checklist", "kind", "checklist", "kind", "must be one of"),
    ("checklist", "colour", "blue", "colour", "unknown field 'colour'"),
    ("checklist", "items.1.weigth", 2, "items[1].weigth", "unknown field 'weigth'"),
    ("checklist", "name", DELETE, "name", "required field is missing"),
    ("checklist", "version", DELETE, "version", "required field is missing"),
    ("checklist", "cutoffs", DELETE, "cutoffs", "required field is missing"),
    ("checklist", "name", "Own Checklist", "name", "lower-case"),
    ("checklist", "version", 1.5, "version", "whole number or text"),
    ("checklist", "version", 0, "version", "at least 1"),
    ("checklist", "version", "1.1", "version", "no dots"),
    ("checklist", "direction", "up", "direction", "higher, lower"),
    ("checklist", "description", 5, "description", "must be text"),
    ("checklist", "items", "a, b", "items", "must be a list"),
    ("checklist", "items.1.weight", "two", "items[1].weight", "must be a number"),
    ("checklist", "items.1.weight", 0, "items[1].weight", "weight of 0"),
    ("checklist", "items.1.id", "a", "items[1].id", "duplicate item id 'a'"),
    ("checklist", "items.1.column", "col_a", "items[1].column", "duplicate item column"),
    ("checklist", "items.1.column", DELETE, "items[1].column", "required field is missing"),
    ("checklist", "coding", {True: 1, False: 0}, "coding[True]", "quotes"),
    ("checklist", "coding", [0], "coding", "at least two codes"),
    ("checklist", "coding", {0: 0, "1": 1}, "coding", "all numbers or all text"),
    ("checklist", "coding", {0: 0, 1: "yes"}, "coding[1]", "must be a number"),
    ("checklist", "coding", ["no", "yes"], "coding", "mapping"),
    ("checklist", "cutoffs.0.value", 12, "cutoffs[0].value", "outside the score range [0, 3]"),
    ("checklist", "cutoffs.0.value", -1, "cutoffs[0].value", "outside the score range"),
    ("checklist", "cutoffs.0.value", "2", "cutoffs[0].value", "must be a number"),
    ("checklist", "cutoffs.0.prespecified", "yes", "cutoffs[0].prespecified", "true or false"),
    ("checklist", "cutoffs.0.prespecified", DELETE, "cutoffs[0].prespecified", "required"),
    ("checklist", "cutoffs.0.name", "k 2", "cutoffs[0].name", "no spaces"),
    ("checklist", "cutoffs", [], "cutoffs", "at least one named cut-off"),
    (
        "checklist",
        "cutoffs",
        [{"name": "k", "value": 1, "prespecified": True}, {"name": "k", "value": 2, "prespecified": False}],
        "cutoffs[1].name",
        "duplicate cut-off",
    ),
    ("checklist", "missing.max_missing", 2, "missing.max_missing", "at most 1"),
    ("checklist", "missing.max_missing", -1, "missing.max_missing", "at least 0"),
    ("checklist", "missing.fill", "mean", "missing.fill", "zero, prorate"),
    ("checklist", "missing.rounding", "half_up", "missing.rounding", "only to fill: prorate"),
    ("checklist", "references", "Someone 2020", "references", "must be a list"),
    ("checklist", "risk_mapping", {"type": "logistic", "intercept": -2}, "risk_mapping.slope", "required"),
    (
        "checklist",
        "risk_mapping",
        {"type": "probit", "intercept": 0, "slope": 1},
        "risk_mapping.type",
        "logistic, table",
    ),
    (
        "checklist",
        "risk_mapping",
        {"type": "table", "table": [{"from": 0, "risk": 0.1}, {"from": 0, "risk": 0.2}]},
        "risk_mapping.table[1].from",
        "strictly increasing",
    ),
    (
        "checklist",
        "risk_mapping",
        {"type": "table", "table": [{"from": 0, "risk": 1.5}]},
        "risk_mapping.table[0].risk",
        "[0, 1]",
    ),
    (
        "checklist",
        "risk_mapping",
        {"type": "table", "table": [{"from": 1, "risk": 0.5}]},
        "risk_mapping.table",
        "lowest possible score 0",
    ),
    ("questionnaire", "reverse_items", [2, 9], "reverse_items[1]", "reverse-scored item '9' is not one of the items"),
    ("questionnaire", "reverse_items", [2, 2], "reverse_items[1]", "listed twice"),
    ("questionnaire", "items.5.id", 1, "items[5].id", "duplicate item id '1'"),
    ("questionnaire", "scales.s2.items", [4, 5, 7], "scales.s2.items[2]", "item '7' is not one of the items"),
    ("questionnaire", "scales.s2.items", [4, 5, 5], "scales.s2.items[2]", "listed twice"),
    ("questionnaire", "scales.s2.direction", "down", "scales.s2.direction", "higher, lower"),
    ("questionnaire", "scales.s1.missing.max_missing", 3, "scales.s1.missing.max_missing", "at most 2"),
    ("questionnaire", "coding", {0: 0, 1: 0.5, 2: 1}, "scales.s1.missing.rounding", "whole-number"),
    ("questionnaire", "derived.total.sum_of", ["s1", "s3"], "derived.total.sum_of[1]", "'s3' is not a scale"),
    ("questionnaire", "derived.s1", {"sum_of": ["s2"]}, "derived.s1", "already a scale"),
    ("questionnaire", "score", "grand", "score", "not a scale"),
    ("questionnaire", "direction", "lower", "direction", "must match the direction"),
    (
        "questionnaire",
        "band_sets.b.bounds.total",
        {"bounds": [8, 8], "labels": ["x", "y", "z"]},
        "band_sets.b.bounds.total",
        "increase strictly",
    ),
    (
        "questionnaire",
        "band_sets.b.bounds.total",
        {"bounds": [8, 9], "labels": ["x", "y", "y"]},
        "band_sets.b.bounds.total.labels",
        "duplicate label",
    ),
    ("questionnaire", "band_sets.b.bounds.total", [8, 10], "band_sets.b.bounds.total", "need 3 labels"),
    ("questionnaire", "band_sets.b.bounds.total", [13], "band_sets.b.bounds.total", "outside the score range [0, 12]"),
    ("questionnaire", "band_sets.b.bounds.s9", [1], "band_sets.b.bounds.s9", "not a scale"),
    (
        "questionnaire",
        "cutoffs",
        [{"name": "b-raised", "value": 5, "prespecified": False}],
        "cutoffs[0].name",
        "duplicate cut-off",
    ),
    ("signals", "items.0.abnormal", DELETE, "items[0].abnormal", "which answer is abnormal"),
    ("signals", "items.0.abnormal", "misschien", "items[0].abnormal", "not one of the declared codes"),
    ("signals", "items.0.abnormal", ["ja", "nee"], "items[0].abnormal", "every code is abnormal"),
    ("signals", "positive_rule", {"type": "at_least", "k": 3}, "positive_rule.k", "at most the number of items (2)"),
    ("signals", "positive_rule", {"type": "at_least"}, "positive_rule.k", "required"),
    ("signals", "positive_rule", {"type": "any", "k": 1}, "positive_rule.k", "only to type at_least"),
    ("signals", "positive_rule", {"type": "most"}, "positive_rule.type", "any, all, at_least"),
    ("signals", "direction", "lower", "direction", "counts signals"),
    ("ordinal", "categories", ["laag", "laag", "hoog"], "categories", "duplicate category"),
    ("ordinal", "categories", ["laag"], "categories", "at least two"),
    ("ordinal", "categories", {"laag": 0, "midden": 1, "hoog": 1}, "categories", "strictly ordered"),
    ("ordinal", "column", DELETE, "column", "required"),
    ("ordinal", "cutoffs", [{"name": "x", "value": 3, "prespecified": False}], "cutoffs[0].value", "outside"),
    ("rater", "combine", "median", "combine", "mean_of_available, first_rater"),
    ("rater", "fallback", "mean_of_available", "fallback", "must differ"),
    ("rater", "min_ratings", 3, "min_ratings", "at most the number of raters (2)"),
    ("rater", "rating_scale", {"min": 9, "max": 1}, "rating_scale.max", "below max"),
    ("rater", "rating_scale", {"min": 1, "max": 9.5}, "rating_scale.min", "whole-number"),
    ("rater", "cutoffs.0.value", 0, "cutoffs[0].value", "outside the score range [1, 9]"),
    ("rater", "raters.1.column", "r1", "raters", "duplicate column 'r1'"),
    ("rater", "raters.0.rater", "x", "raters[0].rater", "unknown field"),
    ("probability", "cutoffs.0.value", 1.5, "cutoffs[0].value", "outside the score range [0, 1]"),
    ("probability", "risk_mapping", {"type": "logistic", "intercept": 0, "slope": 1}, "risk_mapping", "already a risk"),
    ("combination", "components.1.cutoff", "nope", "components[1].cutoff", "has no cut-off 'nope'"),
    ("combination", "components.1.instrument", "signal-list", "components[1].instrument", "name@version"),
    ("combination", "components.1.instrument", "risk-checklist@2", "components[1].instrument", "listed twice"),
    (
        "combination",
        "components",
        [{"instrument": "signal-list@1", "cutoff": "any"}],
        "components",
        "at least two components",
    ),
    ("combination", "positive_rule", {"type": "at_least", "k": 3}, "positive_rule.k", "components (2)"),
    ("combination", "direction", "lower", "direction", "'higher'"),
    ("combination", "missing", {"max_missing": 1, "fill": "prorate"}, "missing.fill", "only fill: zero"),
]


@pytest.mark.parametrize("base,path,value,column,words", BAD, ids=[f"{b}:{p}:{c}" for b, p, _, c, _ in BAD])
def test_bad_spec_refused_naming_file_and_field(tmp_path, base, path, value, column, words):
    err = refused(tmp_path, changed(VALID[base], path, value))
    assert err.column == column
    assert words in err.reason
    assert err.row is None


def test_not_a_mapping(tmp_path):
    err = refused(tmp_path, "- just\n- a list\n")
    assert err.column is None and "must be a mapping" in err.reason


def test_empty_file(tmp_path):
    assert "must be a mapping" in refused(tmp_path, "").reason


def test_invalid_yaml_names_the_line(tmp_path):
    err = refused(tmp_path, "name: x\nversion: 1\nkind: [probability\n")
    assert "not valid YAML at line" in err.reason


def test_duplicate_yaml_key_refused(tmp_path):
    text = yaml.safe_dump(CHECKLIST, sort_keys=False) + "name: again\n"
    err = refused(tmp_path, text)
    assert "duplicate key 'name'" in err.reason and "line" in err.reason


def test_duplicate_scale_key_refused(tmp_path):
    text = yaml.safe_dump(QUESTIONNAIRE, sort_keys=False).replace("  s2:\n", "  s1:\n    items: [4]\n  s2:\n", 1)
    assert "duplicate key 's1'" in refused(tmp_path, text).reason


def test_combination_component_not_found(tmp_path):
    data = changed(COMBINATION, "components.1.instrument", "nowhere@3")
    err = refused(tmp_path, data)
    assert err.column == "components[1].instrument"
    assert "no specification 'nowhere@3' found" in err.reason


def test_consensus_combination_needs_consensus_column(tmp_path):
    data = changed(changed(RATER, "consensus_column", DELETE), "combine", "consensus_column")
    err = refused(tmp_path, data)
    assert err.column == "consensus_column" and "needs a consensus_column" in err.reason
    data = changed(changed(RATER, "consensus_column", DELETE), "fallback", "consensus_column")
    err = refused(tmp_path, data)
    assert err.column == "fallback" and "needs a consensus_column" in err.reason


def test_combination_cycle_refused(tmp_path):
    a = {
        **COMBINATION,
        "name": "loop-a",
        "components": [{"instrument": "loop-b@1", "cutoff": "all"}, {"instrument": "signal-list@1", "cutoff": "any"}],
    }
    b = {
        **COMBINATION,
        "name": "loop-b",
        "components": [{"instrument": "loop-a@1", "cutoff": "all"}, {"instrument": "signal-list@1", "cutoff": "any"}],
    }
    write(tmp_path, a, "loop-a@1.yaml")
    write(tmp_path, b, "loop-b@1.yaml")
    with pytest.raises(InputError) as err:
        load_specs(["loop-a@1"], spec_dir=tmp_path)
    assert err.value.file == str(tmp_path / "loop-b@1.yaml")
    assert err.value.column == "components[0].instrument"
    assert "loop-a@1 -> loop-b@1 -> loop-a@1" in err.value.reason


def test_combination_without_loader_refused():
    with pytest.raises(InputError) as err:
        from signalering.instruments.spec import build_spec

        build_spec(copy.deepcopy(COMBINATION), "inline.yaml")
    assert (err.value.file, err.value.column) == ("inline.yaml", "components")


def test_unknown_id():
    with pytest.raises(InputError) as err:
        load_specs(["no-such-thing@1"])
    assert "no specification 'no-such-thing@1' found" in err.value.reason
    assert "risk-checklist@2" in err.value.reason  # lists what is bundled
    assert "searched the bundled specifications;" in err.value.reason
    assert str(BUNDLED_DIR) not in str(err.value) and err.value.file == ""  # no path on this machine


def test_reference_neither_id_nor_path():
    with pytest.raises(InputError) as err:
        load_specs(["SDQ parent"])
    assert "neither 'name@version' nor a path" in err.value.reason


def test_missing_file():
    with pytest.raises(InputError) as err:
        load_specs(["does/not/exist.yaml"])
    assert (err.value.file, err.value.reason) == ("does/not/exist.yaml", "specification file not found")


def test_file_declaring_another_id(tmp_path):
    write(tmp_path, CHECKLIST, "other@1.yaml")
    with pytest.raises(InputError) as err:
        load_specs(["other@1"], spec_dir=tmp_path)
    assert err.value.file == str(tmp_path / "other@1.yaml") and err.value.column == "name"
    assert "looked up as 'other@1' but declares 'own-checklist@1'" in err.value.reason


def test_two_files_with_one_id(tmp_path):
    first = write(tmp_path, CHECKLIST, "a.yaml")
    second = write(tmp_path, CHECKLIST, "b.yaml")
    with pytest.raises(InputError) as err:
        load_specs([str(first), str(second)])
    assert err.value.file == str(second) and "also declared by" in err.value.reason


def test_every_complete_example_in_the_documentation_loads(tmp_path):
    """YAML examples in docs/instruments.md that are whole specifications must be valid."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "instruments.md").read_text()
    blocks = [
        b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if b.startswith("name:") and "# ..." not in b
    ]
    assert len(blocks) >= 4
    for k, block in enumerate(blocks):
        data = yaml.safe_load(block)
        if data["kind"] in ("signal_list", "combination", "ordinal_category"):
            data.setdefault("cutoffs", [])
        spec = load_spec(str(write(tmp_path, data, f"doc{k}.yaml")))
        assert spec.name == data["name"]
