"""The "not applicable" document a pipeline stage writes when it has nothing to do.

A stage whose input gives it no work (no instrument with two raters or several items, no
probability or risk mapping, no subgroup column, no pair to compare) still succeeds: it writes
``<its output folder>/_not_applicable.json`` and nothing else, so DVC has an output to cache and the
report can say in one line why the section is empty (``report/i18n/*.yaml``, key
``not_applicable``). The leading underscore keeps the file apart from the per-instrument documents
(an instrument id starts with a letter or digit).
"""

from __future__ import annotations

import json
from pathlib import Path

FILE = "_not_applicable.json"
STAGES = ("compare", "subgroups", "calibration", "reliability", "meta_analysis")


def document(stage: str, reason: str) -> dict:
    """The document: ``{"schema_version": 1, "stage", "applicable": false, "reason"}``.

    ``reason`` is in English for the log; the report shows its own translated line per stage.
    """
    if stage not in STAGES:
        raise ValueError(
            f"The 'stage' parameter of not_applicable.document must be one of {STAGES}. Got {stage!r} instead."
        )
    return {"schema_version": 1, "stage": stage, "applicable": False, "reason": reason}


def write(folder: str | Path, stage: str, reason: str) -> Path:
    """Write the document into ``folder`` (created if needed) and return its path."""
    from ..io import write_json

    path = Path(folder) / FILE
    write_json(path, document(stage, reason))
    return path


def read(folder: str | Path) -> dict | None:
    """The document in ``folder``, or None when the stage had work to do (or did not run)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
