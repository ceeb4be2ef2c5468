"""The distribution as built from a clean copy of the repository: the wheel
depends on pytest (it is a pytest plugin), the sdist carries the files the
README points to, and no extra is left that nothing uses."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the built files' names go to stderr's last line (setuptools logs on stdout)
#: (the hooks rewrite sys.argv, hence the copy of the target first)
BUILD = ("from setuptools import build_meta as b; import sys; d = sys.argv[1]; "
         "w = b.build_wheel(d); s = b.build_sdist(d); print(w, s, file=sys.stderr)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A wheel and an sdist built by setuptools' PEP 517 hooks (no network,
    no build isolation) from a copy of the tracked files."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know the tracked files")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    copy = tmp_path_factory.mktemp("source")
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    dist = copy / "dist"
    out = subprocess.run([sys.executable, "-c", BUILD, str(dist)], cwd=copy, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    wheel, sdist = out.stderr.splitlines()[-1].split()
    return dist / wheel, dist / sdist


def test_the_wheel_requires_pytest_and_offers_only_used_extras(built: tuple[Path, Path]) -> None:
    wheel, _ = built
    with zipfile.ZipFile(wheel) as z:
        (meta_name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(z.read(meta_name))
        entry_points = z.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    requires = meta.get_all("Requires-Dist") or []
    unconditional = [r for r in requires if "extra ==" not in r]
    assert any(re.match(r"pytest\b(?!-)", r) for r in unconditional), unconditional
    extras = set(meta.get_all("Provides-Extra") or [])
    assert "progress" not in extras and not any("tqdm" in r for r in requires)
    assert {"datasets", "transformers", "openai", "vllm", "litellm", "mlflow", "wandb", "math"} <= extras
    assert "[pytest11]" in entry_points and "pytest_hret.plugin" in entry_points


def test_the_sdist_carries_the_examples_and_the_files_the_readme_names(built: tuple[Path, Path]) -> None:
    _, sdist = built
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:examples|docs|bench|scripts)/[\w.-]+(?:/[\w.-]+)*)", readme))
    named |= {f"bench/{n}" for n in re.findall(r"`(bench_\w+\.py)`", readme)}
    files = {n for n in named if (ROOT / n).is_file()}
    assert {"examples/hret_examples.py", "docs/report.png", "bench/bench_engine.py"} <= files
    assert files <= names, sorted(files - names)
    tracked_examples = {p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").iterdir() if p.is_file()}
    assert tracked_examples <= names
