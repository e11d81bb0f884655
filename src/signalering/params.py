"""Reading ``params.yaml`` for a pipeline stage, and running a stage with the CLI's exit statuses.

Each stage script names the top-level groups it reads (``PARAMS``); ``load`` returns only those,
and a test checks that ``dvc.yaml`` declares exactly them, so ``dvc exp run -S group.key=value``
re-runs every stage that reads the key.
"""
from __future__ import annotations

import shutil
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterable

import yaml

from .errors import InputError, UsageError

PARAMS_FILE = Path("params.yaml")


def load(groups: Iterable[str], path: str | Path = PARAMS_FILE) -> dict:
    """The named top-level groups of ``params.yaml`` (a missing group is a usage error)."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(str(path), f"cannot read the parameter file ({type(exc).__name__})") from None
    missing = [g for g in groups if g not in doc]
    if missing:
        raise InputError(str(path), "a required parameter group is missing", column=missing[0])
    return {g: doc[g] for g in groups}


def fresh_dirs(*paths: str | Path) -> None:
    """Empty (or create) a stage's output folders, so no file of an earlier run is left behind."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        Path(path).mkdir(parents=True)


def evaluation_cutoffs(instrument: dict, overrides: dict) -> list[float] | None:
    """The cut-offs an instrument is evaluated at: ``evaluate.cutoffs[id]`` when given, else every
    cut-off value of its specification (``instruments.json``), each once, in the spec's order."""
    values = overrides.get(instrument["id"]) or [c["value"] for c in instrument["cutoffs"]]
    return list(dict.fromkeys(map(float, values))) or None


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage: input errors exit 3 and usage errors 2, with one message and no traceback.

    Set ``SIGNALERING_DEBUG=1`` to see the traceback.
    """
    import os
    try:
        main()
    except InputError as exc:
        _report(exc, 3, os.environ.get("SIGNALERING_DEBUG"))
    except UsageError as exc:
        _report(exc, 2, os.environ.get("SIGNALERING_DEBUG"))


def _report(exc: Exception, status: int, debug) -> None:
    if debug:
        traceback.print_exc()
    print(f"signalering: error: {exc}", file=sys.stderr)
    sys.exit(status)
