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


# --------------------------------------------------------------------------- answer families
# Forms that a reader takes as an answer, one family at a time; kept apart from the table above.

FAMILY_CASES: list[tuple[str, str, tuple[str, ...], int | None]] = [
    # --- CJK and typographic brackets read as parentheses
    ("lenticular", "【B】", OPT4, 1),
    ("lenticular-after-marker", "정답: 【C】", OPT4, 2),
    ("corner", "정답은 「D」입니다.", OPT4, 3),
    ("white-corner", "『A』", OPT4, 0),
    ("tortoise-shell", "답은 〔B〕번", OPT4, 1),
    ("double-angle", "따라서 정답은 《C》입니다.", OPT4, 2),
    ("single-angle", "〈E〉", OPT5, 4),
    ("white-lenticular-postfix", "〖B〗가 정답입니다.", OPT4, 1),
    ("halfwidth-corner", "｢C｣", OPT4, 2),
    ("curly-quotes", "The answer is “D”.", OPT4, 3),
    ("straight-quotes", "I would choose 'A'.", OPT4, 0),
    ("bracket-out-of-range", "【E】", OPT4, None),
    ("bracketed-option-text", "「발효」", OPT4, 2),
    # --- a label followed by a Korean counter or particle
    ("letter-beon", "C번", OPT4, 2),
    ("letter-beon-ipnida", "B번입니다.", OPT4, 1),
    ("letter-beon-iyo", "D번이요", OPT4, 3),
    ("letter-yo", "A요.", OPT4, 0),
    ("letter-ga-alone", "B가", OPT4, 1),
    ("letter-beon-jeongdap", "B번이 정답입니다.", OPT4, 1),
    ("letter-reul-seontaek", "저는 C를 선택하겠습니다.", OPT4, 2),
    ("letter-eul-goreu", "A을 고르겠습니다.", OPT4, 0),
    ("letter-ga-matda", "따라서 D가 맞습니다.", OPT4, 3),
    ("letter-i-olda", "B이 옳다.", OPT4, 1),
    ("letter-ga-jeokjeol", "보기 C가 가장 적절합니다.", OPT4, 2),
    ("letter-ro-hagetda", "B로 하겠습니다.", OPT4, 1),
    ("number-beon-matda", "3번이 맞습니다.", OPT4, 2),
    ("circled-beon-goreu", "④번을 고르겠습니다.", OPT4, 3),
    ("geot-eun", "옳지 않은 것은 B입니다.", OPT4, 1),
    ("geot-eun-paren", "가장 적절한 것은 (D)이다.", OPT4, 3),
    ("my-choice-eun", "제 선택은 C입니다.", OPT4, 2),
    ("last-line-bare", "보기를 하나씩 검토했습니다.\nB요.", OPT4, 1),
    ("first-line-bare", "C입니다.\n\n해설: 발효는 산소 없이 일어납니다.", OPT4, 2),
    ("correction-matda", "A가 아니라 D가 맞습니다.", OPT4, 3),
    ("ko-later-wins", "처음에는 A를 골랐지만 다시 보니 C가 정답입니다.", OPT4, 2),
    # --- English phrasings beyond "the answer is"
    ("i-would-choose", "I would choose B.", OPT4, 1),
    ("i-choose-option", "I choose option C.", OPT4, 2),
    ("id-go-with", "I'd go with D.", OPT4, 3),
    ("curly-apostrophe-go-with", "I’d go with A.", OPT4, 0),
    ("going-with", "After weighing both, I'm going with (B).", OPT4, 1),
    ("ill-pick", "I'll pick C.", OPT4, 2),
    ("id-say", "I'd say A.", OPT4, 0),
    ("best-option-is", "The best option is B.", OPT4, 1),
    ("right-choice-is", "The right choice is (D).", OPT4, 3),
    ("correct-option-colon", "Correct option: C", OPT4, 2),
    ("my-pick-is", "My pick is A.", OPT4, 0),
    ("correct-response", "The correct response is B.", OPT4, 1),
    ("option-alone", "Option C", OPT4, 2),
    ("would-be-correct", "B would be correct.", OPT4, 1),
    ("most-appropriate", "D is the most appropriate.", OPT4, 3),
    ("seems-to-be-correct", "E seems to be correct.", OPT5, 4),
    ("is-my-final-answer", "A is my final answer.", OPT4, 0),
    ("therefore-label", "Therefore, C.", OPT4, 2),
    ("so-its", "So it's B.", OPT4, 1),
    ("it-is", "Having ruled out the rest, it is D.", OPT4, 3),
    ("latex-mathrm", "The answer is $\\mathrm{B}$.", OPT4, 1),
    ("dollar-bare", "$C$", OPT4, 2),
    ("en-later-wins", "Answer: A\nOn reflection, I'd go with C.", OPT4, 2),
    ("verb-then-marker", "I'd pick B at first glance. The answer is D.", OPT4, 3),
    # --- refusals and hedges stay unread
    ("ko-hedge-either", "A일 수도 있고 B일 수도 있습니다.", OPT4, None),
    ("ko-dont-know", "정답을 잘 모르겠습니다.", OPT4, None),
    ("ko-which-unsure", "A인지 B인지 확실하지 않습니다.", OPT4, None),
    ("ko-may-be-right", "B가 맞을 수도 있습니다.", OPT4, None),
    ("ko-whether-right", "C가 맞는지 모르겠습니다.", OPT4, None),
    ("ko-if-choose", "B를 선택하면 안 됩니다.", OPT4, None),
    ("ko-not-right", "B가 옳지 않습니다.", OPT4, None),
    ("ko-list-both", "A와 B가 정답입니다.", OPT4, None),
    ("ko-or-answer", "정답은 A 또는 B입니다.", OPT4, None),
    ("ko-topic-comment", "A는 옳다. B는 옳다.", OPT4, None),
    ("ko-ro-without-choice", "B를 하겠습니다.", OPT4, None),
    ("ko-this-is", "이것은 A의 특징이다.", OPT4, None),
    ("en-cannot-answer", "I cannot answer this question.", OPT4, None),
    ("en-either-or", "It could be either A or B.", OPT4, None),
    ("en-either-or-correct", "Either A or B is correct.", OPT4, None),
    ("en-answer-or", "The answer is A or B.", OPT4, None),
    ("en-would-not-choose", "I would not choose A.", OPT4, None),
    ("en-between", "It's hard to choose between A and B.", OPT4, None),
    ("en-might", "C might be correct.", OPT4, None),
    ("en-its-hedged", "I think it's B, but I'm not sure.", OPT4, None),
    ("en-select-words", "We need to select the option that matches.", OPT4, None),
    ("en-multiple-choice", "This is a multiple choice question.", OPT4, None),
]


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [pytest.param(t, o, e, id=i) for i, t, o, e in FAMILY_CASES],
)
def test_extract_choice_families(text: str, options: tuple[str, ...], expected: int | None) -> None:
    assert extract_choice(text, options) == expected


