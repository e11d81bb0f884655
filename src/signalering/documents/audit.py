"""Disclosure audit: try to recover withheld counts from what the pipeline publishes.

Suppression (``signalering.documents.disclosure``) hides counts; an audit checks that they stay hidden when a
reader combines everything that is published (the model is tau-ARGUS's audit of a suppression
pattern: compute what an intruder can infer about each suppressed cell). Every published statistic is
a function of counts, so the audit treats the published documents as equations in the unknown
counts and tries these attacks:

``totals``
    Linear relations between published totals and their parts: ``n = n_positive + n_negative +
    n_unverified``; ``tp + fn = n_positive``, ``fp + tn = n_negative`` in every table; ``received =
    analysed + sum(excluded)``, ``analysed = verified + unverified`` in a flow; and in a subgroup
    document the overall figure = the sum over the categories of a column (counts and every table).
    Bounds are propagated (a hidden ``"<10"`` lies in 0..9, a hidden ``null`` is >= 0) until nothing
    changes; a withheld count whose bounds meet is recovered. A sum of several withheld counts below
    ``min_cell`` that is fixed by a total (``received - analysed``) is recovered too.
``auc_integrality``
    ``AUC = (concordant + ties / 2) / (P * N)``, so ``2 * AUC * P * N`` is a whole number: with a
    full-precision AUC, every (P, N) within the bounds is tried; a single fit recovers the margins.
``criterion`` and ``ratios``
    A withheld table (or a withheld data-driven cut-point) still showing numbers: Youden's J
    (``tp/P - fp/N``), the distance to (0, 1) or the cost of the ``min_cost`` rule, sensitivity,
    specificity, predictive values (also at a target prevalence, and the per-1000 figures),
    accuracy, likelihood ratios, or an ROC plot point at its cut-off. With the margins, every tp in
    0..P is tried and fp solved; a single whole-number solution recovers the table.

``meta_zero_margin``
    A published meta-analysis document (:func:`meta_findings`) whose count ``k`` of the ``K``
    organisations with both outcomes, or a point with one proportion only, names an organisation
    without reference-positives (or -negatives): a zero margin.

``html``
    The counts an HTML report shows that no JSON file holds: the study flow (received, each
    exclusion, analysed, verified, not verified), each instrument's setting row (with an index test
    result, reference positive / negative, not verified), its 2x2 tables with their margins, the
    unverified records per screening result, and its flow figure (analysed, without an index test
    result and per reason). The report marks them ``data-count="<key>"`` (the cell's text is the
    number as displayed: ``"1,234"``, ``"1.234"``, ``"<10"``, or the withheld word) and the flow
    figure ``data-counts='{...}'``; ``audit_html`` reads them with ``html.parser`` and applies the
    ``totals`` attack (the figures are rounded there, so the other attacks use the JSON files).

Findings name the file, the location and the attack, never a value. ``audit_reports`` reads every
JSON and every HTML file under a reports folder; the PDF reports are rendered from the same view as
the HTML and are not parsed.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..stats.verification import begg_greenes_cells
from .disclosure import (
    CELLS,
    DEFAULT_MIN_CELL,
    MARGIN_KEYS,
    differs_by_a_few,
    plateau_table,
    published_tables,
)

INF = math.inf
COUNT_FIELDS = ("n", "n_positive", "n_negative", "n_unverified", "n_missing_score")


# ------------------------------------------------------------------ unknowns and linear relations
class _System:
    """Counts as intervals [lo, hi] and linear relations ``total = sum(parts)`` between them."""

    def __init__(self, min_cell: int):
        self.min_cell = min_cell
        self.lo: dict[str, float] = {}
        self.hi: dict[str, float] = {}
        self.withheld: dict[str, str] = {}  # variable -> (file, location) text of a hidden count
        self.small: set[str] = set()
        self.relations: list[tuple[str, list[str]]] = []

    def add(self, name: str, value, where: str) -> str | None:
        """A published count (int), a hidden one (``"<10"`` or None) or nothing (key absent)."""
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, np.integer)):
            self.lo[name] = self.hi[name] = float(value)
        elif isinstance(value, str) and value.startswith("<") and value[1:].isdigit():
            self.lo[name], self.hi[name] = 0.0, float(int(value[1:]) - 1)
            self.withheld[name], self.small = where, self.small | {name}
        elif value is None:
            self.lo[name], self.hi[name] = 0.0, INF
            self.withheld[name] = where
        else:
            return None
        return name

    def relate(self, total: str | None, parts: list[str | None]) -> None:
        if total is None or total not in self.lo or any(p is None or p not in self.lo for p in parts) or not parts:
            return
        self.relations.append((total, list(parts)))

    def known(self, name: str) -> bool:
        return name in self.lo and self.lo[name] == self.hi[name]

    def value(self, name: str) -> int | None:
        return int(self.lo[name]) if self.known(name) else None

    def fix(self, name: str, value: int) -> None:
        self.lo[name] = self.hi[name] = float(value)

    def propagate(self, rounds: int = 200) -> None:
        for _ in range(rounds):
            changed = False
            for total, parts in self.relations:
                changed |= self._narrow(total, sum(self.lo[p] for p in parts), sum(self.hi[p] for p in parts))
                for p in parts:
                    others_lo = sum(self.lo[q] for q in parts if q is not p)
                    others_hi = sum(self.hi[q] for q in parts if q is not p)
                    changed |= self._narrow(p, self.lo[total] - others_hi, self.hi[total] - others_lo)
            if not changed:
                return

    def _narrow(self, name: str, lo: float, hi: float) -> bool:
        lo = max(self.lo[name], math.ceil(lo - 1e-9) if lo > -INF else -INF)
        hi = min(self.hi[name], math.floor(hi + 1e-9) if hi < INF else INF)
        if (lo, hi) == (self.lo[name], self.hi[name]) or lo > hi:
            return False
        self.lo[name], self.hi[name] = lo, hi
        return True

    def small_sums(self) -> list[tuple[str, list[str]]]:
        """Relations fixing the sum of two or more hidden counts below ``min_cell``."""
        out = []
        for total, parts in self.relations:
            unknown = [p for p in parts if not self.known(p)]
            if len(unknown) < 2 or not self.known(total) or any(not self.known(p) for p in parts if p not in unknown):
                continue
            rest = self.lo[total] - sum(self.lo[p] for p in parts if p not in unknown)
            if rest < self.min_cell and all(p in self.withheld for p in unknown):
                out.append((total, unknown))
        return out


# ------------------------------------------------------------------ reading documents into the system
def _num(x) -> float | None:
    if isinstance(x, dict):
        x = x.get("estimate")
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return float(x)


def _entry_withheld(e: dict) -> bool:
    return "suppressed" in e or any(c in e and not isinstance(e[c], (int, np.integer)) for c in CELLS)


def _add_document(sys_: _System, doc: dict, prefix: str, where: str) -> dict:
    """Counts and tables of one accuracy document; returns its variable names."""
    names = {
        k: sys_.add(f"{prefix}.{k}", doc.get(k), f"{where}: {prefix}.{k}") if k in doc else None for k in COUNT_FIELDS
    }
    sys_.relate(names["n"], [names["n_positive"], names["n_negative"], names["n_unverified"]])
    if names["n"] and sys_.known(names["n"]):  # a part is at most its total
        for k in ("n_positive", "n_negative", "n_unverified"):
            if names[k]:
                sys_.hi[names[k]] = min(sys_.hi[names[k]], sys_.lo[names["n"]])
    tables = []
    for i, e in enumerate(doc.get("thresholds") or []):
        if isinstance(e, dict):
            tables.append(_add_table(sys_, e, f"{prefix}.thresholds[{i}]", names, where))
    if isinstance(doc.get("optimal"), dict) and any(c in doc["optimal"] for c in CELLS):
        _add_table(sys_, doc["optimal"], f"{prefix}.optimal", names, where)
    names["tables"] = tables
    vc = []  # unverified screen-positives and -negatives per cut-off (rule 9b): parts of the overall ones
    for i, e in enumerate((doc.get("verification_corrected") or {}).get("thresholds") or []):
        keys = ("n_unverified_screen_positive", "n_unverified_screen_negative")
        vc.append(
            {
                k: sys_.add(f"{prefix}.vc[{i}].{k}", e.get(k), f"{where}: {prefix}.verification_corrected[{i}].{k}")
                if isinstance(e, dict) and k in e
                else None
                for k in keys
            }
        )
    names["vc"] = vc
    return names


def _add_table(sys_: _System, e: dict, loc: str, names: dict, where: str) -> dict:
    cells = {c: sys_.add(f"{loc}.{c}", e.get(c), f"{where}: {loc}.{c}") if c in e else None for c in CELLS}
    if e.get("banded"):
        # A banded cut-off's table counts only the records with a band: the document's margins are
        # its margins plus the records without a band (unpublished, so never a finding themselves).
        pos, neg = f"{loc}.no_band_positive", f"{loc}.no_band_negative"
        for v in (pos, neg):
            sys_.lo[v], sys_.hi[v] = 0.0, INF
        sys_.relate(names.get("n_positive"), [cells["tp"], cells["fn"], pos])
        sys_.relate(names.get("n_negative"), [cells["fp"], cells["tn"], neg])
        return cells
    sys_.relate(names.get("n_positive"), [cells["tp"], cells["fn"]])
    sys_.relate(names.get("n_negative"), [cells["fp"], cells["tn"]])
    return cells


# ------------------------------------------------------------------ nonlinear attacks
def _auc_attack(sys_: _System, doc: dict, names: dict, limit: int = 4_000_000) -> bool:
    """Margins from ``2 * AUC * P * N`` being whole; True when it fixed a hidden margin."""
    auc = _num(doc.get("auc"))
    p, n = names.get("n_positive"), names.get("n_negative")
    if auc is None or p is None or n is None or (sys_.known(p) and sys_.known(n)):
        return False
    plo, phi, nlo, nhi = max(sys_.lo[p], 1), sys_.hi[p], max(sys_.lo[n], 1), sys_.hi[n]
    if not (phi < INF and nhi < INF) or (phi - plo + 1) * (nhi - nlo + 1) > limit or phi < plo or nhi < nlo:
        return False
    P, N = np.meshgrid(np.arange(plo, phi + 1), np.arange(nlo, nhi + 1), indexing="ij")
    P, N = P.ravel(), N.ravel()
    tot, unv = names.get("n"), names.get("n_unverified")
    if tot and unv and sys_.known(tot) and sys_.known(unv):
        keep = P + N == sys_.lo[tot] - sys_.lo[unv]
        P, N = P[keep], N[keep]
    k = 2 * auc * P * N
    fit = np.abs(k - np.round(k)) <= 1e-7 + 1e-12 * k
    if np.count_nonzero(fit) != 1:
        return False
    sys_.fix(p, int(P[fit][0]))
    sys_.fix(n, int(N[fit][0]))
    return True


def _table_constraints(e: dict, P: int, N: int, roc: list[dict]) -> tuple[list, list, list, list[str]]:
    """(tp-only, fp-only, fp = g(tp)) constraints from the numbers an entry shows, and their names."""
    tp_only, fp_only, joint, used = [], [], [], []
    sens, spec = _num(e.get("sensitivity")), _num(e.get("specificity"))
    if sens is not None:
        tp_only.append(lambda t, s=sens: np.isclose(t / P, s, rtol=0, atol=1e-9))
        used.append("sensitivity")
    if spec is not None:
        fp_only.append(N * (1 - spec))
        used.append("specificity")
    for pt in roc:
        if pt.get("cutoff") is not None and pt.get("cutoff") == e.get("cutoff") and _num(pt.get("tpr")) is not None:
            tp_only.append(lambda t, s=float(pt["tpr"]): np.isclose(t / P, s, rtol=0, atol=1e-9))
            fp_only.append(N * float(pt["fpr"]))
            used.append("roc point")

    def add(name, g):
        joint.append(g)
        used.append(name)

    for key, fn in (
        ("ppv", lambda v: lambda t: t * (1 - v) / v if v > 0 else np.full(len(t), np.nan)),
        ("npv", lambda v: lambda t: N - v * (P - t) / (1 - v) if v < 1 else np.full(len(t), np.nan)),
        ("accuracy", lambda v: lambda t: N - (v * (P + N) - t)),
        ("lr_positive", lambda v: lambda t: N * (t / P) / v if v > 0 else np.full(len(t), np.nan)),
        ("lr_negative", lambda v: lambda t: N * (1 - (1 - t / P) / v) if v > 0 else np.full(len(t), np.nan)),
        ("youden", lambda v: lambda t: N * (t / P - v)),
    ):
        v = _num(e.get(key))
        if v is not None:
            add(key, fn(v))
    crit, method = _num(e.get("criterion")), e.get("method")
    if crit is not None and method == "youden":
        add("criterion", lambda t: N * (t / P - crit))
    elif crit is not None and method == "closest_to_01":
        add("criterion", lambda t: N * np.sqrt(np.maximum(crit**2 - (1 - t / P) ** 2, np.nan)))
    elif crit is not None and method == "min_cost":
        pi = _num(e.get("prevalence")) or P / (P + N)
        r = _num(e.get("cost_ratio_fn_fp")) or _num(e.get("cost_ratio")) or 1.0
        add("criterion", lambda t: N * (abs(crit) - r * pi * (1 - t / P)) / (1 - pi))
    for at in e.get("at_prevalence") or []:
        pi = _num(at.get("prevalence")) if isinstance(at, dict) else None
        if pi is None or not 0 < pi < 1:
            continue
        ppv, npv = _num(at.get("ppv")), _num(at.get("npv"))
        if ppv is not None and ppv > 0:
            add("ppv at prevalence", lambda t, v=ppv, pi=pi: N * (t / P) * pi * (1 - v) / (v * (1 - pi)))
        if npv is not None and npv < 1:
            add("npv at prevalence", lambda t, v=npv, pi=pi: N * (1 - v * (1 - t / P) * pi / ((1 - v) * (1 - pi))))
        per = at.get("per_1000") if isinstance(at.get("per_1000"), dict) else {}
        if _num(per.get("tp")) is not None:
            tp_only.append(lambda t, v=_num(per["tp"]), pi=pi: np.isclose(t / P, v / (1000 * pi), rtol=0, atol=1e-9))  # noqa: B008
            used.append("per 1000")
        if _num(per.get("fp")) is not None:
            fp_only.append(N * _num(per["fp"]) / (1000 * (1 - pi)))
            used.append("per 1000")
    return tp_only, fp_only, joint, used


def solve_table(e: dict, P: int, N: int, known: dict | None = None, roc: list[dict] = ()) -> tuple[int, list[str]]:
    """How many (tp, fp) tables with margins P, N fit what entry ``e`` shows, and which numbers were used.

    ``known``: cells fixed elsewhere (``{"tp": 12}``). 1 = the table is recovered; 0 = none fits
    (e.g. rounded numbers); more = not recovered.
    """
    tp_only, fp_only, joint, used = _table_constraints(e, P, N, list(roc))
    if not used and not known:
        return 2, used
    known = known or {}
    t = np.arange(P + 1, dtype=float)
    ok = np.ones(len(t), bool)
    for f in tp_only:
        ok &= f(t)
    if "tp" in known:
        ok &= t == known["tp"]
    if "fn" in known:
        ok &= t == P - known["fn"]
    fixed_fp = [float(v) for v in fp_only]
    if "fp" in known:
        fixed_fp.append(float(known["fp"]))
    if "tn" in known:
        fixed_fp.append(float(N - known["tn"]))
    for v in fixed_fp:
        if abs(v - round(v)) > 1e-7 * max(1, N) or round(v) != round(fixed_fp[0]):
            return 0, used
    tol = 1e-9 * max(1.0, N)
    if joint:
        with np.errstate(all="ignore"):
            g = [np.asarray(f(t), float) for f in joint]
        fp = np.round(g[0])
        for gi in g:
            ok &= np.isfinite(gi) & (np.abs(gi - fp) <= tol)
        ok &= (fp >= 0) & (fp <= N)
        if fixed_fp:
            ok &= fp == round(fixed_fp[0])
        return int(np.count_nonzero(ok)), used
    n_tp = int(np.count_nonzero(ok))
    n_fp = 1 if fixed_fp else N + 1
    return n_tp * n_fp, used


def _entry_attacks(sys_: _System, doc: dict, names: dict, prefix: str, where: str, roc=()) -> list[dict]:
    p, n = names.get("n_positive"), names.get("n_negative")
    if p is None or n is None or not (sys_.known(p) and sys_.known(n)):
        return []
    P, N = sys_.value(p), sys_.value(n)
    if P == 0 or N == 0:
        return []
    found = []
    entries = [
        (f"{prefix}.thresholds[cutoff={e.get('cutoff')}]", e, names["tables"][i] if i < len(names["tables"]) else {})
        for i, e in enumerate(doc.get("thresholds") or [])
        if isinstance(e, dict)
    ]
    if isinstance(doc.get("optimal"), dict):
        entries.append((f"{prefix}.optimal", doc["optimal"], {}))
    entries += [
        (f"{prefix}.cutpoints[{cp.get('method')}]", cp, {}) for cp in doc.get("cutpoints") or [] if isinstance(cp, dict)
    ]
    for loc, e, cells in entries:
        if not _entry_withheld(e):
            continue
        known = {c: sys_.value(v) for c, v in (cells or {}).items() if v is not None and sys_.known(v)}
        if len(known) == 4:
            continue  # already recovered by the totals (reported there)
        points = roc if ".thresholds[" in loc and prefix.endswith("overall") else ()
        count, used = solve_table(e, P, N, known, points)
        if count == 1 and any(
            solve_table(e, P, N, {**known, "tp": tp, "fp": fp}, points)[0] == 1 for tp, fp in ((P, N), (0, 0))
        ):
            continue  # the corner (everyone or no one screens positive) shows only the published margins
        if count == 1:
            attack = "criterion" if "criterion" in used or "youden" in used else "ratios"
            found.append(
                {
                    "file": where,
                    "location": loc,
                    "attack": attack,
                    "recovered": ["tp", "fp", "tn", "fn"],
                    "from": sorted(set(used)),
                }
            )
            for v in (cells or {}).values():  # what the reader now knows feeds the totals
                if v is not None and not sys_.known(v):
                    sys_.withheld.pop(v, None)
    return found


# ------------------------------------------------------------------ documents
def audit_document(
    doc: dict, where: str = "document", min_cell: int = DEFAULT_MIN_CELL, roc: list[dict] = ()
) -> list[dict]:
    """Findings for one published document: an accuracy document, a subgroup document
    (``overall`` + ``subgroups``) or a study flow (``received``). Each finding is ``{"file",
    "location", "attack", "recovered"}``, naming withheld counts that can be computed back (no values).
    """
    sys_ = _System(min_cell)
    docs: list[tuple[str, dict, dict]] = []
    if isinstance(doc.get("overall"), dict) and isinstance(doc.get("subgroups"), dict):
        overall = _add_document(sys_, doc["overall"], "overall", where)
        docs.append(("overall", doc["overall"], overall))
        for col, block in doc["subgroups"].items():
            groups = (block or {}).get("groups") or {}
            gnames = {}
            for g, gdoc in groups.items():
                if isinstance(gdoc, dict):
                    gnames[g] = _add_document(sys_, gdoc, f"{col}={g}", where)
                    docs.append((f"{col}={g}", gdoc, gnames[g]))
            if not gnames:
                continue
            for k in COUNT_FIELDS:
                sys_.relate(overall.get(k), [gn.get(k) for gn in gnames.values()])
            for i, cells in enumerate(overall["tables"]):
                for c in CELLS:
                    parts = [gn["tables"][i].get(c) if i < len(gn["tables"]) else None for gn in gnames.values()]
                    sys_.relate(cells.get(c), parts)
            for i, counts in enumerate(overall["vc"]):
                for k, total in counts.items():
                    sys_.relate(total, [gn["vc"][i].get(k) if i < len(gn["vc"]) else None for gn in gnames.values()])
    elif "thresholds" in doc or "n_positive" in doc:
        docs.append(("document", doc, _add_document(sys_, doc, "document", where)))
    elif "received" in doc:
        names = {
            k: sys_.add(f"flow.{k}", doc.get(k), f"{where}: flow.{k}")
            for k in ("received", "analysed", "verified", "unverified")
            if k in doc
        }
        excluded = [
            sys_.add(f"flow.excluded.{r}", v, f"{where}: flow.excluded.{r}")
            for r, v in (doc.get("excluded") or {}).items()
        ]
        sys_.relate(names.get("received"), [names.get("analysed"), *excluded])
        sys_.relate(names.get("analysed"), [names.get("verified"), names.get("unverified")])
    findings: list[dict] = []
    for _ in range(10):
        sys_.propagate()
        changed = False
        for prefix, d, names in docs:
            before = {k: sys_.known(v) for k, v in names.items() if isinstance(v, str)}
            if _auc_attack(sys_, d, names):
                findings.append(
                    {
                        "file": where,
                        "location": f"{prefix}.counts",
                        "attack": "auc_integrality",
                        "recovered": sorted(
                            k
                            for k, v in names.items()
                            if isinstance(v, str) and v in sys_.withheld and sys_.known(v) and not before[k]
                        ),
                    }
                )
                for k in ("n_positive", "n_negative"):
                    sys_.withheld.pop(names[k], None)
                changed = True
        if not changed:
            break
    for prefix, d, names in docs:
        findings += _entry_attacks(sys_, d, names, prefix, where, roc)
        findings += _verification_attacks(sys_, d, names, prefix, where)
    return findings + _totals_findings(sys_, where)


def _verification_attacks(sys_: _System, doc: dict, names: dict, prefix: str, where: str) -> list[dict]:
    """``verification``: a Begg-Greenes corrected sensitivity, specificity or prevalence (or one of its
    sensitivity analysis) at a cut-off whose verified table is published is a function of the
    unverified screen-positives ``u1`` alone (``u0 = n_unverified - u1``): every ``u1`` is tried. And
    two published ``u1`` (or ``u0``) of one score that differ by 1 to ``min_cell - 1`` give the
    unverified records scoring in between (differencing)."""
    vc = doc.get("verification_corrected")
    unv = names.get("n_unverified")
    if not isinstance(vc, dict):
        return []
    found = []
    tables = {
        e.get("cutoff"): e
        for e in doc.get("thresholds") or []
        if isinstance(e, dict) and not e.get("banded") and all(isinstance(e.get(c), (int, np.integer)) for c in CELLS)
    }
    shown: dict[str, list[int]] = {"n_unverified_screen_positive": [], "n_unverified_screen_negative": []}
    for e in vc.get("thresholds") or []:
        if not isinstance(e, dict):
            continue
        for k, vals in shown.items():
            if isinstance(e.get(k), (int, np.integer)) and not isinstance(e.get(k), bool):
                vals.append(int(e[k]))
        t = tables.get(e.get("cutoff"))
        if t is None or unv is None or not sys_.known(unv):
            continue
        if all(isinstance(e.get(k), (int, np.integer)) for k in shown):
            continue
        corrected = e.get("corrected") or {}
        targets = [(1.0, s, _num(corrected.get(s))) for s in ("sensitivity", "specificity", "prevalence")]
        targets += [
            (float(sa.get("r")), s, _num(sa.get(s)))
            for sa in e.get("sensitivity_analysis") or []
            if isinstance(sa, dict) and _num(sa.get("r")) is not None
            for s in ("sensitivity", "specificity", "prevalence")
        ]
        targets = [x for x in targets if x[2] is not None]
        if not targets:
            continue
        total = sys_.value(unv)
        u1 = np.arange(total + 1, dtype=float)
        ok = np.ones(total + 1, dtype=bool)
        for r, stat, value in targets:
            est = begg_greenes_cells(t["tp"], t["fp"], t["fn"], t["tn"], u1, total - u1, r)[stat]
            ok &= np.abs(est - value) <= 1e-9 * max(1.0, abs(value))
        sols = np.flatnonzero(ok)
        if len(sols) == 1 and any(0 < v < sys_.min_cell for v in (sols[0], total - sols[0])):
            found.append(
                {
                    "file": where,
                    "location": f"{prefix}.verification_corrected[cutoff={e.get('cutoff')}]",
                    "attack": "verification",
                    "recovered": list(shown),
                }
            )
    for k, vals in shown.items():
        vals = sorted(set(vals))
        if any(0 < b - a < sys_.min_cell for a, b in zip(vals, vals[1:])):
            found.append(
                {
                    "file": where,
                    "location": f"{prefix}.verification_corrected",
                    "attack": "differencing",
                    "recovered": [f"{k} between two cut-offs"],
                }
            )
    return found


def _totals_findings(sys_: _System, where: str) -> list[dict]:
    """After propagating: withheld counts whose bounds met, and small sums fixed by a total."""
    sys_.propagate()
    by_loc: dict[str, list[str]] = {}
    for name, loc in sys_.withheld.items():
        # a finding is a recovered count the threshold rule hides: 1..min_cell-1, or a zero margin
        # (all or none of a group positive); a recovered 0 elsewhere singles out nobody, and a
        # recovered large count discloses nothing by itself (a small one it gives away is found too)
        key = name.rsplit(".", 1)[-1]
        if sys_.known(name) and (0 < sys_.lo[name] < sys_.min_cell or (sys_.lo[name] == 0 and key in MARGIN_KEYS)):
            by_loc.setdefault(loc.rsplit(".", 1)[0], []).append(name.rsplit(".", 1)[1])
    findings = [
        {"file": where, "location": loc.split(": ", 1)[1], "attack": "totals", "recovered": sorted(keys)}
        for loc, keys in sorted(by_loc.items())
    ]
    for total, parts in sys_.small_sums():
        findings.append(
            {
                "file": where,
                "location": total,
                "attack": "totals",
                "recovered": [f"sum of {', '.join(parts)} (below {sys_.min_cell})"],
            }
        )
    return findings


# ------------------------------------------------------------------ the counts an HTML report shows
_SHOWN_COUNT = re.compile(r"\d{1,3}(?:[,.\u2009\u202f ]\d{3})+|\d+")


def shown_count(text: str):
    """A count as the report displays it: ``"1,234"`` / ``"1.234"`` -> 1234, ``"<10"`` stays, anything
    else (the withheld word, a dash) -> None (hidden)."""
    s = text.strip()
    if re.fullmatch(r"<\d+", s):
        return s
    return int(re.sub(r"\D", "", s)) if _SHOWN_COUNT.fullmatch(s) else None


class _CountReader(HTMLParser):
    """``data-count`` elements (key -> displayed text) and ``data-counts`` figures (key -> dict)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, str] = {}
        self.figures: dict[str, dict] = {}
        self._open: list[tuple[str, str | None]] = []  # (tag, key) of the elements inside a count
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("data-counts") and a.get("data-counts-of"):
            try:
                fig = json.loads(a["data-counts"])
            except ValueError:
                fig = None
            if isinstance(fig, dict):
                self.figures[a["data-counts-of"]] = fig
        if self._open:
            self._open.append((tag, None))
        elif a.get("data-count"):
            self._open, self._text = [(tag, a["data-count"])], []

    def handle_endtag(self, tag):
        if not self._open:
            return
        while self._open:
            t, key = self._open.pop()
            if t == tag:
                break
        if not self._open and key is not None:
            self.counts[key] = "".join(self._text)

    def handle_data(self, data):
        if self._open:
            self._text.append(data)


