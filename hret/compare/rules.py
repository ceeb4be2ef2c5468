"""The regression gate: ``--fail accuracy:1%`` rules over paired comparisons of runs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hret.compare.paired import Comparison, ComparisonError, check_comparable, compare_results, label_of
from hret.results import headline_of

_RULE = re.compile(r"^\s*([A-Za-z_][\w./-]*)\s*:\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$")


@dataclass(frozen=True)
class FailRule:
    """``accuracy:1%`` (relative to the baseline) or ``accuracy:0.01`` (absolute)."""

    metric: str
    amount: float
    relative: bool

    def tolerance(self, baseline_value: float) -> float:
        return self.amount / 100.0 * abs(baseline_value) if self.relative else self.amount

    def __str__(self) -> str:
        return f"{self.metric}:{self.amount:g}{'%' if self.relative else ''}"


def parse_fail_rules(specs: str | Sequence[str] | None) -> list[FailRule]:
    """Parse ``"accuracy:1%,error_rate:0.02"`` (or a list of such strings)."""
    if not specs:
        return []
    parts = [p for spec in ([specs] if isinstance(specs, str) else specs)
             for p in spec.split(",") if p.strip()]
    rules = []
    for part in parts:
        match = _RULE.match(part)
        if not match:
            raise ValueError(
                f"bad regression rule {part.strip()!r}; expected METRIC:AMOUNT, e.g. "
                "'accuracy:1%' (relative to the baseline) or 'accuracy:0.01' (absolute)"
            )
        rules.append(FailRule(match[1], float(match[2]), bool(match[3])))
    return rules


def is_regression(comparison: Comparison, rule: FailRule, alpha: float = 0.05) -> bool:
    """The candidate is worse than the tolerance allows, and (when a paired test
    exists) significantly so: noise within the test's reach does not fail."""
    if comparison.worse_by <= rule.tolerance(comparison.baseline_value):
        return False
    return comparison.p_value is None or comparison.p_value < alpha


# --------------------------------------------------------------------------- #
# whole runs
# --------------------------------------------------------------------------- #


def result_key(result: Mapping[str, Any]) -> str:
    """How a result is matched across runs: pytest node id (plus the model for
    benchmark items), else the model label."""
    nodeid = result.get("nodeid")
    if nodeid:
        return f"{nodeid}::{label_of(result)}" if result.get("kind") == "benchmark" else str(nodeid)
    return label_of(result)


@dataclass
class RunComparison:
    """Every matched pair of results of two runs, compared on the chosen metrics."""

    baseline: str
    candidate: str
    rules: list[FailRule] = field(default_factory=list)
    alpha: float = 0.05
    comparisons: list[tuple[str, Comparison]] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.regressions)

    def lines(self) -> list[str]:
        out = [f"hret compare: {self.candidate} against {self.baseline}"]
        out += [f"  {key}: {c.describe()}" for key, c in self.comparisons]
        out += [f"  note: {n}" for n in self.notes]
        out += [f"  REGRESSION {r}" for r in self.regressions]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "candidate": self.candidate,
                "rules": [str(r) for r in self.rules], "alpha": self.alpha,
                "comparisons": [{"key": k, **c.to_dict()} for k, c in self.comparisons],
                "regressions": list(self.regressions), "notes": list(self.notes)}


def compare_runs(baseline: Sequence[Mapping[str, Any]], candidate: Sequence[Mapping[str, Any]], *,
                 baseline_name: str = "baseline", candidate_name: str = "candidate",
                 metrics: Sequence[str] = (), rules: Sequence[FailRule] = (),
                 alpha: float = 0.05) -> RunComparison:
    """Compare matching results of two runs (matched by ``result_key``; two runs
    of one result each are matched to each other) on the headline metric, the
    given ``metrics`` and every metric a rule names."""
    report = RunComparison(baseline_name, candidate_name, list(rules), alpha)
    base = {result_key(r): r for r in baseline}
    cand = {result_key(r): r for r in candidate}
    if len(base) == 1 and len(cand) == 1:
        pairs = [(next(iter(cand)), next(iter(base.values())), next(iter(cand.values())))]
    else:
        pairs = [(k, base[k], cand[k]) for k in cand if k in base]
        missing = [k for k in base if k not in cand]
        if missing:
            report.notes.append(f"not in {candidate_name}: {', '.join(missing)}")
        new = [k for k in cand if k not in base]
        if new:
            report.notes.append(f"not in {baseline_name}: {', '.join(new)}")
    if not pairs:
        raise ComparisonError(
            f"{candidate_name!r} and {baseline_name!r} share no evaluation; "
            f"{baseline_name} has {sorted(base) or '(none)'}, {candidate_name} has {sorted(cand) or '(none)'}"
        )
    for key, a, b in pairs:
        check_comparable(a, b)
        headline = headline_of(a.get("info", {}))
        wanted = list(dict.fromkeys([headline, *metrics, *(r.metric for r in rules)]))
        done: dict[str, Comparison] = {}
        for metric in wanted:
            try:
                done[metric] = compare_results(a, b, metric, check=False)
            except ComparisonError as exc:
                report.notes.append(f"{key}: {exc}")
                continue
            report.comparisons.append((key, done[metric]))
        for rule in rules:
            c = done.get(rule.metric)
            if c is None:
                continue
            if is_regression(c, rule, alpha):
                report.regressions.append(
                    f"{key}: {c.metric} worse by {c.worse_by:.4f} > tolerance "
                    f"{rule.tolerance(c.baseline_value):.4f} ({rule}); {c.describe()}")
            elif c.worse_by > rule.tolerance(c.baseline_value):
                report.notes.append(
                    f"{key}: {c.metric} worse by {c.worse_by:.4f} (beyond {rule}) but not "
                    f"significant at alpha={alpha:g} (p={c.p_value:.4g}, MDE {c.mde or 0:.4f} at "
                    f"n={c.n}); not a regression")
    return report