def test_family_table_is_its_own() -> None:
    names = [case[0] for case in FAMILY_CASES]
    assert len(set(names)) == len(names)
    assert not set(names) & {case[0] for case in CHOICE_CASES}
    assert not {case[1] for case in FAMILY_CASES} & {case[1] for case in CHOICE_CASES}


_BRACKET_PAIRS = ["【】", "「」", "『』", "〔〕", "［］", "（）", "《》", "〈〉", "〖〗", "〘〙", "〚〛", "⟨⟩", "⟦⟧",
                  "⟪⟫", "｢｣", "«»", "‹›", "“”", "‘’"]
_KO_WORDS = ["세포는", "에너지를", "저장하며", "다음과", "같이", "설명할", "문제의", "조건을", "검토하면", "이 과정은",
             "산소가", "필요하다", "핵심", "개념은", "빛을", "이용한다", "그리고", "우선", "살펴보면"]
_EN_WORDS = ["the", "cell", "stores", "energy", "first", "we", "consider", "each", "statement", "carefully",
             "light", "is", "needed", "for", "this", "process", "Looking", "at", "question", "again"]
_ko_filler = st.lists(st.sampled_from(_KO_WORDS), max_size=10).map(" ".join)
_en_filler = st.lists(st.sampled_from(_EN_WORDS), max_size=10).map(" ".join)
_n_options = st.integers(min_value=2, max_value=10)


def _options_and_index(data: st.DataObject) -> tuple[tuple[str, ...], int]:
    n = data.draw(_n_options)
    return OPT10[:n], data.draw(st.integers(min_value=0, max_value=n - 1))


@settings(max_examples=200, deadline=None)
@given(before=_ko_filler, after=_ko_filler, pair=st.sampled_from(_BRACKET_PAIRS), data=st.data())
def test_any_label_in_any_bracket_pair_is_read(before: str, after: str, pair: str, data: st.DataObject) -> None:
    options, index = _options_and_index(data)
    label = option_labels(len(options))[index]
    assert extract_choice(f"{before} {pair[0]}{label}{pair[1]} {after}", options) == index
    assert extract_choice(f"{before}\n정답은 {pair[0]}{label}{pair[1]}입니다.", options) == index


