"""The ``signalering`` command line (docs/contract.md): parse the words, call the library, write files.

Exit statuses: 0 done; 2 the command's words are wrong; 3 the input was refused. Input errors print
one message naming file, row, column and reason; ``--debug`` shows the traceback.

Options that several commands share are defined once (``_records_options``, ``_reference_options``,
``_cutoff_options``, ``_interval_options``, ``_bootstrap_options``, ``_min_cell_option``,
``_out_option``), with their types and rules, so every command refuses the same wrong words the same
way (exit 2).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import math
import os
import runpy
import sys
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, documents, io, progress
from .errors import InputError, UsageError
from .schema import SCHEMA_VERSION
from .stats.counts import CountTable
from .stats.cutpoints import rules_from_options
from .stats.intervals import INTERVAL_METHODS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep its message short
        self.print_usage(sys.stderr)
        self.exit(2, f"signalering: error: {message}\n")


# ------------------------------------------------------------------ types of the words (wrong words exit 2)
def _number(low: float = -math.inf, high: float = math.inf, *, low_closed: bool = False, high_closed: bool = False):
    """argparse type: a finite number between ``low`` and ``high`` (each bound open unless closed);
    ``nan``, ``inf`` and numbers outside are wrong words."""
    if math.isinf(low) and math.isinf(high):
        wanted = "a finite number"
    elif math.isinf(high):
        wanted = f"a number {'>=' if low_closed else '>'} {low:g}"
    else:
        wanted = f"a number in {'[' if low_closed else '('}{low:g}, {high:g}{']' if high_closed else ')'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        inside = (value >= low if low_closed else value > low) and (value <= high if high_closed else value < high)
        if not (math.isfinite(value) and inside):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


def _whole(minimum: int):
    """argparse type: a whole number >= ``minimum`` (replicates, seeds, cell sizes)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


_finite = _number()
_proportion = _number(0, 1)  # prevalences, sensitivities, interval levels: strictly between 0 and 1
_count = _whole(0)


def _rule(p, check) -> None:
    """Run ``check(args)`` after parsing, before the command, in the order the options were added: an
    option carries its rule, so no command can leave it out."""
    p.set_defaults(rules=[*(p.get_default("rules") or []), check])


def check_out(out: str, kind: str = "folder", flag: str = "--out") -> None:
    """``--out`` must name a folder (or, for ``kind="file"``, a file) that is not the other kind."""
    path = Path(out)
    if kind == "folder" and path.exists() and not path.is_dir():
        raise UsageError(f"{flag} must name a folder; '{out}' is an existing file.")
    if kind == "file" and path.is_dir():
        raise UsageError(f"{flag} must name a file; '{out}' is an existing folder.")


# ------------------------------------------------------------------ commands and option groups, each defined once
def _command(sub, name: str, run, help: str) -> argparse.ArgumentParser:
    """The parser of command ``name``: ``help`` in the list of commands, the docstring of ``run`` as
    its description (``signalering NAME --help``); the command calls ``run(args)``."""
    p = sub.add_parser(name, help=help, description=inspect.cleandoc(run.__doc__))
    p.set_defaults(func=run)
    return p


def _records_options(p, *, params_file: bool = False) -> None:
    """``--records FILE``, ``--id COL``, ``--decimal`` and ``--drop``, the same in every command that
    reads records. ``params_file``: ``init``, which writes them into params.yaml (and needs the id)."""
    p.add_argument("--records", required=True, metavar="FILE", help="the records file (CSV, Excel or Parquet)")
    if params_file:
        p.add_argument("--id", default="record_id", metavar="COL", help="the record id column (default record_id)")
    else:
        p.add_argument(
            "--id",
            metavar="COL",
            default=None,
            help="record id column (default record_id, checked when the file has it): a file that "
            "holds an id twice is refused (exit 3), so no record is counted twice",
        )
    written = "; written to data.{}" if params_file else ""
    p.add_argument(
        "--decimal",
        choices=io.DECIMALS,
        default="auto",
        metavar="{.|,|auto}",
        help="decimal mark of numbers in text files: '.', ',' (0,25 = 0.25) or auto (default: "
        "',' is read as decimal mark in semicolon-separated CSV, as Dutch Excel writes it)" + written.format("decimal"),
    )
    p.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COL",
        help="drop this column at the door (repeatable): it is not checked and never read further; "
        "for free text such as remarks (docs/privacy.md)" + written.format("drop"),
    )


def _reference_options(p) -> None:
    """``--reference COL`` and its labels, the same in every command that reads a reference standard."""
    p.add_argument("--reference", required=True, metavar="COL", help="the reference standard column")
    p.add_argument("--positive", default="1", metavar="VALUE", help="label of a reference-positive record (default 1)")
    p.add_argument("--negative", default="0", metavar="VALUE", help="label of a reference-negative record (default 0)")


