"""Dutch is Dutch: the Dutch report shows no English reason, method id or decimal point (issue 15).

The data documents stay English (they are the contract); the report translates their phrases at
render time (``views.Fmt.say``). Literal content (parameters, file names, software versions,
literature references) is marked ``translate="no"`` in the template and not checked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import shared_demo_project

from signalering.report import build, figures, views

# English words that are not Dutch words (so "of", "records", "interval" are not in the list)
ENGLISH = re.compile(
    r"\b(the|and|not|with|from|this|that|which|every|cannot|undefined|withheld|suppressed|"
    r"estimated|missing|allowed|shown|small|numbers|needs|nobody|duplicate|below|above|random|"
    r"given|cross-validated|fold|own|declared|reason)\b|youden|closest_to_01|min_cost"
)
# a decimal point: digits, a point, then not exactly three digits (a Dutch thousands group is "20.000")
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.(?:\d{1,2}|\d{4,})(?![\d.])")


class Visible(HTMLParser):
    """The text a reader sees (SVG text included), without scripts, styles and translate="no" parts."""

    SKIP = ("script", "style", "code")

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[tuple[bool, str]] = []  # (inside an <svg>, text)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "input", "hr", "wbr", "col"):
            return
        skip = tag in self.SKIP or dict(attrs).get("translate") == "no"
        self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if data.strip() and not any(skip for _, skip in self.stack):
            self.chunks.append((any(t == "svg" for t, _ in self.stack), data.strip()))


def english_fragments(html: str) -> list[str]:
    """Visible text fragments with an English word or a decimal point."""
    v = Visible()
    v.feed(html)
    return [text for _, text in v.chunks if ENGLISH.search(text) or DECIMAL_POINT.search(text)]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return shared_demo_project(tmp_path_factory)


def test_the_checker_finds_english_and_decimal_points():
    assert english_fragments("<p>reference standard is not 1, 0 or empty</p>")
    assert english_fragments("<p>Methode: youden</p>")
    assert english_fragments("<svg><text>0.5</text></svg>")
    assert not english_fragments("<p>Er zijn 20.000 records ontvangen; 0,5 of 1</p>")
    assert not english_fragments('<pre translate="no">ci_method: wilson</pre><code>the_key</code>')


def test_the_dutch_report_has_no_english_left(project):
    html = (project / "reports/validatierapport.html").read_text(encoding="utf-8")
    left = english_fragments(html)
    assert not left, left[:10]
    # the English report is checked by the same words the other way round: it is English
    assert english_fragments((project / "reports/validation_report.html").read_text(encoding="utf-8"))


def test_the_dutch_pdf_has_no_english_left(project):
    from pypdf import PdfReader

    text = "\n".join(
        page.extract_text() or ""
        for name in ("validatierapport", "validatierapport_bijlage")
        for page in PdfReader(project / "reports" / f"{name}.pdf").pages
    )
    for phrase in (
        "not one of the allowed",
        "withheld (small numbers)",
        "missing at random",
        "cross-validated",
        "closest_to_01",
        "min_cost",
        "reference standard is not",
    ):
        assert phrase not in text


@pytest.fixture(scope="module")
def nl():
    t = build.load_texts("nl")
    return views.Fmt("nl", t), t


@pytest.mark.parametrize(
    "phrase",
    [
        "child_sex: not one of the allowed codes ['m', 'f']",
        "record_id: duplicate record_id (every copy excluded)",
        "reference: reference standard is not 1, 0 or empty",
        "age: not a number",
        "age: not a finite number",
        "age: below the allowed minimum 0",
        "age: above the allowed maximum 18",
        "age: not a whole number",
        "sdq-parent: total not computable: subscale 'emotional' has fewer than 3 answered items; "
        "subscale 'conduct' has fewer than 3 answered items",
        "withheld (small numbers)",
        "verification missing at random given the screen result at the cut-off",
        "estimated: 10-fold cross-validated logistic regression of the reference on the score",
        "risk mapping declared in the specification (logistic)",
        "the instrument's own probability",
        "no reference-positive records",
        "nobody screens positive",
        "undefined: a zero cell (fn or tn is 0) makes LR- zero or infinite",
        "sensitivity-observation: no rating from any rater",
        "obs: fewer than 2 ratings, and fallback first_available: first rater ('r1') gave no rating",
        "combo: component 'sdq@1' not scored (sdq: total not computable: subscale 'peer' has fewer than 3 answered "
        "items; subscale 'x' has fewer than 2 answered items); component 'r@1' not scored (r: 3 of 10 items "
        "unanswered (at most 2 allowed))",
        "a phrase nobody has written yet",
    ],
)
def test_every_phrase_is_dutch(nl, phrase):
    fmt, _ = nl
    said = fmt.say(phrase)
    assert not english_fragments(f"<p>{said}</p>"), said
    assert not english_fragments(f"<p>{fmt.reason({'estimate': None, 'reason': phrase})}</p>")


def test_variable_parts_are_kept(nl):
    fmt, t = nl
    assert fmt.say("child_sex: not one of the allowed codes ['m', 'f']") == "child_sex: " + t["reasons"][
        "not_allowed_codes"
    ].format(codes="['m', 'f']")
    assert "'emotional'" in fmt.say("sdq: total not computable: subscale 'emotional' has fewer than 3 answered items")
    assert fmt.say("a phrase nobody has written yet") == t["reason_other"]
    assert fmt.say("risk mapping declared in the specification (logistic)") == t["reasons"]["declared_mapping"].format(
        link=t["method_names"]["logistic"]
    )


def test_english_keeps_unknown_phrases_and_names_methods():
    fmt = views.Fmt("en", build.load_texts("en"))
    assert fmt.say("a phrase nobody has written yet") == "a phrase nobody has written yet"
    assert (
        fmt.say("reference: reference standard is not 1, 0 or empty")
        == "reference: reference standard is not 1, 0 or empty"
    )
    assert fmt.method("youden") == "Youden index"
    assert views.Fmt("nl", build.load_texts("nl")).method("closest_to_01") != "closest_to_01"


def test_figure_ticks_use_the_readers_decimal_mark():
    labels = {"title": "ROC", "x": "x", "y": "y", "curve": "c", "chance": "k", "prespecified": "p", "exploratory": "e"}
    en = figures.roc_svg([(0, 0), (0.5, 0.7), (1, 1)], [], labels)
    nl = figures.roc_svg([(0, 0), (0.5, 0.7), (1, 1)], [], {**labels, "decimal": ","})
    assert ">0.2<" in en and ">0,2<" in nl and ">0.2<" not in nl


@pytest.mark.parametrize(
    "phrase",
    [
        "child_sex: not one of the allowed codes ['m', 'f']",
        "sdq-parent: total not computable: subscale 'peer' has fewer than 3 answered items",
        "combo: component 'sdq@1' not scored (sdq: total not computable: subscale 'peer' has fewer than 3 answered "
        "items; subscale 'x' has fewer than 2 answered items); component 'r@1' not scored (r: no score recorded)",
        "estimated: 10-fold cross-validated logistic regression of the reference on the score",
    ],
)
def test_the_english_report_shows_the_documents_phrases_unchanged(phrase):
    assert views.Fmt("en", build.load_texts("en")).say(phrase) == phrase


def test_instrument_kinds_have_names_in_both_languages():
    from signalering.instruments.spec import KINDS

    en, nl = build.load_texts("en")["kind_names"], build.load_texts("nl")["kind_names"]
    assert set(en) == set(nl) == set(KINDS)
    assert nl["questionnaire"] != "questionnaire"
