"""Fixtures of the backend tests: a tiny transformers model and a local OpenAI-protocol server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.openai_server import OpenAIServer


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from tests.tiny_model import build_tiny_causal_lm

    torch.set_num_threads(1)
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def hf_backend(tiny_model_path: Path) -> Any:
    """Greedy, 8 new tokens, forward batches of 3 (so batches mix lengths)."""
    from hret.backends.huggingface import HuggingFaceBackend

    return HuggingFaceBackend(tiny_model_path, max_new_tokens=8, batch_size=3)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running
