"""Aggregating per-sample records into metrics with uncertainty."""

from __future__ import annotations

import math
import re
from array import array
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


def _korean_vote(output: object) -> bool | None:
    """Whether ``output`` is written mainly in Hangul (at least half of its
    letters); None when it has no words (``B``, ``42``) or is not text."""
    if not isinstance(output, str):
        return None
    text = strip_reasoning(output)
    hangul = len(_HANGUL.findall(text))
    foreign = sum(len(w) for w in _FOREIGN_WORD.findall(text))
    return hangul >= foreign if hangul + foreign else None


def korean_response_rate(outputs: Sequence[object]) -> float | None:
    """Share of outputs written mainly in Hangul (at least half of their letters).

    Single letters are not words: an output such as ``B`` or ``42`` has no
    language and is not counted. None when no output has words.
    """
    votes = [v for v in map(_korean_vote, outputs) if v is not None]
    return sum(votes) / len(votes) if votes else None


class Tally:
    """What aggregation needs of each record, kept as numbers while the records
    themselves stream to disk: scores with their subset and category, latencies,
    counts. About 25 bytes a sample."""

    def __init__(self, count_language: bool = True) -> None:
        self.total = 0
        self.errors = 0
        self.extraction_failed = 0
        self.latencies = array("d")
        self.scores = array("d")
        self.subsets = array("l")
        self.categories = array("l")
        self._keys: dict[str | None, int] = {None: -1}
        self._names: dict[int, str] = {}
        self.count_language = count_language
        self.language_counted = 0
        self.korean = 0

    def _key(self, name: str | None) -> int:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = len(self._names)
            self._names[key] = str(name)
        return key

    def add(self, record: Record) -> None:
        self.total += 1
        if record["error"] is not None:  # an error record has no score
            self.errors += 1
            return
        self.latencies.append(record["latency_ms"])
        score = record["score"]
        if score is None:
            return
        self.scores.append(score)
        keys = self._keys
        subset, category = record["subset"], record["category"]
        self.subsets.append(keys[subset] if subset in keys else self._key(subset))
        self.categories.append(keys[category] if category in keys else self._key(category))
        if record["extraction_failed"]:
            self.extraction_failed += 1
        if self.count_language:
            vote = _korean_vote(record["output"])
            if vote is not None:
                self.language_counted += 1
                self.korean += vote

    def groups(self, keys: Sequence[int]) -> dict[str, array[float]]:
        grouped: dict[str, array[float]] = defaultdict(lambda: array("d"))
        for key, value in zip(keys, self.scores, strict=True):
            if key >= 0:
                grouped[self._names[key]].append(value)
        return dict(grouped)

    def clusters(self) -> list[str]:
        return [self._names[k] if k >= 0 else "" for k in self.subsets]


def aggregate(records: Sequence[Record], samples: Sequence[Sample], evaluator: Evaluator,
              duration_s: float, tally: Tally | None = None) -> Aggregate:
    """Metrics of a run. ``tally`` holds what the records hold when it was fed
    while they streamed; else it is built from ``records``. ``records`` are
    read (again) only for an evaluator with its own ``aggregate``."""
    if tally is None:
        tally = Tally(evaluator.mode == "generate")
        for record in records:
            tally.add(record)
    name = evaluator.metric
    total = tally.total
    metrics: dict[str, float] = {
        "n": len(tally.scores),
        "n_total": total,
        "error_count": tally.errors,
        "error_rate": tally.errors / total if total else 0.0,
        "duration_s": round(duration_s, 6),
    }
    result = Aggregate(metrics)
    if tally.latencies:
        metrics["latency_p50_ms"] = stats.percentile(tally.latencies, 50)
        metrics["latency_p95_ms"] = stats.percentile(tally.latencies, 95)
    if not tally.scores:
        return result
    values = tally.scores
    summary = stats.summarize(values)
    metrics[name] = summary.mean
    metrics[f"{name}_stderr"] = summary.stderr
    metrics[f"{name}_ci_low"] = summary.ci_low
    metrics[f"{name}_ci_high"] = summary.ci_high
    metrics["extraction_failure_rate"] = tally.extraction_failed / len(values)
    if evaluator.mode == "generate" and tally.count_language and tally.language_counted:
        metrics["korean_response_rate"] = tally.korean / tally.language_counted

    by_subset = tally.groups(tally.subsets)
    by_category = tally.groups(tally.categories)
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
        metrics[f"{name}_stderr_clustered"] = stats.clustered_stderr(values, tally.clusters())
    if len(by_category) > 1:
        metrics[f"{name}_macro_category"] = stats.micro_macro(by_category)[1]

    if type(evaluator).aggregate is not Evaluator.aggregate:  # skip the copies when unused
        scored = [r for r in records if r["score"] is not None]
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
