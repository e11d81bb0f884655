"""The arrows point one way (docs/design.md): the command line imports everything and nothing imports it;
documents import statistics; statistics import only statistics and the leaf modules."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "signalering"
LEAVES = {"errors", "schema", "progress"}
MODULES = sorted(p.relative_to(PACKAGE).with_suffix("").as_posix() for p in PACKAGE.rglob("*.py"))
STATISTICS = [m for m in MODULES if m.startswith("stats/")]
DOCUMENTS = [m for m in MODULES if m.startswith("documents/")]


def imported(module: str) -> set[str]:
    """The package modules ``module`` (a path below the package, no suffix) imports, anywhere in the
    file, as dotted names below ``signalering`` (``stats.roc``, ``errors``, ``documents``); for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a module or a name)."""
    here = module.split("/")[:-1]
    out = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1] + ([node.module] if node.module else [])
            elif (node.module or "").startswith("signalering"):
                base = node.module.split(".")[1:]
            else:
                continue
            prefix = ".".join(p for part in base for p in part.split("."))
            out |= {f"{prefix}.{a.name}".lstrip(".") for a in node.names} | ({prefix} if prefix else set())
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix("signalering.") for a in node.names if a.name.startswith("signalering.")}
    return out


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("module", STATISTICS)
def test_statistics_import_only_statistics_and_leaves(module):
    assert {top(n) for n in imported(module)} <= {"stats"} | LEAVES


@pytest.mark.parametrize("module", DOCUMENTS)
def test_documents_do_not_import_the_command_line_or_the_report(module):
    assert not {top(n) for n in imported(module)} & {"cli", "report", "instruments", "scale", "ingest", "params"}


@pytest.mark.parametrize("module", [m for m in MODULES if m != "cli"])
def test_nothing_imports_the_command_line(module):
    assert "cli" not in {top(n) for n in imported(module)}


# the report's steps (docs/design.md): inputs, then views (with verdict and figures), then build
REPORT_BELOW = {
    "report/inputs": {"report.views", "report.build", "report.verdict", "report.figures", "report.plan_page"},
    "report/verdict": {"report.inputs", "report.views", "report.build", "report.figures", "report.plan_page"},
    "report/figures": {"report.inputs", "report.views", "report.build", "report.verdict", "report.plan_page"},
    "report/views": {"report.build", "report.plan_page"},
}


@pytest.mark.parametrize("module", sorted(REPORT_BELOW))
def test_the_report_steps_import_only_earlier_steps(module):
    names = imported(module)
    assert not {n for n in names if any(n == m or n.startswith(f"{m}.") for m in REPORT_BELOW[module])}


def test_the_check_sees_imports():
    assert {"stats.counts", "errors", "stats.roc"} <= imported("stats/bootstrap")
    assert "stats.subgroups" in imported("documents/subgroups")
    assert "stats.calibration" in imported("documents/comparison")
    assert "documents" in imported("cli")
    assert {"report.inputs", "report.verdict", "report.figures"} <= imported("report/views")


def private_imports(source: str, folder: Path | None = None) -> set[str]:
    """Names starting with one underscore that ``source`` imports from another module of the package.
    A private module (``_continuous.py``) may be imported by its siblings in ``folder``: it is private
    to its package, not to one file."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("signalering")):
            sibling = node.level == 1 and not node.module and folder is not None
            out |= {
                a.name
                for a in node.names
                if a.name.startswith("_")
                and not a.name.startswith("__")
                and not (sibling and (folder / f"{a.name}.py").is_file())
            }
    return out


@pytest.mark.parametrize("module", MODULES)
def test_no_private_name_crosses_modules(module):
    path = PACKAGE / f"{module}.py"
    assert not private_imports(path.read_text(encoding="utf-8"), path.parent)


def test_the_private_check_sees_one():
    assert private_imports("from .x import _secret, public\nfrom signalering.y import (a,\n _b)") == {"_secret", "_b"}
    # an alias may be private, a dunder or another package's private name is not ours to judge
    assert not private_imports("from . import cutpoints as _cp\nfrom . import __version__\nfrom numpy import _x")
    stats = PACKAGE / "stats"
    assert not private_imports("from . import _continuous", stats)  # a sibling private module
    assert private_imports("from . import _continuous", PACKAGE) == {"_continuous"}  # not a sibling here
    assert private_imports("from ._continuous import _hidden", stats) == {"_hidden"}
