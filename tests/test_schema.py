"""Row validation: every received record is analysed or excluded with a reason, and counts add up."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalering.errors import InputError, UsageError
from signalering.ingest.flow import Flow
from signalering.ingest.schema import RecordSchema, validate_records

PARAMS = {
    "reference": "reference",
    "columns": {
        "sex": {"codes": ["m", "f"]},
        "item_*": {"codes": [0, 1, 2]},
        "rating": {"min": 1, "max": 9, "integer": True},
        "prob": {"min": 0, "max": 1, "required": False},
    },
}
SCHEMA = RecordSchema.from_params(PARAMS)
GOOD = {"record_id": "R0", "reference": "1", "sex": "m", "item_1": "2", "item_2": "0", "rating": "5"}


def table(*changes):
    rows = []
    for i, change in enumerate(changes):
        row = dict(GOOD, record_id=f"R{i}")
        row.update(change)
        rows.append(row)
    return pd.DataFrame(rows, dtype="string")


def test_good_rows_are_typed():
    v = validate_records(table({}, {"reference": "0", "rating": None}, {"reference": None}), SCHEMA, "f.csv")
    assert v.flow == Flow(received=3, analysed=3, excluded={}, unverified=1)
    assert v.records["reference"].tolist()[:2] == [1.0, 0.0] and np.isnan(v.records["reference"][2])
    assert v.records["rating"].tolist()[0] == 5.0
    assert v.quarantine.empty


@pytest.mark.parametrize(
    "change, column, reason",
    [
        ({"record_id": None}, "record_id", "missing record_id"),
        ({"reference": "2"}, "reference", "reference standard is not 1, 0 or empty"),
        ({"reference": "yes"}, "reference", "reference standard is not 1, 0 or empty"),
        ({"sex": "x"}, "sex", "not one of the allowed codes"),
        ({"item_2": "3"}, "item_2", "not one of the allowed codes"),
        ({"item_1": "1.5"}, "item_1", "not one of the allowed codes"),
        ({"rating": "10"}, "rating", "above the allowed maximum"),
        ({"rating": "0"}, "rating", "below the allowed minimum"),
        ({"rating": "4.5"}, "rating", "not a whole number"),
        ({"rating": "five"}, "rating", "not a number"),
    ],
)
def test_each_kind_of_bad_row_is_quarantined_with_its_reason(change, column, reason):
    v = validate_records(table({}, change, {}), SCHEMA, "f.csv")
    assert v.flow.received == 3 and v.flow.analysed == 2
    ((key, n),) = v.flow.excluded.items()
    assert n == 1 and key.startswith(f"{column}: ") and reason in key
    q = v.quarantine
    assert q["row"].tolist() == [2] and q["column"].tolist() == [column]
    assert reason in q["reason"].item()
    bad_value = next(iter(change.values()))
    if bad_value:  # the reason never quotes the offending value
        assert bad_value not in q["reason"].item()


def test_duplicates_exclude_every_copy():
    v = validate_records(table({}, {"record_id": "R0"}, {}), SCHEMA, "f.csv")
    assert v.flow.analysed == 1
    assert v.flow.excluded == {"record_id: duplicate record_id (every copy excluded)": 2}


def test_ids_repeated_elsewhere_in_a_streamed_file_exclude_the_row():
    v = validate_records(table({}, {"record_id": "R7"}, {}), SCHEMA, "f.csv", repeated={"R7", "R99"})
    assert v.flow.analysed == 2 and v.flow.received == 3
    assert v.flow.excluded == {"record_id: duplicate record_id (every copy excluded)": 1}
    assert v.quarantine["row"].tolist() == [2]


def test_row_with_several_faults_counts_once_and_lists_all():
    v = validate_records(table({}, {"sex": "x", "rating": "99"}), SCHEMA, "f.csv")
    assert v.flow.excluded == {"sex: not one of the allowed codes ['m', 'f']": 1}
    assert sorted(v.quarantine["column"]) == ["rating", "sex"]


def test_codes_accept_numeric_spellings():
    v = validate_records(table({"item_1": "2.0", "reference": "1.0"}), SCHEMA, "f.csv")
    assert v.flow.analysed == 1 and v.records["item_1"].item() == "2"


@pytest.mark.parametrize("drop", ["record_id", "reference", "sex", "item_1"])
def test_required_column_missing_refuses_file(drop):
    frame = table({}).drop(
        columns=[c for c in table({}).columns if c == drop or (drop == "item_1" and c.startswith("item_"))]
    )
    with pytest.raises(InputError) as err:
        validate_records(frame, SCHEMA, "f.csv")
    assert err.value.file == "f.csv" and "missing" in err.value.reason
    assert err.value.column in (drop, "item_*")


def test_optional_column_may_be_absent():
    assert validate_records(table({}), SCHEMA, "f.csv").flow.analysed == 1


def test_configured_labels():
    schema = RecordSchema.from_params({"reference": "reference", "positive_label": "ja", "negative_label": "nee"})
    v = validate_records(table({"reference": "ja"}, {"reference": "nee"}, {"reference": "1"}), schema, "f.csv")
    assert v.records["reference"].tolist() == [1.0, 0.0] and v.flow.analysed == 2


def test_flow_refuses_counts_that_do_not_add_up():
    with pytest.raises(UsageError):
        Flow(received=10, analysed=8, excluded={"x": 1})


FAULTS = [
    {},
    {"record_id": None},
    {"reference": "9"},
    {"sex": "?"},
    {"item_2": "7"},
    {"rating": "0"},
    {"rating": "abc"},
    {"sex": "?", "rating": "0"},
]


@given(st.lists(st.sampled_from(range(len(FAULTS))), min_size=1, max_size=40), st.data())
def test_counts_always_add_up(kinds, data):
    changes = [FAULTS[k] for k in kinds]
    frame = table(*changes)
    dup_n = data.draw(st.integers(0, len(frame) - 1))
    frame.loc[dup_n, "record_id"] = frame.loc[0, "record_id"] if dup_n else frame.loc[0, "record_id"]
    v = validate_records(frame, SCHEMA, "f.csv")
    f = v.flow
    assert f.received == len(frame) == f.analysed + sum(f.excluded.values())
    assert len(v.records) == f.analysed
    assert v.quarantine["row"].nunique() == sum(f.excluded.values())


def test_subgroups_must_be_declared_with_codes():
    with pytest.raises(UsageError, match="without codes"):
        RecordSchema.from_params(dict(PARAMS, subgroups=["rating"]))  # a range, not codes
    with pytest.raises(UsageError, match="without codes"):
        RecordSchema.from_params(dict(PARAMS, subgroups=["municipality"]))  # not declared at all
    assert RecordSchema.from_params(dict(PARAMS, subgroups=["sex"])).subgroups == ("sex",)


def test_a_subgroup_label_outside_the_codes_never_reaches_the_analysed_records():
    schema = RecordSchema.from_params(dict(PARAMS, subgroups=["sex"]))
    v = validate_records(table({}, {"sex": "unlisted-label"}, {"sex": "f"}), schema, "f.csv")
    assert set(v.records["sex"]) == {"m", "f"}
    assert v.flow.excluded == {"sex: not one of the allowed codes ['m', 'f']": 1}
    assert "unlisted-label" not in v.quarantine.to_csv()


def test_dropped_columns_are_never_written():
    schema = RecordSchema.from_params(dict(PARAMS, drop=["remark"]))
    frame = table({"remark": "anything at all"}, {"remark": "more text"})
    v = validate_records(frame, schema, "f.csv")
    assert "remark" not in v.records.columns and v.flow.analysed == 2
    with pytest.raises(UsageError, match="analysis needs"):
        RecordSchema.from_params(dict(PARAMS, drop=["reference"]))
    with pytest.raises(UsageError, match="list of column names"):
        RecordSchema.from_params(dict(PARAMS, drop="remark"))
