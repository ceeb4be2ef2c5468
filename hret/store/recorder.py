"""Streaming per-sample records to JSONL as the run goes, and reading them back.

The records of a run live on disk only: :class:`RecordFile` reads them back,
in input order, when someone asks for them.
"""

from __future__ import annotations

import base64
import json
import time
from array import array
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, overload

#: the flag a record carries when text in it could not be encoded and was escaped
ESCAPED = "escaped"


def escape_unencodable(value: Any) -> Any:
    """``value`` with every string's unencodable code points (lone surrogates)
    written as ``\\udcff`` escapes; other values unchanged."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {escape_unencodable(k): escape_unencodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_unencodable(v) for v in value]
    return value


class Recorder:
    """Appends one JSON line per record. Lines reach the OS at least every
    ``flush_every`` seconds and when the recorder closes, also on errors.

    ``size`` records are expected, keyed by their ``index``: the byte offset of
    each is kept (8 bytes a record) so :meth:`records` reads them back in input
    order. A record holding text that UTF-8 cannot encode is written with those
    code points escaped and ``"escaped": true``."""

    def __init__(self, path: Path, flush_every: float = 0.05, size: int = 0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("ab")
        self._position = self._file.tell()
        # one encoder for the whole run: json.dumps would build one per call
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        self._flush_every = flush_every
        self._last_flush = time.monotonic()
        self._offsets = array("q", [-1]) * size
        self.count = 0
        self.escaped = 0

    def write(self, record: dict[str, Any]) -> None:
        try:
            data = (self._encode(record) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            record.update(escape_unencodable(record))
            record[ESCAPED] = True
            self.escaped += 1
            data = (self._encode(record) + "\n").encode("utf-8")
        index = record.get("index")
        if type(index) is int and 0 <= index < len(self._offsets):
            self._offsets[index] = self._position
        self._file.write(data)
        self._position += len(data)
        self.count += 1
        now = time.monotonic()
        if now - self._last_flush >= self._flush_every:
            self._file.flush()
            self._last_flush = now

    def records(self) -> RecordFile:
        """The records written, in index order, read from disk on demand."""
        self._file.flush()
        return RecordFile(self.path, array("q", (o for o in self._offsets if o >= 0)))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class RecordFile(Sequence[dict[str, Any]]):
    """Per-sample records kept in a JSONL file, read back lazily in input order.

    Behaves as a read-only list of dicts (``len``, indexing, slicing, iteration,
    ``==`` with a list); each access reads and parses the lines it needs."""

    def __init__(self, path: Path, offsets: array[int]) -> None:
        self.path = path
        self._offsets = offsets

    def reference(self) -> dict[str, str]:
        """JSON builtins naming these records (the file and each record's offset,
        8 bytes a record), for another process on this machine to read them."""
        return {"path": str(self.path.absolute()), "offsets": base64.b64encode(self._offsets.tobytes()).decode()}

    @classmethod
    def from_reference(cls, reference: Mapping[str, str]) -> RecordFile | None:
        """The records a :meth:`reference` names; None when the file is not here
        (or no longer holds them)."""
        offsets = array("q")
        offsets.frombytes(base64.b64decode(reference["offsets"]))
        path = Path(reference["path"])
        try:
            size = path.stat().st_size
        except OSError:
            return None
        return cls(path, offsets) if not offsets or max(offsets) < size else None

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [json.loads(line) for line in self._lines(self._offsets[index])]
        offset = self._offsets[index]
        return dict(json.loads(next(iter(self._lines([offset])))))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for line in self._lines(self._offsets):
            yield json.loads(line)

    def lines(self) -> Iterator[bytes]:
        """Each record's JSON text (UTF-8, no newline), in input order."""
        for line in self._lines(self._offsets):
            yield line.rstrip(b"\n")

    def _lines(self, offsets: Sequence[int]) -> Iterator[bytes]:
        with self.path.open("rb") as f:
            expected = -1
            for offset in offsets:
                if offset != expected:  # records written in order need no seek
                    f.seek(offset)
                line = f.readline()
                expected = offset + len(line)
                yield line

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RecordFile, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecordFile({str(self.path)!r}, {len(self)} records)"
