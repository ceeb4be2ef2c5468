"""Log-likelihood scoring of multiple choice: ``acc`` and length-normalised ``acc_norm``.

Each sample becomes one request ``(context, continuations)``: the rendered
prompt (which ends with the answer cue ``정답:``) and one continuation per
option, `` A``/`` B``... (``choices="labels"``, as in the KMMLU paper) or the
options' own texts (``choices="options"``). The model must be a backend with
``loglikelihood([(context, continuation), ...]) -> [(logprob, is_greedy), ...]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hret.errors import ConfigError
from hret.methods.base import Evaluator, Score, register_evaluator
from hret.methods.f1 import subset_macro_f1
from hret.models import Model, run_coroutine
from hret.prompts import LABELS
from hret.sample import Sample

Request = tuple[str, list[str]]
Scored = list[tuple[float, bool]]
CHOICES = ("labels", "options")


@register_evaluator("log_likelihood")
class LogLikelihood(Evaluator):
    """The option whose continuation the model finds most likely is its answer.

    ``accuracy`` compares the summed log-probabilities; ``acc_norm`` divides
    each by the length of its choice in characters first, so long options are
    not penalised for their length. ``f1=True`` adds macro-F1 (KoBEST).
    """

    name = "log_likelihood"
    mode = "loglikelihood"

    def __init__(self, choices: str = "labels", f1: bool = False) -> None:
        if choices not in CHOICES:
            raise ConfigError(f"log_likelihood choices={choices!r}; expected one of {', '.join(CHOICES)}")
        self.choices = choices
        self.f1 = f1
        self.extra_metrics = frozenset({"acc_norm", "macro_f1"} if f1 else {"acc_norm"})
        self._lengths: dict[str, list[int]] = {}

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "choices": self.choices, "f1": self.f1}

    def choice_texts(self, sample: Sample) -> list[str]:
        if not sample.options:
            raise ConfigError(
                f"log_likelihood scores multiple-choice samples; {sample.id!r} has no options. "
                "Use evaluation_method='string_match' or 'math_match' for free-form answers."
            )
        if self.choices == "labels":
            return list(LABELS[: len(sample.options)])
        return list(sample.options)

    def requests(self, sample: Sample, prompt: Any, template: Any = None) -> Request:
        """The prompt and one continuation per choice: those the prompt names
        (a reference task's ``target_delimiter + choice``), else `` A``.. or the
        options' texts."""
        if not isinstance(prompt, str):
            raise ConfigError(
                f"log_likelihood needs a text prompt but sample {sample.id!r} was rendered as "
                "chat messages; drop dataset_params={'chat': True} for log-likelihood runs"
            )
        named = getattr(template, "continuations", None)
        continuations = named(sample) if callable(named) and self.choices == "labels" else None
        if continuations is None:
            continuations = [f" {text}" for text in self.choice_texts(sample)]
            self._lengths[sample.id] = [len(text) for text in self.choice_texts(sample)]
        else:  # acc_norm divides by the choice's length, the delimiter not counted
            delimiter = getattr(template, "target_delimiter", "")
            self._lengths[sample.id] = [len(c) - len(delimiter) for c in continuations]
        return prompt, continuations

    def scoring_model(self, model: Model) -> Model:
        """``model`` as a batched scorer of requests, built on its backend's
        ``loglikelihood``; one flat call per batch of samples."""
        backend = model.backend
        scorer = getattr(backend, "loglikelihood", None)
        if not callable(scorer):
            raise ConfigError(
                f"evaluation_method='log_likelihood' needs a model backend with "
                f"loglikelihood(requests); {model.label!r} ({model.kind}) has none. Pass a backend "
                "such as hret's 'huggingface' backend, or use evaluation_method='string_match'."
            )

        def score_batch(batch: list[Request]) -> list[Scored]:
            flat = [(context, continuation) for context, continuations in batch
                    for continuation in continuations]
            result = scorer(flat)
            if hasattr(result, "__await__"):
                result = run_coroutine(result)
            scored = list(result)
            if len(scored) != len(flat):
                raise ValueError(f"loglikelihood returned {len(scored)} scores for {len(flat)} requests")
            grouped, start = [], 0
            for _, continuations in batch:
                grouped.append([(float(lp), bool(greedy))
                                for lp, greedy in scored[start:start + len(continuations)]])
                start += len(continuations)
            return grouped

        return Model(score_batch, "batched", model.label, model.batch_size, backend)

    def _logprobs(self, sample: Sample, output: Any) -> list[float]:
        expected = len(self._lengths.get(sample.id, sample.options))
        if not isinstance(output, list) or len(output) != expected:
            raise ValueError(
                f"expected one (logprob, is_greedy) per option of {sample.id!r} "
                f"({expected}), got {output!r:.80}"
            )
        return [float(item[0]) for item in output]

    def score(self, sample: Sample, output: Any) -> Score:
        logprobs = self._logprobs(sample, output)
        best = max(range(len(logprobs)), key=logprobs.__getitem__)
        return Score(float(best == sample.answer_index), LABELS[best])

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[Any],
                  scores: Sequence[Score]) -> dict[str, float]:
        if not samples:
            return {}
        normalised = []
        for sample, output in zip(samples, outputs, strict=True):
            lengths = [max(1, n) for n in self._lengths.get(
                sample.id, [len(text) for text in self.choice_texts(sample)])]
            values = [lp / n for lp, n in zip(self._logprobs(sample, output), lengths, strict=True)]
            best = max(range(len(values)), key=values.__getitem__)
            normalised.append(float(best == sample.answer_index))
        metrics = {"acc_norm": sum(normalised) / len(normalised)}
        if self.f1:
            metrics.update(subset_macro_f1(samples, [s.extracted for s in scores]))
        return metrics
