"""The capture seam: results produced while a collector is active go to it.

The pytest plugin installs a collector around each test item; standalone,
none is active and results stay with their evaluation context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from hret.results import EvaluationResult

__all__ = ["Collector", "active_collector", "collecting"]


class Collector(Protocol):
    #: where progress lines of the collected evaluations go (None: nowhere)
    progress_writer: Callable[[str], None] | None

    def add_result(self, label: str, result: EvaluationResult) -> None: ...

    def add_tracked(self, name: str, metrics: Mapping[str, Any]) -> None: ...


_active: ContextVar[Collector | None] = ContextVar("hret_collector", default=None)


def active_collector() -> Collector | None:
    return _active.get()


@contextmanager
def collecting(collector: Collector) -> Iterator[Collector]:
    token = _active.set(collector)
    try:
        yield collector
    finally:
        _active.reset(token)
