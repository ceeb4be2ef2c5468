"""Comparing runs: paired statistics per sample id, and the regression gate."""

from __future__ import annotations

from hret.compare.paired import (
    Comparison,
    ComparisonError,
    attach_comparisons,
    benchmark_comparisons,
    check_comparable,
    compare_results,
    differences,
    label_of,
)
from hret.compare.rules import (
    FailRule,
    RunComparison,
    compare_runs,
    is_regression,
    parse_fail_rules,
    result_key,
)

__all__ = ["Comparison", "attach_comparisons", "ComparisonError", "FailRule", "RunComparison", "benchmark_comparisons",
           "check_comparable", "compare_results", "compare_runs", "differences", "is_regression",
           "label_of", "parse_fail_rules", "result_key"]