_DIRECTION_HELP = "higher (default): a record screens positive when score >= cut-off; lower: when score <= cut-off"


def _cutoff_options(p) -> None:
    """``--direction``, ``--cutoff X``... and ``--prevalence P``...: where the accuracy is read off."""
    p.add_argument("--direction", choices=("higher", "lower"), default="higher", help=_DIRECTION_HELP)
    p.add_argument(
        "--cutoff",
        type=_finite,
        action="append",
        metavar="X",
        help="cut-off to report (repeatable; default: every distinct score, or percentiles when there are more than 100)",
    )
    p.add_argument(
        "--prevalence",
        type=_proportion,
        action="append",
        metavar="P",
        default=[],
        help="also PPV and NPV at this prevalence, in (0, 1) (repeatable)",
    )


def _interval_options(p, *, ci_method: bool = True) -> None:
    """``--ci-method`` (where proportions get intervals) and ``--confidence``, in (0, 1)."""
    if ci_method:
        p.add_argument(
            "--ci-method", choices=INTERVAL_METHODS, default="wilson", help="interval of proportions (default wilson)"
        )
    p.add_argument("--confidence", type=_proportion, default=0.95, metavar="X", help="interval level (default 0.95)")


def _seed_option(p, of: str) -> None:
    p.add_argument("--seed", type=_count, default=0, metavar="S", help=f"seed of the {of} (default 0)")


def _bootstrap_options(p, default: int, what: str) -> None:
    """``--bootstrap N`` (replicates, whole number >= 0) and its ``--seed S``."""
    p.add_argument(
        "--bootstrap",
        type=_count,
        default=default,
        metavar="N",
        help=f"{what} (default {default}{': none' if default == 0 else ''})",
    )
    _seed_option(p, "bootstrap")


def _min_cell_option(p, default: int | None, help: str) -> None:
    """``--min-cell N``, the disclosure threshold: a whole number >= 1 (docs/disclosure.md)."""
    p.add_argument("--min-cell", type=_whole(1), default=default, metavar="N", help=help)


def _out_option(
    p, kind: str = "folder", *, flag: str = "--out", default: str | None = None, required: bool = True, help=None
) -> None:
    """``--out DIR`` or ``--out FILE`` (``kind``; also ``--html FILE``): a path of the other kind is
    refused (exit 2) before anything is read. Required unless it has a ``default`` or ``required`` is
    false."""
    dest = flag.removeprefix("--")
    if help is None:
        help = "output folder (made when missing)" if kind == "folder" else "output file"
    p.add_argument(
        flag,
        required=required and default is None,
        default=default,
        metavar=kind.replace("folder", "dir").upper(),
        help=help,
    )

    def check(args) -> None:
        out = getattr(args, dest)
        if out is None:
            return
        check_out(out, kind, flag)
        records = getattr(args, "records", None)  # an output file must not replace the input it is made from
        if kind == "file" and records and Path(out).is_file() and Path(records).is_file():
            if os.path.samefile(out, records):
                raise UsageError(f"{flag} must not name the records file '{records}': it would be overwritten.")

    _rule(p, check)


# ------------------------------------------------------------------ reading the records, writing the documents
def _id_column(args) -> tuple[str, bool]:
    """``--id``: the column whose ids must be unique (default ``record_id``) and whether its absence
    refuses the file (only when the user named it)."""
    return args.id or "record_id", args.id is not None


def _read_columns(args, numeric, *, reference: bool = True) -> list[np.ndarray]:
    """The ``numeric`` columns of ``--records`` as numbers and, with ``reference``, the reference
    standard as 1/0/NaN (``io.numeric_column``, ``io.reference_column``); the file read once, guarded
    against identifiers (every column) and refused when an id occurs twice (``io.read_unique``); only
    the columns used are converted to pandas."""
    id_column, id_required = _id_column(args)
    used = list(dict.fromkeys([*numeric, *([args.reference] if reference else []), id_column]))
    frame = io.read_unique(args.records, args.decimal, tuple(args.drop), id_column, id_required, columns=used)
    values = [io.numeric_column(frame, column, args.records) for column in numeric]
    if reference:
        values.append(io.reference_column(frame, args.reference, args.positive, args.negative, args.records))
    return values


def _write_together(texts: dict[Path, str]) -> list[Path]:
    """Write the files of one command all or none: each to a temporary ``.part`` file first, then,
    when every one is written, each renamed into place (a rename needs no space). A full disk or an
    unwritable folder leaves no file of this run, so no new document beside an old one of a
    previous run (``calibration.json`` with another run's curves). Returns the paths."""
    parts = {path: path.with_name(path.name + ".part") for path in texts}
    try:
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            parts[path].write_text(text, encoding="utf-8")
    except OSError:
        for part in parts.values():
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
        raise
    for path, part in parts.items():
        os.replace(part, path)
    return list(texts)


