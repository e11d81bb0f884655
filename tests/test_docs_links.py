"""Every document the code or the docs point to is in the repository (issue 16's acceptance)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (".py", ".md", ".yaml", ".toml")
MENTION = re.compile(r"\bdocs/[A-Za-z0-9_.-]+\.md\b")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def text_files():
    for folder in ("src", "pipeline", "docs", "tests", "benchmarks"):
        for p in (ROOT / folder).rglob("*"):
            if p.suffix in TEXT and "reference" not in p.parts and p.is_file():
                yield p
    for name in ("README.md", "params.yaml", "dvc.yaml", "study.yaml"):
        if (ROOT / name).is_file():
            yield ROOT / name


def test_every_docs_page_mentioned_exists():
    missing = {
        f"{p.relative_to(ROOT)} -> {m}"
        for p in text_files()
        for m in MENTION.findall(p.read_text(encoding="utf-8", errors="replace"))
        if not (ROOT / m).is_file()
    }
    assert not missing, sorted(missing)


def test_relative_links_in_the_docs_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = {
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("mailto:") and not (page.parent / target).exists()
    }
    assert not broken, sorted(broken)


def test_the_checks_see_a_mention_and_a_link():
    assert MENTION.findall("see docs/design.md.") == ["docs/design.md"]
    assert LINK.findall("[x](a.md#b) [y](https://e.org)") == ["a.md", "https://e.org"]


DOTTED = re.compile(r"\bsignalering(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^from (signalering[\w.]*) import ([\w, ]+)$", re.M)


def resolves(name: str) -> bool:
    """``signalering.a.b.c`` names a module or an attribute of one (the longest importable prefix)."""
    import importlib

    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_the_library_names_in_the_docs_exist():
    """A module or function the docs name (``signalering.stats.roc.auc_delong``, ``from signalering.stats
    import calibration``) is where they say: a moved function is not left behind in the prose."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    missing = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        names = set(DOTTED.findall(text))
        names |= {f"{mod}.{n.strip()}" for mod, ns in FROM_IMPORT.findall(text) for n in ns.split(",") if n.strip()}
        missing |= {f"{page.relative_to(ROOT)} -> {n}" for n in names if not resolves(n)}
    assert not missing, sorted(missing)


def test_the_name_check_sees_a_moved_function():
    assert resolves("signalering.stats.roc.auc_delong") and resolves("signalering.documents.accuracy_document")
    assert not resolves("signalering.roc.auc_delong") and not resolves("signalering.stats.compare.comparison_document")
    assert FROM_IMPORT.findall("x\nfrom signalering.stats import calibration, roc\n") == [
        ("signalering.stats", "calibration, roc")
    ]
