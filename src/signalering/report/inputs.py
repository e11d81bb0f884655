"""Step 1 and 2 of the report: read what the pipeline's stages left behind, and make it publishable.

:func:`load_inputs` reads the stages' JSON documents below the project folder (:data:`PATHS` says where;
every input except the flow and the accuracy documents is optional: a section whose input is missing
says "not assessed in this run") and records the hash of every file read. :func:`publishable` passes
every document through :mod:`signalering.documents.disclosure` (the report reads suppressed copies
only) and collects the log of what was hidden (``reports/disclosure.json``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import disclosure, not_applicable

# Where each optional input is looked for (first existing wins). Extend here when a stage moves.
PATHS = {
    "flow": "data/interim/flow.json",
    "score_flow": "data/interim/score_flow.json",
    "instruments": "data/interim/instruments.json",
    "accuracy": "data/processed/accuracy",
    "roc": "reports/plots/roc",
    "comparison": "data/processed/comparison",
    "judgement": "data/processed/judgement",
    "subgroups": "data/processed/subgroups",
    "calibration": ("data/processed/calibration",),
    "calibration_curve": ("reports/plots/calibration",),
    "decision": ("reports/plots/decision", "data/processed/decision"),
    "reliability": ("data/processed/reliability",),
    "meta_analysis": ("data/processed/meta_analysis",),
}


# ------------------------------------------------------------------------------------------ inputs
@dataclass
class Inputs:
    """Every document the report reads; optional ones are empty when their stage did not run."""

    flow: dict
    accuracy: dict[str, dict]
    score_flow: dict = field(default_factory=dict)
    instruments: dict[str, dict] = field(default_factory=dict)
    roc: dict[str, list] = field(default_factory=dict)
    comparisons: list[dict] = field(default_factory=list)
    judgement: dict[str, dict] = field(default_factory=dict)  # instrument -> its judgement document
    subgroups: dict[str, dict] = field(default_factory=dict)
    calibration: dict[str, dict] = field(default_factory=dict)
    calibration_curve: dict[str, list] = field(default_factory=dict)
    decision: dict[str, list] = field(default_factory=dict)
    reliability: dict[str, dict] = field(default_factory=dict)
    meta_analysis: dict[str, dict] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256) of every input read
    not_applicable: dict[str, dict] = field(default_factory=dict)  # stage -> its "not applicable" document

    def spec(self, inst_id: str) -> dict:
        """An instrument's specification: the score stage's, else the copy in its accuracy document."""
        return self.instruments.get(inst_id) or (self.accuracy.get(inst_id) or {}).get("instrument") or {}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_inputs(root: str | Path = ".") -> Inputs:
    """Read the stages' outputs below ``root`` (see :data:`PATHS`)."""
    import json

    root = Path(root)
    files: list[tuple[str, str]] = []

    def read(rel: str):
        p = root / rel
        files.append((rel, _sha(p)))
        return json.loads(p.read_text(encoding="utf-8"))

    def read_dir(rels) -> dict[str, object]:
        for rel in (rels,) if isinstance(rels, str) else rels:
            d = root / rel
            if d.is_dir():
                na = not_applicable.read(d)
                if na is not None:
                    files.append((f"{rel}/{not_applicable.FILE}", _sha(d / not_applicable.FILE)))
                    inp.not_applicable.setdefault(na.get("stage", rel), na)
                return {
                    p.stem: read(f"{rel}/{p.name}") for p in sorted(d.glob("*.json")) if p.name != not_applicable.FILE
                }
        return {}

    def optional(rel: str):
        return read(rel) if (root / rel).is_file() else {}

    inp = Inputs(flow=read(PATHS["flow"]), accuracy={})
    inp.accuracy = read_dir(PATHS["accuracy"])
    inp.score_flow = (optional(PATHS["score_flow"]) or {}).get("instruments", {})
    inp.instruments = {i["id"]: i for i in (optional(PATHS["instruments"]) or {}).get("instruments", [])}
    inp.roc = read_dir(PATHS["roc"])
    inp.comparisons = list(read_dir(PATHS["comparison"]).values())
    inp.judgement = read_dir(PATHS["judgement"])
    inp.subgroups = read_dir(PATHS["subgroups"])
    inp.calibration = read_dir(PATHS["calibration"])
    inp.calibration_curve = {k: _rows(v, "predicted") for k, v in read_dir(PATHS["calibration_curve"]).items()}
    inp.decision = {k: _rows(v, "threshold") for k, v in read_dir(PATHS["decision"]).items()}
    inp.reliability = read_dir(PATHS["reliability"])
    inp.meta_analysis = read_dir(PATHS["meta_analysis"])
    inp.files = files
    return inp


