"""Step 3 of the report: the publishable documents as formatted, translated text and inline SVG.

:func:`build_view` turns the documents (:class:`~.inputs.Inputs`, after :func:`~.inputs.publishable`)
into everything the template shows, for one language: :class:`Fmt` writes numbers, intervals and the
data documents' (English) phrases in the reader's language, and one builder per section chooses the
sentences from the data (flow, one instrument with its verdict, calibration, decision curve,
reliability, subgroups, meta-analysis, comparisons, the professional's judgement, the STARD and
TRIPOD checklists). Only presentation happens here; every number comes from the stages' documents
(the sample prevalence interval is the one figure computed here, with the run's interval method).
"""

from __future__ import annotations

import importlib.metadata
import platform
import re

import yaml

from ..documents import disclosure, not_applicable
from ..stats import subgroups
from ..stats.intervals import proportion_ci
from . import figures, verdict
from .inputs import Inputs
from .verdict import (
    AGREEMENT,
    KNOWN_STATISTICS,
    PROPORTIONS,
    STAT_ROWS,
    icc_type_judged,
    judged_cutoff,
    primary_threshold,
    spec_prespecified,
    verdict_figures,
)

# The packages that compute or write something in a pipeline run (not test references such as
# scikit-learn); duckdb and dask only stream large files (params scale.engine) and are left out.
PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pandera",
    "statsmodels",
    "pingouin",
    "pyyaml",
    "jinja2",
    "xhtml2pdf",
    "dvc",
)


# ---------------------------------------------------------------------------------------- formatting
# The data documents speak English (they are the contract); the report translates their reasons,
# labels and method ids at render time. Each known phrase: (key in the texts' ``reasons``, pattern);
# named groups are the variable parts (a code list, a column, a number) and reach the text as
# placeholders. Groups named ``rest`` hold further phrases ("; "-separated) and are translated too.
REASON_PATTERNS: tuple[tuple[str, str], ...] = (
    ("withheld", r"withheld \(small numbers\)"),
    ("band_empty", r"band column empty"),
    ("band_unknown", r"band value matches no declared band"),
    ("band_not_whole", r"band value is not a whole number"),
    ("no_band_records", r"no verified record has a valid band"),
    ("suppressed", r"suppressed\b.*"),
    ("not_allowed_codes", r"not one of the allowed codes (?P<codes>\[.*\])"),
    ("duplicate_id", r"duplicate record_id \(every copy excluded\)"),
    ("reference_invalid", r"reference standard is not (?P<pos>[^,]+), (?P<neg>.+) or empty"),
    ("not_number", r"not a number"),
    ("not_finite", r"not a finite number"),
    ("not_whole", r"not a whole number"),
    ("followup_missing", r"follow-up interval missing for a verified record \(needed for the follow-up window\)"),
    ("below_min", r"below the allowed minimum (?P<value>\S+)"),
    ("above_max", r"above the allowed maximum (?P<value>\S+)"),
    ("not_computable", r"(?P<scale>\S+) not computable: (?P<rest>.+)"),
    ("subscale_incomplete", r"subscale '(?P<scale>[^']+)' has fewer than (?P<n>\d+) answered items"),
    ("items_unanswered", r"(?P<n>\d+) of (?P<k>\d+) items unanswered \(at most (?P<allowed>\d+) allowed\)"),
    ("no_category", r"no category recorded"),
    ("no_probability", r"no probability recorded"),
    ("no_score", r"no score recorded"),
    ("no_rating", r"no rating from any rater"),
    ("few_ratings", r"fewer than (?P<n>\d+) ratings"),
    ("first_rater_none", r"first rater \('(?P<column>[^']+)'\) gave no rating"),
    ("no_consensus", r"no consensus rating \('(?P<column>[^']+)'\)"),
    ("with_fallback", r"(?P<rest_first>.+), and fallback (?P<method>\S+): (?P<rest>.+)"),
    ("component_missing", r"component '(?P<instrument>[^']+)' not scored \((?P<rest>.+)\)"),
    ("mar", r"verification missing at random given the screen result at the cut-off"),
    ("no_unverified", r"no unverified records: the naive estimates need no correction for partial verification"),
    ("cv_mapping", r"estimated: (?P<folds>\d+)-fold cross-validated logistic regression of the reference on the score"),
    ("cv_too_few", r"too few events or non-events for (?P<folds>\d+) folds"),
    ("declared_mapping", r"risk mapping declared in the specification \((?P<link>[^)]*)\)"),
    ("own_probability", r"the instrument's own probability"),
    ("bootstrap_only", r"interval by bootstrap only \(give a number of bootstrap replicates\)"),
    ("omega_no_fit", r"the one-factor ML fit did not converge"),
    ("fleiss_one_category", r"every rating is the same category: chance agreement is 1, kappa is 0/0"),
    ("fleiss_few", r"fewer than two records rated by every rater column"),
    ("zero_cell_lr", r"(?:undefined: )?a zero cell \((?P<cells>[^)]*)\) makes (?P<stat>LR[+-]) zero or infinite"),
    ("zero_cell_dor", r"(?:undefined: )?a zero cell makes the diagnostic odds ratio zero or infinite"),
    ("needs_both", r"(?:AUC |the bootstrap )?needs reference-positive and (?:-negative|reference-negative) records.*"),
    ("no_positives", r"no reference-positive records.*"),
    ("no_negatives", r"no reference-negative records.*"),
    ("nobody_positive", r"nobody screens positive"),
    ("nobody_negative", r"nobody screens negative"),
    ("sens_spec_undefined", r"sensitivity or specificity is undefined"),
    ("delong_few", r"DeLong variance needs at least two positives and two negatives"),
    ("no_discordant", r"no discordant records.*"),
    ("judgement_no_cutoff", r"the instrument has no cut-off: only the combination is compared"),
    ("not_in_run", r"not assessed in this run"),
    ("undefined", r"undefined"),
    ("no_interval", r"no interval"),
)
_REASON_RES = tuple((key, re.compile(pat)) for key, pat in REASON_PATTERNS)


