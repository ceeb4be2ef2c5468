"""A progress bar on interactive terminals; silent everywhere else."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType


def interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", None) and sys.stderr.isatty())


class Progress:
    """Counts finished samples; a background thread redraws a bar on stderr at
    most ten times a second, so the hot path only increments an integer."""

    def __init__(self, total: int, *, enabled: bool, label: str = "") -> None:
        self.total = total
        self.done = 0
        self.label = label
        self.enabled = enabled and total > 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = time.perf_counter()

    def advance(self) -> None:
        self.done += 1  # a lost increment under races only delays the bar

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._draw_loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._draw(final=True)

    def _draw_loop(self) -> None:
        while not self._stop.wait(0.1):
            self._draw()

    def _draw(self, final: bool = False) -> None:
        done = min(self.done, self.total)
        width = 30
        filled = int(width * done / self.total)
        elapsed = time.perf_counter() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r{self.label[:24]:<24} [{bar}] {done}/{self.total} {rate:,.1f}/s")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()
