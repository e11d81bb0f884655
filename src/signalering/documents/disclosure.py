"""Statistical disclosure control for everything that leaves the pipeline (reports, metrics, plots).

Rules (see docs/disclosure.md):

1. **Threshold rule.** A count of 1 to ``min_cell - 1`` (default 10) is shown as the string
   ``"<10"`` (except where two such labels would pin the values: both cells of a withheld table's
   margin are then ``null``). A zero is shown as 0: it singles out nobody. The exception is a margin
   (reference-positives or -negatives of a group, events of a calibration): zero there means all or
   none of the group is positive (group disclosure, rule 4), so a zero margin is ``"<10"`` as well.
2. **Derived statistics.** A proportion, interval, likelihood ratio, criterion or AUC whose numerator
   or denominator rests on a suppressed cell is withheld: ``estimate``, ``ci_low``, ``ci_high`` become
   ``null`` with the one reason ``"withheld (small numbers)"`` (never why it would be undefined).
3. **Complementary suppression.** A 2 x 2 table is published with its margins, so one hidden cell
   could be recovered by subtraction: a table with any small cell is withheld *whole* (its other
   cells become ``null``) together with every statistic of it. Where a total and its parts are
   shown (n = positives + negatives + unverified; received = analysed + excluded; the categories
   of a subgroup column against the overall figures), further parts are hidden while one hidden
   part, or a sum of hidden parts below ``min_cell``, could be recovered.
4. **Small margins and group disclosure.** A group with fewer than ``min_cell`` reference-positives
   or -negatives (all or none positive included) has both margins and every statistic withheld: the
   AUC alone gives the margins (``2 * AUC * P * N`` is a whole number). Subgroup categories are
   merged before the analysis (``subgroups.small_group_merges``) so that this is rare.
5. **Differencing.** Two published cut-offs (or ROC points) whose tables differ by fewer than
   ``min_cell`` positives or negatives reveal how many records have the scores in between: the
   later one is withheld (cut-offs) or merged into its neighbour (ROC points).

``signalering.documents.audit`` checks the result by trying to compute withheld counts back.

Every function is pure: it returns a suppressed *copy* and a log of what was hidden and why
(locations and reasons, never values), for the report's methods section.
"""

from __future__ import annotations

import copy
from typing import Iterable

import numpy as np

from ..errors import UsageError
from ..stats.counts import CountTable
from ..stats.roc import roc_points

DEFAULT_MIN_CELL = 10
CELLS = ("tp", "fp", "tn", "fn")
# Keys whose integer values are record counts (the scan used by tests and the final guard).
COUNT_KEYS = frozenset(
    {
        "n",
        "n_positive",
        "n_negative",
        "n_unverified",
        "n_missing_score",
        "n_verified",
        "tp",
        "fp",
        "tn",
        "fn",
        "received",
        "analysed",
        "verified",
        "unverified",
        "both",
        "a_only",
        "b_only",
        "neither",
        "correct_a_only",
        "correct_b_only",
        "events_up",
        "events_down",
        "nonevents_up",
        "nonevents_down",
        "scored",
        "missing_score",
        "n_screen_positive",
        "n_events",
        "n_missing",
        "n_extreme",
    }
)

# Margins: a zero there is group disclosure (all or none of a group positive), so it is small too.
MARGIN_KEYS = frozenset({"n_positive", "n_negative", "n_events"})


