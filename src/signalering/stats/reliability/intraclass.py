"""Intraclass correlations: the six Shrout-Fleiss forms with their F tests and intervals, for wide or
long ratings, and the one-way ICC on the first two ratings of partially double-coded data.

Shrout & Fleiss (1979), Psychol Bull 86:420-428; McGraw & Wong (1996), Psychol Methods 1:30-46;
Koo & Li (2016), J Chiropr Med 15:155-163.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import UsageError
from .ratings import wide_ratings

ICC_TYPES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


# pingouin >= 0.7 labels the forms after McGraw & Wong; older versions used ICC1 ... ICC3k.
_PINGOUIN_LABELS = {
    "ICC(1,1)": "ICC1",
    "ICC(A,1)": "ICC2",
    "ICC(C,1)": "ICC3",
    "ICC(1,k)": "ICC1k",
    "ICC(A,k)": "ICC2k",
    "ICC(C,k)": "ICC3k",
    **{name: name for name in ICC_TYPES},
}


@dataclass(frozen=True, slots=True)
class IccForm:
    """One Shrout-Fleiss ICC form. ``estimate is None`` means undefined, ``reason`` says why.

    ``f`` is the F statistic of the test ICC = 0 with ``df1`` and ``df2`` degrees of freedom.
    Interval fields (and ``f``/``p_value``) may be ``None`` on their own, with a reason, when the
    estimate is defined but the interval is not (e.g. perfect agreement: F is infinite).
    """

    type: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    f: float | None
    df1: float | None
    df2: float | None
    p_value: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's ``{"type","estimate","ci_low","ci_high","f","p_value"}`` (+ ``reason``)."""
        d = {
            "type": self.type,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "f": self.f,
            "p_value": self.p_value,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True, slots=True)
class IccTable:
    """The six ICC forms computed on one set of ratings.

    ``n_used`` targets (records) were rated by all ``n_raters`` raters and entered the analysis, out
    of ``n_total`` records given; ``note`` says so in words when records were left out.
    """

    forms: tuple[IccForm, ...]
    n_used: int
    n_total: int
    n_raters: int
    note: str | None = None
    reason: str | None = None

    def __getitem__(self, icc_type: str) -> IccForm:
        for form in self.forms:
            if form.type == icc_type:
                return form
        raise KeyError(icc_type)

    def to_list(self) -> list[dict]:
        """``reliability.json``'s ``icc`` list."""
        return [form.to_dict() for form in self.forms]


@contextmanager
def _pingouin_unrounded() -> Iterator[None]:
    """Switch off every rounding option of pingouin (``round``, ``round.column.CI95`` ...) and restore them."""
    import pingouin

    saved = dict(pingouin.options)
    try:
        for key in list(pingouin.options):
            if key == "round" or key.startswith("round."):
                pingouin.options[key] = None
        yield
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _undefined_icc(reason: str, n_used: int, n_total: int, n_raters: int, note: str | None = None) -> IccTable:
    forms = tuple(IccForm(t, None, None, None, None, None, None, None, reason) for t in ICC_TYPES)
    return IccTable(forms, n_used, n_total, n_raters, note, reason)


