"""Sinks: subscribers that receive runs and results (files, MLflow, W&B, user code).

A sink that raises produces a warning and never loses the result, unless the
caller asks for strict mode.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hret.registry import Registry
from hret.results import EvaluationResult
from hret.secrets import scrub

logger = logging.getLogger("hret")


class SinkWarning(UserWarning):
    """A sink failed; the evaluation's own results are unaffected."""


class SinkError(RuntimeError):
    """A sink failed in strict mode."""


@dataclass(frozen=True)
class RunStart:
    """A run begins. ``metadata``: what the run records of itself (name, start
    time, hyperparameters); ``settings``: the options it runs with (a context's
    options, a pytest session's ``--hret-*`` values) and hret's configuration."""

    run_name: str
    metadata: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultEvent:
    run_name: str
    label: str
    result: EvaluationResult
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunEnd:
    run_name: str
    run_result: dict[str, Any]
    results: tuple[EvaluationResult, ...]


class Sink:
    """Base class: override the methods you need; each gets one event."""

    name = "sink"

    def on_run_start(self, event: RunStart) -> None:
        """Called when a run (an evaluation context) starts."""

    def on_result(self, event: ResultEvent) -> None:
        """Called once per finished evaluation."""

    def on_run_end(self, event: RunEnd) -> None:
        """Called when the run ends, with every result of the run."""


class CallableSink(Sink):
    """``fn(run_result, results)`` called at run end, as ``add_mlops_integration`` takes it."""

    def __init__(self, fn: Callable[[dict[str, Any], list[EvaluationResult]], Any]) -> None:
        if not callable(fn):
            raise TypeError(
                f"integration {fn!r} is not callable; expected fn(run_result, results)"
            )
        self.fn = fn
        self.name = getattr(fn, "__name__", type(fn).__name__)

    def on_run_end(self, event: RunEnd) -> None:
        self.fn(event.run_result, list(event.results))


SINKS: Registry[Callable[..., Sink]] = Registry("sink", "hret.sinks")


def emit(sinks: Sequence[Sink], method: str, event: Any, *, strict: bool = False) -> list[tuple[str, str]]:
    """Deliver ``event`` to every sink; failures are logged (or raised when
    strict) and returned as (sink name, message) for the caller to show."""
    failures = []
    for sink in sinks:
        try:
            getattr(sink, method)(event)
        except Exception as exc:
            name = getattr(sink, "name", type(sink).__name__)
            message = scrub(f"sink {name!r} failed in {method}: {type(exc).__name__}: {exc}")
            if strict:
                raise SinkError(message) from exc
            logger.warning(message)
            failures.append((str(name), message))
    return failures


class Subscribers:
    """The sinks of one run. Builds each event once and delivers it to every
    sink; every failure is kept in ``failures``, and a sink's first failure
    warns (its later ones are counted: ``summary()``). ``warn=False`` collects
    without warning (for callers that list them, e.g. the pytest summary)."""

    def __init__(self, strict: bool = False, warn: bool = True) -> None:
        self.sinks: list[Sink] = []
        self.failures: list[str] = []
        self.by_sink: dict[str, list[str]] = {}
        self.strict = strict
        self.warn = warn
        self._started: RunStart | None = None

    def add(self, sink: Sink) -> Sink:
        self.sinks.append(sink)
        if self._started is not None:  # added inside the run: it still learns how the run began
            self._emit("on_run_start", self._started, [sink])
        return sink

    def _emit(self, method: str, event: Any, sinks: Sequence[Sink] | None = None) -> None:
        for name, message in emit(self.sinks if sinks is None else sinks, method, event, strict=self.strict):
            self.failures.append(message)
            seen = self.by_sink.setdefault(name, [])
            seen.append(message)
            if self.warn and len(seen) == 1:
                warnings.warn(message, SinkWarning, stacklevel=4)

    def summary(self) -> list[str]:
        """One line per failing sink: its first failure and how many there were."""
        return [messages[0] if len(messages) == 1 else f"{messages[0]} ({len(messages)} failures of this sink)"
                for messages in self.by_sink.values()]

    def run_start(self, run_name: str, metadata: dict[str, Any], settings: dict[str, Any] | None = None) -> None:
        self._started = RunStart(run_name, dict(metadata), dict(settings or {}))
        self._emit("on_run_start", self._started)

    def result(self, run_name: str, label: str, result: EvaluationResult, metadata: dict[str, Any]) -> None:
        self._emit("on_result", ResultEvent(run_name, label, result, dict(metadata)))

    def run_end(self, run_name: str, run_result: dict[str, Any], results: Sequence[EvaluationResult]) -> None:
        self._emit("on_run_end", RunEnd(run_name, run_result, tuple(results)))
