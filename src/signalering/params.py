"""``params.yaml``: its typed models, reading it for a pipeline stage, and running a stage.

One place for the parameters: every group of ``params.yaml`` is a pydantic model below
(:class:`Params`). :func:`load` validates the whole file against them before a stage reads any of it:

* an unknown key is refused, naming ``group.key`` and the closest valid name
  (``evaluate.bootstrp`` -> "did you mean 'bootstrap'?");
* a value of the wrong type or outside its range is refused, naming ``group.key``;
* ``evaluate.judged_cutoff``, ``evaluate.exploratory_cutoffs``, ``compare.pairs`` and
  ``compare.cutoffs`` must name instruments that ``score.instruments`` scores; ``report.criteria``
  may name ``default``, an instrument name without ``@version`` (every version) or ``name@version``
  of an instrument scored or bundled with the package (so the shipped criteria stay valid when an
  experiment scores fewer instruments), nothing else; ``compare.judgement.instruments`` likewise
  names scored or bundled instruments (one not scored is skipped);
* a specification file listed in ``score.instruments`` must lie in the ``instruments/`` folder
  next to ``params.yaml``, the folder ``dvc.yaml`` declares as a dependency of the ``score`` stage
  (so editing it re-runs the pipeline).

Each stage script names the top-level groups it reads (``PARAMS``); ``load`` returns only those
(with defaults filled in, as plain data), and a test checks that ``dvc.yaml`` declares exactly them,
so ``dvc exp run -S group.key=value`` re-runs every stage that reads the key.

``docs/parameters.md`` is generated from these models (``python -m signalering.params``); a test
fails when the committed file differs.

Pydantic rather than dataclasses: unknown keys, nested groups, types and ranges are checked by one
declaration per field, and the field descriptions generate the documentation.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
import traceback
import zlib
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from .errors import InputError, UsageError

PARAMS_FILE = Path("params.yaml")
SPEC_DIR = "instruments"  # user specification files live here (a dependency of the `score` stage)

Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]  # accepts whole numbers too, never text or booleans
Str = Annotated[str, Strict()]
Bool = Annotated[bool, Strict()]
Code = Annotated[str, Strict()] | Annotated[int, Strict()] | Annotated[float, Strict()]
Fraction = Annotated[float, Strict(), Field(ge=0, le=1)]
Probability = Annotated[float, Strict(), Field(gt=0, lt=1)]


class Group(BaseModel):
    """A group of ``params.yaml``: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------------ groups
class Simulate(Group):
    """Demo data: the synthetic records of the ``simulate`` stage (docs/demo-data.md)."""

    seed: Int = Field(
        20261125,
        description="Seed of the demo data, separate from the analysis `seed`: "
        "changing the analysis seed does not regenerate the demo data.",
    )
    n_records: Int = Field(20000, gt=0, description="Number of synthetic records.")
    prevalence: Probability = Field(0.04, description="Share of records whose reference standard is positive.")
    effect_risk: Float = Field(
        1.1,
        description="Shift of the latent family-risk trait in positive records "
        "(drives checklist, signal list, risk category and risk model).",
    )
    effect_sdq: Float = Field(0.9, description="Shift of the latent trait behind the SDQ answers.")
    effect_sensitivity: Float = Field(
        1.3, description="Shift of the observed parental sensitivity (lower in positive records)."
    )
    unverified: Fraction = Field(0.05, description="Share of records without a reference standard.")
    sdq_missing: Fraction = Field(0.02, description="Share of SDQ answers left empty.")
    observed_fraction: Fraction = Field(0.15, description="Share of records with a sensitivity observation.")
    double_coded_fraction: Fraction = Field(0.4, description="Share of observed records rated by a second rater.")
    rater_noise: Float = Field(0.9, ge=0, description="Standard deviation of a rater's error.")
    n_sites: Int = Field(8, ge=1, description="Number of sites (`site01` ...).")
    invalid_fraction: Fraction = Field(
        0.002, description="Share of records given one data-entry fault (shows the quarantine)."
    )


