"""Every sentence of the report true for the data at hand (issue 15, item 3).

The report is rendered (both languages) on small hand-made data sets, each passed through the same
disclosure control as in the pipeline (``inputs.publishable``): complete verification, partial
verification, tiny data with small cells, and a single instrument. The tests assert that the false
sentences the issue lists are absent and the right ones present.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from signalering import documents
from signalering.report import build, inputs, verdict, views
from signalering.stats.counts import CountTable

PARAMS = {
    "seed": 1,
    "evaluate": {"prevalences": [0.034], "ci_method": "wilson", "confidence": 0.95},
    "disclosure": {"min_cell": 10},
    "report": {"criteria": {"default": {"sensitivity_min": 0.5}}},
}
SPEC = {
    "id": "score@1",
    "name": "score",
    "version": "1",
    "kind": "score",
    "direction": "higher",
    "cutoffs": [{"name": "protocol", "value": 2.0, "prespecified": True}],
}


def accuracy(pos, neg, unverified=None, cutoffs=(2.0,), spec=SPEC) -> dict:
    counts = CountTable.from_counts(np.arange(len(pos)), pos, neg, unverified)
    doc = documents.accuracy_document(counts, list(cutoffs), prevalences=[0.034])
    names = {float(c["value"]): c["name"] for c in spec["cutoffs"]}
    for e in doc["thresholds"]:
        e["names"] = [names[e["cutoff"]]] if e["cutoff"] in names else []
        e["prespecified"] = e["cutoff"] in names and any(
            c["prespecified"] for c in spec["cutoffs"] if float(c["value"]) == e["cutoff"]
        )
    doc["instrument"] = spec
    return doc


def flow_of(docs: dict, excluded: dict | None = None) -> dict:
    doc = next(iter(docs.values()))
    analysed = doc["n"] + doc["n_missing_score"]
    unv = doc["n_unverified"]
    excluded = excluded or {}
    return {
        "received": analysed + sum(excluded.values()),
        "analysed": analysed,
        "excluded": excluded,
        "verified": analysed - unv,
        "unverified": unv,
        "file_sha256": "0" * 64,
    }


def render(docs: dict, params: dict = PARAMS, flow: dict | None = None, comparisons=()) -> dict[str, str]:
    inp = inputs.Inputs(
        flow=flow or flow_of(docs),
        accuracy=docs,
        instruments={k: d["instrument"] for k, d in docs.items()},
        comparisons=list(comparisons),
    )
    pub, log = inputs.publishable(inp, params["disclosure"]["min_cell"])
    out = {}
    for lang in build.LANGS:
        view = views.build_view(pub, log, params, {}, lang, build.load_texts(lang))
        out[lang] = build.render(view)
    return out


def text(html: str) -> str:
    """The visible text, tags dropped and entities of '<' decoded, whitespace collapsed."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&lt;", "<").replace("&gt;", ">")


T = {lang: build.load_texts(lang) for lang in build.LANGS}
PARTIAL = {"en": "(partial verification)", "nl": "(partiële verificatie)"}
NOT_SHOWN = {"en": T["en"]["withheld"], "nl": T["nl"]["withheld"]}


