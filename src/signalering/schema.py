"""The JSON forms shared by statistics and documents: the schema version and the interval object.

A leaf module (it imports nothing of the package), so statistics that return JSON-ready pieces
(``compare``, ``subgroups``) need not import the document layer (``documents``): the arrows point
one way, documents -> statistics -> this module.
"""

from __future__ import annotations

import numpy as np

SCHEMA_VERSION = 1


def finite_or_none(x):
    """``float(x)``, or None for None, NaN and infinities (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) or np.isinf(x) else x


def interval_dict(estimate, ci_low, ci_high, method: str, reason: str | None = None) -> dict:
    """An interval object; when the estimate is undefined all three numbers are null with a reason.

    >>> interval_dict(float("nan"), 0.1, 0.2, "wilson", "no positives")
    {'estimate': None, 'ci_low': None, 'ci_high': None, 'method': 'wilson', 'reason': 'no positives'}
    """
    reason = reason if isinstance(reason, str) and reason else None  # pandas may hand over NaN for "none"
    est = finite_or_none(estimate)
    if est is None:
        return {"estimate": None, "ci_low": None, "ci_high": None, "method": method, "reason": reason or "undefined"}
    out = {"estimate": est, "ci_low": finite_or_none(ci_low), "ci_high": finite_or_none(ci_high), "method": method}
    if reason:
        out["reason"] = reason
    return out
