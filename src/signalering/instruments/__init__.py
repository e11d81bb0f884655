"""Instruments as declarative, versioned YAML specifications, and the scoring that reads them.

>>> from signalering.instruments import load_specs, score_records
>>> specs = load_specs(["sdq-parent@1", "risk-checklist@2"])
>>> [s.id for s in specs]
['sdq-parent@1', 'risk-checklist@2']

See ``docs/instruments.md`` for every field of a specification.
"""

from signalering.instruments.coding import Coding, Gate, Item, MissingRule
from signalering.instruments.cutoffs import Band, BandedCutoff, Cutoff, PositiveRule
from signalering.instruments.kinds import Component, Rater
from signalering.instruments.loading import (
    BUNDLED_DIR,
    bundled_ids,
    load_spec,
    load_specs,
    read_yaml,
    spec_from_mapping,
)
from signalering.instruments.questionnaire import BandSet, Scale
from signalering.instruments.risk import RiskMapping
from signalering.instruments.scoring import (
    BandAssignment,
    ScoreResult,
    assign_band_cutoffs,
    assign_bands,
    banded_column,
    banded_cutoff_columns,
    instrument_risks,
    item_values,
    risk_from_scores,
    score_records,
    screen_positive,
)
from signalering.instruments.spec import KINDS, InstrumentSpec

__all__ = [
    "BUNDLED_DIR",
    "KINDS",
    "Band",
    "BandAssignment",
    "BandSet",
    "BandedCutoff",
    "Coding",
    "Component",
    "Cutoff",
    "Gate",
    "InstrumentSpec",
    "Item",
    "MissingRule",
    "PositiveRule",
    "Rater",
    "RiskMapping",
    "Scale",
    "ScoreResult",
    "assign_band_cutoffs",
    "assign_bands",
    "banded_column",
    "banded_cutoff_columns",
    "bundled_ids",
    "item_values",
    "load_spec",
    "load_specs",
    "read_yaml",
    "instrument_risks",
    "risk_from_scores",
    "score_records",
    "screen_positive",
    "spec_from_mapping",
]
