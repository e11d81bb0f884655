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
