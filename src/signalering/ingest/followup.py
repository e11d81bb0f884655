"""The reference standard at a follow-up window (docs/input-files.md, "Follow-up windows").

Maltreatment is often confirmed later than the screening (a report substantiated within one, two or
three years). One column holds, per verified record, an interval in whole days (never a date):

* reference-positive: the days from screening to the reference event;
* reference-negative: the days from screening to the end of follow-up (no event until then).

At a window of ``W`` days the reference standard is "an event within ``W`` days of screening":

=====================  ==========================  ==============================================
reference as recorded  interval                    at window ``W``
=====================  ==========================  ==============================================
positive               ``days <= W``               positive
positive               ``days > W``                negative (followed ``W`` days, no event within)
negative               ``days >= W``               negative
negative               ``days < W``                **not verified** (followed for less than ``W``)
empty                  any or empty                not verified (as without a window)
=====================  ==========================  ==============================================

A negative followed for less than the window is *censored*: whether an event would have come
within ``W`` is unknown, so it is neither negative nor positive. Counting it as not verified puts it
with the other unverified records, so the partial-verification correction (``verification``,
Begg & Greenes 1983) treats it as missing at random given the screening result: censoring must not
depend on the reference status beyond what the screen result explains (e.g. follow-up that ends
because the family moved away for reasons unrelated to maltreatment). This is the censoring
assumption of Kaplan-Meier estimates in time-to-event analysis, applied to one time point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class WindowedReference:
    """The reference standard at a window and the records it changed."""

    reference: np.ndarray  # 1.0 / 0.0 / NaN (not verified) at the window
    short_followup: np.ndarray  # bool: negative followed for less than the window -> not verified
    event_after_window: np.ndarray  # bool: positive whose event came after the window -> negative


def reference_at_window(reference, days, window_days: int | None) -> WindowedReference:
    """The reference standard (1.0 / 0.0 / NaN) at a follow-up window of ``window_days`` days.

    Parameters
    ----------
    reference : array of 1.0 (positive), 0.0 (negative), NaN (not verified)
    days : array of whole days >= 0 (NaN where unknown); read only for verified records
    window_days : the window ``W``, or None for the reference as recorded

    A verified record without ``days`` is the caller's to refuse (ingest excludes it); here it stays
    as recorded.

    Examples
    --------
    >>> w = reference_at_window([1, 1, 0, 0, float("nan")], [730, 731, 730, 729, 5], 730)
    >>> w.reference.tolist()
    [1.0, 0.0, 0.0, nan, nan]
    >>> w.short_followup.tolist(), w.event_after_window.tolist()
    ([False, False, False, True, False], [False, True, False, False, False])
    """
    ref = np.asarray(reference, dtype=float)
    d = np.asarray(days, dtype=float)
    if window_days is None:
        none = np.zeros(ref.shape, dtype=bool)
        return WindowedReference(ref.copy(), none, none.copy())
    known = ~np.isnan(d)
    late = (ref == 1.0) & known & (d > window_days)
    short = (ref == 0.0) & known & (d < window_days)
    out = ref.copy()
    out[late] = 0.0
    out[short] = np.nan
    return WindowedReference(out, short, late)
