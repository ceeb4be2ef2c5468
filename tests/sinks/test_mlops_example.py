"""examples/mlops_integration_example.py runs end to end, offline, in a fresh directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SQLALCHEMY_NOLOAD = "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"


@pytest.mark.filterwarnings(SQLALCHEMY_NOLOAD)
def test_the_mlops_example_runs_offline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("WANDB_") and k != "MLFLOW_TRACKING_URI"}
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "mlops_integration_example.py"),
                          str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert any(line.startswith("  ALERT epoch 9 is worse than epoch 6: accuracy:") for line in lines)
    assert "  best run 'hp-search/t0.0-p1.0': accuracy 0.790 with {'temperature': 0.0, 'top_p': 1.0}" in lines
    assert any(line.startswith("  v1.1: ok") for line in lines)
    assert any(line.startswith("  v2.0: DROP") and "mcnemar_exact" in line for line in lines)
    assert lines[-1] == ("summary: 1 training alert(s), best setting {'temperature': 0.0, 'top_p': 1.0}, "
                         "1 production drop(s)")
    # what the trackers hold: 9 MLflow runs in 3 experiments, 9 offline W&B runs
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'out' / 'mlflow.db'}")
    experiments = {e.name: e.experiment_id for e in client.search_experiments()}
    counts = {name: len(client.search_runs([experiments[name]])) for name in
              ("training", "hp-search", "production")}
    assert counts == {"training": 3, "hp-search": 3, "production": 3}
    assert len(list((tmp_path / "out" / "wandb").glob("offline-run-*"))) == 9
    assert (tmp_path / "out" / "saved" / "production-baseline.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing outside its output dir
