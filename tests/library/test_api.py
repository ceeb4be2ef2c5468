from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.errors import ConfigError, ThresholdError
from tests.library.helpers import oracle, wrong_on


def test_evaluate_decorator_calls_the_function_for_every_sample() -> None:
    seen: list[str] = []

    @hret.evaluate(dataset="ko-sample", model="my-model", evaluation_method="string_match")
    def model(input_text: str) -> str:
        seen.append(input_text)
        return "정답은 (B)입니다"

    result = model()
    assert isinstance(result, hret.EvaluationResult)
    assert len(seen) == 100 and "질문:" in seen[0]
    truth = [s.reference for s in hret.load_dataset("ko-sample")]
    assert result.metrics["accuracy"] == pytest.approx(truth.count("B") / 100)
    assert result.info["model"] == "my-model"
    assert result.info["method"] == {"name": "string_match"}
    assert model("직접 호출") == "정답은 (B)입니다"  # still usable as the model function
    assert hret.get_spec(model) is not None and hret.get_spec(model).kind == "evaluate"  # type: ignore[union-attr]


def test_thresholds_give_checks_and_passed() -> None:
    @hret.evaluate(dataset="ko-sample", threshold={"accuracy": 0.8})
    def good(text: str) -> str:
        return oracle()(text)

    @hret.evaluate(dataset="ko-sample", threshold={"accuracy": 0.95, "error_rate": 0.0})
    def weak(text: str) -> str:
        return wrong_on({"Law"})(text)

    assert good().passed
    result = weak()
    assert not result.passed
    [failed] = result.failed_checks
    assert failed.metric == "accuracy" and failed.value == pytest.approx(0.9)
    assert failed.describe() == (
        f"accuracy = 0.9000 FAILED bound >= 0.95, 95% CI [{failed.ci_low:.4f}, {failed.ci_high:.4f}], n=100"
    )
    assert [c.passed for c in result.threshold_checks] == [False, True]


def test_threshold_on_a_metric_that_is_not_computed() -> None:
    with pytest.raises(ThresholdError, match="'acuracy'.*Did you mean 'accuracy'"):
        hret.quick_eval(oracle(), dataset="ko-sample", limit=5, threshold={"acuracy": 0.5})


def test_zero_scored_samples_never_pass() -> None:
    def broken(text: str) -> str:
        raise RuntimeError("down")

    result = hret.quick_eval(broken, dataset="ko-sample", limit=5, threshold={"accuracy": 0.1})
    assert result.metrics["n"] == 0 and "accuracy" not in result.metrics
    assert not result.passed
    assert result.threshold_checks[0].describe().startswith("accuracy: not computed (n=0)")


def test_benchmark_evaluates_each_model_on_the_same_samples() -> None:
    @hret.benchmark(dataset="ko-sample", limit=40, seed=3)
    def compare() -> dict[str, Any]:
        return {"oracle": oracle(), "always-a": lambda x: "A", "no-law": wrong_on({"Law"})}

    results = compare()
    assert list(results) == ["oracle", "always-a", "no-law"]
    ids = [[r["id"] for r in res.samples] for res in results.values()]
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 40
    assert results["oracle"].metrics["accuracy"] == 1.0
    assert results["always-a"].metrics["accuracy"] < 0.5
    assert results["always-a"].info["model"] == "always-a"
    assert len({r.metrics["accuracy"] for r in results.values()}) == 3


def test_benchmark_models_filter() -> None:
    @hret.benchmark(dataset="ko-sample", limit=10, models=["b"])
    def compare() -> dict[str, Any]:
        return {"a": lambda x: "A", "b": lambda x: "B"}

    assert list(compare()) == ["b"]


def test_track_metrics_records_history_and_keeps_the_return_value() -> None:
    @hret.track_metrics(["accuracy", "latency"])
    def custom_evaluation() -> dict[str, Any]:
        return {"accuracy": 0.85, "latency": 120.5, "other_metric": "not_tracked"}

    assert custom_evaluation() == {"accuracy": 0.85, "latency": 120.5, "other_metric": "not_tracked"}
    [entry] = hret.get_metrics_history()
    assert entry["metrics"] == {"accuracy": 0.85, "latency": 120.5}
    assert entry["metadata"]["run_name"] == "track_custom_evaluation"


