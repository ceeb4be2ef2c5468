"""Peak memory of one evaluation with an instant model (run by hand).

    python bench/bench_memory.py [--samples 100000 1000000]

Each size runs in a fresh interpreter, so peaks do not carry over. Reported
per size: resident memory after ``import hret``, after building the dataset
(the samples themselves), the peak over the whole evaluation (``ru_maxrss``,
records streamed to disk, result JSON written) and the end-to-end time per
sample. Target: <= 250 MB peak at 1,000,000 samples.

Two datasets: ``held``, the bench's synthetic samples all built up front (a
million distinct questions take ~360 MB by themselves), and ``on-access``, the
same samples built when the engine reads them, which leaves the harness's own
memory.
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


def measure(n: int, kind: str) -> dict[str, float]:
    import hret

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_engine import synthetic

    hret.configure(output_dir=tempfile.mkdtemp(prefix="hret-bench-"), progress=False)
    after_import = rss_mb()
    data = synthetic(n) if kind == "held" else hret.Dataset("bench", OnAccess(n))  # type: ignore[arg-type]
    after_dataset = rss_mb()

    def instant(prompt: str) -> str:
        return "정답: A"

    start = time.perf_counter()
    result = hret.quick_eval(instant, dataset=data, max_workers=1)
    total = time.perf_counter() - start
    assert result.metrics["n"] == n and len(result.samples) == n
    return {"samples": n, "after_import_mb": after_import, "dataset_mb": after_dataset - after_import,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ms_per_sample": total / n * 1000,
            "engine_ms_per_sample": result.metrics["duration_s"] / n * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # the child's job: N KIND
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(int(args.one[0]), args.one[1])))
        return
    for n in args.samples:
        for kind in ("held", "on-access"):
            out = subprocess.run([sys.executable, __file__, "--one", str(n), kind], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            m = json.loads(out.strip().splitlines()[-1])
            print(f"{n:>9,} samples, dataset {kind:>9}: peak {m['peak_mb']:.0f} MB (after import "
                  f"{m['after_import_mb']:.0f} MB, dataset {m['dataset_mb']:.0f} MB), "
                  f"{m['ms_per_sample']:.4f} ms/sample end to end, "
                  f"engine {m['engine_ms_per_sample']:.4f} ms/sample")


if __name__ == "__main__":
    main()
