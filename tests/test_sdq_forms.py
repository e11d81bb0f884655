"""Every bundled SDQ form scored on worked examples: parent 2-4, teacher, self-report, and the impact
supplement of each informant (docs/instruments.md). Expected values are hand-computed below each case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signalering.errors import InputError
from signalering.instruments import assign_bands, load_spec, score_records, spec_from_mapping

# The worked examples of the parent-form tests (test_sdq.py), '.' = missing, item order 1-25.
EX1 = "2 1 0 2 1 0 2 1 2 1 2 0 0 1 2 1 2 0 0 1 0 0 1 1 1"
EX2 = "2 2 1 . 1 1 2 . 2 1 2 . 2 2 1 1 1 1 0 . . 0 0 . 1"
EX3 = "0 2 0 0 2 . 0 0 1 2 . 1 . 0 2 . 0 1 1 0 0 0 1 . 0"
# EX1: emotional 3, conduct 1, hyperactivity 7, peer 2, prosocial 9 -> total 13 (see test_sdq.py)
EX1_SCALES = {"emotional": 3, "conduct": 1, "hyperactivity": 7, "peer": 2, "prosocial": 9, "total": 13}
# EX2: prorated 7, 3 (2.5 rounded half up), 6, 1, 8 -> total 17
EX2_SCALES = {"emotional": 7, "conduct": 3, "hyperactivity": 6, "peer": 1, "prosocial": 8, "total": 17}


def form(prefix: str, *answers: str) -> pd.DataFrame:
    rows = []
    for k, text in enumerate(answers):
        row = {"record_id": f"r{k}"}
        for i, a in enumerate(text.split(), start=1):
            row[f"{prefix}{i:02d}"] = "" if a == "." else a
        rows.append(row)
    return pd.DataFrame(rows)


def scales(result, spec_id: str) -> pd.DataFrame:
    out = result.subscores.set_index("record_id")
    out.columns = [c.split(":", 1)[1] for c in out.columns]
    return out


@pytest.mark.parametrize(
    "spec_id, prefix", [("sdq-parent-2-4@1", "sdq_"), ("sdq-teacher@1", "sdq_t_"), ("sdq-self@1", "sdq_s_")]
)
def test_every_form_scores_the_worked_examples_like_the_parent_form(spec_id, prefix):
    spec = load_spec(spec_id)
    result = score_records([spec], form(prefix, EX1, EX2, EX3))
    sub = scales(result, spec_id)
    for scale, value in EX1_SCALES.items():
        assert sub.loc["r0", scale] == value
    for scale, value in EX2_SCALES.items():
        assert sub.loc["r1", scale] == value
    # EX3: emotional has 2 of 5 items answered -> no total, externalising 6 + 10 = 16
    assert np.isnan(result.scores[spec_id].iloc[2])
    assert sub.loc["r2", "externalising"] == 16
    assert "subscale 'emotional' has fewer than 3 answered items" in result.missing["reason"].iloc[0]


def test_the_2_4_form_has_no_bundled_cut_off_and_says_why():
    spec = load_spec("sdq-parent-2-4@1")
    assert spec.cutoffs == () and spec.banded_cutoffs == () and spec.band_sets == ()
    assert "not verified" in spec.description
    # items 18 and 22 carry the 2-4 content but keep their scale (conduct)
    assert {i.id: i.label for i in spec.items}[18] == "argues"
    assert 18 in spec.scale("conduct").items and 22 in spec.scale("conduct").items


def test_teacher_bands_differ_from_parent_bands():
    # Teacher uk-4band: total 0-11 / 12-15 / 16-18 / 19-40. EX1 (13) is "slightly raised" for a
    # teacher but "close to average" on the parent bands (0-13); EX2 (17) is "high" on both.
    teacher, parent = load_spec("sdq-teacher@1"), load_spec("sdq-parent@1")
    totals = [11, 12, 13, 15, 16, 17, 18, 19, 40]
    assert list(assign_bands(teacher, "total", "uk-4band", totals)) == [
        "close-to-average",
        "slightly-raised",
        "slightly-raised",
        "slightly-raised",
        "high",
        "high",
        "high",
        "very-high",
        "very-high",
    ]
    assert list(assign_bands(parent, "total", "uk-4band", [13])) == ["close-to-average"]
    # teacher peer 0-2 / 3-4 / 5 / 6-10; prosocial (lower = concern) 6-10 / 5 / 4 / 0-3
    assert list(assign_bands(teacher, "peer", "uk-4band", [2, 4, 5, 6])) == [
        "close-to-average",
        "slightly-raised",
        "high",
        "very-high",
    ]
    assert list(assign_bands(teacher, "prosocial", "uk-4band", [6, 5, 4, 3])) == [
        "close-to-average",
        "slightly-lowered",
        "low",
        "very-low",
    ]
    assert [c.value for c in teacher.cutoffs] == [12, 16, 19]


def test_self_report_has_no_bundled_cut_off():
    spec = load_spec("sdq-self@1")
    assert spec.cutoffs == () and spec.banded_cutoffs == ()
    assert [i.column for i in spec.items][:2] == ["sdq_s_01", "sdq_s_02"]


# ---------------------------------------------------------------------------------- impact supplement
FIVE = ("distres", "imphome", "impfrie", "impclas", "impleis")
THREE = ("distres", "impfrie", "impclas")


def impact_records(prefix: str, items: tuple[str, ...], rows: list[tuple]) -> pd.DataFrame:
    """rows: (gate, answers...) with None = empty; answers stored 0-3 (not at all ... a great deal)."""
    out = []
    for k, (gate, *answers) in enumerate(rows):
        row = {"record_id": f"r{k}", f"{prefix}difficulties": "" if gate is None else str(gate)}
        for item, a in zip(items, answers):
            row[f"{prefix}{item}"] = "" if a is None else str(a)
        out.append(row)
    return pd.DataFrame(out)


PARENT_CASES = [
    # gate, distres, imphome, impfrie, impclas, impleis -> impact (hand-computed; 0,1 -> 0, 2 -> 1, 3 -> 2)
    ((0, None, None, None, None, None), 0.0),  # "no difficulties": items skipped, impact 0 (not missing)
    ((0, 3, 3, 3, 3, 3), 0.0),  # official syntax: gate "no" gives 0 whatever was ticked
    ((2, 3, 2, 1, 0, None), 3.0),  # 2 + 1 + 0 + 0, the empty item counts 0
    ((1, None, None, None, None, None), np.nan),  # difficulties but no impact item answered: missing
    ((None, 2, None, None, None, None), 1.0),  # empty gate: scored like "yes" (documented choice)
    ((3, 3, 3, 3, 3, 3), 10.0),  # the maximum
    ((1, 1, 1, 1, 1, 1), 0.0),  # "only a little" scores 0
]


@pytest.mark.parametrize("spec_id, prefix", [("sdq-parent-impact@1", "sdq_imp_"), ("sdq-self-impact@1", "sdq_s_imp_")])
def test_parent_and_self_impact_worked_examples(spec_id, prefix):
    spec = load_spec(spec_id)
    assert spec.score_range == (0.0, 10.0)
    result = score_records([spec], impact_records(prefix, FIVE, [r for r, _ in PARENT_CASES]))
    np.testing.assert_array_equal(result.scores[spec_id].to_numpy(), [v for _, v in PARENT_CASES])
    assert result.missing["reason"].tolist() == [
        f"{spec.name}: impact not computable: subscale 'impact' has fewer than 1 answered items"
    ]


def test_teacher_impact_has_three_items_and_range_0_to_6():
    spec = load_spec("sdq-teacher-impact@1")
    assert spec.score_range == (0.0, 6.0)
    rows = [
        (2, 3, 3, 2),  # 2 + 2 + 1 = 5
        (3, 3, 3, 3),  # 6, the maximum
        (0, 3, None, None),  # gate "no": 0
        (1, None, 2, None),  # 1
    ]
    result = score_records([spec], impact_records("sdq_t_imp_", THREE, rows))
    assert result.scores["sdq-teacher-impact@1"].tolist() == [5.0, 6.0, 0.0, 1.0]


def test_impact_cut_offs_are_exploratory_and_screen_at_their_value():
    spec = load_spec("sdq-parent-impact@1")
    assert [(c.name, c.value, c.prespecified) for c in spec.cutoffs] == [
        ("at-least-1", 1.0, False),
        ("at-least-2", 2.0, False),
    ]


@pytest.mark.parametrize("column, value", [("sdq_imp_difficulties", "4"), ("sdq_imp_imphome", "4")])
def test_impact_refuses_undeclared_answers_naming_the_column(column, value):
    records = impact_records("sdq_imp_", FIVE, [(2, 1, 1, 1, 1, 1)])
    records[column] = value
    with pytest.raises(InputError) as err:
        score_records([load_spec("sdq-parent-impact@1")], records, file="r.csv")
    assert err.value.column == column and err.value.row == 1
    assert value not in str(err.value.reason)


def test_impact_needs_the_gate_column():
    records = impact_records("sdq_imp_", FIVE, [(2, 1, 1, 1, 1, 1)]).drop(columns="sdq_imp_difficulties")
    with pytest.raises(InputError) as err:
        score_records([load_spec("sdq-parent-impact@1")], records, file="r.csv")
    assert err.value.column == "sdq_imp_difficulties"


GATED = {
    "name": "gated",
    "version": 1,
    "kind": "questionnaire",
    "coding": {0: 0, 1: 0, 2: 1, 3: 2},
    "items": [{"id": "a", "column": "ia"}, {"id": "b", "column": "ib"}],
    "scales": {"impact": {"items": ["a", "b"], "missing": {"max_missing": 1}}},
    "score": "impact",
    "gate": {"column": "g", "coding": {"nee": 0, "ja": 1}, "zero_when": "nee"},
}


@pytest.mark.parametrize(
    "gate, message",
    [
        ({"column": "g", "coding": [0, 1], "zero_when": [2]}, "not one of the gate's declared codes"),
        ({"column": "g", "coding": [0, 1], "zero_when": [0, 1]}, "every gate answer gives 0"),
        ({"column": "ia", "coding": [0, 1], "zero_when": [0]}, "must not be an item column"),
        ({"column": "g", "coding": [0, 1]}, "required field"),
    ],
)
def test_bad_gates_are_refused(gate, message):
    with pytest.raises(InputError) as err:
        spec_from_mapping({**GATED, "gate": gate})
    assert message in err.value.reason and err.value.column.startswith("gate")


def test_a_text_gate_and_its_zero_answer():
    spec = spec_from_mapping(GATED)
    records = pd.DataFrame(
        {"record_id": [1, 2, 3], "g": ["nee", "ja", "ja"], "ia": ["3", "3", ""], "ib": ["", "2", ""]}
    )
    # "nee": 0 whatever was ticked; "ja": 2 + 1 = 3; "ja" with nothing answered: missing (max 1 missing)
    np.testing.assert_array_equal(score_records([spec], records).scores["gated@1"], [0.0, 3.0, np.nan])
