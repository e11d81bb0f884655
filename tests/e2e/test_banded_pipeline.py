"""End to end: a banded cut-off (a cut-off per age band) through score, evaluate, compare and report."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, run

BANDS = {"2-3": 12.0, "4-11": 14.0, "12-17": 16.0}  # demo age_band codes; "0-1" has no cut-off


@pytest.mark.slow
def test_banded_cut_off_end_to_end(tmp_project):
    project = tmp_project(simulate={"n_records": 3000}, evaluate={"bootstrap": 0}, report={"pdf": False})
    spec = yaml.safe_load((ROOT / "src/signalering/instruments/specs/sdq-parent@1.yaml").read_text())
    spec["name"] = "sdq-by-band"
    spec.pop("band_sets")
    spec["banded_cutoffs"] = [
        {
            "name": "by-age-band",
            "column": "age_band",
            "prespecified": True,
            "bands": [{"code": k, "value": v} for k, v in BANDS.items()],
        }
    ]
    (project / "instruments" / "sdq-by-band.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    params = yaml.safe_load((project / "params.yaml").read_text())
    # only the banded instrument and the one it is compared with: the demo's other instruments would
    # add stage time and nothing this test checks
    params["score"]["instruments"] = ["sdq-parent@1", "instruments/sdq-by-band.yaml"]
    params["compare"]["pairs"] = [["sdq-by-band@1", "sdq-parent@1"]]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "init", "--no-scm", "-q"], project)
    run(["dvc", "repro"], project)

    inst = "sdq-by-band@1"
    scores = pd.read_parquet(project / "data/interim/scores.parquet")
    records = pd.read_parquet(project / "data/interim/records.parquet")
    ref = params["data"]["reference"]
    # independent of the library: each record's cut-off from its age band, positive at >= it
    cut = (
        records.set_index(params["data"].get("id_column", "record_id"))
        .loc[scores[params["data"].get("id_column", "record_id")], "age_band"]
        .map(BANDS)
        .to_numpy(float)
    )
    np.testing.assert_array_equal(scores[f"{inst}#by-age-band"].to_numpy(float), cut)
    use = scores[inst].notna().to_numpy() & ~np.isnan(cut) & scores[ref].notna().to_numpy()
    positive = scores[inst].to_numpy(float)[use] >= cut[use]
    truth = scores[ref].to_numpy(float)[use] == 1
    doc = json.loads((project / f"data/processed/accuracy/{inst}.json").read_text())
    (entry,) = [t for t in doc["thresholds"] if t.get("banded")]
    assert (entry["tp"], entry["fp"], entry["fn"], entry["tn"]) == (
        int((positive & truth).sum()),
        int((positive & ~truth).sum()),
        int((~positive & truth).sum()),
        int((~positive & ~truth).sum()),
    )
    assert entry["prespecified"] and entry["banded"]["column"] == "age_band"

    # the flow adds up: scored = scored with a band + scored without one (by reason)
    flow = json.loads((project / "data/interim/score_flow.json").read_text())["instruments"][inst]
    with_band = int((scores[inst].notna() & ~np.isnan(cut)).sum())
    assert flow["scored"] == with_band + sum(flow["no_band"]["by-age-band"].values())
    assert list(flow["no_band"]["by-age-band"]) == ["band value matches no declared band"]  # age 0-1

    comparison = json.loads((project / f"data/processed/comparison/{inst}__vs__sdq-parent@1.json").read_text())
    assert comparison["at_cutoffs"]["banded_a"] == "by-age-band" and comparison["at_cutoffs"]["cutoff_a"] is None

    # per subgroup: the banded table of every group sums to the overall one (before disclosure control)
    sub = json.loads((project / f"data/processed/subgroups/{inst}.json").read_text())
    assert sub["banded_cutoffs"] == ["by-age-band"]
    k = len(sub["cutoffs"])
    for block in sub["subgroups"].values():
        for c in ("tp", "fp", "fn", "tn"):
            assert sum(g["thresholds"][k][c] for g in block["groups"].values()) == entry[c]
    published = json.loads((project / f"reports/subgroups/{inst}.json").read_text())
    assert all(
        "excluded_by_band" not in g["thresholds"][k]
        for b in published["subgroups"].values()
        for g in b["groups"].values()
    )

    for page, words in (
        ("validation_report.html", "Banded cut-offs"),
        ("validatierapport.html", "Afkappunten per band"),
    ):
        html = (project / "reports" / page).read_text()
        assert words in html and "2-3: \u2265 12 \u00b7 4-11: \u2265 14 \u00b7 12-17: \u2265 16" in html
