"""The ``vllm`` backend: vLLM's offline engine, for machines with a CUDA GPU.

For a vLLM *server*, use the ``openai`` backend with its ``base_url``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hret.backends.base import GenerationSettings, truncate_at_stop
from hret.backends.templates import PromptEncoder, check_requests
from hret.errors import HretError, require

OPTIONS = ("model", "revision", "dtype", "chat_template", "system_prompt", "tensor_parallel_size",
           "gpu_memory_utilization", "max_model_len", "trust_remote_code", "batch_size",
           "engine_args")


def gpu_problem() -> str | None:
    """Why the vllm backend cannot run here, or None when it can."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "vllm is not installed. Install it with: pip install 'pytest-hret[vllm]'"
    try:
        import torch
    except ImportError:
        return "vllm needs torch. Install it with: pip install 'pytest-hret[vllm]'"
    if not torch.cuda.is_available():
        return ("vllm needs a CUDA GPU and none is visible here; on CPU use the 'huggingface' "
                "backend, or reach a vLLM server with the 'openai' backend and base_url=...")
    return None


class VLLMBackend:
    """``VLLMBackend("org/model", dtype="bfloat16", tensor_parallel_size=1)``."""

    name = "vllm"

    def __init__(self, model: str | Path, *, revision: str | None = None, dtype: str = "auto",
                 chat_template: bool | str | None = None, system_prompt: str | None = None,
                 tensor_parallel_size: int = 1, gpu_memory_utilization: float = 0.9,
                 max_model_len: int | None = None, trust_remote_code: bool = False,
                 batch_size: int = 256, engine_args: dict[str, Any] | None = None,
                 **generation: Any) -> None:
        problem = gpu_problem()
        if problem is not None:
            if "not installed" in problem:
                require("vllm", "vllm")
            raise HretError(f"vllm backend: {problem}")
        from vllm import LLM

        self.settings = GenerationSettings.build(generation, owner="vllm backend",
                                                 other_options=OPTIONS)
        self.model_id = str(model)
        self.llm = LLM(model=self.model_id, revision=revision, dtype=dtype,
                       tensor_parallel_size=tensor_parallel_size,
                       gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len,
                       trust_remote_code=trust_remote_code, **(engine_args or {}))
        self.encoder = PromptEncoder(self.llm.get_tokenizer(), chat_template, self.model_id,
                                     system_prompt)
        #: vLLM schedules its own batches; the engine hands over this many prompts
        self.batch_size = batch_size
        self.label = Path(self.model_id).name if Path(self.model_id).is_dir() else self.model_id
        self._identity = {"backend": self.name, "model": self.model_id,
                          "revision": revision or "main", "dtype": dtype,
                          "chat_template": self.encoder.describe(),
                          "loglikelihood_chat_template": self.encoder.describe_scoring(),
                          "system_prompt": system_prompt or ""}

    def identity(self) -> dict[str, str]:
        return dict(self._identity)

    def generation_params(self) -> dict[str, Any]:
        return self.settings.to_dict()

    def _sampling_params(self, settings: GenerationSettings, **extra: Any) -> Any:
        from vllm import SamplingParams

        values: dict[str, Any] = {"max_tokens": settings.max_new_tokens,
                                  "stop": list(settings.stop) or None}
        if settings.sampling:
            values.update(temperature=settings.temperature, top_p=settings.top_p,
                          top_k=settings.top_k or -1, seed=settings.seed)
        else:
            values["temperature"] = 0.0
        values.update(extra)
        return SamplingParams(**values)

    def generate(self, inputs: Sequence[Any], **params: Any) -> list[str]:
        settings = GenerationSettings.build(params, self.settings, owner=self.name)
        rendered = self.encoder.encode([self.encoder.render(x) for x in inputs])
        prompts = [{"prompt_token_ids": ids} for ids in rendered]
        outputs = self.llm.generate(prompts, self._sampling_params(settings), use_tqdm=False)
        return [truncate_at_stop(o.outputs[0].text, settings.stop) for o in outputs]

    def loglikelihood(self, requests: Sequence[tuple[Any, str]]) -> list[tuple[float, bool]]:
        """Read from vLLM's prompt log-probs of ``context + continuation``."""
        pairs = self.encoder.encode_pairs(check_requests(requests))
        if not pairs:
            return []
        prompts = [{"prompt_token_ids": c + k} for c, k in pairs]
        params = self._sampling_params(GenerationSettings(max_new_tokens=1), prompt_logprobs=1)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        results = []
        for (context, continuation), output in zip(pairs, outputs, strict=True):
            positions = output.prompt_logprobs[len(context):]
            total, greedy = 0.0, True
            for token, ranked in zip(continuation, positions, strict=True):
                entry = ranked[token]
                total += float(entry.logprob)
                greedy = greedy and entry.rank == 1
            results.append((total, greedy))
        return results

    def __repr__(self) -> str:
        return f"VLLMBackend({self._identity})"

