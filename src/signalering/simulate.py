"""Seeded simulator of a realistic, synthetic, anonymised JGZ screening records file.

The generating model (documented for users who want to simulate their own planned study):

1. Reference standard ``D ~ Bernoulli(prevalence)``. A fraction ``unverified`` of records get an
   empty reference (not investigated); by default that happens only among records whose checklist is
   below its cut-off (partial verification depends on the screen), with the rate ``unverified``.
2. Two latent family traits, each standard normal plus an effect of D:
   ``family_risk = effect_risk * D + N(0, 1)`` (drives the risk checklist, signals, category and the
   risk model) and ``child_difficulty = effect_sdq * D + 0.4 * family_risk + N(0, 1)`` (drives SDQ).
   For a normal trait with unit variance and shift d, the AUC of the trait itself is Phi(d / sqrt 2);
   items add measurement noise, so instrument AUCs come out moderate (about 0.65-0.85).
3. SDQ items (0/1/2): an ordinal response from the item's loading on ``child_difficulty`` (emotional and
   peer items load less than conduct/hyperactivity); prosocial items load negatively; reverse-scored
   items (7, 11, 14, 21, 25) are stored as answered (reversed). Each item is missing with probability
   ``sdq_missing``.
4. Risk checklist ``rc_01..rc_11``: yes/no with P(yes) = logistic(base_i + load_i * family_risk).
   Signal list ``sig_1..sig_6``: rare yes/no signals, same model with lower base rates.
   ``risk_category``: low / medium / high from cut points on ``family_risk`` plus noise.
   ``risk_probability``: a logistic prediction model that is somewhat over-confident (true
   calibration slope about 0.8).
5. Parental sensitivity (1-9, low = concern) observed for a subsample (``observed_fraction``):
   ``true = 5.5 - effect_sensitivity * D - 0.5 * family_risk + N(0, 1.2)``; each rater adds a
   rater-specific bias and N(0, rater_noise), rounded and clipped to 1..9. A second rater for
   ``double_coded_fraction`` of the observed records, a third for a few; a consensus rating where two
   raters rated.
6. Data-entry faults, so the demo shows the quarantine: a fraction ``invalid_fraction`` of records get
   one fault (an SDQ answer outside 0/1/2, an unknown sex code, a reference label that is not 1/0,
   or a duplicated record_id).
7. Subgroups: child sex, age band, parent education (education shifts family_risk slightly) and
   site (eight sites, the last one small so that disclosure control has something to do).
8. Age and follow-up (drawn from their own random stream, :func:`substream` ``"followup"``, so every
   column above is the same as without them): ``age_years`` uniform over the whole years of the
   record's ``age_band``; ``followup_days``, the interval from screening to the reference event, for a
   reference-positive record the day of the event, ``floor(1095 * Beta(1.2, 2))`` (events spread over
   three years, most in the first), for a reference-negative one the end of its follow-up, uniform
   over 365 ... 1461 days (one to four years); empty where the reference is empty (not verified).
   With a window of W days (``data.followup.window_days``) a positive whose event came after W counts
   as negative, and a negative followed for less than W as not verified (docs/input-files.md).
9. The professional's judgement (``judgement``): the nurse's or doctor's own level of concern, 0 (none)
   to 3 (serious), recorded before the instruments are scored. A latent
   ``concern = 0.9 * D + 0.35 * family_risk + N(0, 1)`` cut at 1.0, 1.8 and 2.5 (so about one record in
   five shows some concern); empty for 2% of records (not recorded). It is correlated with the truth
   and moderately with the instruments (through ``family_risk``), and drawn from its own random stream
   (:func:`substream` ``"judgement"``), so adding it changed no other column of the demo data.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

SDQ_SCALE = {  # item number -> scale (official SDQ order)
    1: "prosocial",
    2: "hyper",
    3: "emotion",
    4: "prosocial",
    5: "conduct",
    6: "peer",
    7: "conduct",
    8: "emotion",
    9: "prosocial",
    10: "hyper",
    11: "peer",
    12: "conduct",
    13: "emotion",
    14: "peer",
    15: "hyper",
    16: "emotion",
    17: "prosocial",
    18: "conduct",
    19: "peer",
    20: "prosocial",
    21: "hyper",
    22: "conduct",
    23: "peer",
    24: "emotion",
    25: "hyper",
}
SDQ_REVERSED = (7, 11, 14, 21, 25)
_SDQ_LOAD = {"emotion": 0.8, "conduct": 1.1, "hyper": 1.0, "peer": 0.7, "prosocial": -0.7}
_SDQ_BASE = {"emotion": -1.2, "conduct": -1.4, "hyper": -0.6, "peer": -1.6, "prosocial": 1.6}
_RC_BASE = np.array([-2.2, -2.5, -1.8, -2.8, -3.0, -2.0, -2.6, -3.2, -2.4, -2.9, -3.4])
_RC_LOAD = np.array([0.9, 1.0, 0.6, 1.1, 0.8, 0.5, 0.9, 1.2, 0.7, 0.3, 1.3])
_SIG_BASE = np.array([-5.0, -4.6, -5.4, -4.8, -5.2, -4.3])
_SIG_LOAD = np.array([1.7, 1.5, 1.9, 1.6, 1.8, 1.4])


@dataclass(frozen=True, slots=True)
class SimulationParams:
    """Parameters of the demo data (``params.yaml`` group ``simulate``)."""

    n_records: int = 20_000
    prevalence: float = 0.04
    effect_risk: float = 1.1
    effect_sdq: float = 0.9
    effect_sensitivity: float = 1.3
    unverified: float = 0.05
    sdq_missing: float = 0.02
    observed_fraction: float = 0.15
    double_coded_fraction: float = 0.4
    rater_noise: float = 0.9
    n_sites: int = 8
    invalid_fraction: float = 0.002


CHUNK_ROWS = 1_000_000  # records simulated at once: a national-size demo file in bounded memory


def simulate_chunks(p: SimulationParams, rng: np.random.Generator, chunk_rows: int = CHUNK_ROWS):
    """The records of :func:`simulate_records` in frames of at most ``chunk_rows`` (memory is bounded
    by the chunk, not the file).

    Up to ``chunk_rows`` records this yields exactly ``simulate_records(p, rng)``. Beyond, chunk ``i``
    is simulated with its own stream (``substream(rng, "chunk-i")``) from the same model, and its
    record ids are renumbered ``R`` + the chunk (3 hex digits) + a shuffled number (7 hex digits), so
    ids are unique across chunks while an injected duplicate id stays a duplicate within its chunk.
    """
    if p.n_records <= chunk_rows:
        yield simulate_records(p, rng)
        return
    for i, start in enumerate(range(0, p.n_records, chunk_rows)):
        size = min(chunk_rows, p.n_records - start)
        stream = substream(rng, f"chunk-{i}")
        frame = simulate_records(replace(p, n_records=size), stream)
        codes, uniques = pd.factorize(frame["record_id"])
        number = stream.permutation(len(uniques))
        frame["record_id"] = np.array([f"R{i:03x}{v:07x}" for v in number])[codes]
        yield frame


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def simulate_records(p: SimulationParams, rng: np.random.Generator) -> pd.DataFrame:
    """Simulate ``p.n_records`` screening records (see the module docstring for the model)."""
    n = p.n_records
    d = rng.random(n) < p.prevalence
    edu = rng.choice(np.array(["low", "middle", "high"]), size=n, p=[0.25, 0.45, 0.30])
    edu_shift = np.select([edu == "low", edu == "high"], [0.25, -0.15], 0.0)
    family_risk = p.effect_risk * d + edu_shift + rng.standard_normal(n)
    difficulty = p.effect_sdq * d + 0.4 * family_risk + rng.standard_normal(n)

    site_w = np.r_[np.full(p.n_sites - 1, 1.0), 0.02]
    site_w /= site_w.sum()
    out = {
        "record_id": [f"R{v:010x}" for v in rng.choice(16**10, size=n, replace=False)],
        "child_sex": rng.choice(np.array(["m", "f"]), size=n),
        "age_band": rng.choice(np.array(["0-1", "2-3", "4-11", "12-17"]), size=n, p=[0.35, 0.25, 0.28, 0.12]),
        "parent_education": edu,
        "site": rng.choice(np.array([f"site{i + 1:02d}" for i in range(p.n_sites)]), size=n, p=site_w),
    }
    # SDQ items: ordinal logistic response 0/1/2 on the item's linear predictor.
    for item, scale in SDQ_SCALE.items():
        eta = _SDQ_BASE[scale] + _SDQ_LOAD[scale] * difficulty + 0.6 * rng.standard_normal(n)
        resp = (eta > 0).astype(float) + (eta > 1.6).astype(float)
        if item in SDQ_REVERSED:
            resp = 2 - resp
        resp[rng.random(n) < p.sdq_missing] = np.nan
        out[f"sdq_{item:02d}"] = resp
    for i in range(len(_RC_BASE)):
        out[f"rc_{i + 1:02d}"] = (rng.random(n) < _logistic(_RC_BASE[i] + _RC_LOAD[i] * family_risk)).astype(int)
    for i in range(len(_SIG_BASE)):
        out[f"sig_{i + 1}"] = (rng.random(n) < _logistic(_SIG_BASE[i] + _SIG_LOAD[i] * family_risk)).astype(int)
    noisy = family_risk + 0.9 * rng.standard_normal(n)
    out["risk_category"] = np.select([noisy > 1.8, noisy > 0.8], ["high", "medium"], "low")
    # Risk model: linear predictor on the logit scale, over-confident (slope 1/0.8).
    lp = np.log(p.prevalence / (1 - p.prevalence)) - 0.5 + (0.9 * family_risk + 0.15 * rng.standard_normal(n)) / 0.8
    out["risk_probability"] = np.round(_logistic(lp), 6)

    observed = rng.random(n) < p.observed_fraction
    true_sens = 5.5 - p.effect_sensitivity * d - 0.5 * family_risk + 1.2 * rng.standard_normal(n)
    raters = np.array([f"RT{i:02d}" for i in range(1, 7)])
    bias = dict(zip(raters, [0.0, 0.4, -0.3, 0.2, -0.5, 0.3]))
    n_raters = np.where(
        observed, 1 + (rng.random(n) < p.double_coded_fraction) + (rng.random(n) < p.double_coded_fraction * 0.15), 0
    )
    perm = np.argsort(rng.random((n, len(raters))), axis=1)[:, :3]
    chosen = raters[perm]
    ratings = []
    for k in range(3):
        b = np.vectorize(bias.get)(chosen[:, k])
        r = np.clip(np.rint(true_sens + b + p.rater_noise * rng.standard_normal(n)), 1, 9)
        has = n_raters > k
        out[f"sens_r{k + 1}"] = np.where(has, r, np.nan)
        out[f"rater{k + 1}_id"] = np.where(has, chosen[:, k], None)
        ratings.append(np.where(has, r, np.nan))
    two = n_raters >= 2
    out["sens_consensus"] = np.where(two, np.clip(np.rint(true_sens + 0.5 * rng.standard_normal(n)), 1, 9), np.nan)

    ref = d.astype(float)
    screen_neg = (out["rc_01"] + out["rc_02"] + out["rc_03"] + out["rc_04"] + out["rc_05"]) < 2
    ref[screen_neg & (rng.random(n) < p.unverified)] = np.nan
    out["reference"] = ref
    out.update(age_and_followup(out["age_band"], d, np.isnan(ref), substream(rng, "followup")))
    out["judgement"] = simulate_judgement(d, family_risk, substream(rng, "judgement"))
    frame = pd.DataFrame(out)
    frame = _inject_faults(frame, p.invalid_fraction, rng)
    cols = ["record_id", "reference", "child_sex", "age_band", "parent_education", "site"]
    return frame[cols + [c for c in frame.columns if c not in cols]]


_AGE_BANDS = {"0-1": (0, 1), "2-3": (2, 3), "4-11": (4, 11), "12-17": (12, 17)}  # whole years, inclusive


def substream(rng: np.random.Generator, name: str) -> np.random.Generator:
    """An independent random stream keyed by ``name``, from the seed of ``rng`` (not from its state).

    Drawing from it leaves ``rng`` untouched, so columns added to the demo data from their own stream
    change none of the columns drawn before (``SeedSequence`` with the CRC-32 of ``name`` appended to
    the spawn key: the documented way to get independent child streams).
    """
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError("substream needs a generator made by np.random.default_rng(seed)")
    return np.random.default_rng(
        np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, zlib.crc32(name.encode("utf-8"))))
    )


def age_and_followup(
    age_band: np.ndarray, d: np.ndarray, unverified: np.ndarray, rng: np.random.Generator
) -> dict[str, object]:
    """``age_years`` and ``followup_days`` (point 8 of the module docstring) from their own stream.

    Every draw is made for every record (then selected), so the values do not depend on the masks.
    """
    n = len(d)
    bands = np.asarray(age_band)
    lo = np.select([bands == b for b in _AGE_BANDS], [v[0] for v in _AGE_BANDS.values()], 0)
    hi = np.select([bands == b for b in _AGE_BANDS], [v[1] for v in _AGE_BANDS.values()], 0)
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    event = np.floor(1095 * rng.beta(1.2, 2.0, size=n)).astype(int)
    end = rng.integers(365, 1461, size=n, endpoint=True)
    days = pd.array(np.where(d, event, end), dtype="Int64")
    days[np.asarray(unverified, dtype=bool)] = pd.NA
    return {"age_years": age, "followup_days": days}


JUDGEMENT_CUTS = (1.0, 1.8, 2.5)  # latent concern -> levels 0 | 1 | 2 | 3


def simulate_judgement(d: np.ndarray, family_risk: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The professional's level of concern 0-3 (float, NaN = not recorded); model: module docstring, point 9."""
    n = d.size
    concern = 0.9 * d + 0.35 * family_risk + rng.standard_normal(n)
    level = np.searchsorted(np.asarray(JUDGEMENT_CUTS), concern, side="right").astype(float)
    level[rng.random(n) < 0.02] = np.nan
    return level


def _inject_faults(frame: pd.DataFrame, fraction: float, rng: np.random.Generator) -> pd.DataFrame:
    """Give a few records one data-entry fault each (see the module docstring, point 6)."""
    rows = np.flatnonzero(rng.random(len(frame)) < fraction)
    kinds = rng.integers(0, 4, size=len(rows))
    frame = frame.astype({"child_sex": object, "reference": object, "sdq_03": object})
    for row, kind in zip(rows, kinds):
        if kind == 0:
            frame.iat[row, frame.columns.get_loc("sdq_03")] = 3
        elif kind == 1:
            frame.iat[row, frame.columns.get_loc("child_sex")] = "x"
        elif kind == 2:
            frame.iat[row, frame.columns.get_loc("reference")] = "unknown"
        elif row > 0:
            frame.iat[row, 0] = frame.iat[row - 1, 0]
    return frame
