"""The examples file runs end to end, offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_hret_examples_run(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "hret_examples.py"), str(tmp_path / "o")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "accuracy = 1.0000 passed bound >= 0.9" in out.stdout
    assert "integration got run 'my_experiment' with 1 result(s), lr=0.0003" in out.stdout
    assert (tmp_path / "o" / "history.jsonl").exists()
    assert (tmp_path / "o" / "experiment_results.json").exists()
