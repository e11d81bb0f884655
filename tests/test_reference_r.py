"""Agreement with R reference implementations on data sets those packages ship.

Fixtures: ``tests/reference/<package>/<case>.{R,json}``; regenerate with ``Rscript <file>.R`` from the
repository root. Tolerance 1e-9 where the method is identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from signalering.stats import accuracy, roc
from signalering.stats.counts import CountTable
from signalering.stats.cutpoints import CutpointRule, choose_cutpoint
from signalering.stats.intervals import likelihood_ratio_ci, proportion_ci

REF = Path(__file__).parent / "reference"
TOL = 1e-9


def load(name: str) -> dict:
    return json.loads((REF / f"{name}.json").read_text())


PROC = load("proc/asah")
EPIR = load("epir/epi_tests")
CUTPOINTR = load("cutpointr/suicide")


def proc_table(case: str) -> CountTable:
    c = PROC["cases"][case]
    return CountTable.from_scores(c["score"], PROC["inputs"]["reference"], c["direction"])


@pytest.mark.parametrize("case", list(PROC["cases"]))
def test_auc_delong_matches_proc(case):
    e = PROC["cases"][case]["expected"]
    r = roc.auc_delong(proc_table(case))
    assert (r.estimate, r.variance, r.ci_low, r.ci_high) == pytest.approx(
        (e["auc"], e["variance"], e["ci_low"], e["ci_high"]), abs=TOL
    )


@pytest.mark.parametrize("case", list(PROC["cases"]))
def test_cells_at_every_observed_score_match_proc_coords(case):
    e = PROC["cases"][case]["expected"]["coords"]
    t = proc_table(case)
    thr = np.asarray(e["threshold"], float)
    cells, stats = accuracy.accuracy_table(t, thr)
    for key in ("tp", "fp", "tn", "fn"):
        assert cells[key].tolist() == [int(v) for v in e[key]], key
    for ours, theirs in (
        ("sensitivity", "sensitivity"),
        ("specificity", "specificity"),
        ("ppv", "ppv"),
        ("npv", "npv"),
    ):
        got = stats[stats.statistic == ours].set_index("cutoff").loc[thr, "estimate"].to_numpy()
        want = np.array([np.nan if v in (None, "NaN", "NA") else v for v in e[theirs]], float)
        assert np.allclose(got, want, atol=TOL, rtol=0, equal_nan=True), ours


@pytest.mark.parametrize("case", list(PROC["cases"]))
def test_partial_auc_matches_proc(case):
    t = proc_table(case)
    for e in PROC["cases"][case]["expected"]["partial_auc"]:
        r = roc.partial_auc(t, tuple(e["specificity"]))
        assert r.estimate == pytest.approx(e["estimate"], abs=TOL)
        assert r.standardised == pytest.approx(e["standardised"], abs=TOL)


EPIR_METHOD = {"exact": "clopper-pearson", "wilson": "wilson", "agresti": "agresti-coull"}
PROPORTION_CELLS = {
    "sensitivity": (("tp",), ("tp", "fn")),
    "specificity": (("tn",), ("tn", "fp")),
    "ppv": (("tp",), ("tp", "fp")),
    "npv": (("tn",), ("tn", "fn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "fn", "tn")),
}


@pytest.mark.parametrize("table", list(EPIR["tables"]))
@pytest.mark.parametrize("method", ["exact", "wilson"])
def test_proportions_match_epir(table, method):
    t = EPIR["tables"][table]
    c = t["cells"]
    for stat, (num, den) in PROPORTION_CELLS.items():
        est, lo, hi = proportion_ci(sum(c[k] for k in num), sum(c[k] for k in den), EPIR_METHOD[method])
        e = t["methods"][method][stat]
        assert (est[0], lo[0], hi[0]) == pytest.approx((e["estimate"], e["ci_low"], e["ci_high"]), abs=TOL), stat


@pytest.mark.parametrize("table", list(EPIR["tables"]))
def test_agresti_coull_bounds_match_epir_after_clipping(table):
    """epiR reports the Agresti-Coull centre as the estimate and does not clip; we keep x/n and clip."""
    t = EPIR["tables"][table]
    c = t["cells"]
    for stat, (num, den) in PROPORTION_CELLS.items():
        x, n = sum(c[k] for k in num), sum(c[k] for k in den)
        est, lo, hi = proportion_ci(x, n, "agresti-coull")
        e = t["methods"]["agresti"][stat]
        assert est[0] == pytest.approx(x / n, abs=TOL)
        assert (lo[0], hi[0]) == pytest.approx((max(e["ci_low"], 0.0), min(e["ci_high"], 1.0)), abs=TOL), stat


@pytest.mark.parametrize("table", list(EPIR["tables"]))
def test_likelihood_ratios_dor_and_youden_match_epir(table):
    t = EPIR["tables"][table]
    c = t["cells"]
    out = likelihood_ratio_ci(c["tp"], c["fp"], c["fn"], c["tn"])
    e = t["methods"]["wilson"]
    for stat in ("lr_positive", "lr_negative", "dor"):
        got = tuple(float(v) for v in out[stat])
        assert got == pytest.approx((e[stat]["estimate"], e[stat]["ci_low"], e[stat]["ci_high"]), rel=TOL), stat
    sens, spec = c["tp"] / (c["tp"] + c["fn"]), c["tn"] / (c["tn"] + c["fp"])
    assert sens + spec - 1 == pytest.approx(e["youden"]["estimate"], abs=TOL)


SUICIDE = CountTable.from_scores(CUTPOINTR["inputs"]["score"], CUTPOINTR["inputs"]["reference"])
SUICIDE_LOWER = CountTable.from_scores(
    -np.asarray(CUTPOINTR["inputs"]["score"], float), CUTPOINTR["inputs"]["reference"], "lower"
)
CUTPOINTR_RULES = {
    "youden": (SUICIDE, CutpointRule("youden"), lambda r: r.criterion),
    "sum_sens_spec": (SUICIDE, CutpointRule("youden"), lambda r: r.sensitivity + r.specificity),
    "roc01": (SUICIDE, CutpointRule("closest_to_01"), lambda r: r.criterion),
    # cutpointr's misclassification_cost = cost_fp * fp + cost_fn * fn = n x our expected cost per record
    "cost_fn10": (SUICIDE, CutpointRule("min_cost", cost_ratio=10), lambda r: r.criterion * 532),
    "cost_fn3": (SUICIDE, CutpointRule("min_cost", cost_ratio=3), lambda r: r.criterion * 532),
    "sens_given_spec_0.9": (SUICIDE, CutpointRule("max_sensitivity", min_specificity=0.9), lambda r: r.sensitivity),
    "spec_given_sens_0.9": (SUICIDE, CutpointRule("max_specificity", min_sensitivity=0.9), lambda r: r.specificity),
    "youden_lower": (SUICIDE_LOWER, CutpointRule("youden"), lambda r: r.criterion),
    "roc01_lower": (SUICIDE_LOWER, CutpointRule("closest_to_01"), lambda r: r.criterion),
}


@pytest.mark.parametrize("case", list(CUTPOINTR_RULES))
def test_cutpoints_match_cutpointr(case):
    table, rule, metric = CUTPOINTR_RULES[case]
    e = CUTPOINTR["cases"][case]
    r = choose_cutpoint(table, rule)
    assert r.cutoff in np.atleast_1d(e["cutpoints"])  # cutpointr returns every tied cut-point
    assert (r.sensitivity, r.specificity) == pytest.approx((e["sensitivity"], e["specificity"]), abs=TOL)
    assert metric(r) == pytest.approx(e["metric_value"], abs=1e-8)


def test_fixtures_record_versions():
    assert PROC["versions"]["pROC"] and EPIR["versions"]["epiR"] and CUTPOINTR["versions"]["cutpointr"]