# --------------------------------------------------------------------------- complete verification
@pytest.fixture(scope="module")
def complete():
    # 60 positives, 140 negatives, nobody unverified; scores 0..3, cut-off 2
    return render({"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0])})


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_complete_verification_says_so_and_lists_no_partial_verification(complete, lang):
    page = text(complete[lang])
    assert PARTIAL[lang] not in page
    assert T[lang]["flow_all_verified"] in page
    # the flow names every count it shows, never "for not shown of them"
    assert f"{NOT_SHOWN[lang]} " not in page.split(T[lang]["sec_flow"], 2)[-1].split(T[lang]["sec_setting"])[0]
    assert T[lang]["flow_received"].format(n="200") in page
    # zero is 0: the unverified count is shown as 0, in the overall flow and per instrument
    assert re.search(r'data-count="flow.unverified">0<', complete[lang])
    assert re.search(r'data-count="flow.verified">200<', complete[lang])
    assert re.search(r'data-count="i-score-v1.n_unverified">0<', complete[lang])
    assert ">&lt;10<" not in complete[lang].split('id="flow"')[1].split('id="setting"')[0]


# --------------------------------------------------------------------------- partial verification
@pytest.fixture(scope="module")
def partial():
    return render({"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [10, 8, 6, 6])})


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_partial_verification_is_listed_with_its_count(partial, lang):
    page = text(partial[lang])
    assert T[lang]["lim_partial"].format(n="30") in page
    assert T[lang]["flow_verified"].format(n="200") in page
    assert T[lang]["flow_all_verified"] not in page


# --------------------------------------------------------------------------- tiny data, small cells
@pytest.fixture(scope="module")
def tiny():
    # 12 positives, 30 negatives, 3 unverified: the table at cut-off 2 has fn = 4 (small)
    return render({"score@1": accuracy([2, 2, 4, 4], [10, 10, 6, 4], [1, 1, 1, 0])})


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_tiny_data_shows_small_counts_withheld_and_no_false_sentence(tiny, lang):
    page = text(tiny[lang])
    assert "<10" in page  # small counts are withheld
    assert PARTIAL[lang] in page  # 3 unverified (shown as <10): still partial
    assert f"{NOT_SHOWN[lang]} records" not in page and f"{NOT_SHOWN[lang]} konden" not in page
    assert T[lang]["flow_some_hidden"] in page  # the flow says counts are withheld, not "not shown of them"


# --------------------------------------------------------------------------- zero cells, one instrument
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_zero_cell_is_shown_as_zero_and_its_table_published(lang):
    # nobody with score 0 is reference-positive... and the cut-off 1 catches every positive: fn = 0
    pages = render(
        {
            "score@1": accuracy(
                [0, 20, 20, 20],
                [60, 40, 25, 15],
                [0, 0, 0, 0],
                cutoffs=(1.0,),
                spec={**SPEC, "cutoffs": [{"name": "protocol", "value": 1.0, "prespecified": True}]},
            )
        }
    )
    assert re.search(r'data-count="i-score-v1\.tables\.0\.fn">0<', pages[lang])
    assert T[lang]["table_suppressed"].format(min_cell=10) not in pages[lang]
    assert "100" + (",0" if lang == "nl" else ".0") + "%" in text(pages[lang])  # sensitivity 100%


# --------------------------------------------------------------------------- the cut-off judged
def test_the_verdict_judges_the_params_judged_cut_off_not_the_first_one():
    spec = {
        **SPEC,
        "cutoffs": [
            {"name": "at-least-1", "value": 1.0, "prespecified": True, "note": "category boundary at '1'"},
            {"name": "protocol", "value": 2.0, "prespecified": True},
        ],
    }
    # at cut-off 1 the table has a small cell (tn = 5), at 2 it does not
    doc = accuracy([5, 20, 20, 20], [5, 40, 25, 15], [0, 0, 0, 0], cutoffs=(1.0, 2.0), spec=spec)
    # the spec's own cut-off comes before the one derived from its categories
    assert verdict.primary_threshold(doc, spec, {}) == (1, None)
    params = {**PARAMS, "evaluate": {**PARAMS["evaluate"], "judged_cutoff": {"score@1": 1}}}
    assert verdict.judged_cutoff(params, "score@1") == 1.0 and verdict.judged_cutoff(PARAMS, "score@1") is None
    assert verdict.primary_threshold(doc, spec, {}, verdict.judged_cutoff(params, "score@1")) == (0, None)
    pages = render({"score@1": doc})
    assert T["en"]["verdict_at"].format(rule="score \u2265 2") in text(pages["en"])
    assert T["en"]["verdict_not_assessable"] not in text(pages["en"]).split(T["en"]["sec_verdict"])[0]


# --------------------------------------------------------------------------- large paired comparison shown
def test_a_large_paired_comparison_with_a_zero_cell_is_shown():
    rng = np.random.default_rng(2)
    y = (rng.random(3000) < 0.2).astype(float)
    b = rng.normal(size=3000) + y
    a = np.maximum(b, rng.normal(size=3000) + y)  # a flags whoever b flags: b_only = 0
    doc = documents.comparison_document(a, b, y, cutoff_a=1.0, cutoff_b=1.0)
    doc.update(score_a="a@1", score_b="b@1")
    pages = render({"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0])}, comparisons=[doc])
    for lang in build.LANGS:
        cmp_section = pages[lang].split('id="comparison"')[1].split('id="stard"')[0]
        assert T[lang]["table_suppressed"].format(min_cell=10) not in cmp_section
        assert "McNemar" in cmp_section and re.search(r"<td>\d+[.,]\d%</td>", cmp_section)


# --------------------------------------------------------------------------- glossary and plain words (item 6)
GLOSSED = {
    "en": (
        "Brier",
        "ICI",
        "E50",
        "Calibration slope",
        "Net benefit",
        "ICC",
        "Kappa",
        "LR+",
        "LR−",
        "DOR",
        "Youden",
        "Decision curve",
        "Observed/expected",
        "Bland–Altman",
        "McNemar",
        "DeLong",
    ),
    "nl": (
        "Brier",
        "ICI",
        "E50",
        "Kalibratiehelling",
        "Netto voordeel",
        "ICC",
        "Kappa",
        "LR+",
        "LR−",
        "DOR",
        "Youden",
        "Beslissingscurve",
        "waargenomen/verwacht",
        "Bland–Altman",
        "McNemar",
        "DeLong",
    ),
}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_glossary_explains_every_statistic_the_report_shows(lang):
    terms = " | ".join(term for term, _ in T[lang]["glossary"])
    for word in GLOSSED[lang]:
        assert word in terms, word
    assert len(T[lang]["glossary"]) == len(T["en"]["glossary"])


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_calibration_and_reliability_in_plain_words(lang):
    fmt = views.Fmt(lang, T[lang])
    cal = {
        "observed_expected_ratio": {"estimate": 0.86, "ci_low": 0.81, "ci_high": 0.93},
        "calibration_slope": {"estimate": 0.91, "ci_low": 0.84, "ci_high": 0.976},
    }
    lines = views.calibration_plain(cal, fmt, T[lang])
    assert lines[0].startswith(T[lang]["cal_plain_oe"].split("{")[0]) and " 86 " in lines[0]
    assert lines[1].startswith(T[lang]["cal_plain_slope_low"].split("(")[0])  # too extreme: interval below 1
    cal["calibration_slope"] = {"estimate": 0.99, "ci_low": 0.9, "ci_high": 1.08}
    assert views.calibration_plain(cal, fmt, T[lang])[1].startswith(T[lang]["cal_plain_slope_ok"].split("(")[0])
    rel = {"icc": [{"type": "ICC1", "estimate": 0.64, "ci_low": 0.61, "ci_high": 0.67}]}
    assert T[lang]["rel_words"]["moderate"] in views.reliability_plain(rel, fmt, T[lang], "ICC1")
    assert views.reliability_plain(rel, fmt, T[lang], "ICC2") is None  # not the form judged
    # a mapping fitted on the same data is marked on the figure itself
    view = views.calibration_view(
        {"estimated_mapping": True},
        [{"predicted": 0.1, "observed": 0.1}, {"predicted": 0.2, "observed": 0.25}],
        fmt,
        T[lang],
        "Cal",
        None,
    )
    assert T[lang]["cal_fitted_here"] in view["svg"]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_partial_verification_correction_says_not_every_record_is_verified_only_when_true(complete, partial, lang):
    """'Not every screened record has a reference result' introduces the Begg-Greenes table: with
    complete verification there is no table, only the note why no correction is needed."""
    plain = T[lang]["verification_plain"]
    assert T[lang]["verification_title"] in text(complete[lang])
    assert plain not in text(complete[lang])
    assert plain in text(partial[lang])


def _render_with(docs: dict, **stages) -> dict[str, str]:
    inp = inputs.Inputs(
        flow=flow_of(docs), accuracy=docs, instruments={k: d["instrument"] for k, d in docs.items()}, **stages
    )
    pub, log = inputs.publishable(inp, PARAMS["disclosure"]["min_cell"])
    return {lang: build.render(views.build_view(pub, log, PARAMS, {}, lang, T[lang])) for lang in build.LANGS}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_withheld_decision_curve_or_subgroup_breakdown_is_not_called_not_assessed(lang):
    """The calibration and subgroups stages ran, but disclosure control left fewer than two decision
    points and withheld every subgroup column: the report says 'not shown (small numbers)', not
    'not assessed in this run'; without those stages it still says 'not assessed in this run'."""
    docs = {"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0])}
    cal = {"n": 200, "n_events": 60, "brier": 0.2}
    sub = {"instrument": "score@1", "cutoffs": [2.0], "subgroups": {}, "withheld_subgroups": ["site", "age_band"]}
    page = text(
        _render_with(docs, calibration={"score@1": cal}, decision={"score@1": []}, subgroups={"score@1": sub})[lang]
    )
    t = T[lang]
    assert f"{t['decision']}: {t['decision_withheld'].format(min_cell=10)}" in page
    assert f"{t['subgroups']}: {t['subgroups_all_withheld'].format(columns='site, age_band', min_cell=10)}" in page
    assert f"{t['decision']}: {t['not_in_run']}" not in page and f"{t['subgroups']}: {t['not_in_run']}" not in page
    page = text(_render_with(docs)[lang])
    assert f"{t['decision']}: {t['not_in_run']}" in page and f"{t['subgroups']}: {t['not_in_run']}" in page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_too_few_events_for_the_cross_validated_mapping_quotes_no_count(lang):
    """One reference-positive among 28 scored records: the estimated mapping cannot be cross-validated.
    Its reason reaches the published calibration document and the report: it names the folds, never
    the number of events (1, a small count) or non-events; both languages say it in full."""
    from signalering.stats.calibration import cross_validated_logistic

    y = np.r_[np.ones(1), np.zeros(27)]
    cv = cross_validated_logistic(np.arange(28.0), y, folds=10, seed=1)
    assert cv.reason and not re.search(r"\b(1|27)\b", cv.reason)
    source = f"estimated: 10-fold cross-validated logistic regression of the reference on the score; {cv.reason}"
    said = views.Fmt(lang, T[lang]).say(source)
    assert not re.search(r"\b(1|27)\b", said) and T[lang]["reason_other"] not in said
    assert T[lang]["reasons"]["cv_too_few"].format(folds=10) in said


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_judgement_comparison_withheld_for_few_positives_says_so(lang):
    """Six reference-positives among 66 children with a judgement: disclosure control withholds every
    rule's sensitivity and specificity; the judgement table says 'not shown (small numbers)', never
    'not assessed in this run' (the comparison did run)."""
    from signalering.documents import judgement_document

    rng = np.random.default_rng(3)
    ref = np.r_[np.ones(6), np.zeros(60)]
    judgement = (rng.random(66) < 0.3).astype(float)
    score = rng.integers(0, 6, 66).astype(float)
    doc = judgement_document(judgement, score, ref, positive_from=1, cutoff=3, folds=2, n_boot=0, instrument="score@1")
    docs = {"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0])}
    html = _render_with(docs, judgement={"score@1": doc})[lang]
    part = text(html.split('id="judgement"', 1)[1])
    assert T[lang]["suppressed_short"] in part
    assert T[lang]["not_in_run"] not in part.split(T[lang]["sec_appendix"])[0]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_withheld_bootstrap_and_partial_auc_say_so_without_leftovers(lang):
    """Eight reference-positives: the bootstrap AUC interval (50 replicates, run) and the partial AUC
    are withheld (rule 4). The report says 'not shown (small numbers)' for both, not 'not assessed
    in this run', and no '–––' where the withheld specificity range was."""
    counts = CountTable.from_counts(np.arange(4), [2, 2, 2, 2], [60, 40, 25, 15], [0, 0, 0, 0])
    doc = documents.accuracy_document(counts, [2.0], prevalences=[0.034], n_boot=50, seed=1)
    assert doc["auc_bootstrap"]["estimate"] is not None and doc["partial_auc"] is not None
    doc["instrument"] = SPEC
    for e in doc["thresholds"]:
        e["names"], e["prespecified"] = ["protocol"], True
    page = text(_render_with({"score@1": doc})[lang])
    t = T[lang]
    assert f"{t['auc_bootstrap']}: {t['suppressed_short']}" in page
    assert f"{t['auc_bootstrap']}: {t['not_in_run']}" not in page
    assert t["partial_auc_withheld"] in page and "\u2013\u2013\u2013" not in page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_partial_verification_limitation_points_to_where_the_correction_is(partial, lang):
    """The limitation of partial verification sends the reader to the Begg-Greenes correction: that
    section is in the appendix, after the limitation, so 'see the correction above' was false."""
    import html

    page = html.unescape(text(partial[lang]))
    t = T[lang]
    limitation = t["lim_partial"].format(n="30")
    assert limitation in page and t["verification_title"] in limitation
    assert page.index(limitation) < page.index(t["verification_plain"])
    assert not re.search(r"\b(above|hierboven)\b", limitation)


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("method", ["reml", "glmm"])
def test_the_methods_name_the_meta_analysis_model_that_was_fitted(lang, method):
    """The methods section names the model of evaluate.meta_analysis.method, not 'REML or GLMM'."""
    docs = {"score@1": accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0])}
    meta = {"schema_version": 1, "method": method, "by": "site", "at_cutoffs": [], "reason": "no judged cut-off"}
    import html

    page = html.unescape(text(_render_with(docs, meta_analysis={"score@1": meta})[lang]))
    t = T[lang]
    other = {"reml": "glmm", "glmm": "reml"}[method]
    assert t["m_meta"].format(model=t[f"m_meta_model_{method}"]) in page
    assert t[f"m_meta_model_{other}"] not in page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_without_a_fixed_cut_off_the_verdict_says_so_for_cut_off_statistics_only(lang):
    spec = {**SPEC, "cutoffs": []}  # a plain score: no cut-off declared or pre-specified
    doc = accuracy([10, 10, 20, 20], [60, 40, 25, 15], [0, 0, 0, 0], cutoffs=(2.0,), spec=spec)
    params = {**PARAMS, "report": {"criteria": {"default": {"sensitivity_min": 0.5, "icc_min": 0.6}}}}
    inp = inputs.Inputs(flow=flow_of({"score@1": doc}), accuracy={"score@1": doc}, instruments={"score@1": spec})
    pub, log = inputs.publishable(inp, 10)
    t = T[lang]
    rows = {j["key"]: j for j in views.build_view(pub, log, params, {}, lang, t)["instruments"][0]["judgements"]}
    # a cut-off statistic: no cut-off was fixed, in every column of its row
    sens = rows["sensitivity_min"]
    assert sens["figure"] == sens["reason"] == t["primary_no_prespecified"] and sens["plain"] == t["plain_no_cutoff"]
    # the ICC needs no cut-off: reliability was simply not run here, never "no cut-off"
    icc = rows["icc_min"]
    assert icc["figure"] == icc["reason"] == t["not_in_run"] and icc["plain"] == t["plain_not_assessable"]
