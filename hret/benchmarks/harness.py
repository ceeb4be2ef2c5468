"""Prompts, few-shot draws and answer handling that reproduce lm-evaluation-harness.

The pack's benchmarks default to the tasks of lm-evaluation-harness 0.4.13
(``LM_EVAL``), sample for sample. A task's prompt is assembled as lm-eval's
``fewshot_context`` does in plain text: the description, then each few-shot
example as ``doc_to_text + target_delimiter + target + fewshot_delimiter``, then
the question's ``doc_to_text``. Log-likelihood continuations are
``target_delimiter + choice``. Few-shot examples are drawn as lm-eval's default
sampler draws them: one ``random.Random(1234)`` per task (subset), one draw per
question in document order, so questions of one subject see different examples
in different orders.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hret.errors import ConfigError
from hret.methods import Evaluator, Score, register_evaluator
from hret.prompts import PlainText, PromptTemplate
from hret.sample import Sample

LM_EVAL = "lm-eval 0.4.13"

Text = Callable[[Sample], str]


def cell(sample: Sample, column: str) -> str:
    """A row's cell as lm-eval's Jinja templates print it (unstripped; None as "None")."""
    return str(sample.metadata.get("row", {}).get(column))


@dataclass(frozen=True)
class HarnessPrompt(PromptTemplate):
    """A prompt reproducing one lm-eval task. ``text`` is the task's
    ``doc_to_text`` as written in its YAML (for the prompt's hash and for
    people); ``doc_to_text``/``choices``/``target`` compute it per sample."""

    doc_to_text: Text = field(default=str, compare=False)
    #: the options scored by log-likelihood, without the target delimiter
    choices: Callable[[Sample], list[str]] | None = field(default=None, compare=False)
    #: a few-shot example's answer text (default: its correct choice)
    target: Text | None = field(default=None, compare=False)
    #: a few-shot example written whole (KorMedMCQA's own few-shot ``doc_to_text``)
    fewshot_text: Text | None = field(default=None, compare=False)
    target_delimiter: str = " "
    fewshot_delimiter: str = "\n\n"
    description: str = ""
    #: what this prompt reproduces, e.g. ``lm-eval 0.4.13 kmmlu v2.0``
    reference: str = ""
    #: the task's generation settings (``until`` as ``stop``, ``max_gen_toks`` as ``max_new_tokens``)
    generation: Mapping[str, Any] = field(default_factory=dict)
    #: the reference sends this prompt without a chat template: it renders as
    #: :class:`~hret.prompts.PlainText`, which a backend leaves plain unless told otherwise
    plain_text: bool = True

    @property
    def hash(self) -> str:
        parts = [type(self).__name__, self.name, self.text, self.target_delimiter,
                 self.fewshot_delimiter, self.description, self.reference, dict(self.generation),
                 *([] if self.plain_text else ["chat template applies"])]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()[:12]

    def render(self, sample: Sample, fewshot: Sequence[Sample] = ()) -> str:
        text = self.description + "".join(self.shot(s) for s in fewshot) + self.doc_to_text(sample)
        return PlainText(text) if self.plain_text else text

    def shot(self, sample: Sample) -> str:
        if self.fewshot_text is not None:
            return self.fewshot_text(sample)
        return (f"{self.doc_to_text(sample)}{self.target_delimiter}{self.answer(sample)}"
                f"{self.fewshot_delimiter}")

    def answer(self, sample: Sample) -> str:
        if self.target is not None:
            return self.target(sample)
        index = sample.answer_index
        if self.choices is None or index is None:
            return sample.reference
        return self.choices(sample)[index]

    def continuations(self, sample: Sample) -> list[str] | None:
        """Log-likelihood continuations (``target_delimiter + choice``), or None
        when the task is not multiple choice."""
        if self.choices is None:
            return None
        return [f"{self.target_delimiter}{c}" for c in self.choices(sample)]


# -- answers -------------------------------------------------------------------------------
_PUNCTUATION = str.maketrans("", "", string.punctuation)
CHOICE_PATTERNS = (
    re.compile(r"정답[:\s]*([ABCDE])", re.IGNORECASE),
    re.compile(r"정답은\s*([ABCDE])\s*입니다", re.IGNORECASE),
    re.compile(r"\b([ABCDE])\.", re.IGNORECASE),
    re.compile(r"\b([ABCDE])\b", re.IGNORECASE),
)


def exact_match_text(text: str, ignore: Sequence[str], ignore_case: bool = True,
                     ignore_punctuation: bool = True) -> str:
    """lm-eval's ``exact_match`` normalisation, in its order: ``regexes_to_ignore``
    removed, lower case, ASCII punctuation removed."""
    for pattern in ignore:
        text = re.sub(pattern, "", text)
    if ignore_case:
        text = text.lower()
    if ignore_punctuation:
        text = text.translate(_PUNCTUATION)
    return text


def extract_letter(output: str) -> str:
    """KorMedMCQA's answer filter: the last match of the first pattern that matches."""
    for pattern in CHOICE_PATTERNS:
        matches = pattern.findall(output)
        if matches:
            return str(matches[-1]).upper()
    return ""


FILTERS: dict[str, Callable[[str], str]] = {"none": lambda text: text, "choice": extract_letter}


@register_evaluator("harness_match")
class HarnessMatch(Evaluator):
    """lm-eval's generative scoring: an answer filter (``none``: the output as
    generated; ``choice``: KorMedMCQA's letter extraction; ``math``: HRM8K's
    boxed-answer equivalence), then ``exact_match`` ignoring case, ASCII
    punctuation and the ``ignore`` patterns."""

    name = "harness_match"

    def __init__(self, answer_filter: str = "none", ignore: Sequence[str] = (" ",)) -> None:
        if answer_filter not in (*FILTERS, "math"):
            raise ConfigError(f"harness_match answer_filter={answer_filter!r}; expected one of "
                              f"{', '.join((*FILTERS, 'math'))}")
        self.answer_filter = answer_filter
        self.ignore = tuple(ignore)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "answer_filter": self.answer_filter, "ignore": list(self.ignore)}

    def score(self, sample: Sample, output: str) -> Score:
        if self.answer_filter == "math":
            from hret.benchmarks.hrm8k_reference import is_equiv, postprocess

            return Score(float(is_equiv(output, postprocess(sample.reference))), output)
        answer = FILTERS[self.answer_filter](output)
        target = sample.reference
        same = exact_match_text(answer, self.ignore) == exact_match_text(target, self.ignore)
        return Score(float(same), answer, self.answer_filter != "none" and not answer)


__all__ = ["LM_EVAL", "HarnessMatch", "HarnessPrompt", "cell", "exact_match_text",
           "extract_letter"]
