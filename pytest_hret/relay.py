"""Progress from xdist workers, shown by the controller.

A worker has no terminal, so the progress lines of its evaluations go to a file
of its own in a folder the controller made and handed to every worker; a thread
of the controller reads the new lines every half second and writes them through
the terminal reporter, marked with the worker's id (``[gw0] hret …``). A long
``pytest -n 4`` run shows it is alive as a single-process run does.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: the key of ``workerinput`` that names the folder
FOLDER_KEY = "hret_progress_folder"
#: seconds between two reads of the workers' files
POLL_SECONDS = 0.5


def worker_writer(config: pytest.Config) -> Callable[[str], None] | None:
    """On a worker the controller relays for: a writer appending to its file."""
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    folder = workerinput.get(FOLDER_KEY)
    if folder is None:
        return None
    worker = str(workerinput.get("workerid", "gw"))
    path = Path(folder) / f"{worker}.log"
    lock = threading.Lock()
    broken: list[OSError] = []  # a worker on another machine cannot reach the folder

    def write(line: str) -> None:
        with lock:
            if broken:
                return
            try:
                with path.open("a", encoding="utf-8", errors="backslashreplace") as out:
                    out.write(f"[{worker}] {line}\n")
            except OSError as exc:  # progress is a courtesy: the evaluation goes on without it
                broken.append(exc)

    return write


class ProgressRelay:
    """The controller's side: makes the folder, tells each worker, shows the lines."""

    def __init__(self, make_writer: Callable[[], Callable[[str], None] | None]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hret-progress-"))
        self._make_writer = make_writer
        self._write: Callable[[str], None] | None = None
        self._read: dict[Path, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self._write is None:
            self._write = self._make_writer()
            if self._write is None:  # no terminal to show the lines on
                return
        node.workerinput[FOLDER_KEY] = str(self.folder)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hret-progress-relay", daemon=True)
            self._thread.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        self.close()

    def pytest_unconfigure(self) -> None:
        self.close()

    def close(self) -> None:
        """Show what is left and remove the folder (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.folder.exists():
            self.pump()
            shutil.rmtree(self.folder, ignore_errors=True)

    def pump(self) -> None:
        """Write every complete line added since the last call, worker by worker."""
        if self._write is None:
            return
        with self._lock:
            for path in sorted(self.folder.glob("*.log")):
                start = self._read.get(path, 0)
                with path.open("rb") as source:
                    source.seek(start)
                    chunk = source.read()
                end = chunk.rfind(b"\n") + 1  # a line still being written waits
                if not end:
                    continue
                self._read[path] = start + end
                for line in chunk[:end].decode("utf-8", "replace").splitlines():
                    self._write(line)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.pump()
