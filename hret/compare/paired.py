"""Paired comparisons of evaluation runs, and the regression gate built on them.

Samples are paired by ``id``. 0/1 scores get the exact McNemar test, other
scores a paired bootstrap; each comparison reports the difference
(candidate - baseline), its confidence interval, the p-value and the minimum
detectable effect at that n. Runs whose dataset, split, prompt or method
differ are refused, naming what differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hret import stats
from hret.errors import HretError
from hret.metrics import LOWER_IS_BETTER
from hret.results import EvaluationResult, headline_of

ResultLike = EvaluationResult | Mapping[str, Any]

#: metrics with a per-sample 0/1 indicator besides the headline score
PER_SAMPLE = ("error_rate", "extraction_failure_rate")


class ComparisonError(HretError, ValueError):
    """Two runs cannot be compared (different data, prompt or method; nothing paired)."""


def _as_dict(result: ResultLike) -> Mapping[str, Any]:
    return result.to_dict() if isinstance(result, EvaluationResult) else result


def label_of(result: Mapping[str, Any]) -> str:
    return str(result.get("label") or result.get("info", {}).get("model") or "model")


# --------------------------------------------------------------------------- #
# what must match
# --------------------------------------------------------------------------- #


def _identity(info: Mapping[str, Any]) -> dict[str, Any]:
    template = info.get("prompt_template") or {}
    return {
        "dataset": info.get("dataset"),
        "split": info.get("split"),
        "revision": info.get("revision"),
        "prompt": template.get("hash") if isinstance(template, Mapping) else template,
        "few-shot": info.get("num_fewshot"),
        "method": info.get("method"),
    }


def differences(baseline: ResultLike, candidate: ResultLike) -> list[str]:
    """What differs between two results' dataset, split, revision, prompt,
    few-shot count and method (empty when they are comparable)."""
    a = _identity(_as_dict(baseline).get("info", {}))
    b = _identity(_as_dict(candidate).get("info", {}))
    return [f"{key} {a[key]!r} vs {b[key]!r}" for key in a if a[key] != b[key]]


def check_comparable(baseline: ResultLike, candidate: ResultLike) -> None:
    diff = differences(baseline, candidate)
    if diff:
        raise ComparisonError(
            f"cannot compare {label_of(_as_dict(baseline))!r} with "
            f"{label_of(_as_dict(candidate))!r}: {'; '.join(diff)}. A paired comparison needs "
            "the same dataset, split, prompt and method; rerun one of them to match."
        )


# --------------------------------------------------------------------------- #
# one comparison
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Comparison:
    """Candidate against baseline on one metric; ``difference`` is candidate - baseline."""

    metric: str
    baseline: str
    candidate: str
    test: str  # "mcnemar_exact", "paired_bootstrap" or "none" (no per-sample values)
    n: int
    baseline_value: float
    candidate_value: float
    difference: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    mde: float | None
    level: float = 0.95
    discordant: tuple[int, int] | None = None  # (only baseline right, only candidate right)
    unpaired: int = 0
    lower_is_better: bool = False

    @property
    def worse_by(self) -> float:
        """How much worse the candidate is (negative when it is better)."""
        return self.difference if self.lower_is_better else -self.difference

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value is not None and self.p_value < alpha

    def describe(self) -> str:
        text = (f"{self.metric}: {self.baseline} {self.baseline_value:.4f} -> {self.candidate} "
                f"{self.candidate_value:.4f} ({self.difference:+.4f}")
        if self.ci_low is not None and self.ci_high is not None:
            text += f", {self.level:.0%} CI [{self.ci_low:+.4f}, {self.ci_high:+.4f}]"
        if self.p_value is not None:
            text += f", p={self.p_value:.4g} {self.test}"
        if self.mde is not None:
            text += f", MDE {self.mde:.4f}"
        return text + f", n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["discordant"] = list(self.discordant) if self.discordant else None
        return data


def _values(result: Mapping[str, Any], metric: str, headline: str) -> dict[str, float] | None:
    """Per-sample values of ``metric`` keyed by sample id, or None when the
    metric has none (it is only computed over the whole run)."""
    samples = result.get("samples") or []
    if metric == headline:
        return {str(s["id"]): float(s["score"]) for s in samples if s.get("score") is not None}
    if metric == "error_rate":
        return {str(s["id"]): float(s.get("error") is not None) for s in samples}
    if metric == "extraction_failure_rate":
        return {str(s["id"]): float(bool(s.get("extraction_failed"))) for s in samples
                if s.get("score") is not None}
    return None


def compare_results(baseline: ResultLike, candidate: ResultLike, metric: str | None = None, *,
                    level: float = 0.95, n_resamples: int = 2000, seed: int = 0,
                    check: bool = True) -> Comparison:
    """Compare ``candidate`` with ``baseline`` on ``metric`` (default: the headline).

    Raises ``ComparisonError`` when the runs differ in dataset, split, prompt or
    method (``check=False`` skips that), or when no sample is scored in both.
    """
    a, b = _as_dict(baseline), _as_dict(candidate)
    if check:
        check_comparable(a, b)
    headline = headline_of(a.get("info", {}))
    metric = metric or headline
    names = (label_of(a), label_of(b))
    lower = metric in LOWER_IS_BETTER
    va, vb = _values(a, metric, headline), _values(b, metric, headline)
    if va is None or vb is None:
        return _unpaired(a, b, metric, names, lower, level)
    ids = [i for i in va if i in vb]
    if not ids:
        raise ComparisonError(
            f"no sample is scored in both {names[0]!r} ({len(va)} scored) and {names[1]!r} "
            f"({len(vb)} scored); their sample ids do not overlap"
        )
    xs, ys = [va[i] for i in ids], [vb[i] for i in ids]
    n = len(ids)
    alpha = 1.0 - level
    discordant = None
    if stats.is_binary(xs + ys):
        test = "mcnemar_exact"
        only_a = sum(1 for x, y in zip(xs, ys, strict=True) if x > y)
        only_b = sum(1 for x, y in zip(xs, ys, strict=True) if y > x)
        discordant = (only_a, only_b)
        diff, low, high = stats.paired_difference(xs, ys, level)
        p = stats.mcnemar_exact(only_a, only_b)
        # with no discordant pair the rate would be 0; one pair in n is the
        # smallest rate the data cannot rule out
        mde = stats.minimum_detectable_effect(n, discordant_rate=max(only_a + only_b, 1) / n,
                                              alpha=alpha)
    else:
        test = "paired_bootstrap"
        diff, low, high, p = stats.paired_bootstrap(xs, ys, n_resamples=n_resamples, seed=seed,
                                                    level=level)
        sd = stats.stderr([y - x for x, y in zip(xs, ys, strict=True)]) * math.sqrt(n)
        mde = stats.minimum_detectable_effect(n, sd=sd, alpha=alpha)
    return Comparison(metric=metric, baseline=names[0], candidate=names[1], test=test, n=n,
                      baseline_value=stats.mean(xs), candidate_value=stats.mean(ys),
                      difference=diff, ci_low=low, ci_high=high, p_value=p, mde=mde,
                      level=level, discordant=discordant,
                      unpaired=len(va) + len(vb) - 2 * n, lower_is_better=lower)


def _unpaired(a: Mapping[str, Any], b: Mapping[str, Any], metric: str, names: tuple[str, str],
              lower: bool, level: float) -> Comparison:
    values = []
    for result, name in ((a, names[0]), (b, names[1])):
        value = result.get("metrics", {}).get(metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            computed = ", ".join(sorted(result.get("metrics", {}))) or "(none)"
            raise ComparisonError(f"{name!r} has no metric {metric!r}; it has: {computed}")
        values.append(float(value))
    return Comparison(metric=metric, baseline=names[0], candidate=names[1], test="none",
                      n=int(min(a["metrics"].get("n", 0), b["metrics"].get("n", 0))),
                      baseline_value=values[0], candidate_value=values[1],
                      difference=values[1] - values[0], ci_low=None, ci_high=None,
                      p_value=None, mde=None, level=level, lower_is_better=lower)


def benchmark_comparisons(results: Mapping[str, EvaluationResult]) -> dict[str, dict[str, Any]]:
    """Each model after the first against the first, on the headline metric:
    ``{label: Comparison.to_dict()}`` (or ``{"error": message}``)."""
    items = list(results.items())
    if len(items) < 2:
        return {}
    first = items[0][1].to_dict()
    first["label"] = items[0][0]
    out: dict[str, dict[str, Any]] = {}
    for label, result in items[1:]:
        other = result.to_dict()
        other["label"] = label
        try:
            out[label] = compare_results(first, other).to_dict()
        except ComparisonError as exc:
            out[label] = {"error": str(exc)}
    return out


def attach_comparisons(results: dict[str, EvaluationResult]) -> dict[str, EvaluationResult]:
    """Each model of a benchmark gets its paired comparison with the first in
    ``info["comparison_to_first"]``; returns ``results``."""
    for name, comparison in benchmark_comparisons(results).items():
        results[name].info["comparison_to_first"] = comparison
    return results
