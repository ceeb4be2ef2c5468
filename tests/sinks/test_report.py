"""The HTML report (rendered in headless Chromium) and the Markdown summary."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import hret
from hret.report import markdown_summary, render_html, write_html
from hret.results import EvaluationResult
from tests.library.helpers import oracle, question_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INJECTED = '<script>document.title = "pwned"</script>'
TITLE = "nightly <ko> | report"


def hostile() -> Callable[[str], str]:
    """Right on most questions; on a few it answers with markup, nothing
    readable, or fails."""
    right = oracle()

    def model(prompt: str) -> str:
        question = question_of(prompt)
        if "최대공약수" in question:
            return INJECTED
        if "최소공배수" in question:
            return '<img src="x" onerror="document.title = \'pwned by img\'">'
        if "원의 넓이" in question:
            raise RuntimeError("server said <b>busy</b>")
        if "2x + 6 = 20" in question:
            return "잘 모르겠습니다"
        return right(prompt)

    return model


@pytest.fixture
def results() -> dict[str, EvaluationResult]:
    return hret.compare_models({"baseline": oracle(), "hostile|model": hostile()}, dataset="ko-sample")


def test_the_report_is_one_self_contained_file_with_everything_escaped(
        results: dict[str, EvaluationResult]) -> None:
    page = render_html(results, title=TITLE)
    # no network: nothing is loaded from anywhere (the SVG namespace is only a name)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script src" not in page and "@import" not in page
    assert INJECTED not in page and "&lt;script&gt;document.title = &quot;pwned&quot;&lt;/script&gt;" in page
    assert '<img src="x"' not in page and "server said &lt;b&gt;busy&lt;/b&gt;" in page
    assert f"<title>{TITLE.replace('<', '&lt;').replace('>', '&gt;')}</title>" in page
    # per-subset bars with CI error bars: one bar and one error bar per subset and model
    assert page.count('<rect class="bar"') == 2 * (10 + 4)  # 10 subjects, 4 categories
    assert page.count('<path class="ci"') == 2 * (10 + 4)
    assert page.count('<tr class="sample"') == 200
    assert 'id="comparison-table"' in page and "no significant difference" in page


def _render(path: Path, fragment: str, profile: Path) -> str:
    assert CHROMIUM is not None
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom",
         f"{path.resolve().as_uri()}{fragment}"],
        capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and "</html>" in out.stdout, out.stderr[-2000:]
    return out.stdout


def _visible_ids(dom: str) -> list[str]:
    rows = re.findall(r'<tr class="sample"([^>]*)>(.*?)</tr>', dom, flags=re.S)
    return [re.findall(r"<td>(.*?)</td>", cells)[1] for attrs, cells in rows if "hidden" not in attrs]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)")
@pytest.mark.parametrize(("fragment", "expected"), [
    ("", 200),
    ("#filter=wrong", 3),        # the two markup answers and the unreadable one
    ("#filter=extraction", 3),
    ("#filter=error", 1),        # the failed call
])
def test_chromium_shows_the_filtered_samples_and_runs_no_injected_script(
        results: dict[str, EvaluationResult], tmp_path: Path, fragment: str, expected: int) -> None:
    path = write_html(results, tmp_path / "report.html", title="hret report")
    dom = _render(path, fragment, tmp_path / "profile")
    assert re.search(r"<title>hret report</title>", dom)  # the injected scripts never ran
    assert "pwned" not in re.search(r"<title>.*?</title>", dom, flags=re.S).group(0)  # type: ignore[union-attr]
    assert "&lt;script&gt;document.title" in dom and '<img src="x"' not in dom
    assert f'id="shown">{expected} of 200 shown<' in dom
    visible = _visible_ids(dom)
    assert len(visible) == expected
    if fragment == "#filter=error":
        assert visible == ["ko-sample/Math/test/3"]


def test_the_markdown_summary_is_a_table_with_the_comparisons(
        results: dict[str, EvaluationResult]) -> None:
    text = markdown_summary(results)
    lines = text.splitlines()
    assert lines[0] == "### hret evaluation results"
    assert "| Evaluation | Dataset | n | Metric | Value | 95% CI | Error rate | Result |" in lines
    assert "| baseline | ko-sample / test | 100 | accuracy | 1.0000 | [0.9630, 1.0000] | 0.0000 | ✅ passed |" in lines
    # the label's pipe is escaped so that the table keeps its columns
    (row,) = [line for line in lines if line.startswith("| hostile\\|model | ko-sample")]
    assert row.count(" | ") == 7
    (comparison,) = [line for line in lines if line.startswith("| baseline | hostile\\|model | accuracy")]
    assert "mcnemar_exact" in comparison and "| 99 |" in comparison
