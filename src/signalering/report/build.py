"""Assembling the pipeline's outputs into ``reports/metrics.json`` and the HTML validation report.

Only presentation happens here; every number comes from the stages' JSON documents.
"""
from __future__ import annotations

import base64
import io as _io
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TEMPLATES = Path(__file__).parent / "templates"


def metric_key(value: float) -> str:
    """A cut-off as a DVC metrics key fragment: no dots (DVC joins keys with dots)."""
    text = f"{value:g}"
    return text.replace("-", "minus").replace(".", "_")


def headline_metrics(documents: dict[str, dict]) -> dict:
    """Nested dict of numeric headline figures per instrument (no lists, no dots in keys)."""
    out = {}
    for inst_id, doc in sorted(documents.items()):
        m = {"n": doc["n"], "n_positive": doc["n_positive"], "n_negative": doc["n_negative"]}
        auc = doc["auc"]
        if auc["estimate"] is not None:
            m.update(auc=auc["estimate"], auc_ci_low=auc["ci_low"], auc_ci_high=auc["ci_high"])
        for t in doc["thresholds"]:
            k = metric_key(t["cutoff"])
            for stat in ("sensitivity", "specificity", "ppv", "npv"):
                if t[stat]["estimate"] is not None:
                    m[f"{stat}_at_{k}"] = t[stat]["estimate"]
                    m[f"{stat}_at_{k}_ci_low"] = t[stat]["ci_low"]
        out[inst_id] = m
    return out


def roc_svg(points: list[dict], title: str, cutoffs: list[float]) -> str:
    """A self-contained ROC plot as a base64 PNG data URI (axis labels, legend, chance line)."""
    fig, ax = plt.subplots(figsize=(4.2, 4.2), dpi=100)
    fpr = [p["fpr"] for p in points if p["fpr"] is not None]
    tpr = [p["tpr"] for p in points if p["tpr"] is not None]
    ax.plot(fpr, tpr, drawstyle="default", marker=".", label="instrument")
    marked = [p for p in points if p["cutoff"] is not None and p["cutoff"] in cutoffs]
    if marked:
        ax.scatter([p["fpr"] for p in marked], [p["tpr"] for p in marked], color="crimson", zorder=3,
                   label="configured cut-offs")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="chance")
    ax.set_xlabel("1 - specificity (false-positive rate)")
    ax.set_ylabel("sensitivity (true-positive rate)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    buf = _io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def render(template: str, **context) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.1f}%"
    env.filters["num"] = lambda x, d=3: "–" if x is None else f"{x:.{d}f}"
    return env.get_template(template).render(**context)