class ColumnRule(Group):
    """Allowed values of one column (``data.columns``)."""

    codes: list[Code] | None = Field(
        None, description='The allowed codes (compared as text: 1, 1.0 and "1" are one code).'
    )
    min: Float | None = Field(None, description="Smallest allowed number.")
    max: Float | None = Field(None, description="Largest allowed number.")
    integer: Bool = Field(False, description="Only whole numbers.")
    required: Bool = Field(True, description="The column must be in the file.")


class Followup(Group):
    """Follow-up window of the reference standard (docs/input-files.md, "Follow-up windows")."""

    column: Str | None = Field(
        None,
        description="Column with the days from screening to the reference event (positives) or to the end of "
        "follow-up (negatives): a whole number >= 0, never a date. null = no follow-up column.",
    )
    window_days: Int | None = Field(
        None,
        gt=0,
        description="The window W in days: a positive whose event came after W counts as negative, a negative "
        "followed for fewer than W days as not verified. null = the reference as it is (no window).",
    )

    @model_validator(mode="after")
    def _window_needs_column(self):
        if self.window_days is not None and self.column is None:
            raise ValueError("a follow-up window needs data.followup.column (the interval in days)")
        return self


class Data(Group):
    """The records file and its columns (docs/input-files.md, docs/privacy.md)."""

    records: Str = Field(description="The records file (CSV, Parquet or .xlsx), relative to the project folder.")
    id_column: Str = Field("record_id", description="The column identifying a record (pseudonymous).")
    reference: Str = Field(description="The reference-standard column.")
    positive_label: Code = Field(1, description="Value of `reference` meaning positive.")
    negative_label: Code = Field(0, description="Value of `reference` meaning negative; empty = not verified.")
    decimal: Literal[".", ",", "auto"] = Field(
        "auto",
        description="Decimal mark in CSV text: `.`, `,` or `auto` (`,` in semicolon CSV, as Dutch Excel writes).",
    )
    subgroups: list[Str] = Field(
        [], description="Subgroup columns; each needs `codes` in `columns` (labels are published)."
    )
    drop: list[Str] = Field(
        [], description="Columns dropped at the door (free text such as remarks): never read further."
    )
    columns: dict[str, ColumnRule] = Field(
        {}, description="Allowed codes or ranges per column (glob patterns allowed), checked at ingest."
    )
    followup: Followup = Field(Followup(), description="Follow-up window of the reference standard.")


class Score(Group):
    """Which instruments are scored."""

    instruments: list[Str] = Field(
        min_length=1,
        description=(
            "Instrument ids `name@version` of bundled specifications, or paths of your own specification files "
            "in the `instruments/` folder (docs/instruments.md)."
        ),
    )


class CutpointRules(Group):
    """Data-driven cut-points (exploratory); Youden and closest-to-(0,1) are always reported."""

    cost_ratio: Float = Field(1, gt=0, description="min_cost: a false negative costs this many false positives.")
    cost_prevalence: Probability | None = Field(
        None, description="min_cost: the target prevalence (null = the sample prevalence)."
    )
    min_specificity: Fraction | None = Field(
        None, description="Also the highest sensitivity with specificity at least this."
    )
    min_sensitivity: Fraction | None = Field(
        None, description="Also the highest specificity with sensitivity at least this."
    )


class MetaAnalysis(Group):
    """Bivariate random-effects meta-analysis of sensitivity and specificity across the categories of one
    column, e.g. sites or organisations (docs/meta-analysis.md)."""

    by: Str | None = Field(
        None,
        description="Subgroup column whose categories are the organisations (e.g. `site`; must be in "
        "`data.subgroups`); null = no meta-analysis.",
    )
    method: Literal["reml", "glmm"] = Field(
        "reml",
        description="`reml`: normal model of the logits (Reitsma et al. 2005; 0.5 added to every cell of a "
        "table with a zero cell); `glmm`: exact binomial (Chu & Cole 2006, Laplace approximation).",
    )
    all_cutoffs: Bool = Field(
        False,
        description="Also at every cut-off the instrument is evaluated at (default: the judged cut-off only).",
    )
    min_organisations: Int = Field(
        5, ge=3, description="Fewest organisations with positives and negatives for the bivariate model."
    )


