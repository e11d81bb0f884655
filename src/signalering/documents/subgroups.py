"""``subgroups.json``: accuracy per category of each subgroup column, with the largest differences."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import UsageError, check_in, check_open_unit
from ..schema import SCHEMA_VERSION
from ..stats import subgroups as subgroups_
from ..stats.counts import CountTable
from ..stats.intervals import INTERVAL_METHODS
from .accuracy import accuracy_document, banded_threshold_entry
from .calibration import group_calibration


def subgroup_document(
    frame: pd.DataFrame,
    score: str,
    reference: str,
    subgroups: Sequence[str],
    *,
    direction: str = "higher",
    cutoffs: Sequence[float] | None = None,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    prevalences: Sequence[float] = (),
    probability: bool = False,
    merges: dict | None = None,
    banded: Sequence[tuple[dict, str]] = (),
) -> dict:
    """Accuracy of ``score`` per category of each subgroup column, with the largest differences.

    Parameters
    ----------
    frame : DataFrame with the score, the reference (1 / 0 / NaN) and the subgroup columns
    score, reference : column names
    subgroups : column names; a missing category value forms the group ``"(missing)"``
    direction : {"higher", "lower"}
    cutoffs : the cut-offs to evaluate (same for every group); default: the overall data's
        ``default_cutoffs`` so that all groups share them
    probability : bool
        The score is a predicted probability: add ``calibration`` per group
        (``calibration.calibration_statistics``).
    merges : dict column -> (category -> published group) or None, optional
        ``subgroups.small_group_merges`` per column (disclosure control before analysis): the categories are
        analysed as merged; a column mapped to None is withheld and listed in ``withheld_subgroups``.
        Columns not in ``merges`` are analysed as they are.
    banded : sequence of (banded cut-off, column), optional
        Banded cut-offs (``{"name", "column", "bands"}`` as in ``instruments.json``) and the frame's
        column holding each record's own cut-off (NaN = no band): each group's document gets their
        ``thresholds`` entries (:func:`banded_threshold_entry`) after the numeric ones, in this order.

    Returns
    -------
    dict: ``schema_version, score, direction, cutoffs, banded_cutoffs`` (names), ``overall`` (accuracy
    document on all records) and
    ``subgroups``: column -> {``groups``: category -> accuracy document (+ ``calibration``),
    ``largest_difference``: see ``subgroups.largest_differences``, and with merged categories ``combined``:
    {``group``, ``categories``}}; ``withheld_subgroups``: the columns withheld (small numbers).
    """
    check_in("ci_method", ci_method, INTERVAL_METHODS, "subgroup_document")
    check_open_unit("confidence", confidence, "subgroup_document")
    for col in (score, reference, *subgroups, *(c for _, c in banded)):
        if col not in frame.columns:
            raise UsageError(f"The column '{col}' given to subgroup_document is not in the data.")
    own = [(b, pd.to_numeric(frame[c], errors="raise").to_numpy(float)) for b, c in banded]
    s = pd.to_numeric(frame[score], errors="raise").to_numpy(float)
    r = pd.to_numeric(frame[reference], errors="raise").to_numpy(float)
    overall_counts = CountTable.from_scores(s, r, direction)
    cut = overall_counts.default_cutoffs() if cutoffs is None else np.asarray(cutoffs, float)
    cut = [float(c) for c in cut]

    def doc_for(mask: np.ndarray) -> dict:
        counts = CountTable.from_scores(s[mask], r[mask], direction)
        d = accuracy_document(counts, cut, prevalences=prevalences, ci_method=ci_method, confidence=confidence)
        d.pop("schema_version", None)
        for b, c in own:
            d["thresholds"].append(
                banded_threshold_entry(
                    s[mask],
                    c[mask],
                    r[mask],
                    direction,
                    banded=b,
                    prevalences=prevalences,
                    ci_method=ci_method,
                    confidence=confidence,
                )
            )
        if probability:
            d["calibration"] = group_calibration(s[mask], r[mask], confidence)
        return d

    result = {
        "schema_version": SCHEMA_VERSION,
        "score": score,
        "direction": direction,
        "cutoffs": cut,
        "banded_cutoffs": [b["name"] for b, _ in own],
        "confidence": confidence,
        "overall": doc_for(np.ones(len(s), bool)),
        "subgroups": {},
    }
    merges = merges or {}
    withheld = []
    for col in subgroups:
        values = subgroups_.category_values(frame[col])
        mapping = merges.get(col, {}) if col in merges else {}
        if col in merges and mapping is None:
            withheld.append(col)
            continue
        values = np.array([mapping.get(v, v) for v in values], dtype=object)
        groups = {str(g): doc_for(values == g) for g in sorted(set(values))}
        block = {"groups": groups, "largest_difference": subgroups_.largest_differences(groups, confidence)}
        combined = sorted({k for k, v in mapping.items() if v != k})
        if combined:
            block["combined"] = {"group": str(next(v for k, v in mapping.items() if v != k)), "categories": combined}
        result["subgroups"][col] = block
    if withheld:
        result["withheld_subgroups"] = withheld
    return result