def check_min_cell(min_cell) -> int:
    """``min_cell`` must be a positive integer."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise UsageError(
            f"The 'min_cell' parameter of disclosure control must be a positive integer. Got {min_cell!r} instead."
        )
    return int(min_cell)


def label(min_cell: int) -> str:
    """How a suppressed count is shown: ``"<10"``."""
    return f"<{min_cell}"


WITHHELD = "withheld (small numbers)"
#: the reason of a meta-analysis entry not fitted for too few organisations, when their number is withheld
META_TOO_FEW = "too few organisations with reference-positive and reference-negative records (their number withheld)"


def reason_small(min_cell: int) -> str:
    """The one reason every withheld figure carries: ``"withheld (small numbers)"``.

    Which rule withheld it (a small cell, group disclosure, complementary suppression, differencing)
    is not said: "all or none of this group are reference-positive" or "differs from its neighbour by
    fewer than 10 records" would itself disclose what the suppression hides (issue 13).
    """
    return WITHHELD


def reason_complementary(min_cell: int) -> str:
    return WITHHELD


def reason_difference(min_cell: int) -> str:
    return WITHHELD


def is_small(count, min_cell: int, zero: bool = False) -> bool:
    """A count that must not be published: ``1 <= count < min_cell``, or ``0 <= count < min_cell`` with
    ``zero=True`` (a margin: zero there is group disclosure, rule 4). Strings (already hidden) are not.

    >>> is_small(0, 10), is_small(3, 10), is_small(0, 10, zero=True), is_small(10, 10)
    (False, True, True, False)
    """
    return (
        isinstance(count, (int, np.integer))
        and not isinstance(count, bool)
        and (0 if zero else 1) <= int(count) < min_cell
    )


def _withhold_interval(obj: dict, reason: str) -> dict:
    out = dict(obj)
    out.update(estimate=None, ci_low=None, ci_high=None, reason=reason)
    for k in ("se", "se_h0", "p_value", "z", "variance"):
        if k in out:
            out[k] = None
    return out


def _entry(location: str, hidden: Iterable[str], reason: str) -> dict:
    return {"location": location, "hidden": sorted(set(hidden)), "reason": reason}


# ------------------------------------------------------------------ totals and their parts
def suppress_parts(
    values: dict,
    parts: list[str],
    total: str | None,
    min_cell: int,
    spare: Iterable[str] = (),
    margins: Iterable[str] = (),
) -> tuple[dict, dict]:
    """Threshold rule plus complementary suppression for a total and the parts that add up to it.

    Parameters
    ----------
    values : dict key -> int count
    parts : keys that add up to ``total`` (``total`` may be None when no total is published)
    total : key of the total, or None
    min_cell : int
    spare : keys never hidden as the complement (the total is hidden instead)
    margins : keys whose zero is small too (rule 4: all or none of a group positive)

    Returns
    -------
    (values, reasons): the published values (small counts as ``"<10"``, complementary ones as
    ``None``) and key -> reason for every hidden key.

    Notes
    -----
    With a published total, the hidden parts *together* equal the total minus the others: one hidden
    part would be recovered, and several small ones would be recovered as a small sum (``received -
    analysed`` = the records excluded for reasons each shown as ``"<10"``). So while one part is
    hidden, or the hidden parts add up to fewer than ``min_cell``, the smallest remaining part (not in
    ``spare``) is hidden as well; when there is none, the total is hidden instead.
    """
    out, reasons = dict(values), {}
    margins = set(margins)
    for k in [*parts, *([total] if total else [])]:
        if is_small(values.get(k), min_cell, zero=k in margins):
            out[k], reasons[k] = label(min_cell), reason_small(min_cell)
    spare = set(spare)
    while total and total not in reasons:
        hidden = [k for k in parts if k in reasons]
        labelled = sum(out[k] == label(min_cell) for k in hidden)
        if not hidden or not _exposed(_raw_sum(values, hidden), len(hidden), labelled, min_cell):
            break
        # a published zero adds nothing to the hidden sum: hiding it would protect nothing
        rest = sorted(
            (values[k], k)
            for k in parts
            if k not in reasons
            and k not in spare
            and isinstance(values.get(k), (int, np.integer))
            and int(values[k]) > 0
        )
        victim = rest[0][1] if rest else total
        out[victim], reasons[victim] = None, reason_complementary(min_cell)
    return out, reasons


def _raw_sum(values: dict, keys) -> int:
    """Sum of the unpublished counts ``keys``: what a reader recovers as total minus published parts."""
    return int(sum(int(values[k]) for k in keys if isinstance(values.get(k), (int, np.integer))))


def _exposed(total: int, n_hidden: int, n_labelled: int, min_cell: int) -> bool:
    """Whether hidden counts whose sum ``total`` a reader knows give something away: one hidden count,
    a sum below ``min_cell``, or (all of them shown as ``"<10"``, i.e. 1 to ``min_cell - 1``) a sum
    that only the largest or the smallest values reach (two "<10" adding up to 18 are 9 and 9)."""
    return (
        n_hidden == 1
        or total < min_cell
        or (n_labelled == n_hidden and (total >= n_hidden * (min_cell - 1) or total <= n_hidden))
    )


# ------------------------------------------------------------------ accuracy.json
def _table_ok(entry: dict, min_cell: int) -> bool:
    return not any(is_small(entry.get(c), min_cell) for c in CELLS)


# Kept when an entry is withheld: labels, never a number. ``criterion`` is a number (Youden's J, the
# distance to (0, 1), a cost) from which the table can be solved with the margins: it goes too.
KEEP_KEYS = frozenset({"cutoff", "names", "prespecified", "method", "note", "focus"})


def _blank(obj, reason: str):
    """Every number inside ``obj`` withheld (None); every ``reason`` (why a statistic is undefined can
    disclose the counts: "needs positive and negative records") becomes ``reason``; other strings stay."""
    if isinstance(obj, dict):
        if "estimate" in obj:
            obj = _withhold_interval(obj, reason)
        return {
            k: (reason if _is_reason_key(k) and isinstance(v, str) else v if k in KEEP_KEYS else _blank(v, reason))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_blank(v, reason) for v in obj]
    if isinstance(obj, (int, float, np.integer, np.floating)) and not isinstance(obj, bool):
        return None
    return obj


def _is_reason_key(key: str) -> bool:
    return key == "reason" or key.endswith("_reason")


def _withhold_table(entry: dict, reason: str, min_cell: int) -> dict:
    """A threshold entry withheld whole: small cells as "<10", every other number null, reasons added
    (``excluded_by_band``, the disclosure-control input of a banded cut-off, is never published)."""
    out = _blank({k: v for k, v in entry.items() if k != "excluded_by_band"}, reason)
    for c in CELLS:
        if c in entry:
            out[c] = label(min_cell) if is_small(entry[c], min_cell) else None
    for a, b in (("tp", "fn"), ("fp", "tn")):  # both "<10" with a margin of 18: both are 9
        if out.get(a) == out.get(b) == label(min_cell):
            out[a] = out[b] = None
    if entry.get("at_prevalence"):
        out["at_prevalence"] = []
        out["at_prevalence_reason"] = reason
    out["suppressed"] = reason
    return out


def _gap_ok(d: int, min_cell: int) -> bool:
    """A difference in records between two published tables (or ROC points) is safe when it is 0 (a
    zero singles out nobody) or at least ``min_cell``."""
    return d == 0 or abs(d) >= min_cell


def _differs_enough(a: dict, b: dict, min_cell: int) -> bool:
    """Two published tables of one score reveal the records scoring in between: positives (tp) and
    negatives (fp) in between must each be 0 or at least ``min_cell``."""
    dtp = abs(int(a["tp"]) - int(b["tp"]))
    dfp = abs(int(a["fp"]) - int(b["fp"]))
    return _gap_ok(dtp, min_cell) and _gap_ok(dfp, min_cell)


def suppress_tables(entries: list[dict], min_cell: int, location: str = "thresholds") -> tuple[list[dict], list[dict]]:
    """Suppress a list of 2 x 2 threshold entries (``tp, fp, tn, fn`` and statistics).

    A table with a cell below ``min_cell`` is withheld whole (rules 1-3). Of the remaining tables,
    ordered from the strictest to the most lenient screen, one is kept only when it differs from the
    previously kept one by 0 or at least ``min_cell`` in both tp and fp (rule 5); the others are
    withheld. Entries keep their order and their ``cutoff``.
    """
    min_cell = check_min_cell(min_cell)
    out, log = list(entries), []
    order = sorted(
        range(len(entries)), key=lambda i: (int(entries[i]["tp"]) + int(entries[i]["fp"]), int(entries[i]["tp"]))
    )
    kept: list[dict] = []
    for i in order:
        e = entries[i]
        where = f"{location}[cutoff={e.get('cutoff')}]"
        if not _table_ok(e, min_cell):
            out[i] = _withhold_table(e, reason_small(min_cell), min_cell)
            log.append(_entry(where, ["2x2 table", "statistics"], reason_small(min_cell)))
        elif kept and not _differs_enough(kept[-1], e, min_cell):
            out[i] = _withhold_table(e, reason_difference(min_cell), min_cell)
            for c in CELLS:  # its cells are all >= min_cell; the difference is what discloses
                out[i][c] = None
            log.append(_entry(where, ["2x2 table", "statistics"], reason_difference(min_cell)))
        else:
            kept.append(e)
    return out, log


def banded_table_reason(entry: dict, kept: list[dict], min_cell: int) -> str | None:
    """Why the 2 x 2 table of a banded cut-off (each record at its own band's cut-off) must be
    withheld, or None.

    A banded table counts the records with a band; the other tables of the document count all
    records. So besides its own small cells (rules 1-3) it is withheld when the scored, verified
    records *without* a band (``excluded_by_band``) number 1 to ``min_cell - 1`` reference-positives
    or -negatives (the document's margins minus the table's give them), or, when every band has
    the same cut-off, form a small cell at it (the all-records table at that value minus the
    banded table is exactly their table), or it differs from the published table at that value by
    fewer than ``min_cell`` positives or negatives (rule 5: the two tables are then nested).
    With several band values the banded table is not nested in any single-cut-off table (it mixes
    bands screened at different values), so rule 5 does not apply; the records without a band are
    then a subgroup (e.g. an age group the norms do not cover) whose tables the subgroup stage
    controls.
    """
    if not _table_ok(entry, min_cell):
        return reason_small(min_cell)
    excluded = entry.get("excluded_by_band") or []
    for cells in excluded:
        margins = {"tp": cells["tp"] + cells["fn"], "fp": cells["fp"] + cells["tn"]}
        if not _table_ok(margins, min_cell) or (len(excluded) == 1 and not _table_ok(cells, min_cell)):
            return reason_difference(min_cell)
    values = {float(b.get("cutoff")) for b in (entry.get("banded") or {}).get("bands") or []}
    if len(values) == 1:
        same = [e for e in kept if e.get("cutoff") is not None and float(e["cutoff"]) in values]
        if any(not _differs_enough(entry, e, min_cell) for e in same):
            return reason_difference(min_cell)
    return None


def suppress_accuracy_document(
    doc: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = ""
) -> tuple[dict, list[dict]]:
    """A publishable copy of an ``accuracy.json`` document and the log of what was hidden.

    Parameters
    ----------
    doc : dict
        ``accuracy.accuracy_document`` output (extra keys are kept).
    min_cell : int
        Counts below it are suppressed (``disclosure.min_cell`` in params).
    location : str
        Prefix for the log entries (e.g. the instrument id).

    Returns
    -------
    (doc, log): the suppressed copy, and a list of ``{"location", "hidden", "reason"}`` without values.

    Notes
    -----
    With fewer than ``min_cell`` reference-positives or -negatives (zero included: group disclosure)
    *both* margins are withheld (so the pattern of what is hidden does not tell which case applies)
    and every statistic of the document, each with the one reason ``"withheld (small numbers)"``:
    the AUC alone gives the margins (``2 * AUC * P * N`` is a whole number), and why a statistic is
    undefined ("needs positive and negative records") tells that a group is all-positive or
    all-negative.

    Examples
    --------
    >>> d = {"n": 40, "n_positive": 4, "n_negative": 30, "n_unverified": 6, "auc": {"estimate": 0.8,
    ...      "ci_low": 0.6, "ci_high": 0.9, "method": "delong"}, "thresholds": []}
    >>> out, log = suppress_accuracy_document(d, 10)
    >>> out["n_positive"], out["n_negative"], out["auc"]["estimate"]
    ('<10', None, None)
    """
    min_cell = check_min_cell(min_cell)
    out = copy.deepcopy(doc)
    for e in out.get("thresholds") or []:  # disclosure-control input, never published
        if isinstance(e, dict):
            e.pop("excluded_by_band", None)
    log: list[dict] = []
    pre = f"{location}." if location else ""
    counts = {k: doc.get(k) for k in ("n", "n_positive", "n_negative", "n_unverified")}
    published, reasons = suppress_parts(
        counts,
        ["n_positive", "n_negative", "n_unverified"],
        "n",
        min_cell,
        spare=("n_positive", "n_negative"),
        margins=("n_positive", "n_negative"),
    )
    pos, neg = doc.get("n_positive"), doc.get("n_negative")
    small_margin = is_small(pos, min_cell, zero=True) or is_small(neg, min_cell, zero=True)
    if small_margin:
        for k in ("n_positive", "n_negative"):
            if k not in reasons and k in doc:
                published[k], reasons[k] = None, reason_complementary(min_cell)
    for k, v in published.items():
        if k in doc:
            out[k] = v
    if is_small(doc.get("n_missing_score"), min_cell):
        out["n_missing_score"], reasons["n_missing_score"] = label(min_cell), reason_small(min_cell)
    if reasons:
        out["suppressed"] = dict(sorted(reasons.items()))
        log.append(_entry(f"{pre}counts", list(reasons), WITHHELD))
    if small_margin:
        withhold_statistics(out, doc, min_cell, location, log)
        out = suppress_counts(out, min_cell, f"{pre}".rstrip(".") or "document", log)
        return out, log
    if isinstance(doc.get("thresholds"), list):
        plain = [i for i, e in enumerate(out["thresholds"]) if not e.get("banded")]
        tables, tlog = suppress_tables([out["thresholds"][i] for i in plain], min_cell, f"{pre}thresholds")
        for i, e in zip(plain, tables):
            out["thresholds"][i] = e
        log.extend(tlog)
        kept_plain = [e for e in tables if "suppressed" not in e]
        for i, e in enumerate(doc["thresholds"]):
            if e.get("banded"):
                why = banded_table_reason(e, kept_plain, min_cell)
                if why:
                    out["thresholds"][i] = _withhold_table(out["thresholds"][i], why, min_cell)
                    if why != reason_small(min_cell):
                        for c in CELLS:
                            out["thresholds"][i][c] = None
                    where = f"{pre}thresholds[banded={e['banded'].get('name')}]"
                    log.append(_entry(where, ["2x2 table", "statistics"], why))
    kept = [e for e in out.get("thresholds", []) if "suppressed" not in e and not e.get("banded")]

    def data_driven_reason(cells: dict) -> str | None:
        if not _table_ok(cells, min_cell):
            return reason_small(min_cell)
        if any(not _differs_enough(cells, e, min_cell) for e in kept):
            return reason_difference(min_cell)
        return None

    opt = doc.get("optimal")
    if isinstance(opt, dict) and all(isinstance(opt.get(c), (int, np.integer)) for c in CELLS):
        why = data_driven_reason(opt)
        if why:
            _withhold_optimal(out, min_cell)
            log.append(_entry(f"{pre}optimal", ["2x2 table", "statistics", "cutoff"], why))
    elif isinstance(opt, dict) and opt.get("reason"):
        out["optimal"] = {**_blank(opt, WITHHELD), "cutoff": None, "suppressed": WITHHELD}
    # Data-driven cut-points publish sensitivity and specificity, i.e. tp = sens * n_positive, fp = ...
    for i, cp in enumerate(doc.get("cutpoints") or []):
        if not isinstance(cp, dict) or cp.get("cutoff") is None:
            if isinstance(cp, dict) and cp.get("reason"):
                out["cutpoints"][i] = {**_blank(cp, WITHHELD), "suppressed": WITHHELD}
            continue
        sens, spec = cp.get("sensitivity"), cp.get("specificity")
        if isinstance(sens, dict):
            sens = sens.get("estimate")
        if isinstance(spec, dict):
            spec = spec.get("estimate")
        if not all(isinstance(v, (int, float)) for v in (sens, spec, pos, neg)):
            continue
        tp, fp = int(round(sens * pos)), int(round((1 - spec) * neg))
        why = data_driven_reason({"tp": tp, "fp": fp, "fn": pos - tp, "tn": neg - fp})
        if why:
            out["cutpoints"][i] = {**_blank(cp, why), "cutoff": None, "suppressed": why}
            log.append(_entry(f"{pre}cutpoints[{cp.get('method')}]", ["cutoff", "statistics"], why))
    withhold_at_hidden_cutoffs(out, min_cell, location, log)
    withhold_small_unverified(out, doc, min_cell, location, log)
    out = suppress_counts(out, min_cell, f"{pre}".rstrip(".") or "document", log)
    return out, log


UNVERIFIED_KEYS = ("n_unverified_screen_positive", "n_unverified_screen_negative")


def withhold_small_unverified(out: dict, raw: dict, min_cell: int, location: str, log: list[dict]) -> None:
    """Withhold, in place, the verification-corrected entries that would give a small count back.

    A Begg-Greenes estimate (and each estimate of its sensitivity analysis) is a function of the
    cut-off's verified table (published) and of the unverified screen-positives ``u1`` and
    -negatives ``u0``, whose sum is the document's ``n_unverified`` (published): the corrected
    sensitivity alone has one solution in ``u1``. So an entry whose ``u1`` or ``u0`` is 1 to
    ``min_cell - 1`` keeps only its cut-off (the small count ``"<10"``, the other counts null).
    And, as for the tables (rule 6), two entries whose ``u1`` differ by 1 to ``min_cell - 1`` reveal
    the unverified records scoring in between: of the entries ordered from the strictest cut-off,
    one is kept only when its ``u1`` and ``u0`` differ from the last kept one by 0 or at least
    ``min_cell``.
    """
    vc, vraw = out.get("verification_corrected"), raw.get("verification_corrected")
    if not (isinstance(vc, dict) and isinstance(vraw, dict)):
        return
    pre = f"{location}." if location else ""
    entries = vraw.get("thresholds") or []

    def u(e: dict) -> tuple | None:
        vals = tuple(e.get(k) for k in UNVERIFIED_KEYS)
        return vals if all(_is_int(v) for v in vals) else None

    order = sorted((i for i, e in enumerate(entries) if isinstance(e, dict) and u(e)), key=lambda i: u(entries[i]))
    last = None
    for i in order:
        e, pub = entries[i], vc["thresholds"][i]
        if "suppressed" in pub:
            continue
        small = [k for k in UNVERIFIED_KEYS if is_small(e[k], min_cell)]
        close = last is not None and not all(_gap_ok(a - b, min_cell) for a, b in zip(u(e), last))
        if not small and not close:
            last = u(e)
            continue
        keep = {k: v for k, v in pub.items() if k == "cutoff"}
        vc["thresholds"][i] = {**_blank(pub, WITHHELD), **keep, "suppressed": WITHHELD}
        if len(small) < 2 or not _exposed(_raw_sum(e, small), 2, 2, min_cell):  # two "<10" adding up to 2 are 1 and 1
            for k in small:
                vc["thresholds"][i][k] = label(min_cell)
        log.append(
            _entry(
                f"{pre}verification_corrected[cutoff={e.get('cutoff')}]",
                ["corrected statistics", *UNVERIFIED_KEYS],
                WITHHELD,
            )
        )


# Keys of an accuracy document that are settings, not results: kept when its statistics are withheld.
SETTING_KEYS = frozenset(
    {"schema_version", "ci_method", "confidence", "correction", "direction", "instrument", "score", "suppressed"}
)


def withhold_statistics(out: dict, raw: dict, min_cell: int, location: str, log: list[dict]) -> None:
    """Withhold every statistic of an accuracy document in place (its counts are left to the caller).

    Used for a group with fewer than ``min_cell`` positives or negatives, and for a group whose margin
    was hidden as a complement: its tables (``tp + fn = n_positive``), AUC, cut-points and every
    by-product would give the hidden margin back.
    """
    pre = f"{location}." if location else ""
    for k, v in raw.items():
        if k in SETTING_KEYS or _is_count_key(k) or not isinstance(v, (dict, list)):
            continue
        if k == "thresholds":
            out[k] = [_withhold_table(e, WITHHELD, min_cell) if isinstance(e, dict) else e for e in v]
            for e in out[k]:
                if isinstance(e, dict):
                    for c in CELLS:
                        if c in e and e[c] != label(min_cell):
                            e[c] = None
        elif k == "optimal" and isinstance(v, dict):
            out[k] = {**_withhold_table(v, WITHHELD, min_cell), "cutoff": None}
        elif k == "cutpoints" and isinstance(v, list):
            out[k] = [
                {**_blank(cp, WITHHELD), "cutoff": None, "suppressed": WITHHELD} if isinstance(cp, dict) else cp
                for cp in v
            ]
        elif isinstance(v, dict) and "estimate" in v:
            out[k] = _withhold_interval(_blank(v, WITHHELD), WITHHELD)
        elif isinstance(v, dict):
            out[k] = {**_blank(v, WITHHELD), "suppressed": WITHHELD}
        else:
            out[k] = _blank(v, WITHHELD)
        log.append(_entry(f"{pre}{k}", [k], WITHHELD))


def _withhold_optimal(out: dict, min_cell: int) -> None:
    out["optimal"] = _withhold_table(out["optimal"], WITHHELD, min_cell)
    out["optimal"]["cutoff"] = None  # a data-driven cut-off can point at a small score group


def withhold_at_hidden_cutoffs(out: dict, min_cell: int, location: str, log: list[dict]) -> None:
    """Withhold, in place, whatever repeats a withheld threshold table under another key.

    A data-driven cut-point (``cutpoints``, ``optimal``) at the cut-off of a withheld table publishes its
    sensitivity and specificity, i.e. the table; so do verification-corrected estimates at that
    cut-off. Run after every step that withholds tables (also after complementary suppression across
    subgroups).
    """
    pre = f"{location}." if location else ""
    hidden = {e.get("cutoff") for e in out.get("thresholds") or [] if isinstance(e, dict) and "suppressed" in e}
    hidden.discard(None)
    if not hidden:
        return
    opt = out.get("optimal")
    if isinstance(opt, dict) and "suppressed" not in opt and opt.get("cutoff") in hidden:
        _withhold_optimal(out, min_cell)
        log.append(_entry(f"{pre}optimal", ["2x2 table", "statistics", "cutoff"], WITHHELD))
    for i, cp in enumerate(out.get("cutpoints") or []):
        if isinstance(cp, dict) and "suppressed" not in cp and cp.get("cutoff") in hidden:
            out["cutpoints"][i] = {**_blank(cp, WITHHELD), "cutoff": None, "suppressed": WITHHELD}
            log.append(_entry(f"{pre}cutpoints[{cp.get('method')}]", ["cutoff", "statistics"], WITHHELD))
    vc = out.get("verification_corrected")
    if isinstance(vc, dict):
        for j, e in enumerate(vc.get("thresholds") or []):
            if isinstance(e, dict) and "suppressed" not in e and e.get("cutoff") in hidden:
                vc["thresholds"][j] = {**_blank(e, WITHHELD), "suppressed": WITHHELD}
                log.append(
                    _entry(f"{pre}verification_corrected[cutoff={e.get('cutoff')}]", ["corrected statistics"], WITHHELD)
                )


#: keys with an ``n_`` prefix that count raters, not records (a reliability document's
#: ``icc_subset.n_raters``: two raters are no small count)
RATER_KEYS = frozenset({"n_raters"})


def _is_count_key(key: str) -> bool:
    return key not in RATER_KEYS and (key in COUNT_KEYS or key.startswith("n_"))


def suppress_counts(obj, min_cell: int = DEFAULT_MIN_CELL, location: str = "document", log: list[dict] | None = None):
    """Generic last pass: in every object holding a count below ``min_cell`` (keys in ``COUNT_KEYS`` or
    starting with ``n_``), that count becomes ``"<10"`` and the object's other counts become null
    (they are often its total or complement); a statistic in that object (``estimate`` with its
    interval, SE, z and p) rests on those few records and is withheld too (e.g. Fleiss' kappa over a
    handful of families rated by every rater). Returns the new object; appends to ``log`` if given.
    """
    min_cell = check_min_cell(min_cell)
    if isinstance(obj, list):
        return [suppress_counts(v, min_cell, f"{location}[{i}]", log) for i, v in enumerate(obj)]
    if not isinstance(obj, dict):
        return obj
    out = {k: suppress_counts(v, min_cell, f"{location}.{k}", log) for k, v in obj.items()}
    small = [k for k, v in obj.items() if _is_count_key(k) and is_small(v, min_cell)]
    if small:
        others = [
            k
            for k, v in obj.items()
            if _is_count_key(k) and k not in small and isinstance(v, (int, np.integer)) and not isinstance(v, bool)
        ]
        if "estimate" in out:
            out = _withhold_interval(out, WITHHELD)
        for k in small:
            out[k] = label(min_cell)
        for k in others:
            out[k] = None
        if log is not None:
            log.append(_entry(location, small + (["estimate"] if "estimate" in obj else []), reason_small(min_cell)))
            if others:
                log.append(_entry(location, others, reason_complementary(min_cell)))
    return out


# ------------------------------------------------------------------ reliability
def suppress_reliability_document(
    doc: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = "reliability"
) -> tuple[dict, list[dict]]:
    """A reliability document (``stats.reliability.summary.reliability_summary`` plus the stage's keys)
    under the rules: ``suppress_counts`` (a kappa over fewer than ``min_cell`` families loses its
    estimate, and its ``agreement``, the share of those few families rated alike), and the ICC forms
    rest on the ``icc_subset.n_used`` families rated by every rater, a count kept apart from the
    forms: when it is small the six forms are withheld like that kappa (estimate, interval, F, p; the
    interval and F give the number of families back through their degrees of freedom), and so is the
    subset's ``note``, which quotes the count; a Bland-Altman analysis over fewer than ``min_cell``
    families loses its bias, limits and SD of the differences. ``n_raters`` counts raters, not records (``RATER_KEYS``):
    it is left as it is. Returns the new document and a log.
    """
    min_cell = check_min_cell(min_cell)
    log: list[dict] = []
    out = suppress_counts(doc, min_cell, location, log)
    for k in ("kappa", "weighted_kappa", "fleiss_kappa"):
        v = out.get(k)
        if isinstance(v, dict) and v.get("reason") == WITHHELD and "agreement" in v:
            out[k] = {**v, "agreement": None}
    subset = doc.get("icc_subset") if isinstance(doc.get("icc_subset"), dict) else None
    if subset and is_small(subset.get("n_used"), min_cell):
        out["icc"] = [
            {**_withhold_interval(f, WITHHELD), "f": None} if isinstance(f, dict) and "estimate" in f else f
            for f in out.get("icc") or []
        ]
        out["icc_subset"] = {**out["icc_subset"], "note": None}
        log.append(_entry(f"{location}.icc", ["ICC forms", "note"], reason_small(min_cell)))
    ba = doc.get("bland_altman") if isinstance(doc.get("bland_altman"), dict) else None
    if ba and is_small(ba.get("n"), min_cell):
        out["bland_altman"] = {
            k: _withhold_interval(v, WITHHELD) if isinstance(v, dict) else (None if isinstance(v, float) else v)
            for k, v in out["bland_altman"].items()
        }
        log.append(_entry(f"{location}.bland_altman", ["bias", "limits of agreement"], reason_small(min_cell)))
    return out, log


# ------------------------------------------------------------------ ROC points
def published_tables(doc: dict | None, roc_rows: Iterable[dict] = ()) -> list[tuple[int, int]]:
    """(TP, FP) of the tables a *published* accuracy document shows, then of published ROC points
    (``roc_plot_rows`` output) on that document's margins: what a reader can difference against
    (rules 6 and 8). Banded tables count other records (those with a band) and are left out.

    >>> published_tables({"n_positive": 10, "n_negative": 20,
    ...                   "thresholds": [{"tp": 6, "fp": 4}, {"tp": None, "fp": None}]},
    ...                  [{"tpr": 0.5, "fpr": 0.25}])
    [(6, 4), (5, 5)]
    """
    doc = doc or {}
    out = [
        (int(e["tp"]), int(e["fp"]))
        for e in doc.get("thresholds") or []
        if isinstance(e, dict)
        and not e.get("banded")
        and isinstance(e.get("tp"), (int, np.integer))
        and not isinstance(e.get("tp"), bool)
        and isinstance(e.get("fp"), (int, np.integer))
        and not isinstance(e.get("fp"), bool)
    ]
    pos, neg = doc.get("n_positive"), doc.get("n_negative")
    if isinstance(pos, (int, np.integer)) and isinstance(neg, (int, np.integer)):
        for r in roc_rows:
            tpr, fpr = r.get("tpr"), r.get("fpr")
            if isinstance(tpr, (int, float)) and isinstance(fpr, (int, float)):
                out.append((int(round(tpr * pos)), int(round(fpr * neg))))
    return out


def roc_plot_rows(
    counts: CountTable, min_cell: int = DEFAULT_MIN_CELL, tables: Iterable[tuple[int, int]] = ()
) -> tuple[list[dict], list[dict]]:
    """ROC points safe to publish: ``{"cutoff", "fpr", "tpr"}`` rows and a log.

    The empirical curve has one point per distinct score. Interior points are kept greedily from
    the strictest cut-off: a point is kept when none of its tp, fp, fn and tn is 1 to
    ``min_cell - 1`` and it lies 0 or at least ``min_cell`` positives, and 0 or at least ``min_cell``
    negatives, beyond the previously kept point (the rule of the published tables); dropped points are merged into the next kept segment (the curve is drawn through
    the kept points, each of them a true empirical point). The corners (0, 0) and (1, 1) reveal only
    the margins and are always kept. With fewer than ``min_cell`` positives or negatives only the
    corners remain.

    ``tables``: the (tp, fp) of the score's tables published elsewhere (its accuracy document as
    published). A point that is not one of them must differ from each by 0 or at least ``min_cell``
    positives and negatives too: a point one positive and one negative stricter than the published
    table at 17 says that one positive and one negative score exactly 17.
    """
    min_cell = check_min_cell(min_cell)
    pts = roc_points(counts)

    def row(r) -> dict:
        cut = None if np.isnan(r.cutoff) else float(r.cutoff)
        return {
            "cutoff": cut,
            "fpr": None if np.isnan(r.fpr) else float(r.fpr),
            "tpr": None if np.isnan(r.tpr) else float(r.tpr),
        }

    records = list(pts.itertuples(index=False))
    if not records:
        return [], []
    m, n = counts.n_positive, counts.n_negative
    published = {(int(a), int(b)) for a, b in tables}
    rows, last, dropped = [row(records[0])], (0, 0), 0
    for r in records[1:-1]:
        tp, fp = int(r.tp), int(r.fp)
        # the same rule as the published tables (suppress_tables): no cell of 1..min_cell-1, and the
        # records between this point and the last kept one 0 or at least min_cell, positives and negatives
        cells_ok = not any(is_small(c, min_cell) for c in (tp, fp, m - tp, n - fp))
        apart = (tp, fp) in published or all(
            _gap_ok(tp - a, min_cell) and _gap_ok(fp - b, min_cell) for a, b in published
        )
        if (
            cells_ok
            and apart
            and _gap_ok(tp - last[0], min_cell)
            and _gap_ok(fp - last[1], min_cell)
            and (tp, fp) != last
        ):
            rows.append(row(r))
            last = (tp, fp)
        else:
            dropped += 1
    if len(records) > 1:
        rows.append(row(records[-1]))
    log = (
        [
            _entry(
                "roc",
                ["roc points"],
                f"merged {dropped} ROC points that separate fewer than {min_cell} "
                "reference-positive or reference-negative records from their neighbours",
            )
        ]
        if dropped
        else []
    )
    return rows, log


def decision_plot_rows(
    rows: list[dict],
    probability,
    reference,
    min_cell: int = DEFAULT_MIN_CELL,
    key: str = "threshold",
    tables: Iterable[tuple[int, int]] = (),
) -> tuple[list[dict], list[dict]]:
    """Decision-curve rows safe to publish (``decision.decision_curve_points`` output).

    Net benefit at threshold t is TP(t)/n - FP(t)/n * t/(1 - t); two thresholds with the same TP and FP
    give two equations, so a published curve reveals TP and FP wherever they are constant, and its
    steps reveal how many positives and negatives have a predicted risk between two thresholds. A row
    is kept when TP, FP, FN and TN at its threshold (records with ``p >= t`` treated) are all at least
    ``min_cell`` and TP and FP are either unchanged or at least ``min_cell`` beyond the previously kept
    row, as for ROC points. Rows keep their keys (``net_benefit``, ``treat_all``, intervals).

    ``tables``: the (TP, FP) of the instrument's tables published elsewhere (its accuracy document,
    its ROC points). Treating the records with a risk of at least t is screening at a score cut-off
    (the risk rises with the score), so a row's (TP, FP) that is not one of them must differ from
    each by 0 or at least ``min_cell`` positives and negatives (rule 6): otherwise the curve gives
    back a table the accuracy document withholds (the one at 3 between the published ones at 2 and 4).
    """
    min_cell = check_min_cell(min_cell)
    # TP and FP at each threshold (records with p >= t treated): the one count of screen-positives
    counts = CountTable.from_scores(np.asarray(probability, dtype=float), np.asarray(reference, dtype=float))
    m, n = counts.n_positive, counts.n_negative
    published = {(int(a), int(b)) for a, b in tables}
    kept, last, dropped = [], None, 0
    ordered = sorted(rows, key=lambda r: r[key])
    at = counts.cells_at([r[key] for r in ordered]) if ordered else {"tp": [], "fp": []}
    for row, tp, fp in zip(ordered, at["tp"], at["fp"]):
        tp, fp = int(tp), int(fp)
        cells_ok = min(tp, fp, m - tp, n - fp) >= min_cell
        step_ok = last is None or (tp, fp) == last or (abs(last[0] - tp) >= min_cell and abs(last[1] - fp) >= min_cell)
        apart = (tp, fp) in published or all(
            _gap_ok(tp - a, min_cell) and _gap_ok(fp - b, min_cell) for a, b in published
        )
        if cells_ok and step_ok and apart and not _pseudo_plateau(kept[-1:], row, m + n, key, published, min_cell):
            kept.append(row)
            last = (tp, fp)
        else:
            dropped += 1
    log = (
        [
            _entry(
                "decision",
                ["decision-curve points"],
                f"left out {dropped} thresholds where fewer than {min_cell} records are treated or untreated "
                "in a reference group, or that differ from a neighbouring threshold by fewer than "
                f"{min_cell} records",
            )
        ]
        if dropped
        else []
    )
    return kept, log


def _pseudo_plateau(previous: list[dict], row: dict, n: int, key: str, published: set, min_cell: int) -> bool:
    """Whether publishing ``row`` after ``previous`` (the last row kept) lets a reader solve a table
    that the disclosure audit (``audit.decision_findings``) would count as given back.

    A reader who assumes TP and FP constant between two neighbouring rows solves
    ``TP - FP w = n NB`` at both thresholds (``w = t / (1 - t)``). Where TP and FP really are constant,
    the solution is the row's own table, already checked. Elsewhere the solution is usually fractional,
    but for some thresholds it is a whole number by coincidence (``t = 0.05`` and ``0.1`` give
    ``(19 TP_1 - 9 TP_2 + FP_2 - FP_1) / 10``); a reader cannot tell such a pair from a plateau, so
    when that whole-number table lies within 1 to ``min_cell - 1`` records of a published one the row
    is left out, as the audit would flag it.
    """
    if not previous or not published:
        return False
    table = plateau_table(previous[0], row, n, key, tolerance=1e-4)  # looser than the audit's: never less strict
    return table is not None and table not in published and differs_by_a_few(table, published, min_cell)


def plateau_table(a: dict, b: dict, n: float, key: str = "threshold", tolerance: float = 1e-6):
    """The (TP, FP) a reader solves from two decision-curve rows assuming TP and FP constant between
    them (``TP - FP w = n NB`` at both thresholds, ``w = t / (1 - t)``), when both come out whole to
    within ``tolerance``; else None. Shared by :func:`decision_plot_rows` and the audit's decision attack.

    >>> plateau_table({"threshold": 0.1, "net_benefit": (30 - 40 / 9) / 200},
    ...               {"threshold": 0.2, "net_benefit": (30 - 40 / 4) / 200}, 200)
    (30, 40)
    """
    try:
        ta, tb = float(a[key]), float(b[key])
        nb = np.array([float(a["net_benefit"]), float(b["net_benefit"])]) * n
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 < ta < 1 and 0 < tb < 1) or ta == tb or not np.all(np.isfinite(nb)):
        return None
    w = np.array([ta / (1 - ta), tb / (1 - tb)])
    tp, fp = np.linalg.solve(np.c_[np.ones(2), -w], nb)
    if abs(tp - round(tp)) > tolerance or abs(fp - round(fp)) > tolerance:
        return None
    return int(round(tp)), int(round(fp))


def differs_by_a_few(table: tuple[int, int], published: Iterable[tuple[int, int]], min_cell: int) -> bool:
    """Whether ``table`` differs from a published table by 1 to ``min_cell - 1`` positives or negatives
    (the records scoring in between would be a small cell).

    >>> differs_by_a_few((30, 40), [(33, 90)], 10), differs_by_a_few((30, 40), [(45, 90)], 10)
    (True, False)
    """
    return any(0 < abs(table[0] - x) < min_cell or 0 < abs(table[1] - y) < min_cell for x, y in published)


def calibration_plot_rows(
    rows: list[dict], probability, min_cell: int = DEFAULT_MIN_CELL, key: str = "predicted"
) -> tuple[list[dict], list[dict]]:
    """Calibration-curve rows safe to publish (``calibration.calibration_curve_points`` output).

    The smoothed curve at its ends follows the few records with the most extreme predictions; rows
    whose ``predicted`` lies below the ``min_cell``-th smallest or above the ``min_cell``-th largest
    prediction are left out, so every published point has at least ``min_cell`` records on each side.
    """
    min_cell = check_min_cell(min_cell)
    p = np.sort(np.asarray(probability, dtype=float))
    p = p[~np.isnan(p)]
    if len(p) < 2 * min_cell:
        return [], [_entry("calibration", ["calibration-curve points"], reason_small(min_cell))] if rows else []
    lo, hi = p[min_cell - 1], p[len(p) - min_cell]
    kept = [r for r in rows if r[key] is not None and lo <= r[key] <= hi]
    dropped = len(rows) - len(kept)
    log = (
        [
            _entry(
                "calibration",
                ["calibration-curve points"],
                f"left out {dropped} points beyond the {min_cell} most extreme predictions",
            )
        ]
        if dropped
        else []
    )
    return kept, log


# ------------------------------------------------------------------ flow
def suppress_flow(flow: dict, min_cell: int = DEFAULT_MIN_CELL) -> tuple[dict, list[dict]]:
    """The study flow (``flow.json``) with small exclusion counts hidden.

    ``received = analysed + sum(excluded)`` is published, so one hidden exclusion count is
    complemented by the next smallest one, or by hiding ``received`` when there is no other.
    ``verified`` and ``unverified`` add up to ``analysed``, and are treated the same way.
    """
    min_cell = check_min_cell(min_cell)
    out, log = copy.deepcopy(flow), []
    excluded = dict(flow.get("excluded") or {})
    values = {
        "received": flow.get("received"),
        "analysed": flow.get("analysed"),
        **{f"excluded:{k}": v for k, v in excluded.items()},
    }
    parts = ["analysed", *[f"excluded:{k}" for k in excluded]]
    published, reasons = suppress_parts(values, parts, "received", min_cell, spare=("analysed",))
    for k, v in published.items():
        if k.startswith("excluded:"):
            out["excluded"][k.split(":", 1)[1]] = v
        elif k in out:
            out[k] = v
    ver = {k: flow[k] for k in ("verified", "unverified", "analysed") if k in flow}
    if {"verified", "unverified"} <= set(ver):
        # every instrument publishes its reference-positives and -negatives, whose sum is the verified
        # records with a score: "verified" is in effect public, so the total `analysed` is hidden
        # instead of it (and then, since received = analysed + excluded, one more exclusion count)
        pub2, reasons2 = suppress_parts(
            ver,
            ["verified", "unverified"],
            "analysed" if "analysed" not in reasons else None,
            min_cell,
            spare=("verified",),
        )
        for k, v in pub2.items():
            if k in reasons2:
                out[k] = v
        if "analysed" in reasons2 and "received" not in reasons and not any(k in reasons for k in parts[1:]):
            rest = sorted((values[k], k) for k in parts[1:] if _is_int(values.get(k)) and values[k] > 0)
            victim = rest[0][1] if rest else "received"
            if victim == "received":
                out["received"] = None
            else:
                out["excluded"][victim.split(":", 1)[1]] = None
            reasons[victim] = reason_complementary(min_cell)
        reasons.update(reasons2)
    if isinstance(flow.get("followup"), dict):
        out["followup"], fu_reasons = _suppress_followup(flow["followup"], out.get("unverified"), min_cell)
        reasons.update({f"followup.{k}": v for k, v in fu_reasons.items()})
    if reasons:
        out["suppressed"] = dict(sorted(reasons.items()))
        for why in sorted(set(reasons.values())):
            log.append(_entry("flow", [k for k, r in reasons.items() if r == why], why))
    return out, log


FOLLOWUP_PARTS = ("unverified_short_followup", "unverified_other")


def _suppress_followup(fu: dict, unverified, min_cell: int) -> tuple[dict, dict]:
    """The flow's ``followup`` counts (ingest.followup) as published, and key -> reason for each hidden.

    Its two parts add up to ``unverified``: while that total is published they follow
    :func:`suppress_parts`, except that the total is never hidden for them (both parts are instead);
    when the total is withheld, both parts are (they would give it back). The records counted as
    negative because their event came after the window stand alone: withheld when small.
    """
    out, reasons = dict(fu), {}
    if not _is_int(unverified):
        for k in FOLLOWUP_PARTS:
            out[k], reasons[k] = None, reason_complementary(min_cell)
    else:
        values = {"unverified": unverified, **{k: fu.get(k) for k in FOLLOWUP_PARTS}}
        pub, r = suppress_parts(values, list(FOLLOWUP_PARTS), "unverified", min_cell)
        if "unverified" in r:
            for k in FOLLOWUP_PARTS:
                pub[k], r[k] = None, r.get(k, reason_complementary(min_cell))
            r.pop("unverified")
        for k in FOLLOWUP_PARTS:
            out[k] = pub[k]
        reasons.update(r)
    late = fu.get("negative_event_after_window")
    if is_small(late, min_cell):
        out["negative_event_after_window"] = label(min_cell)
        reasons["negative_event_after_window"] = reason_small(min_cell)
    return out, reasons


# ------------------------------------------------------------------ comparison.json
def suppress_comparison_document(
    doc: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = "", accuracy: dict | None = None
) -> tuple[dict, list[dict]]:
    """A publishable copy of ``comparison.json``.

    The AUCs and the DeLong comparison are withheld when positives or negatives are below
    ``min_cell`` (and then ``at_cutoffs`` whole); otherwise ``at_cutoffs`` (a 2 x 2 x 2 table with its
    margins) is controlled per published cell (:func:`suppress_at_cutoffs`): a large comparison is
    shown, and only what rests on a small cell is withheld.

    ``accuracy`` maps instrument ids (``score_a``, ``score_b``) to their *published* accuracy
    documents (:func:`suppress_accuracy_document`): an instrument's sensitivity and specificity at its
    cut-off give its table on the paired records, which must not give back what its accuracy
    document withholds (:func:`republished_sides`).
    """
    min_cell = check_min_cell(min_cell)
    out, reasons = _paired_margins(
        doc, min_cell, [(accuracy or {}).get(doc.get(f"score_{v}")) for v in ("a", "b") if accuracy]
    )
    log: list[dict] = []
    pre = f"{location}." if location else ""
    if reasons:
        out["suppressed"] = dict(sorted(reasons.items()))
        for k in ("auc_a", "auc_b"):
            if isinstance(out.get(k), dict):
                out[k] = _withhold_interval(out[k], reason_small(min_cell))
        if isinstance(out.get("delong"), dict):
            d = out["delong"]
            out["delong"] = {
                **d,
                **{k: None for k in ("difference", "ci_low", "ci_high", "z", "p_value", "variance", "correlation")},
                "reason": reason_small(min_cell),
            }
        log.append(_entry(f"{pre}counts", list(reasons), reason_small(min_cell)))
        log.append(_entry(f"{pre}auc", ["auc_a", "auc_b", "delong"], reason_small(min_cell)))
    excluded = out.get("n_excluded")
    if isinstance(excluded, dict):
        for k, v in list(excluded.items()):
            if is_small(v, min_cell):
                excluded[k] = label(min_cell)
    at = doc.get("at_cutoffs")
    if isinstance(at, dict) and reasons:
        out["at_cutoffs"] = _withhold_at_cutoffs(at, reason_small(min_cell))
        log.append(_entry(f"{pre}at_cutoffs", ["2x2x2 table", "statistics"], reason_small(min_cell)))
    elif isinstance(at, dict):
        names = {"a": doc.get("score_a"), "b": doc.get("score_b")}
        withheld = republished_sides(at, {v: (accuracy or {}).get(k) for v, k in names.items()}, min_cell)
        out["at_cutoffs"], hidden = suppress_at_cutoffs(at, min_cell, withheld)
        if hidden:
            log.append(_entry(f"{pre}at_cutoffs", hidden, reason_small(min_cell)))
    return out, log


WITHHELD_PAIRED = "withheld (small numbers): a paired cell of the instrument and the judgement is small"


def _paired_margins(doc: dict, min_cell: int, accuracy: Iterable[dict | None] = ()) -> tuple[dict, dict]:
    """A copy of a paired document (a comparison, a judgement document) with its record counts (``n``
    and the reference-positive and -negative margins) controlled, and the reasons of what was hidden.

    ``accuracy``: the published accuracy documents of its instruments. Their margins minus the paired
    ones are the reference-positive and -negative records the pairing leaves out (no judgement, no
    score of the other instrument): a group like any other (rule 4), so unless it is empty or has at
    least ``min_cell`` of each, the paired margins are withheld (and with them every figure: the
    intervals would give them back). "247 of the 253 reference-negatives have a judgement, and all
    41 positives do" says that the 6 children without one are all negative.
    """
    out = copy.deepcopy(doc)
    published, reasons = suppress_parts(
        {k: doc.get(k) for k in ("n", "n_positive", "n_negative")},
        ["n_positive", "n_negative"],
        "n",
        min_cell,
        margins=("n_positive", "n_negative"),
    )
    if not reasons and _left_out_small(doc, accuracy, min_cell):
        for k in ("n_positive", "n_negative", "n"):
            published[k], reasons[k] = None, WITHHELD
    out.update({k: v for k, v in published.items() if k in doc})
    return out, reasons


def _left_out_small(doc: dict, accuracy: Iterable[dict | None], min_cell: int) -> bool:
    """Whether the records an instrument's accuracy document counts and the paired document does not
    form a group with 1 to ``min_cell - 1`` (or, the other one not empty, 0) reference-positives or
    -negatives."""
    for acc in accuracy:
        if not isinstance(acc, dict):
            continue
        pairs = [(acc.get(k), doc.get(k)) for k in ("n_positive", "n_negative")]
        if not all(_is_int(a) and _is_int(b) for a, b in pairs):
            continue
        d_pos, d_neg = (int(a) - int(b) for a, b in pairs)
        if d_pos < 0 or d_neg < 0 or d_pos == d_neg == 0:
            continue
        if min(d_pos, d_neg) < min_cell:
            return True
    return False


def suppress_judgement_document(
    doc: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = "", accuracy: dict | None = None
) -> tuple[dict, list[dict]]:
    """A publishable copy of a judgement document (:func:`signalering.documents.comparison.judgement_document`).

    The record counts are controlled as in a comparison; when they are withheld, every figure is.
    Each ``versus_judgement`` entry is a comparison document (:func:`suppress_comparison_document`).
    The net benefit of a strategy at a threshold rests on its own table (TP, FN, FP, TN) and its
    difference from the judgement's on the paired cells: the net benefit is withheld when the
    strategy's own table has a count of 1 to ``min_cell - 1`` or its TP or FP differ by such a count
    from those at the last threshold shown (two net benefits give TP and FP, as in
    :func:`decision_plot_rows`), the difference when either rule's net benefit is withheld, and the
    difference's interval when any paired cell is small; the paired cells are
    never published (the comparisons publish those that may be). ``accuracy`` maps the instrument's id
    to its published accuracy document: when the instrument's table at its cut-off may not be shown
    on the judgement's records (:func:`republished_sides`), its figures go in every comparison, and
    with them its net benefit (two thresholds give its TP and FP) and the rules 'either' and 'both'
    (with the judgement's table they give the instrument's). The per-1000 line follows the
    'either' comparison: an estimate is withheld where its difference of sensitivity (cases found) or
    specificity (flagged wrongly) is, an interval where that difference's interval is.
    """
    min_cell = check_min_cell(min_cell)
    inst = (doc.get("versus_judgement") or {}).get("instrument") or {}
    own_doc = (accuracy or {}).get(inst.get("score_a"))
    out, reasons = _paired_margins(doc, min_cell, [own_doc])
    log: list[dict] = []
    pre = f"{location}." if location else ""
    excluded = out.get("n_excluded")
    if isinstance(excluded, dict):
        for k, v in list(excluded.items()):
            if is_small(v, min_cell):
                excluded[k] = label(min_cell)
    versus = {}
    inst_hidden = "a" in republished_sides(inst.get("at_cutoffs") or {}, {"a": own_doc}, min_cell)
    # the other rules (either, both, combination) count the same records: only their margins are
    # checked against the instrument's (the records left out of the judgement's comparisons)
    margins_only = {k: v for k, v in (own_doc or {}).items() if k in ("n_positive", "n_negative")}
    for name, comp in (doc.get("versus_judgement") or {}).items():
        own = {comp.get("score_a"): own_doc if name == "instrument" else margins_only} if own_doc else None
        versus[name], lg = suppress_comparison_document(comp, min_cell, f"{pre}{name}", own)
        log.extend(lg)
    # 'either' and 'both' are set operations on the instrument and the judgement: with both of those
    # published, either = J + I - both per stratum, so the two rules' tables (and their differences
    # from the judgement) give the paired cells of instrument x judgement. When one of those cells is
    # small, 'either' and 'both' are withheld whole, with their net benefit and the per-1000 line.
    cross = (((doc.get("versus_judgement") or {}).get("instrument") or {}).get("at_cutoffs") or {}).get("cells") or {}
    set_rules_hidden = inst_hidden or any(is_small(v, min_cell) for c in cross.values() for v in (c or {}).values())
    if set_rules_hidden:
        for name in ("either", "both"):
            if versus.pop(name, None) is not None:
                out.setdefault("withheld_rules", {})[name] = WITHHELD_PAIRED
                log.append(_entry(f"{pre}{name}", ["comparison with the judgement"], WITHHELD_PAIRED))
    out["versus_judgement"] = versus
    last: dict[str, tuple] = {}  # per strategy, (TP, FP) at the last threshold whose net benefit is shown
    for entry in sorted((out.get("net_benefit") or {}).get("thresholds") or [], key=lambda e: e.get("threshold", 0)):
        hidden = []
        judgement_small = False
        for name, st in (entry.get("strategies") or {}).items():
            cells = st.pop("cells", None) or {}
            table = _side_table(cells, "a")
            own = any(is_small(v, min_cell) for v in table)
            if not own and None not in table:  # a rule that changes with the threshold (the combination):
                step = last.get(name)  # two net benefits give TP and FP, so their steps must not be small
                own = step is not None and any(is_small(abs(a - b), min_cell) for a, b in zip(step, table[::2]))
                if not own:
                    last[name] = tuple(table[::2])
            other = any(is_small(v, min_cell) for v in _side_table(cells, "b"))
            paired = any(is_small(v, min_cell) for c in cells.values() for v in (c or {}).values())
            judgement_small |= other
            if set_rules_hidden and name in ("either", "both"):
                own = True
            if inst_hidden and name == "instrument":
                own = True
            if reasons or own:
                st["net_benefit"] = None
                st["net_benefit_reason"] = WITHHELD
            if reasons or own or other:
                st["difference"] = _withhold_interval(st["difference"], WITHHELD)
            elif paired and st["difference"].get("ci_low") is not None:
                st["difference"] = {**st["difference"], "ci_low": None, "ci_high": None, "reason": WITHHELD}
            if reasons or own or other or paired:
                hidden.append(name)
        for key in ("judgement", "treat_all") if reasons else ("judgement",) if judgement_small else ():
            entry[key] = None
            entry[f"{key}_reason"] = WITHHELD
            hidden.append(key)
        if hidden:
            log.append(_entry(f"{pre}net_benefit.{entry.get('threshold')}", hidden, WITHHELD))
    per = out.get("per_1000")
    if isinstance(per, dict):
        at = (versus.get("either") or {}).get("at_cutoffs") or {}
        for key, stat in (("cases_found", "sensitivity"), ("flagged_wrongly", "specificity")):
            diff = (at.get(stat) or {}).get("difference") or {}
            if reasons or set_rules_hidden or diff.get("estimate") is None:
                per[key] = _withhold_interval(per[key], WITHHELD)
                log.append(_entry(f"{pre}per_1000", [key], WITHHELD))
            elif diff.get("ci_low") is None and per[key].get("ci_low") is not None:
                per[key] = {**per[key], "ci_low": None, "ci_high": None, "reason": WITHHELD}
                log.append(_entry(f"{pre}per_1000", [f"{key} interval"], WITHHELD))
    if reasons:
        out["suppressed"] = dict(sorted(reasons.items()))
        out["combination"] = {**(out.get("combination") or {}), "coefficients": None, "reason": WITHHELD}
        log.append(_entry(f"{pre}counts", list(reasons), WITHHELD))
    return out, log


def _withhold_at_cutoffs(at: dict, why: str) -> dict:
    """``at_cutoffs`` withheld whole (the margins are withheld): labels and methods only."""
    return {
        "cutoff_a": at.get("cutoff_a"),
        "cutoff_b": at.get("cutoff_b"),
        "suppressed": why,
        **{
            s: {
                "a": None,
                "b": None,
                "mcnemar_p": None,
                "ratio": {
                    "estimate": None,
                    "ci_low": None,
                    "ci_high": None,
                    "method": (at.get(s) or {}).get("ratio", {}).get("method", ""),
                    "reason": why,
                },
            }
            for s in ("sensitivity", "specificity")
        },
    }


def republished_sides(at: dict, accuracy: dict, min_cell: int) -> list[str]:
    """The instruments (``"a"``, ``"b"``) of a paired table at two cut-offs whose own table on the
    paired records must not be published because of what their accuracy documents publish.

    A paired comparison shows each instrument's sensitivity and specificity (and PPV, NPV, their
    ratios and differences, and in a judgement document its net benefit): with the paired margins,
    its table T on the paired records at its cut-off. Against the instrument's published accuracy
    document (``accuracy[side]``; None: not checked) at the same cut-off, T is withheld when

    - the accuracy document withholds its table there (a small cell, or rule 6: it differs from a
      published cut-off of the same score by 1 to ``min_cell - 1`` positives or negatives, which T
      would give back when the records are the same);
    - its table there minus T (the records the pairing leaves out: no score of the other instrument,
      no judgement) has a cell of 1 to ``min_cell - 1``;
    - the cut-off is not one the accuracy document evaluates and T differs from one of its published
      tables by 1 to ``min_cell - 1`` positives or negatives (rule 6).
    """
    cells = at.get("cells") or {}
    out = []
    for side in ("a", "b"):
        acc = accuracy.get(side)
        table = _side_table(cells, side)
        if not isinstance(acc, dict) or None in table:
            continue
        mine = dict(zip(("tp", "fn", "fp", "tn"), table))
        cut, band = at.get(f"cutoff_{side}"), at.get(f"banded_{side}")
        entries = [e for e in acc.get("thresholds") or [] if isinstance(e, dict)]
        same = [
            e
            for e in entries
            if (band and (e.get("banded") or {}).get("name") == band)
            or (not band and not e.get("banded") and _same_cutoff(e.get("cutoff"), cut))
        ]
        shown = [e for e in entries if "suppressed" not in e and all(_is_int(e.get(c)) for c in CELLS)]
        if same:
            e = same[0]
            if e not in shown:
                out.append(side)
            elif any(is_small(int(e[c]) - int(mine[c]), min_cell) for c in CELLS):
                out.append(side)
        elif cut is not None and any(not e.get("banded") and not _differs_enough(e, mine, min_cell) for e in shown):
            out.append(side)
        elif band and shown:  # a banded cut-off the document does not evaluate: not checked, withheld
            out.append(side)
    return out


def _same_cutoff(a, b) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(float(a) - float(b)) < 1e-9


# which strata of the paired table each statistic rests on
_AT_STRATA = {
    "sensitivity": ("positive",),
    "specificity": ("negative",),
    "ppv": ("positive", "negative"),
    "npv": ("positive", "negative"),
}


def _side_table(cells: dict, side: str) -> list:
    """One instrument's own 2 x 2 table (tp, fn, fp, tn) from the paired cells."""
    mine, other = ("a_only", "b_only") if side == "a" else ("b_only", "a_only")
    pos, neg = cells.get("positive") or {}, cells.get("negative") or {}

    def add(d, *keys):
        vals = [d.get(k) for k in keys]
        return sum(int(v) for v in vals) if all(_is_int(v) for v in vals) else None

    return [add(pos, "both", mine), add(pos, other, "neither"), add(neg, "both", mine), add(neg, other, "neither")]


