"""hret: evaluate LLMs on Korean benchmarks, from scripts and from pytest."""

from __future__ import annotations

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
from hret.sinks import Sink
from hret.store.tracker import MetricsTracker, compare_metric, get_metrics_history

__version__ = "0.1.0"

__all__ = [
    "ConfigError", "Dataset", "DatasetError", "EvaluationContext", "EvaluationResult",
    "Evaluator", "HRETConfig", "HretError", "MetricsTracker", "ModelFunctionError",
    "PipelineRunner", "Sample",
    "Score", "Sink", "ThresholdCheck", "ThresholdError", "UnknownNameError", "batched",
    "benchmark", "compare_metric", "compare_models", "configure", "evaluate",
    "evaluation_context", "get_config", "get_evaluator", "get_metrics_history", "get_spec",
    "load_config", "load_dataset", "quick_eval", "register_dataset", "register_evaluator",
    "reset_config", "track_metrics",
]
