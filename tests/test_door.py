"""The front door: awkward files and words are read correctly or refused with a clear message
(exit 2 or 3), never with a traceback; refusals survive pickling (Dask process workers)."""

import json
import pickle
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import evaluate

from signalering import io
from signalering.cli import main
from signalering.errors import InputError
from signalering.ingest.schema import ColumnRule, RecordSchema, validate_records
from signalering.io import iter_batches
from signalering.scale.counts import CountSpec, count_rows


@pytest.mark.parametrize(
    "error",
    [
        InputError("records.csv", "not a number", row=4, column="score"),
        InputError("records.csv", "the file is empty"),
        InputError("", "no file", column="x"),
    ],
)
def test_input_error_survives_pickling(error):
    back = pickle.loads(pickle.dumps(error))
    assert back == error and str(back) == str(error)
    assert (back.file, back.reason, back.row, back.column) == (error.file, error.reason, error.row, error.column)


def test_input_error_survives_tblib_pickling():
    """``distributed`` pickles exceptions through tblib, which sets ``__cause__`` and friends."""
    pickling_support = pytest.importorskip("tblib.pickling_support")
    try:
        raise InputError("records.csv", "not a number", row=4, column="score") from ValueError("inner")
    except InputError as exc:
        error = exc
    func, args = pickling_support.pickle_exception(error)
    back = func(*args)
    assert back == error and str(back) == str(error) and isinstance(back.__cause__, ValueError)
    with pytest.raises(Exception, match="cannot assign"):
        back.row = 5


# ------------------------------------------------------------------ files and commands


N = 40


