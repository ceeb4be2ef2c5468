"""Methods that read an answer from generated text: string, exact and partial match."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from hret.extraction import extract_choice, normalize
from hret.methods.base import Evaluator, Score, register_evaluator
from hret.prompts import LABELS
from hret.sample import Sample


@register_evaluator("string_match")
class StringMatch(Evaluator):
    """Multiple choice: the option extracted from free text equals the answer.
    Other samples: the normalised output equals the normalised reference."""

    name = "string_match"

    def score(self, sample: Sample, output: str) -> Score:
        if sample.options:
            choice = extract_choice(output, sample.options)
            if choice is None:
                return Score(0.0, None, True)
            label = LABELS[choice]
            return Score(float(label == sample.reference), label)
        extracted = normalize(output)
        return Score(float(extracted.casefold() == normalize(sample.reference).casefold()), extracted)


def _normalizer(ignore_case: bool, ignore_punctuation: bool, ignore_whitespace: bool
                ) -> Callable[[str], str]:
    def apply(text: str) -> str:
        text = normalize(text)
        if ignore_case:
            text = text.casefold()
        if ignore_punctuation:
            text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
        if ignore_whitespace:
            text = "".join(text.split())
        else:
            text = " ".join(text.split())
        return text

    return apply


@register_evaluator("exact_match")
class ExactMatch(Evaluator):
    """The whole output equals the reference (or the correct option's text)
    after configurable normalisation."""

    name = "exact_match"

    def __init__(self, ignore_case: bool = True, ignore_punctuation: bool = False,
                 ignore_whitespace: bool = False) -> None:
        self.options = {"ignore_case": ignore_case, "ignore_punctuation": ignore_punctuation,
                        "ignore_whitespace": ignore_whitespace}
        self._norm = _normalizer(ignore_case, ignore_punctuation, ignore_whitespace)

    def score(self, sample: Sample, output: str) -> Score:
        got = self._norm(output)
        targets = {self._norm(sample.reference)}
        if sample.options:
            targets.add(self._norm(sample.answer_text))
        return Score(float(got in targets), got)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


@register_evaluator("partial_match")
class PartialMatch(Evaluator):
    """The reference appears in the output. For multiple choice the output must
    name the correct option's text and no other option's text, so listing every
    option cannot score."""

    name = "partial_match"

    def __init__(self) -> None:
        self._norm = _normalizer(True, False, False)

    def score(self, sample: Sample, output: str) -> Score:
        got = self._norm(output)
        if not sample.options:
            return Score(float(self._norm(sample.reference) in got), got)
        named = [i for i, text in enumerate(sample.options) if self._mentions(got, text, sample)]
        if len(named) != 1:
            return Score(0.0, None, not named)
        return Score(float(named[0] == sample.answer_index), LABELS[named[0]])

    def _mentions(self, output: str, option: str, sample: Sample) -> bool:
        text = self._norm(option)
        if text not in output:
            return False
        # an option that is part of a longer option the output names is not named itself
        return not any(text != (o := self._norm(other)) and text in o and o in output
                       for other in sample.options)
