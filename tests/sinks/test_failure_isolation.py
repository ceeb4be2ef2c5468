"""A failing sink or a tracking server that is down warns, loses nothing and
changes no outcome; strict mode turns it into an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.results import EvaluationResult
from hret.sinks import ResultEvent, SinkError, SinkWarning
from tests.library.helpers import oracle
from tests.plugin.plugin_support import Inner
from tests.sinks.support import free_port


class Exploding(hret.Sink):
    name = "exploding"

    def on_result(self, event: ResultEvent) -> None:
        raise RuntimeError(f"cannot log {event.label}")


@pytest.fixture
def down_server(monkeypatch: pytest.MonkeyPatch) -> str:
    """The URI of a tracking server that is not there, with MLflow's own
    retries and timeouts kept short."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    return f"http://127.0.0.1:{free_port()}"


def _local_files_complete(result: EvaluationResult, n: int) -> None:
    saved = EvaluationResult.load_json(result.info["result_path"])
    assert saved.metrics == result.metrics and len(saved.samples) == n
    lines = Path(result.info["samples_path"]).read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["index"] for line in lines) == list(range(n))


def test_a_raising_sink_warns_and_loses_nothing() -> None:
    seen: list[Any] = []

    def integration(run_result: dict[str, Any], results: list[EvaluationResult]) -> None:
        seen.append(len(results))
        raise ValueError("dashboard is down")

    with pytest.warns(SinkWarning) as warned:
        with hret.evaluation_context(run_name="isolated", dataset="ko-sample") as ctx:
            ctx.add_sink(Exploding())
            ctx.add_mlops_integration(integration)
            result = ctx.evaluate(oracle(), label="m")
    assert [str(w.message) for w in warned] == ctx.sink_failures == [
        "sink 'exploding' failed in on_result: RuntimeError: cannot log m",
        "sink 'integration' failed in on_run_end: ValueError: dashboard is down",
    ]
    assert seen == [1] and result.passed and result.metrics["accuracy"] == 1.0
    _local_files_complete(result, 100)
    assert [e["metadata"]["run_name"] for e in hret.get_metrics_history()] == ["isolated"]
    assert (ctx.run_dir / "run.json").exists()


def test_a_tracking_server_that_is_down_warns_fast_and_loses_nothing(down_server: str) -> None:
    with pytest.warns(SinkWarning) as warned:
        with hret.evaluation_context(run_name="down", dataset="ko-sample") as ctx:
            ctx.log_to_mlflow(tracking_uri=down_server)
            first = ctx.evaluate(oracle(), label="one")
            second = ctx.evaluate(oracle(), label="two", limit=10)
    # a sink warns once; its later failures are counted
    assert [str(w.message) for w in warned] == ctx.sink_failures[:1] and len(ctx.sink_failures) == 2
    assert ctx.subscribers.summary() == [f"{ctx.sink_failures[0]} (2 failures of this sink)"]
    assert f"MLflow tracking server {down_server} is not reachable" in ctx.sink_failures[0]
    # once found down, the server is not tried again for every result
    assert ctx.sink_failures[1].endswith(
        f"skipped: MLflow tracking server {down_server} was found unreachable earlier in this run")
    _local_files_complete(first, 100)
    _local_files_complete(second, 10)
    assert first.passed and second.passed


def test_strict_mode_turns_a_sink_failure_into_an_error_after_saving(down_server: str) -> None:
    with pytest.raises(SinkError, match="sink 'mlflow' failed in on_result: ConnectionError"):
        with hret.evaluation_context(run_name="strict", dataset="ko-sample", strict_sinks=True) as ctx:
            ctx.log_to_mlflow(tracking_uri=down_server)
            ctx.evaluate(oracle(), label="m")
    (saved,) = Path(hret.get_config().output_dir).glob("runs/strict-*/m.result.json")
    assert len(EvaluationResult.load_json(saved).samples) == 100


SESSION = '''
@hret.evaluate(dataset="ko-sample", limit=10, threshold={"accuracy": 0.9})
def good(prompt):
    return right(prompt)

@hret.evaluate(dataset="ko-sample", limit=10, threshold={"accuracy": 0.9})
def bad(prompt):
    return always_a(prompt)
'''


def test_under_pytest_a_down_server_changes_no_outcome_unless_strict(
        inner: Inner, down_server: str) -> None:
    inner.module(SESSION)
    result = inner.run(f"--hret-mlflow={down_server}", "--hret-json=out.json")
    result.assert_outcomes(passed=1, failed=1)  # the thresholds decide, not the sink
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"hret: sink 'mlflow' failed in on_result: ConnectionError: "
                                 f"MLflow tracking server {down_server} is not reachable*"])
    assert [len(r["samples"]) for r in inner.json()["results"]] == [10, 10]

    inner.module(SESSION.replace("always_a(prompt)", "right(prompt)"))
    result = inner.run(f"--hret-mlflow={down_server}")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    inner.ini("hret_strict_sinks = true")  # the ini twin of --hret-strict-sinks
    result = inner.run(f"--hret-mlflow={down_server}")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["hret: --hret-strict-sinks: 2 sink failure(s) fail the session"])
