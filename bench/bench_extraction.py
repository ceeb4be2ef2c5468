"""Answer extraction on a held-out set of clear answers, run by hand.

    python bench/bench_extraction.py [--before REV]

Builds several hundred Korean and English model outputs from templates, one family at a
time (answers in CJK brackets, a label with a Korean particle or counter, English phrasings,
plus forms extraction has long read), each placed after a line of reasoning that names no
option. Every output states one answer plainly. A last family holds refusals and hedges,
which must stay unread. Prints, per family, how many outputs the extractor misses (reads no
answer), misreads (reads another option) and, for hedges, wrongly reads, for the
``hret/extraction.py`` of git revision REV ("before", default: the revision before the
families were added) and for the working tree ("after"), and the mean time per call.
The set is built here, not taken from tests/test_extraction.py, whose table it does not share.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path

from hret import extraction

Extractor = Callable[[str, Sequence[str]], "int | None"]

OPTIONS_4 = ("미토콘드리아", "리보솜", "골지체", "소포체")
OPTIONS_5 = ("1592년", "1636년", "1876년", "1894년", "1910년")
LEADS = (
    "",
    "각 보기를 차례로 검토해 보겠습니다. 문제의 조건을 모두 만족하는 것은 하나뿐입니다.\n",
    "문제에서 요구하는 개념을 정리하면 다음과 같습니다.\n\n",
    "Let me think about this step by step. Only one choice satisfies every condition.\n",
    "After reviewing the question carefully,\n",
    "<think>조건을 하나씩 확인해 보자. 첫 번째 조건은 만족한다.</think>\n",
)
# (open, close) pairs other than ASCII parentheses.
BRACKETS = (
    ("【", "】"), ("「", "」"), ("『", "』"), ("〔", "〕"), ("［", "］"), ("（", "）"), ("《", "》"),
    ("〈", "〉"), ("〖", "〗"), ("⟨", "⟩"), ("｢", "｣"), ("“", "”"), ("‘", "’"), ('"', '"'), ("'", "'"),
)
CIRCLED = "①②③④⑤"

# {L}: the option letter, {N}: its 1-based number, {C}: its circled digit, {o}/{c}: a bracket pair.
FAMILIES: dict[str, tuple[str, ...]] = {
    "cjk-bracket": (
        "{o}{L}{c}",
        "정답: {o}{L}{c}",
        "정답은 {o}{L}{c}입니다.",
        "최종 답은 {o}{L}{c}",
        "{o}{L}{c}가 정답입니다.",
        "The answer is {o}{L}{c}.",
        "Answer: {o}{L}{c}",
        "따라서 {o}{L}{c}를 고릅니다.",
        "정답 : {o}{L}{c} 입니다",
        "답은 {o}{L}{c}번",
        "{o}{L}{c} 입니다.",
        "I would choose {o}{L}{c}.",
    ),
    "ko-particle-counter": (
        "{L}번",
        "{L}번입니다.",
        "{L} 번입니다",
        "{L}번이요",
        "{L}요.",
        "{L}가 정답",
        "{L}이 정답입니다.",
        "{L}번이 정답입니다.",
        "정답은 {L}번입니다.",
        "{L}를 선택하겠습니다.",
        "저는 {L}을 고르겠습니다.",
        "{L}번을 선택합니다.",
        "{L}가 맞습니다.",
        "{L}이 옳습니다.",
        "보기 {L}가 가장 적절합니다.",
        "{L}가 가장 타당합니다.",
        "{L}로 하겠습니다.",
        "옳은 것은 {L}입니다.",
        "가장 적절한 것은 {L}이다.",
        "{N}번이 맞습니다.",
        "{N}번을 고르겠습니다.",
        "{N}번입니다.",
        "{C}번",
        "{C}이 정답입니다.",
        "{C}번을 선택합니다.",
        "정답은 {C}번",
        "{L}번이 답입니다.",
        "제 선택은 {L}입니다.",
        "정답 번호는 {N}번입니다.",
        "답안: {L}번",
        "{L}가 맞는 답입니다.",
        "결론적으로 {L}가 가장 타당합니다.",
        "{L}이 올바른 답입니다.",
        "{L}를 정답으로 선택합니다.",
    ),
    "en-phrasing": (
        "Answer: {L}",
        "The correct answer is ({L}).",
        "The correct answer is {L}.",
        "I would choose {L}.",
        "I would choose option {L}.",
        "I choose {L}.",
        "I'd go with {L}.",
        "I'll go with option {L}.",
        "I'm going with {L}.",
        "I'd pick {L}.",
        "I select {L}.",
        "{L} is correct.",
        "{L} is the correct answer.",
        "({L}) is the best answer.",
        "{L} would be the most appropriate.",
        "{L} seems to be correct.",
        "{L} is my final answer.",
        "The best option is {L}.",
        "The right choice is {L}.",
        "The most appropriate choice is ({L}).",
        "Correct option: {L}",
        "My choice: {L}",
        "My answer: {L}",
        "final answer {L}",
        "Final Answer: **{L}**",
        "Option {L}",
        "**{L}**",
        "\\boxed{{{L}}}",
        "The answer is $\\boxed{{\\text{{{L}}}}}$.",
        "I'd say {L}.",
        "So the answer should be {L}.",
        "Therefore, {L}.",
        "So it's {L}.",
        "The answer must be {L}.",
        "Hence the answer: {L}",
        "It's {L}.",
        "Best answer: {L}",
        "Correct answer: ({L})",
        "I believe {L} is correct.",
        "Going with {L}.",
        "My pick is {L}.",
        "The correct response is {L}.",
        "Answer — {L}",
        "I'd choose {L}, since it fits best.",
        "{L} is the right one.",
        "I'll select option {L}.",
    ),
    "established": (
        "{L}",
        "({L})",
        "정답: {L}",
        "정답은 {L}입니다.",
        "따라서 정답은 ({L})입니다.",
        "{L}가 정답입니다.",
        "답: {N}",
        "정답: {N}번",
        "정답은 {C}입니다.",
        "The answer is {L}.",
        "Answer: ({L})",
        "({L}) is correct.",
    ),
}
# Outputs that commit to no single option ({L}, {M}: two different letters).
HEDGES = (
    "{L}일 수도 있고 {M}일 수도 있습니다.",
    "{L}와 {M} 중 하나인 것 같지만 확실하지 않습니다.",
    "{L} 또는 {M}가 정답일 수 있습니다.",
    "{L}가 맞을 수도 있습니다.",
    "{L}가 맞는지 모르겠습니다.",
    "{L}인지 {M}인지 판단하기 어렵습니다.",
    "{L}는 옳지 않습니다.",
    "모르겠습니다.",
    "죄송하지만 답할 수 없습니다.",
    "It could be either {L} or {M}.",
    "Either {L} or {M} is correct.",
    "The answer is {L} or {M}.",
    "I cannot answer this question.",
    "I'm not sure whether {L} or {M} is correct.",
    "I would not choose {L}.",
    "It is hard to choose between {L} and {M}.",
    "I don't know.",
)


def load_before(rev: str) -> types.ModuleType:
    """``hret/extraction.py`` as it was at ``rev``, imported as a separate module."""
    root = Path(__file__).resolve().parent.parent
    try:
        source = subprocess.run(
            ["git", "show", f"{rev}:hret/extraction.py"], cwd=root, check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"cannot read hret/extraction.py at revision {rev!r} ({exc}); "
                 "pass --before with a revision of this repository")
    module = types.ModuleType("extraction_before")
    exec(compile(source, f"{rev}:hret/extraction.py", "exec"), module.__dict__)
    return module


Clear = list[tuple[str, str, tuple[str, ...], int]]
Hedges = list[tuple[str, tuple[str, ...]]]


def build(seed: int = 20240601) -> tuple[Clear, Hedges]:
    """(family, output, options, expected index) for clear answers; (output, options) for hedges."""
    rng = random.Random(seed)
    clear: Clear = []
    for family, templates in FAMILIES.items():
        for template in templates:
            pairs = rng.sample(BRACKETS, 4) if "{o}" in template else [(None, None)] * 3
            for o, c in pairs:
                for options in (OPTIONS_4, OPTIONS_5):
                    index = rng.randrange(len(options))
                    text = template.format(L="ABCDE"[index], N=index + 1, C=CIRCLED[index], o=o, c=c)
                    clear.append((family, rng.choice(LEADS) + text, options, index))
    hedges: Hedges = []
    for template in HEDGES:
        for options in (OPTIONS_4, OPTIONS_5):
            first, second = rng.sample("ABCDE"[: len(options)], 2)
            hedges.append((rng.choice(LEADS) + template.format(L=first, M=second), options))
    return clear, hedges


def measure(extract: Extractor, clear: Clear, hedges: Hedges) -> dict[str, tuple[int, int, int]]:
    """family -> (n, missed, misread); "hedges" -> (n, read, 0)."""
    out: dict[str, list[int]] = {}
    for family, text, options, expected in clear:
        got = extract(text, options)
        row = out.setdefault(family, [0, 0, 0])
        row[0] += 1
        row[1] += got is None
        row[2] += got is not None and got != expected
    row = out.setdefault("hedges", [0, 0, 0])
    for text, options in hedges:
        row[0] += 1
        row[1] += extract(text, options) is not None
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def per_call_us(extract: Extractor, texts: list[tuple[str, tuple[str, ...]]], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text, options in texts:
            extract(text, options)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="8b86d0c", help="git revision whose extractor is the baseline")
    parser.add_argument("--show-misses", action="store_true", help="list the outputs the new extractor misses")
    args = parser.parse_args()
    before = load_before(args.before)
    clear, hedges = build()
    results = {"before": measure(before.extract_choice, clear, hedges),
               "after": measure(extraction.extract_choice, clear, hedges)}
    print(f"{len(clear)} clear answers, {len(hedges)} hedges/refusals; before = {args.before}, after = working tree")
    print(f"{'family':<22}{'n':>5}  {'missed before':>14}{'missed after':>14}"
          f"  {'misread before':>15}{'misread after':>14}")
    totals = {"before": [0, 0], "after": [0, 0]}
    for family in FAMILIES:
        n, miss_b, wrong_b = results["before"][family]
        _, miss_a, wrong_a = results["after"][family]
        totals["before"][0] += miss_b
        totals["before"][1] += wrong_b
        totals["after"][0] += miss_a
        totals["after"][1] += wrong_a
        print(f"{family:<22}{n:>5}  {miss_b:>6} ({miss_b / n:6.1%}){miss_a:>5} ({miss_a / n:6.1%})"
              f"  {wrong_b:>6} ({wrong_b / n:5.1%}){wrong_a:>6} ({wrong_a / n:5.1%})")
    n = len(clear)
    (miss_b, wrong_b), (miss_a, wrong_a) = totals["before"], totals["after"]
    print(f"{'all clear answers':<22}{n:>5}  {miss_b:>6} ({miss_b / n:6.1%}){miss_a:>5} ({miss_a / n:6.1%})"
          f"  {wrong_b:>6} ({wrong_b / n:5.1%}){wrong_a:>6} ({wrong_a / n:5.1%})")
    nh, read_b, _ = results["before"]["hedges"]
    _, read_a, _ = results["after"]["hedges"]
    print(f"hedges/refusals read as an answer: before {read_b}/{nh}, after {read_a}/{nh} (target 0)")
    texts = [(text, options) for _, text, options, _ in clear] + hedges
    print(f"time per call over the set: before {per_call_us(before.extract_choice, texts):.1f} us, "
          f"after {per_call_us(extraction.extract_choice, texts):.1f} us")
    if args.show_misses:
        for family, text, options, expected in clear:
            got = extraction.extract_choice(text, options)
            if got != expected:
                print(f"  {family}: {text!r} -> {got} (expected {expected})")
        for text, options in hedges:
            if extraction.extract_choice(text, options) is not None:
                print(f"  hedge read: {text!r}")


if __name__ == "__main__":
    main()
