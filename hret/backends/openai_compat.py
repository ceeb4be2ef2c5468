"""The ``openai`` backend: any server speaking the OpenAI protocol (OpenAI,
vLLM, TGI, SGLang, Ollama, hosted APIs), or several replicas of one.

``OpenAIBackend("my-model", base_url="http://localhost:8000/v1")``, or
``base_url=["http://gpu1:8000/v1", "http://gpu2:8000/v1"]`` for replicas of the
same model: each request goes to the replica with the fewest outstanding, and
one that stops answering is taken out and tried again later. Chat
(``api="chat"``, default) or completions (``api="completions"``); up to
``max_concurrency`` requests in flight; retries with backoff on 429, 408/409,
5xx, timeouts, connection errors and malformed bodies, waiting at least what
``Retry-After`` asks; ``timeout`` seconds per request. ``loglikelihood`` uses
completions with ``echo`` and prompt log-probs (vLLM supports it).

Requests go through hret's own asyncio HTTP/1.1 client (:mod:`hret.backends.http`)
on one event-loop thread: about a tenth of a millisecond of CPU per request.
"""

from __future__ import annotations

import asyncio
import json
import os
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from hret.backends.base import GenerationSettings, truncate_at_stop
from hret.backends.http import ConnectionFailed, LoopThread, ReplicaSet, StatusError
from hret.backends.remote import (
    MalformedResponse,
    RemoteBackend,
    RequestError,
    RetryPolicy,
    as_messages,
    parse_retry_after,
    public_url,
)
from hret.errors import ConfigError

APIS = ("chat", "completions")
OPTIONS = ("model", "base_url", "api_key", "api", "system_prompt", "max_concurrency", "timeout",
           "max_retries", "backoff_base", "backoff_max", "extra_body", "default_headers")
RETRY_STATUS = frozenset({408, 409, 429})
OPENAI_URL = "https://api.openai.com/v1"


