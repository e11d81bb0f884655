"""``calibration.json``: one document for the ``calibration`` command and stage alike (docs/contract.md)."""

from __future__ import annotations

import numpy as np

from ..schema import SCHEMA_VERSION


def calibration_document(
    result, *, instrument: str, risk_source: str, estimated_mapping: bool, reason: str | None = None
) -> dict:
    """The one ``calibration.json`` document, written by ``signalering calibration`` and by the
    ``calibration`` stage alike (docs/contract.md).

    Parameters
    ----------
    result : calibration.CalibrationResult or None
        Its ``to_dict()`` gives the statistics; ``None`` when nothing could be assessed (then ``n``
        is 0 and ``reason`` says why).
    instrument : str          The instrument id (the command: the probability column's name).
    risk_source : str         Where the risks come from (``instruments.instrument_risks``).
    estimated_mapping : bool  The risks come from a mapping estimated on these data (TRIPOD 10e).

    The document carries statistics only: the calibration and decision curves are plot rows, kept
    beside it (the stage: ``reports/plots/``, after small-cell control; the command: its own files).

    >>> sorted(calibration_document(None, instrument="x", risk_source="s", estimated_mapping=False,
    ...                             reason="no records"))
    ['estimated_mapping', 'instrument', 'n', 'reason', 'risk_source', 'schema_version']
    """
    doc = {
        "schema_version": SCHEMA_VERSION,
        "instrument": instrument,
        "risk_source": risk_source,
        "estimated_mapping": bool(estimated_mapping),
    }
    if result is None:
        doc.update({"n": 0, "reason": reason or "undefined"})
    else:
        doc.update(result.to_dict())
    return doc


def group_calibration(p: np.ndarray, y: np.ndarray, confidence: float) -> dict:
    """Calibration of predicted probabilities in one group (undefined with too few events)."""
    from ..stats.calibration import calibration_statistics

    keep = ~np.isnan(p) & ~np.isnan(y)
    return calibration_statistics(p[keep], y[keep], confidence=confidence).to_dict()
