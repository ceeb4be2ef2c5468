"""The protocol every model backend implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

PromptInput = str | Sequence[Mapping[str, str]]


@runtime_checkable
class Backend(Protocol):
    """A model reachable by name. ``generate`` answers a batch of prompts (text or
    chat messages) in input order. Backends that can score continuations also
    offer ``loglikelihood(requests) -> list[tuple[float, bool]]`` where each
    request is ``(context, continuation)`` and the bool says whether the
    continuation is the greedy one. A backend whose ``loglikelihood`` works only
    on some servers sets ``scores_by_default = False`` (when it may not): a
    benchmark whose reference scores by log-likelihood then generates by default."""

    name: str

    def generate(self, inputs: Sequence[PromptInput], **params: Any) -> list[str]: ...

    def identity(self) -> dict[str, str]:
        """What identifies the model (backend, model id/path, revision, base URL);
        never secrets. Used in results and cache keys."""
        ...