def _split_phrases(text: str) -> list[str]:
    """``"a; b (c; d)"`` -> ``["a", "b (c; d)"]``: split at "; " outside brackets."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and text.startswith("; ", i):
            out.append(text[start:i])
            start = i + 2
    return out + [text[start:]]


class Fmt:
    """Numbers in the reader's language: thousands separator, decimal mark, suppressed values."""

    def __init__(self, lang: str, t: dict):
        self.lang, self.t = lang, t
        self.decimal = "," if lang == "nl" else "."  # the decimal mark, also for figure ticks

    def _dec(self, s: str) -> str:
        if s.startswith("-") and not s.strip("-0.,%"):
            s = s[1:]  # no "-0.0"
        if self.lang == "nl":
            return s.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
        return s

    def count(self, n) -> str:
        if isinstance(n, bool) or n is None:
            return self.t["withheld"]
        if isinstance(n, str):
            return n
        return self._dec(f"{int(n):,}")

    def num(self, x, d: int = 2) -> str:
        if x is None:
            return "\u2013"
        return self._dec(f"{x:,.{d}f}")

    def pct(self, x, d: int = 1) -> str:
        if x is None:
            return "\u2013"
        return self._dec(f"{100 * x:.{d}f}") + "%"

    def value(self, stat: str, x) -> str:
        if stat in PROPORTIONS or stat == "prevalence":
            return self.pct(x)
        if stat == "per_1000":
            return self.num(x, 1)
        if stat == "net_benefit":
            return self.num(x, 4)
        if stat in (
            "auc",
            "youden",
            *AGREEMENT,
            "partial_auc",
            "standardised",
            "calibration_slope",
            "calibration_in_the_large",
            "brier",
            "brier_scaled",
        ):
            return self.num(x, 3)
        return self.num(x, 2)

    def p(self, x) -> str:
        """A p-value: three decimals, '<0.001' below that."""
        if x is None:
            return "\u2013"
        return "<" + self._dec("0.001") if x < 0.001 else self._dec(f"{x:.3f}")

    def p_eq(self, x) -> str:
        """'p = 0.179' or 'p < 0.001'."""
        text = self.p(x)
        return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"

    def say(self, text) -> str | None:
        """A phrase of the (English) data documents in the reader's language.

        Known phrases come from the texts' ``reasons`` (variable parts kept; groups named ``rest...``
        are phrases themselves); phrases joined by "; " are translated one by one; a phrase of the
        form ``"column: phrase"`` keeps its column; an unknown phrase is returned as is in English
        and replaced by the generic ``reason_other`` in any other language (never left untranslated).
        """
        if text is None or text == "":
            return text
        text = str(text)
        pieces = _split_phrases(text)
        if len(pieces) > 1:
            return "; ".join(self.say(p) for p in pieces)
        table = self.t.get("reasons") or {}
        for key, rx in _REASON_RES:
            m = rx.fullmatch(text)
            if m and key in table:
                parts = {
                    k: "" if v is None else self.say(v) if k.startswith("rest") else self.method(v)
                    for k, v in m.groupdict().items()
                }
                return table[key].format(**parts)
        head, sep, tail = text.partition(": ")
        if sep and re.fullmatch(r"[\w.@-]+", head) and tail:
            return f"{head}: {self.say(tail)}"
        return text if self.lang == "en" else self.t["reason_other"]

    def group(self, name) -> str:
        """A subgroup name as is, except the default name of merged small groups (translated)."""
        return self.t["combined_group"] if name == subgroups.COMBINED_GROUP else name

    def method(self, method_id) -> str:
        """A method id (``youden``, ``logistic``) as its display name; an unknown id is shown as is."""
        return (self.t.get("method_names") or {}).get(method_id, method_id)

    def reason(self, iv: dict | None) -> str:
        r = (iv or {}).get("reason") or ""
        if r.startswith(("suppressed", "withheld")):
            return self.t["suppressed_short"]
        if not r or r == "undefined":
            return self.t["undefined"]
        said = self.say(r.removeprefix("undefined: "))
        return self.t["undefined"] if said == self.t["reason_other"] else f"{self.t['undefined']} ({said})"

    def interval(self, stat: str, iv: dict | None) -> str:
        """'39.2% (35.8–42.7%)', or why it is not shown."""
        if not iv:
            return self.t["not_in_run"]
        if iv.get("estimate") is None:
            return self.reason(iv)
        est = self.value(stat, iv["estimate"])
        if iv.get("ci_low") is None or iv.get("ci_high") is None:
            return est
        return f"{est} ({self.span(iv['ci_low'], iv['ci_high'], lambda x: self.value(stat, x))})"

    def span(self, low, high, show) -> str:
        """'35.8–42.7%' (each bound written by ``show``), or '-0.12 to 0.05' when a bound is negative
        (a dash would read as a minus sign)."""
        sep = f" {self.t['to']} " if min(low, high) < 0 else "\u2013"
        return f"{show(low)}{sep}{show(high)}"

    def chart(self, title: str, x: str, y: str) -> dict:
        """A figure's title, its axes' names (keys of the texts) and the decimal mark of its ticks."""
        return {"title": title, "decimal": self.decimal, "x": self.t[x], "y": self.t[y]}

    def cutoff(self, c) -> str:
        if c is None:
            return self.t["withheld"]
        return self._dec(f"{c:g}")

    @staticmethod
    def sign(direction: str) -> str:
        """The screen rule's sign: '≤' when lower scores screen positive, else '≥'."""
        return "\u2264" if direction == "lower" else "\u2265"

    def rule(self, direction: str, c) -> str:
        return f"{self.t['score']} {self.sign(direction)} {self.cutoff(c)}"

    def entry_rule(self, direction: str, e: dict) -> str:
        """The screen rule of a threshold entry: 'score ≥ 17', or for a banded cut-off 'score ≥
        the cut-off of the record's own band (name)'."""
        banded = e.get("banded")
        if not banded:
            return self.rule(direction, e.get("cutoff"))
        return f"{self.t['score']} {self.sign(direction)} " + self.t["band_cutoff_rule"].format(name=banded.get("name"))

    def entry_cutoff(self, e: dict) -> str:
        """A threshold entry's cut-off as a short label (the banded cut-off's name)."""
        return e["banded"].get("name") if e.get("banded") else self.cutoff(e.get("cutoff"))

    def bands(self, direction: str, bands: list) -> str:
        """'3-4: ≥ 11 · 4-7: ≥ 15 · ...': which cut-off applied in which band."""
        sign = self.sign(direction)
        return " \u00b7 ".join(f"{b.get('band')}: {sign} {self.cutoff(b.get('cutoff'))}" for b in bands or [])


def run_min_cell(params: dict | None) -> int:
    """The run's smallest count that may be published (``disclosure.min_cell``, else the default)."""
    return ((params or {}).get("disclosure") or {}).get("min_cell", disclosure.DEFAULT_MIN_CELL)


def slug(inst_id: str) -> str:
    """An HTML id from an instrument id: 'risk-checklist@2' -> 'risk-checklist-v2'."""
    s = inst_id.replace("@", "-v")
    return "i-" + re.sub(r"[^A-Za-z0-9_-]+", "-", s).strip("-")


def localised(value, lang: str):
    """Researcher text may be a string or ``{en: ..., nl: ...}``."""
    if isinstance(value, dict):
        return value.get(lang) or value.get("en") or next((v for v in value.values() if v), None)
    return value


def _flow_lines(fmt: Fmt, title: str, n) -> list[str]:
    """A box of the flow figure: its title and count."""
    return [f"{title}: {fmt.count(n)}"]


def _reason_lines(fmt: Fmt, title: str, n, by_reason: dict) -> list[str]:
    """A side box of the flow figure: records left out, then the count of each reason."""
    return [*_flow_lines(fmt, title, n), *[f"{fmt.count(v)} \u2013 {fmt.say(r)}" for r, v in by_reason.items()]]


def overall_flow_svg(flow: dict, fmt: Fmt, t: dict) -> str:
    excluded = flow.get("excluded") or {}
    main = [
        (
            _flow_lines(fmt, t["received"], flow.get("received")),
            _reason_lines(fmt, t["excluded"], _sum(excluded.values()), excluded) if excluded else None,
        ),
        (
            _flow_lines(fmt, t["analysed"], flow.get("analysed")),
            [*_flow_lines(fmt, t["not_verified"], flow.get("unverified")), *_followup_lines(flow, fmt, t)]
            if "unverified" in flow
            else None,
        ),
        (_flow_lines(fmt, t["verified"], flow.get("verified")), None),
    ]
    return figures.flow_svg(main, None, t["flow_title"])


def _followup_lines(flow: dict, fmt: Fmt, t: dict) -> list[str]:
    """The flow figure's breakdown of the unverified records at a follow-up window (none without one)."""
    fu = followup_view(flow, fmt, t)
    if fu is None:
        return []
    return [
        f"{fu['short']} \u2013 {t['followup_short'].format(window=fu['window'])}",
        f"{fu['other']} \u2013 {t['followup_other']}",
    ]


def followup_view(flow: dict, fmt: Fmt, t: dict) -> dict | None:
    """The follow-up window and its counts as the report shows them (``flow.followup``, ingest.followup),
    or None when the run has no window."""
    fu = flow.get("followup")
    if not isinstance(fu, dict) or fu.get("window_days") is None:
        return None
    days = int(fu["window_days"])
    window = t["followup_days"].format(days=fmt.count(days), years=fmt.num(days / 365.25, 1))
    return {
        "window": window,
        "sentence": t["followup_window"].format(window=window),
        "method": t["m_followup"].format(window=window),
        "short": fmt.count(fu.get("unverified_short_followup")),
        "other": fmt.count(fu.get("unverified_other")),
        "late": fmt.count(fu.get("negative_event_after_window")),
    }


def _is_count(x) -> bool:
    """Whether a count of a suppressed document is shown (a withheld one is None or "<10")."""
    return isinstance(x, int) and not isinstance(x, bool)


def _sum(values):
    vals = list(values)
    return sum(vals) if all(_is_count(v) for v in vals) else None


def instrument_flow_counts(flow: dict, doc: dict, sflow: dict, fmt: Fmt) -> dict:
    """The counts the instrument's flow figure shows that no table shows, as displayed (for the
    disclosure audit, which reads them from the figure's ``data-counts``): records analysed, without
    an index test result, and those per reason."""
    return {
        "analysed": fmt.count(flow.get("analysed")),
        "n_missing_score": fmt.count(doc.get("n_missing_score")),
        "missing": [fmt.count(v) for v in ((sflow or {}).get("missing_score") or {}).values()],
    }


def instrument_flow_svg(
    flow: dict, doc: dict, sflow: dict, entry: dict | None, fmt: Fmt, t: dict, rule: str | None
) -> str:
    missing = (sflow or {}).get("missing_score") or {}
    pos, neg = doc.get("n_positive"), doc.get("n_negative")
    verified = pos + neg if isinstance(pos, int) and isinstance(neg, int) else None
    main = [
        (
            _flow_lines(fmt, t["analysed"], flow.get("analysed")),
            _reason_lines(fmt, t["no_index_result"], doc.get("n_missing_score"), missing),
        ),
        (
            _flow_lines(fmt, t["index_result"], doc.get("n")),
            _flow_lines(fmt, t["not_verified"], doc.get("n_unverified")),
        ),
        (_flow_lines(fmt, t["verified"], verified), None),
    ]
    split = None
    if entry is not None and rule:
        tp, fp, fn, tn = (entry.get(c) for c in ("tp", "fp", "fn", "tn"))
        split = [
            [f"{t['index_positive']} ({rule})", f"{t['ref_pos']}: {fmt.count(tp)}", f"{t['ref_neg']}: {fmt.count(fp)}"],
            [f"{t['index_negative']}", f"{t['ref_pos']}: {fmt.count(fn)}", f"{t['ref_neg']}: {fmt.count(tn)}"],
        ]
    else:
        split = [[t["ref_pos"], fmt.count(pos)], [t["ref_neg"], fmt.count(neg)]]
    return figures.flow_svg(main, split, t["flow_title"])


