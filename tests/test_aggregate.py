"""`signalering aggregate`: only the count table leaves the organisation, small cells refuse the export
unless exact counts are shared under a data agreement, and the file reads back exactly."""

import numpy as np
import pandas as pd
import pytest

from signalering.cli import main
from signalering.errors import InputError
from signalering.scale.aggregate import read_table
from signalering.scale.counts import CountSpec, count_rows


@pytest.fixture
def records(tmp_path):
    rng = np.random.default_rng(4)
    n = 500
    df = pd.DataFrame(
        {
            "record_id": [f"R{i:05d}" for i in range(n)],
            "ref": rng.choice(["1", "0", ""], size=n, p=[0.2, 0.7, 0.1]),
            "score": rng.integers(0, 6, size=n).astype(float),
            "band": rng.choice(["a", "b"], size=n),
        }
    )
    df.loc[0, "score"] = np.nan
    df.loc[1, "score"] = 2.5
    path = tmp_path / "r.csv"
    df.to_csv(path, index=False)
    return str(path)


def aggregate(records, out, *extra):
    return main(
        [
            "aggregate",
            "--records",
            records,
            "--score",
            "score",
            "--reference",
            "ref",
            "--subgroup",
            "band",
            "--out",
            str(out),
            *extra,
        ]
    )


