"""One evaluation: dataset -> prompts -> engine -> scoring -> aggregate ->
``EvaluationResult``, from options already resolved.

``Settings`` answers "what is option X for this evaluation": the explicit
value when one was given, else ``hret.configure``'s, else the default.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hret.config import fallback
from hret.datasets import Dataset, load_dataset
from hret.datasets.fewshot import FEWSHOT_SEED
from hret.errors import ConfigError
from hret.methods import Evaluator, get_evaluator
from hret.metrics import aggregate, check_threshold_names
from hret.models import Model, chat_template_info, with_generation
from hret.prompts import PromptTemplate, RenderedPrompts, as_template, default_template
from hret.results import EvaluationResult, check_thresholds
from hret.sample import Sample
from hret.store.rundir import RunDirectory

#: the prompts of a dataset's samples and the template that made them
Rendered = tuple[Sequence[Any], PromptTemplate | None]
#: options that select the samples of a dataset
DATASET_OPTIONS = ("split", "subset", "limit", "seed", "dataset_params", "column_map")


class Settings:
    """Explicit option values (None: not set) over the configuration's."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {k: v for k, v in values.items() if v is not None}

    def __getitem__(self, name: str) -> Any:
        value = self.values.get(name)
        return fallback(name) if value is None else value

    def over(self, overrides: Mapping[str, Any]) -> Settings:
        """These settings with ``overrides`` (not None) winning."""
        return Settings({**self.values, **{k: v for k, v in overrides.items() if v is not None}})

    def dataset_key(self) -> tuple[Any, ...]:
        """What identifies the samples these settings select."""
        spec = self["dataset"]
        # a Dataset object is keyed by identity: its repr would list every sample
        return (spec if isinstance(spec, (str, Path)) else id(spec),) + tuple(
            repr(self[k]) for k in (*DATASET_OPTIONS, "prompt"))


def dataset_label(spec: Any) -> str:
    """A dataset option as a name for run metadata: never ``str()`` of a
    ``Dataset``, whose repr lists every sample."""
    return spec if isinstance(spec, str) else getattr(spec, "name", None) or type(spec).__name__


def load(settings: Settings) -> Dataset:
    """The dataset the settings select, with the prompt named by ``prompt``
    (None: the dataset's default, a benchmark's reference prompt)."""
    params = dict(settings["dataset_params"] or {})
    if "seed" in params:
        raise ConfigError(
            f"dataset_params={{'seed': {params['seed']!r}}}: seed is an option of its own; "
            f"pass seed={params['seed']!r} beside dataset_params instead"
        )
    # an option of its own may also come inside dataset_params (as hret run's
    # --dataset-param column_map=... gives it): once is fine, twice must agree
    named = {key: settings[key] for key in ("split", "subset", "limit", "column_map")}
    for key, given in named.items():
        if key in params:
            inner = params.pop(key)
            if given is not None and given != inner:
                raise ConfigError(
                    f"{key} is given twice, {key}={given!r} and dataset_params={{{key!r}: "
                    f"{inner!r}}}; give it once"
                )
            named[key] = inner
    return load_dataset(settings["dataset"], seed=settings["seed"], **named, **params
                        ).select_prompt(settings["prompt"])


class DatasetCache:
    """Datasets loaded once per selection: a context evaluates many models, and
    its fixtures ask again, on the same samples."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Any, ...], Dataset] = {}

    def get(self, settings: Settings) -> Dataset:
        key = settings.dataset_key()
        if key not in self._loaded:
            self._loaded[key] = load(settings)
        return self._loaded[key]


def evaluator_for(settings: Settings, dataset: Dataset, model: Model | None = None) -> Evaluator:
    """The method the settings name, else the dataset's own for this model (the
    reference's log-likelihood scoring when the model can score log-likelihoods;
    without a model, the method for one that only generates)."""
    method, params = settings["evaluation_method"], settings["evaluator_params"]
    if method is None:  # the dataset's own method, with its settings under the user's
        method, own = dataset.method_for(model is not None and scores_likelihood(model))
        params = {**own, **(params or {})}
    return get_evaluator(method, params)


def scores_likelihood(model: Model) -> bool:
    """Whether ``model`` is a backend that scores log-likelihoods (and says it can
    on its server: ``scores_by_default``)."""
    backend = model.backend
    return callable(getattr(backend, "loglikelihood", None)) and bool(getattr(backend, "scores_by_default", True))


def render(dataset: Dataset, settings: Settings) -> Rendered:
    """Every sample's prompt, with its few-shot examples, rendered when read."""
    # the prompt named by the ``prompt`` option is the dataset's already (``load``)
    template = as_template(settings["prompt_template"]) or dataset.prompt
    k = int(settings["num_fewshot"] or 0)
    seed = int(settings["seed"] or 0)
    # drawn for all samples at once: a reference sampler draws in document order
    draws = dict(zip((s.id for s in dataset.samples), dataset.fewshots(k, seed), strict=True)) if k else {}

    def fewshot(sample: Sample) -> list[Sample]:
        return draws[sample.id]

    rendered = RenderedPrompts(dataset.samples, template, fewshot if k else None)
    if len(rendered):
        rendered[0]  # a template or few-shot problem shows before any model call
    used = template or (default_template(dataset.samples[0]) if dataset.samples else None)
    return rendered, used


