"""Reading local ``.jsonl`` / ``.json`` / ``.csv`` / ``.parquet`` files into samples.

Every problem with a file is a :class:`DatasetError` naming the file, the line
(or row) and the field, what was expected and the fix.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from hret.errors import DatasetError
from hret.prompts import LABELS
from hret.sample import Sample

FILE_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
MAPPING_KEYS = ("input", "reference", "options", "subset", "category")
#: a UTF-8 byte order mark is skipped; other encodings are declared with ``encoding=``
DEFAULT_ENCODING = "utf-8"
#: rows read from a Parquet file at a time
PARQUET_BATCH = 10_000


class Rows:
    """The rows of one file, read as they are used (one pass), each with where it
    came from (``file line N`` or ``file row N``). The first row is read at once:
    its columns decide how the rows become samples."""

    def __init__(self, source: str, located: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.source = source
        self._rest = iter(located)
        self._head = next(self._rest, None)
        self.first: dict[str, Any] | None = self._head[1] if self._head else None

    @classmethod
    def of(cls, rows: Rows | Iterable[dict[str, Any]], source: str) -> Rows:
        """``rows`` as they are, or a list of rows numbered ``source row N``."""
        if isinstance(rows, Rows):
            return rows
        return cls(source, ((f"{source} row {i + 1}", row) for i, row in enumerate(rows)))

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        if self._head is not None:
            head, self._head = self._head, None
            yield head
        yield from self._rest


def _codec(encoding: str | None, path: Path) -> str:
    import codecs

    name = encoding or DEFAULT_ENCODING
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError):
        raise DatasetError(
            f"{path}: encoding={encoding!r} is not an encoding Python knows; expected a codec "
            "name such as 'utf-8', 'cp949' or 'euc-kr'"
        ) from None
    # utf-8-sig reads plain UTF-8 too and drops a byte order mark
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _decode(path: Path, encoding: str | None) -> str:
    codec = _codec(encoding, path)
    raw = path.read_bytes()
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, encoding, raw, exc) from None


def _undecodable(path: Path, encoding: str | None, raw: bytes, exc: UnicodeDecodeError,
                 ) -> DatasetError:
    line = raw.count(b"\n", 0, exc.start) + 1
    declared = f"encoding={encoding!r}" if encoding else "UTF-8 (the default)"
    return DatasetError(
        f"{path} line {line}: byte {raw[exc.start:exc.start + 1]!r} cannot be read as "
        f"{declared}. Declare the file's encoding, e.g. dataset_params={{'encoding': 'cp949'}} "
        "(load_dataset(..., encoding='cp949')), or save the file as UTF-8"
    )


@contextmanager
def _text(path: Path, encoding: str | None, newline: str) -> Iterator[IO[str]]:
    """``path`` opened as text; a byte that does not decode becomes a DatasetError
    naming its line (found by reading the file again, as bytes)."""
    with open(path, encoding=_codec(encoding, path), newline=newline) as handle:
        try:
            yield handle
        except UnicodeDecodeError:
            raw = path.read_bytes()
            try:
                raw.decode(_codec(encoding, path))
            except UnicodeDecodeError as exc:
                raise _undecodable(path, encoding, raw, exc) from None
            raise


def _jsonl_rows(path: Path, encoding: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    with _text(path, encoding, newline="\n") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(
                    f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    "expected one JSON object per line. Fix or remove that line"
                ) from None
            yield where, _row(value, where)


def _csv_rows(path: Path, encoding: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    with _text(path, encoding, newline="") as handle:
        reader = csv.DictReader(handle)
        start = 2
        try:
            for row in reader:
                yield f"{path} line {start}", row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise DatasetError(f"{path} line {reader.line_num}: not valid CSV ({exc})") from None


def _parquet_rows(path: Path, encoding: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    if encoding is not None and _codec(encoding, path) != "utf-8-sig":
        raise DatasetError(
            f"{path}: encoding={encoding!r} does not apply to Parquet, which stores text as "
            "UTF-8; drop the encoding option"
        )
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise DatasetError(
            f"Reading {path} needs pyarrow; install it with: pip install 'pytest-hret[datasets]'"
        ) from exc
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH)
        number = 0
        for batch in batches:
            for row in batch.to_pylist():
                number += 1
                yield f"{path} row {number}", row
    except Exception as exc:  # pyarrow's errors are not one type
        raise DatasetError(f"{path} is not a readable Parquet file ({exc}); "
                           "check the file or write it again") from None


def _row(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise DatasetError(
        f"{where}: a JSON {_json_type(value)} ({json.dumps(value, ensure_ascii=False)[:60]}); "
        'expected a JSON object with one row\'s fields, e.g. {"question": "...", "A": "...", '
        '"B": "...", "answer": "A"}'
    )


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def read_rows(path: Path, encoding: str | None = None) -> Rows:
    """The rows of a data file, read as they are used. ``encoding`` applies to text
    formats (UTF-8 by default, with or without a byte order mark)."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return Rows(str(path), _jsonl_rows(path, encoding))
    if suffix == ".csv":
        return Rows(str(path), _csv_rows(path, encoding))
    if suffix == ".parquet":
        return Rows(str(path), _parquet_rows(path, encoding))
    if suffix == ".json":
        try:
            data = json.loads(_decode(path, encoding))
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"{path} line {exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "expected a JSON list of row objects"
            ) from None
        if not isinstance(data, list):
            raise DatasetError(
                f"{path} holds a JSON {_json_type(data)}; expected a list of row objects, "
                '[{"question": ..., "answer": ...}, ...]'
            )
        return Rows(str(path), ((f"{path} row {i + 1}", _row(v, f"{path} row {i + 1}"))
                               for i, v in enumerate(data)))
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
    rows: Rows | Iterable[dict[str, Any]], *, name: str, split: str, source: str,
    subset_key: str | None = None, category_key: str | None = None,
) -> Iterator[Sample]:
    """Rows with ``question``, ``A``..``E`` (or ``options``) and ``answer`` -> samples,
    built one at a time."""
    located = Rows.of(rows, source)
    letters = option_columns(located.first) if located.first else []
    for index, (where, row) in enumerate(located):
        if "options" in row and row["options"] is not None:
            options = _options(row["options"], f"{where}: field 'options'")
        else:
            options = tuple(str(row[c]) for c in letters if row.get(c) not in (None, ""))
        if len(options) < 2:
            raise DatasetError(f"{where} has {len(options)} options; expected at least 2")
        subset = _optional(row, subset_key)
        yield Sample(
            id=f"{name}/{subset or 'all'}/{split}/{index}",
            input=str(_field(row, "question", where)),
            reference=parse_answer(_field(row, "answer", where), len(options), where),
            options=options,
            subset=subset,
            category=_optional(row, category_key),
            metadata={k: v for k, v in row.items() if k not in _MC_COLUMNS and _plain(v)},
        )


