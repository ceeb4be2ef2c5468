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


def build_tiny_causal_lm(path: str | Path, *, chat_template: bool = True, seed: int = 0,
                         hidden_size: int = 32, heads: int = 4, kv_heads: int = 2) -> Path:
    """Write a tokenizer and a tiny Llama to ``path``; returns ``path``. GPU
    attention kernels (vLLM's) want heads of 64 or more: ``hidden_size=128, heads=2``."""
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
        vocab_size=len(fast), hidden_size=hidden_size, intermediate_size=2 * hidden_size,
        num_hidden_layers=2, num_attention_heads=heads, num_key_value_heads=kv_heads,
        max_position_embeddings=512,
        bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
        # a wide initialisation spreads the logits, so greedy choices are not near-ties
        initializer_range=0.2, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = None
    model.save_pretrained(path)
    return path


def _permute(weights: Any, heads: int) -> Any:
    """llama.cpp's layout of a query/key projection (rotary halves interleaved);
    transformers undoes it when it loads a llama GGUF."""
    return (weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def write_tiny_gguf(checkpoint: str | Path, path: str | Path, *, quantize: str = "F32") -> Path:
    """Write the checkpoint of :func:`build_tiny_causal_lm` as a llama GGUF file,
    the way llama.cpp's converter lays it out, with its byte-level BPE tokenizer
    and chat template. ``quantize``: "F32" (exact) or "Q8_0" (blocks of 32
    weights with one scale each, for the 2-D weights whose rows allow it)."""
    import json

    import gguf
    import numpy as np
    from safetensors.numpy import load_file
    from transformers import AutoTokenizer

    checkpoint, path = Path(checkpoint), Path(path)
    config = json.loads((checkpoint / "config.json").read_text())
    tokenizer: Any = AutoTokenizer.from_pretrained(checkpoint)
    weights = load_file(str(checkpoint / "model.safetensors"))
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(config["hidden_size"] // heads)
    writer.add_rope_freq_base(float(config.get("rope_theta") or
                                    config.get("rope_parameters", {}).get("rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_vocab_size(config["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if quantize == "F32" else gguf.LlamaFileType.MOSTLY_Q8_0)

    vocab = tokenizer.get_vocab()
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    special = set(tokenizer.all_special_tokens)
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL
                            for t in tokens])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_unk_token_id(tokenizer.unk_token_id)
    writer.add_add_bos_token(False)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)

    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    parts = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm",
             "post_attention_layernorm": "ffn_norm"}
    for name, tensor in sorted(weights.items()):
        if name in names:
            target = names[name]
        else:
            _, _, layer, rest = name.split(".", 3)
            target = f"blk.{layer}.{parts[rest.rsplit('.', 1)[0]]}.weight"
        data = tensor.astype(np.float32)
        if target.endswith("attn_q.weight"):
            data = _permute(data, heads)
        elif target.endswith("attn_k.weight"):
            data = _permute(data, kv_heads)
        if quantize == "Q8_0" and data.ndim == 2 and data.shape[1] % 32 == 0:
            writer.add_tensor(target, gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0),
                              raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(target, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
