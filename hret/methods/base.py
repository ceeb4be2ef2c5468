"""The evaluator protocol and registry: a method turns (sample, model output)
into a per-sample score. Every method registers in ``EVALUATORS`` by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hret.errors import ConfigError
from hret.models import Model
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
    #: metrics ``aggregate`` adds (None: not known before the run, e.g. a user's function)
    extra_metrics: frozenset[str] | None = frozenset()

    def score(self, sample: Sample, output: Any) -> Score:
        raise NotImplementedError

    def requests(self, sample: Sample, prompt: Any, template: Any = None) -> tuple[Any, list[str]]:
        """Log-likelihood mode only: the context and the continuations to score
        (``template``, the prompt that rendered ``prompt``, may name them)."""
        raise NotImplementedError(f"{self.name} does not score log-likelihoods")

    def scoring_model(self, model: Model) -> Model:
        """Log-likelihood mode only: ``model`` turned into a scorer of requests."""
        raise NotImplementedError(f"{self.name} does not score log-likelihoods")

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}


EVALUATORS: Registry[Callable[..., Evaluator]] = Registry("evaluation method", "hret.methods")


def register_evaluator(name: str) -> Callable[[Any], Any]:
    return EVALUATORS.decorator(name)


def build_evaluator(name: str | None, params: Mapping[str, Any] | None = None) -> Evaluator:
    """The registered method ``name`` (``string_match`` when None) built with ``params``."""
    params = dict(params or {})
    factory = EVALUATORS.get(name or "string_match")
    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(
            f"evaluator_params {sorted(params)} do not fit evaluation method {name!r}: {exc}"
        ) from None
