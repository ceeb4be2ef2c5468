"""What the tracking sinks (MLflow, Weights & Biases) record of a result:
parameters, metrics, names and keys, computed once for both."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hret.provenance import hret_version
from hret.results import EvaluationResult
from hret.sinks.base import ResultEvent

#: run metadata the context records itself; they become tags, not parameters
RUN_KEYS = frozenset({"run_name", "run_id", "start_time", "end_time", "duration", "status"})
#: what names a result under pytest; it goes into run names and tags instead
NAMING_KEYS = frozenset({"nodeid", "item", "label"})


@contextmanager
def quiet_deprecations() -> Iterator[None]:
    """Silence the tracking libraries' own deprecation warnings: users cannot act
    on them, and under ``-W error`` they would fail the sink."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def as_text(value: Any) -> str:
    """A parameter value as text: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def result_params(result: EvaluationResult, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What identifies an evaluation (dataset, split, subsets, model, method,
    few-shot, prompt hash, n, seed, hret version), then the run's own metadata
    (e.g. hyperparameters) under names not taken by those."""
    info = result.info
    template = info.get("prompt_template") or {}
    method = info.get("method") or {}
    params: dict[str, Any] = {
        "dataset": info.get("dataset"),
        "split": info.get("split"),
        "subsets": ",".join(info.get("subsets") or []),
        "revision": info.get("revision"),
        "model": info.get("model"),
        "method": method.get("name") if isinstance(method, Mapping) else method,
        "method_config": method,
        "num_fewshot": info.get("num_fewshot"),
        "prompt_template": template.get("name") if isinstance(template, Mapping) else template,
        "prompt_hash": template.get("hash") if isinstance(template, Mapping) else None,
        "n": result.metrics.get("n"),
        "limit": info.get("limit"),
        "seed": info.get("seed"),
        "hret_version": (info.get("versions") or {}).get("hret") or hret_version(),
    }
    # the context's metadata (hyperparameters...), then what the caller adds
    for key, value in {**(info.get("metadata") or {}), **(metadata or {})}.items():
        if key not in RUN_KEYS and key not in NAMING_KEYS and key not in params:
            params[key] = value
    return {k: v for k, v in params.items() if v is not None and v != ""}


def event_nodeid(event: ResultEvent) -> str | None:
    nodeid = event.metadata.get("nodeid") or event.result.info.get("nodeid")
    return str(nodeid) if nodeid else None


def event_key(event: ResultEvent) -> str:
    """What identifies a result in a session: its pytest node id (with the model
    for a benchmark's results), else its label."""
    nodeid = event_nodeid(event)
    if not nodeid:
        return event.label
    return f"{nodeid}::{event.label}" if event.metadata.get("kind") == "benchmark" else nodeid


def event_name(event: ResultEvent) -> str:
    """A short run name: the test (and model of a benchmark), else the label."""
    nodeid = event_nodeid(event)
    if not nodeid:
        return event.label
    test = nodeid.split("::")[-1]
    return f"{test} [{event.label}]" if event.metadata.get("kind") == "benchmark" else test


def result_metrics(result: EvaluationResult) -> dict[str, float]:
    """Every finite metric, per-subset and per-category headline values as
    ``accuracy/<subset>`` and ``accuracy/category/<category>``, and the paired
    comparison with the first model of a benchmark as ``vs_first/...``."""
    headline = result.headline
    out: dict[str, Any] = dict(result.metrics)
    for subset, values in result.subsets.items():
        out[f"{headline}/{subset}"] = values.get(headline)
    for category, values in result.categories.items():
        out[f"{headline}/category/{category}"] = values.get(headline)
    comparison = result.info.get("comparison_to_first")
    if isinstance(comparison, Mapping):
        for key in ("difference", "ci_low", "ci_high", "p_value", "mde"):
            out[f"vs_first/{key}"] = comparison.get(key)
    return {k: float(v) for k, v in out.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


def safe_key(key: str) -> str:
    """A metric or parameter name the trackers accept (word characters, ``./-:`` and space)."""
    return re.sub(r"[^\w./\- :]", "_", key)
