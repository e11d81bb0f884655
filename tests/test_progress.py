"""Progress bars only on a terminal, and the one-line summary every command ends with (stderr)."""

from __future__ import annotations

import io as _io

import numpy as np
import pytest

from signalering import progress
from signalering.cli import main
from signalering.stats import bootstrap
from signalering.stats.counts import CountTable


class Terminal(_io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def records(tmp_path):
    rng = np.random.default_rng(5)
    n = 120
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.2 + 0.4 * y + rng.normal(0, 0.15, n), 0.01, 0.99).round(3)
    r1 = rng.integers(1, 10, n)
    r2 = np.clip(r1 + rng.integers(-1, 2, n), 1, 9)
    lines = ["id,y,p,r1,r2"] + [f"R{i},{y[i]},{p[i]},{r1[i]},{r2[i]}" for i in range(n)]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "argv, command, written",
    [
        (["evaluate", "--score", "p", "--reference", "y", "--bootstrap", "20"], "evaluate", "accuracy.json"),
        (["compare", "--score", "p", "--score", "r1", "--reference", "y"], "compare", "comparison.json"),
        (
            ["calibration", "--probability", "p", "--reference", "y", "--bootstrap", "10"],
            "calibration",
            "calibration.json",
        ),
        (["reliability", "--raters", "r1,r2"], "reliability", "reliability.json"),
    ],
)
def test_a_command_ends_with_one_summary_line_on_stderr_and_stdout_stays_clean(
    records, tmp_path, capsys, argv, command, written
):
    out = tmp_path / "out"
    assert main([argv[0], "--records", records, *argv[1:], "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"signalering: {command}: wrote ")
    assert str(out / written) in lines[0] and (out / written).is_file()


def test_aggregate_and_evaluate_aggregate_summaries(records, tmp_path, capsys):
    table = tmp_path / "counts.csv"
    assert (
        main(
            [
                "aggregate",
                "--records",
                records,
                "--score",
                "r1",
                "--reference",
                "y",
                "--out",
                str(table),
                "--exact-counts-under-agreement",
            ]
        )
        == 0
    )
    assert capsys.readouterr().err.splitlines() == [
        f"signalering: aggregate: wrote {table} (a table of counts; no record-level data)"
    ]
    assert main(["evaluate-aggregate", "--tables", str(table), "--score", "r1", "--out", str(tmp_path / "ev")]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("signalering: evaluate-aggregate: wrote 1 organisation document,")


def test_a_refused_command_prints_no_summary(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("id,y,p\nR1,1,x\nR2,0,0.2\n", encoding="utf-8")
    assert (
        main(["evaluate", "--records", str(path), "--score", "p", "--reference", "y", "--out", str(tmp_path / "o")])
        == 3
    )
    err = capsys.readouterr().err
    assert "wrote" not in err and err.startswith("signalering: error:")


def test_no_bar_unless_stderr_is_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", _io.StringIO())
    shown = progress.bar([1, 2, 3], desc="x")
    assert list(shown) == [1, 2, 3] and not progress.enabled()
    shown.update(5)
    shown.close()
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert progress.enabled()
    monkeypatch.setenv("SIGNALERING_PROGRESS", "0")
    assert not progress.enabled()


def test_the_bootstrap_shows_a_bar_on_a_terminal_and_gives_the_same_replicates(monkeypatch):
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.3
    counts = CountTable.from_scores(rng.normal(y.astype(float), 1.0), y.astype(float), "higher")
    quiet = bootstrap.bootstrap_accuracy(counts, 300, np.random.default_rng(1))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    shown = bootstrap.bootstrap_accuracy(counts, 300, np.random.default_rng(1))
    assert "bootstrap" in terminal.getvalue() and "300" in terminal.getvalue()
    assert np.array_equal(quiet.auc, shown.auc)
