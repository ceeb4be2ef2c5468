"""Fixtures of the sink, comparison and report tests: W&B offline directories
and a real MLflow tracking server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.plugin_support import Inner
from tests.sinks.support import free_port


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Inner:
    """An inner pytest session (see ``tests.plugin.plugin_support``)."""
    # an outer CI run must not receive the inner sessions' summaries
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Inner(pytester)


@pytest.fixture
def wandb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """W&B in offline mode with every directory it writes under ``tmp_path``."""
    root = tmp_path / "wandb-home"
    for name in ("DIR", "CACHE_DIR", "DATA_DIR", "CONFIG_DIR"):
        (root / name.lower()).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(f"WANDB_{name}", str(root / name.lower()))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    return root / "dir"


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` (SQLite backend, proxied artifacts), started once
    per module and stopped with its whole process group."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true",
           # no background jobs and no model price list fetched over the network
           "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("MLFLOW_TRACKING_URI", None)
    mlflow = Path(sys.executable).with_name("mlflow")
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}",
         "--artifacts-destination", str(root / "artifacts")],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"mlflow server did not start:\n{(root / 'server.log').read_text()[-3000:]}")
                time.sleep(0.25)
        yield url
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the process group ``proc`` leads (the server and the workers it started)."""
    os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        proc.poll()  # reap the leader so that it stops counting as alive
        time.sleep(0.1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
