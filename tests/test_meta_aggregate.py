"""``signalering evaluate-aggregate`` carries the bivariate meta-analysis (meta_analysis.json): count
tables of the AuditC studies (Kriston et al. 2008) and of simulated organisations, one file per
organisation, against the R fits in tests/reference/meta/bivariate.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from signalering.cli import main
from signalering.scale.federated import meta_analysis_document

FIXTURE = json.loads((Path(__file__).parent / "reference" / "meta" / "bivariate.json").read_text())


def write_tables(case: str, folder: Path) -> list[str]:
    """One count table per organisation: a dichotomous test (score 1 = positive), cut-off 1."""
    c = FIXTURE["cases"][case]["counts"]
    paths = []
    for i, (tp, fp, fn, tn) in enumerate(zip(c["tp"], c["fp"], c["fn"], c["tn"])):
        rows = [(1, 1, tp), (0, 1, fn), (1, 0, fp), (0, 0, tn)]
        body = "".join(f"test,{s},{r},{n}\n" for s, r, n in rows if n > 0)
        path = folder / f"org{i + 1:02d}.csv"
        path.write_text("instrument,score,reference,n\n" + body)
        paths.append(str(path))
    return paths


def run(case: str, tmp_path: Path, *extra: str) -> dict:
    tables = write_tables(case, tmp_path)
    out = tmp_path / "out"
    args = ["evaluate-aggregate", "--tables", *tables, "--score", "test", "--cutoff", "1", "--out", str(out)]
    assert main([*args, *extra]) == 0
    return json.loads((out / "meta_analysis.json").read_text())


@pytest.mark.parametrize("case", ["auditc", "simulated_30", "simulated_zero_cells"])
def test_reml_default_equals_metafor(case, tmp_path):
    doc = run(case, tmp_path)
    e = FIXTURE["cases"][case]["reml"]
    assert doc["method"] == "reml"
    entry = doc["at_cutoffs"][0]
    assert entry["cutoff"] == 1.0
    for j, stat in enumerate(("sensitivity", "specificity")):
        got = entry["pooled"][stat]
        want = (expit(e["mu"][j]), expit(e["ci_low"][j]), expit(e["ci_high"][j]))
        assert (got["estimate"], got["ci_low"], got["ci_high"]) == pytest.approx(want, abs=1e-6)
    assert entry["continuity_corrected"] == np.atleast_1d(e["corrected"]).size


@pytest.mark.parametrize("case", ["auditc", "simulated_30", "simulated_zero_cells"])
def test_glmm_option_equals_lme4(case, tmp_path):
    doc = run(case, tmp_path, "--meta-method", "glmm")
    e = FIXTURE["cases"][case]["glmm"]
    entry = doc["at_cutoffs"][0]
    for j, stat in enumerate(("sensitivity", "specificity")):
        got = entry["pooled"][stat]
        want = (expit(e["mu"][j]), expit(e["ci_low"][j]), expit(e["ci_high"][j]))
        assert (got["estimate"], got["ci_low"], got["ci_high"]) == pytest.approx(want, abs=2e-5)
    assert "continuity_corrected" not in entry


def test_per_organisation_points_obey_the_disclosure_rules(tmp_path):
    doc = run("auditc", tmp_path)
    counts = FIXTURE["cases"]["auditc"]["counts"]
    points = doc["at_cutoffs"][0]["per_organisation"]
    withheld = {"sensitivity": None, "specificity": None, "n": None, "suppressed": "withheld (small numbers)"}
    hidden_cells = np.zeros(4, int)
    for i, name in enumerate(sorted(points)):
        cells = [counts[k][i] for k in ("tp", "fp", "fn", "tn")]
        p = points[name]
        if any(0 < c < 10 for c in cells):  # studies 1, 4, 6, 9, 12, 13 (fn 1-9)
            assert p == withheld
        if p == withheld:
            hidden_cells += cells
        else:
            assert p["n"] == sum(cells)
            assert p["sensitivity"] == pytest.approx(cells[0] / (cells[0] + cells[2]))
            assert p["specificity"] == pytest.approx(cells[3] / (cells[3] + cells[1]))
    # what the pooled table minus the published organisations gives away: no small cell
    assert not any(0 < c < 10 for c in hidden_cells)
    # the six with small fn add up to fn = 9 + 3 + 2 + 5 + 3 + 1 = 23, so no further one is withheld
    assert sum(p == withheld for p in points.values()) == 6
    text = json.dumps(doc)
    assert '"tp"' not in text and '"fn"' not in text


def test_a_single_withheld_organisation_takes_the_smallest_other_with_it(tmp_path):
    from signalering.scale.federated import _organisation_points
    from signalering.stats.counts import CountTable

    def table(tp, fp, fn, tn):
        scores = [1] * (tp + fp) + [0] * (fn + tn)
        ref = [1] * tp + [0] * fp + [1] * fn + [0] * tn
        return CountTable.from_scores(scores, ref, "higher")

    tables = {"a": table(40, 30, 3, 200), "b": table(50, 40, 20, 300), "c": table(20, 15, 12, 100)}
    pts = _organisation_points(tables, [1.0], 10)[0]
    assert pts["a"]["n"] is None and pts["c"]["n"] is None  # c: the smallest of the others
    assert pts["b"]["n"] == 410


def test_regions_curve_and_hsroc_are_present(tmp_path):
    entry = run("simulated_30", tmp_path)["at_cutoffs"][0]
    assert len(entry["confidence_region"]["fpr"]) == 100 == len(entry["prediction_region"]["sensitivity"])
    assert len(entry["sroc_curve"]["fpr"]) == 99
    assert set(entry["hsroc"]) == {"Lambda", "Theta", "beta", "sigma2_alpha", "sigma2_theta"}
    sens = entry["pooled"]["sensitivity"]
    assert sens["prediction_low"] < sens["ci_low"] < sens["estimate"] < sens["ci_high"] < sens["prediction_high"]


def test_few_organisations_null_with_reason(tmp_path):
    entry = run("simulated_few", tmp_path)["at_cutoffs"][0]
    assert entry["pooled"] is None and entry["sroc_curve"] is None
    assert "at least 5" in entry["reason"]
    (tmp_path / "k3").mkdir()
    entry = run("simulated_few", tmp_path / "k3", "--meta-min-organisations", "3")["at_cutoffs"][0]
    assert entry["pooled"] is not None and entry["between_organisations"]["boundary"].startswith("correlation")


def test_none_writes_no_meta_analysis_and_bad_options_are_usage_errors(tmp_path):
    tables = write_tables("simulated_30", tmp_path)
    base = ["evaluate-aggregate", "--tables", *tables, "--score", "test", "--cutoff", "1"]
    assert main([*base, "--meta-method", "none", "--out", str(tmp_path / "a")]) == 0
    assert not (tmp_path / "a" / "meta_analysis.json").exists()
    assert main([*base, "--min-cell", "0", "--out", str(tmp_path / "b")]) == 2
    assert main([*base, "--meta-min-organisations", "2", "--out", str(tmp_path / "c")]) == 2


def test_document_is_deterministic(tmp_path):
    from signalering.scale.federated import load_count_tables

    tables = load_count_tables(write_tables("simulated_zero_cells", tmp_path), "test")
    a = meta_analysis_document(tables, [1.0], method="glmm")
    b = meta_analysis_document(tables, [1.0], method="glmm")
    assert json.dumps(a) == json.dumps(b)


def test_identical_organisations_give_zero_variances_and_null_shape_with_reasons():
    from signalering.scale.federated import meta_analysis_at

    entry = meta_analysis_at([50] * 6, [20] * 6, [50] * 6, [80] * 6, "reml")
    between = entry["between_organisations"]
    assert between["tau2_sensitivity"] == pytest.approx(0, abs=1e-8) and between["boundary"]
    assert between["rho"] is None and between["rho_reason"]
    assert entry["hsroc"] is None and entry["sroc_curve"] is None
    assert entry["hsroc_reason"] == entry["sroc_curve_reason"]
    # no spread between organisations: the pooled estimate is the common proportion
    assert entry["pooled"]["sensitivity"]["estimate"] == pytest.approx(0.5, abs=1e-9)
    assert entry["pooled"]["specificity"]["estimate"] == pytest.approx(0.8, abs=1e-9)