class Evaluate(Group):
    """Accuracy of every instrument (docs/accuracy.md)."""

    ci_method: Literal["wilson", "clopper-pearson", "agresti-coull"] = Field(
        "wilson", description="Interval method for proportions."
    )
    confidence: Probability = Field(0.95, description="Confidence level of every interval.")
    prevalences: list[Probability] = Field(
        [0.034, 0.01, 0.15],
        description=("Target prevalences where the instrument will be used (PPV, NPV and counts per 1000)."),
    )
    judged_cutoff: dict[str, Float] = Field(
        {},
        description=(
            "Per instrument id, the cut-off the verdict judges, replacing the specification's pre-specified "
            "cut-off; declare it before the analysis. E.g. `{risk-checklist@2: 3}`."
        ),
    )
    exploratory_cutoffs: dict[str, list[Float]] = Field(
        {},
        description=(
            "Per instrument id, extra cut-offs reported beside the specification's, never judged. "
            "E.g. `{risk-checklist@2: [2, 5]}`."
        ),
    )
    bootstrap: Int = Field(
        2000,
        ge=0,
        description="Stratified bootstrap replicates (0 = none); each instrument's "
        "stream is seeded by `seed` and its id.",
    )
    correction: Float = Field(
        0, ge=0, description="Added to every cell for LR+, LR-, DOR when > 0 (0.5 = Haldane-Anscombe)."
    )
    partial_auc_specificity: tuple[Fraction, Fraction] = Field(
        (0.8, 1.0), description=("Specificity range of the partial AUC.")
    )
    cutpoint_rules: CutpointRules = Field(CutpointRules(), description="Data-driven cut-points (exploratory).")
    meta_analysis: MetaAnalysis = Field(
        MetaAnalysis(), description="Bivariate meta-analysis across the categories of one column (e.g. sites)."
    )


class Judgement(Group):
    """The professional's judgement as comparator (docs/instruments.md): does the instrument add to it?"""

    column: Str = Field(
        description="The column holding the professional's judgement recorded on the same children: yes/no as "
        "1/0, or an ordinal level of concern (higher = more concern); empty = not recorded."
    )
    positive_from: Float = Field(1, description="The judgement counts as positive at this level and above.")
    instruments: list[Str] = Field(
        [],
        description="Instrument ids compared with and added to the judgement (empty = every scored "
        "instrument; a bundled instrument this run does not score is skipped; the rules either/both need its "
        "cut-off).",
    )
    thresholds: list[Probability] = Field(
        [0.05, 0.1],
        min_length=1,
        description="Threshold probabilities of the net-benefit comparison; the first is also the cut-off "
        "of the cross-validated combination.",
    )
    folds: Int = Field(10, ge=2, description="Cross-validation folds of the logistic combination (judgement, score).")
    bootstrap: Int = Field(1000, ge=0, description="Bootstrap replicates of the net-benefit differences.")


class Compare(Group):
    """Paired comparisons of instruments on the same records (docs/comparing.md)."""

    pairs: list[tuple[Str, Str]] = Field(
        [], description="Pairs `[A, B]` of instrument ids; differences are A - B, NRI is from B to A."
    )
    cutoffs: dict[str, Float] = Field(
        {},
        description=(
            "Per instrument id, the cut-off compared (default: the judged cut-off, else the specification's first)."
        ),
    )
    mcnemar: Literal["exact", "chi-square"] = Field(
        "exact", description="McNemar test: exact, or chi-square with continuity correction."
    )
    judgement: Judgement | None = Field(
        None, description="The professional's judgement as comparator of the instruments (null = off)."
    )


