"""The W&B sink in offline mode: what the offline run files hold."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

import hret
from hret.sinks.wandb import TABLE_COLUMNS, WandbSink
from tests.library.helpers import oracle, wrong_on
from tests.plugin.plugin_support import Inner
from tests.sinks.support import wandb_run


def _offline_runs(wandb_dir: Path) -> list[Path]:
    return sorted((wandb_dir / "wandb").glob("offline-run-*"))


def test_an_evaluation_becomes_an_offline_run_with_config_summary_table_and_artifact(
        wandb_dir: Path) -> None:
    with hret.evaluation_context(run_name="sweep-1", dataset="ko-sample") as ctx:
        ctx.metrics_tracker.run_metadata.update({"learning_rate": 0.001})
        sink = ctx.log_to_wandb(project_name="ko-evals", max_table_rows=7)
        assert isinstance(sink, WandbSink)
        result = ctx.evaluate(wrong_on({"Math"}), label="ckpt")
    assert ctx.sink_failures == []
    (run_dir,) = _offline_runs(wandb_dir)
    held = wandb_run(run_dir)
    run = held["run"]
    assert (run.project, run.display_name, run.run_group) == ("ko-evals", "ckpt", "sweep-1")
    assert sink.run_ids == {"ckpt": run.run_id}
    config = held["config"]
    assert (config["dataset"], config["split"], config["model"], config["n"]) == (
        "ko-sample", "test", "ckpt", 100)
    assert config["learning_rate"] == 0.001 and config["method_config"] == {"name": "string_match"}
    summary = held["summary"]
    assert summary["accuracy"] == pytest.approx(0.9)
    assert summary["accuracy_ci_low"] == pytest.approx(result.metrics["accuracy_ci_low"])
    assert (summary["accuracy/Math"], summary["accuracy/Law"]) == (0.0, 1.0)
    assert summary["samples_logged"] == 7 and summary["passed"] is True
    # the per-sample table, capped at 7 rows
    (table_file,) = [f for f in held["files"] if f.endswith(".table.json")]
    table = json.loads((run_dir / "files" / table_file).read_text(encoding="utf-8"))
    assert table["columns"] == list(TABLE_COLUMNS)
    assert [row[0] for row in table["data"]] == [s["id"] for s in result.samples[:7]]
    # the result as an artifact, staged for a later `wandb sync`
    artifact = held["artifacts"]["hret-sweep-1-ckpt"]
    assert artifact.type == "evaluation-result"
    entries = {c.path: c for c in artifact.manifest.contents}
    assert set(entries) == {"result.json", "samples.jsonl"}
    staged = json.loads(Path(entries["result.json"].local_path).read_text(encoding="utf-8"))
    assert staged["metrics"]["accuracy"] == pytest.approx(0.9) and len(staged["samples"]) == 100


def test_configured_tracking_uses_the_default_project(wandb_dir: Path) -> None:
    hret.configure(wandb_tracking=True)
    hret.compare_models({"a": oracle(), "b": wrong_on({"Law"})}, dataset="ko-sample", limit=20,
                        run_name="pair")
    held = [wandb_run(d) for d in _offline_runs(wandb_dir)]
    assert sorted(h["run"].display_name for h in held) == ["a", "b"]
    assert {h["run"].project for h in held} == {"hret"}
    assert {h["run"].run_group for h in held} == {"pair"}


def test_bad_settings_are_refused_when_the_sink_is_made() -> None:
    with pytest.raises(ValueError, match="mode='offlne' is not a W&B mode; use one of online, offline"):
        WandbSink(mode="offlne")
    with pytest.raises(ValueError, match="max_table_rows=-1 must be an integer >= 0"):
        WandbSink(max_table_rows=-1)


def test_without_a_mode_or_credentials_runs_are_written_offline_instead_of_prompting(
        wandb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_MODE")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.netrc
    with hret.evaluation_context(run_name="no-login", dataset="ko-sample", limit=5) as ctx:
        ctx.log_to_wandb()
        ctx.evaluate(oracle(), label="m")
    assert ctx.sink_failures == []
    (run_dir,) = _offline_runs(wandb_dir)
    assert wandb_run(run_dir)["run"].display_name == "m"


GATED = '''
@hret.evaluate(dataset="ko-sample", limit=10, threshold={"accuracy": 0.9})
def weak(prompt):
    return always_a(prompt)

@hret.evaluate(dataset="ko-sample", limit=10)
def strong(prompt):
    return right(prompt)
'''


def test_a_failed_gate_is_a_failed_run_and_wandb_keeps_out_of_the_test_log(
        inner: Inner, wandb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_SILENT")  # as a user's session has it
    # with an LLM client imported, W&B would also advertise its Weave tracing
    importlib.import_module("openai")
    inner.module(GATED)
    result = inner.run("--hret-wandb=gates")
    result.assert_outcomes(passed=1, failed=1)
    assert [line for line in result.outlines + result.errlines if line.startswith("wandb")] == []
    held = {h["run"].display_name: h for h in map(wandb_run, _offline_runs(wandb_dir))}
    assert (held["strong"]["exit_code"], held["weak"]["exit_code"]) == (0, 1)
    assert held["weak"]["summary"]["failure_reason"].startswith("accuracy = ")
    assert "FAILED bound >= 0.9" in held["weak"]["summary"]["failure_reason"]
    assert "failure_reason" not in held["strong"]["summary"]
    assert "failed" in held["weak"]["run"].tags and "failed" not in held["strong"]["run"].tags
