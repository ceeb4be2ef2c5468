"""The reference harness's own virtual environment, shared by the bench scripts:
lm-evaluation-harness 0.4.13 with the extras they use (``hf`` for the
cross-check, ``api`` for the client bench), created on first use and never a
dependency of hret. A folder filled with another set is brought up to this one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "bench" / ".venvs" / "lmeval"
#: torch in the same pip command: unpinned, pip would fetch a multi-GB CUDA build
SPEC = ("lm-eval[hf,api]==0.4.13", "torch==2.13.0")
MARKER = ".hret-bench-installed"


def ensure(venv: Path = VENV) -> Path:
    """lm-eval's interpreter in ``venv``, installed there first when needed."""
    python = venv / "bin" / "python"
    marker = venv / MARKER
    wanted = " ".join(SPEC)
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == wanted:
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"installing {wanted} into {venv} (once, about 2 min)...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *SPEC], check=True)
    marker.write_text(wanted + "\n", encoding="utf-8")
    return python
