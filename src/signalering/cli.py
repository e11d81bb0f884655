"""The ``signalering`` command line (docs/contract.md).

Exit statuses: 0 done; 2 the command's words are wrong; 3 the input was refused. Input errors print
one message naming file, row, column and reason; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import runpy
import sys
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, io, outputs, progress
from .counts import CountTable
from .cutpoints import rules_from_options
from .errors import InputError, UsageError
from .intervals import INTERVAL_METHODS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep its message short
        self.print_usage(sys.stderr)
        self.exit(2, f"signalering: error: {message}\n")


# ------------------------------------------------------------------ shared input helpers
# The readers and column conversions live in the library (``io``); these names stay importable here.
read_guarded = io.read_guarded
numeric_column = io.numeric_column
reference_column = io.reference_column


def _finite(text: str) -> float:
    """argparse type: a finite number (``nan``, ``inf`` are wrong words, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _count(text: str) -> int:
    """argparse type: a whole number >= 0 (replicates, seeds)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _add_records_options(p) -> None:
    """``--records FILE``, ``--id COL`` and ``--decimal``, the same in every command that reads records."""
    p.add_argument("--records", required=True, metavar="FILE")
    p.add_argument(
        "--id",
        metavar="COL",
        default=None,
        help="record id column (default record_id, checked when the file has it): a file that "
        "holds an id twice is refused (exit 3), so no record is counted twice",
    )
    p.add_argument(
        "--decimal",
        choices=io.DECIMALS,
        default="auto",
        metavar="{.|,|auto}",
        help="decimal mark of numbers in text files: '.', ',' (0,25 = 0.25) or auto (default: "
        "',' is read as decimal mark in semicolon-separated CSV, as Dutch Excel writes it)",
    )
    p.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COL",
        help="drop this column at the door (repeatable): it is not checked and never read further; "
        "for free text such as remarks (docs/privacy.md)",
    )


def read_checked(args, columns: list[str] | None = None) -> pd.DataFrame:
    """The records of ``args.records``: read, identifier-guarded (every column), every record id once;
    ``columns``: the columns the command uses (``None``: all), besides the id column."""
    if columns is not None:
        columns = [*columns, args.id or "record_id"]
    frame = io.read_guarded(args.records, args.decimal, tuple(args.drop), columns)
    io.check_unique_ids(frame, args.id or "record_id", args.records, required=args.id is not None)
    return frame


def check_out(out: str, kind: str = "folder") -> None:
    """``--out`` must name a folder (or, for ``kind="file"``, a file) that is not the other kind."""
    path = Path(out)
    if kind == "folder" and path.exists() and not path.is_dir():
        raise UsageError(f"--out must name a folder; '{out}' is an existing file.")
    if kind == "file" and path.is_dir():
        raise UsageError(f"--out must name a file; '{out}' is an existing folder.")


def check_proportion_options(args) -> None:
    """``--prevalence`` (each) and ``--confidence`` must lie in (0, 1); wrong words exit 2."""
    for name, values in (
        ("prevalence", getattr(args, "prevalence", [])),
        ("confidence", [getattr(args, "confidence", 0.5)]),
    ):
        for value in values:
            if not 0 < value < 1:
                raise UsageError(f"--{name} must be in (0, 1). Got {value} instead.")


def _add_reference_options(p) -> None:
    """``--reference COL`` and its labels, the same in every command that reads a reference standard."""
    p.add_argument("--reference", required=True, metavar="COL")
    p.add_argument("--positive", default="1", metavar="VALUE", help="label of a reference-positive record (default 1)")
    p.add_argument("--negative", default="0", metavar="VALUE", help="label of a reference-negative record (default 0)")


# ------------------------------------------------------------------ commands
def _add_evaluate(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="accuracy of one score against the reference -> DIR/accuracy.json",
        description="Diagnostic accuracy of one score: 2x2 tables, intervals, AUC (DeLong), partial "
        "AUC, cut-point rules, stratified bootstrap intervals and, with unverified records, "
        "Begg-Greenes corrected sensitivity/specificity. Keys: docs/accuracy.md.",
    )
    _add_records_options(p)
    p.add_argument("--score", required=True, metavar="COL")
    _add_reference_options(p)
    p.add_argument("--direction", choices=("higher", "lower"), default="higher")
    p.add_argument("--cutoff", type=_finite, action="append", metavar="X")
    p.add_argument("--prevalence", type=_finite, action="append", metavar="P", default=[])
    p.add_argument("--ci-method", choices=INTERVAL_METHODS, default="wilson")
    p.add_argument("--confidence", type=_finite, default=0.95)
    p.add_argument(
        "--correction",
        type=_finite,
        default=0.0,
        metavar="C",
        help="add C to every cell for LR+, LR- and DOR (0.5 = Haldane-Anscombe; default 0: none, "
        "zero cells give null with a reason)",
    )
    p.add_argument(
        "--bootstrap",
        type=_count,
        default=0,
        metavar="N",
        help="stratified bootstrap replicates for percentile intervals (default 0: none; e.g. 2000)",
    )
    p.add_argument("--seed", type=_count, default=0, metavar="S", help="seed of the bootstrap (default 0)")
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
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_run_evaluate)


def _run_evaluate(args) -> str:
    check_out(args.out)
    check_proportion_options(args)
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or a positive number of replicates. Got {args.bootstrap} instead.")
    if not args.correction >= 0:
        raise UsageError(f"--correction must be >= 0. Got {args.correction} instead.")
    rules = rules_from_options(args.min_specificity, args.min_sensitivity, args.cost_ratio, args.cost_prevalence)
    frame = read_checked(args, [args.score, args.reference])
    score = numeric_column(frame, args.score, args.records)
    ref = reference_column(frame, args.reference, args.positive, args.negative, args.records)
    counts = CountTable.from_scores(score, ref, args.direction)
    if counts.n_verified == 0:
        raise InputError(args.records, "no record has both a score and a reference standard", column=args.reference)
    doc = outputs.accuracy_document(
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
    io.write_json(Path(args.out) / "accuracy.json", doc)
    return f"wrote {Path(args.out) / 'accuracy.json'} ({len(doc['thresholds'])} cut-offs, {counts.n_verified} verified records)"


def _add_compare(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="paired comparison of two scores on the same records -> DIR/comparison.json",
        description="Compare two scores (e.g. two versions of an instrument) on the same records: "
        "DeLong's paired AUC test, and at one cut-off per score McNemar tests, relative "
        "sensitivity/specificity, PPV/NPV differences and net reclassification.",
    )
    _add_records_options(p)
    p.add_argument(
        "--score",
        required=True,
        action="append",
        metavar="COL",
        help="give twice: score A, then score B (differences are A - B)",
    )
    _add_reference_options(p)
    p.add_argument("--direction-a", choices=("higher", "lower"), default="higher")
    p.add_argument("--direction-b", choices=("higher", "lower"), default="higher")
    p.add_argument("--cutoff-a", type=_finite, metavar="X")
    p.add_argument("--cutoff-b", type=_finite, metavar="Y")
    p.add_argument(
        "--mcnemar",
        choices=("exact", "chi-square"),
        default="exact",
        help="exact binomial (default) or chi-square with continuity correction",
    )
    p.add_argument("--ci-method", choices=INTERVAL_METHODS, default="wilson")
    p.add_argument("--confidence", type=_finite, default=0.95)
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_run_compare)


def _run_compare(args) -> str:
    from .compare import comparison_document

    check_out(args.out)
    if len(args.score) != 2:
        raise UsageError(f"--score must be given exactly twice (A and B). Got {len(args.score)} instead.")
    if args.score[0] == args.score[1]:
        raise UsageError("--score A and --score B must be different columns.")
    if (args.cutoff_a is None) != (args.cutoff_b is None):
        raise UsageError("give both --cutoff-a and --cutoff-b, or neither.")
    check_proportion_options(args)
    frame = read_checked(args)
    a = numeric_column(frame, args.score[0], args.records)
    b = numeric_column(frame, args.score[1], args.records)
    ref = reference_column(frame, args.reference, args.positive, args.negative, args.records)
    doc = comparison_document(
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
    io.write_json(Path(args.out) / "comparison.json", doc)
    return f"wrote {Path(args.out) / 'comparison.json'} ({doc['n']} records with both scores)"


def _add_stage(sub) -> None:
    p = sub.add_parser(
        "stage",
        help="run one pipeline stage (as dvc repro does) from the project folder",
        description="Run pipeline/NAME.py, the script DVC runs for stage NAME.",
    )
    p.add_argument("name")
    p.set_defaults(func=_run_stage)


def _run_stage(args) -> None:
    script = Path("pipeline") / f"{args.name}.py"
    if not script.is_file():
        raise UsageError(f"no pipeline stage '{args.name}' (expected {script} in the project folder)")
    runpy.run_path(str(script), run_name="__main__")


def _add_calibration(sub) -> None:
    p = sub.add_parser(
        "calibration",
        help="calibration of predicted risks -> DIR/calibration.json (+ curve rows)",
        description="Calibration of a probability column against the reference standard "
        "(O/E, calibration-in-the-large, slope, Brier, ICI/E50/E90/Emax, "
        "Hosmer-Lemeshow, Spiegelhalter, AUC), plus the smoothed curve and net benefit.",
    )
    _add_records_options(p)
    p.add_argument("--probability", required=True, metavar="COL")
    _add_reference_options(p)
    p.add_argument("--confidence", type=_finite, default=0.95)
    p.add_argument(
        "--bootstrap",
        type=_count,
        default=200,
        metavar="N",
        help="replicates for the curve band and net-benefit intervals",
    )
    p.add_argument("--seed", type=_count, default=0, metavar="S")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_run_calibration)


def _run_calibration(args) -> str:
    from . import calibration, decision

    check_out(args.out)
    check_proportion_options(args)
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or a positive number of replicates. Got {args.bootstrap} instead.")
    frame = read_checked(args)
    prob = numeric_column(frame, args.probability, args.records)
    ref = reference_column(frame, args.reference, args.positive, args.negative, args.records)
    rng = np.random.default_rng(args.seed)
    try:
        result = calibration.calibration_statistics(
            prob, ref, confidence=args.confidence, column=args.probability, reference_column=args.reference
        )
    except InputError as exc:  # the library knows the column, the command knows the file
        raise dataclasses.replace(exc, file=exc.file or args.records) from None
    curve = calibration.calibration_curve(
        prob,
        ref,
        rng,
        n_boot=args.bootstrap,
        confidence=args.confidence,
        column=args.probability,
        reference_column=args.reference,
    )
    nb = decision.net_benefit(
        prob,
        ref,
        rng=rng,
        n_boot=args.bootstrap,
        confidence=args.confidence,
        column=args.probability,
        reference_column=args.reference,
    )
    out = Path(args.out)
    io.write_json(
        out / "calibration.json",
        outputs.calibration_document(
            result, instrument=args.probability, risk_source=calibration.OWN_PROBABILITY, estimated_mapping=False
        ),
    )
    io.write_json(out / "calibration_curve.json", calibration.calibration_curve_points(curve))
    io.write_json(out / "decision_curve.json", decision.decision_curve_points(nb))
    return f"wrote {out / 'calibration.json'}, {out / 'calibration_curve.json'} and {out / 'decision_curve.json'}"


def _add_reliability(sub) -> None:
    p = sub.add_parser(
        "reliability",
        help="rater agreement and internal consistency -> DIR/reliability.json",
        description="ICC (six forms), and for two raters Cohen's kappa and weighted kappa "
        "(--categorical) or Bland-Altman limits; Cronbach's alpha and omega with --items.",
    )
    _add_records_options(p)
    p.add_argument("--raters", required=True, metavar="COL,COL[,...]")
    p.add_argument("--items", metavar="COL,COL[,...]", help="item columns of a multi-item instrument")
    p.add_argument("--categorical", action="store_true", help="ratings are ordered categories: add kappa")
    p.add_argument("--kappa-weights", choices=("linear", "quadratic"), default="quadratic")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_run_reliability)


def _run_reliability(args) -> str:
    from . import reliability

    check_out(args.out)
    raters = [c.strip() for c in args.raters.split(",") if c.strip()]
    items = [c.strip() for c in (args.items or "").split(",") if c.strip()]
    if len(raters) < 2:
        raise UsageError(f"--raters must name at least two columns. Got {len(raters)} instead.")
    frame = read_checked(args)
    values = pd.DataFrame({c: numeric_column(frame, c, args.records) for c in dict.fromkeys(raters + items)})
    doc = {
        "schema_version": outputs.SCHEMA_VERSION,
        **reliability.reliability_summary(
            values, raters, items=items or None, categorical=args.categorical, kappa_weights=args.kappa_weights
        ),
    }
    io.write_json(Path(args.out) / "reliability.json", doc)
    return f"wrote {Path(args.out) / 'reliability.json'} ({len(raters)} raters)"


COMMANDS = [_add_evaluate, _add_compare, _add_calibration, _add_reliability, _add_stage]


# ------------------------------------------------------------------ scale: aggregate (federated) mode
def _add_aggregate(sub) -> None:
    from .scale import ENGINES

    p = sub.add_parser(
        "aggregate",
        help="export only the counts per score x reference x subgroup -> FILE (CSV)",
        description="Reduce a records file to the table of counts per (instrument, score, "
        "reference, subgroups), the only thing accuracy statistics need, so it can "
        "be shared instead of the records (docs/scale.md). Cells with fewer than "
        "--min-cell records refuse the export unless exact counts are shared under "
        "a data agreement.",
    )
    _add_records_options(p)
    p.add_argument("--score", required=True, action="append", metavar="COL", help="score column (repeatable)")
    _add_reference_options(p)
    p.add_argument("--subgroup", action="append", default=[], metavar="COL", help="subgroup column (repeatable)")
    p.add_argument(
        "--min-cell",
        type=int,
        default=10,
        metavar="N",
        help="smallest count a non-empty cell may hold (default 10, docs/disclosure.md)",
    )
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
    p.add_argument("--batch-rows", type=int, default=500_000, metavar="N", help="records per batch (duckdb)")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=_run_aggregate)


def _run_aggregate(args) -> str:
    from .scale.aggregate import check_disclosure, check_min_cell_option, write_table
    from .scale.counts import CountSpec, count_rows

    check_min_cell_option(args.min_cell, args.exact_counts_under_agreement)
    if args.batch_rows < 1:
        raise UsageError(f"--batch-rows must be at least 1. Got {args.batch_rows} instead.")
    check_out(args.out, "file")
    spec = CountSpec(
        tuple(args.score),
        args.reference,
        tuple(args.subgroup),
        args.positive,
        args.negative,
        id_column=args.id or "record_id",
        id_required=args.id is not None,
        decimal=args.decimal,
        drop=tuple(args.drop),
    )
    counts = count_rows(args.records, spec, args.engine, batch_rows=args.batch_rows)
    check_disclosure(counts, args.min_cell, args.exact_counts_under_agreement, args.records)
    write_table(counts, args.out)
    return f"wrote {args.out} (a table of counts; no record-level data)"


def _add_evaluate_aggregate(sub) -> None:
    p = sub.add_parser(
        "evaluate-aggregate",
        help="accuracy per organisation and pooled from count tables -> DIR/pooled/accuracy.json, ...",
        description="Evaluate one instrument from the count tables of several organisations "
        "(written by `signalering aggregate`): DIR/organisations/NAME/accuracy.json, "
        "DIR/pooled/accuracy.json, DIR/heterogeneity.json (Cochran's Q, I^2, "
        "DerSimonian-Laird tau^2, chi-square homogeneity test per cut-off) and "
        "DIR/meta_analysis.json (bivariate random-effects meta-analysis of sensitivity and "
        "specificity per cut-off, docs/meta-analysis.md).",
    )
    p.add_argument("--tables", required=True, nargs="+", metavar="FILE")
    p.add_argument(
        "--name",
        action="append",
        metavar="ORG",
        help="organisation name per table, in order (default: the file names without suffix)",
    )
    p.add_argument("--score", required=True, metavar="NAME", help="the instrument (column `instrument` in the tables)")
    p.add_argument("--direction", choices=("higher", "lower"), default="higher")
    p.add_argument("--cutoff", type=_finite, action="append", metavar="X")
    p.add_argument("--prevalence", type=_finite, action="append", metavar="P", default=[])
    p.add_argument("--ci-method", choices=INTERVAL_METHODS, default="wilson")
    p.add_argument("--confidence", type=_finite, default=0.95)
    p.add_argument(
        "--meta-method",
        choices=("reml", "glmm", "none"),
        default="reml",
        help="bivariate meta-analysis: reml (Reitsma et al. 2005, the default; 0.5 added to every cell "
        "of a table with a zero cell), glmm (exact binomial, Chu & Cole 2006, Laplace) or none",
    )
    p.add_argument(
        "--meta-min-organisations",
        type=int,
        default=5,
        metavar="K",
        help="fewest organisations (with positives and negatives) for the bivariate model (default 5)",
    )
    p.add_argument(
        "--min-cell",
        type=int,
        default=10,
        metavar="N",
        help="disclosure threshold for the per-organisation points in meta_analysis.json (default 10)",
    )
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_run_evaluate_aggregate)


def _run_evaluate_aggregate(args) -> str:
    from .disclosure import check_min_cell
    from .scale.federated import evaluate_tables, load_count_tables, meta_analysis_document

    check_out(args.out)
    check_proportion_options(args)
    check_min_cell(args.min_cell)
    if args.meta_min_organisations < 3:
        raise UsageError(f"--meta-min-organisations must be at least 3. Got {args.meta_min_organisations} instead.")
    tables = load_count_tables(args.tables, args.score, args.direction, args.name)
    if sum(t.n_verified for t in tables.values()) == 0:
        raise InputError(
            args.tables[0], "no record in any table has both a score and a reference standard", column="reference"
        )
    docs = evaluate_tables(
        tables, args.cutoff, prevalences=args.prevalence, ci_method=args.ci_method, confidence=args.confidence
    )
    out = Path(args.out)
    for name, doc in docs["organisations"].items():
        io.write_json(out / "organisations" / name / "accuracy.json", doc)
    io.write_json(out / "pooled" / "accuracy.json", docs["pooled"])
    io.write_json(out / "heterogeneity.json", docs["heterogeneity"])
    meta = ""
    if args.meta_method != "none":
        cuts = [h["cutoff"] for h in docs["heterogeneity"]["at_cutoffs"]]
        io.write_json(
            out / "meta_analysis.json",
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
    return (
        f"wrote {len(docs['organisations'])} organisation document{'s' if len(docs['organisations']) != 1 else ''}, "
        "pooled/accuracy.json, "
        f"heterogeneity.json{meta} under {out}"
    )


COMMANDS += [_add_aggregate, _add_evaluate_aggregate]


# ------------------------------------------------------------------ init: params.yaml for your own file
def _add_init(sub) -> None:
    p = sub.add_parser(
        "init",
        help="write params.yaml (and instruments/*.yaml) for your own records file",
        description="Guard the records file against direct identifiers, inspect it and write "
        "params.yaml for it: the data section (codes and ranges found), one 'score' "
        "instrument per score column (instruments/<name>.yaml beside params.yaml) and "
        "the analysis settings kept from the current params.yaml. Then run `dvc repro`.",
    )
    p.add_argument("--records", required=True, metavar="FILE")
    _add_reference_options(p)
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
    p.add_argument("--id", default="record_id", metavar="COL", help="the record id column (default record_id)")
    p.add_argument("--subgroup", action="append", default=[], metavar="COL", help="subgroup column (repeatable)")
    p.add_argument("--out", default="params.yaml", metavar="FILE", help="the parameter file (default params.yaml)")
    p.add_argument("--force", action="store_true", help="overwrite specification files that differ")
    p.add_argument(
        "--decimal",
        choices=io.DECIMALS,
        default="auto",
        metavar="{.|,|auto}",
        help="decimal mark of numbers in text files (written to data.decimal)",
    )
    p.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COL",
        help="drop this column at the door (repeatable; written to data.drop)",
    )
    p.set_defaults(func=_run_init)


def _run_init(args) -> str:
    from . import init

    frame = read_guarded(args.records, args.decimal, tuple(args.drop))
    result = init.plan(
        frame,
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


COMMANDS += [_add_init]


def _add_disclosure_audit(sub) -> None:
    p = sub.add_parser(
        "disclosure-audit",
        help="try to compute withheld counts back from published files",
        description="Read every JSON file and the counts of every HTML report under DIR (what the "
        "pipeline publishes) and try to "
        "recover withheld counts: differences of totals and complementary groups, "
        "integrality of AUC*P*N, Youden/closest criteria, predictive values as ratios "
        "(docs/disclosure.md). Exit 0: nothing recovered; exit 3: something was. "
        "Findings (locations, never values) go to --out.",
    )
    p.add_argument("dir", nargs="?", default="reports", metavar="DIR", help="published folder (default reports)")
    p.add_argument("--min-cell", type=int, metavar="N", help="default: the one in DIR/disclosure.json, else 10")
    p.add_argument(
        "--out",
        default="data/secure/disclosure_audit.json",
        metavar="FILE",
        help="findings file (default data/secure/disclosure_audit.json; never under DIR)",
    )
    p.set_defaults(func=_run_disclosure_audit)


def _run_disclosure_audit(args) -> str:
    from .audit import audit_reports, failure_reason

    root, out = Path(args.dir), Path(args.out)
    if not root.is_dir():
        raise UsageError(f"DIR must be a folder of published files. Got '{args.dir}' instead.")
    if out.resolve().is_relative_to(root.resolve()):
        raise UsageError("--out must not be under DIR: the findings are not for publication.")
    if args.min_cell is not None and args.min_cell < 1:
        raise UsageError(f"--min-cell must be at least 1. Got {args.min_cell} instead.")
    result = audit_reports(root, args.min_cell)
    io.write_json(out, result)
    if result["findings"]:
        raise InputError(args.dir, failure_reason(result, args.out))
    return f"no withheld count recovered from {root}; wrote {out}"


COMMANDS += [_add_disclosure_audit]


# ------------------------------------------------------------------ plan: how many families the next study needs
def _add_plan(sub) -> None:
    p = sub.add_parser(
        "plan",
        help="sample size of a validation study -> JSON (docs/planning.md)",
        description="Families needed so that sensitivity and specificity are estimated to within "
        "+- HALF_WIDTH at the anticipated prevalence: Buderer (1996) normal "
        "approximation and/or an exact Clopper-Pearson search; with "
        "--verified-negatives-fraction, the total when only that fraction of "
        "screen-negatives gets the reference standard. With --risk-prevalence, the "
        "criteria of Riley et al. (2021) for validating a risk model (docs/planning.md).",
    )
    for name, what in (
        ("sensitivity", "anticipated sensitivity"),
        ("specificity", "anticipated specificity"),
        ("prevalence", "anticipated prevalence in the study"),
        ("half-width", "target half-width of each interval, e.g. 0.05"),
    ):
        p.add_argument(f"--{name}", type=_finite, metavar="X", help=f"{what}, in (0, 1)")
    p.add_argument("--confidence", type=_finite, default=0.95, metavar="X", help="interval level (default 0.95)")
    p.add_argument(
        "--method",
        choices=("normal", "exact", "both"),
        default="both",
        help="normal (Buderer's formula), exact (Clopper-Pearson search) or both (default)",
    )
    p.add_argument(
        "--verified-negatives-fraction",
        type=_finite,
        default=None,
        metavar="F",
        help="fraction in (0, 1] of screen-negatives verified (all screen-positives are)",
    )
    r = p.add_argument_group("risk model (Riley et al. 2021)")
    r.add_argument(
        "--risk-prevalence",
        type=_finite,
        metavar="PHI",
        help="anticipated outcome prevalence; adds the O/E criterion (and the others given)",
    )
    r.add_argument("--c-statistic", type=_finite, metavar="C", help="anticipated C-statistic (adds its criterion)")
    r.add_argument(
        "--lp-normal",
        type=_finite,
        nargs=2,
        metavar=("MEAN", "SD"),
        help="linear predictor ~ Normal(MEAN, SD) (adds the calibration-slope criterion)",
    )
    r.add_argument(
        "--net-benefit",
        type=_finite,
        nargs=3,
        metavar=("THRESHOLD", "SENS", "SPEC"),
        help="risk threshold and the model's sensitivity and specificity there (adds net benefit)",
    )
    for name, default in (("oe", 0.2), ("slope", 0.2), ("c", 0.1), ("nb", 0.2)):
        r.add_argument(
            f"--{name}-ci-width",
            type=_finite,
            default=default,
            metavar="W",
            help=f"target interval width (default {default})",
        )
    a = p.add_argument_group("simulation check (assurance; needs the accuracy options)")
    a.add_argument("--simulate", type=int, metavar="N", help="simulate N studies of the planned design")
    a.add_argument("--seed", type=int, default=0, metavar="S", help="random seed of the simulation (default 0)")
    a.add_argument(
        "--families",
        type=int,
        metavar="N",
        help="families in the simulated study (default: the plan's total; partial verification's with "
        "--verified-negatives-fraction, else exact's unless --method normal)",
    )
    a.add_argument(
        "--interval-method",
        choices=("wilson", "clopper-pearson", "agresti-coull"),
        default="wilson",
        help="interval each simulated study reports (default wilson; with --verified-negatives-fraction "
        "always the Begg-Greenes Wald interval)",
    )
    for name in ("sensitivity", "specificity"):
        a.add_argument(
            f"--{name}-ci-low-min",
            type=_finite,
            metavar="X",
            help=f"pre-registered criterion: the {name} interval's lower bound >= X",
        )
    p.add_argument(
        "--out", default=None, metavar="FILE", help="write the plan to this JSON file (default: print it on stdout)"
    )
    p.add_argument("--html", default=None, metavar="FILE", help="also write the plan as a short HTML page")
    p.add_argument("--language", choices=("en", "nl"), default="en", help="language of the HTML page (default en)")
    p.set_defaults(func=_run_plan)


def _run_plan(args) -> str:
    from . import planning

    accuracy_names = ("sensitivity", "specificity", "prevalence", "half_width")
    given = [getattr(args, n) is not None for n in accuracy_names]
    if any(given) and not all(given):
        raise UsageError("--sensitivity, --specificity, --prevalence and --half-width go together.")
    if not any(given) and args.risk_prevalence is None:
        raise UsageError("Give --sensitivity, --specificity, --prevalence and --half-width, or --risk-prevalence.")
    unit = [*(accuracy_names if all(given) else ()), "confidence", "risk_prevalence", "c_statistic"]
    unit_values = [(n, getattr(args, n)) for n in unit if getattr(args, n) is not None]
    unit_values += [("net-benefit", v) for v in args.net_benefit or ()]
    for name, value in unit_values:
        if not 0 < value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be in (0, 1). Got {value} instead.")
    f = args.verified_negatives_fraction
    if f is not None and not 0 < f <= 1:
        raise UsageError(f"--verified-negatives-fraction must be in (0, 1]. Got {f} instead.")
    simulation_words = ("families", "sensitivity_ci_low_min", "specificity_ci_low_min")
    if args.simulate is None and any(getattr(args, n) is not None for n in simulation_words):
        raise UsageError("--families, --sensitivity-ci-low-min and --specificity-ci-low-min need --simulate.")
    if args.simulate is not None and not all(given):
        raise UsageError("--simulate needs --sensitivity, --specificity, --prevalence and --half-width.")
    for name in ("simulate", "families"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UsageError(f"--{name} must be a whole number >= 1. Got {getattr(args, name)} instead.")
    for name in simulation_words[1:]:
        if getattr(args, name) is not None and not 0 < getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be in (0, 1). Got {getattr(args, name)} instead.")
    for name in ("oe", "slope", "c", "nb"):
        if not getattr(args, f"{name}_ci_width") > 0:
            raise UsageError(f"--{name}-ci-width must be positive. Got {getattr(args, f'{name}_ci_width')} instead.")
    for out in (args.out, args.html):
        if out is not None:
            check_out(out, "file")
    if args.out is not None and args.html is not None and Path(args.out).resolve() == Path(args.html).resolve():
        raise UsageError("--out and --html must name different files.")
    doc, said = {"schema_version": outputs.SCHEMA_VERSION}, []
    if all(given):
        design = dict(
            sensitivity=args.sensitivity,
            specificity=args.specificity,
            prevalence=args.prevalence,
            half_width=args.half_width,
            confidence=args.confidence,
        )
        methods = planning.PLAN_METHODS if args.method == "both" else (args.method,)
        doc["design"] = design
        doc.update({m: planning.buderer_sample_size(**design, method=m).to_dict() for m in methods})
        said += [f"{m}: {doc[m]['total']} families" for m in methods]
        if f is not None:
            doc["partial_verification"] = planning.partial_verification_sample_size(
                **design, verified_negatives_fraction=f
            ).to_dict()
            said.append(f"verifying {f:g} of screen-negatives: {doc['partial_verification']['total']} families")
        if args.simulate is not None:
            planned = doc["partial_verification" if f is not None else methods[-1]]["total"]
            criteria = {
                n: getattr(args, n)
                for n in ("sensitivity_ci_low_min", "specificity_ci_low_min")
                if getattr(args, n) is not None
            }
            sim = planning.assurance(
                args.families or planned,
                **design,
                verified_negatives_fraction=1.0 if f is None else f,
                criteria=criteria,
                simulations=args.simulate,
                seed=args.seed,
                interval_method=args.interval_method,
            )
            doc["assurance"] = sim.to_dict()
            said.append(
                f"simulated {sim.families} families: target met in {sim.share_meeting_target:.0%} of "
                f"{sim.simulations} studies"
            )
    if args.risk_prevalence is not None:
        phi, conf = args.risk_prevalence, args.confidence
        criteria = [planning.riley_oe_sample_size(phi, args.oe_ci_width, confidence=conf)]
        if args.lp_normal is not None:
            criteria.append(planning.riley_slope_sample_size(phi, *args.lp_normal, args.slope_ci_width, conf))
        if args.c_statistic is not None:
            if args.c_statistic < 0.5:
                raise UsageError(f"--c-statistic must be in [0.5, 1). Got {args.c_statistic} instead.")
            criteria.append(planning.riley_cstatistic_sample_size(args.c_statistic, phi, args.c_ci_width, conf))
        if args.net_benefit is not None:
            pt, sens, spec = args.net_benefit
            criteria.append(planning.riley_net_benefit_sample_size(sens, spec, phi, pt, args.nb_ci_width, conf))
        doc["risk_model"] = {"criteria": [c.to_dict() for c in criteria], "n": max(c.n for c in criteria)}
        said.append(f"risk model: {doc['risk_model']['n']} people")
    summary = "; ".join(said)
    if args.html is not None:
        from .report.plan_page import render_plan

        io.write_text(args.html, render_plan(doc, args.language))
        summary += f"; wrote {args.html}"
    if args.out is None:
        sys.stdout.write(io.dumps(doc))
        return summary
    io.write_json(args.out, doc)
    return f"{summary}; wrote {args.out}"


COMMANDS += [_add_plan]


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