def evaluate(model: Model, dataset: Dataset, settings: Settings, run_dir: RunDirectory,
             run: Mapping[str, Any], rendered: Rendered | None = None,
             on_result: Callable[[EvaluationResult], Any] | None = None) -> EvaluationResult:
    """Run ``model`` on every sample of ``dataset`` and score it. ``run`` is the
    run's identity (``run_name``, ``run_id``, ``metadata``) for provenance;
    ``rendered``: the prompts when the caller has them already (a benchmark
    renders them once for all its models). ``on_result`` receives the result,
    also one whose scoring or checks failed after the samples ran (then the
    error is raised after it, and ``info["failure"]`` says what failed)."""
    from hret.backends.base import usage_between, usage_of
    from hret.engine import EngineOptions, run_samples
    from hret.metrics import Tally
    from hret.store.recorder import Recorder

    evaluator = evaluator_for(settings, dataset, model)
    check_threshold_names(settings["threshold"], evaluator)  # a typo fails before any model call
    prompts, template = rendered or render(dataset, settings)
    if evaluator.mode == "loglikelihood":
        # the evaluator turns each prompt into (context, continuations) and
        # the model becomes a batched scorer of those requests
        prompts = [evaluator.requests(s, p, template)
                   for s, p in zip(dataset.samples, prompts, strict=True)]
        model = evaluator.scoring_model(model)
    else:  # a reference task's stop strings and length
        model = with_generation(model, getattr(template, "generation", None))
    cache = settings["cache"]
    if cache:
        from hret.cache import wrap_model

        model = wrap_model(model, cache, prompts)
    options = EngineOptions(max_workers=int(settings["max_workers"]), batch_size=int(settings["batch_size"]),
                            timeout=settings["timeout"], **progress_options(settings["progress"]))
    stem = run_dir.stem(model.label)
    samples_path = run_dir.samples_path(stem)
    started = time.time()
    clock = time.perf_counter()
    usage_before = usage_of(model)
    # records stream to disk; only what the statistics need stays in memory
    tally = Tally(evaluator.mode == "generate")
    with Recorder(samples_path, size=len(dataset.samples)) as recorder:
        outcome = run_samples(model, dataset.samples, prompts, evaluator, options, recorder, tally.add)
    duration = time.perf_counter() - clock
    info = provenance(model, dataset, evaluator, template, settings, run, started, samples_path)
    # from here on the samples have run: whatever fails, the result is saved first
    failure: Exception | None = None
    try:
        summary = aggregate(outcome.records, dataset.samples, evaluator, duration, tally)
    except Exception as exc:
        failure, summary = exc, aggregate(outcome.records, dataset.samples, Evaluator(), duration, tally)
    result = EvaluationResult(metrics=summary.metrics, samples=outcome.records, subsets=summary.subsets,
                              categories=summary.categories, info=info)
    declared = dataset.info.get("headline")
    if declared and declared in result.metrics:  # the benchmark's own headline, e.g. KMMLU's macro
        info["headline"] = declared
    if options.timeout is not None or outcome.timed_out:
        info["timeouts"] = {"timeout_s": options.timeout, "timed_out": outcome.timed_out,
                            "abandoned_threads": outcome.abandoned}
    if outcome.escaped:
        info["escaped_records"] = outcome.escaped
    if cache:
        from hret.cache import cache_stats

        info["cache"] = cache_stats(model)
    usage = usage_between(usage_before, usage_of(model))
    if usage is not None:  # tokens and requests this evaluation cost the backend
        info["usage"] = usage
    if settings["threshold"] and failure is None:
        try:
            result.threshold_checks = check_thresholds(result, settings["threshold"], settings["threshold_sources"])
        except Exception as exc:
            failure = exc
    if failure is not None:
        info["failure"] = f"{type(failure).__name__}: {failure}"
    if settings["auto_save_results"]:
        info["result_path"] = str(result.save_json(run_dir.result_path(stem)))
    if on_result is not None:
        on_result(result)
    if failure is not None:
        raise failure
    return result


