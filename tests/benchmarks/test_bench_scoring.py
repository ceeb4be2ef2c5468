"""Scoring every benchmark with the methods that apply to it: generative
``string_match`` / ``macro_f1`` and ``log_likelihood`` for multiple choice,
``math_match`` for HRM8K; aggregates over subjects and prompts."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.datasets import Dataset
from hret.errors import ConfigError, DatasetError
from hret.prompts import PromptTemplate, default_template
from tests.benchmarks import copies
from tests.benchmarks.tiny_backend import TinyLM

#: answer formats a model may use; each must be read back as the intended option
FORMATS = (
    "정답: {label}", "정답은 ({label})입니다.", "**{label}**", "답: {number}", "정답：{wide}",
    "<think>A일까? 아니다.</think>\n따라서 정답은 {label}", "The answer is ({label}).",
)


def load(spec: dict[str, Any]) -> Dataset:
    extra = {k: spec[k] for k in ("subset", "column_map") if k in spec}
    return hret.load_dataset(spec["dataset"], **extra, **spec.get("dataset_params", {}))


def instruct(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with hret's instruction-style prompt (and its generative method)
    instead of the reference's."""
    return {"dataset": load(spec).select_prompt("instruct")}


def oracle(data: Dataset) -> Callable[[str], str]:
    """Answers each question correctly, cycling through the answer formats."""
    def model(prompt: str) -> str:
        index, sample = max(((i, s) for i, s in enumerate(data) if str(s.input) in prompt),
                            key=lambda pair: len(str(pair[1].input)))
        label = sample.reference
        return FORMATS[index % len(FORMATS)].format(
            label=label, number=ord(label) - ord("A") + 1, wide=chr(ord(label) - ord("A") + ord("Ａ")))

    return model


@pytest.mark.parametrize("name", sorted(copies.MULTIPLE_CHOICE))
def test_generative_scoring_reads_every_answer_format(name: str, tmp_path: Path) -> None:
    spec = instruct(copies.MULTIPLE_CHOICE[name](tmp_path))
    data = spec["dataset"]
    result = hret.quick_eval(oracle(data), **spec)
    assert result.metrics["accuracy"] == 1.0, [(r["output"], r["extracted"]) for r in result.samples]
    assert result.metrics["extraction_failure_rate"] == 0.0
    assert result.metrics["n"] == len(data)
    if data.default_method == "macro_f1":
        assert result.metrics["macro_f1"] == 1.0


def test_kmmlu_micro_macro_clustered_stderr_and_korean_rate(tmp_path: Path) -> None:
    answers = {
        "조선을 세운 사람은?": "정답: A",            # History, correct
        "한글을 만든 왕은?": "정답은 (C)입니다.",      # History, wrong (B)
        "2 더하기 3은?": "**B**",                    # Math, correct
        "헌법을 개정할 때 필요한 것은?": "Answer: C",  # Law, correct
        "민법이 다루는 것은?": "잘 모르겠습니다",       # Law, nothing to extract
        "형법의 기본 원칙은?": "정답：Ｄ",             # Law, correct (full width)
    }

    def model(prompt: str) -> str:
        return next(a for q, a in answers.items() if q in prompt)

    result = hret.quick_eval(model, **instruct(copies.kmmlu(tmp_path)))
    m = result.metrics
    values = {"Korean-History": [1, 0], "Math": [1], "Law": [1, 0, 1]}
    flat = [v for vs in values.values() for v in vs]
    mean = sum(flat) / len(flat)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["accuracy_macro"] == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    # CR1 cluster-robust standard error, clusters = subjects
    meat = sum(sum(v - mean for v in vs) ** 2 for vs in values.values())
    assert m["accuracy_stderr_clustered"] == pytest.approx(math.sqrt(3 / 2 * meat / len(flat) ** 2))
    assert m["accuracy_stderr_clustered"] == pytest.approx(math.sqrt(1 / 108))
    assert result.categories["HUMSS"]["accuracy"] == pytest.approx(3 / 5)
    assert result.categories["STEM"]["accuracy"] == 1.0
    assert m["extraction_failure_rate"] == pytest.approx(1 / 6)
    # "**B**" has no words; "Answer: C" is English; the other four are Korean
    assert m["korean_response_rate"] == pytest.approx(4 / 5)
    assert result.info["dataset_info"]["headline"] == "accuracy_macro"


def test_fewshot_from_the_proper_split_never_the_item(tmp_path: Path) -> None:
    seen: list[str] = []

    def model(prompt: str) -> str:
        seen.append(prompt)
        return "정답: A"

    hret.quick_eval(model, num_fewshot=1, **instruct(copies.kmmlu(tmp_path)))
    law = [p for p in seen if "민법이 다루는 것은?" in p][0]
    assert "질문: 법률을 만드는 기관은?\nA. 국회" in law and law.count("질문:") == 2
    assert law.index("법률을 만드는 기관은?") < law.index("민법이 다루는 것은?")
    assert "정답: A\n\n질문: 민법이 다루는 것은?" in law
    seen.clear()
    hret.quick_eval(model, num_fewshot=1, **copies.kormedmcqa(tmp_path / "med"))
    assert all("콧물이 나는 병은?" in p for p in seen)
    with pytest.raises(DatasetError, match="has 0 few-shot examples.*fewshot_from_scored_split"):
        hret.quick_eval(model, num_fewshot=1, **copies.haerae(tmp_path / "haerae"))


