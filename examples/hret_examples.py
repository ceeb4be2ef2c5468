"""Every example of the hret API, runnable offline on the bundled Korean sample.

    python examples/hret_examples.py [OUTPUT_DIR]

The "models" are small Python functions so that the examples run anywhere; put a
real model call (transformers, an OpenAI-compatible server...) in their place.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import hret

HERE = Path(__file__).resolve().parent


def answer_key() -> dict[str, str]:
    """question -> correct label, to build a model of known quality."""
    return {str(s.input): s.reference for s in hret.load_dataset("ko-sample")}


ANSWERS = answer_key()


def question_of(prompt: str) -> str:
    return prompt.rsplit("질문: ", 1)[-1].split("\n", 1)[0]


def strong_model(input_text: str) -> str:
    """Knows every answer and explains itself before answering."""
    return f"보기를 차례로 검토했습니다.\n정답: {ANSWERS[question_of(input_text)]}"


def first_option_model(input_text: str) -> str:
    return "정답은 (A)입니다"


def longest_option_model(input_text: str) -> str:
    """Picks the longest option: a classic test-taking heuristic."""
    lines = [line for line in input_text.splitlines() if line[:2] in ("A.", "B.", "C.", "D.")]
    best = max(lines, key=len)
    return f"답: {best[0]}"


# Example 1: the evaluate decorator -------------------------------------------
@hret.evaluate(dataset="ko-sample", model="strong-model", threshold={"accuracy": 0.9})
def my_model_function(input_text: str) -> str:
    return strong_model(input_text)


# Example 2: comparing models on the same samples -----------------------------
@hret.benchmark(dataset="ko-sample")
def model_comparison() -> dict[str, Any]:
    return {"strong": strong_model, "first-option": first_option_model,
            "longest-option": longest_option_model}


# Example 3: tracking metrics of your own evaluation --------------------------
@hret.track_metrics(["accuracy", "latency"])
def custom_evaluation() -> dict[str, Any]:
    result = hret.quick_eval(longest_option_model, dataset="ko-sample", limit=20)
    return {"accuracy": result.metrics["accuracy"], "latency": result.metrics["latency_p50_ms"],
            "other_metric": "not_tracked"}


def context_manager_example() -> None:
    """Example 4: the context manager, metadata and a custom integration."""
    def my_integration(run_result: dict[str, Any], results: list[hret.EvaluationResult]) -> None:
        print(f"  integration got run {run_result['metadata']['run_name']!r} with "
              f"{len(results)} result(s), lr={run_result['metadata']['learning_rate']}")

    with hret.evaluation_context(dataset="ko-sample", run_name="my_experiment") as ctx:
        ctx.add_mlops_integration(my_integration)
        ctx.metrics_tracker.run_metadata.update({"learning_rate": 3e-4, "batch_size": 32})
        result = ctx.evaluate(strong_model)
        print(f"  accuracy {result.metrics['accuracy']:.3f}, saved to "
              f"{ctx.save_results('experiment_results.json')}")
    with hret.evaluation_context(dataset_name="ko-sample", evaluation_method_name="string_match",
                                 subset=["Korean-History", "Law"], run_name="humss_only") as ctx:
        print(f"  HUMSS subset accuracy {ctx.evaluate(longest_option_model).metrics['accuracy']:.3f}")


def quick_evaluation_example() -> None:
    """Example 5: one-liners."""
    result = hret.quick_eval(strong_model, dataset="ko-sample")
    print(f"  quick_eval accuracy {result.metrics['accuracy']:.3f} "
          f"(95% CI {result.metrics['accuracy_ci_low']:.3f}-{result.metrics['accuracy_ci_high']:.3f})")
    results = hret.compare_models({"baseline": first_option_model, "improved": longest_option_model},
                                  dataset="ko-sample")
    for name, res in results.items():
        print(f"  compare_models {name}: {res.metrics['accuracy']:.3f}")


def concurrency_example() -> None:
    """Example 6: async and batched model functions."""
    async def async_model(input_text: str) -> str:
        await asyncio.sleep(0.001)  # an HTTP call in real life
        return strong_model(input_text)

    @hret.batched(batch_size=16)
    def batched_model(inputs: list[str]) -> list[str]:
        return [strong_model(text) for text in inputs]

    for model in (async_model, batched_model):
        result = hret.quick_eval(model, dataset="ko-sample", max_workers=16)
        print(f"  {result.info['model_kind']:>8}: accuracy {result.metrics['accuracy']:.3f}")


def custom_evaluator_example() -> None:
    """Example 7: a custom evaluator adds metrics over all predictions."""
    def answer_length(predictions: list[str], references: list[str]) -> dict[str, float]:
        return {"mean_answer_chars": sum(map(len, predictions)) / len(predictions)}

    result = hret.quick_eval(strong_model, dataset="ko-sample",
                             evaluator_params={"custom_evaluator": answer_length})
    print(f"  mean answer length {result.metrics['mean_answer_chars']:.1f} chars")


def history_example() -> None:
    """Example 8: the persistent metrics history and run comparison."""
    tracker = hret.MetricsTracker()
    for epoch, accuracy in enumerate((0.61, 0.68, 0.66), start=1):
        tracker.start_run(run_name=f"epoch_{epoch}", epoch=epoch)
        tracker.log_metrics({"accuracy": accuracy})
        tracker.end_run()
    print(f"  tracker best: {tracker.compare_runs('accuracy')['_stats']['best']}")
    print(f"  {len(hret.get_metrics_history())} runs in the history; accuracy across runs: "
          f"{hret.compare_metric('accuracy')['_stats']}")


def main(output_dir: str) -> int:
    hret.load_config(HERE / "hret_config.yaml")
    hret.configure(output_dir=output_dir)
    print("1. @hret.evaluate")
    result = my_model_function()
    print(f"  {result}  passed={result.passed}")
    for check in result.threshold_checks:
        print(f"  {check.describe()}")
    print("2. @hret.benchmark")
    for name, res in model_comparison().items():
        print(f"  {name:>15}: accuracy {res.metrics['accuracy']:.3f} ± "
              f"{1.96 * res.metrics['accuracy_stderr']:.3f}")
    print("3. @hret.track_metrics")
    print(f"  returned {custom_evaluation()}")
    print("4. evaluation_context")
    context_manager_example()
    print("5. quick_eval / compare_models")
    quick_evaluation_example()
    print("6. async and batched models")
    concurrency_example()
    print("7. custom evaluator")
    custom_evaluator_example()
    print("8. metrics history")
    history_example()
    return 0 if result.passed else 1


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="hret-examples-")
    sys.exit(main(target))
