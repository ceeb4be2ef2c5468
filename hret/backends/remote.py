"""Backends that call a server: bounded concurrency, retries, input order.

Each input becomes one request on a pool of ``max_concurrency`` threads shared
by every caller of the backend. A request that still fails after its retries
fills its own slot with a :class:`RequestError`, so one failure costs one
sample (recorded as an error, never scored), not the batch; ``generate``
raises only when every request of the call failed.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from hret.backends.base import GenerationSettings, Secret, Usage
from hret.backends.http import StatusError
from hret.errors import ConfigError, HretError

T = TypeVar("T")


class RequestError(HretError):
    """A request that failed for good (after retries, or at once when retrying
    cannot help). Its message never contains the API key."""


class MalformedResponse(HretError):
    """The server answered 2xx with a body that is not the expected JSON."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's ``Retry-After`` is a floor."""

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ConfigError(f"max_retries={self.max_retries!r} must be an integer >= 0")
        if not self.base_delay >= 0 or not self.max_delay >= 0:
            raise ConfigError(
                f"backoff delays must be >= 0 (got base {self.base_delay!r}, max {self.max_delay!r})"
            )

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** attempt)
        # half fixed, half random: spreads clients that failed together
        backoff: float = ceiling / 2 + random.uniform(0, ceiling / 2)
        return max(backoff, float(retry_after or 0.0))


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value.strip() else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class RemoteBackend:
    """Base of the ``openai`` and ``litellm`` backends. Subclasses implement
    ``_request(item, settings) -> (text, usage)`` and ``_classify(exc) ->
    (retryable, retry_after)``."""

    name = "remote"

    def __init__(self, *, api_key: str | None, max_concurrency: int, timeout: float,
                 retry: RetryPolicy, settings: GenerationSettings) -> None:
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ConfigError(f"max_concurrency={max_concurrency!r} must be an integer >= 1")
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"timeout={timeout!r} must be a number of seconds > 0")
        self._key = Secret(api_key)
        self.max_concurrency = max_concurrency
        self.timeout = float(timeout)
        self.retry = retry
        self.settings = settings
        #: inputs the engine hands over per call: enough to fill the pool
        self.batch_size = max_concurrency
        self._usage = Usage()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- protocol --------------------------------------------------------------
    def generate(self, inputs: Sequence[Any], **params: Any) -> list[Any]:
        """One output per input, in input order; a failed request's slot holds
        its :class:`RequestError`."""
        settings = GenerationSettings.build(params, self.settings, owner=self.name)
        return self._map(lambda item: self._request(item, settings), inputs)

    def generation_params(self) -> dict[str, Any]:
        params = self.settings.to_dict()
        extra = getattr(self, "extra_body", None)
        if extra:  # server-specific knobs change answers too
            params["extra_body"] = dict(extra)
        return params

    def usage(self) -> dict[str, int]:
        return self._usage.snapshot()

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def __enter__(self) -> RemoteBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- to implement ------------------------------------------------------------
    def _request(self, item: Any, settings: GenerationSettings) -> str:
        raise NotImplementedError

    def _classify(self, exc: BaseException) -> tuple[bool, float | None]:
        raise NotImplementedError

    # -- machinery ----------------------------------------------------------------
    def _map(self, fn: Callable[[Any], T], items: Sequence[Any]) -> list[Any]:
        pool = self._executor()
        futures: list[Future[Any]] = [pool.submit(self._with_retries, fn, item) for item in items]
        return self._results([f.result() for f in futures])

    @staticmethod
    def _results(results: list[Any]) -> list[Any]:
        """``results``, unless every request failed: then the first failure is raised."""
        if results and all(isinstance(r, RequestError) for r in results):
            raise results[0]
        return results

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_concurrency,
                                                thread_name_prefix=f"hret-{self.name}")
            return self._pool

    def _with_retries(self, fn: Callable[[Any], T], item: Any) -> T | RequestError:
        attempt = 0
        while True:
            try:
                return fn(item)
            except Exception as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    return self._failure(exc, attempt)
                time.sleep(wait)
                attempt += 1

    def _retry_wait(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying after ``exc`` (counted as a retry), or
        None when the request has failed for good."""
        retryable, retry_after = self._classify(exc)
        if not retryable or attempt >= self.retry.max_retries:
            return None
        self._usage.add(retries=1)
        return self.retry.delay(attempt, retry_after)

    def _failure(self, exc: BaseException, attempt: int) -> RequestError:
        self._usage.add(failures=1)
        tries = f" after {attempt + 1} attempts" if attempt else ""
        kind = exc.kind if isinstance(exc, StatusError) else type(exc).__name__
        return RequestError(self._key.scrub(f"{kind}{tries}: {exc}"))

    def _record(self, prompt_tokens: Any, completion_tokens: Any) -> None:
        self._usage.add(requests=1, prompt_tokens=_count(prompt_tokens),
                        completion_tokens=_count(completion_tokens))

    def __repr__(self) -> str:  # never shows the key
        identity = getattr(self, "identity", None)
        return f"{type(self).__name__}({identity() if callable(identity) else ''})"


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def as_messages(item: Any, system_prompt: str | None) -> list[dict[str, str]]:
    """Chat messages for a prompt: text becomes one user message."""
    if isinstance(item, str):
        messages = [{"role": "user", "content": item}]
    elif isinstance(item, Sequence) and all(isinstance(m, Mapping) for m in item):
        messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in item]
    else:
        raise TypeError(f"prompt {item!r:.80} is a {type(item).__name__}; expected text or chat messages")
    if system_prompt and messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def public_url(url: str | None) -> str | None:
    """``url`` without user info or query string, which may hold credentials."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
