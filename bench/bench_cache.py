"""Response cache speed, run by hand: ``python bench/bench_cache.py``.

A model that takes 50 ms per answer is evaluated on the bundled ko-sample (100
questions) with a fresh cache, then again with every answer served from the
cache. The target: the second run at least 50x faster than the first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zlib
from pathlib import Path

import hret


def slow_model(prompt: str) -> str:
    time.sleep(0.05)
    return "정답: " + "ABCD"[zlib.crc32(prompt.encode()) % 4]


def run(cache: Path, workers: int) -> tuple[float, hret.EvaluationResult]:
    start = time.perf_counter()
    result = hret.quick_eval(slow_model, dataset="ko-sample", cache=str(cache),
                             max_workers=workers)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hret.configure(output_dir=str(Path(tmp) / "results"), progress=False)
        run(Path(tmp) / "warm-up.sqlite", 8)  # imports and dataset loading, not measured
        for workers in args.workers:
            cache = Path(tmp) / f"cache-{workers}.sqlite"
            first, cold = run(cache, workers)
            second, warm = run(cache, workers)
            assert warm.metrics["accuracy"] == cold.metrics["accuracy"]
            print(f"max_workers={workers}: first run {first:.3f} s, re-run from cache "
                  f"{second:.3f} s -> {first / second:.0f}x faster (target >= 50x)")


if __name__ == "__main__":
    main()
