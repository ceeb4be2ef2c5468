"""``MetricsTracker``, ``get_metrics_history`` and ``compare_metric``."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from hret.config import get_config
from hret.metrics import LOWER_IS_BETTER
from hret.store.history import HistoryStore

__all__ = ["MetricsTracker", "compare_entries", "compare_metric", "get_metrics_history", "history_store"]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def history_store() -> HistoryStore:
    return HistoryStore(get_config().output_dir)


class MetricsTracker:
    """Records runs: ``start_run`` -> ``log_metrics`` -> ``end_run``.

    Finished runs are kept in memory (``get_history``) and, when ``persist`` is
    true, appended to the durable history under ``output_dir``.
    """

    def __init__(self, persist: bool = True) -> None:
        self.persist = persist
        self.metrics_history: list[dict[str, Any]] = []
        self.current_run_metrics: dict[str, Any] = {}
        self.run_metadata: dict[str, Any] = {}

    def start_run(self, run_name: str | None = None, **metadata: Any) -> None:
        self.current_run_metrics = {}
        started = time.time()
        self.run_metadata = {
            "run_name": run_name or f"run_{time.strftime('%Y%m%d_%H%M%S')}_{os.urandom(3).hex()}",
            "start_time": started,
            **metadata,
        }

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        if not self.run_metadata:
            self.start_run()
        self.current_run_metrics.update(metrics)

    def end_run(self) -> dict[str, Any]:
        if not self.run_metadata:
            self.start_run()
        end = time.time()
        self.run_metadata["end_time"] = end
        self.run_metadata["duration"] = end - self.run_metadata["start_time"]
        run_result = {"metadata": dict(self.run_metadata), "metrics": dict(self.current_run_metrics)}
        self.metrics_history.append(run_result)
        if self.persist:
            history_store().append(run_result)
        return run_result

    def get_history(self) -> list[dict[str, Any]]:
        return list(self.metrics_history)

    def compare_runs(self, metric_name: str) -> dict[str, Any]:
        return compare_entries(self.metrics_history, metric_name)


def compare_entries(entries: list[dict[str, Any]], metric_name: str) -> dict[str, Any]:
    """``{run_name: value, ..., "_stats": {best, worst, average, count}}``.

    Best is the highest value, or the lowest for metrics where lower is better.
    Runs that share a name keep the latest value.
    """
    comparison: dict[str, Any] = {}
    for entry in entries:
        metrics = entry.get("metrics", {})
        if metric_name in metrics:
            comparison[str(entry.get("metadata", {}).get("run_name"))] = metrics[metric_name]
    numbers = [v for v in comparison.values() if _number(v)]
    if comparison:
        lower = metric_name in LOWER_IS_BETTER
        comparison["_stats"] = {
            "best": (min(numbers) if lower else max(numbers)) if numbers else None,
            "worst": (max(numbers) if lower else min(numbers)) if numbers else None,
            "average": sum(numbers) / len(numbers) if numbers else None,
            "count": len(numbers),
        }
    return comparison


def get_metrics_history() -> list[dict[str, Any]]:
    """Every finished run in the durable history, oldest first (all processes)."""
    return history_store().read()


def compare_metric(metric_name: str) -> dict[str, Any]:
    """One metric across every run in the durable history, with ``_stats``."""
    return compare_entries(get_metrics_history(), metric_name)
