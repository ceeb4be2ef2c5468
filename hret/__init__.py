"""hret: evaluate LLMs on Korean benchmarks, from scripts and from pytest.

The public names are imported on first use, so ``import hret`` (and importing
one of its modules, as the pytest plugin does) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "benchmark": "hret.api", "compare_models": "hret.api", "evaluate": "hret.api",
    "get_spec": "hret.api", "quick_eval": "hret.api", "track_metrics": "hret.api",
    "HRETConfig": "hret.config", "configure": "hret.config", "get_config": "hret.config",
    "load_config": "hret.config", "reset_config": "hret.config",
    "EvaluationContext": "hret.context", "evaluation_context": "hret.context",
    "Dataset": "hret.datasets", "load_dataset": "hret.datasets", "register_dataset": "hret.datasets",
    "ConfigError": "hret.errors", "DatasetError": "hret.errors", "HretError": "hret.errors",
    "ModelFunctionError": "hret.errors", "ThresholdError": "hret.errors", "UnknownNameError": "hret.errors",
    "Evaluator": "hret.methods", "Score": "hret.methods", "get_evaluator": "hret.methods",
    "register_evaluator": "hret.methods",
    "batched": "hret.models",
    "EvaluationResult": "hret.results", "ThresholdCheck": "hret.results",
    "PipelineRunner": "hret.runner",
    "Sample": "hret.sample",
    "register_secret": "hret.secrets",
    "Sink": "hret.sinks",
    "MetricsTracker": "hret.store.tracker", "compare_metric": "hret.store.tracker",
    "get_metrics_history": "hret.store.tracker",
}

__all__ = [
    "ConfigError",
    "Dataset",
    "DatasetError",
    "EvaluationContext",
    "EvaluationResult",
    "Evaluator",
    "HRETConfig",
    "HretError",
    "MetricsTracker",
    "ModelFunctionError",
    "PipelineRunner",
    "Sample",
    "Score",
    "Sink",
    "ThresholdCheck",
    "ThresholdError",
    "UnknownNameError",
    "batched",
    "benchmark",
    "compare_metric",
    "compare_models",
    "configure",
    "evaluate",
    "evaluation_context",
    "get_config",
    "get_evaluator",
    "get_metrics_history",
    "get_spec",
    "load_config",
    "load_dataset",
    "quick_eval",
    "register_dataset",
    "register_evaluator",
    "register_secret",
    "reset_config",
    "track_metrics",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hret' has no attribute {name!r}")
    # not cached here: the defining module stays the one source, also when a
    # test harness drops and re-imports modules between runs
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from hret.api import benchmark, compare_models, evaluate, get_spec, quick_eval, track_metrics
    from hret.config import HRETConfig, configure, get_config, load_config, reset_config
    from hret.context import EvaluationContext, evaluation_context
    from hret.datasets import Dataset, load_dataset, register_dataset
    from hret.errors import (
        ConfigError,
        DatasetError,
        HretError,
        ModelFunctionError,
        ThresholdError,
        UnknownNameError,
    )
    from hret.methods import Evaluator, Score, get_evaluator, register_evaluator
    from hret.models import batched
    from hret.results import EvaluationResult, ThresholdCheck
    from hret.runner import PipelineRunner
    from hret.sample import Sample
    from hret.secrets import register_secret
    from hret.sinks import Sink
    from hret.store.tracker import MetricsTracker, compare_metric, get_metrics_history
