"""The engine: calls the model for every sample, scores it, streams records.

Sync functions run on ``max_workers`` threads, async functions with at most
``max_workers`` calls in flight, batched functions in batches of ``batch_size``.
Records land in input order; a failing call becomes an error record and the
run goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hret.evaluators import Evaluator
from hret.models import Model, run_coroutine
from hret.progress import Progress
from hret.recorder import Recorder
from hret.sample import Sample

Record = dict[str, Any]


@dataclass(frozen=True)
class EngineOptions:
    max_workers: int = 1
    batch_size: int = 8
    progress: bool = False


class _Run:
    """State of one engine run: inputs, the record slots and the sinks for them."""

    def __init__(self, samples: Sequence[Sample], prompts: Sequence[Any], evaluator: Evaluator,
                 recorder: Recorder | None, progress: Progress) -> None:
        self.samples = samples
        self.prompts = prompts
        self.evaluator = evaluator
        self.recorder = recorder
        self.progress = progress
        self.records: list[Record | None] = [None] * len(samples)
        # generation returns text; log-likelihood scoring returns a list of scores
        self.output_type: type = list if getattr(evaluator, "mode", "generate") == "loglikelihood" else str
        self.lock = threading.Lock()

    def finish(self, index: int, output: Any, error: str | None, latency: float) -> None:
        sample = self.samples[index]
        if error is None and not isinstance(output, self.output_type):
            error = (f"TypeError: model returned {type(output).__name__} {output!r:.80}; "
                     f"expected {self.output_type.__name__}")
        record: Record = {
            "index": index,
            "id": sample.id,
            "subset": sample.subset,
            "category": sample.category,
            "prompt": self.prompts[index],
            "output": output if error is None else None,
            "reference": sample.reference,
            "extracted": None,
            "score": None,
            "extraction_failed": False,
            "error": error,
            "latency_ms": round(latency * 1000.0, 4),
        }
        if error is None:
            try:
                score = self.evaluator.score(sample, output)
            except Exception as exc:  # an evaluator bug must not lose the output
                record["error"] = f"scoring failed: {_describe(exc)}"
            else:
                record["score"] = score.value
                record["extracted"] = score.extracted
                record["extraction_failed"] = score.extraction_failed
        self.records[index] = record
        if self.recorder is not None:
            with self.lock:
                self.recorder.write(record)
        self.progress.advance()


def _describe(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def run_samples(model: Model, samples: Sequence[Sample], prompts: Sequence[Any],
                evaluator: Evaluator, options: EngineOptions,
                recorder: Recorder | None = None) -> list[Record]:
    """Evaluate every sample; returns one record per sample, in input order."""
    with Progress(len(samples), enabled=options.progress, label=model.label) as progress:
        run = _Run(samples, prompts, evaluator, recorder, progress)
        if model.kind == "sync":
            _run_sync(model.call, run, options.max_workers)
        elif model.kind == "async":
            run_coroutine(_run_async(model.call, run, options.max_workers))
        else:
            size = model.batch_size or options.batch_size
            batches = [range(i, min(i + size, len(samples))) for i in range(0, len(samples), size)]
            if model.kind == "batched":
                _run_batches(model.call, run, batches, options.max_workers)
            else:
                run_coroutine(_run_async_batches(model.call, run, batches, options.max_workers))
    return [r for r in run.records if r is not None]


def _call_one(call: Callable[[Any], Any], run: _Run, index: int) -> None:
    start = time.perf_counter()
    try:
        output = call(run.prompts[index])
    except Exception as exc:
        run.finish(index, None, _describe(exc), time.perf_counter() - start)
    else:
        run.finish(index, output, None, time.perf_counter() - start)


def _run_sync(call: Callable[[Any], Any], run: _Run, workers: int) -> None:
    count = len(run.samples)
    if workers <= 1 or count <= 1:
        for index in range(count):
            _call_one(call, run, index)
        return
    indices = iter(range(count))  # shared: each next() is atomic under the GIL

    def worker() -> None:
        for index in indices:
            _call_one(call, run, index)

    _join_threads(worker, min(workers, count))


def _join_threads(target: Callable[[], None], count: int) -> None:
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # surfaced below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


async def _run_async(call: Callable[[Any], Any], run: _Run, workers: int) -> None:
    indices = iter(range(len(run.samples)))

    async def worker() -> None:
        for index in indices:
            start = time.perf_counter()
            try:
                output = await call(run.prompts[index])
            except Exception as exc:
                run.finish(index, None, _describe(exc), time.perf_counter() - start)
            else:
                run.finish(index, output, None, time.perf_counter() - start)

    import asyncio

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(run.samples))))))


def _finish_batch(run: _Run, batch: range, outputs: Any, error: str | None, latency: float) -> None:
    if error is None and (not isinstance(outputs, (list, tuple)) or len(outputs) != len(batch)):
        got = f"{len(outputs)} outputs" if isinstance(outputs, (list, tuple)) else type(outputs).__name__
        error = f"ValueError: batched model returned {got} for {len(batch)} inputs; expected a list of {len(batch)} str"
    per_sample = latency / max(1, len(batch))
    for offset, index in enumerate(batch):
        output = outputs[offset] if error is None else None
        if isinstance(output, BaseException):  # a backend's failed request: that sample only
            run.finish(index, None, _describe(output), per_sample)
        else:
            run.finish(index, output, error, per_sample)


def _run_batches(call: Callable[[Any], Any], run: _Run, batches: list[range], workers: int) -> None:
    def one(batch: range) -> None:
        start = time.perf_counter()
        try:
            outputs = call([run.prompts[i] for i in batch])
        except Exception as exc:
            _finish_batch(run, batch, None, _describe(exc), time.perf_counter() - start)
        else:
            _finish_batch(run, batch, outputs, None, time.perf_counter() - start)

    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            one(batch)
        return
    pending = iter(batches)

    def worker() -> None:
        for batch in pending:
            one(batch)

    _join_threads(worker, min(workers, len(batches)))


async def _run_async_batches(call: Callable[[Any], Any], run: _Run, batches: list[range],
                             workers: int) -> None:
    pending = iter(batches)

    async def worker() -> None:
        for batch in pending:
            start = time.perf_counter()
            try:
                outputs = await call([run.prompts[i] for i in batch])
            except Exception as exc:
                _finish_batch(run, batch, None, _describe(exc), time.perf_counter() - start)
            else:
                _finish_batch(run, batch, outputs, None, time.perf_counter() - start)

    import asyncio

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(batches))))))
