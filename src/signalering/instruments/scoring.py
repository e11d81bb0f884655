"""Scoring records with instrument specifications, vectorised over records.

``score_records(specs, records)`` returns one score per record and instrument (NaN when the score is
missing, with the reason in ``ScoreResult.missing``). Every kind reduces to the same steps:

1. read each column the spec names and map each answer through the declared coding to a number
   (refusing, with the row and column, any non-empty value the coding does not declare);
2. combine the per-item numbers into a score (sum with a missing-data rule, count of signals,
   category rank, combined ratings, probability, or number of positive component screens);
3. record why a score is missing.

All arithmetic works on whole columns (NumPy arrays); there is no loop over records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from signalering.errors import InputError, UsageError
from signalering.instruments.coding import Coding, MissingRule
from signalering.instruments.cutoffs import BandedCutoff
from signalering.instruments.questionnaire import BandSet
from signalering.instruments.sdq import prorate_half_up
from signalering.instruments.spec import InstrumentSpec

RECORD_ID = "record_id"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Scores of every record on every instrument.

    Attributes
    ----------
    scores : DataFrame
        The id column (``record_id`` unless ``score_records`` was given another ``id_column``) and
        one float column per ``spec.id``, in the records' order; NaN = missing.
    missing : DataFrame
        ``<id column>, instrument, reason``: one row per record and instrument whose score is missing.
    subscores : DataFrame
        The id column and one float column ``"<spec.id>:<scale>"`` per scale of every questionnaire
        (e.g. ``sdq-parent@1:emotional``, ``sdq-parent@1:externalising``).
    """

    scores: pd.DataFrame
    missing: pd.DataFrame
    subscores: pd.DataFrame


@dataclass(frozen=True, slots=True)
class _Scored:
    score: np.ndarray  # float, NaN = missing
    reason: np.ndarray  # object; a string where score is NaN, None elsewhere
    scales: dict[str, np.ndarray]  # questionnaire scales by name (empty for other kinds)


class _Context:
    """One scoring run: the records, the file they came from, and the scores computed so far."""

    def __init__(self, records: pd.DataFrame, file: str):
        self.records = records
        self.file = file
        self.n = len(records)
        self.done: dict[str, _Scored] = {}

    def score(self, spec: InstrumentSpec) -> _Scored:
        if spec.id not in self.done:
            self.done[spec.id] = _SCORERS[spec.kind](self, spec)
        return self.done[spec.id]

    # -- reading columns -------------------------------------------------------------------------
    def column(self, spec: InstrumentSpec, column: str) -> pd.Series:
        if column not in self.records.columns:
            raise InputError(
                file=self.file,
                column=column,
                reason=f"column required by instrument '{spec.id}' is absent from the records",
            )
        return self.records[column]

    def refuse(self, spec: InstrumentSpec, column: str, bad: np.ndarray, what: str) -> InputError:
        rows = np.flatnonzero(bad)
        more = f" ({len(rows)} rows in all)" if len(rows) > 1 else ""
        return InputError(
            file=self.file, row=int(rows[0]) + 1, column=column, reason=f"{what} of instrument '{spec.id}'{more}"
        )

    def numbers(self, spec: InstrumentSpec, column: str) -> np.ndarray:
        """The column as floats (NaN = empty). Text that is not a number is refused."""
        s = self.column(spec, column)
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            return s.to_numpy(dtype="float64", na_value=np.nan)
        # Parse each distinct cell text once (answers take few distinct values), then spread back.
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        text = _text(pd.Series(uniques, dtype=object))
        num = pd.to_numeric(text, errors="coerce")
        bad_u = text.notna().to_numpy() & num.isna().to_numpy()
        bad = (codes >= 0) & bad_u[np.maximum(codes, 0)] if len(uniques) else np.zeros(len(s), bool)
        if bad.any():
            raise self.refuse(spec, column, bad, "value is not a number, but numbers are expected by the coding")
        values = np.append(num.to_numpy(dtype="float64", na_value=np.nan), np.nan)
        return values[codes]  # code -1 (missing cell) picks the trailing NaN

    def coded(
        self, spec: InstrumentSpec, column: str, coding: Coding, values: Sequence[float] | None = None
    ) -> np.ndarray:
        """Map each answer through ``coding`` (to ``values`` when given, aligned with
        ``coding.codes``; else to ``coding.values``). Empty -> NaN; an undeclared code is refused."""
        table = np.asarray(coding.values if values is None else values, dtype="float64")
        if coding.numeric:
            x = self.numbers(spec, column)
            codes = np.asarray(coding.codes, dtype="float64")
            order = np.argsort(codes, kind="stable")
            codes, table = codes[order], table[order]
            present = ~np.isnan(x)
            idx = np.minimum(np.searchsorted(codes, x), len(codes) - 1)
            ok = present & (codes[idx] == x)
        else:
            cells, uniques = pd.factorize(self.column(spec, column), use_na_sentinel=True)
            text = _text(pd.Series(uniques, dtype=object))
            found = pd.Index(list(coding.codes), dtype="object").get_indexer(text.astype("object"))
            found_present = text.notna().to_numpy()
            present = (cells >= 0) & np.append(found_present, False)[cells]
            idx = np.append(found, -1)[cells]
            ok = idx >= 0
            idx = np.maximum(idx, 0)
        bad = present & ~ok
        if bad.any():
            allowed = ", ".join(_show(c) for c in coding.codes)
            raise self.refuse(spec, column, bad, f"value outside the codes ({allowed}) declared by the coding")
        return np.where(ok, table[idx], np.nan)