def _write(out: str, name: str, doc) -> Path:
    """Write ``doc`` as JSON to ``out/name`` (whole or not at all); the path, for the summary line."""
    return _write_together({Path(out) / name: io.dumps(doc)})[0]


# ------------------------------------------------------------------ commands
def _add_evaluate(sub) -> None:
    p = _command(
        sub, "evaluate", _run_evaluate, help="accuracy of one score against the reference -> DIR/accuracy.json"
    )
    _records_options(p)
    p.add_argument("--score", required=True, metavar="COL", help="the score column")
    _reference_options(p)
    _cutoff_options(p)
    _interval_options(p)
    p.add_argument(
        "--correction",
        type=_number(0, low_closed=True),
        default=0.0,
        metavar="C",
        help="add C to every cell for LR+, LR- and DOR (0.5 = Haldane-Anscombe; default 0: none, "
        "zero cells give null with a reason)",
    )
    _bootstrap_options(p, 0, "stratified bootstrap replicates for percentile intervals, e.g. 2000")
    p.add_argument(
        "--partial-auc-specificity",
        type=_finite,
        nargs=2,
        default=(0.8, 1.0),
        metavar=("LOW", "HIGH"),
        help="specificity range of the partial AUC (default 0.8 1.0)",
    )
    p.add_argument(
        "--partial-auc-allow-invalid",
        action="store_true",
        help="report the McClish-standardised partial AUC also when the curve lies below the chance "
        "diagonal (as pROC's allow.invalid.partial.auc.correct = TRUE); default: null with a reason",
    )
    p.add_argument(
        "--min-specificity",
        type=_finite,
        metavar="X",
        help="add the cut-point rule 'highest sensitivity with specificity >= X'",
    )
    p.add_argument(
        "--min-sensitivity",
        type=_finite,
        metavar="X",
        help="add the cut-point rule 'highest specificity with sensitivity >= X'",
    )
    p.add_argument(
        "--cost-ratio",
        type=_finite,
        default=1.0,
        metavar="R",
        help="cost of a false negative relative to a false positive for the min_cost cut-point (default 1)",
    )
    p.add_argument(
        "--cost-prevalence",
        type=_finite,
        metavar="P",
        help="target prevalence for the min_cost cut-point (default: the sample prevalence)",
    )
    _out_option(p)


def _run_evaluate(args) -> str:
    """Diagnostic accuracy of one score: 2x2 tables, intervals, AUC (DeLong), partial AUC, cut-point
    rules, stratified bootstrap intervals and, with unverified records, Begg-Greenes corrected
    sensitivity/specificity. Keys: docs/accuracy.md."""
    rules = rules_from_options(args.min_specificity, args.min_sensitivity, args.cost_ratio, args.cost_prevalence)
    score, ref = _read_columns(args, [args.score])
    counts = CountTable.from_scores(score, ref, args.direction)
    if counts.n_verified == 0:
        raise InputError(args.records, "no record has both a score and a reference standard", column=args.reference)
    doc = documents.accuracy_document(
        counts,
        args.cutoff,
        prevalences=args.prevalence,
        ci_method=args.ci_method,
        confidence=args.confidence,
        correction=args.correction,
        n_boot=args.bootstrap,
        seed=args.seed,
        partial_auc_specificity=tuple(args.partial_auc_specificity),
        partial_auc_allow_invalid=args.partial_auc_allow_invalid,
        cutpoint_rules=rules,
    )
    path = _write(args.out, "accuracy.json", doc)
    return f"wrote {path} ({len(doc['thresholds'])} cut-offs, {counts.n_verified} verified records)"


def _add_compare(sub) -> None:
    p = _command(
        sub, "compare", _run_compare, help="paired comparison of two scores on the same records -> DIR/comparison.json"
    )
    _records_options(p)
    p.add_argument(
        "--score",
        required=True,
        action="append",
        metavar="COL",
        help="give twice: score A, then score B (differences are A - B)",
    )
    _reference_options(p)
    for ab in ("a", "b"):
        p.add_argument(f"--direction-{ab}", choices=("higher", "lower"), default="higher", help=_DIRECTION_HELP)
    for ab, cut in (("a", "X"), ("b", "Y")):
        p.add_argument(f"--cutoff-{ab}", type=_finite, metavar=cut, help=f"cut-off of score {ab.upper()}")
    p.add_argument(
        "--mcnemar",
        choices=("exact", "chi-square"),
        default="exact",
        help="exact binomial (default) or chi-square with continuity correction",
    )
    _interval_options(p)
    _out_option(p)


