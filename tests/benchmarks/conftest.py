"""Fixtures of the benchmark-pack tests: private Hugging Face caches and a tiny LM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.tiny_backend import TinyLM


@pytest.fixture(autouse=True)
def hf_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty ``datasets`` and hub caches per test: nothing cached elsewhere is found,
    nothing is written outside ``tmp_path``."""
    import datasets
    import huggingface_hub.constants

    caches = {"datasets": tmp_path / "hf-datasets", "hub": tmp_path / "hf-hub"}
    monkeypatch.setenv("HF_DATASETS_CACHE", str(caches["datasets"]))
    monkeypatch.setenv("HF_HUB_CACHE", str(caches["hub"]))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", caches["datasets"])
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(caches["hub"]))
    return caches


@pytest.fixture(scope="session")
def tiny_lm_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_model import build_tiny_causal_lm

    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def tiny_lm(tiny_lm_path: Path) -> TinyLM:
    return TinyLM(tiny_lm_path)
