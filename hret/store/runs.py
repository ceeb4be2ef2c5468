"""Saved named runs (full per-sample results) and reading results back from
a file or a run name: what comparisons and reports read."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from hret.errors import did_you_mean
from hret.store.files import write_json_atomic

SAVED_DIR = "saved"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The result dicts in a JSON file: one result (``EvaluationResult.to_dict``),
    a context's ``run.json`` or a saved run (both hold ``"results"``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"results file {str(path)!r} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"results file {str(path)!r} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return [_with_samples(dict(r), path.parent) for r in data["results"]]
    if isinstance(data, dict) and "metrics" in data:
        return [data]
    raise ValueError(
        f"{str(path)!r} holds no hret results; expected a result JSON (with 'metrics'), "
        "a run.json or a saved run (with 'results')"
    )


def _with_samples(result: dict[str, Any], directory: Path) -> dict[str, Any]:
    """A run.json keeps results without samples; take them from the result's own
    file (found where it was written, or beside the run.json)."""
    if result.get("samples"):
        return result
    recorded = result.get("info", {}).get("result_path")
    if not recorded:
        return result
    for candidate in (Path(recorded), directory / Path(recorded).name):
        if candidate.is_file():
            try:
                full = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            return {**result, "samples": full.get("samples", [])}
    return result


class SavedRuns:
    """Named runs with their full per-sample results, one JSON file each under
    ``output_dir/saved``: what ``--hret-save`` writes and ``hret compare`` reads."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory) / SAVED_DIR

    @staticmethod
    def check_name(name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(
                f"run name {name!r} must start with a letter or digit and hold only "
                "letters, digits, '.', '_' and '-'"
            )
        return name

    def path(self, name: str) -> Path:
        return self.directory / f"{self.check_name(name)}.json"

    def save(self, name: str, results: list[dict[str, Any]],
             metadata: dict[str, Any] | None = None) -> Path:
        """Write (or replace) the run ``name`` atomically."""
        payload = {"name": name, "saved_at": time.time(), "metadata": metadata or {},
                   "results": results}
        return write_json_atomic(self.path(name), payload)

    def names(self) -> list[str]:
        """Saved run names, oldest first."""
        if not self.directory.is_dir():
            return []
        files = [p for p in self.directory.glob("*.json") if not p.name.startswith(".")]
        return [p.stem for p in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))]

    def latest(self) -> str | None:
        names = self.names()
        return names[-1] if names else None

    def load(self, name: str) -> list[dict[str, Any]]:
        path = self.path(name)
        if not path.exists():
            known = ", ".join(self.names()) or "(none)"
            raise FileNotFoundError(
                f"no saved run {name!r} under {str(self.directory)!r}.{did_you_mean(name, self.names())} "
                f"Saved runs: {known}. Save one with --hret-save NAME."
            )
        return read_results(path)


def write_run(path: Path, metadata: dict[str, Any], metrics: dict[str, Any], results: list[dict[str, Any]],
              with_samples: bool = True) -> Path:
    """One file for a whole run: its metadata, metrics and results (without
    their samples unless ``with_samples``: each result's own file has them)."""
    payload = {"run_metadata": metadata, "metrics": metrics,
               "results": [r if with_samples else {**r, "samples": []} for r in results]}
    return write_json_atomic(path, payload)
