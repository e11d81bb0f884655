"""Beyond one machine: the count table on a Dask dataframe (distributed LocalCluster, 2 workers, in
threads and in separate processes) equals the pandas and DuckDB tables, and a file is refused with the
same message (the refusal crosses the process boundary pickled)."""

import numpy as np
import pandas as pd
import pytest
from conftest import write_with_faults

from signalering.errors import InputError
from signalering.scale.counts import CountSpec, count_rows
from signalering.simulate import SimulationParams, simulate_records

distributed = pytest.importorskip("distributed")

SPEC = CountSpec(("rc_sum", "sens_consensus"), "reference", ("site", "child_sex"))


@pytest.fixture(
    scope="module",
    params=[pytest.param(False, id="threads"), pytest.param(True, id="processes", marks=pytest.mark.slow)],
)
def client(request):
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=request.param, dashboard_address=":0"
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def records(tmp_path):
    df = simulate_records(SimulationParams(n_records=900, invalid_fraction=0), np.random.default_rng(8))
    df["rc_sum"] = df[[f"rc_{i:02d}" for i in range(1, 12)]].sum(axis=1)
    df.loc[3, "rc_sum"] = np.nan
    df.loc[4, "site"] = None
    df.to_csv(tmp_path / "r.csv", sep=";", index=False)
    df.to_parquet(tmp_path / "r.parquet", row_group_size=200)
    return df


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_dask_counts_equal_pandas_and_duckdb(client, records, tmp_path, kind):
    path = tmp_path / f"r.{kind}"
    base = count_rows(path, SPEC, "pandas")
    got = count_rows(path, SPEC, "dask", blocksize=40_000)
    pd.testing.assert_frame_equal(got, base)
    pd.testing.assert_frame_equal(count_rows(path, SPEC, "duckdb", batch_rows=300), base)
    assert got["n"].sum() == 2 * len(records)


def test_dask_partitions_run_on_the_cluster(client, records, tmp_path):
    with distributed.get_task_stream(client) as stream:
        count_rows(tmp_path / "r.csv", SPEC, "dask", blocksize=40_000)
    tasks = [t for t in stream.data if "_rename_scan" in str(t["key"])]
    assert len(tasks) > 1
    assert len({t["worker"] for t in stream.data}) == 2


@pytest.mark.parametrize(
    "fault, column",
    [
        ({"sens_consensus": {850: "x"}}, "sens_consensus"),
        ({"reference": {5: "yes"}, "rater2_id": {880: "111222333"}}, "rater2_id"),
    ],
)
def test_dask_refuses_with_the_same_message(client, records, tmp_path, fault, column):
    path = write_with_faults(records, fault, tmp_path / "bad.csv")
    with pytest.raises(InputError) as whole:
        count_rows(path, SPEC, "pandas")
    with pytest.raises(InputError) as dist:
        count_rows(path, SPEC, "dask", blocksize=40_000)
    assert dist.value == whole.value and whole.value.column == column and whole.value.row is not None


def test_dask_refuses_a_ragged_csv(client, tmp_path):
    rows = ["record_id,reference,rc_sum,sens_consensus,site,child_sex"]
    rows += [f"R{i},1,2,3,site01,m" for i in range(2000)] + ["R9,1,2,3,site01,m,extra"]
    (tmp_path / "ragged.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match="different number of fields"):
        count_rows(tmp_path / "ragged.csv", SPEC, "dask", blocksize=20_000)
