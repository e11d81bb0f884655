"""DVC stage `simulate`: writes the synthetic demo records file (docs/demo-data.md)."""
from pathlib import Path

import numpy as np

from signalering import params
from signalering.simulate import SimulationParams, simulate_records

PARAMS = ("seed", "simulate")
OUT = Path("data/demo/records.csv")


def main() -> None:
    p = params.load(PARAMS)
    frame = simulate_records(SimulationParams(**p["simulate"]), np.random.default_rng(p["seed"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, lineterminator="\n")


if __name__ == "__main__":
    params.run_stage(main)
