"""Files of a run that readers and concurrent writers can trust: exclusive
locks across processes and atomic JSON writes."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
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
    so that readers and other writers never see half a file. Records kept on
    disk (a :class:`~hret.store.recorder.RecordFile`, anywhere in ``data``) are
    copied line by line, never all read into memory."""
    from hret.store.recorder import RecordFile

    kept: list[RecordFile] = []
    token = f"hret-records-{uuid.uuid4().hex}"

    def placeholder(value: Any) -> Any:
        if isinstance(value, RecordFile):
            kept.append(value)
            return f"{token}:{len(kept) - 1}"
        return jsonable(value)

    # no indent: the C encoder is many times faster on large sample lists
    text = json.dumps(data, ensure_ascii=False, default=placeholder)

    def chunks() -> Iterator[bytes]:
        for number, part in enumerate(re.split(f'"{token}:(\\d+)"', text)):
            if number % 2 == 0:
                yield part.encode("utf-8", "backslashreplace")
                continue
            yield b"["
            for index, line in enumerate(kept[int(part)].lines()):
                yield b"," + line if index else line
            yield b"]"

    return write_atomic(path, chunks())


def jsonable(value: Any) -> Any:
    """What ``json.dumps`` writes for a value it has no rule for: a sequence as a
    list, anything else as its text."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return str(value)


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