def html_counts(text: str) -> tuple[dict[str, object], dict[str, dict]]:
    """The counts an HTML report marks: ``({key: count}, {instrument: flow figure counts})``, each
    count as :func:`shown_count` reads it."""
    r = _CountReader()
    r.feed(text)
    r.close()
    figures = {
        k: {
            "analysed": shown_count(str(f.get("analysed", ""))),
            "n_missing_score": shown_count(str(f.get("n_missing_score", ""))),
            "missing": [shown_count(str(m)) for m in f.get("missing") or []],
        }
        for k, f in r.figures.items()
    }
    return {k: shown_count(v) for k, v in r.counts.items()}, figures


def audit_html(
    text: str, where: str = "report.html", min_cell: int = DEFAULT_MIN_CELL, link_missing_score: bool = False
) -> list[dict]:
    """Findings (``totals``) for the counts an HTML report shows (:func:`html_counts`).

    Relations: ``received = analysed + sum(excluded)``, ``analysed = verified + unverified``; per
    instrument ``n = n_positive + n_negative + n_unverified``, in each 2x2 table ``tp + fp``, ``fn +
    tn``, ``tp + fn = n_positive``, ``fp + tn = n_negative`` and the grand total, ``n_unverified`` =
    unverified screen-positive + screen-negative, the figure's analysed = the flow's, and records
    without an index result = the sum over their reasons. Margins the report leaves out because a
    part is hidden are unknowns, not withheld counts. ``link_missing_score``: also use ``analysed =
    n + without an index result`` (a known limit, docs/disclosure.md: off by default).
    """
    counts, figures = html_counts(text)
    sys_ = _System(min_cell)

    def count(key):
        return sys_.add(key, counts[key], f"{where}: {key}") if key in counts else None

    def shown(key, value):  # a count of the flow figure
        return sys_.add(key, value, f"{where}: {key}")

    def margin(key):
        name = count(key)
        if name is not None and not sys_.known(name):  # not computed by the report: not withheld
            sys_.withheld.pop(name, None)
            sys_.small.discard(name)
        return name

    received, analysed = count("flow.received"), count("flow.analysed")
    excluded = [
        count(k)
        for k in sorted((k for k in counts if k.startswith("flow.excluded.")), key=lambda k: int(k.rsplit(".", 1)[1]))
    ]
    sys_.relate(received, [analysed, *excluded])
    sys_.relate(analysed, [count("flow.verified"), count("flow.unverified")])
    sys_.relate(count("flow.unverified"), [count("flow.followup.short"), count("flow.followup.other")])
    count("flow.followup.late")  # stands alone (no relation), but a withheld one is checked as such
    instruments = sorted({k.split(".", 1)[0] for k in counts if not k.startswith("flow.")} | set(figures))
    for inst in instruments:
        n, pos, neg, unv = (count(f"{inst}.{k}") for k in ("n", "n_positive", "n_negative", "n_unverified"))
        sys_.relate(n, [pos, neg, unv])
        tables = sorted({int(k.split(".")[2]) for k in counts if k.startswith(f"{inst}.tables.")})
        for i in tables:
            c = {x: count(f"{inst}.tables.{i}.{x}") for x in CELLS}
            m = {x: margin(f"{inst}.tables.{i}.{x}") for x in ("pos", "neg", "rpos", "rneg", "total")}
            sys_.relate(m["pos"], [c["tp"], c["fp"]])
            sys_.relate(m["neg"], [c["fn"], c["tn"]])
            sys_.relate(m["rpos"], [c["tp"], c["fn"]])
            sys_.relate(m["rneg"], [c["fp"], c["tn"]])
            sys_.relate(m["total"], [m["pos"], m["neg"]])
            sys_.relate(m["total"], [m["rpos"], m["rneg"]])
            sys_.relate(pos, [m["rpos"]])
            sys_.relate(neg, [m["rneg"]])
        rows = sorted({int(k.split(".")[2]) for k in counts if k.startswith(f"{inst}.verification.")})
        for i in rows:
            sys_.relate(unv, [count(f"{inst}.verification.{i}.{x}") for x in ("unv_pos", "unv_neg")])
        fig = figures.get(inst)
        if fig:
            f_analysed = shown(f"{inst}.flow.analysed", fig["analysed"])
            sys_.relate(analysed, [f_analysed])
            missing = shown(f"{inst}.flow.n_missing_score", fig["n_missing_score"])
            reasons = [shown(f"{inst}.flow.missing.{j}", v) for j, v in enumerate(fig["missing"])]
            if reasons:
                sys_.relate(missing, reasons)
            if link_missing_score:
                sys_.relate(f_analysed, [n, missing])
    return _totals_findings(sys_, where)