def _frame(n=N, seed=3):
    rng = np.random.default_rng(seed)
    ref = np.tile([1, 0], n // 2)
    score = np.round(rng.normal(ref, 1.0), 2)
    return pd.DataFrame(
        {
            "record_id": [f"R{i:03d}" for i in range(n)],
            "reference": ref,
            "score": score,
            "score_b": np.round(score + rng.normal(0, 1, n), 2),
            "p": np.round(np.clip(0.2 + 0.5 * ref + rng.normal(0, 0.1, n), 0.01, 0.99), 3),
            "r1": rng.integers(1, 6, n),
            "r2": rng.integers(1, 6, n),
        }
    )


def _write(frame, path, sep=",", decimal="."):
    frame.to_csv(path, index=False, sep=sep, decimal=decimal)
    return str(path)


COMMANDS = {
    "evaluate": ["--score", "score", "--reference", "reference"],
    "compare": ["--score", "score", "--score", "score_b", "--reference", "reference"],
    "calibration": ["--probability", "p", "--reference", "reference", "--bootstrap", "5"],
    "reliability": ["--raters", "r1,r2"],
    "aggregate": ["--score", "score", "--reference", "reference", "--min-cell", "1", "--exact-counts-under-agreement"],
}
OUTPUT = {
    "evaluate": "accuracy.json",
    "compare": "comparison.json",
    "calibration": "calibration.json",
    "reliability": "reliability.json",
}


def _run(command, records, out, *extra):
    target = out / "t.csv" if command == "aggregate" else out
    return main([command, "--records", records, *COMMANDS[command], "--out", str(target), *extra])


def _result(command, out):
    if command == "aggregate":
        return (out / "t.csv").read_text()
    doc = json.loads((out / OUTPUT[command]).read_text())
    return doc


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_duplicated_record_id(command, tmp_path, capsys):
    frame = _frame()
    frame.loc[7, "record_id"] = frame.loc[2, "record_id"]
    records = _write(frame, tmp_path / "dup.csv")
    assert _run(command, records, tmp_path / "o") == 3
    err = capsys.readouterr().err
    assert "dup.csv" in err and "row 8" in err and "column 'record_id'" in err and "row 3" in err
    assert "R002" not in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_id_option_names_the_id_column(command, tmp_path, capsys):
    frame = _frame().rename(columns={"record_id": "kind_id"})
    frame.loc[5, "kind_id"] = frame.loc[1, "kind_id"]
    records = _write(frame, tmp_path / "r.csv")
    assert _run(command, records, tmp_path / "a") == 0  # default record_id: not in the file
    assert _run(command, records, tmp_path / "b", "--id", "kind_id") == 3
    assert "column 'kind_id'" in capsys.readouterr().err
    assert _run(command, records, tmp_path / "c", "--id", "nope") == 3
    assert "id column does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "dask"])
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_aggregate_engines_refuse_duplicates_alike(engine, kind, tmp_path):
    frame = _frame(200)
    frame.loc[150, "record_id"] = frame.loc[20, "record_id"]
    frame.loc[170, "record_id"] = frame.loc[10, "record_id"]
    path = tmp_path / f"r.{kind}"
    frame.to_csv(path, index=False) if kind == "csv" else frame.to_parquet(path, row_group_size=50)
    spec = CountSpec(("score",), "reference", id_column="record_id")
    with pytest.raises(InputError) as exc:
        count_rows(path, spec, engine, batch_rows=60, blocksize=2000)
    assert (exc.value.row, exc.value.column) == (151, "record_id") and "row 21" in exc.value.reason


@pytest.mark.parametrize(
    "content",
    [
        b"record_id,reference,score\n",  # a header and no records
        b"record_id,score,reference,score\nR1,1,1,2\n",  # a column named twice
        b"record_id,reference,score,place\nR1,1,1,Caf\xc3\xa9\nR2,0,2,Caf\xe9\n",  # UTF-8, then Windows-1252
    ],
)
@pytest.mark.parametrize("engine", ["pandas", "duckdb", "dask"])
def test_aggregate_engines_refuse_unreadable_files_alike(engine, content, tmp_path, capsys):
    """The reader's refusal inside DuckDB's stream is the reader's message (exit 3), not a DuckDB
    traceback."""
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    code = main(
        [
            "aggregate",
            "--records",
            str(path),
            "--score",
            "score",
            "--reference",
            "reference",
            "--min-cell",
            "1",
            "--exact-counts-under-agreement",
            "--engine",
            engine,
            "--out",
            str(tmp_path / "t.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3 and "r.csv'" in err and "Traceback" not in err and "duckdb" not in err.lower()
    assert not (tmp_path / "t.csv").exists()


def test_decimal_commas_are_read_as_numbers(tmp_path):
    frame = _frame()
    dot = _write(frame, tmp_path / "dot.csv")
    comma = _write(frame, tmp_path / "comma.csv", sep=";", decimal=",")
    assert "0," in (tmp_path / "comma.csv").read_text()
    for command in ("evaluate", "calibration", "compare"):
        assert _run(command, dot, tmp_path / f"{command}-dot") == 0
        assert _run(command, comma, tmp_path / f"{command}-comma") == 0  # auto
        assert _run(command, comma, tmp_path / f"{command}-forced", "--decimal", ",") == 0
        base = _result(command, tmp_path / f"{command}-dot")
        assert _result(command, tmp_path / f"{command}-comma") == base
        assert _result(command, tmp_path / f"{command}-forced") == base
    assert _run("evaluate", comma, tmp_path / "x", "--decimal", ".") == 3


def test_decimal_commas_in_every_reader(tmp_path):
    frame = _frame()
    path = _write(frame, tmp_path / "comma.csv", sep=";", decimal=",")
    whole = io.read_records(path)
    assert whole["score"].tolist() == frame["score"].astype(str).tolist()
    joined = pd.concat([b.frame for b in iter_batches(path, 7)], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)
    assert io.read_records(path, ".")["score"].str.contains(",").any()
    spec = CountSpec(("score",), "reference")
    base = count_rows(path, spec, "pandas")
    pd.testing.assert_frame_equal(count_rows(path, spec, "duckdb", batch_rows=9), base)
    assert base["score"].notna().all()


def test_pipeline_schema_reads_decimal_commas_and_quarantines_non_finite(tmp_path):
    frame = _frame()
    frame["score"] = frame["score"].astype(object)
    frame.loc[3, "score"], frame.loc[4, "score"], frame.loc[5, "score"] = "inf", "NaN", "abc"
    frame.loc[6, "score"] = "-Infinity"
    path = _write(frame, tmp_path / "comma.csv", sep=";", decimal=",")
    schema = RecordSchema.from_params(
        {"reference": "reference", "decimal": "auto", "columns": {"score": {"min": -10, "max": 10}}}
    )
    v = validate_records(io.read_records(path, schema.decimal), schema, path)
    q = v.quarantine.set_index("row")["reason"]
    assert q[4] == q[5] == q[7] == "not a finite number" and q[6] == "not a number"
    assert len(v.quarantine) == 4 and v.flow.analysed == N - 4
    assert v.flow.excluded == {"score: not a finite number": 3, "score: not a number": 1}
    assert np.isfinite(v.records["score"]).all()
    with pytest.raises(Exception, match="decimal"):
        RecordSchema.from_params({"reference": "reference", "decimal": ";"})
    assert ColumnRule("x").numeric


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "Infinity", "NaN", "1e999"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_non_finite_numbers(command, text, tmp_path, capsys):
    frame = _frame().astype(object)
    column = {"evaluate": "score", "compare": "score_b", "calibration": "p", "reliability": "r2", "aggregate": "score"}[
        command
    ]
    frame.loc[9, column] = text
    records = _write(frame, tmp_path / "nf.csv")
    assert _run(command, records, tmp_path / "o") == 3
    err = capsys.readouterr().err
    assert f"row 10, column '{column}': not a finite number" in err and text not in err.split(":", 1)[1]


def test_mixed_utf8_and_windows_1252_is_refused_in_every_reader(tmp_path, capsys):
    head = "record_id;reference;score;place\n"
    rows = [f"R{i};{i % 2};{i};Zaanse Schans\n".encode() for i in range(30)]
    rows[4] = "R4;0;4;Café\n".encode("utf-8")
    rows[20] = "R20;0;20;Café\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode() + b"".join(rows))
    with pytest.raises(InputError) as whole:
        io.read_records(path)
    assert whole.value.row == 21 and "mixes UTF-8 and Windows-1252" in whole.value.reason
    with pytest.raises(InputError) as batches:
        list(iter_batches(path, 5))
    assert batches.value == whole.value
    assert evaluate(str(path), str(tmp_path / "o")) == 3
    # one encoding either way is read, and 'é' is the same category
    for enc in ("utf-8", "cp1252"):
        one = tmp_path / f"{enc}.csv"
        one.write_bytes(
            (head + "".join(r.decode("utf-8", "replace") for r in rows[:4]) + "R4;0;4;Café\nR5;1;5;Café\n").encode(enc)
        )
        assert io.read_records(one)["place"].tolist()[-2:] == ["Café", "Café"]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_line_endings(tmp_path, ending):
    frame = _frame(12)
    path = tmp_path / "r.csv"
    path.write_bytes(frame.to_csv(index=False, lineterminator=ending).encode())
    whole = io.read_records(path)
    assert whole.shape == frame.shape and whole["record_id"].tolist() == frame["record_id"].tolist()
    pd.testing.assert_frame_equal(pd.concat([b.frame for b in iter_batches(path, 5)], ignore_index=True), whole)
    assert evaluate(str(path), str(tmp_path / "o")) == 0


def test_a_single_line_file_is_refused_quickly(tmp_path, capsys):
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"record_id,reference," + b"1234567," * 400_000)  # 3 MB, no line end
    start = time.perf_counter()
    assert evaluate(str(path), str(tmp_path / "o")) == 3
    assert time.perf_counter() - start < 30  # seconds, not minutes: generous for a busy 2-core machine
    assert "no line ends" in capsys.readouterr().err
    with pytest.raises(InputError, match="no line ends"):
        list(iter_batches(path))


@pytest.mark.slow
def test_a_200_mb_single_line_file_is_refused_within_seconds(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        for _ in range(200):
            fh.write(b"0123456789," * 95_325)
    start = time.perf_counter()
    assert evaluate(str(path), str(tmp_path / "o")) == 3
    assert time.perf_counter() - start < 30  # seconds, not minutes: generous for a busy 2-core machine


def test_full_width_digits_are_read_as_digits(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("record_id,reference,score\nR1,1,１２\nR2,0,３\nR3,1,５．５\nR4,0,－１\n", encoding="utf-8")
    assert io.read_records(path)["score"].tolist() == ["12", "3", "5.5", "-1"]
    assert evaluate(str(path), str(tmp_path / "o")) == 0
    # a BSN in full-width digits is still a BSN: refused, no traceback
    path.write_text("record_id,reference,score\nR1,1,１１１２２２３３３\nR2,0,3\n", encoding="utf-8")
    assert evaluate(str(path), str(tmp_path / "o2")) == 3
    assert "BSN" in capsys.readouterr().err


@pytest.mark.parametrize(
    "words",
    [
        ["--cutoff", "nan"],
        ["--cutoff", "inf"],
        ["--prevalence", "nan"],
        ["--bootstrap", "-3"],
        ["--seed", "-1"],
        ["--confidence", "nan"],
    ],
)
def test_wrong_numbers_exit_2(tmp_path, words, capsys):
    records = _write(_frame(), tmp_path / "r.csv")
    assert evaluate(records, str(tmp_path / "o"), *words) == 2
    assert "Traceback" not in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["calibration"])
def test_negative_seed_and_bootstrap_exit_2_in_calibration(tmp_path, command):
    records = _write(_frame(), tmp_path / "r.csv")
    assert _run(command, records, tmp_path / "o", "--seed", "-1") == 2
    assert _run(command, records, tmp_path / "o", "--bootstrap", "-1") == 2


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_naming_the_wrong_kind_of_path_exits_2(command, tmp_path, capsys):
    records = _write(_frame(), tmp_path / "r.csv")
    blocker = tmp_path / "blocker"
    if command == "aggregate":
        blocker.mkdir()
        status = main([command, "--records", records, *COMMANDS[command], "--out", str(blocker)])
    else:
        blocker.write_text("keep me")
        status = main([command, "--records", records, *COMMANDS[command], "--out", str(blocker)])
        assert blocker.read_text() == "keep me"
    assert status == 2 and "--out must name" in capsys.readouterr().err


def test_an_unwritable_or_full_output_exits_2(tmp_path, monkeypatch, capsys):
    import errno

    records = _write(_frame(), tmp_path / "r.csv")

    def full(path, text, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("pathlib.Path.write_text", full)
    assert _run("evaluate", records, tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list((tmp_path / "o").glob("*"))
    monkeypatch.undo()
    assert main(["aggregate", "--records", records, *COMMANDS["aggregate"], "--out", "/dev/full"]) == 2
    assert "cannot write" in capsys.readouterr().err


def _xlsx_bomb(path, size):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"<c><v>0</v></c>" * 65536
            for _ in range(size // len(block)):
                fh.write(block)
    return path


def test_an_xlsx_zip_bomb_is_refused_within_seconds(tmp_path, monkeypatch, capsys):
    path = _xlsx_bomb(tmp_path / "bomb.xlsx", 64 << 20)
    assert path.stat().st_size < (1 << 20)
    start = time.perf_counter()
    assert evaluate(str(path), str(tmp_path / "o")) == 3
    assert time.perf_counter() - start < 30  # seconds, not minutes: generous for a busy 2-core machine
    assert "zip bomb" in capsys.readouterr().err
    monkeypatch.setattr(io, "XLSX_MAX_RATIO", 10**9)
    monkeypatch.setattr(io, "XLSX_MAX_BYTES", 32 << 20)
    with pytest.raises(InputError, match="inflate to more than 32 MiB"):
        io.read_records(path)
    ok = tmp_path / "ok.xlsx"
    _frame().to_excel(ok, index=False)
    assert len(io.read_records(ok)) == N


def test_an_xlsx_beyond_the_memory_bounds_is_refused_while_it_is_read(tmp_path, monkeypatch, capsys):
    """A workbook under the zip-bomb ratio could still inflate to hundreds of MiB and take gigabytes: the
    sheet is streamed, and refused once it holds more cells or text than the limits (patched down here:
    the same code refuses a real workbook at 20 million cells), or when its shared-text part would
    inflate beyond its limit (checked from the zip directory, before reading)."""
    ok = tmp_path / "ok.xlsx"
    frame = _frame()
    frame.to_excel(ok, index=False)
    read = io.read_records(ok)
    assert len(read) == N and read.loc[5, "record_id"] == "R005" and read.loc[0, "reference"] == "1"
    cells = (N + 1) * frame.shape[1]
    monkeypatch.setattr(io, "XLSX_MAX_CELLS", cells - 1)
    assert evaluate(str(ok), str(tmp_path / "o")) == 3
    err = capsys.readouterr().err
    assert "more than" in err and "cells" in err and "CSV or Parquet" in err and "Traceback" not in err
    monkeypatch.setattr(io, "XLSX_MAX_CELLS", cells)
    assert len(io.read_records(ok)) == N
    monkeypatch.setattr(io, "XLSX_MAX_TEXT", 100)
    with pytest.raises(InputError, match="characters of text"):
        io.read_records(ok)
    monkeypatch.undo()
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(ok) as zin, zipfile.ZipFile(shared, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 200 + "</sst>")
    monkeypatch.setattr(io, "XLSX_MAX_SHARED_STRINGS", 1000)
    with pytest.raises(InputError, match="text table would inflate"):
        io.read_records(shared)


def test_xlsx_empty_rows_are_no_records_and_values_read_as_text(tmp_path):
    """Entirely empty rows of a sheet are skipped (as blank CSV lines); numbers keep their shortest text,
    a boolean cell is 1/0."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["record_id", "score", "flag"])
    sheet.append(["R1", 2.0, True])
    sheet.append([None, None, None])
    sheet.append(["R2", 0.25, False])
    sheet.append([])
    book.save(tmp_path / "e.xlsx")
    read = io.read_records(tmp_path / "e.xlsx")
    assert read.to_dict("list") == {"record_id": ["R1", "R2"], "score": ["2", "0.25"], "flag": ["1", "0"]}


def test_column_checks_name_the_first_offending_row():
    frame = pd.DataFrame(
        {
            "s": pd.array(["1", "2", None, "x", "inf", "x", "3"], dtype="string"),
            "y": pd.array(["1", "0", "1", "0", None, "2", "yes"], dtype="string"),
        }
    )
    with pytest.raises(InputError) as exc:
        io.numeric_column(frame, "s", "f.csv")
    assert (exc.value.row, exc.value.reason) == (4, "not a number")
    with pytest.raises(InputError) as exc:
        io.numeric_column(frame.iloc[[0, 4, 3]].reset_index(drop=True), "s", "f.csv")
    assert (exc.value.row, exc.value.reason) == (2, "not a finite number")
    with pytest.raises(InputError) as exc:
        io.reference_column(frame, "y", "1", "0", "f.csv")
    assert exc.value.row == 6
    ok = io.numeric_column(frame.iloc[[0, 1, 2, 6, 0]].reset_index(drop=True), "s", "f.csv")
    np.testing.assert_array_equal(ok, [1, 2, np.nan, 3, 1])
    ref = io.reference_column(frame.iloc[[0, 1, 4, 0]].reset_index(drop=True), "y", "1", "0", "f.csv")
    np.testing.assert_array_equal(ref, [1, 0, np.nan, 1])
    typed = pd.DataFrame({"s": [1.5, np.nan, np.inf]})
    with pytest.raises(InputError, match="not a finite number") as exc:
        io.numeric_column(typed, "s", "f.parquet")
    assert exc.value.row == 3
    np.testing.assert_array_equal(io.numeric_column(typed.iloc[:2], "s", "f"), [1.5, np.nan])
    np.testing.assert_array_equal(io.reference_column(pd.DataFrame({"y": [1, 0, 1]}), "y", "1", "0", "f"), [1, 0, 1])


def test_check_unique_ids_ignores_missing_ids_and_names_rows():
    ids = pd.DataFrame({"record_id": pd.array(["K-101", None, "K-707", None, "K-3", "K-707", "K-101"], dtype="string")})
    with pytest.raises(InputError) as exc:
        io.check_unique_ids(ids, "record_id", "f.csv")
    assert exc.value.row == 6 and "row 3" in exc.value.reason and "707" not in str(exc.value)
    io.check_unique_ids(ids.iloc[:5], "record_id", "f.csv")
    io.check_unique_ids(ids, None, "f.csv")
    io.check_unique_ids(ids, "other", "f.csv")
    with pytest.raises(InputError, match="id column does not exist"):
        io.check_unique_ids(ids, "other", "f.csv", required=True)


def test_typed_reference_is_compared_as_numbers_with_the_text_rules():
    typed = pd.DataFrame({"y": pd.array([1, 0, None, 1, 2, 0], dtype="Int64")})
    with pytest.raises(InputError, match="reference standard must be") as exc:
        io.reference_column(typed, "y", "1", "0", "f.parquet")
    assert exc.value.row == 5
    np.testing.assert_array_equal(io.reference_column(typed.iloc[:4], "y", "1", "0", "f"), [1, 0, np.nan, 1])
    # labels that are not their number's code ("yes", "1.0") keep the text comparison of every reader
    with pytest.raises(InputError) as exc:
        io.reference_column(typed.iloc[:2], "y", "yes", "no", "f")
    assert exc.value.row == 1
    for frame in (pd.DataFrame({"y": [0.0, 1.0]}), pd.DataFrame({"y": pd.array(["0", "1"], dtype="string")})):
        with pytest.raises(InputError) as exc:
            io.reference_column(frame, "y", "1.0", "0", "f")
        assert exc.value.row == 2


@pytest.mark.parametrize(
    "ids, row, first",
    [
        (["K-1", "K-2", "K-3", "K-3"], 4, 3),  # sorted but not strictly: the repeat is found
        (["K-3", "K-1", "K-2", "K-1"], 4, 2),  # unsorted
        ([5, 7, 7, 9], 3, 2),  # typed numbers
    ],
)
def test_check_unique_ids_finds_repeats_in_sorted_and_unsorted_files(ids, row, first):
    frame = pd.DataFrame({"record_id": pd.array(ids, dtype="string" if isinstance(ids[0], str) else "int64")})
    with pytest.raises(InputError) as exc:
        io.check_unique_ids(frame, "record_id", "f.csv")
    assert exc.value.row == row and f"row {first}" in exc.value.reason
    io.check_unique_ids(frame.iloc[: row - 1], "record_id", "f.csv")  # strictly increasing or distinct: passes


def test_streaming_ingest_reads_decimal_commas_as_the_whole_file(tmp_path):
    from signalering.scale.ingest import ingest_stream

    frame = _frame(60).astype(object)
    frame.loc[7, "score"], frame.loc[33, "p"] = "inf", "nan"
    frame.loc[40, "record_id"] = frame.loc[3, "record_id"]
    path = _write(frame, tmp_path / "comma.csv", sep=";", decimal=",")
    schema = RecordSchema.from_params(
        {"reference": "reference", "columns": {"score": {"min": -10, "max": 10}, "p": {"min": 0, "max": 1}}}
    )
    whole = validate_records(io.read_records(path, schema.decimal), schema, path)
    flow = ingest_stream(path, schema, tmp_path / "r.parquet", tmp_path / "q.csv", batch_rows=9)
    assert flow == whole.flow and whole.flow.analysed == 60 - 4
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "r.parquet"), whole.records, check_dtype=False)


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_count_engines_read_cr_only_files(tmp_path, engine):
    frame = _frame(30)
    path = tmp_path / "cr.csv"
    path.write_bytes(frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\r").encode())
    spec = CountSpec(("score",), "reference", id_column="record_id")
    base = count_rows(path, spec, "pandas")
    assert base["n"].sum() == 30 and base["score"].notna().all()
    pd.testing.assert_frame_equal(count_rows(path, spec, engine, batch_rows=7), base)


@pytest.mark.parametrize(
    "content",
    [
        b'record_id,score,reference\nK1, 3 ,1\nK2,,0\n\nK3,"4",\n',  # spaces, empty, blank line, quotes
        b"\xef\xbb\xbfrecord_id;score;reference\r\nK1;0,5;1\r\nK2;1,25;0\r\n",  # BOM, semicolons, CRLF
        b"record_id,score,reference\rK1,3,1\rK2,4,0\r",  # CR only
        'record_id,plaats,reference\nK1,Zo\u00eb,1\nK2,"a,\nb",0\n'.encode("cp1252"),  # Windows-1252, quoted newline
        b"record_id,score,reference\nK1,3,1\nK2,4\nK3,5,0\n",  # a short row: pandas decides
    ],
)
def test_arrow_csv_path_reads_what_the_pandas_parser_reads(tmp_path, monkeypatch, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    fast = io.read_records(path)
    monkeypatch.setattr(io, "_arrow_csv", lambda *a: None)
    slow = io.read_records(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert len(fast) == content.count(b"K")
    # in batches: Arrow's streaming reader (when it parses the file) and pandas' chunked parser
    streamed = [b for b in iter_batches(path, 2)]
    monkeypatch.setattr(io, "_arrow_parses", lambda *a: False)
    chunked = [b for b in iter_batches(path, 2)]
    assert [b.offset for b in streamed] == [b.offset for b in chunked] == list(range(0, len(slow), 2))
    for a, b in zip(streamed, chunked):
        pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(pd.concat([b.frame for b in streamed], ignore_index=True), slow)


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "nan", "NaN", "1e309"])
@pytest.mark.parametrize("column", ["score", "p"])
def test_init_refuses_non_finite_scores_like_every_command(text, column, tmp_path, capsys):
    """`init` read scores with its own parser: ``inf`` crashed it (OverflowError in the range rule)."""
    frame = _frame().astype(object)
    frame.loc[6, column] = text
    records = _write(frame, tmp_path / "nf.csv")
    out = tmp_path / "params.yaml"
    argv = ["init", "--records", records, "--reference", "reference", "--score", "score", "--score", "p"]
    assert main([*argv, "--probability", "p", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"row 7, column '{column}': not a finite number" in err and "Traceback" not in err
    assert text not in err.split(":", 1)[1] and not out.exists() and not (tmp_path / "instruments").exists()


def test_init_refuses_an_infinite_typed_score(tmp_path, capsys):
    frame = _frame()
    frame.loc[3, "score"] = np.inf
    frame.to_parquet(tmp_path / "r.parquet")
    out = tmp_path / "params.yaml"
    argv = ["init", "--records", str(tmp_path / "r.parquet"), "--reference", "reference", "--score", "score"]
    assert main([*argv, "--out", str(out)]) == 3
    assert "row 4, column 'score': not a finite number" in capsys.readouterr().err and not out.exists()


def _disk_full_after(monkeypatch, chars: int, calls: int = 0):
    """``Path.write_text`` as on a disk that fills up: the first ``calls`` writes succeed, the next
    writes its first ``chars`` characters and fails with ENOSPC (a half-written file, as a real full
    disk leaves)."""
    import errno
    from pathlib import Path

    real, seen = Path.write_text, []

    def write_text(self, text, *a, **k):
        seen.append(self)
        if len(seen) <= calls:
            return real(self, text, *a, **k)
        real(self, text[:chars], *a, **k)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", write_text)


def test_init_on_a_full_disk_keeps_the_current_params_yaml(tmp_path, monkeypatch, capsys):
    """`init` wrote params.yaml in place: a full disk left the user's params.yaml cut off half-way."""
    records = _write(_frame(), tmp_path / "r.csv")
    out = tmp_path / "params.yaml"
    before = "seed: 7\n# the user's own settings\n" + "evaluate:\n  bootstrap: 2000\n" * 50
    out.write_text(before)
    _disk_full_after(monkeypatch, 40, calls=2)  # the specification and study.yaml fit, params.yaml does not
    argv = ["init", "--records", records, "--reference", "reference", "--score", "score"]
    assert main([*argv, "--out", str(out)]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert out.read_text() == before and not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("calls", [0, 1, 2])
def test_calibration_writes_its_three_files_all_or_none(calls, tmp_path, monkeypatch, capsys):
    """A full disk after the first file left a new calibration.json beside another run's curves."""
    records = _write(_frame(), tmp_path / "r.csv")
    out = tmp_path / "o"
    out.mkdir()
    old = {name: f"old {name}" for name in ("calibration.json", "calibration_curve.json", "decision_curve.json")}
    for name, text in old.items():
        (out / name).write_text(text)
    _disk_full_after(monkeypatch, 10, calls=calls)
    assert _run("calibration", records, out) == 2
    monkeypatch.undo()
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_text() for p in out.iterdir()} == old  # the previous run's set, whole


def test_evaluate_aggregate_and_plan_write_all_or_none(tmp_path, monkeypatch, capsys):
    records = _write(_frame(), tmp_path / "r.csv")
    tables = []
    for org in ("a", "b"):
        tables.append(str(tmp_path / f"{org}.csv"))
        assert _run("aggregate", records, tmp_path, "--engine", "pandas") == 0
        (tmp_path / "t.csv").rename(tables[-1])
    _disk_full_after(monkeypatch, 10, calls=2)
    argv = ["evaluate-aggregate", "--tables", *tables, "--score", "score", "--meta-method", "none"]
    assert main([*argv, "--out", str(tmp_path / "pooled")]) == 2
    plan = ["plan", "--sensitivity", "0.8", "--specificity", "0.9", "--prevalence", "0.1", "--half-width", "0.1"]
    _disk_full_after(monkeypatch, 10, calls=1)
    assert main([*plan, "--html", str(tmp_path / "plan.html"), "--out", str(tmp_path / "plan.json")]) == 2
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert err.count("No space left on device") == 2 and "Traceback" not in err and ".part" not in err
    assert not list((tmp_path / "pooled").rglob("*.json")) and not list(tmp_path.glob("plan.*"))
    assert not list(tmp_path.rglob("*.part"))


def _count_table(tmp_path):
    records = _write(_frame(), tmp_path / "r.csv")
    assert _run("aggregate", records, tmp_path) == 0
    return pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    "column, text, reason",
    [
        ("n", "inf", "n must be a whole number >= 0"),
        ("n", "1e309", "n must be a whole number >= 0"),
        ("n", "1e20", "n must be a whole number >= 0"),  # beyond an exact count: wrapped to a negative int64
        ("score", "inf", "not a finite number"),
        ("score", "NaN", "not a finite number"),
    ],
)
def test_count_tables_refuse_non_finite_counts_and_scores(column, text, reason, tmp_path, capsys):
    """A count table's ``n`` of ``inf`` or ``1e20`` passed the check and failed later with exit 2 and
    no file, row or column; a score of ``inf`` was taken as a score."""
    table = _count_table(tmp_path)
    table.loc[2, column] = text
    bad = tmp_path / "bad.csv"
    table.to_csv(bad, index=False)
    argv = ["evaluate-aggregate", "--tables", str(tmp_path / "t.csv"), str(bad), "--score", "score"]
    assert main([*argv, "--meta-method", "none", "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err
    assert f"row 3, column '{column}': {reason}" in err and "Traceback" not in err and not (tmp_path / "o").exists()


def test_a_typed_count_table_reads_as_its_csv(tmp_path):
    """A count table saved as Parquet (reference 1/0 as integers) was refused: reference must be one of ..."""
    table = _count_table(tmp_path)
    typed = table.assign(score=table["score"].astype(float), reference=table["reference"].astype(int))
    typed = typed.assign(n=table["n"].astype(int))
    typed.to_parquet(tmp_path / "typed.parquet")
    argv = ["evaluate-aggregate", "--tables", str(tmp_path / "t.csv"), str(tmp_path / "typed.parquet")]
    assert main([*argv, "--score", "score", "--meta-method", "none", "--out", str(tmp_path / "o")]) == 0
    docs = [
        json.loads((tmp_path / "o" / "organisations" / org / "accuracy.json").read_text()) for org in ("t", "typed")
    ]
    assert docs[0] == docs[1] and docs[0]["n"] == N


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("accuracy.json", b"{not json", "not valid JSON"),
        ("plots/roc/x.json", b'{"n": 1,', "not valid JSON"),
        ("accuracy.json", b"\xff\xfe{}", "not UTF-8"),
        ("validation_report.html", b"<p>caf\xe9</p>", "not UTF-8"),
    ],
)
def test_disclosure_audit_fails_on_a_file_it_cannot_read(name, content, reason, tmp_path, capsys):
    """A malformed JSON or non-UTF-8 page under DIR crashed the audit with a traceback (exit 1)."""
    published = tmp_path / "reports"
    (published / name).parent.mkdir(parents=True)
    (published / name).write_bytes(content)
    assert main(["disclosure-audit", str(published), "--out", str(tmp_path / "audit.json")]) == 3
    err = capsys.readouterr().err
    assert name in err and reason in err and "Traceback" not in err


def _bool_reference_parquet(tmp_path):
    frame = _frame()
    frame["reference"] = frame["reference"].astype(bool)
    path = tmp_path / "bool.parquet"
    frame.to_parquet(path)
    return str(path)


def test_a_boolean_reference_counts_alike_in_evaluate_and_aggregate(tmp_path):
    """A Parquet True/False reference: evaluate read it as 1/0; aggregate (pandas) refused it, since it
    compared the distinct values as the text 'True'/'False'."""
    path = _bool_reference_parquet(tmp_path)
    assert _run("evaluate", path, tmp_path / "e") == 0
    doc = _result("evaluate", tmp_path / "e")
    assert _run("aggregate", path, tmp_path, "--engine", "pandas") == 0
    table = pd.read_csv(tmp_path / "t.csv", dtype={"reference": str})
    by_reference = table.groupby("reference")["n"].sum().to_dict()
    assert by_reference == {"1": doc["n_positive"], "0": doc["n_negative"]} == {"1": N // 2, "0": N // 2}


@pytest.mark.parametrize("engine", ["duckdb", "dask", "ingest"])
def test_a_boolean_reference_is_read_alike_by_the_streaming_readers(engine, tmp_path):
    path = _bool_reference_parquet(tmp_path)
    if engine == "ingest":
        schema = RecordSchema.from_params({"reference": "reference", "id_column": "record_id", "columns": {}})
        frame = next(iter_batches(path, None)).frame
        assert validate_records(frame, schema, path).flow.analysed == N
    else:
        spec = CountSpec(("score",), "reference")
        pd.testing.assert_frame_equal(count_rows(path, spec, engine, batch_rows=7), count_rows(path, spec, "pandas"))


def test_a_boolean_column_with_missing_values_is_read_as_codes_by_every_reader(tmp_path):
    """A nullable Parquet bool (True/False/missing) is 1/0/missing in every route, typed or not, and the
    engines count it alike (a missing reference: not verified)."""
    frame = _frame()
    frame["reference"] = pd.array([bool(v) for v in frame["reference"]], dtype="boolean")
    frame.loc[[3, 8], "reference"] = pd.NA
    path = tmp_path / "nb.parquet"
    frame.to_parquet(path)
    expected = ["1" if i % 2 == 0 else "0" for i in range(N)]
    expected[3] = expected[8] = None
    for typed in (False, True):
        got = io.read_records(path, typed=typed)["reference"]
        assert [None if pd.isna(v) else v for v in got] == expected
    streamed = pd.concat(b.frame for b in iter_batches(path, 7))["reference"]
    assert [None if pd.isna(v) else v for v in streamed] == expected
    spec = CountSpec(("score",), "reference")
    pandas = count_rows(str(path), spec, "pandas")
    for engine in ("duckdb", "dask"):
        pd.testing.assert_frame_equal(count_rows(str(path), spec, engine, batch_rows=7), pandas)
    assert set(pandas["reference"]) == {"1", "0", "unverified"}


def test_init_refuses_a_duplicated_record_id_as_every_command(tmp_path, capsys):
    """`init` wrote params.yaml for a file every other command refuses (docs: refused by every command)."""
    frame = _frame()
    frame.loc[7, "record_id"] = frame.loc[2, "record_id"]
    records = _write(frame, tmp_path / "dup.csv")
    out = tmp_path / "params.yaml"
    assert main(["init", "--records", records, "--reference", "reference", "--score", "score", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "row 8, column 'record_id'" in err and "row 3" in err and "R002" not in err
    assert not out.exists() and not (tmp_path / "instruments").exists()


def test_ingest_stops_when_no_record_passes_the_checks(tmp_path):
    """With `data.decimal: "."` on a Dutch Excel file every record was quarantined and the pipeline
    went on to publish a report of nothing; now ingest stops (exit 3) once flow and quarantine are written."""
    import sys

    from conftest import project_copy, run

    project = project_copy(
        tmp_path,
        data={
            "records": "own.csv",
            "reference": "reference",
            "decimal": ".",
            "subgroups": [],
            "columns": {"score": {"min": -10, "max": 10}},  # as `init` declares a score column
            "followup": {"column": None, "window_days": None},
        },
        scale={"engine": "pandas"},
    )
    import yaml

    p = yaml.safe_load((project / "params.yaml").read_text())
    p["evaluate"]["meta_analysis"]["by"] = None  # it names a demo column
    p["compare"]["judgement"] = None
    (project / "params.yaml").write_text(yaml.safe_dump(p, sort_keys=False))
    _write(_frame(), project / "own.csv", sep=";", decimal=",")
    res = run([sys.executable, "pipeline/ingest.py"], project, check=False)
    assert res.returncode == 3 and "Traceback" not in res.stderr, res.stderr
    assert "no record passed the checks" in res.stderr and "'score: not a number'" in res.stderr
    flow = json.loads((project / "data/interim/flow.json").read_text())
    assert flow["received"] == N and flow["analysed"] == 0 and sum(flow["excluded"].values()) == N
    assert len(pd.read_csv(project / "data/secure/quarantine.csv")) >= N


def test_a_stage_that_cannot_write_exits_2_without_a_traceback(capsys):
    import errno

    from signalering import params

    def main():
        raise OSError(errno.ENOSPC, "No space left on device", "data/interim/flow.json.part")

    with pytest.raises(SystemExit) as exc:
        params.run_stage(main)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "cannot write 'data/interim/flow.json': No space left on device" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("words", [["--raters", "r1,r1"], ["--raters", "r1,r2", "--items", "r1,score,r1"]])
def test_reliability_refuses_a_column_named_twice(words, tmp_path, capsys):
    """`--raters r1,r1` reported the perfect agreement of a column with itself (exit 0)."""
    records = _write(_frame(), tmp_path / "r.csv")
    assert main(["reliability", "--records", records, *words, "--out", str(tmp_path / "o")]) == 2
    assert "more than once" in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("text", ["NA", "NaN", "null", "None", "N/A"])  # '#N/A' is written as an error cell
def test_xlsx_reads_text_cells_as_csv_does(text, tmp_path):
    frame = _frame().astype(object)
    frame.loc[4, "score"] = text
    frame.to_csv(tmp_path / "r.csv", index=False)
    frame.to_excel(tmp_path / "r.xlsx", index=False)
    assert io.read_records(tmp_path / "r.xlsx").loc[4, "score"] == io.read_records(tmp_path / "r.csv").loc[4, "score"]
    assert (
        evaluate(str(tmp_path / "r.xlsx"), str(tmp_path / "o"))
        == evaluate(str(tmp_path / "r.csv"), str(tmp_path / "p"))
        == 3
    )


@pytest.mark.parametrize("command", ["aggregate", "init"])
def test_out_never_overwrites_the_records_file(command, tmp_path, capsys, monkeypatch):
    """`aggregate --out` naming the records file replaced the records with the count table."""
    records = _write(_frame(), tmp_path / "r.csv")
    before = (tmp_path / "r.csv").read_bytes()
    monkeypatch.chdir(tmp_path)
    words = COMMANDS["aggregate"] if command == "aggregate" else ["--reference", "reference", "--score", "score"]
    assert main([command, "--records", records, *words, "--out", "./r.csv"]) == 2
    assert "must not name the records file" in capsys.readouterr().err
    assert (tmp_path / "r.csv").read_bytes() == before


def test_xlsx_keeps_a_subgroup_label_na_and_refuses_an_error_cell_in_a_score(tmp_path, capsys):
    """A subgroup labelled 'NA' is a label in .xlsx as in CSV; an Excel error cell (#N/A, #DIV/0!) in a
    score column is refused as CSV refuses that text ('not a number', row and column, no value)."""
    frame = _frame().astype(object)
    frame["group"] = ["NA" if i % 2 else "NL" for i in range(N)]
    frame.to_excel(tmp_path / "g.xlsx", index=False)
    assert set(io.read_records(tmp_path / "g.xlsx")["group"]) == {"NA", "NL"}
    for error in ("#N/A", "#DIV/0!"):
        bad = _frame().astype(object)
        bad.loc[6, "score"] = error
        bad.to_excel(tmp_path / "e.xlsx", index=False)
        with zipfile.ZipFile(tmp_path / "e.xlsx") as zf:  # written as an error cell, not as text
            assert 't="e"' in zf.read("xl/worksheets/sheet1.xml").decode()
        assert evaluate(str(tmp_path / "e.xlsx"), str(tmp_path / "o")) == 3
        err = capsys.readouterr().err
        assert "row 7, column 'score'" in err and "not a number" in err and error not in err


def _dotted_dutch_csv(tmp_path, dotted="1.234", row=5):
    """A Dutch Excel CSV (semicolons, decimal commas) with one score written with a dot at data row ``row``."""
    frame = _frame()
    text = frame.assign(score=[f"{v:.2f}".replace(".", ",") for v in frame["score"]]).astype(str)
    text.loc[row - 1, "score"] = dotted
    path = tmp_path / "dotted.csv"
    text.to_csv(path, index=False, sep=";")
    return str(path)


@pytest.mark.parametrize("command", ["evaluate", "compare", "aggregate"])
def test_a_dotted_number_among_decimal_commas_is_refused_by_every_command(command, tmp_path, capsys):
    """`1.234` in a column read with decimal commas was read as 1.234 though Dutch Excel means 1234;
    now ambiguous: refused with row, column and reason, never the value."""
    path = _dotted_dutch_csv(tmp_path)
    assert _run(command, path, tmp_path) == 3
    err = capsys.readouterr().err
    assert "row 5, column 'score'" in err and "ambiguous number" in err and "1.234" not in err
    assert _run("evaluate", _dotted_dutch_csv(tmp_path, "0,25"), tmp_path / "ok") == 0  # a comma: fine


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_a_dotted_number_is_refused_alike_by_the_streaming_engines(engine, tmp_path):
    path = _dotted_dutch_csv(tmp_path, "12.500", row=9)
    with pytest.raises(InputError) as exc:
        count_rows(path, CountSpec(("score",), "reference"), engine, batch_rows=7)
    assert (exc.value.row, exc.value.column, exc.value.reason) == (9, "score", io.DECIMAL_DOT_REASON)


@pytest.mark.parametrize("batch_rows", [None, 7])
def test_ingest_quarantines_a_dotted_number_among_decimal_commas(batch_rows, tmp_path):
    path = _dotted_dutch_csv(tmp_path, "-1.234", row=12)
    schema = RecordSchema.from_params(
        {"reference": "reference", "id_column": "record_id", "columns": {"score": {"min": -1e9, "max": 1e9}}}
    )
    quarantined = []
    analysed = 0
    for batch in iter_batches(path, batch_rows):
        v = validate_records(batch.frame, schema, path)
        analysed += v.flow.analysed
        q = v.quarantine
        quarantined += [(int(r) + batch.offset, c, why) for r, c, why in zip(q["row"], q["column"], q["reason"])]
    assert quarantined == [(12, "score", io.DECIMAL_DOT_REASON)] and analysed == N - 1
    # with a decimal point declared, the same file reads 1.234 as a number and refuses the commas
    assert io.numeric_column(io.read_records(path, decimal="."), "reference", path)[0] == 1


def test_records_naming_a_folder_says_it_is_a_folder(tmp_path, capsys):
    assert evaluate(str(tmp_path), str(tmp_path / "o")) == 3
    err = capsys.readouterr().err
    assert "is a folder, not a records file" in err and "does not exist" not in err


@pytest.mark.parametrize("whole", [True, False])
def test_the_mixed_encoding_message_does_not_call_ascii_rows_utf8(whole, tmp_path):
    """The rows before the first Windows-1252 byte were ASCII, yet the message said they were UTF-8."""
    lines = ["record_id,reference,score,site"] + [f"R{i:03d},{i % 2},0.{i},a" for i in range(6)]
    data = ("\n".join(lines) + "\n").encode() + "R100,1,0.5,caf\u00e9\n".encode("cp1252")
    data += "R101,0,0.4,caf\u00e9\n".encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        if whole:
            io.read_records(path)
        else:
            list(iter_batches(path, 2))
    assert exc.value.row == 7 and "first that is not UTF-8" in exc.value.reason
    assert "earlier rows are UTF-8" not in exc.value.reason


def test_a_full_width_id_is_the_same_id(tmp_path, capsys):
    """`Ｒ００２` (full-width, as typed with a Japanese input method) was not seen as `R002`: text is read
    in Unicode NFKC form, so every command refuses the repeat and ingest excludes both copies."""
    frame = _frame().astype({"record_id": object})
    frame.loc[9, "record_id"] = "\uff32\uff10\uff10\uff12"  # Ｒ００２
    path = _write(frame, tmp_path / "w.csv")
    assert io.read_records(path).loc[9, "record_id"] == "R002"
    assert evaluate(path, str(tmp_path / "o")) == 3
    err = capsys.readouterr().err
    assert "row 10, column 'record_id'" in err and "row 3" in err and "R002" not in err
    schema = RecordSchema.from_params({"reference": "reference", "id_column": "record_id", "columns": {}})
    flow = validate_records(io.read_records(path), schema, path).flow
    assert flow.received == N and flow.analysed == N - 2


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "dask"])
def test_rows_of_only_separators_are_no_records(engine, tmp_path, capsys):
    """`;;;;;;` rows (as Excel leaves them below or inside a table) were counted as records (received
    and then excluded or unverified); they are no records, as blank lines are not, in every reader."""
    frame = _frame()
    text = frame.to_csv(index=False, sep=";", decimal=",").splitlines()
    empty = ";" * (frame.shape[1] - 1)
    text = text[:6] + [empty, " ; ;" + empty[2:]] + text[6:] + [empty, empty]
    path = tmp_path / "sep.csv"
    path.write_text("\n".join(text) + "\n")
    read = io.read_records(path)
    assert len(read) == N and read["record_id"].tolist() == frame["record_id"].tolist()
    assert sum(len(b.frame) for b in iter_batches(path, 4)) == N
    schema = RecordSchema.from_params({"reference": "reference", "id_column": "record_id", "columns": {}})
    flow = validate_records(read, schema, str(path)).flow
    assert flow.received == flow.analysed == N
    spec = CountSpec(("score",), "reference")
    counts = count_rows(str(path), spec, engine, batch_rows=4)
    assert counts["n"].sum() == N and set(counts["reference"]) == {"1", "0"}
    # a refusal after the empty rows names the record's row (records are numbered, empty rows are not)
    bad = frame.astype({"score": object})
    bad.loc[10, "score"] = "x"
    text = bad.to_csv(index=False, sep=";", decimal=",").splitlines()
    path.write_text("\n".join(text[:6] + [empty] + text[6:]) + "\n")
    with pytest.raises(InputError) as exc:
        count_rows(str(path), spec, engine, batch_rows=4)
    assert (exc.value.row, exc.value.column) == (11, "score")


def test_batches_with_ambiguous_numbers_can_be_concatenated(tmp_path):
    """The reader's note of ambiguous numbers (frame.attrs) must not break pandas' concat of batches."""
    path = _dotted_dutch_csv(tmp_path, "1.234", row=2)
    text = (tmp_path / "dotted.csv").read_text().splitlines()
    (tmp_path / "dotted.csv").write_text("\n".join(text + [text[2].replace("R001", "R900")]) + "\n")
    frames = [b.frame for b in iter_batches(path, 1)]
    assert len(pd.concat([frames[1], frames[-1]], ignore_index=True)) == 2
    assert io.decimal_dot_rows(frames[1], "score").tolist() == [True]
