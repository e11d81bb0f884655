"""Inline SVG figures for the report: study flow, ROC, calibration, decision curve, icon arrays.

Hand-written SVG keeps the report self-contained (no fonts, scripts or stylesheets to fetch), small
and byte-identical on rerun: coordinates are rounded to 0.1 px and nothing depends on time or
randomness. Each function takes plain numbers and ready-translated labels and returns one ``<svg>``
string; they carry ``xmlns`` so the same markup also renders as an image in the PDF.
"""

from __future__ import annotations

import math
from html import escape
from typing import Sequence

FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'
COLOURS = {"tp": "#b2182b", "fn": "#f4a582", "fp": "#2166ac", "tn": "#d9d9d9"}
SERIES = ("#1b6ca8", "#d95f02", "#4d4d4d", "#7570b3", "#1b9e77", "#e7298a")


def _f(v: float) -> str:
    """A coordinate: one decimal, no '-0.0', no trailing '.0'."""
    s = f"{v:.1f}"
    if s == "-0.0":
        s = "0.0"
    return s[:-2] if s.endswith(".0") else s


def _t(
    x: float,
    y: float,
    text: str,
    size: int = 11,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = "#222",
    rotate: bool = False,
) -> str:
    rot = f' transform="rotate(-90 {_f(x)} {_f(y)})"' if rotate else ""
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}{rot}>'
        f"{escape(text)}</text>"
    )


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" role="img" {FONT}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _tick_label(v: float, decimal: str = ".") -> str:
    """A tick value with the reader's decimal mark (``0,5`` in Dutch); never "-0"."""
    s = f"{v:.10g}"
    s = "0" if s == "-0" else s
    return s.replace(".", decimal)