def _audited_kind(doc: dict) -> bool:
    return (
        (isinstance(doc.get("overall"), dict) and isinstance(doc.get("subgroups"), dict))
        or "thresholds" in doc
        or "n_positive" in doc
        or "received" in doc
    )


def _read(path: Path, as_json: bool = True):
    """A published file's text (or its JSON): a file the audit cannot read (not UTF-8, not JSON) fails
    it (``InputError``, exit 3), since what it cannot read it cannot clear."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if as_json else text
    except UnicodeDecodeError:
        raise InputError(str(path), "the audit cannot read this published file: it is not UTF-8 text") from None
    except ValueError:
        raise InputError(str(path), "the audit cannot read this published file: it is not valid JSON") from None


def audit_reports(root: str | Path = "reports", min_cell: int | None = None) -> dict:
    """Audit every JSON and HTML file under ``root`` (what the pipeline publishes; HTML: :func:`audit_html`).

    ``min_cell``: default the one recorded in ``root/disclosure.json`` (else 10). ROC plot points
    (``plots/roc/<instrument>.json``) are read together with the overall table of the instrument's
    subgroup document (``subgroups/<instrument>.json``). Returns ``{"schema_version", "min_cell",
    "files", "findings"}``; no finding = nothing withheld can be computed back by these attacks.
    """
    root = Path(root)
    if min_cell is None:
        try:
            min_cell = int(json.loads((root / "disclosure.json").read_text(encoding="utf-8")).get("min_cell"))
        except (OSError, ValueError, TypeError, AttributeError):
            min_cell = DEFAULT_MIN_CELL
    files = sorted(p for p in root.rglob("*.json") if p.is_file())
    findings: list[dict] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        doc = _read(path)
        if not isinstance(doc, dict):
            continue
        roc = []
        if rel.startswith("subgroups/"):
            roc_path = root / "plots" / "roc" / path.name
            if roc_path.is_file():
                roc = _read(roc_path)
        if not _audited_kind(doc):  # e.g. metrics.json: instrument -> its figures
            for key, sub in doc.items():
                if isinstance(sub, dict) and _audited_kind(sub):
                    findings += audit_document(sub, f"{rel}#{key}", min_cell)
            continue
        findings += audit_document(doc, rel, min_cell, roc if isinstance(roc, list) else [])
    findings += paired_findings(root, min_cell)
    findings += decision_findings(root, min_cell)
    findings += roc_findings(root, min_cell)
    pages = sorted(p for p in root.rglob("*.html") if p.is_file())
    for path in pages:
        findings += audit_html(_read(path, as_json=False), path.relative_to(root).as_posix(), min_cell)
    return {
        "schema_version": 1,
        "min_cell": min_cell,
        "files": [p.relative_to(root).as_posix() for p in [*files, *pages]],
        "findings": findings,
    }


def paired_findings(root: str | Path, min_cell: int = DEFAULT_MIN_CELL) -> list[dict]:
    """``paired``: a comparison's sensitivity or specificity ratio (``comparison_metrics.json``, key
    ``<A>__vs__<B>``) times the other instrument's published proportion at a cut-off gives the first
    instrument's proportion on the paired records. When that times its published margin is a whole
    number that no published table of the instrument has, and it differs from one by 1 to
    ``min_cell - 1``, a withheld table is back (differencing: the records scoring in between).
    The instruments' tables are read from the overall figures of ``subgroups/<id>.json``.
    """
    root = Path(root)
    try:
        metrics = json.loads((root / "comparison_metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    overall: dict[str, dict] = {}
    for path in sorted((root / "subgroups").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("overall"), dict):
            overall[path.stem] = doc["overall"]

    def shown(doc: dict) -> list[dict]:
        return [
            e
            for e in doc.get("thresholds") or []
            if isinstance(e, dict)
            and "suppressed" not in e
            and all(isinstance(e.get(c), (int, np.integer)) for c in CELLS)
        ]

    found = []
    for key, m in (metrics or {}).items():
        if "__vs__" not in key or not isinstance(m, dict):
            continue
        names = key.split("__vs__", 1)
        for stat, hit, margin in (("sensitivity", "tp", "n_positive"), ("specificity", "tn", "n_negative")):
            ratio = _num(m.get(f"{stat}_ratio"))
            if not ratio:
                continue
            for x, y, factor in ((names[0], names[1], ratio), (names[1], names[0], 1 / ratio)):
                dx, dy = overall.get(x), overall.get(y)
                if not (dx and dy and _num(dx.get(margin)) and _num(dy.get(margin))):
                    continue
                px, py = int(dx[margin]), int(dy[margin])
                mine = {int(e[hit]) for e in shown(dx)}
                for e in shown(dy):
                    k = factor * int(e[hit]) / py * px
                    if abs(k - round(k)) > 1e-7 or round(k) in mine:
                        continue
                    if any(0 < abs(round(k) - v) < min_cell for v in mine):
                        found.append(
                            {
                                "file": "comparison_metrics.json",
                                "location": f"{key}.{stat}_ratio",
                                "attack": "paired",
                                "recovered": [f"{x}: a withheld 2x2 table ({hit})"],
                            }
                        )
                        break
    return found


def decision_findings(root: str | Path, min_cell: int = DEFAULT_MIN_CELL) -> list[dict]:
    """``decision``: a decision curve (``plots/decision/<id>.json``) is a set of equations in the counts.
    ``treat_all = P/n - N/n * t/(1 - t)`` gives n (P from the overall figures of
    ``subgroups/<id>.json``); two rows with the same TP and FP give both (``net_benefit = TP/n - FP/n
    * t/(1 - t)``). A whole-number solution that is not one of the instrument's published tables and
    differs from one by 1 to ``min_cell - 1`` positives or negatives gives back a withheld table
    (the records scoring in between)."""
    root = Path(root)
    found = []
    for path in sorted((root / "plots" / "decision").glob("*.json")):
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            doc = json.loads((root / "subgroups" / path.name).read_text(encoding="utf-8")).get("overall") or {}
        except (OSError, ValueError, AttributeError):
            continue
        rows = [
            r
            for r in rows
            if isinstance(r, dict)
            and all(_num(r.get(k)) is not None for k in ("threshold", "net_benefit", "treat_all"))
        ]
        pos = doc.get("n_positive")
        if len(rows) < 2 or not isinstance(pos, (int, np.integer)) or pos <= 0:
            continue
        w = np.array([r["threshold"] / (1 - r["threshold"]) for r in rows])
        share = np.linalg.lstsq(np.c_[np.ones(len(w)), -w], np.array([r["treat_all"] for r in rows]), rcond=None)[0][0]
        if share <= 0:
            continue
        n = pos / share
        shown = _shown_tables(doc) | {t for t, _ in _roc_tables(root, path.stem, doc)}
        for a, b in zip(rows, rows[1:]):
            table = plateau_table(a, b, n)
            if table is not None and table not in shown and differs_by_a_few(table, shown, min_cell):
                found.append(
                    {
                        "file": path.relative_to(root).as_posix(),
                        "location": f"threshold={a['threshold']}",
                        "attack": "decision",
                        "recovered": ["tp", "fp"],
                    }
                )
                break
    return found


def _shown_tables(doc: dict) -> set[tuple[int, int]]:
    """(tp, fp) of the published tables of an accuracy document (``disclosure.published_tables``)."""
    return set(published_tables(doc))


def _roc_tables(root: Path, name: str, doc: dict) -> list[tuple[tuple[int, int], dict]]:
    """The interior points of ``plots/roc/<name>.json`` as (tp, fp) on the document's margins."""
    pos, neg = doc.get("n_positive"), doc.get("n_negative")
    if not (isinstance(pos, (int, np.integer)) and isinstance(neg, (int, np.integer))):
        return []
    try:
        rows = json.loads((root / "plots" / "roc" / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for r in rows if isinstance(rows, list) else []:
        tpr, fpr = (_num(r.get(k)) if isinstance(r, dict) else None for k in ("tpr", "fpr"))
        if tpr is None or fpr is None:
            continue
        t = (int(round(tpr * pos)), int(round(fpr * neg)))
        if t not in ((0, 0), (int(pos), int(neg))):
            out.append((t, r))
    return out


def roc_findings(root: str | Path, min_cell: int = DEFAULT_MIN_CELL) -> list[dict]:
    """``roc``: an ROC plot point (``plots/roc/<id>.json``) is a table of the score on the published
    margins (``subgroups/<id>.json``, overall); one that is not a published table and differs from one
    by 1 to ``min_cell - 1`` positives or negatives gives the records scoring in between."""
    root = Path(root)
    found = []
    for path in sorted((root / "subgroups").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8")).get("overall") or {}
        except (ValueError, AttributeError):
            continue
        shown = _shown_tables(doc)
        for (tp, fp), row in _roc_tables(root, path.stem, doc):
            if (tp, fp) not in shown and differs_by_a_few((tp, fp), shown, min_cell):
                found.append(
                    {
                        "file": f"plots/roc/{path.name}",
                        "location": f"cutoff={row.get('cutoff')}",
                        "attack": "roc",
                        "recovered": ["records between the point and a published table"],
                    }
                )
    return found


def failure_reason(result: dict, findings_file: str) -> str:
    """The one-line refusal when the audit found recoverable counts (files and attacks, no values)."""
    files = sorted({f["file"] for f in result["findings"]})
    attacks = sorted({f["attack"] for f in result["findings"]})
    return (
        f"disclosure audit failed: {len(result['findings'])} withheld counts or tables can be computed back "
        f"({', '.join(attacks)}) in {', '.join(files[:5])}{' ...' if len(files) > 5 else ''}; "
        f"see {findings_file}"
    )


def meta_findings(doc: dict, where: str = "meta_analysis") -> list[dict]:
    """``meta_zero_margin``: a meta-analysis document as published (``scale.federated.meta_analysis_document``
    after ``disclosure.suppress_meta_analysis_document``; the report quotes its count of organisations
    with both reference-positive and -negative records and draws its points) names an organisation
    without reference-positives (or -negatives), a zero margin (group disclosure, docs/disclosure.md
    rule 4), when a point shows one of its proportions without the other, or when the count ``k`` of
    the ``K`` organisations is published and the organisations not drawn are exactly ``K - k``:
    each of them is then one without both. With the per-site subgroup table (the merged categories
    are the only candidates, their group's counts published) and the drawn sizes, such a zero gives
    back the other members' counts."""
    found = []
    names = doc.get("organisations")
    for e in doc.get("at_cutoffs") or []:
        points = e.get("per_organisation") or {}
        everyone = len(names) if isinstance(names, list) else len(points)
        if not points:
            continue

        def drawn(p: dict) -> bool:
            return not p.get("suppressed") and None not in (p.get("sensitivity"), p.get("specificity"))

        named = sorted(n for n, p in points.items() if not p.get("suppressed") and not drawn(p))
        k = e.get("organisations")
        hidden = [n for n, p in points.items() if not drawn(p)]
        if isinstance(k, (int, np.integer)) and 0 < everyone - k == len(hidden):
            named = sorted(set(named) | set(hidden))
        if named:
            found.append(
                {
                    "file": where,
                    "location": f"cutoff={e.get('cutoff')}",
                    "attack": "meta_zero_margin",
                    "recovered": [
                        f"per_organisation.{n}: no reference-positive or no reference-negative" for n in named
                    ],
                }
            )
    return found
