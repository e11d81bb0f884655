"""``comparison.json`` (two scores on the same records) and ``judgement.json`` (an instrument against and
added to the professional's judgement), assembled from :mod:`signalering.stats.compare` and
:mod:`signalering.stats.comparator`."""

from __future__ import annotations

import numpy as np

from ..errors import UsageError, check_in, check_open_unit
from ..schema import SCHEMA_VERSION, finite_or_none, interval_dict
from ..stats.calibration import cross_validated_logistic
from ..stats.comparator import CELL_NAMES, judgement_rules, net_benefit_difference, per_1000_added
from ..stats.compare import (
    MCNEMAR_METHODS,
    PROPORTION_MASKS,
    delong_paired,
    mcnemar_test,
    net_reclassification,
    paired_cells,
    paired_contrast,
    paired_records,
)
from ..stats.counts import DIRECTIONS
from ..stats.intervals import proportion_ci


def _iv(res: dict, method: str) -> dict:
    return interval_dict(res["estimate"], res["ci_low"], res["ci_high"], method, res.get("reason"))


def _contrast_entry(res: dict, method: str) -> dict:
    d = _iv(res, method)
    d["se"] = None if np.isnan(res["se"]) else float(res["se"])
    d["p_value"] = None if np.isnan(res["p_value"]) else float(res["p_value"])
    return d


def comparison_document(
    score_a,
    score_b,
    reference,
    *,
    name_a: str = "a",
    name_b: str = "b",
    direction_a: str = "higher",
    direction_b: str = "higher",
    cutoff_a: float | np.ndarray | None = None,
    cutoff_b: float | np.ndarray | None = None,
    mcnemar: str = "exact",
    ci_method: str = "wilson",
    confidence: float = 0.95,
    banded_a: str | None = None,
    banded_b: str | None = None,
) -> dict:
    """``comparison.json`` (docs/contract.md) for two scores on the same records.

    A cut-off may be one number or, for a banded cut-off (``banded_a`` / ``banded_b`` its name), one
    cut-off per record (NaN = no band): a record then screens positive at its own cut-off, and the
    paired 2 x 2 x 2 table, McNemar tests and NRI use only records with a band for both screens;
    the DeLong comparison stays on the raw scores and all records.

    Contract keys: ``n``, ``auc_a``, ``auc_b``, ``delong`` {difference, ci_low, ci_high, z, p_value} and,
    when both cut-offs are given, ``at_cutoffs`` with ``sensitivity`` and ``specificity`` each {a, b,
    mcnemar_p, ratio}. Added: names, directions, counts of excluded records, the DeLong variance and
    correlation, intervals of a and b, paired differences, McNemar details, PPV and NPV (difference
    and ratio), the cell counts and the net reclassification (see ``net_reclassification``).
    """
    check_in("mcnemar", mcnemar, MCNEMAR_METHODS, "comparison_document")
    if (cutoff_a is None) != (cutoff_b is None):
        raise UsageError("Give both cut-offs (cutoff_a and cutoff_b) or neither.")
    dl = delong_paired(score_a, score_b, reference, direction_a, direction_b, confidence)
    rec = paired_records(score_a, score_b, reference)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "score_a": name_a,
        "score_b": name_b,
        "direction_a": direction_a,
        "direction_b": direction_b,
        "confidence": confidence,
        "n": dl.n,
        "n_positive": dl.n_positive,
        "n_negative": dl.n_negative,
        "n_excluded": {"missing_score": rec["n_missing_score"], "unverified": rec["n_unverified"]},
        "auc_a": interval_dict(dl.auc_a.estimate, dl.auc_a.ci_low, dl.auc_a.ci_high, "delong", dl.auc_a.reason),
        "auc_b": interval_dict(dl.auc_b.estimate, dl.auc_b.ci_low, dl.auc_b.ci_high, "delong", dl.auc_b.reason),
        "delong": dl.to_dict(),
    }
    if cutoff_a is not None:
        # per-record cut-offs: score >= c_i is (score - c_i) >= 0; no band (NaN) drops the record
        sa, ca = _screen_at(score_a, cutoff_a, banded_a, "a")
        sb, cb = _screen_at(score_b, cutoff_b, banded_b, "b")
        doc["at_cutoffs"] = at_cutoffs_entry(
            paired_cells(sa, sb, reference, ca, cb, direction_a, direction_b),
            None if banded_a else cutoff_a,
            None if banded_b else cutoff_b,
            mcnemar=mcnemar,
            ci_method=ci_method,
            confidence=confidence,
        )
        for v, name in (("a", banded_a), ("b", banded_b)):
            if name:
                doc["at_cutoffs"][f"banded_{v}"] = name
    return doc


