"""DVC stage `simulate`: writes the synthetic demo records file (docs/demo-data.md)."""

from pathlib import Path

import numpy as np

from signalering import params, progress
from signalering.simulate import SimulationParams, simulate_records

PARAMS = ("simulate",)
OUT = Path("data/demo/records.csv")


def main() -> None:
    p = params.load(PARAMS)
    sim = dict(p["simulate"])
    seed = sim.pop("seed")  # the demo data's own seed, separate from the analysis seed
    frame = simulate_records(SimulationParams(**sim), np.random.default_rng(seed))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, lineterminator="\n")
    progress.summary("simulate", f"wrote {OUT} ({len(frame)} synthetic records)")


if __name__ == "__main__":
    params.run_stage(main)
