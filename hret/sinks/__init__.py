"""Sinks: subscribers that receive runs and results (files, MLflow, W&B, user code).

``SINKS`` holds sink factories by name (``mlflow``, ``wandb`` and third-party
ones, all through the ``hret.sinks`` entry points).
"""

from __future__ import annotations

from typing import Any

from hret.sinks.base import (
    SINKS,
    CallableSink,
    ResultEvent,
    RunEnd,
    RunStart,
    Sink,
    SinkError,
    SinkWarning,
    emit,
)

__all__ = ["SINKS", "CallableSink", "ResultEvent", "RunEnd", "RunStart", "Sink", "SinkError",
           "SinkWarning", "emit", "mlflow_sink", "wandb_sink"]


def mlflow_sink(experiment_name: str | None = None, tracking_uri: str | None = None,
                **params: Any) -> Sink:
    """One MLflow run per evaluation (:class:`hret.sinks.mlflow.MlflowSink`)."""
    from hret.sinks.mlflow import mlflow_sink as make

    return make(experiment_name=experiment_name, tracking_uri=tracking_uri, **params)


def wandb_sink(project_name: str | None = None, **params: Any) -> Sink:
    """One W&B run per evaluation (:class:`hret.sinks.wandb.WandbSink`)."""
    from hret.sinks.wandb import wandb_sink as make

    return make(project_name=project_name, **params)