def suppress_at_cutoffs(at: dict, min_cell: int, withheld_sides: Iterable[str] = ()) -> tuple[dict, list[str]]:
    """The paired comparison at two cut-offs (a 2 x 2 x 2 table) with control per published cell.

    Each instrument's own table at its cut-off (what its sensitivity, specificity, PPV and NPV rest
    on) follows from the cells; it is published in the instrument's section anyway, so those figures,
    and their ratio and difference, are withheld only when that table has a cell of 1 to
    ``min_cell - 1``. A stratum (reference-positive or -negative) with a small paired cell loses its
    four cells (with the two instruments' tables and the stratum total they have one degree of
    freedom: one cell gives all) and every figure that would give that freedom back: the McNemar
    test, the paired intervals and p-values of differences and ratios, and the NRI counts and
    intervals. The point estimates stay. ``withheld`` lists what was hidden (no values).
    ``withheld_sides`` (``"a"``, ``"b"``): instruments whose figures go whatever their cells
    (:func:`republished_sides`).

    >>> at = {"cells": {"positive": {"both": 50, "a_only": 3, "b_only": 20, "neither": 40},
    ...                 "negative": {"both": 30, "a_only": 40, "b_only": 20, "neither": 500}},
    ...       "sensitivity": {"a": 0.47, "b": 0.62, "mcnemar_p": 0.001,
    ...                       "ratio": {"estimate": 0.76, "ci_low": 0.6, "ci_high": 0.9}}}
    >>> out, hidden = suppress_at_cutoffs(at, 10)
    >>> out["cells"]["positive"]["a_only"], out["sensitivity"]["a"], out["sensitivity"]["ratio"]["ci_low"]
    ('<10', 0.47, None)
    >>> out["sensitivity"]["mcnemar_p"], out["cells"]["negative"]["a_only"]
    (None, 40)
    """
    out, hidden = copy.deepcopy(at), []
    cells = at.get("cells") or {}
    strata = sorted(
        s for s, c in cells.items() if isinstance(c, dict) and any(is_small(v, min_cell) for v in c.values())
    )
    for s in strata:
        c = out["cells"][s]
        small = [k for k, v in c.items() if is_small(v, min_cell)]
        for k in c:
            c[k] = label(min_cell) if k in small and len(small) < len(c) else None
        hidden.append(f"cells.{s}")
    sides = [
        side
        for side in ("a", "b")
        if side in set(withheld_sides) or any(is_small(v, min_cell) for v in _side_table(cells, side))
    ]
    for stat, deps in _AT_STRATA.items():
        e = out.get(stat)
        if not isinstance(e, dict):
            continue
        if sides:
            for side in sides:
                e[side] = None
                if isinstance(e.get(f"{side}_interval"), dict):
                    e[f"{side}_interval"] = _withhold_interval(e[f"{side}_interval"], WITHHELD)
            for k in ("difference", "ratio"):
                if isinstance(e.get(k), dict):
                    e[k] = _withhold_interval(e[k], WITHHELD)
            hidden.append(f"{stat}.{'/'.join(sides)}")
        if sides or any(d in strata for d in deps):
            for k in ("difference", "ratio"):
                if isinstance(e.get(k), dict) and e[k].get("ci_low") is not None:
                    e[k] = {**e[k], "ci_low": None, "ci_high": None, "se": None, "p_value": None, "reason": WITHHELD}
            if "mcnemar_p" in e:
                e["mcnemar_p"] = None
            if isinstance(e.get("mcnemar"), dict):
                e["mcnemar"] = {k: v for k, v in e["mcnemar"].items() if k == "method"}
            hidden.append(f"{stat}.paired intervals")
    nri = out.get("nri")
    if isinstance(nri, dict) and (strata or sides):
        for part, s, counts in (
            ("events", "positive", ("events_up", "events_down")),
            ("nonevents", "negative", ("nonevents_up", "nonevents_down")),
        ):
            if s in strata or sides:
                for k in counts:
                    if k in nri:
                        nri[k] = None
                if isinstance(nri.get(part), dict):
                    nri[part] = _withhold_interval(nri[part], WITHHELD)
        if isinstance(nri.get("total"), dict):
            nri["total"] = _withhold_interval(nri["total"], WITHHELD)
        hidden.append("nri")
    if hidden:
        out["withheld"] = sorted(set(hidden))
    return out, sorted(set(hidden))


