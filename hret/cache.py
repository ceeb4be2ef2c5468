"""The response cache: makes runs resumable and re-runs free.

Opt in with ``cache="path/to/cache.sqlite"`` (an evaluation option) or
``hret.configure(cache=...)``. Every successful model answer is committed to a
SQLite database (WAL mode, so several processes — pytest-xdist workers — can
write at once) as soon as its call returns; a run killed halfway and started
again calls the model only for the samples still missing. Errors are never
cached.

The key of an answer is a hash of:

- the model identity: a backend's ``identity()`` (backend, model id or path,
  revision or base URL, chat template), its ``generation_params()`` and a
  reference task's own stop strings and length; for a
  plain Python function, its module and qualified name (and the arguments
  bound by ``functools.partial``). Editing a function's body does not change
  its identity: clear the cache, or rename the function, after such a change;
- the calling convention (generation or log-likelihood scoring);
- the fully rendered prompt or chat messages, and whether it is a reference's
  plain text (:class:`~hret.prompts.PlainText`, generated without a chat template);
- the repeat index: the n-th time the same prompt is asked in one evaluation
  gets its own entry, so sampled answers are not collapsed into one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from hret.errors import ConfigError
from hret.models import Model, batch_mismatch
from hret.prompts import PlainText

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    output TEXT NOT NULL,
    created REAL NOT NULL
)
"""
_BUSY_TIMEOUT_MS = 60_000
_IN_CHUNK = 500  # SQLite allows 999 host parameters in older builds


class ResponseCache:
    """One SQLite database of answers, shared by the threads of this process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=_BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed answer survives the process being killed
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cache={str(path)!r} cannot be opened as a SQLite response cache: {exc}. "
                "Pass a writable file path, e.g. cache='hret_results/cache.sqlite'."
            ) from None
        self._conn = conn
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), _IN_CHUNK):
                part = unique[start:start + _IN_CHUNK]
                marks = ",".join("?" * len(part))
                rows = self._conn.execute(
                    f"SELECT key, output FROM responses WHERE key IN ({marks})", part).fetchall()
                found.update((key, json.loads(output)) for key, output in rows)
        return found

    def put_many(self, entries: Iterable[tuple[str, str, Any]]) -> None:
        """Store ``(key, model_json, output)`` entries in one transaction."""
        rows = [(key, model, json.dumps(output, ensure_ascii=False), time.time())
                for key, model, output in entries]
        if not rows:
            return
        with self._lock:
            # IMMEDIATE takes the write lock up front, so the busy timeout
            # applies instead of a deadlock error between processes
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO responses (key, model, output, created) "
                    "VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_open: dict[Path, ResponseCache] = {}
_open_lock = threading.Lock()


def open_cache(path: str | Path) -> ResponseCache:
    """The process's cache for ``path`` (one connection per file)."""
    resolved = Path(path).expanduser().resolve()
    with _open_lock:
        if resolved not in _open:
            _open[resolved] = ResponseCache(resolved)
        return _open[resolved]


# -- identity ------------------------------------------------------------------------
def model_identity(model: Model) -> dict[str, Any]:
    """What identifies ``model``'s answers; see the module docstring."""
    backend = model.backend
    if backend is not None and callable(getattr(backend, "identity", None)):
        identity: dict[str, Any] = {"model": dict(backend.identity())}
        params = getattr(backend, "generation_params", None)
        identity["params"] = dict(params()) if callable(params) else {}
        if isinstance(model.call, functools.partial):  # a task's own stop strings and length
            identity["task_params"] = _json_safe(model.call.keywords)
    else:
        identity = {"model": function_identity(model.call), "params": {}}
    identity["call"] = _qualified(model.call)
    return identity


def function_identity(fn: Any) -> dict[str, Any]:
    """Module and qualified name of ``fn``, plus what ``functools.partial``
    binds and the identity of any model it closes over."""
    if isinstance(fn, functools.partial):
        inner = function_identity(fn.func)
        inner["partial"] = _json_safe([list(fn.args), fn.keywords])
        return inner
    identity: dict[str, Any] = {"function": _qualified(fn)}
    # a wrapper closing over another model (e.g. a log-likelihood scorer) must
    # not share answers across the models it wraps
    cells = getattr(fn, "__closure__", None) or ()
    wrapped = [model_identity(c.cell_contents) for c in cells
               if isinstance(_cell(c), Model)]
    if wrapped:
        identity["wraps"] = wrapped
    return identity


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _qualified(fn: Any) -> str:
    target = getattr(fn, "__func__", fn)  # bound methods: their function
    owner = getattr(fn, "__self__", None)
    module = getattr(target, "__module__", None) or type(fn).__module__
    name = getattr(target, "__qualname__", None) or type(fn).__qualname__
    if owner is not None and not isinstance(owner, type) and "." not in name:
        name = f"{type(owner).__qualname__}.{name}"
    return f"{module}.{name}"


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def cache_key(identity_json: str, prompt: Any, repeat: int) -> str:
    # a reference's plain-text prompt may be rendered apart from the same text
    # of another prompt (without the chat template): they are different questions
    kind = ["plain text"] if isinstance(prompt, PlainText) else []
    payload = json.dumps([identity_json, prompt, repeat, *kind], ensure_ascii=False, sort_keys=True,
                         separators=(",", ":"), default=repr)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cacheable(output: Any) -> bool:
    """Only answers: text, or a list of scores. Never errors or odd objects."""
    if isinstance(output, str):
        return True
    if not isinstance(output, list):
        return False
    try:
        json.dumps(output)
    except (TypeError, ValueError):
        return False
    return True


