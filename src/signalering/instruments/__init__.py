"""Instruments as declarative, versioned YAML specifications, and the scoring that reads them.

>>> from signalering.instruments import load_specs, score_records
>>> specs = load_specs(["sdq-parent@1", "risk-checklist@2"])
>>> [s.id for s in specs]
['sdq-parent@1', 'risk-checklist@2']

See ``docs/instruments.md`` for every field of a specification.
"""

from signalering.instruments.loading import (
    BUNDLED_DIR,
    bundled_ids,
    load_spec,
    load_specs,
    read_yaml,
    spec_from_mapping,
)
from signalering.instruments.scoring import ScoreResult, assign_bands, item_values, risk_from_scores, score_records
from signalering.instruments.spec import (
    KINDS,
    BandSet,
    Coding,
    Component,
    Cutoff,
    InstrumentSpec,
    Item,
    MissingRule,
    PositiveRule,
    Rater,
    RiskMapping,
    Scale,
)

__all__ = [
    "BUNDLED_DIR",
    "KINDS",
    "BandSet",
    "Coding",
    "Component",
    "Cutoff",
    "InstrumentSpec",
    "Item",
    "MissingRule",
    "PositiveRule",
    "Rater",
    "RiskMapping",
    "Scale",
    "ScoreResult",
    "assign_bands",
    "bundled_ids",
    "item_values",
    "load_spec",
    "load_specs",
    "read_yaml",
    "risk_from_scores",
    "score_records",
    "spec_from_mapping",
]
