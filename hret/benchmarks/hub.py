"""Reading benchmark splits through ``datasets``, offline first.

Where the rows come from, in order: a local copy in the hub's file layout
(``data_dir=``); the hub itself when it is reachable; the ``datasets`` cache;
a snapshot in the ``huggingface_hub`` cache. Whether the hub is usable is
decided here, from the offline variables, the caches and a sub-second probe,
before ``datasets`` is touched, so an offline run fails at once with the ways
out instead of waiting on network timeouts.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hret.errors import DatasetError, require
from hret.registry import Requirement

#: what a hub-backed benchmark needs installed (``hret list`` shows it)
HUB: Requirement = ("datasets", "datasets")
TRUE_VALUES = {"1", "ON", "YES", "TRUE"}
PROBE_TIMEOUT_S = 0.8
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}
# layouts datasets itself produces: push_to_hub shards and the hub's parquet export
GENERIC_LAYOUTS = (
    "{config}/{split}-*.parquet", "{config}/{split}/*.parquet", "data/{config}/{split}-*",
    "{config}/{split}.jsonl", "data/{split}-*", "{split}-*.parquet",
)


@dataclass(frozen=True)
class HubData:
    """A benchmark's repository on the hub and the layout of its files.

    ``layouts`` are glob patterns relative to the repository root with
    ``{config}`` and ``{split}`` fields, e.g. ``data/{config}-{split}.csv``.
    """

    repo: str
    layouts: tuple[str, ...]
    #: config -> the name its files use, for the ``{file}`` field (default: the config)
    files: Mapping[str, str] = field(default_factory=dict)

    def patterns(self) -> tuple[str, ...]:
        return self.layouts + tuple(p for p in GENERIC_LAYOUTS if p not in self.layouts)


@dataclass(frozen=True)
class Source:
    """Where the rows of one load come from."""

    kind: str  # "local", "hub", "datasets-cache"
    root: Path | None = None
    revision: str | None = None
    cache_dir: str | None = None

    def describe(self, hub: HubData) -> str:
        if self.kind == "local":
            return f"local copy of {hub.repo} at {self.root}"
        if self.kind == "datasets-cache":
            return f"{hub.repo} from the datasets cache"
        return f"{hub.repo} on the Hugging Face Hub"


Request = tuple[str | None, str]  # (config, split)


# -- environment ---------------------------------------------------------------
def offline_reason(repo: str) -> str | None:
    """Why the hub must not be asked for ``repo``, or None when it may be."""
    flag = os.environ.get("HF_DATASETS_OFFLINE")
    name = "HF_DATASETS_OFFLINE"
    if flag is None:
        flag, name = os.environ.get("HF_HUB_OFFLINE", ""), "HF_HUB_OFFLINE"
    if flag.upper() in TRUE_VALUES:
        return f"{name}={flag} is set"
    loaded = sys.modules.get("datasets")
    if loaded is not None and getattr(loaded.config, "HF_HUB_OFFLINE", False):
        return "datasets runs in offline mode"
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    answer = _probe(f"{endpoint}/api/datasets/{repo}", PROBE_TIMEOUT_S)
    if answer is not None:
        return f"{endpoint} did not answer for {repo} within {PROBE_TIMEOUT_S:g} s ({answer})"
    return None


def _probe(url: str, timeout: float) -> str | None:
    """None when ``url`` answers (any status but 404 and 5xx) within ``timeout``,
    else what went wrong. A HEAD request rather than a TCP connect, because
    intercepting proxies accept every connection; a thread, because name
    resolution ignores socket timeouts."""
    import http.client

    parsed = urlparse(url)
    connection = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
    outcome: list[str | None] = []

    def probe() -> None:
        try:
            conn = connection(parsed.hostname or "", parsed.port, timeout=timeout)
            conn.request("HEAD", parsed.path)
            status = conn.getresponse().status
            conn.close()
            outcome.append(None if status != 404 and status < 500 else f"HTTP {status}")
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(type(exc).__name__)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return outcome[0] if outcome else "timed out"


def _hf_home() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    return Path(os.environ.get("HF_HOME", default)).expanduser()


def datasets_cache_dir(cache_dir: str | None = None) -> Path:
    """The ``datasets`` cache, read without importing ``datasets`` (slow) when possible."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    loaded = sys.modules.get("datasets")
    if loaded is not None:
        return Path(loaded.config.HF_DATASETS_CACHE)
    return Path(os.environ.get("HF_DATASETS_CACHE", _hf_home() / "datasets")).expanduser()


