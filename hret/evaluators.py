"""Evaluation methods: turn (sample, model output) into a per-sample score.

Every method registers in ``EVALUATORS`` by name; ``get_evaluator`` builds one
from ``evaluator_params``. Adding a method is one class and one decorator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hret.errors import ConfigError
from hret.extraction import extract_choice, normalize
from hret.models import Model
from hret.prompts import LABELS
from hret.registry import Registry
from hret.sample import Sample


@dataclass(frozen=True, slots=True)
class Score:
    """One sample's score. ``extracted`` is what was read from the output;
    ``extraction_failed`` marks outputs from which no answer could be read."""

    value: float
    extracted: str | None = None
    extraction_failed: bool = False


class Evaluator:
    """Base class. Subclasses implement ``score``; ``aggregate`` may add
    metrics computed over all samples (e.g. macro-F1)."""

    name = "base"
    #: metric name of the per-sample score's mean
    metric = "accuracy"
    #: "generate": the model returns text. "loglikelihood": the evaluator also
    #: defines ``requests(sample, prompt) -> (context, continuations)`` and
    #: ``scoring_model(model) -> Model`` whose outputs are lists of scores.
    mode = "generate"

    def score(self, sample: Sample, output: Any) -> Score:
        raise NotImplementedError

    def requests(self, sample: Sample, prompt: Any) -> tuple[Any, list[str]]:
        """Log-likelihood mode only: the context and the continuations to score."""
        raise NotImplementedError(f"{self.name} does not score log-likelihoods")

    def scoring_model(self, model: Model) -> Model:
        """Log-likelihood mode only: ``model`` turned into a scorer of requests."""
        raise NotImplementedError(f"{self.name} does not score log-likelihoods")

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}


EVALUATORS: Registry[Callable[..., Evaluator]] = Registry("evaluation method", "hret.evaluators")


def register_evaluator(name: str) -> Callable[[Any], Any]:
    return EVALUATORS.decorator(name)


def get_evaluator(name: str | None, params: Mapping[str, Any] | None = None) -> Evaluator:
    """Build the evaluator ``name`` (``string_match`` when None) with ``params``.

    ``params={"custom_evaluator": fn}`` wraps ``fn(predictions, references) -> dict``.
    """
    from hret.datasets import _load_builtin_packs  # the benchmark pack registers more methods
    _load_builtin_packs()
    params = dict(params or {})
    if "custom_evaluator" in params:
        return CustomEvaluator(params.pop("custom_evaluator"), base=name, **params)
    factory = EVALUATORS.get(name or "string_match")
    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(
            f"evaluator_params {sorted(params)} do not fit evaluation method {name!r}: {exc}"
        ) from None


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


class CustomEvaluator(Evaluator):
    """Wraps ``fn(predictions, references) -> dict`` of metrics; per-sample
    scores come from ``base`` (``string_match`` unless named)."""

    def __init__(self, fn: Callable[[list[str], list[str]], Mapping[str, Any]],
                 base: str | None = None, **params: Any) -> None:
        if not callable(fn):
            raise ConfigError(
                f"custom_evaluator={fn!r} is not callable; expected fn(predictions, references) -> dict"
            )
        self.fn = fn
        self.base = get_evaluator(base, params)
        self.name = f"custom:{getattr(fn, '__name__', type(fn).__name__)}"
        self.metric = self.base.metric
        self.mode = self.base.mode  # a log-likelihood base keeps its requests and scorer

    def score(self, sample: Sample, output: str) -> Score:
        return self.base.score(sample, output)

    def requests(self, sample: Sample, prompt: Any) -> tuple[Any, list[str]]:
        return self.base.requests(sample, prompt)

    def scoring_model(self, model: Model) -> Model:
        return self.base.scoring_model(model)

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        metrics = dict(self.base.aggregate(samples, outputs, scores))
        produced = self.fn(list(outputs), [s.reference for s in samples])
        if not isinstance(produced, Mapping):
            raise ConfigError(
                f"custom evaluator {self.name!r} returned {type(produced).__name__}; "
                "expected a dict of metric name -> number"
            )
        for key, value in produced.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(
                    f"custom evaluator {self.name!r} returned {key}={value!r}; metrics must be numbers"
                )
            metrics[str(key)] = float(value)
        return metrics

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "base": self.base.describe()}