class Calibration(Group):
    """Calibration and decision curves (docs/calibration-reliability.md)."""

    confidence: Probability = Field(0.95, description="Confidence level of the intervals and bands.")
    folds: Int = Field(
        10,
        ge=2,
        description="Cross-validation folds of the logistic score-to-risk mapping (specifications without one).",
    )
    curve_bootstrap: Int = Field(200, ge=0, description="Bootstrap replicates of the calibration curve's band.")
    decision_bootstrap: Int = Field(500, ge=0, description="Bootstrap replicates of the net-benefit intervals.")
    thresholds: tuple[Fraction, Fraction, Float] = Field(
        (0.01, 0.51, 0.01),
        description=("Threshold probabilities of the decision curve: start, stop (exclusive), step."),
    )


class ReliabilityThresholds(Group):
    """Flagged below these (COSMIN)."""

    icc: Fraction = Field(0.70, description="Primary ICC.")
    weighted_kappa: Fraction = Field(0.70, description="Weighted kappa.")
    cronbach_alpha: Fraction = Field(0.70, description="Cronbach's alpha per scale.")


class Reliability(Group):
    """Rater agreement and internal consistency (docs/calibration-reliability.md)."""

    kappa_weights: Literal["linear", "quadratic"] = Field("quadratic", description="Weights of the weighted kappa.")
    primary_icc: Literal["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"] = Field(
        "ICC1", description="The ICC form judged; ICC1 when rater columns hold different raters per record."
    )
    thresholds: ReliabilityThresholds = Field(ReliabilityThresholds(), description="Flagged below these.")


class Disclosure(Group):
    """What leaves the pipeline under reports/ (docs/disclosure.md)."""

    min_cell: Int = Field(10, ge=1, description="Counts below this are withheld.")
    small_groups: Literal["merge", "withhold"] = Field(
        "merge",
        description=("Subgroup categories with fewer than `min_cell` positives or negatives: merged or withheld."),
    )
    combined_group: Str = Field("(small groups combined)", description="Name of the merged group.")


class Report(Group):
    """The validation report (docs/report.md)."""

    study: Str = Field(
        "study.yaml",
        description="Researcher text for the STARD items (a dependency of the "
        '`report` stage; keys left out read "not reported").',
    )
    pdf: Bool = Field(True, description="Also write the PDF reports.")
    criteria: dict[str, dict[str, Any]] = Field(
        {"default": {"sensitivity_ci_low_min": 0.80, "specificity_min": 0.90}},
        description=(
            "Acceptance criteria, declared before the analysis and judged on interval bounds: `default`, an "
            "instrument name (every version) or `name@version` -> `{<statistic>_<rule>: bound}` "
            "(docs/report.md)."
        ),
    )


class Scale(Group):
    """Large files and several machines (docs/scale.md); results do not depend on it."""

    engine: Literal["pandas", "duckdb", "dask"] = Field(
        "pandas", description=("pandas (in memory), duckdb (streams files larger than memory in batches) or dask.")
    )
    batch_rows: Int = Field(500000, gt=0, description="Records per batch when streaming.")


GROUPS: dict[str, type[Group]] = {
    "simulate": Simulate,
    "data": Data,
    "score": Score,
    "evaluate": Evaluate,
    "compare": Compare,
    "calibration": Calibration,
    "reliability": Reliability,
    "disclosure": Disclosure,
    "report": Report,
    "scale": Scale,
}


class Params(Group):
    """The whole of ``params.yaml``."""

    seed: Int = Field(
        20261125,
        description="Analysis seed: bootstrap, calibration and judgement-comparison streams (each instrument's "
        "own stream from this seed and its id).",
    )
    simulate: Simulate = Simulate()
    data: Data | None = None
    score: Score | None = None
    evaluate: Evaluate = Evaluate()
    compare: Compare = Compare()
    calibration: Calibration = Calibration()
    reliability: Reliability = Reliability()
    disclosure: Disclosure = Disclosure()
    report: Report = Report()
    scale: Scale = Scale()


