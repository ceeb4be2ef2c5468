"""The HTML report (rendered in headless Chromium and read back from its DOM)
and its Markdown twin."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import hret
from hret.cli import main
from hret.report import markdown_summary, render_html, write_html
from hret.report.data import names_of
from hret.results import EvaluationResult
from hret.store import HistoryStore, read_results
from tests.library.helpers import oracle, question_of
from tests.sinks.support import result_dict

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium)")
INJECTED = '<script>document.title = "pwned"</script>'
ONERROR = '<img src="x" onerror="document.title = \'pwned by img\'">'
TITLE = "nightly <ko> | report"
#: a model whose name is markup
NAME = "<img src=x onerror=\"document.title='pwned by name'\">"


def hostile() -> Callable[[str], str]:
    """Right on most questions; on a few it answers with markup, nothing
    readable, or fails."""
    right = oracle()

    def model(prompt: str) -> str:
        question = question_of(prompt)
        if "최대공약수" in question:
            return INJECTED
        if "최소공배수" in question:
            return ONERROR
        if "원의 넓이" in question:
            raise RuntimeError("server said <b>busy</b>")
        if "2x + 6 = 20" in question:
            return "잘 모르겠습니다"
        return right(prompt)

    return model


def wrong_on(subjects: set[str], markup: bool = False) -> Callable[[str], str]:
    """Right except on ``subjects``: there a wrong letter, or (``markup``) on
    Law a script and on Health an image with an ``onerror`` handler."""
    table = {str(s.input): (s.reference, s.subset) for s in hret.load_dataset("ko-sample")}

    def model(prompt: str) -> str:
        reference, subset = table[question_of(prompt)]
        if subset not in subjects:
            return f"정답: {reference}"
        if markup and subset == "Law":
            return INJECTED
        if markup and subset == "Health":
            return ONERROR
        return "정답: A" if reference != "A" else "정답: B"

    return model


#: per run, the subjects each model gets wrong (10 questions each)
RUNS = {
    "nightly-1": {"base": {"Math"}, "tuned": {"Math", "Law", "Economics"},
                  NAME: {"Law", "Health", "Economics", "Chemistry", "Math"}},
    "nightly-2": {"base": set(), "tuned": {"Math", "Law"},
                  NAME: {"Law", "Health", "Economics", "Chemistry"}},
}


@pytest.fixture
def results() -> dict[str, EvaluationResult]:
    return hret.compare_models({"baseline": oracle(), "hostile|model": hostile()}, dataset="ko-sample")


@pytest.fixture
def two_runs() -> list[Path]:
    """Two runs of three models on ko-sample; their run.json files."""
    files = []
    for run, wrong in RUNS.items():
        with hret.evaluation_context(run_name=run, dataset="ko-sample") as ctx:
            ctx.benchmark({label: wrong_on(subjects, markup=label == NAME)
                           for label, subjects in wrong.items()})
        files.append(ctx.run_dir / "run.json")
    return files


def chromium(path: Path, profile: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the URLs the page requested
    (read from Chromium's net log; Chromium's own update checks are not the page's)."""
    assert CHROMIUM is not None
    netlog = profile.with_name(profile.name + ".netlog.json")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
         f"--log-net-log={netlog}", "--virtual-time-budget=2000", "--dump-dom",
         f"{path.resolve().as_uri()}{fragment}"],
        capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and "</html>" in out.stdout, out.stderr[-2000:]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = [e["params"]["url"] for e in log["events"] if e["type"] == start
                 and "file://" in str(e["params"].get("network_isolation_key", ""))]
    return out.stdout, requested


def _cells(row: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]


