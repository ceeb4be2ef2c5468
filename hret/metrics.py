"""Aggregating per-sample records into metrics with uncertainty."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hret import stats
from hret.errors import ThresholdError, did_you_mean
from hret.extraction import strip_reasoning
from hret.methods import Evaluator, Score
from hret.sample import Sample

Record = dict[str, Any]

#: metrics where a smaller value is better; thresholds on them are upper bounds
LOWER_IS_BETTER = frozenset({
    "error_rate", "error_count", "extraction_failure_rate", "latency_p50_ms",
    "latency_p95_ms", "duration_s", "judge_unparsable", "judge_unparsable_rate",
    "judge_position_inconsistency_rate",
})


@dataclass
class Aggregate:
    metrics: dict[str, float]
    subsets: dict[str, dict[str, float]] = field(default_factory=dict)
    categories: dict[str, dict[str, float]] = field(default_factory=dict)


def _group_summary(values: Sequence[float], name: str) -> dict[str, float]:
    summary = stats.summarize(values)
    return {name: summary.mean, "n": summary.n, "stderr": summary.stderr,
            "ci_low": summary.ci_low, "ci_high": summary.ci_high}


_HANGUL = re.compile("[가-힣ㄱ-ㅎㅏ-ㅣ]")
_FOREIGN_WORD = re.compile(r"[^\W\d_가-힣ㄱ-ㅎㅏ-ㅣ]{2,}")


def korean_response_rate(outputs: Sequence[object]) -> float | None:
    """Share of outputs written mainly in Hangul (at least half of their letters).

    Single letters are not words: an output such as ``B`` or ``42`` has no
    language and is not counted. None when no output has words.
    """
    counted = korean = 0
    for output in outputs:
        if not isinstance(output, str):
            continue
        text = strip_reasoning(output)
        hangul = len(_HANGUL.findall(text))
        foreign = sum(len(w) for w in _FOREIGN_WORD.findall(text))
        if hangul + foreign:
            counted += 1
            korean += hangul >= foreign
    return korean / counted if counted else None


def aggregate(records: Sequence[Record], samples: Sequence[Sample], evaluator: Evaluator,
              duration_s: float) -> Aggregate:
    name = evaluator.metric
    scored = [r for r in records if r["score"] is not None]
    errors = sum(1 for r in records if r["error"] is not None)
    metrics: dict[str, float] = {
        "n": len(scored),
        "n_total": len(records),
        "error_count": errors,
        "error_rate": errors / len(records) if records else 0.0,
        "duration_s": round(duration_s, 6),
    }
    result = Aggregate(metrics)
    latencies = [r["latency_ms"] for r in records if r["error"] is None]
    if latencies:
        metrics["latency_p50_ms"] = stats.percentile(latencies, 50)
        metrics["latency_p95_ms"] = stats.percentile(latencies, 95)
    if not scored:
        return result
    values = [float(r["score"]) for r in scored]
    summary = stats.summarize(values)
    metrics[name] = summary.mean
    metrics[f"{name}_stderr"] = summary.stderr
    metrics[f"{name}_ci_low"] = summary.ci_low
    metrics[f"{name}_ci_high"] = summary.ci_high
    metrics["extraction_failure_rate"] = sum(1 for r in scored if r["extraction_failed"]) / len(scored)
    if evaluator.mode == "generate":
        rate = korean_response_rate([r["output"] for r in scored])
        if rate is not None:
            metrics["korean_response_rate"] = rate

    by_subset: dict[str, list[float]] = defaultdict(list)
    by_category: dict[str, list[float]] = defaultdict(list)
    for record, value in zip(scored, values, strict=True):
        if record["subset"] is not None:
            by_subset[record["subset"]].append(value)
        if record["category"] is not None:
            by_category[record["category"]].append(value)
    result.subsets = {k: _group_summary(v, name) for k, v in by_subset.items()}
    result.categories = {k: _group_summary(v, name) for k, v in by_category.items()}
    if len(by_subset) > 1:
        macro = stats.micro_macro(by_subset)[1]
        metrics[f"{name}_macro"] = macro
        # the mean of independent subset means: its variance is the mean of theirs over k
        k = len(by_subset)
        stderr = math.sqrt(sum(stats.stderr(v) ** 2 for v in by_subset.values())) / k
        metrics[f"{name}_macro_stderr"] = stderr
        half = stats.z_value(0.95) * stderr
        metrics[f"{name}_macro_ci_low"], metrics[f"{name}_macro_ci_high"] = macro - half, macro + half
        clusters = [r["subset"] if r["subset"] is not None else "" for r in scored]
        metrics[f"{name}_stderr_clustered"] = stats.clustered_stderr(values, clusters)
    if len(by_category) > 1:
        metrics[f"{name}_macro_category"] = stats.micro_macro(by_category)[1]

    if type(evaluator).aggregate is not Evaluator.aggregate:  # skip the copies when unused
        extra = evaluator.aggregate(
            [samples[r["index"]] for r in scored], [r["output"] for r in scored],
            [Score(r["score"], r["extracted"], r["extraction_failed"]) for r in scored],
        )
        metrics.update(extra)
    return result


#: metrics every evaluation may report, besides those named after its score
COMMON_METRICS = frozenset({"n", "n_total", "error_count", "error_rate", "duration_s", "latency_p50_ms",
                            "latency_p95_ms", "extraction_failure_rate", "korean_response_rate"})
#: suffixes of the metrics named after the score (``accuracy`` -> ``accuracy_macro``...)
SCORE_SUFFIXES = ("", "_stderr", "_ci_low", "_ci_high", "_macro", "_macro_stderr", "_macro_ci_low",
                  "_macro_ci_high", "_stderr_clustered", "_macro_category")


def metric_names(evaluator: Evaluator) -> frozenset[str] | None:
    """The metrics an evaluation with ``evaluator`` can report (None: not known
    before it runs), for checking thresholds before any model call."""
    if evaluator.extra_metrics is None:
        return None
    return COMMON_METRICS | {evaluator.metric + s for s in SCORE_SUFFIXES} | evaluator.extra_metrics


def check_threshold_names(thresholds: Mapping[str, float] | None, evaluator: Evaluator) -> None:
    """A ``ThresholdError`` naming the closest metric when a threshold names a
    metric ``evaluator``'s evaluation will not report; nothing when the
    evaluator's metrics are not known in advance."""
    known = metric_names(evaluator)
    if not thresholds or known is None:
        return
    for metric in thresholds:
        if metric.split("/", 1)[0] not in known:
            raise ThresholdError(
                f"threshold on {metric!r}, which this evaluation does not compute.{did_you_mean(metric, known)} "
                f"Metrics that {evaluator.name!r} computes: {', '.join(sorted(known))}."
            )
