"""CLIcK: Korean culture and language, 4 or 5 options, every option shown.

The hub repository keeps JSON files under ``Dataset/<Culture|Language>/<Sub>/``
and loads as one ``train`` split, which is the evaluated split. The default
prompt is lm-eval's (``click_cul``/``click_lang`` ``utils.get_context``); its
k-shot runs draw from the scored split, which hret does only with
``fewshot_from_scored_split=True``. The
category (Culture / Language) and the sub-category (the subset) are read from
each item's id.
"""

from __future__ import annotations

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

CULTURE = (
    ("Economy", ("economy",)), ("Geography", ("geography",)), ("History", ("khb", "history", "histroy")),
    ("Law", ("law", "psat")), ("Politics", ("politics",)), ("Pop Culture", ("popular",)),
    ("Society", ("society",)), ("Tradition", ("tradition",)),
)
LANGUAGE = ("Textual", "Grammar", "Functional")
SUBSETS = tuple(name for name, _ in CULTURE) + LANGUAGE
_DIALOGUE = ("대화", "발화", "질의")

PROMPT = BenchmarkPrompt.build(
    "click-generative",
    "다음 문제를 읽고 {labels} 중 가장 알맞은 답을 하나 고르세요. "
    "풀이를 쓰더라도 마지막 줄에는 반드시 '정답: X' 형식으로 답하세요.",
)


def click_text(sample: Sample) -> str:
    """lm-eval's ``get_context``: four options shown, even for five-option items."""
    row = sample.metadata["row"]
    ctx, q, opt = row["paragraph"], row["question"], row["choices"]
    shown = f"질문: {q}\n보기:\nA:{opt[0]}, B: {opt[1]}, C: {opt[2]}, D: {opt[3]}\n정답:"
    if ctx:
        return ("주어진 맥락을 천천히 읽고, 질문에 대한 적절한 정답을 A, B, C, D 중에 골라 알파벳 하나로 "
                f"답하시오.\n\n맥락: {ctx}\n{shown}")
    return f"주어진 질문을 천천히 읽고, 적절한 정답을 A, B, C, D 중에 골라 알파벳 하나로 답하시오.\n\n{shown}"


def click_choices(sample: Sample) -> list[str]:
    return list("ABCDE") if "CSAT" in str(sample.metadata["row"]["id"]) else list("ABCD")


REFERENCE = HarnessPrompt(
    text="utils.get_context: 주어진 (맥락|질문)을 천천히 읽고... 보기:\nA:{o0}, B: {o1}, C: {o2}, D: {o3}\n정답:",
    name="lm-eval:click", doc_to_text=click_text, choices=click_choices,
    reference=f"{LM_EVAL} click v1.0 (click_cul, click_lang)",
)


def _number(part: str) -> int:
    return int(part) if part.isdigit() else -1


def classify(item_id: str, question: str) -> tuple[str | None, str | None]:
    """(category, sub-category) of a CLIcK item from its id, e.g.
    ``CSAT_korean_22_5`` -> ("Language", "Textual")."""
    lowered = item_id.lower()
    for name, keys in CULTURE:
        if any(k in lowered for k in keys):
            return "Culture", name
    parts = item_id.split("_")
    last = _number(parts[-1])
    dialogue = any(word in question for word in _DIALOGUE)
    if item_id.startswith("CSAT_korean") and len(parts) >= 4:
        year, number = _number(parts[2]), _number(parts[3])
        if year == 22 or (year == 23 and number < 35):
            return "Language", "Textual"
        if year < 21 and number > 10:
            return "Language", "Grammar"
        if number < 11 or number > 34:
            return "Language", "Functional"
    if item_id.startswith("TK"):
        return "Language", "Textual" if last > 4 else "Grammar"
    if item_id.startswith("Kedu_16") and dialogue:
        return "Language", "Functional"
    if item_id.startswith("Kedu"):
        return "Language", "Grammar"
    if item_id.startswith("PSE_korean"):
        return "Language", "Functional"
    return None, None


def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
            split: str) -> list[Sample]:
    samples = []
    for index, row in enumerate(rows):
        item_id = text(row.get("id")) or str(index)
        choices = tuple(text(c) for c in row["choices"])
        answer = text(row["answer"])
        if answer not in choices:
            raise DatasetError(
                f"{name} item {item_id!r}: answer {answer!r} is not one of its choices {choices}"
            )
        question, paragraph = text(row["question"]), text(row.get("paragraph"))
        category, subset = classify(item_id, question)
        samples.append(Sample(
            id=f"{name}/{subset or 'all'}/{split}/{item_id}",
            input=f"{paragraph}\n\n{question}" if paragraph else question,
            reference=LABELS[choices.index(answer)],
            options=choices,
            subset=subset,
            category=category,
            metadata={**scalars(row, skip=("choices",)), "row": dict(row)},
        ))
    return samples


CLICK = Benchmark(
    name="click",
    hub=HubData("EunsuKim/CLIcK", ("Dataset/**/*.json",)),
    configs=(),
    splits=("train",),
    eval_split="train",
    convert=convert,
    prompt=PROMPT,
    reference=REFERENCE,
    reference_likelihood={},
    scored_split_fewshot=True,
    info={"subsets": list(SUBSETS),
          "fewshot_note": "the reference draws few-shot examples from the scored train split; "
                          "dataset_params={'fewshot_from_scored_split': True} reproduces that"},
)


@requires(HUB)
def load_click(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """CLIcK (``EunsuKim/CLIcK``): subsets are the 11 sub-categories (``History``...)."""
    return load_benchmark(CLICK, split=split, subset=subset, **params)
