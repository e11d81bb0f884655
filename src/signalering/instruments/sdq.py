"""SDQ facts the bundled ``sdq-parent@1`` specification encodes, and the half-up prorating rule.

The SDQ is scored like any ``questionnaire`` specification (see ``specs/sdq-parent@1.yaml``); this
module holds the official item-to-scale table (Youthinmind, *Scoring the SDQ for age 4-17*, 2014)
so tests can check the specification against it, and the exact prorating arithmetic the scorer uses.
"""

from __future__ import annotations

import numpy as np

#: Item numbers of each scale (official item order 1-25).
SCALE_ITEMS: dict[str, tuple[int, ...]] = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
#: Reverse-scored items (2/1/0 instead of 0/1/2).
REVERSED_ITEMS: tuple[int, ...] = (7, 11, 14, 21, 25)
#: Derived scales: no prorating, missing when a component is missing.
DERIVED: dict[str, tuple[str, ...]] = {
    "total": ("emotional", "conduct", "hyperactivity", "peer"),
    "externalising": ("conduct", "hyperactivity"),
    "internalising": ("emotional", "peer"),
}


def prorate_half_up(raw_sum, weight_answered, weight_total):
    """``floor(raw_sum * weight_total / weight_answered + 1/2)`` in exact integer arithmetic.

    For the SDQ (5 items, ``n`` answered) this is the official ``(10 * raw + n) // (2 * n)``: the mean
    of the answered items times 5, rounded half **up**. Python's ``round``, ``numpy.round`` and
    ``pandas.Series.round`` round half to even and would score raw 2 from 4 items (2.5) as 2.

    Parameters
    ----------
    raw_sum, weight_answered : int or array of int (``weight_answered`` > 0)
    weight_total : int

    Examples
    --------
    >>> prorate_half_up(2, 4, 5), prorate_half_up(4, 3, 5), prorate_half_up(6, 4, 5)
    (3, 7, 8)
    """
    raw = np.asarray(raw_sum, dtype=np.int64)
    answered = np.asarray(weight_answered, dtype=np.int64)
    out = (2 * raw * int(weight_total) + answered) // (2 * answered)
    return int(out) if out.ndim == 0 else out