def _rows(dom: str, cls: str) -> list[tuple[dict[str, str], list[str]]]:
    """``<tr class="cls" ...>`` rows: their attributes and their cells' text."""
    found = []
    for attrs, body in re.findall(rf'<tr class="{cls}"([^>]*)>(.*?)</tr>', dom, flags=re.S):
        found.append(({k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', attrs)},
                      _cells(body)))
    return found


def _title(dom: str) -> str:
    match = re.search(r"<title>(.*?)</title>", dom, flags=re.S)
    assert match is not None
    return match.group(1)


# --------------------------------------------------------------------------- #
# one file, everything escaped
# --------------------------------------------------------------------------- #


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
    (pair,) = _rows(page, "pair")
    assert pair[1][:3] == ["baseline", "hostile|model", "two models"] and "no significant difference" in pair[1]


@needs_chromium
@pytest.mark.parametrize(("fragment", "expected"), [
    ("", 200),
    ("#filter=wrong", 3),        # the two markup answers and the unreadable one
    ("#filter=extraction", 3),
    ("#filter=error", 1),        # the failed call
    (f"#item={quote('ko-sample/Math/test/3', safe='')}", 2),  # one item, in both evaluations
])
def test_chromium_shows_the_filtered_samples_and_runs_no_injected_script(
        results: dict[str, EvaluationResult], tmp_path: Path, fragment: str, expected: int) -> None:
    path = write_html(results, tmp_path / "report.html", title="hret report")
    dom, requested = chromium(path, tmp_path / "profile", fragment)
    assert requested == []
    assert _title(dom) == "hret report"  # the injected scripts never ran
    assert "&lt;script&gt;document.title" in dom and "<img" not in dom
    assert f'id="shown">{expected} of 200 shown<' in dom
    visible = [cells[1] for attrs, cells in _rows(dom, "sample") if "hidden" not in attrs]
    assert len(visible) == expected
    if fragment in ("#filter=error", "#item=ko-sample%2FMath%2Ftest%2F3"):
        assert set(visible) == {"ko-sample/Math/test/3"}


@needs_chromium
def test_the_request_check_sees_a_page_that_loads_something(tmp_path: Path) -> None:
    page = tmp_path / "loads.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>', encoding="utf-8")
    _, requested = chromium(page, tmp_path / "profile")
    assert requested == ["http://127.0.0.1:9/x.png"]


# --------------------------------------------------------------------------- #
# three models, two runs
# --------------------------------------------------------------------------- #


@needs_chromium
def test_a_report_of_three_models_over_two_runs_read_back_from_chromium(
        two_runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["report", *map(str, two_runs), "-o", str(out)]) == 0
    assert "hret report: 6 evaluation(s)" in capsys.readouterr().out
    dom, requested = chromium(out, tmp_path / "profile")
    assert requested == []  # nothing left the file
    assert _title(dom) == "hret evaluation report" and "pwned" not in dom.split("<body")[0]
    assert "<img" not in dom and dom.count("<script>") == 1  # markup in names and outputs is text
    records = [r for path in two_runs for r in read_results(path)]

    # the leaderboard: every evaluation, best first, named by model and run
    board = _rows(dom, "lb")
    expected = [("base", "nightly-2", 1.0), ("base", "nightly-1", 0.9), ("tuned", "nightly-2", 0.8),
                ("tuned", "nightly-1", 0.7), (NAME, "nightly-2", 0.6), (NAME, "nightly-1", 0.5)]
    assert [(cells[1], cells[3], float(cells[6])) for _, cells in board] == expected
    assert [cells[2] for _, cells in board] == ["ko-sample / test"] * 6
    for attrs, cells in board:
        metrics = records[int(attrs["data-eval"])]["metrics"]
        assert cells[7] == f"[{metrics['accuracy_ci_low']:.4f}, {metrics['accuracy_ci_high']:.4f}]"
        assert cells[8] == "100"

    # the grouped chart: per subject one bar per model (its newest run), with its value
    subjects = re.search(r'<figure class="groups" data-kind="subsets">(.*?)</figure>', dom, flags=re.S)
    assert subjects is not None
    groups = re.findall(r'<g class="group" data-group="([^"]*)">(.*?)</g>', subjects.group(1), flags=re.S)
    newest = {r["info"]["model"]: r for r in records if r["info"]["run_name"] == "nightly-2"}
    assert len(groups) == 10
    for subject, body in groups:
        bars = re.findall(r'<rect class="bar" data-series="([^"]*)" data-value="([^"]*)"', body)
        assert [html.unescape(s) for s, _ in bars] == ["base", "tuned", NAME]
        assert [float(v) for _, v in bars] == [
            newest[label]["subsets"][subject]["accuracy"] for label in ("base", "tuned", NAME)]
        assert float(bars[1][1]) == (0.0 if subject in RUNS["nightly-2"]["tuned"] else 1.0)

    # the paired panel: the same p-value as ``hret compare``, for two models and for two runs
    pairs = {(attrs["data-a"], attrs["data-b"]): cells for attrs, cells in _rows(dom, "pair")}
    assert len(pairs) == 3 + 3  # three pairs of models, each model's two runs
    path_of = {(r["info"]["run_name"], r["info"]["model"]): r["info"]["result_path"] for r in records}
    for (a, b), (run_a, label_a, run_b, label_b) in {
            ("3", "4"): ("nightly-2", "base", "nightly-2", "tuned"),
            ("1", "4"): ("nightly-1", "tuned", "nightly-2", "tuned")}.items():
        assert main(["compare", path_of[(run_a, label_a)], path_of[(run_b, label_b)], "--json"]) == 0
        (compared,) = json.loads(capsys.readouterr().out)["comparisons"]
        cells = pairs[(a, b)]
        assert cells[:2] == [f"{label_a} · {run_a}", f"{label_b} · {run_b}"]  # named by model and run
        assert cells[8] == f"{compared['p_value']:.4g}" and cells[9] == "mcnemar_exact"
        assert float(cells[6]) == pytest.approx(compared["difference"], abs=1e-4)
        disagree = re.findall(r"^\d+", cells[13])
        assert disagree == [str(sum(compared["discordant"]))]

    # the trend: two points per model, in run order, at the runs' values
    trend = re.search(r'<figure class="trend-chart">(.*?)</figure>', dom, flags=re.S)
    assert trend is not None
    series = re.findall(r'<g class="trend-series" data-series="([^"]*)">(.*?)</g>', trend.group(1), flags=re.S)
    assert [html.unescape(s) for s, _ in series] == ["base", "tuned", NAME]
    for label, body in series:
        points = re.findall(r'class="trend-point" data-run="([^"]*)" data-value="([^"]*)"', body)
        assert [(run, float(v)) for run, v in points] == [
            (run, value) for lb, run, value in sorted(expected, key=lambda e: e[1])
            if lb == html.unescape(label)]

    # answer behaviour: letters picked against gold, extraction failures per model
    cards = re.findall(r'<figure class="behaviour" data-eval="(\d+)">(.*?)</figure>', dom, flags=re.S)
    assert len(cards) == 6
    for index, body in cards:
        record = records[int(index)]
        drawn = re.findall(r'class="(picked|gold)" data-letter="(\w+)" data-count="(\d+)"', body)
        picked = {letter: int(n) for kind, letter, n in drawn if kind == "picked" and n != "0"}
        gold = {letter: int(n) for kind, letter, n in drawn if kind == "gold" and n != "0"}
        assert picked == Counter(s["extracted"] or "none" for s in record["samples"])
        assert gold == Counter(s["reference"] for s in record["samples"])
        failures = re.search(r'class="extraction" data-count="(\d+)"', body)
        assert failures is not None
        assert int(failures.group(1)) == sum(s["extraction_failed"] for s in record["samples"])
    assert len(re.findall(r'<g class="latency"', dom)) == 6


def test_the_trend_takes_earlier_runs_from_the_history(two_runs: list[Path]) -> None:
    history = HistoryStore(hret.get_config().output_dir).read()
    assert [e["metadata"]["run_name"] for e in history] == ["nightly-1", "nightly-2"]
    page = render_html(read_results(two_runs[1]), history=history)
    points = re.findall(r'class="trend-point" data-run="([^"]*)" data-value="([^"]*)"', page)
    assert [(run, float(v)) for run, v in points] == [
        ("nightly-1", 0.9), ("nightly-2", 1.0), ("nightly-1", 0.7), ("nightly-2", 0.8),
        ("nightly-1", 0.5), ("nightly-2", 0.6)]
    # one run alone, without history: no trend to draw
    assert 'class="trend-point"' not in render_html(read_results(two_runs[1]))


def test_a_large_report_stays_small_and_keeps_the_notable_samples(results: dict[str, EvaluationResult]) -> None:
    """Three models of 1,000 samples each: the browser shows 200 samples of
    each, wrong answers and errors first, and says so; the file stays under 1 MB."""
    big = []
    for label, result in [*results.items(), ("third", results["baseline"])]:
        data = result.to_dict()
        data["samples"] = [{**s, "id": f"{s['id']}#{k}"} for k in range(10) for s in data["samples"]]
        big.append({**data, "label": label})
    page = render_html(big)
    assert len(page.encode("utf-8")) <= 1_000_000
    assert page.count('<tr class="sample"') == 3 * 200
    assert page.count("showing 200 of 1000 samples") == 3
    # the hostile model's 40 notable samples (4 in each 100) are all among the shown ones
    shown = [attrs for attrs, _ in _rows(page, "sample") if attrs["data-result"] == "1"]
    assert sum(1 for a in shown if "1" in (a["data-wrong"], a["data-error"])) == 40


class FixedScorer:
    """A backend whose log-probability depends only on the answer letter."""

    name = "fixed"
    LOGPROBS = {"A": -0.5, "B": -1.5, "C": -2.5, "D": -3.5}

    def identity(self) -> dict[str, str]:
        return {"backend": "fixed"}

    def generate(self, inputs: list[str], **params: Any) -> list[str]:
        return ["" for _ in inputs]

    def loglikelihood(self, requests: list[tuple[str, str]]) -> list[tuple[float, bool]]:
        return [(self.LOGPROBS[continuation.strip()], False) for _, continuation in requests]


def test_a_log_likelihood_sample_shows_each_option_with_its_probability() -> None:
    result = hret.quick_eval(FixedScorer(), dataset="ko-sample", limit=8,
                             evaluation_method="log_likelihood")
    page = render_html(result)
    total = sum(math.exp(v) for v in FixedScorer.LOGPROBS.values())
    expected = [f"{math.exp(v) / total:.1%}" for v in FixedScorer.LOGPROBS.values()]
    rows = re.findall(r'<tr class="sample".*?</tr></table>', page, flags=re.S)
    assert len(rows) == 8
    for sample, row in zip(result.samples, rows, strict=True):
        options = _rows(row, r"option[^\"]*")
        assert [cells[0] for _, cells in options] == ["A", "B", "C", "D"]
        assert [cells[2] for _, cells in options] == expected
        marks = {cells[0]: cells[4] for _, cells in options}
        assert marks["A"].startswith("chosen")  # the likeliest option is the model's answer
        assert [k for k, v in marks.items() if v.endswith("gold")] == [sample["reference"]]
        assert "[-0.5" not in row  # no raw list of [log-prob, greedy] pairs


# --------------------------------------------------------------------------- #
# Markdown
# --------------------------------------------------------------------------- #


def test_the_markdown_summary_is_a_leaderboard_with_the_pairwise_headline(
        results: dict[str, EvaluationResult]) -> None:
    text = markdown_summary(results)
    lines = text.splitlines()
    assert lines[0] == "### hret evaluation results"
    assert "| # | Evaluation | Dataset | Run | n | Metric | Value | 95% CI | Error rate | Result |" in lines
    run = results["baseline"].info["run_name"].replace("_", "\\_")  # Markdown-escaped
    assert (f"| 1 | baseline | ko-sample / test | {run} | 100 | accuracy | 1.0000 | \\[0.9630, 1.0000\\] "
            "| 0.0000 | ✅ passed |") in lines
    # the label's pipe is escaped so that the table keeps its columns
    (row,) = [line for line in lines if line.startswith("| 2 | hostile\\|model |")]
    assert row.count(" | ") == 9
    (pair,) = [line for line in lines if line.startswith("| baseline | hostile\\|model |")]
    comparison = results["hostile|model"].info["comparison_to_first"]
    assert f"| {comparison['p_value']:.4g} |" in pair and pair.endswith("| 99 | no significant difference |")


def test_markdown_shows_markup_and_formatting_in_names_as_text() -> None:
    results = hret.compare_models({"<lambda>": oracle(), "**bold** [x](http://e) `c`": oracle()},
                                  dataset="ko-sample", limit=10)
    text = markdown_summary(results, title="<b>nightly</b>")
    assert text.splitlines()[0] == "### &lt;b&gt;nightly&lt;/b&gt;"
    assert "| &lt;lambda&gt; |" in text and "<lambda>" not in text
    assert "\\*\\*bold\\*\\* \\[x\\](http://e) \\`c\\`" in text and "**bold**" not in text


def test_evaluations_of_one_model_are_named_apart() -> None:
    """The label, then the dataset/split, then the run: only what tells two apart."""
    records = [result_dict([1.0], label="smollm2", dataset="kmmlu", run_name="r1"),
               result_dict([1.0], label="smollm2", dataset="haerae", run_name="r1"),
               result_dict([0.0], label="smollm2", dataset="haerae", run_name="r2"),
               result_dict([1.0], label="other", dataset="kmmlu", run_name="r1")]
    assert names_of(records) == ["smollm2 · kmmlu / test", "smollm2 · haerae / test · r1",
                                 "smollm2 · haerae / test · r2", "other"]
    page = render_html(records)
    assert [cells[1:4] for _, cells in _rows(page, "lb")] == [
        ["smollm2", "kmmlu / test", "r1"], ["other", "kmmlu / test", "r1"],
        ["smollm2", "haerae / test", "r1"], ["smollm2", "haerae / test", "r2"]]
