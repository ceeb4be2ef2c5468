"""The pack's defaults reproduce lm-evaluation-harness 0.4.13: the expected
prompts below are lm-eval's own (``--log_samples``) on the copies of
``reference_copies.py``, byte for byte; ``bench/crosscheck_lmeval.py`` reruns
the whole comparison against an installed lm-eval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hret
from hret.benchmarks.harness import HarnessMatch, exact_match_text, extract_letter
from hret.benchmarks.hrm8k_reference import is_equiv
from hret.datasets import Dataset, store
from hret.errors import DatasetError
from tests.benchmarks.reference_copies import build_copies
from tests.benchmarks.tiny_backend import TinyLM

REPOS = {"kmmlu": "HAERAE-HUB/KMMLU", "haerae": "HAERAE-HUB/HAE_RAE_BENCH", "click": "EunsuKim/CLIcK",
         "kobest": "skt/kobest_v1", "kormedmcqa": "sean0042/KorMedMCQA", "hrm8k": "HAERAE-HUB/HRM8K"}
INSTRUCTION = "주어진 질문을 천천히 읽고, 적절한 정답을 A, B, C, D 중에 골라 알파벳 하나로 답하시오.\n\n"
MMMLU = ("주어진 문제를 풀어보세요.\n문제를 푼 후, 주어진 선택지 (1, 2, 3, 4) 중 최종 선택지를 다음 형식으로 "
         "작성하세요: $\\boxed{N}$.\n\n문제: 1+1은? 1) 1 2) 2 3) 3 4) 4\n답변:")
GSM8K = ("주어진 문제를 풀어보세요.\n문제를 푼 후, 최종 답변을 다음과 같은 형식으로 작성하세요: $\\boxed{N}$.\n\n"
         "문제: 12를 4로 나누면?\n답변:")
KMMLU_MATH_0 = "2 더하기 3은?\nA. 4\nB.  5 \nC. 6\nD. 1/2\n정답："
# Math has seven dev items for five shots: each question gets its own draw and order
KMMLU_MATH_5 = [
    "7 더하기 0은?\nA. 0\nB. 7\nC. 70\nD. 7/7\n정답： B\n\n8 나누기 2는?\nA. 2\nB. 4\nC. 16\nD. 2/8\n정답： B\n\n"
    "1 더하기 1은?\nA. 2\nB. 3\nC. 4\nD. 1/2\n정답： A\n\n5의 제곱은?\nA. 10\nB. 25\nC. 55\nD. 1/5\n정답： B\n\n"
    "100의 10분의 1은?\nA. 1\nB. 10\nC. 1,000\nD. 1/10\n정답： B\n\n" + KMMLU_MATH_0,
    "7 더하기 0은?\nA. 0\nB. 7\nC. 70\nD. 7/7\n정답： B\n\n5의 제곱은?\nA. 10\nB. 25\nC. 55\nD. 1/5\n정답： B\n\n"
    "1 더하기 1은?\nA. 2\nB. 3\nC. 4\nD. 1/2\n정답： A\n\n100의 10분의 1은?\nA. 1\nB. 10\nC. 1,000\nD. 1/10\n"
    "정답： B\n\n8 나누기 2는?\nA. 2\nB. 4\nC. 16\nD. 2/8\n정답： B\n\n"
    "분수 \"3/4\"를 소수로 쓰면?\nA. 0.75\nB. 0,75\nC. 3.4\nD. 4/3\n정답：",
]
HAERAE_HISTORY_5 = (
    "### 질문: 6·25 전쟁이 시작된 해는?\n### 선택지:\n(A) 1945년\n(B) 1948년\n(C) 1950년\n(D) 1953년\n"
    "### 정답: (C)\n\n### 질문: '직지심체요절'의 시대는?\n### 선택지:\n(A) 고려\n(B) 조선\n(C) 신라\n(D) 백제\n"
    "### 정답: (A)\n\n### 질문: 광개토대왕은 어느 나라 왕?\n### 선택지:\n(A) 백제\n(B) 신라\n(C) 고구려\n(D) 가야\n"
    "(E) 발해\n### 정답: (C)\n\n### 질문: 3/4 분기의 의미는?\n### 선택지:\n(A) 1분기\n(B) 2분기\n(C) 3분기\n"
    "(D) 4분기\n### 정답: (C)\n\n### 질문: 임진왜란 때의 장군은?\n### 선택지:\n(A) 이순신\n(B) 강감찬\n(C) 을지문덕\n"
    "(D) 김유신\n### 정답: (A)\n\n### 질문: 훈민정음을 반포한 해는?\n### 선택지:\n(A) 1392년\n(B) 1446년\n"
    "(C) 1592년\n(D) 1910년\n(E) 1945년\n### 정답:"
)
CLICK_HISTORY_5 = "".join(
    f"{INSTRUCTION}질문: {q}\n보기:\n{o}\n정답: {a}\n\n" for q, o, a in [
        ("거북선을 만든 장군은?", "A:이순신, B: 권율, C: 곽재우, D: 김시민", "A"),
        ("\"경국대전\"을 완성한 왕은?", "A:세조, B: 성종, C: 태종, D: 세종", "B"),
        ("신라의 삼국 통일 연도는?", "A:676년, B: 668년, C: 660년, D: 935년", "A"),
        ("발해를 세운 사람은?", "A:대조영, B: 주몽, C: 왕건, D: 궁예", "A"),
        ("조선의 수도는?", "A: 한양 , B: 개경, C: 경주, D: 평양", "A")]
) + f"{INSTRUCTION}질문: 고구려를 세운 사람은?\n보기:\nA:주몽, B: 온조, C: 박혁거세, D: 왕건\n정답:"
KORMEDMCQA_5 = "".join(
    f"예시 문제 {i}: {q}\nA. 가\nB. 나\nC. 다\nD. 라\nE. 마\n정답： {'ABCDE'[i]}\n\n"
    for i, q in enumerate(["콧물이 나는 병은?", "열이 나는 병은?", "배가 아픈 병은?", "머리가 아픈 병은?",
                           "눈이 아픈 병은?"])
) + "기침과 고열이 나는 병은?\nA. 감기\nB. 폐렴\nC. 천식\nD. 결핵\nE. 독감\n정답："
ABCD = [" A", " B", " C", " D"]
LABELS5 = [" (A)", " (B)", " (C)", " (D)", " (E)"]

#: (benchmark, dataset_params, subset, shots, index, lm-eval's prompt, its continuations or None)
CASES: list[tuple[str, dict[str, Any], str, int, int, str, list[str] | None]] = [
    ("kmmlu", {}, "Math", 0, 0, KMMLU_MATH_0, ABCD),
    ("kmmlu", {}, "Math", 5, 0, KMMLU_MATH_5[0], ABCD),
    ("kmmlu", {}, "Math", 5, 1, KMMLU_MATH_5[1], ABCD),
    ("haerae", {"version": "1.0"}, "general_knowledge", 0, 7,
     "  한국의 화폐 단위는? (A) 엔 (B) 원 (C) 위안 (D) 달러  ", LABELS5),
    ("haerae", {"version": "1.0", "fewshot_from_scored_split": True}, "history", 5, 0,
     HAERAE_HISTORY_5, LABELS5),
    ("click", {}, "Textual", 0, 0,
     "주어진 맥락을 천천히 읽고, 질문에 대한 적절한 정답을 A, B, C, D 중에 골라 알파벳 하나로 답하시오.\n\n"
     "맥락: 봄이 오면 꽃이 핀다.\n질문: 윗글의 계절은?\n보기:\nA:봄, B: 여름, C: 가을, D: 겨울\n정답:",
     [*ABCD, " E"]),
    ("click", {"fewshot_from_scored_split": True}, "History", 5, 0, CLICK_HISTORY_5, ABCD),
    ("kobest", {}, "boolq", 0, 2, " 물은 100도에서 끓는다.  질문: 물은 50도에서 끓는가? 답변: ", [" 아니오", " 예"]),
    ("kobest", {}, "copa", 0, 1, "바닥이 젖었다.  왜냐하면", [" 해가 떴다.", " 물을 쏟았다."]),
    ("kobest", {}, "hellaswag", 0, 1, "문장: 그녀는 운동화를 신었다.",
     [" 요리를 했다.", " 달리기를 시작했다.", " \"책\"을 읽었다.", " 잠을 잤다."]),
    ("kobest", {}, "sentineg", 0, 3, "문장:  다시는 안 갈 거다.  긍부정:", [" 부정", " 긍정"]),
    ("kobest", {}, "wic", 0, 5, "문장1: 손을 씻었다. 문장2: 손이 크다, 정말. 두 문장에서 손가 같은 뜻으로 쓰였나?",
     [" 아니오", " 예"]),
    ("kormedmcqa", {}, "doctor", 5, 0, KORMEDMCQA_5, None),
    ("hrm8k", {}, "MMMLU", 0, 0, MMMLU, None),
    ("hrm8k", {}, "GSM8K", 0, 1, GSM8K, None),
    ("hrm8k", {"language": "en"}, "MMMLU", 0, 0,
     "Solve the given question.\nAfter solving the problem, state your final choice among the choices "
     "(1, 2, 3, 4) in the following format: $\\boxed{N}$.\n\nQuestion: 1+1은? 1) 1 2) 2 3) 3 4) 4\nAnswer:",
     None),
]


@pytest.fixture(scope="module")
def copies_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reference-copies")
    build_copies(root)
    return root


def spec(root: Path, name: str, params: dict[str, Any], subset: str) -> dict[str, Any]:
    return {"dataset": name, "subset": subset,
            "dataset_params": {"data_dir": str(root / REPOS[name]), **params}}


@pytest.mark.parametrize("on_disk", [False, True], ids=["in-memory", "on-disk"])
@pytest.mark.parametrize(("name", "params", "subset", "shots", "index", "prompt", "continuations"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}shot-{c[4]}" for c in CASES])
def test_default_prompt_is_lm_evals(name: str, params: dict[str, Any], subset: str, shots: int, index: int,
                                    prompt: str, continuations: list[str] | None, copies_root: Path,
                                    tiny_lm: TinyLM, on_disk: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    options = spec(copies_root, name, params, subset)
    if on_disk:  # the samples of a large benchmark live in a SampleStore: the prompts do not change
        monkeypatch.setattr(store, "SPILL_AT", 2)
        loaded = hret.load_dataset(name, subset=subset, **options["dataset_params"])
        assert isinstance(loaded.samples, store.SampleStore)
    if continuations is None:
        result = hret.quick_eval(lambda text: "", num_fewshot=shots, **options)
        assert result.samples[index]["prompt"] == prompt
    else:
        result = hret.quick_eval(tiny_lm, evaluation_method="log_likelihood", num_fewshot=shots, **options)
        assert list(result.samples[index]["prompt"]) == [prompt, continuations]
    info = result.info
    assert info["reference"].startswith("lm-eval 0.4.13 ") and info["prompt_template"]["name"].startswith("lm-eval:")
    if shots:
        assert info["fewshot"]["sampler"] == ("first_n" if name == "kormedmcqa" else "lm-eval")
        assert info["fewshot"]["from_scored_split"] == bool(params.get("fewshot_from_scored_split"))


def test_fewshot_draws_follow_the_question_not_the_limit(copies_root: Path) -> None:
    """A question keeps the examples lm-eval gives it when ``limit`` drops others."""
    options = spec(copies_root, "kmmlu", {}, "Math")
    full: Dataset = hret.load_dataset(options["dataset"], subset="Math", **options["dataset_params"])
    part = hret.load_dataset(options["dataset"], subset="Math", limit=3, seed=1, **options["dataset_params"])
    by_id = dict(zip([s.id for s in full.samples], full.fewshots(5), strict=True))
    assert all(by_id[s.id] == shots for s, shots in zip(part.samples, part.fewshots(5), strict=True))
    assert len({tuple(s.id for s in shots) for shots in full.fewshots(5)}) > 1


def test_scored_split_fewshot_only_when_asked(copies_root: Path) -> None:
    options = spec(copies_root, "click", {}, "History")
    with pytest.raises(DatasetError, match="fewshot_from_scored_split"):
        hret.quick_eval(lambda text: "", num_fewshot=2, **options)
    with pytest.raises(DatasetError, match="does not take fewshot_from_scored_split"):
        hret.load_dataset("kmmlu", data_dir=str(copies_root / REPOS["kmmlu"]), subset="Math",
                          fewshot_from_scored_split=True)


def test_instruct_prompt_is_a_named_alternative(copies_root: Path) -> None:
    options = spec(copies_root, "kmmlu", {}, "Math")
    data = hret.load_dataset("kmmlu", subset="Math", **options["dataset_params"])
    instruct = data.select_prompt("instruct")
    assert instruct.prompt is not None and instruct.prompt.name == "kmmlu-generative"
    assert instruct.default_method == "string_match" and data.default_method == "harness_match"
    assert instruct.prompt.hash != data.prompt.hash  # type: ignore[union-attr]
    with pytest.raises(DatasetError, match="no prompt 'chatty'.*Prompts: default, instruct"):
        data.select_prompt("chatty")
    # the prompt option picks it, with the method that reads its answers
    result = hret.quick_eval(lambda text: "정답: B", prompt="instruct", **options)
    assert result.info["prompt_template"]["name"] == "kmmlu-generative"
    assert result.info["method"]["name"] == "string_match" and result.info["reference"] is None
    assert result.samples[0]["prompt"].startswith("다음은 수학 분야의 객관식 문제입니다.")


def test_zero_shot_needs_no_dev_split(copies_root: Path, tmp_path: Path) -> None:
    import shutil

    copy = shutil.copytree(copies_root / REPOS["kmmlu"], tmp_path / "KMMLU")
    for dev in copy.glob("data/*-dev.csv"):
        dev.unlink()
    result = hret.quick_eval(lambda text: " A.", dataset="kmmlu", subset="Math",
                             dataset_params={"data_dir": str(copy)})
    assert result.metrics["n"] == 8
    with pytest.raises(DatasetError, match="num_fewshot=1"):
        hret.quick_eval(lambda text: " A", dataset="kmmlu", subset="Math", num_fewshot=1,
                        dataset_params={"data_dir": str(copy)})


class RecordingBackend:
    """A backend that answers with a fixed text and keeps the generation settings it got."""

    name = "recording"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.params: list[dict[str, Any]] = []

    def identity(self) -> dict[str, str]:
        return {"backend": self.name, "chat_template": "off"}

    def generate(self, inputs: list[str], **params: Any) -> list[str]:
        self.params.append(params)
        return [self.answer for _ in inputs]


def test_generation_stops_and_scores_as_the_task(copies_root: Path) -> None:
    backend = RecordingBackend(" B")
    result = hret.quick_eval(backend, **spec(copies_root, "kmmlu", {}, "Math"))
    assert backend.params[0] == {"stop": ["Q:", "\n\n", "</s>", "."], "max_new_tokens": 256}
    # " B" matches the target B once spaces, case and punctuation are ignored
    assert [r["score"] for r in result.samples] == [1.0 if s == "B" else 0.0
                                                     for s in ("B", "A", "B", "B", "B", "B", "C", "A")]
    assert result.info["method"] == {"name": "harness_match", "answer_filter": "none", "ignore": [" "]}
    assert result.info["chat_template"] == "off"
    medical = RecordingBackend("정답은 C입니다")
    result = hret.quick_eval(medical, **spec(copies_root, "kormedmcqa", {}, "doctor"))
    assert medical.params[0]["max_new_tokens"] == 1024
    assert [r["extracted"] for r in result.samples] == ["C"] * 6


@pytest.mark.parametrize(("output", "letter"), [
    ("정답: B", "B"), ("정답은 C 입니다", "C"), ("보기 A. 아니고 D. 입니다", "D"), ("I think e", "E"),
    ("정답 b, 아니 정답 a", "A"), ("모르겠다", ""),
])
def test_kormedmcqa_answer_filter(output: str, letter: str) -> None:
    assert extract_letter(output) == letter


def test_exact_match_and_hrm8k_equivalence() -> None:
    assert exact_match_text(" B.", [" "]) == exact_match_text("b", [" "]) == "b"
    assert exact_match_text("A\n", [" "]) != "a"  # kmmlu_direct ignores spaces, not newlines
    assert is_equiv("따라서 $\\boxed{8}$", "8") and is_equiv("x = 0.5", "0.5")
    assert is_equiv("답은 12 입니다", "12") and not is_equiv("답은 12 입니다", "13")
    assert not is_equiv("답은 12개", "12")  # a number glued to a word is not read, as in lm-eval
    assert not is_equiv("아무 숫자도 없음", "3")
    scorer = HarnessMatch(answer_filter="math")
    sample = hret.Sample(id="m/0", input="q", reference="8")
    assert scorer.score(sample, "그래서 \\boxed{8.0}").value == 1.0


#: benchmarks whose reference task scores by log-likelihood, with a subset each
LIKELIHOOD_REFERENCES = [("kmmlu", {}, "Math"), ("haerae", {"version": "1.0"}, "history"),
                         ("click", {}, "Textual"), ("kobest", {}, "copa")]


@pytest.mark.parametrize(("name", "params", "subset"), LIKELIHOOD_REFERENCES,
                         ids=[c[0] for c in LIKELIHOOD_REFERENCES])
def test_a_model_that_scores_likelihoods_is_scored_as_the_reference_by_default(
        name: str, params: dict[str, Any], subset: str, copies_root: Path, tiny_lm: TinyLM) -> None:
    options = spec(copies_root, name, params, subset)
    default = hret.quick_eval(tiny_lm, **options)
    explicit = hret.quick_eval(tiny_lm, evaluation_method="log_likelihood",
                               evaluator_params={"f1": True} if name == "kobest" else None, **options)
    assert default.info["method"]["name"] == "log_likelihood"
    assert [(s["prompt"], s["output"], s["extracted"]) for s in default.samples] == [
        (s["prompt"], s["output"], s["extracted"]) for s in explicit.samples]
    timing = ("duration_s", "latency_p50_ms", "latency_p95_ms", "latency_mean_ms")
    assert {k: v for k, v in default.metrics.items() if k not in timing} == {
        k: v for k, v in explicit.metrics.items() if k not in timing}
    assert default.info["reference"].startswith("lm-eval 0.4.13 ") and "reference_note" not in default.info
    if name == "kobest":
        assert "macro_f1" in default.metrics and default.headline == "macro_f1"


@pytest.mark.parametrize(("name", "params", "subset"), LIKELIHOOD_REFERENCES,
                         ids=[c[0] for c in LIKELIHOOD_REFERENCES])
def test_a_model_that_only_generates_is_told_when_its_number_is_not_the_references(
        name: str, params: dict[str, Any], subset: str, copies_root: Path) -> None:
    result = hret.quick_eval(lambda text: "A", **spec(copies_root, name, params, subset))
    assert result.info["method"]["name"] != "log_likelihood"
    if name == "kmmlu":  # lm-eval's kmmlu_direct generates: that is the reference then
        assert result.info["method"]["name"] == "harness_match" and "kmmlu_direct" in result.info["reference"]
        assert "reference_note" not in result.info
    else:
        assert result.info["reference"] is None
        assert result.info["reference_note"].startswith("lm-eval 0.4.13 ")
        assert "scores by log-likelihood only" in result.info["reference_note"]


def test_a_named_method_or_prompt_is_not_overridden_by_the_model(copies_root: Path, tiny_lm: TinyLM) -> None:
    options = spec(copies_root, "kmmlu", {}, "Math")
    assert hret.quick_eval(tiny_lm, evaluation_method="harness_match", **options).info["method"]["name"] \
        == "harness_match"
    instruct = hret.quick_eval(tiny_lm, prompt="instruct", **options)
    assert instruct.info["method"]["name"] == "string_match"


def test_an_openai_chat_backend_generates_and_a_completions_one_scores(copies_root: Path) -> None:
    """Chat servers (hosted APIs) seldom give prompt log-probs: only a completions
    backend is scored by log-likelihood without being asked."""
    from hret.backends.openai_compat import OpenAIBackend
    from tests.openai_server import OpenAIServer

    options = spec(copies_root, "kmmlu", {}, "Math")
    with OpenAIServer() as server:
        for api, method in (("chat", "harness_match"), ("completions", "log_likelihood")):
            with OpenAIBackend("tiny", base_url=server.base_url, api_key="sk-test", api=api) as made:
                result = hret.quick_eval(made, **options)
            assert result.info["method"]["name"] == method and result.metrics["error_count"] == 0