def partial_verification(unverified) -> bool:
    """Whether records with an index test result lack a reference result: a positive count, or a
    count withheld ("<10" is 1 to 9; a complementary null is never a zero, see
    ``disclosure.suppress_parts``). Zero (complete verification) is False."""
    if isinstance(unverified, bool):
        return False
    if isinstance(unverified, int):
        return unverified > 0
    return isinstance(unverified, str) or unverified is None


def flow_sentence(flow: dict, fmt: Fmt, t: dict) -> str:
    """The flow in one or more sentences, each only with counts that are shown (never "not shown
    records"); complete verification is said as such."""
    out = []
    rec, ana, ver, unv = (flow.get(k) for k in ("received", "analysed", "verified", "unverified"))
    if _is_count(rec):
        out.append(t["flow_received"].format(n=fmt.count(rec)))
    if _is_count(ana):
        out.append(t["flow_analysed"].format(n=fmt.count(ana)))
    if unv == 0 and "unverified" in flow:
        out.append(t["flow_all_verified"])
    elif _is_count(ver):
        out.append(t["flow_verified"].format(n=fmt.count(ver)))
    if not all(_is_count(x) for x in (rec, ana)) or ("unverified" in flow and not (_is_count(ver) and _is_count(unv))):
        out.append(t["flow_some_hidden"])
    return " ".join(out)


def _iv_ok(iv) -> bool:
    return isinstance(iv, dict) and iv.get("estimate") is not None


def per_1000_estimates(p: dict) -> dict | None:
    """The per-1000 point estimates of one ``at_prevalence`` entry (each count is an interval), or
    ``None`` when any is withheld or undefined."""
    k = {c: (iv or {}).get("estimate") if isinstance(iv, dict) else iv for c, iv in (p.get("per_1000") or {}).items()}
    return k if set(k) >= {"tp", "fn", "fp", "tn"} and all(isinstance(k[c], (int, float)) for c in k) else None


def per_1000_rows(entry: dict, fmt: Fmt, t: dict) -> list[dict]:
    rows = []
    for p in entry.get("at_prevalence") or []:
        ivs = p["per_1000"]
        k = per_1000_estimates(p)
        if k is None:
            continue
        # whole families for the sentence, rounded together so that they add up (as in the icon array)
        tp, fn, fp, tn = figures.largest_remainder([k["tp"], k["fn"], k["fp"], k["tn"]])
        rows.append(
            {
                "prevalence": fmt.pct(p["prevalence"]),
                "per1000_cases": fmt.num(1000 * p["prevalence"], 0),
                "flagged": fmt.num(k["tp"] + k["fp"], 1),
                "tp": fmt.interval("per_1000", ivs["tp"]),
                "fp": fmt.interval("per_1000", ivs["fp"]),
                "fn": fmt.interval("per_1000", ivs["fn"]),
                "tn": fmt.num(k["tn"], 1),
                "ppv": fmt.interval("ppv", p["ppv"]),
                "npv": fmt.interval("npv", p["npv"]),
                "sentence": t["per1000_sentence"].format(
                    cases=fmt.count(tp + fn),
                    flagged=fmt.count(tp + fp),
                    tp=fmt.count(tp),
                    fp=fmt.count(fp),
                    fn=fmt.count(fn),
                ),
            }
        )
    return rows


def roc_figure(points: list, doc: dict, entries: list[dict], fmt: Fmt, t: dict, title: str) -> str | None:
    pts = [(p["fpr"], p["tpr"]) for p in points if p.get("fpr") is not None and p.get("tpr") is not None]
    if len(pts) < 2:
        return None
    marks = []
    for e in entries:
        sens, spec = e.get("sensitivity") or {}, e.get("specificity") or {}
        if sens.get("estimate") is None or spec.get("estimate") is None:
            continue  # withheld (disclosure) or undefined: not marked either
        marks.append(
            {
                "fpr": 1 - spec["estimate"],
                "tpr": sens["estimate"],
                "text": fmt.entry_cutoff(e),
                "prespecified": e["_pre"],
            }
        )
    labels = {
        **fmt.chart(title, "roc_x", "roc_y"),
        "curve": t["roc_curve"],
        "chance": t["chance"],
        "prespecified": t["cut_pre"],
        "exploratory": t["cut_expl"],
    }
    return figures.roc_svg(pts, marks, labels)


def meta_analysis_view(doc: dict | None, fmt: Fmt, t: dict, inst_id: str) -> dict | None:
    """The bivariate meta-analysis across organisations (docs/meta-analysis.md) at the judged cut-off
    (else the first one analysed): plain-words sentences, the SROC figure and a technical line.
    None when the stage did not run for this instrument. Per-organisation points arrive already
    under the disclosure rules (``scale.federated.meta_analysis_document``)."""
    if not doc:
        return None
    title = t["meta_title"].format(by=doc.get("by") or "")
    view: dict = {"title": title, "plain": [], "figure_note": None, "svg": None, "tech": None}
    entries = doc.get("at_cutoffs") or []
    if not entries:
        banded = doc.get("judged_banded")
        view["plain"].append(t["meta_banded"].format(name=banded) if banded else t["meta_no_cutoff"])
        return view
    e = next((x for x in entries if x.get("prespecified")), entries[0])
    cut = fmt.cutoff(e["cutoff"])
    level = fmt._dec(f"{100 * doc.get('confidence', 0.95):g}")
    if e.get("pooled") is None:
        reason = e.get("reason") or ""
        key = "meta_too_few" if reason[:1].isdigit() else "meta_no_fit"
        if reason == disclosure.WITHHELD:
            key = "meta_table_withheld"
        elif reason == disclosure.META_TOO_FEW:
            key = "meta_too_few_unnumbered"
        view["plain"].append(
            t[key].format(k=e.get("organisations", 0), min=doc.get("min_organisations", 5), cutoff=cut)
        )
        return view
    sens, spec = e["pooled"]["sensitivity"], e["pooled"]["specificity"]
    view["plain"].append(
        t["meta_plain" if e.get("organisations") is not None else "meta_plain_unnumbered"].format(
            k=e.get("organisations"),
            cutoff=cut,
            sens=fmt.interval("sensitivity", sens),
            spec=fmt.interval("specificity", spec),
            sens_lo=fmt.pct(sens.get("prediction_low")),
            sens_hi=fmt.pct(sens.get("prediction_high")),
            spec_lo=fmt.pct(spec.get("prediction_low")),
            spec_hi=fmt.pct(spec.get("prediction_high")),
        )
    )
    between = e.get("between_organisations") or {}
    if between.get("boundary"):
        view["plain"].append(t["meta_boundary"])
    points = e.get("per_organisation") or {}
    withheld = sum(1 for p in points.values() if p.get("suppressed"))
    if withheld:
        view["figure_note"] = t["meta_withheld"].format(n=withheld, total=len(points))  # about the figure
    view["tech"] = t["meta_tech"].format(
        method=t.get(f"meta_method_{doc.get('method')}", doc.get("method")),
        tau2_sens=fmt.num(between.get("tau2_sensitivity"), 3),
        tau2_spec=fmt.num(between.get("tau2_specificity"), 3),
        rho=fmt.num(between.get("rho"), 2),
        level=level,
    )
    orgs = [
        (1 - p["specificity"], p["sensitivity"], p["n"])
        for p in points.values()
        if p.get("sensitivity") is not None and p.get("specificity") is not None and p.get("n")
    ]

    def pairs(obj) -> list[tuple[float, float]]:
        return list(zip((obj or {}).get("fpr", []), (obj or {}).get("sensitivity", [])))

    conf, pred, curve = pairs(e.get("confidence_region")), pairs(e.get("prediction_region")), pairs(e.get("sroc_curve"))
    span = [o[0] for o in orgs] if len(orgs) >= 2 else [x for x, _ in pred]
    if curve and span:  # the curve where there are organisations (elsewhere it is an extrapolation)
        curve = [(x, y) for x, y in curve if min(span) <= x <= max(span)]
    view["svg"] = figures.sroc_svg(
        orgs,
        (1 - spec["estimate"], sens["estimate"]),
        conf,
        pred,
        curve,
        {
            **fmt.chart(f"{title} \u2013 {inst_id}", "roc_x", "roc_y"),
            "organisations": t["meta_organisations"],
            "summary": t["meta_summary"],
            "confidence": t["meta_confidence"].format(level=level),
            "prediction": t["meta_prediction"].format(level=level),
            "curve": t["meta_curve"],
        },
    )
    return view


