"""KorMedMCQA (``sean0042/KorMedMCQA``): Korean licensing exams for doctors,
nurses, pharmacists and dentists; five options A-E and a 1-based answer.

Evaluated on ``test``; few-shot examples come from the dataset's own
``fewshot`` split (five solved items per exam).
"""

from __future__ import annotations

from typing import Any

from hret.benchmarks.common import Benchmark, load_benchmark
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.datasets.files import multiple_choice_samples
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

EXAMS = {"doctor": "의사", "nurse": "간호사", "pharm": "약사", "dentist": "치과의사"}

PROMPT = BenchmarkPrompt.build(
    "kormedmcqa-generative",
    "다음은 한국 {subject} 국가시험 문제입니다. {labels} 중 정답을 하나 고르세요. "
    "풀이를 쓰더라도 마지막 줄에는 반드시 '정답: X' 형식으로 답하세요.",
)


def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
            split: str) -> list[Sample]:
    assert config is not None
    enriched = [{**row, "question": str(row["question"]).strip(), "exam": config,
                 "subject_name": EXAMS[config]} for row in rows]
    return multiple_choice_samples(enriched, name=name, split=split,
                                   source=f"{name}/{config}/{split}", subset_key="exam")


KORMEDMCQA = Benchmark(
    name="kormedmcqa",
    hub=HubData("sean0042/KorMedMCQA", ("{config}/{split}-*.parquet",)),
    configs=tuple(EXAMS),
    splits=("train", "dev", "test", "fewshot"),
    eval_split="test",
    fewshot_split="fewshot",
    convert=convert,
    prompt=PROMPT,
)


@requires(HUB)
def load_kormedmcqa(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """KorMedMCQA: subsets ``doctor``, ``nurse``, ``pharm``, ``dentist``."""
    return load_benchmark(KORMEDMCQA, split=split, subset=subset, **params)
