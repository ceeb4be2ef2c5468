"""Random bytes, random JSON and random model outputs through loading,
evaluation and reporting: hret's own errors or a written result, nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hret
from hret.errors import HretError
from hret.report.html import write_html
from hret.results import EvaluationResult
from hret.sample import Sample

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["question", "answer", "options", "A", "B", "C", "subject", "x"]),
        inner, max_size=6),
    max_leaves=12,
)
ROW = st.fixed_dictionaries(
    {"question": st.text(max_size=30), "A": st.text(max_size=10), "B": st.text(max_size=10)},
    optional={"answer": JSON, "options": JSON, "subject": JSON, "C": JSON},
)
# text UTF-8 cannot encode (lone surrogates), NUL, control characters and huge strings
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=50) | st.sampled_from(
    ["\udcff", "\x00", "정답: A\x00", "A" * 200_000, "\ud800정답: B", ""])
OUTPUT = TEXT | st.none() | st.integers() | st.lists(st.text(max_size=3), max_size=3) | JSON


def _load(path: Path) -> None:
    try:
        dataset = hret.load_dataset(str(path))
    except HretError:
        return
    assert all(isinstance(s, Sample) for s in dataset.samples)


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".jsonl", ".json", ".csv", ".parquet"]))
def test_random_bytes_load_or_raise_hret_errors(data: bytes, suffix: str) -> None:
    path = Path(f"fuzz{suffix}")
    path.write_bytes(data)
    _load(path)


@FUZZ
@given(lines=st.lists(JSON | ROW, min_size=1, max_size=5), as_list=st.booleans())
def test_random_json_shapes_load_or_raise_hret_errors(lines: list[Any], as_list: bool) -> None:
    if as_list:
        path = Path("fuzz.json")
        path.write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
    else:
        path = Path("fuzz.jsonl")
        path.write_text("\n".join(json.dumps(v, ensure_ascii=False) for v in lines), encoding="utf-8")
    _load(path)


DATA = hret.Dataset("fuzz", tuple(
    Sample(id=f"fuzz/{i}", input=f"질문 {i}", reference="A", options=("가", "나", "다"),
           subset=f"s{i % 2}") for i in range(6)))


@FUZZ
@given(outputs=st.lists(OUTPUT, min_size=6, max_size=6),
       raises=st.lists(st.booleans(), min_size=6, max_size=6),
       batched=st.booleans())
def test_random_outputs_always_give_a_written_consistent_result(
        outputs: list[Any], raises: list[bool], batched: bool) -> None:
    def answer(prompt: str) -> Any:
        index = int(prompt.rsplit("질문 ", 1)[1].split("\n", 1)[0])
        if raises[index]:
            raise RuntimeError(f"failed on \udcff{outputs[index]!r:.40}\x00")
        return outputs[index]

    model: Any = answer
    if batched:
        model = hret.batched(lambda prompts: [answer(p) for p in prompts], batch_size=4)
    result = hret.quick_eval(model, dataset=DATA)
    metrics = result.metrics
    assert metrics["n_total"] == 6
    assert metrics["n"] + metrics["error_count"] == metrics["n_total"]
    assert len(result.samples) == 6
    saved = EvaluationResult.load_json(result.info["result_path"])
    assert saved.metrics == metrics and len(saved.samples) == 6
    for record in saved.samples:
        json.dumps(record).encode("utf-8")  # every stored text is encodable
    page = write_html([result], "report.html").read_text(encoding="utf-8")
    assert page.count('<tr class="sample"') == 6
