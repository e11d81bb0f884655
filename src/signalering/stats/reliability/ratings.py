"""Ratings in wide form (one row per rated record, one column per rater), checked and numeric: what the
ICC and Fleiss' kappa read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...errors import UsageError


def wide_ratings(ratings, columns: Sequence[str] | None, where: str) -> pd.DataFrame:
    """``ratings`` (a DataFrame or 2-D array) as a float DataFrame of the rater ``columns`` (default all).

    ``UsageError`` naming the function ``where`` when a column is absent or not numeric; NaN stays
    NaN (not rated).
    """
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
