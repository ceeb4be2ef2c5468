"""The self-contained HTML report: summary, per-subset bars with CI error bars,
paired comparisons and a filterable sample browser, in one file.

Every piece of text from a result (model output, prompts, labels) is escaped
here, on the server side; the inline script only shows and hides rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from hret.provenance import hret_version
from hret.report.assets import CSS, SCRIPT
from hret.report.data import (
    Results,
    as_result_dicts,
    comparisons_of,
    dataset_of,
    fmt,
    headline,
    method_of,
    passed,
    sample_flags,
    title_of,
    verdict,
)

BAR_WIDTH, ROW_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 420, 22, 220, 170


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _cell(value: Any, cls: str = "") -> str:
    return f'<td class="{cls}">{_e(value)}</td>' if cls else f"<td>{_e(value)}</td>"


def _table(head: Sequence[str], rows: Sequence[str], ident: str = "") -> str:
    attr = f' id="{ident}"' if ident else ""
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table{attr}><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def bar_chart(groups: Mapping[str, Mapping[str, Any]], metric: str) -> str:
    """Horizontal bars of ``metric`` per group with their CI as error bars (SVG)."""
    names = [g for g in groups if isinstance(groups[g].get(metric), (int, float))]
    if not names:
        return '<p class="note">No per-group values.</p>'
    top = max([1.0] + [float(groups[g].get("ci_high") or groups[g][metric]) for g in names])
    height = ROW_HEIGHT * len(names) + 24
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH

    def x(value: float) -> float:
        return LABEL_WIDTH + max(0.0, float(value)) / top * BAR_WIDTH

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">']
    for i, name in enumerate(names):
        g = groups[name]
        value = float(g[metric])
        low, high = g.get("ci_low"), g.get("ci_high")
        y = i * ROW_HEIGHT
        mid = y + ROW_HEIGHT / 2
        ci = f", 95% CI [{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""
        parts.append(f'<g class="group"><title>{_e(name)}: {metric} {fmt(value)}{ci}, '
                     f'n={_e(g.get("n"))}</title>')
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{mid + 4:.1f}" text-anchor="end">'
                     f"{_e(name)}</text>")
        parts.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 4}" '
                     f'width="{x(value) - LABEL_WIDTH:.1f}" height="{ROW_HEIGHT - 8}"/>')
        if low is not None and high is not None:
            x1, x2 = x(low), x(high)
            parts.append(f'<path class="ci" d="M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {y + 6}'
                         f'V{y + ROW_HEIGHT - 6}M{x2:.1f} {y + 6}V{y + ROW_HEIGHT - 6}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{mid + 4:.1f}">'
                     f'{fmt(value)} (n={_e(g.get("n"))})</text></g>')
    axis_y = ROW_HEIGHT * len(names) + 16
    for tick in (0.0, top / 2, top):
        parts.append(f'<text x="{x(tick):.1f}" y="{axis_y}" text-anchor="middle">{tick:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _summary(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        m, metric = r.get("metrics", {}), headline(r)
        ok = passed(r)
        checks = "; ".join(f"{c['metric']} {c['direction']} {c['bound']:g}: "
                           f"{'passed' if c['passed'] else 'FAILED'}"
                           for c in r.get("threshold_checks", [])) or "–"
        rows.append(
            "<tr>" + _cell(title_of(r)) + _cell(dataset_of(r)) + _cell(method_of(r))
            + _cell(m.get("n"), "num") + _cell(metric) + _cell(fmt(m.get(metric)), "num")
            + _cell(f"[{fmt(m.get(f'{metric}_ci_low'))}, {fmt(m.get(f'{metric}_ci_high'))}]", "num")
            + _cell(fmt(m.get("error_rate")), "num") + _cell(fmt(m.get("extraction_failure_rate")), "num")
            + _cell(checks) + f'<td class="{"passed" if ok else "failed"}">'
            + ("passed" if ok else "failed") + "</td></tr>")
    return _table(["Evaluation", "Dataset", "Method", "n", "Metric", "Value", "95% CI",
                   "Error rate", "Extraction failures", "Thresholds", "Result"], rows, "summary-table")


def _provenance(result: Mapping[str, Any]) -> str:
    info = result.get("info", {})
    template = info.get("prompt_template") or {}
    facts = {
        "model": info.get("model"), "backend": info.get("backend"), "revision": info.get("revision"),
        "prompt": f"{template.get('name')} ({template.get('hash')})" if isinstance(template, Mapping) else template,
        "few-shot": info.get("num_fewshot"), "seed": info.get("seed"), "limit": info.get("limit"),
        "git commit": info.get("git_commit"), "versions": info.get("versions"),
        "run metadata": info.get("metadata"),
    }
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_json(v))}</dd>" for k, v in facts.items()
                    if v not in (None, "", {}))
    return f"<details><summary>{_e(title_of(result))}</summary><dl>{items}</dl></details>"


def _charts(results: list[dict[str, Any]]) -> str:
    parts = []
    for r in results:
        for key, caption in (("subsets", "per subset"), ("categories", "per category")):
            groups = r.get(key) or {}
            if groups:
                parts.append(f"<figure><figcaption>{_e(title_of(r))}: {_e(headline(r))} {caption}"
                             f"</figcaption>{bar_chart(groups, headline(r))}</figure>")
    return "".join(parts) or '<p class="note">No subsets or categories in these results.</p>'


def _comparisons(comparisons: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for c in comparisons:
        ci = f"[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]"
        p = c.get("p_value")
        rows.append("<tr>" + _cell(c.get("baseline")) + _cell(c.get("candidate")) + _cell(c.get("metric"))
                    + _cell(fmt(c.get("baseline_value")), "num") + _cell(fmt(c.get("candidate_value")), "num")
                    + _cell(fmt(c.get("difference")), "num") + _cell(ci, "num")
                    + _cell(f"{p:.4g}" if isinstance(p, float) else fmt(p), "num")
                    + _cell(c.get("test")) + _cell(fmt(c.get("mde")), "num") + _cell(c.get("n"), "num")
                    + _cell(verdict(c)) + "</tr>")
    return _table(["Baseline", "Candidate", "Metric", "Baseline value", "Candidate value",
                   "Difference", "95% CI", "p", "Test", "MDE", "n paired", "Verdict"], rows,
                  "comparison-table")


def _samples(results: list[dict[str, Any]], max_samples: int) -> str:
    rows, notes = [], []
    for index, r in enumerate(results):
        samples = r.get("samples") or []
        if len(samples) > max_samples:
            notes.append(f"{title_of(r)}: showing the first {max_samples} of {len(samples)} samples")
        for s in samples[:max_samples]:
            flags = sample_flags(s)
            attrs = "".join(f' data-{k}="{int(v)}"' for k, v in flags.items())
            status = ("error" if flags["error"] else "no answer read" if flags["extraction"]
                      else "wrong" if flags["wrong"] else "correct")
            prompt = s.get("prompt")
            prompt_text = _json(prompt)
            rows.append(
                f'<tr class="sample" data-result="{index}"{attrs}>' + _cell(title_of(r)) + _cell(s.get("id"))
                + _cell(s.get("subset")) + f"<td><pre>{_e(s.get('output'))}</pre></td>"
                + _cell(s.get("extracted")) + _cell(s.get("reference")) + _cell(fmt(s.get("score")), "num")
                + _cell(status) + f"<td><pre>{_e(s.get('error'))}</pre></td>"
                + f"<td><details><summary>prompt</summary><pre>{_e(prompt_text)}</pre></details></td></tr>")
    options = "".join(f'<option value="{i}">{_e(title_of(r))}</option>' for i, r in enumerate(results))
    controls = (
        '<div class="controls"><label>Show <select id="filter">'
        '<option value="all">all samples</option><option value="wrong">wrong answers</option>'
        '<option value="extraction">extraction failures</option><option value="error">errors</option>'
        f'</select></label><label>Evaluation <select id="result-filter"><option value="">all</option>'
        f'{options}</select></label><label>Search <input id="search" type="search"></label>'
        f'<span id="shown">{len(rows)} of {len(rows)} shown</span></div>')
    note = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    return controls + note + _table(
        ["Evaluation", "Sample", "Subset", "Output", "Extracted", "Reference", "Score", "Status",
         "Error", "Prompt"], rows, "sample-table")


def render_html(results: Results, *, title: str = "hret evaluation report",
                comparisons: Sequence[Mapping[str, Any]] = (), max_samples: int = 2000) -> str:
    """The report as one HTML document (inline CSS, JS and SVG; no network)."""
    records = as_result_dicts(results)
    found = [*comparisons_of(records), *comparisons]
    generated = time.strftime("%Y-%m-%d %H:%M:%S")
    body = [
        f"<header><h1>{_e(title)}</h1><p class=\"meta\">{len(records)} evaluation(s), "
        f"generated {generated} by hret {_e(hret_version())}</p></header>",
        '<section id="summary"><h2>Summary</h2>', _summary(records),
        "".join(_provenance(r) for r in records), "</section>",
        '<section id="subsets"><h2>Per subset</h2>', _charts(records), "</section>",
    ]
    if found:
        body += ['<section id="comparisons"><h2>Paired comparisons</h2>', _comparisons(found),
                 "</section>"]
    body += ['<section id="samples"><h2>Samples</h2>', _samples(records, max_samples), "</section>"]
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            + "".join(body) + f"<script>{SCRIPT}</script></body></html>\n")


def write_html(results: Results, path: str | Path, **options: Any) -> Path:
    """Render the report into ``path`` (parents created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(results, **options), encoding="utf-8")
    return target