def _screen_at(score, cutoff, banded: str | None, which: str) -> tuple[np.ndarray, float]:
    """The score and cut-off ``paired_cells`` compares: as given, or for a banded cut-off the margin
    ``score - cutoff_i`` at 0."""
    if banded is None:
        if np.ndim(cutoff) != 0:
            raise UsageError(f"cutoff_{which} is one number per record: name the banded cut-off (banded_{which}).")
        return np.asarray(score, dtype=float), float(cutoff)
    c = np.asarray(cutoff, dtype=float)
    s = np.asarray(score, dtype=float)
    if c.shape != s.shape:
        raise UsageError(f"A banded cutoff_{which} needs one cut-off per record ({s.shape[0]}); got shape {c.shape}.")
    return s - c, 0.0


def at_cutoffs_entry(
    cells,
    cutoff_a: float | None,
    cutoff_b: float | None,
    *,
    mcnemar: str = "exact",
    ci_method: str = "wilson",
    confidence: float = 0.95,
) -> dict:
    """The ``at_cutoffs`` object of ``comparison.json`` from a ``paired_cells`` table."""
    x = np.asarray(cells, dtype=np.int64).reshape(2, 2, 2)
    entry = {
        "cutoff_a": None if cutoff_a is None else float(cutoff_a),
        "cutoff_b": None if cutoff_b is None else float(cutoff_b),
        "mcnemar_method": mcnemar,
        "cells": {
            stratum: {
                "both": int(x[d, 1, 1]),
                "a_only": int(x[d, 1, 0]),
                "b_only": int(x[d, 0, 1]),
                "neither": int(x[d, 0, 0]),
            }
            for d, stratum in ((1, "positive"), (0, "negative"))
        },
    }
    flat = x.ravel().astype(float)
    for stat, (masks, reason) in PROPORTION_MASKS.items():
        e = {}
        for v in ("a", "b"):
            num, den = masks[v]
            est, lo, hi = proportion_ci(num @ flat, den @ flat, ci_method, confidence)
            e[v] = None if np.isnan(est[0]) else float(est[0])
            if e[v] is None:
                e[f"{v}_reason"] = reason
            e[f"{v}_interval"] = interval_dict(est[0], lo[0], hi[0], ci_method, None if den @ flat else reason)
        e["difference"] = _contrast_entry(paired_contrast(x, stat, "difference", confidence), "wald-delta-paired")
        e["ratio"] = _contrast_entry(paired_contrast(x, stat, "ratio", confidence), "log-delta-paired")
        if stat in ("sensitivity", "specificity"):
            d = 1 if stat == "sensitivity" else 0
            # Discordant pairs: A-only / B-only positive for sensitivity; for specificity A-only /
            # B-only *negative* (= correct), i.e. cells[0, 0, 1] and cells[0, 1, 0].
            only_a = int(x[d, 1, 0]) if d == 1 else int(x[d, 0, 1])
            only_b = int(x[d, 0, 1]) if d == 1 else int(x[d, 1, 0])
            stat_v, p = mcnemar_test(only_a, only_b, mcnemar)
            e["mcnemar_p"] = None if np.isnan(p[0]) else float(p[0])
            e["mcnemar"] = {
                "method": mcnemar,
                "correct_a_only": only_a,
                "correct_b_only": only_b,
                "statistic": None if np.isnan(stat_v[0]) else float(stat_v[0]),
                "p_value": e["mcnemar_p"],
            }
            if np.isnan(p[0]):
                e["mcnemar"]["reason"] = e["mcnemar_p_reason"] = "no discordant records"
        entry[stat] = e
    nri = net_reclassification(x, confidence)
    entry["nri"] = {
        "from": "b",
        "to": "a",
        **{k: _iv(nri[k], "wald-delta-paired") for k in ("events", "nonevents", "total")},
        **{k: nri[k] for k in ("events_up", "events_down", "nonevents_up", "nonevents_down")},
    }
    return entry


