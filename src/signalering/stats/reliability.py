"""Reliability of rated observations: ICC, Cohen's (weighted) kappa, Bland-Altman, alpha and omega.

Every statistic comes back as a frozen dataclass whose undefined values are ``None`` with a
``reason`` beside them (never NaN), so ``to_dict()`` can go straight into ``reliability.json``
(docs/contract.md). Which ICC form to judge, and the thresholds the project uses, are discussed in
``docs/calibration-reliability.md`` and in the domain note *sensitivity-observation.md*; thresholds are
judged on interval bounds by ``report.verdict.flag_below`` (the one acceptance mechanism).

References
----------
Shrout & Fleiss (1979), Psychol Bull 86:420-428. McGraw & Wong (1996), Psychol Methods 1:30-46.
Cohen (1960), Educ Psychol Meas 20:37-46; Cohen (1968), Psychol Bull 70:213-220.
Fleiss, Cohen & Everitt (1969), Psychol Bull 72:323-327.
Fleiss (1971), Psychol Bull 76:378-382; Fleiss, Nee & Landis (1979), Psychol Bull 86:974-977;
Gwet (2008), Br J Math Stat Psychol 61:29-48.
Bland & Altman (1986), Lancet 327:307-310; Bland & Altman (1999), Stat Methods Med Res 8:135-160.
Cronbach (1951), Psychometrika 16:297-334; Feldt, Woodruff & Salih (1987), Appl Psychol Meas 11:93-103.
McDonald (1999), *Test theory: a unified treatment*; Revelle & Zinbarg (2009), Psychometrika 74:145-154.
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
from scipy import optimize, stats

from ..errors import UsageError, check_in, check_open_unit
from .intervals import Interval, z_value

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
KAPPA_WEIGHTS = ("none", "linear", "quadratic")


# --------------------------------------------------------------------------------------------- ICC
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


def _wide_ratings(ratings, columns: Sequence[str] | None, where: str) -> pd.DataFrame:
    if not isinstance(ratings, pd.DataFrame):
        ratings = pd.DataFrame(np.asarray(ratings, dtype=float))
    if columns is not None:
        missing = [c for c in columns if c not in ratings.columns]
        if missing:
            raise UsageError(
                f"The 'columns' parameter of {where} must name columns of the ratings. "
                f"Got {missing!r}, which are not there, instead."
            )
        ratings = ratings.loc[:, list(columns)]
    try:
        return ratings.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"The 'ratings' parameter of {where} must hold numeric ratings. Got a non-numeric column instead."
        ) from exc


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
    wide = _wide_ratings(ratings, columns, where)
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
    wide = _wide_ratings(ratings, columns, "icc_first_two")
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


# ------------------------------------------------------------------------------------------- kappa
@dataclass(frozen=True, slots=True)
class KappaResult:
    """Cohen's kappa (``weights="none"``) or weighted kappa, with a Wald interval.

    ``se`` is the Fleiss-Cohen-Everitt (1969) large-sample standard error (not under H0).
    ``agreement`` is the observed proportion of exact agreement; ``n`` the rated pairs used.
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    weights: str
    n: int
    agreement: float | None
    method: str = "fleiss-cohen-everitt"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus ``weights``, ``se``, ``n`` and ``agreement``."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {**interval.to_dict(), "weights": self.weights, "se": self.se, "n": self.n, "agreement": self.agreement}


