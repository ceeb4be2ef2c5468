"""The vllm backend: real on a GPU machine with vllm installed, a clear error elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from hret.backends.vllm import gpu_problem
from hret.errors import HretError

PROBLEM = gpu_problem()


@pytest.mark.skipif(PROBLEM is not None, reason=f"vllm backend cannot run here: {PROBLEM}")
def test_vllm_generates_and_scores(tiny_model_path: Path) -> None:
    from hret.backends.vllm import VLLMBackend

    backend = VLLMBackend(tiny_model_path, max_new_tokens=4, gpu_memory_utilization=0.2)
    outputs = backend.generate(["hi", "정답"])
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
    scores = backend.loglikelihood([("질문: 값은? 정답:", " A"), ("질문: 값은? 정답:", " B")])
    assert len(scores) == 2 and all(lp < 0 for lp, _ in scores)


@pytest.mark.skipif(PROBLEM is None, reason="vllm can run here; the error path does not apply")
def test_vllm_elsewhere_is_a_clear_error() -> None:
    from hret.backends.registry import create_backend

    with pytest.raises(HretError) as info:
        create_backend("vllm", model="any")
    message = str(info.value)
    assert "pip install 'pytest-hret[vllm]'" in message or "CUDA GPU" in message
