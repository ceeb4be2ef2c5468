"""Reading local ``.jsonl`` / ``.csv`` / ``.parquet`` files into samples."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hret.errors import DatasetError
from hret.prompts import LABELS
from hret.sample import Sample

FILE_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
MAPPING_KEYS = ("input", "reference", "options", "subset", "category")


def read_rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise DatasetError(f"{path} holds a JSON {type(data).__name__}; expected a list of rows")
        return data
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    if suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise DatasetError(
                f"Reading {path} needs pyarrow; install it with: pip install 'pytest-hret[datasets]'"
            ) from exc
        return list(pq.read_table(path).to_pylist())
    raise DatasetError(
        f"Unsupported file type {suffix!r} for {path}; expected one of {', '.join(FILE_SUFFIXES)}"
    )


def parse_answer(value: Any, n_options: int, where: str) -> str:
    """An answer given as a letter (``B``, ``(B)``) or a 1-based index -> its label."""
    text = str(value).strip().strip("()").strip()
    if text.isdigit() and 1 <= int(text) <= n_options:
        return LABELS[int(text) - 1]
    if len(text) == 1 and text.upper() in LABELS[:n_options]:
        return text.upper()
    if isinstance(value, float) and value.is_integer() and 1 <= int(value) <= n_options:
        return LABELS[int(value) - 1]
    raise DatasetError(
        f"{where}: answer {value!r} is not an option; expected a letter "
        f"{LABELS[0]}-{LABELS[n_options - 1]} or a 1-based index 1-{n_options}"
    )


def option_columns(columns: Iterable[str]) -> list[str]:
    present = set(columns)
    letters = []
    for label in LABELS:
        if label not in present:
            break
        letters.append(label)
    return letters


def multiple_choice_samples(
    rows: list[dict[str, Any]], *, name: str, split: str, source: str,
    subset_key: str | None = None, category_key: str | None = None,
) -> list[Sample]:
    """Rows with ``question``, ``A``..``E`` (or ``options``) and ``answer`` -> samples."""
    samples = []
    letters = option_columns(rows[0]) if rows else []
    for index, row in enumerate(rows):
        if "options" in row and row["options"] is not None:
            raw = row["options"]
            options = tuple(str(o) for o in (json.loads(raw) if isinstance(raw, str) else raw))
        else:
            options = tuple(str(row[c]) for c in letters if row.get(c) not in (None, ""))
        where = f"{source} row {index}"
        if len(options) < 2:
            raise DatasetError(f"{where} has {len(options)} options; expected at least 2")
        subset = _optional(row, subset_key)
        samples.append(
            Sample(
                id=f"{name}/{subset or 'all'}/{split}/{index}",
                input=str(row["question"]),
                reference=parse_answer(row["answer"], len(options), where),
                options=options,
                subset=subset,
                category=_optional(row, category_key),
                metadata={k: v for k, v in row.items() if k not in _MC_COLUMNS and _plain(v)},
            )
        )
    return samples


_MC_COLUMNS = {"question", "answer", "options", *LABELS}


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _optional(row: Mapping[str, Any], key: str | None) -> str | None:
    if key is None or row.get(key) in (None, ""):
        return None
    return str(row[key])


def mapped_samples(
    rows: list[dict[str, Any]], mapping: Mapping[str, str], *, name: str, split: str, source: str
) -> list[Sample]:
    """Rows of any shape -> samples through a column mapping."""
    unknown = set(mapping) - set(MAPPING_KEYS)
    if unknown:
        raise DatasetError(
            f"column_map has unknown keys {sorted(unknown)}; allowed keys: {', '.join(MAPPING_KEYS)}"
        )
    for required in ("input", "reference"):
        if required not in mapping:
            raise DatasetError(
                f"column_map for {source} lacks {required!r}; "
                "pass e.g. column_map={'input': 'prompt', 'reference': 'target'}"
            )
    if rows:
        missing = [c for c in mapping.values() if c not in rows[0]]
        if missing:
            raise DatasetError(
                f"{source} has no column(s) {missing}; its columns are {sorted(rows[0])}"
            )
    samples = []
    for index, row in enumerate(rows):
        options: tuple[str, ...] = ()
        reference = str(row[mapping["reference"]])
        if "options" in mapping:
            raw = row[mapping["options"]]
            options = tuple(str(o) for o in (json.loads(raw) if isinstance(raw, str) else raw))
            reference = parse_answer(row[mapping["reference"]], len(options), f"{source} row {index}")
        subset = _optional(row, mapping.get("subset"))
        used = set(mapping.values())
        samples.append(
            Sample(
                id=f"{name}/{subset or 'all'}/{split}/{index}",
                input=str(row[mapping["input"]]),
                reference=reference,
                options=options,
                subset=subset,
                category=_optional(row, mapping.get("category")),
                metadata={k: v for k, v in row.items() if k not in used and _plain(v)},
            )
        )
    return samples


def samples_from_rows(
    rows: list[dict[str, Any]], *, name: str, split: str, source: str,
    column_map: Mapping[str, str] | None = None,
) -> list[Sample]:
    if column_map:
        return mapped_samples(rows, column_map, name=name, split=split, source=source)
    if not rows:
        return []
    columns = set(rows[0])
    has_options = "options" in columns or len(option_columns(columns)) >= 2
    if {"question", "answer"} <= columns and has_options:
        subset_key = next((k for k in ("subset", "subject") if k in columns), None)
        category_key = next((k for k in ("category", "Category") if k in columns), None)
        return multiple_choice_samples(
            rows, name=name, split=split, source=source,
            subset_key=subset_key, category_key=category_key,
        )
    raise DatasetError(
        f"{source} has columns {sorted(columns)}; expected multiple-choice columns "
        "'question', 'A'..'E' (or 'options') and 'answer', or pass a column mapping, e.g. "
        "column_map={'input': 'prompt', 'reference': 'target'}"
    )
