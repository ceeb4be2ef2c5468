"""CLIcK: Korean culture and language, 4 or 5 options, every option shown.

The hub repository keeps JSON files under ``Dataset/<Culture|Language>/<Sub>/``
and loads as one ``train`` split, which is the evaluated split; there is no
other split to draw few-shot examples from, so prompts are zero-shot. The
category (Culture / Language) and the sub-category (the subset) are read from
each item's id.
"""

from __future__ import annotations

from typing import Any

from hret.benchmarks.common import Benchmark, load_benchmark, scalars, text
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
            metadata=scalars(row, skip=("choices",)),
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
    info={"subsets": list(SUBSETS), "fewshot_note": "one split only: prompts are zero-shot"},
)


@requires(HUB)
def load_click(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """CLIcK (``EunsuKim/CLIcK``): subsets are the 11 sub-categories (``History``...)."""
    return load_benchmark(CLICK, split=split, subset=subset, **params)
