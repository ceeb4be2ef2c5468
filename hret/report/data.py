"""Results as plain dicts, and the few facts every report shows about them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hret.results import EvaluationResult, headline_of

Results = (EvaluationResult | Mapping[str, Any] | Mapping[str, EvaluationResult]
           | Iterable[EvaluationResult | Mapping[str, Any]])


def as_result_dicts(results: Results) -> list[dict[str, Any]]:
    """Accepts one result, a result dict (``to_dict()``, optionally with the
    pytest plugin's ``nodeid``/``label``/``kind``), ``{label: result}`` as a
    benchmark returns it, or a list of those."""
    if isinstance(results, EvaluationResult):
        return [results.to_dict()]
    if isinstance(results, Mapping):
        if "metrics" in results:
            return [dict(results)]
        return [{**one, "label": one.get("label") or str(label)}
                for label, value in results.items() for one in as_result_dicts(value)]
    return [one for item in results for one in as_result_dicts(item)]


def headline(result: Mapping[str, Any]) -> str:
    return headline_of(result.get("info", {}))


def title_of(result: Mapping[str, Any]) -> str:
    """What names a result: the pytest item, else the model label."""
    info = result.get("info", {})
    label = str(result.get("label") or info.get("model") or "model")
    item = result.get("item") or result.get("nodeid")
    if item and result.get("kind") == "benchmark":
        return f"{item} [{label}]"
    return str(item or label)


def dataset_of(result: Mapping[str, Any]) -> str:
    info = result.get("info", {})
    return " / ".join(str(x) for x in (info.get("dataset"), info.get("split")) if x)


def method_of(result: Mapping[str, Any]) -> str:
    method = result.get("info", {}).get("method")
    return str(method.get("name")) if isinstance(method, Mapping) else str(method or "")


def passed(result: Mapping[str, Any]) -> bool:
    if "passed" in result:
        return bool(result["passed"])
    return EvaluationResult.from_dict(result).passed


def sample_flags(sample: Mapping[str, Any]) -> dict[str, bool]:
    """``wrong``: scored below full marks; ``extraction``: no answer could be
    read from the output; ``error``: the model call or scoring failed."""
    score = sample.get("score")
    return {"wrong": score is not None and float(score) < 1.0,
            "extraction": bool(sample.get("extraction_failed")),
            "error": sample.get("error") is not None}


def comparisons_of(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The paired comparisons a benchmark stored with its results."""
    found = []
    for result in results:
        comparison = result.get("info", {}).get("comparison_to_first")
        if isinstance(comparison, Mapping):
            found.append({"candidate": title_of(result), **comparison})
    return found


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def verdict(comparison: Mapping[str, Any], alpha: float = 0.05) -> str:
    if "error" in comparison and "difference" not in comparison:
        return f"not compared: {comparison['error']}"
    p = comparison.get("p_value")
    if p is None:
        return "no paired test"
    if p >= alpha:
        return "no significant difference"
    worse = (comparison["difference"] > 0) == bool(comparison.get("lower_is_better"))
    return "significantly worse" if worse else "significantly better"
