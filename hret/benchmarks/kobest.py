"""KoBEST (``skt/kobest_v1``): BoolQ, COPA, HellaSwag, SentiNeg and WiC.

Every task is a classification over fixed choices, so each row becomes a
multiple-choice sample whose options are the classes (``아니오``/``예``,
the two alternatives, the four endings...). KoBEST reports macro-F1 beside
accuracy; the default method ``macro_f1`` computes both. Evaluated on ``test``,
few-shot examples come from ``train``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hret.benchmarks.common import Benchmark, load_benchmark, scalars, text
from hret.benchmarks.harness import LM_EVAL, HarnessPrompt
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.errors import DatasetError
from hret.prompts import LABELS
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

NO_YES = ("아니오", "예")


def _boolq(row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return f"{text(row['paragraph'])}\n\n질문: {text(row['question'])}", NO_YES


def _copa(row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    relation = text(row["question"])  # 원인 (cause) or 결과 (effect)
    particle = "으로" if relation == "원인" else "로"
    return (f"{text(row['premise'])}\n위 문장의 {relation}{particle} 가장 알맞은 것은?",
            (text(row["alternative_1"]), text(row["alternative_2"])))


def _hellaswag(row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    endings = tuple(text(row[f"ending_{i}"]) for i in range(1, 5))
    return f"{text(row['context'])}\n다음에 이어질 내용으로 가장 알맞은 것은?", endings


def _sentineg(row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return f"{text(row['sentence'])}\n위 문장의 감정은 부정입니까, 긍정입니까?", ("부정", "긍정")


def _wic(row: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return (f"문장 1: {text(row['context_1'])}\n문장 2: {text(row['context_2'])}\n"
            f"두 문장에서 '{text(row['word'])}'의 의미가 같습니까?", NO_YES)


TASKS: dict[str, Callable[[dict[str, Any]], tuple[str, tuple[str, ...]]]] = {
    "boolq": _boolq, "copa": _copa, "hellaswag": _hellaswag, "sentineg": _sentineg, "wic": _wic,
}

def _row(sample: Sample) -> dict[str, Any]:
    row: dict[str, Any] = sample.metadata["row"]
    return row


#: lm-eval's kobest tasks: doc_to_text and the choices, per task
REFERENCE_TEXT: dict[str, tuple[str, Callable[[Sample], str], Callable[[Sample], list[str]]]] = {
    "boolq": ("{{paragraph}} 질문: {{question}} 답변: ",
              lambda s: f"{_row(s)['paragraph']} 질문: {_row(s)['question']} 답변: ",
              lambda s: ["아니오", "예"]),
    "copa": ("{premise} {connector}",
             lambda s: f"{_row(s)['premise']} "
                       f"{ {'원인': ' 왜냐하면', '결과': ' 그래서'}[str(_row(s)['question']).strip()]}",
             lambda s: [f"{_row(s)['alternative_1']}", f"{_row(s)['alternative_2']}"]),
    "hellaswag": ("문장: {context}", lambda s: f"문장: {_row(s)['context']}",
                  lambda s: [str(_row(s)[f"ending_{i}"]) for i in range(1, 5)]),
    "sentineg": ("문장: {sentence} 긍부정:", lambda s: f"문장: {_row(s)['sentence']} 긍부정:",
                 lambda s: ["부정", "긍정"]),
    "wic": ("문장1: {context_1} 문장2: {context_2} 두 문장에서 {word}가 같은 뜻으로 쓰였나?",
            lambda s: f"문장1: {_row(s)['context_1']} 문장2: {_row(s)['context_2']} "
                      f"두 문장에서 {_row(s)['word']}가 같은 뜻으로 쓰였나?",
            lambda s: ["아니오", "예"]),
}


def reference_text(sample: Sample) -> str:
    return REFERENCE_TEXT[str(sample.subset)][1](sample)


def reference_choices(sample: Sample) -> list[str]:
    return REFERENCE_TEXT[str(sample.subset)][2](sample)


REFERENCE = HarnessPrompt(
    text=json.dumps({task: parts[0] for task, parts in REFERENCE_TEXT.items()}, ensure_ascii=False),
    name="lm-eval:kobest", doc_to_text=reference_text, choices=reference_choices,
    reference=f"{LM_EVAL} kobest v1.0 (boolq, copa, hellaswag, sentineg, wic)",
)

PROMPT = BenchmarkPrompt.build(
    "kobest-generative",
    "다음 문제를 읽고 {labels} 중 알맞은 답을 하나 고르세요. "
    "풀이를 쓰더라도 마지막 줄에는 반드시 '정답: X' 형식으로 답하세요.",
)


def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
            split: str) -> list[Sample]:
    assert config is not None
    build = TASKS[config]
    samples = []
    for index, row in enumerate(rows):
        question, options = build(row)
        label = row["label"]
        if not (isinstance(label, int) or str(label).isdigit()) or not 0 <= int(label) < len(options):
            raise DatasetError(
                f"{name}/{config}/{split} row {index}: label {label!r} is not a class index "
                f"0-{len(options) - 1}"
            )
        samples.append(Sample(
            id=f"{name}/{config}/{split}/{index}",
            input=question,
            reference=LABELS[int(label)],
            options=options,
            subset=config,
            metadata={**scalars(row), "row": dict(row)},
        ))
    return samples


KOBEST = Benchmark(
    name="kobest",
    hub=HubData("skt/kobest_v1", ("{config}/{split}.jsonl",)),
    configs=tuple(TASKS),
    splits=("train", "validation", "test", "test_originated"),  # the last: sentineg only
    eval_split="test",
    fewshot_split="train",
    convert=convert,
    prompt=PROMPT,
    reference=REFERENCE,
    reference_likelihood={"f1": True},
    default_method="macro_f1",
    headline="macro_f1",
)


@requires(HUB)
def load_kobest(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """KoBEST: subsets ``boolq``, ``copa``, ``hellaswag``, ``sentineg``, ``wic``."""
    return load_benchmark(KOBEST, split=split, subset=subset, **params)
