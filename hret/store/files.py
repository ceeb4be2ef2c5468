"""Files of a run that readers and concurrent writers can trust: exclusive
locks across processes and atomic JSON writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def locked(f: IO[str]) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): O_APPEND writes of one line stay whole
        yield
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


@contextmanager
def file_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) across processes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f, locked(f):
        yield


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` through a temporary file of this process,
    so that readers and other writers never see half a file."""
    # no indent: the C encoder is many times faster on large sample lists
    return write_atomic(path, [json.dumps(data, ensure_ascii=False, default=str).encode(
        "utf-8", "backslashreplace")])


def write_atomic(path: Path, chunks: Iterable[bytes]) -> Path:
    """Write ``chunks`` to ``path`` through a temporary file of this process.
    Text that UTF-8 cannot encode (lone surrogates) is written escaped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            for chunk in chunks:
                f.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
