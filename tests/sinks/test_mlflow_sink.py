"""The MLflow sink against a real local store and a real ``mlflow server`` on
127.0.0.1 (started once for this module), read back with ``MlflowClient``."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.sinks import ResultEvent, RunEnd, RunStart
from hret.sinks.mlflow import MlflowSink
from tests.library.helpers import oracle, wrong_on
from tests.plugin.plugin_support import Inner
from tests.sinks.support import wandb_run

#: MLflow's SQLite store triggers this SQLAlchemy deprecation when first imported
SQLALCHEMY_NOLOAD = "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"


def _client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _runs(client: Any, experiment: str) -> list[Any]:
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, f"no experiment {experiment!r}"
    return list(client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"]))


def _artifact(client: Any, run_id: str, path: str, tmp: Path) -> str:
    return Path(client.download_artifacts(run_id, path, str(tmp))).read_text(encoding="utf-8")


def test_a_file_store_gets_per_subset_metrics_it_can_hold(tmp_path: Path) -> None:
    """A file store keeps a metric per file: ``accuracy`` and ``accuracy/Math``
    cannot both exist, so there the subset metrics are ``accuracy.Math``."""
    uri = (tmp_path / "mlruns").as_uri()
    with hret.evaluation_context(run_name="files", dataset="ko-sample", limit=40) as ctx:
        ctx.log_to_mlflow(experiment_name="file-store", tracking_uri=uri)
        result = ctx.evaluate(wrong_on({"Math"}), label="m")
    assert ctx.sink_failures == []
    (run,) = _runs(_client(uri), "file-store")
    metrics = run.data.metrics
    assert metrics["accuracy"] == pytest.approx(result.metrics["accuracy"])
    assert metrics["accuracy.Math"] == 0.0 and not [k for k in metrics if "/" in k]


@pytest.mark.filterwarnings(SQLALCHEMY_NOLOAD)
def test_configured_tracking_logs_one_run_per_evaluation_to_a_local_store(tmp_path: Path) -> None:
    hret.configure(mlflow_tracking=True)
    with hret.evaluation_context(run_name="nightly", dataset="ko-sample") as ctx:
        ctx.metrics_tracker.run_metadata.update({"learning_rate": 3e-4, "epochs": 3})
        result = ctx.evaluate(wrong_on({"Math"}), label="ckpt-3")
    assert ctx.sink_failures == []
    uri = f"sqlite:///{Path(hret.get_config().output_dir).resolve() / 'mlflow.db'}"
    client = _client(uri)
    (run,) = _runs(client, "hret")
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags
    info = result.info
    assert {k: params[k] for k in ("dataset", "split", "model", "method", "num_fewshot", "n",
                                   "seed", "prompt_hash", "hret_version")} == {
        "dataset": "ko-sample", "split": "test", "model": "ckpt-3", "method": "string_match",
        "num_fewshot": "0", "n": "100", "seed": "0", "prompt_hash": info["prompt_template"]["hash"],
        "hret_version": info["versions"]["hret"]}
    assert params["subsets"].split(",") == info["subsets"]
    assert (params["learning_rate"], params["epochs"]) == ("0.0003", "3")
    assert metrics["accuracy"] == pytest.approx(0.9)
    for key in ("accuracy_stderr", "accuracy_ci_low", "accuracy_ci_high", "error_rate"):
        assert metrics[key] == pytest.approx(result.metrics[key])
    assert (metrics["accuracy/Math"], metrics["accuracy/Law"]) == (0.0, 1.0)
    assert (run.info.run_name, run.info.status) == ("nightly/ckpt-3", "FINISHED")
    assert tags["hret.passed"] == "true" and tags["hret.run_name"] == "nightly"
    saved = json.loads(_artifact(client, run.info.run_id, "result.json", tmp_path / "a"))
    assert saved["metrics"]["accuracy"] == pytest.approx(0.9) and len(saved["samples"]) == 100
    lines = _artifact(client, run.info.run_id, "ckpt-3.samples.jsonl", tmp_path / "b").splitlines()
    # in the order the samples finished
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(s["id"] for s in result.samples)
    # artifacts sit beside the store, not in the working directory
    assert Path(uri[len("sqlite:///"):]).with_name("mlartifacts").is_dir()
    assert not Path("mlruns").exists() and not Path("mlflow.db").exists()


def test_tags_carry_the_node_id_and_git_commit(mlflow_server: str, tmp_path: Path) -> None:
    result = hret.quick_eval(oracle(), dataset="ko-sample", limit=5)
    result.info["git_commit"] = "0123456789abcdef0123456789abcdef01234567"
    result.info.pop("samples_path")  # a result from another machine: records are written out
    uri = mlflow_server
    sink = MlflowSink("tagged", uri)
    sink.on_run_start(RunStart("pytest", {}))
    sink.on_result(ResultEvent("pytest", "m", result, {"nodeid": "tests/test_x.py::test_m"}))
    sink.on_run_end(RunEnd("pytest", {"metadata": {}}, (result,)))
    client = _client(uri)
    (run,) = _runs(client, "tagged")
    assert run.data.tags["hret.nodeid"] == "tests/test_x.py::test_m"
    assert run.data.tags["mlflow.source.git.commit"] == result.info["git_commit"]
    assert run.info.run_name == "test_m" and sink.run_ids == {"tests/test_x.py::test_m": run.info.run_id}
    lines = _artifact(client, run.info.run_id, "samples.jsonl", tmp_path / "a").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [s["id"] for s in result.samples]


def test_a_benchmark_logs_to_a_real_tracking_server(mlflow_server: str, tmp_path: Path) -> None:
    with hret.evaluation_context(run_name="bench", dataset="ko-sample") as ctx:
        sink = ctx.log_to_mlflow(experiment_name="server-benchmark", tracking_uri=mlflow_server)
        assert isinstance(sink, MlflowSink)
        ctx.benchmark({"base": oracle(), "tuned": wrong_on({"Math", "Law"})})
    assert ctx.sink_failures == []
    client = _client(mlflow_server)
    runs = {r.info.run_name: r for r in _runs(client, "server-benchmark")}
    assert set(runs) == {"bench/base", "bench/tuned"}
    assert set(sink.run_ids.values()) == {r.info.run_id for r in runs.values()}
    tuned = runs["bench/tuned"].data.metrics
    assert tuned["accuracy"] == pytest.approx(0.8)
    # the paired comparison with the first model is not known yet when each
    # result is logged; the run file holds it (see test_compare)
    assert {a.path for a in client.list_artifacts(runs["bench/tuned"].info.run_id)} == {
        "result.json", "tuned.samples.jsonl"}
    saved = json.loads(_artifact(client, runs["bench/base"].info.run_id, "result.json", tmp_path))
    assert saved["info"]["model"] == "base"


SESSION = '''
@hret.evaluate(dataset="ko-sample", limit=20, model="strong")
def strong(prompt):
    return right(prompt)

@hret.evaluate(dataset="ko-sample", limit=20)
def weak(prompt):
    return always_a(prompt)

@hret.benchmark(dataset="ko-sample", limit=20)
def pair():
    return {"right": right, "always-a": always_a}
'''


def test_a_pytest_session_logs_once_from_the_controller_under_xdist(
        mlflow_server: str, inner: Inner, wandb_dir: Path) -> None:
    inner.module(SESSION)
    result = inner.run(f"--hret-mlflow={mlflow_server}", "--hret-wandb=hret-tests", "--hret-seed=3",
                       mode=("-n", "2"))
    result.assert_outcomes(passed=3)
    client = _client(mlflow_server)
    runs = _runs(client, "hret")
    parents = [r for r in runs if r.data.tags.get("hret.parent") == "true"]
    # under xdist too, one parent run for the session and one nested run per result
    assert len(parents) == 1 and parents[0].info.run_name.startswith("pytest-")
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert sorted(r.info.run_name for r in children) == [
        "pair [always-a]", "pair [right]", "strong", "weak"]
    assert len(runs) == 5
    by_name = {r.info.run_name: r for r in children}
    assert by_name["weak"].data.tags["hret.nodeid"] == "test_inner.py::weak"
    assert by_name["strong"].data.metrics["accuracy"] == 1.0
    metrics = parents[0].data.metrics
    assert (metrics["evaluations"], metrics["passed"]) == (4.0, 4.0)
    assert metrics["test_inner.py::strong/accuracy"] == 1.0
    assert metrics["test_inner.py::pair::always-a/n"] == 20.0
    # the session's settings: hret's configuration and the --hret-* options given
    params = parents[0].data.params
    assert (params["seed"], params["output_dir"]) == ("3", hret.get_config().output_dir)
    assert parents[0].info.status == "FINISHED"
    # W&B: one offline run per result, grouped under the session
    offline = sorted((wandb_dir / "wandb").glob("offline-run-*"))
    held = [wandb_run(d) for d in offline]
    assert sorted(h["run"].display_name for h in held) == [
        "pair [always-a]", "pair [right]", "strong", "weak"]
    assert {h["run"].run_group for h in held} == {parents[0].info.run_name}
    assert {h["config"]["nodeid"] for h in held} == {"test_inner.py::strong", "test_inner.py::weak",
                                                      "test_inner.py::pair"}


def sleepy(model: Callable[[str], str], seconds: float) -> Callable[[str], str]:
    def answer(prompt: str) -> str:
        time.sleep(seconds)
        return model(prompt)

    return answer


def test_nested_runs_carry_their_own_times_status_and_the_system(mlflow_server: str, tmp_path: Path) -> None:
    """Each nested run spans its own evaluation; a failed gate is a FAILED run
    with the reason as a tag; the parent holds the run's settings, the
    aggregate table and the HTML report; every run names the system."""
    import mlflow

    with hret.evaluation_context(run_name="truth", dataset="ko-sample", limit=10, max_workers=1) as ctx:
        ctx.metrics_tracker.run_metadata.update({"learning_rate": 3e-4})
        sink = ctx.log_to_mlflow(experiment_name="truth", tracking_uri=mlflow_server, parent_run=True)
        slow = ctx.evaluate(sleepy(oracle(), 0.03), label="slow")
        time.sleep(0.05)
        gated = ctx.evaluate(wrong_on({"Math"}), label="gated", threshold={"accuracy": 0.95})
    assert ctx.sink_failures == [] and not gated.passed
    client = _client(mlflow_server)
    runs = _runs(client, "truth")
    (parent,) = [r for r in runs if r.data.tags.get("hret.parent") == "true"]
    children = {r.info.run_name: r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert set(children) == {"slow", "gated"} and len(runs) == 3
    for name, result in (("slow", slow), ("gated", gated)):
        run = children[name].info
        start = result.info["started_at"] * 1000
        assert abs(run.start_time - start) <= 1
        assert abs(run.end_time - (start + result.metrics["duration_s"] * 1000)) <= 1
    slow_run, gated_run = children["slow"].info, children["gated"].info
    assert slow_run.end_time - slow_run.start_time >= 10 * 30  # ten samples, one at a time
    assert slow_run.end_time + 50 <= gated_run.start_time  # one after the other, not logging time
    assert (slow_run.status, gated_run.status) == ("FINISHED", "FAILED")
    reason = children["gated"].data.tags["hret.failure_reason"]
    assert reason.startswith("accuracy = 0.9000 FAILED bound >= 0.95") and reason.endswith("n=10")
    assert "hret.failure_reason" not in children["slow"].data.tags
    for run in runs:
        tags = run.data.tags
        assert tags["hret.version.python"] == platform.python_version()
        assert tags["hret.version.mlflow"] == mlflow.__version__
        assert tags["hret.host.cpu"] and tags["hret.host.gpu"] and int(tags["hret.host.cpu_count"]) >= 1
    # the parent: from the run's start to its end, its settings, the aggregate table, the report
    info = parent.info
    assert info.start_time <= slow_run.start_time and info.end_time >= gated_run.end_time
    assert info.status == "FAILED" and parent.data.tags["hret.failure_reason"] == "failed: gated"
    params = parent.data.params
    assert (params["learning_rate"], params["dataset"], params["limit"], params["max_workers"]) == (
        "0.0003", "ko-sample", "10", "1")
    assert params["output_dir"] == hret.get_config().output_dir
    metrics = parent.data.metrics
    assert metrics["evaluations"] == 2.0 and metrics["passed"] == 1.0
    assert (metrics["slow/accuracy"], metrics["gated/accuracy"]) == (1.0, pytest.approx(0.9))
    assert metrics["gated/accuracy_ci_low"] == pytest.approx(gated.metrics["accuracy_ci_low"])
    assert (metrics["slow/passed"], metrics["gated/passed"], metrics["gated/n"]) == (1.0, 0.0, 10.0)
    assert "report.html" in {a.path for a in client.list_artifacts(info.run_id)}
    page = _artifact(client, info.run_id, "report.html", tmp_path / "report")
    assert page.startswith("<!DOCTYPE html>") and page.count('<tr class="lb"') == 2
    assert sink.run_ids == {"slow": slow_run.run_id, "gated": gated_run.run_id}
