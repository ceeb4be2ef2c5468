"""Dataset registry and ``load_dataset``: registered names, local files, objects."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from hret.datasets.base import Dataset
from hret.datasets.files import FILE_SUFFIXES, read_rows, samples_from_rows
from hret.datasets.store import collect
from hret.errors import DatasetError, UnknownNameError
from hret.registry import Registry

__all__ = ["DATASETS", "Dataset", "DatasetLoader", "load_dataset", "looks_like_file", "register_dataset"]


class DatasetLoader(Protocol):
    def __call__(self, *, split: str | None, subset: str | Sequence[str] | None,
                 **params: Any) -> Dataset: ...


DATASETS: Registry[DatasetLoader] = Registry("dataset", "hret.datasets")


def register_dataset(name: str) -> Callable[[DatasetLoader], DatasetLoader]:
    """Decorator registering a dataset loader under ``name``."""
    return DATASETS.decorator(name)


def load_dataset(
    spec: str | Path | Dataset,
    *,
    split: str | None = None,
    subset: str | Sequence[str] | None = None,
    limit: int | None = None,
    seed: int = 0,
    column_map: Mapping[str, str] | None = None,
    **params: Any,
) -> Dataset:
    """Resolve ``spec`` (registered name, file path or ``Dataset``) into samples.

    ``limit`` takes a seeded, stratified subsample; an empty result is an error.
    """
    if isinstance(spec, Dataset):
        dataset = spec.select_subsets(subset)
    elif isinstance(spec, Path) or looks_like_file(spec):
        dataset = load_file(Path(spec), split=split or "test", column_map=column_map, **params)
        dataset = dataset.select_subsets(subset)
    elif isinstance(spec, str):
        if spec.startswith("hf:"):  # any hub dataset: hf:<owner>/<name>
            spec, params["path"] = "hf", spec[3:]
        try:
            loader = DATASETS.get(spec)
        except UnknownNameError as exc:
            raise UnknownNameError(
                f"{exc} A local .jsonl/.csv/.parquet path or a hret.Dataset also works."
            ) from None
        if column_map is not None:
            params["column_map"] = column_map
        dataset = loader(split=split, subset=subset, **params)
    else:
        raise DatasetError(
            f"dataset={spec!r} is a {type(spec).__name__}; expected a registered name, "
            "a file path or a hret.Dataset"
        )
    dataset = dataset.subsample(limit, seed)
    dataset.require_samples()
    return dataset


def looks_like_file(spec: object) -> bool:
    return isinstance(spec, str) and (spec.lower().endswith(FILE_SUFFIXES) or "/" in spec
                                      and not spec.startswith("hf:") and Path(spec).exists())


def load_file(path: Path, *, split: str, column_map: Mapping[str, str] | None = None,
              encoding: str | None = None, **params: Any) -> Dataset:
    """A local data file as a dataset; ``encoding`` for text files not in UTF-8."""
    if params:
        raise DatasetError(
            f"dataset file {str(path)!r} takes no parameters {sorted(params)}; the one it takes "
            "is encoding (e.g. dataset_params={'encoding': 'cp949'})"
        )
    if not path.exists():
        raise DatasetError(f"Dataset file {str(path)!r} does not exist; check the path")
    rows = read_rows(path, encoding)
    samples = samples_from_rows(rows, name=path.stem, split=split, source=str(path),
                                column_map=column_map)
    return Dataset(name=path.stem, samples=collect(samples), split=split,
                   info={"source": str(path.resolve())})


KO_SAMPLE_SPLITS = ("test", "dev")


@register_dataset("ko-sample")
def load_ko_sample(*, split: str | None = None, subset: str | Sequence[str] | None = None,
                   num_fewshot: int = 0, **params: Any) -> Dataset:
    """The bundled Korean multiple-choice sample (KMMLU schema, original items)."""
    split = split or "test"
    if split not in KO_SAMPLE_SPLITS:
        raise DatasetError(
            f"ko-sample has no split {split!r}; splits: {', '.join(KO_SAMPLE_SPLITS)}"
        )
    if params:
        raise DatasetError(f"ko-sample takes no parameters {sorted(params)}")
    evaluated = _ko_sample_split(split)
    pool = _ko_sample_split("dev") if split != "dev" else ()
    return Dataset(
        name="ko-sample", samples=evaluated, split=split, fewshot_pool=pool,
        info={"source": "hret bundled sample", "fewshot_split": "dev"},
    ).select_subsets(subset)


@functools.cache  # package data never changes; samples are frozen
def _ko_sample_split(split: str) -> tuple[Any, ...]:
    from importlib import resources

    source = resources.files("hret") / "data" / "ko_sample" / f"{split}.jsonl"
    with resources.as_file(source) as path:
        rows = read_rows(path)
    return tuple(samples_from_rows(rows, name="ko-sample", split=split, source=f"ko-sample/{split}"))