def calibration_view(cal: dict | None, curve: list, fmt: Fmt, t: dict, title: str, source: str | None) -> dict | None:
    if not cal and not curve:
        return None
    view = {
        "source": source,
        "rows": [],
        "svg": None,
        "reason": None,
        "risk_source": fmt.say((cal or {}).get("risk_source")),
        "estimated": bool((cal or {}).get("estimated_mapping")),
        "plain": calibration_plain(cal, fmt, t),
    }
    if view["estimated"]:  # marked on the figure itself: a mapping fitted on the data it is judged on
        title = f"{title} ({t['cal_fitted_here']})"
    if cal:
        if cal.get("reason"):
            view["reason"] = fmt.reason(cal)
        for k in ("observed_expected_ratio", "calibration_in_the_large", "calibration_slope"):
            if isinstance(cal.get(k), dict):
                view["rows"].append((t.get(k, k), fmt.interval(k, cal[k])))
        for k in ("recalibration_intercept", "brier", "brier_scaled", "ici", "e50", "e90", "emax"):
            if isinstance(cal.get(k), (int, float)):
                view["rows"].append((t.get(k, k), fmt.num(cal[k], 4)))
        hl = cal.get("hosmer_lemeshow") or {}
        if hl.get("p_value") is not None:
            view["rows"].append(
                (
                    "Hosmer\u2013Lemeshow",
                    f"\u03c7\u00b2 = {fmt.num(hl['statistic'], 2)}, df = {hl['df']}, {fmt.p_eq(hl['p_value'])}",
                )
            )
        sp = cal.get("spiegelhalter") or {}
        if sp.get("p_value") is not None:
            view["rows"].append(("Spiegelhalter", f"z = {fmt.num(sp['z'], 2)}, {fmt.p_eq(sp['p_value'])}"))
    rows = [r for r in curve if r.get("predicted") is not None and r.get("observed") is not None]
    if len(rows) >= 2:
        view["svg"] = figures.calibration_svg(
            rows,
            {
                **fmt.chart(title, "cal_x", "cal_y"),
                "curve": t["cal_curve"],
                "band": t["cal_band"],
                "ideal": t["cal_ideal"],
            },
        )
    return view


def calibration_plain(cal: dict | None, fmt: Fmt, t: dict) -> list[str]:
    """Calibration in plain words, from the figures shown: observed per 100 expected, and whether
    the predictions are too extreme or too modest (judged on the slope's interval, not its estimate)."""
    out = []
    oe = (cal or {}).get("observed_expected_ratio")
    if _iv_ok(oe):
        out.append(
            t["cal_plain_oe"].format(n=fmt.num(100 * oe["estimate"], 0), oe=fmt.interval("observed_expected_ratio", oe))
        )
    sl = (cal or {}).get("calibration_slope")
    if _iv_ok(sl) and sl.get("ci_low") is not None and sl.get("ci_high") is not None:
        key = "low" if sl["ci_high"] < 1 else "high" if sl["ci_low"] > 1 else "ok"
        out.append(t[f"cal_plain_slope_{key}"].format(slope=fmt.interval("calibration_slope", sl)))
    return out


def reliability_plain(rel: dict | None, fmt: Fmt, t: dict, icc_type: str) -> str | None:
    """Agreement between raters in plain words (Koo and Li 2016 bands on the estimate): the ICC
    judged, else weighted kappa, else kappa."""
    if not rel:
        return None
    figure, name = None, None
    for f in rel.get("icc") or []:
        if isinstance(f, dict) and f.get("type") == icc_type and _iv_ok(f):
            figure, name = f, icc_type
    for k in ("weighted_kappa", "kappa"):
        if figure is None and _iv_ok(rel.get(k)):
            figure, name = rel[k], t.get(k, k)
    if figure is None:
        return None
    est = figure["estimate"]
    band = "poor" if est < 0.5 else "moderate" if est < 0.75 else "good" if est <= 0.9 else "excellent"
    return t["rel_plain"].format(word=t["rel_words"][band], stat=name, value=fmt.interval("icc", figure))


def decision_view(rows: list, fmt: Fmt, t: dict, title: str) -> dict | None:
    rows = [r for r in rows if r.get("threshold") is not None and r.get("net_benefit") is not None]
    if len(rows) < 2:
        return None
    svg = figures.decision_svg(
        rows,
        {
            **fmt.chart(title, "dc_x", "dc_y"),
            "curve": t["dc_curve"],
            "all": t["dc_all"],
            "none": t["dc_none"],
            "band": t["cal_band"],
        },
    )
    step = max(1, len(rows) // 10)
    table = [
        (
            fmt.pct(r["threshold"]),
            fmt.interval(
                "net_benefit", {"estimate": r["net_benefit"], "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high")}
            ),
            fmt.num(r.get("treat_all"), 4),
        )
        for r in rows[::step]
    ]
    return {"svg": svg, "table": table}


def reliability_view(rel: dict | None, fmt: Fmt, t: dict, icc_type: str) -> dict | None:
    if not rel:
        return None
    icc = [
        (f.get("type") + (f" ({t['judged']})" if f.get("type") == icc_type else ""), fmt.interval("icc", f))
        for f in rel.get("icc") or []
        if isinstance(f, dict) and f.get("type")
    ]
    other = [
        (t.get(k, k), fmt.interval(k, rel[k]))
        for k in ("kappa", "weighted_kappa", "cronbach_alpha", "omega")
        if isinstance(rel.get(k), dict)
    ]
    fk = rel.get("fleiss_kappa") if isinstance(rel.get("fleiss_kappa"), dict) else None
    if fk is not None:
        label = t["fleiss_kappa"].format(raters=fk.get("raters"))
        other.append((label, fmt.interval("fleiss_kappa", fk)))
    scales = [
        (name, fmt.interval("cronbach_alpha", v.get("cronbach_alpha")), fmt.interval("omega", v.get("omega")))
        for name, v in (rel.get("internal_consistency") or {}).items()
        if isinstance(v, dict)
    ]
    ba = rel.get("bland_altman") if isinstance(rel.get("bland_altman"), dict) else None
    bland = None
    if ba:
        bland = ", ".join(
            f"{k} = {fmt.interval('ratio', v) if isinstance(v, dict) else fmt.num(v, 2)}"
            for k, v in ba.items()
            if isinstance(v, (dict, float)) and not isinstance(v, bool)
        )
    fleiss = None
    if fk is not None and _iv_ok(fk) and fk.get("z") is not None:
        fleiss = t["fleiss_tech"].format(z=fmt.num(fk["z"], 2), p=fmt.p_eq(fk.get("p_value")))
    return {
        "icc": icc,
        "other": other,
        "scales": scales,
        "bland_altman": bland,
        "fleiss": fleiss,
        "reason": fmt.reason(rel) if rel.get("reason") else None,
        "plain": reliability_plain(rel, fmt, t, icc_type),
    }


def subgroup_view(doc: dict | None, cutoff: float | None, fmt: Fmt, t: dict, banded: str | None = None) -> dict | None:
    """Per-group accuracy at ``cutoff`` (the cut-off judged; else the subgroup document's first), or
    at the banded cut-off named ``banded``."""
    if not doc or not doc.get("subgroups"):
        return None
    cutoffs = doc.get("cutoffs") or []
    names = doc.get("banded_cutoffs") or []
    match = [k for k, c in enumerate(cutoffs) if cutoff is not None and c is not None and abs(c - cutoff) < 1e-9]
    if banded is not None and banded in names:
        match = [len(cutoffs) + names.index(banded)]
    i = match[0] if match else (0 if cutoffs else None)
    key = (lambda d: d.get("banded") == banded) if banded in names else (lambda d: d.get("cutoff") == cutoffs[i])
    blocks = []
    for col, block in doc["subgroups"].items():
        rows = []
        for g, gdoc in block.get("groups", {}).items():
            e = (gdoc.get("thresholds") or [None] * (i + 1 if i is not None else 1))[i] if i is not None else None
            rows.append(
                {
                    "group": fmt.group(g),
                    "n": fmt.count(gdoc.get("n")),
                    "pos": fmt.count(gdoc.get("n_positive")),
                    "sens": fmt.interval("sensitivity", (e or {}).get("sensitivity")) if e else "\u2013",
                    "spec": fmt.interval("specificity", (e or {}).get("specificity")) if e else "\u2013",
                    "auc": fmt.interval("auc", gdoc.get("auc")),
                }
            )
        diff, size = None, None
        for d in block.get("largest_difference") or []:
            if i is not None and key(d) and isinstance(d.get("sensitivity"), dict):
                s = d["sensitivity"]
                if s.get("highest") and s.get("lowest") and s.get("difference"):
                    het = s.get("heterogeneity") or {}
                    size = abs(s["difference"].get("estimate") or 0.0)
                    diff = t["largest_difference"].format(
                        high=fmt.group(s["highest"].get("group")),
                        low=fmt.group(s["lowest"].get("group")),
                        diff=fmt.interval("sensitivity", s["difference"]),
                        p=fmt.p_eq(het.get("p_value")),
                    )
        blocks.append({"column": col, "rows": rows, "difference": diff, "size": size})
    direction = doc.get("direction", "higher")
    if banded in names:
        return {"cutoff": fmt.entry_rule(direction, {"banded": {"name": banded}}), "blocks": blocks}
    return {"cutoff": fmt.rule(direction, cutoffs[i]) if i is not None else None, "blocks": blocks}


