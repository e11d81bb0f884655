"""Accuracy (and calibration) of one score per subgroup, and the largest between-group differences.

Methodology section 7 (spectrum): accuracy varies with case mix and between organisations, so the
report shows it per subgroup (age band, sex, parent education, site) with intervals, and names the
groups with the largest difference in sensitivity and in false-positive rate. The published copy
passes ``disclosure.suppress_subgroups_document``. The document itself is assembled by
``documents.subgroups.subgroup_document`` (documents import statistics, never the other way round).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from ..errors import check_in
from ..schema import interval_dict
from .intervals import proportion_ci

MISSING_GROUP = "(missing)"
COMBINED_GROUP = "(small groups combined)"
SMALL_GROUP_MODES = ("merge", "withhold")


def category_values(column: pd.Series) -> np.ndarray:
    """A subgroup column as text categories; a missing value is the category ``"(missing)"``."""
    return column.astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)


def small_group_merges(
    categories, reference, scored=None, min_cell: int = 10, mode: str = "merge", combined: str = COMBINED_GROUP
) -> dict[str, str] | None:
    """Which categories of one subgroup column are published, and which are combined, before analysis.

    A category is *small* when, for any of the scores, fewer than ``min_cell`` of its records with a
    score are reference-positive, or reference-negative, or it has fewer than ``min_cell`` records.
    Every statistic of a group is a function of its counts, and the overall figures are published
    too: a small group's counts could be solved from its own AUC (``2 * AUC * P * N`` is a whole
    number), Youden criterion or predictive values, or from the overall figures minus the other
    groups. Suppressing them afterwards leaks (issue 13), so small categories are merged first:

    - ``mode="merge"``: all small categories form one group ``combined``; while that group is itself
      small, the smallest (fewest records) other category joins it. With fewer than two groups left
      the breakdown is withheld (``None``).
    - ``mode="withhold"``: any small category withholds the whole breakdown (``None``).

    Parameters
    ----------
    categories : array of category labels (``category_values``), one per record
    reference : array, 1 / 0 / NaN (not verified)
    scored : bool array (records,) or (records, scores): the record has that score; default all
    min_cell : int
    mode : {"merge", "withhold"}
    combined : label of the combined group

    Returns
    -------
    dict category -> published group (the category itself or ``combined``), or None (withheld).

    Examples
    --------
    >>> cats = np.array(["a"] * 50 + ["b"] * 40 + ["c"] * 3, dtype=object)
    >>> y = np.array([1, 0] * 25 + [1, 0] * 20 + [1, 0, 0], float)
    >>> small_group_merges(cats, y, min_cell=10)
    {'a': 'a', 'b': '(small groups combined)', 'c': '(small groups combined)'}
    """
    check_in("mode", mode, SMALL_GROUP_MODES, "small_group_merges")
    cats = np.asarray(categories, dtype=object)
    y = np.asarray(reference, dtype=float)
    have = np.ones((len(cats), 1), bool) if scored is None else np.asarray(scored, bool).reshape(len(cats), -1)
    names = sorted(set(cats.tolist()))
    if not names:
        return {}
    member = np.stack([cats == g for g in names])  # groups x records
    pos = member.astype(np.int64) @ (have & (y == 1)[:, None])  # groups x scores
    neg = member.astype(np.int64) @ (have & (y == 0)[:, None])
    total = member.sum(axis=1)

    def small(idx) -> bool:
        idx = list(idx)
        return bool(
            pos[idx].sum(axis=0).min() < min_cell
            or neg[idx].sum(axis=0).min() < min_cell
            or total[idx].sum() < min_cell
        )

    merged = [i for i in range(len(names)) if small([i])]
    if not merged:
        return {g: g for g in names}
    if mode == "withhold":
        return None
    rest = sorted((int(total[i]), names[i], i) for i in range(len(names)) if i not in merged)
    while small(merged) and rest:
        merged.append(rest.pop(0)[2])
    if small(merged) or not rest:
        return None
    out = {g: g for g in names}
    out.update({names[i]: combined for i in merged})
    return out


def newcombe_difference(x1, n1, x2, n2, confidence: float = 0.95):
    """Difference of two independent proportions x1/n1 - x2/n2 with Newcombe's hybrid score interval.

    L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2), with (l, u) the
    Wilson limits of each proportion (Newcombe 1998, Stat Med 17:873-890, method 10). Vectorised;
    NaN where a denominator is 0.

    Examples
    --------
    >>> d, lo, hi = newcombe_difference(56, 70, 48, 80)
    >>> round(float(d[0]), 4), round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.2, 0.0524, 0.3339)
    """
    p1, l1, u1 = proportion_ci(x1, n1, "wilson", confidence)
    p2, l2, u2 = proportion_ci(x2, n2, "wilson", confidence)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def homogeneity_test(x, n) -> dict:
    """Pearson chi-square test that k independent proportions x/n are equal (k - 1 df).

    X^2 = sum_g (x_g - n_g p)^2 / (n_g p (1 - p)) with p the pooled proportion. Groups with n_g = 0 are
    left out. Small expected counts make the chi-square approximation poor: read it as a screen,
    not a verdict.
    """
    x, n = np.asarray(x, float), np.asarray(n, float)
    keep = n > 0
    x, n = x[keep], n[keep]
    if len(n) < 2 or x.sum() in (0, n.sum()):
        return {
            "statistic": None,
            "df": None,
            "p_value": None,
            "reason": "needs two groups and a proportion strictly between 0 and 1",
        }
    p = x.sum() / n.sum()
    stat = float(np.sum((x - n * p) ** 2 / (n * p * (1 - p))))
    df = int(len(n) - 1)
    return {"statistic": stat, "df": df, "p_value": float(chdtrc(df, stat))}


def largest_differences(groups: dict[str, dict], confidence: float = 0.95) -> list[dict]:
    """Per cut-off, the two groups furthest apart in sensitivity and in false-positive rate.

    Parameters
    ----------
    groups : dict group -> ``accuracy.json`` document (``documents.accuracy.accuracy_document``) of that group,
        all with the same cut-offs.

    Returns
    -------
    list, one entry per cut-off: ``cutoff`` and for ``sensitivity`` (tp / (tp + fn)) and
    ``false_positive_rate`` (fp / (fp + tn) = 1 - specificity) ``highest`` and ``lowest`` (``group``,
    ``estimate``), ``difference`` (highest - lowest, Newcombe hybrid score interval) and
    ``heterogeneity`` (chi-square test of equal proportions over all groups with records).

    Notes
    -----
    The pair is chosen *because* it is furthest apart, so its interval is too narrow for a
    pre-specified comparison (selection); the heterogeneity test uses all groups and is the
    honest test of "do groups differ".
    """
    names = sorted(groups)
    if not names:
        return []
    cutoffs = [t["cutoff"] for t in groups[names[0]]["thresholds"]]
    out = []
    for i, cut in enumerate(cutoffs):
        cells = {g: groups[g]["thresholds"][i] for g in names}
        entry = {"cutoff": cut}
        banded = groups[names[0]]["thresholds"][i].get("banded")
        if banded:  # a banded cut-off: each record at its own band's cut-off
            entry["banded"] = banded.get("name")
        for stat, num, other in (("sensitivity", "tp", "fn"), ("false_positive_rate", "fp", "tn")):
            x = np.array([cells[g][num] for g in names], float)
            n = x + np.array([cells[g][other] for g in names], float)
            ok = n > 0
            e = {"heterogeneity": homogeneity_test(x, n)}
            if ok.sum() < 2:
                e.update(
                    highest=None,
                    lowest=None,
                    difference=interval_dict(None, None, None, "newcombe-hybrid", "fewer than two groups with records"),
                )
            else:
                est = np.where(ok, x / np.where(ok, n, 1), np.nan)
                idx = np.flatnonzero(ok)
                hi = idx[np.argmax(est[idx])]
                lo = idx[np.argmin(est[idx])]
                d, low, high = newcombe_difference(x[hi], n[hi], x[lo], n[lo], confidence)
                e.update(
                    highest={"group": names[hi], "estimate": float(est[hi])},
                    lowest={"group": names[lo], "estimate": float(est[lo])},
                    difference=interval_dict(d[0], low[0], high[0], "newcombe-hybrid"),
                )
            entry[stat] = e
        out.append(entry)
    return out
