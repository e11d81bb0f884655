"""DVC stage `score`: scores every configured instrument specification on the analysed records."""
from pathlib import Path

import pandas as pd

from signalering import io, params, progress
from signalering.instruments import load_specs, score_records

PARAMS = ("data", "score")
INTERIM = Path("data/interim")


def main() -> None:
    p = params.load(PARAMS)
    data = p["data"]
    records = pd.read_parquet(INTERIM / "records.parquet")
    specs = load_specs(p["score"]["instruments"])
    id_column = data.get("id_column", "record_id")
    result = score_records(specs, records, file=str(INTERIM / "records.parquet"), id_column=id_column)
    keep = [id_column, data["reference"], *(data.get("subgroups") or [])]
    scores = records[keep].merge(result.scores, on=keep[0], how="left", validate="one_to_one")
    scores.to_parquet(INTERIM / "scores.parquet", index=False)
    missing = result.missing.groupby(["instrument", "reason"]).size()
    io.write_json(INTERIM / "score_flow.json", {
        "schema_version": 1,
        "instruments": {s.id: {"scored": int(scores[s.id].notna().sum()),
                               "missing_score": {r: int(n) for (i, r), n in missing.items() if i == s.id}}
                        for s in specs}})
    io.write_json(INTERIM / "instruments.json", {"schema_version": 1, "instruments": [
        {"id": s.id, "name": s.name, "version": s.version, "kind": s.kind,
         "probability": s.is_probability, "direction": s.direction,
         "cutoffs": [{"name": c.name, "value": c.value, "prespecified": c.prespecified} for c in s.cutoffs],
         "references": list(s.references), "source_file": Path(s.source_file).name}
        for s in specs]})
    progress.summary("score", f"wrote {INTERIM / 'scores.parquet'} ({len(specs)} instruments), "
                              f"score_flow.json and instruments.json")


if __name__ == "__main__":
    params.run_stage(main)
