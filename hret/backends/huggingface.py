"""The ``huggingface`` backend: a local transformers checkpoint (path or hub id).

Generation runs greedy unless sampling is asked for, whatever the model's own
``generation_config`` says; prompts are length-sorted into batches of
``batch_size``, left-padded, and only the new tokens are decoded. Log-likelihood
scoring runs one forward pass per distinct context: single-token continuations
are read off its next-token distribution, longer ones run after a copy of its
key/value cache (a question's options share the pass over the question).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hret.backends.base import GenerationSettings, Secret, chunks, truncate_at_stop
from hret.backends.templates import PromptEncoder, check_requests
from hret.errors import ConfigError, require

logger = logging.getLogger("hret")

DTYPES = ("auto", "float32", "float16", "bfloat16")
OPTIONS = ("model", "revision", "dtype", "device", "chat_template", "system_prompt", "batch_size",
           "sort_window", "max_length", "trust_remote_code", "token", "gguf_file", "gguf_cache",
           "tokenizer", "peft", "device_map", "attn_implementation", "quantization_config",
           "model_kwargs")


class HuggingFaceBackend:
    """``HuggingFaceBackend("org/model" or "/path", dtype="bfloat16", device="cuda")``.

    Loading, as ``from_pretrained`` takes it: ``gguf_file`` (a GGUF file in the
    model directory or repo; transformers de-quantises it), ``tokenizer`` (another
    path or id for the tokenizer), ``peft`` (a PEFT adapter path or id, applied on
    top), ``device_map`` (``"auto"`` spreads the model over the GPUs through
    accelerate), ``attn_implementation``, ``quantization_config`` (a dict or a
    transformers config object) and any other ``model_kwargs``. Each is part of
    :meth:`identity`, so of results and cache keys. ``gguf_cache=True`` converts a
    GGUF file once into a plain checkpoint under the user cache directory
    (``$HRET_CACHE_DIR``, else ``~/.cache/hret``) and loads that afterwards.

    batch_size: prompts per forward pass. sort_window: how many batches the
    engine hands over per call; prompts are length-sorted within it.
    chat_template: None (use the tokenizer's if any), True, False or a Jinja string.
    token: hub token for gated models; never stored in results.
    """

    name = "huggingface"

    def __init__(self, model: str | Path, *, revision: str | None = None, dtype: str = "auto",
                 device: str | None = None, chat_template: bool | str | None = None,
                 system_prompt: str | None = None, batch_size: int = 8, sort_window: int = 8,
                 max_length: int | None = None, trust_remote_code: bool = False,
                 token: str | None = None, gguf_file: str | None = None, gguf_cache: bool = False,
                 tokenizer: str | Path | None = None, peft: str | Path | None = None,
                 device_map: str | dict[str, Any] | None = None,
                 attn_implementation: str | None = None, quantization_config: Any = None,
                 model_kwargs: Mapping[str, Any] | None = None, **generation: Any) -> None:
        require("torch", "transformers")
        require("transformers", "transformers")
        import torch

        self.settings = GenerationSettings.build(generation, owner="huggingface backend",
                                                 other_options=OPTIONS)
        for key, value in (("batch_size", batch_size), ("sort_window", sort_window)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"huggingface backend: {key}={value!r} must be an integer >= 1")
        if dtype not in DTYPES:
            raise ConfigError(f"huggingface backend: dtype={dtype!r}; expected one of {', '.join(DTYPES)}")
        if model_kwargs is not None and not isinstance(model_kwargs, Mapping):
            raise ConfigError(f"huggingface backend: model_kwargs={model_kwargs!r} must be a dict of "
                              "from_pretrained keyword arguments, e.g. {'low_cpu_mem_usage': True}")
        extra = dict(model_kwargs or {})
        clash = sorted(set(extra) & {"revision", "dtype", "torch_dtype", "trust_remote_code", "token",
                                     "gguf_file", "device_map", "attn_implementation",
                                     "quantization_config"})
        if clash:
            raise ConfigError(f"huggingface backend: model_kwargs repeats {', '.join(clash)}; pass "
                              "each as the backend's own parameter instead")
        self.model_id = str(model)
        self.revision = revision
        secret = Secret(token)
        common = {"revision": revision, "trust_remote_code": trust_remote_code,
                  "token": secret.reveal()}
        source, gguf = self.model_id, gguf_file
        if gguf_file and gguf_cache:
            source, gguf = str(dequantized_checkpoint(self.model_id, gguf_file, **common)), None
        weights: dict[str, Any] = {**extra, **common, "dtype": dtype if dtype == "auto"
                                   else getattr(torch, dtype)}
        loading: dict[str, Any] = {"gguf_file": gguf, "device_map": device_map,
                                   "attn_implementation": attn_implementation,
                                   "quantization_config": quantization_config}
        for key, value in loading.items():
            if value is not None:
                weights[key] = value
        try:
            self.tokenizer = _load_tokenizer(str(tokenizer) if tokenizer else source,
                                             None if tokenizer else gguf, common)
            loaded = _load_model(source, weights)
            if peft:
                require("peft", "transformers")
                loaded = _load_adapter(loaded, str(peft), revision, secret.reveal())
        except OSError as exc:
            raise ConfigError(
                f"huggingface backend: cannot load {self.model_id!r}: {secret.scrub(str(exc))} "
                "Pass a local checkpoint directory, or a hub id already in the cache when offline."
            ) from None
        placed = device_map is not None or quantization_config is not None
        if placed:  # accelerate or the quantizer put the weights; moving them would undo that
            self.model = loaded.eval()
            self.device = str(getattr(loaded, "device", None) or next(loaded.parameters()).device)
        else:
            self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
            self.model = loaded.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.encoder = PromptEncoder(self.tokenizer, chat_template, self.model_id, system_prompt)
        self.forward_batch = batch_size
        #: prompts the engine hands over per call; length sorting spans them
        self.batch_size = batch_size * sort_window
        self.max_length = max_length or int(getattr(self.model.config, "max_position_embeddings",
                                                    0) or 2048)
        self.label = Path(self.model_id).name if Path(self.model_id).is_dir() else self.model_id
        if gguf_file:
            self.label = f"{self.label}/{gguf_file}"
        self._lock = threading.Lock()  # one forward pass at a time on one model
        base = loaded.get_base_model() if peft else loaded
        accepted = inspect.signature(base.forward).parameters
        self._keeps_logits = "logits_to_keep" in accepted
        # transformers 5 renamed the key/value cache argument and output field
        self._cache_name = "cache" if "cache" in accepted else "past_key_values"
        self._identity = {
            "backend": self.name, "model": self.model_id,
            "revision": _revision(self.model.config, self.model_id, revision, gguf_file),
            "dtype": str(self.model.dtype).replace("torch.", ""),
            "chat_template": self.encoder.describe(),
            "loglikelihood_chat_template": self.encoder.describe_scoring(),
            "system_prompt": system_prompt or "",
        }
        loading = {
            "gguf_file": gguf_file, "tokenizer": str(tokenizer) if tokenizer else None,
            "peft": str(peft) if peft else None,
            "peft_revision": _revision(None, str(peft), revision, None) if peft else None,
            "device_map": device_map, "attn_implementation": attn_implementation,
            "quantization_config": _describe_quantization(quantization_config),
            "model_kwargs": extra or None,
        }
        for key, value in loading.items():
            if value is not None:
                self._identity[key] = value if isinstance(value, str) else \
                    json.dumps(value, sort_keys=True, default=str)

    # -- protocol ------------------------------------------------------------------
    def identity(self) -> dict[str, str]:
        return dict(self._identity)

    def generation_params(self) -> dict[str, Any]:
        return self.settings.to_dict()

    def generate(self, inputs: Sequence[Any], **params: Any) -> list[str]:
        """One completion per input, in input order."""
        import torch

        settings = GenerationSettings.build(params, self.settings, owner=self.name)
        limit = self.max_length - settings.max_new_tokens
        if limit < 1:
            raise ConfigError(f"max_new_tokens={settings.max_new_tokens} leaves no room for the prompt "
                              f"in max_length={self.max_length}")
        encoded = [self._fit(ids, limit)
                   for ids in self.encoder.prompt_ids(inputs)]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        outputs = [""] * len(encoded)
        config = self._generation_config(settings)
        pad = int(self.tokenizer.pad_token_id)
        with self._lock, torch.inference_mode():
            for batch in chunks(order, self.forward_batch):
                ids, mask = _pad([encoded[i] for i in batch], pad, left=True, device=self.device)
                if settings.sampling and settings.seed is not None:
                    torch.manual_seed(settings.seed)
                extra = {"tokenizer": self.tokenizer} if settings.stop else {}
                generated = self.model.generate(input_ids=ids, attention_mask=mask,
                                                generation_config=config, **extra)
                # with left padding every prompt ends at the same column
                new_tokens = generated[:, ids.shape[1]:]
                for index, row in zip(batch, new_tokens, strict=True):
                    text = str(self.tokenizer.decode(row, skip_special_tokens=True))
                    outputs[index] = truncate_at_stop(text, settings.stop)
        return outputs

    def loglikelihood(self, requests: Sequence[tuple[Any, str]]) -> list[tuple[float, bool]]:
        """``(log P(continuation | context), is_greedy)`` per request, in order."""
        pairs = [self._fit_pair(c, k)
                 for c, k in self.encoder.encode_pairs(check_requests(requests))]
        results: list[tuple[float, bool] | None] = [None] * len(pairs)
        by_context: dict[tuple[int, ...], list[int]] = {}
        longer = []
        for index, (context, continuation) in enumerate(pairs):
            if len(continuation) == 1:
                by_context.setdefault(tuple(context), []).append(index)
            else:
                longer.append(index)
        with self._lock:
            self._score_next_token(by_context, pairs, results)
            self._score_sequences(longer, pairs, results)
        return [r for r in results if r is not None]

    # -- scoring --------------------------------------------------------------------
    def _score_next_token(self, by_context: dict[tuple[int, ...], list[int]],
                          pairs: list[tuple[list[int], list[int]]],
                          results: list[tuple[float, bool] | None]) -> None:
        """One forward pass per distinct context; every single-token
        continuation of it is read off the same next-token distribution."""
        import torch

        contexts = sorted(by_context, key=len, reverse=True)
        for batch in chunks(contexts, self.forward_batch):
            logprobs = self._tail_logprobs([list(c) for c in batch], 1)[:, -1]
            members = [by_context[c] for c in batch]
            rows = torch.tensor([r for r, group in enumerate(members) for _ in group])
            flat = [i for group in members for i in group]
            tokens = torch.tensor([pairs[i][1][0] for i in flat])
            values = logprobs[rows, tokens].tolist()
            greedy = (logprobs.argmax(-1)[rows] == tokens).tolist()
            for index, value, best in zip(flat, values, greedy, strict=True):
                results[index] = (float(value), bool(best))

    def _score_sequences(self, indices: list[int], pairs: list[tuple[list[int], list[int]]],
                         results: list[tuple[float, bool] | None]) -> None:
        """Multi-token continuations. The continuations of one context (the
        options of a question) share one pass over the context: its key/value
        cache is copied to each of them, and only the continuations run after it."""
        groups: dict[tuple[int, ...], list[int]] = {}
        alone = []
        for index in indices:
            if pairs[index][0]:
                groups.setdefault(tuple(pairs[index][0]), []).append(index)
            else:
                alone.append(index)
        contexts = sorted(groups, key=len, reverse=True)
        for batch in chunks(contexts, self.forward_batch):
            self._score_after_contexts(batch, groups, pairs, results)
        self._score_whole(alone, pairs, results)

    def _score_after_contexts(self, batch: list[tuple[int, ...]], groups: dict[tuple[int, ...], list[int]],
                              pairs: list[tuple[list[int], list[int]]],
                              results: list[tuple[float, bool] | None]) -> None:
        import torch

        pad = int(self.tokenizer.pad_token_id)
        ids, mask = _pad([list(c) for c in batch], pad, left=True, device=self.device)
        members = [groups[c] for c in batch]
        rows = [r for r, group in enumerate(members) for _ in group]
        flat = [i for group in members for i in group]
        continuations = [pairs[i][1] for i in flat]
        width = max(len(c) for c in continuations)
        inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "use_cache": True,
                                  "position_ids": (mask.cumsum(-1) - 1).clamp(min=0)}
        if self._keeps_logits:
            inputs["logits_to_keep"] = 1
        with torch.inference_mode():
            context_out = self.model(**inputs)
            # log P(first continuation token | context), one row per context
            first = torch.log_softmax(context_out.logits[:, -1].float(), dim=-1).cpu()
            select = torch.tensor(rows, device=self.device)
            cache = getattr(context_out, self._cache_name)
            cache.reorder_cache(select)  # one copy of a context's cache per continuation
            # the continuation's tokens but the last are fed after the context (right-padded)
            fed, fed_mask = _pad([c[:-1] or [pad] for c in continuations], pad, left=False,
                                 device=self.device)
            starts = mask.sum(-1)[select][:, None]
            rest_out = self.model(input_ids=fed, attention_mask=torch.cat([mask[select], fed_mask], 1),
                                  position_ids=starts + torch.arange(fed.shape[1], device=self.device),
                                  use_cache=False, **{self._cache_name: cache})
            rest = torch.log_softmax(rest_out.logits.float(), dim=-1).cpu()
        for n, (index, row) in enumerate(zip(flat, rows, strict=True)):
            tokens = continuations[n]
            # token 0 is predicted after the context; token j after fed position j - 1
            steps = torch.cat([first[row][None], rest[n, :len(tokens) - 1]])[:width]
            target = torch.tensor(tokens)
            picked = steps[torch.arange(len(tokens)), target]
            greedy = bool((steps[:len(tokens)].argmax(-1) == target).all())
            results[index] = (float(picked.sum()), greedy)

    def _score_whole(self, indices: list[int], pairs: list[tuple[list[int], list[int]]],
                     results: list[tuple[float, bool] | None]) -> None:
        """Continuations after an empty context: whole sequences, batched."""
        import torch

        order = sorted(indices, key=lambda i: -(len(pairs[i][0]) + len(pairs[i][1])))
        for batch in chunks(order, self.forward_batch):
            # the last continuation token is predicted, never fed in
            sequences = [(pairs[i][0] + pairs[i][1])[:-1] for i in batch]
            continuations = [pairs[i][1] for i in batch]
            width = max(len(c) for c in continuations)
            logprobs = self._tail_logprobs(sequences, width)
            # every sequence ends in the last column, so its continuation's
            # predictions are its last len(continuation) columns
            targets, valid = _pad(continuations, 0, left=True, device="cpu")
            mask = valid.bool()
            picked = torch.where(mask, logprobs.gather(2, targets[:, :, None])[:, :, 0], 0.0)
            hits = (logprobs.argmax(-1) == targets) | ~mask
            for index, total, greedy in zip(batch, picked.sum(1).tolist(), hits.all(1).tolist(),
                                            strict=True):
                results[index] = (float(total), bool(greedy))

    def _tail_logprobs(self, sequences: list[list[int]], width: int) -> Any:
        """Log-softmax of the logits at the last ``width`` positions of each
        sequence. Left padding ends every sequence in the same column, so the
        output layer runs on those columns alone (a large share of the work
        for big vocabularies); position ids skip the padding."""
        import torch

        pad = int(self.tokenizer.pad_token_id)
        ids, mask = _pad(sequences, pad, left=True, device=self.device)
        inputs = {"input_ids": ids, "attention_mask": mask,
                  "position_ids": (mask.cumsum(-1) - 1).clamp(min=0)}
        if self._keeps_logits:
            inputs["logits_to_keep"] = width
        with torch.inference_mode():
            logits = self.model(**inputs).logits[:, -width:]
            return torch.log_softmax(logits.float(), dim=-1).cpu()

    # -- helpers --------------------------------------------------------------------
    def _generation_config(self, settings: GenerationSettings) -> Any:
        from transformers import GenerationConfig

        base = self.model.generation_config
        values: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens, "do_sample": settings.sampling,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": base.eos_token_id if base.eos_token_id is not None
            else self.tokenizer.eos_token_id,
            "bos_token_id": base.bos_token_id,
        }
        if settings.stop:
            values["stop_strings"] = list(settings.stop)
        if settings.sampling:
            values.update(temperature=float(settings.temperature), top_p=float(settings.top_p),
                          top_k=settings.top_k or 0)
        # a fresh config: the checkpoint's sampling defaults must not make "greedy" sample
        return GenerationConfig(**values)  # type: ignore[no-untyped-call,unused-ignore]

    def _fit(self, ids: list[int], limit: int) -> list[int]:
        if len(ids) <= limit:
            return ids
        logger.warning("prompt of %d tokens cut to its last %d (max_length=%d)",
                       len(ids), limit, self.max_length)
        return ids[-limit:]

    def _fit_pair(self, context: list[int], continuation: list[int]
                  ) -> tuple[list[int], list[int]]:
        room = self.max_length + 1 - len(continuation)
        if room < 1:
            raise ConfigError(f"a continuation of {len(continuation)} tokens exceeds "
                              f"max_length={self.max_length}")
        return context[-room:], continuation

    def __repr__(self) -> str:
        return f"HuggingFaceBackend({self._identity})"


def _pad(rows: list[list[int]], pad: int, *, left: bool, device: str) -> tuple[Any, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if not row:
            continue
        span = slice(width - len(row), width) if left else slice(0, len(row))
        ids[i, span] = torch.tensor(row, dtype=torch.long)
        mask[i, span] = 1
    return ids.to(device), mask.to(device)


def _load_tokenizer(source: str, gguf_file: str | None, common: dict[str, Any]) -> Any:
    from transformers import AutoTokenizer

    extra = {"gguf_file": gguf_file} if gguf_file else {}
    return AutoTokenizer.from_pretrained(source, **common, **extra)


def _load_model(source: str, weights: dict[str, Any]) -> Any:
    from transformers import AutoModelForCausalLM

    if weights.get("device_map") is not None or weights.get("quantization_config") is not None:
        require("accelerate", "transformers")
    try:
        return AutoModelForCausalLM.from_pretrained(source, **weights)
    except ValueError as exc:
        if "gguf_file" in weights and "GGUF" in str(exc):
            raise ConfigError(
                f"huggingface backend: transformers cannot load {weights['gguf_file']!r}: {exc} "
                "(architectures it de-quantises include llama, mistral, qwen2, qwen3, phi3, gemma2/3, "
                "gpt2, starcoder2). Convert the model to a plain checkpoint, or pick another file."
            ) from None
        raise


def _load_adapter(model: Any, adapter: str, revision: str | None, token: str | None) -> Any:
    import warnings

    from peft import PeftModel

    with warnings.catch_warnings():
        # peft reads a transformers attribute that transformers 5 deprecated; not ours to fix
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return PeftModel.from_pretrained(model, adapter, revision=revision, token=token)


def _describe_quantization(config: Any) -> Any:
    if config is None or isinstance(config, Mapping):
        return config
    to_dict = getattr(config, "to_dict", None)
    return to_dict() if callable(to_dict) else repr(config)


def _revision(config: Any, model_id: str, revision: str | None, gguf_file: str | None) -> str:
    commit = getattr(config, "_commit_hash", None)
    if commit:
        return str(commit)
    path = Path(model_id)
    if path.is_dir():
        return f"local:{_local_digest(path, gguf_file)}"
    return revision or "main"


def _local_digest(path: Path, only: str | None = None) -> str:
    """A local checkpoint's files' names, sizes and times, standing for its contents
    (of one file, ``only``, when given)."""
    digest = hashlib.sha256()
    files = [path / only] if only else sorted(p for p in path.iterdir() if p.is_file())
    for file in files:
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def user_cache_dir() -> Path:
    """Where hret keeps what it derives once per machine: ``$HRET_CACHE_DIR``,
    else ``$XDG_CACHE_HOME/hret``, else ``~/.cache/hret``."""
    explicit = os.environ.get("HRET_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "hret"


def dequantized_checkpoint(model: str, gguf_file: str, **common: Any) -> Path:
    """A plain checkpoint (safetensors, config, tokenizer) of ``gguf_file``,
    converted on first use and kept under :func:`user_cache_dir`. Transformers
    de-quantises a GGUF file on every load (about a minute for a 135M model on
    one CPU core); the plain checkpoint loads in about a second."""
    source = Path(model)
    if not (source / gguf_file).is_file():
        raise ConfigError(f"huggingface backend: gguf_cache=True needs a local file; "
                          f"{source / gguf_file} does not exist")
    key = _local_digest(source, gguf_file)
    target = user_cache_dir() / "gguf" / f"{Path(gguf_file).stem}-{key}"
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM

    tokenizer = _load_tokenizer(str(source), gguf_file, common)
    loaded: Any = AutoModelForCausalLM.from_pretrained(str(source), gguf_file=gguf_file, **common)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # the weights are plain tensors now
        del config.quantization_config
    # a GGUF-loaded model refuses save_pretrained: copy its tensors into a plain one
    plain: Any = AutoModelForCausalLM.from_config(config, dtype=loaded.dtype)  # type: ignore[no-untyped-call,unused-ignore]
    plain.load_state_dict(loaded.state_dict())
    plain.generation_config = loaded.generation_config
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    plain.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    try:
        partial.rename(target)  # whole or not at all, also when two processes race
    except OSError:
        import shutil

        shutil.rmtree(partial, ignore_errors=True)
    return target
