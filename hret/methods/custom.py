"""A user's ``fn(predictions, references) -> dict`` of metrics over a base method."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hret.errors import ConfigError
from hret.methods.base import Evaluator, Score, build_evaluator
from hret.models import Model
from hret.sample import Sample


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
        self.base = build_evaluator(base, params)
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
