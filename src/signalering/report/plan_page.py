"""The short HTML page of ``signalering plan``: the plan's JSON document in plain words, English or Dutch.

Only presentation happens here: every number comes from the document that
:mod:`signalering.stats.planning` built (``signalering plan --out``), so the page and the JSON never disagree.
"""

from __future__ import annotations

from .build import load_texts, templates

METHODS = ("normal", "exact", "partial_verification")
# the document part each reference of the page's texts (``plan.references``, by first author) is cited for
CITED_FOR = {"Buderer": "normal", "Clopper": "exact", "Begg": "partial_verification", "Riley": "risk_model"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".0%", "%")


def _number(x: float, lang: str) -> str:
    """A whole number with a thousands separator in the page's language (1,550 / 1.550)."""
    text = f"{int(x):,}"
    return text.replace(",", ".") if lang == "nl" else text


def _decimal(x: float, digits: int, lang: str) -> str:
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


def plan_view(doc: dict, lang: str) -> dict:
    """The values the template shows, formatted and translated, chosen from what ``doc`` holds."""
    t = load_texts(lang)["plan"]
    n = lambda x: _number(x, lang)  # noqa: E731
    pct = lambda x: _pct(x).replace(".", ",") if lang == "nl" else _pct(x)  # noqa: E731
    view: dict = {"lang": lang, "t": t, "design": [], "accuracy": [], "sentences": [], "assurance": None, "risk": None}
    design = doc.get("design")
    if design:
        view["design"] = [
            (t["sensitivity"], pct(design["sensitivity"])),
            (t["specificity"], pct(design["specificity"])),
            (t["prevalence"], pct(design["prevalence"])),
            (t["half_width"], f"± {_decimal(100 * design['half_width'], 1, lang)} {t['points']}"),
            (t["confidence"], pct(design["confidence"])),
        ]
        for method in METHODS:
            if method not in doc:
                continue
            m = doc[method]
            cases = m.get("cases", m.get("expected_verified_cases"))
            view["accuracy"].append(
                {
                    "method": t[f"method_{method}"],
                    "cases": n(cases) if method != "partial_verification" else f"{_decimal(cases, 1, lang)}",
                    "total_sens": n(m["total_for_sensitivity"]),
                    "total_spec": n(m["total_for_specificity"]),
                    "total": n(m["total"]),
                }
            )
        best = doc.get("partial_verification") or doc.get("exact") or doc.get("normal")
        key = "sentence_partial" if "partial_verification" in doc else "sentence_total"
        view["sentences"].append(
            t[key].format(
                total=n(best["total"]),
                half_width=_decimal(100 * design["half_width"], 1, lang),
                confidence=pct(design["confidence"]),
                prevalence=pct(design["prevalence"]),
                fraction=pct(doc.get("partial_verification", {}).get("verified_negatives_fraction", 1.0)),
                driver=t["driver_sensitivity"]
                if best["total_for_sensitivity"] >= best["total_for_specificity"]
                else t["driver_specificity"],
            )
        )
    sim = doc.get("assurance")
    if sim:
        rows = []
        for which in ("sensitivity", "specificity"):
            d = sim[f"{which}_half_width"]
            rows.append(
                (
                    t[f"row_{which}"],
                    *(_decimal(100 * d[q], 1, lang) if d[q] is not None else "—" for q in ("p10", "median", "p90")),
                    pct(d["share_meeting_target"]),
                )
            )
        criteria = [
            (t[f"criterion_{name}"].format(threshold=pct(c["threshold"])), pct(c["share_meeting"]))
            for name, c in sorted(sim["criteria"].items())
        ]
        view["assurance"] = {
            "intro": t["assurance_intro"].format(
                simulations=n(sim["simulations"]), families=n(sim["families"]), seed=sim["seed"]
            ),
            "rows": rows,
            "criteria": criteria,
            "all": pct(sim["share_meeting_all_criteria"]) if criteria else None,
        }
    risk = doc.get("risk_model")
    if risk:
        view["risk"] = {
            "rows": [
                (
                    t["riley_" + c["criterion"].replace("/", "").replace(" ", "_").replace("-", "_").lower()],
                    _decimal(c["target_se"], 4, lang),
                    n(c["n"]),
                    _decimal(c["events"], 1, lang),
                )
                for c in risk["criteria"]
            ],
            "sentence": t["risk_sentence"].format(n=n(risk["n"])),
        }
    view["references"] = [r for r in t["references"] if doc.get(CITED_FOR.get(r.split(" ", 1)[0], "")) is not None]
    return view


def render_plan(doc: dict, lang: str = "en") -> str:
    """The plan page as HTML (one language: ``en`` or ``nl``)."""
    if lang not in ("en", "nl"):
        raise ValueError(f"lang must be 'en' or 'nl', not {lang!r}")
    return templates().get_template("plan.html.j2").render(**plan_view(doc, lang))
