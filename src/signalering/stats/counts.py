"""The count table every accuracy statistic reads.

Screening scores mostly take few distinct values, so a records file of millions of rows reduces to a
table with one row per distinct score: how many reference-positive, reference-negative and
unverified records have that score. Sensitivity, specificity, ROC, AUC, DeLong variances, bootstrap
replicates and pooling across organisations are all functions of this table.

``direction: lower`` (a *low* score is the concern, e.g. parental sensitivity) is handled once, here:
scores are negated when the table is built, so every downstream function can assume "positive when
score >= cutoff". ``to_internal`` / ``to_external`` convert cut-offs between the two scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import UsageError, check_in

DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True, slots=True, eq=False)
class CountTable:
    """Records per distinct score (internal scale: higher = more concern) and reference status.

    Attributes
    ----------
    scores : ndarray of float, shape (k,)
        Distinct scores on the internal scale, strictly increasing.
    n_pos, n_neg, n_unverified : ndarray of int64, shape (k,)
        Reference-positive, reference-negative and unverified (reference missing) records per score.
    direction : {"higher", "lower"}
        Direction of the original score; for ``lower`` the internal scores are the negated ones.
    n_missing_score : int
        Records without a score (not in the table).
    """

    scores: np.ndarray
    n_pos: np.ndarray
    n_neg: np.ndarray
    n_unverified: np.ndarray
    direction: str = "higher"
    n_missing_score: int = 0

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_scores(cls, score, reference, direction: str = "higher") -> "CountTable":
        """Build the table from one score and one reference value per record.

        Parameters
        ----------
        score : array-like of float
            NaN = no score (counted in ``n_missing_score``).
        reference : array-like
            1 (positive), 0 (negative), NaN/None (not verified).
        direction : {"higher", "lower"}
        """
        check_in("direction", direction, DIRECTIONS, "CountTable.from_scores")
        s = np.asarray(score, dtype=float)
        r = _reference_as_float(reference)
        if s.shape != r.shape or s.ndim != 1:
            raise UsageError(
                "The 'score' and 'reference' parameters of CountTable.from_scores must be 1-d arrays "
                f"of the same length. Got shapes {s.shape} and {r.shape} instead."
            )
        values, n_pos, n_neg, n_unv, n_missing = _count_records(s, r)
        if direction == "lower":
            values, n_pos, n_neg, n_unv = -values[::-1], n_pos[::-1], n_neg[::-1], n_unv[::-1]
        return cls(
            np.ascontiguousarray(values),
            np.ascontiguousarray(n_pos),
            np.ascontiguousarray(n_neg),
            np.ascontiguousarray(n_unv),
            direction,
            n_missing,
        )

    @classmethod
    def from_counts(
        cls, scores, n_pos, n_neg, n_unverified=None, direction: str = "higher", n_missing_score: int = 0
    ) -> "CountTable":
        """Build the table from counts given on the *original* score scale (e.g. an aggregate export).

        Rows with the same score are summed, so tables of several organisations can be concatenated.
        """
        check_in("direction", direction, DIRECTIONS, "CountTable.from_counts")
        s = np.asarray(scores, dtype=float)
        if direction == "lower":
            s = -s
        n_unv = np.zeros_like(s, dtype=np.int64) if n_unverified is None else np.asarray(n_unverified, np.int64)
        cols = [np.asarray(n_pos, np.int64), np.asarray(n_neg, np.int64), n_unv]
        if any((c < 0).any() for c in cols):
            raise UsageError("Counts given to CountTable.from_counts must be non-negative.")
        values, index = _distinct(s)
        sums = [np.bincount(index, weights=c, minlength=len(values)).astype(np.int64) for c in cols]
        return cls(values, sums[0], sums[1], sums[2], direction, int(n_missing_score))

    # ------------------------------------------------------------------ totals
    @property
    def n_positive(self) -> int:
        return int(self.n_pos.sum())

    @property
    def n_negative(self) -> int:
        return int(self.n_neg.sum())

    @property
    def n_verified(self) -> int:
        return self.n_positive + self.n_negative

    @property
    def n_unverified_total(self) -> int:
        return int(self.n_unverified.sum())

    @property
    def external_scores(self) -> np.ndarray:
        """Distinct scores on the original scale, in the internal (increasing concern) order."""
        return -self.scores if self.direction == "lower" else self.scores.copy()

    # ------------------------------------------------------------------ cut-offs
    def to_internal(self, cutoffs) -> np.ndarray:
        c = np.asarray(cutoffs, dtype=float)
        return -c if self.direction == "lower" else c

    def to_external(self, cutoffs) -> np.ndarray:
        return self.to_internal(cutoffs)  # negation is its own inverse

    def default_cutoffs(self, max_distinct: int = 100) -> np.ndarray:
        """Cut-offs on the original scale when none are asked for (docs/contract.md).

        Every distinct observed score if there are at most ``max_distinct``; otherwise the 5th, 10th,
        ..., 95th percentiles of the verified records' scores (inverted CDF, so each is an observed
        score). Ordered from the most to the least strict screen.
        """
        keep = (self.n_pos > 0) | (self.n_neg > 0)
        if np.count_nonzero(keep) <= max_distinct:
            return self.to_external(self.scores[keep][::-1])
        # Share of verified records at or below each score, in one float buffer; a score without
        # verified records never is the first to reach a quantile, so no compression is needed.
        cum = np.add(self.n_pos, self.n_neg, dtype=np.float64)
        np.cumsum(cum, out=cum)
        cum /= cum[-1]
        qs = np.arange(5, 100, 5) / 100.0
        internal = np.unique(self.scores[np.searchsorted(cum, qs, side="left")])[::-1]
        return self.to_external(internal)

    def cutoff_index(self, cutoffs) -> np.ndarray:
        """Index of each cut-off (original scale) among the distinct scores: the first internal score
        at or above the internal cut-off (``len(scores)`` when none is), as ``tail_sums`` reads it."""
        return np.searchsorted(self.scores, self.to_internal(cutoffs), side="left")

    def curve(self, at=None) -> tuple[np.ndarray, np.ndarray]:
        """(TP, FP): the verified positives and negatives screening positive at each distinct score
        taken as the cut-off (internal scale, ascending), then 0, 0 above the highest score (nobody
        positive): ``tail_sums`` of ``n_pos`` and ``n_neg``, k + 1 entries each. With ``at``
        (indices into 0..k): those entries only.

        ROC points, the partial AUC, cut-point candidates and the cells at cut-offs read this.

        Examples
        --------
        >>> t = CountTable.from_scores([1, 2, 2, 3], [0, 1, 0, 1])
        >>> [a.tolist() for a in t.curve()]
        [[2, 2, 1, 0], [2, 1, 0, 0]]
        """
        return tail_sums(self.n_pos, at), tail_sums(self.n_neg, at)

    def cells_at(self, cutoffs: Sequence[float]) -> dict[str, np.ndarray]:
        """tp, fp, tn, fn (verified records only) for each cut-off on the original scale.

        A record screens positive when its internal score >= the internal cut-off, which is
        ``score >= cutoff`` for direction ``higher`` and ``score <= cutoff`` for ``lower``.
        """
        idx = self.cutoff_index(np.atleast_1d(np.asarray(cutoffs, dtype=float)))
        tp, fp = self.curve(idx)
        unv = tail_sums(self.n_unverified, idx)
        return {
            "tp": tp,
            "fp": fp,
            "fn": self.n_positive - tp,
            "tn": self.n_negative - fp,
            "unverified_pos": unv,
            "unverified_neg": self.n_unverified_total - unv,
        }

    def to_frame(self) -> pd.DataFrame:
        """The table on the original score scale (tidy, one row per distinct score)."""
        return pd.DataFrame(
            {"score": self.external_scores, "n_pos": self.n_pos, "n_neg": self.n_neg, "n_unverified": self.n_unverified}
        )

    def __add__(self, other: "CountTable") -> "CountTable":
        """Pool two tables of the same score and direction (e.g. two organisations)."""
        if not isinstance(other, CountTable) or other.direction != self.direction:
            return NotImplemented
        return CountTable.from_counts(
            np.concatenate([self.external_scores, other.external_scores]),
            np.concatenate([self.n_pos, other.n_pos]),
            np.concatenate([self.n_neg, other.n_neg]),
            np.concatenate([self.n_unverified, other.n_unverified]),
            self.direction,
            self.n_missing_score + other.n_missing_score,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CountTable):
            return NotImplemented
        return (
            self.direction == other.direction
            and self.n_missing_score == other.n_missing_score
            and all(
                np.array_equal(getattr(self, f), getattr(other, f))
                for f in ("scores", "n_pos", "n_neg", "n_unverified")
            )
        )


_CHUNK = 1 << 20  # records per pass when counting; bounds the temporary memory to a few MB


def tail_sums(counts: np.ndarray, at=None, dtype=np.int64) -> np.ndarray:
    """Counts at or above each cell along the last axis (cells ordered by score, ascending), then 0.

    The one place where "screen-positive at each cut-off" is counted: for a table with k cells the
    result has k + 1 entries along the last axis, entry j = ``counts[..., j:].sum(-1)`` (the records
    positive at a cut-off at cell j; the last, 0, is a cut-off above every score). Leading axes are
    kept (bootstrap replicates, shape (..., k) -> (..., k + 1)). ROC points, the partial AUC,
    cut-point candidates, the cells at cut-offs, decision curves and the bootstrap read it.

    Parameters
    ----------
    counts : ndarray of int, shape (..., k)
    at : array of int in 0..k, optional
        Only these entries, shape (..., len(at)), from one forward cumulative sum (total minus the
        records below), without the (k + 1) array.
    dtype : integer dtype of the result (int32 halves the memory of a long 1-d table).

    Examples
    --------
    >>> tail_sums(np.array([1, 0, 2, 1])).tolist(), tail_sums(np.array([1, 0, 2, 1]), [0, 2, 4]).tolist()
    ([4, 3, 3, 1, 0], [4, 3, 0])
    """
    if at is None:
        # records below each cell (a forward cumulative sum, contiguous), then total minus those, in place
        out = np.empty(counts.shape[:-1] + (counts.shape[-1] + 1,), dtype)
        out[..., 0] = 0
        np.cumsum(counts, axis=-1, out=out[..., 1:])
        np.subtract(out[..., -1:].copy(), out, out=out)
        return out
    at = np.asarray(at)
    if counts.shape[-1] == 0:
        return np.zeros(counts.shape[:-1] + at.shape, dtype)
    cum = np.cumsum(counts, axis=-1, dtype=dtype)
    return cum[..., -1:] - np.where(at > 0, cum[..., np.maximum(at - 1, 0)], 0)


def _reference_as_float(reference) -> np.ndarray:
    """Reference values as float (1, 0, NaN = not verified) without an object copy for numeric input."""
    if isinstance(reference, (pd.Series, pd.Index)) and reference.dtype.kind not in "biuf":
        reference = pd.to_numeric(reference, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(reference)
    if arr.dtype.kind in "biuf":
        return arr.astype(float, copy=False)
    return np.asarray(pd.to_numeric(pd.Series(np.asarray(reference, dtype=object)), errors="raise"), dtype=float)


def _count_records(s: np.ndarray, r: np.ndarray):
    """Distinct scores (increasing) and positives, negatives, unverified per score; records without score.

    Integer-valued scores with a modest range are counted with ``bincount`` in chunks of ``_CHUNK``
    records (O(n) time, O(range + chunk) memory); other scores use ``np.unique`` (O(n log n)).
    """
    n_missing = 0
    lo, hi, integral = np.inf, -np.inf, True
    for start in range(0, len(s), _CHUNK):
        sc, rc = s[start : start + _CHUNK], r[start : start + _CHUNK]
        if np.any(~np.isnan(rc) & (rc != 0) & (rc != 1)):
            raise UsageError("The 'reference' parameter of CountTable.from_scores must hold 1, 0 or missing values.")
        nan = np.isnan(sc)
        n_missing += int(nan.sum())
        if nan.all():
            continue
        lo, hi = min(lo, float(np.nanmin(sc))), max(hi, float(np.nanmax(sc)))
        integral = integral and bool(np.all(nan | (sc == np.floor(sc))))
    if n_missing == len(s):
        empty = np.zeros(0, np.int64)
        return np.zeros(0), empty, empty.copy(), empty.copy(), n_missing
    if integral and hi - lo <= 1_000_000:
        width = int(hi - lo) + 1
        table = np.zeros(3 * width, np.int64)
        for start in range(0, len(s), _CHUNK):
            sc, rc = s[start : start + _CHUNK], r[start : start + _CHUNK]
            ok = ~np.isnan(sc)
            # cell = 3 * (score - lo) + category (0 negative, 1 positive, 2 unverified)
            cell = (sc[ok] - lo).astype(np.int64) * 3 + np.where(np.isnan(rc[ok]), 2, rc[ok]).astype(np.int64)
            table += np.bincount(cell, minlength=3 * width)
        table = table.reshape(width, 3)
        present = table.sum(axis=1) > 0
        values = (np.flatnonzero(present) + lo).astype(float)
        table = table[present]
    else:
        # Split by category and sort each part in place (together one copy of the scores), take the
        # distinct values of the union, and count each part by locating its values among them.
        ok = ~np.isnan(s)
        parts = [s[ok & (r == 0)], s[ok & (r == 1)], s[ok & np.isnan(r)]]
        del ok
        for part in parts:
            part.sort()
        merged = np.concatenate(parts)
        merged.sort()
        keep = np.empty(len(merged), bool)
        keep[0] = True
        np.not_equal(merged[1:], merged[:-1], out=keep[1:])
        values = merged[keep]
        del merged, keep
        k = len(values)
        cols = []
        for i in range(3):
            cols.append(np.bincount(np.searchsorted(values, parts[i]), minlength=k).astype(np.int64, copy=False))
            parts[i] = None
        return values, cols[1], cols[0], cols[2], n_missing
    return values.astype(float), table[:, 1].copy(), table[:, 0].copy(), table[:, 2].copy(), n_missing


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the index of each value into them.

    Integer-valued scores with a modest range (the usual case: counts, sums, category codes) are
    counted with ``bincount`` in O(n); anything else falls back to ``np.unique`` (O(n log n)).
    """
    if values.size == 0:
        return values.astype(float), values.astype(np.int64)
    lo, hi = values.min(), values.max()
    if hi - lo <= 1_000_000 and np.all(values == np.floor(values)):
        shifted = (values - lo).astype(np.int64)
        present = np.bincount(shifted, minlength=int(hi - lo) + 1) > 0
        codes = np.cumsum(present) - 1
        return (np.flatnonzero(present) + lo).astype(float), codes[shifted]
    distinct, index = np.unique(values, return_inverse=True)
    return distinct.astype(float), index.astype(np.int64)
