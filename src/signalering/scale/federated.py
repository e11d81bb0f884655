"""Accuracy from count tables of several organisations: per organisation, pooled, and how much the
organisations differ.

Pooling adds the tables (``CountTable.__add__``), so every pooled statistic equals the statistic on
the concatenated records: the records never need to leave their organisations.

Heterogeneity at a cut-off, separately for sensitivity (``tp`` of ``tp + fn``) and specificity (``tn``
of ``tn + fp``), over the organisations with a non-zero denominator:

- on the logit scale, ``y_i = logit(x_i / n_i)`` with variance ``1 / x_i + 1 / (n_i - x_i)``; an
  organisation with ``x_i = 0`` or ``x_i = n_i`` gets 0.5 added to both cells (Haldane-Anscombe) for
  this purpose only. Cochran's ``Q = sum w_i (y_i - y_w)^2`` with ``w_i = 1 / var_i`` on ``k - 1``
  degrees of freedom; ``I^2 = max(0, (Q - df) / Q)`` (Higgins & Thompson 2002, Stat Med 21:1539-1558);
  the between-organisation variance ``tau^2`` by DerSimonian & Laird (1986, Control Clin Trials
  7:177-188), and the random-effects summary with its interval, back-transformed;
- Pearson's chi-square test of homogeneity of the proportions on the ``2 x k`` table (no continuity
  correction), which needs no correction for zero cells.

These univariate statistics describe the spread. The meta-analytic summary models sensitivity and
specificity jointly: ``meta_analysis_document`` (the bivariate random-effects model of Reitsma et al.
2005 or the binomial GLMM of Chu & Cole 2006, ``signalering.stats.meta_analysis``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy.special import expit
from scipy.stats import chi2, chi2_contingency

from ..documents import accuracy_document
from ..documents.disclosure import DEFAULT_MIN_CELL, reason_small, suppress_tables
from ..errors import UsageError
from ..schema import SCHEMA_VERSION, interval_dict
from ..stats import meta_analysis as ma
from ..stats.counts import CountTable
from ..stats.intervals import z_value
from .aggregate import read_table
from .counts import count_table

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def organisation_names(paths: Sequence[str | Path], names: Sequence[str] | None = None) -> list[str]:
    """Names of the organisations: ``names`` if given, else the files' stems; unique and usable as
    folder names."""
    if names:
        if len(names) != len(paths):
            raise UsageError(f"Give one name per table: {len(paths)} tables and {len(names)} names.")
        out = list(names)
    else:
        out = [Path(p).stem for p in paths]
    for n in out:
        if not _NAME.match(n) or n == "pooled":
            raise UsageError(
                f"Organisation name {n!r} must be letters, digits, '.', '_' or '-' and not "
                "'pooled'; name the organisations with --name."
            )
    if len(set(out)) != len(out):
        raise UsageError("Two tables have the same organisation name; name them with --name.")
    return out


def load_count_tables(
    paths: Sequence[str | Path], instrument: str, direction: str = "higher", names: Sequence[str] | None = None
) -> dict[str, CountTable]:
    """One ``CountTable`` per organisation (summed over its subgroups) from count table files."""
    out = {}
    for name, path in zip(organisation_names(paths, names), paths):
        table = read_table(path)
        if not (table["instrument"] == instrument).any():
            raise UsageError(f"The count table '{path}' has no rows for instrument {instrument!r}.")
        out[name] = count_table(table, instrument, direction)
    return out


def pooled(tables: dict[str, CountTable]) -> CountTable:
    """The sum of the organisations' tables (equal to the table of the concatenated records)."""
    values = list(tables.values())
    total = values[0]
    for t in values[1:]:
        total = total + t
    return total


