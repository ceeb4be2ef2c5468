"""Markdown summaries for ``$GITHUB_STEP_SUMMARY`` and pull-request comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hret.report.data import (
    Results,
    as_result_dicts,
    comparisons_of,
    dataset_of,
    fmt,
    headline,
    passed,
    title_of,
    verdict,
)


def _md(value: Any) -> str:
    """A table cell: pipes escaped, one line, no raw HTML."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.replace("|", "\\|").split())


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(_md(c) for c in row) + " |" for row in rows)]


def _comparison_rows(comparisons: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for c in comparisons:
        p = c.get("p_value")
        rows.append([c.get("baseline"), c.get("candidate"), c.get("metric"), fmt(c.get("difference")),
                     f"[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]",
                     f"{p:.4g}" if isinstance(p, float) else fmt(p), c.get("test"),
                     fmt(c.get("mde")), c.get("n"), verdict(c)])
    return rows


COMPARISON_HEAD = ["Baseline", "Candidate", "Metric", "Difference", "95% CI", "p", "Test",
                   "MDE", "n", "Verdict"]


def markdown_summary(results: Results, *, title: str = "hret evaluation results") -> str:
    """A Markdown table of the results (and of a benchmark's paired comparisons)."""
    records = as_result_dicts(results)
    rows = []
    for r in records:
        m, metric = r.get("metrics", {}), headline(r)
        rows.append([title_of(r), dataset_of(r), m.get("n"), metric, fmt(m.get(metric)),
                     f"[{fmt(m.get(f'{metric}_ci_low'))}, {fmt(m.get(f'{metric}_ci_high'))}]",
                     fmt(m.get("error_rate")), "✅ passed" if passed(r) else "❌ failed"])
    failed = sum(1 for r in records if not passed(r))
    lines = [f"### {_md(title)}", "",
             f"{len(records)} evaluation(s), {failed} failed." if records else "No evaluations.", ""]
    if rows:
        lines += _table(["Evaluation", "Dataset", "n", "Metric", "Value", "95% CI", "Error rate",
                         "Result"], rows) + [""]
    comparisons = comparisons_of(records)
    if comparisons:
        lines += ["Paired comparisons with the first model:", ""]
        lines += _table(COMPARISON_HEAD, _comparison_rows(comparisons)) + [""]
    return "\n".join(lines)


def comparison_markdown(report: Any) -> str:
    """A ``RunComparison`` (or its ``to_dict()``) as Markdown, regressions first."""
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    lines = [f"### hret compare: {_md(data['candidate'])} against {_md(data['baseline'])}", ""]
    if data.get("regressions"):
        lines += [f"**{len(data['regressions'])} regression(s)**", ""]
        lines += [f"- ❌ {_md(r)}" for r in data["regressions"]] + [""]
    elif data.get("rules"):
        lines += [f"No regression beyond {', '.join(_md(r) for r in data['rules'])}.", ""]
    rows = [{**c, "candidate": c.get("key") or c.get("candidate")} for c in data.get("comparisons", [])]
    if rows:
        lines += _table(COMPARISON_HEAD, _comparison_rows(rows)) + [""]
    lines += [f"- {_md(n)}" for n in data.get("notes", [])]
    return "\n".join(lines).rstrip() + "\n"
