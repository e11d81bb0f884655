"""The output documents of docs/contract.md, each built in one place and used by the command line and
the pipeline stages alike; their publishable copies (:mod:`.disclosure`), the audit that checks them
(:mod:`.audit`) and the "not applicable" document of a stage with nothing to do (:mod:`.not_applicable`).

Documents import statistics (:mod:`signalering.stats`), never the other way round.
"""

from .accuracy import NO_BAND_RECORDS, accuracy_document, banded_threshold_entry, threshold_entries
from .calibration import calibration_document
from .comparison import at_cutoffs_entry, comparison_document, judgement_document
from .subgroups import subgroup_document

__all__ = [
    "NO_BAND_RECORDS",
    "accuracy_document",
    "at_cutoffs_entry",
    "banded_threshold_entry",
    "calibration_document",
    "comparison_document",
    "judgement_document",
    "subgroup_document",
    "threshold_entries",
]