def missing_figure_text(inp: Inputs, inst_id: str, t: dict, min_cell: int) -> tuple[str, str]:
    """Why the decision curve and the subgroup results of an instrument are absent: withheld (small
    numbers) when their stage ran for it (a decision curve of fewer than two published points after
    ``disclosure.decision_plot_rows``; every subgroup column withheld), else not assessed in this run."""
    cal = inp.calibration.get(inst_id) or {}
    ran = inst_id in inp.decision and bool(cal) and cal.get("reason") in (None, disclosure.WITHHELD)
    decision = t["decision_withheld"].format(min_cell=min_cell) if ran else t["not_in_run"]
    sub = inp.subgroups.get(inst_id) or {}
    withheld = [str(c) for c in sub.get("withheld_subgroups") or []]
    if withheld and not sub.get("subgroups"):
        subgroups = t["subgroups_all_withheld"].format(columns=", ".join(withheld), min_cell=min_cell)
    else:
        subgroups = t["not_in_run"]
    return decision, subgroups


def further_view(doc: dict, fmt: Fmt, t: dict, direction: str) -> dict:
    """Bootstrap, partial AUC, data-driven cut-points and the partial-verification correction.

    Every key is present (None when its input is absent or withheld): the template is strict."""
    out: dict = dict.fromkeys(("auc_bootstrap", "replicates", "partial_auc", "cutpoints", "verification"))
    boot = doc.get("auc_bootstrap")
    # why there is no bootstrap interval: withheld (small numbers) or undefined, else not run
    out["auc_bootstrap_missing"] = (
        fmt.reason(boot) if isinstance(boot, dict) and boot.get("reason") else t["not_in_run"]
    )
    if _iv_ok(boot):
        out["auc_bootstrap"] = fmt.interval("auc", doc["auc_bootstrap"])
        out["replicates"] = (doc.get("bootstrap") or {}).get("replicates")
    pa = doc.get("partial_auc")
    if isinstance(pa, dict) and pa.get("suppressed"):  # the range is withheld with it: no '–––'
        out["partial_auc"] = t["partial_auc_withheld"]
    elif isinstance(pa, dict) and isinstance(pa.get("standardised"), dict):
        out["partial_auc"] = t["partial_auc_line"].format(
            lo=fmt.pct(pa.get("specificity_low"), 0),
            hi=fmt.pct(pa.get("specificity_high"), 0),
            std=fmt.interval("auc", pa["standardised"]),
        )

    def share(x) -> str:  # a proportion, or a dash for a withheld or missing one
        return fmt.pct(x) if isinstance(x, float) else "\u2013"

    cps = []
    for cp in doc.get("cutpoints") or []:
        if not isinstance(cp, dict):
            continue
        boot = cp.get("bootstrap") or {}
        opt = cp.get("optimism_corrected") or {}
        sens, spec = cp.get("sensitivity"), cp.get("specificity")
        sens = sens.get("estimate") if isinstance(sens, dict) else sens
        spec = spec.get("estimate") if isinstance(spec, dict) else spec
        cps.append(
            {
                "method": fmt.method(cp.get("method")),
                "cutoff": (
                    fmt.rule(direction, cp["cutoff"])
                    if cp.get("cutoff") is not None
                    else fmt.reason({"reason": cp.get("suppressed") or cp.get("reason")})
                ),
                "sens": share(sens),
                "spec": share(spec),
                "same": fmt.pct(boot.get("share_same_cutoff"), 0),
                "opt_sens": share(opt.get("sensitivity")),
                "opt_spec": share(opt.get("specificity")),
            }
        )
    if cps:
        out["cutpoints"] = cps
    vc = doc.get("verification_corrected")
    if isinstance(vc, dict):
        rows = []
        for e in vc.get("thresholds") or []:
            naive, corr = e.get("naive") or {}, e.get("corrected") or {}
            sa = "; ".join(
                f"r={fmt.num(s.get('r'), 1)}: {fmt.pct(s.get('sensitivity'))} / {fmt.pct(s.get('specificity'))}"
                for s in e.get("sensitivity_analysis") or []
            )
            rows.append(
                {
                    "cutoff": fmt.rule(direction, e.get("cutoff")),
                    "unv_pos": fmt.count(e.get("n_unverified_screen_positive")),
                    "unv_neg": fmt.count(e.get("n_unverified_screen_negative")),
                    "naive_sens": fmt.interval("sensitivity", naive.get("sensitivity")),
                    "corr_sens": fmt.interval("sensitivity", corr.get("sensitivity")),
                    "naive_spec": fmt.interval("specificity", naive.get("specificity")),
                    "corr_spec": fmt.interval("specificity", corr.get("specificity")),
                    "sa": sa,
                }
            )
        out["verification"] = {
            "rows": rows,
            "reason": fmt.say(vc.get("reason")),
            "assumption": fmt.say(vc.get("assumption")),
        }
    return out


