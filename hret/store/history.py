"""The durable run history under ``output_dir``: one JSON line per finished run.

Appends take an exclusive file lock, so concurrent processes (pytest-xdist
workers, parallel scripts) never interleave lines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hret.store.files import locked

HISTORY_FILE = "history.jsonl"


class HistoryStore:
    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / HISTORY_FILE

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f, locked(f):
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries = []
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a torn last line from a killed process
        return entries
