"""``llm_judge``: another model grades the outputs.

The judge is anything hret can call (a function, an async or batched function,
a backend). ``mode="pointwise"`` asks for a rubric score from ``low`` to
``high`` and reports it scaled to 0-1 (``judge_score``); ``mode="pairwise"``
compares the output with the reference answer (or with a ``baseline`` model's
answer) twice, once in each order, and averages the two verdicts from the
model's side (win 1, tie 0.5, loss 0) into ``win_rate``, which cancels the
judge's preference for a position. A verdict that cannot be read scores 0,
marks the sample ``extraction_failed`` and is counted in
``judge_unparsable`` / ``judge_unparsable_rate``: it is never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from hret.errors import ConfigError, ModelFunctionError
from hret.extraction import strip_reasoning
from hret.methods.base import Evaluator, Score, register_evaluator
from hret.models import Model, as_model, run_coroutine
from hret.sample import Sample

RUBRIC = "정확성, 질문의 요구를 얼마나 충실히 따랐는지, 한국어 표현의 자연스러움을 함께 고려하세요."
POINTWISE = (
    "다음은 사용자의 질문과 AI 어시스턴트의 답변입니다. 아래 평가 기준에 따라 답변을 {low}점부터 "
    "{high}점까지의 정수로 평가하세요.\n\n[평가 기준]\n{rubric}\n\n[질문]\n{question}\n\n"
    "{reference}[어시스턴트의 답변]\n{output}\n\n"
    "평가 이유를 간단히 쓴 뒤, 마지막 줄에 반드시 \"점수: [[N]]\" 형식으로 점수를 쓰세요."
)
PAIRWISE = (
    "다음은 사용자의 질문과 두 AI 어시스턴트의 답변입니다. 평가 기준에 따라 어느 답변이 더 나은지 "
    "판단하세요. 답변의 순서나 길이에 영향을 받지 마세요.\n\n[평가 기준]\n{rubric}\n\n"
    "[질문]\n{question}\n\n[답변 A]\n{a}\n\n[답변 B]\n{b}\n\n"
    "판단 이유를 간단히 쓴 뒤, 마지막 줄에 A가 낫다면 \"[[A]]\", B가 낫다면 \"[[B]]\", "
    "비슷하다면 \"[[C]]\"를 쓰세요."
)
MODES = ("pointwise", "pairwise")
UNREAD = "?"
_SCORE = re.compile(r"\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]|(?:점수|score|rating)\s*[:=]\s*(-?\d+(?:\.\d+)?)", re.I)
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")
#: a pairwise verdict from the evaluated model's side, per position it was shown in
OUTCOME = {("A", 0): "win", ("B", 0): "loss", ("A", 1): "loss", ("B", 1): "win",
           ("C", 0): "tie", ("C", 1): "tie"}
VALUE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def complete(model: Model, prompt: str) -> str:
    """One answer from ``model`` whatever its calling convention."""
    if model.kind == "sync":
        out = model.call(prompt)
    elif model.kind == "async":
        out = run_coroutine(model.call(prompt))
    elif model.kind == "batched":
        out = model.call([prompt])[0]
    else:
        out = run_coroutine(model.call([prompt]))[0]
    if not isinstance(out, str):
        raise ModelFunctionError(f"judge {model.label!r} returned {type(out).__name__}; expected str")
    return out


def question_of(sample: Sample) -> str:
    if isinstance(sample.input, str):
        return sample.input
    users = [m.get("content", "") for m in sample.input if m.get("role") == "user"]
    return users[-1] if users else ""


def read_score(reply: str, low: float, high: float) -> float | None:
    """The last score in ``reply`` (``[[7]]``, ``점수: 7``) if it is within the scale."""
    matches = list(_SCORE.finditer(unicodedata.normalize("NFKC", strip_reasoning(reply))))
    if not matches:
        return None
    value = float(matches[-1].group(1) or matches[-1].group(2))
    return value if low <= value <= high else None


def read_verdict(reply: str) -> str | None:
    """``A``, ``B`` or ``C`` (tie) from the last ``[[X]]`` in ``reply``."""
    matches = _VERDICT.findall(unicodedata.normalize("NFKC", strip_reasoning(reply)))
    return matches[-1] if matches else None


@register_evaluator("llm_judge")
class LLMJudge(Evaluator):
    """Grades outputs with a judge model; see the module docstring."""

    name = "llm_judge"
    extra_metrics = frozenset({"judge_unparsable", "judge_unparsable_rate", "judge_score_raw",
                               "judge_position_inconsistency_rate"})

    def __init__(self, judge: Any = None, mode: str = "pointwise", rubric: str = RUBRIC,
                 low: int = 1, high: int = 10, baseline: Any = None) -> None:
        if judge is None:
            raise ConfigError(
                "llm_judge needs a judge: evaluator_params={'judge': fn} where fn(prompt) -> str "
                "or a backend"
            )
        if mode not in MODES:
            raise ConfigError(f"llm_judge mode={mode!r}; expected one of {', '.join(MODES)}")
        if mode == "pointwise" and not low < high:
            raise ConfigError(f"llm_judge scale low={low} must be below high={high}")
        self.judge = as_model(judge)
        self.baseline = as_model(baseline) if baseline is not None else None
        self.mode, self.rubric, self.low, self.high = mode, rubric, low, high
        self.metric = "judge_score" if mode == "pointwise" else "win_rate"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "mode": self.mode, "judge": self.judge.label,
                "scale": [self.low, self.high], "rubric": self.rubric,
                "baseline": self.baseline.label if self.baseline else "reference"}

    def score(self, sample: Sample, output: str) -> Score:
        return self._pointwise(sample, output) if self.mode == "pointwise" else self._pairwise(sample, output)

    def _pointwise(self, sample: Sample, output: str) -> Score:
        reference = sample.answer_text
        prompt = POINTWISE.format(
            low=self.low, high=self.high, rubric=self.rubric, question=question_of(sample),
            reference=f"[참고 답안]\n{reference}\n\n" if reference else "", output=output,
        )
        value = read_score(complete(self.judge, prompt), self.low, self.high)
        if value is None:
            return Score(0.0, UNREAD, True)
        return Score((value - self.low) / (self.high - self.low), f"{value:g}")

    def _pairwise(self, sample: Sample, output: str) -> Score:
        other = complete(self.baseline, question_of(sample)) if self.baseline else sample.answer_text
        outcomes = []
        for position, (a, b) in enumerate(((output, other), (other, output))):
            prompt = PAIRWISE.format(rubric=self.rubric, question=question_of(sample), a=a, b=b)
            verdict = read_verdict(complete(self.judge, prompt))
            outcomes.append(OUTCOME[(verdict, position)] if verdict else UNREAD)
        extracted = ",".join(outcomes)
        if UNREAD in outcomes:
            return Score(0.0, extracted, True)
        return Score(sum(VALUE[o] for o in outcomes) / 2, extracted)

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        if not scores:
            return {}
        verdicts = [v for s in scores for v in (s.extracted or UNREAD).split(",")]
        unread = verdicts.count(UNREAD)
        metrics = {"judge_unparsable": float(unread), "judge_unparsable_rate": unread / len(verdicts)}
        read = [s for s in scores if not s.extraction_failed]
        if self.mode == "pointwise" and read:
            metrics["judge_score_raw"] = sum(float(s.extracted or 0) for s in read) / len(read)
        if self.mode == "pairwise" and read:
            pairs = [(s.extracted or "").split(",") for s in read]
            metrics["judge_position_inconsistency_rate"] = sum(a != b for a, b in pairs) / len(pairs)
        return metrics