def _text(s: pd.Series) -> pd.Series:
    """Column as trimmed nullable strings; empty or blank cells become missing."""
    text = s.astype("string").str.strip()
    return text.mask(text.str.len() == 0)


def _show(code: object) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _fmt(x: float) -> str:
    return _show(float(x))


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return float(a) == float(b)


def _reasons(missing: np.ndarray, keys: np.ndarray, text: Callable[[object], str]) -> np.ndarray:
    """Object array with ``text(key)`` where ``missing`` (one call per distinct key), None elsewhere."""
    out = np.full(missing.shape, None, dtype=object)
    if missing.any():
        uniq, inverse = np.unique(keys[missing], return_inverse=True)
        out[missing] = np.array([text(k) for k in uniq.tolist()], dtype=object)[inverse]
    return out


def _sum_items(values: np.ndarray, weights: np.ndarray, rule: MissingRule) -> tuple[np.ndarray, np.ndarray]:
    """Sum the columns of ``values`` (records x items, NaN = unanswered) under ``rule``.

    ``values`` holds each item's scored contribution (already reversed/weighted). Returns the score
    (NaN when too many items are unanswered) and the number of unanswered items per record.
    """
    answered = ~np.isnan(values)
    n_items = values.shape[1]
    n_answered = answered.sum(axis=1)
    raw = np.where(answered, values, 0.0).sum(axis=1)
    score = raw
    if rule.fill == "prorate" and rule.max_missing > 0:
        w_answered = (answered * weights).sum(axis=1)
        w_total = weights.sum()
        if rule.rounding == "half_up":
            # floor(raw * W / Wa + 1/2) in exact integers: (2*raw*W + Wa) // (2*Wa). For the SDQ
            # (W = 5, Wa = n answered) this is the official (10*raw + n) // (2*n). round() would be
            # half-to-even and score 2.5 as 2.
            wa = np.maximum(np.rint(w_answered).astype(np.int64), 1)
            score = prorate_half_up(np.rint(raw).astype(np.int64), wa, int(round(w_total))).astype("float64")
        else:
            score = raw * w_total / np.where(w_answered > 0, w_answered, 1.0)
    n_missing = n_items - n_answered
    ok = (n_missing <= rule.max_missing) & (n_answered > 0)
    return np.where(ok, score, np.nan), n_missing