def defaults() -> dict:
    """The analysis settings every group has when ``params.yaml`` leaves it out (``signalering init``
    keeps these when there is no current file)."""
    return {k: v for k, v in Params().model_dump(mode="json").items() if v is not None}


# ------------------------------------------------------------------------------------------ loading
def _closest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


RENAMED = {
    "evaluate.cutoffs": "evaluate.judged_cutoff (the cut-off judged) or evaluate.exploratory_cutoffs "
    "(extra cut-offs, never judged)"
}


def _is_model(ann) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model whose field set applies at ``loc`` (for suggestions)."""
    ann: Any = Params
    for part in loc:
        if _is_model(ann):
            field = ann.model_fields.get(str(part))
            if field is None:
                return None
            ann = field.annotation
            models = [a for a in get_args(ann) if _is_model(a)]  # Optional[Model]
            ann = models[0] if models and get_origin(ann) not in (dict, list) else ann
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        elif get_origin(ann) is list:
            ann = get_args(ann)[0]
        else:
            return None
    return ann if _is_model(ann) else None


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


_UNION_MEMBERS = {"str", "int", "float", "bool"}  # pydantic names the member of a union it tried in ``loc``


def _strip(loc: tuple) -> tuple:
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _UNION_MEMBERS)))


def _error(err: dict, file: str, others: list[dict] = ()) -> InputError:
    """The first validation error as an ``InputError`` naming ``group.key`` (never the value given);
    the errors of the other members of a union at the same place are joined into one reason."""
    loc = _strip(err["loc"])
    same = [e["msg"] for e in others if _strip(e["loc"]) == loc and e["type"] not in ("extra_forbidden", "missing")]
    if len(same) > 1:
        wanted = " or ".join(dict.fromkeys(m.removeprefix("Input should be ") for m in same))
        return InputError(file, f"wrong value: input should be {wanted}", column=_dotted(loc))
    where = _dotted(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        if where in RENAMED:
            return InputError(file, f"unknown parameter; it is now {RENAMED[where]}", column=where)
        parent = _model_at(loc[:-1])
        hint = _closest(str(loc[-1]), parent.model_fields) if parent else None
        return InputError(file, "unknown parameter" + (f"; did you mean '{hint}'?" if hint else ""), column=where)
    if kind == "missing" and loc and isinstance(loc[-1], int):
        return InputError(file, "wrong value: too few items", column=_dotted(loc[:-1]))
    if kind == "missing":
        return InputError(file, "a required parameter is missing", column=where)
    if kind == "value_error":
        return InputError(file, str(err["msg"]).removeprefix("Value error, "), column=where or None)
    return InputError(file, f"wrong value: {err['msg'][:1].lower()}{err['msg'][1:]}", column=where)


def validate(doc: dict, file: str = str(PARAMS_FILE), base: str | os.PathLike = ".") -> Params:
    """``doc`` (the parsed ``params.yaml``) as :class:`Params`; ``InputError`` naming ``file`` and
    ``group.key`` for an unknown key, a wrong type, an instrument that is not scored, or a
    specification file outside the ``instruments/`` folder. ``base``: the folder of ``params.yaml``."""
    if not isinstance(doc, dict):
        raise InputError(file, "the parameter file must be a mapping of groups")
    try:
        model = Params.model_validate(doc)
    except ValidationError as exc:
        raise _error(*exc.errors()[:1], file, exc.errors()) from None
    _check_criteria(model, file)
    by = model.evaluate.meta_analysis.by
    if by is not None and model.data is not None and by not in model.data.subgroups:
        raise InputError(
            file,
            "the meta-analysis column must be one of data.subgroups (declared with codes, so its labels "
            "may be published)",
            column="evaluate.meta_analysis.by",
        )
    if model.score is not None:
        _check_instruments(model, file, Path(base))
    return model


def _check_criteria(model: Params, file: str) -> None:
    from .report.verdict import SETTINGS, parse_criterion

    for inst, block in model.report.criteria.items():
        for key, value in (block or {}).items():
            if key in SETTINGS or value is None:
                continue
            try:
                parse_criterion(key, value)
            except UsageError as exc:
                raise InputError(file, str(exc), column=f"report.criteria.{inst}.{key}") from None


def instrument_ids(refs: Iterable[str], base: str | os.PathLike = ".", file: str = str(PARAMS_FILE)) -> list[str]:
    """The ids (``name@version``) of the ``score.instruments`` entries; a path must lie in
    ``instruments/`` (relative to ``base``), where DVC sees an edit."""
    from .instruments.loading import is_path, read_yaml

    base = Path(base)
    ids = []
    for ref in refs:
        if not is_path(ref):
            ids.append(ref)
            continue
        path = Path(ref)
        full = (base / path).resolve() if not path.is_absolute() else path.resolve()
        if not full.is_relative_to((base / SPEC_DIR).resolve()):
            raise InputError(
                file,
                f"a specification file must lie in the '{SPEC_DIR}/' folder next to params.yaml "
                "(a DVC dependency of the score stage, so an edit re-runs the pipeline); "
                "move it there",
                column="score.instruments",
            )
        doc = read_yaml(full)
        if isinstance(doc, dict) and "name" in doc:
            ids.append(f"{doc['name']}@{doc.get('version', 1)}")
    return ids


def _check_instruments(model: Params, file: str, base: Path) -> None:
    ids = instrument_ids(model.score.instruments, base, file)
    known, names = set(ids), {i.split("@", 1)[0] for i in ids}

    def refuse(where: str, name: str, allowed: Iterable[str]):
        hint = _closest(name, allowed)
        raise InputError(
            file,
            "names an instrument that score.instruments does not score" + (f"; did you mean '{hint}'?" if hint else ""),
            column=f"{where}.{name}",
        )

    ev = model.evaluate
    for where, keys in (
        ("evaluate.judged_cutoff", ev.judged_cutoff),
        ("evaluate.exploratory_cutoffs", ev.exploratory_cutoffs),
        ("compare.cutoffs", model.compare.cutoffs),
        ("compare.pairs", [x for pair in model.compare.pairs for x in pair]),
    ):
        for name in keys:
            if name not in known:
                refuse(where, name, known)
    # Criteria may also name a bundled instrument that this run does not score (the shipped criteria
    # stay valid when `-S score.instruments=[...]` scores fewer); a name nothing matches is a typo.
    from .instruments.loading import bundled_ids

    bundled = set(bundled_ids())
    known_c = known | bundled
    names_c = names | {i.split("@", 1)[0] for i in bundled}
    for name in model.report.criteria:
        if name != "default" and name not in known_c and name not in names_c:
            refuse("report.criteria", name, {"default", *known_c, *names_c})
    # likewise the instruments compared with the professional's judgement (one not scored is skipped)
    for name in model.compare.judgement.instruments if model.compare.judgement else []:
        if name not in known_c:
            refuse("compare.judgement.instruments", name, known_c)


def read(path: str | os.PathLike = PARAMS_FILE) -> Params:
    """Read and validate the whole parameter file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(str(path), f"cannot read the parameter file ({type(exc).__name__})") from None
    return validate(doc, str(path), path.parent)


