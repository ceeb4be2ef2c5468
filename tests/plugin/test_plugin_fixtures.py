"""The hret fixtures and the @pytest.mark.hret marker."""

from __future__ import annotations

import json

from tests.plugin.plugin_support import Inner


def test_dataset_and_evaluator_fixtures_follow_marker_and_options(inner: Inner) -> None:
    inner.ini("hret_limit = 6")  # the ini ranks below markers
    inner.module('''
        def test_session_options(hret_dataset, hret_evaluator):
            assert hret_dataset.name == "ko-sample" and len(hret_dataset) == 6
            assert hret_dataset.split == "test"
            assert hret_evaluator.describe() == {"name": "string_match"}

        @pytest.mark.hret(subset="Law", split="dev", limit=2, evaluation_method="partial_match")
        def test_marker(hret_dataset, hret_evaluator):
            assert [s.subset for s in hret_dataset] == ["Law", "Law"]
            assert hret_dataset.split == "dev"
            assert hret_evaluator.describe() == {"name": "partial_match"}
    ''')
    inner.run().assert_outcomes(passed=2)
    # the command line is the operator's choice: it wins over the marker
    inner.run("--hret-limit=1", "-k", "test_marker").assert_outcomes(failed=1)


def test_the_closest_marker_wins_over_module_marks_and_options(inner: Inner) -> None:
    inner.ini("hret_limit = 9")
    inner.module('''
        pytestmark = pytest.mark.hret(limit=3, seed=4)

        def test_module_mark(hret_config):
            assert (hret_config["limit"], hret_config["seed"]) == (3, 4)

        @pytest.mark.hret(limit=5)
        def test_own_mark(hret_config):
            assert (hret_config["limit"], hret_config["seed"]) == (5, 4)

        @hret.evaluate(dataset="ko-sample")
        def item_takes_the_mark(prompt):
            return right(prompt)

        @hret.evaluate(dataset="ko-sample", limit=7)
        def item_declares(prompt):
            return right(prompt)
    ''')
    inner.run("--hret-json=out.json").assert_outcomes(passed=4)
    assert [r["info"]["n_samples"] for r in inner.json()["results"]] == [3, 7]
    inner.run("--hret-limit=2", "--hret-json=out.json", "-k", "item").assert_outcomes(passed=2)
    assert [r["info"]["n_samples"] for r in inner.json()["results"]] == [2, 2]


def test_invalid_marker_options_are_errors(inner: Inner) -> None:
    inner.module('''
        @pytest.mark.hret(limt=3)
        def test_misspelt(hret_dataset):
            pass

        @pytest.mark.hret("ko-sample")
        def test_positional(evaluation_context):
            pass
    ''')
    result = inner.run()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.hret: Unknown evaluation option 'limt'. Did you mean 'limit'?*",
        "*@pytest.mark.hret takes keyword options only, got ('ko-sample',)*",
    ])


def test_evaluation_context_results_are_reported_and_the_run_is_closed(inner: Inner) -> None:
    inner.module('''
        @pytest.mark.hret(dataset="ko-sample", limit=8, threshold={"accuracy": 0.5})
        def test_compare(evaluation_context):
            good = evaluation_context.evaluate(right, label="good")
            bad = evaluation_context.evaluate(always_a, label="bad")
            assert good.passed and not bad.passed  # the test decides what a threshold means
            assert good.metrics["accuracy"] > bad.metrics["accuracy"]

        def test_unused(evaluation_context):
            pass
    ''')
    result = inner.run("--hret-json=out.json", "--hret-output=results")
    result.assert_outcomes(passed=2)
    results = inner.json()["results"]
    assert [(r["label"], r["kind"], r["item"]) for r in results] == [
        ("good", "test", "test_compare"), ("bad", "test", "test_compare")]
    assert results[0]["info"]["run_name"] == "test_compare"
    [run] = list((inner.path / "results" / "runs").iterdir())  # the unused context left no run
    assert json.loads((run / "run.json").read_text(encoding="utf-8"))["run_metadata"]["run_name"] \
        == "test_compare"
    history = (inner.path / "results" / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["metadata"]["run_name"] for line in history] == ["test_compare"]


def test_only_hret_items_report_results(inner: Inner) -> None:
    inner.module('''
        @hret.track_metrics(["loss"])
        def train(loss):
            return {"loss": loss, "other": 1}

        def test_unmarked():
            hret.quick_eval(right, dataset="ko-sample", limit=4)
            train(0.5)

        @pytest.mark.hret
        def test_marked():
            hret.quick_eval(right, dataset="ko-sample", limit=4)
            train(0.25)
    ''')
    inner.run("--hret-json=out.json").assert_outcomes(passed=2)
    data = inner.json()
    assert [r["item"] for r in data["results"]] == ["test_marked"]
    assert data["tracked"] == [{"nodeid": "test_inner.py::test_marked", "item": "test_marked",
                                "name": "train", "metrics": {"loss": 0.25}}]
