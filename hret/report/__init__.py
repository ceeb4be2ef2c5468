"""Reports: one self-contained HTML file and Markdown summaries."""

from __future__ import annotations

from hret.report.data import as_result_dicts
from hret.report.html import render_html, write_html
from hret.report.markdown import comparison_markdown, markdown_summary, pairs_markdown

__all__ = ["as_result_dicts", "comparison_markdown", "markdown_summary", "pairs_markdown", "render_html", "write_html"]
