"""Sinks: subscribers that receive runs and results (files, MLflow, W&B, user code).

``SINKS`` holds sink factories by name (``mlflow``, ``wandb`` and third-party
ones, all through the ``hret.sinks`` entry points).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hret.results import EvaluationResult
from hret.sinks.base import (
    SINKS,
    CallableSink,
    ResultEvent,
    RunEnd,
    RunStart,
    Sink,
    SinkError,
    SinkWarning,
    Subscribers,
    emit,
)

__all__ = ["SINKS", "CallableSink", "ResultEvent", "RunEnd", "RunStart", "Sink", "SinkError",
           "SinkWarning", "Integrations", "Subscribers", "configured_sinks", "emit", "mlflow_sink", "wandb_sink"]


def mlflow_sink(experiment_name: str | None = None, tracking_uri: str | None = None,
                **params: Any) -> Sink:
    """One MLflow run per evaluation (:class:`hret.sinks.mlflow.MlflowSink`)."""
    from hret.sinks.mlflow import mlflow_sink as make

    return make(experiment_name=experiment_name, tracking_uri=tracking_uri, **params)


def wandb_sink(project_name: str | None = None, **params: Any) -> Sink:
    """One W&B run per evaluation (:class:`hret.sinks.wandb.WandbSink`)."""
    from hret.sinks.wandb import wandb_sink as make

    return make(project_name=project_name, **params)


def configured_sinks() -> list[Sink]:
    """The trackers ``hret.configure(mlflow_tracking=..., wandb_tracking=...)`` turns on."""
    from hret.config import get_config

    config = get_config()
    return [*([mlflow_sink()] if config.mlflow_tracking else []), *([wandb_sink()] if config.wandb_tracking else [])]


class Integrations:
    """The sink methods of anything that owns a run's ``subscribers``."""

    subscribers: Subscribers

    def add_sink(self, sink: Sink) -> Sink:
        return self.subscribers.add(sink)

    def add_mlops_integration(self, integration: Callable[[dict[str, Any], list[EvaluationResult]], Any]) -> None:
        """``integration(run_result, results)`` runs when the run ends."""
        self.add_sink(CallableSink(integration))

    def log_to_mlflow(self, experiment_name: str | None = None, tracking_uri: str | None = None,
                      **params: Any) -> Sink:
        """One MLflow run per evaluation."""
        return self.add_sink(mlflow_sink(experiment_name=experiment_name, tracking_uri=tracking_uri, **params))

    def log_to_wandb(self, project_name: str | None = None, **params: Any) -> Sink:
        """One W&B run per evaluation."""
        return self.add_sink(wandb_sink(project_name=project_name, **params))