def _logit_heterogeneity(x: np.ndarray, n: np.ndarray, confidence: float) -> dict:
    keep = n > 0
    x, n = x[keep].astype(float), n[keep].astype(float)
    k = len(x)
    out: dict = {"organisations": int(k)}
    if k < 2:
        reason = "needs at least two organisations with a non-zero denominator"
        out.update(
            {
                "cochran_q": None,
                "df": None,
                "p_value": None,
                "i2": None,
                "tau2": None,
                "random_effects": interval_dict(None, None, None, "dersimonian-laird", reason),
                "chi2_homogeneity": {"statistic": None, "df": None, "p_value": None, "reason": reason},
                "reason": reason,
            }
        )
        return out
    c = np.where((x == 0) | (x == n), 0.5, 0.0)
    y = np.log((x + c) / (n - x + c))
    var = 1.0 / (x + c) + 1.0 / (n - x + c)
    w = 1.0 / var
    y_fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - y_fixed) ** 2))
    df = k - 1
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    tau2 = max(0.0, (q - df) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_re = 1.0 / (var + tau2)
    y_re = np.sum(w_re * y) / np.sum(w_re)
    se_re = np.sqrt(1.0 / np.sum(w_re))
    z = z_value(confidence)
    out.update(
        {
            "cochran_q": q,
            "df": df,
            "p_value": float(chi2.sf(q, df)),
            "i2": float(i2),
            "tau2": float(tau2),
            "random_effects": interval_dict(
                float(expit(y_re)), float(expit(y_re - z * se_re)), float(expit(y_re + z * se_re)), "dersimonian-laird"
            ),
        }
    )
    table = np.vstack([x, n - x])
    if (table.sum(axis=1) == 0).any():
        out["chi2_homogeneity"] = {
            "statistic": None,
            "df": None,
            "p_value": None,
            "reason": "every organisation has the same extreme proportion (0 or 1)",
        }
    else:
        res = chi2_contingency(table, correction=False)
        out["chi2_homogeneity"] = {"statistic": float(res.statistic), "df": int(res.dof), "p_value": float(res.pvalue)}
    return out


def heterogeneity(tables: dict[str, CountTable], cutoffs: Sequence[float], confidence: float = 0.95) -> list[dict]:
    """Between-organisation heterogeneity of sensitivity and specificity at each cut-off.

    Parameters
    ----------
    tables : organisation name -> CountTable (same instrument and direction)
    cutoffs : cut-offs on the score's original scale
    confidence : for the random-effects summary interval

    Returns
    -------
    list, one entry per cut-off: ``cutoff``, ``per_organisation`` (name -> ``tp, fp, tn, fn``), and for
    ``sensitivity`` and ``specificity``: ``cochran_q, df, p_value, i2, tau2, random_effects,
    chi2_homogeneity`` (see the module docstring; ``null`` with a ``reason`` when undefined).
    """
    names = list(tables)
    cells = {name: t.cells_at(cutoffs) for name, t in tables.items()}
    out = []
    for j, cut in enumerate(np.atleast_1d(np.asarray(cutoffs, dtype=float))):
        tp, fp, tn, fn = (
            np.array([cells[n][cell][j] for n in names], dtype=np.int64) for cell in ("tp", "fp", "tn", "fn")
        )
        out.append(
            {
                "cutoff": float(cut),
                "per_organisation": {
                    n: {"tp": int(a), "fp": int(b), "tn": int(c), "fn": int(d)}
                    for n, a, b, c, d in zip(names, tp, fp, tn, fn)
                },
                "sensitivity": _logit_heterogeneity(tp, tp + fn, confidence),
                "specificity": _logit_heterogeneity(tn, tn + fp, confidence),
            }
        )
    return out


def evaluate_tables(
    tables: dict[str, CountTable],
    cutoffs: Sequence[float] | None = None,
    *,
    prevalences: Sequence[float] = (),
    ci_method: str = "wilson",
    confidence: float = 0.95,
) -> dict:
    """``accuracy.json`` documents per organisation and pooled, and the heterogeneity document.

    Returns
    -------
    dict with ``organisations`` (name -> accuracy document), ``pooled`` (accuracy document) and
    ``heterogeneity`` (document with ``schema_version``, ``organisations``, ``at_cutoffs``). Cut-offs
    default to the pooled table's default cut-offs, used for every organisation, so that the documents
    can be compared entry by entry.
    """
    if not tables:
        raise UsageError("At least one count table is needed.")
    total = pooled(tables)
    cuts = list(total.default_cutoffs()) if cutoffs is None else list(cutoffs)
    kw = dict(prevalences=prevalences, ci_method=ci_method, confidence=confidence)
    docs = {name: accuracy_document(t, cuts, **kw) for name, t in tables.items()}
    het = {
        "schema_version": SCHEMA_VERSION,
        "organisations": list(tables),
        "direction": total.direction,
        "confidence": confidence,
        "at_cutoffs": heterogeneity(tables, cuts, confidence),
    }
    return {"organisations": docs, "pooled": accuracy_document(total, cutoffs, **kw), "heterogeneity": het}


META_METHOD_LABELS = {
    "reml": "bivariate normal model of logit sensitivity and specificity, REML (Reitsma et al. 2005)",
    "glmm": "bivariate binomial GLMM, Laplace approximation (Chu & Cole 2006)",
}
SROC_FPR = tuple(np.round(np.arange(1, 100) / 100, 2))  # mada's default grid


def _organisation_points(tables: dict[str, CountTable], cuts: list[float], min_cell: int) -> list[dict]:
    """Per cut-off, each organisation's point in ROC space (sensitivity, specificity, n) under the
    disclosure rules (docs/disclosure.md), counts never part of the point:

    - per organisation, its tables at the cut-offs as any published 2 x 2 tables of one score
      (``disclosure.suppress_tables``): a table with a small cell is withheld whole; of two tables
      that differ by 1 to ``min_cell - 1`` positives or negatives the more lenient one is withheld;
    - per cut-off, across organisations (the pooled table is published, so a single withheld
      organisation would be the pooled minus the others; rule 5 of the subgroups): when one
      organisation is withheld, or the withheld ones add up to a cell of 1 to ``min_cell - 1``,
      further organisations are withheld, smallest first.
    """
    names = list(tables)
    cells = {name: t.cells_at(cuts) for name, t in tables.items()}
    hidden: list[set[str]] = [set() for _ in cuts]
    for name in names:
        entries = [
            {"cutoff": float(c), **{k: int(cells[name][k][j]) for k in ("tp", "fp", "tn", "fn")}}
            for j, c in enumerate(cuts)
        ]
        published, _ = suppress_tables(entries, min_cell, location=f"meta_analysis.{name}")
        for j, pub in enumerate(published):
            if "suppressed" in pub:
                hidden[j].add(name)
    per_cut: list[dict] = []
    for j in range(len(cuts)):
        raw = {n: {k: int(cells[n][k][j]) for k in ("tp", "fp", "tn", "fn")} for n in names}
        gone = hidden[j]
        size = sorted(names, key=lambda n: (sum(raw[n].values()), names.index(n)))
        while gone and len(gone) < len(names):
            sums = [sum(raw[n][k] for n in gone) for k in ("tp", "fp", "tn", "fn")]
            if len(gone) > 1 and not any(0 < v < min_cell for v in sums):
                break
            gone.add(next(n for n in size if n not in gone))
        points = {}
        for n in names:
            if n in gone:
                points[n] = {"sensitivity": None, "specificity": None, "n": None, "suppressed": reason_small(min_cell)}
                continue
            c = raw[n]
            n1, n0 = c["tp"] + c["fn"], c["tn"] + c["fp"]
            points[n] = {"sensitivity": c["tp"] / n1 if n1 else None, "specificity": c["tn"] / n0 if n0 else None}
            points[n]["n"] = n1 + n0
            if not (n1 and n0):
                points[n]["reason"] = "no reference-positive or no reference-negative records"
        per_cut.append(points)
    return per_cut


def _interval(row, method: str) -> dict:
    out = interval_dict(row.estimate, row.ci_low, row.ci_high, method)
    out["prediction_low"] = float(row.prediction_low)
    out["prediction_high"] = float(row.prediction_high)
    return out


def meta_analysis_at(
    tp, fp, fn, tn, method: str = "reml", confidence: float = 0.95, min_organisations: int = ma.MIN_ORGANISATIONS
) -> dict:
    """The bivariate meta-analysis of one cut-off as a JSON-ready dict (no per-organisation figure).

    ``pooled`` (sensitivity and specificity: estimate, Wald interval, marginal prediction interval for a
    new organisation), ``between_organisations`` (``tau2`` on the logit scale, ``rho``, ``boundary``),
    ``hsroc``, ``sroc_curve``, ``confidence_region``, ``prediction_region`` (ROC space, ``fpr`` and
    ``sensitivity``; radius ``sqrt(chi2_2(confidence))``); ``null`` with a ``reason`` when the model
    cannot be fitted (``meta_analysis.meta_analysis``).
    """
    fit, reason = ma.meta_analysis(tp, fp, fn, tn, method, min_organisations=min_organisations)
    n_both = int(((np.asarray(tp) + np.asarray(fn) > 0) & (np.asarray(tn) + np.asarray(fp) > 0)).sum())
    out: dict = {"organisations": n_both}
    if fit is None:
        for key in ("pooled", "between_organisations", "hsroc", "sroc_curve", "confidence_region", "prediction_region"):
            out[key] = None
        out["reason"] = reason
        return out
    label = f"wald-logit ({method})"
    table = ma.pooled_accuracy(fit, confidence).set_index("statistic")
    out["pooled"] = {s: _interval(table.loc[s], label) for s in ("sensitivity", "specificity")}
    if method == "reml":
        out["continuity_corrected"] = len(fit.corrected)
    out["between_organisations"] = {
        "tau2_sensitivity": fit.tau2[0],
        "tau2_specificity": fit.tau2[1],
        "rho": fit.rho,
        "boundary": fit.boundary,
    }
    if fit.rho is None:
        out["between_organisations"]["rho_reason"] = "a between-organisation variance is 0"
    out["loglik"] = fit.loglik
    h = ma.hsroc_parameters(fit)
    if h is None:
        out["hsroc"] = out["sroc_curve"] = None
        why = "a between-organisation variance is 0, so the SROC shape (beta) is undefined"
        out["hsroc_reason"] = out["sroc_curve_reason"] = why
    else:
        out["hsroc"] = {k: getattr(h, k) for k in ("Lambda", "Theta", "beta", "sigma2_alpha", "sigma2_theta")}
        curve = ma.sroc_curve(h, SROC_FPR)
        out["sroc_curve"] = {"fpr": curve.fpr.tolist(), "sensitivity": curve.sensitivity.tolist()}
    reg = ma.regions(fit, confidence, npoints=100)
    for name in ("confidence", "prediction"):
        r = reg[reg.region == name]
        out[f"{name}_region"] = {"fpr": r.fpr.tolist(), "sensitivity": r.sensitivity.tolist()}
    return out


def meta_analysis_document(
    tables: dict[str, CountTable],
    cutoffs: Sequence[float] | None = None,
    *,
    method: str = "reml",
    confidence: float = 0.95,
    min_cell: int = DEFAULT_MIN_CELL,
    min_organisations: int = ma.MIN_ORGANISATIONS,
) -> dict:
    """The bivariate random-effects meta-analysis across organisations at each cut-off
    (``meta_analysis.json``, docs/meta-analysis.md).

    Parameters
    ----------
    tables : organisation name -> CountTable (same instrument and direction)
    cutoffs : default: the pooled table's default cut-offs (every common cut-off)
    method : ``"reml"`` (Reitsma et al. 2005) or ``"glmm"`` (Chu & Cole 2006)
    min_cell : disclosure threshold for the per-organisation points (``per_organisation``)

    Returns
    -------
    dict with ``schema_version``, ``method``, ``method_label``, ``confidence``, ``organisations`` and
    ``at_cutoffs`` (per cut-off: ``meta_analysis_at`` plus ``per_organisation`` points).
    """
    if method not in ma.METHODS:
        raise UsageError(f"The meta-analysis method must be one of {ma.METHODS}. Got {method!r} instead.")
    if not tables:
        raise UsageError("At least one count table is needed.")
    total = pooled(tables)
    cuts = [float(c) for c in (total.default_cutoffs() if cutoffs is None else cutoffs)]
    names = list(tables)
    cells = {name: t.cells_at(cuts) for name, t in tables.items()}
    points = _organisation_points(tables, cuts, min_cell)
    at = []
    for j, cut in enumerate(cuts):
        tp, fp, tn, fn = (np.array([cells[n][c][j] for n in names]) for c in ("tp", "fp", "tn", "fn"))
        entry = {"cutoff": cut, **meta_analysis_at(tp, fp, fn, tn, method, confidence, min_organisations)}
        entry["per_organisation"] = points[j]
        at.append(entry)
    return {
        "schema_version": SCHEMA_VERSION,
        "method": method,
        "method_label": META_METHOD_LABELS[method],
        "confidence": confidence,
        "region_radius": "sqrt(chi2_2(confidence))",
        "direction": total.direction,
        "min_cell": int(min_cell),
        "min_organisations": int(min_organisations),
        "organisations": names,
        "at_cutoffs": at,
    }