def test_user_prompt_template_and_chat_form(tmp_path: Path) -> None:
    spec = copies.kormedmcqa(tmp_path)
    template = "문제: {question}\n{options}\n답:"
    seen: list[Any] = []

    def model(prompt: Any) -> str:
        seen.append(prompt)
        return "정답: B"

    result = hret.quick_eval(model, prompt_template=template, **spec)
    assert seen[0].startswith("문제: 기침과 고열이 나는 병은?\nA. 감기")
    assert result.info["prompt_template"]["hash"] == PromptTemplate(template).hash
    seen.clear()
    chat = {**spec, "dataset_params": {**spec["dataset_params"], "chat": True}}
    result = hret.quick_eval(model, num_fewshot=1, **chat)
    roles = [m["role"] for m in seen[0]]
    assert roles == ["system", "user", "assistant", "user"]
    assert seen[0][2]["content"] == "정답: A" and seen[0][3]["content"].startswith("질문: 기침과")
    assert result.info["prompt_template"]["name"] == "kormedmcqa-generative-chat"
    assert result.metrics["accuracy"] == 0.5


def test_tiny_lm_logprobs_are_the_models(tiny_lm: TinyLM) -> None:
    import torch

    context, continuation = "질문: 다음 중 정답은?\n정답:", " B"
    (logprob, _), = tiny_lm.loglikelihood([(context, continuation)])
    ids = tiny_lm.tokenizer(context).input_ids + tiny_lm.tokenizer(continuation).input_ids
    n = len(tiny_lm.tokenizer(continuation).input_ids)
    labels = [-100] * (len(ids) - n) + ids[-n:]
    with torch.no_grad():
        loss = tiny_lm.model(torch.tensor([ids]), labels=torch.tensor([labels])).loss
    assert logprob == pytest.approx(-float(loss) * n, rel=1e-4)


@pytest.mark.parametrize("name", sorted(copies.MULTIPLE_CHOICE))
def test_log_likelihood_picks_the_most_likely_label(name: str, tmp_path: Path, tiny_lm: TinyLM) -> None:
    spec = copies.MULTIPLE_CHOICE[name](tmp_path)
    data = load(spec)
    calls = len(tiny_lm.calls)
    result = hret.quick_eval(tiny_lm, evaluation_method="log_likelihood", batch_size=64, **spec)
    assert result.metrics["error_count"] == 0 and "korean_response_rate" not in result.metrics
    expected, expected_norm, requests = [], [], 0
    for sample, record in zip(data, result.samples, strict=True):
        template = data.prompt or default_template(sample)
        context = template.render(sample)
        # the reference prompt names its continuations ("(A)".., option texts), else " A"..
        named = getattr(template, "continuations", None)
        continuations = (named(sample) if named else None) or [
            f" {chr(65 + i)}" for i in range(len(sample.options))]
        delimiter = getattr(template, "target_delimiter", " ")
        direct = tiny_lm.loglikelihood([(context, c) for c in continuations])
        requests += len(continuations)
        assert list(record["prompt"]) == [context, continuations]
        assert [lp for lp, _ in record["output"]] == pytest.approx([lp for lp, _ in direct])
        best = max(range(len(direct)), key=lambda i: direct[i][0])
        assert record["extracted"] == chr(65 + best)
        expected.append(float(best == sample.answer_index))
        per_char = [lp / (len(c) - len(delimiter)) for (lp, _), c in zip(direct, continuations, strict=True)]
        expected_norm.append(float(max(range(len(per_char)), key=per_char.__getitem__) == sample.answer_index))
    assert result.metrics["accuracy"] == pytest.approx(sum(expected) / len(expected))
    assert result.metrics["acc_norm"] == pytest.approx(sum(expected_norm) / len(expected_norm))
    # one batched backend call scores every option of every sample
    assert tiny_lm.calls[calls] == requests


class FixedScorer:
    """A backend whose log-probabilities are set per continuation text."""

    name = "fixed"

    def __init__(self, logprobs: dict[str, float]) -> None:
        self.logprobs = logprobs

    def generate(self, inputs: list[str], **params: Any) -> list[str]:
        return ["" for _ in inputs]

    def identity(self) -> dict[str, str]:
        return {"backend": "fixed"}

    def loglikelihood(self, requests: list[tuple[str, str]]) -> list[tuple[float, bool]]:
        return [(self.logprobs.get(cont.strip(), -50.0), False) for _, cont in requests]


