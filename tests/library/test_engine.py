from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path

import pytest

import hret
from hret.errors import ModelFunctionError
from tests.library.helpers import oracle, question_of


def _read_jsonl(path: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_sync_threads_keep_input_order_and_really_overlap() -> None:
    answer = oracle()
    active = 0
    peak = 0
    lock = threading.Lock()

    def model(prompt: str) -> str:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(random.random() * 0.004)
        with lock:
            active -= 1
        return answer(prompt)

    result = hret.quick_eval(model, dataset="ko-sample", max_workers=8)
    assert result.metrics["accuracy"] == 1.0
    assert [r["index"] for r in result.samples] == list(range(100))
    assert peak > 1


def test_async_function_bounded_in_flight() -> None:
    answer = oracle()
    in_flight = 0
    peak = 0

    async def model(prompt: str) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(random.random() * 0.003)
        in_flight -= 1
        return answer(prompt)

    result = hret.quick_eval(model, dataset="ko-sample", max_workers=5)
    assert result.metrics["accuracy"] == 1.0
    assert peak == 5
    assert result.info["model_kind"] == "async"


def test_async_function_inside_a_running_event_loop() -> None:
    answer = oracle()

    async def model(prompt: str) -> str:
        await asyncio.sleep(0)
        return answer(prompt)

    async def notebook_cell() -> hret.EvaluationResult:
        return hret.quick_eval(model, dataset="ko-sample", limit=10)

    assert asyncio.run(notebook_cell()).metrics["accuracy"] == 1.0


def test_batched_function_gets_lists_in_batches() -> None:
    answer = oracle()
    sizes: list[int] = []

    @hret.batched(batch_size=16)
    def model(prompts: list[str]) -> list[str]:
        sizes.append(len(prompts))
        return [answer(p) for p in prompts]

    result = hret.quick_eval(model, dataset="ko-sample", max_workers=3)
    assert result.metrics["accuracy"] == 1.0
    assert sorted(sizes) == sorted([16] * 6 + [4])
    assert [r["id"] for r in result.samples] == [s.id for s in hret.load_dataset("ko-sample")]


def test_batch_size_from_configure_and_async_batches() -> None:
    answer = oracle()
    sizes: list[int] = []
    hret.configure(batch_size=32)

    @hret.batched
    async def model(prompts: list[str]) -> list[str]:
        sizes.append(len(prompts))
        await asyncio.sleep(0)
        return [answer(p) for p in reversed(prompts)][::-1]

    result = hret.quick_eval(model, dataset="ko-sample")
    assert sorted(sizes) == [4, 32, 32, 32]
    assert result.metrics["accuracy"] == 1.0


def test_batched_function_returning_wrong_length_is_an_error_per_sample() -> None:
    @hret.batched(batch_size=10)
    def model(prompts: list[str]) -> list[str]:
        return ["A"] * (len(prompts) - 1)

    result = hret.quick_eval(model, dataset="ko-sample", limit=20)
    assert result.metrics["error_count"] == 20
    assert "returned 9 outputs for 10 inputs" in str(result.samples[0]["error"])


def test_failing_samples_are_recorded_and_the_run_goes_on() -> None:
    answer = oracle()
    failing = {s.input for s in hret.load_dataset("ko-sample").samples[::10]}

    def model(prompt: str) -> str:
        if question_of(prompt) in failing:
            raise ConnectionError("server closed the connection")
        return answer(prompt)

    result = hret.quick_eval(model, dataset="ko-sample", max_workers=4)
    assert result.metrics["error_count"] == 10
    assert result.metrics["error_rate"] == pytest.approx(0.1)
    assert result.metrics["n"] == 90  # failed calls are not scored as wrong answers
    assert result.metrics["accuracy"] == 1.0
    errors = [r for r in result.samples if r["error"]]
    assert all("ConnectionError: server closed the connection" in str(r["error"]) for r in errors)


def test_non_string_output_is_an_error_for_that_sample() -> None:
    result = hret.quick_eval(lambda prompt: 3, dataset="ko-sample", limit=5)
    assert result.metrics["error_count"] == 5
    assert "model returned int 3; expected str" in str(result.samples[0]["error"])


@pytest.mark.parametrize("bad", [lambda: "x", lambda a, b: "x"])
def test_model_function_with_wrong_arity_is_rejected(bad: object) -> None:
    with pytest.raises(ModelFunctionError, match="expected a function of one argument"):
        hret.quick_eval(bad, dataset="ko-sample")


def test_records_stream_to_jsonl_before_a_crash(tmp_path: Path) -> None:
    calls = 0

    def model(prompt: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 41:
            raise KeyboardInterrupt  # not an Exception: aborts the run
        return "A"

    with pytest.raises(KeyboardInterrupt):
        hret.quick_eval(model, dataset="ko-sample", max_workers=1, run_name="crash")
    [path] = (tmp_path / "hret_results" / "runs").glob("crash-*/model.samples.jsonl")
    records = _read_jsonl(str(path))
    assert [r["index"] for r in records] == list(range(40))
    assert all(r["output"] == "A" for r in records)


def test_samples_file_matches_the_result(tmp_path: Path) -> None:
    result = hret.quick_eval(oracle(), dataset="ko-sample", limit=12, max_workers=3)
    streamed = sorted(_read_jsonl(result.info["samples_path"]), key=lambda r: int(r["index"]))  # type: ignore[arg-type]
    assert streamed == result.samples
    saved = hret.EvaluationResult.load_json(result.info["result_path"])
    assert saved.metrics == result.metrics


def test_progress_bar_draws_only_when_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    hret.quick_eval(oracle(), dataset="ko-sample", limit=10)
    assert capsys.readouterr().err == ""
    hret.quick_eval(oracle(), dataset="ko-sample", limit=10, progress=True, model="bar")
    assert "10/10" in capsys.readouterr().err
