"""Any dataset on the hub, through a column mapping: the ``hf`` loader.

``load_dataset("hf", path="owner/name", column_map={"input": "question",
"reference": "answer"})``: ``subset`` names hub configs, ``split`` defaults to
``test``, ``fewshot_split`` names the split few-shot examples come from and
``answer_base=0`` reads 0-based option indices.
Offline, the same rules as for the built-in benchmarks apply; a ``data_dir``
is read as ``datasets`` reads a local copy of a hub repository (its README's
configs, or the usual ``data/<split>-*`` layout).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hret.benchmarks.common import check_params
from hret.benchmarks.hub import HUB, HubData, Request, read_dir, read_split, resolve_source
from hret.datasets import Dataset
from hret.datasets.files import MAPPING_KEYS, mapped_samples
from hret.datasets.store import collect
from hret.errors import DatasetError
from hret.registry import requires
from hret.sample import Sample


@requires(HUB)
def load_hf(*, split: str | None = None, subset: str | Sequence[str] | None = None,
            path: str | None = None, column_map: Mapping[str, str] | None = None,
            fewshot_split: str | None = None, answer_base: int = 1, **params: Any) -> Dataset:
    """A hub dataset ``path`` (``owner/name``) read through ``column_map``;
    ``answer_base=0`` when the answer column holds 0-based option indices."""
    check_params("hf", params)
    if params.get("chat"):
        raise DatasetError("hf datasets use hret's default prompt, which has no chat form; "
                           "drop dataset_params={'chat': True}")
    if answer_base not in (0, 1):
        raise DatasetError(f"hf answer_base={answer_base!r}; expected 0 or 1 (the first option's index)")
    if not path or path.count("/") != 1:
        raise DatasetError(
            f"hf dataset path={path!r}: expected 'owner/name' of a dataset on the hub, e.g. "
            "hret.load_dataset('hf', path='HAERAE-HUB/KMMLU', subset='Law', "
            "column_map={'input': 'question', 'reference': 'answer', 'options': ...})"
        )
    if not column_map:
        raise DatasetError(
            f"hf dataset {path!r} needs column_map naming the columns to use; keys: "
            f"{', '.join(MAPPING_KEYS)}, e.g. column_map={{'input': 'question', 'reference': 'answer'}}"
        )
    split = split or "test"
    configs: list[str | None] = [subset] if isinstance(subset, str) else [*subset] if subset else [None]
    name = f"hf:{path}"
    hub = HubData(path, ())

    def rows(config: str | None, of_split: str) -> list[dict[str, Any]]:
        data_dir = params.get("data_dir")
        if data_dir is not None:
            return read_dir(Path(data_dir), config, of_split, params.get("cache_dir"))
        requests: list[Request] = [(config, of_split)]
        source = resolve_source(name, hub, requests, revision=params.get("revision"),
                                cache_dir=params.get("cache_dir"))
        return read_split(source, hub, config, of_split)

    def shifted(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # mapped_samples reads option indices as 1-based
        if answer_base == 1 or "options" not in column_map:
            return table
        column = column_map["reference"]
        return [{**r, column: int(r[column]) + 1} if str(r.get(column)).isdigit() else r
                for r in table]

    def samples(of_split: str) -> Sequence[Sample]:
        out: list[Sample] = []
        for config in configs:
            converted = list(mapped_samples(shifted(rows(config, of_split)), column_map,
                                            name=f"{name}/{config}" if config else name,
                                            split=of_split,
                                            source=f"{path} {config or ''} {of_split}"))
            if config and "subset" not in column_map:
                converted = [replace(s, subset=config) for s in converted]
            out.extend(converted)
        return collect(out)

    return Dataset(
        name=name, samples=samples(split), split=split, revision=params.get("revision"),
        fewshot_pool=samples(fewshot_split) if fewshot_split not in (None, split) else (),
        info={"repo": path, "configs": [c for c in configs if c], "column_map": dict(column_map),
              "fewshot_split": fewshot_split},
    )
