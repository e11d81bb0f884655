"""The count table as a file an organisation can share, and reading such files back.

The file (CSV, UTF-8) has the columns ``instrument, score, reference, <subgroups>, n``: one row per
combination that occurs; ``score`` empty = records without a score; ``reference`` is ``1``, ``0`` or
``unverified``. It holds no record, only counts, and every accuracy statistic of the instrument can be
computed from it exactly (``federated``).

Small cells (docs/disclosure.md). A count of 1-9 children in a cell
"score x reference x subgroup" can single out a family. Suppressing or rounding such cells would make
the table inexact, and pooled sensitivity, specificity and AUC computed from it would be biased in a
way nobody could correct afterwards. So the export never alters counts; it either

- refuses (the default) when any cell holds more than 0 and fewer than ``min_cell`` records, naming
  the instruments and how many cells are small; the organisation can then export fewer subgroup
  columns or a coarser score (e.g. top-coded, computed before the export), or
- writes the exact table when the organisations have agreed, in a data agreement, to share exact
  counts with each other (``exact_counts_under_agreement=True``). Such a file is confidential between
  the parties of the agreement and is never published; disclosure control applies to what is
  published from it (the report stage).

Differencing. Two exports of the same records, one with a subgroup column and one without (or with
another column), differ by the records of each category: a category of 3 records would be a cell of
3 after subtraction. So every category of a requested subgroup column (its margin, per instrument)
must hold at least ``min_cell`` records, also under agreement; and ``min_cell`` itself may not be set
below ``MIN_EXPORT_CELL`` (5) unless exact counts are shared under agreement (docs/disclosure.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError
from .counts import REFERENCE_CODES

TABLE_COLUMNS = ("instrument", "score", "reference")
MIN_EXPORT_CELL = 5


def check_min_cell_option(min_cell, exact_counts_under_agreement: bool) -> int:
    """``--min-cell``: a whole number >= 1, and >= ``MIN_EXPORT_CELL`` unless exact counts are shared
    under agreement (``UsageError`` otherwise)."""
    if not isinstance(min_cell, (int, np.integer)) or isinstance(min_cell, bool) or min_cell < 1:
        raise UsageError(f"--min-cell must be at least 1. Got {min_cell!r} instead.")
    if min_cell < MIN_EXPORT_CELL and not exact_counts_under_agreement:
        raise UsageError(
            f"--min-cell below {MIN_EXPORT_CELL} exports cells that single out families; it is "
            f"allowed only with --exact-counts-under-agreement. Got {min_cell} instead."
        )
    return int(min_cell)


def small_margins(counts: pd.DataFrame, min_cell: int) -> list[str]:
    """Subgroup columns of a count table with a category (per instrument) of fewer than ``min_cell``
    records (the categories present; a category with no records does not occur)."""
    columns = [c for c in counts.columns if c not in (*TABLE_COLUMNS, "n")]
    out = []
    for col in columns:
        margin = counts.groupby(["instrument", counts[col].astype("string").fillna("")], sort=False)["n"].sum()
        if ((margin > 0) & (margin < min_cell)).any():
            out.append(col)
    return out


def small_cells(counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Rows of a count table with ``0 < n < min_cell``."""
    return counts[(counts["n"] > 0) & (counts["n"] < min_cell)]


def check_disclosure(counts: pd.DataFrame, min_cell: int, exact_counts_under_agreement: bool, file: str) -> None:
    """Refuse (``InputError``) a table with small cells unless exact counts are shared under agreement."""
    if not isinstance(min_cell, (int, np.integer)) or isinstance(min_cell, bool) or min_cell < 1:
        raise UsageError(
            f"The 'min_cell' parameter of check_disclosure must be a positive integer. Got {min_cell!r} instead."
        )
    margins = small_margins(counts, min_cell)
    if margins:
        raise InputError(
            file,
            f"refused: a category of the subgroup column(s) {', '.join(margins)} holds fewer "
            f"than {min_cell} records; nothing was written. Exports with and without such a "
            "column differ by exactly those records (also under a data agreement): merge the "
            "category into another in the records file, or leave the column out",
        )
    small = small_cells(counts, min_cell)
    if small.empty or exact_counts_under_agreement:
        return
    per = small.groupby("instrument", sort=False).size()
    detail = "; ".join(f"{inst}: {k} of {int((counts['instrument'] == inst).sum())} cells" for inst, k in per.items())
    raise InputError(
        file,
        f"refused: cells of the count table hold fewer than {min_cell} records ({detail}); "
        "nothing was written. Export fewer subgroup columns or a coarser score, or, when the "
        "organisations share exact counts under a data agreement, give "
        "--exact-counts-under-agreement",
    )


def _score_text(score: float) -> str:
    if np.isnan(score):
        return ""
    return str(int(score)) if float(score).is_integer() and abs(score) < 2**53 else repr(float(score))


def write_table(counts: pd.DataFrame, out: str | Path) -> None:
    """Write a count table as CSV (full precision, rows as given, missing as empty)."""
    frame = counts.copy()
    frame["score"] = [_score_text(s) for s in frame["score"].to_numpy(dtype=float)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, lineterminator="\n", na_rep="")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a count table file (as written by ``write_table``), refusing anything else.

    The identifier guard runs over it like over any input. Returns the table with ``score`` as float
    (NaN = no score), ``reference`` as text, subgroups as text, ``n`` as int64.
    """
    from ..io import numeric_column, read_guarded

    file = str(path)
    frame = read_guarded(file)
    for col in (*TABLE_COLUMNS, "n"):
        if col not in frame.columns:
            raise InputError(file, "not a count table: a required column is missing", column=col)
    if frame.columns[-1] != "n" or list(frame.columns[:3]) != list(TABLE_COLUMNS):
        raise InputError(file, "not a count table: columns must be instrument, score, reference, subgroups..., n")
    if frame["instrument"].isna().any():
        raise InputError(file, "the instrument is missing", row=_first(frame["instrument"].isna()), column="instrument")
    score = numeric_column(frame, "score", file)  # empty = no score; inf, nan as text: not a finite number
    reference = frame["reference"]
    if pd.api.types.is_numeric_dtype(reference.dtype):  # a typed (Parquet) table: 1/0 as the codes 1/0
        reference = reference.map(lambda v: str(int(v)) if float(v).is_integer() else str(v)).astype(object)
    bad = ~reference.isin(REFERENCE_CODES).fillna(False)
    if bad.any():
        raise InputError(file, f"reference must be one of {list(REFERENCE_CODES)}", row=_first(bad), column="reference")
    n = pd.to_numeric(frame["n"], errors="coerce")
    # finite and exact in a float (2^53), so the int64 count is the number in the file
    bad = n.isna() | ~np.isfinite(n) | (n < 0) | (n > 2**53) | (n != np.floor(n))
    if bad.any():
        raise InputError(file, "n must be a whole number >= 0", row=_first(bad), column="n")
    out = frame.copy()
    out["score"] = score
    out["reference"] = reference.astype(str)
    out["n"] = n.astype(np.int64)
    return out


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy(bool))[0]) + 1
