"""A tiny causal language model built offline, for tests and benchmarks.

A byte-level BPE tokenizer trained on a few hundred generated lines (Korean and
English), wrapped as ``PreTrainedTokenizerFast`` with a chat template, and a
randomly initialised 2-layer Llama saved with ``save_pretrained``. Building it
takes about a second; nothing is downloaded.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{{ eos_token }}"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SUBJECTS = ("수학", "역사", "과학", "문학", "math", "history", "science", "physics")
WORDS = ("정답", "질문", "다음", "중", "고르세요", "입니다", "의", "값은", "what", "is", "the",
         "answer", "value", "of", "choose", "one", "A", "B", "C", "D")


def corpus(lines: int = 400, seed: int = 0) -> list[str]:
    """Deterministic training lines mixing the words of the bundled prompts."""
    rng = random.Random(seed)
    out = []
    for i in range(lines):
        words = [rng.choice(WORDS + SUBJECTS) for _ in range(rng.randint(3, 12))]
        out.append(f"질문 {i}: " + " ".join(words) + f" 정답: {rng.choice('ABCD')}")
    return out


def build_tiny_causal_lm(path: str | Path, *, chat_template: bool = True, seed: int = 0) -> Path:
    """Write a tokenizer and a tiny Llama to ``path``; returns ``path``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = Path(path)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512, special_tokens=["<s>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer=trainer)
    fast: Any = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    if chat_template:
        fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
        # a wide initialisation spreads the logits, so greedy choices are not near-ties
        initializer_range=0.2, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = None
    model.save_pretrained(path)
    return path
