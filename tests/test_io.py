"""Reading records files: formats, encodings, and every kind of file that is unusable as a whole."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalering import io
from signalering.errors import InputError
from signalering.io import dumps, read_records

ROWS = "record_id{s}reference{s}score\nR1{s}1{s}3\nR2{s}0{s}\nR3{s}{s}2\n"


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_separators_and_encodings(tmp_path, sep, encoding):
    path = tmp_path / "r.csv"
    text = ROWS.format(s=sep).replace("R3", "Rë3")  # a non-ASCII character in every encoding
    path.write_bytes(text.encode(encoding))
    frame = read_records(path)
    assert list(frame.columns) == ["record_id", "reference", "score"]
    assert frame["record_id"].tolist() == ["R1", "R2", "Rë3"]
    assert frame["score"].isna().tolist() == [False, True, False]
    assert frame["reference"].tolist()[:2] == ["1", "0"]


def test_leading_zeros_are_kept(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("record_id,reference\n007,1\n010,0\n")
    assert read_records(path)["record_id"].tolist() == ["007", "010"]


def test_parquet_and_xlsx(tmp_path):
    df = pd.DataFrame({"record_id": ["R1", "R2"], "reference": [1, 0], "score": [3.5, None]})
    df.to_parquet(tmp_path / "r.parquet")
    df.to_excel(tmp_path / "r.xlsx", index=False)
    for name in ("r.parquet", "r.xlsx"):
        frame = read_records(tmp_path / name)
        assert frame["record_id"].tolist() == ["R1", "R2"]
        assert pd.to_numeric(frame["score"]).tolist()[0] == 3.5
        assert frame["score"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    "name, content, reason, row",
    [
        ("empty.csv", b"", "empty", None),
        ("header.csv", b"record_id,reference\n", "no records", None),
        ("blank.csv", b"\n\n", "no header", None),
        ("one.csv", b"just some text\nand more\n", "not a table", None),
        ("ragged.csv", b"record_id,reference\nR1,1\nR2,0,5,6\n", "not a table", 2),
        ("utf16.csv", "record_id,reference\nR1,1\n".encode("utf-16"), "not a text table", None),
        ("dup.csv", b"record_id,reference,reference\nR1,1,1\n", "twice", None),
        ("r.json", b"{}", "unsupported file type", None),
        ("broken.parquet", b"PAR1 not really", "Parquet", None),
        ("broken.xlsx", b"not a zip", "Excel", None),
    ],
)
def test_unusable_files(tmp_path, name, content, reason, row):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_records(path)
    assert reason in err.value.reason
    assert err.value.file == str(path)
    assert err.value.row == row


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"record_id,reference\nR\x81\x8d,1\n")  # invalid UTF-8, undefined in cp1252
    with pytest.raises(InputError, match="cannot be decoded"):
        read_records(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_records(tmp_path / "nope.csv")


def test_dumps_is_deterministic_and_refuses_nothing_nan():
    text = dumps({"b": float("nan"), "a": [1, 2.5]})
    assert text == '{\n  "a": [\n    1,\n    2.5\n  ],\n  "b": null\n}\n'


@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet=" \t0123456789,.-+abcé٣", max_size=6)),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_arrow_fast_path_normalises_like_the_general_path(values, commas):
    # Arrow text columns that are all ASCII take Arrow's kernels; everything else the general path.
    arrow = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    python = pd.Series(values, dtype=pd.StringDtype("python"))
    got = io.normalise_text(arrow, commas)
    want = io.normalise_text(python, commas)
    assert got.isna().tolist() == want.isna().tolist()
    assert got.dropna().tolist() == want.dropna().tolist()
