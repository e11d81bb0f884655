"""Reading ``params.yaml`` for a pipeline stage, and running a stage with the CLI's exit statuses.

Each stage script names the top-level groups it reads (``PARAMS``); ``load`` returns only those,
and a test checks that ``dvc.yaml`` declares exactly them, so ``dvc exp run -S group.key=value``
re-runs every stage that reads the key.
"""
from __future__ import annotations

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
