"""Weights & Biases sink: one W&B run per evaluation, grouped per hret run.

Each run gets the evaluation's identity and the run metadata as config, every
metric in the summary, a per-sample table (capped at ``max_table_rows``) and
the result JSON (with the per-sample JSONL) as an artifact. The mode
(online / offline) is W&B's own: ``mode=`` or ``WANDB_MODE``; with neither and
no W&B credentials, runs are written offline (``wandb sync`` uploads them
later) instead of stopping to ask for a login.
"""

from __future__ import annotations

import json
import netrc
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hret.config import get_config
from hret.errors import require
from hret.registry import Requirement, requires
from hret.sinks.base import ResultEvent, RunStart, Sink
from hret.sinks.records import (
    event_key,
    event_name,
    event_nodeid,
    failure_reason,
    quiet_deprecations,
    result_metrics,
    result_params,
)

DEFAULT_PROJECT = "hret"
WANDB: Requirement = ("wandb", "wandb")
WEAVE_SWITCH = "WANDB_DISABLE_WEAVE"
MODES = ("online", "offline", "disabled", "shared")
TABLE_COLUMNS = ("id", "subset", "category", "prompt", "output", "reference", "extracted",
                 "score", "extraction_failed", "error", "latency_ms")


def has_credentials() -> bool:
    """An API key in the environment or in ``~/.netrc`` for the W&B host."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = urllib.parse.urlparse(os.environ.get("WANDB_BASE_URL") or "https://api.wandb.ai").hostname
    try:
        return bool(host and netrc.netrc().authenticators(host))
    except (OSError, netrc.NetrcParseError):
        return False


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@contextmanager
def _no_weave_hint() -> Iterator[None]:
    """W&B suggests its Weave call tracing (three lines on stderr, whatever the
    run's settings) when it finds openai or litellm imported; the hint is not
    about these runs. An explicit ``WANDB_DISABLE_WEAVE`` is left as it is."""
    if os.environ.get(WEAVE_SWITCH) is not None:
        yield
        return
    os.environ[WEAVE_SWITCH] = "true"
    try:
        yield
    finally:
        os.environ.pop(WEAVE_SWITCH, None)


class WandbSink(Sink):
    """Logs each result as a W&B run. ``group`` names the runs' group (default:
    the hret run name); extra keyword arguments go to ``wandb.init``."""

    name = "wandb"

    def __init__(self, project_name: str | None = None, *, entity: str | None = None,
                 group: str | None = None, mode: str | None = None, dir: str | Path | None = None,
                 tags: list[str] | None = None, max_table_rows: int = 1000,
                 log_artifact: bool = True, **init_kwargs: Any) -> None:
        if isinstance(max_table_rows, bool) or not isinstance(max_table_rows, int) or max_table_rows < 0:
            raise ValueError(f"max_table_rows={max_table_rows!r} must be an integer >= 0 (0: no table)")
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode={mode!r} is not a W&B mode; use one of {', '.join(MODES)}")
        self.project = project_name or DEFAULT_PROJECT
        self.entity = entity
        self.group = group
        self.mode = mode
        self.dir = dir
        self.tags = list(tags or [])
        self.max_table_rows = max_table_rows
        self.log_artifact = log_artifact
        self.settings = init_kwargs.pop("settings", None)
        self.init_kwargs = init_kwargs
        #: label (or pytest node id) -> W&B run id
        self.run_ids: dict[str, str] = {}
        self._run_name: str | None = None

    def on_run_start(self, event: RunStart) -> None:
        self._run_name = event.run_name

    def on_result(self, event: ResultEvent) -> None:
        require(*WANDB)
        with quiet_deprecations():
            self._log(event)

    def _log(self, event: ResultEvent) -> None:
        import wandb

        result = event.result
        directory = Path(self.dir or os.environ.get("WANDB_DIR") or get_config().output_dir)
        directory.mkdir(parents=True, exist_ok=True)
        reason = failure_reason(result)
        tags = [*self.tags, f"dataset:{result.info.get('dataset')}", *(["failed"] if reason else [])][:64]
        mode = self.mode
        if mode is None and not os.environ.get("WANDB_MODE") and not has_credentials():
            mode = "offline"
        # console capture would wrap sys.stdout, which pytest owns; W&B's own
        # banners and run summaries (~20 lines a run) stay out of the test log
        settings = self.settings or wandb.Settings(console="off", silent=True)
        with _no_weave_hint():
            run = self._init(wandb, event, settings, tags, directory, mode)
        try:
            run.summary.update(result_metrics(result))
            run.summary["passed"] = result.passed
            if reason:
                run.summary["failure_reason"] = reason
            if self.max_table_rows:
                rows = [[_cell(s.get(c)) for c in TABLE_COLUMNS]
                        for s in result.samples[:self.max_table_rows]]
                run.log({"samples": wandb.Table(columns=list(TABLE_COLUMNS), data=rows)})
                run.summary["samples_logged"] = len(rows)
            if self.log_artifact:
                with tempfile.TemporaryDirectory() as tmp:
                    run.log_artifact(self._artifact(wandb, event, Path(tmp)))
        except BaseException:
            run.finish(exit_code=1)
            raise
        # a result that failed its gate ends as a failed run, as in MLflow
        run.finish(exit_code=0 if reason is None else 1)
        self.run_ids[event_key(event)] = str(run.id)

    def _init(self, wandb: Any, event: ResultEvent, settings: Any, tags: list[str], directory: Path,
              mode: str | None) -> Any:
        result, nodeid = event.result, event_nodeid(event)
        return wandb.init(
            project=self.project, entity=self.entity,
            group=self.group or self._run_name or event.run_name,
            name=event_name(event), job_type="evaluation",
            # through JSON: metadata may hold objects W&B cannot store
            config=json.loads(json.dumps({**result_params(result, event.metadata),
                                          **({"nodeid": nodeid} if nodeid else {})}, default=str)),
            tags=tags, dir=str(directory), mode=mode,
            reinit="create_new",
            settings=settings, **self.init_kwargs,
        )

    def _artifact(self, wandb: Any, event: ResultEvent, tmp: Path) -> Any:
        result = event.result
        name = re.sub(r"[^\w.-]+", "_", f"hret-{event.run_name}-{event.label}")[:128]
        artifact = wandb.Artifact(name, type="evaluation-result",
                                  metadata={"model": event.label, "dataset": result.info.get("dataset")})
        # add_file copies into W&B's staging area at once, so ``tmp`` may go
        path = tmp / "result.json"
        path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, default=str), encoding="utf-8")
        artifact.add_file(str(path), name="result.json")
        samples = Path(str(result.info.get("samples_path") or ""))
        if samples.is_file():
            artifact.add_file(str(samples), name="samples.jsonl")
        return artifact


@requires(WANDB)
def wandb_sink(project_name: str | None = None, **params: Any) -> Sink:
    """One W&B run per evaluation (see :class:`WandbSink`); the client
    library is imported on first use."""
    return WandbSink(project_name=project_name, **params)
