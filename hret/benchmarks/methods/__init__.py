"""Evaluation methods of the benchmark pack, registered by name on import:
``log_likelihood``, ``math_match``, ``llm_judge`` and ``macro_f1``."""

from __future__ import annotations

from hret.benchmarks.methods import f1, judge, loglikelihood, mathmatch

__all__ = ["f1", "judge", "loglikelihood", "mathmatch"]
