"""The litellm backend against the local OpenAI-protocol server."""

from __future__ import annotations

import gc
import importlib.util

import pytest

from hret.backends.remote import RequestError
from tests.openai_server import Behaviour, OpenAIServer

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("litellm") is None,
                       reason="litellm is not installed (pip install 'pytest-hret[litellm]')"),
    # LiteLLM leaves sockets of failed requests to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def test_litellm_generates_in_order_with_retries_and_usage() -> None:
    from hret.backends.litellm import LiteLLMBackend

    with OpenAIServer() as server:
        backend = LiteLLMBackend("openai/tiny", base_url=server.base_url, api_key="sk-litellm-KEY",
                                 max_concurrency=8, backoff_base=0.01, max_retries=2)
        prompts = [f"q{i}" for i in range(12)]
        assert backend.generate(prompts) == [f"echo: {p}" for p in prompts]
        server.queue(Behaviour(status=429, retry_after="0"), Behaviour(status=503))
        assert backend.generate(["again"]) == ["echo: again"]
        server.rule("auth", Behaviour(echo_auth=True))
        out = backend.generate(["auth please", "fine"])
    assert isinstance(out[0], RequestError) and "sk-litellm-KEY" not in str(out[0])
    assert out[1] == "echo: fine"
    assert backend.usage()["requests"] == 14 and backend.usage()["retries"] == 2
    assert backend.identity() == {"backend": "litellm", "model": "openai/tiny",
                                  "base_url": server.base_url, "system_prompt": ""}
    assert all(s.headers["authorization"] == "Bearer sk-litellm-KEY" for s in server.seen)
    # collect those sockets now, under this test's filters, not during a later test
    gc.collect()
