"""``EvaluationContext``: one run, any number of evaluations, sinks at the end."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from hret import evaluation
from hret.capture import active_collector
from hret.compare import attach_comparisons
from hret.config import get_config
from hret.datasets import Dataset
from hret.errors import ConfigError
from hret.evaluation import Settings
from hret.methods import Evaluator
from hret.models import Model, as_model
from hret.options import normalize_options
from hret.results import EvaluationResult
from hret.sinks import Integrations, Subscribers, configured_sinks
from hret.store.rundir import RunDirectory, new_run_id
from hret.store.runs import write_run
from hret.store.tracker import MetricsTracker


class EvaluationContext(Integrations):
    """Holds a run's options, its results and its sinks (``add_sink``,
    ``log_to_mlflow``, ``log_to_wandb``, ``add_mlops_integration``).

    ``with hret.evaluation_context(dataset="ko-sample") as ctx: ctx.evaluate(fn)``.
    Options given here override ``hret.configure``; ``ctx.evaluate`` may
    override them again per call.
    """

    def __init__(self, run_name: str | None = None, **kwargs: Any) -> None:
        self.options = normalize_options(kwargs)
        self.settings = Settings(self.options)
        self.run_name = run_name
        self.run_id = new_run_id()
        self.metrics_tracker = MetricsTracker()
        self.results: list[EvaluationResult] = []
        self.subscribers = Subscribers(strict=bool(self.settings["strict_sinks"]))
        self.sinks, self.sink_failures = self.subscribers.sinks, self.subscribers.failures
        self._datasets = evaluation.DatasetCache()
        self._run_dir: RunDirectory | None = None
        self._started = False

    def option(self, name: str, overrides: Mapping[str, Any] | None = None) -> Any:
        """The effective value of option ``name`` (with ``overrides`` winning)."""
        return self.settings.over(overrides or {})[name]

    @property
    def run_dir(self) -> Path:
        return self._files().path

    def _files(self) -> RunDirectory:
        """The run's directory, named once the run has its name."""
        self._run_dir = self._run_dir or RunDirectory(self.settings["output_dir"], self.run_name or "run", self.run_id)
        return self._run_dir

    def __enter__(self) -> EvaluationContext:
        return self._start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(failed=exc is not None)

    def _start(self) -> EvaluationContext:
        if self._started:
            return self
        self._started = True
        self.metrics_tracker.start_run(
            run_name=self.run_name, dataset=evaluation.dataset_label(self.settings["dataset"]),
            model=self.settings["model"] or self.settings["model_backend_name"], run_id=self.run_id)
        self.run_name = self.metrics_tracker.run_metadata["run_name"]
        if active_collector() is None:  # under pytest the controller forwards results, once
            self.sinks += configured_sinks()
        self.subscribers.run_start(str(self.run_name), self.metrics_tracker.run_metadata,
                                   {**get_config().to_dict(), **self.settings.values})
        return self

    def close(self, failed: bool = False) -> dict[str, Any]:
        """End the run: persist history, save results, hand everything to sinks."""
        self._start()
        if failed:
            self.metrics_tracker.run_metadata["status"] = "failed"
        run_result = self.metrics_tracker.end_run()
        if get_config().auto_save_results and self.results:
            # each result (with its samples) is saved already: the run file points at them
            self.save_results(self._files().run_file, with_samples=False)
        self.subscribers.run_end(str(self.run_name), run_result, self.results)
        return run_result

    def dataset(self, overrides: Mapping[str, Any] | None = None) -> Dataset:
        """The dataset this context (with ``overrides``) selects, loaded once."""
        return self._datasets.get(self.settings.over(overrides or {}))

    def evaluator(self, overrides: Mapping[str, Any] | None = None) -> Evaluator:
        return evaluation.evaluator_for(self.settings.over(overrides or {}), self.dataset(overrides))

    def evaluate(self, model_function: Any, *, label: str | None = None, **overrides: Any) -> EvaluationResult:
        """Evaluate ``model_function`` (a function, async function, batched
        function or backend) on every sample and return its result."""
        overrides = normalize_options(overrides)
        model = as_model(model_function, label or overrides.get("model") or self.settings["model"])
        return self._run({model.label: model}, overrides, in_benchmark=False)[model.label]

    def benchmark(self, model_functions: Mapping[str, Any], **overrides: Any) -> dict[str, EvaluationResult]:
        """Evaluate every model on the same samples; results keyed by model name."""
        if not isinstance(model_functions, Mapping) or not model_functions:
            raise ConfigError(f"benchmark needs a non-empty dict of name -> model function; got {model_functions!r}")
        models = {name: as_model(fn, str(name)) for name, fn in model_functions.items()}
        return attach_comparisons(self._run(models, normalize_options(overrides), in_benchmark=True))

    def _run(self, models: Mapping[str, Model], overrides: Mapping[str, Any],
             in_benchmark: bool) -> dict[str, EvaluationResult]:
        """Evaluate each model on the same samples and prompts, recording each result."""
        self._start()
        settings = self.settings.over(overrides)
        dataset = self._datasets.get(settings)
        rendered = evaluation.render(dataset, settings)
        run = {"run_name": self.run_name, "run_id": self.run_id, "metadata": self.metrics_tracker.run_metadata}
        return {name: evaluation.evaluate(model, dataset, settings, self._files(), run, rendered,
                                          on_result=partial(self._record, model.label, in_benchmark=in_benchmark))
                for name, model in models.items()}

    def _record(self, label: str, result: EvaluationResult, in_benchmark: bool) -> None:
        """Hand a result to the run's metrics, its sinks and the active collector."""
        self.results.append(result)
        prefix = f"{label}/" if len(self.results) > 1 or in_benchmark else ""
        self.metrics_tracker.log_metrics({f"{prefix}{k}": v for k, v in result.metrics.items()})
        self.subscribers.result(str(self.run_name), label, result, self.metrics_tracker.run_metadata)
        if (collector := active_collector()) is not None:
            collector.add_result(label, result)

    def save_results(self, path: str | Path | None = None, with_samples: bool = True) -> str:
        """Write the run's metadata, metrics and every result to one JSON file
        (a bare file name goes under ``output_dir``)."""
        target = Path(path) if path else self._files().run_file
        target = Path(self.settings["output_dir"]) / target if target.parent == Path(".") else target
        tracker = self.metrics_tracker
        return str(write_run(target, tracker.run_metadata, tracker.current_run_metrics,
                             [r.to_dict(samples=with_samples) for r in self.results], with_samples))


def evaluation_context(run_name: str | None = None, **kwargs: Any) -> EvaluationContext:
    """``with hret.evaluation_context(dataset=..., run_name=...) as ctx:``."""
    return EvaluationContext(run_name=run_name, **kwargs)