def load(groups: Iterable[str], path: str | os.PathLike = PARAMS_FILE) -> dict:
    """The named top-level groups of ``params.yaml``, validated (see the module docstring), with
    defaults filled in, as plain data (a missing group that has no defaults is refused)."""
    model = read(path)
    dumped = model.model_dump(mode="json")
    missing = [g for g in groups if dumped.get(g) is None]
    if missing:
        raise InputError(str(path), "a required parameter group is missing", column=missing[0])
    return {g: dumped[g] for g in groups}


# ------------------------------------------------------------------------------------------ helpers
def stream_seed(seed: int, instrument_id: str) -> list[int]:
    """The seed of an instrument's own random stream: ``np.random.default_rng(stream_seed(seed, id))``.

    Keyed by the id (CRC-32 of its UTF-8 bytes, stable across runs and machines, unlike ``hash``), not
    by its place in ``score.instruments``, so adding or reordering instruments changes no other
    instrument's bootstrap.
    """
    return [int(seed), zlib.crc32(instrument_id.encode("utf-8"))]


def fresh_dirs(*paths: str | Path) -> None:
    """Empty (or create) a stage's output folders, so no file of an earlier run is left behind."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        Path(path).mkdir(parents=True)


def judged_cutoff(instrument: dict, evaluate: dict) -> float | None:
    """The cut-off the verdict judges: ``evaluate.judged_cutoff[id]`` when given, else the first
    pre-specified cut-off of the specification (``instruments.json``), else None. None too when the
    specification's judged cut-off is a banded one (:func:`judged_banded`)."""
    override = (evaluate.get("judged_cutoff") or {}).get(instrument["id"])
    if override is not None:
        return float(override)
    if judged_banded(instrument, evaluate) is not None:
        return None
    pre = [c["value"] for c in instrument["cutoffs"] if c.get("prespecified")]
    return float(pre[0]) if pre else None


