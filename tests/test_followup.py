"""Follow-up windows of the reference standard (ingest.followup, docs/input-files.md).

The expected values are worked by hand from the table in the module docstring of
``signalering.ingest.followup``; the boundaries (an event on day W, a negative followed exactly W
days) are where an off-by-one would show.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from signalering import params
from signalering.errors import InputError, UsageError
from signalering.ingest.followup import reference_at_window
from signalering.ingest.schema import RecordSchema, validate_records
from signalering.scale.ingest import ingest_stream

NAN = float("nan")
DATA = {"reference": "reference", "followup": {"column": "fu_days", "window_days": 365}}


def test_reference_at_window_hand_worked_table():
    ref = [1, 1, 1, 0, 0, 0, NAN, NAN]
    days = [0, 365, 366, 365, 364, 2000, 10, NAN]
    w = reference_at_window(ref, days, 365)
    # event on day 0 and on day W: positive; after W: negative; negative followed W or more: negative,
    # less than W: not verified; no reference: stays not verified whatever the interval
    expected = np.array([1.0, 1.0, 0.0, 0.0, NAN, 0.0, NAN, NAN])
    assert np.array_equal(w.reference, expected, equal_nan=True)
    assert w.short_followup.tolist() == [False, False, False, False, True, False, False, False]
    assert w.event_after_window.tolist() == [False, False, True, False, False, False, False, False]


def test_no_window_keeps_the_reference_as_recorded():
    ref = np.array([1.0, 0.0, NAN])
    w = reference_at_window(ref, [5000, 1, NAN], None)
    assert np.array_equal(w.reference, ref, equal_nan=True)
    assert not w.short_followup.any() and not w.event_after_window.any()


def test_accuracy_changes_with_the_window_as_worked_by_hand():
    # 4 positives with events on days 100, 400, 800, 1200; 6 negatives followed 200, 500, 900, 1300, 1300, 1500
    ref = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    days = [100, 400, 800, 1200, 200, 500, 900, 1300, 1300, 1500]
    expected = {  # window -> (positives, negatives, not verified)
        365: (1, 3 + 5, 1),  # events after 365: 3 negatives; negative followed 200 < 365: censored
        730: (2, 2 + 4, 2),
        1095: (3, 1 + 3, 3),
        1460: (4, 0 + 1, 5),
    }
    for window, (pos, neg, unv) in expected.items():
        r = reference_at_window(ref, days, window).reference
        assert (int((r == 1).sum()), int((r == 0).sum()), int(np.isnan(r).sum())) == (pos, neg, unv), window


def _table(rows):
    return pd.DataFrame(
        [{"record_id": f"R{i}", "reference": r, "fu_days": d} for i, (r, d) in enumerate(rows)], dtype="string"
    )


def test_ingest_applies_the_window_and_counts_add_up():
    rows = [("1", "30"), ("1", "400"), ("0", "365"), ("0", "100"), (None, None), (None, "20"), ("0", "500")]
    v = validate_records(_table(rows), RecordSchema.from_params(DATA), "f.csv")
    ref = v.records["reference"].to_numpy()
    assert ref[[0, 1, 2, 6]].tolist() == [1.0, 0.0, 0.0, 0.0] and np.isnan(ref[[3, 4, 5]]).all()
    flow = v.flow.to_dict()
    assert flow["received"] == flow["analysed"] == 7
    assert flow["unverified"] == 3 and flow["verified"] == 4
    assert flow["followup"] == {
        "window_days": 365,
        "unverified_short_followup": 1,
        "unverified_other": 2,
        "negative_event_after_window": 1,
    }


@pytest.mark.parametrize(
    "days, reason",
    [
        ("-1", "below the allowed minimum"),
        ("12.5", "not a whole number"),
        ("2015-01-02", "not a number"),
        (None, "follow-up interval missing for a verified record"),
    ],
)
def test_bad_intervals_are_quarantined_with_row_and_column(days, reason):
    v = validate_records(_table([("0", "400"), ("1", days)]), RecordSchema.from_params(DATA), "f.csv")
    assert v.flow.received == 2 and v.flow.analysed == 1
    q = v.quarantine
    assert q["row"].tolist() == [2] and q["column"].tolist() == ["fu_days"]
    assert reason in q["reason"].iloc[0]
    assert days is None or days not in q["reason"].iloc[0]  # never the value


def test_missing_interval_without_a_window_or_reference_is_fine():
    no_window = {"reference": "reference", "followup": {"column": "fu_days"}}
    v = validate_records(_table([("1", None), ("0", "5")]), RecordSchema.from_params(no_window), "f.csv")
    assert v.flow.analysed == 2 and "followup" not in v.flow.to_dict()
    assert v.records["reference"].tolist() == [1.0, 0.0]  # as recorded
    v = validate_records(_table([(None, None)]), RecordSchema.from_params(DATA), "f.csv")
    assert v.flow.analysed == 1 and v.flow.unverified == 1


def test_missing_followup_column_is_refused_naming_it():
    frame = _table([("1", "3")]).drop(columns="fu_days")
    with pytest.raises(InputError, match="follow-up column") as exc:
        validate_records(frame, RecordSchema.from_params(DATA), "f.csv")
    assert "fu_days" in str(exc.value)


def test_a_declared_range_for_the_followup_column_is_kept_codes_are_refused():
    data = {**DATA, "columns": {"fu_*": {"max": 1000}}}
    v = validate_records(_table([("0", "400"), ("0", "1001"), ("1", "-2")]), RecordSchema.from_params(data), "f.csv")
    assert v.flow.analysed == 1
    reasons = v.quarantine["reason"].tolist()
    assert reasons[0].startswith("above the allowed maximum 1000") and reasons[1].startswith(
        "below the allowed minimum 0"
    )
    with pytest.raises(UsageError, match="declares codes"):
        RecordSchema.from_params({**DATA, "columns": {"fu_days": {"codes": [1, 2]}}})


def test_followup_column_may_not_be_the_reference():
    with pytest.raises(UsageError, match="data.followup.column"):
        RecordSchema.from_params({"reference": "reference", "followup": {"column": "reference"}})


def test_params_window_needs_a_column_and_a_positive_whole_number(tmp_path):
    base = {"data": {"records": "r.csv", "reference": "reference"}}
    with pytest.raises(InputError, match="needs data.followup.column"):
        params.validate({**base, "data": {**base["data"], "followup": {"window_days": 365}}})
    for bad in (0, -5, 365.5, "365"):
        with pytest.raises(InputError, match="data.followup.window_days"):
            params.validate({**base, "data": {**base["data"], "followup": {"column": "d", "window_days": bad}}})
    ok = params.validate({**base, "data": {**base["data"], "followup": {"column": "d", "window_days": 730}}})
    assert ok.data.followup.window_days == 730
    assert params.validate(base).data.followup.window_days is None  # default: no window


def test_streamed_ingest_gives_the_whole_file_flow(tmp_path):
    rng = np.random.default_rng(3)
    n = 250
    ref = rng.choice(np.array(["1", "0", ""]), size=n, p=[0.2, 0.7, 0.1])
    days = rng.integers(0, 1000, size=n).astype(str)
    frame = pd.DataFrame({"record_id": [f"P{i:04d}" for i in range(n)], "reference": ref, "fu_days": days})
    frame.loc[5, "fu_days"] = "-3"
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    schema = RecordSchema.from_params(DATA)
    whole = ingest_stream(path, schema, tmp_path / "a.parquet", tmp_path / "qa.csv", None)
    streamed = ingest_stream(path, schema, tmp_path / "b.parquet", tmp_path / "qb.csv", 40)
    assert whole == streamed and whole.to_dict()["followup"]["unverified_short_followup"] > 0
    a, b = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(a, b)


def _flow(short, other, late=200):
    unv = short + other
    return {
        "received": 5000,
        "analysed": 5000,
        "excluded": {},
        "verified": 5000 - unv,
        "unverified": unv,
        "followup": {
            "window_days": 730,
            "unverified_short_followup": short,
            "unverified_other": other,
            "negative_event_after_window": late,
        },
    }


def test_followup_counts_follow_the_disclosure_rules():
    from signalering.documents.disclosure import suppress_flow

    out, log = suppress_flow(_flow(1500, 300), 10)
    assert out["followup"] == _flow(1500, 300)["followup"] and log == []
    # one small part: "<10", and the other hidden as its complement (the total is published)
    out, log = suppress_flow(_flow(4, 300), 10)
    fu = out["followup"]
    assert out["unverified"] == 304 and fu["unverified_short_followup"] == "<10" and fu["unverified_other"] is None
    assert {"followup.unverified_short_followup", "followup.unverified_other"} <= set(out["suppressed"])
    # both parts small, together not (suppress_parts: hidden parts adding up to >= min_cell may stay "<10")
    out, _ = suppress_flow(_flow(6, 9), 10)
    assert out["unverified"] == 15
    assert out["followup"]["unverified_short_followup"] == out["followup"]["unverified_other"] == "<10"
    # the total withheld: both parts too (they would add up to it)
    out, _ = suppress_flow(_flow(3, 2), 10)
    assert out["unverified"] == "<10"
    assert out["followup"]["unverified_short_followup"] is None and out["followup"]["unverified_other"] is None
    # late events stand alone: withheld when small; zero is shown
    out, _ = suppress_flow(_flow(1500, 300, late=7), 10)
    assert out["followup"]["negative_event_after_window"] == "<10"
    out, _ = suppress_flow(_flow(1500, 300, late=0), 10)
    assert out["followup"]["negative_event_after_window"] == 0
    assert out["followup"]["window_days"] == 730


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_states_the_window_and_the_audit_checks_its_counts(lang):
    from signalering.documents import audit
    from signalering.report import build, inputs, views

    flow = {**_flow(4, 300, late=50), "excluded": {}}

    def html(flow, suppress=True):
        inp = inputs.Inputs(flow=flow, accuracy={})
        log: list[dict] = []
        if suppress:
            inp, log = inputs.publishable(inp, 10)
        return build.render(views.build_view(inp, log, {}, {}, lang, build.load_texts(lang)))

    now = html(flow)
    window = {"en": "730 days (2.0 years)", "nl": "730 dagen (2,0 jaar)"}[lang]
    assert now.count(window) >= 4  # flow text, two table rows, methods (and the figure)
    counts, _ = audit.html_counts(now)
    assert counts["flow.unverified"] == 304 and counts["flow.followup.short"] == "<10"
    assert counts["flow.followup.other"] is None and counts["flow.followup.late"] == 50
    assert audit.audit_html(now, "now.html") == []
    # as if only the small part were hidden: unverified - other gives it back, and the audit says so
    before = copy.deepcopy(flow)
    before["followup"]["unverified_short_followup"] = "<10"
    found = audit.audit_html(html(before, suppress=False), "before.html")
    assert [(f["location"], f["recovered"]) for f in found] == [("flow.followup", ["short"])]
    # without a window the report says nothing about follow-up
    plain = html({k: v for k, v in flow.items() if k != "followup"})
    assert window not in plain and "flow.followup" not in plain
