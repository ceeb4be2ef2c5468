"""A user's ``fn(predictions, references) -> dict`` of metrics over a base method."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hret.errors import ConfigError
from hret.methods.base import Evaluator, Score, build_evaluator
from hret.models import Model
from hret.sample import Sample

#: what a custom function receives
INPUTS = ("answers", "outputs", "records")


class CustomEvaluator(Evaluator):
    """Wraps ``fn(predictions, references) -> dict`` of metrics; per-sample
    scores come from ``base`` (``string_match`` unless named).

    ``custom_input`` says what ``predictions`` holds: ``"answers"`` (default)
    the answers the base method read from each output (letters for multiple
    choice; ``""`` where none could be read), ``"outputs"`` the raw outputs;
    ``"records"`` calls ``fn(records)`` with one dict per scored sample (id,
    subset, category, input, options, output, extracted, reference, score).
    """

    def __init__(self, fn: Callable[..., Mapping[str, Any]], base: str | None = None,
                 custom_input: str = "answers", **params: Any) -> None:
        if not callable(fn):
            raise ConfigError(
                f"custom_evaluator={fn!r} is not callable; expected fn(predictions, references) -> dict"
            )
        if custom_input not in INPUTS:
            raise ConfigError(f"custom_input={custom_input!r} must be one of {', '.join(INPUTS)}")
        self.fn = fn
        self.custom_input = custom_input
        self.base = build_evaluator(base, params)
        self.name = f"custom:{getattr(fn, '__name__', type(fn).__name__)}"
        self.metric = self.base.metric
        self.mode = self.base.mode  # a log-likelihood base keeps its requests and scorer
        self.extra_metrics = None  # whatever the function returns

    def score(self, sample: Sample, output: str) -> Score:
        return self.base.score(sample, output)

    def requests(self, sample: Sample, prompt: Any, template: Any = None) -> tuple[Any, list[str]]:
        return self.base.requests(sample, prompt, template)

    def scoring_model(self, model: Model) -> Model:
        return self.base.scoring_model(model)

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        metrics = dict(self.base.aggregate(samples, outputs, scores))
        produced = self.fn(*self._inputs(samples, outputs, scores))
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

    def _inputs(self, samples: Sequence[Sample], outputs: Sequence[Any],
                scores: Sequence[Score]) -> tuple[Any, ...]:
        references = [s.reference for s in samples]
        if self.custom_input == "outputs":
            return list(outputs), references
        if self.custom_input == "answers":
            return [s.extracted if s.extracted is not None else "" for s in scores], references
        return ([{"id": sample.id, "subset": sample.subset, "category": sample.category, "input": sample.input,
                  "options": list(sample.options), "output": output, "extracted": score.extracted,
                  "reference": sample.reference, "score": score.value}
                 for sample, output, score in zip(samples, outputs, scores, strict=True)],)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "base": self.base.describe(), "input": self.custom_input}
