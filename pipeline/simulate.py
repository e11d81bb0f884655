"""DVC stage `simulate`: writes the synthetic demo records file (docs/demo-data.md)."""

from pathlib import Path

import numpy as np

from signalering import params, progress
from signalering.simulate import SimulationParams, simulate_chunks

PARAMS = ("simulate",)
OUT = Path("data/demo/records.csv")


def main() -> None:
    p = params.load(PARAMS)
    sim = dict(p["simulate"])
    seed = sim.pop("seed")  # the demo data's own seed, separate from the analysis seed
    OUT.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        for frame in simulate_chunks(SimulationParams(**sim), np.random.default_rng(seed)):
            frame.to_csv(fh, index=False, header=n == 0, lineterminator="\n")
            n += len(frame)
    progress.summary("simulate", f"wrote {OUT} ({n} synthetic records)")


if __name__ == "__main__":
    params.run_stage(main)
