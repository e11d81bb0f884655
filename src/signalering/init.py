"""``signalering init``: the parameters (and instrument specifications) for a researcher's own file.

A records file with a reference standard and one or more ready-made score columns is inspected and
turned into

* the ``data`` section of ``params.yaml``: id column, reference column and its labels, subgroup
  columns with the codes found, and per score column its range (see :func:`score_range`);
* one specification of kind ``score`` per score column (``instruments/<name>.yaml`` beside the
  parameter file), listed in ``score.instruments``;
* the analysis settings (``seed``, ``evaluate``, ``calibration``, ``reliability``, ``disclosure``,
  ``report``, ``scale``, ``simulate``) kept from the current ``params.yaml`` (or :data:`DEFAULTS`),
  with every per-instrument entry that names an instrument no longer scored dropped
  (``evaluate.judged_cutoff``, ``evaluate.exploratory_cutoffs``, ``compare.pairs``, ``compare.cutoffs``, ``report.criteria``),
  and ``compare.judgement`` and ``evaluate.meta_analysis.by`` switched off (they name columns of the previous
  records file).

:func:`plan` does the inspection and returns what would be written (no file is touched);
:func:`write` writes it. The caller guards the file against direct identifiers first
(``signalering.ingest.identifiers.check_identifiers``): nothing is written for a refused file.
Messages name the file and column, never a value.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import io
from . import params as _params
from .errors import InputError, UsageError
from .ingest.schema import canonical_codes, reference_values

SPEC_DIR = "instruments"
MAX_SUBGROUP_CODES = 50
ORDINAL_MAX_CODES = 20

# Analysis settings used when there is no params.yaml to keep them from: the defaults of the typed
# parameter models (signalering.params). A test checks that they equal the shipped params.yaml.
DEFAULTS: dict = _params.defaults()
ORDER = (
    "seed",
    "simulate",
    "data",
    "score",
    "evaluate",
    "compare",
    "calibration",
    "reliability",
    "disclosure",
    "report",
    "scale",
)


@dataclass(frozen=True)
class Plan:
    """What ``signalering init`` writes: the parameters and the specification files (path -> mapping).

    Paths in ``specs`` are relative to the parameter file's folder, as ``score.instruments`` names them.
    """

    params: dict
    specs: dict[str, dict] = field(default_factory=dict)


def spec_name(column: str, taken: set[str]) -> str:
    """An instrument name for a column: lower case, letters/digits/'-'/'_' only, unique in ``taken``.

    >>> spec_name("S100B (ug/L)", set())
    's100b-ug-l'
    """
    name = re.sub(r"[^a-z0-9_-]+", "-", column.lower()).strip("-_") or "score"
    if not name[0].isalnum():
        name = f"s{name}"
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}-{k}", k + 1
    return candidate


def score_range(values: np.ndarray) -> dict:
    """The ``data.columns`` rule for a score column: ``min``/``max`` (and ``integer``) from the values.

    A whole-number column with at most 20 distinct values is an ordinal scale: it gets its smallest
    and largest value (the ends of the scale). Other columns get bounds rounded outwards to the
    leading decimal digit of the largest magnitude (0.03..2.07 -> 0..3; 12.5..418 -> 0..500; a
    non-negative column never gets a negative lower bound), so ``params.yaml`` (printed in the
    report) does not repeat a record's extreme value and a new record slightly outside the observed
    range is not refused.
    """
    x = values[~np.isnan(values)]
    if not len(x):
        return {}
    low, high = float(x.min()), float(x.max())
    integer = bool(np.all(x == np.floor(x)))
    if integer and len(np.unique(x)) <= ORDINAL_MAX_CODES:
        return {"min": _number(low), "max": _number(high), "integer": True}
    magnitude = max(abs(low), abs(high)) or 1.0
    step = 10.0 ** math.floor(math.log10(magnitude))
    lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
    if low >= 0:
        lo = max(lo, 0.0)
    if hi == lo:
        hi = lo + step
    rule = {"min": _number(round(lo, 12)), "max": _number(round(hi, 12))}
    if integer:
        rule["integer"] = True
    return rule


def _number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def _numeric(frame: pd.DataFrame, column: str, file: str) -> np.ndarray:
    """A score column as float (``io.numeric_column``, as every command reads it): a non-number or a
    non-finite number (``inf``, ``nan`` as text, ``1e999``) refuses the file with row and column."""
    return io.numeric_column(frame, column, file)


def _column(frame: pd.DataFrame, column: str, file: str, what: str) -> None:
    if column not in frame.columns:
        raise InputError(file, f"the {what} column does not exist", column=column)


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it (POSIX separators), else absolute."""
    path, base = path.resolve(), base.resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def kept_settings(current: dict | None, ids: set[str]) -> dict:
    """Every group of ``current`` but ``data`` and ``score`` (a group it lacks: :data:`DEFAULTS`), with
    the per-instrument entries naming an instrument outside ``ids`` dropped (the names in
    ``report.criteria`` may omit ``@version``)."""
    base = copy.deepcopy(current) if current else {}
    out = {k: v for k, v in base.items() if k not in ("data", "score")}  # groups added later are kept too
    for k in DEFAULTS:
        out.setdefault(k, copy.deepcopy(DEFAULTS[k]))
    names = {i.split("@", 1)[0] for i in ids}
    ev = out["evaluate"] = dict(out.get("evaluate") or {})
    if "cutoffs" in ev:  # before the judged/exploratory split: extra cut-offs, never judged
        ev.setdefault("exploratory_cutoffs", ev.pop("cutoffs"))
    for key in ("judged_cutoff", "exploratory_cutoffs"):
        ev[key] = {k: v for k, v in (ev.get(key) or {}).items() if k in ids}
    if isinstance(ev.get("meta_analysis"), dict):  # it names a subgroup column of the previous records file
        ev["meta_analysis"] = {**ev["meta_analysis"], "by": None}
    cmp_ = out["compare"] = dict(out.get("compare") or {})
    cmp_["pairs"] = [p for p in (cmp_.get("pairs") or []) if isinstance(p, (list, tuple)) and set(p) <= ids]
    cmp_["cutoffs"] = {k: v for k, v in (cmp_.get("cutoffs") or {}).items() if k in ids}
    cmp_["judgement"] = None  # it names a column of the previous records file: declare it again for the new one
    rep = out["report"] = dict(out.get("report") or {})
    rep["criteria"] = {k: v for k, v in (rep.get("criteria") or {}).items() if k == "default" or k in ids or k in names}
    return out


