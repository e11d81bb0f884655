"""Row-level validation of a records file with pandera.

The schema comes from the ``data`` section of ``params.yaml``: the id column, the reference column
and its labels, and per column (or glob pattern of columns) the allowed codes or range. Each value
that fails a check marks its row as excluded; every excluded row gets one *primary* reason (the first
failing check, in column order) for the flow counts and the full list of reasons for the quarantine
file. Values are never copied into the reasons.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError
from .flow import Flow
from .followup import reference_at_window


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """Allowed values of one column: ``codes`` (a list) or a numeric range ``min``/``max``."""

    pattern: str
    codes: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    required: bool = True

    @classmethod
    def from_params(cls, pattern: str, spec: dict) -> "ColumnRule":
        unknown = set(spec) - {"codes", "min", "max", "integer", "required"}
        if unknown:
            raise UsageError(f"params data.columns['{pattern}'] has unknown keys {sorted(unknown)}.")
        codes = spec.get("codes")
        return cls(
            pattern,
            tuple(canonical_code(c) for c in codes) if codes is not None else None,
            spec.get("min"),
            spec.get("max"),
            bool(spec.get("integer", False)),
            bool(spec.get("required", True)),
        )

    @property
    def numeric(self) -> bool:
        return self.codes is None


@dataclass(frozen=True, slots=True)
class RecordSchema:
    id_column: str = "record_id"
    reference: str = "reference"
    positive_label: str = "1"
    negative_label: str = "0"
    rules: tuple[ColumnRule, ...] = field(default_factory=tuple)
    drop: tuple[str, ...] = ()  # columns dropped at the door: never checked further, never written
    subgroups: tuple[str, ...] = ()  # subgroup columns: their labels are published, so they must be coded
    decimal: str = "auto"  # decimal mark of text files: ".", "," or "auto" (see io.read_records)
    followup_column: str | None = None  # days from screening to the reference event / end of follow-up
    window_days: int | None = None  # the follow-up window (ingest.followup); None = the reference as recorded

    @classmethod
    def from_params(cls, data: dict) -> "RecordSchema":
        from ..io import check_decimal

        rules = tuple(ColumnRule.from_params(p, s or {}) for p, s in (data.get("columns") or {}).items())
        drop = data.get("drop") or []
        if isinstance(drop, str) or not all(isinstance(c, str) for c in drop):
            raise UsageError(f"params data.drop must be a list of column names. Got {drop!r} instead.")
        decimal = str(data.get("decimal", "auto"))
        check_decimal(decimal, "params.yaml data.decimal")
        followup = data.get("followup") or {}
        fu_column, window = followup.get("column"), followup.get("window_days")
        if fu_column is not None:
            # the interval is a whole number of days >= 0 (with a declared rule's maximum); this rule
            # comes first, so it is the one applied
            own = next((r for r in rules if fnmatch.fnmatchcase(fu_column, r.pattern)), None)
            if own is not None and own.codes is not None:
                raise UsageError(
                    f"params data.columns declares codes for the follow-up column '{fu_column}'; it holds "
                    "days (a whole number >= 0): declare a range (min/max) or nothing."
                )
            low = max(0.0, own.min) if own is not None and own.min is not None else 0.0
            rules = (ColumnRule(fu_column, min=low, max=own.max if own else None, integer=True), *rules)
        schema = cls(
            data.get("id_column", "record_id"),
            data["reference"],
            canonical_code(data.get("positive_label", 1)),
            canonical_code(data.get("negative_label", 0)),
            rules,
            tuple(drop),
            tuple(data.get("subgroups") or ()),
            decimal,
            fu_column,
            None if window is None else int(window),
        )
        if fu_column is not None and (
            fu_column in (schema.id_column, schema.reference)
            or fu_column in schema.drop
            or fu_column in schema.subgroups
        ):
            raise UsageError(
                f"params data.followup.column names '{fu_column}', which is the id, reference, a dropped or a "
                "subgroup column; name the column holding the follow-up interval in days."
            )
        for column in schema.drop:
            if column in (schema.id_column, schema.reference) or column in schema.subgroups:
                raise UsageError(
                    f"params data.drop names '{column}', which the analysis needs (id, reference or subgroup column)."
                )
        for column in schema.subgroups:
            rule = schema.rule_for(column)
            if rule is None or rule.codes is None:
                raise UsageError(
                    f"params data.subgroups names '{column}' without codes: subgroup labels are published in "
                    f"the reports, so only codes you list may appear. Add data.columns: {{{column}: "
                    "{codes: [...]}} (every other value is then excluded at ingest and listed in the quarantine)."
                )
        return schema

    def rule_for(self, column: str) -> ColumnRule | None:
        """The first rule whose pattern matches ``column`` (rules apply in the order of params)."""
        return next((r for r in self.rules if fnmatch.fnmatchcase(column, r.pattern)), None)

    @property
    def coded(self) -> tuple[str, ...]:
        """Patterns of the columns whose values are checked against declared codes."""
        return tuple(r.pattern for r in self.rules if r.codes is not None)


_NON_FINITE = r"(?i)[+-]?(?:inf|infinity|nan)"  # non-finite numbers written as text


def canonical_code(value) -> str:
    """Codes compare as text; ``1``, ``1.0`` and ``"1"`` are the same code."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def canonical_codes(values: pd.Series) -> pd.Series:
    """Text values with numeric spellings normalised (``"2.0"`` -> ``"2"``), NA kept."""
    num = pd.to_numeric(values, errors="coerce")
    integral = num.notna() & (num == np.floor(num))
    out = values.astype("string").copy()
    out[integral] = num[integral].astype("int64").astype("string")
    return out