# ------------------------------------------------------------------ calibration and subgroups
def suppress_calibration(
    cal: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = "calibration"
) -> tuple[dict, list[dict]]:
    """A calibration object (``calibration.json`` keys) withheld whole when events or non-events are
    below ``min_cell``; small side counts (``n_missing``, ``n_extreme``) shown as ``"<10"``.

    Its statistics are smooth functions of every record, but with few events the observed/expected
    ratio, Brier score and calibration intercept reveal the number of events; and the reason text of
    an undefined result may quote the counts, so it is replaced.
    """
    min_cell = check_min_cell(min_cell)
    n, ev = cal.get("n"), cal.get("n_events")
    if not (isinstance(n, (int, np.integer)) and isinstance(ev, (int, np.integer))):
        return copy.deepcopy(cal), []
    small = is_small(ev, min_cell, zero=True) or is_small(n - ev, min_cell, zero=True)
    if not small:
        out = copy.deepcopy(cal)
        hidden = [k for k in ("n_missing", "n_extreme") if is_small(cal.get(k), min_cell)]
        for k in hidden:
            out[k] = label(min_cell)
        return out, ([_entry(location, hidden, reason_small(min_cell))] if hidden else [])
    why = reason_small(min_cell)
    out = {
        "n": label(min_cell) if is_small(n, min_cell) else n,
        "n_events": label(min_cell) if is_small(ev, min_cell, zero=True) else None,
        "reason": why,
    }
    if out["n_events"] is None:  # non-events are few: the number of events = n - non-events
        out["n"] = None
    return out, [_entry(location, ["calibration statistics", "n_events"], why)]