def test_evaluation_context_accepts_both_dataset_spellings(tmp_path: Path) -> None:
    captured: list[tuple[dict[str, Any], list[hret.EvaluationResult]]] = []
    with hret.evaluation_context(dataset_name="ko-sample", run_name="ctx-run", limit=20,
                                 evaluation_method_name="string_match",
                                 evaluator_params={}) as ctx:
        ctx.add_mlops_integration(lambda run, results: captured.append((run, results)))
        ctx.metrics_tracker.run_metadata.update({"learning_rate": 3e-4, "epoch": 2})
        result = ctx.evaluate(oracle())
        path = ctx.save_results("experiment_results.json")
    assert result.metrics["n"] == 20
    [(run, results)] = captured
    assert run["metadata"]["run_name"] == "ctx-run" and run["metadata"]["learning_rate"] == 3e-4
    assert run["metrics"]["accuracy"] == 1.0 and results == [result]
    assert result.info["metadata"]["epoch"] == 2
    saved = json.loads(Path(path).read_text(encoding="utf-8"))
    assert Path(path) == tmp_path / "hret_results" / "experiment_results.json"
    assert saved["run_metadata"]["learning_rate"] == 3e-4
    assert saved["results"][0]["metrics"]["accuracy"] == 1.0
    with hret.evaluation_context(dataset="ko-sample", limit=5) as other:
        assert other.evaluate(oracle()).metrics["n"] == 5


def test_unknown_context_option_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'datset'.*Did you mean 'dataset'"):
        hret.evaluation_context(datset="ko-sample")


def test_failing_integration_warns_and_keeps_results() -> None:
    def boom(run: dict[str, Any], results: list[hret.EvaluationResult]) -> None:
        raise RuntimeError("tracking server down")

    with pytest.warns(hret.sinks.SinkWarning, match="tracking server down"):  # type: ignore[attr-defined]
        with hret.evaluation_context(dataset="ko-sample", limit=5) as ctx:
            ctx.add_mlops_integration(boom)
            result = ctx.evaluate(oracle())
    assert result.metrics["accuracy"] == 1.0
    assert Path(result.info["result_path"]).exists()
    assert "tracking server down" in ctx.sink_failures[0]


def test_compare_models_and_quick_eval() -> None:
    results = hret.compare_models({"baseline": lambda x: "A", "improved": oracle()},
                                  dataset="ko-sample", limit=10)
    assert results["improved"].metrics["accuracy"] == 1.0
    assert hret.quick_eval(oracle(), dataset="ko-sample", limit=10).metrics["accuracy"] == 1.0


def test_custom_evaluator_adds_metrics() -> None:
    def length_ratio(predictions: list[str], references: list[str]) -> dict[str, float]:
        return {"mean_length": sum(map(len, predictions)) / len(predictions), "n_refs": len(references)}

    result = hret.quick_eval(lambda x: "(A)", dataset="ko-sample", limit=10,
                             evaluator_params={"custom_evaluator": length_ratio, "custom_input": "outputs"})
    assert result.metrics["mean_length"] == 3.0 and result.metrics["n_refs"] == 10
    assert result.info["method"]["name"] == "custom:length_ratio"


def test_the_seed_custom_evaluator_example_runs_as_written_and_sees_letters() -> None:
    seen: dict[str, list[str]] = {}

    def calculate_custom_score(predictions: list[str], references: list[str]) -> float:
        seen["predictions"], seen["references"] = predictions, references
        return sum(p == r for p, r in zip(predictions, references, strict=True)) / len(references)

    my_model = oracle()

    # the seed document's example, as written (dataset name swapped)
    def custom_evaluator(predictions, references):  # type: ignore[no-untyped-def]
        # 커스텀 평가 로직
        return {"custom_metric": calculate_custom_score(predictions, references)}

    with hret.evaluation_context(
        dataset="ko-sample",
        evaluation_method_name="custom",
        evaluator_params={"custom_evaluator": custom_evaluator}
    ) as ctx:
        result = ctx.evaluate(my_model)

    assert set(seen["predictions"]) == {"A", "B", "C", "D"}  # letters, read from "정답: X" outputs
    assert result.metrics["custom_metric"] == 1.0 == result.metrics["accuracy"]


def test_a_custom_evaluator_can_take_the_full_records() -> None:
    def per_subject(records: list[dict[str, Any]]) -> dict[str, float]:
        assert {"id", "subset", "input", "output", "extracted", "reference", "score"} <= set(records[0])
        return {"subjects": float(len({r["subset"] for r in records}))}

    result = hret.quick_eval(oracle(), dataset="ko-sample", limit=20,
                             evaluator_params={"custom_evaluator": per_subject, "custom_input": "records"})
    assert result.metrics["subjects"] == 10


def test_same_label_twice_in_one_run_keeps_both_record_files() -> None:
    with hret.evaluation_context(dataset="ko-sample", limit=5) as ctx:
        first = ctx.evaluate(lambda x: "A", label="m")
        second = ctx.evaluate(lambda x: "B", label="m")
    paths = [Path(r.info["samples_path"]) for r in (first, second)]
    assert paths[0] != paths[1] and first.info["result_path"] != second.info["result_path"]
    for path, result in zip(paths, (first, second), strict=True):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [r["output"] for r in lines] == [r["output"] for r in result.samples]
        saved = hret.EvaluationResult.load_json(result.info["result_path"])
        assert saved.metrics == result.metrics