def plan(
    frame: pd.DataFrame,
    file: str,
    *,
    reference: str,
    scores: list[str],
    lower: list[str] = (),
    probability: list[str] = (),
    positive: str = "1",
    negative: str = "0",
    id_column: str = "record_id",
    subgroups: list[str] = (),
    params_path: str | os.PathLike = "params.yaml",
    current: dict | None = None,
    drop: list[str] = (),
    decimal: str = "auto",
) -> Plan:
    """Inspect ``frame`` (read from ``file``) and return the parameters and specifications for it.

    Parameters
    ----------
    frame : DataFrame, as read by ``signalering.io.read_records`` (and guarded for identifiers)
    file : str, the records file (named in messages; ``data.records`` points at it)
    reference : the reference-standard column; ``positive``/``negative`` its labels (empty = not verified)
    scores : score columns where higher values mean concern
    lower : score columns where lower values mean concern (need not be repeated in ``scores``)
    probability : score columns that are predicted risks in [0, 1] (calibration assesses them)
    id_column : the column identifying a record
    subgroups : columns whose categories the accuracy is reported for
    params_path : where ``params.yaml`` will be written (paths in it are relative to its folder)
    current : the parameters being replaced, whose analysis settings are kept
    drop : columns dropped at the door (``data.drop``: free text the file must keep)
    decimal : decimal mark of the file's numbers (``data.decimal``)

    Raises
    ------
    UsageError  no score column, a column named twice, a probability outside the scores
    InputError  a named column is absent, a score column holds a non-number or a non-finite number, the reference holds
                another value than the labels, or has no positive or no negative record, a
                probability lies outside [0, 1], a subgroup column has more than 50 codes
    """
    columns = list(dict.fromkeys([*scores, *lower]))
    if not columns:
        raise UsageError("Name at least one score column with --score COL (or --lower COL).")
    both = set(scores) & set(lower)
    if both:
        raise UsageError(f"A column is given both as --score and as --lower: {sorted(both)[0]}. Name it once.")
    stray = [c for c in probability if c not in columns]
    if stray:
        raise UsageError(f"--probability must name one of the score columns. Got {stray[0]} instead.")
    named = [id_column, reference, *columns, *subgroups]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise UsageError(
            f"Each column can play one part (id, reference, score or subgroup). Got {twice[0]} more than once."
        )
    _column(frame, id_column, file, "id")
    _column(frame, reference, file, "reference")
    for c in columns:
        _column(frame, c, file, "score")
    for c in subgroups:
        _column(frame, c, file, "subgroup")

    ref, bad = reference_values(frame[reference], positive, negative)
    if bad.any():
        raise InputError(
            file,
            f"the reference standard must be {positive}, {negative} or empty; give the labels "
            "with --positive and --negative",
            row=int(np.flatnonzero(bad)[0]) + 1,
            column=reference,
        )
    if not (ref == 1).any() or not (ref == 0).any():
        raise InputError(
            file, "the reference standard needs at least one positive and one negative record", column=reference
        )

    rules: dict[str, dict] = {}
    for c in subgroups:
        codes = sorted(canonical_codes(frame[c]).dropna().unique().tolist())
        if len(codes) > MAX_SUBGROUP_CODES:
            raise InputError(file, f"a subgroup column may have at most {MAX_SUBGROUP_CODES} codes", column=c)
        rules[c] = {"codes": codes}

    params_path = Path(params_path)
    base = params_path.parent
    specs: dict[str, dict] = {}
    refs: list[str] = []
    taken: set[str] = set()
    for c in columns:
        values = _numeric(frame, c, file)
        is_prob = c in probability
        if is_prob:
            outside = ~np.isnan(values) & ((values < 0) | (values > 1))
            if outside.any():
                raise InputError(
                    file, "a probability must lie in [0, 1]", row=int(np.flatnonzero(outside)[0]) + 1, column=c
                )
            rules[c] = {"min": 0, "max": 1}
        else:
            rules[c] = score_range(values)
        name = spec_name(c, taken)
        taken.add(name)
        spec = {
            "name": name,
            "version": 1,
            "kind": "score",
            "description": f"Column '{c}' of {Path(file).name}, used as it is (written by signalering init).",
            "direction": "lower" if c in lower else "higher",
            "column": c,
        }
        if is_prob:
            spec["probability"] = True
        spec["cutoffs"] = []
        rel = f"{SPEC_DIR}/{name}.yaml"
        specs[rel] = spec
        refs.append(rel)

    data = {
        "records": _relative(Path(file), base),
        "id_column": id_column,
        "reference": reference,
        "positive_label": positive,
        "negative_label": negative,
        "decimal": decimal,
        "subgroups": list(subgroups),
        "drop": list(drop),
        "columns": rules,
    }
    ids = {f"{s['name']}@{s['version']}" for s in specs.values()}
    settings = kept_settings(current, ids)
    params = {**settings, "data": data, "score": {"instruments": refs}}
    ordered = {k: params[k] for k in ORDER if k in params}
    return Plan(params={**ordered, **{k: v for k, v in params.items() if k not in ordered}}, specs=specs)


