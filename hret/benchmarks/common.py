"""What every hub benchmark shares: its description and the one loading routine."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hret.benchmarks.hub import HubData, Request, read_split, resolve_source
from hret.datasets import Dataset
from hret.errors import DatasetError, did_you_mean
from hret.prompts.reference import BenchmarkPrompt, choose
from hret.sample import Sample

#: parameters every hub benchmark accepts through ``dataset_params``
COMMON_PARAMS = ("data_dir", "revision", "cache_dir", "chat")


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
    prompt: BenchmarkPrompt | None = None
    default_method: str = "string_match"
    headline: str = "accuracy"
    info: Mapping[str, Any] = field(default_factory=dict)


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
    subsets and, from the few-shot split, the examples prompts may show."""
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
    if shots_from is not None:
        requests += [(c, shots_from) for c in configs]
    source = resolve_source(bench.name, bench.hub, requests, data_dir=params.get("data_dir"),
                            revision=params.get("revision"), cache_dir=params.get("cache_dir"))

    def samples(of_split: str) -> tuple[Sample, ...]:
        return tuple(s for c in configs for s in bench.convert(
            read_split(source, bench.hub, c, of_split), name=bench.name, config=c, split=of_split))

    dataset = Dataset(
        name=bench.name,
        samples=samples(split),
        split=split,
        revision=source.revision,
        fewshot_pool=samples(shots_from) if shots_from else (),
        default_method=bench.default_method,
        prompt=choose(bench.prompt, bool(params.get("chat"))) if bench.prompt else None,
        info={
            "source": source.describe(bench.hub),
            "repo": bench.hub.repo,
            "configs": [c for c in configs if c is not None],
            "headline": bench.headline,
            "fewshot_split": shots_from,
            **bench.info,
        },
    )
    return dataset if bench.configs else dataset.select_subsets(subset)


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
