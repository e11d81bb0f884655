"""The study flow (STARD item 19): every received record is analysed or excluded with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UsageError


@dataclass(frozen=True, slots=True)
class Flow:
    """Counts of the ingest stage; ``received == analysed + sum(excluded.values())`` always holds."""

    received: int
    analysed: int
    excluded: dict[str, int] = field(default_factory=dict)
    unverified: int = 0
    window_days: int | None = None  # the follow-up window (ingest.followup), None = none
    short_followup: int = 0  # of `unverified`: negatives followed for less than the window
    event_after_window: int = 0  # of the verified negatives: positives whose event came after the window

    def __post_init__(self) -> None:
        if self.received != self.analysed + sum(self.excluded.values()):
            raise UsageError(
                f"Flow counts do not add up: received {self.received} != analysed {self.analysed} "
                f"+ excluded {sum(self.excluded.values())}."
            )

    def to_dict(self) -> dict:
        out = {
            "schema_version": 1,
            "received": self.received,
            "analysed": self.analysed,
            "excluded": dict(sorted(self.excluded.items())),
            "verified": self.analysed - self.unverified,
            "unverified": self.unverified,
        }
        if self.window_days is not None:
            out["followup"] = {
                "window_days": self.window_days,
                "unverified_short_followup": self.short_followup,
                "unverified_other": self.unverified - self.short_followup,
                "negative_event_after_window": self.event_after_window,
            }
        return out
