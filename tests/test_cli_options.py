"""Options that several commands share are defined once, with their rule: every command that takes
``--seed``, ``--bootstrap``, ``--confidence``, ``--prevalence``, ``--cutoff``, ``--min-cell`` or
``--out`` refuses the same wrong word with exit 2 and the same message, before anything is read or
written (docs/input-files.md, "Wrong words"). The commands and their options are read from the
parser, so a new command that takes one of these options is checked too."""

import numpy as np
import pandas as pd
import pytest

from signalering.cli import build_parser, main

N = 60


def _options() -> dict[str, dict]:
    """Per command, its options (flag -> argparse action), read from the parser."""
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return {name: dict(p._option_string_actions) for name, p in sub.choices.items()}


OPTIONS = _options()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, list[str]]:
    """Per command, words that run it successfully (checked below): the wrong word is appended,
    so it is the only thing wrong (argparse keeps the last value of a repeated option)."""
    tmp = tmp_path_factory.mktemp("words")
    rng = np.random.default_rng(11)
    ref = np.tile([1, 0], N // 2)
    score = np.round(rng.normal(ref, 1.0), 1)
    records = tmp / "r.csv"
    pd.DataFrame(
        {
            "record_id": [f"R{i:03d}" for i in range(N)],
            "reference": ref,
            "score": score,
            "score_b": np.round(score + rng.normal(0, 1, N), 1),
            "p": np.round(np.clip(0.2 + 0.5 * ref + rng.normal(0, 0.1, N), 0.01, 0.99), 3),
            "r1": rng.integers(1, 6, N),
            "r2": rng.integers(1, 6, N),
        }
    ).to_csv(records, index=False)
    r = ["--records", str(records)]
    table = tmp / "table.csv"
    published = tmp / "published"
    published.mkdir()
    words = {
        "evaluate": ["evaluate", *r, "--score", "score", "--reference", "reference", "--cutoff", "0.5"],
        "compare": ["compare", *r, "--score", "score", "--score", "score_b", "--reference", "reference"],
        "calibration": ["calibration", *r, "--probability", "p", "--reference", "reference", "--bootstrap", "3"],
        "reliability": ["reliability", *r, "--raters", "r1,r2"],
        "aggregate": ["aggregate", *r, "--score", "score", "--reference", "reference", "--min-cell", "1"]
        + ["--exact-counts-under-agreement"],
        "evaluate-aggregate": ["evaluate-aggregate", "--tables", str(table), "--score", "score"]
        + ["--meta-method", "none", "--cutoff", "0.5"],
        "init": ["init", *r, "--reference", "reference", "--score", "score"],
        "disclosure-audit": ["disclosure-audit", str(published)],
        "plan": ["plan", "--sensitivity", "0.8", "--specificity", "0.8", "--prevalence", "0.2"]
        + ["--half-width", "0.2", "--simulate", "5"],
    }
    assert main([*words["aggregate"], "--out", str(table)]) == 0  # the table evaluate-aggregate reads
    return words


def _out(command: str, tmp_path) -> str:
    """A fresh output path of the kind the command writes."""
    kind = OPTIONS[command]["--out"].metavar
    return str(tmp_path / ("out" if kind == "DIR" else "out.json" if command != "init" else "params.yaml"))


@pytest.mark.parametrize("command", [c for c in OPTIONS if "--out" in OPTIONS[c]])
def test_the_base_words_run(command, base, tmp_path, capsys):
    """The base words are right, so an exit 2 below comes from the wrong word alone."""
    assert main([*base[command], "--out", _out(command, tmp_path)]) == 0, capsys.readouterr().err


WRONG = [
    ("--seed", "-1"),
    ("--seed", "1.5"),
    ("--bootstrap", "-1"),
    ("--confidence", "nan"),
    ("--confidence", "1"),
    ("--prevalence", "inf"),
    ("--prevalence", "0"),
    ("--cutoff", "nan"),
    ("--cutoff", "-inf"),
    ("--min-cell", "0"),
    ("--min-cell", "-3"),
]


@pytest.mark.parametrize("option, value", WRONG)
def test_every_command_refuses_a_wrong_number_the_same_way(option, value, base, tmp_path, capsys):
    commands = [c for c in OPTIONS if option in OPTIONS[c]]
    assert len(commands) >= 2  # a shared option
    messages = set()
    for command in commands:
        out = _out(command, tmp_path / command)
        assert main([*base[command], "--out", out, f"{option}={value}"]) == 2, command  # '=': '-inf' is no flag
        err = capsys.readouterr().err
        assert "Traceback" not in err and not (tmp_path / command).exists(), command
        last = err.strip().splitlines()[-1]
        assert option in last and repr(value) in last, command
        messages.add(last)
    assert len(messages) == 1, messages


@pytest.mark.parametrize("kind", ["DIR", "FILE"])
def test_every_command_refuses_an_out_of_the_other_kind_the_same_way(kind, base, tmp_path, capsys):
    commands = [c for c in OPTIONS if "--out" in OPTIONS[c] and OPTIONS[c]["--out"].metavar == kind]
    assert len(commands) >= 3
    blocker = tmp_path / "blocker"
    if kind == "DIR":
        blocker.write_text("keep me")
    else:
        blocker.mkdir()
    messages = set()
    for command in commands:
        assert main([*base[command], "--out", str(blocker)]) == 2, command
        err = capsys.readouterr().err
        assert "Traceback" not in err, command
        messages.add(err.strip().splitlines()[-1])
        if kind == "DIR":
            assert blocker.read_text() == "keep me"
        else:
            assert not any(blocker.iterdir()), command
    assert messages == {
        f"signalering: error: --out must name a {'folder' if kind == 'DIR' else 'file'}; '{blocker}' is an existing "
        f"{'file' if kind == 'DIR' else 'folder'}."
    }


def test_a_wrong_out_is_refused_before_the_records_are_read(base, tmp_path, capsys):
    """The --out rule runs before the command: a refused file would otherwise be exit 3."""
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    words = [w if w != base["evaluate"][2] else str(tmp_path / "missing.csv") for w in base["evaluate"]]
    assert main([*words, "--out", str(blocker)]) == 2
    assert "--out must name a folder" in capsys.readouterr().err
