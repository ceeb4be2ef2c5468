"""HRM8K (``HAERAE-HUB/HRM8K``): bilingual math word problems with numeric answers.

Subsets GSM8K, KSM, MATH, MMMLU (the answer is the number of the right option,
which the question lists) and OMNI_MATH; one ``test`` split, so prompts are
zero-shot. Scored with ``math_match``; ``dataset_params={"language": "en"}``
evaluates the English originals.
"""

from __future__ import annotations

from typing import Any

from hret.benchmarks.common import Benchmark, check_params, load_benchmark, scalars, text
from hret.benchmarks.harness import LM_EVAL, HarnessPrompt
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.errors import DatasetError
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

FILES = {"GSM8K": "gsm8k", "KSM": "ksm", "MATH": "math_do", "MMMLU": "mmmlu",
         "OMNI_MATH": "omni-math_do"}
PROMPTS = {
    "ko": BenchmarkPrompt.build(
        "hrm8k-generative",
        "다음 수학 문제를 풀어 보세요. 풀이를 마친 뒤 마지막 줄에 최종 답을 $\\boxed{{N}}$ 형식으로 "
        "쓰세요. 선택지가 있는 문제라면 N은 고른 선택지의 번호입니다.",
        block="문제: {question}", answer="풀이:", answer_format="$\\boxed{{{answer}}}$",
    ),
    "en": BenchmarkPrompt.build(
        "hrm8k-en-generative",
        "Solve the following math problem. After solving it, write the final answer on the "
        "last line as $\\boxed{{N}}$. If the problem lists choices, N is the number of the "
        "chosen choice.",
        block="Question: {question}", answer="Solution:", answer_format="$\\boxed{{{answer}}}$",
    ),
}


#: lm-eval's hrm8k (Korean ``question``) and hrm8k_en (English ``original``) instructions;
#: MMMLU's names its four numbered choices
INSTRUCTIONS = {
    "ko": ("주어진 문제를 풀어보세요.\n문제를 푼 후, 최종 답변을 다음과 같은 형식으로 작성하세요: $\\boxed{N}$.\n\n",
           "주어진 문제를 풀어보세요.\n문제를 푼 후, 주어진 선택지 (1, 2, 3, 4) 중 최종 선택지를 다음 "
           "형식으로 작성하세요: $\\boxed{N}$.\n\n", "문제", "답변", "question", "hrm8k"),
    "en": ("Solve the given question.\nAfter solving the problem, state your final answer in the "
           "following format: $\\boxed{N}$.\n\n",
           "Solve the given question.\nAfter solving the problem, state your final choice among the "
           "choices (1, 2, 3, 4) in the following format: $\\boxed{N}$.\n\n", "Question", "Answer",
           "original", "hrm8k_en"),
}


def reference_prompt(language: str) -> HarnessPrompt:
    default, mmmlu, question, answer, column, task = INSTRUCTIONS[language]

    def doc_to_text(sample: Sample) -> str:
        instruction = mmmlu if sample.subset == "MMMLU" else default
        return f"{instruction}{question}: {str(sample.metadata['row'][column]).strip()}\n{answer}:"

    return HarnessPrompt(
        text=f"{default}{question}: {{{column}.strip()}}\n{answer}:", name=f"lm-eval:{task}",
        doc_to_text=doc_to_text, reference=f"{LM_EVAL} {task} v1.1 (utils.doc_to_text, process_results)",
        generation={"stop": ["</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>"],
                    "max_new_tokens": 2048},
    )


def number_text(value: Any) -> str:
    """A numeric answer as written, without a float's trailing ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text(value)


def converter(language: str) -> Any:
    column = "question" if language == "ko" else "original"

    def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
                split: str) -> list[Sample]:
        samples = []
        for index, row in enumerate(rows):
            if column not in row:
                raise DatasetError(
                    f"{name}/{config}/{split} row {index} has no {column!r} column; "
                    f"its columns are {sorted(row)}"
                )
            samples.append(Sample(
                id=f"{name}/{config}/{split}/{index}", input=text(row[column]),
                reference=number_text(row["answer"]), subset=config,
                metadata={**scalars(row, skip=(column, "answer")), "row": scalars(row)},
            ))
        return samples

    return convert


def benchmark(language: str) -> Benchmark:
    return Benchmark(
        name="hrm8k",
        hub=HubData("HAERAE-HUB/HRM8K", ("HRM8K/{file}_{split}.csv",), FILES),
        configs=tuple(FILES),
        splits=("test",),
        eval_split="test",
        convert=converter(language),
        prompt=PROMPTS[language],
        default_method="math_match",
        reference=reference_prompt(language),
        reference_method="harness_match",
        reference_method_params={"answer_filter": "math"},
        info={"language": language, "fewshot_note": "test split only: prompts are zero-shot"},
    )


@requires(HUB)
def load_hrm8k(*, split: str | None = None, subset: Any = None, language: str = "ko",
               **params: Any) -> Dataset:
    """HRM8K: subsets ``GSM8K``, ``KSM``, ``MATH``, ``MMMLU``, ``OMNI_MATH``."""
    check_params("hrm8k", params)
    if language not in PROMPTS:
        raise DatasetError(f"hrm8k has no language {language!r}; languages: ko, en")
    return load_benchmark(benchmark(language), split=split, subset=subset, **params)
