"""The ``score`` kind: a plain numeric column used as it is, and scoring keyed by ``data.id_column``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signalering.errors import InputError, UsageError
from signalering.instruments import instrument_risks, load_specs, risk_from_scores, score_records, spec_from_mapping

SCORE = {"name": "lab", "version": 1, "kind": "score", "column": "s100b"}


def spec(**extra):
    return spec_from_mapping({**SCORE, **extra}, file="lab.yaml")


def test_a_plain_score_needs_no_cutoffs_and_has_no_bounds():
    s = spec()
    assert s.kind == "score" and s.column == "s100b" and s.columns == ("s100b",)
    assert s.cutoffs == () and s.direction == "higher" and not s.is_probability
    assert s.score_range == (-math.inf, math.inf)


def test_cutoffs_judged_and_exploratory_and_direction():
    s = spec(
        direction="lower",
        cutoffs=[
            {"name": "judged", "value": 0.2, "prespecified": True},
            {"name": "explore", "value": 0.5, "prespecified": False},
        ],
    )
    assert s.direction == "lower"
    assert [(c.name, c.value, c.prespecified) for c in s.cutoffs] == [("judged", 0.2, True), ("explore", 0.5, False)]


def test_probability_fixes_the_range_and_is_a_risk():
    s = spec(probability=True, cutoffs=[{"name": "p", "value": 0.3, "prespecified": True}])
    assert s.is_probability and s.score_range == (0.0, 1.0)
    risk = risk_from_scores(s, [0.1, np.nan, 0.9])
    assert risk[0] == 0.1 and np.isnan(risk[1]) and risk[2] == 0.9
    risk, source = instrument_risks(s, np.array([0.2, 0.7]), np.array([0.0, 1.0]))
    assert list(risk) == [0.2, 0.7] and source == "the instrument's own probability"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"probability": True, "range": {"min": 0, "max": 1}}, "range"),
        ({"range": {"min": 5, "max": 1}}, "range.max"),
        (
            {"range": {"min": 0, "max": 10}, "cutoffs": [{"name": "c", "value": 11, "prespecified": True}]},
            "cutoffs[0].value",
        ),
        ({"probability": True, "cutoffs": [{"name": "c", "value": 2, "prespecified": True}]}, "cutoffs[0].value"),
        ({"probability": True, "risk_mapping": {"type": "logistic", "intercept": 0, "slope": 1}}, "risk_mapping"),
        ({"probability": "yes"}, "probability"),
        ({"items": []}, "items"),
    ],
)
def test_refusals_name_the_field(extra, field):
    with pytest.raises(InputError) as err:
        spec(**extra)
    assert err.value.file == "lab.yaml" and err.value.column == field


def test_missing_column_is_refused():
    with pytest.raises(InputError) as err:
        spec_from_mapping({"name": "lab", "version": 1, "kind": "score"}, file="lab.yaml")
    assert err.value.column == "column"


def test_a_table_mapping_on_an_unbounded_score():
    s = spec(risk_mapping={"type": "table", "table": [{"from": 0, "risk": 0.1}, {"from": 1, "risk": 0.4}]})
    assert list(risk_from_scores(s, [-3.0, 0.5, 2.0])) == [0.1, 0.1, 0.4]


def test_scoring_uses_the_column_as_it_is_under_the_given_id_column():
    records = pd.DataFrame({"case": ["a", "b", "c"], "s100b": ["0.13", "", "2.5"]})
    result = score_records([spec()], records, file="asah.csv", id_column="case")
    assert list(result.scores.columns) == ["case", "lab@1"]
    assert result.scores["lab@1"].tolist()[0] == 0.13 and np.isnan(result.scores["lab@1"][1])
    assert result.missing.to_dict("records") == [
        {"case": "b", "instrument": "lab@1", "reason": "lab: no score recorded"}
    ]


def test_scoring_without_the_id_column_names_it():
    records = pd.DataFrame({"record_id": ["a"], "s100b": [1.0]})
    with pytest.raises(InputError) as err:
        score_records([spec()], records, file="asah.csv", id_column="case")
    assert err.value.column == "case" and err.value.file == "asah.csv"
    with pytest.raises(UsageError):
        score_records([spec()], records, id_column="")


@pytest.mark.parametrize(
    "extra, values, row",
    [
        ({"range": {"min": 0, "max": 10}}, [1.0, 12.0, 3.0], 2),
        ({"probability": True}, [0.2, 0.3, 1.5], 3),
    ],
)
def test_values_outside_the_range_are_refused_without_the_value(extra, values, row):
    records = pd.DataFrame({"record_id": ["a", "b", "c"], "s100b": values})
    with pytest.raises(InputError) as err:
        score_records([spec(**extra)], records, file="f.csv")
    assert err.value.row == row and err.value.column == "s100b"
    assert str(values[row - 1]) not in str(err.value)


def test_text_in_a_score_column_is_refused():
    records = pd.DataFrame({"record_id": ["a", "b"], "s100b": ["1", "high"]})
    with pytest.raises(InputError) as err:
        score_records([spec()], records, file="f.csv")
    assert err.value.row == 2 and "high" not in str(err.value)


def test_a_score_spec_file_loads_next_to_bundled_ones(tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text("name: lab\nversion: 1\nkind: score\ncolumn: s100b\ndirection: lower\n", encoding="utf-8")
    specs = load_specs([str(path), "risk-checklist@2"])
    assert [s.id for s in specs] == ["lab@1", "risk-checklist@2"] and specs[0].direction == "lower"


def test_every_kind_has_a_section_in_the_docs():
    from conftest import ROOT

    from signalering.instruments import KINDS

    text = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"\n### {kind}\n" in text, kind
