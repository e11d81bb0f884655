"""The arrows point one way: documents (``outputs``) import statistics, never the other way round."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "signalering"
STATISTICS = (
    "accuracy",
    "bootstrap",
    "calibration",
    "compare",
    "counts",
    "cutpoints",
    "decision",
    "intervals",
    "meta_analysis",
    "reliability",
    "roc",
    "schema",
    "subgroups",
    "verification",
)
DOCUMENT_LAYER = {"outputs", "cli", "report"}


def imported(module: str) -> set[str]:
    """The package modules ``module`` imports (relative or absolute), anywhere in the file."""
    out = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = (node.module or "").removeprefix("signalering").lstrip(".")
            if node.level or (node.module or "").startswith("signalering"):
                out |= {base.split(".")[0]} if base else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("signalering.")}
    return out


@pytest.mark.parametrize("module", STATISTICS)
def test_statistics_do_not_import_the_document_layer(module):
    assert not imported(module) & DOCUMENT_LAYER


def test_the_check_sees_an_import():
    assert "subgroups" in imported("outputs") and "schema" in imported("compare")