def instrument_view(
    inst_id: str, inp: Inputs, crit_cfg: dict, fmt: Fmt, t: dict, lang: str, params: dict | None = None
) -> dict:
    doc = inp.accuracy[inst_id]
    spec = inp.spec(inst_id)
    direction = doc.get("direction") or spec.get("direction", "higher")
    crit = verdict.criteria_for(crit_cfg, inst_id)
    entries = []
    for e in doc.get("thresholds", []):
        e = dict(e)
        e["_pre"] = spec_prespecified(spec, e)
        entries.append(e)
    idx, why = primary_threshold(doc, spec, crit, judged_cutoff(params or {}, inst_id))
    primary = entries[idx] if idx is not None else None
    rule = fmt.entry_rule(direction, primary) if primary else None
    banded_name = ((primary or {}).get("banded") or {}).get("name")
    subgroups_shown = subgroup_view(
        inp.subgroups.get(inst_id), primary["cutoff"] if primary else None, fmt, t, banded_name
    )
    min_cell = run_min_cell(params)
    missing = missing_figure_text(inp, inst_id, t, min_cell)

    # verdict
    cal = inp.calibration.get(inst_id)
    cal_source = "calibration" if cal else None
    sub = inp.subgroups.get(inst_id) or {}
    if not cal and isinstance((sub.get("overall") or {}).get("calibration"), dict):
        cal, cal_source = sub["overall"]["calibration"], "subgroups"
    rel = inp.reliability.get(inst_id)
    figs = verdict_figures(doc, primary, cal, rel, crit)
    for key, value in crit.items():  # a misspelt statistic must not pass as "not assessed in this run"
        if key not in verdict.SETTINGS and value is not None:
            stat = verdict.parse_criterion(key, value)[0]
            if stat not in KNOWN_STATISTICS:
                figs[stat] = {"estimate": None, "reason": f"unknown statistic '{stat}'"}
    judged = verdict.assess(crit, figs)
    jrows = []
    for j in judged:
        fig = j.figure
        bound = (
            f"[{fmt.value(j.statistic, j.bound[0])}, {fmt.value(j.statistic, j.bound[1])}]"
            if j.rule == "range"
            else fmt.value(j.statistic, j.bound[0])
        )
        # no figure: a cut-off statistic without a cut-off to judge (say why), else not computed in this run
        no_cutoff = fig is None and not primary and j.statistic in verdict.STAT_ROWS
        if fig is not None and fig.estimate is not None:
            figure_text = fmt.interval(
                j.statistic, {"estimate": fig.estimate, "ci_low": fig.ci_low, "ci_high": fig.ci_high}
            )
        elif fig is not None:
            figure_text = fmt.reason({"reason": fig.reason})
        else:
            figure_text = t[f"primary_{why}"] if no_cutoff else t["not_in_run"]
        reason = j.reason or ""
        if reason.startswith(("suppressed", "withheld")):
            reason = t["suppressed_short"]
        elif reason == "not assessed in this run":
            reason = t[f"primary_{why}"] if no_cutoff else t["not_in_run"]
        else:
            reason = fmt.say(reason)
        jrows.append(
            {
                "key": j.key,
                "statistic": t.get(j.statistic, j.statistic),
                "rule": t[f"rule_{j.rule}"].format(bound=bound),
                "figure": figure_text,
                "outcome": j.outcome,
                "outcome_text": t[f"outcome_{j.outcome}"],
                "plain": t["plain_no_cutoff"] if no_cutoff else t[f"plain_{j.outcome}"],
                "reason": reason,
            }
        )
    word = verdict.overall(judged)
    reason_line = verdict_reason(word, jrows, t, None if primary else t[f"primary_{why}"])

    # accuracy tables
    stats_header = [
        {"rule": fmt.entry_rule(direction, e), "pre": e["_pre"], "names": ", ".join(e.get("names") or [])}
        for e in entries
    ]
    stats_rows = [{"label": t[s], "cells": [fmt.interval(s, e.get(s)) for e in entries]} for s in STAT_ROWS]
    stats_rows.append(
        {
            "label": t["youden"],
            "cells": [
                fmt.num(e.get("youden"), 3) if isinstance(e.get("youden"), float) else t["withheld"] for e in entries
            ],
        }
    )
    tables = []
    for e in entries:
        tables.append(
            {
                "rule": fmt.entry_rule(direction, e),
                "pre": e["_pre"],
                "names": ", ".join(e.get("names") or []),
                "suppressed": bool(e.get("suppressed")),
                "tp": fmt.count(e.get("tp")),
                "fp": fmt.count(e.get("fp")),
                "fn": fmt.count(e.get("fn")),
                "tn": fmt.count(e.get("tn")),
                "pos": fmt.count(_sum([e.get("tp"), e.get("fp")])),
                "neg": fmt.count(_sum([e.get("fn"), e.get("tn")])),
                "rpos": fmt.count(_sum([e.get("tp"), e.get("fn")])),
                "rneg": fmt.count(_sum([e.get("fp"), e.get("tn")])),
                "total": fmt.count(_sum([e.get(c) for c in ("tp", "fp", "fn", "tn")])),
            }
        )

    # per 1000 and icon arrays (primary cut-off)
    per1000 = []
    for e in entries:
        rows = per_1000_rows(e, fmt, t)
        if rows:
            per1000.append({"rule": fmt.entry_rule(direction, e), "pre": e["_pre"], "rows": rows})
    icons = []
    if primary:
        for p in primary.get("at_prevalence") or []:
            labels = {
                "title": t["icon_title"].format(prev=fmt.pct(p["prevalence"]), rule=rule),
                "tp": t["icon_tp"],
                "fn": t["icon_fn"],
                "fp": t["icon_fp"],
                "tn": t["icon_tn"],
            }
            k = per_1000_estimates(p)
            if k is not None:
                icons.append(figures.icon_array_svg(k, labels))
    plain = per_1000_rows(primary, fmt, t) if primary else []

    # setting and prevalence
    pos, neg = doc.get("n_positive"), doc.get("n_negative")
    prevalence = None
    if isinstance(pos, int) and isinstance(neg, int) and pos + neg > 0:
        est, lo, hi = proportion_ci(pos, pos + neg, doc.get("ci_method", "wilson"), doc.get("confidence", 0.95))
        prevalence = fmt.interval(
            "prevalence", {"estimate": float(est[0]), "ci_low": float(lo[0]), "ci_high": float(hi[0])}
        )
    n_scored = doc.get("n")
    unv = doc.get("n_unverified")
    verified_share = (
        fmt.pct((n_scored - unv) / n_scored)
        if isinstance(n_scored, int) and isinstance(unv, int) and n_scored > 0
        else t["withheld"]
    )

    # limitations (STARD 26), generated from the data
    limits = []
    if partial_verification(unv):
        limits.append(t["lim_partial"].format(n=fmt.count(unv)))
    if isinstance(pos, int) and pos < 100:
        limits.append(t["lim_few_cases"].format(n=fmt.count(pos)))
    if primary and _iv_ok(primary.get("sensitivity")):
        s = primary["sensitivity"]
        if s.get("ci_high") is not None and s["ci_high"] - s["ci_low"] > 0.2:
            limits.append(t["lim_wide"].format(rule=rule))
    if any(not e["_pre"] for e in entries):
        limits.append(t["lim_exploratory"])
    if (doc.get("auc") or {}).get("estimate") is not None and doc["auc"]["estimate"] < 0.5:
        limits.append(t["lim_auc_below"])
    limits.append(t["lim_reference"])

    title_roc = f"ROC \u2013 {inst_id}"
    return {
        "id": inst_id,
        "slug": slug(inst_id),
        "name": spec.get("name", inst_id.split("@")[0]),
        "version": spec.get("version", inst_id.split("@")[-1]),
        "kind": (t.get("kind_names") or {}).get(spec.get("kind", "score"), spec.get("kind", "score")),
        "direction": t["direction_lower"] if direction == "lower" else t["direction_higher"],
        "references": spec.get("references", []),
        "source_file": spec.get("source_file"),
        "cutoff_specs": [
            {"name": c.get("name"), "value": fmt.cutoff(c.get("value")), "pre": c.get("prespecified", True)}
            for c in spec.get("cutoffs", [])
        ],
        "banded_specs": banded_view(spec, inp.score_flow.get(inst_id, {}), direction, fmt),
        "n": fmt.count(doc.get("n")),
        "n_pos": fmt.count(pos),
        "n_neg": fmt.count(neg),
        "n_unv": fmt.count(unv),
        "n_missing": fmt.count(doc.get("n_missing_score")),
        "prevalence": prevalence,
        "verified_share": verified_share,
        "auc": fmt.interval("auc", doc.get("auc")),
        "primary_rule": rule,
        "primary_missing": None if primary else t[f"primary_{why}"],
        "primary_sens": fmt.interval("sensitivity", primary.get("sensitivity")) if primary else None,
        "primary_spec": fmt.interval("specificity", primary.get("specificity")) if primary else None,
        "flow_svg": instrument_flow_svg(inp.flow, doc, inp.score_flow.get(inst_id, {}), primary, fmt, t, rule),
        "flow_counts": instrument_flow_counts(inp.flow, doc, inp.score_flow.get(inst_id, {}), fmt),
        "verdict": word,
        "verdict_text": t[f"verdict_{word}"],
        "judgements": jrows,
        "reason_line": reason_line,
        "primary_index": idx,
        "main_per1000": plain[0] if plain else None,
        # every subgroup column's largest difference, the largest first (the PDF's main part shows one)
        "subgroup_lines": [
            b["difference"]
            for b in sorted(
                (subgroups_shown or {}).get("blocks", []),
                key=lambda b: -(b.get("size") or 0.0),
            )
            if b.get("difference")
        ],
        "criteria_declared": bool(judged),
        "stats_header": stats_header,
        "stats_rows": stats_rows,
        "tables": tables,
        "per1000": per1000,
        "icons": icons,
        "plain": plain,
        "plain_missing": (
            fmt.reason({"reason": primary.get("at_prevalence_reason")})
            if primary and primary.get("at_prevalence_reason")
            else t["not_in_run"]
            if primary
            else t[f"primary_{why}"]
        ),
        "roc_svg": roc_figure(inp.roc.get(inst_id, []), doc, entries, fmt, t, title_roc),
        "calibration": calibration_view(
            cal, inp.calibration_curve.get(inst_id, []), fmt, t, f"{t['calibration']} \u2013 {inst_id}", cal_source
        ),
        "is_probability": spec.get("kind") == "probability",
        "decision": decision_view(inp.decision.get(inst_id, []), fmt, t, f"{t['decision']} \u2013 {inst_id}"),
        "decision_missing": missing[0],
        "subgroups_missing": missing[1],
        "reliability": reliability_view(rel, fmt, t, icc_type_judged(crit, rel)),
        # the stage ran (its documents, or its "not applicable" one, are here) and had nothing to do for
        # this instrument: no raters or item scales; no probability or risk mapping
        "reliability_na": rel is None and (bool(inp.reliability) or "reliability" in inp.not_applicable),
        "calibration_na": cal is None and (bool(inp.calibration) or "calibration" in inp.not_applicable),
        "subgroups": subgroups_shown,
        "meta_analysis": meta_analysis_view(inp.meta_analysis.get(inst_id), fmt, t, inst_id),
        "further": further_view(doc, fmt, t, direction),
        "limitations": limits,
        "ci_method": doc.get("ci_method", "wilson"),
    }