def suppress_meta_analysis_document(
    doc: dict, accuracy: dict | None, min_cell: int = DEFAULT_MIN_CELL, location: str = ""
) -> tuple[dict, list[dict]]:
    """A publishable copy of a meta-analysis document (``scale.federated.meta_analysis_document``)
    of one instrument, given its *published* accuracy document (:func:`suppress_accuracy_document`).

    The pooled sensitivity and specificity summarise the organisations' tables added up: without
    between-organisation variance they are close to ``TP / (TP + FN)`` and ``TN / (TN + FP)`` of the
    pooled table, and their intervals tell its margins. So at a cut-off whose table the accuracy
    document withholds (or whose sensitivity or specificity it withholds, or that it does not
    evaluate), the whole entry is withheld: ``pooled``, the between-organisation estimates, HSROC,
    regions, curve and per-organisation points become null with the one reason. The per-organisation
    points of the other cut-offs were put under the rules by the stage (``min_cell``). When the
    accuracy document withholds its margins (fewer than ``min_cell`` reference-positives or
    -negatives, zero included), every entry is withheld with its count of organisations that have
    both (a count of 0 would tell that the group has none).

    The count of organisations with both reference-positive and -negative records (``k`` of the
    ``K`` organisations) is published only when every organisation has both (``k = K``): ``K - k``
    counts the organisations with a zero margin, and with the per-site subgroup table (whose merged
    categories are the only candidates) and the figure's points it names them (group disclosure,
    rule 4; the audit's ``meta_zero_margin`` attack). Otherwise ``organisations`` is null, the
    organisations without both lose their point (``suppressed``, like a withheld one, so the figure's
    note counts them together; when that would leave a single organisation out of the figure, the
    smallest drawn one goes too, since the stage never withholds one alone), and a reason quoting
    ``k`` becomes :data:`META_TOO_FEW`.
    """
    min_cell = check_min_cell(min_cell)
    out, log = copy.deepcopy(doc), []
    pre = f"{location}." if location else ""
    published = [e for e in (accuracy or {}).get("thresholds") or [] if isinstance(e.get("cutoff"), (int, float))]

    def shown(cut: float) -> bool:
        for e in published:
            if abs(float(e["cutoff"]) - float(cut)) < 1e-9:
                stats = [e.get(s) for s in ("sensitivity", "specificity")]
                return "suppressed" not in e and all(
                    isinstance(s, dict) and s.get("estimate") is not None for s in stats
                )
        return False

    acc = accuracy or {}
    margins_hidden = accuracy is not None and not all(_is_int(acc.get(k)) for k in ("n_positive", "n_negative"))
    for k, entry in enumerate(out.get("at_cutoffs") or []):
        if margins_hidden:
            # "0 organisations had both children with and without the condition" where the document
            # shows its reference-positives as "<10" tells that there are none (group disclosure):
            # with the margins withheld, the count of organisations and the reason quoting it go too
            keep = {key: entry[key] for key in ("cutoff", "prespecified") if key in entry}
            nulls = ("organisations", "pooled", "between_organisations", "hsroc", "sroc_curve")
            nulls += ("confidence_region", "prediction_region")
            out["at_cutoffs"][k] = {**keep, **dict.fromkeys(nulls), "per_organisation": {}, "reason": WITHHELD}
            log.append(_entry(f"{pre}meta_analysis[cutoff={entry['cutoff']}]", ["organisations", "pooled"], WITHHELD))
            continue
        everyone = len(out.get("organisations") or entry.get("per_organisation") or {})
        if entry.get("organisations") is not None and entry["organisations"] != everyone:
            entry["organisations"] = None
            points = entry.get("per_organisation") or {}
            hide = [
                n
                for n, p in points.items()
                if not p.get("suppressed") and None in (p.get("sensitivity"), p.get("specificity"))
            ]
            if hide and sum(1 for p in points.values() if p.get("suppressed")) + len(hide) == 1:
                # one organisation not drawn would be the one without both (the stage withholds two or
                # more): the smallest drawn one goes with it
                drawn = sorted(
                    (p.get("n") or 0, n) for n, p in points.items() if n not in hide and not p.get("suppressed")
                )
                hide += [n for _, n in drawn[:1]]
            for name in hide:
                points[name] = {"sensitivity": None, "specificity": None, "n": None, "suppressed": WITHHELD}
            if entry.get("pooled") is None and str(entry.get("reason") or "")[:1].isdigit():
                entry["reason"] = META_TOO_FEW
            log.append(_entry(f"{pre}meta_analysis[cutoff={entry['cutoff']}]", ["organisations"], WITHHELD))
        if entry.get("pooled") is None or shown(entry["cutoff"]):
            continue
        keep = {key: entry[key] for key in ("cutoff", "organisations", "prespecified") if key in entry}
        hidden = [key for key in entry if key not in keep]
        nulls = ("pooled", "between_organisations", "hsroc", "sroc_curve", "confidence_region", "prediction_region")
        out["at_cutoffs"][k] = {**keep, **dict.fromkeys(nulls), "per_organisation": {}, "reason": WITHHELD}
        log.append(_entry(f"{pre}meta_analysis[cutoff={entry['cutoff']}]", hidden, WITHHELD))
    return out, log