def evaluation_cutoffs(instrument: dict, evaluate: dict) -> list[float] | None:
    """The cut-offs an instrument is evaluated at, each once: the judged cut-off
    (``evaluate.judged_cutoff[id]``, when given), every cut-off of its specification in the spec's
    order, then ``evaluate.exploratory_cutoffs[id]``. None when there are none (every observed value)."""
    override = (evaluate.get("judged_cutoff") or {}).get(instrument["id"])
    values = (
        ([override] if override is not None else [])
        + [c["value"] for c in instrument["cutoffs"]]
        + list((evaluate.get("exploratory_cutoffs") or {}).get(instrument["id"]) or [])
    )
    return list(dict.fromkeys(map(float, values))) or None


def judged_banded(instrument: dict, evaluate: dict) -> str | None:
    """The banded cut-off the verdict judges: the first pre-specified banded cut-off of the
    specification (``instruments.json``), unless ``evaluate.judged_cutoff`` names a cut-off for the
    instrument (a number: then that one is judged). None when there is none."""
    if (evaluate.get("judged_cutoff") or {}).get(instrument["id"]) is not None:
        return None
    pre = [b["name"] for b in instrument.get("banded_cutoffs") or [] if b.get("prespecified")]
    return pre[0] if pre else None


def is_prespecified(instrument: dict, evaluate: dict, cutoff: float) -> bool:
    """Whether ``cutoff`` is the instrument's judged (pre-specified) cut-off; with an
    ``evaluate.judged_cutoff`` entry only that value is, else the specification's pre-specified ones."""
    override = (evaluate.get("judged_cutoff") or {}).get(instrument["id"])
    if override is not None:
        return float(cutoff) == float(override)
    return any(c.get("prespecified") and float(c["value"]) == float(cutoff) for c in instrument["cutoffs"])


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage: input errors exit 3, usage errors and outputs that cannot be written 2, with one
    message and no traceback.

    Set ``SIGNALERING_DEBUG=1`` to see the traceback.
    """
    try:
        main()
    except InputError as exc:
        _report(exc, 3, os.environ.get("SIGNALERING_DEBUG"))
    except UsageError as exc:
        _report(exc, 2, os.environ.get("SIGNALERING_DEBUG"))
    except OSError as exc:  # an output that cannot be written: a full disk, a read-only folder
        where = f" '{str(exc.filename).removesuffix('.part')}'" if exc.filename else ""
        _report(
            f"cannot write{where}: {exc.strerror or type(exc).__name__}; free space and run again",
            2,
            os.environ.get("SIGNALERING_DEBUG"),
        )


def _report(exc: Exception, status: int, debug) -> None:
    if debug:
        traceback.print_exc()
    print(f"signalering: error: {exc}", file=sys.stderr)
    sys.exit(status)


# ------------------------------------------------------------------------------------------ docs
def _type_name(ann) -> str:
    """Plain words for a field's type: ``list of number``, ``mapping of text to number``."""
    origin, args = get_origin(ann), get_args(ann)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return " / ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is tuple:
        return f"[{', '.join(_type_name(a) for a in args)}]"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if args:  # a union
        names = list(dict.fromkeys(_type_name(a) for a in args))
        if "null" in names:
            names = [n for n in names if n != "null"] + ["null"]
        return " or ".join(names)
    if _is_model(ann):
        return ann.__name__
    return {str: "text", int: "integer", float: "number", bool: "true/false", type(None): "null", Any: "any"}.get(
        ann, getattr(ann, "__name__", str(ann))
    )


