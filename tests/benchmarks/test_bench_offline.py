"""Offline behaviour: the datasets cache, the hub cache, and a fast, clear failure."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.errors import DatasetError
from tests.benchmarks.hub_files import into_datasets_cache, kmmlu_row, write_csv, write_parquet

BENCHMARKS: list[tuple[str, dict[str, Any], str]] = [
    ("kmmlu", {}, "HAERAE-HUB/KMMLU"),
    ("kmmlu-hard", {}, "HAERAE-HUB/KMMLU-HARD"),
    ("haerae", {}, "HAERAE-HUB/HAE_RAE_BENCH_1.1"),
    ("haerae", {"version": "1.0"}, "HAERAE-HUB/HAE_RAE_BENCH"),
    ("click", {}, "EunsuKim/CLIcK"),
    ("kobest", {}, "skt/kobest_v1"),
    ("kormedmcqa", {}, "sean0042/KorMedMCQA"),
    ("hrm8k", {}, "HAERAE-HUB/HRM8K"),
    ("benchhub", {}, "BenchHub/BenchHub-Ko"),
    ("hf", {"path": "me/mine", "column_map": {"input": "q", "reference": "a"}}, "me/mine"),
]


@pytest.mark.parametrize(("name", "params", "repo"), BENCHMARKS)
def test_offline_without_data_fails_with_the_ways_out(name: str, params: dict[str, Any],
                                                      repo: str) -> None:
    with pytest.raises(DatasetError) as info:
        hret.load_dataset(name, **params)
    message = str(info.value)
    assert f"Dataset {name if name != 'hf' else 'hf:me/mine'!r} ({repo}" in message
    assert "HF_DATASETS_OFFLINE=1 is set" in message
    assert "datasets cache" in message and "hub cache" in message
    assert f"datasets.load_dataset('{repo}'" in message
    assert "dataset_params={'data_dir':" in message and "dataset='ko-sample'" in message


def test_evaluation_context_reports_the_same_error() -> None:
    with hret.evaluation_context(dataset="kormedmcqa") as ctx:
        with pytest.raises(DatasetError, match="ways out|Ways out"):
            ctx.evaluate(lambda prompt: "정답: A")


def test_pack_loads_on_first_dataset_lookup_and_fails_without_datasets(tmp_path: Path) -> None:
    code = (
        "import sys, hret\n"
        "hret.get_evaluator('math_match')\n"
        "assert {'log_likelihood', 'llm_judge', 'macro_f1'} <= set(hret.methods.EVALUATORS.names())\n"
        "assert 'hret.benchmarks.kmmlu' not in sys.modules\n"
        "try:\n    hret.load_dataset('kmmlu')\nexcept hret.DatasetError as e:\n    print(e)\n"
        "assert 'hret.benchmarks.kmmlu' in sys.modules and 'hret.benchmarks.haerae' not in sys.modules\n"
        "print('datasets imported:', 'datasets' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={**_env(tmp_path)})
    assert "Ways out" in out.stdout and "datasets imported: False" in out.stdout


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_CACHE": str(tmp_path / "ds"),
            "HF_HUB_CACHE": str(tmp_path / "hub")}


def _cache_math(tmp_path: Path, cache: Path) -> None:
    rows = {"test": [kmmlu_row("3 곱하기 3은?", ["6", "9", "12", "3"], 2, "STEM")],
            "dev": [kmmlu_row("2 곱하기 2는?", ["4", "2", "8", "6"], 1, "STEM")]}
    files = {split: write_csv(tmp_path / "src" / f"Math-{split}.csv", r) for split, r in rows.items()}
    into_datasets_cache(cache, "HAERAE-HUB/KMMLU", "Math", files)


def test_offline_reads_the_datasets_cache(tmp_path: Path, hf_caches: dict[str, Path]) -> None:
    _cache_math(tmp_path, hf_caches["datasets"])
    data = hret.load_dataset("kmmlu", subset="Math")
    assert [(s.input, s.reference, s.options, s.category) for s in data] == [
        ("3 곱하기 3은?", "B", ("6", "9", "12", "3"), "STEM")]
    assert [s.input for s in data.fewshot_pool] == ["2 곱하기 2는?"]
    assert data.info["source"] == "HAERAE-HUB/KMMLU from the datasets cache"
    with pytest.raises(DatasetError, match="Korean-History/test"):
        hret.load_dataset("kmmlu", subset=["Math", "Korean-History"])


def test_offline_reads_a_hub_cache_snapshot(hf_caches: dict[str, Path]) -> None:
    repo_dir = hf_caches["hub"] / "datasets--sean0042--KorMedMCQA"
    snapshot = repo_dir / "snapshots" / "1a2b3c"
    row = {"subject": "nurse", "year": 2022, "period": 1, "q_number": 3, "question": "손 씻기의 목적은?",
           "A": "감염 예방", "B": "체온 유지", "C": "혈압 측정", "D": "영양 공급", "E": "수면 유도",
           "answer": 1, "cot": ""}
    write_parquet(snapshot / "nurse" / "test-00000-of-00001.parquet", [row])
    write_parquet(snapshot / "nurse" / "fewshot-00000-of-00001.parquet", [row])
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text("1a2b3c", encoding="utf-8")
    data = hret.load_dataset("kormedmcqa", subset="nurse")
    assert [(s.input, s.reference) for s in data] == [("손 씻기의 목적은?", "A")]
    assert data.revision == "1a2b3c" and str(snapshot) in data.info["source"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def unreachable_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online by the environment, but the hub endpoint refuses connections."""
    import datasets

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")


@pytest.mark.usefixtures("unreachable_hub")
def test_unreachable_hub_fails_fast_or_reads_the_cache(tmp_path: Path,
                                                       hf_caches: dict[str, Path]) -> None:
    import datasets

    with pytest.raises(DatasetError, match=r"127\.0\.0\.1:\d+ did not answer for HAERAE-HUB/KMMLU "
                                          r"within 0\.8 s \(ConnectionRefusedError\).*Ways out"):
        hret.load_dataset("kmmlu", subset="Math")
    _cache_math(tmp_path, hf_caches["datasets"])
    data = hret.load_dataset("kmmlu", subset="Math")
    assert [s.reference for s in data] == ["B"]
    assert datasets.config.HF_HUB_OFFLINE is False  # offline only while reading the cache