def _field(row: Mapping[str, Any], key: str, where: str) -> Any:
    if key in row and row[key] is not None:
        return row[key]
    raise DatasetError(
        f"{where}: no field {key!r} (fields: {', '.join(map(str, row)) or 'none'}); expected "
        f"every row to have {key!r}. Add it, drop the row, or map another column with "
        f"column_map={{..., {'input' if key == 'question' else 'reference'!r}: 'column'}}"
    )


def _options(raw: Any, where: str) -> tuple[str, ...]:
    """Options given as a list, or as a JSON list in a text cell."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"{where} is not valid JSON ({exc.msg} at character {exc.pos}): {raw[:80]!r}; "
                'expected a JSON list of option texts, e.g. ["서울", "부산", "대구", "인천"]'
            ) from None
    if not isinstance(value, (list, tuple)) and type(value).__name__ != "ndarray":
        raise DatasetError(
            f"{where} is a {type(value).__name__} ({str(raw)[:80]!r}); expected a list of option "
            'texts, e.g. ["서울", "부산", "대구", "인천"]'
        )
    return tuple(str(o) for o in value)


_MC_COLUMNS = {"question", "answer", "options", *LABELS}


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _optional(row: Mapping[str, Any], key: str | None) -> str | None:
    if key is None or row.get(key) in (None, ""):
        return None
    return str(row[key])


def mapped_samples(
    rows: Rows | Iterable[dict[str, Any]], mapping: Mapping[str, str], *, name: str, split: str,
    source: str,
) -> Iterator[Sample]:
    """Rows of any shape -> samples through a column mapping, built one at a time."""
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
    located = Rows.of(rows, source)
    if located.first is not None:
        missing = [c for c in mapping.values() if c not in located.first]
        if missing:
            raise DatasetError(
                f"{source} has no column(s) {missing}; its columns are {sorted(located.first)}"
            )
    return _mapped(located, mapping, name=name, split=split)


def _mapped(located: Rows, mapping: Mapping[str, str], *, name: str, split: str,
            ) -> Iterator[Sample]:
    used = set(mapping.values())
    for index, (where, row) in enumerate(located):
        options: tuple[str, ...] = ()
        reference = str(_field(row, mapping["reference"], where))
        if "options" in mapping:
            options = _options(_field(row, mapping["options"], where),
                               f"{where}: field {mapping['options']!r}")
            reference = parse_answer(_field(row, mapping["reference"], where), len(options), where)
        subset = _optional(row, mapping.get("subset"))
        yield Sample(
            id=f"{name}/{subset or 'all'}/{split}/{index}",
            input=str(_field(row, mapping["input"], where)),
            reference=reference,
            options=options,
            subset=subset,
            category=_optional(row, mapping.get("category")),
            metadata={k: v for k, v in row.items() if k not in used and _plain(v)},
        )


def samples_from_rows(
    rows: Rows | Iterable[dict[str, Any]], *, name: str, split: str, source: str,
    column_map: Mapping[str, str] | None = None,
) -> Iterator[Sample]:
    """Rows -> samples, one at a time: the mapped columns, or the multiple-choice
    layout the first row shows."""
    located = Rows.of(rows, source)
    if column_map:
        return mapped_samples(located, column_map, name=name, split=split, source=source)
    if located.first is None:
        return iter(())
    columns = set(located.first)
    has_options = "options" in columns or len(option_columns(columns)) >= 2
    if {"question", "answer"} <= columns and has_options:
        subset_key = next((k for k in ("subset", "subject") if k in columns), None)
        category_key = next((k for k in ("category", "Category") if k in columns), None)
        return multiple_choice_samples(
            located, name=name, split=split, source=source,
            subset_key=subset_key, category_key=category_key,
        )
    raise DatasetError(
        f"{source} has columns {sorted(columns)}; expected multiple-choice columns "
        "'question', 'A'..'E' (or 'options') and 'answer', or pass a column mapping, e.g. "
        "column_map={'input': 'prompt', 'reference': 'target'}"
    )