def _run_compare(args) -> str:
    """Compare two scores (e.g. two versions of an instrument) on the same records: DeLong's paired
    AUC test, and at one cut-off per score McNemar tests, relative sensitivity/specificity, PPV/NPV
    differences and net reclassification."""
    if len(args.score) != 2:
        raise UsageError(f"--score must be given exactly twice (A and B). Got {len(args.score)} instead.")
    if args.score[0] == args.score[1]:
        raise UsageError("--score A and --score B must be different columns.")
    if (args.cutoff_a is None) != (args.cutoff_b is None):
        raise UsageError("give both --cutoff-a and --cutoff-b, or neither.")
    a, b, ref = _read_columns(args, args.score)
    doc = documents.comparison_document(
        a,
        b,
        ref,
        name_a=args.score[0],
        name_b=args.score[1],
        direction_a=args.direction_a,
        direction_b=args.direction_b,
        cutoff_a=args.cutoff_a,
        cutoff_b=args.cutoff_b,
        mcnemar=args.mcnemar,
        ci_method=args.ci_method,
        confidence=args.confidence,
    )
    if doc["n"] == 0:
        raise InputError(args.records, "no record has both scores and a reference standard", column=args.reference)
    return f"wrote {_write(args.out, 'comparison.json', doc)} ({doc['n']} records with both scores)"


def _add_stage(sub) -> None:
    p = _command(sub, "stage", _run_stage, help="run one pipeline stage (as dvc repro does) from the project folder")
    p.add_argument("name")


def _run_stage(args) -> None:
    """Run pipeline/NAME.py, the script DVC runs for stage NAME."""
    script = Path("pipeline") / f"{args.name}.py"
    if not script.is_file():
        raise UsageError(f"no pipeline stage '{args.name}' (expected {script} in the project folder)")
    runpy.run_path(str(script), run_name="__main__")


def _add_calibration(sub) -> None:
    p = _command(
        sub,
        "calibration",
        _run_calibration,
        help="calibration of predicted risks -> DIR/calibration.json (+ curve rows)",
    )
    _records_options(p)
    p.add_argument("--probability", required=True, metavar="COL", help="the predicted risk column, in [0, 1]")
    _reference_options(p)
    _interval_options(p, ci_method=False)
    _bootstrap_options(p, 200, "replicates for the curve band and net-benefit intervals")
    _out_option(p)


def _run_calibration(args) -> str:
    """Calibration of a probability column against the reference standard (O/E,
    calibration-in-the-large, slope, Brier, ICI/E50/E90/Emax, Hosmer-Lemeshow, Spiegelhalter, AUC),
    plus the smoothed curve and net benefit."""
    from .stats import calibration, decision

    prob, ref = _read_columns(args, [args.probability])
    rng = np.random.default_rng(args.seed)
    names = dict(column=args.probability, reference_column=args.reference)
    try:
        result = calibration.calibration_statistics(prob, ref, confidence=args.confidence, **names)
    except InputError as exc:  # the library knows the column, the command knows the file
        raise dataclasses.replace(exc, file=exc.file or args.records) from None
    curve = calibration.calibration_curve(prob, ref, rng, n_boot=args.bootstrap, confidence=args.confidence, **names)
    nb = decision.net_benefit(prob, ref, rng=rng, n_boot=args.bootstrap, confidence=args.confidence, **names)
    doc = documents.calibration_document(
        result, instrument=args.probability, risk_source=calibration.OWN_PROBABILITY, estimated_mapping=False
    )
    out = Path(args.out)
    written = _write_together(
        {
            out / "calibration.json": io.dumps(doc),
            out / "calibration_curve.json": io.dumps(calibration.calibration_curve_points(curve)),
            out / "decision_curve.json": io.dumps(decision.decision_curve_points(nb)),
        }
    )
    return f"wrote {written[0]}, {written[1]} and {written[2]}"


def _add_reliability(sub) -> None:
    p = _command(
        sub, "reliability", _run_reliability, help="rater agreement and internal consistency -> DIR/reliability.json"
    )
    _records_options(p)
    p.add_argument("--raters", required=True, metavar="COL,COL[,...]", help="rater columns, at least two")
    p.add_argument("--items", metavar="COL,COL[,...]", help="item columns of a multi-item instrument")
    p.add_argument("--categorical", action="store_true", help="ratings are ordered categories: add kappa")
    p.add_argument(
        "--kappa-weights",
        choices=("linear", "quadratic"),
        default="quadratic",
        help="weighted kappa (default quadratic)",
    )
    _out_option(p)


