"""Markdown summaries for ``$GITHUB_STEP_SUMMARY`` and pull-request comments."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hret.report.data import (
    Results,
    as_result_dicts,
    dataset_of,
    families,
    fmt,
    headline,
    names_of,
    pairs,
    passed,
    ranked,
    run_of,
    verdict,
)

#: characters that Markdown (GitHub's included) would read as formatting
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _md(value: Any) -> str:
    """Text shown as itself in Markdown: one line, no raw HTML (``<lambda>``
    stays text), no emphasis, links or code from its punctuation, pipes
    escaped so that table cells keep their columns."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(_SPECIAL.sub(r"\\\1", text).split())


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
    """The report's leaderboard and the headline of its paired comparisons, as
    Markdown for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment."""
    records = as_result_dicts(results)
    names = names_of(records)
    rows = []
    for group in families(records):
        for rank, i in enumerate(ranked(records, group), start=1):
            r = records[i]
            m, metric = r.get("metrics", {}), headline(r)
            rows.append([rank, names[i], dataset_of(r), run_of(r), m.get("n"), metric, fmt(m.get(metric)),
                         f"[{fmt(m.get(f'{metric}_ci_low'))}, {fmt(m.get(f'{metric}_ci_high'))}]",
                         fmt(m.get("error_rate")), "✅ passed" if passed(r) else "❌ failed"])
    failed = sum(1 for r in records if not passed(r))
    lines = [f"### {_md(title)}", "",
             f"{len(records)} evaluation(s), {failed} failed." if records else "No evaluations.", ""]
    if rows:
        lines += _table(["#", "Evaluation", "Dataset", "Run", "n", "Metric", "Value", "95% CI",
                         "Error rate", "Result"], rows) + [""]
    return "\n".join(lines + pairs_markdown(records))


def pairs_markdown(results: Results) -> list[str]:
    """The paired comparisons of the report (every two models, each model's
    two last runs) as Markdown lines; none when nothing pairs."""
    records = as_result_dicts(results)
    found = pairs(records)
    if not found:
        return []
    names = names_of(records)
    return ["Paired comparisons (B − A; exact McNemar for 0/1 scores, else paired bootstrap):", "",
            *_table(PAIR_HEAD, [[names[c["a"]], names[c["b"]], *_pair_cells(c)] for c in found]), ""]


PAIR_HEAD = ["A", "B", "Difference", "95% CI", "p", "MDE", "n", "Verdict"]


def _pair_cells(c: Mapping[str, Any]) -> list[Any]:
    p = c.get("p_value")
    return [fmt(c.get("difference")), f"[{fmt(c.get('ci_low'))}, {fmt(c.get('ci_high'))}]",
            f"{p:.4g}" if isinstance(p, float) else fmt(p), fmt(c.get("mde")), c.get("n"), verdict(c)]


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
