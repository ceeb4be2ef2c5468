"""Thresholds fail items with one line per metric; unjudgeable runs are errors."""

from __future__ import annotations

from tests.plugin.plugin_support import Inner


def test_thresholds_pass_and_fail_with_value_bound_ci_and_n(inner: Inner, mode: tuple[str, ...]) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=20, threshold={"accuracy": 0.9})
        def strong(prompt):
            return right(prompt)

        @hret.evaluate(dataset="ko-sample", limit=20,
                       threshold={"accuracy": 0.9, "extraction_failure_rate": 0.0})
        def weak(prompt):
            return always_a(prompt)

        @hret.benchmark(dataset="ko-sample", limit=20, threshold={"accuracy": 0.5})
        def pair():
            return {"strong": right, "weak": always_a}
    ''')
    result = inner.run("-rf", mode=mode)
    result.assert_outcomes(passed=1, failed=2)
    # under -n 2 the two failures may be reported in either order
    result.stdout.fnmatch_lines([
        "*_ weak _*",
        r"weak: accuracy = 0.2000 FAILED bound >= 0.9, 95% CI [[]0.0807, 0.4160[]], n=20",
    ])
    result.stdout.fnmatch_lines([
        "*_ pair _*",
        r"weak: accuracy = 0.2000 FAILED bound >= 0.5, 95% CI [[]0.0807, 0.4160[]], n=20",
    ])
    # only the failed metric is listed, without a traceback
    result.stdout.no_fnmatch_line("*extraction_failure_rate*FAILED*")
    result.stdout.no_fnmatch_line("*strong: accuracy*")
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.fnmatch_lines(["FAILED test_inner.py::weak - Failed: weak: accuracy = 0.2000 FAILED*"])


def test_command_line_thresholds_fail_items(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=10)
        def weak(prompt):
            return always_a(prompt)
    ''')
    inner.run().assert_outcomes(passed=1)
    result = inner.run("--hret-threshold=accuracy=0.5")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["weak: accuracy = 0.2000 FAILED bound >= 0.5 (from the command line), 95% CI *, n=10"])


def test_zero_scored_samples_is_an_error(inner: Inner, mode: tuple[str, ...]) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=10, threshold={"accuracy": 0.0})
        def down(prompt):
            return broken(prompt)

        @hret.evaluate(dataset="ko-sample", limit=10, max_error_rate=1.0)
        def down_but_tolerated(prompt):
            return broken(prompt)
    ''')
    result = inner.run(mode=mode)
    result.assert_outcomes(errors=2)
    # xdist may report the two in either order
    result.stdout.fnmatch_lines([
        "*ERROR at call of down _*",
        "down: 0 of 10 samples scored (10 model calls failed); an evaluation that scores "
        "nothing cannot pass",
        "    sample ko-sample/*: RuntimeError: model server down",
        "    sample ko-sample/*: RuntimeError: model server down",
        "    sample ko-sample/*: RuntimeError: model server down",
    ])
    result.stdout.fnmatch_lines(["*ERROR at call of down_but_tolerated*",
                                 "down_but_tolerated: 0 of 10 samples scored*"])
    assert result.ret == 1


def test_error_rate_above_the_maximum_is_an_error(inner: Inner, mode: tuple[str, ...]) -> None:
    inner.module('''
        def every_fifth(prompt, calls=[]):
            calls.append(1)
            if len(calls) % 5 == 0:
                raise TimeoutError("took too long")
            return right(prompt)

        @hret.evaluate(dataset="ko-sample", limit=20, max_workers=1)
        def strict(prompt):
            return every_fifth(prompt)

        @hret.evaluate(dataset="ko-sample", limit=20, max_workers=1, max_error_rate=0.25)
        def tolerant(prompt):
            return every_fifth(prompt)
    ''')
    result = inner.run(mode=mode)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at call of strict*",
        "strict: 4 of 20 model calls failed (error rate 20.00% > max_error_rate 0; raise it with "
        "--hret-max-error-rate or max_error_rate=...). First errors:",
        "    sample ko-sample/*: TimeoutError: took too long",
    ])
    inner.run("--hret-max-error-rate=0.2", mode=mode).assert_outcomes(passed=2)


def test_configuration_problems_are_errors_that_name_the_fix(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=5, threshold={"acuracy": 0.5})
        def misspelt(prompt):
            return right(prompt)

        @hret.evaluate(dataset="ko-sample", subset="Mathematics")
        def no_such_subset(prompt):
            return right(prompt)
    ''')
    result = inner.run()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "ThresholdError: threshold on 'acuracy', which this evaluation does not compute. "
        "Did you mean 'accuracy'?*",
        "DatasetError: Dataset 'ko-sample' has no subset 'Mathematics'.*Subsets: *Math*",
    ])


def test_junit_reports_threshold_failures_and_errors(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=10, threshold={"accuracy": 0.9})
        def weak(prompt):
            return always_a(prompt)

        @hret.evaluate(dataset="ko-sample", limit=10)
        def down(prompt):
            return broken(prompt)
    ''')
    inner.run("--junitxml=junit.xml")
    xml = (inner.path / "junit.xml").read_text(encoding="utf-8")
    assert 'message="Failed: weak: accuracy = 0.2000 FAILED bound &gt;= 0.9, 95% CI [0.0567, 0.5098], n=10"' in xml
    assert 'message="pytest_hret.items.EvaluationError: down: 0 of 10 samples scored' in xml