def _run_reliability(args) -> str:
    """ICC (six forms), and for two raters Cohen's kappa and weighted kappa (--categorical) or
    Bland-Altman limits; Cronbach's alpha and omega with --items."""
    from .stats import reliability

    raters = [c.strip() for c in args.raters.split(",") if c.strip()]
    items = [c.strip() for c in (args.items or "").split(",") if c.strip()]
    if len(raters) < 2:
        raise UsageError(f"--raters must name at least two columns. Got {len(raters)} instead.")
    for flag, names in (("--raters", raters), ("--items", items)):
        twice = sorted({c for c in names if names.count(c) > 1})
        if twice:  # one column as two raters would agree with itself perfectly
            raise UsageError(f"{flag} must name each column once. Got {twice[0]} more than once.")
    columns = list(dict.fromkeys(raters + items))
    values = pd.DataFrame(dict(zip(columns, _read_columns(args, columns, reference=False), strict=True)))
    doc = {
        "schema_version": SCHEMA_VERSION,
        **reliability.reliability_summary(
            values, raters, items=items or None, categorical=args.categorical, kappa_weights=args.kappa_weights
        ),
    }
    return f"wrote {_write(args.out, 'reliability.json', doc)} ({len(raters)} raters)"


# ------------------------------------------------------------------ scale: aggregate (federated) mode
def _add_aggregate(sub) -> None:
    from .scale import ENGINES

    p = _command(
        sub, "aggregate", _run_aggregate, help="export only the counts per score x reference x subgroup -> FILE (CSV)"
    )
    _records_options(p)
    p.add_argument("--score", required=True, action="append", metavar="COL", help="score column (repeatable)")
    _reference_options(p)
    p.add_argument("--subgroup", action="append", default=[], metavar="COL", help="subgroup column (repeatable)")
    _min_cell_option(p, 10, "smallest count a non-empty cell may hold (default 10, docs/disclosure.md)")
    p.add_argument(
        "--exact-counts-under-agreement",
        action="store_true",
        help="export small cells too: only where the organisations share exact counts under a "
        "data agreement; the file is then confidential to its parties",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="pandas",
        help="pandas (in memory), duckdb (streams files larger than memory) or dask",
    )
    p.add_argument(
        "--batch-rows", type=_whole(1), default=io.DEFAULT_BATCH_ROWS, metavar="N", help="records per batch (duckdb)"
    )
    _out_option(p, "file", help="the count table (CSV)")


def _run_aggregate(args) -> str:
    """Reduce a records file to the table of counts per (instrument, score, reference, subgroups),
    the only thing accuracy statistics need, so it can be shared instead of the records
    (docs/scale.md). Cells with fewer than --min-cell records refuse the export unless exact counts
    are shared under a data agreement."""
    from .scale.aggregate import check_disclosure, check_min_cell_option, write_table
    from .scale.counts import CountSpec, count_rows

    check_min_cell_option(args.min_cell, args.exact_counts_under_agreement)
    id_column, id_required = _id_column(args)
    spec = CountSpec(
        tuple(args.score),
        args.reference,
        tuple(args.subgroup),
        args.positive,
        args.negative,
        id_column=id_column,
        id_required=id_required,
        decimal=args.decimal,
        drop=tuple(args.drop),
    )
    counts = count_rows(args.records, spec, args.engine, batch_rows=args.batch_rows)
    check_disclosure(counts, args.min_cell, args.exact_counts_under_agreement, args.records)
    write_table(counts, args.out)
    return f"wrote {args.out} (a table of counts; no record-level data)"


def _add_evaluate_aggregate(sub) -> None:
    p = _command(
        sub,
        "evaluate-aggregate",
        _run_evaluate_aggregate,
        help="accuracy per organisation and pooled from count tables -> DIR/pooled/accuracy.json, ...",
    )
    p.add_argument("--tables", required=True, nargs="+", metavar="FILE", help="count tables (`signalering aggregate`)")
    p.add_argument(
        "--name",
        action="append",
        metavar="ORG",
        help="organisation name per table, in order (default: the file names without suffix)",
    )
    p.add_argument("--score", required=True, metavar="NAME", help="the instrument (column `instrument` in the tables)")
    _cutoff_options(p)
    _interval_options(p)
    p.add_argument(
        "--meta-method",
        choices=("reml", "glmm", "none"),
        default="reml",
        help="bivariate meta-analysis: reml (Reitsma et al. 2005, the default; 0.5 added to every cell "
        "of a table with a zero cell), glmm (exact binomial, Chu & Cole 2006, Laplace) or none",
    )
    p.add_argument(
        "--meta-min-organisations",
        type=_whole(3),
        default=5,
        metavar="K",
        help="fewest organisations (with positives and negatives) for the bivariate model (default 5)",
    )
    _min_cell_option(p, 10, "disclosure threshold for the per-organisation points in meta_analysis.json (default 10)")
    _out_option(p)


