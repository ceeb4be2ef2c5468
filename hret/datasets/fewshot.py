"""Few-shot draws as lm-evaluation-harness's samplers make them.

``lm-eval`` (its default sampler): one ``random.Random(1234)`` per task
(subset), one draw per question in document order, so the questions of one
subject see different examples in different orders. ``first_n``: the first
``k`` examples of the split, in order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from hret.errors import ConfigError
from hret.sample import Sample

#: lm-eval's ``fewshot_random_seed`` default
FEWSHOT_SEED = 1234
SAMPLERS = ("lm-eval", "first_n")


def draw_fewshot(samples: Sequence[Sample], pool_of: Callable[[Sample], Sequence[Sample]], k: int,
                 sampler: str, same_split: bool, seed: int = FEWSHOT_SEED) -> list[list[Sample]]:
    """Few-shot examples for each of ``samples`` (one subset, in document order),
    drawn as lm-eval's sampler ``sampler`` draws them.

    ``same_split``: the pool is the scored split; lm-eval then draws ``k + 1``
    and drops the question itself (and any row equal to it).
    """
    if sampler not in SAMPLERS:
        raise ConfigError(f"few-shot sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")
    rng = random.Random(seed)
    draws = []
    for sample in samples:
        pool = list(pool_of(sample))
        if sampler == "first_n":
            chosen = [s for s in pool if not (same_split and same_row(s, sample))][:k]
        elif not same_split:
            chosen = rng.sample(pool, k)
        else:
            chosen = [s for s in rng.sample(pool, k + 1) if not same_row(s, sample)][:k]
            if len(chosen) < k:
                chosen = rng.sample([s for s in pool if not same_row(s, sample)], k)
        draws.append(chosen)
    return draws


def same_row(a: Sample, b: Sample) -> bool:
    """lm-eval compares documents as dicts: equal rows count as the same document."""
    return bool(a.metadata.get("row", a.id) == b.metadata.get("row", b.id))
