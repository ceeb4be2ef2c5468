"""The vllm backend: in process on a GPU machine with vllm installed (skipped
elsewhere, with the reason), and in server mode against local servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hret.backends.vllm import VLLMBackend, gpu_problem
from hret.errors import HretError
from tests.openai_server import OpenAIServer, expected_loglikelihood

PROBLEM = gpu_problem()
REQUESTS = [("질문: 값은? 정답:", " A"), ("질문: 값은? 정답:", " B"), ("what is the value", " of math")]


@pytest.fixture(scope="module")
def gpu_sized_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_model import build_tiny_causal_lm

    # heads of 64: the smallest size every vLLM attention kernel takes
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-gpu"), hidden_size=128, heads=2,
                                kv_heads=1)


@pytest.mark.skipif(PROBLEM is not None, reason=f"vllm backend cannot run here: {PROBLEM}")
def test_vllm_generates_and_scores_like_transformers(gpu_sized_model: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    backend = VLLMBackend(gpu_sized_model, max_new_tokens=6, gpu_memory_utilization=0.2,
                          dtype="float32", max_model_len=512, chat_template=False,
                          engine_args={"enforce_eager": True})
    reference = HuggingFaceBackend(gpu_sized_model, max_new_tokens=6, dtype="float32",
                                   chat_template=False)
    prompts = ["hi", "정답", "what is the answer of"]
    assert backend.generate(prompts) == reference.generate(prompts)
    got = backend.loglikelihood(REQUESTS)
    expected = reference.loglikelihood(REQUESTS)
    assert [g for _, g in got] == [g for _, g in expected]
    assert [v for v, _ in got] == [pytest.approx(v, abs=1e-2) for v, _ in expected]


@pytest.mark.skipif(PROBLEM is None, reason="vllm can run here; the error path does not apply")
def test_vllm_in_process_elsewhere_is_a_clear_error() -> None:
    with pytest.raises(HretError) as info:
        VLLMBackend("any")
    message = str(info.value)
    assert "pip install 'pytest-hret[vllm]'" in message or "CUDA GPU" in message


def test_vllm_server_mode_spreads_over_replicas() -> None:
    with OpenAIServer(latency=0.005) as first, OpenAIServer(latency=0.005) as second:
        backend: Any = VLLMBackend("served", base_url=[first.base_url, second.base_url],
                                   max_concurrency=8, max_new_tokens=5)
        try:
            prompts = [f"q{i}" for i in range(40)]
            assert backend.generate(prompts) == [f"echo: {p}" for p in prompts]
            assert backend.loglikelihood(REQUESTS) == [pytest.approx(expected_loglikelihood(c, k))
                                                       for c, k in REQUESTS]
            usage = backend.usage()
        finally:
            backend.close()
    assert first.seen and second.seen
    assert first.seen[0].body["max_tokens"] == 5 or second.seen[0].body["max_tokens"] == 5
    assert sum(c["requests"] for c in usage["replicas"].values()) == 40 + len(REQUESTS)
    assert backend.identity()["backend"] == "vllm"
    assert backend.identity()["base_url"] == f"{first.base_url} {second.base_url}"
