"""A benchmark's declared headline is what every report shows, named, with the micro average beside it."""

from __future__ import annotations

from pathlib import Path

import hret
from hret.report.terminal import result_lines, tables
from tests.benchmarks import copies


def always_a(prompt: str) -> str:
    return "정답: A"


def test_kmmlu_headlines_the_macro_average_over_subjects(tmp_path: Path) -> None:
    spec = copies.kmmlu(tmp_path / "kmmlu")  # subjects of 2, 1 and 3 items
    # KMMLU's default is lm-eval's kmmlu_direct: the continuation of "정답：" is the answer
    result = hret.quick_eval(lambda prompt: " A", **spec)
    metrics = result.metrics
    assert result.headline == result.info["headline"] == "accuracy_macro"
    # History 1/2, Math 0/1, Law 1/3: micro 2/6, macro (1/2 + 0 + 1/3) / 3
    assert abs(metrics["accuracy"] - 2 / 6) < 1e-9
    assert abs(metrics["accuracy_macro"] - (1 / 2 + 0 + 1 / 3) / 3) < 1e-9
    assert metrics["accuracy_macro_ci_low"] < metrics["accuracy_macro"] < metrics["accuracy_macro_ci_high"]
    text = "\n".join(result_lines(result.to_dict()))
    assert "accuracy_macro (95% CI)" in text and "accuracy (micro)" in text
    assert f"{metrics['accuracy_macro']:.3f}" in text
    row = {**result.to_dict(), "nodeid": "test_x.py::kmmlu", "label": "m", "kind": "evaluate"}
    [table] = tables([row], [], verbose=False)
    assert table.header[4] == "accuracy_macro (95% CI)"
    assert table.rows[0][4].startswith(f"{metrics['accuracy_macro']:.3f}")


def test_a_dataset_without_a_declared_headline_keeps_accuracy() -> None:
    result = hret.quick_eval(always_a, dataset="ko-sample", limit=20)
    assert result.headline == "accuracy" and "accuracy_macro" in result.metrics
