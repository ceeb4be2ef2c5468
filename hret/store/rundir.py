"""The run directory: ``output_dir/runs/<run name>-<run id>/`` holds each
evaluation's ``<label>.samples.jsonl`` and ``<label>.result.json`` and the
run's ``run.json``."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path


def slug(text: str) -> str:
    """``text`` as a file-name part."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"


class RunDirectory:
    """File names of one run; the same label twice gets distinct files, so
    records never mix or overwrite."""

    def __init__(self, output_dir: str | Path, run_name: str, run_id: str) -> None:
        self.path = Path(output_dir) / "runs" / f"{slug(run_name)}-{run_id}"
        self._stems: set[str] = set()

    def stem(self, label: str) -> str:
        """A file stem for ``label`` that no earlier evaluation of this run used."""
        stem = base = slug(label)
        count = 1
        while stem in self._stems:
            count += 1
            stem = f"{base}-{count}"
        self._stems.add(stem)
        return stem

    def samples_path(self, stem: str) -> Path:
        return self.path / f"{stem}.samples.jsonl"

    def result_path(self, stem: str) -> Path:
        return self.path / f"{stem}.result.json"

    @property
    def run_file(self) -> Path:
        return self.path / "run.json"
