"""The self-contained HTML report of one or many evaluations, in one file:
a leaderboard, grouped per-subject charts across models, paired comparisons
with the items two models disagree on, answer behaviour (letters picked
against gold, extraction failures), latencies, trends over runs and a
filterable sample browser.

Every piece of text from a result (model output, prompts, labels) is escaped
here, on the server side; the inline script only shows and hides rows.
Charts are inline SVG: nothing is fetched when the page is viewed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hret.provenance import hret_version
from hret.report import charts
from hret.report.assets import CSS, SCRIPT
from hret.report.data import (
    Results,
    answer_distribution,
    as_result_dicts,
    dataset_of,
    families,
    fmt,
    headline,
    latencies,
    latest_per_label,
    method_of,
    names_of,
    option_probabilities,
    pairs,
    passed,
    ranked,
    run_of,
    sample_flags,
    title_of,
    trend_points,
    verdict,
)

#: samples shown per evaluation by default; errors, extraction failures,
#: wrong answers and disagreements are shown first
MAX_SAMPLES = 200
#: characters of a prompt or an output shown in the sample browser
MAX_TEXT = 1500
#: disagreeing items listed per pair
MAX_DISAGREE = 40


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _cell(value: Any, cls: str = "") -> str:
    return f'<td class="{cls}">{_e(value)}</td>' if cls else f"<td>{_e(value)}</td>"


def _table(head: Sequence[str], rows: Sequence[str], ident: str = "") -> str:
    attr = f' id="{ident}"' if ident else ""
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table{attr}><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _p(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else fmt(value)


def _item_link(sample_id: str) -> str:
    """A link that filters the sample browser to one item across every evaluation."""
    return f'<a class="item" href="#item={_e(quote(sample_id, safe=""))}">{_e(sample_id)}</a>'


class _Report:
    """The records and what every section needs to know about them."""

    def __init__(self, records: list[dict[str, Any]], history: Iterable[Mapping[str, Any]]) -> None:
        self.records = records
        self.names = names_of(records)
        self.families = families(records)
        self.history = list(history)
        self.pairs = pairs(records)
        #: each model's colour, the same in every chart
        self.colours: dict[str, int] = {}
        for r in records:
            self.colours.setdefault(title_of(r), len(self.colours))

    # -- leaderboard ------------------------------------------------------------
    def leaderboard(self) -> str:
        rows = []
        for group in self.families:
            for rank, i in enumerate(ranked(self.records, group), start=1):
                r = self.records[i]
                m, metric = r.get("metrics", {}), headline(r)
                ok = passed(r)
                checks = "; ".join(f"{c['metric']} {c['direction']} {c['bound']:g}: "
                                   f"{'passed' if c['passed'] else 'FAILED'}"
                                   for c in r.get("threshold_checks", [])) or "–"
                errors = m.get("error_count")
                rows.append(
                    f'<tr class="lb" data-eval="{i}" data-rank="{rank}">' + _cell(rank, "num")
                    + f'<td class="name">{_e(title_of(r))}</td>' + _cell(dataset_of(r)) + _cell(run_of(r))
                    + _cell(method_of(r))
                    + _cell(metric) + _cell(fmt(m.get(metric)), "num value")
                    + _cell(f"[{fmt(m.get(f'{metric}_ci_low'))}, {fmt(m.get(f'{metric}_ci_high'))}]", "num")
                    + _cell(m.get("n"), "num")
                    + _cell(f"{errors if errors is not None else '–'} ({fmt(m.get('error_rate'), 3)})", "num")
                    + _cell(fmt(m.get("extraction_failure_rate"), 3), "num") + _cell(checks)
                    + f'<td class="{"passed" if ok else "failed"}">{"passed" if ok else "failed"}</td></tr>')
        return _table(["#", "Model", "Dataset / split", "Run", "Method", "Metric", "Value",
                       "95% CI", "n", "Errors (rate)", "Extraction failures", "Thresholds", "Result"],
                      rows, "leaderboard-table")

    def provenance(self, index: int) -> str:
        result = self.records[index]
        info = result.get("info", {})
        template = info.get("prompt_template") or {}
        facts = {
            "model": info.get("model"), "dataset": dataset_of(result), "run": run_of(result),
            "run id": info.get("run_id"), "pytest item": result.get("nodeid"),
            "backend": info.get("backend"), "revision": info.get("revision"),
            "prompt": (f"{template.get('name')} ({template.get('hash')})" if isinstance(template, Mapping)
                       else template),
            "few-shot": info.get("num_fewshot"), "seed": info.get("seed"), "limit": info.get("limit"),
            "started": (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started_at"]))
                        if isinstance(info.get("started_at"), (int, float)) else None),
            "duration (s)": result.get("metrics", {}).get("duration_s"),
            "git commit": info.get("git_commit"), "versions": info.get("versions"),
            "run metadata": info.get("metadata"),
        }
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_json(v))}</dd>" for k, v in facts.items()
                        if v not in (None, "", {}))
        return f"<details><summary>{_e(self.names[index])}</summary><dl>{items}</dl></details>"

    # -- per subject / category -------------------------------------------------
    def groups(self) -> str:
        parts = []
        for group in self.families:
            current = latest_per_label(self.records, group)
            metric = headline(self.records[group[0]])
            colours = [self.colours[title_of(self.records[i])] for i in current]
            for key, caption in (("subsets", "per subject"), ("categories", "per category")):
                names: list[str] = []
                values: dict[tuple[str, int], Mapping[str, Any]] = {}
                for si, i in enumerate(current):
                    for name, entry in (self.records[i].get(key) or {}).items():
                        if name not in names:
                            names.append(name)
                        values[(name, si)] = entry
                if names:
                    series = [title_of(self.records[i]) for i in current]
                    parts.append(f'<figure class="groups" data-kind="{key}"><figcaption>'
                                 f"{_e(dataset_of(self.records[group[0]]))}: {_e(metric)} {caption}, "
                                 "the newest run of each model</figcaption>"
                                 f"{charts.grouped_bars(names, series, values, metric, colours)}"
                                 "</figure>")
        return "".join(parts) or '<p class="note">No subjects or categories in these results.</p>'

    # -- pairs --------------------------------------------------------------------
    def pairwise(self) -> str:
        if not self.pairs:
            return '<p class="note">One model per dataset: nothing to pair.</p>'
        rows = []
        for c in self.pairs:
            a, b = self.names[c["a"]], self.names[c["b"]]
            ids = c["disagree"]
            links = " ".join(_item_link(i) for i in ids[:MAX_DISAGREE])
            if len(ids) > MAX_DISAGREE:
                links += f' <span class="note">and {len(ids) - MAX_DISAGREE} more</span>'
            rows.append(
                f'<tr class="pair" data-a="{c["a"]}" data-b="{c["b"]}" data-kind="{c["kind"]}">'
                + _cell(a) + _cell(b) + _cell("two models" if c["kind"] == "models" else "two runs")
                + _cell(c.get("metric")) + _cell(fmt(c.get("baseline_value")), "num")
                + _cell(fmt(c.get("candidate_value")), "num") + _cell(fmt(c.get("difference")), "num")
                + _cell(f"[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]", "num")
                + _cell(_p(c.get("p_value")), "num p") + _cell(c.get("test")) + _cell(fmt(c.get("mde")), "num")
                + _cell(c.get("n"), "num") + _cell(verdict(c))
                + f'<td class="disagree"><details><summary>{len(ids)} item(s)</summary>{links}'
                "</details></td></tr>")
        return ('<p class="note">B − A on the headline metric, samples paired by id: exact McNemar '
                "test for 0/1 scores, paired bootstrap otherwise (the same numbers as "
                "<code>hret compare A B</code>). MDE: the smallest difference this n could detect.</p>"
                # fourteen columns: wider than the page on a narrow screen, it scrolls itself
                + '<div class="wide">'
                + _table(["A (baseline)", "B (candidate)", "Pair", "Metric", "A", "B", "Difference",
                          "95% CI", "p", "Test", "MDE", "n paired", "Verdict", "Disagree on"],
                         rows, "pairwise-table") + "</div>")

    # -- answer behaviour ---------------------------------------------------------
    def behaviour(self) -> str:
        parts = []
        for i, r in enumerate(self.records):
            distribution = answer_distribution(r)
            samples = r.get("samples") or []
            failed = [s for s in samples if sample_flags(s)["extraction"]]
            body = []
            if distribution:
                body.append('<div class="legend"><span class="key"><i class="picked"></i>picked</span>'
                            '<span class="key"><i class="gold"></i>gold</span></div>'
                            + charts.letter_bars(distribution))
            rate = r.get("metrics", {}).get("extraction_failure_rate")
            body.append(f'<p class="extraction" data-count="{len(failed)}">No answer read from '
                        f"{len(failed)} of {len(samples)} outputs (rate {fmt(rate, 3)}).</p>")
            if failed:
                body.append("<ul>" + "".join(
                    f"<li>{_item_link(str(s['id']))}: <code>{_e(_clip(_json(s.get('output')), 160))}</code></li>"
                    for s in failed[:5]) + "</ul>")
            parts.append(f'<figure class="behaviour" data-eval="{i}"><figcaption>{_e(self.names[i])}'
                         f"</figcaption>{''.join(body)}</figure>")
        return '<div class="cards">' + "".join(parts) + "</div>"

    def latency(self) -> str:
        return charts.latency_boxes(self.names, [latencies(r) for r in self.records],
                                    [self.colours[title_of(r)] for r in self.records])

    def trends(self) -> str:
        parts = []
        for group in self.families:
            series = trend_points(self.records, group, self.history)
            if series:
                first = self.records[group[0]]
                parts.append(f'<figure class="trend-chart"><figcaption>{_e(dataset_of(first))}: '
                             f"{_e(headline(first))} over runs</figcaption>"
                             f"{charts.trend(series, headline(first), self.colours)}</figure>")
        return "".join(parts)

    # -- samples ------------------------------------------------------------------
    def samples(self, max_samples: int) -> str:
        wanted: dict[int, set[str]] = {}
        for c in self.pairs:
            for side in ("a", "b"):
                wanted.setdefault(c[side], set()).update(c["disagree"])
        rows, notes = [], []
        for index, r in enumerate(self.records):
            samples = r.get("samples") or []
            chosen = _pick(samples, wanted.get(index, set()), max_samples)
            if len(chosen) < len(samples):
                notes.append(f"{self.names[index]}: showing {len(chosen)} of {len(samples)} samples "
                             "(errors, extraction failures, wrong answers and disagreements first)")
            for k in chosen:
                rows.append(self._sample_row(index, k, samples[k]))
        options = "".join(f'<option value="{i}">{_e(n)}</option>' for i, n in enumerate(self.names))
        controls = (
            '<div class="controls"><label>Show <select id="filter">'
            '<option value="all">all samples</option><option value="wrong">wrong answers</option>'
            '<option value="extraction">extraction failures</option><option value="error">errors</option>'
            f'</select></label><label>Evaluation <select id="result-filter"><option value="">all</option>'
            f'{options}</select></label><label>Search <input id="search" type="search"></label>'
            f'<span id="shown">{len(rows)} of {len(rows)} shown</span>'
            '<a id="clear-item" href="#" hidden>show every item</a></div>')
        note = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
        return controls + note + _table(
            ["Evaluation", "Sample", "Subset", "Output", "Extracted", "Reference", "Score", "Status",
             "Error", "Prompt"], rows, "sample-table")

    def _sample_row(self, index: int, k: int, s: Mapping[str, Any]) -> str:
        flags = sample_flags(s)
        attrs = "".join(f' data-{key}="{int(v)}"' for key, v in flags.items())
        status = ("error" if flags["error"] else "no answer read" if flags["extraction"]
                  else "wrong" if flags["wrong"] else "correct")
        options = option_probabilities(s)
        if options:
            output = "<table class=\"options\">" + "".join(
                f'<tr class="option{" chosen" if o["chosen"] else ""}{" gold" if o["gold"] else ""}">'
                f'<td>{_e(o["label"])}</td><td>{_e(o["text"])}</td>'
                f'<td class="num">{o["probability"]:.1%}</td><td><span class="prob" '
                f'style="width:{o["probability"] * 60:.1f}px"></span></td>'
                f'<td>{"chosen " if o["chosen"] else ""}{"gold" if o["gold"] else ""}</td></tr>'
                for o in options) + "</table>"
        else:
            output = f"<pre>{_e(_clip(_json(s.get('output')) if s.get('output') is not None else ''))}</pre>"
        prompt = _clip(_json(s.get("prompt")))
        return (f'<tr class="sample" id="s-{index}-{k}" data-result="{index}" '
                f'data-id="{_e(s.get("id"))}"{attrs}>' + _cell(self.names[index]) + _cell(s.get("id"))
                + _cell(s.get("subset")) + f"<td>{output}</td>"
                + _cell(s.get("extracted")) + _cell(s.get("reference")) + _cell(fmt(s.get("score")), "num")
                + _cell(status) + f"<td><pre>{_e(s.get('error'))}</pre></td>"
                + f"<td><details><summary>prompt</summary><pre>{_e(prompt)}</pre></details></td></tr>")


def _pick(samples: Sequence[Mapping[str, Any]], wanted: set[str], limit: int) -> list[int]:
    """Which samples the browser shows (in their order): the notable ones first."""
    if len(samples) <= limit:
        return list(range(len(samples)))

    def rank(k: int) -> int:
        s, flags = samples[k], sample_flags(samples[k])
        return (0 if str(s.get("id")) in wanted else 1 if flags["error"] else
                2 if flags["extraction"] else 3 if flags["wrong"] else 4)

    return sorted(sorted(range(len(samples)), key=rank)[:limit])


def _external(comparisons: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for c in comparisons:
        rows.append("<tr>" + _cell(c.get("baseline")) + _cell(c.get("candidate")) + _cell(c.get("metric"))
                    + _cell(fmt(c.get("baseline_value")), "num") + _cell(fmt(c.get("candidate_value")), "num")
                    + _cell(fmt(c.get("difference")), "num")
                    + _cell(f"[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]", "num")
                    + _cell(_p(c.get("p_value")), "num") + _cell(c.get("test")) + _cell(fmt(c.get("mde")), "num")
                    + _cell(c.get("n"), "num") + _cell(verdict(c)) + "</tr>")
    return _table(["Baseline", "Candidate", "Metric", "Baseline value", "Candidate value",
                   "Difference", "95% CI", "p", "Test", "MDE", "n paired", "Verdict"], rows,
                  "comparison-table")


def render_html(results: Results, *, title: str = "hret evaluation report",
                comparisons: Sequence[Mapping[str, Any]] = (), max_samples: int = MAX_SAMPLES,
                history: Iterable[Mapping[str, Any]] = ()) -> str:
    """The report as one HTML document (inline CSS, JS and SVG; no network).

    ``results``: one or many results, of one or many runs (see
    ``as_result_dicts``). ``comparisons``: extra paired comparisons to show
    (``Comparison.to_dict()`` rows, e.g. against a saved run). ``history``:
    run-history entries (``HistoryStore.read()``) that add earlier points to
    the trend charts.
    """
    records = as_result_dicts(results)
    report = _Report(records, history)
    generated = time.strftime("%Y-%m-%d %H:%M:%S")
    runs = sorted({run_of(r) for r in records if run_of(r)})
    body = [
        f"<header><h1>{_e(title)}</h1><p class=\"meta\">{len(records)} evaluation(s) of "
        f"{len(report.colours)} model(s) in {len(runs)} run(s), generated {generated} by hret "
        f"{_e(hret_version())}</p></header>",
        '<section id="leaderboard"><h2>Leaderboard</h2>', report.leaderboard(),
        "".join(report.provenance(i) for i in range(len(records))), "</section>",
        '<section id="subsets"><h2>Per subject and category</h2>', report.groups(), "</section>",
        '<section id="pairwise"><h2>Paired comparisons</h2>', report.pairwise(), "</section>",
    ]
    if comparisons:
        body += ['<section id="comparisons"><h2>Against a saved run</h2>', _external(comparisons),
                 "</section>"]
    trends = report.trends()
    if trends:
        body += ['<section id="trends"><h2>Trend over runs</h2>', trends, "</section>"]
    body += ['<section id="behaviour"><h2>Answer behaviour</h2><p class="note">Letters picked '
             "against the gold letters (a position bias shows as unequal pairs), and the outputs "
             "no answer could be read from.</p>", report.behaviour(), "</section>",
             '<section id="latency"><h2>Latency per sample</h2>', report.latency(), "</section>",
             '<section id="samples"><h2>Samples</h2>', report.samples(max_samples), "</section>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            + "".join(body) + f"<script>{SCRIPT}</script></body></html>\n")


def write_html(results: Results, path: str | Path, **options: Any) -> Path:
    """Render the report into ``path`` (parents created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(results, **options), encoding="utf-8")
    return target