def icc(ratings: pd.DataFrame | np.ndarray, columns: Sequence[str] | None = None, *, min_targets: int = 5) -> IccTable:
    """The six intraclass correlations of Shrout & Fleiss, with 95% intervals, F tests and p-values.

    Parameters
    ----------
    ratings : DataFrame or 2-D array, wide
        One row per target (screened child, record), one column per rater; NaN = not rated.
    columns : sequence of str, optional
        The rater columns to use (default: all columns).
    min_targets : int
        Fewer fully rated targets than this makes every form undefined. Default 5.

    Returns
    -------
    IccTable with the forms ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k`` (psych's names; pingouin 0.7
    calls them ``ICC(1,1), ICC(A,1), ICC(C,1), ICC(1,k), ICC(A,k), ICC(C,k)``), ``n_used``,
    ``n_total``, ``n_raters`` and a ``note`` when records without a full set of ratings were left out.

    Notes
    -----
    Computed with ``pingouin.intraclass_corr`` on the long form of the ratings, with pingouin's
    rounding switched off for the call (it rounds ``CI95`` to two decimals by default).
    With BMS, JMS, EMS, WMS the between-targets, between-raters, residual and within-targets mean
    squares of the two-way ANOVA (n targets, k raters):
    ICC1 = (BMS - WMS) / (BMS + (k-1) WMS); ICC2 = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n);
    ICC3 = (BMS - EMS) / (BMS + (k-1) EMS); ICC1k = (BMS - WMS) / BMS;
    ICC2k = (BMS - EMS) / (BMS + (JMS - EMS) / n); ICC3k = (BMS - EMS) / BMS.
    Intervals: F-based for the one-way and consistency forms; the Satterthwaite approximation of
    McGraw & Wong (1996) for the absolute-agreement forms (as psych::ICC and pingouin).
    Shrout & Fleiss (1979), Psychol Bull 86:420-428; McGraw & Wong (1996), Psychol Methods 1:30-46.

    Only targets rated by *every* rater enter (listwise deletion, as pingouin and psych::ICC do):
    with partially double-coded data, the ICC describes the double-coded subset.
    Undefined (``None`` + reason): fewer than two raters, fewer than ``min_targets`` fully rated
    targets, or constant ratings (0/0). With perfect agreement (no residual or within-target
    variance) the estimate is 1 but F is infinite: F, p-value and interval are ``None`` with a reason.

    Examples
    --------
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> round(icc(sf)["ICC3"].estimate, 4)
    0.7148
    """
    where = "icc"
    if not (isinstance(min_targets, (int, np.integer)) and min_targets >= 2):
        raise UsageError(
            f"The 'min_targets' parameter of {where} must be an integer >= 2. Got {min_targets!r} instead."
        )
    wide = wide_ratings(ratings, columns, where)
    n_total, k = wide.shape
    if k < 2:
        return _undefined_icc(f"an ICC needs at least two raters; {k} given", 0, n_total, k)
    complete = wide.dropna(axis=0, how="any")
    n = len(complete)
    note = None
    if n < n_total:
        note = (
            f"computed on the {n} of {n_total} records rated by all {k} raters (records with a missing rating left out)"
        )
    if n < min_targets:
        return _undefined_icc(
            f"too few records rated by all {k} raters: {n} (at least {min_targets} needed)", n, n_total, k, note
        )
    values = complete.to_numpy()
    if np.ptp(values) == 0:
        return _undefined_icc("constant ratings: every rating is the same, so the ICC is 0/0", n, n_total, k, note)

    long = pd.DataFrame(
        {
            "target": np.repeat(np.arange(n), k),
            "rater": np.tile(np.arange(k), n),
            "rating": values.ravel(),
        }
    )
    import pingouin

    # Degenerate but defined cases (zero residual or within-target variance) divide by zero inside
    # pingouin; the infinities are turned into None with a reason below.
    with _pingouin_unrounded(), np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1: harmless here
        # (pandas' Pandas4Warning is a DeprecationWarning).
        warnings.filterwarnings(
            "ignore", message=r"The inplace keyword in DataFrame\.dropna is deprecated", category=DeprecationWarning
        )
        table = pingouin.intraclass_corr(data=long, targets="target", raters="rater", ratings="rating")
    # Zero error variance (exact, or float noise ~1e-16 of the total) makes F infinite or 0/0:
    # those forms are filled in from the mean squares with the error term set to 0, F/interval None.
    bms, jms, no_within, no_resid = _degenerate_mean_squares(values)
    rows = {}
    for _, row in table.iterrows():
        name = _PINGOUIN_LABELS[str(row["Type"])]
        one_way = name in ("ICC1", "ICC1k")
        if (one_way and no_within) or (not one_way and no_resid):
            rows[name] = _zero_error_form(name, bms, jms, n, k, float(row["df1"]), float(row["df2"]), one_way)
            continue
        est = _finite(row["ICC"])
        lo, hi = (_finite(v) for v in row["CI95"])
        f, p = _finite(row["F"]), _finite(row["pval"])
        reason = None
        if est is None:
            reason = "undefined: a zero denominator in the mean squares (e.g. no variance between targets)"
        elif None in (lo, hi, f, p):
            reason = "F or its interval is not finite"
            lo = hi = f = p = None
        rows[name] = IccForm(name, est, lo, hi, f, float(row["df1"]), float(row["df2"]), p, reason)
    return IccTable(tuple(rows[t] for t in ICC_TYPES), n, n_total, k, note)


