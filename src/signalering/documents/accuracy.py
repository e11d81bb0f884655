"""``accuracy.json`` (docs/contract.md, ``schema_version`` 1), assembled from library results.

Only formatting happens here: every number comes from a statistics function (:mod:`signalering.stats`).
Undefined statistics are ``null`` with a ``reason`` beside them, never NaN.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import check_in, check_open_unit
from ..schema import SCHEMA_VERSION, finite_or_none, interval_dict
from ..stats import accuracy, bootstrap, cutpoints, roc, verification
from ..stats.counts import CountTable
from ..stats.intervals import INTERVAL_METHODS, proportion_ci

_num = finite_or_none


def threshold_entries(
    cells: pd.DataFrame,
    stats: pd.DataFrame,
    prevalences: Sequence[float],
    ci_method: str = "wilson",
    confidence: float = 0.95,
) -> list[dict]:
    """One ``thresholds`` entry per cut-off (see ``accuracy.accuracy_table`` for the inputs); at each
    target prevalence PPV, NPV and the per-1000 counts are intervals (``accuracy.at_prevalence_intervals``)."""
    entries = []
    by_cut = {c: g.set_index("statistic") for c, g in stats.groupby("cutoff", sort=False)}
    for row in cells.itertuples(index=False):
        g = by_cut[row.cutoff]
        entry = {
            "cutoff": float(row.cutoff),
            "tp": int(row.tp),
            "fp": int(row.fp),
            "tn": int(row.tn),
            "fn": int(row.fn),
            "youden": _num(row.youden),
        }
        for stat in accuracy.STATISTICS:
            s = g.loc[stat]
            entry[stat] = interval_dict(s.estimate, s.ci_low, s.ci_high, s.method, s.reason)
        sens, spec = g.loc["sensitivity", "estimate"], g.loc["specificity", "estimate"]
        entry["at_prevalence"] = []
        if prevalences and not (np.isnan(sens) or np.isnan(spec)):
            prev = accuracy.at_prevalence_intervals(
                row.tp, row.fp, row.fn, row.tn, list(prevalences), ci_method=ci_method, confidence=confidence
            )
            for p, rows in prev.groupby("prevalence", sort=False):
                iv = {
                    r.statistic: interval_dict(r.estimate, r.ci_low, r.ci_high, r.method, r.reason)
                    for r in rows.itertuples(index=False)
                }
                entry["at_prevalence"].append(
                    {
                        "prevalence": float(p),
                        "ppv": iv["ppv"],
                        "npv": iv["npv"],
                        "per_1000": {k: iv[f"{k}_per_1000"] for k in ("tp", "fp", "fn", "tn")},
                    }
                )
        elif prevalences:
            entry["at_prevalence_reason"] = "sensitivity or specificity is undefined"
        entries.append(entry)
    return entries


def accuracy_document(
    counts: CountTable,
    cutoffs: Sequence[float] | None = None,
    *,
    prevalences: Sequence[float] = (),
    ci_method: str = "wilson",
    confidence: float = 0.95,
    correction: float = 0.0,
    n_boot: int = 0,
    seed: int | None = 0,
    rng: np.random.Generator | None = None,
    partial_auc_specificity: tuple[float, float] = (0.8, 1.0),
    partial_auc_allow_invalid: bool = False,
    cutpoint_rules: Sequence[cutpoints.CutpointRule] | None = None,
    r_multipliers: Sequence[float] = verification.R_MULTIPLIERS,
) -> dict:
    """``accuracy.json`` for one score (docs/contract.md; added keys in docs/accuracy.md).

    Parameters
    ----------
    counts : CountTable
    cutoffs : sequence of float, optional
        Default: ``counts.default_cutoffs()``.
    prevalences : sequence of float in (0, 1)
        Target prevalences for PPV/NPV and natural frequencies.
    ci_method, confidence : interval for proportions (see ``accuracy.accuracy_table``)
    correction : float
        Added to every cell for LR+, LR- and DOR only when > 0 (0.5 = Haldane-Anscombe).
    n_boot : int
        Stratified bootstrap replicates (0 = none): ``auc_bootstrap``, per-threshold ``bootstrap``,
        partial-AUC and cut-point intervals, Begg-Greenes intervals.
    seed : int, optional
        Seeds ``np.random.default_rng(seed)`` when ``rng`` is not given; recorded in the document.
    partial_auc_specificity : (low, high)
        Specificity range of ``partial_auc``.
    partial_auc_allow_invalid : bool
        Report the McClish-standardised partial AUC also below the chance diagonal (pROC's
        ``allow.invalid.partial.auc.correct = TRUE``); by default it is then null with a reason, and
        bootstrap replicates below the diagonal are left out of its interval (as pROC ignores NA
        replicates) and counted in ``replicates_undefined``.
    cutpoint_rules : sequence of ``cutpoints.CutpointRule``, optional
        Default: Youden, closest-to-(0,1) and minimum expected cost with cost ratio 1 at the
        sample prevalence.
    r_multipliers : sequence of float
        For the verification-bias sensitivity analysis (only with unverified records).
    """
    check_in("ci_method", ci_method, INTERVAL_METHODS, "accuracy_document")
    check_open_unit("confidence", confidence, "accuracy_document")
    # The AUC and the partial AUC first, while nothing else is held: for a continuous score their
    # temporaries of k values are the document's peak memory.
    auc = roc.auc_delong(counts, confidence)
    pauc = roc.partial_auc(counts, partial_auc_specificity, allow_invalid=partial_auc_allow_invalid)
    cells, stats = accuracy.accuracy_table(
        counts, cutoffs, ci_method=ci_method, confidence=confidence, correction=correction
    )
    rules = list(DEFAULT_CUTPOINT_RULES if cutpoint_rules is None else cutpoint_rules)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "n": counts.n_verified + counts.n_unverified_total,
        "n_positive": counts.n_positive,
        "n_negative": counts.n_negative,
        "n_unverified": counts.n_unverified_total,
        "n_missing_score": counts.n_missing_score,
        "direction": counts.direction,
        "confidence": confidence,
        "ci_method": ci_method,
        "correction": float(correction),
        "auc": interval_dict(auc.estimate, auc.ci_low, auc.ci_high, "delong", auc.reason),
        "thresholds": threshold_entries(cells, stats, prevalences, ci_method, confidence),
    }
    doc["optimal"] = optimal_youden(counts, prevalences, ci_method, confidence, correction)
    boot = None
    both = counts.n_positive > 0 and counts.n_negative > 0
    if n_boot:
        n_boot = bootstrap.check_replicates(n_boot, "accuracy_document")
        if rng is None:
            rng = np.random.default_rng(seed)
        rng_acc, rng_ver = rng.spawn(2)
    if n_boot and both:
        boot_cuts = np.concatenate(
            [
                cells["cutoff"].to_numpy(float),
                [doc["optimal"]["cutoff"]] if doc["optimal"].get("cutoff") is not None else [],
            ]
        )
        boot = bootstrap.bootstrap_accuracy(
            counts,
            n_boot,
            rng_acc,
            cutoffs=boot_cuts,
            specificity_range=partial_auc_specificity,
            cutpoint_rules=rules,
            seed=seed,
        )
        doc["bootstrap"] = {
            "replicates": n_boot,
            "seed": seed,
            "interval": "percentile",
            "resampling": "stratified by reference status: multinomial counts over the count "
            "table within reference-positive and reference-negative records",
        }
        lo, hi = bootstrap.percentile_interval(boot.auc, confidence)
        doc["auc_bootstrap"] = {**interval_dict(auc.estimate, lo, hi, BOOT_METHOD), "replicates": n_boot}
        props = boot.proportions()
        for i, entry in enumerate(doc["thresholds"] + [doc["optimal"]] * (len(boot_cuts) > len(cells))):
            entry["bootstrap"] = _boot_props(entry, props, i, confidence)
    elif n_boot:
        doc["bootstrap"] = {
            "replicates": 0,
            "seed": seed,
            "reason": "the bootstrap needs reference-positive and reference-negative records",
        }
    doc["partial_auc"] = _partial_auc_entry(pauc, boot, confidence, partial_auc_allow_invalid)
    doc["cutpoints"] = [cutpoints.cutpoint_summary(counts, rule, boot, confidence) for rule in rules]
    doc["verification_corrected"] = _verification_entry(
        counts,
        cells["cutoff"].to_numpy(float),
        n_boot,
        rng_ver if n_boot else None,
        confidence,
        r_multipliers,
        ci_method,
    )
    return doc


#: The reason of every statistic of a banded table without records: none had a valid band.
NO_BAND_RECORDS = "no verified record has a valid band"


def banded_threshold_entry(
    score,
    cutoffs,
    reference,
    direction: str,
    *,
    banded: dict,
    prevalences: Sequence[float] = (),
    ci_method: str = "wilson",
    confidence: float = 0.95,
    correction: float = 0.0,
) -> dict:
    """The ``thresholds`` entry of a banded cut-off: each record screened at its own band's cut-off.

    Parameters
    ----------
    score : float array (NaN = no score), the raw score
    cutoffs : float array, each record's cut-off (``instruments.assign_band_cutoffs``; NaN = no band)
    reference : 1 / 0 / NaN per record
    direction : "higher" (positive when ``score >= cutoff``) or "lower" (``score <= cutoff``)
    banded : dict
        ``{"name", "column", "bands": [{"band", "cutoff"}, ...]}``, copied into the entry as ``banded``.

    Returns
    -------
    dict
        A threshold entry as :func:`threshold_entries` makes (``tp``, ``fp``, ``tn``, ``fn``, every
        statistic with its interval, ``at_prevalence``) with ``cutoff`` null and ``banded`` set, plus
        ``excluded_by_band`` for disclosure control (never published): the verified, scored records
        without a band, as a 2 x 2 table at each distinct band cut-off.

    Notes
    -----
    ``score >= c_i`` is ``score - c_i >= 0``, exactly also in floating point, so the entry is the
    usual accuracy table (``accuracy.accuracy_table``) of the margin ``score - cutoff`` at 0: the
    per-record rule is a binary test like any other (sensitivity, specificity, PPV, NPV, likelihood
    ratios, intervals; STARD 2015 item 12a). Records without a band (NaN cut-off) are left out like
    records without a score. ROC and AUC are not affected: they stay on the raw score.
    """
    s = np.asarray(score, dtype=float)
    c = np.asarray(cutoffs, dtype=float)
    r = np.asarray(reference, dtype=float)
    counts = CountTable.from_scores(s - c, r, direction)
    cells, stats = accuracy.accuracy_table(
        counts, [0.0], ci_method=ci_method, confidence=confidence, correction=correction
    )
    entry = threshold_entries(cells, stats, prevalences, ci_method, confidence)[0]
    if int(cells[["tp", "fp", "fn", "tn"]].to_numpy().sum()) == 0:  # say why, not "no positives"
        for stat in accuracy.STATISTICS:
            if isinstance(entry.get(stat), dict) and entry[stat].get("estimate") is None:
                entry[stat]["reason"] = NO_BAND_RECORDS
    entry["cutoff"] = None
    entry["banded"] = {
        "name": banded["name"],
        "column": banded["column"],
        "bands": [{"band": b["band"], "cutoff": float(b["cutoff"])} for b in banded["bands"]],
    }
    out = ~np.isnan(s) & ~np.isnan(r) & np.isnan(c)
    values = list(dict.fromkeys(float(b["cutoff"]) for b in banded["bands"]))
    at = CountTable.from_scores(s[out], r[out], direction).cells_at(values)
    entry["excluded_by_band"] = [
        {"cutoff": value, **{k: int(at[k][i]) for k in ("tp", "fp", "fn", "tn")}} for i, value in enumerate(values)
    ]
    return entry


BOOT_METHOD = "bootstrap-percentile"
DEFAULT_CUTPOINT_RULES = (
    cutpoints.CutpointRule("youden"),
    cutpoints.CutpointRule("closest_to_01"),
    cutpoints.CutpointRule("min_cost", cost_ratio=1.0),
)


def _boot_props(entry: dict, props: dict, i: int, confidence: float) -> dict:
    """Percentile intervals for sensitivity, specificity, PPV and NPV at one cut-off."""
    out = {}
    for stat in ("sensitivity", "specificity", "ppv", "npv"):
        values = props[stat][:, i]
        undefined = int(np.isnan(values).sum())
        lo, hi = bootstrap.percentile_interval(values, confidence)
        est = entry[stat]["estimate"]
        reason = entry[stat].get("reason")
        d = interval_dict(est, lo, hi, BOOT_METHOD, reason)
        if undefined:
            d["replicates_undefined"] = undefined
        out[stat] = d
    return out


def _partial_auc_entry(pauc: roc.PartialAucResult, boot, confidence: float, allow_invalid: bool = False) -> dict:
    """``partial_auc``: raw area and McClish-standardised, bootstrap intervals when available."""
    out = {"focus": "specificity", "specificity_low": pauc.specificity_low, "specificity_high": pauc.specificity_high}
    if pauc.estimate is None:
        out["partial_auc"] = interval_dict(None, None, None, "trapezoid", pauc.reason)
        out["standardised"] = interval_dict(None, None, None, "mcclish", pauc.reason)
        return out
    if boot is not None and boot.partial_auc is not None:
        fpr_low, fpr_high = 1.0 - pauc.specificity_high, 1.0 - pauc.specificity_low
        std = roc.mcclish(boot.partial_auc, fpr_low, fpr_high, allow_invalid)
        lo, hi = bootstrap.percentile_interval(boot.partial_auc, confidence)
        slo, shi = bootstrap.percentile_interval(std, confidence)
        out["partial_auc"] = interval_dict(pauc.estimate, lo, hi, BOOT_METHOD)
        out["standardised"] = interval_dict(pauc.standardised, slo, shi, BOOT_METHOD, pauc.standardised_reason)
        undefined = int(np.isnan(std).sum())
        if undefined and pauc.standardised is not None:
            out["standardised"]["replicates_undefined"] = undefined
    else:
        why = "interval by bootstrap only (give a number of bootstrap replicates)"
        out["partial_auc"] = interval_dict(pauc.estimate, None, None, "trapezoid", why)
        out["standardised"] = interval_dict(pauc.standardised, None, None, "mcclish", pauc.standardised_reason or why)
    return out


def _verification_entry(
    counts: CountTable,
    cut: np.ndarray,
    n_boot: int,
    rng,
    confidence: float,
    r_multipliers: Sequence[float],
    ci_method: str,
) -> dict:
    """``verification_corrected``: naive and Begg-Greenes corrected sens/spec per cut-off."""
    out = {
        "method": "begg-greenes",
        "assumption": "verification missing at random given the screen result at the cut-off",
        "n_unverified": counts.n_unverified_total,
    }
    if counts.n_unverified_total == 0:
        out["thresholds"] = []
        out["reason"] = "no unverified records: the naive estimates need no correction for partial verification"
        return out
    table = verification.begg_greenes(counts, cut)
    sa = verification.sensitivity_analysis(counts, cut, list(r_multipliers))
    ci = verification.bootstrap_begg_greenes(counts, cut, n_boot, rng, confidence) if n_boot else None
    entries = []
    for i, row in enumerate(table.itertuples(index=False)):
        naive = {}
        for stat, x, m in (("sensitivity", row.tp, row.tp + row.fn), ("specificity", row.tn, row.tn + row.fp)):
            est, lo, hi = proportion_ci(x, m, ci_method, confidence)
            naive[stat] = interval_dict(
                est[0], lo[0], hi[0], ci_method, None if m > 0 else accuracy.PROPORTIONS[stat][2]
            )
        corrected = {}
        for stat in ("sensitivity", "specificity"):
            est = getattr(row, f"{stat}_corrected")
            if ci is not None:
                corrected[stat] = interval_dict(
                    est,
                    ci[f"{stat}_ci_low"].iloc[i],
                    ci[f"{stat}_ci_high"].iloc[i],
                    "bootstrap-percentile (screened and verified resampled within screen strata)",
                    None if not np.isnan(est) else "no verified record in a screen stratum",
                )
            else:
                corrected[stat] = interval_dict(
                    est,
                    None,
                    None,
                    "begg-greenes",
                    "no verified record in a screen stratum"
                    if np.isnan(est)
                    else "interval by bootstrap only (give a number of bootstrap replicates)",
                )
        rows = sa[sa.cutoff == row.cutoff]
        entries.append(
            {
                "cutoff": float(row.cutoff),
                "n_screen_positive": int(row.tp + row.fp + row.n_unverified_screen_positive),
                "n_screen_negative": int(row.fn + row.tn + row.n_unverified_screen_negative),
                "n_unverified_screen_positive": int(row.n_unverified_screen_positive),
                "n_unverified_screen_negative": int(row.n_unverified_screen_negative),
                "naive": {**naive, "note": "verified records only"},
                "corrected": {
                    **corrected,
                    "prevalence": _num(row.prevalence_corrected),
                    "note": "Begg-Greenes: all screened records, missing at random given the screen result",
                },
                "sensitivity_analysis": [
                    {
                        "r": float(r.r),
                        "sensitivity": _num(r.sensitivity),
                        "specificity": _num(r.specificity),
                        "prevalence": _num(r.prevalence),
                    }
                    for r in rows.itertuples(index=False)
                ],
            }
        )
    out["sensitivity_analysis_note"] = (
        "reference-positive rate among unverified screen-negatives = r x the rate "
        "among verified screen-negatives; r = 1 is Begg-Greenes"
    )
    out["thresholds"] = entries
    return out


def optimal_youden(
    counts: CountTable, prevalences: Sequence[float], ci_method: str, confidence: float, correction: float = 0.0
) -> dict:
    """The observed score that maximises Youden's J (ties: the stricter cut-off), with its accuracy.

    A data-driven cut-off is optimistic (exploratory, STARD 12a); ``cutpoints`` has the other rules,
    the bootstrap distribution of the choice and the optimism-corrected sensitivity/specificity.
    """
    if counts.n_positive == 0 or counts.n_negative == 0:
        return {"method": "youden", "cutoff": None, "reason": "needs reference-positive and -negative records"}
    best = cutpoints.choose_cutpoint(counts, cutpoints.CutpointRule("youden")).cutoff
    c2, s2 = accuracy.accuracy_table(counts, [best], ci_method=ci_method, confidence=confidence, correction=correction)
    return {
        "method": "youden",
        "prespecified": False,
        **threshold_entries(c2, s2, prevalences, ci_method, confidence)[0],
    }
