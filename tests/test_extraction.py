"""Tests for hret.extraction: table of realistic outputs plus Hypothesis properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hret.extraction import (
    extract_choice,
    extract_number,
    normalize,
    option_labels,
    strip_reasoning,
)

OPT4 = ("광합성", "세포 호흡", "발효", "삼투")
OPT5 = ("광합성", "세포 호흡", "발효", "삼투", "확산")
OPT10 = tuple(f"보기{i}" for i in range(10))
CITIES = ("서울", "서울특별시", "부산", "인천")
ORGANELLES = ("Mitochondria", "Ribosome", "Nucleus", "Golgi apparatus")
NUMERIC = ("2", "4", "6", "8")

CHOICE_CASES: list[tuple[str, str, tuple[str, ...], int | None]] = [
    # --- bare / stand-alone label forms
    ("bare", "B", OPT4, 1),
    ("bare-paren", "(B)", OPT4, 1),
    ("bare-bracket", "[C]", OPT4, 2),
    ("bare-dot", "B.", OPT4, 1),
    ("bare-close-paren", "D)", OPT4, 3),
    ("colon-with-text", "B: 세포 호흡", OPT4, 1),
    ("bare-ipnida", "B입니다.", OPT4, 1),
    ("bare-bold", "**C**", OPT4, 2),
    ("bare-underline", "__D__", OPT4, 3),
    ("bare-lowercase-paren", "(b)", OPT4, 1),
    ("bare-lowercase-rejected", "b", OPT4, None),
    ("bullet-line", "- B) 세포 호흡", OPT4, 1),
    # --- Korean markers
    ("jeongdap-colon", "정답: B", OPT4, 1),
    ("jeongdap-colon-nospace", "정답:B", OPT4, 1),
    ("jeongdap-fullwidth-colon", "정답：B", OPT4, 1),
    ("jeongdap-fullwidth-all", "정답：Ｂ", OPT4, 1),
    ("jeongdap-eun", "정답은 C", OPT4, 2),
    ("jeongdap-eun-paren-ipnida", "정답은 (B)입니다.", OPT4, 1),
    ("jeongdap-eun-colon", "정답은: A", OPT4, 0),
    ("dap-colon", "답: D", OPT4, 3),
    ("dap-eun", "답은 B", OPT4, 1),
    ("dapbyeon", "답변: C", OPT4, 2),
    ("choice-colon", "선택: A", OPT4, 0),
    ("final-dap", "최종 답: A", OPT4, 0),
    ("bold-marker", "**정답**: B", OPT4, 1),
    ("bold-letter-inside", "정답은 **C**입니다.", OPT4, 2),
    ("hangul-adjacent", "정답은B입니다", OPT4, 1),
    ("baro", "정답은 바로 D입니다!", OPT4, 3),
    ("seontaekji", "정답은 선택지 (A)입니다.", OPT4, 0),
    ("heading-then-bold", "### 풀이\n세포 호흡은 ATP를 만든다.\n\n### 정답\n**B**", OPT4, 1),
    ("postfix-ga-jeongdap", "따라서 C가 정답입니다.", OPT4, 2),
    ("postfix-number", "2번이 정답입니다.", OPT4, 1),
    # --- English markers
    ("answer-colon", "Answer: C", OPT4, 2),
    ("answer-is-paren", "The answer is (B).", OPT4, 1),
    ("answer-is", "answer is D", OPT4, 3),
    ("answer-lowercase", "answer: c", OPT4, 2),
    ("answer-uppercase-fw", "ＡＮＳＷＥＲ： Ａ", OPT4, 0),
    ("answer-because", "Answer: A because ATP is the energy currency of the cell.", OPT4, 0),
    ("correct-answer-option", "The correct answer is option C.", OPT4, 2),
    ("i-think-answer", "I think the answer is B because it releases energy.", OPT4, 1),
    ("postfix-english", "(D) is the correct answer.", OPT4, 3),
    ("answer-article-word", "The answer is a bit unclear without more context.", OPT4, None),
    ("boxed", "\\boxed{C}", OPT4, 2),
    ("boxed-text", "Final answer: $\\boxed{\\text{D}}$", OPT4, 3),
    # --- numeric and circled forms
    ("dap-number", "답: 2", OPT4, 1),
    ("jeongdap-beon", "정답: 3번", OPT4, 2),
    ("beon-alone", "2번", OPT4, 1),
    ("jeongdap-spaced-number", "정답 : 2", OPT4, 1),
    ("circled-in-sentence", "정답은 ③입니다.", OPT4, 2),
    ("circled-alone", "④", OPT4, 3),
    ("circled-after-marker", "정답: ②", OPT4, 1),
    ("circled-loose-last", "①은 틀리고 ②도 틀리며 ④가 맞다.", OPT4, 3),
    ("numeric-option-text", "정답: 4", NUMERIC, 1),
    ("numeric-option-ordinal", "정답: 4번", NUMERIC, 3),
    ("numeric-option-bare", "4", NUMERIC, 1),
    # --- several answers: last explicit one wins, markers outrank loose mentions
    ("change-of-mind", "처음엔 (A)라고 생각했지만, 정답은 (C)입니다.", OPT4, 2),
    ("final-answer-wins", "Answer: A\n\nWait, let me re-check.\nFinal answer: B", OPT4, 1),
    (
        "marker-beats-later-loose",
        "정답: B\n\n해설: (A)는 빛이 필요하고 (C)는 산소가 없다.",
        OPT4,
        1,
    ),
    ("marker-beats-explanation", "Answer: (A)\nExplanation: Option (B) is a distractor.", OPT4, 0),
    ("negation-correction", "정답은 A가 아니라 C입니다.", OPT4, 2),
    ("negated-postfix", "B는 정답이 아닙니다. 정답은 D입니다.", OPT4, 3),
    ("loose-only-last", "(A)는 틀렸고 (B)도 틀렸다. 결국 남는 것은 (D).", OPT4, 3),
    ("line-start-only", "분석 결과는 다음과 같습니다.\nC. 발효", OPT4, 2),
    (
        "english-cot",
        "Let's analyze each option.\n(A) Photosynthesis stores energy, so it is incorrect.\n"
        "(B) Cellular respiration releases energy - correct.\n(C) Fermentation is anaerobic.\n"
        "(D) Osmosis is transport.\nTherefore, the answer is (B).",
        OPT4,
        1,
    ),
    (
        "korean-cot",
        "각 보기를 살펴보겠습니다.\nA. 광합성은 에너지를 저장하므로 틀린 설명입니다.\n"
        "B. 세포 호흡은 에너지를 방출하므로 옳은 설명입니다.\nC. 발효는 산소가 필요 없습니다.\n"
        "D. 삼투는 물질 이동입니다.\n\n따라서 정답은 B입니다.",
        OPT4,
        1,
    ),
    (
        "english-options-discussed",
        "Options A and B are incorrect because they describe storage. C is plausible, but D fits better.\nAnswer: D",
        OPT4,
        3,
    ),
    ("vitamin-b-then-answer", "Vitamin B is essential, but the answer is D.", OPT4, 3),
    # --- refusals and empty outputs
    ("refusal-ko", "모르겠습니다.", OPT4, None),
    ("refusal-ko-polite", "죄송하지만 이 질문에는 답변할 수 없습니다.", OPT4, None),
    ("refusal-en", "I'm not sure; I cannot determine the answer.", OPT4, None),
    ("empty", "", OPT4, None),
    ("whitespace", "   \n ", OPT4, None),
    # --- full-width outputs
    ("fullwidth-paren", "（Ｃ）", OPT4, 2),
    ("fullwidth-sentence", "정답은 （Ｄ）입니다", OPT4, 3),
    ("fullwidth-digits", "정답：２번", OPT4, 1),
    # --- reasoning blocks
    ("think-different-letter", "<think>A가 맞는 것 같다. 아니, (B)인가?</think>\n정답: C", OPT4, 2),
    ("think-then-bare", "<think>음... 정답은 D</think>\n\n(A)", OPT4, 0),
    ("think-close-only", "정답: A 같은데 다시 보자</think>정답: B", OPT4, 1),
    ("think-unterminated", "<think>정답: A 라고 생각 중인데 출력이 잘", OPT4, None),
    # --- option text
    ("text-exact", "세포 호흡", OPT4, 1),
    ("text-in-sentence", "정답은 발효입니다.", OPT4, 2),
    ("text-marked-among-several", "광합성은 아니고, 정답은 삼투입니다.", OPT4, 3),
    ("text-ambiguous", "광합성과 발효 모두 가능해 보입니다.", OPT4, None),
    ("text-longer-wins", "서울특별시", CITIES, 1),
    ("text-shorter", "서울입니다.", CITIES, 0),
    ("text-casefold", "The organelle is the nucleus.", ORGANELLES, 2),
    # --- 5-option items and out-of-range labels
    ("five-options-e", "정답: E", OPT5, 4),
    ("five-options-e-paren", "(E)", OPT5, 4),
    ("five-options-beon", "5번", OPT5, 4),
    ("four-options-e-invalid", "정답: E", OPT4, None),
    ("four-options-e-paren-invalid", "(E)", OPT4, None),
    ("four-options-beon-invalid", "5번", OPT4, None),
    ("ten-options-j", "Answer: I think it's (J)", OPT10, 9),
    ("no-options", "정답: B", (), None),
    # --- letters inside words are not answers
    ("atp", "ATP는 에너지 화폐이다.", OPT4, None),
    ("apple", "Apple", OPT4, None),
    ("b-form", "DNA B-form is right-handed.", OPT4, None),
    ("abc", "ABC", OPT4, None),
    ("marker-then-word", "정답: ATP 합성효소", OPT4, None),
    ("counter-not-option", "정답 2개를 고르시오.", OPT4, None),
]


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [pytest.param(t, o, e, id=i) for i, t, o, e in CHOICE_CASES],
)
def test_extract_choice_table(text: str, options: tuple[str, ...], expected: int | None) -> None:
    assert extract_choice(text, options) == expected


def test_table_is_large_enough() -> None:
    assert len(CHOICE_CASES) >= 70
    assert len({case[0] for case in CHOICE_CASES}) == len(CHOICE_CASES)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("정답: 다", ("가", "나", "다", "라"), 2),
        ("(나)", ("가", "나", "다", "라"), 1),
        ("정답: 3", ("1", "2", "3", "4"), 2),
        ("정답: B", ("A", "B", "C"), 1),
        ("정답: D", ("A", "B", "C"), None),
    ],
)
def test_extract_choice_custom_labels(text: str, labels: tuple[str, ...], expected: int | None) -> None:
    assert extract_choice(text, OPT4, labels=labels) == expected


def test_labels_without_options() -> None:
    assert extract_choice("정답: C", labels=option_labels(4)) == 2


def test_option_labels() -> None:
    assert option_labels(4) == ["A", "B", "C", "D"]
    assert option_labels(10)[-1] == "J"
    assert option_labels(0) == []
    with pytest.raises(ValueError):
        option_labels(-1)


def test_normalize() -> None:
    assert normalize("  정답：Ｂ（Ａ）\n") == "정답:B(A)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>A</think>\n정답: B", "정답: B"),
        ("<think>A</think>x<think>C</think>y", "xy"),
        ("reasoning</think> answer", "answer"),
        ("<think>truncated", ""),
        ("no tags here", "no tags here"),
    ],
)
def test_strip_reasoning(text: str, expected: str) -> None:
    assert strip_reasoning(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 42.", "42"),
        ("총 1,234명입니다.", "1234"),
        ("온도는 -3.5도이다.", "-3.5"),
        ("x = −7", "-7"),
        ("먼저 3 + 4 = 7, 그리고 \\boxed{42} 입니다. 검산: 42 + 1 = 43", "42"),
        ("\\boxed{\\frac{1}{2}} 그리고 10", "2"),
        ("정답: 42\n\n(참고로 2023년 자료 기준)", "42"),
        ("#### 18", "18"),
        ("3.50", "3.5"),
        ("0.000", "0"),
        ("-0", "0"),
        (".5", "0.5"),
        ("범위는 10-3", "3"),
        ("１２３", "123"),
        ("<think>maybe 7</think>answer: 8", "8"),
        ("숫자가 없습니다", None),
        ("", None),
    ],
)
def test_extract_number(text: str, expected: str | None) -> None:
    assert extract_number(text) == expected


# --------------------------------------------------------------------------- properties

_FUZZ_ALPHABET = list("ABCDEabcde()[]{}.:：, \n*_`$\\정답은번이가아니라①②③⑤０１２３４5-<>/thinkboxed")
_fuzz_text = st.text() | st.text(alphabet=st.sampled_from(_FUZZ_ALPHABET), max_size=80)
_options = st.lists(st.text(max_size=12), max_size=12)
_NUMBER_SHAPE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_fuzz_text, options=_options)
def test_extract_choice_total(text: str, options: list[str]) -> None:
    result = extract_choice(text, options)
    assert result is None or result in range(len(options))


@settings(max_examples=150, deadline=None)
@given(
    text=_fuzz_text,
    options=_options,
    labels=st.lists(st.text(max_size=3), max_size=12),
)
def test_extract_choice_total_with_labels(text: str, options: list[str], labels: list[str]) -> None:
    result = extract_choice(text, options, labels=labels)
    bound = min(len(labels), len(options)) if options else len(labels)
    assert result is None or result in range(bound)


@settings(max_examples=300, deadline=None)
@given(text=_fuzz_text)
def test_extract_number_total(text: str) -> None:
    result = extract_number(text)
    assert result is None or _NUMBER_SHAPE.fullmatch(result)


@settings(max_examples=300, deadline=None)
@given(text=_fuzz_text, options=st.lists(st.text(max_size=12), min_size=1, max_size=10), data=st.data())
def test_appended_answer_wins(text: str, options: list[str], data: st.DataObject) -> None:
    assume("<think" not in normalize(text).lower())
    index = data.draw(st.integers(min_value=0, max_value=len(options) - 1))
    label = option_labels(len(options))[index]
    assert extract_choice(f"{text}\n정답: {label}", options) == index


def test_one_character_options_do_not_match_inside_words() -> None:
    options = ["가", "나", "다", "라"]
    assert extract_choice("잘 모르겠습니다", options) is None
    assert extract_choice("고른 보기는 다 입니다", options) == 2