def progress_options(progress: bool | str) -> dict[str, Any]:
    """Whether and where progress shows: under pytest through the collector's
    writer (none when quiet), elsewhere on stderr; ``progress=True`` forces it."""
    from hret.capture import active_collector
    from hret.progress import QUIET_START

    collector = active_collector()
    writer = getattr(collector, "progress_writer", None) if collector is not None else None
    enabled = progress is True or (progress == "auto" and (collector is None or writer is not None))
    return {"progress": enabled, "progress_writer": writer,
            "progress_quiet_start": 0.0 if progress is True else QUIET_START}


def fewshot_info(dataset: Dataset, k: int) -> dict[str, Any] | None:
    """Where an evaluation's few-shot examples came from and how they were drawn."""
    if k <= 0:
        return None
    return {"split": dataset.info.get("fewshot_split"),
            "from_scored_split": dataset.fewshot_same_split,
            "sampler": dataset.fewshot_sampler or "hret",
            "seed": FEWSHOT_SEED if dataset.fewshot_sampler else None}


def reference_of(template: PromptTemplate | None, dataset: Dataset, evaluator: Evaluator,
                 ) -> dict[str, Any]:
    """The reference this evaluation reproduces (``reference``), or a note on why
    its number is not the reference's: generating where the reference only
    scores log-likelihoods."""
    reference = getattr(template, "reference", None) or None
    if (reference and dataset.likelihood_method_params is not None and evaluator.mode != "loglikelihood"
            and not dataset.info.get("generative_reference")):
        return {"reference": None, "reference_note": (
            f"{reference} scores by log-likelihood only; this evaluation generates "
            f"({evaluator.name}), so its number is hret's own. A backend with loglikelihood "
            "(e.g. 'huggingface') is scored as the reference is, by default")}
    return {"reference": reference}


def provenance(model: Model, dataset: Dataset, evaluator: Evaluator, template: PromptTemplate | None,
               settings: Settings, run: Mapping[str, Any], started: float,
               samples_path: Path) -> dict[str, Any]:
    """What produced a result: run, model, data, method, prompt, versions, timing."""
    from hret.provenance import git_commit, versions

    backend = model.backend
    identity = backend.identity() if backend is not None and hasattr(backend, "identity") else None
    return {
        "run_name": run.get("run_name"),
        "run_id": run.get("run_id"),
        "model": model.label,
        "model_kind": model.kind,
        "backend": identity or settings["model_backend_name"],
        "dataset": dataset.name,
        "split": dataset.split,
        "subsets": list(dataset.subsets),
        "revision": dataset.revision,
        "dataset_info": dataset.info,
        "n_samples": len(dataset),
        "limit": settings["limit"],
        "seed": settings["seed"],
        "method": evaluator.describe(),
        "prompt_template": {"name": template.name, "hash": template.hash} if template else None,
        **reference_of(template, dataset, evaluator),
        "num_fewshot": int(settings["num_fewshot"] or 0),
        "fewshot": fewshot_info(dataset, int(settings["num_fewshot"] or 0)),
        "chat_template": chat_template_info(model, evaluator.mode, bool(getattr(template, "plain_text", False))),
        "headline": f"{evaluator.metric}",
        "max_workers": settings["max_workers"],
        "max_error_rate": settings["max_error_rate"],
        "batch_size": settings["batch_size"],
        "metadata": dict(run.get("metadata") or {}),
        "versions": versions(),
        "git_commit": git_commit(),
        "started_at": started,
        "samples_path": str(samples_path),
    }
