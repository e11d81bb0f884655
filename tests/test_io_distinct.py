"""The reader's distinct-value path against the general path it replaces.

A CSV file read whole is parsed by Arrow into text columns that are normalised on their distinct
values (``io._text_column``: short values counted by their bytes, ``normalise_text`` once per distinct
value and mapped back) and guarded on those values (``Batch.distinct``). Each kernel here is compared
with the value-by-value general path on awkward inputs: blank space around values, empty and
whitespace-only values, BOMs, Windows-1252, decimal commas, full-width and Arabic-Indic digits,
two-byte characters, nulls, sliced and multi-chunk Arrow arrays, and identifiers in any column.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalering import io
from signalering.errors import InputError
from signalering.ingest.identifiers import check_identifiers
from signalering.scale.guard import check_identifiers_stream

# values as spreadsheets write them: blanks, commas, signs, full-width / Arabic-Indic digits, é, NBSP
ALPHABET = " \t0123456789,.-+abé\u00a0\uff11\u0663\x1f"
VALUES = st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=5), st.sampled_from(["", " ", "1", "é", "ab"]))


def _chunked(values: list, cuts: list[int]) -> pa.ChunkedArray:
    """``values`` as an Arrow ``string`` column cut into chunks at ``cuts``, the first chunk a slice of
    a longer array (so offsets do not start at zero)."""
    arr = pa.array(["pad", *values, "pad"], pa.string()).slice(1, len(values))
    bounds = sorted({0, len(values), *[c % (len(values) + 1) for c in cuts]})
    return pa.chunked_array([arr.slice(a, b - a) for a, b in zip(bounds, bounds[1:])] or [arr], pa.string())


def _general(values: list, commas: bool) -> list:
    """``normalise_text`` value by value on pandas' Python strings (the general path)."""
    out = io.normalise_text(pd.Series(values, dtype=pd.StringDtype("python")), commas)
    return [None if v is pd.NA else v for v in out.tolist()]


@given(st.lists(VALUES, min_size=1, max_size=40), st.lists(st.integers(0, 40), max_size=3), st.booleans())
@settings(max_examples=300, deadline=None)
def test_text_column_normalises_like_the_general_path(values, cuts, commas):
    column, distinct = io._text_column(_chunked(values, cuts), commas)
    want = _general(values, commas)
    assert column.to_pylist() == want
    assert distinct is not None  # short columns are never "mostly distinct"
    assert sorted(distinct.tolist()) == sorted({v for v in want if v is not None})


