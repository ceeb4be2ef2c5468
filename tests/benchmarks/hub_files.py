"""Writing small benchmark copies in each hub repository's own file layout.

Every item here is written for these tests (trivial Korean questions); the
column names, answer encodings and folder layouts follow the real repositories.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def write_csv(path: Path, rows: Sequence[Row]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Sequence[Row]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json(path: Path, rows: Sequence[Row]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(rows), ensure_ascii=False), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: Sequence[Row]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows)), path)
    return path


def kmmlu_row(question: str, options: Sequence[str], answer: int, category: str = "HUMSS") -> Row:
    """A KMMLU row: 1-based ``answer``, options A-D, the rows' own Category column."""
    return {"question": question, "answer": answer, "A": options[0], "B": options[1],
            "C": options[2], "D": options[3], "Category": category, "Human Accuracy": 0.5}


def kmmlu_copy(root: Path, subjects: Mapping[str, Mapping[str, Sequence[Row]]],
               hard: bool = False) -> Path:
    """``data/<Subject>-<split>.csv`` (KMMLU) or ``data/<subject>-<split>.csv`` (KMMLU-HARD)."""
    for subject, splits in subjects.items():
        name = subject.lower().replace("-", "_") if hard else subject
        for split, rows in splits.items():
            write_csv(root / "data" / f"{name}-{split}.csv", rows)
    return root


def into_datasets_cache(cache: Path, repo: str, config: str, files: Mapping[str, Path]) -> Path:
    """Put CSV ``files`` (split -> path) into the ``datasets`` cache as an online
    ``load_dataset(repo, config)`` leaves them, so an offline run can find them."""
    from datasets.packaged_modules.csv.csv import Csv

    from hret.benchmarks.hub import snake_case

    owner, name = repo.split("/")
    build = Csv(cache_dir=str(cache / "_build"), dataset_name=snake_case(name), config_name=config,
                data_files={s: [str(p)] for s, p in files.items()}, hash="0123abcd")
    build.download_and_prepare()
    target = cache / f"{owner}___{snake_case(name)}" / config / "0.0.0" / "0123abcd"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build.cache_dir, target)
    return target