def suppress_subgroups_document(
    doc: dict, min_cell: int = DEFAULT_MIN_CELL, location: str = ""
) -> tuple[dict, list[dict]]:
    """A publishable copy of a ``subgroups.subgroup_document`` and the log of what was hidden.

    Every group's accuracy document passes ``suppress_accuracy_document`` (and its calibration
    ``suppress_calibration``). Because the overall figures are published too, a column in which
    exactly one group lost a count (or a cut-off's table) would let it be recovered as overall minus
    the others (n-1 disclosure): the smallest other group loses the same count or table
    (complementary suppression). ``largest_difference`` is recomputed among the groups whose table
    at that cut-off is published, so a withheld group is never named with its estimate.
    """
    from ..stats.subgroups import largest_differences

    min_cell = check_min_cell(min_cell)
    out, log = copy.deepcopy(doc), []
    pre = f"{location}." if location else ""
    if isinstance(doc.get("overall"), dict):
        out["overall"], l0 = _suppress_group(doc["overall"], min_cell, f"{pre}overall")
        log.extend(l0)
    for col, block in (doc.get("subgroups") or {}).items():
        raw = block["groups"]
        pub, glog = {}, []
        for g, gdoc in raw.items():
            pub[g], lg = _suppress_group(gdoc, min_cell, f"{pre}{col}={g}")
            glog.extend(lg)
        size = {g: (raw[g].get("n") if isinstance(raw[g].get("n"), (int, np.integer)) else 0) for g in raw}
        overall = doc.get("overall") or {}
        for key in ("n_positive", "n_negative", "n_unverified", "n_missing_score", "n"):
            for victim in _complements(raw, pub, lambda d, key=key: d.get(key), min_cell, _is_int(overall.get(key))):
                _hide_count(pub[victim], raw[victim], key, min_cell, f"{pre}{col}={victim}", glog)
            if _is_int(overall.get(key)):
                hidden = [g for g in pub if key in raw[g] and not _is_int(pub[g].get(key))]
                _unpin({g: pub[g] for g in hidden}, {g: raw[g] for g in hidden}, key, min_cell)
        # A hidden overall total (n, hidden because its unverified count is small) must not come back
        # as the sum of the groups' totals: one group whose parts are not all shown loses its total.
        if (
            "n" in overall
            and not _is_int(out["overall"].get("n"))
            and pub
            and all(_is_int(pub[g].get("n")) for g in pub if "n" in raw[g])
        ):
            parts = ("n_positive", "n_negative", "n_unverified")
            cands = sorted((not any(not _is_int(pub[g].get(k)) for k in parts), size[g], g) for g in pub)
            g = cands[0][2]
            pub[g]["n"] = None
            pub[g].setdefault("suppressed", {})["n"] = reason_complementary(min_cell)
            glog.append(_entry(f"{pre}{col}={g}.counts", ["n"], reason_complementary(min_cell)))
        # numeric cut-offs, then banded ones: each group's table at index i sums to the overall one
        n_cut = len(doc.get("cutoffs") or []) + len(doc.get("banded_cutoffs") or [])
        for i in range(n_cut):
            hidden = [g for g in pub if "suppressed" in pub[g]["thresholds"][i]]
            rest = sorted((size[g], g) for g in pub if g not in hidden)
            while (
                hidden
                and rest
                and any(
                    _exposed(
                        _raw_sum({g: raw[g]["thresholds"][i].get(c) for g in hidden}, hidden),
                        len(hidden),
                        sum(pub[g]["thresholds"][i].get(c) == label(min_cell) for g in hidden),
                        min_cell,
                    )
                    for c in CELLS
                )
            ):
                victim = rest.pop(0)[1]
                e = pub[victim]["thresholds"][i]
                pub[victim]["thresholds"][i] = _withhold_table(e, reason_complementary(min_cell), min_cell)
                for c in CELLS:
                    pub[victim]["thresholds"][i][c] = None
                glog.append(
                    _entry(
                        f"{pre}{col}={victim}.thresholds[cutoff={e.get('cutoff')}]",
                        ["2x2 table", "statistics"],
                        reason_complementary(min_cell),
                    )
                )
                hidden.append(victim)
            for c in CELLS:  # no group left to hide: labels that pin the values go instead
                _unpin(
                    {g: pub[g]["thresholds"][i] for g in hidden},
                    {g: raw[g]["thresholds"][i] for g in hidden},
                    c,
                    min_cell,
                )
        for g in pub:
            withhold_at_hidden_cutoffs(pub[g], min_cell, f"{pre}{col}={g}", glog)
        _complement_unverified(out["overall"], raw, pub, min_cell, f"{pre}{col}", glog)
        diffs = []
        for i in range(n_cut):
            ok = {
                g: {"thresholds": [raw[g]["thresholds"][i]]} for g in pub if "suppressed" not in pub[g]["thresholds"][i]
            }
            entry = largest_differences(ok, doc.get("confidence", 0.95))
            if entry:
                diffs.append(entry[0])
            else:
                numeric = doc.get("cutoffs") or []
                where = (
                    {"cutoff": numeric[i]}
                    if i < len(numeric)
                    else {"cutoff": None, "banded": doc["banded_cutoffs"][i - len(numeric)]}
                )
                diffs.append({**where, "reason": "no published group"})
            if len(ok) < len(pub):
                diffs[-1]["groups_left_out"] = sorted(set(pub) - set(ok))
        out["subgroups"][col] = {
            **{k: v for k, v in block.items() if k not in ("groups", "largest_difference")},
            "groups": pub,
            "largest_difference": diffs,
        }
        log.extend(glog)
    return out, log


