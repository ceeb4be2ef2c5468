"""Paired comparisons, checked by hand and against scipy; the regression gate;
saved runs."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path
from typing import Any

import pytest
import scipy.stats

import hret
from hret.compare import (
    ComparisonError,
    FailRule,
    compare_results,
    compare_runs,
    is_regression,
    parse_fail_rules,
)
from hret.store import SavedRuns, read_results
from tests.library.helpers import oracle, wrong_on
from tests.sinks.support import result_dict

Z975, Z80 = scipy.stats.norm.ppf(0.975), scipy.stats.norm.ppf(0.8)


def _pairs(both: int, only_base: int, only_cand: int, neither: int) -> tuple[list[float], list[float]]:
    base = [1.0] * both + [1.0] * only_base + [0.0] * only_cand + [0.0] * neither
    cand = [1.0] * both + [0.0] * only_base + [1.0] * only_cand + [0.0] * neither
    return base, cand


def test_binary_scores_use_exact_mcnemar_checked_against_scipy_and_by_hand() -> None:
    base, cand = _pairs(both=50, only_base=3, only_cand=12, neither=15)  # n = 80
    c = compare_results(result_dict(base), result_dict(cand))
    n = 80
    assert (c.test, c.n, c.discordant, c.unpaired) == ("mcnemar_exact", n, (3, 12), 0)
    assert c.p_value == pytest.approx(scipy.stats.binomtest(3, 15, 0.5).pvalue, rel=1e-12)
    # by hand: 2 * P(X <= 3), X ~ Bin(15, 1/2) = 2 * (1 + 15 + 105 + 455) / 2**15
    assert c.p_value == pytest.approx(2 * 576 / 2**15, rel=1e-12)
    diffs = [y - x for x, y in zip(base, cand, strict=True)]
    assert c.difference == pytest.approx((12 - 3) / n)
    half = Z975 * statistics.stdev(diffs) / math.sqrt(n)
    assert c.ci_low == pytest.approx(9 / n - half) and c.ci_high == pytest.approx(9 / n + half)
    # MDE = (z_.975 + z_.8) * sqrt(discordant rate / n), the rate being 15 / 80
    assert c.mde == pytest.approx((Z975 + Z80) * math.sqrt(15 / n / n))
    assert c.baseline_value == pytest.approx(53 / n) and c.candidate_value == pytest.approx(62 / n)
    assert c.significant(0.05) and c.worse_by < 0


def test_samples_are_paired_by_id_not_by_position() -> None:
    base = result_dict([1, 1, 0, 0, 1], ids=["a", "b", "c", "d", "e"])
    # the same answers in another order, one sample the baseline lacks, one error
    cand = result_dict([0, 1, 1, 1, 0, None], ids=["d", "e", "a", "b", "x", "c"])
    c = compare_results(base, cand)
    # paired ids a, b, d, e (c errored in the candidate, x is new): all agree
    assert (c.n, c.discordant, c.difference, c.p_value) == (4, (0, 0), 0.0, 1.0)
    assert c.unpaired == 2  # c (baseline only) and x (candidate only)
    # with no discordant pair the MDE assumes one in n
    assert c.mde == pytest.approx((Z975 + Z80) * math.sqrt(1 / 4 / 4))


def test_error_rate_is_compared_per_sample_and_lower_is_better() -> None:
    base = result_dict([1.0] * 40)
    cand = result_dict([None] * 8 + [1.0] * 32)
    c = compare_results(base, cand, "error_rate")
    assert (c.test, c.difference, c.discordant, c.lower_is_better) == ("mcnemar_exact", 0.2, (0, 8), True)
    assert c.worse_by == pytest.approx(0.2)
    assert c.p_value == pytest.approx(scipy.stats.binomtest(0, 8, 0.5).pvalue)


def test_continuous_scores_use_a_paired_bootstrap_close_to_scipy() -> None:
    rng = random.Random(7)
    base = [rng.random() for _ in range(300)]
    cand = [min(1.0, max(0.0, b + rng.gauss(0.02, 0.15))) for b in base]
    c = compare_results(result_dict(base), result_dict(cand))
    diffs = [y - x for x, y in zip(base, cand, strict=True)]
    assert c.test == "paired_bootstrap" and c.discordant is None
    assert c.difference == pytest.approx(statistics.fmean(diffs), abs=1e-12)
    reference = scipy.stats.bootstrap((diffs,), statistics.fmean, n_resamples=4000,
                                      method="percentile", random_state=1).confidence_interval
    assert c.ci_low == pytest.approx(reference.low, abs=0.004)
    assert c.ci_high == pytest.approx(reference.high, abs=0.004)
    # the bootstrap p-value approximates the paired t-test's at this n
    assert c.p_value == pytest.approx(scipy.stats.ttest_rel(cand, base).pvalue, abs=0.02)
    assert c.mde == pytest.approx((Z975 + Z80) * statistics.stdev(diffs) / math.sqrt(300))


@pytest.mark.parametrize(("change", "expected"), [
    ({"dataset": "kmmlu"}, "dataset 'ko-sample' vs 'kmmlu'"),
    ({"split": "dev"}, "split 'test' vs 'dev'"),
    ({"prompt_template": {"name": "t", "hash": "fff"}}, "prompt 'abc' vs 'fff'"),
    ({"method": {"name": "partial_match"}}, "method {'name': 'string_match'} vs {'name': 'partial_match'}"),
])
def test_runs_that_differ_are_refused_saying_what_differs(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ComparisonError, match="cannot compare 'a' with 'b'") as excinfo:
        compare_results(result_dict([1, 0], label="a"), result_dict([1, 0], label="b", **change))
    assert expected in str(excinfo.value)


def test_nothing_paired_is_an_error() -> None:
    with pytest.raises(ComparisonError, match="ids do not overlap"):
        compare_results(result_dict([1, 0], ids=["a", "b"]), result_dict([1, 0], ids=["c", "d"]))


def test_fail_rules_parse_relative_and_absolute() -> None:
    assert parse_fail_rules("accuracy:1%, error_rate:0.02") == [
        FailRule("accuracy", 1.0, True), FailRule("error_rate", 0.02, False)]
    assert parse_fail_rules(["accuracy:0.5%"])[0].tolerance(0.8) == pytest.approx(0.004)
    with pytest.raises(ValueError, match="bad regression rule 'accuracy=1'.*'accuracy:1%'"):
        parse_fail_rules("accuracy=1")


def test_a_regression_must_exceed_the_tolerance_and_be_significant() -> None:
    base, cand = _pairs(both=60, only_base=12, only_cand=0, neither=28)  # -0.12, p = 2/2**12
    drop = compare_results(result_dict(base), result_dict(cand))
    assert is_regression(drop, FailRule("accuracy", 1.0, True))
    assert not is_regression(drop, FailRule("accuracy", 0.15, False))  # within tolerance
    base, cand = _pairs(both=60, only_base=3, only_cand=1, neither=36)  # -0.02, p = 0.625
    noise = compare_results(result_dict(base), result_dict(cand))
    assert noise.worse_by > 0.01 and not is_regression(noise, FailRule("accuracy", 0.01, False))


def test_compare_runs_matches_results_by_node_id_and_reports_regressions() -> None:
    def item(nodeid: str, scores: list[float]) -> dict[str, object]:
        return {**result_dict(scores), "nodeid": nodeid, "kind": "evaluate"}

    base, cand = _pairs(both=60, only_base=12, only_cand=0, neither=28)
    report = compare_runs([item("t.py::a", base), item("t.py::gone", base)],
                          [item("t.py::a", cand), item("t.py::new", cand)],
                          baseline_name="main", candidate_name="pr", rules=parse_fail_rules("accuracy:1%"))
    assert [key for key, _ in report.comparisons] == ["t.py::a"]
    assert report.failed and report.regressions[0].startswith("t.py::a: accuracy worse by 0.1200")
    assert "not in pr: t.py::gone" in report.notes and "not in main: t.py::new" in report.notes
    assert json.loads(json.dumps(report.to_dict()))["regressions"] == report.regressions


def test_benchmark_results_carry_the_paired_comparison_with_the_first_model() -> None:
    results = hret.compare_models({"good": oracle(), "bad": wrong_on({"Math"})}, dataset="ko-sample")
    assert "comparison_to_first" not in results["good"].info
    c = results["bad"].info["comparison_to_first"]
    # ko-sample has 10 Math questions, all lost and nothing gained: p = 2 * 2**-10
    assert (c["baseline"], c["candidate"], c["n"], c["discordant"]) == ("good", "bad", 100, [10, 0])
    assert c["p_value"] == 2 * 0.5**10 and c["difference"] == pytest.approx(-0.1)


def test_saved_runs_round_trip_and_name_the_latest(tmp_path: Path) -> None:
    store = SavedRuns(tmp_path / "out")
    assert store.latest() is None
    store.save("base", [result_dict([1, 0])], {"source": "test"})
    store.save("next", [result_dict([1, 1])])
    assert store.names() == ["base", "next"] and store.latest() == "next"
    assert store.load("base")[0]["samples"][1]["score"] == 0
    with pytest.raises(FileNotFoundError, match="no saved run 'bse'.*Did you mean 'base'"):
        store.load("bse")
    with pytest.raises(ValueError, match="run name '../x' must start with a letter or digit"):
        store.save("../x", [])


def test_a_run_file_gets_its_samples_back_from_the_result_files() -> None:
    with hret.evaluation_context(run_name="r", dataset="ko-sample", limit=10) as ctx:
        ctx.evaluate(oracle(), label="m")
    run_json = next(Path(hret.get_config().output_dir).glob("runs/r-*/run.json"))
    (result,) = read_results(run_json)
    assert len(result["samples"]) == 10 and result["samples"][0]["score"] == 1.0