class OpenAIBackend(RemoteBackend):
    """A model behind one or more OpenAI-protocol endpoints. The API key comes
    from ``api_key`` or ``OPENAI_API_KEY``; it is never part of results, logs or
    ``identity()``. ``usage()["replicas"]`` counts, per base URL, the requests
    answered, the failures and how often it was taken out."""

    name = "openai"

    def __init__(self, model: str, *, base_url: str | Sequence[str] | None = None,
                 api_key: str | None = None, api: str = "chat", system_prompt: str | None = None,
                 max_concurrency: int = 64, timeout: float = 60.0, max_retries: int = 5,
                 backoff_base: float = 0.5, backoff_max: float = 30.0,
                 extra_body: Mapping[str, Any] | None = None,
                 default_headers: Mapping[str, str] | None = None, **generation: Any) -> None:
        if not isinstance(model, str) or not model:
            raise ConfigError(f"openai backend: model={model!r} must be the model name the server serves")
        if api not in APIS:
            raise ConfigError(f"openai backend: api={api!r}; expected one of {', '.join(APIS)}")
        settings = GenerationSettings.build(generation, owner="openai backend", other_options=OPTIONS)
        urls = _urls(base_url)
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key and base_url is None:
            raise ConfigError(
                "openai backend: no API key. Pass api_key=..., set OPENAI_API_KEY, or pass "
                "base_url=... for a local server that needs none."
            )
        from hret.secrets import register_headers, register_url

        register_headers(default_headers)
        for url in urls:
            register_url(url)
        super().__init__(api_key=key, max_concurrency=max_concurrency, timeout=timeout,
                         retry=RetryPolicy(max_retries, backoff_base, backoff_max), settings=settings)
        self.model = model
        self.base_url = urls[0] if len(urls) == 1 else urls
        self.api = api
        self.system_prompt = system_prompt
        self.extra_body = dict(extra_body or {})
        self.label = model
        headers = dict(default_headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._replicas = ReplicaSet(urls, headers, self.timeout)
        self._loop = LoopThread(f"hret-{self.name}")
        self._slots: asyncio.Semaphore | None = None
        self._closer = self._on_collect()

    def _on_collect(self) -> weakref.finalize[Any, Any]:
        """Close the connections and stop the loop when the backend is closed or
        garbage-collected (a backend nobody closed leaves no socket open)."""
        return weakref.finalize(self, self._loop.close, self._replicas.aclose)

    def identity(self) -> dict[str, str]:
        urls = [public_url(r.url) or r.url for r in self._replicas.replicas]
        return {"backend": self.name, "model": self.model, "api": self.api,
                "base_url": " ".join(urls), "system_prompt": self.system_prompt or ""}

    def usage(self) -> dict[str, Any]:
        totals: dict[str, Any] = super().usage()
        if len(self._replicas.replicas) > 1:
            totals["replicas"] = {public_url(url) or url: counts
                                  for url, counts in self._replicas.counts().items()}
        return totals

    def close(self) -> None:
        super().close()
        self._closer()
        self._closer = self._on_collect()
        self._slots = None  # bound to the closed loop; a later call starts a new one

    # -- machinery -------------------------------------------------------------------
    def generate(self, inputs: Sequence[Any], **params: Any) -> list[Any]:
        """One output per input, in input order; a failed request's slot holds
        its :class:`RequestError`."""
        settings = GenerationSettings.build(params, self.settings, owner=self.name)
        return self._map_async(lambda item: self._request(item, settings), inputs)

    def _map_async(self, fn: Callable[[Any], Awaitable[Any]], items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        return self._results(self._loop.run(self._gather(fn, items)))

    async def _gather(self, fn: Callable[[Any], Awaitable[Any]], items: Sequence[Any]) -> list[Any]:
        if self._slots is None:  # made on the loop, shared by every call
            self._slots = asyncio.Semaphore(self.max_concurrency)
        slots = self._slots

        async def one(item: Any) -> Any:
            async with slots:
                attempt = 0
                while True:
                    try:
                        return await fn(item)
                    except Exception as exc:
                        wait = self._retry_wait(exc, attempt)
                        if wait is None:
                            return self._failure(exc, attempt)
                        await asyncio.sleep(wait)
                        attempt += 1

        return list(await asyncio.gather(*(one(item) for item in items)))

    # -- generation ------------------------------------------------------------------
    async def _request(self, item: Any, settings: GenerationSettings) -> str:  # type: ignore[override]
        body = self._sampling(settings)
        if self.api == "chat":
            body["messages"] = as_messages(item, self.system_prompt)
            choice = await self._post("/chat/completions", body)
            message = choice.get("message")
            content = message.get("content") if isinstance(message, Mapping) else None
            if content is not None and not isinstance(content, str):
                raise MalformedResponse(f"chat choice content is not text: {choice!r:.200}")
            if message is None:
                raise MalformedResponse(f"chat choice has no message: {choice!r:.200}")
            text = content or ""
        else:
            if not isinstance(item, str):
                raise TypeError("api='completions' takes text prompts; this one is chat messages. "
                                "Use api='chat'.")
            body["prompt"] = item
            completion = (await self._post("/completions", body)).get("text")
            if not isinstance(completion, str):
                raise MalformedResponse(f"completion choice has no text: {completion!r:.200}")
            text = completion
        return truncate_at_stop(text, settings.stop)

    async def _post(self, path: str, body: dict[str, Any]) -> Mapping[str, Any]:
        """POST to the least busy replica and return the first choice."""
        payload = json.dumps({"model": self.model, **body, **self.extra_body},
                             ensure_ascii=False).encode()
        replicas = self._replicas
        response = await replicas.post(path, payload, replicas.pick())
        if response.status >= 300:
            raise StatusError(response.status, response.headers, response.body)
        try:
            data = json.loads(response.body)
        except ValueError:
            raise MalformedResponse(f"response is not JSON: {response.body[:200]!r}") from None
        if not isinstance(data, dict):
            raise MalformedResponse(f"response is not a JSON object: {data!r:.200}")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise MalformedResponse(f"response has no choices: {data!r:.200}")
        usage = data.get("usage")
        usage = usage if isinstance(usage, Mapping) else {}
        self._record(usage.get("prompt_tokens"), usage.get("completion_tokens"))
        return choices[0]

    def _sampling(self, settings: GenerationSettings) -> dict[str, Any]:
        body: dict[str, Any] = {"max_tokens": settings.max_new_tokens}
        if settings.sampling:
            body.update(temperature=settings.temperature, top_p=settings.top_p)
            if settings.seed is not None:
                body["seed"] = settings.seed
            if settings.top_k is not None:
                body["top_k"] = settings.top_k  # not in the OpenAI API; vLLM and TGI read it
        else:
            body["temperature"] = 0.0
        if settings.stop:
            body["stop"] = list(settings.stop)
        return body

    # -- log-likelihood -----------------------------------------------------------------
    @property
    def scores_by_default(self) -> bool:
        """Chat servers (hosted APIs) seldom echo prompt log-probs: only a
        completions backend is scored by log-likelihood without being asked."""
        return self.api == "completions"

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[Any]:
        """``(log P(continuation | context), is_greedy)`` per request, read from
        the prompt log-probs of a completions request with ``echo=True``. Raises
        the first :class:`RequestError` when any request failed for good: a
        sample missing one option's score cannot be scored."""
        results = self._map_async(self._score, requests)
        failed = next((r for r in results if isinstance(r, RequestError)), None)
        if failed is not None:
            raise failed
        return results

    async def _score(self, request: tuple[str, str]) -> tuple[float, bool]:
        context, continuation = request
        if not isinstance(context, str):
            raise TypeError("openai loglikelihood takes text contexts, not chat messages")
        prompt = context + continuation
        choice = await self._post("/completions", {"prompt": prompt, "max_tokens": 1, "temperature": 0.0,
                                             "echo": True, "logprobs": 1})
        return continuation_logprob(choice.get("logprobs"), len(context), len(prompt))

    def _classify(self, exc: BaseException) -> tuple[bool, float | None]:
        return classify(exc, StatusError, (ConnectionFailed,))


def _urls(base_url: str | Sequence[str] | None) -> list[str]:
    if base_url is None:
        return [OPENAI_URL]
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    if not urls or not all(isinstance(u, str) and u for u in urls):
        raise ConfigError(f"openai backend: base_url={base_url!r} must be a URL or a list of URLs "
                          "(replicas of the same model), e.g. http://localhost:8000/v1")
    if len(set(urls)) != len(urls):
        raise ConfigError(f"openai backend: base_url lists a URL twice: {base_url!r}")
    return urls


def classify(exc: BaseException, status_error: type[BaseException],
             transient: tuple[type[BaseException], ...]) -> tuple[bool, float | None]:
    """``(retryable, retry_after)`` for an error of an OpenAI-protocol client."""
    if isinstance(exc, MalformedResponse) or isinstance(exc, transient):
        return True, None
    status = getattr(exc, "status_code", None)
    if isinstance(exc, status_error) or isinstance(status, int):
        headers = getattr(exc, "headers", None) or getattr(getattr(exc, "response", None), "headers", None)
        retryable = isinstance(status, int) and (status in RETRY_STATUS or status >= 500)
        return retryable, parse_retry_after(headers) if retryable else None
    # a 2xx body that is not JSON, or JSON of another shape
    if type(exc).__name__ in ("JSONDecodeError", "APIResponseValidationError", "ValidationError"):
        return True, None
    return False, None


def continuation_logprob(logprobs: Any, context_chars: int, prompt_chars: int) -> tuple[float, bool]:
    """Sum the echoed prompt log-probs of the tokens that cover the continuation.

    The continuation starts with the token that contains character
    ``context_chars`` of the prompt; tokens at ``prompt_chars`` or later were
    generated, not echoed.
    """
    logprobs = logprobs if isinstance(logprobs, Mapping) else {}
    tokens = logprobs.get("tokens")
    values = logprobs.get("token_logprobs")
    offsets = logprobs.get("text_offset")
    if not (isinstance(tokens, list) and isinstance(values, list) and isinstance(offsets, list)) \
            or not len(tokens) == len(values) == len(offsets) or not tokens:
        raise MalformedResponse(
            "the server returned no prompt log-probs (completions with echo=True, logprobs=1); "
            "use a server that supports them (e.g. vLLM) or the huggingface backend"
        )
    first = max((i for i, off in enumerate(offsets) if off <= context_chars), default=0)
    top = logprobs.get("top_logprobs") or []
    total = 0.0
    greedy = True
    for i in range(first, len(tokens)):
        if offsets[i] >= prompt_chars:
            break
        total += float(values[i] or 0.0)
        alternatives = top[i] if i < len(top) else None
        if isinstance(alternatives, Mapping) and alternatives:
            greedy = greedy and max(alternatives, key=lambda t: alternatives[t]) == tokens[i]
        else:
            greedy = False
    return total, greedy
