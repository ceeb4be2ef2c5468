"""Streaming per-sample records to JSONL as the run goes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import TracebackType
from typing import Any


class Recorder:
    """Appends one JSON line per record. Lines reach the OS at least every
    ``flush_every`` seconds and when the recorder closes, also on errors."""

    def __init__(self, path: Path, flush_every: float = 0.05) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        # one encoder for the whole run: json.dumps would build one per call
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        self._flush_every = flush_every
        self._last_flush = time.monotonic()
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(self._encode(record) + "\n")
        self.count += 1
        now = time.monotonic()
        if now - self._last_flush >= self._flush_every:
            self._file.flush()
            self._last_flush = now

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
