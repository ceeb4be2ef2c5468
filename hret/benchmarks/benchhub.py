"""BenchHub (``BenchHub/BenchHub-Ko`` and ``-En``): many benchmarks in one table,
each row classified by problem, task, target and subject type.

Filters keep the rows whose field equals one of the given values (case does not
matter); a subject filter such as ``HASS`` also keeps ``HASS/Economics``. The
subsets are the source benchmarks' names. The default prompt is the one the
benchmark's authors evaluate with (their loader's input: the context and the
prompt, see ``AUTHORS``); ``prompt="instruct"`` gives hret's multiple-choice
prompt with labelled options. Other rows are scored against their answer text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from hret.benchmarks.common import Benchmark, check_params, listed, load_benchmark, scalars, text
from hret.benchmarks.harness import HarnessPrompt
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.datasets.files import parse_answer
from hret.errors import DatasetError
from hret.prompts import LABELS
from hret.registry import requires
from hret.sample import Sample

FILTERS = {"problem_types": "problem_type", "task_types": "task_type",
           "target_types": "target_type", "subject_types": "subject_type",
           "benchmark_names": "benchmark_name"}
REPOS = {"ko": "BenchHub/BenchHub-Ko", "en": "BenchHub/BenchHub-En"}


def _cell(value: Any) -> str:
    """A cell as the authors' loader writes it: None as "", a list joined by `` | ``."""
    if isinstance(value, (list, tuple)):
        return " | ".join(str(v) for v in value)
    return "" if value is None else str(value)


def authors_text(sample: Sample) -> str:
    row = sample.metadata["row"]
    context, prompt = _cell(row.get("context")), _cell(row.get("prompt"))
    return f"{context}\n{prompt}" if context else prompt


#: the benchmark authors' evaluation input: BenchHub's own loader in the HAE-RAE
#: evaluation toolkit (``llm_eval/datasets/benchhub.py``, ``_convert_to_hret_format``
#: without a ``base_prompt_template``) joins the context and the prompt with one
#: newline and does not list the options; lm-evaluation-harness has no BenchHub task
AUTHORS = HarnessPrompt(
    text="{context}\n{prompt}", name="benchhub-authors", doc_to_text=authors_text,
    reference="BenchHub authors' loader (HAE-RAE/haerae-evaluation-toolkit "
              "llm_eval/datasets/benchhub.py): context + newline + prompt, options not listed",
    plain_text=False,  # the toolkit's backends decide on chat templates themselves
)


def _matches(value: Any, wanted: Sequence[str]) -> bool:
    values = [text(v).casefold() for v in (value if isinstance(value, (list, tuple)) else [value])]
    keys = [w.casefold() for w in wanted]
    return any(v == k or v.startswith(k + "/") for v in values for k in keys)


def _reference(row: dict[str, Any], options: tuple[str, ...], where: str) -> str:
    answer = text(row.get("answer"))
    if answer in options:
        return LABELS[options.index(answer)]
    return parse_answer(answer, len(options), where)


def converter(filters: Mapping[str, Sequence[str]]) -> Any:
    def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
                split: str) -> list[Sample]:
        samples = []
        for index, row in enumerate(rows):
            if not all(_matches(row.get(column), wanted) for column, wanted in filters.items()):
                continue
            where = f"{name}/{split} row {index}"
            options = listed(row.get("options"))
            context, prompt = text(row.get("context")), text(row.get("prompt"))
            is_choice = len(options) >= 2
            subjects = row.get("subject_type")
            samples.append(Sample(
                id=f"{name}/{text(row.get('benchmark_name')) or 'all'}/{split}/{index}",
                input=f"{context}\n\n{prompt}" if context else prompt,
                reference=_reference(row, options, where) if is_choice else text(row.get("answer")),
                options=options if is_choice else (),
                subset=text(row.get("benchmark_name")) or None,
                category=text(row.get("task_type")) or None,
                metadata={**scalars(row, skip=("context", "prompt", "options")),
                          "subject_type": "; ".join(listed(subjects)), "row": dict(row)},
            ))
        return samples

    return convert


BENCHHUB = Benchmark(
    name="benchhub", hub=HubData(REPOS["ko"], ("data/{split}-*.parquet",)), configs=(),
    splits=("train",), eval_split="train", convert=converter({}), reference=AUTHORS,
    info={"fewshot_note": "one split only: prompts are zero-shot"},
)


@requires(HUB)
def load_benchhub(*, split: str | None = None, subset: Any = None, language: str = "ko",
                  **params: Any) -> Dataset:
    """BenchHub; filter with ``dataset_params`` such as ``{"task_types": ["knowledge"]}``."""
    check_params("benchhub", params, accepted=tuple(FILTERS))
    if language not in REPOS:
        raise DatasetError(f"benchhub has no language {language!r}; languages: ko, en")
    filters = {}
    for param, column in FILTERS.items():
        value = params.pop(param, None)
        if value is not None:
            filters[column] = [value] if isinstance(value, str) else [str(v) for v in value]
    bench = replace(BENCHHUB, hub=replace(BENCHHUB.hub, repo=REPOS[language]),
                    convert=converter(filters),
                    info={**BENCHHUB.info, "language": language, "filters": filters})
    return load_benchmark(bench, split=split, subset=subset, **params)
