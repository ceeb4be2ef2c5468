"""The pytest_hret_* hooks, sinks and the session accessor, with and without xdist."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.plugin.plugin_support import Inner

CONFTEST = '''
import pytest_hret.plugin

pytest_plugins = ["pytest_hret.mlops"]  # loaded by the plugin already; naming it again is fine

LOG = os.path.join(os.path.dirname(__file__), "hooks.jsonl")


def log(kind, **data):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "pid": os.getpid(), **data}) + "\\n")


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        log("configure", mlops=config.pluginmanager.has_plugin("pytest_hret.mlops"))


def pytest_hret_run_name(item):
    return "custom-" + item.name


def pytest_hret_modify_result(item, result_dict):
    result_dict["info"]["team"] = "search"
    result_dict["metrics"]["custom_metric"] = 0.5
    log("modify", label=result_dict["label"], item=item.name)


class Recorder(hret.Sink):
    def on_run_start(self, event):
        log("start", run=event.run_name)

    def on_result(self, event):
        log("result", label=event.label, run=event.run_name, team=event.result.info.get("team"),
            accuracy=event.result.metrics["accuracy"], nodeid=event.metadata["nodeid"])

    def on_run_end(self, event):
        log("end", results=len(event.results))


class Broken(hret.Sink):
    name = "broken-sink"

    def on_result(self, event):
        raise RuntimeError("sink down")


def pytest_hret_sinks(config):
    return [Recorder(), Broken()]


def pytest_hret_session_finish(session, results):
    log("finish", labels=[r["label"] for r in results],
        worker=hasattr(session.config, "workerinput"))


def pytest_terminal_summary(terminalreporter, config):
    count = len(pytest_hret.plugin.session_results(config))
    terminalreporter.write_line(f"accessor sees {count} results")
'''

MODULE = '''
@hret.evaluate(dataset="ko-sample", limit=10)
def evaluated(prompt):
    return right(prompt)

@hret.benchmark(dataset="ko-sample", limit=10)
def compared():
    return {"right": right, "always-a": always_a}

def test_plain():
    pass
'''


def events(inner: Inner) -> list[dict[str, Any]]:
    path = inner.path / "hooks.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_hooks_and_sinks(inner: Inner, mode: tuple[str, ...]) -> None:
    inner.conftest(CONFTEST)
    inner.module(MODULE)
    result = inner.run("--hret-json=out.json", "--junitxml=junit.xml", mode=mode)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK
    log = events(inner)
    kinds = [e["kind"] for e in log]
    assert kinds.count("configure") == 1 and log[0]["mlops"] is True
    assert sorted(kinds) == sorted(["configure", "modify", "modify", "modify", "start", "result",
                                    "result", "result", "end", "finish"])
    # sinks and the session hook: once, on the reporting process, in source order
    controller = [e for e in log if e["kind"] in ("configure", "start", "result", "end", "finish")]
    assert {e["pid"] for e in controller} == {log[0]["pid"]}
    assert [(e["label"], e["run"], e["team"], e["nodeid"]) for e in log if e["kind"] == "result"] == [
        ("evaluated", "custom-evaluated", "search", "test_inner.py::evaluated"),
        ("right", "custom-compared", "search", "test_inner.py::compared"),
        ("always-a", "custom-compared", "search", "test_inner.py::compared"),
    ]
    assert [e for e in log if e["kind"] == "end"][0]["results"] == 3
    [finish] = [e for e in log if e["kind"] == "finish"]
    assert finish["labels"] == ["evaluated", "right", "always-a"] and finish["worker"] is False
    if "2" in mode:  # results were modified where the items ran
        assert all(e["pid"] != log[0]["pid"] for e in log if e["kind"] == "modify")
    # what the modify hook added is in every report
    results = inner.json()["results"]
    assert [r["info"]["run_name"] for r in results] == ["custom-evaluated", "custom-compared",
                                                        "custom-compared"]
    assert all(r["info"]["team"] == "search" and r["metrics"]["custom_metric"] == 0.5 for r in results)
    assert 'name="hret.evaluated.custom_metric" value="0.5"' in (inner.path / "junit.xml").read_text()
    # a failing sink is reported, never fatal
    # once per sink, with a count
    result.stdout.fnmatch_lines(["hret: sink 'broken-sink' failed in on_result: RuntimeError: sink down "
                                 "(3 failures of this sink)", "accessor sees 3 results"])


def test_hooks_are_not_called_without_results(inner: Inner) -> None:
    inner.conftest(CONFTEST)
    inner.module("def test_plain():\n    pass\n")
    inner.run().assert_outcomes(passed=1)
    assert [e["kind"] for e in events(inner)] == ["configure"]


def test_sinks_receive_full_results_rebuilt_from_worker_reports(inner: Inner) -> None:
    """A sink receives frozen events with full results rebuilt from the reports."""
    inner.conftest('''
        class Keep(hret.Sink):
            def on_run_end(self, event):
                with open("end.json", "w") as f:
                    json.dump([{"model": r.info["model"], "n": r.metrics["n"],
                                "passed": r.passed, "samples": len(r.samples)}
                               for r in event.results], f)

        def pytest_hret_sinks(config):
            return [Keep()]
    ''')
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=6, threshold={"accuracy": 0.5})
        def weak(prompt):
            return always_a(prompt)
    ''')
    inner.run("-n", "2").assert_outcomes(failed=1)
    assert json.loads((inner.path / "end.json").read_text()) == [
        {"model": "weak", "n": 6, "passed": False, "samples": 6}]


def test_hookspec_documents_each_hook_with_a_conftest_example() -> None:
    from pytest_hret import hookspec

    hooks = [name for name in vars(hookspec) if name.startswith("pytest_hret_")]
    assert sorted(hooks) == ["pytest_hret_modify_result", "pytest_hret_run_name",
                             "pytest_hret_session_finish", "pytest_hret_sinks"]
    for name in hooks:
        doc = getattr(hookspec, name).__doc__
        assert "conftest.py" in doc and f"def {name}(" in doc, name


#: what the plugin imports of hret in every session: the option table, whose
#: flags it registers, and nothing that evaluates
OPTION_TABLE_MODULES = "['hret', 'hret.errors', 'hret.options']"


def test_plugin_import_imports_only_the_option_table() -> None:
    import subprocess
    import sys

    code = ("import sys, pytest_hret.plugin; "
            "print(sorted(m for m in sys.modules if m == 'hret' or m.startswith('hret.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": ""})
    assert out.stdout.strip() == OPTION_TABLE_MODULES