def judgement_document(
    judgement,
    score,
    reference,
    *,
    positive_from: float,
    cutoff: float | np.ndarray | None,
    direction: str = "higher",
    banded: str | None = None,
    instrument: str = "instrument",
    judgement_column: str = "judgement",
    prevalence: float | None = None,
    thresholds=(0.05, 0.1),
    folds=10,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    mcnemar: str = "exact",
    ci_method: str = "wilson",
    confidence: float = 0.95,
) -> dict:
    """``judgement/<instrument>.json``: the instrument against and added to the professional's judgement.

    Parameters
    ----------
    judgement, score, reference : array-like of float (NaN = missing / not verified)
    positive_from : float          Judgement level counted as positive (yes/no: 1).
    cutoff : float, array or None  The instrument's cut-off; None leaves out the rules that need one.
        For a banded cut-off (``banded`` its name), each record's own cut-off (NaN: the record has no
        valid band and is left out, counted in ``n_excluded.no_band``).
    direction : {"higher", "lower"}
    instrument, judgement_column : str     Names written into the document.
    prevalence : float or None     Target prevalence of the per-1000 line (None: no line).
    thresholds : sequence of float in (0, 1)
        Threshold probabilities of the net benefit; the first is also the combination's cut-off.
    folds : int, or array-like of int
        Folds of the cross-validated combination, or each record's fold (as
        :func:`signalering.stats.calibration.cross_validated_logistic`; all records, before any is left out).
    n_boot : int                   Bootstrap replicates of the net-benefit differences.
    seed : int or numpy.random.Generator    The folds first, then the bootstrap, from one stream.
    mcnemar, ci_method, confidence : as in :func:`comparison_document`.

    Returns
    -------
    dict with the records used (``n``, ``n_positive``, ``n_negative``, ``n_excluded``), ``rules`` (the
    definitions), ``versus_judgement`` (one ``comparison.json`` per rule, A = the rule, B = the
    judgement: DeLong, McNemar, differences, NRI from the judgement to the rule), ``combination`` (the
    fit), ``net_benefit`` (per threshold: each strategy's net benefit and its difference from the
    judgement's, with bootstrap interval and the paired cells) and ``per_1000`` (the 'either' rule
    against the judgement at ``prevalence``). An undefined part is null with a ``reason``.
    """
    where = "judgement_document"
    check_in("direction", direction, DIRECTIONS, where)
    check_open_unit("confidence", confidence, where)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    j = np.asarray(judgement, dtype=float)
    s = np.asarray(score, dtype=float)
    r = np.asarray(reference, dtype=float)
    if not (j.ndim == 1 and j.shape == s.shape == r.shape):
        raise UsageError(
            f"The 'judgement', 'score' and 'reference' parameters of {where} must be 1-d arrays of the same length."
        )
    if np.any(~np.isnan(r) & (r != 0) & (r != 1)):
        raise UsageError(f"The 'reference' parameter of {where} must hold 1, 0 or missing values.")
    th = np.atleast_1d(np.asarray(thresholds, dtype=float))
    given = not isinstance(folds, (int, np.integer))
    if given and np.shape(folds) != j.shape:
        raise UsageError(f"The 'folds' parameter of {where} must be a number of folds or one fold per record.")
    k_folds = int(np.max(folds)) + 1 if given else folds
    own = None if banded is None or cutoff is None else np.asarray(cutoff, dtype=float)
    if own is not None and own.shape != s.shape:
        raise UsageError(f"The 'cutoff' parameter of {where} must give one cut-off per record for a banded cut-off.")
    no_band = np.zeros(s.shape, bool) if own is None else np.isnan(own)
    no_j, no_s = np.isnan(j), np.isnan(s)
    use = ~no_j & ~no_s & ~no_band & ~np.isnan(r)
    j, s, r = j[use], s[use], r[use]
    if own is not None:
        cutoff = own[use]
    doc = {
        "schema_version": SCHEMA_VERSION,
        "instrument": instrument,
        "judgement_column": judgement_column,
        "positive_from": float(positive_from),
        "cutoff": None if cutoff is None or own is not None else float(cutoff),
        "banded": banded if own is not None else None,
        "direction": direction,
        "confidence": confidence,
        "n": int(use.sum()),
        "n_positive": int((r == 1).sum()),
        "n_negative": int((r == 0).sum()),
        "n_excluded": {
            "missing_judgement": int(no_j.sum()),
            "missing_score": int((~no_j & no_s).sum()),
            "unverified": int((~no_j & ~no_s & ~no_band & ~use).sum()),
        }
        | ({"no_band": int((~no_j & ~no_s & no_band).sum())} if own is not None else {}),
        "rules": {
            "judgement": f"{judgement_column} >= {positive_from:g}",
            "instrument": None
            if cutoff is None
            else f"score {'>=' if direction == 'higher' else '<='} "
            + (f"the cut-off of the record's band ({banded})" if own is not None else f"{cutoff:g}"),
            "either": "judgement positive or instrument positive",
            "both": "judgement positive and instrument positive",
            "combination": f"{k_folds}-fold cross-validated logistic regression of the reference on "
            f"(judgement, score); positive at risk >= {th[0]:g}",
        },
    }
    if cutoff is None:
        doc["rules_reason"] = "the instrument has no cut-off: only the combination is compared"

    # the combination, out of fold (the folds are drawn first from the stream)
    cv = cross_validated_logistic(
        np.column_stack([j, s]), r, np.asarray(folds)[use] if given else folds, rng, where=where
    )
    doc["combination"] = {
        "method": "logistic-cross-validated",
        "folds": cv.folds,
        "coefficients": None
        if cv.coef is None
        else {"intercept": float(cv.coef[0]), "judgement": float(cv.coef[1]), "score": float(cv.coef[2])},
    }
    if cv.reason:
        doc["combination"]["reason"] = cv.reason

    jpos = (j >= positive_from).astype(float)
    compare_kw = dict(mcnemar=mcnemar, ci_method=ci_method, confidence=confidence)
    versus = {}
    rules = {}
    if cutoff is not None:
        rules = {k: v for k, v in judgement_rules(j, s, positive_from, cutoff, direction).items() if k != "judgement"}
        versus["instrument"] = comparison_document(
            s,
            j,
            r,
            name_a=instrument,
            name_b=judgement_column,
            direction_a=direction,
            cutoff_a=cutoff,
            cutoff_b=positive_from,
            banded_a=None if own is None else banded,
            **compare_kw,
        )
        for name in ("either", "both"):
            versus[name] = comparison_document(
                rules[name],
                j,
                r,
                name_a=name,
                name_b=judgement_column,
                cutoff_a=1,
                cutoff_b=positive_from,
                **compare_kw,
            )
    if cv.coef is not None:
        versus["combination"] = comparison_document(
            cv.probability,
            j,
            r,
            name_a="combination",
            name_b=judgement_column,
            cutoff_a=float(th[0]),
            cutoff_b=positive_from,
            **compare_kw,
        )
    doc["versus_judgement"] = versus

    # net benefit of every strategy and its difference from the judgement's
    strategies = {k: v for k, v in rules.items()}
    if cv.coef is not None:
        strategies["combination"] = (cv.probability[:, None] >= th[None, :]).astype(float)
    tables = {
        k: net_benefit_difference(v, jpos, r, th, n_boot=n_boot, rng=rng, confidence=confidence)
        for k, v in strategies.items()
    }
    nb = []
    for i, t_ in enumerate(th):
        w = t_ / (1 - t_)
        n = doc["n"]
        entry = {
            "threshold": float(t_),
            "judgement": finite_or_none((jpos @ r - w * jpos @ (1 - r)) / n) if n else None,
            "treat_all": finite_or_none((r.sum() - w * (1 - r).sum()) / n) if n else None,
            "strategies": {},
        }
        empty = "no records with a judgement, a score and a reference standard"
        if not n:
            entry["reason"] = empty
        for k, tab in tables.items():
            row = tab.iloc[i]
            no_ci = None if n_boot else "interval by bootstrap only (give a number of bootstrap replicates)"
            entry["strategies"][k] = {
                "net_benefit": finite_or_none(row["net_benefit_a"]),
                "difference": interval_dict(
                    row["difference"], row["ci_low"], row["ci_high"], "bootstrap-percentile", no_ci if n else empty
                ),
                "cells": {
                    stratum: {name: int(row[f"{prefix}_{name}"]) for name in CELL_NAMES.values()}
                    for stratum, prefix in (("positive", "pos"), ("negative", "neg"))
                },
            }
            if not n:
                entry["strategies"][k]["net_benefit_reason"] = empty
        nb.append(entry)
    doc["net_benefit"] = {"n_boot": n_boot, "thresholds": nb}

    at = (versus.get("either") or {}).get("at_cutoffs")
    if prevalence is None:
        doc["per_1000"] = None
        doc["per_1000_reason"] = "no target prevalence (evaluate.prevalences is empty)"
    elif at is None:
        doc["per_1000"] = None
        doc["per_1000_reason"] = doc.get("rules_reason", "undefined")
    else:
        doc["per_1000"] = {
            "rule": "either",
            "versus": "judgement",
            **per_1000_added(at["sensitivity"]["difference"], at["specificity"]["difference"], prevalence),
        }
    return doc