@given(st.lists(VALUES, min_size=1, max_size=40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_mostly_distinct_columns_normalise_like_the_general_path(ids, commas):
    # a column of ids: too many distinct values to count, normalised value by value (or left as is)
    values = [None if v is None else f"K{i}{v}" if i % 3 else v for i, v in enumerate(ids)]
    sample = io._MOSTLY_DISTINCT_SAMPLE
    io._MOSTLY_DISTINCT_SAMPLE = 2
    try:
        column, distinct = io._text_column(_chunked(values * 3, [5, 17]), commas)
    finally:
        io._MOSTLY_DISTINCT_SAMPLE = sample
    assert column.to_pylist() == _general(values * 3, commas)
    # left to the guard to find (it samples the same way) exactly when the column is longer than twice
    # the sample, holds a value of more than two bytes and its first two values (the sample) differ
    col = values * 3
    longest = max((len(v.encode()) for v in col if v is not None), default=0)
    sampled = {v for v in col[:2] if v is not None}
    assert (distinct is None) == (len(col) > 4 and longest > 2 and len(sampled) == 2)


@given(
    st.one_of(
        st.lists(st.one_of(st.none(), st.text(max_size=2).filter(lambda t: len(t.encode()) <= 2)), max_size=50),
        st.lists(st.one_of(st.none(), st.text(alphabet="012ab ,", min_size=1, max_size=1)), max_size=50),
    )
)
@settings(max_examples=300, deadline=None)
def test_short_values_are_counted_like_arrow_counts_them(values):
    column = _chunked(values, [3, 11]) if values else pa.chunked_array([], pa.string())
    want = pc.unique(column).drop_null().to_pylist() if values else []
    longest = max((len(v.encode()) for v in values if v is not None), default=0)
    for bound in {longest, 2}:  # chunks of one-byte values take Arrow's byte table, others the counts
        got = io._short_distinct(column, bound).to_pylist()
        assert sorted(got) == sorted(want) and len(got) == len(set(got))


@given(st.lists(VALUES, min_size=1, max_size=30), st.booleans())
@settings(max_examples=300, deadline=None)
def test_left_as_is_only_when_normalising_changes_nothing(values, commas):
    column = _chunked(values, [4])
    if io._left_as_is(column, commas):
        assert _general(values, commas) == values


def test_a_column_of_ids_with_blanks_is_normalised(monkeypatch):
    monkeypatch.setattr(io, "_MOSTLY_DISTINCT_SAMPLE", 4)
    values = [f"K{i:03d}" for i in range(20)]
    values[13] = " K013 "
    column, distinct = io._text_column(pa.chunked_array([values], pa.string()), False)
    assert distinct is None and column.to_pylist()[13] == "K013" and io._left_as_is(column, False)
    assert not io._left_as_is(pa.chunked_array([values], pa.string()), False)


# ------------------------------------------------------------------ whole files: fast path vs pandas' parser
CELL = st.one_of(
    st.sampled_from(["", " ", " 1 ", "0,5", "-0,25", "１２", "٣", "Zoë", "a,b", '"q"', "x y", "007", "NA"]),
    st.text(alphabet="0123456789 ,.é", max_size=4),
)


def _csv(rows: list[list[str]], sep: str) -> str:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if (sep in v or '"' in v) else v

    lines = [sep.join(["record_id", "reference", "item_a", "item_b"])]
    lines += [sep.join([f"K{i}", str(i % 2), cell(a), cell(b)]) for i, (a, b) in enumerate(rows)]
    return "\n".join(lines) + "\n"


@given(
    st.lists(st.tuples(CELL, CELL), min_size=1, max_size=12),
    st.sampled_from([",", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    st.sampled_from(["auto", ".", ","]),
)
@settings(max_examples=120, deadline=None)
def test_files_read_whole_as_pandas_parser_reads_them(tmp_path_factory, rows, sep, encoding, decimal):
    text = _csv(rows, sep)
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:  # full-width digits have no Windows-1252 form
        content = text.encode("utf-8")
    path = tmp_path_factory.mktemp("f") / "f.csv"
    path.write_bytes(content)
    fast = io.read_records(path, decimal)
    original = io._arrow_csv
    io._arrow_csv = lambda *a: None
    try:
        slow = io.read_records(path, decimal)
    finally:
        io._arrow_csv = original
    pd.testing.assert_frame_equal(fast, slow)
    batch = next(io.iter_batches(path, None, decimal=decimal))
    for column, values in (batch.distinct or {}).items():
        assert sorted(values.tolist()) == sorted(set(fast[column].dropna().tolist()))


def test_mixed_encoding_far_into_a_utf8_file_is_refused_as_before(tmp_path):
    # the header is UTF-8, so Arrow's parser tries the file first; a Windows-1252 'é' in a later block
    # (after UTF-8 ones) fails its UTF-8 check and the door refuses the file as mixed, naming the row
    rows = [f"K{i},{i % 2},{i % 3}\n".encode() for i in range(300_000)]
    rows[10] = "K10,0,Café\n".encode("utf-8")
    rows[250_000] = "K250000,0,Café\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"record_id,reference,place\n" + b"".join(rows))
    with pytest.raises(InputError) as whole:
        io.read_records(path)
    assert whole.value.row == 250_001 and "mixes UTF-8 and Windows-1252" in whole.value.reason
    rows[10] = b"K10,0,Cafe\n"  # Windows-1252 only: read, the 'é' intact
    path.write_bytes(b"record_id,reference,place\n" + b"".join(rows))
    assert io.read_records(path)["place"].iloc[250_000] == "Café"


# ------------------------------------------------------------------ the guard on the reader's distinct values
IDENTIFIERS = ["111222333", "1234 AB", "j.jansen@example.nl", "06-12345678", "Kerkstraat 12", "01-02-2015"]


@pytest.mark.parametrize("identifier", IDENTIFIERS)
@pytest.mark.parametrize("column", ["record_id", "item_a", "item_b"])
def test_the_guard_on_distinct_values_refuses_as_on_every_value(tmp_path, identifier, column):
    frame = pd.DataFrame(
        {
            "record_id": [f"K{i}" for i in range(40)],
            "reference": [str(i % 2) for i in range(40)],
            "item_a": [" 1 ", "2", "", "3"] * 10,
            "item_b": ["0,5", "1", "x", "12"] * 10,
        }
    )
    frame.loc[23, column] = f" {identifier} "
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False, sep=";")
    errors = [
        _refusal(lambda: io.read_guarded(path)),  # the reader's distinct values
        _refusal(lambda: check_identifiers(io.read_records(path), str(path))),  # the guard finding them
        _refusal(lambda: check_identifiers_stream(io.iter_batches(path, 7), str(path))),  # in batches
    ]
    assert errors[0] == errors[1] == errors[2]
    # a street address in a column named for a thing ("item") passes (docs/privacy.md); all else is refused
    assert (errors[0] is None) == (identifier == "Kerkstraat 12" and column.startswith("item"))
    if errors[0] is not None:
        assert errors[0].row == 24 and errors[0].column == column and identifier not in str(errors[0])


def _refusal(read) -> InputError | None:
    try:
        read()
    except InputError as exc:
        return exc
    return None


def test_read_guarded_returns_the_columns_asked_for_and_guards_the_others(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("record_id,reference,score,note\nK1,1,3,a\nK2,0, 4 ,b\n", encoding="utf-8")
    frame = io.read_guarded(path, columns=["score", "reference", "absent"])
    assert list(frame.columns) == ["reference", "score"] and frame["score"].tolist() == ["3", "4"]
    assert all(isinstance(frame[c].dtype, pd.StringDtype) for c in frame.columns)
    path.write_text("record_id,reference,score,note\nK1,1,3,a\nK2,0,4,111222333\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        io.read_guarded(path, columns=["score", "reference"])
    assert exc.value.column == "note" and exc.value.row == 2


@pytest.mark.parametrize(
    "texts",
    [["0", "1", "2"], ["ja", "nee"], ["1234", "2345"], ["1234AB", "3"], ["Jan de Vries", "Piet Jansen", "Kees Bakker"]],
)
def test_verdicts_remembered_for_the_same_distinct_values_are_the_verdicts(texts):
    from signalering.ingest.identifiers import scan_column

    names = ["item_a", "item_b", "postcode", "woonplaats", "telefoon", "opmerking", "geboortedatum", "site_name"]
    for _ in range(2):  # the second round is answered from what the first remembered
        for name in names:
            values = pd.Series(texts * 2, dtype="string")
            distinct = pd.Series(sorted(set(texts), reverse=True), dtype="string")
            assert scan_column(name, values, distinct) == scan_column(name, values)


@pytest.mark.parametrize(
    "odd, refused",
    [
        (None, False),  # all of one shape: judged by the shape
        ("K00000001X", False),  # another shape: the rules run on every value, and pass it
        ("111222333", True),  # a BSN among the ids (another shape): refused
        (" K00000001", False),  # a blank: normalised, then like the others
        ("K00000000é", False),  # not ASCII
    ],
)
@pytest.mark.parametrize("ids", ["K{:09d}", "JGZ-{:06d}", "NL{:08d}", "de89{:06d}"])
def test_ids_of_one_shape_are_judged_as_the_rules_judge_each_value(monkeypatch, ids, odd, refused):
    from signalering.ingest import identifiers

    n = 2 * identifiers._SAMPLE + 10
    values = [ids.format(i) for i in range(n)]
    if odd is not None:
        values[n - 3] = odd
    for chunks in ([values], [values[:1000], values[1000:]]):
        column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.string())))
        fast = identifiers.scan_column("record_id", column)
        with monkeypatch.context() as m:
            m.setattr(identifiers, "_one_id_shape", lambda v: False)
            general = identifiers.scan_column("record_id", column)
        assert fast == general
        assert bool(fast) == refused and (not refused or "BSN" in fast[0].kind)
        shortcut = odd is None and ids in ("K{:09d}", "JGZ-{:06d}")  # two letters may start an IBAN
        assert identifiers._one_id_shape(column) == shortcut


SAMPLES = [
    "111222333",
    "7996.42.630",
    "7.9964263E+08",
    "'799642630",
    "bel 0612345678 of mail",
    "1234 AB Utrecht",
    "1234AB",
    "1234-ab",
    "01-02-2015",
    "2015-02-01T10:00Z",
    "1 februari 2015",
    "Feb 1, 2015",
    "20150201",
    "j.jansen@example.nl",
    "a (at) b (dot) nl",
    "NL91 ABNA 0417 1643 00",
    "DE89370400440532013000",
    "+31 6 12345678",
    "06-12345678",
    "(020) 1234567",
    "Kerkstraat 12",
    "12 Baker Street",
    "Jan de Vries",
    "J. Jansen",
    "Jansen, Piet",
    "dr. Bakker",
    "hoger onderwijs",
    "lager onderwijs",
    "mbo niveau",
    "43500",
    "K000123",
    "JGZ-0042",
    "R00000f423f",
    "0.731",
    "12",
    "",
    "ja",
]


@pytest.mark.parametrize("name", ["opmerking", "bezoekdatum", "site_name", "score"])
@given(st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=30), st.integers(0, 3000))
@settings(max_examples=60, deadline=None)
def test_one_pass_of_every_candidate_filter_finds_what_each_rule_finds(name, picks, seed):
    # a column of many values is first filtered by every rule's candidate pattern at once
    from signalering.ingest import identifiers

    ids = [f"R{(seed * 7919 + i) % 100_003:08x}" for i in range(40)]
    values = pd.Series([*ids, *picks, *ids[:5]], dtype="string")
    prefilter = identifiers._PREFILTER_MIN
    try:
        identifiers._PREFILTER_MIN = 0
        fast = identifiers.scan_column(name, values)
        identifiers._PREFILTER_MIN = 10**9
        general = identifiers.scan_column(name, values)
    finally:
        identifiers._PREFILTER_MIN = prefilter
    assert fast == general