def test_small_cells_refuse_the_export(records, tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert aggregate(records, out) == 3
    err = capsys.readouterr().err
    assert "fewer than 10 records" in err and "--exact-counts-under-agreement" in err
    assert "nothing was written" in err and not out.exists()


def test_exact_counts_under_agreement_are_written_and_read_back(records, tmp_path):
    out = tmp_path / "t.csv"
    assert aggregate(records, out, "--exact-counts-under-agreement") == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "instrument,score,reference,band,n"
    assert "score,2.5,0,a,1" in lines or any(line.startswith("score,2.5,") for line in lines)
    assert any(line.startswith("score,,") for line in lines)  # records without a score
    table = read_table(out)
    want = count_rows(records, CountSpec(("score",), "ref", ("band",)))
    pd.testing.assert_frame_equal(table, want, check_dtype=False)
    assert table["n"].sum() == 500


def test_min_cell_below_five_needs_the_agreement_and_large_cells_need_none(records, tmp_path, capsys):
    assert aggregate(records, tmp_path / "a.csv", "--min-cell", "1") == 2
    assert "--exact-counts-under-agreement" in capsys.readouterr().err and not (tmp_path / "a.csv").exists()
    assert aggregate(records, tmp_path / "a.csv", "--min-cell", "4") == 2
    assert aggregate(records, tmp_path / "a.csv", "--min-cell", "1", "--exact-counts-under-agreement") == 0
    df = pd.DataFrame({"record_id": [f"R{i}" for i in range(48)], "ref": ["1", "0"] * 24, "score": [0, 0, 1, 1] * 12})
    df.to_csv(tmp_path / "big.csv", index=False)
    assert (
        main(
            [
                "aggregate",
                "--records",
                str(tmp_path / "big.csv"),
                "--score",
                "score",
                "--reference",
                "ref",
                "--out",
                str(tmp_path / "b.csv"),
            ]
        )
        == 0
    )
    assert read_table(tmp_path / "b.csv")["n"].tolist() == [12, 12, 12, 12]


def test_engines_write_the_same_file(records, tmp_path):
    for engine in ("pandas", "duckdb"):
        assert (
            aggregate(
                records,
                tmp_path / f"{engine}.csv",
                "--min-cell",
                "1",
                "--engine",
                engine,
                "--batch-rows",
                "64",
                "--exact-counts-under-agreement",
            )
            == 0
        )
    assert (tmp_path / "pandas.csv").read_bytes() == (tmp_path / "duckdb.csv").read_bytes()


def test_identifiers_refuse_before_writing(records, tmp_path, capsys):
    df = pd.read_csv(records, dtype=str)
    df["bsn"] = "111222333"
    df.to_csv(tmp_path / "id.csv", index=False)
    out = tmp_path / "t.csv"
    assert (
        main(
            [
                "aggregate",
                "--records",
                str(tmp_path / "id.csv"),
                "--score",
                "score",
                "--reference",
                "ref",
                "--exact-counts-under-agreement",
                "--engine",
                "duckdb",
                "--out",
                str(out),
            ]
        )
        == 3
    )
    err = capsys.readouterr().err
    assert "bsn" in err and "111222333" not in err and not out.exists()


@pytest.mark.parametrize("extra", [["--min-cell", "0"], ["--engine", "spark"], ["--batch-rows", "0"]])
def test_usage_errors_exit_2(records, tmp_path, extra):
    try:
        status = aggregate(records, tmp_path / "t.csv", *extra)
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    assert status == 2 and not (tmp_path / "t.csv").exists()


def test_non_number_score_names_row_and_column(tmp_path, capsys):
    (tmp_path / "r.csv").write_text("record_id,ref,score\nR1,1,2\nR2,0,secret\n")
    assert (
        main(
            [
                "aggregate",
                "--records",
                str(tmp_path / "r.csv"),
                "--score",
                "score",
                "--reference",
                "ref",
                "--out",
                str(tmp_path / "t.csv"),
            ]
        )
        == 3
    )
    err = capsys.readouterr().err
    assert "row 2" in err and "'score'" in err and "secret" not in err


@pytest.mark.parametrize(
    "text, column",
    [
        ("instrument,score,reference,n\ns,1,yes,3\n", "reference"),
        ("instrument,score,reference,n\ns,1,1,-3\n", "n"),
        ("instrument,score,reference,n\ns,1,1,2.5\n", "n"),
        ("instrument,score,reference,n\ns,x,1,2\n", "score"),
        ("instrument,score,n\ns,1,2\n", "reference"),
    ],
)
def test_read_table_refuses_what_is_not_a_count_table(tmp_path, text, column):
    (tmp_path / "t.csv").write_text(text)
    with pytest.raises(InputError) as exc:
        read_table(tmp_path / "t.csv")
    assert exc.value.column == column


def test_a_small_category_refuses_the_export_even_under_agreement(tmp_path, capsys):
    # exports with and without `town` would differ by exactly the 3 records of town c
    df = pd.DataFrame(
        {
            "record_id": [f"R{i}" for i in range(123)],
            "ref": (["1", "0"] * 62)[:123],
            "score": [0, 1, 2] * 41,
            "town": ["a"] * 60 + ["b"] * 60 + ["c"] * 3,
        }
    )
    df.to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "t.csv"
    status = main(
        [
            "aggregate",
            "--records",
            str(tmp_path / "r.csv"),
            "--score",
            "score",
            "--reference",
            "ref",
            "--subgroup",
            "town",
            "--exact-counts-under-agreement",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert status == 3 and not out.exists()
    message = err.split(str(tmp_path / "r.csv"))[-1]  # the folder name may hold any digit
    assert "town" in message and "fewer than 10 records" in message and "3" not in message
    assert (
        main(
            [
                "aggregate",
                "--records",
                str(tmp_path / "r.csv"),
                "--score",
                "score",
                "--reference",
                "ref",
                "--exact-counts-under-agreement",
                "--out",
                str(out),
            ]
        )
        == 0
    )


def test_small_margins_names_the_columns():
    from signalering.scale.aggregate import small_margins

    counts = pd.DataFrame(
        {
            "instrument": ["s"] * 4,
            "score": [0.0, 1.0, 0.0, 1.0],
            "reference": ["1", "0", "1", "0"],
            "town": ["a", "a", "b", "b"],
            "sex": ["m", "f", "m", "f"],
            "n": [20, 30, 2, 40],
        }
    )
    assert small_margins(counts, 10) == []  # town b holds 42 records, sex m 22
    counts.loc[3, "n"] = 5
    assert small_margins(counts, 10) == ["town"]  # town b: 2 + 5 records
