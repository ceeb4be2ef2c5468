"""Model backends by name: ``create_backend("huggingface", model="...")``.

Built-in backends are registered as lazy factories, so naming one imports
nothing heavy until it is created. Third parties register through the
``hret.backends`` entry-point group or ``BACKENDS.register(name, factory)``.
"""

from __future__ import annotations

import importlib
from typing import Any

from hret.errors import ConfigError
from hret.registry import Registry, Requirement

__all__ = ["BACKENDS", "PARAM_ALIASES", "LazyBackend", "close_backend", "create_backend"]

BACKENDS: Registry[Any] = Registry("model backend", "hret.backends")

#: parameter names the older runner used, and what they are called here
PARAM_ALIASES = {"model_name_or_path": "model", "model_name": "model", "api_base": "base_url",
                 "endpoint": "base_url"}


class LazyBackend:
    """A factory that imports ``module`` only when called; ``requires`` names
    what it needs installed (``hret list`` shows it)."""

    def __init__(self, module: str, attribute: str, summary: str,
                 requires: tuple[Requirement, ...] = ()) -> None:
        self.module = module
        self.attribute = attribute
        self.requires = requires
        self.__doc__ = summary

    def load(self) -> Any:
        return getattr(importlib.import_module(self.module), self.attribute)

    def __call__(self, **params: Any) -> Any:
        return self.load()(**params)


for _name, _module, _attribute, _summary, _requires in (
    ("huggingface", "hret.backends.huggingface", "HuggingFaceBackend",
     "a local transformers checkpoint or hub id", (("torch", "transformers"), ("transformers", "transformers"))),
    ("openai", "hret.backends.openai_compat", "OpenAIBackend",
     "any OpenAI-protocol server or replicas of one: OpenAI, vLLM, TGI, SGLang, Ollama", ()),
    ("vllm", "hret.backends.vllm", "VLLMBackend",
     "vLLM's offline engine on a GPU, or vLLM servers with base_url=", (("vllm", "vllm"),)),
    ("litellm", "hret.backends.litellm", "LiteLLMBackend",
     "many hosted providers through LiteLLM", (("litellm", "litellm"),)),
):
    BACKENDS.register(_name, LazyBackend(_module, _attribute, _summary, _requires))


def create_backend(name: str, **params: Any) -> Any:
    """Create the backend registered as ``name`` with ``params``.

    Unknown names list the backends that exist; the older runner's parameter
    names (``model_name_or_path``, ``model_name``, ``api_base``, ``endpoint``)
    are accepted.
    """
    if not isinstance(name, str):
        raise ConfigError(f"backend name {name!r} must be a string; names: {', '.join(BACKENDS.names())}")
    factory = BACKENDS.get(name)
    renamed: dict[str, Any] = {}
    for key, value in params.items():
        target = PARAM_ALIASES.get(key, key)
        if target in renamed:
            raise ConfigError(f"backend parameters {key!r} and {target!r} both given; pass one")
        renamed[target] = value
    try:
        return factory(**renamed)
    except TypeError as exc:
        if "__init__()" not in str(exc):  # a TypeError from inside, not about the call
            raise
        raise ConfigError(f"backend {name!r}: {exc}. Check model_params / backend parameters.") from None


def close_backend(backend: Any) -> None:
    """Release what ``backend`` holds (HTTP clients, thread pools), if it can."""
    close = getattr(backend, "close", None)
    if callable(close):
        close()
