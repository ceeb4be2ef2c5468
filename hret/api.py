"""Decorators and convenience functions of the public API."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hret.capture import active_collector
from hret.context import EvaluationContext
from hret.options import normalize_options
from hret.results import EvaluationResult
from hret.store.tracker import MetricsTracker

SPEC_ATTR = "__hret_spec__"


@dataclass(frozen=True)
class Spec:
    """What a decorator declared: read by the pytest plugin through ``get_spec``."""

    kind: Literal["evaluate", "benchmark"]
    func: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)
    #: ``@hret.benchmark(models=[...])``: the names kept from what the function returns
    models: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return str(getattr(self.func, "__name__", "model"))


def get_spec(obj: Any) -> Spec | None:
    """The hret spec of a decorated function, or None."""
    spec = getattr(obj, SPEC_ATTR, None)
    return spec if isinstance(spec, Spec) else None


def run_spec(spec: Spec, model: Any = None, /, run_name: str | None = None,
             **overrides: Any) -> EvaluationResult | dict[str, EvaluationResult]:
    """Run what a spec declares. ``model`` replaces the decorated function (the
    plugin passes it with fixtures bound; positional, so that ``model=`` stays the
    label option); ``overrides`` win over the decorator."""
    options = {**spec.options, **{k: v for k, v in overrides.items() if v is not None}}
    with EvaluationContext(run_name=run_name or f"{spec.kind}_{spec.name}", **options) as ctx:
        if spec.kind == "evaluate":
            return ctx.evaluate(model if model is not None else spec.func,
                                label=options.get("model") or spec.name)
        models = select_models(model if model is not None else spec.func(), spec.models)
        return ctx.benchmark(models)


def evaluate(dataset: Any = None, model: str | None = None, evaluation_method: str | None = None,
             threshold: Mapping[str, float] | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a model function to evaluate.

    Calling the decorated function with no arguments runs the evaluation and
    returns an ``EvaluationResult``; with arguments it is the model function
    itself. ``model=`` is the model's label in results.
    """
    options = normalize_options({"dataset": dataset, "model": model,
                                 "evaluation_method": evaluation_method,
                                 "threshold": threshold, **kwargs})
    check_declared_thresholds(options)

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **call_kwargs: Any) -> Any:
            if args or call_kwargs:
                return func(*args, **call_kwargs)
            return run_spec(spec)

        spec = Spec("evaluate", func, {k: v for k, v in options.items() if v is not None})
        setattr(wrapper, SPEC_ATTR, spec)
        return wrapper

    return decorate


def check_declared_thresholds(options: Mapping[str, Any]) -> None:
    """Threshold names checked when a decorator names its method, not after
    the run: a typo must not cost a long evaluation."""
    from hret.errors import ConfigError
    from hret.methods import get_evaluator
    from hret.metrics import check_threshold_names

    if not options.get("threshold") or not options.get("evaluation_method"):
        return  # the dataset decides the method; checked when the evaluation starts
    try:
        evaluator = get_evaluator(options["evaluation_method"], options.get("evaluator_params"))
    except ConfigError:
        return  # the method needs what only the run has (e.g. a judge model)
    check_threshold_names(options["threshold"], evaluator)


def benchmark(dataset: Any = None, models: list[str] | None = None,
              threshold: Mapping[str, float] | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a function returning ``{name: model_function}``; calling the
    decorated function evaluates every model on the same samples and returns
    ``dict[str, EvaluationResult]``. ``models=`` keeps only those names."""
    options = normalize_options({"dataset": dataset, "threshold": threshold, **kwargs})

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **call_kwargs: Any) -> dict[str, EvaluationResult]:
            result = run_spec(spec, func(*args, **call_kwargs))
            assert isinstance(result, dict)
            return result

        spec = Spec("benchmark", func, {k: v for k, v in options.items() if v is not None},
                    tuple(models) if models is not None else None)
        setattr(wrapper, SPEC_ATTR, spec)
        return wrapper

    return decorate


def select_models(found: Any, names: Sequence[str] | None) -> dict[str, Any]:
    from hret.errors import ConfigError

    if not isinstance(found, Mapping) or not found:
        raise ConfigError(
            f"a @hret.benchmark function must return a non-empty dict of name -> model function; "
            f"it returned {type(found).__name__}"
        )
    if names is None:
        return dict(found)
    missing = [n for n in names if n not in found]
    if missing:
        raise ConfigError(f"models={missing} not returned by the benchmark function; it returned {sorted(found)}")
    return {n: found[n] for n in names}


def track_metrics(metrics: list[str]) -> Callable[[Callable[..., Any]], Any]:
    """Record the named metrics of the dict the function returns in the metrics
    history (and the active pytest report); the return value is unchanged."""
    names = list(metrics)

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            value = func(*args, **kwargs)
            if isinstance(value, Mapping):
                tracked = {k: value[k] for k in names if k in value}
                tracker = MetricsTracker()
                tracker.start_run(run_name=f"track_{func.__name__}", source="track_metrics")
                tracker.run_metadata["start_time"] = start
                tracker.log_metrics(tracked)
                tracker.end_run()
                collector = active_collector()
                if collector is not None:
                    collector.add_tracked(func.__name__, tracked)
            return value

        return wrapper

    return decorate


def quick_eval(model_function: Any, dataset: Any = None, **kwargs: Any) -> EvaluationResult:
    """Evaluate one model function on ``dataset`` and return its result."""
    if not isinstance(model_function, str):
        with EvaluationContext(run_name=kwargs.pop("run_name", None), dataset=dataset, **kwargs) as ctx:
            return ctx.evaluate(model_function)
    from hret.backends.registry import close_backend, create_backend

    backend = create_backend(model_function, **(kwargs.pop("model_params", None) or {}))
    try:  # a backend made here is closed here: its clients and threads go with it
        return quick_eval(backend, dataset, **kwargs)
    finally:
        close_backend(backend)


def compare_models(model_functions: Mapping[str, Any], dataset: Any = None,
                   **kwargs: Any) -> dict[str, EvaluationResult]:
    """Evaluate several models on the same samples."""
    with EvaluationContext(run_name=kwargs.pop("run_name", None), dataset=dataset, **kwargs) as ctx:
        return ctx.benchmark(model_functions)