def _run_evaluate_aggregate(args) -> str:
    """Evaluate one instrument from the count tables of several organisations (written by
    `signalering aggregate`): DIR/organisations/NAME/accuracy.json, DIR/pooled/accuracy.json,
    DIR/heterogeneity.json (Cochran's Q, I^2, DerSimonian-Laird tau^2, chi-square homogeneity test
    per cut-off) and DIR/meta_analysis.json (bivariate random-effects meta-analysis of sensitivity
    and specificity per cut-off, docs/meta-analysis.md)."""
    from .scale.federated import evaluate_tables, load_count_tables, meta_analysis_document

    tables = load_count_tables(args.tables, args.score, args.direction, args.name)
    if sum(t.n_verified for t in tables.values()) == 0:
        raise InputError(
            args.tables[0], "no record in any table has both a score and a reference standard", column="reference"
        )
    docs = evaluate_tables(
        tables, args.cutoff, prevalences=args.prevalence, ci_method=args.ci_method, confidence=args.confidence
    )
    out = Path(args.out)
    texts = {
        out / "organisations" / name / "accuracy.json": io.dumps(doc) for name, doc in docs["organisations"].items()
    }
    texts[out / "pooled" / "accuracy.json"] = io.dumps(docs["pooled"])
    texts[out / "heterogeneity.json"] = io.dumps(docs["heterogeneity"])
    meta = ""
    if args.meta_method != "none":
        cuts = [h["cutoff"] for h in docs["heterogeneity"]["at_cutoffs"]]
        texts[out / "meta_analysis.json"] = io.dumps(
            meta_analysis_document(
                tables,
                cuts,
                method=args.meta_method,
                confidence=args.confidence,
                min_cell=args.min_cell,
                min_organisations=args.meta_min_organisations,
            ),
        )
        meta = ", meta_analysis.json"
    _write_together(texts)
    n = len(docs["organisations"])
    return f"wrote {n} organisation document{'s' if n != 1 else ''}, pooled/accuracy.json, heterogeneity.json{meta} under {out}"


# ------------------------------------------------------------------ init: params.yaml for your own file
def _add_init(sub) -> None:
    p = _command(sub, "init", _run_init, help="write params.yaml (and instruments/*.yaml) for your own records file")
    _records_options(p, params_file=True)
    _reference_options(p)
    p.add_argument(
        "--score", action="append", default=[], metavar="COL", help="score column, higher = more concern (repeatable)"
    )
    p.add_argument(
        "--lower", action="append", default=[], metavar="COL", help="score column, lower = more concern (repeatable)"
    )
    p.add_argument(
        "--probability",
        action="append",
        default=[],
        metavar="COL",
        help="one of the score columns is a predicted risk in [0, 1]: calibration applies (repeatable)",
    )
    p.add_argument("--subgroup", action="append", default=[], metavar="COL", help="subgroup column (repeatable)")
    _out_option(p, "file", default="params.yaml", help="the parameter file (default params.yaml)")
    p.add_argument("--force", action="store_true", help="overwrite specification files that differ")


def _run_init(args) -> str:
    """Guard the records file against direct identifiers and a record id given twice, inspect it and
    write params.yaml for it: the data section (codes and ranges found), one 'score' instrument per score column
    (instruments/<name>.yaml beside params.yaml) and the analysis settings kept from the current
    params.yaml. Then run `dvc repro`."""
    from . import init

    result = init.plan(
        io.read_unique(args.records, args.decimal, tuple(args.drop), args.id),  # each record once, as every command
        args.records,
        reference=args.reference,
        scores=args.score,
        lower=args.lower,
        probability=args.probability,
        positive=args.positive,
        negative=args.negative,
        id_column=args.id,
        subgroups=args.subgroup,
        params_path=args.out,
        current=init.read_current(args.out),
        drop=args.drop,
        decimal=args.decimal,
    )
    written = init.write(result, args.out, force=args.force)
    return f"wrote {', '.join(str(p) for p in written)}; next: dvc repro"


def _add_disclosure_audit(sub) -> None:
    p = _command(
        sub, "disclosure-audit", _run_disclosure_audit, help="try to compute withheld counts back from published files"
    )
    p.add_argument("dir", nargs="?", default="reports", metavar="DIR", help="published folder (default reports)")
    _min_cell_option(p, None, "default: the one in DIR/disclosure.json, else 10")
    _out_option(
        p,
        "file",
        default="data/secure/disclosure_audit.json",
        help="findings file (default data/secure/disclosure_audit.json; never under DIR)",
    )


