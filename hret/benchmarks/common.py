"""What every hub benchmark shares: its description and the one loading routine."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from hret.benchmarks.harness import HarnessPrompt
from hret.benchmarks.hub import HubData, Request, read_split, resolve_source, split_files
from hret.datasets import Dataset
from hret.datasets.base import PromptAlternative
from hret.datasets.store import collect
from hret.errors import DatasetError, did_you_mean
from hret.prompts.reference import BenchmarkPrompt, choose
from hret.sample import Sample

#: parameters every hub benchmark accepts through ``dataset_params``
COMMON_PARAMS = ("data_dir", "revision", "cache_dir", "chat", "fewshot_from_scored_split")


class Converter(Protocol):
    def __call__(self, rows: list[dict[str, Any]], *, name: str, config: str | None,
                 split: str) -> list[Sample]: ...


@dataclass(frozen=True)
class Benchmark:
    """A benchmark on the hub: its configs (the subsets), splits, the split it is
    evaluated on, the split few-shot examples come from and how rows become samples."""

    name: str
    hub: HubData
    configs: tuple[str, ...]
    splits: tuple[str, ...]
    eval_split: str
    convert: Converter
    fewshot_split: str | None = None
    #: hret's instruction-style prompt, named ``instruct``
    prompt: BenchmarkPrompt | None = None
    default_method: str = "string_match"
    headline: str = "accuracy"
    info: Mapping[str, Any] = field(default_factory=dict)
    #: the default prompt: the reference task's, with its method and few-shot sampler
    reference: HarnessPrompt | None = None
    reference_method: str | None = None
    reference_method_params: Mapping[str, Any] = field(default_factory=dict)
    #: the reference task scores by log-likelihood (with these ``log_likelihood``
    #: settings): a model that can score log-likelihoods is scored so by default
    reference_likelihood: Mapping[str, Any] | None = None
    sampler: str = "lm-eval"
    #: the reference draws few-shot examples from the scored split (a known flaw):
    #: reproduced only with ``dataset_params={"fewshot_from_scored_split": True}``
    scored_split_fewshot: bool = False


def subset_key(name: str) -> str:
    """``Korean-History``, ``korean_history`` and ``korean history`` are one subset."""
    return re.sub(r"[\s_-]+", "-", name.strip().casefold())


def pick(kind: str, name: str, wanted: str | Sequence[str] | None,
         known: Sequence[str]) -> list[str]:
    """The entries of ``known`` named by ``wanted`` (one name or a list; None: all)."""
    if wanted is None:
        return list(known)
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    by_key = {subset_key(k): k for k in known}
    chosen: list[str] = []
    for item in names:
        match = by_key.get(subset_key(str(item)))
        if match is None:
            raise DatasetError(
                f"Dataset {name!r} has no {kind} {item!r}.{did_you_mean(str(item), known)} "
                f"{kind.capitalize()}s: {', '.join(known)}."
            )
        if match not in chosen:
            chosen.append(match)
    return chosen


def check_params(name: str, params: Mapping[str, Any], accepted: Sequence[str] = ()) -> None:
    unknown = sorted(set(params) - set(COMMON_PARAMS) - set(accepted))
    if unknown:
        allowed = ", ".join(sorted({*COMMON_PARAMS, *accepted}))
        raise DatasetError(
            f"Dataset {name!r} does not take dataset_params {unknown}; it takes: {allowed}"
        )


def load_benchmark(bench: Benchmark, *, split: str | None, subset: str | Sequence[str] | None,
                   **params: Any) -> Dataset:
    """Load ``bench`` through ``datasets``: the evaluated split of the chosen
    subsets and, from the few-shot split, the examples prompts may show (when a
    local copy lacks that split, zero-shot runs still work)."""
    from_scored = bool(params.pop("fewshot_from_scored_split", False))
    if from_scored and not bench.scored_split_fewshot:
        raise DatasetError(
            f"Dataset {bench.name!r} does not take fewshot_from_scored_split: its few-shot "
            f"examples come from its {bench.fewshot_split!r} split"
        )
    check_params(bench.name, params)
    if params.get("chat") and bench.prompt is None:
        raise DatasetError(
            f"Dataset {bench.name!r} uses hret's default prompt, which has no chat form; "
            "drop dataset_params={'chat': True}"
        )
    split = split or bench.eval_split
    if split not in bench.splits:
        raise DatasetError(
            f"Dataset {bench.name!r} has no split {split!r}.{did_you_mean(split, bench.splits)} "
            f"Splits: {', '.join(bench.splits)} (evaluated on {bench.eval_split!r})."
        )
    configs: list[str | None] = list(pick("subset", bench.name, subset, bench.configs)) \
        if bench.configs else [None]
    shots_from = bench.fewshot_split if bench.fewshot_split not in (None, split) else None
    requests: list[Request] = [(c, split) for c in configs]
    shot_requests: list[Request] = [(c, shots_from) for c in configs] if shots_from else []
    data_dir = params.get("data_dir")
    if data_dir is not None and shot_requests and not all(
            split_files(Path(data_dir).expanduser(), bench.hub, *r) for r in shot_requests):
        shots_from, shot_requests = None, []  # a copy without the few-shot split: zero-shot only
    source = resolve_source(bench.name, bench.hub, requests + shot_requests, data_dir=data_dir,
                            revision=params.get("revision"), cache_dir=params.get("cache_dir"))

    def samples(of_split: str) -> Sequence[Sample]:
        return collect(s for c in configs for s in bench.convert(
            read_split(source, bench.hub, c, of_split), name=bench.name, config=c, split=of_split))

    scored = samples(split)
    instruct = choose(bench.prompt, bool(params.get("chat"))) if bench.prompt else None
    # no instruction prompt of its own: hret's generic one (None) is the alternative
    alternatives = ({"instruct": PromptAlternative(instruct, bench.default_method)}
                    if instruct or bench.reference else {})
    use_reference = bench.reference is not None and not params.get("chat")
    reference = bench.reference if use_reference else None
    dataset = Dataset(
        name=bench.name,
        samples=scored,
        split=split,
        revision=source.revision,
        fewshot_pool=scored if from_scored else samples(shots_from) if shots_from else (),
        default_method=(bench.reference_method or bench.default_method) if use_reference
        else bench.default_method,
        default_method_params=dict(bench.reference_method_params) if use_reference else {},
        likelihood_method_params=(dict(bench.reference_likelihood)
                                  if use_reference and bench.reference_likelihood is not None else None),
        prompt=reference or instruct,
        prompts=alternatives,
        fewshot_sampler=bench.sampler if use_reference else None,
        fewshot_same_split=from_scored,
        population=scored,
        info={
            "source": source.describe(bench.hub),
            "repo": bench.hub.repo,
            "configs": [c for c in configs if c is not None],
            "headline": bench.headline,
            "fewshot_split": split if from_scored else shots_from,
            "prompt": "default" if use_reference else "instruct",
            **bench.info,
            **({"reference": reference.reference} if reference else {}),
            # the reference scores by log-likelihood: is there a generative reference too?
            **({"generative_reference": bench.reference_method is not None}
               if reference and bench.reference_likelihood is not None else {}),
        },
    )
    return dataset if bench.configs else dataset.select_subsets(subset)


def with_rows(samples: Iterable[Sample], rows: Sequence[Mapping[str, Any]]) -> list[Sample]:
    """``samples`` keeping their rows as read (``metadata["row"]``), for the
    reference prompts, which print cells exactly as the files hold them."""
    return [replace(s, metadata={**s.metadata, "row": dict(row)})
            for s, row in zip(samples, rows, strict=True)]


def scalars(row: Mapping[str, Any], skip: Sequence[str] = ()) -> dict[str, Any]:
    """The row's plain values (str, number, bool, None) for ``Sample.metadata``."""
    return {k: v for k, v in row.items() if k not in skip
            and (v is None or isinstance(v, (str, int, float, bool)))}


def text(value: Any) -> str:
    """A cell as text: None (a missing cell) becomes ""."""
    return "" if value is None else str(value).strip()


def listed(value: Any) -> tuple[str, ...]:
    """An options cell as a tuple: a list, a Python-literal list or ``a|b|c``."""
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value)
    raw = str(value).strip()
    if raw.startswith("["):
        import ast

        try:
            parsed = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, (list, tuple)):
            return tuple(str(v).strip() for v in parsed)
    return tuple(part.strip() for part in raw.split("|"))
