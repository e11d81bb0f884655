"""The output documents of docs/contract.md, each built in one place and used by the command line and
the pipeline stages alike; their publishable copies (:mod:`.disclosure`), the audit that checks them
(:mod:`.audit`) and the "not applicable" document of a stage with nothing to do (:mod:`.not_applicable`).

Documents import statistics (:mod:`signalering.stats`), never the other way round.

The builders are named here and loaded on first use (PEP 562), so a command imports only what it
builds: ``evaluate`` never pays for the comparison's or calibration's statistics (``scipy.stats``).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "NO_BAND_RECORDS": "accuracy",
    "accuracy_document": "accuracy",
    "banded_threshold_entry": "accuracy",
    "threshold_entries": "accuracy",
    "calibration_document": "calibration",
    "at_cutoffs_entry": "comparison",
    "comparison_document": "comparison",
    "judgement_document": "comparison",
    "plan_document": "plan",
    "subgroup_document": "subgroups",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
