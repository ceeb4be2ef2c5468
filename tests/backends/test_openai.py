"""The openai backend over real HTTP against the local OpenAI-protocol server."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.backends.openai_compat import OpenAIBackend
from hret.backends.remote import RequestError, public_url
from hret.errors import ConfigError
from tests.backends.helpers import answer_key
from tests.openai_server import Behaviour, OpenAIServer, expected_loglikelihood

FAST_RETRY = {"backoff_base": 0.01, "backoff_max": 0.05}


#: backends a test opened; closed after it, so no keep-alive socket is left to the
#: garbage collector (whose ResourceWarning would then fail whichever test runs next)
OPENED: list[OpenAIBackend] = []


@pytest.fixture(autouse=True)
def _close_backends() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def backend(server: OpenAIServer, **params: Any) -> OpenAIBackend:
    made = OpenAIBackend("tiny", base_url=server.base_url, api_key="sk-test", **{**FAST_RETRY, **params})
    OPENED.append(made)
    return made


def test_chat_and_completions_keep_input_order_under_concurrency() -> None:
    def slow_echo(prompt: str) -> str:
        time.sleep(random.random() * 0.01)  # answers come back out of order
        return f"answer to {prompt}"

    prompts = [f"question {i}" for i in range(120)]
    with OpenAIServer(slow_echo) as server:
        chat = backend(server, max_concurrency=16)
        assert chat.generate(prompts) == [f"answer to {p}" for p in prompts]
        assert 1 < server.max_in_flight <= 16
        completions = backend(server, api="completions", max_concurrency=16)
        assert completions.generate(prompts[:20]) == [f"answer to {p}" for p in prompts[:20]]
    assert {s.path for s in server.seen} == {"/v1/chat/completions", "/v1/completions"}
    assert server.seen[0].body["temperature"] == 0.0  # greedy by default
    usage = chat.usage()
    assert usage["requests"] == 120 and usage["prompt_tokens"] == 240


def test_429_waits_at_least_retry_after(server: OpenAIServer) -> None:
    server.queue(Behaviour(status=429, retry_after="1"))
    assert backend(server).generate(["hello"]) == ["echo: hello"]
    first, second = server.seen
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.95  # the backoff alone would be ~0.01 s


def test_500s_are_retried_then_fail_only_their_own_slot(server: OpenAIServer) -> None:
    server.queue(Behaviour(status=500), Behaviour(status=503))
    assert backend(server).generate(["a"]) == ["echo: a"]
    server.rule("doomed", Behaviour(status=500))
    out = backend(server, max_retries=2).generate(["fine", "doomed", "also fine"])
    assert out[0] == "echo: fine" and out[2] == "echo: also fine"
    assert isinstance(out[1], RequestError) and "after 3 attempts" in str(out[1])
    with pytest.raises(RequestError, match="InternalServerError"):
        backend(server, max_retries=1).generate(["doomed"])  # the whole call failed


def test_client_errors_are_not_retried(server: OpenAIServer) -> None:
    server.queue(Behaviour(status=400))
    with pytest.raises(RequestError, match="BadRequestError"):
        backend(server).generate(["x"])
    assert len(server.seen) == 1


def test_slow_responses_time_out_and_are_retried(server: OpenAIServer) -> None:
    server.queue(Behaviour(delay=2.0))
    assert backend(server, timeout=0.3).generate(["slow"]) == ["echo: slow"]
    assert len(server.seen) == 2


@pytest.mark.parametrize("kind", ["json", "shape"])
def test_malformed_bodies_are_retried(server: OpenAIServer, kind: str) -> None:
    server.queue(Behaviour(malformed=kind))
    assert backend(server).generate(["m"]) == ["echo: m"]
    server.rule("broken", Behaviour(malformed=kind))
    with pytest.raises(RequestError):
        backend(server, max_retries=1).generate(["broken"])


def test_a_failed_request_is_an_error_record_never_a_wrong_answer() -> None:
    with OpenAIServer(answer_key) as server:
        doomed = str(hret.load_dataset("ko-sample").samples[5].input)
        server.rule(doomed, Behaviour(status=500))
        result = hret.quick_eval(backend(server, max_retries=1), dataset="ko-sample")
    failed = [r for r in result.samples if r["error"]]
    assert [r["index"] for r in failed] == [5]
    assert failed[0]["score"] is None and "InternalServerError" in failed[0]["error"]
    assert result.metrics["error_count"] == 1 and result.metrics["n"] == 99
    assert result.metrics["accuracy"] == 1.0  # the failure did not count as wrong
    assert result.info["usage"]["requests"] == 99 and result.info["usage"]["failures"] == 1
    assert result.info["backend"]["base_url"] == server.base_url


def test_loglikelihood_from_prompt_logprobs(server: OpenAIServer) -> None:
    requests = [("질문: 값은? 정답:", " A"), ("Question: what is", " the answer"),
                ("정답:", " B"), ("x", " y z")]
    got = backend(server).loglikelihood(requests)
    assert got == [pytest.approx(expected_loglikelihood(c, k)) for c, k in requests]
    bodies = [s.body for s in server.seen]
    assert all(b["echo"] is True and b["logprobs"] == 1 for b in bodies)
    assert sorted(b["prompt"] for b in bodies) == sorted(c + k for c, k in requests)


def test_loglikelihood_without_prompt_logprobs_is_a_clear_error(server: OpenAIServer) -> None:
    server.rule("no-logprobs", Behaviour(malformed="shape"))
    with pytest.raises(RequestError, match="response has no choices"):
        backend(server, max_retries=0).loglikelihood([("no-logprobs", " x")])


def test_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="no API key"):
        OpenAIBackend("gpt-x")
    with pytest.raises(ConfigError, match="api='embeddings'"):
        OpenAIBackend("m", base_url="http://127.0.0.1:9/v1", api="embeddings")
    with pytest.raises(ConfigError, match="max_concurrency"):
        OpenAIBackend("m", base_url="http://127.0.0.1:9/v1", max_concurrency=0)
    assert public_url("https://user:pw@host:8443/v1?key=abc") == "https://host:8443/v1"


SECRET = "sk-hret-TOPSECRET-0123456789"


def test_api_key_is_absent_from_every_output(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    events: list[str] = []

    class Recording(hret.Sink):
        def on_run_start(self, event: Any) -> None:
            events.append(repr(event))

        def on_result(self, event: Any) -> None:
            events.append(repr(event) + json.dumps(event.result.to_dict(), default=str))

        def on_run_end(self, event: Any) -> None:
            events.append(repr(event))

    caplog.set_level(logging.DEBUG)
    with OpenAIServer(answer_key) as server:
        # this server repeats the key in its 401 message, as some providers do
        first = hret.load_dataset("ko-sample", limit=10).samples[0]
        server.rule(str(first.input), Behaviour(echo_auth=True))
        model = OpenAIBackend("tiny", base_url=server.base_url, api_key=SECRET)
        OPENED.append(model)
        with hret.evaluation_context(run_name="secret-check", cache=str(tmp_path / "c.sqlite"),
                                     dataset="ko-sample", limit=10) as ctx:
            ctx.add_sink(Recording())
            result = ctx.evaluate(model)
            ctx.save_results(tmp_path / "explicit.json")
    assert any(s.headers.get("authorization") == f"Bearer {SECRET}" for s in server.seen)
    assert result.metrics["error_count"] == 1 and "***" in result.samples[0]["error"]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in written) and any("sqlite" in p.name for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    texts = [json.dumps(result.to_dict(), default=str), repr(result.info), repr(model),
             caplog.text, *events]
    assert events and all(SECRET not in text for text in texts)


def test_a_closed_backend_works_again_on_a_fresh_loop(server: OpenAIServer) -> None:
    model = backend(server)
    assert model.generate(["one"]) == ["echo: one"]
    model.close()
    assert model.generate(["two", "three"]) == ["echo: two", "echo: three"]
    assert model.usage()["requests"] == 3