# {L}: the label; each form says a label is the answer, with a Korean particle or counter.
_KO_LABEL_FORMS = ["{L}번", "{L}번입니다.", "{L}번이요", "{L}요", "{L}입니다", "{L}가 정답입니다.", "{L}이 정답",
                   "{L}번이 정답입니다.", "{L}를 선택하겠습니다.", "{L}을 고릅니다.", "{L}가 맞습니다.",
                   "{L}이 옳습니다.", "{L}가 가장 적절합니다.", "{L}로 하겠습니다.", "옳은 것은 {L}입니다."]
_KO_NUMBER_FORMS = ["{N}번", "{N}번입니다.", "{N}번이 정답입니다.", "{N}번을 선택합니다.", "{C}번이 맞습니다.", "{C}번"]
_CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩"


@settings(max_examples=200, deadline=None)
@given(before=_ko_filler | _en_filler, letter_form=st.sampled_from(_KO_LABEL_FORMS),
       number_form=st.sampled_from(_KO_NUMBER_FORMS), data=st.data())
def test_label_with_korean_particle_or_counter_is_read(
    before: str, letter_form: str, number_form: str, data: st.DataObject
) -> None:
    options, index = _options_and_index(data)
    label = option_labels(len(options))[index]
    assert extract_choice(f"{before}\n{letter_form.format(L=label)}", options) == index
    number = number_form.format(N=index + 1, C=_CIRCLED_DIGITS[index])
    assert extract_choice(f"{before}\n{number}", options) == index


_EN_FORMS = ["Answer: {L}", "The correct answer is ({L}).", "I would choose {L}.", "I'd go with option {L}.",
             "I'll pick {L}.", "I select {L}.", "{L} is correct.", "{L} would be the best.", "{L} is my answer.",
             "The best option is {L}.", "The right choice is {L}.", "Correct option: {L}", "My answer: {L}",
             "final answer {L}", "**{L}**", "\\boxed{{{L}}}", "Option {L}", "Therefore, {L}.", "So it's {L}."]


@settings(max_examples=200, deadline=None)
@given(before=_en_filler, form=st.sampled_from(_EN_FORMS), data=st.data())
def test_english_phrasing_is_read(before: str, form: str, data: st.DataObject) -> None:
    options, index = _options_and_index(data)
    label = option_labels(len(options))[index]
    assert extract_choice(f"{before}\n{form.format(L=label)}", options) == index


# Explicit (marker-led) forms of every family; the last one given wins.
_MARKED_FORMS = ["정답: {L}", "{L}가 정답입니다.", "{L}를 선택하겠습니다.", "{L}가 맞습니다.", "정답은 「{L}」입니다.",
                 "옳은 것은 {L}입니다.", "Answer: {L}", "I would choose {L}.", "{L} is correct.",
                 "The best option is {L}.", "\\boxed{{{L}}}", "So it's {L}."]


@settings(max_examples=200, deadline=None)
@given(first=st.sampled_from(_MARKED_FORMS), last=st.sampled_from(_MARKED_FORMS), middle=_ko_filler | _en_filler,
       data=st.data())
def test_last_explicit_answer_wins_across_families(first: str, last: str, middle: str, data: st.DataObject) -> None:
    options, index = _options_and_index(data)
    labels = option_labels(len(options))
    other = data.draw(st.sampled_from([lab for lab in labels if lab != labels[index]]))
    text = f"{first.format(L=other)}\n{middle}\n{last.format(L=labels[index])}"
    assert extract_choice(text, options) == index


# {L}, {M}: two different labels; none of these commits to one option.
_HEDGES = ["{L}일 수도 있고 {M}일 수도 있습니다.", "{L}와 {M} 중 하나인 것 같지만 확실하지 않습니다.",
           "{L} 또는 {M}가 정답일 수 있습니다.", "{L}가 맞을 수도 있습니다.", "{L}가 맞는지 모르겠습니다.",
           "{L}인지 {M}인지 모르겠습니다.", "{L}가 옳지 않습니다.", "{L}를 선택하면 안 됩니다.", "모르겠습니다.",
           "죄송하지만 답할 수 없습니다.", "It could be either {L} or {M}.", "Either {L} or {M} is correct.",
           "The answer is {L} or {M}.", "I cannot answer this question.", "I'm not sure whether {L} or {M} is correct.",
           "I would not choose {L}.", "It is hard to choose between {L} and {M}.", "{L} might be correct.",
           "I don't know."]


@settings(max_examples=200, deadline=None)
@given(before=_ko_filler | _en_filler, hedge=st.sampled_from(_HEDGES), data=st.data())
def test_refusals_and_hedges_are_never_read(before: str, hedge: str, data: st.DataObject) -> None:
    n = data.draw(_n_options)
    first, second = data.draw(st.permutations(option_labels(n))).__getitem__(slice(2))
    assert extract_choice(f"{before}\n{hedge.format(L=first, M=second)}", OPT10[:n]) is None
