"""The huggingface backend on a tiny Llama built by the tests (CPU, offline)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.errors import ConfigError, MissingDependencyError

PROMPTS = [
    "질문: 2x + 6 = 20일 때 x의 값은? 정답:",
    "hi",
    "what is the answer of math history science physics",
    "정답",
    "A B C D choose one of the value",
    "x",
    "다음 중 고르세요",
]


def manual_greedy(path: Path, text: str, max_new_tokens: int, chat: bool) -> str:
    """What plain transformers generates for one unpadded prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model: Any = AutoModelForCausalLM.from_pretrained(path)
    model.eval()
    if chat:
        text = str(tokenizer.apply_chat_template([{"role": "user", "content": text}],
                                                 tokenize=False, add_generation_prompt=True))
    ids = torch.tensor([tokenizer(text, add_special_tokens=not chat)["input_ids"]])
    with torch.inference_mode():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=max_new_tokens, pad_token_id=tokenizer.eos_token_id)
    return str(tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True))


def test_batched_equals_unbatched_under_left_padding(hf_backend: Any) -> None:
    batched = hf_backend.generate(PROMPTS)
    alone = [hf_backend.generate([p])[0] for p in PROMPTS]
    assert batched == alone
    assert len(set(batched)) > 3  # the prompts really lead to different texts


def test_only_new_tokens_are_returned_and_chat_template_is_applied(
        hf_backend: Any, tiny_model_path: Path) -> None:
    assert hf_backend.encoder.use_chat
    assert hf_backend.encoder.render("hi") == "<s><|user|>hi</s><|assistant|>"
    for prompt in PROMPTS[:3]:
        assert hf_backend.generate([prompt])[0] == manual_greedy(tiny_model_path, prompt, 8, True)


