"""Agreement of two raters on a continuous scale: the Bland-Altman bias and limits of agreement, each with
its interval.

Bland & Altman (1986), Lancet 327:307-310; Bland & Altman (1999), Stat Methods Med Res 8:135-160.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ...errors import UsageError, check_open_unit
from ..intervals import Interval, z_value


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
