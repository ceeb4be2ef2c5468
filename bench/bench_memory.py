"""Peak memory of one evaluation with an instant model (run by hand).

    python bench/bench_memory.py [--samples 100000 1000000]

Each size runs in a fresh interpreter, so peaks do not carry over. Reported
per size: resident memory after ``import hret``, after building the dataset
(the samples themselves), the peak over the whole evaluation (``ru_maxrss``,
records streamed to disk, result JSON written) and the end-to-end time per
sample. Target: <= 250 MB peak at 1,000,000 samples.

Three datasets with the same synthetic questions:

- ``file``: a ``.jsonl`` file hret loads itself (rows are read as a stream and a
  large dataset is kept on disk, a few bytes of memory a sample). This is the
  target's case.
- ``held``: ``Sample`` objects the caller builds up front and hands over in a
  ``hret.Dataset`` (a million distinct questions take ~360 MB of the caller's
  own memory before hret starts).
- ``generated``: the same samples from a generator handed to ``hret.Dataset``,
  which reads it once into a store: the caller never holds them all.
- ``on-access``: the same samples built when the engine reads them, which leaves
  the engine's own memory.
- ``pytest``: the file evaluated by a decorated item in a pytest session (one
  process): the run plus the plugin's payload and reporting (the ``--hret-json``
  file is written too, so its records are read once more).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def rss_mb() -> float:
    """Current resident memory (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class OnAccess(Sequence[Any]):
    """The synthetic samples, each built when it is read."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> Any:
        from hret.sample import Sample

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.n))]
        if not -self.n <= index < self.n:
            raise IndexError(index)
        i = index % self.n
        return Sample(id=f"bench/s{i % 10}/test/{i}", input=f"문제 {i}: 대한민국의 수도는?",
                      reference="A", options=OPTIONS, subset=f"s{i % 10}", category="Other")


OPTIONS = ("서울", "부산", "대구", "인천")


PYTEST_ITEM = """
import hret

@hret.evaluate(dataset={path!r}, max_workers=1, progress=False)
def instant(prompt):
    return "정답: A"
"""


def measure_pytest(n: int, path: str) -> dict[str, float]:
    """The same file evaluated by a pytest item (one process, as ``-n 0``): the
    run, the plugin's payload and the reporting side together."""
    import pytest

    folder = Path(tempfile.mkdtemp(prefix="hret-bench-"))
    (folder / "test_memory.py").write_text(PYTEST_ITEM.format(path=path), encoding="utf-8")
    after_import = rss_mb()
    start = time.perf_counter()
    code = pytest.main([str(folder), "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                        f"--hret-output={folder / 'results'}", f"--hret-json={folder / 'out.json'}"])
    total = time.perf_counter() - start
    assert code == 0, code
    return {"samples": n, "after_import_mb": after_import, "dataset_mb": 0.0, "dataset_s": 0.0,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ms_per_sample": total / n * 1000, "engine_ms_per_sample": float("nan")}


def measure(n: int, kind: str) -> dict[str, float]:
    import hret

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_engine import synthetic

    hret.configure(output_dir=tempfile.mkdtemp(prefix="hret-bench-"), progress=False)
    after_import = rss_mb()
    data: Any
    started = time.perf_counter()
    if kind == "held":
        data = synthetic(n)
    elif kind == "generated":
        built = OnAccess(n)
        data = hret.Dataset("bench", (built[i] for i in range(n)))
    elif kind == "on-access":
        data = hret.Dataset("bench", OnAccess(n))  # type: ignore[arg-type]
    else:
        data = hret.load_dataset(kind)  # the path of the jsonl file
    after_dataset, dataset_s = rss_mb(), time.perf_counter() - started

    def instant(prompt: str) -> str:
        return "정답: A"

    start = time.perf_counter()
    result = hret.quick_eval(instant, dataset=data, max_workers=1)
    total = time.perf_counter() - start
    assert result.metrics["n"] == n and len(result.samples) == n
    return {"samples": n, "after_import_mb": after_import, "dataset_mb": after_dataset - after_import,
            "dataset_s": dataset_s,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ms_per_sample": total / n * 1000,
            "engine_ms_per_sample": result.metrics["duration_s"] / n * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # the child's job: N KIND
    args = parser.parse_args()
    if args.one:
        n, kind = int(args.one[0]), args.one[1]
        measured = measure_pytest(n, kind[len("pytest:"):]) if kind.startswith("pytest:") else measure(n, kind)
        print(json.dumps(measured))
        return
    for n in args.samples:
        with tempfile.TemporaryDirectory(prefix="hret-bench-") as folder:
            path = write_jsonl(Path(folder) / "bench.jsonl", n)
            for kind in ("file", "held", "generated", "on-access", "pytest"):
                m = child(n, {"file": str(path), "pytest": f"pytest:{path}"}.get(kind, kind))
                print(f"{n:>9,} samples, dataset {kind:>9}: peak {m['peak_mb']:.0f} MB "
                      f"(after import {m['after_import_mb']:.0f} MB, dataset "
                      f"{m['dataset_mb']:.0f} MB, built in {m['dataset_s']:.1f} s), "
                      f"{m['ms_per_sample']:.4f} ms/sample end to end, "
                      f"engine {m['engine_ms_per_sample']:.4f} ms/sample")


def child(n: int, kind: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--one", str(n), kind], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def write_jsonl(path: Path, n: int) -> Path:
    """The synthetic questions as a multiple-choice ``.jsonl`` file."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            row = {"question": f"문제 {i}: 대한민국의 수도는?", "A": OPTIONS[0], "B": OPTIONS[1],
                   "C": OPTIONS[2], "D": OPTIONS[3], "answer": "A", "subject": f"s{i % 10}",
                   "category": "Other"}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    main()
