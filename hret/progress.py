"""Signs of life for a running evaluation: done/total, rate, ETA, running
accuracy and errors.

On an interactive terminal a live line is redrawn on stderr; anywhere else
(CI logs, pytest) plain lines go to a writer at a bounded interval: every 10%
or every 30 s, whichever comes first. Runs that end within their first two
seconds print nothing, unless progress was asked for. The hot path only increments counters; a background
thread does the drawing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

#: a plain line is written at least this often (seconds) and at every tenth of the run
PLAIN_INTERVAL = 30.0
#: nothing is shown before this many seconds have passed
QUIET_START = 2.0

Writer = Callable[[str], None]


def interactive() -> bool:
    return bool(getattr(sys.stderr, "isatty", None) and sys.stderr.isatty())


def stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def clock(seconds: float) -> str:
    seconds = int(max(0.0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts finished samples. ``writer``: where plain lines go (None: a
    live line on an interactive stderr, plain lines on stderr otherwise)."""

    def __init__(self, total: int, *, enabled: bool, label: str = "", metric: str = "accuracy",
                 writer: Writer | None = None, quiet_start: float = QUIET_START) -> None:
        self.total = total
        self.done = 0
        self.errors = 0
        self.scored = 0
        self.score_sum = 0.0
        self.label = label
        self.metric = metric
        self.enabled = enabled and total > 0
        self.live = writer is None and interactive()
        self.writer: Writer = writer or stderr_line
        self.shown = False
        self.quiet_start = quiet_start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = time.perf_counter()
        self._next_share = 0.1
        self._last_line = self._start

    def advance(self, score: float | None = None, error: bool = False) -> None:
        # unlocked: a lost update under races only delays or blurs a progress line
        self.done += 1
        if error:
            self.errors += 1
        elif score is not None:
            self.scored += 1
            self.score_sum += score

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._loop, name="hret-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            if self.shown or not self.quiet_start:  # a run that showed progress shows its end
                self._show(final=True)

    def _loop(self) -> None:
        period = 0.1 if self.live else 0.25
        while not self._stop.wait(period):
            now = time.perf_counter()
            if now - self._start < self.quiet_start:
                continue
            if self.live:
                self._show()
            elif self.done / self.total >= self._next_share or now - self._last_line >= PLAIN_INTERVAL:
                while self._next_share <= self.done / self.total:
                    self._next_share += 0.1
                self._last_line = now
                self._show()

    def line(self) -> str:
        done = min(self.done, self.total)
        elapsed = time.perf_counter() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = clock((self.total - done) / rate) if rate > 0 else "?"
        score = f"{self.metric} {self.score_sum / self.scored:.3f}" if self.scored else f"{self.metric} -"
        return (f"hret {self.label}: {done}/{self.total} ({done / self.total:.0%}) {rate:,.1f}/s "
                f"elapsed {clock(elapsed)} ETA {eta} {score} errors {self.errors}")

    def _show(self, final: bool = False) -> None:
        self.shown = True
        if self.live:
            sys.stderr.write("\r" + self.line() + ("\n" if final else ""))
            sys.stderr.flush()
        else:
            self.writer(self.line())
