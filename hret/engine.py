"""The engine: calls the model for every sample, scores it, streams records.

Sync functions run on ``max_workers`` threads, async functions with at most
``max_workers`` calls in flight, batched functions in batches of ``batch_size``.
Records land in input order; a failing call becomes an error record and the
run goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hret.methods import Evaluator
from hret.models import Model, batch_mismatch, run_coroutine
from hret.progress import QUIET_START, Progress, Writer
from hret.sample import Sample
from hret.store.recorder import Recorder

Record = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class EngineOptions:
    max_workers: int = 1
    batch_size: int = 8
    progress: bool = False
    #: where progress lines go (None: stderr, live on a terminal)
    progress_writer: Writer | None = None
    #: seconds before the first progress line (0: from the start, as when asked for)
    progress_quiet_start: float = QUIET_START


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
        self.output_type: type = list if evaluator.mode == "loglikelihood" else str
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
        self.progress.advance(record["score"], record["error"] is not None)


def _describe(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def run_samples(model: Model, samples: Sequence[Sample], prompts: Sequence[Any],
                evaluator: Evaluator, options: EngineOptions,
                recorder: Recorder | None = None) -> list[Record]:
    """Evaluate every sample; returns one record per sample, in input order."""
    with Progress(len(samples), enabled=options.progress, label=model.label, metric=evaluator.metric,
                  writer=options.progress_writer, quiet_start=options.progress_quiet_start) as progress:
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


def _timed(call: Callable[[Any], Any], arg: Any) -> tuple[Any, str | None, float]:
    """``(output, error, seconds)`` of one call; a raised error becomes its description."""
    start = time.perf_counter()
    try:
        output = call(arg)
    except Exception as exc:
        return None, _describe(exc), time.perf_counter() - start
    return output, None, time.perf_counter() - start


async def _timed_async(call: Callable[[Any], Any], arg: Any) -> tuple[Any, str | None, float]:
    start = time.perf_counter()
    try:
        output = await call(arg)
    except Exception as exc:
        return None, _describe(exc), time.perf_counter() - start
    return output, None, time.perf_counter() - start


def _each(items: Sequence[T], task: Callable[[T], None], workers: int) -> None:
    """``task(item)`` for every item, on up to ``workers`` threads."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            task(item)
        return
    pending = iter(items)  # shared: each next() is atomic under the GIL
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for item in pending:
                task(item)
        except BaseException as exc:  # surfaced below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


async def _each_async(items: Sequence[T], task: Callable[[T], Awaitable[None]], workers: int) -> None:
    """``await task(item)`` for every item, at most ``workers`` in flight."""
    import asyncio

    pending = iter(items)

    async def worker() -> None:
        for item in pending:
            await task(item)

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(items))))))


def _finish_batch(run: _Run, batch: range, outputs: Any, error: str | None, latency: float) -> None:
    if error is None and (mismatch := batch_mismatch(outputs, len(batch))) is not None:
        error = f"ValueError: {mismatch}"
    per_sample = latency / max(1, len(batch))
    for offset, index in enumerate(batch):
        output = outputs[offset] if error is None else None
        if isinstance(output, BaseException):  # a backend's failed request: that sample only
            run.finish(index, None, _describe(output), per_sample)
        else:
            run.finish(index, output, error, per_sample)


def _run_sync(call: Callable[[Any], Any], run: _Run, workers: int) -> None:
    def one(index: int) -> None:
        run.finish(index, *_timed(call, run.prompts[index]))

    _each(range(len(run.samples)), one, workers)


async def _run_async(call: Callable[[Any], Any], run: _Run, workers: int) -> None:
    async def one(index: int) -> None:
        run.finish(index, *await _timed_async(call, run.prompts[index]))

    await _each_async(range(len(run.samples)), one, workers)


def _run_batches(call: Callable[[Any], Any], run: _Run, batches: list[range], workers: int) -> None:
    def one(batch: range) -> None:
        _finish_batch(run, batch, *_timed(call, [run.prompts[i] for i in batch]))

    _each(batches, one, workers)


async def _run_async_batches(call: Callable[[Any], Any], run: _Run, batches: list[range],
                             workers: int) -> None:
    async def one(batch: range) -> None:
        _finish_batch(run, batch, *await _timed_async(call, [run.prompts[i] for i in batch]))

    await _each_async(batches, one, workers)
