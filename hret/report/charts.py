"""Inline SVG charts of the HTML report: nothing is drawn by a script and no
library is fetched. Every label is escaped here; each mark carries a
``<title>`` with its exact numbers (shown on hover)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from hret import stats
from hret.report.data import fmt

#: one colour per model (series), in the report's order
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d")
LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH = 230, 420, 190


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def colour(series: int) -> str:
    return PALETTE[series % len(PALETTE)]


def _svg(width: float, height: float, body: Sequence[str], cls: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">{"".join(body)}</svg>')


def legend(names: Sequence[str], colours: Sequence[int] | None = None) -> str:
    indices = colours if colours is not None else range(len(names))
    items = "".join(f'<span class="key"><i style="background:{colour(i)}"></i>{_e(n)}</span>'
                    for i, n in zip(indices, names, strict=True))
    return f'<div class="legend">{items}</div>'


def _whisker(x1: float, x2: float, y: float, half: float, cls: str = "ci") -> str:
    return (f'<path class="{cls}" d="M{x1:.1f} {y:.1f}H{x2:.1f}M{x1:.1f} {y - half:.1f}V{y + half:.1f}'
            f'M{x2:.1f} {y - half:.1f}V{y + half:.1f}"/>')


def grouped_bars(groups: Sequence[str], series: Sequence[str],
                 values: Mapping[tuple[str, int], Mapping[str, Any]], metric: str,
                 colours: Sequence[int] | None = None) -> str:
    """Horizontal bars: for each group (subject, category), one bar per series
    (model) with its CI as an error bar. ``values[(group, series_index)]`` holds
    the group's entry of that model's result (``metric``, ``ci_low``...)."""
    bar, gap = 14, 10
    shown = [g for g in groups if any(isinstance(values.get((g, s), {}).get(metric), (int, float))
                                      for s in range(len(series)))]
    if not shown:
        return '<p class="note">No per-group values.</p>'
    top = max([1.0] + [float(v.get("ci_high") or v.get(metric) or 0.0) for v in values.values()])
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    block = bar * len(series) + gap
    hues = list(colours) if colours is not None else list(range(len(series)))

    def x(value: float) -> float:
        return LABEL_WIDTH + max(0.0, float(value)) / top * PLOT_WIDTH

    parts = []
    for gi, group in enumerate(shown):
        y0 = gi * block
        parts.append(f'<g class="group" data-group="{_e(group)}">')
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + bar * len(series) / 2 + 4:.1f}" '
                     f'text-anchor="end">{_e(group)}</text>')
        for si, name in enumerate(series):
            entry = values.get((group, si))
            if not entry or not isinstance(entry.get(metric), (int, float)):
                continue
            value = float(entry[metric])
            low, high = entry.get("ci_low"), entry.get("ci_high")
            y = y0 + si * bar
            ci = f", 95% CI [{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""
            parts.append(f'<rect class="bar" data-series="{_e(name)}" data-value="{value!r}" '
                         f'x="{LABEL_WIDTH}" y="{y + 1}" width="{x(value) - LABEL_WIDTH:.1f}" '
                         f'height="{bar - 2}" style="fill:{colour(hues[si])}"><title>{_e(group)} · {_e(name)}: '
                         f'{_e(metric)} {fmt(value)}{ci}, n={_e(entry.get("n"))}</title></rect>')
            if low is not None and high is not None:
                parts.append(_whisker(x(low), x(high), y + bar / 2, bar / 2 - 3))
            parts.append(f'<text class="value" x="{LABEL_WIDTH + PLOT_WIDTH + 8}" y="{y + bar - 3}">'
                         f'{fmt(value, 3)} (n={_e(entry.get("n"))})</text>')
        parts.append("</g>")
    axis = len(shown) * block + 12
    parts += [f'<text x="{x(t):.1f}" y="{axis}" text-anchor="middle">{t:g}</text>'
              for t in (0.0, top / 2, top)]
    return legend(series, hues) + _svg(width, axis + 6, parts, "grouped")


def letter_bars(distribution: Mapping[str, tuple[int, int]]) -> str:
    """Per answer letter, how often the model picked it beside how often it is
    the gold answer (a position bias shows as unequal pairs)."""
    keys = list(distribution)
    top = max([1] + [max(p, g) for p, g in distribution.values()])
    slot, height, base = 44, 110, 120
    parts = []
    for i, key in enumerate(keys):
        picked, gold = distribution[key]
        x0 = 30 + i * slot
        for j, (kind, count) in enumerate((("picked", picked), ("gold", gold))):
            h = count / top * height
            parts.append(f'<rect class="{kind}" data-letter="{_e(key)}" data-count="{count}" '
                         f'x="{x0 + j * 16}" y="{base - h:.1f}" width="14" height="{h:.1f}">'
                         f"<title>{_e(key)}: {kind} {count}</title></rect>")
        parts.append(f'<text x="{x0 + 15}" y="{base + 14}" text-anchor="middle">{_e(key)}</text>')
    parts.append(f'<text x="4" y="{base - height + 4}">{top}</text>'
                 f'<text x="4" y="{base}">0</text>')
    return _svg(40 + slot * len(keys), base + 20, parts, "letters")


def latency_boxes(names: Sequence[str], values: Sequence[Sequence[float]],
                  colours: Sequence[int]) -> str:
    """One row per evaluation: median tick, 25-75% box and 5-95% whiskers of
    its per-sample latency (ms), on a shared linear axis."""
    rows = [(n, v, c) for n, v, c in zip(names, values, colours, strict=True) if v]
    if not rows:
        return '<p class="note">No latencies recorded.</p>'
    top = max(stats.percentile(v, 95) for _, v, _ in rows) or 1.0
    row = 26

    def x(value: float) -> float:
        return LABEL_WIDTH + min(value, top) / top * PLOT_WIDTH

    parts = []
    for i, (name, v, hue) in enumerate(rows):
        p5, p25, p50, p75, p95 = (stats.percentile(v, q) for q in (5, 25, 50, 75, 95))
        y = i * row + row / 2
        parts.append(f'<g class="latency" data-name="{_e(name)}"><title>{_e(name)}: p50 {p50:.4g} ms, '
                     f'p95 {p95:.4g} ms, max {v[-1]:.4g} ms, n={len(v)}</title>')
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(name)}</text>')
        parts.append(_whisker(x(p5), x(p95), y, 5, "range"))
        parts.append(f'<rect class="box" style="fill:{colour(hue)}" x="{x(p25):.1f}" y="{y - 7:.1f}" '
                     f'width="{max(1.0, x(p75) - x(p25)):.1f}" height="14"/>')
        parts.append(f'<path class="median" d="M{x(p50):.1f} {y - 8:.1f}V{y + 8:.1f}"/>')
        parts.append(f'<text class="value" x="{LABEL_WIDTH + PLOT_WIDTH + 8}" y="{y + 4:.1f}">'
                     f"p50 {p50:.4g} · p95 {p95:.4g} ms</text></g>")
    axis = len(rows) * row + 12
    parts += [f'<text x="{x(t):.1f}" y="{axis}" text-anchor="{anchor}">{t:.3g} ms</text>'
              for t, anchor in ((0.0, "start"), (top / 2, "middle"), (top, "end"))]
    return _svg(LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, axis + 6, parts, "latencies")


def trend(series: Mapping[str, Sequence[Mapping[str, Any]]], metric: str,
          colours: Mapping[str, int]) -> str:
    """The metric of each model over its runs (oldest left), each point with
    its CI as a vertical error bar."""
    runs = sorted({(p["when"], p["run"]) for points in series.values() for p in points})
    position = {run: i for i, (_, run) in enumerate(runs)}
    values = [float(v) for points in series.values() for p in points
              for v in (p["value"], p.get("low"), p.get("high")) if isinstance(v, (int, float))]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    left, plot_w, plot_h, top_pad = 60, max(240, 110 * len(runs)), 200, 12

    def px(run: str) -> float:
        return left + 20 + position[run] * (plot_w - 40) / max(1, len(runs) - 1)

    def py(value: float) -> float:
        return top_pad + (hi - value) / (hi - lo) * plot_h

    parts = [f'<path class="axis" d="M{left} {top_pad}V{top_pad + plot_h}H{left + plot_w}"/>']
    parts += [f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:.3f}</text>'
              for t in (lo, (lo + hi) / 2, hi)]
    for _, run in runs:
        parts.append(f'<text x="{px(run):.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle">'
                     f"{_e(run[-24:])}</text>")
    for label, points in series.items():
        c = colour(colours.get(label, 0))
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(p['run']):.1f} {py(p['value']):.1f}"
                        for i, p in enumerate(points))
        parts.append(f'<g class="trend-series" data-series="{_e(label)}">'
                     f'<path class="line" style="stroke:{c}" d="{path}"/>')
        for p in points:
            low, high = p.get("low"), p.get("high")
            if isinstance(low, (int, float)) and isinstance(high, (int, float)):
                parts.append(f'<path class="ci" d="M{px(p["run"]):.1f} {py(low):.1f}'
                             f'V{py(high):.1f}"/>')
            ci = f", 95% CI [{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""
            parts.append(f'<circle class="trend-point" data-run="{_e(p["run"])}" '
                         f'data-value="{p["value"]!r}" cx="{px(p["run"]):.1f}" cy="{py(p["value"]):.1f}" '
                         f'r="4" style="fill:{c}"><title>{_e(label)} · {_e(p["run"])}: {_e(metric)} '
                         f'{fmt(p["value"])}{ci}, n={_e(p.get("n"))}</title></circle>')
        parts.append("</g>")
    return (legend(list(series), [colours.get(label, 0) for label in series])
            + _svg(left + plot_w + 20, top_pad + plot_h + 26, parts, "trend"))