def _factorized(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct non-missing values): missing = code -1."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=values.dtype if isinstance(values.dtype, pd.StringDtype) else None)
    return np.asarray(codes), distinct.reset_index(drop=True)


def _rows(codes: np.ndarray, per_value: np.ndarray) -> np.ndarray:
    """Rows whose value (code) is marked in ``per_value``; missing values are never marked."""
    if not len(per_value) or not per_value.any():
        return np.zeros(len(codes), dtype=bool)
    return (codes >= 0) & per_value[np.maximum(codes, 0)]


def reference_values(values: pd.Series, positive, negative) -> tuple[np.ndarray, np.ndarray]:
    """The reference standard as 1.0 (positive label), 0.0 (negative label), NaN (empty: not verified).

    Labels compare as codes (``1``, ``1.0`` and ``"1"`` are the same). Returns ``(reference, invalid)``
    where ``invalid`` marks non-empty values that are neither label (those get NaN too).
    """
    ref = canonical_codes(values)
    pos, neg = canonical_code(positive), canonical_code(negative)
    is_pos = (ref == pos).fillna(False).to_numpy(bool)
    is_neg = (ref == neg).fillna(False).to_numpy(bool)
    invalid = ref.notna().to_numpy(bool) & ~is_pos & ~is_neg
    return np.where(is_pos, 1.0, np.where(is_neg, 0.0, np.nan)), invalid


@dataclass(frozen=True, slots=True)
class Validated:
    records: pd.DataFrame  # analysed rows, typed: reference as float 1/0/NaN, numeric columns as float
    quarantine: pd.DataFrame  # row, record_id, column, reason (one line per failing value)
    flow: Flow


