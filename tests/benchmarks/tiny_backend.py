"""A backend over the tiny causal LM of ``tests/tiny_model.py``, with real log-probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class TinyLM:
    """``generate`` (greedy, a few tokens) and ``loglikelihood`` as the backend
    protocol describes them, computed with transformers on CPU."""

    name = "tiny-lm"

    def __init__(self, path: Path, max_new_tokens: int = 6) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(1)
        self.path = path
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path).eval()
        self.max_new_tokens = max_new_tokens
        self.calls: list[int] = []  # number of requests per loglikelihood call

    def identity(self) -> dict[str, str]:
        return {"backend": "test-tiny-lm", "model": str(self.path)}

    def generate(self, inputs: Sequence[str | Sequence[Mapping[str, str]]], **params: Any) -> list[str]:
        import torch

        outputs = []
        for prompt in inputs:
            text = prompt if isinstance(prompt, str) else "\n".join(m["content"] for m in prompt)
            ids = torch.tensor([self.tokenizer(text).input_ids])
            with torch.no_grad():
                out = self.model.generate(ids, max_new_tokens=self.max_new_tokens, do_sample=False)
            outputs.append(str(self.tokenizer.decode(out[0, ids.shape[1]:])))
        return outputs

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        import torch

        self.calls.append(len(requests))
        results = []
        for context, continuation in requests:
            context_ids = self.tokenizer(context).input_ids
            continuation_ids = self.tokenizer(continuation).input_ids
            ids = torch.tensor([context_ids + continuation_ids])
            with torch.no_grad():
                logprobs = torch.log_softmax(self.model(ids).logits[0].float(), dim=-1)
            positions = range(len(context_ids) - 1, len(context_ids) + len(continuation_ids) - 1)
            targets = continuation_ids
            total = sum(float(logprobs[p, t]) for p, t in zip(positions, targets, strict=True))
            greedy = all(int(logprobs[p].argmax()) == t for p, t in zip(positions, targets, strict=True))
            results.append((total, greedy))
        return results
