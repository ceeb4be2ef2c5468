"""The plugin's MLOps options: saved runs, the paired regression gate, the HTML
report, their ini twins and their usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin.plugin_support import MODES, Inner

SESSION = '''
@hret.evaluate(dataset="ko-sample", model="candidate")
def strong(prompt):
    return right(prompt)

@hret.benchmark(dataset="ko-sample", limit=20)
def pair():
    return {"right": right, "always-a": always_a}
'''
#: the same session after a change that loses every answer but A
REGRESSED = SESSION.replace("    return right(prompt)\n", "    return always_a(prompt)\n", 1)


def _saved(inner: Inner) -> Path:
    return inner.path / "hret_results" / "saved"


@pytest.fixture
def inner_out(inner: Inner) -> Inner:
    # inner sessions run in this process: keep their output directory theirs
    inner.ini(f"hret_output = {inner.path / 'hret_results'}")
    return inner


def test_save_then_compare_fails_the_session_on_a_paired_regression(
        inner_out: Inner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = inner_out
    inner.module(SESSION)
    result = inner.run("--hret-save", "main")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["hret: saved run 'main' to */saved/main.json"])
    saved = json.loads((_saved(inner) / "main.json").read_text(encoding="utf-8"))
    assert [len(r["samples"]) for r in saved["results"]] == [100, 20, 20]

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    inner.module(REGRESSED)
    result = inner.run("--hret-compare=main", "--hret-compare-fail=accuracy:1%", mode=MODES["n2"])
    result.assert_outcomes(passed=2)  # every item passes; the gate fails the session
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "hret compare: this session against main",
        "  test_inner.py::strong: accuracy: candidate 1.0000 -> candidate 0.* (-0.*, *mcnemar_exact*",
        "  test_inner.py::pair::right: accuracy: right 1.0000 -> right 1.0000 (+0.0000*",
        "  REGRESSION test_inner.py::strong: accuracy worse by 0.* > tolerance 0.0100 (accuracy:1%)*",
    ])
    assert "**1 regression(s)**" in summary.read_text(encoding="utf-8")

    # the unchanged session passes the same gate
    inner.module(SESSION)
    result = inner.run("--hret-compare=main", "--hret-compare-fail=accuracy:1%")
    assert result.ret == pytest.ExitCode.OK
    assert "REGRESSION" not in result.stdout.str()


def test_autosave_and_compare_with_the_latest_saved_run(inner_out: Inner) -> None:
    inner = inner_out
    inner.module(SESSION)
    result = inner.run("--hret-compare")  # nothing saved yet: a note, not a failure
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["hret: no saved run under * to compare with; save one with "
                                 "--hret-save NAME or --hret-autosave"])
    inner.run("--hret-autosave").assert_outcomes(passed=2)
    (first,) = [p.stem for p in _saved(inner).glob("*.json")]
    assert first.startswith("pytest-")
    inner.module(REGRESSED)
    result = inner.run("--hret-compare", "--hret-compare-fail=accuracy:0.8")  # within tolerance
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"hret compare: this session against {first}"])


def test_the_ini_twins_and_the_html_report(inner_out: Inner) -> None:
    inner = inner_out
    inner.module(SESSION)
    inner.run("--hret-save=main").assert_outcomes(passed=2)
    inner.module(REGRESSED)
    inner.ini(f"""
        hret_output = {inner.path / 'hret_results'}
        hret_compare = main
        hret_compare_fail = accuracy:1%
        hret_html = report/out.html
    """)
    result = inner.run()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["  REGRESSION test_inner.py::strong*",
                                 f"hret: HTML report written to {inner.path / 'report' / 'out.html'}"])
    page = (inner.path / "report" / "out.html").read_text(encoding="utf-8")
    assert page.count('<tr class="sample"') == 140 and 'id="comparison-table"' in page
    assert "main: candidate" in page and "significantly worse" in page


@pytest.mark.parametrize(("args", "message"), [
    (["--hret-compare-fail=accuracy:1%"], "--hret-compare-fail needs --hret-compare*"),
    (["--hret-compare", "--hret-compare-fail=accuracy=1"], "--hret-compare-fail: bad regression rule*"),
    (["--hret-save", "../up"], "--hret-save: run name '../up' must start with a letter or digit*"),
    (["--hret-mlflow", "sub"], "*--hret-mlflow took 'sub', which looks like a test path*--hret-mlflow=URI*"),
    (["--hret-wandb=team/project"], "*'team/project' is not a W&B project name*"),
])
def test_usage_errors_name_the_option_and_the_fix(inner: Inner, args: list[str], message: str) -> None:
    (inner.path / "sub").mkdir()
    inner.module(SESSION)
    result = inner.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_nothing_happens_in_a_session_without_hret_items(inner_out: Inner) -> None:
    inner = inner_out
    inner.pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = inner.run("--hret-html=r.html", "--hret-save=x", "--hret-compare")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*= hret =*")
    result.stdout.no_fnmatch_line("hret*")
    assert not (inner.path / "r.html").exists() and not _saved(inner).exists()