def banded_view(spec: dict, sflow: dict, direction: str, fmt: Fmt) -> list[dict]:
    """One row per banded cut-off: its band column, which cut-off applied in which band, and the
    scored records left out for want of a valid band (counts after disclosure control)."""
    no_band = (sflow or {}).get("no_band") or {}
    return [
        {
            "name": b.get("name"),
            "column": b.get("column"),
            "bands": fmt.bands(direction, b.get("bands")),
            "pre": bool(b.get("prespecified")),
            "excluded": [
                {"reason": fmt.say(r), "n": fmt.count(n)} for r, n in (no_band.get(b.get("name")) or {}).items()
            ],
        }
        for b in spec.get("banded_cutoffs") or []
    ]


def verdict_reason(word: str, jrows: list[dict], t: dict, missing: str | None) -> str:
    """The one-line reason for a verdict: the first criterion not met (or inconclusive, or not
    assessable) with its figure and the requirement; all met; or why nothing could be judged."""
    if missing and word == verdict.NOT_ASSESSABLE and not any(j["outcome"] != verdict.NOT_ASSESSABLE for j in jrows):
        return missing
    for j in jrows:
        if j["outcome"] == word and word != verdict.MET:
            line = t["reason_line"].format(statistic=j["statistic"], figure=j["figure"], rule=j["rule"])
            return f"{line} ({j['reason']})" if j.get("reason") and word == verdict.NOT_ASSESSABLE else line
    if word == verdict.MET:
        return t["reason_all_met"].format(n=len(jrows))
    return t["no_criteria"] if not jrows else ""


# ------------------------------------------------------------------------------------- comparisons
def delong_difference(delong: dict) -> dict:
    """The AUC difference of a paired comparison's DeLong test as an interval object."""
    return {k: delong.get(k) for k in ("ci_low", "ci_high", "reason")} | {"estimate": delong.get("difference")}


def comparison_view(inp: Inputs, views: list[dict], fmt: Fmt, t: dict) -> dict:
    by_name: dict[str, list[dict]] = {}
    for v in views:
        by_name.setdefault(v["name"], []).append(v)
    versions = [{"name": name, "rows": vs} for name, vs in by_name.items() if len(vs) > 1]
    paired = []
    for doc in inp.comparisons:
        a, b = doc.get("score_a"), doc.get("score_b")
        dl = doc.get("delong") or {}
        row = {
            "a": a,
            "b": b,
            "n": fmt.count(doc.get("n")),
            "auc_a": fmt.interval("auc", doc.get("auc_a")),
            "auc_b": fmt.interval("auc", doc.get("auc_b")),
            "versions": a.split("@")[0] == b.split("@")[0] if a and b else False,
            "diff": fmt.interval("auc", delong_difference(dl)),
            "p": fmt.p_eq(dl.get("p_value")),
            "at": None,
        }
        at = doc.get("at_cutoffs")
        if isinstance(at, dict):
            at_rows = []
            for stat in ("sensitivity", "specificity"):
                e = at.get(stat) or {}
                at_rows.append(
                    {
                        "stat": t[stat],
                        "a": fmt.pct(e.get("a")),
                        "b": fmt.pct(e.get("b")),
                        "ratio": fmt.interval("ratio", e.get("ratio")),
                        "p": fmt.p(e.get("mcnemar_p")),
                    }
                )
            row["at"] = {
                "cutoff_a": at.get("banded_a") or fmt.cutoff(at.get("cutoff_a")),
                "cutoff_b": at.get("banded_b") or fmt.cutoff(at.get("cutoff_b")),
                "rows": at_rows,
                "suppressed": bool(at.get("suppressed")),
                "partly": bool(at.get("withheld")) and not at.get("suppressed"),
            }
        paired.append(row)
    paired.sort(key=lambda r: (not r["versions"], r["a"] or "", r["b"] or ""))
    return {"versions": versions, "paired": paired}


# ----------------------------------------------------------------------- the professional's judgement
JUDGEMENT_RULES = ("instrument", "either", "both", "combination")


def judgement_plain(doc: dict, fmt: Fmt, t: dict) -> str | None:
    """The plain-words line: what adding the instrument to the judgement ('either') does per 1000
    families at the target prevalence, with intervals; None when the line cannot be given."""
    per = doc.get("per_1000")
    if not isinstance(per, dict):
        return None
    found, wrong = per.get("cases_found") or {}, per.get("flagged_wrongly") or {}
    if found.get("estimate") is None or wrong.get("estimate") is None:
        return t["judgement_plain_withheld"]

    def ci(iv: dict) -> str:
        if iv.get("ci_low") is None or iv.get("ci_high") is None:
            return t["judgement_no_interval"]
        return fmt.span(iv["ci_low"], iv["ci_high"], lambda x: fmt.num(x, 1))

    return t["judgement_plain"].format(
        instrument=doc.get("instrument"),
        cases=fmt.num(found["estimate"], 1),
        cases_ci=ci(found),
        wrong=fmt.num(wrong["estimate"], 1),
        wrong_ci=ci(wrong),
        prevalence=fmt.pct(per.get("prevalence")),
    )


def judgement_view(inp: Inputs, fmt: Fmt, t: dict) -> list[dict]:
    """Per instrument: the judgement alone, the instrument alone, 'either', 'both' and the combination,
    their paired differences from the judgement, net benefit and the plain-words line."""
    out = []
    for inst_id, doc in sorted(inp.judgement.items()):
        versus = doc.get("versus_judgement") or {}
        rows = []
        first = next(iter(versus.values()), None)

        def shown(stat: str, iv: dict | None, comp: dict) -> str:
            """An interval, or 'not shown (small numbers)' where disclosure control took the whole
            2 x 2 x 2 table (few positives or negatives), never 'not assessed in this run'."""
            return fmt.interval(stat, iv) if iv or not comp.get("suppressed") else t["suppressed_short"]

        if first is not None:
            at = first.get("at_cutoffs") or {}
            rows.append(
                {
                    "rule": t["judgement_rule_judgement"].format(level=fmt.cutoff(doc.get("positive_from"))),
                    "sens": shown("sensitivity", (at.get("sensitivity") or {}).get("b_interval"), first),
                    "spec": shown("specificity", (at.get("specificity") or {}).get("b_interval"), first),
                    "auc": fmt.interval("auc", first.get("auc_b")),
                    "sens_diff": "",
                    "spec_diff": "",
                    "auc_diff": "",
                }
            )
        thresholds = (doc.get("net_benefit") or {}).get("thresholds") or []
        for rule in JUDGEMENT_RULES:
            comp = versus.get(rule)
            if not comp:
                continue
            at = comp.get("at_cutoffs") or {}
            sens, spec = at.get("sensitivity") or {}, at.get("specificity") or {}
            dl = comp.get("delong") or {}

            def diff(e: dict, comp: dict = comp) -> str:
                text = shown("sensitivity", e.get("difference"), comp)
                return f"{text}; McNemar {fmt.p_eq(e.get('mcnemar_p'))}" if e.get("mcnemar_p") is not None else text

            auc_text = fmt.interval("auc", delong_difference(dl))

            rows.append(
                {
                    "rule": t[f"judgement_rule_{rule}"].format(
                        rule=fmt.entry_rule(
                            doc.get("direction") or "higher",
                            {
                                "cutoff": doc.get("cutoff"),
                                "banded": {"name": doc["banded"]} if doc.get("banded") else None,
                            },
                        ),
                        threshold=fmt.pct(at.get("cutoff_a"), 0),
                    ),
                    "sens": shown("sensitivity", sens.get("a_interval"), comp),
                    "spec": shown("specificity", spec.get("a_interval"), comp),
                    "auc": fmt.interval("auc", comp.get("auc_a")),
                    "sens_diff": diff(sens),
                    "spec_diff": diff(spec),
                    "auc_diff": f"{auc_text}, {fmt.p_eq(dl.get('p_value'))}",
                    # the main report's short form: the differences with their intervals only
                    "sens_diff_short": shown("sensitivity", sens.get("difference"), comp),
                    "spec_diff_short": shown("specificity", spec.get("difference"), comp),
                    "auc_diff_short": auc_text,
                }
            )
        nb_rows = []
        for entry in thresholds:
            cells = {}
            for rule in JUDGEMENT_RULES:
                st = (entry.get("strategies") or {}).get(rule)
                cells[rule] = fmt.interval("net_benefit", st.get("difference")) if st else "\u2013"
            nb_rows.append(
                {
                    "threshold": fmt.pct(entry.get("threshold"), 0),
                    "judgement": fmt.value("net_benefit", entry.get("judgement")),
                    **cells,
                }
            )
        out.append(
            {
                "instrument": inst_id,
                "column": doc.get("judgement_column"),
                "n": fmt.count(doc.get("n")),
                "rows": rows,
                "net_benefit": nb_rows,
                "plain": judgement_plain(doc, fmt, t),
                "reason": None if rows else fmt.say(doc.get("rules_reason") or "undefined"),
                "withheld_rules": t["judgement_rules_withheld"] if doc.get("withheld_rules") else None,
            }
        )
    return out