def _rows(obj, key: str) -> list[dict]:
    """Plot rows from a list of dicts, or from the first list of dicts holding ``key`` inside a dict."""
    if isinstance(obj, list):
        return [r for r in obj if isinstance(r, dict) and key in r]
    if isinstance(obj, dict):
        for v in obj.values():
            rows = _rows(v, key) if isinstance(v, (list, dict)) else []
            if rows:
                return rows
    return []


# -------------------------------------------------------------------------------------- disclosure
def publishable(inp: Inputs, min_cell: int) -> tuple[Inputs, list[dict]]:
    """Suppressed copies of every document (signalering.documents.disclosure) and the log of what was hidden."""
    min_cell = disclosure.check_min_cell(min_cell)
    out = copy.copy(inp)
    log: list[dict] = []

    def small(location: str, hidden) -> None:
        """Log the parts hidden at ``location`` as small numbers."""
        log.append({"location": location, "hidden": sorted(hidden), "reason": disclosure.reason_small(min_cell)})

    def each(docs: dict[str, dict], suppress, part: str | None = None) -> dict[str, dict]:
        """Every document of a stage (by instrument) through ``suppress``, logged at ``instrument.part``."""
        shown = {}
        for k, doc in sorted(docs.items()):
            shown[k], lg = suppress(doc, min_cell, f"{k}.{part}" if part else k)
            log.extend(lg)
        return shown

    out.flow, lg = disclosure.suppress_flow(inp.flow, min_cell)
    log.extend(lg)
    out.accuracy = each(inp.accuracy, disclosure.suppress_accuracy_document)
    sf = {}
    for k, entry in sorted(inp.score_flow.items()):
        missing = dict(entry.get("missing_score") or {})
        parts = [f"missing:{r}" for r in missing]
        values = {"scored": entry.get("scored"), **{p: n for p, n in zip(parts, missing.values())}}
        # the reasons add up to the records without a score, which the accuracy document publishes:
        # one hidden reason is complemented by the next smallest (else the breakdown is withheld)
        shown_total = (out.accuracy.get(k) or {}).get("n_missing_score")
        total = None
        if isinstance(shown_total, int) and not isinstance(shown_total, bool):
            values["missing_total"], total = shown_total, "missing_total"
        pub, reasons = disclosure.suppress_parts(values, parts, total, min_cell)
        if total in reasons:
            for p in parts:
                if p not in reasons:
                    pub[p], reasons[p] = None, disclosure.reason_complementary(min_cell)
            reasons.pop(total)
        sf[k] = {"scored": pub["scored"], "missing_score": {r: pub[f"missing:{r}"] for r in missing}}
        if entry.get("no_band"):  # scored records without a valid band, per banded cut-off and reason
            sf[k]["no_band"] = {}
            for name, by_reason in entry["no_band"].items():
                shown, hidden = disclosure.suppress_parts(dict(by_reason), list(by_reason), None, min_cell)
                sf[k]["no_band"][name] = shown
                if hidden:
                    small(f"{k}.score_flow.no_band.{name}", hidden)
        if reasons:
            small(f"{k}.score_flow", reasons)
    out.score_flow = sf
    out.comparisons = []
    for doc in inp.comparisons:
        name = f"{doc.get('score_a')}__vs__{doc.get('score_b')}"
        # an instrument's figures on the paired records must not give back what its accuracy document withholds
        pub, lg = disclosure.suppress_comparison_document(doc, min_cell, name, out.accuracy)
        out.comparisons.append(pub)
        log.extend(lg)
    out.judgement = each(
        inp.judgement, functools.partial(disclosure.suppress_judgement_document, accuracy=out.accuracy), "judgement"
    )
    out.subgroups = each(inp.subgroups, disclosure.suppress_subgroups_document, "subgroups")
    out.calibration = each(inp.calibration, disclosure.suppress_calibration, "calibration")
    out.reliability = each(inp.reliability, disclosure.suppress_reliability_document, "reliability")
    # meta-analysis documents hold no counts; their per-organisation points were put under the rules
    # by the stage (scale.federated.meta_analysis_document, with disclosure.min_cell): logged here.
    # The pooled estimates approximate the pooled table's: withheld where its accuracy is.
    out.meta_analysis = {}
    for k, doc in sorted(inp.meta_analysis.items()):
        out.meta_analysis[k], lg = disclosure.suppress_meta_analysis_document(doc, out.accuracy.get(k), min_cell, k)
        log.extend(lg)
        for e in out.meta_analysis[k].get("at_cutoffs") or []:
            hidden = sorted(n for n, p in (e.get("per_organisation") or {}).items() if p.get("suppressed"))
            if hidden:
                small(f"{k}.meta_analysis[cutoff={e['cutoff']}]", [f"per_organisation.{n}" for n in hidden])
    return out, log
