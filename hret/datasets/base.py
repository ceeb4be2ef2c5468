"""The ``Dataset`` type: an ordered, deterministic collection of samples."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from hret.datasets.fewshot import draw_fewshot
from hret.datasets.store import collect, subset_keys, take
from hret.errors import DatasetError, did_you_mean
from hret.prompts import PromptTemplate
from hret.sample import Sample


class PromptAlternative(NamedTuple):
    """A named prompt of a dataset and the evaluation method that reads its answers."""

    prompt: PromptTemplate | None
    method: str
    method_params: Mapping[str, Any] = {}


@dataclass(frozen=True)
class Dataset:
    """Samples plus what is needed to evaluate them faithfully.

    ``fewshot_pool`` holds examples from the split meant for few-shot prompting
    (the evaluated split only when ``fewshot_sampler`` says so, as a reference
    harness does); ``default_method`` (with ``default_method_params``) is the
    evaluation method that fits the data; ``prompt`` overrides the generic prompt
    for this dataset and ``prompts`` names the alternatives ``select_prompt`` picks.
    ``fewshot_sampler`` None draws with :meth:`fewshot_for`; ``"lm-eval"`` and
    ``"first_n"`` draw as lm-evaluation-harness's samplers do, over ``population``
    (the samples before ``limit``), so a question keeps its examples.

    ``samples`` may also be any iterable, e.g. a generator: it is read once, and
    from 20,000 samples on kept on disk (:func:`~hret.datasets.store.collect`), so
    a million generated samples never sit in memory at once.
    """

    name: str
    #: a tuple, or a :class:`~hret.datasets.store.SampleStore` for a large dataset
    samples: Sequence[Sample]
    split: str = "test"
    revision: str | None = None
    fewshot_pool: Sequence[Sample] = ()
    default_method: str = "string_match"
    prompt: PromptTemplate | None = None
    info: dict[str, Any] = field(default_factory=dict)
    default_method_params: Mapping[str, Any] = field(default_factory=dict)
    prompts: Mapping[str, PromptAlternative] = field(default_factory=dict)
    fewshot_sampler: str | None = None
    #: set when the reference scores by log-likelihood: a model whose backend
    #: scores log-likelihoods gets ``log_likelihood`` with these settings by
    #: default, any other model ``default_method`` (see :meth:`method_for`)
    likelihood_method_params: Mapping[str, Any] | None = None
    #: the pool is the evaluated split: lm-eval then drops the question itself
    fewshot_same_split: bool = False
    population: Sequence[Sample] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.samples, Sequence):  # a generator: read it once, into a store if large
            object.__setattr__(self, "samples", collect(self.samples))

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    @property
    def subsets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for s in subset_keys(self.samples) if s is not None))

    def select_subsets(self, subsets: str | Sequence[str] | None) -> Dataset:
        """Keep only the named subsets (one name or a list)."""
        if subsets is None:
            return self
        wanted = [subsets] if isinstance(subsets, str) else list(subsets)
        known = self.subsets
        lowered = {s.lower(): s for s in known}
        chosen = set()
        for name in wanted:
            if name.lower() not in lowered:
                raise DatasetError(
                    f"Dataset {self.name!r} has no subset {name!r}.{did_you_mean(name, known)} "
                    f"Subsets: {', '.join(known) or '(none)'}."
                )
            chosen.add(lowered[name.lower()])
        return replace(self, samples=take(self.samples, (i for i, s in enumerate(subset_keys(self.samples))
                                                         if s in chosen)))

    def subsample(self, limit: int | None, seed: int = 0) -> Dataset:
        """A seeded subsample of ``limit`` samples, stratified by subset.

        Each subset keeps a share proportional to its size (largest remainder),
        the samples inside a subset are drawn at random with ``seed``, and the
        original order is kept.
        """
        if limit is None or limit >= len(self.samples):
            return self
        if limit <= 0:
            raise DatasetError(f"limit={limit} must be a positive number of samples")
        groups: dict[str | None, list[int]] = defaultdict(list)
        for index, subset in enumerate(subset_keys(self.samples)):
            groups[subset].append(index)
        total = len(self.samples)
        quotas = {key: limit * len(idx) / total for key, idx in groups.items()}
        counts = {key: int(q) for key, q in quotas.items()}
        leftover = limit - sum(counts.values())
        by_remainder = sorted(groups, key=lambda k: (-(quotas[k] - counts[k]), str(k)))
        for key in by_remainder[:leftover]:
            counts[key] += 1
        rng = random.Random(seed)
        chosen: list[int] = []
        for key in sorted(groups, key=str):
            chosen.extend(rng.sample(groups[key], counts[key]))
        return replace(self, samples=take(self.samples, sorted(chosen)))

    def fewshot_for(self, sample: Sample, k: int, seed: int = 0) -> list[Sample]:
        """``k`` few-shot examples for ``sample``: same subset when possible,
        never the sample itself, the same choice for the same seed."""
        if k <= 0:
            return []
        pool = [s for s in self.fewshot_pool if s.subset == sample.subset and s.id != sample.id]
        if len(pool) < k:
            pool = [s for s in self.fewshot_pool if s.id != sample.id]
        if len(pool) < k:
            raise DatasetError(
                f"num_fewshot={k} but dataset {self.name!r} has only {len(pool)} few-shot "
                f"examples for sample {sample.id!r}; lower num_fewshot"
            )
        rng = random.Random(f"{seed}:{sample.subset}")
        return rng.sample(pool, k) if len(pool) > k else pool[:k]

    def fewshots(self, k: int, seed: int = 0) -> list[list[Sample]]:
        """``k`` few-shot examples for every sample, in sample order."""
        if k <= 0:
            return [[] for _ in self.samples]
        if self.fewshot_sampler is None:
            return [self.fewshot_for(sample, k, seed) for sample in self.samples]
        population = self.population or self.samples
        by_subset: dict[str | None, list[Sample]] = defaultdict(list)
        for sample in population:
            by_subset[sample.subset].append(sample)
        pools: dict[str | None, list[Sample]] = defaultdict(list)
        for sample in self.fewshot_pool:
            pools[sample.subset].append(sample)
        for subset in by_subset:
            need = k + 1 if self.fewshot_same_split and self.fewshot_sampler != "first_n" else k
            if len(pools[subset]) < need:
                raise DatasetError(
                    f"num_fewshot={k} but dataset {self.name!r} has {len(pools[subset])} few-shot "
                    f"examples for subset {subset!r} (needs {need}); lower num_fewshot"
                    + (f" ({self.info['fewshot_note']})" if self.info.get("fewshot_note") else "")
                )
        drawn: dict[str, list[Sample]] = {}
        for members in by_subset.values():
            shots = draw_fewshot(members, lambda s: pools[s.subset], k, self.fewshot_sampler,
                                 self.fewshot_same_split)
            drawn.update({s.id: d for s, d in zip(members, shots, strict=True)})
        return [drawn[s.id] for s in self.samples]

    def select_prompt(self, name: str | None) -> Dataset:
        """This dataset with its prompt named ``name`` (None or ``"default"``: as
        loaded; ``"instruct"``: hret's instruction-style prompt) and the
        evaluation method that goes with it."""
        own = self.prompt.name if self.prompt is not None else None
        if name is None or name in ("default", own) or (name == "instruct" and not self.prompts):
            return self  # a dataset without a reference prompt has only hret's own
        chosen = self.prompts.get(name)
        if chosen is None:
            known = list(dict.fromkeys(["default", "instruct", *([own] if own else []), *self.prompts]))
            raise DatasetError(
                f"Dataset {self.name!r} has no prompt {name!r}.{did_you_mean(name, known)} "
                f"Prompts: {', '.join(known)}."
            )
        return replace(self, prompt=chosen.prompt, default_method=chosen.method,
                       default_method_params=dict(chosen.method_params), likelihood_method_params=None,
                       info={**self.info, "prompt": name})

    def method_for(self, scores_likelihood: bool) -> tuple[str, dict[str, Any]]:
        """The evaluation method (and its settings) that fits this data for a
        model that can (or cannot) score log-likelihoods."""
        if scores_likelihood and self.likelihood_method_params is not None:
            return "log_likelihood", dict(self.likelihood_method_params)
        return self.default_method, dict(self.default_method_params)

    def require_samples(self) -> None:
        if not self.samples:
            raise DatasetError(
                f"Dataset {self.name!r} (split {self.split!r}) has no samples to evaluate; "
                "check the split, subset and limit you chose"
            )