def _vc_entry(d: dict, i: int) -> dict:
    rows = ((d or {}).get("verification_corrected") or {}).get("thresholds") or []
    return rows[i] if i < len(rows) and isinstance(rows[i], dict) else {}


def _complement_unverified(overall: dict, raw: dict, pub: dict, min_cell: int, location: str, log: list[dict]) -> None:
    """Rule 5 for the verification-corrected entries (in place): the overall unverified
    screen-positives (and -negatives) at a cut-off are the sum over the categories, so when one
    category's entry is withheld (rule 9b), or the withheld ones add up to fewer than ``min_cell``,
    further categories' entries at that cut-off are withheld too, smallest first."""
    n = len(((overall or {}).get("verification_corrected") or {}).get("thresholds") or [])
    for i in range(n):
        for key in UNVERIFIED_KEYS:
            if not _is_int(_vc_entry(overall, i).get(key)):
                continue

            def get(d, i=i, key=key):
                return _vc_entry(d, i).get(key)

            for victim in _complements(raw, pub, get, min_cell, True):
                e = _vc_entry(pub[victim], i)
                if not e:
                    continue
                pub[victim]["verification_corrected"]["thresholds"][i] = {
                    **_blank(e, WITHHELD),
                    **{k: v for k, v in e.items() if k == "cutoff"},
                    "suppressed": WITHHELD,
                }
                log.append(
                    _entry(
                        f"{location}={victim}.verification_corrected[cutoff={e.get('cutoff')}]",
                        ["corrected statistics", *UNVERIFIED_KEYS],
                        WITHHELD,
                    )
                )
            hidden = [g for g in pub if _vc_entry(pub[g], i) and not _is_int(_vc_entry(pub[g], i).get(key))]
            _unpin({g: _vc_entry(pub[g], i) for g in hidden}, {g: _vc_entry(raw[g], i) for g in hidden}, key, min_cell)


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _complements(raw: dict, pub: dict, get, min_cell: int, total_published: bool) -> list[str]:
    """Groups to hide a count in so that the overall total minus the published groups gives neither
    one hidden count nor a sum of hidden counts below ``min_cell`` (smallest groups first)."""
    if not total_published:
        return []
    hidden = [g for g in pub if get(raw[g]) is not None and not _is_int(get(pub[g]))]
    rest = sorted((get(raw[g]), g) for g in pub if g not in hidden and _is_int(get(pub[g])))
    victims = []
    while (
        hidden
        and rest
        and _exposed(
            _raw_sum({g: get(raw[g]) for g in hidden}, hidden),
            len(hidden),
            sum(get(pub[g]) == label(min_cell) for g in hidden),
            min_cell,
        )
    ):
        victim = rest.pop(0)[1]
        victims.append(victim)
        hidden.append(victim)
    return victims