def hub_cache_dir() -> Path:
    loaded = sys.modules.get("huggingface_hub.constants")
    if loaded is not None:
        return Path(loaded.HF_HUB_CACHE)
    return Path(os.environ.get("HF_HUB_CACHE", _hf_home() / "hub")).expanduser()


# -- finding data without the network ----------------------------------------------
def snake_case(name: str) -> str:
    """The folder name ``datasets`` gives a repository in its cache (``KorMedMCQA`` ->
    ``kor_med_mcqa``), computed here so that checking the cache costs no import."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


def split_files(root: Path, hub: HubData, config: str | None, split: str) -> list[Path]:
    """The files of one split in a directory laid out like the hub repository."""
    fields = {"config": config or "default", "split": split,
              "file": hub.files.get(config or "", config or "default")}
    for pattern in hub.patterns():
        if config is None and ("{config}" in pattern or "{file}" in pattern):
            continue
        found = sorted(p for p in root.glob(pattern.format(**fields))
                       if p.is_file() and p.suffix.lower() in FORMATS)
        if found:
            return found
    return []


def _in_datasets_cache(hub: HubData, config: str | None, split: str, cache: Path) -> bool:
    owner, _, name = hub.repo.partition("/")
    folder = cache / f"{owner}___{snake_case(name)}" / (config or "default")
    for info in folder.glob("*/*/dataset_info.json"):
        try:
            splits = json.loads(info.read_text(encoding="utf-8")).get("splits") or {}
        except (OSError, ValueError):
            continue
        if split in splits:
            return True
    return False


def hub_snapshot(hub: HubData) -> Path | None:
    """The newest snapshot of ``hub.repo`` in the huggingface_hub cache, if any."""
    repo_dir = hub_cache_dir() / f"datasets--{hub.repo.replace('/', '--')}"
    main = repo_dir / "refs" / "main"
    if main.is_file():
        snapshot = repo_dir / "snapshots" / main.read_text(encoding="utf-8").strip()
        if snapshot.is_dir():
            return snapshot
    snapshots = [p for p in (repo_dir / "snapshots").glob("*") if p.is_dir()]
    return max(snapshots, key=lambda p: p.stat().st_mtime) if snapshots else None


def resolve_source(name: str, hub: HubData, requests: Sequence[Request], *,
                   data_dir: str | Path | None = None, revision: str | None = None,
                   cache_dir: str | None = None) -> Source:
    """Decide where ``requests`` are read from, or fail at once saying how to get them."""
    if data_dir is not None:
        root = Path(data_dir).expanduser()
        if not root.is_dir():
            raise DatasetError(
                f"data_dir={str(data_dir)!r} for dataset {name!r} is not a directory; "
                f"expected a local copy of {hub.repo} in the hub's file layout"
            )
        missing = [r for r in requests if not split_files(root, hub, *r)]
        if missing:
            raise DatasetError(_missing_files(name, hub, root, missing))
        return Source("local", root, revision, cache_dir)
    reason = offline_reason(hub.repo)
    if reason is None:
        return Source("hub", None, revision, cache_dir)
    cache = datasets_cache_dir(cache_dir)
    if all(_in_datasets_cache(hub, config, split, cache) for config, split in requests):
        return Source("datasets-cache", None, None, cache_dir)
    snapshot = hub_snapshot(hub)
    if snapshot is not None and all(split_files(snapshot, hub, *r) for r in requests):
        return Source("local", snapshot, snapshot.name, cache_dir)
    raise DatasetError(_offline_message(name, hub, requests, reason, cache))


def _describe_requests(requests: Sequence[Request]) -> str:
    shown = ", ".join(f"{c}/{s}" if c else s for c, s in requests[:6])
    return shown + (f" and {len(requests) - 6} more" if len(requests) > 6 else "")


def _example_layout(hub: HubData, request: Request) -> str:
    config, split = request
    usable = [p for p in hub.patterns() if config or not ("{config}" in p or "{file}" in p)]
    return usable[0].format(config=config or "default", split=split,
                            file=hub.files.get(config or "", config or "default"))


def _missing_files(name: str, hub: HubData, root: Path, missing: Sequence[Request]) -> str:
    return (
        f"data_dir {str(root)!r} has no files for {name!r} {_describe_requests(missing)}; "
        f"expected the layout of {hub.repo} on the hub, e.g. "
        f"{str(root / _example_layout(hub, missing[0]))!r}"
    )


def _offline_message(name: str, hub: HubData, requests: Sequence[Request], reason: str,
                     cache: Path) -> str:
    config = requests[0][0]
    call = f"datasets.load_dataset({hub.repo!r}" + (f", {config!r})" if config else ")")
    return (
        f"Dataset {name!r} ({hub.repo}: {_describe_requests(requests)}) cannot be loaded: "
        f"{reason} and it is neither in the datasets cache ({cache}) nor in the hub cache "
        f"({hub_cache_dir()}). Ways out: (1) download it once while online, e.g. "
        f"`python -c \"import datasets; {call}\"`, then rerun; (2) pass a local copy in the "
        f"hub's file layout with dataset_params={{'data_dir': '/path/to/{hub.repo.split('/')[-1]}'}}"
        f" (files like {_example_layout(hub, requests[0])!r}); (3) use the bundled sample, "
        f"dataset='ko-sample'."
    )


# -- reading -----------------------------------------------------------------------
def read_split(source: Source, hub: HubData, config: str | None, split: str) -> list[dict[str, Any]]:
    """The rows of one split as plain dicts, through ``datasets.load_dataset``."""
    require(*HUB)
    import datasets

    with _quiet_progress():
        try:
            if source.kind == "local":
                assert source.root is not None
                table = _read_local(source.root, hub, config, split, source.cache_dir)
            elif source.kind == "datasets-cache":
                with _offline():
                    table = datasets.load_dataset(hub.repo, config, split=split,
                                                  cache_dir=source.cache_dir)
            else:
                table = _read_hub(hub, config, split, source)
        except (ValueError, FileNotFoundError, ConnectionError, RuntimeError) as exc:
            where = f"{hub.repo} config {config!r} split {split!r}" if config else f"{hub.repo} split {split!r}"
            hint = (" If you are offline, set HF_HUB_OFFLINE=1 and pass dataset_params={'data_dir': ...} "
                    "(a local copy in the hub's layout) or use dataset='ko-sample'."
                    if source.kind == "hub" else "")
            raise DatasetError(
                f"Reading {where} from the {source.describe(hub)} failed: {exc}.{hint}"
            ) from exc
    rows: list[dict[str, Any]] = table.to_list()
    return rows


def read_dir(root: Path, config: str | None, split: str, cache_dir: str | None) -> list[dict[str, Any]]:
    """Rows of a local copy of any hub repository, as ``datasets`` reads a directory."""
    require(*HUB)
    import datasets

    if not root.is_dir():
        raise DatasetError(f"data_dir={str(root)!r} is not a directory; expected a local copy "
                           "of the dataset repository")
    with _quiet_progress():
        try:
            table = datasets.load_dataset(str(root), config, split=split, cache_dir=cache_dir)
        except (ValueError, FileNotFoundError) as exc:
            raise DatasetError(f"Reading split {split!r} of {str(root)!r} failed: {exc}") from exc
    rows: list[dict[str, Any]] = table.to_list()
    return rows


def _read_local(root: Path, hub: HubData, config: str | None, split: str,
                cache_dir: str | None) -> Any:
    import datasets

    files = [str(p) for p in split_files(root, hub, config, split)]
    builder = FORMATS[Path(files[0]).suffix.lower()]
    options: dict[str, Any] = {}
    if builder == "csv":
        import csv

        with open(files[0], encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
        # every cell stays text as written: no "1.50" -> 1.5, no "NA" -> null
        options = {"features": datasets.Features({c: datasets.Value("string") for c in header}),
                   "keep_default_na": False}
    return datasets.load_dataset(builder, data_files={split: files}, split=split,
                                 cache_dir=cache_dir, **options)


def _read_hub(hub: HubData, config: str | None, split: str, source: Source) -> Any:
    import datasets

    try:
        return datasets.load_dataset(hub.repo, config, split=split, revision=source.revision,
                                     cache_dir=source.cache_dir)
    except RuntimeError as exc:
        if "scripts are no longer supported" not in str(exc):
            raise
        # repositories that still ship a loading script: read the hub's parquet export
        return datasets.load_dataset(hub.repo, split=split, revision="refs/convert/parquet",
                                     data_dir=config, cache_dir=source.cache_dir)


@contextmanager
def _offline() -> Iterator[None]:
    """Make ``datasets`` read its cache without asking the hub (the probe failed)."""
    import datasets

    previous = datasets.config.HF_HUB_OFFLINE
    datasets.config.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE = previous


@contextmanager
def _quiet_progress() -> Iterator[None]:
    """No progress bar per file: a benchmark reads dozens of small splits."""
    from datasets.utils import logging as ds_logging

    enabled = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            ds_logging.enable_progress_bar()
