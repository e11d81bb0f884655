"""Shared test set-up: hypothesis profiles and the project copy used by end-to-end tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def project_copy(tmp: Path, **overrides) -> Path:
    """Copy the pipeline (dvc.yaml, params.yaml, study.yaml, pipeline/, instruments/) into ``tmp`` with params overridden.

    ``overrides`` maps a top-level params group to a dict merged into it.
    """
    for name in ("dvc.yaml", "params.yaml", "study.yaml"):
        shutil.copy(ROOT / name, tmp / name)
    shutil.copytree(ROOT / "pipeline", tmp / "pipeline")
    shutil.copytree(ROOT / "instruments", tmp / "instruments")  # the score stage's dep (own specs)
    (tmp / "src").symlink_to(ROOT / "src")  # stage deps name the library's sources
    params = yaml.safe_load((tmp / "params.yaml").read_text())
    for group, values in overrides.items():
        if isinstance(values, dict) and isinstance(params.get(group), dict):
            params[group].update(values)
        else:
            params[group] = values
    (tmp / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return tmp


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command with the venv's bin first on PATH (as `make` does)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"{cmd} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def evaluate(records, out, *options: str) -> int:
    """Exit status of ``signalering evaluate`` on ``records`` (columns ``score`` and ``reference``)."""
    from signalering.cli import main

    return main(
        [
            "evaluate",
            "--records",
            str(records),
            "--score",
            "score",
            "--reference",
            "reference",
            "--out",
            str(out),
            *options,
        ]
    )


def write_with_faults(records, faults: dict, path: Path) -> Path:
    """Write ``records`` as CSV to ``path`` with cells replaced: ``faults`` = {column: {row: value}}."""
    df = records.astype(object)
    for col, cells in faults.items():
        for row, value in cells.items():
            df.loc[row, col] = value
    df.to_csv(path, index=False)
    return path


def small_demo_project(tmp: Path) -> Path:
    """The pipeline run with ``dvc repro`` on 3,000 demo records and 50 bootstrap replicates in ``tmp``
    (what the report tests read)."""
    p = project_copy(tmp, simulate={"n_records": 3000}, evaluate={"bootstrap": 50})
    run(["dvc", "init", "--no-scm", "-q"], p)
    run(["dvc", "config", "core.analytics", "false"], p)
    run(["dvc", "repro"], p)
    return p


def shared_build(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` run once per test session, its folder shared by every pytest-xdist worker (a
    file lock makes the others wait). Tests must only read it; a test that writes copies it first
    (``copy_project``)."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target = root / name
    with FileLock(str(root / f"{name}.lock")):
        if not (target / ".built").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            (target / ".built").touch()
    return target


def shared_demo_project(tmp_path_factory) -> Path:
    """``small_demo_project`` built once per test session (``shared_build``)."""
    return shared_build(tmp_path_factory, "shared-demo", small_demo_project)


def shared_demo_rerun(tmp_path_factory) -> Path:
    """A copy of ``shared_demo_project`` after ``dvc repro`` (its output kept in ``repro_again.txt``)
    and then ``dvc repro --force``, built once per test session: the one rerun that the determinism
    tests (pipeline outputs, report files) compare with the first run."""

    def build(folder: Path) -> None:
        project = copy_project(shared_demo_project(tmp_path_factory), folder)
        (folder / "repro_again.txt").write_text(run(["dvc", "repro"], project).stdout)
        run(["dvc", "repro", "--force"], project)

    return shared_build(tmp_path_factory, "shared-demo-rerun", build) / "project"


def copy_project(project: Path, tmp: Path) -> Path:
    """A private copy of a built project (the library link kept), for tests that rerun a stage."""
    dest = tmp / "project"
    shutil.copytree(project, dest, symlinks=True)
    return dest


@pytest.fixture
def tmp_project(tmp_path):
    return lambda **overrides: project_copy(tmp_path, **overrides)