HEADER = (
    "# Parameters of the pipeline, written by `signalering init` for {records}.\n"
    "# Analysis settings were kept from the previous params.yaml; set evaluate.prevalences to the\n"
    "# prevalences where the instrument will be used, and declare cut-offs in instruments/*.yaml.\n"
)


STUDY_TEMPLATE = """\
# Researcher text for the validation report (STARD 2015 / TRIPOD items; docs/report.md). A key left
# out reads "not reported". A value is text, or {en: ..., nl: ...} for both reports. This file is a
# dependency of the `report` stage (params.yaml report.study): editing it re-runs the report.
# title: ...
# organisation: ...
# data_collection: retrospective
# eligibility: ...
# setting: ...
# reference_standard: ...
# blinding_index: ...
# limitations: ...
"""


def _spec_text(spec: dict) -> str:
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


def conflicts(result: Plan, params_path: str | os.PathLike = "params.yaml") -> list[Path]:
    """Specification files that exist with other content (e.g. a cut-off added by hand)."""
    base = Path(params_path).parent
    return [
        base / rel
        for rel, spec in result.specs.items()
        if (base / rel).is_file() and (base / rel).read_text(encoding="utf-8") != _spec_text(spec)
    ]


def write(result: Plan, params_path: str | os.PathLike = "params.yaml", force: bool = False) -> list[Path]:
    """Write the specification files and ``params.yaml``; return the paths written (params last).

    A specification file that exists with other content is not overwritten unless ``force``:
    ``UsageError`` before anything is written.
    """
    params_path = Path(params_path)
    base = params_path.parent
    clash = conflicts(result, params_path)
    if clash and not force:
        raise UsageError(
            f"{clash[0]} exists and differs from the specification init would write (a cut-off "
            "added by hand?). Keep it by leaving the column out, remove it, or pass --force."
        )
    # each file through a temporary file (io.write_text), params.yaml last: a full disk or a
    # read-only folder never leaves a half-written params.yaml in place of the user's own
    written = []
    for rel, spec in result.specs.items():
        path = base / rel
        io.write_text(path, _spec_text(spec))
        written.append(path)
    study = base / str(result.params.get("report", {}).get("study") or "study.yaml")
    if not study.exists():  # a dependency of the report stage: an empty template ("not reported")
        io.write_text(study, STUDY_TEMPLATE)
        written.append(study)
    text = HEADER.format(records=result.params["data"]["records"]) + yaml.safe_dump(
        result.params, sort_keys=False, allow_unicode=True, width=100
    )
    io.write_text(params_path, text)
    written.append(params_path)
    return written


def read_current(params_path: str | os.PathLike) -> dict | None:
    """The parameters at ``params_path`` (None when there is no such file)."""
    path = Path(params_path)
    if not path.is_file():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise InputError(str(path), "the current parameter file is not valid YAML") from None
    if doc is not None and not isinstance(doc, dict):
        raise InputError(str(path), "the current parameter file must be a mapping of groups")
    return doc