def _degenerate_mean_squares(x: np.ndarray) -> tuple[float, float, bool, bool]:
    """BMS, JMS, and whether the within-target and the two-way residual sums of squares are 0."""
    n, k = x.shape
    grand = x.mean()
    ss_total = float(((x - grand) ** 2).sum())
    ss_rows = float(k * ((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = float(n * ((x.mean(axis=0) - grand) ** 2).sum())
    tol = 1e-10 * ss_total
    ss_within = ss_total - ss_rows
    ss_resid = ss_within - ss_cols
    return ss_rows / (n - 1), ss_cols / (k - 1), ss_within <= tol, ss_resid <= tol


def _zero_error_form(
    name: str, bms: float, jms: float, n: int, k: int, df1: float, df2: float, one_way: bool
) -> IccForm:
    """An ICC form whose error mean square (WMS one-way, EMS two-way) is 0."""
    if name in ("ICC2", "ICC2k"):
        scale = k if name == "ICC2" else 1
        den = bms + scale * jms / n
        est = bms / den if den > 0 else None
    else:
        est = 1.0 if bms > 0 else None
    if est is None:
        reason = "undefined: no variance between targets and no error variance (0/0)"
    else:
        what = "within-target" if one_way else "residual"
        reason = f"no {what} variance: F is infinite or 0/0, so no test or interval"
    return IccForm(name, est, None, None, None, df1, df2, None, reason)


def icc_long(data: pd.DataFrame, targets: str, raters: str, ratings: str, *, min_targets: int = 5) -> IccTable:
    """:func:`icc` for long data: one row per (target, rater) rating.

    Parameters
    ----------
    data : DataFrame
    targets, raters, ratings : str
        Column names: the rated record (e.g. ``record_id``), the rater pseudonym, the rating.
    min_targets : int

    Returns
    -------
    IccTable, as :func:`icc` (targets without a rating from every rater are left out).
    """
    for name, col in (("targets", targets), ("raters", raters), ("ratings", ratings)):
        if col not in data.columns:
            raise UsageError(f"The '{name}' parameter of icc_long must be a column of data. Got {col!r} instead.")
    if data.duplicated([targets, raters]).any():
        raise UsageError(
            "The 'data' parameter of icc_long must hold one rating per (target, rater). Got repeated pairs instead."
        )
    wide = data.pivot(index=targets, columns=raters, values=ratings)
    return icc(wide, min_targets=min_targets)


def icc_first_two(
    ratings: pd.DataFrame | np.ndarray, columns: Sequence[str] | None = None, *, min_targets: int = 5
) -> IccTable:
    """One-way ICC on the first two available ratings of each record (partially double-coded data).

    Parameters
    ----------
    ratings : DataFrame or 2-D array, wide (one row per record, one column per rater slot)
    columns : sequence of str, optional      Rater columns, in the order "first" is read.
    min_targets : int

    Returns
    -------
    IccTable with ICC1 and ICC1k from the records that have at least two ratings (``n_used``);
    the two-way forms are undefined (``None`` + reason): the rater of a "first" and a "second"
    rating differs between records, so rater effects cannot be separated (Shrout & Fleiss 1979,
    case 1).

    Notes
    -----
    Option (b) of the domain note for partially double-coded data; :func:`icc` is option (a), the
    records rated by every rater. The note says which records entered.
    """
    wide = wide_ratings(ratings, columns, "icc_first_two")
    x = wide.to_numpy()
    n_total = x.shape[0]
    have = ~np.isnan(x)
    enough = have.sum(axis=1) >= 2
    # positions of the first two non-missing ratings in each row with at least two
    order = np.argsort(~have[enough], axis=1, kind="stable")[:, :2]
    pairs = np.take_along_axis(x[enough], order, axis=1)
    table = icc(pd.DataFrame(pairs, columns=["first", "second"]), min_targets=min_targets)
    note = (
        f"one-way ICC on the first two available ratings of the {int(enough.sum())} of {n_total} "
        f"records with at least two ratings"
    )
    why = "not estimable from first/second ratings: raters differ between records (only ICC1, ICC1k apply)"
    forms = tuple(
        f if f.type in ("ICC1", "ICC1k") else IccForm(f.type, None, None, None, None, None, None, None, why)
        for f in table.forms
    )
    return IccTable(forms, table.n_used, n_total, table.n_raters, note, table.reason)
