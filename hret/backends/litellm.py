"""The ``litellm`` backend: many hosted providers through LiteLLM (optional extra).

``LiteLLMBackend("<provider>/<model>")`` or, for any OpenAI-protocol server,
``LiteLLMBackend("openai/my-model", base_url="http://host/v1")``. Concurrency,
retries (honouring ``Retry-After``), input order and usage work as in the
``openai`` backend; LiteLLM's own retries are off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hret.backends.base import GenerationSettings, truncate_at_stop
from hret.backends.openai_compat import classify
from hret.backends.remote import MalformedResponse, RemoteBackend, RetryPolicy, as_messages, public_url
from hret.errors import ConfigError, require

OPTIONS = ("model", "base_url", "api_key", "system_prompt", "max_concurrency", "timeout",
           "max_retries", "backoff_base", "backoff_max", "extra_body")


class LiteLLMBackend(RemoteBackend):
    """A model named the LiteLLM way (``provider/model``). Keys come from
    ``api_key`` or the provider's usual environment variable."""

    name = "litellm"

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 system_prompt: str | None = None, max_concurrency: int = 32,
                 timeout: float = 60.0, max_retries: int = 5, backoff_base: float = 0.5,
                 backoff_max: float = 30.0, extra_body: Mapping[str, Any] | None = None,
                 **generation: Any) -> None:
        require("litellm", "litellm")
        # the bundled price map, not a download at import time
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm
        import litellm.exceptions as errors
        import openai

        if not isinstance(model, str) or not model:
            raise ConfigError(f"litellm backend: model={model!r} must be a LiteLLM model name, "
                              "e.g. 'openai/gpt-4o-mini'")
        settings = GenerationSettings.build(generation, owner="litellm backend",
                                            other_options=OPTIONS)
        from hret.secrets import register_url

        register_url(base_url)
        super().__init__(api_key=api_key, max_concurrency=max_concurrency, timeout=timeout,
                         retry=RetryPolicy(max_retries, backoff_base, backoff_max), settings=settings)
        self.model = model
        self.base_url = base_url
        self.system_prompt = system_prompt
        self.extra_body = dict(extra_body or {})
        self.label = model
        litellm.suppress_debug_info = True  # else every failed request prints a help banner
        self._completion = litellm.completion
        self._status_error = openai.APIStatusError
        self._transient = (openai.APITimeoutError, openai.APIConnectionError, errors.Timeout,
                           errors.APIConnectionError, errors.ServiceUnavailableError)

    def identity(self) -> dict[str, str]:
        return {"backend": self.name, "model": self.model,
                "base_url": public_url(self.base_url) or "", "system_prompt": self.system_prompt or ""}

    def _request(self, item: Any, settings: GenerationSettings) -> str:
        body: dict[str, Any] = {"max_tokens": settings.max_new_tokens,
                                "temperature": settings.temperature if settings.sampling else 0.0}
        if settings.sampling:
            body["top_p"] = settings.top_p
            if settings.seed is not None:
                body["seed"] = settings.seed
        if settings.stop:
            body["stop"] = list(settings.stop)
        response = self._completion(
            model=self.model, messages=as_messages(item, self.system_prompt),
            api_base=self.base_url, api_key=self._key.reveal(), timeout=self.timeout,
            num_retries=0, **body, **self.extra_body,
        )
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            raise MalformedResponse(f"response has no message: {response!r:.200}") from None
        usage = getattr(response, "usage", None)
        self._record(getattr(usage, "prompt_tokens", 0), getattr(usage, "completion_tokens", 0))
        return truncate_at_stop(content or "", settings.stop)

    def _classify(self, exc: BaseException) -> tuple[bool, float | None]:
        return classify(exc, self._status_error, self._transient)
