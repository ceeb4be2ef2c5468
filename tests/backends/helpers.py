"""Helpers shared by the backend tests."""

from __future__ import annotations

import functools

import hret


@functools.lru_cache(maxsize=1)
def _references() -> dict[str, str]:
    return {str(s.input): s.reference for s in hret.load_dataset("ko-sample")}


def answer_key(prompt: str) -> str:
    """A 'model' for the local server: answers each ko-sample question correctly."""
    question = prompt.rsplit("질문: ", 1)[-1].split("\n", 1)[0]
    return f"정답: {_references().get(question, 'A')}"
