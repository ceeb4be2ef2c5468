"""The ``vllm`` backend: vLLM's offline engine, for machines with a CUDA GPU,
or, given ``base_url``, one or more running vLLM servers (``vllm serve``).

In server mode the requests go through the ``openai`` backend's client: several
base URLs are replicas, each request goes to the least busy one, and a replica
that stops answering is taken out and tried again later.
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
           "engine_args", "base_url", "api_key", "max_concurrency", "timeout")


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
    """``VLLMBackend("org/model", dtype="bfloat16", tensor_parallel_size=1)`` runs the
    model in this process; ``VLLMBackend("org/model", base_url=["http://gpu1:8000/v1",
    "http://gpu2:8000/v1"])`` sends requests to running vLLM servers instead."""

    name = "vllm"

    def __init__(self, model: str | Path, *, revision: str | None = None, dtype: str = "auto",
                 chat_template: bool | str | None = None, system_prompt: str | None = None,
                 tensor_parallel_size: int = 1, gpu_memory_utilization: float = 0.9,
                 max_model_len: int | None = None, trust_remote_code: bool = False,
                 batch_size: int = 256, engine_args: dict[str, Any] | None = None,
                 base_url: str | Sequence[str] | None = None, api_key: str | None = None,
                 max_concurrency: int = 64, timeout: float = 600.0, **generation: Any) -> None:
        self.server: Any = None
        if base_url is not None:
            from hret.backends.openai_compat import OpenAIBackend

            self.server = OpenAIBackend(str(model), base_url=base_url, api_key=api_key,
                                        system_prompt=system_prompt, max_concurrency=max_concurrency,
                                        timeout=timeout, **generation)
            self.settings: GenerationSettings = self.server.settings
            self.batch_size = self.server.batch_size
            self.label = self.server.label
            self._identity = {**self.server.identity(), "backend": self.name}
            return
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

    def usage(self) -> dict[str, Any]:
        return dict(self.server.usage()) if self.server is not None else {}

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    def generate(self, inputs: Sequence[Any], **params: Any) -> list[Any]:
        if self.server is not None:
            return list(self.server.generate(inputs, **params))
        settings = GenerationSettings.build(params, self.settings, owner=self.name)
        rendered = self.encoder.prompt_ids(inputs)
        prompts = [{"prompt_token_ids": ids} for ids in rendered]
        outputs = self.llm.generate(prompts, self._sampling_params(settings), use_tqdm=False)
        return [truncate_at_stop(o.outputs[0].text, settings.stop) for o in outputs]

    def loglikelihood(self, requests: Sequence[tuple[Any, str]]) -> list[tuple[float, bool]]:
        """Read from vLLM's prompt log-probs of ``context + continuation``."""
        if self.server is not None:
            return list(self.server.loglikelihood(requests))
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

