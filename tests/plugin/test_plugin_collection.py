"""Decorated functions become test items; pytest's machinery works on them."""

from __future__ import annotations

import pytest

from tests.plugin.plugin_support import Inner


def test_decorated_functions_are_items_whatever_their_name(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=5)
        def my_model(prompt):
            return right(prompt)

        @hret.benchmark(dataset="ko-sample", limit=5)
        def comparison():
            return {"right": right, "always-a": always_a}

        @hret.evaluate(dataset="ko-sample", limit=5)
        def helper_not_a_test(prompt):
            return right(prompt)
        helper_not_a_test.__test__ = False

        def test_plain():
            pass

        def not_collected():
            pass
    ''')
    result = inner.run("--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_inner.py::my_model", "test_inner.py::comparison",
                                 "test_inner.py::test_plain", "3 tests collected*"])
    result.stdout.no_fnmatch_line("*helper_not_a_test*")
    inner.run().assert_outcomes(passed=3)


def test_extra_parameters_are_fixtures_and_a_session_fixture_loads_once(inner: Inner) -> None:
    inner.conftest('''
        LOADS = []

        @pytest.fixture(scope="session")
        def loaded_model():
            LOADS.append(1)
            return right

        @pytest.fixture
        def prefix():
            return "생각해 보면: "

        def pytest_sessionfinish(session):
            if not hasattr(session.config, "workerinput"):
                print(f"\\nmodel loads: {len(LOADS)}")
    ''')
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=5, threshold={"accuracy": 1.0})
        def first(prompt, loaded_model, prefix):
            return prefix + loaded_model(prompt)

        @hret.evaluate(dataset="ko-sample", limit=5, threshold={"accuracy": 1.0})
        def second(prompt, loaded_model):
            return loaded_model(prompt)

        @hret.benchmark(dataset="ko-sample", limit=5, threshold={"accuracy": 1.0})
        def both(loaded_model):
            return {"a": loaded_model, "b": loaded_model}
    ''')
    result = inner.run("-s")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*model loads: 1"])


def test_parametrize_skip_xfail_and_keywords(inner: Inner) -> None:
    inner.module('''
        @pytest.mark.parametrize("answer", ["A", "B"])
        @hret.evaluate(dataset="ko-sample", limit=8)
        def fixed(prompt, answer):
            return "정답: " + answer

        @pytest.mark.skip(reason="not today")
        @hret.evaluate(dataset="ko-sample", limit=5)
        def skipped(prompt):
            return right(prompt)

        @pytest.mark.xfail(reason="known weak", strict=True)
        @hret.evaluate(dataset="ko-sample", limit=8, threshold={"accuracy": 0.9})
        def weak(prompt):
            return always_a(prompt)

        @hret.evaluate(dataset="ko-sample", limit=5)
        @pytest.mark.slow_model
        def marked_inside(prompt):
            return right(prompt)
    ''')
    inner.ini("markers = slow_model: slow")
    result = inner.run("-v")
    result.assert_outcomes(passed=3, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*::fixed[[]A[]] PASSED*", "*::fixed[[]B[]] PASSED*"])
    inner.run("-k", "fixed and B").assert_outcomes(passed=1, deselected=4)
    inner.run("-m", "slow_model").assert_outcomes(passed=1, deselected=4)


def test_every_hret_item_has_the_hret_marker(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=5)
        def evaluated(prompt):
            return right(prompt)

        @hret.benchmark(dataset="ko-sample", limit=5)
        def compared():
            return {"right": right}

        def test_with_context(evaluation_context):
            evaluation_context.evaluate(right, limit=5)

        def test_plain():
            assert hret.quick_eval(right, dataset="ko-sample", limit=5).metrics["accuracy"] == 1.0
    ''')
    result = inner.run("-m", "not hret")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.no_fnmatch_line("*hret results*")
    inner.run("-m", "hret").assert_outcomes(passed=3, deselected=1)


def test_benchmark_evaluates_every_model_on_the_same_samples(inner: Inner) -> None:
    inner.module('''
        @hret.benchmark(dataset="ko-sample", limit=12, seed=3, models=["right", "always-a"])
        def comparison():
            return {"right": right, "always-a": always_a, "ignored": broken}
    ''')
    inner.run("--hret-json", "out.json").assert_outcomes(passed=1)
    results = inner.json()["results"]
    assert [r["label"] for r in results] == ["right", "always-a"]
    assert {r["kind"] for r in results} == {"benchmark"}
    ids = [[s["id"] for s in r["samples"]] for r in results]
    assert len(ids[0]) == 12 and ids[0] == ids[1]


def test_methods_of_test_classes(inner: Inner) -> None:
    inner.module('''
        class TestModels:
            answer = "C"

            @hret.evaluate(dataset="ko-sample", limit=5)
            def constant(self, prompt):
                return "정답: " + self.answer

            @hret.benchmark(dataset="ko-sample", limit=5)
            def pair(self):
                return {"right": right, "constant": lambda p: "정답: " + self.answer}
    ''')
    inner.run("-v").stdout.fnmatch_lines(["*TestModels::constant PASSED*",
                                          "*TestModels::pair PASSED*"])


def test_an_evaluate_function_without_a_parameter_is_a_collection_error(inner: Inner) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample")
        def no_input():
            return "정답: A"
    ''')
    result = inner.run()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*'no_input' takes no parameters; its first parameter receives "
                                 "the model input*"])


@pytest.mark.parametrize("asyncio_mode", ["strict", "auto"])
def test_async_model_functions_with_pytest_asyncio(inner: Inner, asyncio_mode: str) -> None:
    inner.ini(f"asyncio_mode = {asyncio_mode}")
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=6, threshold={"accuracy": 1.0}, max_workers=3)
        async def async_model(prompt):
            await asyncio.sleep(0)
            return right(prompt)

        @hret.benchmark(dataset="ko-sample", limit=6, threshold={"accuracy": 1.0})
        def mixed():
            async def later(prompt):
                await asyncio.sleep(0)
                return right(prompt)
            return {"sync": right, "async": later}

        @pytest.mark.asyncio
        async def test_inside_a_running_loop(evaluation_context):
            async def model(prompt):
                await asyncio.sleep(0)
                return right(prompt)
            result = evaluation_context.evaluate(model, limit=6)
            assert result.metrics["accuracy"] == 1.0
    ''')
    result = inner.run("--hret-json", "out.json")
    result.assert_outcomes(passed=3)
    assert len(inner.json()["results"]) == 4