def markdown() -> str:
    """``docs/parameters.md``: every group and key of ``params.yaml`` with its type, default and meaning."""
    import json

    lines = [
        "# Parameters (`params.yaml`)",
        "",
        "Generated from the models in `src/signalering/params.py` by `python -m signalering.params`; "
        "a test fails when this file differs. Every stage validates the whole file first: an unknown key "
        "is refused with the closest valid name, a wrong type with `group.key`, and an entry naming an "
        "instrument that `score.instruments` does not score is refused.",
        "",
        "Change one value for one experiment with `dvc exp run -S group.key=value` "
        "(docs/comparing.md); instrument ids contain `@`, so give the whole mapping: "
        "`dvc exp run -S 'evaluate.exploratory_cutoffs={risk-checklist@2: [2]}'`.",
        "",
    ]

    def rows(model: type[BaseModel], prefix: str) -> list[str]:
        out = []
        for name, f in model.model_fields.items():
            ann = f.annotation
            sub = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            optional = [a for a in get_args(ann) if _is_model(a)] if get_origin(ann) not in (dict, list) else []
            if sub is None and optional and prefix:  # an optional group (null = off): its row, then its keys
                desc = (f.description or "").replace("|", "\\|")
                out.append(f"| `{prefix}{name}` | {_type_name(ann)} | `null` | {desc} |")
                out += rows(optional[0], f"{prefix}{name}.")
                continue
            if sub is not None and prefix:
                out += rows(sub, f"{prefix}{name}.")
                continue
            default = "required" if f.is_required() else f"`{json.dumps(_plain(f.default), ensure_ascii=False)}`"
            desc = (f.description or "").replace("|", "\\|")
            out.append(f"| `{prefix}{name}` | {_type_name(ann)} | {default} | {desc} |")
        return out

    lines += ["## `seed`", "", Params.model_fields["seed"].description, ""]
    for group, model in GROUPS.items():
        lines += [
            f"## `{group}`",
            "",
            (model.__doc__ or "").strip(),
            "",
            "| key | type | default | meaning |",
            "| --- | --- | --- | --- |",
            *rows(model, f"{group}."),
            "",
        ]
        if group == "data":
            lines += [
                "`data.columns` maps a column name or glob pattern to a rule:",
                "",
                "| key | type | default | meaning |",
                "| --- | --- | --- | --- |",
                *rows(ColumnRule, "data.columns.<pattern>."),
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def _plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, tuple):
        return list(value)
    return value


DOCS = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"

if __name__ == "__main__":  # python -m signalering.params [FILE]: write docs/parameters.md
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS
    from signalering import params as _module  # the importable module, not this __main__ copy

    target.write_text(_module.markdown(), encoding="utf-8")
    print(f"signalering: wrote {target}", file=sys.stderr)
