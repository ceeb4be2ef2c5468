"""Every reporting path, with and without xdist: terminal table, JUnit XML,
--hret-json, the GitHub step summary, and silence without hret items."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.plugin.plugin_support import MODES, Inner

SESSION = '''
@hret.evaluate(dataset="ko-sample", limit=20, model="strong-llm", threshold={"accuracy": 0.9})
def strong(prompt):
    return right(prompt)

@hret.evaluate(dataset="ko-sample", limit=20, threshold={"accuracy": 0.9})
def weak(prompt):
    return always_a(prompt)

@hret.benchmark(dataset="ko-sample", limit=20)
def pair():
    return {"right": right, "always-a": always_a}

@hret.track_metrics(["loss", "steps"])
def train():
    return {"loss": 0.125, "steps": 3, "other": "x"}

@pytest.mark.hret
def test_tracking():
    train()

def test_context(evaluation_context):
    evaluation_context.evaluate(right, limit=10, label="ctx-model")

def test_not_hret():
    hret.quick_eval(right, dataset="ko-sample", limit=3)
'''

TABLE = [
    "*= hret =*",
    "hret results",
    "item *dataset *model *n *accuracy (95% CI) *thresholds *errors *time",
    "strong *ko-sample *strong-llm *20 *1.000 [[]0.839, 1.000[]] *✓ *0 *s",
    "weak *ko-sample *weak *20 *0.200 [[]0.081, 0.416[]] *✗ accuracy *0 *s",
    "test_context *ko-sample *ctx-model *10 *1.000 [[]0.722, 1.000[]] *- *0 *s",
    "benchmark pair on ko-sample",
    " *right *always-a",
    "accuracy (95% CI) *1.000 [[]0.839, 1.000[]] *0.200 [[]0.081, 0.416[]]",
    "n *20 *20",
    "thresholds *- *-",
    "hret tracked metrics",
    "test_tracking *train *loss=0.125, steps=3",
]


@pytest.fixture
def session(inner: Inner, monkeypatch: pytest.MonkeyPatch) -> Inner:
    inner.module(SESSION)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(inner.path / "summary.md"))
    return inner


def run_session(inner: Inner, mode: tuple[str, ...], *args: str) -> pytest.RunResult:
    result = inner.run("--junitxml=junit.xml", "--hret-json=out.json", *args, mode=mode)
    result.assert_outcomes(passed=5, failed=1)
    return result


def test_terminal_table(session: Inner, mode: tuple[str, ...]) -> None:
    result = run_session(session, mode)
    result.stdout.fnmatch_lines(TABLE)
    result.stdout.no_fnmatch_line("  Math *")  # subset rows only with -v
    result.stdout.no_fnmatch_line("*test_not_hret*ko-sample*")
    result.stdout.no_fnmatch_line("*other=*")


def test_terminal_table_with_subsets_under_verbose(session: Inner, mode: tuple[str, ...]) -> None:
    result = run_session(session, mode, "-v")
    result.stdout.fnmatch_lines([
        "strong *ko-sample *strong-llm *20 *1.000*",
        "  Agricultural-Sciences *2 *1.000 [[]0.342, 1.000[]]",
        "weak *",
        "benchmark pair on ko-sample",
        "time *s *s",
        "  Agricultural-Sciences *1.000 [[]0.342, 1.000[]] *0.000 [[]0.000, 0.658[]]",
    ])


def test_junit_properties(session: Inner, mode: tuple[str, ...]) -> None:
    run_session(session, mode)
    root = ET.parse(session.path / "junit.xml").getroot()
    props = {case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
             for case in root.iter("testcase")}
    assert props["strong"]["hret.strong-llm.accuracy"] == "1.0"
    assert props["strong"]["hret.strong-llm.n"] == "20"
    assert props["strong"]["hret.strong-llm.passed"] == "True"
    assert float(props["weak"]["hret.weak.accuracy_ci_low"] or "nan") == pytest.approx(0.0807, abs=1e-4)
    assert props["weak"]["hret.weak.passed"] == "False"
    assert props["pair"]["hret.right.accuracy"] == "1.0"
    assert props["pair"]["hret.always-a.accuracy"] == "0.2"
    assert props["test_context"]["hret.ctx-model.n"] == "10"
    assert props["test_not_hret"] == {} and props["test_tracking"] == {}


def test_json_file(session: Inner, mode: tuple[str, ...]) -> None:
    run_session(session, mode)
    data = session.json()
    results = data["results"]
    assert [(r["nodeid"], r["item"], r["label"], r["kind"]) for r in results] == [
        ("test_inner.py::strong", "strong", "strong-llm", "evaluate"),
        ("test_inner.py::weak", "weak", "weak", "evaluate"),
        ("test_inner.py::pair", "pair", "right", "benchmark"),
        ("test_inner.py::pair", "pair", "always-a", "benchmark"),
        ("test_inner.py::test_context", "test_context", "ctx-model", "test"),
    ]
    assert [r["passed"] for r in results] == [True, False, True, True, True]
    assert all(len(r["samples"]) == r["metrics"]["n"] for r in results)
    assert data["tracked"] == [{"nodeid": "test_inner.py::test_tracking", "item": "test_tracking",
                                "name": "train", "metrics": {"loss": 0.125, "steps": 3}}]


def test_github_step_summary(session: Inner, mode: tuple[str, ...]) -> None:
    (session.path / "summary.md").write_text("earlier step\n", encoding="utf-8")
    run_session(session, mode)
    summary = (session.path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("earlier step\n## hret\n")  # appended, once
    assert re.findall("^## .*", summary, re.MULTILINE) == ["## hret"]
    assert "| item | dataset | model | n | accuracy (95% CI) | thresholds | errors | time |" in summary
    assert "| strong | ko-sample | strong-llm | 20 | 1.000 [0.839, 1.000] | ✓ | 0 |" in summary
    assert "| weak | ko-sample | weak | 20 | 0.200 [0.081, 0.416] | ✗ accuracy | 0 |" in summary
    assert "### benchmark pair on ko-sample" in summary
    assert "| accuracy (95% CI) | 1.000 [0.839, 1.000] | 0.200 [0.081, 0.416] |" in summary
    assert "| test_tracking | train | loss=0.125, steps=3 |" in summary
    # the pairwise headline: the benchmark's two models, paired on their 20 samples
    (pair,) = [line for line in summary.splitlines() if line.startswith("| pair \\[right\\] | pair \\[always-a\\] |")]
    assert pair.endswith("| 20 | significantly worse |") and "| -0.8000 |" in pair


def comparable(data: dict[str, Any]) -> list[dict[str, Any]]:
    """What must not depend on how the session ran: everything but timings and ids."""
    timing = {"duration_s", "latency_p50_ms", "latency_p95_ms"}
    tracked: list[dict[str, Any]] = data["tracked"]
    return [{
        "where": (r["nodeid"], r["label"], r["kind"]), "passed": r["passed"],
        "metrics": {k: v for k, v in r["metrics"].items() if k not in timing},
        "subsets": r["subsets"], "checks": r["threshold_checks"],
        "samples": [(s["id"], s["output"], s["score"]) for s in r["samples"]],
    } for r in data["results"]] + tracked


def table(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if re.match(r"=+ hret =+$", line))
    end = next(i for i, line in enumerate(lines) if "short test summary" in line)
    return [re.sub(r"\s+", " ", re.sub(r"\d+\.\d\ds", "T", line)) for line in lines[start:end]]


def test_xdist_gives_the_same_results_table_json_and_exit_code(session: Inner) -> None:
    serial = run_session(session, MODES["n0"], "-rf")
    serial_json = comparable(session.json())
    parallel = run_session(session, MODES["n2"], "-rf")
    assert comparable(session.json()) == serial_json
    assert table(parallel) == table(serial)
    assert parallel.ret == serial.ret == pytest.ExitCode.TESTS_FAILED


def test_silent_without_hret_items(inner: Inner, mode: tuple[str, ...]) -> None:
    inner.module('''
        def test_plain():
            assert hret.quick_eval(right, dataset="ko-sample", limit=3).metrics["accuracy"] == 1.0

        @hret.track_metrics(["loss"])
        def train():
            return {"loss": 0.1}

        def test_tracking_in_a_plain_test():
            train()
    ''')
    result = inner.run("-v", mode=mode)
    result.assert_outcomes(passed=2)
    header = ("plugins:", "rootdir:")
    assert [line for line in result.outlines if "hret" in line and not line.startswith(header)] == []
    assert result.errlines == []
    assert not (inner.path / "summary.md").exists()


def test_only_the_option_table_and_no_output_in_sessions_without_hret(inner: Inner) -> None:
    inner.pytester.makeconftest('''
        import sys

        def pytest_sessionfinish(session):
            with open("imported.txt", "w") as f:
                f.write(" ".join(sorted(m for m in sys.modules if m == "hret" or m.startswith("hret."))))
    ''')
    inner.pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    with_plugin = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p",
                                                      "no:hypothesispytest")
    with_plugin.assert_outcomes(passed=1)
    # names what the session imported of hret: the option table only
    assert (inner.path / "imported.txt").read_text() == "hret hret.errors hret.options"
    without = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p",
                                                  "no:hypothesispytest", "-p", "no:hret")
    normalise = [re.compile(r"in \d+\.\d+s"), re.compile(r"^plugins: .*")]

    def lines(result: pytest.RunResult) -> list[str]:
        out = result.outlines
        for pattern in normalise:
            out = [pattern.sub("", line) for line in out]
        return out

    assert lines(with_plugin) == lines(without)
