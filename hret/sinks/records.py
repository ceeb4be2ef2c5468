"""What the tracking sinks (MLflow, Weights & Biases) record of a result:
parameters, metrics, names and keys, computed once for both."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeGuard

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


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def result_span(result: EvaluationResult) -> tuple[int, int] | None:
    """The evaluation's own start and end, in milliseconds since the epoch:
    its ``info["started_at"]`` and that plus its ``duration_s``."""
    start, duration = result.info.get("started_at"), result.metrics.get("duration_s")
    if not _number(start):
        return None
    end = float(start) + (float(duration) if _number(duration) else 0.0)
    return round(float(start) * 1000), round(end * 1000)


def failure_reason(result: EvaluationResult) -> str | None:
    """Why a result failed its gate (None when it passed)."""
    if result.passed:
        return None
    failed = result.failed_checks
    if failed:
        return "; ".join(c.describe() for c in failed)
    return f"no sample was scored (n={result.metrics.get('n', 0)})"


def summary_metrics(key: str, result: EvaluationResult) -> dict[str, float]:
    """One row of a run's aggregate table, as metrics named ``<key>/<metric>``:
    the headline with its CI, n, the error and extraction-failure rates, and
    whether the result passed (1/0)."""
    headline = str(result.info.get("headline") or "accuracy")
    names = (headline, f"{headline}_ci_low", f"{headline}_ci_high", "n", "error_rate",
             "extraction_failure_rate")
    row = {name: result.metrics.get(name) for name in names}
    row["passed"] = float(result.passed)
    return {safe_key(f"{key}/{name}"): float(value) for name, value in row.items() if _number(value)}


def settings_params(settings: Mapping[str, Any], metadata: Mapping[str, Any]) -> dict[str, str]:
    """A run's settings and its metadata (hyperparameters...) as parameter
    values: nested settings flattened to ``a.b``, unset ones left out."""
    out: dict[str, str] = {}

    def put(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for key, inner in value.items():
                put(f"{prefix}.{key}" if prefix else str(key), inner)
        elif value is not None and value != "" and value != {}:
            out[safe_key(prefix)] = as_text(value)

    for key, value in metadata.items():
        if key not in RUN_KEYS and key not in NAMING_KEYS:
            put(str(key), value)
    put("", dict(settings))
    return out
