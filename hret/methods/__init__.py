"""Evaluation methods: string, exact and partial match, log-likelihood, math,
LLM judge, macro-F1 and custom metrics. Importing the package registers them
all; third-party methods arrive through the ``hret.methods`` entry points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hret.errors import ConfigError
from hret.methods import f1, judge, loglikelihood, matching, mathmatch
from hret.methods.base import EVALUATORS, Evaluator, Score, build_evaluator, register_evaluator
from hret.methods.custom import CustomEvaluator
from hret.methods.matching import ExactMatch, PartialMatch, StringMatch

__all__ = ["EVALUATORS", "CustomEvaluator", "Evaluator", "ExactMatch", "PartialMatch", "Score",
           "StringMatch", "f1", "get_evaluator", "judge", "loglikelihood", "mathmatch", "matching",
           "register_evaluator"]


def get_evaluator(name: str | None, params: Mapping[str, Any] | None = None) -> Evaluator:
    """Build the evaluator ``name`` (``string_match`` when None) with ``params``.

    ``params={"custom_evaluator": fn}`` wraps ``fn(predictions, references) -> dict``
    over ``name``'s per-sample scores (``string_match`` when ``name`` is None or
    ``"custom"``); see :class:`CustomEvaluator`.
    """
    params = dict(params or {})
    if "custom_evaluator" in params:
        return CustomEvaluator(params.pop("custom_evaluator"), base=None if name == "custom" else name,
                               **params)
    if name == "custom":
        raise ConfigError('evaluation method "custom" needs evaluator_params={"custom_evaluator": fn}, '
                          "with fn(predictions, references) -> dict of metrics")
    return build_evaluator(name, params)
