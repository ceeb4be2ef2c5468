"""Evaluating models on the bundled Korean sample, as a pytest test module.

    pytest examples/test_ko_sample_models.py -v
    pytest examples/test_ko_sample_models.py -n 2 --hret-json results.json

Every ``@hret.evaluate`` / ``@hret.benchmark`` function below is a test item: it
fails when a metric misses its threshold, and a table of results prints after
the run. The "models" are small Python functions so that the module runs
anywhere; put a real model call (transformers, an OpenAI-compatible server...)
in their place, loaded once in a session-scoped fixture like ``answer_key``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

import pytest

import hret

LABELS = "ABCD"


def question_of(prompt: str) -> str:
    """The question line of a rendered ko-sample prompt."""
    return prompt.rsplit("질문: ", 1)[-1].split("\n", 1)[0]


def options_of(prompt: str) -> list[str]:
    """The four option texts of a rendered prompt ("A. ...", "B. ...")."""
    return [line[3:] for line in prompt.splitlines() if line[:2] in ("A.", "B.", "C.", "D.")]


@pytest.fixture(scope="session")
def answer_key() -> dict[str, str]:
    """Stands in for an expensive model load: built once per session."""
    return {str(sample.input): sample.reference for sample in hret.load_dataset("ko-sample")}


def answer_from_key(input_text: str, answer_key: dict[str, str]) -> str:
    return f"보기를 차례로 검토했습니다.\n정답: {answer_key[question_of(input_text)]}"


def keyword_overlap(input_text: str) -> str:
    """A heuristic: the option sharing the most characters with the question."""
    question = set(question_of(input_text))
    options = options_of(input_text)
    best = max(range(len(options)),
               key=lambda i: len(question & set(options[i])) / (len(set(options[i])) + 1))
    return f"정답: {LABELS[best]}"


# An evaluation item: the first parameter receives the prompt, the others are fixtures.
@hret.evaluate(dataset="ko-sample", model="answer-key", threshold={"accuracy": 0.95})
def answer_key_model(input_text: str, answer_key: dict[str, str]) -> str:
    return answer_from_key(input_text, answer_key)


# A weak baseline with a bound it meets: at 100 samples its accuracy is about 0.29.
@hret.evaluate(dataset="ko-sample", model="keyword-overlap", threshold={"accuracy": 0.2})
def keyword_model(input_text: str) -> str:
    return keyword_overlap(input_text)


# Async model functions work too, here on two subjects only.
@hret.evaluate(dataset="ko-sample", subset=["Math", "Korean-History"], threshold={"accuracy": 0.9})
async def async_answer_key_model(input_text: str, answer_key: dict[str, str]) -> str:
    await asyncio.sleep(0)  # where a real client would await the server
    return answer_from_key(input_text, answer_key)


# A benchmark item: every model it returns runs on the same samples, shown side by side.
@hret.benchmark(dataset="ko-sample", threshold={"accuracy": 0.2})
def answer_key_vs_keywords(answer_key: dict[str, str]) -> dict[str, Callable[[str], str]]:
    return {"answer-key": functools.partial(answer_from_key, answer_key=answer_key),
            "keyword-overlap": keyword_overlap}


# A plain test: the evaluation_context fixture evaluates and reports with the test.
def test_answer_key_beats_keywords(evaluation_context: hret.EvaluationContext,
                                   answer_key: dict[str, str]) -> None:
    strong = evaluation_context.evaluate(
        functools.partial(answer_from_key, answer_key=answer_key), label="answer-key (plain test)")
    weak = evaluation_context.evaluate(keyword_overlap, label="keyword-overlap (plain test)")
    assert strong.metrics["accuracy"] > weak.metrics["accuracy_ci_high"]


# @pytest.mark.hret sets options for the test's fixtures.
@pytest.mark.hret(dataset="ko-sample", subset="Law", limit=5)
def test_law_subset(hret_dataset: hret.Dataset) -> None:
    assert len(hret_dataset) == 5
    assert {sample.subset for sample in hret_dataset} == {"Law"}