def test_unknown_evaluation_method_suggests() -> None:
    with pytest.raises(hret.UnknownNameError, match="Did you mean 'string_match'"):
        hret.quick_eval(oracle(), dataset="ko-sample", evaluation_method="string_mach")


def test_configure_has_effect_and_rejects_unknown_keys(tmp_path: Path) -> None:
    hret.configure(default_dataset="ko-sample", limit=7, max_workers=2, output_dir=str(tmp_path / "out"),
                   auto_save_results=False, default_model="configured")
    result = hret.quick_eval(oracle())
    assert result.metrics["n"] == 7 and result.info["max_workers"] == 2
    assert result.info["model"] == "configured" and "result_path" not in result.info
    assert (tmp_path / "out" / "history.jsonl").exists()
    with pytest.raises(ConfigError, match="'max_worker'.*Did you mean 'max_workers'"):
        hret.configure(max_worker=4)
    with pytest.raises(ConfigError, match="batch_size=0 must be an integer >= 1"):
        hret.configure(batch_size=0)
    with pytest.raises(ConfigError, match="max_workers=True must be an integer, not true/false"):
        hret.configure(max_workers=True)


def test_load_config_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("default_dataset: ko-sample\nlimit: 9\nlog_level: info\n", encoding="utf-8")
    assert hret.load_config(tmp_path / "c.yaml").limit == 9
    assert hret.get_config().log_level == "INFO"
    (tmp_path / "c.json").write_text('{"batch_size": 4}', encoding="utf-8")
    assert hret.load_config(str(tmp_path / "c.json")).batch_size == 4
    (tmp_path / "bad.yaml").write_text("limit: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        hret.load_config(tmp_path / "bad.yaml")
    (tmp_path / "unknown.yaml").write_text("dataset: kmmlu\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Unknown configuration key 'dataset'.*unknown.yaml"):
        hret.load_config(tmp_path / "unknown.yaml")


def test_metrics_tracker_api() -> None:
    tracker = hret.MetricsTracker()
    for name, accuracy in (("a", 0.5), ("b", 0.75), ("c", 0.25)):
        tracker.start_run(run_name=name, lr=0.1)
        tracker.log_metrics({"accuracy": accuracy, "error_rate": accuracy / 10})
        tracker.end_run()
    assert [r["metadata"]["run_name"] for r in tracker.get_history()] == ["a", "b", "c"]
    comparison = tracker.compare_runs("accuracy")
    assert comparison["_stats"] == {"best": 0.75, "worst": 0.25, "average": 0.5, "count": 3}
    assert tracker.compare_runs("error_rate")["_stats"]["best"] == 0.025  # lower is better
    assert hret.compare_metric("accuracy")["b"] == 0.75


def test_history_spans_processes(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import hret
        hret.configure(output_dir={str(tmp_path / 'shared')!r}, progress=False)
        hret.quick_eval(lambda x: "A", dataset="ko-sample", limit=8, run_name="proc")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    hret.configure(output_dir=str(tmp_path / "shared"))
    history = hret.get_metrics_history()
    assert len(history) == 3 and all(h["metadata"]["run_name"] == "proc" for h in history)
    assert hret.compare_metric("n")["_stats"]["count"] == 1  # same run name: latest value


def test_import_is_quiet_light_and_writes_nothing(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import sys, hret
        heavy = ["torch", "transformers", "datasets", "mlflow", "wandb", "pandas", "pytest", "numpy"]
        print(",".join(m for m in heavy if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    assert out.stdout == "\n" and out.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_result_serialises_and_converts() -> None:
    result = hret.quick_eval(oracle(), dataset="ko-sample", limit=10, threshold={"accuracy": 0.5})
    data = json.loads(json.dumps(result.to_dict()))
    again = hret.EvaluationResult.from_dict(data)
    assert again.metrics == result.metrics and again.threshold_checks == result.threshold_checks
    frame = result.to_dataframe()
    assert len(frame) == 10 and set(frame["score"]) == {1.0}


def test_a_named_prompt_is_chosen_and_recorded() -> None:
    result = hret.quick_eval(oracle(), dataset="ko-sample", limit=4, prompt="instruct")
    assert result.info["prompt_template"]["name"] == "ko-mc-generative"
    with pytest.raises(hret.DatasetError, match="no prompt 'nope'.*Prompts: .*instruct"):
        hret.quick_eval(oracle(), dataset="ko-sample", limit=4, prompt="nope")
    hret.configure(prompt="nope")
    with pytest.raises(hret.DatasetError, match="no prompt 'nope'"):
        hret.quick_eval(oracle(), dataset="ko-sample", limit=4)