# --------------------------------------------------------------------------------------------------
# Scorers, one per kind
# --------------------------------------------------------------------------------------------------
def _score_questionnaire(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    coding = spec.coding
    values = {}
    for item in spec.items:
        table = [coding.low + coding.high - v for v in coding.values] if item.reverse else None
        values[item.id] = ctx.coded(spec, item.column, coding, table)

    scales: dict[str, np.ndarray] = {}
    base_missing: dict[str, np.ndarray] = {}  # base scale -> missing mask
    bases: dict[str, tuple[str, ...]] = {}  # scale -> the base scales it is built from
    for scale in spec.scales:
        if scale.derived:
            scales[scale.name] = np.sum([scales[p] for p in scale.sum_of], axis=0)
            bases[scale.name] = tuple(dict.fromkeys(b for p in scale.sum_of for b in bases[p]))
        else:
            matrix = np.column_stack([values[i] for i in scale.items])
            scales[scale.name], _ = _sum_items(matrix, np.ones(len(scale.items)), scale.missing)
            base_missing[scale.name] = np.isnan(scales[scale.name])
            bases[scale.name] = (scale.name,)

    if spec.gate is not None:
        # Gate answered "no difficulties": the items were skipped and every scale is 0, not missing
        # (official SDQ syntax: `replace pimpact = 0 if pebddiff == 0`). An empty gate answer leaves
        # the missing-answer rule as it is.
        gate = spec.gate
        zero_values = [1.0 if any(_same(code, z) for z in gate.zero_codes) else 0.0 for code in gate.coding.codes]
        closed = ctx.coded(spec, gate.column, gate.coding, zero_values) == 1.0
        for name in scales:
            scales[name] = np.where(closed, 0.0, scales[name])
        for name in base_missing:
            base_missing[name] = base_missing[name] & ~closed

    score = scales[spec.score_scale]
    missing = np.isnan(score)
    parts = bases[spec.score_scale]
    mask = np.zeros(ctx.n, dtype=np.int64)
    for bit, name in enumerate(parts):
        mask |= base_missing[name].astype(np.int64) << bit

    def text(key: int) -> str:
        names = [name for bit, name in enumerate(parts) if key >> bit & 1]
        reasons = [
            f"subscale '{n}' has fewer than "
            f"{len(spec.scale(n).items) - spec.scale(n).missing.max_missing} answered items"
            for n in names
        ]
        return f"{spec.name}: {spec.score_scale} not computable: " + "; ".join(reasons)

    return _Scored(score, _reasons(missing, mask, text), scales)


def _score_item_sum(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    """Risk checklists (weighted sum) and signal lists (count of abnormal answers)."""
    coding = spec.coding
    columns = []
    for item in spec.items:
        if spec.kind == "signal_list":
            table = [1.0 if code in item.abnormal else 0.0 for code in coding.codes]
        else:
            table = [item.weight * v for v in coding.values]
        columns.append(ctx.coded(spec, item.column, coding, table))
    weights = np.array([item.weight for item in spec.items])
    score, n_missing = _sum_items(np.column_stack(columns), weights, spec.missing)
    k, allowed = len(spec.items), spec.missing.max_missing

    def text(n: int) -> str:
        return f"{spec.name}: {n} of {k} items unanswered (at most {allowed} allowed)"

    return _Scored(score, _reasons(np.isnan(score), n_missing, text), {})


def _score_ordinal(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    score = ctx.coded(spec, spec.column, spec.coding)
    missing = np.isnan(score)
    return _Scored(score, _reasons(missing, np.zeros(ctx.n), lambda _: f"{spec.name}: no category recorded"), {})


def _score_probability(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    score = ctx.numbers(spec, spec.column)
    bad = ~np.isnan(score) & ((score < 0.0) | (score > 1.0))
    if bad.any():
        raise ctx.refuse(spec, spec.column, bad, "probability outside [0, 1]")
    missing = np.isnan(score)
    return _Scored(score, _reasons(missing, np.zeros(ctx.n), lambda _: f"{spec.name}: no probability recorded"), {})


def _score_score(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    """A plain numeric column, used as it is; values outside the declared range are refused."""
    score = ctx.numbers(spec, spec.column)
    low, high = spec.score_range
    bad = ~np.isnan(score) & ((score < low) | (score > high))
    if bad.any():
        what = (
            "probability outside [0, 1]"
            if spec.probability
            else f"score outside the declared range [{_fmt(low)}, {_fmt(high)}]"
        )
        raise ctx.refuse(spec, spec.column, bad, what)
    missing = np.isnan(score)
    return _Scored(score, _reasons(missing, np.zeros(ctx.n), lambda _: f"{spec.name}: no score recorded"), {})


def _ratings(ctx: _Context, spec: InstrumentSpec, column: str) -> np.ndarray:
    coding = spec.coding
    if coding.codes:
        return ctx.coded(spec, column, coding)
    x = ctx.numbers(spec, column)
    bad = ~np.isnan(x) & ((x < coding.low) | (x > coding.high))
    if bad.any():
        raise ctx.refuse(spec, column, bad, f"rating outside the scale [{_fmt(coding.low)}, {_fmt(coding.high)}]")
    return x


def _combine(
    method: str, spec: InstrumentSpec, ratings: np.ndarray, consensus: np.ndarray | None
) -> tuple[np.ndarray, str | np.ndarray]:
    """Score by one combination method and the reason used where it gives no score."""
    present = ~np.isnan(ratings)
    n = present.sum(axis=1)
    enough = n >= spec.min_ratings
    few = "no rating from any rater" if spec.min_ratings == 1 else f"fewer than {spec.min_ratings} ratings"
    if method == "mean_of_available":
        total = np.where(present, ratings, 0.0).sum(axis=1)
        return np.where(enough, total / np.maximum(n, 1), np.nan), few
    if method in ("min", "max"):
        fill = np.inf if method == "min" else -np.inf
        reduce = np.min if method == "min" else np.max
        return np.where(enough, reduce(np.where(present, ratings, fill), axis=1), np.nan), few
    if method == "first_rater":
        return ratings[:, 0].copy(), f"first rater ('{spec.raters[0].column}') gave no rating"
    if method == "first_available":
        first = np.argmax(present, axis=1)
        value = ratings[np.arange(len(ratings)), first]
        return np.where(n > 0, value, np.nan), "no rating from any rater"
    return consensus.copy(), f"no consensus rating ('{spec.consensus_column}')"


def _score_rater(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    for column in spec.rater_id_columns:
        ctx.column(spec, column)  # declared, so it must be there (the reliability stage reads it)
    ratings = np.column_stack([_ratings(ctx, spec, r.column) for r in spec.raters])
    consensus = _ratings(ctx, spec, spec.consensus_column) if spec.consensus_column else None
    score, why = _combine(spec.combine, spec, ratings, consensus)
    key = np.zeros(ctx.n, dtype=np.int64)
    reasons = [f"{spec.name}: {why}"]
    if spec.fallback is not None:
        second, why2 = _combine(spec.fallback, spec, ratings, consensus)
        score = np.where(np.isnan(score), second, score)
        reasons = [f"{spec.name}: {why}, and fallback {spec.fallback}: {why2}"]
    return _Scored(score, _reasons(np.isnan(score), key, lambda k: reasons[k]), {})


def _score_combination(ctx: _Context, spec: InstrumentSpec) -> _Scored:
    n_positive = np.zeros(ctx.n)
    n_missing = np.zeros(ctx.n, dtype=np.int64)
    notes = []
    for comp in spec.components:
        done = ctx.score(comp.spec)
        missing = np.isnan(done.score)
        if comp.spec.direction == "lower":
            positive = done.score <= comp.cutoff.value
        else:
            positive = done.score >= comp.cutoff.value
        n_positive += positive & ~missing
        n_missing += missing
        notes.append((missing, f"component '{comp.instrument}' not scored (", done.reason))
    ok = n_missing <= spec.missing.max_missing
    score = np.where(ok, n_positive, np.nan)
    reason = np.full(ctx.n, None, dtype=object)
    bad = ~ok
    if bad.any():
        text = pd.Series("", index=np.flatnonzero(bad), dtype=object)
        for missing, head, why in notes:
            sel = missing[bad]
            piece = pd.Series(np.where(sel, head, ""), index=text.index, dtype=object)
            piece[sel] = piece[sel] + pd.Series(why[bad][sel], index=text.index[sel], dtype=object) + ")"
            sep = np.where((text != "").to_numpy() & sel, "; ", "")
            text = text + sep + piece
        reason[bad] = (f"{spec.name}: " + text).to_numpy(dtype=object)
    return _Scored(score, reason, {})


_SCORERS: dict[str, Callable[[_Context, InstrumentSpec], _Scored]] = {
    "questionnaire": _score_questionnaire,
    "risk_checklist": _score_item_sum,
    "signal_list": _score_item_sum,
    "ordinal_category": _score_ordinal,
    "rater_observation": _score_rater,
    "probability": _score_probability,
    "score": _score_score,
    "combination": _score_combination,
}


# --------------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------------
def score_records(
    specs: Sequence[InstrumentSpec], records: pd.DataFrame, file: str = "", id_column: str = RECORD_ID
) -> ScoreResult:
    """Score every record on every instrument.

    Parameters
    ----------
    specs : sequence of InstrumentSpec
        From :func:`load_specs`. A combination's components are scored too (once, even when several
        combinations share them); only the specs listed get a column in ``scores``.
    records : DataFrame
        As read from the records file: the id column and the columns the specs name. Cells may be
        numbers or text; empty (NaN, ``""``, blanks) means not answered.
    file : str
        The records file, named in error messages.
    id_column : str
        The column identifying a record (params ``data.id_column``; default ``record_id``); it
        keys ``scores``, ``missing`` and ``subscores``.

    Returns
    -------
    ScoreResult

    Raises
    ------
    InputError
        ``file`` = the records file, ``row`` = 1-based data row, ``column`` = the data column, when a
        column the spec needs is absent or a value lies outside the declared coding. The reason
        names the instrument and its specification file; the offending value is never quoted.

    Examples
    --------
    >>> from signalering.instruments import load_specs
    >>> records = pd.DataFrame({"record_id": ["a", "b"], "risk_category": ["low", "high"]})
    >>> score_records(load_specs(["risk-category@1"]), records).scores["risk-category@1"].tolist()
    [0.0, 2.0]
    """
    if not isinstance(records, pd.DataFrame):
        raise UsageError(
            f"The 'records' parameter of score_records must be a pandas DataFrame. "
            f"Got {type(records).__name__} instead."
        )
    if not isinstance(id_column, str) or not id_column:
        raise UsageError(
            f"The 'id_column' parameter of score_records must be a column name. Got {id_column!r} instead."
        )
    if id_column not in records.columns:
        raise InputError(file=file, column=id_column, reason="the records have no such id column (data.id_column)")
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise UsageError(f"The 'specs' parameter of score_records lists an instrument twice: {ids}.")
    ctx = _Context(records, file)
    record_id = records[id_column].to_numpy()
    scores = {id_column: record_id}
    subscores = {id_column: record_id}
    missing_parts = []
    for spec in specs:
        done = ctx.score(spec)
        scores[spec.id] = done.score.astype("float64")
        for name, values in done.scales.items():
            subscores[f"{spec.id}:{name}"] = values.astype("float64")
        rows = np.isnan(done.score)
        if rows.any():
            missing_parts.append(
                pd.DataFrame({id_column: record_id[rows], "instrument": spec.id, "reason": done.reason[rows]})
            )
    if missing_parts:
        missing = pd.concat(missing_parts, ignore_index=True)
    else:
        missing = pd.DataFrame(
            {id_column: record_id[:0], "instrument": pd.Series(dtype=object), "reason": pd.Series(dtype=object)}
        )
    return ScoreResult(
        scores=pd.DataFrame(scores, index=records.index).reset_index(drop=True),
        missing=missing,
        subscores=pd.DataFrame(subscores, index=records.index).reset_index(drop=True),
    )


def item_values(spec: InstrumentSpec, records: pd.DataFrame, file: str = "") -> dict[str, pd.DataFrame]:
    """Scored item values of a multi-item instrument, grouped by the scale they belong to.

    The values are those the sum score adds up: questionnaires after reverse scoring (a
    reverse-scored item answered 2 contributes 0 on a 0-2 coding), risk checklists as coded
    (unweighted), signal lists as 1 for an abnormal answer and 0 otherwise. Used for internal
    consistency (Cronbach's alpha, McDonald's omega), which must see items oriented the same way.

    Returns
    -------
    dict scale name -> DataFrame (one column per item column, NaN = not answered). Questionnaires
    give one entry per base scale (not the derived ones such as the total); checklists and signal
    lists one entry named ``"items"``; other kinds an empty dict.
    """
    ctx = _Context(records, file)
    if spec.kind == "questionnaire":
        coding = spec.coding
        by_id = {}
        for item in spec.items:
            table = [coding.low + coding.high - v for v in coding.values] if item.reverse else None
            by_id[item.id] = (item.column, ctx.coded(spec, item.column, coding, table))
        return {
            scale.name: pd.DataFrame({by_id[i][0]: by_id[i][1] for i in scale.items}, index=records.index)
            for scale in spec.scales
            if not scale.derived
        }
    if spec.kind in ("risk_checklist", "signal_list"):
        coding = spec.coding
        cols = {}
        for item in spec.items:
            if spec.kind == "signal_list":
                table = [1.0 if code in item.abnormal else 0.0 for code in coding.codes]
            else:
                table = list(coding.values)
            cols[item.column] = ctx.coded(spec, item.column, coding, table)
        return {"items": pd.DataFrame(cols, index=records.index)}
    return {}


def risk_from_scores(spec: InstrumentSpec, scores: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Predicted risk for each score through ``spec.risk_mapping`` (NaN stays NaN).

    A ``probability`` instrument's score (or a ``score`` declared ``probability: true``) is its own
    risk. ``UsageError`` when the spec has no mapping.
    """
    s = np.asarray(scores, dtype="float64")
    if spec.is_probability:
        return s.copy()
    mapping = spec.risk_mapping
    if mapping is None:
        raise UsageError(f"The 'spec' parameter of risk_from_scores must have a risk_mapping; '{spec.id}' has none.")
    if mapping.type == "logistic":
        return expit(mapping.intercept + mapping.slope * s)
    starts = np.array([row[0] for row in mapping.table])
    risks = np.array([row[1] for row in mapping.table])
    idx = np.searchsorted(starts, np.where(np.isnan(s), starts[0], s), side="right") - 1
    return np.where(np.isnan(s), np.nan, risks[np.maximum(idx, 0)])


def assign_bands(
    spec: InstrumentSpec, scale: str, band_set: str | BandSet, scores: Sequence[float] | np.ndarray | pd.Series
) -> pd.Categorical:
    """Band label of each score of ``scale`` under a named band set (ordered categorical; NaN stays
    missing). For a ``higher`` scale a score is in the last band whose lower bound it reaches; for a
    ``lower`` scale (e.g. SDQ prosocial) in the last band whose upper bound it does not exceed.
    """
    bands = spec.band_set(band_set) if isinstance(band_set, str) else band_set
    if scale not in bands.scales:
        raise UsageError(
            f"The 'scale' parameter of assign_bands must be one of {list(bands.scales)}. Got {scale!r} instead."
        )
    s = np.asarray(scores, dtype="float64")
    bounds = np.asarray(bands.bounds_for(scale))
    labels = bands.labels_for(scale)
    with np.errstate(invalid="ignore"):
        if spec.scale(scale).direction == "higher":
            idx = (s[:, None] >= bounds[None, :]).sum(axis=1)
        else:
            idx = (s[:, None] <= bounds[None, :]).sum(axis=1)
    codes = np.where(np.isnan(s), -1, idx)
    return pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)


# --------------------------------------------------------------------------------------------------
# Banded cut-offs
# --------------------------------------------------------------------------------------------------
#: Why a record gets no banded cut-off (the texts of ``BandAssignment.reason``).
BAND_EMPTY = "band column empty"
BAND_UNKNOWN = "band value matches no declared band"
BAND_NOT_WHOLE = "band value is not a whole number"


@dataclass(frozen=True, slots=True)
class BandAssignment:
    """Each record's band and cut-off under one banded cut-off.

    Attributes
    ----------
    cutoff : float array, the cut-off of the record's band (NaN = no valid band)
    band : object array, the band's label (None = no valid band)
    reason : object array, why a record has no band (one of ``BAND_EMPTY``, ``BAND_UNKNOWN``,
        ``BAND_NOT_WHOLE``), None where it has one
    """

    cutoff: np.ndarray
    band: np.ndarray
    reason: np.ndarray


def assign_band_cutoffs(
    spec: InstrumentSpec, banded: str | BandedCutoff, values: Sequence | np.ndarray | pd.Series
) -> BandAssignment:
    """The cut-off each record is screened at under a banded cut-off of ``spec``.

    ``values`` is the band column (``banded.column``) of the records. Code bands match as the
    specification's codes do (numbers numerically, ``"1"`` and ``1.0`` alike; text exactly after
    trimming spaces); range bands take whole numbers ``from <= value <= to``. A record whose value
    is empty, matches no band, or (range bands) is not a whole number gets no cut-off and a reason;
    it is left out of the accuracy at this cut-off, never counted as screen-negative. The value
    itself is never repeated in a reason.

    Examples
    --------
    >>> from signalering.instruments import spec_from_mapping
    >>> spec = spec_from_mapping({"name": "x", "version": 1, "kind": "score", "column": "s",
    ...     "banded_cutoffs": [{"name": "age", "column": "age", "prespecified": True,
    ...       "bands": [{"from": 2, "to": 3, "value": 8}, {"from": 4, "to": 17, "value": 14}]}]})
    >>> assign_band_cutoffs(spec, "age", [3, 4, None, 1]).cutoff.tolist()
    [8.0, 14.0, nan, nan]
    """
    b = spec.banded_cutoff(banded) if isinstance(banded, str) else banded
    # Each distinct cell value is matched once (a band column takes few values), then spread back.
    cells, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)), use_na_sentinel=True)
    text = _text(pd.Series(uniques, dtype=object))
    present = text.notna().to_numpy()
    n = len(text)
    index = np.full(n, -1, dtype=np.int64)
    not_whole = np.zeros(n, dtype=bool)
    if b.by_range:
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        whole = ~np.isnan(num) & (np.mod(num, 1.0) == 0)
        not_whole = present & ~whole
        for k, band in enumerate(b.bands):
            index[whole & (num >= band.low) & (num <= band.high)] = k
    elif all(isinstance(band.code, str) for band in b.bands):
        labels = pd.Index([band.code for band in b.bands], dtype="object")
        found = labels.get_indexer(text.astype("object").where(present, None))
        index = np.where(present, found, -1)
    else:
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for k, band in enumerate(b.bands):
            index[num == float(band.code)] = k
    ok = index >= 0
    reason_u = np.full(n, None, dtype=object)
    reason_u[~present] = BAND_EMPTY
    reason_u[present & ~ok] = BAND_UNKNOWN
    reason_u[not_whole] = BAND_NOT_WHOLE
    # an empty cell (factorize code -1) picks the trailing "no band, empty" entry
    index = np.append(index, -1)[cells]
    reason = np.append(reason_u, BAND_EMPTY)[cells]
    cut = np.array([band.value for band in b.bands] + [np.nan], dtype="float64")
    lab = np.array([band.label for band in b.bands] + [None], dtype=object)
    return BandAssignment(cutoff=cut[index], band=lab[index], reason=reason)


def screen_positive(scores, cutoffs, direction: str = "higher") -> np.ndarray:
    """1.0 where a record screens positive at its own cut-off, 0.0 where negative, NaN where the
    score or the cut-off is missing: ``score >= cutoff`` (direction ``higher``) or ``score <= cutoff``
    (``lower``). ``cutoffs`` may be one number or one per record (a banded cut-off).

    >>> screen_positive([3, 5, np.nan, 9], [4, 4, 4, np.nan]).tolist()
    [0.0, 1.0, nan, nan]
    """
    if direction not in ("higher", "lower"):
        raise UsageError(
            f"The 'direction' parameter of screen_positive must be 'higher' or 'lower'. Got {direction!r}."
        )
    s = np.asarray(scores, dtype="float64")
    c = np.broadcast_to(np.asarray(cutoffs, dtype="float64"), s.shape)
    with np.errstate(invalid="ignore"):
        positive = s >= c if direction == "higher" else s <= c
    return np.where(np.isnan(s) | np.isnan(c), np.nan, positive.astype("float64"))


def banded_column(instrument_id: str, name: str) -> str:
    """The scores-file column holding each record's cut-off under a banded cut-off:
    ``"<instrument id>#<cut-off name>"`` (``#`` appears in neither)."""
    return f"{instrument_id}#{name}"


def banded_cutoff_columns(
    specs: Sequence[InstrumentSpec], records: pd.DataFrame, scores: pd.DataFrame, file: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each record's cut-off under every banded cut-off of ``specs``, and why scored records have none.

    Parameters
    ----------
    specs : the specifications scored
    records : the records (they hold every ``banded.column``)
    scores : ``ScoreResult.scores`` of the same records, in the same order
    file : the records file, for error messages

    Returns
    -------
    (cutoffs, excluded)
        ``cutoffs``: one float column :func:`banded_column` per banded cut-off (NaN = no band), in the
        records' order. ``excluded``: ``instrument, cutoff, reason``, one row per record that has a
        score but no band (records without a score are already counted under their own reason).

    Raises
    ------
    InputError
        A band column is absent from the records (named with the instrument).
    """
    ctx = _Context(records, file)
    columns: dict[str, np.ndarray] = {}
    parts = []
    for spec in specs:
        scored = scores[spec.id].notna().to_numpy()
        for b in spec.banded_cutoffs:
            values = ctx.column(spec, b.column)
            got = assign_band_cutoffs(spec, b, values)
            columns[banded_column(spec.id, b.name)] = got.cutoff
            lost = scored & np.isnan(got.cutoff)
            if lost.any():
                parts.append(pd.DataFrame({"instrument": spec.id, "cutoff": b.name, "reason": got.reason[lost]}))
    excluded = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({k: pd.Series(dtype=object) for k in ("instrument", "cutoff", "reason")})
    )
    return pd.DataFrame(columns, index=range(len(records))), excluded


def instrument_risks(spec, score, reference, *, folds: int = 10, seed: int = 0) -> tuple[np.ndarray, str]:
    """Predicted risks of an instrument's scores, and a label saying how they were obtained.

    A ``probability`` instrument's score (or a ``score`` declared ``probability: true``) is its risk. A score-type instrument uses the
    ``risk_mapping`` its specification declares (:func:`risk_from_scores`); without one, the
    risks are estimated by :func:`signalering.stats.calibration.logistic_risk_mapping` (k-fold cross-validated, on the verified
    records only; unverified records get NaN) and the label says so (TRIPOD 10e: an estimated
    recalibration is not the instrument's own prediction). With no verified scored record the risks
    are all NaN.

    Parameters
    ----------
    spec : signalering.instruments.InstrumentSpec
    score, reference : array-like of float (reference 1/0/NaN)
    folds, seed : int        Cross-validation of the estimated mapping.
    """
    from signalering.stats.calibration import OWN_PROBABILITY, logistic_risk_mapping

    score = np.asarray(score, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if spec.is_probability:
        return score, OWN_PROBABILITY
    if spec.risk_mapping is not None:
        return risk_from_scores(spec, score), f"risk mapping declared in the specification ({spec.risk_mapping.type})"
    verified = ~np.isnan(score) & ~np.isnan(reference)
    risk = np.full(score.shape, np.nan)
    if not verified.any():
        return risk, "no risks: no record has both a score and a reference standard"
    mapping = logistic_risk_mapping(score[verified], reference[verified], folds=folds, seed=seed)
    risk[verified] = mapping.probability
    return risk, mapping.label if mapping.reason is None else f"{mapping.label}; {mapping.reason}"
