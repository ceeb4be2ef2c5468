"""The pack's evaluation methods on their own: math_match, llm_judge, macro-F1
and the Korean-response rate."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import hret
from hret.errors import ConfigError
from hret.methods.f1 import macro_f1, subset_macro_f1
from hret.metrics import korean_response_rate
from hret.sample import Sample
from tests.benchmarks import copies
from tests.benchmarks.tiny_backend import TinyLM

MATH_CASES = [
    ("42", "따라서 답은 $\\boxed{42}$입니다.", 1.0),
    ("42", "6 × 7을 계산하면\n42", 1.0),                       # last line, plain number
    ("18.0", "정답: 18", 1.0),                                  # float reference, integer answer
    ("18", "답은 18.0입니다", 1.0),
    ("1234", "총 1,234원입니다.", 1.0),                          # thousands separator
    ("\\frac{1}{2}", "$x = \\frac{2}{4}$", 1.0),                # LaTeX on both sides
    ("0.5", "x = 1/2", 1.0),
    ("42", "처음엔 42라고 생각했지만 다시 계산하면 정답은 43", 0.0),  # the last answer wins
    ("42", "<think>42일까?</think>\n정답은 41", 0.0),           # reasoning is ignored
    ("-3", "답: -3", 1.0),
    ("-3", "답: 3", 0.0),
    ("7", "모르겠습니다", None),                                 # nothing to read
]


@pytest.mark.parametrize(("reference", "output", "expected"), MATH_CASES)
def test_math_match(reference: str, output: str, expected: float | None) -> None:
    evaluator = hret.get_evaluator("math_match")
    score = evaluator.score(Sample(id="m", input="문제", reference=reference), output)
    if expected is None:
        assert (score.value, score.extraction_failed) == (0.0, True)
    else:
        assert (score.value, score.extraction_failed) == (expected, False)


def _qa_dataset() -> hret.Dataset:
    samples = tuple(Sample(id=f"q{i}", input=q, reference=a) for i, (q, a) in enumerate([
        ("한국의 수도는?", "서울"), ("가장 긴 강은?", "낙동강"), ("한글을 만든 왕은?", "세종대왕")]))
    return hret.Dataset(name="qa", samples=samples, default_method="llm_judge")


def test_llm_judge_pointwise_counts_unreadable_verdicts() -> None:
    prompts: list[str] = []

    def judge(prompt: str) -> str:
        prompts.append(prompt)
        if "서울입니다" in prompt:
            return "정확하고 자연스럽습니다.\n점수: [[10]]"
        if "낙동강" in prompt:
            return "부분적으로 맞습니다. 점수: [[4]]"
        return "판단하기 어렵습니다."  # no score: counted, not dropped

    outputs = {"한국의 수도는?": "서울입니다.", "가장 긴 강은?": "낙동강이요", "한글을 만든 왕은?": "몰라요"}
    result = hret.quick_eval(lambda p: outputs[p], dataset=_qa_dataset(),
                             evaluator_params={"judge": judge, "low": 1, "high": 10})
    m = result.metrics
    assert [r["score"] for r in result.samples] == [1.0, pytest.approx(3 / 9), 0.0]
    assert m["judge_score"] == pytest.approx((1 + 3 / 9 + 0) / 3)
    assert m["judge_unparsable"] == 1.0 and m["judge_unparsable_rate"] == pytest.approx(1 / 3)
    assert m["judge_score_raw"] == pytest.approx(7.0) and m["extraction_failure_rate"] == pytest.approx(1 / 3)
    assert "[참고 답안]\n서울" in prompts[0] and "[어시스턴트의 답변]\n서울입니다." in prompts[0]
    assert result.info["method"]["mode"] == "pointwise"


def test_llm_judge_pairwise_cancels_position_bias() -> None:
    def first_always(prompt: str) -> str:
        return "[[A]]"

    def fair(prompt: str) -> str:
        a = prompt.split("[답변 A]\n")[1].split("\n\n[답변 B]")[0]
        b = prompt.split("[답변 B]\n")[1].split("\n\n")[0]
        if "?" in a or "?" in b:
            return "판정 불가"
        return "[[A]]" if len(a) > len(b) else "[[B]]" if len(b) > len(a) else "[[C]]"

    outputs = {"한국의 수도는?": "서울특별시입니다", "가장 긴 강은?": "강", "한글을 만든 왕은?": "???"}
    biased = hret.quick_eval(lambda p: outputs[p], dataset=_qa_dataset(),
                             evaluator_params={"judge": first_always, "mode": "pairwise"})
    # a judge that always prefers the first answer: one win and one loss per item
    assert [r["extracted"] for r in biased.samples] == ["win,loss"] * 3
    assert biased.metrics["win_rate"] == 0.5
    assert biased.metrics["judge_position_inconsistency_rate"] == 1.0
    result = hret.quick_eval(lambda p: outputs[p], dataset=_qa_dataset(),
                             evaluator_params={"judge": fair, "mode": "pairwise"})
    assert [r["extracted"] for r in result.samples] == ["win,win", "loss,loss", "?,?"]
    assert [r["score"] for r in result.samples] == [1.0, 0.0, 0.0]
    assert result.metrics["judge_unparsable"] == 2.0
    assert result.metrics["judge_unparsable_rate"] == pytest.approx(2 / 6)
    assert result.metrics["judge_position_inconsistency_rate"] == 0.0


def test_llm_judge_takes_batched_async_and_backend_judges(tiny_lm: TinyLM) -> None:
    @hret.batched
    def batched(prompts: list[str]) -> list[str]:
        return ["점수: 8" for _ in prompts]

    async def in_async(prompt: str) -> str:
        await asyncio.sleep(0)
        return "[[6]]"

    data = _qa_dataset()
    assert hret.quick_eval(lambda p: "답", dataset=data,
                           evaluator_params={"judge": batched}).metrics["judge_score_raw"] == 8.0
    assert hret.quick_eval(lambda p: "답", dataset=data,
                           evaluator_params={"judge": in_async}).metrics["judge_score_raw"] == 6.0
    # the untrained tiny model never writes a score: every verdict is counted as unreadable
    m = hret.quick_eval(lambda p: "답", dataset=data, evaluator_params={"judge": tiny_lm}).metrics
    assert (m["judge_unparsable"], m["judge_score"]) == (3.0, 0.0)
    with pytest.raises(ConfigError, match="needs a judge"):
        hret.get_evaluator("llm_judge")
    with pytest.raises(ConfigError, match="mode='listwise'"):
        hret.get_evaluator("llm_judge", {"judge": batched, "mode": "listwise"})


def test_macro_f1_by_hand() -> None:
    refs = ["A", "A", "B", "B", "B"]
    preds: list[str | None] = ["A", "B", "B", "B", None]
    # A: tp 1, fp 0, fn 1 -> 2/3 ; B: tp 2, fp 1, fn 1 -> 4/6
    assert macro_f1(refs, preds) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert macro_f1(["A", "A"], ["A", "C"]) == pytest.approx((2 / 3 + 0) / 2)  # C counts as a class
    samples = [Sample(id=str(i), input="", reference=r, options=("x", "y"), subset=s)
               for i, (r, s) in enumerate([("A", "boolq"), ("B", "boolq"), ("A", "wic"), ("B", "wic")])]
    got = subset_macro_f1(samples, ["A", "B", "B", "B"])
    assert got["macro_f1/boolq"] == 1.0 and got["macro_f1/wic"] == pytest.approx((0 + 2 / 3) / 2)
    assert got["macro_f1"] == pytest.approx((1 + 1 / 3) / 2)


def test_kobest_macro_f1_per_task(tmp_path: Path) -> None:
    spec = copies.kobest(tmp_path)
    result = hret.quick_eval(lambda p: "정답: A", **spec)  # always the first class
    m = result.metrics
    # boolq refs B, A -> preds A, A: A f1 2/3, B f1 0 ; copa refs A, B -> same ; sentineg refs B, A -> same
    assert m["macro_f1/boolq"] == pytest.approx(1 / 3) and m["macro_f1/copa"] == pytest.approx(1 / 3)
    assert m["macro_f1/hellaswag"] == 1.0 and m["macro_f1/wic"] == 1.0
    assert m["macro_f1"] == pytest.approx((1 / 3 * 3 + 1 + 1) / 5)
    assert m["accuracy"] == pytest.approx(5 / 8)


def test_korean_response_rate() -> None:
    # "B" and "42" have no words; "정답은 (C) because" has 3 Hangul letters and 7 Latin ones
    assert korean_response_rate(["정답: A", "The answer is B", "B", "42", "정답은 (C) because"]) \
        == pytest.approx(1 / 3)
    assert korean_response_rate(["정답은 C입니다 (answer)", "답: x"]) == 1.0
    assert korean_response_rate(["B", "(C)", "42"]) is None
    assert korean_response_rate(["<think>let me think in English</think>정답은 A입니다"]) == 1.0

