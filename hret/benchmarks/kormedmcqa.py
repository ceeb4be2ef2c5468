"""KorMedMCQA (``sean0042/KorMedMCQA``): Korean licensing exams for doctors,
nurses, pharmacists and dentists; five options A-E and a 1-based answer.

Evaluated on ``test``; few-shot examples come from the dataset's own
``fewshot`` split (five solved items per exam).
"""

from __future__ import annotations

from typing import Any

from hret.benchmarks.common import Benchmark, load_benchmark, with_rows
from hret.benchmarks.harness import LM_EVAL, HarnessPrompt
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.datasets.files import multiple_choice_samples
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

EXAMS = {"doctor": "의사", "nurse": "간호사", "pharm": "약사", "dentist": "치과의사"}

def kormedmcqa_text(sample: Sample) -> str:
    row = sample.metadata["row"]
    return (f"{str(row['question']).strip()}\nA. {row['A']}\nB. {row['B']}\nC. {row['C']}\n"
            f"D. {row['D']}\nE. {row['E']}\n정답：")


REFERENCE = HarnessPrompt(
    text="{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\nE. {{E}}\n정답：",
    name="lm-eval:kormedmcqa", doc_to_text=kormedmcqa_text,
    # the few-shot doc_to_text writes the answer itself and its target is empty
    fewshot_text=lambda s: f"{kormedmcqa_text(s)} {s.reference}\n\n",
    reference=f"{LM_EVAL} kormedmcqa v3.0",
    generation={"stop": ["Q:", "</s>", "<|im_end|>", ".", "\n\n"], "max_new_tokens": 1024},
)

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
    return with_rows(multiple_choice_samples(enriched, name=name, split=split,
                                             source=f"{name}/{config}/{split}", subset_key="exam"),
                     rows)


KORMEDMCQA = Benchmark(
    name="kormedmcqa",
    hub=HubData("sean0042/KorMedMCQA", ("{config}/{split}-*.parquet",)),
    configs=tuple(EXAMS),
    splits=("train", "dev", "test", "fewshot"),
    eval_split="test",
    fewshot_split="fewshot",
    convert=convert,
    prompt=PROMPT,
    reference=REFERENCE,
    reference_method="harness_match",
    reference_method_params={"answer_filter": "choice", "ignore": [" ", "\n"]},
    sampler="first_n",
)


@requires(HUB)
def load_kormedmcqa(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """KorMedMCQA: subsets ``doctor``, ``nurse``, ``pharm``, ``dentist``."""
    return load_benchmark(KORMEDMCQA, split=split, subset=subset, **params)
