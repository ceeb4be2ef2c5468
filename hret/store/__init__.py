"""What a run leaves on disk: the run directory's files (atomic writes, locks),
per-sample records, the run history and saved runs."""

from __future__ import annotations

from hret.store.files import file_lock, write_json_atomic
from hret.store.history import HISTORY_FILE, HistoryStore
from hret.store.runs import SavedRuns, read_results

__all__ = ["HISTORY_FILE", "HistoryStore", "SavedRuns", "file_lock", "read_results", "write_json_atomic"]
