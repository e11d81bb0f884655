"""The optional mapping from an instrument's score to a predicted risk (``RiskMapping``: logistic or a
step table), read for the calibration stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from signalering.instruments.fields import Field, read_choice, read_list, read_number, read_text, show_number


@dataclass(frozen=True, slots=True)
class RiskMapping:
    """Optional mapping from the score to a predicted risk, for the calibration stage.

    ``logistic``: ``risk = 1 / (1 + exp(-(intercept + slope * score)))``.
    ``table``: a step function; a score gets the ``risk`` of the last row whose ``from`` is
    ``<= score`` (rows sorted by ``from``; the first row covers the lowest possible score).
    """

    type: str
    intercept: float = math.nan
    slope: float = math.nan
    table: tuple[tuple[float, float], ...] = ()
    source: str = ""


def read_risk_mapping(f: Field | None, low: float, high: float) -> RiskMapping | None:
    """``risk_mapping``: ``{type: logistic, intercept, slope}`` or ``{type: table, table: [{from, risk}]}``
    covering the score range [low, high]; None when absent."""
    if f is None:
        return None
    f.mapping(("type", "intercept", "slope", "table", "source"), required=("type",))
    kind = f.get("type", read_choice(("logistic", "table")))
    source = f.get("source", read_text, "")
    if kind == "logistic":
        if f.has("table"):
            raise f.fail("a logistic mapping has intercept and slope, not a table", "table")
        for key in ("intercept", "slope"):
            if not f.has(key):
                raise f.fail("required field is missing", key)
        return RiskMapping(
            "logistic", intercept=f.get("intercept", read_number), slope=f.get("slope", read_number), source=source
        )
    for key in ("intercept", "slope"):
        if f.has(key):
            raise f.fail("a table mapping has rows, not intercept/slope", key)
    if not f.has("table"):
        raise f.fail("required field is missing", "table")
    rows = []
    for g in read_list(f.child("table")):
        g.mapping(("from", "risk"), required=("from", "risk"))
        start, risk = g.get("from", read_number), g.get("risk", read_number)
        if not 0.0 <= risk <= 1.0:
            raise g.fail("a risk must lie in [0, 1]", "risk")
        if rows and start <= rows[-1][0]:
            raise g.fail("rows must be sorted by 'from', strictly increasing", "from")
        rows.append((start, risk))
    if math.isfinite(low) and rows[0][0] > low:  # a plain score may have no lower bound
        raise f.child("table").fail(
            f"the first row must start at or below the lowest possible score {show_number(low)}"
        )
    if rows[-1][0] > high:
        raise f.child("table").fail(f"a row starts above the highest possible score {show_number(high)}")
    return RiskMapping("table", table=tuple(rows), source=source)
