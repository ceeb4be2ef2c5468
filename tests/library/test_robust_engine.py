"""Per-sample failures, timeouts and records kept on disk."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.methods import EVALUATORS, Evaluator, Score
from hret.sample import Sample
from hret.store.recorder import RecordFile
from tests.library.helpers import oracle

LONE = "\udcff"  # a lone surrogate: UTF-8 cannot encode it


def _lines(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_unencodable_output_is_escaped_flagged_and_the_run_finishes() -> None:
    answer = oracle()
    calls = 0

    def model(prompt: str) -> str:
        nonlocal calls
        calls += 1
        return answer(prompt) + (LONE if calls % 2 == 0 else "")

    result = hret.quick_eval(model, dataset="ko-sample", limit=20)
    assert result.metrics["n_total"] == 20 and result.metrics["n"] == 20
    escaped = [r for r in result.samples if r.get("escaped")]
    assert len(escaped) == 10 and result.info["escaped_records"] == 10
    assert all(r["output"].endswith("\\udcff") for r in escaped)
    on_disk = _lines(result.info["samples_path"])
    assert len(on_disk) == 20 and sum(bool(r.get("escaped")) for r in on_disk) == 10
    saved = json.loads(Path(result.info["result_path"]).read_text(encoding="utf-8"))
    assert len(saved["samples"]) == 20


def test_unencodable_prompt_is_escaped() -> None:
    data = hret.Dataset("d", tuple(Sample(id=f"d/{i}", input=f"질문 {i}{LONE}", reference="x")
                                   for i in range(3)))
    result = hret.quick_eval(lambda p: "x", dataset=data, prompt_template="{question}")
    assert [r["prompt"] for r in result.samples] == [f"질문 {i}\\udcff" for i in range(3)]
    assert result.metrics["n"] == 3


class _Flaky(Evaluator):
    """Scores most outputs; raises on some, returns a non-number on others."""

    name = "flaky"

    def score(self, sample: Sample, output: str) -> Score:
        if sample.id.endswith(("/3", "/13")):
            raise RuntimeError("evaluator bug")
        if sample.id.endswith("/5"):
            return Score("not a number", None, False)  # type: ignore[arg-type]
        return Score(1.0, output, False)


def test_scoring_failures_are_that_samples_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EVALUATORS._entries, "flaky-test", lambda **_: _Flaky())
    data = hret.Dataset("d", tuple(Sample(id=f"d/{i}", input=f"q{i}", reference="A")
                                   for i in range(20)))
    result = hret.quick_eval(lambda p: "A", dataset=data, evaluation_method="flaky-test")
    errors = {r["id"].rsplit("/", 1)[1]: r["error"] for r in result.samples if r["error"]}
    assert set(errors) == {"3", "5", "13"}
    assert all(e.startswith("scoring failed:") for e in errors.values())
    assert result.metrics["n"] + result.metrics["error_count"] == result.metrics["n_total"] == 20


def test_sync_call_over_the_timeout_is_abandoned_and_counted() -> None:
    data = hret.load_dataset("ko-sample", limit=12)
    release = threading.Event()
    model = _hang_on(oracle(), {data.samples[2].id, data.samples[7].id}, release, data)
    start = time.perf_counter()
    try:
        result = hret.quick_eval(model, dataset=data, timeout=0.3, max_workers=2)
    finally:
        release.set()  # the abandoned threads may end now
    assert time.perf_counter() - start < 5  # timeout plus a few seconds, not 30 s
    errors = [r for r in result.samples if r["error"]]
    assert [r["index"] for r in errors] == [2, 7]
    assert all("timeout after 0.3 s" in r["error"] for r in errors)
    assert result.metrics["n"] == 10 and result.metrics["error_count"] == 2
    assert result.info["timeouts"] == {"timeout_s": 0.3, "timed_out": 2, "abandoned_threads": 2}


def _hang_on(answer: Any, ids: set[str], release: threading.Event, data: hret.Dataset) -> Any:
    hang = {str(s.input) for s in data.samples if s.id in ids}

    def model(prompt: str) -> str:
        if any(q in prompt for q in hang):
            release.wait(30)
        return answer(prompt)

    return model


def test_async_call_over_the_timeout_is_cancelled() -> None:
    answer = oracle()
    data = hret.load_dataset("ko-sample", limit=10)
    slow = str(data.samples[4].input)
    cancelled = []

    async def model(prompt: str) -> str:
        if slow in prompt:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.append(prompt)
                raise
        return answer(prompt)

    start = time.perf_counter()
    result = hret.quick_eval(model, dataset=data, timeout=0.2, max_workers=4)
    assert time.perf_counter() - start < 5
    assert [r["index"] for r in result.samples if r["error"]] == [4]
    assert "timeout after 0.2 s" in result.samples[4]["error"]
    assert len(cancelled) == 1
    assert result.info["timeouts"]["timed_out"] == 1
    assert result.info["timeouts"]["abandoned_threads"] == 0


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_batched_call_over_the_timeout_fails_its_batch_only(kind: str) -> None:
    answer = oracle()
    data = hret.load_dataset("ko-sample", limit=12)
    slow = str(data.samples[5].input)
    release = threading.Event()

    if kind == "sync":
        @hret.batched(batch_size=4)
        def model(prompts: list[str]) -> list[str]:
            if any(slow in p for p in prompts):
                release.wait(30)
            return [answer(p) for p in prompts]
        target: Any = model
    else:
        @hret.batched(batch_size=4)
        async def amodel(prompts: list[str]) -> list[str]:
            if any(slow in p for p in prompts):
                await asyncio.sleep(30)
            return [answer(p) for p in prompts]
        target = amodel
    try:
        result = hret.quick_eval(target, dataset=data, timeout=0.3)
    finally:
        release.set()
    assert [r["index"] for r in result.samples if r["error"]] == [4, 5, 6, 7]
    assert result.metrics["n"] == 8
    assert result.info["timeouts"]["timed_out"] == 1


def test_timeout_is_a_configuration_key() -> None:
    hret.configure(timeout=0.2)
    data = hret.load_dataset("ko-sample", limit=3)
    release = threading.Event()
    try:
        result = hret.quick_eval(lambda p: release.wait(30) and "A", dataset=data)
    finally:
        release.set()
    assert result.metrics["error_count"] == 3
    assert result.info["timeouts"]["timeout_s"] == 0.2


def test_records_live_on_disk_and_read_back_lazily() -> None:
    result = hret.quick_eval(oracle(), dataset="ko-sample", max_workers=4)
    records = result.samples
    assert isinstance(records, RecordFile) and len(records) == 100
    assert [r["index"] for r in records] == list(range(100))
    assert records[7]["index"] == 7 and records[-1]["index"] == 99
    assert [r["index"] for r in records[10:13]] == [10, 11, 12]
    assert records == _sorted_lines(result.info["samples_path"])
    assert result.to_dict()["samples"] == list(records)
    assert result.to_dict(samples=False)["samples"] == []
    saved = hret.EvaluationResult.load_json(result.info["result_path"])
    assert saved.samples == list(records) and saved.metrics == result.metrics


def _sorted_lines(path: str) -> list[dict[str, Any]]:
    return sorted(_lines(path), key=lambda r: r["index"])


def test_metrics_from_the_tally_equal_those_from_the_records() -> None:
    from hret.metrics import aggregate

    result = hret.quick_eval(oracle(), dataset="ko-sample", max_workers=3)
    evaluator = hret.get_evaluator("string_match")
    again = aggregate(list(result.samples), hret.load_dataset("ko-sample").samples, evaluator,
                      result.metrics["duration_s"])
    assert again.metrics == result.metrics
    assert again.subsets == result.subsets and again.categories == result.categories
