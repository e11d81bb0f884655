"""Federated evaluation: pooled count tables give the statistics of the concatenated records, and the
heterogeneity statistics match statsmodels' DerSimonian-Laird meta-analysis and a chi-square test."""

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from signalering.cli import main
from signalering.documents import accuracy_document
from signalering.scale.federated import evaluate_tables, heterogeneity, pooled
from signalering.simulate import SimulationParams, simulate_records
from signalering.stats.counts import CountTable


@pytest.fixture
def organisations(tmp_path):
    df = simulate_records(SimulationParams(n_records=3000, invalid_fraction=0), np.random.default_rng(11))
    df["rc_sum"] = df[[f"rc_{i:02d}" for i in range(1, 12)]].sum(axis=1)
    df = df[["record_id", "reference", "site", "age_band", "rc_sum", "sens_consensus"]]
    df.to_csv(tmp_path / "all.csv", index=False)
    groups = {
        "north": ["site01", "site02", "site03"],
        "east": ["site04", "site05"],
        "south": ["site06", "site07", "site08"],
    }
    tables = []
    for name, sites in groups.items():
        part = df[df["site"].isin(sites)]
        part.to_csv(tmp_path / f"{name}.csv", index=False)
        out = tmp_path / "tables" / f"{name}.csv"
        assert (
            main(
                [
                    "aggregate",
                    "--records",
                    str(tmp_path / f"{name}.csv"),
                    "--score",
                    "rc_sum",
                    "--score",
                    "sens_consensus",
                    "--reference",
                    "reference",
                    "--subgroup",
                    "age_band",
                    "--exact-counts-under-agreement",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        tables.append(str(out))
    return df, tables


@pytest.mark.parametrize("score, direction", [("rc_sum", "higher"), ("sens_consensus", "lower")])
def test_pooled_equals_concatenated_records(organisations, tmp_path, score, direction):
    df, tables = organisations
    common = ["--score", score, "--direction", direction, "--prevalence", "0.034", "--ci-method", "clopper-pearson"]
    assert main(["evaluate-aggregate", "--tables", *tables, *common, "--out", str(tmp_path / "fed")]) == 0
    assert (
        main(
            [
                "evaluate",
                "--records",
                str(tmp_path / "all.csv"),
                "--reference",
                "reference",
                *common,
                "--out",
                str(tmp_path / "all"),
            ]
        )
        == 0
    )
    assert (tmp_path / "fed/pooled/accuracy.json").read_bytes() == (tmp_path / "all/accuracy.json").read_bytes()
    pooled_doc = json.loads((tmp_path / "fed/pooled/accuracy.json").read_text())
    cuts = [t["cutoff"] for t in pooled_doc["thresholds"]]
    for name in ("north", "east", "south"):
        part = pd.read_csv(tmp_path / f"{name}.csv")
        ct = CountTable.from_scores(part[score].to_numpy(float), part["reference"].to_numpy(float), direction)
        want = accuracy_document(ct, cuts, prevalences=[0.034], ci_method="clopper-pearson")
        got = json.loads((tmp_path / f"fed/organisations/{name}/accuracy.json").read_text())
        assert got == json.loads(json.dumps(want))
    het = json.loads((tmp_path / "fed/heterogeneity.json").read_text())
    assert het["organisations"] == ["north", "east", "south"]
    assert [e["cutoff"] for e in het["at_cutoffs"]] == cuts


def tables_from(cells):
    """Organisations' 2x2 tables at cut-off 1 as count tables: (tp, fn, fp, tn) each."""
    return {f"o{i}": CountTable.from_counts([1, 0], [tp, fn], [fp, tn]) for i, (tp, fn, fp, tn) in enumerate(cells)}


# Pearson chi-square (no continuity correction) of the 2 x 4 table worked by hand, sum (O - E)^2 / E with
# E = row total * column total / N; sensitivity: tp (30, 12, 50, 8), fn (10, 12, 5, 4), N = 131, e.g.
# E(tp, o1) = 40 * 100 / 131 = 30.534, ...; p = P(chi2_3 > statistic).
CHI2 = {"sensitivity": (16.341705767, 0.000964966072), "specificity": (41.765080868, 4.500109366e-09)}


def test_heterogeneity_matches_statsmodels_dersimonian_laird():
    cells = [(30, 10, 20, 200), (12, 12, 35, 150), (50, 5, 10, 300), (8, 4, 22, 90)]
    (entry,) = heterogeneity(tables_from(cells), [1])
    for stat, (x, m) in {"sensitivity": (0, 1), "specificity": (3, 2)}.items():
        x_, y_ = np.array([c[x] for c in cells], float), np.array([c[m] for c in cells], float)
        res = combine_effects(np.log(x_ / y_), 1 / x_ + 1 / y_, method_re="dl")
        got = entry[stat]
        assert got["cochran_q"] == pytest.approx(res.q)
        assert got["tau2"] == pytest.approx(res.tau2)
        assert got["i2"] == pytest.approx(res.i2)
        assert got["df"] == 3
        est = 1 / (1 + np.exp(-res.mean_effect_re))
        assert got["random_effects"]["estimate"] == pytest.approx(est)
        assert (got["chi2_homogeneity"]["statistic"], got["chi2_homogeneity"]["p_value"]) == pytest.approx(CHI2[stat])
        assert 0 <= got["random_effects"]["ci_low"] <= est <= got["random_effects"]["ci_high"] <= 1


def test_identical_organisations_are_homogeneous_and_zero_cells_are_corrected():
    (entry,) = heterogeneity(tables_from([(10, 5, 8, 40)] * 3), [1])
    assert entry["sensitivity"]["cochran_q"] == pytest.approx(0) and entry["sensitivity"]["i2"] == 0
    (entry,) = heterogeneity(tables_from([(10, 0, 8, 40), (7, 3, 0, 40)]), [1])
    assert np.isfinite(entry["sensitivity"]["cochran_q"]) and np.isfinite(entry["specificity"]["cochran_q"])
    assert entry["per_organisation"]["o0"] == {"tp": 10, "fn": 0, "fp": 8, "tn": 40}


def test_one_organisation_gives_reasons_not_numbers():
    docs = evaluate_tables(tables_from([(10, 5, 8, 40)]), [1])
    sens = docs["heterogeneity"]["at_cutoffs"][0]["sensitivity"]
    assert sens["cochran_q"] is None and "two organisations" in sens["reason"]
    assert docs["pooled"]["thresholds"][0]["tp"] == 10


def test_pooled_is_the_sum():
    t = tables_from([(10, 5, 8, 40), (3, 1, 2, 9)])
    assert pooled(t) == CountTable.from_counts([1, 0], [13, 6], [10, 49])


def test_names_and_usage_errors(organisations, tmp_path, capsys):
    _, tables = organisations
    out = str(tmp_path / "o")
    assert main(["evaluate-aggregate", "--tables", tables[0], tables[0], "--score", "rc_sum", "--out", out]) == 2
    assert main(["evaluate-aggregate", "--tables", *tables[:2], "--name", "a", "--score", "rc_sum", "--out", out]) == 2
    assert main(["evaluate-aggregate", "--tables", tables[0], "--score", "nope", "--out", out]) == 2
    assert (
        main(
            [
                "evaluate-aggregate",
                "--tables",
                tables[0],
                tables[0],
                "--name",
                "a",
                "--name",
                "b",
                "--score",
                "rc_sum",
                "--out",
                out,
            ]
        )
        == 0
    )
    assert (tmp_path / "o/organisations/b/accuracy.json").is_file()