class Chart:
    """A plot frame with linear axes, ticks, axis labels and a legend below the axes."""

    def __init__(
        self, xlim, ylim, xlabel: str, ylabel: str, title: str, width: int = 440, height: int = 340, decimal: str = "."
    ):
        self.xlim, self.ylim, self.decimal = xlim, ylim, decimal
        self.width, self.plot_h = width, height
        self.left, self.right, self.top, self.bottom = 60, 16, 26, 46
        self.xlabel, self.ylabel, self.title = xlabel, ylabel, title
        self.body: list[str] = []
        self.legend: list[tuple[str, str, str]] = []  # (label, colour, kind: line|dash|dot|mark|band|hollow)

    @classmethod
    def labelled(cls, xlim, ylim, labels: dict) -> "Chart":
        """A chart titled and with axes named by a figure's ``labels`` (``title``, ``x``, ``y``, ``decimal``)."""
        return cls(xlim, ylim, labels["x"], labels["y"], labels["title"], decimal=labels.get("decimal", "."))

    def x(self, v: float) -> float:
        lo, hi = self.xlim
        return self.left + (v - lo) / (hi - lo) * (self.width - self.left - self.right)

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        return self.top + (hi - v) / (hi - lo) * (self.plot_h - self.top - self.bottom)

    def _clip(self, pts):
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        return [(min(max(a, x0), x1), min(max(b, y0), y1)) for a, b in pts]

    def line(
        self,
        pts: Sequence[tuple[float, float]],
        colour: str,
        label: str | None = None,
        dash: str | None = None,
        width: float = 2.0,
    ) -> None:
        pts = self._clip([(a, b) for a, b in pts if a is not None and b is not None])
        if len(pts) < 2:
            return
        d = " ".join(f"{_f(self.x(a))},{_f(self.y(b))}" for a, b in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        self.body.append(
            f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="{width}"'
            f'{dash_attr} stroke-linejoin="round"/>'
        )
        if label:
            self.legend.append((label, colour, "dash" if dash else "line"))

    def band(
        self,
        lower: Sequence[tuple[float, float]],
        upper: Sequence[tuple[float, float]],
        colour: str,
        label: str | None = None,
    ) -> None:
        lower = self._clip([(a, b) for a, b in lower if b is not None])
        upper = self._clip([(a, b) for a, b in upper if b is not None])
        if len(lower) < 2 or len(upper) < 2:
            return
        pts = list(lower) + list(reversed(upper))
        d = " ".join(f"{_f(self.x(a))},{_f(self.y(b))}" for a, b in pts)
        self.body.append(f'<polygon points="{d}" fill="{colour}" fill-opacity="0.22" stroke="none"/>')
        if label:
            self.legend.append((label, colour, "band"))

    def mark(self, xv: float, yv: float, colour: str, text: str | None = None, hollow: bool = False) -> None:
        cx, cy = self.x(xv), self.y(yv)
        fill = "#fff" if hollow else colour
        self.body.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="4.5" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
        )
        if text:
            self.body.append(_t(cx + 7, cy + 13, text, size=10, fill=colour))

    def legend_entry(self, label: str, colour: str, kind: str) -> None:
        self.legend.append((label, colour, kind))

    def svg(self) -> str:
        w, h = self.width, self.plot_h
        x0, x1 = self.left, w - self.right
        y0, y1 = self.top, h - self.bottom
        out = [f'<rect x="0" y="0" width="{_f(w)}" height="{_f(h + 18 * len(self.legend) + 6)}" fill="#fff"/>']
        for v in nice_ticks(*self.xlim):
            px = self.x(v)
            out.append(f'<line x1="{_f(px)}" y1="{_f(y0)}" x2="{_f(px)}" y2="{_f(y1)}" stroke="#eee"/>')
            out.append(_t(px, y1 + 14, _tick_label(v, self.decimal), size=10, anchor="middle"))
        for v in nice_ticks(*self.ylim):
            py = self.y(v)
            out.append(f'<line x1="{_f(x0)}" y1="{_f(py)}" x2="{_f(x1)}" y2="{_f(py)}" stroke="#eee"/>')
            out.append(_t(x0 - 5, py + 3.5, _tick_label(v, self.decimal), size=10, anchor="end"))
        out.append(
            f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" height="{_f(y1 - y0)}" fill="none" stroke="#888"/>'
        )
        out.extend(self.body)
        out.append(_t((x0 + x1) / 2, h - 12, self.xlabel, anchor="middle"))
        out.append(_t(14, (y0 + y1) / 2, self.ylabel, anchor="middle", rotate=True))
        out.append(_t(x0, 16, self.title, size=12, weight="bold"))
        ly = h + 4
        for label, colour, kind in self.legend:
            if kind == "band":
                out.append(
                    f'<rect x="{_f(x0)}" y="{_f(ly)}" width="22" height="10" fill="{colour}" fill-opacity="0.22"/>'
                )
            elif kind in ("mark", "hollow"):
                fill = "#fff" if kind == "hollow" else colour
                out.append(
                    f'<circle cx="{_f(x0 + 11)}" cy="{_f(ly + 5)}" r="4.5" fill="{fill}" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
            else:
                dash = ' stroke-dasharray="5 4"' if kind == "dash" else ""
                out.append(
                    f'<line x1="{_f(x0)}" y1="{_f(ly + 5)}" x2="{_f(x0 + 22)}" y2="{_f(ly + 5)}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>'
                )
            out.append(_t(x0 + 30, ly + 9, label, size=10))
            ly += 18
        return _svg(w, h + 18 * len(self.legend) + 6, out, self.title)


# ------------------------------------------------------------------------------------------ ROC
def roc_svg(points: Sequence[tuple[float, float]], marks: Sequence[dict], labels: dict) -> str:
    """ROC curve with the chance line and the configured cut-offs marked.

    ``points``: (fpr, tpr) pairs; ``marks``: dicts with ``fpr``, ``tpr``, ``text``, ``prespecified``;
    ``labels``: ``title``, ``x``, ``y``, ``curve``, ``chance``, ``prespecified``, ``exploratory``.
    """
    c = Chart.labelled((0, 1), (0, 1), labels)
    c.line([(0, 0), (1, 1)], "#999", labels["chance"], dash="5 4", width=1.2)
    c.line(sorted(points), SERIES[0], labels["curve"])
    kinds = set()
    for m in marks:
        colour = "#b2182b" if m["prespecified"] else "#555"
        c.mark(m["fpr"], m["tpr"], colour, m["text"], hollow=not m["prespecified"])
        kinds.add(m["prespecified"])
    if True in kinds:
        c.legend_entry(labels["prespecified"], "#b2182b", "mark")
    if False in kinds:
        c.legend_entry(labels["exploratory"], "#555", "hollow")
    return c.svg()


# ---------------------------------------------------------------------------------- calibration
def calibration_svg(rows: Sequence[dict], labels: dict) -> str:
    """Smoothed calibration curve (predicted vs observed risk) with its band and the ideal line."""
    top = max(
        [r["predicted"] for r in rows]
        + [r["observed"] for r in rows if r["observed"] is not None]
        + [r["ci_high"] for r in rows if r.get("ci_high") is not None]
        + [0.01]
    )
    hi = nice_ticks(0, min(1.0, top * 1.05))[-1]
    hi = hi if hi >= top else min(1.0, top * 1.1)
    c = Chart.labelled((0, hi), (0, hi), labels)
    c.band(
        [(r["predicted"], r.get("ci_low")) for r in rows],
        [(r["predicted"], r.get("ci_high")) for r in rows],
        SERIES[0],
        labels["band"] if any(r.get("ci_low") is not None for r in rows) else None,
    )
    c.line([(0, 0), (hi, hi)], "#999", labels["ideal"], dash="5 4", width=1.2)
    c.line([(r["predicted"], r["observed"]) for r in rows], SERIES[0], labels["curve"])
    return c.svg()


# ------------------------------------------------------------------------------- decision curve
def decision_svg(rows: Sequence[dict], labels: dict) -> str:
    """Net benefit of the instrument, of treating all and of treating none, over threshold probabilities."""
    xs = [r["threshold"] for r in rows]
    ys = [v for r in rows for v in (r["net_benefit"], r.get("treat_all")) if v is not None]
    ymax = max(ys + [0.001])
    ymin = max(min(ys + [0.0]), -0.35 * ymax)
    c = Chart.labelled((min(xs), max(xs)), (ymin, ymax * 1.05), labels)
    if any(r.get("ci_low") is not None for r in rows):
        c.band(
            [(r["threshold"], r.get("ci_low")) for r in rows],
            [(r["threshold"], r.get("ci_high")) for r in rows],
            SERIES[0],
            labels.get("band"),
        )
    c.line([(r["threshold"], 0.0) for r in rows], "#4d4d4d", labels["none"], dash="2 3", width=1.5)
    if any(r.get("treat_all") is not None for r in rows):
        c.line([(r["threshold"], r.get("treat_all")) for r in rows], "#999", labels["all"], dash="5 4", width=1.5)
    c.line([(r["threshold"], r["net_benefit"]) for r in rows], SERIES[0], labels["curve"])
    return c.svg()


# ----------------------------------------------------------------------------------- icon array
def largest_remainder(values: Sequence[float], total: int = 1000) -> list[int]:
    """Round non-negative ``values`` to integers summing to ``total`` (largest remainder method)."""
    s = sum(values)
    scaled = [v * total / s if s else 0.0 for v in values]
    base = [math.floor(v) for v in scaled]
    order = sorted(range(len(values)), key=lambda i: (-(scaled[i] - base[i]), i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def icon_array_svg(counts: dict, labels: dict, cols: int = 40, rows: int = 25, cell: float = 7.0) -> str:
    """1000 squares, one per family screened, coloured tp / fn / fp / tn in that order (row-major).

    ``counts``: per-1000 ``tp``, ``fn``, ``fp``, ``tn`` (floats; rounded to sum to 1000).
    ``labels``: ``title`` and one legend label per category.
    """
    keys = ("tp", "fn", "fp", "tn")
    n = largest_remainder([counts[k] for k in keys], cols * rows)
    left, top = 4, 24
    body = [
        f'<rect x="0" y="0" width="{_f(cols * cell + 8)}" height="{_f(rows * cell + 104)}" fill="#fff"/>',
        _t(left, 15, labels["title"], size=11, weight="bold"),
    ]
    start = 0
    for k, m in zip(keys, n):
        # a run of m cells from `start` in row-major order = at most three rectangles
        end = start + m
        while start < end:
            r, cpos = divmod(start, cols)
            take = min(cols - cpos, end - start)
            if cpos == 0 and take == cols:
                full = (end - start) // cols
                body.append(
                    f'<rect x="{_f(left)}" y="{_f(top + r * cell)}" width="{_f(cols * cell)}" '
                    f'height="{_f(full * cell)}" fill="{COLOURS[k]}"/>'
                )
                start += full * cols
                continue
            body.append(
                f'<rect x="{_f(left + cpos * cell)}" y="{_f(top + r * cell)}" width="{_f(take * cell)}" '
                f'height="{_f(cell)}" fill="{COLOURS[k]}"/>'
            )
            start += take
    for i in range(1, cols):
        x = left + i * cell
        body.append(
            f'<line x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(top + rows * cell)}" '
            f'stroke="#fff" stroke-width="1"/>'
        )
    for j in range(1, rows):
        y = top + j * cell
        body.append(
            f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(left + cols * cell)}" y2="{_f(y)}" '
            f'stroke="#fff" stroke-width="1"/>'
        )
    ly = top + rows * cell + 8
    for k, m in zip(keys, n):
        body.append(f'<rect x="{_f(left)}" y="{_f(ly)}" width="10" height="10" fill="{COLOURS[k]}"/>')
        body.append(_t(left + 16, ly + 9, f"{m} {labels[k]}", size=10))
        ly += 18
    return _svg(cols * cell + 8, rows * cell + 104, body, labels["title"])


# ------------------------------------------------------------------------------------ flow chart
def _box(
    x: float,
    y: float,
    w: float,
    lines: Sequence[str],
    bold_first: bool = True,
    fill: str = "#f4f7fb",
    stroke: str = "#1b6ca8",
    max_lines: int = 8,
) -> tuple[list[str], float]:
    """A box with text lines; long lines wrap at spaces (the first, bold, line a little narrower)."""
    import textwrap

    rows: list[tuple[str, bool]] = []
    for i, line in enumerate(lines):
        bold = i == 0 and bold_first
        width = max(8, int((w - 14) / (7.3 if bold else 6.4)))
        for part in textwrap.wrap(line, width, break_long_words=False) or [""]:
            rows.append((shorten(part, width), bold))
    if len(rows) > max_lines:
        rows = rows[: max_lines - 1] + [("\u2026", False)]
    h = 10 + 15 * len(rows)
    out = [f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="4" fill="{fill}" stroke="{stroke}"/>']
    for i, (line, bold) in enumerate(rows):
        out.append(_t(x + 8, y + 18 + 15 * i, line, size=11, weight="bold" if bold else "normal"))
    return out, h


def _arrow(x1: float, y1: float, x2: float, y2: float) -> list[str]:
    ang = math.atan2(y2 - y1, x2 - x1)
    a1, a2 = ang + 2.6, ang - 2.6
    head = (
        f"{_f(x2)},{_f(y2)} {_f(x2 + 8 * math.cos(a1))},{_f(y2 + 8 * math.sin(a1))} "
        f"{_f(x2 + 8 * math.cos(a2))},{_f(y2 + 8 * math.sin(a2))}"
    )
    return [
        f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="#555" stroke-width="1.5"/>',
        f'<polygon points="{head}" fill="#555"/>',
    ]


def flow_svg(
    main: Sequence[tuple[list[str], list[str] | None]], split: Sequence[list[str]] | None, title: str, width: int = 680
) -> str:
    """STARD-style flow diagram.

    ``main``: boxes down the main column, each ``(lines, side_lines)``; ``side_lines`` (or None) is a
    box to the right that records leave to (exclusions, missing results, not verified). ``split``:
    the last row, two or more boxes side by side under the last main box (e.g. index test positive /
    negative). Text is pre-formatted and pre-suppressed; long lines are shortened.
    """
    mw, sx = 300, 340
    sw = width - sx - 10
    mx = 20
    y = 30
    body = [_t(mx, 18, title, size=12, weight="bold")]
    prev_bottom = None
    for lines, side in main:
        box, h = _box(mx, y, mw, lines)
        if prev_bottom is not None:
            body.extend(_arrow(mx + mw / 2, prev_bottom, mx + mw / 2, y))
        body.extend(box)
        prev_bottom = y + h
        y += h
        if side:
            sbox, sh = _box(sx, y + 14, sw, side, fill="#fbf4f4", stroke="#b2182b", max_lines=12)
            mid = y + 14 + min(sh, 40) / 2
            body.append(
                f'<line x1="{_f(mx + mw / 2)}" y1="{_f(mid)}" x2="{_f(sx - 2)}" y2="{_f(mid)}" '
                f'stroke="#555" stroke-width="1.5"/>'
            )
            body.extend(_arrow(sx - 12, mid, sx, mid)[1:])
            body.extend(sbox)
            y += sh + 28
        else:
            y += 28
    if split:
        k = len(split)
        gap = 16
        bw = (width - 40 - gap * (k - 1)) / k
        heights = []
        boxes = []
        bar = y - 12
        centres = [20 + i * (bw + gap) + bw / 2 for i in range(k)]
        body.append(
            f'<line x1="{_f(mx + mw / 2)}" y1="{_f(prev_bottom)}" x2="{_f(mx + mw / 2)}" y2="{_f(bar)}" '
            f'stroke="#555" stroke-width="1.5"/>'
        )
        body.append(
            f'<line x1="{_f(min(centres + [mx + mw / 2]))}" y1="{_f(bar)}" '
            f'x2="{_f(max(centres + [mx + mw / 2]))}" y2="{_f(bar)}" stroke="#555" stroke-width="1.5"/>'
        )
        for i, lines in enumerate(split):
            bx = 20 + i * (bw + gap)
            box, h = _box(bx, y, bw, lines)
            boxes.extend(box)
            heights.append(h)
            body.extend(_arrow(centres[i], bar, centres[i], y))
        body.extend(boxes)
        y += max(heights)
    else:
        y -= 28
    return _svg(width, y + 10, body, title)


# --------------------------------------------------------------------------- meta-analysis (SROC)
SIZE_CLASSES = 5


def sroc_svg(
    organisations: Sequence[tuple[float, float, float]],
    summary: tuple[float, float],
    confidence: Sequence[tuple[float, float]],
    prediction: Sequence[tuple[float, float]],
    curve: Sequence[tuple[float, float]],
    labels: dict,
) -> str:
    """The bivariate meta-analysis in ROC space: organisations as hollow circles whose area shows their
    number of children in ``SIZE_CLASSES`` classes (fifths of the largest), the summary point, its confidence region (solid),
    the prediction region for a new organisation (dashed) and the SROC curve (thin).

    ``organisations``: ``(fpr, sensitivity, n)``; regions and curve: ``(fpr, sensitivity)`` points.
    ``labels``: ``title, decimal, x, y, organisations, summary, confidence, prediction, curve``.
    """
    c = Chart.labelled((0, 1), (0, 1), labels)
    if curve:
        c.line(curve, SERIES[2], labels["curve"], width=1.2)
    if prediction:
        c.line([*prediction, prediction[0]], SERIES[1], labels["prediction"], dash="5 4")
    if confidence:
        c.line([*confidence, confidence[0]], SERIES[0], labels["confidence"])
    n_max = max((n for _, _, n in organisations), default=1) or 1
    for fpr, sens, n in organisations:
        # five size classes, not the exact n: a radius that gives n back would, with a merged subgroup
        # published elsewhere, give the children of an organisation this figure leaves out
        r = 2.5 + 9.5 * math.sqrt(math.ceil(SIZE_CLASSES * n / n_max) / SIZE_CLASSES)
        c.body.append(
            f'<circle cx="{_f(c.x(fpr))}" cy="{_f(c.y(sens))}" r="{_f(r)}" fill="none" '
            f'stroke="{SERIES[4]}" stroke-width="1.2"/>'
        )
    if organisations:
        c.legend_entry(labels["organisations"], SERIES[4], "hollow")
    c.mark(summary[0], summary[1], SERIES[0])
    c.legend_entry(labels["summary"], SERIES[0], "mark")
    return c.svg()
