"""The engine: calls the model for every sample, scores it, streams records.

Sync functions run on ``max_workers`` threads, async functions with at most
``max_workers`` calls in flight, batched functions in batches of ``batch_size``.
Every per-sample failure (the call, a timeout, scoring, recording) becomes that
sample's error record and the run goes on. Records stream to the recorder and
to the tally of what aggregation needs; without a recorder they are kept in a
list.

``timeout`` bounds each call (a batch for batched functions). An async call
over it is cancelled. A sync call cannot be interrupted: it is abandoned on its
own daemon thread, which lingers until the call returns (or the process ends),
and is counted in ``EngineOutcome.abandoned``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hret.methods import Evaluator
from hret.models import Model, batch_mismatch, run_coroutine
from hret.progress import QUIET_START, Progress, Writer
from hret.sample import Sample
from hret.secrets import scrub
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
    #: seconds one call may take; None: no limit
    timeout: float | None = None


@dataclass
class EngineOutcome:
    """The records of a run (in input order) and what went wrong on the way."""

    records: Sequence[Record]
    #: calls over the timeout (each is an error record for its samples)
    timed_out: int = 0
    #: sync calls over the timeout whose threads were left running
    abandoned: int = 0
    #: records whose text could not be encoded and was stored escaped
    escaped: int = 0


@dataclass
class _Counts:
    timed_out: int = 0
    abandoned: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Run:
    """State of one engine run: inputs and where each finished record goes."""

    def __init__(self, samples: Sequence[Sample], prompts: Sequence[Any], evaluator: Evaluator,
                 recorder: Recorder | None, tally: Callable[[Record], None] | None,
                 progress: Progress) -> None:
        self.samples = samples
        self.prompts = prompts
        self.evaluator = evaluator
        self.recorder = recorder
        self.tally = tally
        self.progress = progress
        self.kept: list[Record | None] = [None] * len(samples) if recorder is None else []
        # generation returns text; log-likelihood scoring returns a list of scores
        self.output_type: type = list if evaluator.mode == "loglikelihood" else str
        self.lock = threading.Lock()
        self.counts = _Counts()

    def finish(self, index: int, prompt: Any, output: Any, error: str | None, latency: float) -> None:
        """Record one sample's outcome; nothing raised here stops the run."""
        try:
            record = self._record(index, prompt, output, error, latency)
        except Exception as exc:  # building the record itself failed: keep what is known
            record = self._error_record(index, f"recording failed: {_describe(exc)}", latency)
        with self.lock:
            try:
                self._keep(record)
            except Exception as exc:  # e.g. the disk is full: this sample is an error
                record = self._error_record(index, f"recording failed: {_describe(exc)}", latency)
                try:
                    self._keep(record)
                except Exception:
                    pass  # nowhere left to put it: the count of records shows it is missing
        self.progress.advance(record["score"], record["error"] is not None)

    def _keep(self, record: Record) -> None:
        if self.recorder is not None:
            self.recorder.write(record)
        else:
            self.kept[record["index"]] = record
        if self.tally is not None:
            self.tally(record)

    def _record(self, index: int, prompt: Any, output: Any, error: str | None,
                latency: float) -> Record:
        sample = self.samples[index]
        if error is None and not isinstance(output, self.output_type):
            error = (f"TypeError: model returned {type(output).__name__} {output!r:.80}; "
                     f"expected {self.output_type.__name__}")
        record: Record = {
            "index": index,
            "id": sample.id,
            "subset": sample.subset,
            "category": sample.category,
            "prompt": prompt,
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
                value = score.value
                if value is not None:
                    float(value)  # a score that is not a number is a scoring failure
            except Exception as exc:  # an evaluator bug must not lose the output
                record["error"] = f"scoring failed: {_describe(exc)}"
            else:
                record["score"] = value
                record["extracted"] = score.extracted
                record["extraction_failed"] = bool(score.extraction_failed)
        return record

    def _error_record(self, index: int, error: str, latency: float) -> Record:
        sample = self.samples[index]
        return {"index": index, "id": str(sample.id), "subset": sample.subset,
                "category": sample.category, "prompt": None, "output": None,
                "reference": sample.reference, "extracted": None, "score": None,
                "extraction_failed": False, "error": error,
                "latency_ms": round(latency * 1000.0, 4)}


def _describe(exc: BaseException) -> str:
    """One line naming the exception, with any known credential scrubbed."""
    import traceback

    return scrub("".join(traceback.format_exception_only(type(exc), exc)).strip())


def run_samples(model: Model, samples: Sequence[Sample], prompts: Sequence[Any],
                evaluator: Evaluator, options: EngineOptions,
                recorder: Recorder | None = None,
                tally: Callable[[Record], None] | None = None) -> EngineOutcome:
    """Evaluate every sample. Each record goes to ``recorder`` (else it is kept
    in memory) and to ``tally``; the outcome's records are in input order."""
    with Progress(len(samples), enabled=options.progress, label=model.label, metric=evaluator.metric,
                  writer=options.progress_writer, quiet_start=options.progress_quiet_start) as progress:
        run = _Run(samples, prompts, evaluator, recorder, tally, progress)
        timeout = options.timeout
        if model.kind == "sync":
            _run_sync(model.call, run, options.max_workers, timeout)
        elif model.kind == "async":
            run_coroutine(_run_async(model.call, run, options.max_workers, timeout))
        else:
            size = model.batch_size or options.batch_size
            batches = [range(i, min(i + size, len(samples))) for i in range(0, len(samples), size)]
            if model.kind == "batched":
                _run_batches(model.call, run, batches, options.max_workers, timeout)
            else:
                run_coroutine(_run_async_batches(model.call, run, batches, options.max_workers,
                                                 timeout))
    records: Sequence[Record] = (recorder.records() if recorder is not None
                                 else [r for r in run.kept if r is not None])
    return EngineOutcome(records, run.counts.timed_out, run.counts.abandoned,
                         recorder.escaped if recorder is not None else 0)


def timeout_message(timeout: float) -> str:
    return f"TimeoutError: timeout after {timeout:g} s (raise the timeout option if calls need longer)"


def _timed(call: Callable[[Any], Any], arg: Any) -> tuple[Any, str | None, float]:
    """``(output, error, seconds)`` of one call; a raised error becomes its description."""
    start = time.perf_counter()
    try:
        output = call(arg)
    except Exception as exc:
        return None, _describe(exc), time.perf_counter() - start
    return output, None, time.perf_counter() - start


class _Job:
    __slots__ = ("arg", "call", "done", "result")

    def __init__(self, call: Callable[[Any], Any], arg: Any) -> None:
        self.call, self.arg = call, arg
        self.done = threading.Event()
        self.result: tuple[Any, str | None, float] = (None, None, 0.0)


def _serve(jobs: queue.SimpleQueue[_Job | None]) -> None:
    while (job := jobs.get()) is not None:
        job.result = _timed(job.call, job.arg)
        job.done.set()


class _Caller:
    """Runs one worker's calls on a daemon thread of its own, so the worker can
    stop waiting. After a call over its timeout that thread is abandoned (it
    finishes the call in the background; the answer is dropped) and the next
    call gets a new thread."""

    def __init__(self, counts: _Counts) -> None:
        self.counts = counts
        self._jobs: queue.SimpleQueue[_Job | None] | None = None

    def __call__(self, call: Callable[[Any], Any], arg: Any, timeout: float
                 ) -> tuple[Any, str | None, float]:
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(target=_serve, args=(self._jobs,), daemon=True, name="hret-call").start()
        job = _Job(call, arg)
        self._jobs.put(job)
        if job.done.wait(timeout):
            return job.result
        self.close()  # the thread ends once the call it is stuck in returns
        with self.counts.lock:
            self.counts.timed_out += 1
            self.counts.abandoned += 1
        return None, timeout_message(timeout), timeout

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.put(None)
            self._jobs = None


def _call_with(run: _Run, timeout: float | None) -> Callable[[Callable[[Any], Any], Any],
                                                              tuple[Any, str | None, float]]:
    """The way one worker calls the model: directly, or through a :class:`_Caller`."""
    if timeout is None:
        return _timed
    local = threading.local()

    def call(fn: Callable[[Any], Any], arg: Any) -> tuple[Any, str | None, float]:
        caller = getattr(local, "caller", None)
        if caller is None:
            caller = local.caller = _Caller(run.counts)
            run_callers.append(caller)
        result: tuple[Any, str | None, float] = caller(fn, arg, timeout)
        return result

    run_callers: list[_Caller] = []
    call.callers = run_callers  # type: ignore[attr-defined]
    return call


async def _timed_async(call: Callable[[Any], Any], arg: Any, timeout: float | None = None,
                       counts: _Counts | None = None) -> tuple[Any, str | None, float]:
    import asyncio

    start = time.perf_counter()
    try:
        if timeout is None:
            output = await call(arg)
        else:
            output = await asyncio.wait_for(call(arg), timeout)
    except asyncio.TimeoutError as exc:
        elapsed = time.perf_counter() - start
        if timeout is None or elapsed < timeout:  # the call's own timeout, not ours
            return None, _describe(exc), elapsed
        if counts is not None:
            with counts.lock:
                counts.timed_out += 1
        return None, timeout_message(timeout), time.perf_counter() - start
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


def _finish_batch(run: _Run, batch: range, prompts: list[Any], outputs: Any, error: str | None,
                  latency: float) -> None:
    if error is None and (mismatch := batch_mismatch(outputs, len(batch))) is not None:
        error = f"ValueError: {mismatch}"
    per_sample = latency / max(1, len(batch))
    for offset, index in enumerate(batch):
        output = outputs[offset] if error is None else None
        if isinstance(output, BaseException):  # a backend's failed request: that sample only
            run.finish(index, prompts[offset], None, _describe(output), per_sample)
        else:
            run.finish(index, prompts[offset], output, error, per_sample)


def _closing(call: Callable[..., Any]) -> None:
    for caller in getattr(call, "callers", ()):
        caller.close()


def _run_sync(call: Callable[[Any], Any], run: _Run, workers: int, timeout: float | None) -> None:
    timed = _call_with(run, timeout)

    def one(index: int) -> None:
        prompt = run.prompts[index]
        run.finish(index, prompt, *timed(call, prompt))

    try:
        _each(range(len(run.samples)), one, workers)
    finally:
        _closing(timed)


async def _run_async(call: Callable[[Any], Any], run: _Run, workers: int,
                     timeout: float | None) -> None:
    async def one(index: int) -> None:
        prompt = run.prompts[index]
        run.finish(index, prompt, *await _timed_async(call, prompt, timeout, run.counts))

    await _each_async(range(len(run.samples)), one, workers)


def _run_batches(call: Callable[[Any], Any], run: _Run, batches: list[range], workers: int,
                 timeout: float | None) -> None:
    timed = _call_with(run, timeout)

    def one(batch: range) -> None:
        prompts = [run.prompts[i] for i in batch]
        _finish_batch(run, batch, prompts, *timed(call, prompts))

    try:
        _each(batches, one, workers)
    finally:
        _closing(timed)


async def _run_async_batches(call: Callable[[Any], Any], run: _Run, batches: list[range],
                             workers: int, timeout: float | None) -> None:
    async def one(batch: range) -> None:
        prompts = [run.prompts[i] for i in batch]
        _finish_batch(run, batch, prompts, *await _timed_async(call, prompts, timeout, run.counts))

    await _each_async(batches, one, workers)
