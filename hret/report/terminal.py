"""The session's results as tables: text for the terminal, Markdown for CI summaries."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hret.results import headline_of

PASS, FAIL, NONE = "✓", "✗", "-"


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _width(text: str) -> int:
    """Terminal columns of ``text``: Korean and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _headline(result: Mapping[str, Any]) -> str:
    return headline_of(result.get("info", {}))


def score(metrics: Mapping[str, Any], name: str) -> str:
    value = metrics.get(name)
    if not isinstance(value, (int, float)):
        return NONE
    # whole results name the bounds after the metric, subset summaries do not
    low = metrics.get(f"{name}_ci_low", metrics.get("ci_low"))
    high = metrics.get(f"{name}_ci_high", metrics.get("ci_high"))
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return f"{value:.3f} [{low:.3f}, {high:.3f}]"
    return f"{value:.3f}"


def thresholds(result: Mapping[str, Any]) -> str:
    checks = result.get("threshold_checks") or []
    if not checks:
        return NONE
    failed = [str(c["metric"]) for c in checks if not c.get("passed")]
    return f"{FAIL} {', '.join(failed)}" if failed else PASS


def errors(metrics: Mapping[str, Any]) -> str:
    count = int(metrics.get("error_count", 0) or 0)
    return f"{count} ({float(metrics.get('error_rate', 0.0)):.0%})" if count else "0"


def seconds(metrics: Mapping[str, Any]) -> str:
    value = metrics.get("duration_s")
    return f"{value:.2f}s" if isinstance(value, (int, float)) else NONE


def _short(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def _n(metrics: Mapping[str, Any]) -> str:
    return str(int(metrics.get("n", 0) or 0))


def results_table(results: Sequence[Mapping[str, Any]], verbose: bool) -> Table | None:
    """One row per result of evaluate items and plain tests; subsets with -v."""
    shown = [r for r in results if r.get("kind") != "benchmark"]
    if not shown:
        return None
    names = {_headline(r) for r in shown}
    metric = names.pop() if len(names) == 1 else "score"
    header = ("item", "dataset", "model", "n", f"{metric} (95% CI)", "thresholds", "errors", "time")
    rows: list[tuple[str, ...]] = []
    for result in shown:
        name, metrics, info = _headline(result), result["metrics"], result.get("info", {})
        cell = score(metrics, name) if metric != "score" else f"{name} {score(metrics, name)}"
        rows.append((_short(str(result["nodeid"])), str(info.get("dataset", NONE)),
                     str(result.get("label", info.get("model", NONE))), _n(metrics), cell,
                     thresholds(result), errors(metrics), seconds(metrics)))
        if verbose:
            rows += [(f"  {subset}", "", "", _n(m), score(m, name), "", "", "")
                     for subset, m in sorted((result.get("subsets") or {}).items())]
    return Table("hret results", header, tuple(rows))


def benchmark_tables(results: Sequence[Mapping[str, Any]], verbose: bool) -> list[Table]:
    """Per benchmark item, its models side by side on the same samples."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        if result.get("kind") == "benchmark":
            groups.setdefault(str(result["nodeid"]), []).append(result)
    tables = []
    for nodeid, members in groups.items():
        name = _headline(members[0])
        dataset = members[0].get("info", {}).get("dataset", NONE)
        header = ("", *(str(m["label"]) for m in members))
        rows: list[tuple[str, ...]] = [
            (f"{name} (95% CI)", *(score(m["metrics"], name) for m in members)),
            ("n", *(_n(m["metrics"]) for m in members)),
            ("thresholds", *(thresholds(m) for m in members)),
            ("errors", *(errors(m["metrics"]) for m in members)),
            ("time", *(seconds(m["metrics"]) for m in members)),
        ]
        if verbose:
            subsets = sorted({s for m in members for s in (m.get("subsets") or {})})
            rows += [(f"  {s}", *(score((m.get("subsets") or {}).get(s, {}), name) for m in members))
                     for s in subsets]
        tables.append(Table(f"benchmark {_short(nodeid)} on {dataset}", header, tuple(rows)))
    return tables


def tracked_table(tracked: Sequence[Mapping[str, Any]]) -> Table | None:
    if not tracked:
        return None
    rows = tuple((_short(str(t["nodeid"])), str(t["name"]),
                  ", ".join(f"{k}={_number(v)}" for k, v in t["metrics"].items()))
                 for t in tracked)
    return Table("hret tracked metrics", ("test", "function", "metrics"), rows)


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def tables(results: Sequence[Mapping[str, Any]], tracked: Sequence[Mapping[str, Any]],
           verbose: bool) -> list[Table]:
    found = [results_table(results, verbose), *benchmark_tables(results, verbose),
             tracked_table(tracked)]
    return [t for t in found if t is not None]


def text_lines(table: Table) -> list[str]:
    widths = [max(_width(row[i]) for row in (table.header, *table.rows))
              for i in range(len(table.header))]

    def line(cells: Iterable[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(table.header), line("-" * w for w in widths), *(line(r) for r in table.rows)]


def markdown_lines(table: Table) -> list[str]:
    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [f"### {table.title}", "", line(table.header),
            line("---" for _ in table.header), *(line(r) for r in table.rows), ""]


def markdown(all_tables: Sequence[Table]) -> str:
    return "\n".join(["## hret", "", *(line for t in all_tables for line in markdown_lines(t))]) + "\n"


def result_lines(result: Mapping[str, Any]) -> list[str]:
    """One result as text: the headline with its 95% interval (and the micro
    average beside a macro headline), n and errors, then one row per subject."""
    name, metrics = _headline(result), result["metrics"]
    beside = name != "accuracy" and isinstance(metrics.get("accuracy"), (int, float))
    header = ("", "n", f"{name} (95% CI)", *(["accuracy (micro)"] if beside else []), "errors")
    info = result.get("info", {})
    rows = [(f"{info.get('model', NONE)} on {info.get('dataset', NONE)}", _n(metrics), score(metrics, name),
             *([score(metrics, "accuracy")] if beside else []), errors(metrics))]
    for subset, values in sorted((result.get("subsets") or {}).items()):
        base = "accuracy" if name.endswith("_macro") or name.endswith("_macro_category") else name
        rows.append((f"  {subset}", _n(values), score(values, base), *([""] if beside else []), ""))
    return text_lines(Table("", header, tuple(rows)))