def agreement_weights(n_categories: int, weights: str) -> np.ndarray:
    """Agreement weight matrix w[i, j] in [0, 1] for ordered categories 0..K-1.

    ``none``: identity; ``linear``: 1 - |i - j| / (K - 1); ``quadratic``: 1 - (i - j)^2 / (K - 1)^2
    (Cicchetti-Allison and Fleiss-Cohen weights; the agreement form of Cohen's 1968 disagreement weights).
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "agreement_weights")
    idx = np.arange(n_categories)
    if weights == "none" or n_categories < 2:
        return np.eye(n_categories)
    d = np.abs(idx[:, None] - idx[None, :]) / (n_categories - 1)
    return 1.0 - (d if weights == "linear" else d**2)


def kappa_from_table(table: np.ndarray, weights: str = "none", *, confidence: float = 0.95) -> KappaResult:
    """Cohen's (weighted) kappa from a K x K table of counts (rows rater 1, columns rater 2).

    Parameters
    ----------
    table : array (K, K) of counts; rows and columns in the same (ordered) category order
    weights : {"none", "linear", "quadratic"}
    confidence : float in (0, 1)

    Returns
    -------
    KappaResult

    Notes
    -----
    With p_ij = n_ij / n, agreement weights w_ij (see :func:`agreement_weights`), row and column
    margins p_i. and p_.j: p_o = sum w_ij p_ij, p_e = sum w_ij p_i. p_.j, kappa = (p_o - p_e) / (1 - p_e)
    (Cohen 1960, 1968). Large-sample variance (Fleiss, Cohen & Everitt 1969, Psychol Bull 72:323-327):

        var = [sum_ij p_ij (w_ij - (wbar_i. + wbar_.j)(1 - kappa))^2 - (kappa - p_e (1 - kappa))^2]
              / (n (1 - p_e)^2),

    wbar_i. = sum_j p_.j w_ij, wbar_.j = sum_i p_i. w_ij. It is the variance of an influence function,
    so it is never negative (psych's weighted-kappa variance is a different formula and can be).
    This is also SAS PROC FREQ's ASE and statsmodels' ``cohens_kappa(...).std_kappa``; a simulation
    test checks its coverage. Interval: kappa +- z se, clipped to [-1, 1].
    Undefined when both raters use one and the same category only (p_e = 1: 0/0). Perfect agreement
    (every pair on the diagonal) gives exactly kappa 1 with SE 0.
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "kappa_from_table")
    check_open_unit("confidence", confidence, "kappa_from_table")
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise UsageError(
            f"The 'table' parameter of kappa_from_table must be a square matrix. Got shape {counts.shape} instead."
        )
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise UsageError(
            "The 'table' parameter of kappa_from_table must hold non-negative counts. "
            "Got negative or non-finite values instead."
        )
    n = float(counts.sum())
    if n == 0:
        return KappaResult(None, None, None, None, weights, 0, None, reason="no rated pairs")
    p = counts / n
    agreement = float(np.trace(p))
    w = agreement_weights(counts.shape[0], weights)
    row, col = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(row, col)).sum())
    if math.isclose(pe, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return KappaResult(
            None,
            None,
            None,
            None,
            weights,
            int(n),
            agreement,
            reason="both raters used a single, identical category: chance agreement is 1, kappa is 0/0",
        )
    if not counts[~np.eye(counts.shape[0], dtype=bool)].any():
        # Perfect agreement: p_o = 1, so kappa = 1 and var = (sum_i p_ii - 1) / ... = 0 exactly (as R
        # gives), not 1 - 4e-16 with a rounding-noise SE of 1e-8.
        return KappaResult(1.0, 1.0, 1.0, 0.0, weights, int(n), agreement)
    # Kappa lies in [-1, 1]; clip the rounding of p_o - p_e (e.g. -1 - 4e-16 for total disagreement).
    kappa = min(max((po - pe) / (1.0 - pe), -1.0), 1.0)
    wbar_row = w @ col  # wbar_i. = sum_j p_.j w_ij
    wbar_col = row @ w  # wbar_.j = sum_i p_i. w_ij
    a = w - (wbar_row[:, None] + wbar_col[None, :]) * (1.0 - kappa)
    var = ((p * a**2).sum() - (kappa - pe * (1.0 - kappa)) ** 2) / (n * (1.0 - pe) ** 2)
    se = math.sqrt(max(var, 0.0))
    z = z_value(confidence)
    lo, hi = max(kappa - z * se, -1.0), min(kappa + z * se, 1.0)
    return KappaResult(float(kappa), float(lo), float(hi), float(se), weights, int(n), agreement)


def cohen_kappa(
    rater1, rater2, *, weights: str = "none", categories: Sequence | None = None, confidence: float = 0.95
) -> KappaResult:
    """Cohen's kappa or weighted kappa of two raters' categorical ratings of the same records.

    Parameters
    ----------
    rater1, rater2 : array-like, same length
        One category per record; NaN/None = not rated (the pair is left out).
    weights : {"none", "linear", "quadratic"}
        ``none`` for nominal categories (e.g. attachment classification); linear or quadratic
        agreement weights for ordered categories (quadratic-weighted kappa is close to the ICC).
    categories : sequence, optional
        The categories in their order (for weighted kappa the order matters: weights use the
        position 0..K-1, not the values). Default: the sorted distinct observed values.
    confidence : float in (0, 1)

    Returns
    -------
    KappaResult (see :func:`kappa_from_table` for formulas, variance and references).

    Examples
    --------
    >>> r = cohen_kappa([1, 1, 2, 2, 3, 3], [1, 2, 2, 2, 3, 1], weights="none")
    >>> round(r.estimate, 4)
    0.5
    """
    check_in("weights", weights, KAPPA_WEIGHTS, "cohen_kappa")
    a = pd.Series(np.asarray(rater1, dtype=object).ravel())
    b = pd.Series(np.asarray(rater2, dtype=object).ravel())
    if len(a) != len(b):
        raise UsageError(
            f"The 'rater2' parameter of cohen_kappa must have the length of rater1 ({len(a)}). Got {len(b)} instead."
        )
    keep = a.notna() & b.notna()
    a, b = a[keep], b[keep]
    if categories is None:
        try:
            categories = sorted(set(a) | set(b))
        except TypeError as exc:
            raise UsageError(
                "The 'categories' parameter of cohen_kappa must be given when the "
                "ratings cannot be sorted. Got None instead."
            ) from exc
    categories = list(categories)
    index = {c: i for i, c in enumerate(categories)}
    if len(index) != len(categories):
        raise UsageError("The 'categories' parameter of cohen_kappa must not repeat a category. Got repeats instead.")
    unknown = (~a.isin(categories)) | (~b.isin(categories))
    if unknown.any():
        raise UsageError(
            "The 'categories' parameter of cohen_kappa must contain every observed rating. "
            f"Got {int(unknown.sum())} ratings outside it instead."
        )
    k = len(categories)  # none: an empty table, "no rated pairs"
    i = a.map(index).to_numpy(dtype=int)
    j = b.map(index).to_numpy(dtype=int)
    table = np.bincount(i * k + j, minlength=k * k).reshape(k, k)
    return kappa_from_table(table, weights, confidence=confidence)


# ------------------------------------------------------------------------------------ Fleiss kappa
@dataclass(frozen=True, slots=True)
class FleissKappaResult:
    """Fleiss' kappa for three or more raters, with an interval, and the test of no agreement.

    ``estimate``, ``ci_low``, ``ci_high``: kappa and its Wald interval from Gwet's (2008) variance
    (``se``); ``se_h0``, ``z`` and ``p_value``: Fleiss, Nee & Landis (1979) standard error under
    kappa = 0 and its two-sided z test (what R's ``irr::kappam.fleiss`` reports). ``n_subjects``:
    records rated by every rater column (of ``n_total``); ``n_raters``, ``n_categories``: rater columns
    and observed categories (``raters``, ``categories`` in ``to_dict``).
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    se_h0: float | None
    z: float | None
    p_value: float | None
    n_subjects: int
    n_total: int
    n_raters: int
    n_categories: int
    method: str = "gwet-linearised"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus the test under H0 and the counts."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {
            **interval.to_dict(),
            "se": self.se,
            "se_h0": self.se_h0,
            "z": self.z,
            "p_value": self.p_value,
            "n_subjects": self.n_subjects,
            "n_total": self.n_total,
            "raters": self.n_raters,  # not record counts: no n_ prefix, so disclosure leaves them alone
            "categories": self.n_categories,
        }


def fleiss_kappa(
    ratings: pd.DataFrame | np.ndarray, columns: Sequence[str] | None = None, *, confidence: float = 0.95
) -> FleissKappaResult:
    """Fleiss' kappa of m >= 2 raters' categorical ratings, each subject rated by every rater column.

    Parameters
    ----------
    ratings : DataFrame or array (subjects x rater columns)
        One category code per cell (numbers); NaN = not rated. Only subjects rated in every column
        are used (Fleiss' kappa needs the same number of ratings per subject); categories are the
        distinct observed codes, as nominal (unordered) classes.
    columns : the rater columns (default: all)
    confidence : float in (0, 1)

    Returns
    -------
    FleissKappaResult

    Notes
    -----
    With N subjects, n raters, n_ij the raters putting subject i in category j,
    p_j = sum_i n_ij / (N n), P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean P_i, P_e = sum_j p_j^2:

        kappa = (P - P_e) / (1 - P_e)                          (Fleiss 1971; statsmodels' estimate)

    Test of kappa = 0 (Fleiss, Nee & Landis 1979; R irr::kappam.fleiss), with q_j = 1 - p_j:

        var_0 = 2 / (N n (n - 1)) * [(sum p_j q_j)^2 - sum p_j q_j (q_j - p_j)] / (sum p_j q_j)^2,
        z = kappa / sqrt(var_0).

    var_0 holds only when there is no agreement beyond chance, so it is not used for the interval.
    The interval is kappa +- z_(1-alpha/2) se (clipped to [-1, 1]) with Gwet's (2008; the
    sampling fraction taken as 0) linearised variance, the variance of kappa's influence function:

        kappa_i* = (P_i - P_e) / (1 - P_e) - 2 (1 - kappa) (P_e|i - P_e) / (1 - P_e),
        P_e|i = sum_j p_j n_ij / n,   var = sum_i (kappa_i* - kappa)^2 / (N (N - 1)).

    It is valid whatever the true kappa (Gwet 2008 shows the H0 variance is not), needs no seed,
    and agrees with the jackknife (tests). Undefined (None with a reason) with fewer than two
    complete subjects or when every rating is one category (P_e = 1: 0/0). Perfect agreement gives
    kappa 1 with se 0.

    On Fleiss's (1971) 30 patients x 6 psychiatrists x 5 diagnoses this gives kappa 0.430 and z 17.65
    as R's irr does (tests/reference/irr/).

    Examples
    --------
    Four records, three raters: P_i = (1, 1, 1/3, 1/3), P = 2/3, p = (1/2, 1/2), P_e = 1/2.

    >>> r = fleiss_kappa(np.array([[1, 1, 1], [2, 2, 2], [1, 1, 2], [2, 2, 1]]))
    >>> round(r.estimate, 4)
    0.3333
    """
    from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss_kappa

    check_open_unit("confidence", confidence, "fleiss_kappa")
    wide = _wide_ratings(ratings, columns, "fleiss_kappa")
    n_total, n = len(wide), wide.shape[1]
    if n < 2:
        raise UsageError(
            f"The 'ratings' parameter of fleiss_kappa must have two or more rater columns. Got {n} instead."
        )
    x = wide.to_numpy()[~wide.isna().any(axis=1).to_numpy()]
    big_n = len(x)
    cats = np.unique(x) if big_n else np.array([])

    def undefined(reason: str) -> FleissKappaResult:
        return FleissKappaResult(None, None, None, None, None, None, None, big_n, n_total, n, len(cats), reason=reason)

    if big_n < 2:
        return undefined("fewer than two records rated by every rater column")
    counts = (x[:, :, None] == cats[None, None, :]).sum(axis=1).astype(float)  # N x k: n_ij
    p = counts.sum(axis=0) / (big_n * n)
    pe = float((p**2).sum())
    if math.isclose(pe, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return undefined("every rating is the same category: chance agreement is 1, kappa is 0/0")
    kappa = float(_sm_fleiss_kappa(counts, method="fleiss"))
    p_i = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    pe_i = counts @ p / n
    infl = (p_i - pe) / (1 - pe) - 2 * (1 - kappa) * (pe_i - pe) / (1 - pe)
    var = float(((infl - kappa) ** 2).sum() / (big_n * (big_n - 1)))
    se = math.sqrt(max(var, 0.0))
    if (counts.max(axis=1) == n).all():  # perfect agreement: every P_i = 1, so kappa = 1 and var = 0
        kappa, se = 1.0, 0.0
    pq = p * (1 - p)
    var0 = 2.0 / (big_n * n * (n - 1)) * (pq.sum() ** 2 - (pq * (1 - 2 * p)).sum()) / pq.sum() ** 2
    se0 = math.sqrt(var0)
    z0 = kappa / se0
    zc = z_value(confidence)
    return FleissKappaResult(
        kappa,
        max(kappa - zc * se, -1.0),
        min(kappa + zc * se, 1.0),
        se,
        se0,
        z0,
        float(2 * stats.norm.sf(abs(z0))),
        big_n,
        n_total,
        n,
        len(cats),
    )


# ------------------------------------------------------------------------------------ Bland-Altman
@dataclass(frozen=True, slots=True)
class BlandAltmanResult:
    """Bland-Altman agreement of two raters on a continuous scale (differences rater1 - rater2).

    ``bias``, ``loa_low`` and ``loa_high`` are intervals; ``sd_difference`` the SD of differences.
    """

    n: int
    bias: Interval
    sd_difference: float | None
    loa_low: Interval
    loa_high: Interval
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {
            "n": self.n,
            "bias": self.bias.to_dict(),
            "sd_difference": self.sd_difference,
            "loa_low": self.loa_low.to_dict(),
            "loa_high": self.loa_high.to_dict(),
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


def bland_altman(rater1, rater2, *, confidence: float = 0.95, agreement: float = 0.95) -> BlandAltmanResult:
    """Bias and limits of agreement, each with a confidence interval.

    Parameters
    ----------
    rater1, rater2 : array-like of float, same length; pairs with a NaN are left out
    confidence : float in (0, 1)     Level of the intervals.
    agreement : float in (0, 1)      Coverage of the limits of agreement (0.95: bias +- 1.96 SD).

    Returns
    -------
    BlandAltmanResult

    Notes
    -----
    d = rater1 - rater2, bias = mean(d), s = SD(d) (ddof 1), LoA = bias -+ z s with z the
    (1 + agreement)/2 normal quantile. CI(bias) = bias +- t_{n-1} s / sqrt(n);
    CI(LoA) = LoA +- t_{n-1} s sqrt(1/n + z^2 / (2 (n - 1))) (Bland & Altman 1999, Stat Methods Med
    Res 8:135-160, section 5.4; 1986 Lancet's sqrt(3 s^2 / n) is its z = 1.96, large-n form).
    Undefined with fewer than 3 complete pairs.
    """
    check_open_unit("confidence", confidence, "bland_altman")
    check_open_unit("agreement", agreement, "bland_altman")
    a = np.asarray(rater1, dtype=float).ravel()
    b = np.asarray(rater2, dtype=float).ravel()
    if a.shape != b.shape:
        raise UsageError(
            f"The 'rater2' parameter of bland_altman must have the length of rater1 ({a.size}). Got {b.size} instead."
        )
    d = (a - b)[np.isfinite(a) & np.isfinite(b)]
    n = int(d.size)
    method = "bland-altman"
    if n < 3:
        reason = f"too few complete pairs: {n} (at least 3 needed)"
        none = Interval(None, None, None, method, reason)
        return BlandAltmanResult(n, none, None, none, none, reason)
    bias = float(d.mean())
    s = float(d.std(ddof=1))
    z = z_value(agreement)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))
    half_bias = t * s / math.sqrt(n)
    half_loa = t * s * math.sqrt(1.0 / n + z**2 / (2.0 * (n - 1)))
    lo, hi = bias - z * s, bias + z * s
    return BlandAltmanResult(
        n,
        Interval(bias, bias - half_bias, bias + half_bias, method),
        s,
        Interval(lo, lo - half_loa, lo + half_loa, method),
        Interval(hi, hi - half_loa, hi + half_loa, method),
    )


# -------------------------------------------------------------------------- alpha and omega (items)
@dataclass(frozen=True, slots=True, eq=False)
class ItemMoments:
    """What alpha and omega need of k item columns: the number of complete rows ``n`` (of
    ``n_total``), their item means and their sample covariance matrix (ddof 1).

    Built from the items (:meth:`from_items`) or batch by batch (``a + b``: the pairwise update of
    Chan, Golub & LeVeque 1983, exact up to rounding), so a national file's items never need to be in
    memory at once."""

    n: int
    n_total: int
    mean: np.ndarray
    comoment: np.ndarray  # sum over complete rows of (x - mean)(x - mean)'

    @classmethod
    def from_items(cls, items, where: str = "ItemMoments") -> "ItemMoments":
        x, n_total = _item_matrix(items, where)
        n, k = x.shape
        mean = x.mean(axis=0) if n else np.zeros(k)
        centred = x - mean
        return cls(n, n_total, mean, centred.T @ centred)

    def __add__(self, other: "ItemMoments") -> "ItemMoments":
        if self.mean.shape != other.mean.shape:
            raise UsageError("ItemMoments of a different number of items cannot be combined.")
        n = self.n + other.n
        if n == 0:
            return ItemMoments(0, self.n_total + other.n_total, self.mean, self.comoment)
        d = other.mean - self.mean
        mean = self.mean + d * (other.n / n)
        comoment = self.comoment + other.comoment + np.outer(d, d) * (self.n * other.n / n)
        return ItemMoments(n, self.n_total + other.n_total, mean, comoment)

    @property
    def k(self) -> int:
        return self.mean.shape[0]

    @property
    def covariance(self) -> np.ndarray:
        return self.comoment / (self.n - 1)


def _moments(items, where: str) -> ItemMoments:
    return items if isinstance(items, ItemMoments) else ItemMoments.from_items(items, where)


def _item_matrix(items, where: str) -> tuple[np.ndarray, int]:
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items, dtype=float))
    try:
        frame = frame.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"The 'items' parameter of {where} must hold numeric item scores. Got a non-numeric column instead."
        ) from exc
    n_total = len(frame)
    return frame.dropna(axis=0, how="any").to_numpy(), n_total


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Cronbach's alpha with Feldt's interval, on ``n`` complete rows (of ``n_total``) and ``k`` items."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_total: int
    k: int
    method: str = "feldt"
    reason: str | None = None

    def to_dict(self) -> dict:
        """The contract's interval object plus ``n`` and ``k``."""
        interval = Interval(self.estimate, self.ci_low, self.ci_high, self.method, self.reason)
        return {**interval.to_dict(), "n": self.n, "k": self.k}


def cronbach_alpha(items, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha of k items with Feldt's F-based interval, on the complete rows.

    Parameters
    ----------
    items : DataFrame or 2-D array, one row per respondent, one column per item (keyed the same way);
        or their :class:`ItemMoments` (a file read in batches)
    confidence : float in (0, 1)

    Returns
    -------
    AlphaResult

    Notes
    -----
    alpha = k / (k - 1) (1 - sum var(item) / var(total)) (Cronbach 1951), sample variances.
    Interval (Feldt, Woodruff & Salih 1987): with df1 = n - 1, df2 = (n - 1)(k - 1),
    [1 - (1 - alpha) F_{1-a/2}(df1, df2), 1 - (1 - alpha) F_{a/2}(df1, df2)], a = 1 - confidence.
    Computed here, unrounded (pingouin's ``cronbach_alpha`` gives the same interval rounded to 3
    decimals; psych::alpha prints it as "Feldt"). Rows with a missing item are left out.
    Undefined: fewer than 2 items, fewer than 3 complete rows, or a constant total score.
    """
    check_open_unit("confidence", confidence, "cronbach_alpha")
    moments = _moments(items, "cronbach_alpha")
    n, n_total, k = moments.n, moments.n_total, moments.k
    reason = None
    if k < 2:
        reason = f"alpha needs at least two items; {k} given"
    elif n < 3:
        reason = f"too few complete rows: {n} (at least 3 needed)"
    elif moments.comoment.sum() <= 1e-12 * max(float(np.trace(moments.comoment)), 1e-300):
        reason = "the total score is constant: alpha is undefined"
    if reason is not None:
        return AlphaResult(None, None, None, n, n_total, k, reason=reason)
    # var(total) = sum of the covariance matrix, sum var(item) = its trace
    alpha = k / (k - 1) * (1.0 - np.trace(moments.comoment) / moments.comoment.sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1.0 - confidence
    lo = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - a / 2.0, df1, df2)
    hi = 1.0 - (1.0 - alpha) * stats.f.ppf(a / 2.0, df1, df2)
    return AlphaResult(float(alpha), float(lo), float(hi), n, n_total, k)


@dataclass(frozen=True, slots=True)
class OmegaResult:
    """McDonald's omega total from a one-factor ML model of the item correlations.

    ``loadings`` and ``uniquenesses`` are the standardised one-factor solution (loadings signed so
    that their sum is positive); ``converged`` reports the optimiser.
    """

    omega_total: float | None
    loadings: tuple[float, ...] | None
    uniquenesses: tuple[float, ...] | None
    n: int
    n_total: int
    k: int
    converged: bool
    method: str = "one-factor ML, omega total = 1 - sum(uniquenesses) / sum(R) (psych::omega)"
    reason: str | None = None

    def to_dict(self) -> dict:
        d = {
            "estimate": self.omega_total,
            "method": self.method,
            "n": self.n,
            "k": self.k,
            "loadings": list(self.loadings) if self.loadings is not None else None,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


def _one_factor_ml(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood one-factor model of a correlation matrix R: Sigma = l l' + diag(psi).

    Minimises F = log|Sigma| + tr(R Sigma^-1) (Joreskog 1967) over (l, psi), psi >= 0.005 as
    stats::factanal; analytic gradient dF/dSigma = G = Sigma^-1 - Sigma^-1 R Sigma^-1,
    dF/dl = 2 G l, dF/dpsi = diag(G).
    """
    p = r.shape[0]
    vals, vecs = np.linalg.eigh(r)
    start_l = vecs[:, -1] * math.sqrt(vals[-1])
    start_l *= np.sign(start_l.sum()) or 1.0
    start_psi = np.clip(1.0 - start_l**2, 0.05, 1.0)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lam, psi = theta[:p], theta[p:]
        sigma = np.outer(lam, lam) + np.diag(psi)
        sign, logdet = np.linalg.slogdet(sigma)
        inv = np.linalg.inv(sigma)
        value = logdet + float(np.trace(r @ inv))
        g = inv - inv @ r @ inv
        return value, np.concatenate([2.0 * g @ lam, np.diag(g)])

    bounds = [(None, None)] * p + [(0.005, None)] * p
    res = optimize.minimize(
        fun,
        np.concatenate([start_l, start_psi]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    lam, psi = res.x[:p], res.x[p:]
    if lam.sum() < 0:
        lam = -lam
    return lam, psi, bool(res.success)


def mcdonald_omega(items) -> OmegaResult:
    """McDonald's omega total of k items from a one-factor maximum-likelihood model.

    Parameters
    ----------
    items : DataFrame or 2-D array, one row per respondent, one column per item (keyed the same way);
        or their :class:`ItemMoments`

    Returns
    -------
    OmegaResult

    Notes
    -----
    A one-factor model is fitted by maximum likelihood to the item correlation matrix R of the
    complete rows; omega total = 1 - sum(psi) / sum(R), the total variance being the observed
    variance of the standardised sum score, as ``psych::omega(x, nfactors = 1, fm = "ml")`` computes
    it (Revelle & Zinbarg 2009, Psychometrika 74:145-154). The model-implied form
    (sum l)^2 / ((sum l)^2 + sum psi) (McDonald 1999) differs when the one-factor model does not fit
    exactly (by 3e-4 on psych's bfi agreeableness items). Items must be keyed in the same direction.
    Undefined: fewer than 3 items (a one-factor model is not identified), fewer than k + 2 complete
    rows, or a constant item.
    """
    moments = _moments(items, "mcdonald_omega")
    n, n_total, k = moments.n, moments.n_total, moments.k
    reason = None
    if k < 3:
        reason = f"a one-factor model needs at least three items; {k} given"
    elif n < k + 2:
        reason = f"too few complete rows: {n} (at least {k + 2} needed)"
    elif (np.diag(moments.comoment) <= 1e-12 * n * (1.0 + moments.mean**2)).any():
        reason = "an item is constant: its correlations are undefined"
    if reason is not None:
        return OmegaResult(None, None, None, n, n_total, k, False, reason=reason)
    sd = np.sqrt(np.diag(moments.comoment))
    r = moments.comoment / np.outer(sd, sd)
    np.fill_diagonal(r, 1.0)
    lam, psi, converged = _one_factor_ml(r)
    omega = 1.0 - psi.sum() / r.sum()
    return OmegaResult(
        float(omega),
        tuple(map(float, lam)),
        tuple(map(float, psi)),
        n,
        n_total,
        k,
        converged,
        reason=None if converged else "the one-factor ML fit did not converge",
    )


# ---------------------------------------------------------------------------- reliability.json body
def reliability_summary(
    records: pd.DataFrame,
    raters: Sequence[str],
    *,
    items: Sequence[str] | None = None,
    categorical: bool = False,
    categories: Sequence | None = None,
    kappa_weights: str = "quadratic",
    min_targets: int = 5,
) -> dict:
    """The body of ``reliability.json`` (docs/contract.md), without ``schema_version``.

    Parameters
    ----------
    records : DataFrame
        One row per record, wide: the rater columns (and item columns, if any).
    raters : sequence of str
        Rater columns (two or more).
    items : sequence of str, optional
        Item columns of a multi-item instrument: adds ``cronbach_alpha`` and ``omega``.
    categorical : bool
        Ratings are categories: with exactly two raters adds ``kappa`` (unweighted) and
        ``weighted_kappa`` (``kappa_weights``), with three or more ``fleiss_kappa``. With two
        continuous raters, ``bland_altman`` is added.
    categories : sequence, optional      Category order for kappa (see :func:`cohen_kappa`).
    kappa_weights : {"linear", "quadratic"}
    min_targets : int                    See :func:`icc`.

    Returns
    -------
    dict with ``icc`` (list of the six forms), ``icc_subset`` (``n_used``, ``n_total``,
    ``n_raters``, ``note``) and, where they apply, ``cronbach_alpha``, ``omega``, ``kappa``,
    ``weighted_kappa``, ``bland_altman``. Undefined values are ``None`` with a ``reason``.
    """
    check_in("kappa_weights", kappa_weights, ("linear", "quadratic"), "reliability_summary")
    raters = list(raters)
    missing = [c for c in raters + list(items or []) if c not in records.columns]
    if missing:
        raise UsageError(
            f"The 'raters' and 'items' parameters of reliability_summary must name columns of "
            f"records. Got {missing!r}, which are not there, instead."
        )
    table = icc(records, raters, min_targets=min_targets)
    out: dict = {
        "icc": table.to_list(),
        "icc_subset": {
            "n_used": table.n_used,
            "n_total": table.n_total,
            "n_raters": table.n_raters,
            "note": table.note,
        },
    }
    if items:
        out["cronbach_alpha"] = cronbach_alpha(records[list(items)]).to_dict()
        out["omega"] = mcdonald_omega(records[list(items)]).to_dict()
    if categorical and len(raters) >= 3:
        out["fleiss_kappa"] = fleiss_kappa(records, raters).to_dict()
    if len(raters) == 2:
        a, b = records[raters[0]], records[raters[1]]
        if categorical:
            out["kappa"] = cohen_kappa(a, b, weights="none", categories=categories).to_dict()
            out["weighted_kappa"] = cohen_kappa(a, b, weights=kappa_weights, categories=categories).to_dict()
        else:
            out["bland_altman"] = bland_altman(a, b).to_dict()
    return out
