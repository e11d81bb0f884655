"""The body of ``reliability.json``: the statistics of this package that apply to an instrument's ratings
(and items), each ``to_dict`` as docs/contract.md writes it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ...errors import UsageError, check_in
from .agreement import bland_altman
from .consistency import cronbach_alpha, mcdonald_omega
from .intraclass import icc
from .kappa import cohen_kappa, fleiss_kappa


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