# -- wrapping --------------------------------------------------------------------
class CachedCall:
    """The model's calls, answered from the cache where possible."""

    def __init__(self, model: Model, cache: ResponseCache) -> None:
        self.model = model
        self.cache = cache
        self.identity = json.dumps(model_identity(model), sort_keys=True, ensure_ascii=False,
                                   default=repr)
        self.hits = 0
        self.misses = 0
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        #: answers read ahead of the run in one query (see ``prefetch``)
        self._known: dict[str, Any] = {}

    def _keys(self, prompts: Sequence[Any], seen: Counter[str]) -> list[str]:
        """Keys of ``prompts``; the n-th repeat of a prompt gets repeat index n."""
        keys = []
        for prompt in prompts:
            base = cache_key(self.identity, prompt, 0)
            repeat = seen[base]
            seen[base] += 1
            keys.append(base if repeat == 0 else cache_key(self.identity, prompt, repeat))
        return keys

    def keys(self, prompts: Sequence[Any]) -> list[str]:
        with self._lock:
            return self._keys(prompts, self._seen)

    def prefetch(self, prompts: Sequence[Any]) -> None:
        """Read every answer the cache already holds for ``prompts`` in one query,
        instead of one query per call (what makes a fully cached re-run fast)."""
        self._known = self.cache.get_many(self._keys(prompts, Counter()))

    def lookup(self, prompts: Sequence[Any]) -> tuple[list[str], dict[str, Any], list[int]]:
        keys = self.keys(prompts)
        found = {key: self._known[key] for key in keys if key in self._known}
        rest = [key for key in keys if key not in found]
        if rest:  # possibly written meanwhile by another process sharing the cache
            found.update(self.cache.get_many(rest))
        missing = [i for i, key in enumerate(keys) if key not in found]
        with self._lock:
            self.hits += len(keys) - len(missing)
            self.misses += len(missing)
        return keys, found, missing

    def store(self, keys: Sequence[str], outputs: Sequence[Any]) -> None:
        self.cache.put_many((k, self.identity, o) for k, o in zip(keys, outputs, strict=True)
                            if cacheable(o))

    def batched(self, prompts: Sequence[Any]) -> list[Any]:
        keys, found, missing = self.lookup(prompts)
        outputs = [found.get(key) for key in keys]
        if missing:
            produced = self.model.call([prompts[i] for i in missing])
            self._merge(outputs, missing, produced, keys)
        return outputs

    async def async_batched(self, prompts: Sequence[Any]) -> list[Any]:
        keys, found, missing = self.lookup(prompts)
        outputs = [found.get(key) for key in keys]
        if missing:
            produced = await self.model.call([prompts[i] for i in missing])
            self._merge(outputs, missing, produced, keys)
        return outputs

    def single(self, prompt: Any) -> Any:
        keys, found, missing = self.lookup([prompt])
        if not missing:
            return found[keys[0]]
        output = self.model.call(prompt)
        self.store(keys, [output])
        return output

    async def async_single(self, prompt: Any) -> Any:
        keys, found, missing = self.lookup([prompt])
        if not missing:
            return found[keys[0]]
        output = await self.model.call(prompt)
        self.store(keys, [output])
        return output

    def _merge(self, outputs: list[Any], missing: list[int], produced: Any,
               keys: Sequence[str]) -> None:
        mismatch = batch_mismatch(produced, len(missing))
        if mismatch is not None:
            raise ValueError(mismatch)
        for index, output in zip(missing, produced, strict=True):
            outputs[index] = output
        self.store([keys[i] for i in missing], list(produced))


def cache_stats(model: Model) -> dict[str, Any] | None:
    """Hits and misses of a model made by ``wrap_model`` (None for other models)."""
    cached = getattr(model.call, "__self__", None)
    if not isinstance(cached, CachedCall):
        return None
    return {"path": str(cached.cache.path), "hits": cached.hits, "misses": cached.misses}


def wrap_model(model: Model, cache: str | Path | bool | ResponseCache,
               prompts: Sequence[Any] = ()) -> Model:
    """``model`` with its answers read from and written to ``cache`` (a path;
    ``True`` means ``<output_dir>/cache.sqlite``); the answers to ``prompts``
    that the cache holds are read up front."""
    if cache is True:
        from hret.config import get_config

        cache = Path(get_config().output_dir) / "cache.sqlite"
    if not isinstance(cache, (str, Path, ResponseCache)):
        raise ConfigError(f"cache={cache!r} must be a file path (or True for "
                          "<output_dir>/cache.sqlite)")
    store = cache if isinstance(cache, ResponseCache) else open_cache(cache)
    cached = CachedCall(model, store)
    if prompts:
        cached.prefetch(prompts)
    calls: dict[str, Callable[..., Any]] = {
        "sync": cached.single, "async": cached.async_single,
        "batched": cached.batched, "async_batched": cached.async_batched,
    }
    return Model(calls[model.kind], model.kind, model.label, model.batch_size, model.backend)
