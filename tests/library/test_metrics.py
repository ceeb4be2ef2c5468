from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import hret


def _dataset(tmp_path: Path) -> str:
    rows = [
        {"question": f"x{i}", "A": "사과", "B": "포도", "C": "딸기", "D": "수박", "answer": 1,
         "subject": "X", "Category": "STEM"} for i in range(3)
    ] + [
        {"question": "y0", "A": "사과", "B": "포도", "C": "딸기", "D": "수박", "answer": 2,
         "subject": "Y", "Category": "HUMSS"},
        {"question": "z0", "A": "사과", "B": "포도", "C": "딸기", "D": "수박", "answer": 3,
         "subject": "Z", "Category": "HUMSS"},
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_micro_macro_categories_and_failures(tmp_path: Path) -> None:
    def model(prompt: str) -> str:
        if "질문: z0" in prompt:
            return "잘 모르겠습니다"  # no answer can be extracted
        return "정답: A"

    result = hret.quick_eval(model, dataset=_dataset(tmp_path))
    m = result.metrics
    # scores: X = 1,1,1 ; Y = 0 (answer B) ; Z = 0 (no answer extracted)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["accuracy_macro"] == pytest.approx((1 + 0 + 0) / 3)
    assert m["accuracy_macro_category"] == pytest.approx((1 + 0) / 2)
    assert m["extraction_failure_rate"] == pytest.approx(1 / 5)
    # sample sd of [1,1,1,0,0] = sqrt(0.3); stderr = sqrt(0.3 / 5)
    assert m["accuracy_stderr"] == pytest.approx(math.sqrt(0.3 / 5))
    assert m["accuracy_ci_low"] < 0.6 < m["accuracy_ci_high"]
    assert result.subsets["X"]["accuracy"] == 1.0 and result.subsets["X"]["n"] == 3
    assert result.categories["HUMSS"] == {**result.categories["HUMSS"], "accuracy": 0.0, "n": 2}
    assert result.samples[4]["extraction_failed"] is True and result.samples[4]["extracted"] is None
    assert result.samples[3]["extracted"] == "A"
    assert m["latency_p50_ms"] >= 0 and m["latency_p95_ms"] >= m["latency_p50_ms"]
    assert m["duration_s"] > 0 and m["n_total"] == 5


def test_errors_are_excluded_from_accuracy_but_counted(tmp_path: Path) -> None:
    def model(prompt: str) -> str:
        if "질문: x0" in prompt:
            raise TimeoutError("slow")
        return "A"

    m = hret.quick_eval(model, dataset=_dataset(tmp_path)).metrics
    assert m["n"] == 4 and m["error_count"] == 1 and m["error_rate"] == pytest.approx(0.2)
    assert m["accuracy"] == pytest.approx(2 / 4)
