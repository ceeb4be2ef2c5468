"""MLflow sink: one MLflow run per evaluation, optionally nested under a parent run.

The tracking URI comes from the argument, then ``MLFLOW_TRACKING_URI``, then a
SQLite store under ``output_dir`` (``sqlite:///<output_dir>/mlflow.db``, with
artifacts beside it). Runs are written through ``MlflowClient`` rather than the
fluent API, so no global "active run" is touched.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from hret.config import get_config
from hret.errors import require
from hret.registry import Requirement, requires
from hret.sinks.base import ResultEvent, RunEnd, RunStart, Sink
from hret.sinks.records import (
    RUN_KEYS,
    as_text,
    event_key,
    event_name,
    event_nodeid,
    failure_reason,
    quiet_deprecations,
    result_metrics,
    result_params,
    result_span,
    safe_key,
    settings_params,
    summary_metrics,
)
from hret.store.files import file_lock

DEFAULT_EXPERIMENT = "hret"
MLFLOW: Requirement = ("mlflow", "mlflow")
#: MLflow's limits for one log_batch call and for one parameter value
BATCH_METRICS, BATCH_PARAMS, MAX_PARAM_LENGTH = 1000, 100, 6000

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def default_tracking_uri(output_dir: str | Path | None = None) -> str:
    db = Path(output_dir or get_config().output_dir).resolve() / "mlflow.db"
    return f"sqlite:///{db}"


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///") or uri.endswith(":memory:"):
        return None
    return Path(uri[len("sqlite:///"):])


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def check_reachable(uri: str, timeout: float) -> None:
    """Fail fast, within ``timeout`` seconds, when an HTTP tracking server does
    not answer; MLflow itself would retry with backoff for minutes."""
    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # it answered: a server is there, whatever it thinks of /health
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(
            f"MLflow tracking server {uri} is not reachable ({reason}). Start it, or point "
            "tracking_uri= (pytest: --hret-mlflow=URI) or MLFLOW_TRACKING_URI at a running one; "
            f"the results are saved locally under {get_config().output_dir!r} either way."
        ) from None


class MlflowSink(Sink):
    """Logs each result as an MLflow run: params, metrics, tags and artifacts.

    ``parent_run=True`` groups the runs of one hret run (a context or a pytest
    session) under a parent MLflow run. ``run_ids`` maps labels to run ids.
    """

    name = "mlflow"

    def __init__(self, experiment_name: str | None = None, tracking_uri: str | None = None, *,
                 run_name: str | None = None, parent_run: bool = False,
                 parent_run_name: str | None = None,
                 tags: dict[str, str] | None = None, output_dir: str | Path | None = None,
                 log_artifacts: bool = True, connect_timeout: float = 5.0) -> None:
        self.experiment_name = experiment_name or DEFAULT_EXPERIMENT
        self.tracking_uri = tracking_uri
        self.run_name = run_name
        self.parent_run = parent_run
        self.tags = dict(tags or {})
        self.output_dir = output_dir
        self.log_artifacts = log_artifacts
        self.connect_timeout = connect_timeout
        self.run_ids: dict[str, str] = {}
        self.parent_run_name = parent_run_name
        self.parent_run_id: str | None = None
        self._run_name: str | None = None
        self._start: RunStart | None = None
        #: what the parent run sums up at the end: key -> (result, its dict with its label)
        self._logged: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._parent_open = False
        self._client: Any = None
        self._experiment_id: str | None = None
        self._unreachable: str | None = None
        #: the connected store keeps each metric in a file of its own (set by connect)
        self._file_store = False

    # -- connection ------------------------------------------------------------
    def resolved_uri(self) -> str:
        return (self.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
                or default_tracking_uri(self.output_dir))

    def metric_name(self, key: str) -> str:
        """``key`` as a metric name the connected store accepts: a file store keeps
        each metric in a file named after it, where ``accuracy`` and
        ``accuracy/Math`` cannot both exist, so there ``/`` becomes ``.``."""
        name = safe_key(key)
        return name.replace("/", ".") if self._file_store else name

    def connect(self) -> tuple[Any, str]:
        """The client and experiment id, created on first use. A server found
        down stays down for this sink: later results fail at once."""
        if self._unreachable:
            raise ConnectionError(f"skipped: MLflow tracking server {self._unreachable} was found "
                                  "unreachable earlier in this run")
        if self._client is not None and self._experiment_id is not None:
            return self._client, self._experiment_id
        require(*MLFLOW)
        uri = self.resolved_uri()
        self._file_store = urlsplit(uri).scheme in ("", "file")
        if uri.startswith(("http://", "https://")):
            try:
                check_reachable(uri, self.connect_timeout)
            except ConnectionError:
                self._unreachable = uri
                raise
        db = _sqlite_path(uri)
        with quiet_deprecations(), (file_lock(f"{db}.lock") if db else nullcontext()):
            # MLflow creates a SQLite store's tables on first open; two processes
            # doing that at once corrupt it, hence the lock
            from mlflow.tracking import MlflowClient

            if db:
                db.parent.mkdir(parents=True, exist_ok=True)
            with _quiet_logger("mlflow.store.db.utils"):  # "Creating initial MLflow database tables..."
                client = MlflowClient(tracking_uri=uri)
            artifacts = (db.parent / "mlartifacts").as_uri() if db else None
            self._experiment_id = self._experiment(client, artifacts)
        self._client = client
        return client, self._experiment_id

    def _experiment(self, client: Any, artifact_location: str | None) -> str:
        from mlflow.exceptions import MlflowException

        experiment = client.get_experiment_by_name(self.experiment_name)
        if experiment is None:
            try:
                return str(client.create_experiment(self.experiment_name,
                                                    artifact_location=artifact_location))
            except MlflowException:  # created meanwhile by another process
                experiment = client.get_experiment_by_name(self.experiment_name)
                if experiment is None:
                    raise
        if experiment.lifecycle_stage == "deleted":
            raise ValueError(
                f"MLflow experiment {self.experiment_name!r} is deleted; restore it "
                "(mlflow experiments restore) or log to another experiment_name"
            )
        return str(experiment.experiment_id)

    # -- events --------------------------------------------------------------
    def on_run_start(self, event: RunStart) -> None:
        self._run_name = event.run_name
        self._start = event
        self._logged = {}

    def on_result(self, event: ResultEvent) -> None:
        client, experiment_id = self.connect()
        with quiet_deprecations():
            self._log(client, experiment_id, event)

    def _log(self, client: Any, experiment_id: str, event: ResultEvent) -> None:
        from mlflow.entities import Metric, Param

        from hret.provenance import system_tags

        result, info = event.result, event.result.info
        nodeid = event_nodeid(event)
        reason = failure_reason(result)
        tags = {**system_tags(info.get("git_commit")), "hret.run_name": event.run_name,
                "hret.model": event.label, "hret.passed": str(result.passed).lower(), **self.tags}
        if reason:
            tags["hret.failure_reason"] = reason[:5000]
        if nodeid:
            tags["hret.nodeid"] = str(nodeid)
        for key in (RUN_KEYS - {"run_name"}) & event.metadata.keys():
            tags[f"hret.{key}"] = str(event.metadata[key])
        if self.parent_run:
            tags["mlflow.parentRunId"] = self._parent(client, experiment_id, event.run_name)
        name = self.run_name or (event_name(event) if self.parent_run or nodeid
                                 else f"{event.run_name}/{event.label}")
        # the run spans the evaluation itself, not the moment it is logged
        span = result_span(result)
        now = int(time.time() * 1000)
        start, end = span or (now, now)
        run = client.create_run(experiment_id, start_time=start, run_name=name, tags=tags)
        run_id = run.info.run_id
        try:
            metrics = [Metric(self.metric_name(k), v, end, 0) for k, v in result_metrics(result).items()]
            params = [Param(safe_key(k), as_text(v)[:MAX_PARAM_LENGTH])
                      for k, v in result_params(result, event.metadata).items()]
            for param_chunk in _chunks(params, BATCH_PARAMS):
                client.log_batch(run_id, params=list(param_chunk))
            for metric_chunk in _chunks(metrics, BATCH_METRICS):
                client.log_batch(run_id, metrics=list(metric_chunk))
            if self.log_artifacts:
                self._artifacts(client, run_id, event)
        except BaseException:
            with suppress(Exception):  # the original error is the one to report
                client.set_terminated(run_id, "FAILED")
            raise
        # a result that failed its gate is a failed run; the tag says why
        client.set_terminated(run_id, "FINISHED" if reason is None else "FAILED", end_time=end)
        key = event_key(event)
        self.run_ids[key] = run_id
        self._logged[key] = (result, {**result.to_dict(), "label": event.label, "nodeid": nodeid,
                                      "kind": event.metadata.get("kind")})

    def _artifacts(self, client: Any, run_id: str, event: ResultEvent) -> None:
        result = event.result
        client.log_dict(run_id, result.to_dict(), "result.json")
        samples = Path(str(result.info.get("samples_path") or ""))
        if samples.is_file():
            client.log_artifact(run_id, str(samples))
        else:  # results from another process or machine: write the records we hold
            lines = "".join(json.dumps(s, ensure_ascii=False, default=str) + "\n"
                            for s in result.samples)
            client.log_text(run_id, lines, "samples.jsonl")

    def _parent(self, client: Any, experiment_id: str, run_name: str) -> str:
        """The parent run, created with the first result so that a run without
        results leaves nothing behind; it starts when the hret run started."""
        from hret.provenance import system_tags

        if not self._parent_open or self.parent_run_id is None:
            name = self.parent_run_name or self._run_name or run_name
            started = self._start.metadata.get("start_time") if self._start else None
            start = round(float(started) * 1000) if isinstance(started, (int, float)) else None
            run = client.create_run(experiment_id, start_time=start, run_name=name,
                                    tags={**system_tags(), "hret.run_name": name, "hret.parent": "true",
                                          **self.tags})
            self.parent_run_id = str(run.info.run_id)
            self._parent_open = True
        return self.parent_run_id

    def on_run_end(self, event: RunEnd) -> None:
        if not self._parent_open or self.parent_run_id is None:
            return
        metadata = event.run_result.get("metadata", {})
        results = event.results
        failed = [key for key, (result, _) in self._logged.items() if not result.passed]
        with quiet_deprecations():
            from mlflow.entities import Metric, Param

            from hret.report import render_html

            # the run's settings, and its metadata as it stands at the end (a
            # script adds hyperparameters after the run has started)
            start = self._start.metadata if self._start else {}
            params = [Param(k, v[:MAX_PARAM_LENGTH]) for k, v in settings_params(
                self._start.settings if self._start else {}, {**start, **metadata}).items()]
            for param_chunk in _chunks(params, BATCH_PARAMS):
                self._client.log_batch(self.parent_run_id, params=list(param_chunk))

            ended = metadata.get("end_time")
            end = round(float(ended) * 1000) if isinstance(ended, (int, float)) else int(time.time() * 1000)
            rows = {k: v for key, (result, _) in self._logged.items()
                    for k, v in summary_metrics(key, result).items()}
            metrics = [Metric("evaluations", float(len(results)), end, 0),
                       Metric("passed", float(sum(1 for r in results if r.passed)), end, 0),
                       *(Metric(self.metric_name(k), v, end, 0) for k, v in rows.items())]
            for chunk in _chunks(metrics, BATCH_METRICS):
                self._client.log_batch(self.parent_run_id, metrics=list(chunk))
            if self._logged:
                self._client.log_text(self.parent_run_id, render_html(
                    [record for _, record in self._logged.values()], title=f"hret run {self._run_name or ''}".strip()),
                    "report.html")
            if failed:
                self._client.set_tag(self.parent_run_id, "hret.failure_reason",
                                     ("failed: " + ", ".join(failed))[:5000])
            status = "FAILED" if failed or metadata.get("status") == "failed" else "FINISHED"
            self._client.set_terminated(self.parent_run_id, status, end_time=end)
        self._parent_open = False


@requires(MLFLOW)
def mlflow_sink(experiment_name: str | None = None, tracking_uri: str | None = None,
                **params: Any) -> Sink:
    """One MLflow run per evaluation (see :class:`MlflowSink`); the client
    library is imported on first use."""
    return MlflowSink(experiment_name=experiment_name, tracking_uri=tracking_uri, **params)
