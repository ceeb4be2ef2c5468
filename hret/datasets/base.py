"""The ``Dataset`` type: an ordered, deterministic collection of samples."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hret.errors import DatasetError, did_you_mean
from hret.prompts import DEFAULT_MC, DEFAULT_PLAIN, PromptTemplate
from hret.sample import Sample


@dataclass(frozen=True)
class Dataset:
    """Samples plus what is needed to evaluate them faithfully.

    ``fewshot_pool`` holds examples from the split meant for few-shot prompting
    (never the evaluated split); ``default_method`` is the evaluation method that
    fits the data; ``prompt`` overrides the generic prompt for this dataset;
    ``prompts`` are named alternatives (``prompt="instruct"`` picks one).
    """

    name: str
    samples: tuple[Sample, ...]
    split: str = "test"
    revision: str | None = None
    fewshot_pool: tuple[Sample, ...] = ()
    default_method: str = "string_match"
    prompt: PromptTemplate | None = None
    info: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, PromptTemplate] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    @property
    def subsets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.subset for s in self.samples if s.subset is not None))

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
        return replace(self, samples=tuple(s for s in self.samples if s.subset in chosen))

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
        for index, sample in enumerate(self.samples):
            groups[sample.subset].append(index)
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
        return replace(self, samples=tuple(self.samples[i] for i in sorted(chosen)))

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

    def require_samples(self) -> None:
        if not self.samples:
            raise DatasetError(
                f"Dataset {self.name!r} (split {self.split!r}) has no samples to evaluate; "
                "check the split, subset and limit you chose"
            )

    def named_prompt(self, name: str) -> PromptTemplate:
        """The prompt called ``name``: one of ``prompts``, the default prompt by
        its own name, or ``"instruct"`` (hret's instruction prompt)."""
        instruct = DEFAULT_MC if any(s.options for s in self.samples[:1]) else DEFAULT_PLAIN
        named = {"instruct": instruct, **({self.prompt.name: self.prompt} if self.prompt else {}), **self.prompts}
        if name not in named:
            raise DatasetError(f"Dataset {self.name!r} has no prompt {name!r}.{did_you_mean(name, named)} "
                               f"Prompts: {', '.join(sorted(named))}.")
        return named[name]
