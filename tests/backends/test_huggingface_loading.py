"""Loading the huggingface backend the ways people load checkpoints: a GGUF
file, a separate tokenizer, a PEFT adapter, model keyword arguments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hret.cli import main
from hret.errors import ConfigError

REQUESTS = [("질문: 2x + 6 = 20일 때 x의 값은? 정답:", " A"), ("질문: 2x + 6 = 20일 때 x의 값은? 정답:", " B"),
            ("what is the value", " of math history"), ("hi", " there"), ("x", " answer one")]


@pytest.fixture(scope="module")
def gguf_dir(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_model import write_tiny_gguf

    folder = tmp_path_factory.mktemp("gguf")
    write_tiny_gguf(tiny_model_path, folder / "tiny.gguf")
    write_tiny_gguf(tiny_model_path, folder / "tiny-q8.gguf", quantize="Q8_0")
    return folder


def test_gguf_scores_equal_the_plain_checkpoint(gguf_dir: Path, tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    plain = HuggingFaceBackend(tiny_model_path, chat_template=False, batch_size=2)
    gguf = HuggingFaceBackend(gguf_dir, gguf_file="tiny.gguf", chat_template=False, batch_size=2)
    # the tokenizer came from the GGUF file too, and tokenizes alike
    assert gguf.encoder.encode_pairs(REQUESTS) == plain.encoder.encode_pairs(REQUESTS)
    expected = plain.loglikelihood(REQUESTS)
    assert gguf.loglikelihood(REQUESTS) == [(pytest.approx(v, abs=1e-5), g) for v, g in expected]
    assert len({round(v, 3) for v, _ in expected}) == len(expected)  # distinct scores: a real check
    identity = gguf.identity()
    assert identity["gguf_file"] == "tiny.gguf" and identity["model"] == str(gguf_dir)
    assert "gguf_file" not in plain.identity()
    # the other file of the same folder is another model, for results and caches alike
    quantized = HuggingFaceBackend(gguf_dir, gguf_file="tiny-q8.gguf", chat_template=False)
    assert quantized.identity()["revision"] != identity["revision"]
    q8 = quantized.loglikelihood(REQUESTS)
    assert q8 != gguf.loglikelihood(REQUESTS)
    assert all(abs(a[0] - b[0]) < 0.5 for a, b in zip(q8, expected, strict=True))


def test_gguf_cache_converts_once(gguf_dir: Path, tiny_model_path: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    monkeypatch.setenv("HRET_CACHE_DIR", str(tmp_path))
    first = HuggingFaceBackend(gguf_dir, gguf_file="tiny.gguf", gguf_cache=True, chat_template=False)
    converted = list((tmp_path / "gguf").iterdir())
    assert len(converted) == 1 and (converted[0] / "model.safetensors").is_file()
    stamp = (converted[0] / "model.safetensors").stat().st_mtime_ns
    again = HuggingFaceBackend(gguf_dir, gguf_file="tiny.gguf", gguf_cache=True, chat_template=False)
    assert (converted[0] / "model.safetensors").stat().st_mtime_ns == stamp  # reused, not redone
    plain = HuggingFaceBackend(tiny_model_path, chat_template=False)
    assert again.loglikelihood(REQUESTS) == [(pytest.approx(v, abs=1e-5), g)
                                            for v, g in plain.loglikelihood(REQUESTS)]
    assert first.identity() == again.identity() and again.identity()["gguf_file"] == "tiny.gguf"


def test_hret_run_takes_gguf_file(gguf_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    code = main(["run", "--dataset", "ko-sample", "--backend", "huggingface",
                 "-p", f"model={gguf_dir}", "-p", "gguf_file=tiny.gguf", "-p", "batch_size=4",
                 "--method", "log_likelihood", "--limit", "4", "--output", str(output)])
    assert code == 0
    saved = json.loads(output.read_text())
    assert saved["metrics"]["n"] == 4 and saved["info"]["backend"]["gguf_file"] == "tiny.gguf"


def test_separate_tokenizer_model_kwargs_and_attention(tiny_model_path: Path, tmp_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    weights_only = tmp_path / "weights"
    weights_only.mkdir()
    for name in ("config.json", "generation_config.json", "model.safetensors"):
        shutil.copy(tiny_model_path / name, weights_only / name)
    plain = HuggingFaceBackend(tiny_model_path, chat_template=False)
    split = HuggingFaceBackend(weights_only, tokenizer=tiny_model_path, chat_template=False,
                               attn_implementation="eager", device_map="cpu",
                               model_kwargs={"low_cpu_mem_usage": True})
    assert split.model.config._attn_implementation == "eager"
    assert split.loglikelihood(REQUESTS) == [(pytest.approx(v, abs=1e-5), g)
                                             for v, g in plain.loglikelihood(REQUESTS)]
    identity = split.identity()
    assert identity["tokenizer"] == str(tiny_model_path)
    assert identity["attn_implementation"] == "eager" and identity["device_map"] == "cpu"
    assert json.loads(identity["model_kwargs"]) == {"low_cpu_mem_usage": True}
    with pytest.raises(ConfigError, match="model_kwargs repeats dtype"):
        HuggingFaceBackend(tiny_model_path, model_kwargs={"dtype": "float16"})
    with pytest.raises(ConfigError, match="must be a dict"):
        HuggingFaceBackend(tiny_model_path, model_kwargs="low_cpu_mem_usage")  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing:FutureWarning")
def test_peft_adapter_changes_scores_and_identity(tiny_model_path: Path, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from hret.backends.huggingface import HuggingFaceBackend

    base: Any = AutoModelForCausalLM.from_pretrained(tiny_model_path)
    adapted: Any = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                                   init_lora_weights=False))
    torch.manual_seed(0)
    adapted.save_pretrained(tmp_path / "adapter")
    merged = adapted.merge_and_unload()
    merged.save_pretrained(tmp_path / "merged")
    shutil.copy(tiny_model_path / "tokenizer.json", tmp_path / "merged")
    shutil.copy(tiny_model_path / "tokenizer_config.json", tmp_path / "merged")

    plain = HuggingFaceBackend(tiny_model_path, chat_template=False)
    with_adapter = HuggingFaceBackend(tiny_model_path, peft=tmp_path / "adapter", chat_template=False)
    reference = HuggingFaceBackend(tmp_path / "merged", chat_template=False)
    got = with_adapter.loglikelihood(REQUESTS)
    assert got == [(pytest.approx(v, abs=1e-4), g) for v, g in reference.loglikelihood(REQUESTS)]
    assert got != plain.loglikelihood(REQUESTS)
    assert with_adapter.identity()["peft"] == str(tmp_path / "adapter")
    assert with_adapter.identity()["peft_revision"].startswith("local:")