# ------------------------------------------------------------------------------------------ STARD
# item -> (study.yaml key or None, section anchors in the report or None, data_cannot: bool)
STARD = [
    ("1", None, ["top"]),
    ("2", "summary", ["summary"]),
    ("3", "background", None),
    ("4", "objectives", None),
    ("5", "data_collection", None),
    ("6", "eligibility", None),
    ("7", "identification", None),
    ("8", "setting", ["setting"]),
    ("9", "series", None),
    ("10a", "index_test", ["instruments"]),
    ("10b", "reference_standard", None),
    ("11", "reference_rationale", None),
    ("12a", "cutoff_rationale", ["instruments"]),
    ("12b", "reference_categories", None),
    ("13a", "blinding_index", None),
    ("13b", "blinding_reference", None),
    ("14", None, ["methods"]),
    ("15", None, ["flow"]),
    ("16", None, ["flow", "methods"]),
    ("17", None, ["subgroups"]),
    ("18", "sample_size", ["instruments"]),
    ("19", None, ["flow"]),
    ("20", "baseline", ["subgroups"]),
    ("21a", "severity", None),
    ("21b", "alternative_diagnoses", None),
    ("22", "time_interval", None),
    ("23", None, ["instruments"]),
    ("24", None, ["instruments"]),
    ("25", "adverse_events", None),
    ("26", "limitations", ["instruments"]),
    ("27", "implications", None),
    ("28", "registration", None),
    ("29", "protocol", None),
    ("30", "funding", None),
]
STUDY_KEYS = tuple(k for _, k, _ in STARD if k) + ("title", "organisation")


# TRIPOD 2015 validation items for instruments that output probabilities (methodology §9)
TRIPOD = [
    ("10c", None, ["calibration"]),
    ("10d", None, ["instruments"]),
    ("10e", "model_updating", ["calibration"]),
    ("12", "development_differences", None),
    ("13a", None, ["flow"]),
    ("13b", None, ["flow", "subgroups"]),
    ("13c", "development_comparison", None),
    ("16", None, ["instruments"]),
    ("17", "model_updating", None),
    ("19a", "development_discussion", None),
]
STUDY_KEYS = STUDY_KEYS + (
    "model_updating",
    "development_differences",
    "development_comparison",
    "development_discussion",
)


def stard_view(
    study: dict,
    lang: str,
    t: dict,
    have_subgroups: bool,
    items=None,
    prefix: str = "stard",
    have_calibration: bool = True,
) -> list[dict]:
    """Checklist rows: where the report addresses each item, the researcher's text, or 'not reported'."""
    rows = []
    for item, key, anchors in STARD if items is None else items:
        text = localised(study.get(key), lang) if key else None
        links = []
        for a in anchors or []:
            if (a == "subgroups" and not have_subgroups) or (a == "calibration" and not have_calibration):
                continue
            href = "#instruments" if a in ("subgroups", "calibration") else f"#{a}"
            links.append({"href": href, "label": t.get(f"sec_{a}", a)})
        if text:
            status = "researcher"
        elif links:
            status = "report"
        elif key:
            status = "not_reported"
        else:
            status = "not_in_run"
        if prefix == "stard" and item == "17" and not have_subgroups:
            status = "not_in_run"
        rows.append(
            {
                "item": item,
                "text": t[f"{prefix}_{item}"],
                "links": links,
                "study": text,
                "key": key,
                "status": status,
                "status_text": t[f"stard_status_{status}"],
            }
        )
    return rows


# ----------------------------------------------------------------------------------------- the page
def software_versions() -> list[tuple[str, str]]:
    from .. import __version__

    out = [("signalering", __version__), ("Python", platform.python_version())]
    for pkg in PACKAGES:
        try:
            out.append((pkg, importlib.metadata.version(pkg)))
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def build_view(inp: Inputs, log: list[dict], params: dict, study: dict, lang: str, t: dict) -> dict:
    """Everything the template shows, formatted for ``lang`` (``t``: that language's texts)."""
    fmt = Fmt(lang, t)
    crit_cfg = (params.get("report") or {}).get("criteria") or {}
    views = [instrument_view(k, inp, crit_cfg, fmt, t, lang, params) for k in sorted(inp.accuracy)]
    flow = inp.flow
    excluded = [{"reason": fmt.say(r), "n": fmt.count(n)} for r, n in (flow.get("excluded") or {}).items()]
    ev = params.get("evaluate") or {}
    min_cell = run_min_cell(params)
    targets = ", ".join(fmt.pct(p) for p in ev.get("prevalences", [])) or t["none"]
    shown = {k: v for k, v in params.items()}
    counts = {w: sum(1 for v in views if v["verdict"] == w) for w in verdict.OUTCOMES}
    return {
        "lang": lang,
        "t": t,
        "study_title": localised(study.get("title"), lang),
        "organisation": localised(study.get("organisation"), lang),
        "study_given": bool(study),
        "software": software_versions(),
        "data_hash": flow.get("file_sha256", t["withheld"]),
        "seed": params.get("seed"),
        "params_yaml": yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100),
        "files": inp.files,
        "flow_svg": overall_flow_svg(flow, fmt, t),
        "flow_sentence": flow_sentence(flow, fmt, t),
        "received": fmt.count(flow.get("received")),
        "analysed": fmt.count(flow.get("analysed")),
        "verified": fmt.count(flow.get("verified")),
        "unverified": fmt.count(flow.get("unverified")),
        "excluded": excluded,
        "followup": followup_view(flow, fmt, t),
        "setting_text": localised(study.get("setting"), lang),
        "targets": targets,
        "ci_method": ev.get("ci_method", "wilson"),
        "confidence": fmt.pct(ev.get("confidence", 0.95), 0),
        "min_cell": min_cell,
        "min_cell_max": max(1, int(min_cell) - 1),
        "instruments": views,
        "verdict_counts": counts,
        "main_prevalence": fmt.pct(ev["prevalences"][0]) if ev.get("prevalences") else None,
        "not_applicable": [t["not_applicable"][s] for s in not_applicable.STAGES if s in inp.not_applicable],
        "comparison": comparison_view(inp, views, fmt, t),
        "judgement": judgement_view(inp, fmt, t),
        "stard": stard_view(study, lang, t, bool(inp.subgroups)),
        "study_unknown": sorted(str(k) for k in study if k not in STUDY_KEYS),
        "tripod": stard_view(study, lang, t, bool(inp.subgroups), TRIPOD, "tripod", bool(inp.calibration)),
        "tripod_instruments": [
            v["id"] for v in views if v["is_probability"] or (v["calibration"] or {}).get("risk_source")
        ],
        "disclosure_log": disclosure_summary(log, fmt),
        "disclosure_entries": len(log),
        # the meta-analysis model(s) this run fitted, not both alternatives
        "m_meta": t["m_meta"].format(
            model=" / ".join(
                t[f"m_meta_model_{m}"]
                for m in sorted({d.get("method") for d in inp.meta_analysis.values()} & {"reml", "glmm"})
            )
            or t["m_meta_model_reml"]
        ),
        "have": {
            "comparison": bool(inp.comparisons),
            "subgroups": bool(inp.subgroups),
            "calibration": bool(inp.calibration),
            "decision": bool(inp.decision),
            "reliability": bool(inp.reliability),
            "meta_analysis": bool(inp.meta_analysis),
        },
        "criteria_cfg": yaml.safe_dump(crit_cfg, sort_keys=False, width=100) if crit_cfg else None,
        "other_lang": {
            "en": ("nl", "validatierapport.html", "Nederlandse versie"),
            "nl": ("en", "validation_report.html", "English version"),
        }[lang],
    }


def disclosure_summary(log: list[dict], fmt: Fmt | None = None) -> list[dict]:
    """The disclosure log grouped by reason: how many entries, and where (document prefixes).

    The full log (reports/disclosure.json) can run to hundreds of entries; the report lists where
    and why, never what the values were.
    """
    groups: dict[str, dict] = {}
    for e in log:
        reason = str(e.get("reason"))
        g = groups.setdefault(reason, {"reason": reason, "n": 0, "where": set()})
        g["n"] += 1
        g["where"].add(str(e.get("location", "")).split(".")[0].split("[")[0])
    return [
        {"reason": fmt.say(g["reason"]) if fmt else g["reason"], "n": g["n"], "where": ", ".join(sorted(g["where"]))}
        for g in sorted(groups.values(), key=lambda g: g["reason"])
    ]