def test_acc_norm_divides_by_choice_length_and_kobest_f1(tmp_path: Path) -> None:
    spec = {**copies.kobest(tmp_path), "subset": "copa"}
    # 우산을 썼다. (7 chars) -7 vs 선글라스를 썼다. (9 chars) -8: acc takes the first,
    # per character the second is likelier (-0.89 > -1)
    scorer = FixedScorer({"우산을 썼다.": -7.0, "선글라스를 썼다.": -8.0,
                          "해가 떴다.": -9.0, "물을 쏟았다.": -1.0})
    result = hret.quick_eval(scorer, evaluation_method="log_likelihood",
                             evaluator_params={"choices": "options", "f1": True}, **spec)
    m = result.metrics
    assert [r["extracted"] for r in result.samples] == ["A", "B"]
    assert m["accuracy"] == 1.0 and m["acc_norm"] == 0.5
    assert m["macro_f1"] == 1.0
    assert result.samples[0]["prompt"][1] == [" 우산을 썼다.", " 선글라스를 썼다."]


def test_custom_evaluator_over_log_likelihood_scores_log_likelihoods(tmp_path: Path) -> None:
    spec = {**copies.kobest(tmp_path), "subset": "copa"}
    scorer = FixedScorer({"우산을 썼다.": -7.0, "선글라스를 썼다.": -8.0,
                          "해가 떴다.": -9.0, "물을 쏟았다.": -1.0})

    def count(predictions: list[Any], references: list[str]) -> dict[str, float]:
        return {"n_predictions": len(predictions)}

    result = hret.quick_eval(scorer, evaluation_method="log_likelihood",
                             evaluator_params={"choices": "options", "custom_evaluator": count}, **spec)
    m = result.metrics
    assert m["error_count"] == 0 and [r["extracted"] for r in result.samples] == ["A", "B"]
    assert m["accuracy"] == 1.0 and m["acc_norm"] == 0.5 and m["n_predictions"] == 2
    assert result.info["method"]["base"]["name"] == "log_likelihood"


def test_log_likelihood_needs_a_scoring_backend_and_text_prompts(tmp_path: Path, tiny_lm: TinyLM) -> None:
    spec = copies.kormedmcqa(tmp_path)
    with pytest.raises(ConfigError, match="needs a model backend with loglikelihood"):
        hret.quick_eval(lambda prompt: "A", evaluation_method="log_likelihood", **spec)
    chat = {**spec, "dataset_params": {**spec["dataset_params"], "chat": True}}
    with pytest.raises(ConfigError, match="chat messages"):
        hret.quick_eval(tiny_lm, evaluation_method="log_likelihood", **chat)
    with pytest.raises(ConfigError, match="multiple-choice samples"):
        hret.quick_eval(tiny_lm, evaluation_method="log_likelihood", **copies.hrm8k(tmp_path / "m"))
    with pytest.raises(ConfigError, match="choices='letters'"):
        hret.get_evaluator("log_likelihood", {"choices": "letters"})


def test_hrm8k_math_match_in_worker_threads(tmp_path: Path) -> None:
    outputs = {
        "사과 3개와 5개를 더하면?": "3 + 5 = 8이므로 답은 $\\boxed{8}$",
        "12를 4로 나누면?": "12 ÷ 4를 계산합니다.\n3",
        "x/4 = 1/8일 때 x는?": "x = \\frac{1}{2}",
        "1+1은? 1) 1 2) 2 3) 3 4) 4": "정답: 3번",
    }

    def model(prompt: str) -> str:
        return next(a for q, a in outputs.items() if q in prompt)

    result = hret.quick_eval(model, max_workers=4, **instruct(copies.hrm8k(tmp_path)))
    assert result.metrics["error_count"] == 0
    assert [r["score"] for r in result.samples] == [1.0, 1.0, 1.0, 0.0]
    assert [r["extracted"] for r in result.samples] == ["8", "3", "\\frac{1}{2}", "3"]
    assert "\\boxed{N}" in result.samples[0]["prompt"] and result.samples[0]["prompt"].endswith("풀이:")


def test_benchhub_mixes_choice_and_free_answers(tmp_path: Path) -> None:
    outputs = {"김치의 주재료는?": "정답: A", "철수가 산 것은?": "(B)", "대한민국의 수도는?": "서울"}

    def model(prompt: str) -> str:
        return next(a for q, a in outputs.items() if q in prompt)

    result = hret.quick_eval(model, **instruct(copies.benchhub(tmp_path)))
    assert [r["score"] for r in result.samples] == [1.0, 1.0, 1.0]
    assert "A. 배추" in result.samples[0]["prompt"] and "A." not in result.samples[2]["prompt"]
    # the default is the authors' input: context, one newline, prompt; no options listed
    default = hret.quick_eval(model, **copies.benchhub(tmp_path / "default"))
    assert [r["prompt"] for r in default.samples] == [
        "김치의 주재료는?", "철수는 사과를 샀다.\n철수가 산 것은?", "대한민국의 수도는?"]
    assert default.info["reference"].startswith("BenchHub authors' loader")
    assert set(result.subsets) == {"KoFood", "KoRead", "KoGeo"}
