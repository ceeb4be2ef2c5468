"""``EvaluationContext``: one run, any number of evaluations, sinks at the end."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from hret.backends.base import usage_between, usage_of
from hret.capture import active_collector
from hret.config import HRETConfig, get_config
from hret.datasets import Dataset, load_dataset
from hret.engine import EngineOptions, run_samples
from hret.errors import ConfigError, did_you_mean
from hret.methods import Evaluator, get_evaluator
from hret.metrics import aggregate
from hret.models import Model, as_model
from hret.progress import interactive
from hret.prompts import PromptTemplate, as_template, default_template
from hret.provenance import git_commit, versions
from hret.results import EvaluationResult, check_thresholds
from hret.sinks import CallableSink, ResultEvent, RunEnd, RunStart, Sink, emit
from hret.store.recorder import Recorder
from hret.store.tracker import MetricsTracker

#: keyword arguments the context accepts besides its named parameters, with
#: the older spellings the seed API used
ALIASES = {"dataset_name": "dataset", "evaluation_method_name": "evaluation_method",
           "model_name": "model"}
OPTIONS = (
    "dataset", "split", "subset", "limit", "seed", "evaluation_method", "evaluator_params",
    "threshold", "model", "model_backend_name", "model_params", "num_fewshot",
    "prompt_template", "max_workers", "batch_size", "output_dir", "dataset_params",
    "column_map", "max_error_rate", "progress", "cache", "strict_sinks",
)


def normalize_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Map aliases to option names and reject unknown options with a suggestion."""
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in OPTIONS:
            raise ConfigError(
                f"Unknown evaluation option {key!r}.{did_you_mean(key, OPTIONS + tuple(ALIASES))} "
                f"Options: {', '.join(OPTIONS)}."
            )
        if name in options and options[name] is not None and value is not None and options[name] != value:
            raise ConfigError(f"{key!r} and its alias both given ({options[name]!r} vs {value!r}); pass one")
        if value is not None or name not in options:
            options[name] = value
    return options


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


