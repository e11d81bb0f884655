"""Scale: batch reading, the streaming identifier guard and streaming validation give exactly what the
in-memory path gives; the count table is the same with every engine."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, write_with_faults

from signalering import io
from signalering.errors import InputError, UsageError
from signalering.ingest.identifiers import check_identifiers
from signalering.ingest.schema import RecordSchema, validate_records
from signalering.io import iter_batches, read_guarded
from signalering.scale.counts import CountSpec, count_rows, count_table
from signalering.scale.guard import check_identifiers_stream
from signalering.scale.ingest import ingest_stream, validate_stream
from signalering.simulate import SimulationParams, simulate_records

SCHEMA = RecordSchema.from_params(yaml.safe_load((ROOT / "params.yaml").read_text())["data"])


def messy_records(n=400, seed=3) -> pd.DataFrame:
    """Simulated records with every kind of row fault, some duplicated ids far apart (other batches)."""
    df = simulate_records(SimulationParams(n_records=n, invalid_fraction=0.03), np.random.default_rng(seed))
    df = df.astype(object)
    df["rc_sum"] = df[[f"rc_{i:02d}" for i in range(1, 12)]].sum(axis=1)
    df.loc[5, "sdq_01"] = 7
    df.loc[10, "reference"] = 2
    df.loc[20, "record_id"] = df.loc[n - 10, "record_id"]  # duplicate across batches
    df.loc[21, "record_id"] = df.loc[200, "record_id"]
    df.loc[300, "record_id"] = df.loc[200, "record_id"]  # three copies, three batches
    df.loc[30, "record_id"] = None
    df.loc[40, "risk_probability"] = "abc"
    df.loc[41, "site"] = "site99"
    df.loc[50, "record_id"] = df.loc[51, "record_id"]  # duplicate inside a batch
    df.loc[60, "sens_r1"] = 4.5
    df.loc[7, "rc_sum"] = None
    df.loc[8, "site"] = None
    return df


@pytest.fixture
def records(tmp_path):
    df = messy_records()
    csv = tmp_path / "r.csv"
    df.to_csv(csv, index=False)
    parquet = tmp_path / "r.parquet"
    df.astype("string").to_parquet(parquet)
    return {"csv": str(csv), "parquet": str(parquet)}


# ------------------------------------------------------------------ reader
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_batches_concatenate_to_read_records(records, kind):
    whole = io.read_records(records[kind])
    batches = list(iter_batches(records[kind], 37))
    assert [b.offset for b in batches] == list(range(0, len(whole), 37))
    joined = pd.concat([b.frame for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("\ufeffrecord_id;reference;naam_kind_code\nR1;1; café \n\nR2;;x\nR3;0;\n", "utf-8"),
        ('record_id,reference,plaats\nR1,1,Zoë\nR2,0,"a,b"\nR3,,€\n', "cp1252"),
    ],
)
def test_csv_dialects_as_read_records(tmp_path, text, encoding):
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode(encoding))
    joined = pd.concat([b.frame for b in iter_batches(path, 1)], ignore_index=True)
    pd.testing.assert_frame_equal(joined, io.read_records(path))


@pytest.mark.parametrize(
    "text, row",
    [
        ("a,b\n1,2\n3,4,5\n", 2),
        ("a,b\n", None),
        ("a\n1\n", None),
        ("a,a\n1,2\n", None),
    ],
)
def test_unusable_files_refused_as_read_records(tmp_path, text, row):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as whole:
        io.read_records(path)
    with pytest.raises(InputError) as streamed:
        list(iter_batches(path, 1))
    assert streamed.value == whole.value and whole.value.row == row


def test_batch_rows_must_be_positive(records):
    with pytest.raises(UsageError, match="batch_rows"):
        list(iter_batches(records["csv"], 0))


# ------------------------------------------------------------------ identifier guard
def guard_cases():
    base = {
        "record_id": [f"R{i}" for i in range(12)],
        "reference": ["1", "0"] * 6,
        "note": ["a"] * 12,
        "code": ["x"] * 12,
    }
    cases = []
    c = {k: list(v) for k, v in base.items()}
    c["code"][2] = "1234 AB"  # PC6 in batch 1, BSN later in the same column: BSN ranks first
    c["code"][9] = "111222333"
    cases.append(c)
    c = {k: list(v) for k, v in base.items()}
    c["code"][1] = "2020-01-31"  # a later column's hit in an earlier batch...
    c["note"][10] = "123456782"  # ...loses to an earlier column's hit in a later batch
    cases.append(c)
    c = {k: list(v) for k, v in base.items()}
    c["note"][3] = "111222333"
    c["note"][8] = "111222333"
    cases.append(c)
    c = {k: list(v) for k, v in base.items()}
    c["postcode"] = ["1234"] * 12
    c["postcode"][11] = "1234 AB"
    cases.append(c)
    c = {k: list(v) for k, v in base.items()}
    c["achternaam"] = ["x"] * 12
    cases.append(c)
    return cases


@pytest.mark.parametrize("case", guard_cases())
@pytest.mark.parametrize("batch_rows", [1, 4, 100])
def test_streaming_guard_refuses_as_the_whole_file_guard(tmp_path, case, batch_rows):
    path = tmp_path / "ids.csv"
    pd.DataFrame(case).to_csv(path, index=False)
    with pytest.raises(InputError) as whole:
        check_identifiers(io.read_records(path), str(path))
    with pytest.raises(InputError) as streamed:
        check_identifiers_stream(iter_batches(path, batch_rows), str(path))
    assert streamed.value == whole.value
    assert "111222333" not in str(streamed.value) and "1234 AB" not in str(streamed.value)


def test_streaming_guard_passes_clean_file(records):
    check_identifiers_stream(iter_batches(records["csv"], 50), records["csv"])


# ------------------------------------------------------------------ streaming validation
@pytest.mark.parametrize("batch_rows", [97, None])
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_streaming_validation_equals_in_memory(records, kind, batch_rows):
    path = records[kind]
    whole = validate_records(io.read_records(path), SCHEMA, path)
    flows = []
    batches = list(validate_stream(path, SCHEMA, batch_rows, on_flow=flows.append))
    assert flows == [whole.flow]
    assert whole.flow.excluded["record_id: duplicate record_id (every copy excluded)"] >= 7
    q = pd.concat([b.quarantine for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(q, whole.quarantine.reset_index(drop=True), check_dtype=False)
    recs = pd.concat([b.records for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(recs, whole.records)


def test_ingest_stream_writes_parquet_as_in_memory(records, tmp_path):
    path = records["csv"]
    whole = validate_records(io.read_records(path), SCHEMA, path)
    flow = ingest_stream(path, SCHEMA, tmp_path / "out/records.parquet", tmp_path / "secure/q.parquet", 150)
    assert flow == whole.flow
    got = pq.read_table(tmp_path / "out/records.parquet").to_pandas()
    pd.testing.assert_frame_equal(got, whole.records, check_dtype=False)
    q = pq.read_table(tmp_path / "secure/q.parquet").to_pandas()
    pd.testing.assert_frame_equal(q, whole.quarantine.reset_index(drop=True), check_dtype=False)
    ingest_stream(path, SCHEMA, tmp_path / "out/records.parquet", tmp_path / "secure/q.csv", 150)
    expected = whole.quarantine.to_csv(index=False, lineterminator="\n")
    assert (tmp_path / "secure/q.csv").read_text() == expected


@pytest.mark.parametrize("batch_rows", [50, None])
def test_identifier_refuses_before_anything_is_written(tmp_path, batch_rows):
    df = messy_records()
    df.loc[390, "rater1_id"] = "123456782"  # in the last batch
    path = tmp_path / "r.csv"
    df.to_csv(path, index=False)
    with pytest.raises(InputError, match="BSN") as exc:
        ingest_stream(path, SCHEMA, tmp_path / "out/records.parquet", tmp_path / "out/q.parquet", batch_rows)
    assert exc.value.row == 391 and exc.value.column == "rater1_id"
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ count tables
SPEC = CountSpec(("rc_sum", "sens_consensus"), "reference", ("site", "child_sex"))


def clean_records(tmp_path, n=600):
    df = simulate_records(SimulationParams(n_records=n, invalid_fraction=0), np.random.default_rng(5))
    df["rc_sum"] = df[[f"rc_{i:02d}" for i in range(1, 12)]].sum(axis=1)
    df.loc[3, "rc_sum"] = np.nan
    df.loc[4, "site"] = None
    df.to_csv(tmp_path / "c.csv", index=False)
    df.to_parquet(tmp_path / "c.parquet")
    return df


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_duckdb_counts_equal_pandas(tmp_path, kind):
    df = clean_records(tmp_path)
    path = tmp_path / f"c.{kind}"
    base = count_rows(path, SPEC, "pandas")
    pd.testing.assert_frame_equal(count_rows(path, SPEC, "duckdb", batch_rows=250), base)
    assert list(base.columns) == ["instrument", "score", "reference", "site", "child_sex", "n"]
    assert base["n"].sum() == 2 * len(df)
    assert set(base["reference"]) == {"1", "0", "unverified"}


def test_count_table_equals_from_scores(tmp_path):
    df = clean_records(tmp_path)
    counts = count_rows(tmp_path / "c.csv", SPEC, "duckdb", batch_rows=100)
    from signalering.stats.counts import CountTable

    for col, direction in (("rc_sum", "higher"), ("sens_consensus", "lower")):
        want = CountTable.from_scores(df[col].to_numpy(float), df["reference"].to_numpy(float), direction)
        assert count_table(counts, col, direction) == want
    site1 = df["site"] == "site01"
    want = CountTable.from_scores(df.loc[site1, "rc_sum"].to_numpy(float), df.loc[site1, "reference"].to_numpy(float))
    assert count_table(counts, "rc_sum", site="site01") == want


@pytest.mark.parametrize(
    "fault, column",
    [
        ({"rc_sum": {250: "many"}, "sens_consensus": {10: "x"}}, "rc_sum"),  # scores in the order given
        ({"reference": {500: "yes"}}, "reference"),
        ({"reference": {5: "yes"}, "rater2_id": {590: "111222333"}}, "rater2_id"),  # the guard comes first
    ],
)
def test_engines_refuse_with_the_same_message(tmp_path, fault, column):
    path = write_with_faults(clean_records(tmp_path), fault, tmp_path / "bad.csv")
    with pytest.raises(InputError) as whole:
        count_rows(path, SPEC, "pandas")
    with pytest.raises(InputError) as streamed:
        count_rows(path, SPEC, "duckdb", batch_rows=250)
    assert streamed.value == whole.value and whole.value.column == column


def test_missing_column_and_bad_engine(tmp_path):
    clean_records(tmp_path)
    spec = CountSpec(("rc_sum",), "reference", ("nope",))
    for engine in ("pandas", "duckdb"):
        with pytest.raises(InputError, match="does not exist"):
            count_rows(tmp_path / "c.csv", spec, engine)
    with pytest.raises(UsageError, match="engine"):
        count_rows(tmp_path / "c.csv", SPEC, "spark")
    with pytest.raises(UsageError):
        CountSpec(("a",), "a")


def test_read_guarded_is_the_pandas_path(tmp_path):
    clean_records(tmp_path)
    assert len(read_guarded(str(tmp_path / "c.csv"))) == 600


# ------------------------------------------------------------------ the pipeline's ingest stage
def same_demo_records(project, first) -> None:
    """The simulate stage run in the ``first`` project; the others copy its demo file (their simulate
    params are the same), so the stages compared read the same records."""
    import shutil
    import sys

    from conftest import run

    demo = "data/demo/records.csv"
    if project == first:
        run([sys.executable, "pipeline/simulate.py"], project)
    else:
        (project / demo).parent.mkdir(parents=True)
        shutil.copy(first / demo, project / demo)


def test_ingest_stage_streams_with_the_same_outputs(tmp_path):
    import sys

    from conftest import project_copy, run

    outputs = {}
    for engine in ("pandas", "duckdb"):
        (tmp_path / engine).mkdir()
        project = project_copy(
            tmp_path / engine, simulate={"n_records": 1500}, scale={"engine": engine, "batch_rows": 400}
        )
        same_demo_records(project, tmp_path / "pandas")
        run([sys.executable, "pipeline/ingest.py"], project)
        outputs[engine] = {
            "flow": (project / "data/interim/flow.json").read_text(),
            "quarantine": (project / "data/secure/quarantine.csv").read_text(),
            "records": pd.read_parquet(project / "data/interim/records.parquet"),
        }
    assert outputs["duckdb"]["flow"] == outputs["pandas"]["flow"]
    assert outputs["duckdb"]["quarantine"] == outputs["pandas"]["quarantine"]
    pd.testing.assert_frame_equal(outputs["duckdb"]["records"], outputs["pandas"]["records"], check_dtype=False)
    assert "duplicate record_id" in outputs["pandas"]["flow"]  # the demo's faults cross the 400-record batches


def test_score_stage_in_batches_writes_the_whole_file_scores(tmp_path):
    import sys

    from conftest import project_copy, run

    outputs = {}
    for batch_rows in (10_000, 333):
        (tmp_path / str(batch_rows)).mkdir()
        project = project_copy(
            tmp_path / str(batch_rows),
            simulate={"n_records": 1200},
            scale={"engine": "pandas", "batch_rows": batch_rows},
        )
        same_demo_records(project, tmp_path / "10000")
        for stage in ("ingest", "score"):
            run([sys.executable, f"pipeline/{stage}.py"], project)
        outputs[batch_rows] = (
            pd.read_parquet(project / "data/interim/scores.parquet"),
            (project / "data/interim/score_flow.json").read_text(),
        )
    whole, batched = outputs[10_000], outputs[333]
    assert len(whole[0]) > 1000 and whole[0].filter(like="@").notna().any().all()
    pd.testing.assert_frame_equal(batched[0], whole[0])
    assert batched[1] == whole[1]
    missing = [i["missing_score"] for i in json.loads(whole[1])["instruments"].values()]
    assert any(missing)  # missing scores (the demo's skipped items) are counted over every batch


def test_text_columns_held_in_chunks_become_one_arrow_array():
    import pyarrow as pa

    from signalering.scale.counts import arrow_text

    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([["a", None], ["b"]])))
    arr = arrow_text(chunked)
    assert isinstance(arr, pa.Array) and arr.to_pylist() == ["a", None, "b"]
