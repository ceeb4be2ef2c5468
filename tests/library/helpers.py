"""Model functions for tests, built from the bundled sample's answers."""

from __future__ import annotations

from collections.abc import Callable

import hret

QUESTION_MARK = "질문: "


def question_of(prompt: str) -> str:
    return prompt.rsplit(QUESTION_MARK, 1)[-1].split("\n", 1)[0]


def answers(dataset: str = "ko-sample", split: str | None = None) -> dict[str, str]:
    return {str(s.input): s.reference for s in hret.load_dataset(dataset, split=split)}


def oracle(split: str | None = None) -> Callable[[str], str]:
    """Answers every question of ko-sample correctly, in a sentence."""
    table = answers(split=split)

    def model(prompt: str) -> str:
        return f"풀이를 마쳤습니다.\n정답: {table[question_of(prompt)]}"

    return model


def wrong_on(subjects: set[str]) -> Callable[[str], str]:
    """Correct except on the given subjects, where it picks a wrong option."""
    data = hret.load_dataset("ko-sample")
    table = {str(s.input): (s.reference, s.subset) for s in data}

    def model(prompt: str) -> str:
        reference, subset = table[question_of(prompt)]
        if subset in subjects:
            return "(A)" if reference != "A" else "(B)"
        return f"({reference})"

    return model
