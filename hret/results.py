"""``EvaluationResult``: metrics, per-sample records, provenance, thresholds."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hret.errors import ThresholdError, did_you_mean
from hret.metrics import LOWER_IS_BETTER
from hret.store.files import write_json_atomic

#: where bounds come from that an item does not state itself
SESSION_SOURCES = ("command line", "ini")


@dataclass(frozen=True)
class ThresholdCheck:
    """One metric against its bound. ``passed`` is None when the metric could
    not be computed (zero scored samples)."""

    metric: str
    bound: float
    value: float | None
    passed: bool
    direction: str  # ">=" or "<="
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    #: where the bound came from ("command line", "decorator", ...), when known
    source: str | None = None

    def describe(self) -> str:
        # a bound the item states itself needs no note; one the session adds does
        origin = f" (from the {self.source})" if self.source in SESSION_SOURCES else ""
        if self.value is None:
            return f"{self.metric}: not computed (n={self.n}), bound {self.direction} {self.bound:g}{origin}"
        ci = ""
        if self.ci_low is not None and self.ci_high is not None:
            ci = f", 95% CI [{self.ci_low:.4f}, {self.ci_high:.4f}]"
        mark = "passed" if self.passed else "FAILED"
        return (f"{self.metric} = {self.value:.4f} {mark} bound {self.direction} {self.bound:g}{origin}"
                f"{ci}, n={self.n}")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class EvaluationResult:
    """What one evaluation produced. ``to_dict()`` gives JSON builtins only."""

    metrics: dict[str, float]
    #: per-sample records in input order: a list, or a :class:`~hret.store.recorder.RecordFile`
    #: that reads them from the run's samples JSONL on demand
    samples: Sequence[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    subsets: dict[str, dict[str, float]] = field(default_factory=dict)
    categories: dict[str, dict[str, float]] = field(default_factory=dict)
    threshold_checks: list[ThresholdCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """The gate: at least one sample scored, the error rate within
        ``max_error_rate`` and every threshold held."""
        return not self.gate_failures()

    @property
    def headline(self) -> str:
        """The metric this result is summarised by (e.g. ``accuracy_macro`` for KMMLU)."""
        return headline_of(self.info)

    def gate_failures(self) -> list[str]:
        """One line per reason this result fails its gate (empty when it passes)."""
        n, total = int(self.metrics.get("n", 0)), int(self.metrics.get("n_total", 0))
        rate, count = float(self.metrics.get("error_rate", 0.0)), int(self.metrics.get("error_count", 0))
        reasons = []
        if n == 0:
            reasons.append(f"0 of {total} samples scored ({count} calls failed, error rate {rate:.0%}); "
                           "an evaluation that scores nothing cannot pass")
        limit = self.info.get("max_error_rate")
        if n and isinstance(limit, (int, float)) and rate > limit:
            reasons.append(f"error rate {rate:.2%} ({count} of {total} calls failed) > max_error_rate {limit:g}")
        return reasons + [check.describe() for check in self.failed_checks]

    @property
    def failed_checks(self) -> list[ThresholdCheck]:
        return [c for c in self.threshold_checks if not c.passed]

    def to_dict(self, samples: bool = True) -> dict[str, Any]:
        """JSON builtins; ``samples=False`` leaves the per-sample records out
        (``"samples": []``) instead of reading them all into memory."""
        return {
            "metrics": dict(self.metrics),
            "subsets": {k: dict(v) for k, v in self.subsets.items()},
            "categories": {k: dict(v) for k, v in self.categories.items()},
            "threshold_checks": [c.to_dict() for c in self.threshold_checks],
            "passed": self.passed,
            "info": self.info,
            "samples": list(self.samples) if samples else [],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationResult:
        return cls(
            metrics=dict(data["metrics"]),
            samples=_records(data.get("samples") or []),
            info=dict(data.get("info", {})),
            subsets=dict(data.get("subsets", {})),
            categories=dict(data.get("categories", {})),
            threshold_checks=[ThresholdCheck(**c) for c in data.get("threshold_checks", [])],
        )

    def save_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON; records kept on disk are copied line
        by line, never all read into memory."""
        return write_json_atomic(Path(path), {**self.to_dict(samples=False), "samples": self.samples})

    @classmethod
    def load_json(cls, path: str | Path) -> EvaluationResult:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dataframe(self) -> Any:
        """Per-sample records as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from exc
        return pd.DataFrame(list(self.samples))

    def __repr__(self) -> str:
        shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in self.metrics.items()
                 if k in ("accuracy", "n", "error_count")}
        return f"EvaluationResult(model={self.info.get('model')!r}, metrics={shown})"


def headline_of(info: Mapping[str, Any]) -> str:
    """The headline metric named in a result's ``info`` (``accuracy`` for results
    that name none)."""
    return str(info.get("headline") or "accuracy")


def check_thresholds(result: EvaluationResult, thresholds: Mapping[str, float],
                     sources: Mapping[str, str] | None = None) -> list[ThresholdCheck]:
    """Compare metrics with their bounds (``sources``: where each bound came
    from); naming a metric that is not computed is an error (unless nothing was
    scored, which fails the check)."""
    sources = sources or {}
    checks = []
    n = int(result.metrics.get("n", 0))
    for metric, bound in thresholds.items():
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise ThresholdError(f"threshold {metric}={bound!r} must be a number")
        direction = "<=" if metric in LOWER_IS_BETTER else ">="
        value = result.metrics.get(metric)
        if value is None:
            if n == 0:
                checks.append(ThresholdCheck(metric, float(bound), None, False, direction, n=0,
                                             source=sources.get(metric)))
                continue
            raise ThresholdError(
                f"threshold on {metric!r}, which this evaluation does not compute."
                f"{did_you_mean(metric, result.metrics)} Computed metrics: "
                f"{', '.join(sorted(result.metrics))}."
            )
        passed = value <= bound if direction == "<=" else value >= bound
        checks.append(ThresholdCheck(
            metric, float(bound), float(value), passed, direction,
            result.metrics.get(f"{metric}_ci_low"), result.metrics.get(f"{metric}_ci_high"), n,
            sources.get(metric),
        ))
    return checks


def _records(samples: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Records read from disk stay there; any other sequence becomes a list."""
    from hret.store.recorder import RecordFile

    return samples if isinstance(samples, RecordFile) else list(samples)