def validate_records(frame: pd.DataFrame, schema: RecordSchema, file: str, repeated: Collection[str] = ()) -> Validated:
    """Type and check the records; unusable-as-a-whole problems raise ``InputError``.

    Row problems (missing or duplicate id, reference not positive/negative/empty, a value outside
    its codes or range, a non-number or a non-finite number (``inf``, ``nan`` written as text) in a
    numeric column) exclude the row and are listed in the
    quarantine table with ``row`` (1-based data row) and reason.

    ``repeated``: ids known to occur more than once in the whole file (when ``frame`` is one batch of
    a streamed file): their rows are duplicates too, as if the whole file were validated at once.
    """
    import pandera.pandas as pa  # here, not at the top: the CLI's readers need the rest of this module only

    from ..io import DECIMAL_DOT_REASON, decimal_dot_rows

    for required in (schema.id_column, schema.reference):
        if required not in frame.columns:
            raise InputError(file, "a required column is missing", column=required)
    if schema.followup_column is not None and schema.followup_column not in frame.columns:
        raise InputError(
            file, "the follow-up column named in params data.followup.column is missing", column=schema.followup_column
        )
    frame = frame.drop(columns=[c for c in schema.drop if c in frame.columns])
    columns: dict[str, ColumnRule] = {}
    for rule in schema.rules:
        matched = [c for c in frame.columns if fnmatch.fnmatchcase(c, rule.pattern)]
        if not matched and rule.required:
            raise InputError(
                file, "a required column is missing (declared in params data.columns)", column=rule.pattern
            )
        for c in matched:
            columns.setdefault(c, rule)

    typed = pd.DataFrame(index=frame.index)
    typed[schema.id_column] = frame[schema.id_column].astype("string")
    pos, neg = schema.positive_label, schema.negative_label
    typed[schema.reference], bad_reference = reference_values(frame[schema.reference], pos, neg)
    failures: list[pd.DataFrame] = []

    def fail(mask, column: str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            failures.append(pd.DataFrame({"index": frame.index[mask], "column": column, "reason": reason}))

    fail(frame[schema.id_column].isna().to_numpy(bool), schema.id_column, "missing record_id")
    ids = frame[schema.id_column]
    repeated_here = ids.duplicated(keep=False) | (ids.isin(list(repeated)) if len(repeated) else False)
    fail((repeated_here & ids.notna()).to_numpy(bool), schema.id_column, "duplicate record_id (every copy excluded)")
    fail(bad_reference, schema.reference, f"reference standard is not {pos}, {neg} or empty")

    # Every check runs once per distinct value of a column (codes and items have a handful), and its
    # verdict reaches every row holding that value.
    for column in frame.columns:
        if column in (schema.id_column, schema.reference):
            continue
        rule = columns.get(column)
        if rule is None:
            typed[column] = frame[column]
            continue
        codes, distinct = _factorized(frame[column])
        if rule.numeric:
            num_u = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            written_non_finite = distinct.astype("string").str.fullmatch(_NON_FINITE).fillna(False).to_numpy(bool)
            not_number_u = np.isnan(num_u) & ~written_non_finite
            fail(_rows(codes, not_number_u), column, "not a number")
            fail(decimal_dot_rows(frame, column), column, DECIMAL_DOT_REASON)
            fail(_rows(codes, ~np.isfinite(num_u) & ~not_number_u), column, "not a finite number")
            finite_u = np.where(np.isfinite(num_u), num_u, np.nan)
            typed[column] = np.where(codes >= 0, finite_u[np.maximum(codes, 0)] if len(finite_u) else np.nan, np.nan)
            col_checks = []
            if rule.min is not None:
                col_checks.append(pa.Check.ge(rule.min, error=f"below the allowed minimum {rule.min}"))
            if rule.max is not None:
                col_checks.append(pa.Check.le(rule.max, error=f"above the allowed maximum {rule.max}"))
            if rule.integer:
                col_checks.append(pa.Check(lambda s: s == np.floor(s), element_wise=False, error="not a whole number"))
            check = pa.Column(float, col_checks, nullable=True)
            checked = pd.Series(finite_u, dtype=float)
        else:
            canon_u = canonical_codes(distinct)
            typed[column] = pd.Series(canon_u.array.take(codes, allow_fill=True), index=frame.index)
            check = pa.Column(
                "string",
                pa.Check.isin(list(rule.codes), error=f"not one of the allowed codes {list(rule.codes)}"),
                nullable=True,
            )
            checked = canon_u
        try:
            pa.DataFrameSchema({column: check}, strict=False).validate(checked.to_frame(column), lazy=True)
        except pa.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            fc = fc[fc["index"].notna()]
            for reason, idx in fc.groupby(fc["check"].astype(str), sort=False)["index"]:
                mask_u = np.zeros(len(distinct), dtype=bool)
                mask_u[idx.astype("int64").to_numpy()] = True
                fail(_rows(codes, mask_u), column, reason)
    if schema.followup_column is not None and schema.window_days is not None:
        verified = ~np.isnan(typed[schema.reference].to_numpy(dtype=float))
        fail(
            verified & frame[schema.followup_column].isna().to_numpy(bool),
            schema.followup_column,
            "follow-up interval missing for a verified record (needed for the follow-up window)",
        )
    if failures:
        allf = pd.concat(failures, ignore_index=True)
        order = {c: i for i, c in enumerate(frame.columns)}
        allf["col_order"] = allf["column"].map(order)
        allf = allf.sort_values(["index", "col_order", "reason"], kind="stable").drop(columns="col_order")
    else:
        allf = pd.DataFrame(
            {"index": pd.Series(dtype="int64"), "column": pd.Series(dtype=str), "reason": pd.Series(dtype=str)}
        )
    primary = allf.drop_duplicates("index", keep="first")
    excluded_mask = frame.index.isin(primary["index"])
    reasons = (primary["column"] + ": " + primary["reason"]).value_counts().to_dict()
    quarantine = pd.DataFrame(
        {
            "row": allf["index"].to_numpy() + 1,
            "record_id": frame[schema.id_column].to_numpy()[allf["index"].to_numpy()],
            "column": allf["column"].to_numpy(),
            "reason": allf["reason"].to_numpy(),
        }
    )
    analysed = typed[~excluded_mask].reset_index(drop=True)
    window = reference_at_window(
        analysed[schema.reference],
        analysed[schema.followup_column] if schema.followup_column is not None else np.nan,
        schema.window_days,
    )
    analysed[schema.reference] = window.reference
    flow = Flow(
        received=len(frame),
        analysed=len(analysed),
        excluded={k: int(v) for k, v in reasons.items()},
        unverified=int(analysed[schema.reference].isna().sum()),
        window_days=schema.window_days,
        short_followup=int(window.short_followup.sum()),
        event_after_window=int(window.event_after_window.sum()),
    )
    return Validated(analysed, quarantine, flow)