def _unpin(pub: dict, raw: dict, key: str, min_cell: int) -> None:
    """When hidden counts all shown as ``"<10"`` add up (by the published total) to the most they can,
    every one is ``min_cell - 1``: show them as null instead (in place)."""
    hidden = list(pub)
    labelled = [g for g in hidden if pub[g].get(key) == label(min_cell)]
    total = _raw_sum({g: raw[g].get(key) for g in hidden}, hidden)
    if (
        len(hidden) > 1
        and len(labelled) == len(hidden)
        and (total >= len(hidden) * (min_cell - 1) or total <= len(hidden))
    ):
        for g in labelled:
            pub[g][key] = None


def _hide_count(pub: dict, raw: dict, key: str, min_cell: int, location: str, log: list[dict]) -> None:
    """Hide ``key`` of one group as a complement, with what would give it back: its total ``n``
    (``n = n_positive + n_negative + n_unverified``) and, for a margin, every statistic."""
    keys = [key] + (["n"] if key in ("n_positive", "n_negative", "n_unverified") and _is_int(pub.get("n")) else [])
    if key in ("n_positive", "n_negative"):
        other = "n_negative" if key == "n_positive" else "n_positive"
        if _is_int(pub.get(other)):
            keys.append(other)
        withhold_statistics(pub, raw, min_cell, location, log)
    for k in keys:
        pub[k] = None
        pub.setdefault("suppressed", {})[k] = reason_complementary(min_cell)
    log.append(_entry(f"{location}.counts", keys, reason_complementary(min_cell)))


def _suppress_group(gdoc: dict, min_cell: int, location: str) -> tuple[dict, list[dict]]:
    pub, log = suppress_accuracy_document(gdoc, min_cell, location)
    if isinstance(gdoc.get("calibration"), dict):
        pub["calibration"], lc = suppress_calibration(gdoc["calibration"], min_cell, f"{location}.calibration")
        log.extend(lc)
    return pub, log


# ------------------------------------------------------------------ a final scan
def small_counts(obj, min_cell: int = DEFAULT_MIN_CELL, path: str = "$") -> list[str]:
    """Paths of integer counts below ``min_cell`` under count-like keys (see ``COUNT_KEYS``).

    A last check before publishing, and the oracle of the disclosure tests. ``excluded`` maps reasons
    to counts, so every integer inside it is a count.
    """
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{path}.{k}"
            if (_is_count_key(k) or path.endswith(".excluded")) and is_small(v, min_cell, zero=k in MARGIN_KEYS):
                found.append(p)
            elif k == "excluded" and isinstance(v, dict):
                found.extend(f"{p}.{r}" for r, c in v.items() if is_small(c, min_cell))
            else:
                found.extend(small_counts(v, min_cell, p))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found.extend(small_counts(v, min_cell, f"{path}[{i}]"))
    return found