class EvaluationContext:
    """Holds a run's options, its results and its sinks.

    ``with hret.evaluation_context(dataset="ko-sample") as ctx: ctx.evaluate(fn)``.
    Options given here override ``hret.configure``; ``ctx.evaluate`` may
    override them again per call.
    """

    def __init__(self, run_name: str | None = None, **kwargs: Any) -> None:
        self.options = normalize_options(kwargs)
        self.run_name = run_name
        self.run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"
        self.metrics_tracker = MetricsTracker()
        self.results: list[EvaluationResult] = []
        self.sinks: list[Sink] = []
        self.sink_failures: list[str] = []
        self._datasets: dict[tuple[Any, ...], Dataset] = {}
        self._file_stems: set[str] = set()
        self._started = False
        self.config: HRETConfig = get_config()

    # -- options -------------------------------------------------------------
    def option(self, name: str, overrides: Mapping[str, Any] | None = None) -> Any:
        if overrides and overrides.get(name) is not None:
            return overrides[name]
        if self.options.get(name) is not None:
            return self.options[name]
        config = get_config()
        fallback = {
            "dataset": config.default_dataset, "split": config.split, "limit": config.limit,
            "seed": config.seed, "evaluation_method": config.default_evaluation_method,
            "num_fewshot": config.num_fewshot, "max_workers": config.max_workers,
            "batch_size": config.batch_size, "output_dir": config.output_dir,
            "max_error_rate": config.max_error_rate, "progress": config.progress,
            "cache": config.cache, "model": config.default_model,
        }
        return fallback.get(name)

    @property
    def output_dir(self) -> Path:
        return Path(self.option("output_dir"))

    @property
    def run_dir(self) -> Path:
        return self.output_dir / "runs" / f"{_slug(self.run_name or 'run')}-{self.run_id}"

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> EvaluationContext:
        self._start()
        return self

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        dataset = self.option("dataset")
        self.metrics_tracker.start_run(
            run_name=self.run_name,
            dataset=dataset if isinstance(dataset, str) else getattr(dataset, "name", str(dataset)),
            model=self.option("model") or self.option("model_backend_name"),
            run_id=self.run_id,
        )
        self.run_name = self.metrics_tracker.run_metadata["run_name"]
        self._add_configured_sinks()
        self._emit("on_run_start", RunStart(str(self.run_name), dict(self.metrics_tracker.run_metadata)))

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(failed=exc is not None)

    def close(self, failed: bool = False) -> dict[str, Any]:
        """End the run: persist history, save results, hand everything to sinks."""
        self._start()
        if failed:
            self.metrics_tracker.run_metadata["status"] = "failed"
        run_result = self.metrics_tracker.end_run()
        if get_config().auto_save_results and self.results:
            # each result (with its samples) is saved already: the run file points at them
            self.save_results(self.run_dir / "run.json", with_samples=False)
        self._emit("on_run_end", RunEnd(str(self.run_name), run_result, tuple(self.results)))
        return run_result

    def _emit(self, method: str, event: Any) -> None:
        self.sink_failures += emit(self.sinks, method, event, strict=bool(self.option("strict_sinks")))

    def _add_configured_sinks(self) -> None:
        if active_collector() is not None:
            return  # under pytest the controller forwards results to the trackers, once
        config = get_config()
        if config.mlflow_tracking:
            self.log_to_mlflow()
        if config.wandb_tracking:
            self.log_to_wandb()

    # -- integrations ----------------------------------------------------------
    def add_sink(self, sink: Sink) -> Sink:
        self.sinks.append(sink)
        return sink

    def add_mlops_integration(self, integration: Callable[[dict[str, Any], list[EvaluationResult]], Any]) -> None:
        """``integration(run_result, results)`` runs when the context ends."""
        self.add_sink(CallableSink(integration))

    def log_to_mlflow(self, experiment_name: str | None = None, tracking_uri: str | None = None,
                      **params: Any) -> Sink:
        from hret.sinks import mlflow_sink

        return self.add_sink(mlflow_sink(experiment_name=experiment_name,
                                         tracking_uri=tracking_uri, **params))

    def log_to_wandb(self, project_name: str | None = None, **params: Any) -> Sink:
        from hret.sinks import wandb_sink

        return self.add_sink(wandb_sink(project_name=project_name, **params))

    # -- evaluation ----------------------------------------------------------
    def dataset(self, overrides: Mapping[str, Any] | None = None) -> Dataset:
        """The dataset this context (with ``overrides``) selects, loaded once."""
        spec = self.option("dataset", overrides)
        # a Dataset object is keyed by identity: its repr would list every sample
        key = (spec if isinstance(spec, (str, Path)) else id(spec),) + tuple(
            repr(self.option(k, overrides))
            for k in ("split", "subset", "limit", "seed", "dataset_params", "column_map"))
        if key not in self._datasets:
            params = dict(self.option("dataset_params", overrides) or {})
            self._datasets[key] = load_dataset(
                spec, split=self.option("split", overrides), subset=self.option("subset", overrides),
                limit=self.option("limit", overrides), seed=self.option("seed", overrides),
                column_map=self.option("column_map", overrides), **params,
            )
        return self._datasets[key]

    def evaluator(self, overrides: Mapping[str, Any] | None = None) -> Evaluator:
        method = self.option("evaluation_method", overrides) or self.dataset(overrides).default_method
        return get_evaluator(method, self.option("evaluator_params", overrides))

    def prompts(self, dataset: Dataset, overrides: Mapping[str, Any] | None = None
                ) -> tuple[list[Any], PromptTemplate | None]:
        template = as_template(self.option("prompt_template", overrides)) or dataset.prompt
        k = int(self.option("num_fewshot", overrides) or 0)
        seed = int(self.option("seed", overrides) or 0)
        rendered: list[Any] = []
        for sample in dataset.samples:
            if not isinstance(sample.input, str):
                rendered.append([dict(m) for m in sample.input])
                continue
            chosen = template or default_template(sample)
            rendered.append(chosen.render(sample, dataset.fewshot_for(sample, k, seed) if k else ()))
        used = template or (default_template(dataset.samples[0]) if dataset.samples else None)
        return rendered, used

    def evaluate(self, model_function: Any, *, label: str | None = None, **overrides: Any) -> EvaluationResult:
        """Evaluate ``model_function`` (a function, async function, batched
        function or backend) on every sample and return its result."""
        self._start()
        overrides = normalize_options(overrides)
        label = label or overrides.get("model") or self.option("model")
        model = as_model(model_function, label)
        dataset = self.dataset(overrides)
        return self._evaluate_model(model, dataset, overrides)

    def _evaluate_model(self, model: Model, dataset: Dataset, overrides: Mapping[str, Any],
                        rendered: tuple[list[Any], PromptTemplate | None] | None = None,
                        in_benchmark: bool = False) -> EvaluationResult:
        """``rendered``: the dataset's prompts when the caller has them already
        (a benchmark renders them once for all its models)."""
        evaluator = self.evaluator(overrides)
        prompts, template = rendered or self.prompts(dataset, overrides)
        if evaluator.mode == "loglikelihood":
            # the evaluator turns each prompt into (context, continuations) and
            # the model becomes a batched scorer of those requests
            prompts = [evaluator.requests(s, p) for s, p in zip(dataset.samples, prompts, strict=True)]
            model = evaluator.scoring_model(model)
        cache = self.option("cache", overrides)
        if cache:
            from hret.cache import wrap_model

            model = wrap_model(model, cache, prompts)
        progress = self.option("progress", overrides)
        options = EngineOptions(
            max_workers=int(self.option("max_workers", overrides)),
            batch_size=int(self.option("batch_size", overrides)),
            progress=interactive() if progress == "auto" else bool(progress),
        )
        stem = self._file_stem(model.label)
        samples_path = self.run_dir / f"{stem}.samples.jsonl"
        started = time.time()
        clock = time.perf_counter()
        usage_before = usage_of(model)
        with Recorder(samples_path) as recorder:
            records = run_samples(model, dataset.samples, prompts, evaluator, options, recorder)
        duration = time.perf_counter() - clock
        summary = aggregate(records, dataset.samples, evaluator, duration)
        result = EvaluationResult(
            metrics=summary.metrics, samples=records, subsets=summary.subsets,
            categories=summary.categories,
            info=self._info(model, dataset, evaluator, template, overrides, started, samples_path),
        )
        if cache:
            from hret.cache import cache_stats

            result.info["cache"] = cache_stats(model)
        usage = usage_between(usage_before, usage_of(model))
        if usage is not None:  # tokens and requests this evaluation cost the backend
            result.info["usage"] = usage
        thresholds = self.option("threshold", overrides)
        if thresholds:
            result.threshold_checks = check_thresholds(result, thresholds)
        if get_config().auto_save_results:
            result.info["result_path"] = str(result.save_json(self.run_dir / f"{stem}.result.json"))
        self._record(model.label, result, in_benchmark)
        return result

    def _file_stem(self, label: str) -> str:
        """A file name for ``label``'s records that no earlier evaluation of this
        run used: the same label twice must not mix or overwrite records."""
        stem = base = _slug(label)
        count = 1
        while stem in self._file_stems:
            count += 1
            stem = f"{base}-{count}"
        self._file_stems.add(stem)
        return stem

    def _info(self, model: Model, dataset: Dataset, evaluator: Evaluator,
              template: PromptTemplate | None, overrides: Mapping[str, Any], started: float,
              samples_path: Path) -> dict[str, Any]:
        backend = model.backend
        identity = backend.identity() if backend is not None and hasattr(backend, "identity") else None
        return {
            "run_name": self.run_name,
            "run_id": self.run_id,
            "model": model.label,
            "model_kind": model.kind,
            "backend": identity or self.option("model_backend_name", overrides),
            "dataset": dataset.name,
            "split": dataset.split,
            "subsets": list(dataset.subsets),
            "revision": dataset.revision,
            "dataset_info": dataset.info,
            "n_samples": len(dataset),
            "limit": self.option("limit", overrides),
            "seed": self.option("seed", overrides),
            "method": evaluator.describe(),
            "prompt_template": {"name": template.name, "hash": template.hash} if template else None,
            "num_fewshot": int(self.option("num_fewshot", overrides) or 0),
            "headline": f"{evaluator.metric}",
            "max_workers": self.option("max_workers", overrides),
            "batch_size": self.option("batch_size", overrides),
            "metadata": dict(self.metrics_tracker.run_metadata),
            "versions": versions(),
            "git_commit": git_commit(),
            "started_at": started,
            "samples_path": str(samples_path),
        }

    def _record(self, label: str, result: EvaluationResult, in_benchmark: bool) -> None:
        self.results.append(result)
        prefix = f"{label}/" if len(self.results) > 1 or in_benchmark else ""
        self.metrics_tracker.log_metrics({f"{prefix}{k}": v for k, v in result.metrics.items()})
        self._emit("on_result", ResultEvent(str(self.run_name), label, result,
                                             dict(self.metrics_tracker.run_metadata)))
        collector = active_collector()
        if collector is not None:
            collector.add_result(label, result)

    def benchmark(self, model_functions: Mapping[str, Any], **overrides: Any) -> dict[str, EvaluationResult]:
        """Evaluate every model on the same samples; results keyed by model name."""
        if not isinstance(model_functions, Mapping) or not model_functions:
            raise ConfigError(
                f"benchmark needs a non-empty dict of name -> model function; got {model_functions!r}"
            )
        self._start()
        overrides = normalize_options(overrides)
        models = {name: as_model(fn, str(name)) for name, fn in model_functions.items()}
        dataset = self.dataset(overrides)
        rendered = self.prompts(dataset, overrides)
        results = {name: self._evaluate_model(model, dataset, overrides, rendered, in_benchmark=True)
                   for name, model in models.items()}
        from hret.compare import benchmark_comparisons

        for name, comparison in benchmark_comparisons(results).items():
            results[name].info["comparison_to_first"] = comparison
        return results

    def save_results(self, path: str | Path | None = None, with_samples: bool = True) -> str:
        """Write the run's metadata, metrics and every result to one JSON file."""
        from hret.store import write_json_atomic

        target = Path(path) if path else self.run_dir / "run.json"
        if not target.is_absolute() and path and target.parent == Path("."):
            target = self.output_dir / target
        payload = {
            "run_metadata": self.metrics_tracker.run_metadata,
            "metrics": self.metrics_tracker.current_run_metrics,
            "results": [r.to_dict() if with_samples else {**r.to_dict(), "samples": []}
                        for r in self.results],
        }
        return str(write_json_atomic(target, payload))


def evaluation_context(run_name: str | None = None, **kwargs: Any) -> EvaluationContext:
    """``with hret.evaluation_context(dataset=..., run_name=...) as ctx:``."""
    return EvaluationContext(run_name=run_name, **kwargs)


