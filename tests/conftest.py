"""Shared fixtures: every test runs in its own directory with default config."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import hret

# hret imports its public names on first use. Import them all now, in the
# test process itself: pytester's in-process runs drop the modules first
# imported inside them, and a class imported twice is two classes.
for _public in hret.__all__:
    getattr(hret, _public)

for _name, _value in {
    "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true",
    "WANDB_MODE": "offline", "WANDB_SILENT": "true", "TOKENIZERS_PARALLELISM": "false",
    "OMP_NUM_THREADS": "1",
}.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    hret.reset_config()
    hret.configure(output_dir=str(tmp_path / "hret_results"), progress=False)
    yield tmp_path
    hret.reset_config()