def test_chat_template_switch(tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    plain = HuggingFaceBackend(tiny_model_path, max_new_tokens=8, chat_template=False)
    assert plain.identity()["chat_template"] == "off"
    assert plain.generate(PROMPTS[:2]) == [manual_greedy(tiny_model_path, p, 8, False)
                                           for p in PROMPTS[:2]]
    with pytest.raises(ConfigError, match="applies no chat template"):
        plain.generate([[{"role": "user", "content": "hi"}]])
    custom = HuggingFaceBackend(tiny_model_path, chat_template="{{ messages[0]['content'] }}!")
    assert custom.encoder.render("hi") == "hi!"
    assert custom.identity()["chat_template"] not in ("off", plain.identity()["chat_template"])


def test_a_reference_prompt_is_generated_without_the_chat_template_unless_named(
        hf_backend: Any, tiny_model_path: Path) -> None:
    """lm-eval generates from its tasks' prompts without a chat template (no
    ``--apply_chat_template``): so does the backend, for PlainText prompts."""
    from hret.backends.huggingface import HuggingFaceBackend
    from hret.prompts import PlainText

    named = HuggingFaceBackend(tiny_model_path, max_new_tokens=8, chat_template=True)
    mixed = [PlainText(PROMPTS[0]), PROMPTS[1], PlainText(PROMPTS[2]), PROMPTS[3]]
    assert hf_backend.generate(mixed) == [manual_greedy(tiny_model_path, p, 8, not isinstance(p, PlainText))
                                          for p in mixed]
    assert named.generate(mixed[:3]) == [manual_greedy(tiny_model_path, p, 8, True) for p in mixed[:3]]
    assert manual_greedy(tiny_model_path, PROMPTS[0], 8, True) != manual_greedy(tiny_model_path, PROMPTS[0], 8, False)


def test_a_reference_evaluation_says_which_template_its_prompts_got(hf_backend: Any) -> None:
    from hret.benchmarks.harness import HarnessPrompt

    reference = HarnessPrompt(text="{question}", name="lm-eval:test", doc_to_text=lambda s: str(s.input),
                              reference="lm-eval test", generation={"max_new_tokens": 4})
    result = hret.quick_eval(hf_backend, dataset="ko-sample", limit=3, prompt_template=reference)
    assert result.info["chat_template"] == "off" and isinstance(result.samples[0]["prompt"], str)
    own = hret.quick_eval(hf_backend, dataset="ko-sample", limit=3)
    assert own.info["chat_template"] == hf_backend.identity()["chat_template"] != "off"


def test_chat_template_required_but_missing(tmp_path: Path, tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    bare = tmp_path / "bare"
    shutil.copytree(tiny_model_path, bare)
    (bare / "chat_template.jinja").unlink()
    assert not HuggingFaceBackend(bare).encoder.use_chat
    with pytest.raises(ConfigError, match="has no chat template"):
        HuggingFaceBackend(bare, chat_template=True)


def test_greedy_by_default_even_when_the_checkpoint_says_sample(
        tmp_path: Path, tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    sampling = tmp_path / "sampling"
    shutil.copytree(tiny_model_path, sampling)
    config = json.loads((sampling / "generation_config.json").read_text())
    config.update(do_sample=True, temperature=1.5, top_k=0)
    (sampling / "generation_config.json").write_text(json.dumps(config))
    backend = HuggingFaceBackend(sampling, max_new_tokens=8)
    first = backend.generate(PROMPTS)
    assert backend.generate(PROMPTS) == first
    assert first[0] == manual_greedy(tiny_model_path, PROMPTS[0], 8, True)


def test_sampling_parameters_are_validated_and_seeded(hf_backend: Any) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    with pytest.raises(ConfigError, match="do_sample=True with temperature=0"):
        hf_backend.generate(["hi"], do_sample=True)
    with pytest.raises(ConfigError, match="do_sample=True with temperature=0"):
        HuggingFaceBackend(hf_backend.model_id, do_sample=True, temperature=0)
    with pytest.raises(ConfigError, match="top_p"):
        hf_backend.generate(["hi"], temperature=1.0, top_p=0)
    with pytest.raises(ConfigError, match="Did you mean 'temperature'"):
        hf_backend.generate(["hi"], temprature=1.0)
    sampled = [hf_backend.generate(PROMPTS[:3], temperature=2.0, seed=seed, max_new_tokens=12)
               for seed in (1, 1, 2)]
    assert sampled[0] == sampled[1] != sampled[2]


def test_max_new_tokens_and_stop_strings(hf_backend: Any, tiny_model_path: Path) -> None:
    assert hf_backend.generate([PROMPTS[0]], max_new_tokens=3)[0] == \
        manual_greedy(tiny_model_path, PROMPTS[0], 3, True)
    full = hf_backend.generate(PROMPTS, max_new_tokens=16)
    index, text = next((i, t) for i, t in enumerate(full) if len(t.strip()) >= 6)
    stop = text.strip()[2:4]
    cut = hf_backend.generate([PROMPTS[index]], max_new_tokens=16, stop=[stop])[0]
    assert cut == text[:text.index(stop)]
    assert stop not in cut


def manual_loglikelihood(path: Path, context: str, continuation: str) -> tuple[float, bool]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model: Any = AutoModelForCausalLM.from_pretrained(path)
    model.eval()
    context_ids = tokenizer(context)["input_ids"]
    whole = tokenizer(context + continuation)["input_ids"]
    with torch.inference_mode():
        logprobs = torch.log_softmax(model(torch.tensor([whole])).logits[0].float(), dim=-1)
    positions = range(len(context_ids) - 1, len(whole) - 1)
    targets = whole[len(context_ids):]
    total = sum(float(logprobs[p, t]) for p, t in zip(positions, targets, strict=True))
    return total, all(int(logprobs[p].argmax()) == t for p, t in zip(positions, targets, strict=True))


def greedy_continuation(path: Path, contexts: list[str]) -> tuple[str, str]:
    """A context and the text of its greedy next token, where that text
    tokenizes back to the same single token after the context."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model: Any = AutoModelForCausalLM.from_pretrained(path)
    model.eval()
    for context in contexts:
        ids = tokenizer(context)["input_ids"]
        with torch.inference_mode():
            best = int(model(torch.tensor([ids])).logits[0, -1].argmax())
        text = str(tokenizer.decode([best]))
        if "\ufffd" not in text and tokenizer(context + text)["input_ids"] == ids + [best]:
            return context, text
    raise AssertionError("no context with a cleanly tokenized greedy token")


def test_loglikelihood_matches_a_manual_computation(tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    backend = HuggingFaceBackend(tiny_model_path, chat_template=False, batch_size=2)
    context = "질문: 12와 18의 최대공약수는? 정답:"
    greedy = greedy_continuation(tiny_model_path, [context] + PROMPTS)
    requests = [(context, " A"), ("what is the value", " of math history"), (context, " B"),
                greedy, ("hi", " there"), (context, " C"), ("x", " answer one")]
    got = backend.loglikelihood(requests)
    assert len(got) == len(requests)
    for (ctx, cont), (logprob, is_greedy) in zip(requests, got, strict=True):
        expected, expected_greedy = manual_loglikelihood(tiny_model_path, ctx, cont)
        assert logprob == pytest.approx(expected, abs=1e-4)
        assert is_greedy == expected_greedy
    assert got[3][1] is True  # the greedy continuation is recognised as such
    assert not all(g for _, g in got)


def test_log_likelihood_evaluation_records_backend_identity(hf_backend: Any) -> None:
    result = hret.quick_eval(hf_backend, dataset="ko-sample", evaluation_method="log_likelihood",
                             limit=12)
    assert result.metrics["n"] == 12 and result.metrics["error_count"] == 0
    assert 0.0 <= result.metrics["acc_norm"] <= 1.0
    assert result.info["backend"] == hf_backend.identity()
    assert result.info["backend"]["revision"].startswith("local:")


def test_token_never_shows(tiny_model_path: Path) -> None:
    from hret.backends.huggingface import HuggingFaceBackend

    backend = HuggingFaceBackend(tiny_model_path, token="hf_SECRETTOKEN123")
    assert "SECRETTOKEN" not in json.dumps(backend.identity()) + repr(backend)


def test_missing_extra_names_the_install_line(tiny_model_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from hret.backends.huggingface import HuggingFaceBackend

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "transformers" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"pip install 'pytest-hret\[transformers\]'"):
        HuggingFaceBackend(tiny_model_path)


def test_continuations_of_one_context_share_its_pass(tiny_model_path: Path) -> None:
    """Options of one question, of different token lengths, scored after one
    pass over the question: equal to scoring each whole sequence alone."""
    from hret.backends.huggingface import HuggingFaceBackend

    backend = HuggingFaceBackend(tiny_model_path, chat_template=False, batch_size=2)
    first, second = "질문: 다음 중 고르세요. 정답:", "what is the value of"
    requests = [(first, " of math history"), (second, " the answer is B"), (first, " A"),
                (first, " 정답 입니다 science"), (second, " x"), (first, " choose one"),
                ("hi", " there value")]
    lengths = {len(k) for _, k in backend.encoder.encode_pairs(requests)}
    assert len(lengths) >= 3  # really mixed lengths, single- and multi-token
    got = backend.loglikelihood(requests)
    for (context, continuation), (logprob, greedy) in zip(requests, got, strict=True):
        expected, expected_greedy = manual_loglikelihood(tiny_model_path, context, continuation)
        assert logprob == pytest.approx(expected, abs=1e-4)
        assert greedy == expected_greedy
