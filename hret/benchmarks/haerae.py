"""HAE-RAE Bench 1.1 (13 subsets) and 1.0: Korean knowledge, 4 or 5 options.

Rows carry ``query`` (the question, usually with its options already written
as ``(A) ...``), ``answer`` (``(A)`` or ``A``) and, in 1.1, ``options``. The
options are taken from the ``options`` column or read back from the query.
The default prompt is lm-eval's ``haerae`` task: the query as written, scored
over the continuations ``(A)``..``(E)``. Only a test split exists, so hret's
k-shot runs need ``fewshot_from_scored_split=True``, which draws as lm-eval
does (``k + 1`` from the scored split, the question itself dropped).
"""

from __future__ import annotations

import re
from typing import Any

from hret.benchmarks.common import Benchmark, check_params, listed, load_benchmark, scalars, text
from hret.benchmarks.harness import LM_EVAL, HarnessPrompt, cell
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.datasets.files import parse_answer
from hret.errors import DatasetError
from hret.prompts import LABELS
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

SUBSETS_1_1 = (
    "correct_definition_matching", "csat_geo", "csat_law", "csat_socio", "date_understanding",
    "general_knowledge", "history", "loan_words", "lyrics_denoising", "proverbs_denoising",
    "rare_words", "standard_nomenclature", "reading_comprehension",
)
SUBSETS_1_0 = ("general_knowledge", "history", "loan_words", "rare_words", "standard_nomenclature")
#: the options an item has when neither a column nor the query shows them
DEFAULT_OPTIONS = tuple(f"({label})" for label in "ABCDE")
LAYOUTS = ("{config}/{split}/*.parquet", "{config}/{split}-*.parquet",
           "data/{split}/{config}_{split}.csv")

PROMPT = BenchmarkPrompt.build(
    "haerae-generative",
    "다음 문제를 읽고 {labels} 중 정답을 하나 고르세요. "
    "풀이를 쓰더라도 마지막 줄에는 반드시 '정답: X' 형식으로 답하세요.",
    block="{question}\n{options}",
)

REFERENCE = HarnessPrompt(
    text="{{query}}", name="lm-eval:haerae",
    doc_to_text=lambda s: cell(s, "query"),
    choices=lambda s: ["(A)", "(B)", "(C)", "(D)", "(E)"],
    target=lambda s: cell(s, "answer"),
    reference=f"{LM_EVAL} haerae v1.0 (dataset HAE_RAE_BENCH 1.0)",
)
FEWSHOT_NOTE = ("the reference draws few-shot examples from the scored test split; "
                "dataset_params={'fewshot_from_scored_split': True} reproduces that")

_CUE = re.compile(r"\s*(?:###\s*)?정답\s*[:：]?\s*$")
_MARKER = re.compile(r"\(([A-J])\)")


def inline_options(query: str) -> tuple[str, ...]:
    """Options written in the query as ``(A) ... (B) ...``, in order from A."""
    markers = list(_MARKER.finditer(query))
    for start, first in enumerate(markers):
        if first.group(1) != "A":
            continue
        run = [first]
        for marker in markers[start + 1:]:
            if len(run) < len(LABELS) and marker.group(1) == LABELS[len(run)]:
                run.append(marker)
        if len(run) < 2:
            continue
        ends = [m.start() for m in run[1:]] + [len(query)]
        texts = [query[m.end():end] for m, end in zip(run, ends, strict=True)]
        # the last option ends where a blank line or a ### section starts
        texts[-1] = re.split(r"\n\s*\n|###", texts[-1])[0]
        return tuple(t.strip().rstrip(",").strip() for t in texts)
    return ()


def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
            split: str) -> list[Sample]:
    samples = []
    for index, row in enumerate(rows):
        where = f"{name}/{config}/{split} row {index}"
        if "query" not in row:
            raise DatasetError(f"{where} has columns {sorted(row)}; expected 'query' and 'answer'")
        query = _CUE.sub("", text(row["query"]))
        inline = inline_options(query)
        options = listed(row.get("options")) or inline or DEFAULT_OPTIONS
        samples.append(Sample(
            id=f"{name}/{config}/{split}/{index}",
            input=query,
            reference=parse_answer(text(row["answer"]), len(options), where),
            options=options,
            subset=config,
            metadata={**scalars(row, skip=("query", "answer", "options")),
                      # the query shows the options: the prompt must not list them twice
                      "options_in_question": bool(inline) or options == DEFAULT_OPTIONS,
                      "row": scalars(row)},
        ))
    return samples


HAERAE_1_1 = Benchmark(
    name="haerae", hub=HubData("HAERAE-HUB/HAE_RAE_BENCH_1.1", LAYOUTS), configs=SUBSETS_1_1,
    splits=("test",), eval_split="test", convert=convert, prompt=PROMPT,
    reference=REFERENCE, default_method="string_match", scored_split_fewshot=True,
    reference_likelihood={},
    info={"version": "1.1", "fewshot_note": FEWSHOT_NOTE,
          "reference_note": "lm-eval's haerae task reads HAE_RAE_BENCH 1.0; 1.1 gets the same prompt"},
)
HAERAE_1_0 = Benchmark(
    name="haerae", hub=HubData("HAERAE-HUB/HAE_RAE_BENCH", LAYOUTS), configs=SUBSETS_1_0,
    splits=("test",), eval_split="test", convert=convert, prompt=PROMPT,
    reference=REFERENCE, default_method="string_match", scored_split_fewshot=True,
    reference_likelihood={},
    info={"version": "1.0", "fewshot_note": FEWSHOT_NOTE},
)
VERSIONS = {"1.1": HAERAE_1_1, "1.0": HAERAE_1_0}


@requires(HUB)
def load_haerae(*, split: str | None = None, subset: Any = None, version: str = "1.1",
                **params: Any) -> Dataset:
    """HAE-RAE Bench; ``dataset_params={"version": "1.0"}`` for the first release."""
    check_params("haerae", params)
    bench = VERSIONS.get(str(version))
    if bench is None:
        raise DatasetError(f"haerae has no version {version!r}; versions: {', '.join(VERSIONS)}")
    return load_benchmark(bench, split=split, subset=subset, **params)