def _run_disclosure_audit(args) -> str:
    """Read every JSON file and the counts of every HTML report under DIR (what the pipeline
    publishes) and try to recover withheld counts: differences of totals and complementary groups,
    integrality of AUC*P*N, Youden/closest criteria, predictive values as ratios
    (docs/disclosure.md). Exit 0: nothing recovered; exit 3: something was. Findings (locations,
    never values) go to --out."""
    from .documents.audit import audit_reports, failure_reason

    root, out = Path(args.dir), Path(args.out)
    if not root.is_dir():
        raise UsageError(f"DIR must be a folder of published files. Got '{args.dir}' instead.")
    if out.resolve().is_relative_to(root.resolve()):
        raise UsageError("--out must not be under DIR: the findings are not for publication.")
    result = audit_reports(root, args.min_cell)
    io.write_json(out, result)
    if result["findings"]:
        raise InputError(args.dir, failure_reason(result, args.out))
    return f"no withheld count recovered from {root}; wrote {out}"


# ------------------------------------------------------------------ plan: how many families the next study needs
_ACCURACY_DESIGN = ("sensitivity", "specificity", "prevalence", "half_width")
_SIMULATION_CRITERIA = ("sensitivity_ci_low_min", "specificity_ci_low_min")


def _add_plan(sub) -> None:
    p = _command(sub, "plan", _run_plan, help="sample size of a validation study -> JSON (docs/planning.md)")
    for name, what in (
        ("sensitivity", "anticipated sensitivity"),
        ("specificity", "anticipated specificity"),
        ("prevalence", "anticipated prevalence in the study"),
        ("half-width", "target half-width of each interval, e.g. 0.05"),
    ):
        p.add_argument(f"--{name}", type=_proportion, metavar="X", help=f"{what}, in (0, 1)")
    _interval_options(p, ci_method=False)
    p.add_argument(
        "--method",
        choices=("normal", "exact", "both"),
        default="both",
        help="normal (Buderer's formula), exact (Clopper-Pearson search) or both (default)",
    )
    p.add_argument(
        "--verified-negatives-fraction",
        type=_number(0, 1, high_closed=True),
        default=None,
        metavar="F",
        help="fraction in (0, 1] of screen-negatives verified (all screen-positives are)",
    )
    r = p.add_argument_group("risk model (Riley et al. 2021)")
    r.add_argument(
        "--risk-prevalence",
        type=_proportion,
        metavar="PHI",
        help="anticipated outcome prevalence; adds the O/E criterion (and the others given)",
    )
    r.add_argument(
        "--c-statistic",
        type=_number(0.5, 1, low_closed=True),
        metavar="C",
        help="anticipated C-statistic, in [0.5, 1) (adds its criterion)",
    )
    r.add_argument(
        "--lp-normal",
        type=_finite,
        nargs=2,
        metavar=("MEAN", "SD"),
        help="linear predictor ~ Normal(MEAN, SD) (adds the calibration-slope criterion)",
    )
    r.add_argument(
        "--net-benefit",
        type=_proportion,
        nargs=3,
        metavar=("THRESHOLD", "SENS", "SPEC"),
        help="risk threshold and the model's sensitivity and specificity there, each in (0, 1) (adds net benefit)",
    )
    for name, default in (("oe", 0.2), ("slope", 0.2), ("c", 0.1), ("nb", 0.2)):
        r.add_argument(
            f"--{name}-ci-width",
            type=_number(0),
            default=default,
            metavar="W",
            help=f"target interval width (default {default})",
        )
    a = p.add_argument_group("simulation check (assurance; needs the accuracy options)")
    a.add_argument("--simulate", type=_whole(1), metavar="N", help="simulate N studies of the planned design")
    _seed_option(a, "simulation")
    a.add_argument(
        "--families",
        type=_whole(1),
        metavar="N",
        help="families in the simulated study (default: the plan's total; partial verification's with "
        "--verified-negatives-fraction, else exact's unless --method normal)",
    )
    a.add_argument(
        "--interval-method",
        choices=INTERVAL_METHODS,
        default="wilson",
        help="interval each simulated study reports (default wilson; with --verified-negatives-fraction "
        "always the Begg-Greenes Wald interval)",
    )
    for name in ("sensitivity", "specificity"):
        a.add_argument(
            f"--{name}-ci-low-min",
            type=_proportion,
            metavar="X",
            help=f"pre-registered criterion: the {name} interval's lower bound >= X",
        )
    _out_option(p, "file", required=False, help="write the plan to this JSON file (default: print it on stdout)")
    _out_option(p, "file", flag="--html", required=False, help="also write the plan as a short HTML page")
    p.add_argument("--language", choices=("en", "nl"), default="en", help="language of the HTML page (default en)")


def _run_plan(args) -> str:
    """Families needed so that sensitivity and specificity are estimated to within +- HALF_WIDTH at
    the anticipated prevalence: Buderer (1996) normal approximation and/or an exact Clopper-Pearson
    search; with --verified-negatives-fraction, the total when only that fraction of
    screen-negatives gets the reference standard. With --risk-prevalence, the criteria of Riley et
    al. (2021) for validating a risk model (docs/planning.md)."""
    from .documents import plan

    given = [getattr(args, n) is not None for n in _ACCURACY_DESIGN]
    if any(given) and not all(given):
        raise UsageError("--sensitivity, --specificity, --prevalence and --half-width go together.")
    if not any(given) and args.risk_prevalence is None:
        raise UsageError("Give --sensitivity, --specificity, --prevalence and --half-width, or --risk-prevalence.")
    if args.simulate is None and any(getattr(args, n) is not None for n in ("families", *_SIMULATION_CRITERIA)):
        raise UsageError("--families, --sensitivity-ci-low-min and --specificity-ci-low-min need --simulate.")
    if args.simulate is not None and not all(given):
        raise UsageError("--simulate needs --sensitivity, --specificity, --prevalence and --half-width.")
    if args.out is not None and args.html is not None and Path(args.out).resolve() == Path(args.html).resolve():
        raise UsageError("--out and --html must name different files.")
    accuracy = risk_model = None
    if all(given):
        accuracy = plan.accuracy_plan(
            *(getattr(args, n) for n in _ACCURACY_DESIGN),
            args.confidence,
            methods=plan.planning.PLAN_METHODS if args.method == "both" else (args.method,),
            verified_negatives_fraction=args.verified_negatives_fraction,
            simulations=args.simulate,
            families=args.families,
            seed=args.seed,
            criteria={n: getattr(args, n) for n in _SIMULATION_CRITERIA if getattr(args, n) is not None},
            interval_method=args.interval_method,
        )
    if args.risk_prevalence is not None:
        risk_model = plan.risk_model_plan(
            args.risk_prevalence,
            confidence=args.confidence,
            oe_ci_width=args.oe_ci_width,
            lp_normal=args.lp_normal,
            slope_ci_width=args.slope_ci_width,
            c_statistic=args.c_statistic,
            c_ci_width=args.c_ci_width,
            net_benefit=args.net_benefit,
            nb_ci_width=args.nb_ci_width,
        )
    doc = plan.plan_document(accuracy, risk_model)
    summary = _plan_summary(doc)
    texts = {}
    if args.html is not None:
        from .report.plan_page import render_plan

        texts[Path(args.html)] = render_plan(doc, args.language)
        summary += f"; wrote {args.html}"
    if args.out is not None:
        texts[Path(args.out)] = io.dumps(doc)
    _write_together(texts)
    if args.out is None:
        sys.stdout.write(io.dumps(doc))
        return summary
    return f"{summary}; wrote {args.out}"


def _plan_summary(doc: dict) -> str:
    """The plan in one line for stderr: the totals per method, partial verification, assurance, risk model."""
    said = [f"{m}: {doc[m]['total']} families" for m in ("normal", "exact") if m in doc]
    if "partial_verification" in doc:
        partial = doc["partial_verification"]
        said.append(
            f"verifying {partial['verified_negatives_fraction']:g} of screen-negatives: {partial['total']} families"
        )
    if "assurance" in doc:
        sim = doc["assurance"]
        said.append(
            f"simulated {sim['families']} families: target met in {sim['share_meeting_target']:.0%} of "
            f"{sim['simulations']} studies"
        )
    if "risk_model" in doc:
        said.append(f"risk model: {doc['risk_model']['n']} people")
    return "; ".join(said)


COMMANDS = [
    _add_evaluate,
    _add_compare,
    _add_calibration,
    _add_reliability,
    _add_stage,
    _add_aggregate,
    _add_evaluate_aggregate,
    _add_init,
    _add_disclosure_audit,
    _add_plan,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="signalering", description="Validate screening and signalling instruments (JGZ).")
    parser.add_argument("--version", action="version", version=f"signalering {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: wrong words (2), --help / --version (0)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        for rule in getattr(args, "rules", ()):  # the option groups' rules (e.g. --out), before anything is read
            rule(args)
        done = args.func(args)
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"signalering: error: {exc}", file=sys.stderr)
        return 3
    except UsageError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"signalering: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output that cannot be written: unwritable or full folder, a file in the way
        if args.debug:
            traceback.print_exc()
        target = exc.filename or getattr(args, "out", None)
        if isinstance(target, str) and target.endswith(".part"):  # the temporary file of an output
            target = target.removesuffix(".part")
        where = f" '{target}'" if target else ""
        print(
            f"signalering: error: cannot write{where}: {exc.strerror or type(exc).__name__}; "
            f"choose another --out or free space",
            file=sys.stderr,
        )
        return 2
    if done:  # one line naming what was written; stderr, so stdout stays for data
        progress.summary(args.command, done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
