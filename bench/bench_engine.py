"""Harness overhead and concurrency of the engine (run by hand).

    python bench/bench_engine.py [--samples 100000]

1. Overhead: an instant model over N samples, records kept and streamed to JSONL;
   reports ms per sample (target <= 0.05).
2. Threads: 1,000 samples, a model sleeping 50 ms, max_workers=64; reports the
   share of ideal wall time (ideal = 1000 / 64 * 50 ms).
3. Async: the same with an async model at 256 in flight.
4. ``import hret`` time in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time

import hret
from hret.datasets import Dataset
from hret.sample import Sample


def synthetic(n: int) -> Dataset:
    options = ("서울", "부산", "대구", "인천")
    samples = tuple(
        Sample(id=f"bench/s{i % 10}/test/{i}", input=f"문제 {i}: 대한민국의 수도는?",
               reference="A", options=options, subset=f"s{i % 10}", category="Other")
        for i in range(n)
    )
    return Dataset("bench", samples)


def overhead(n: int) -> None:
    data = synthetic(n)

    def instant(prompt: str) -> str:
        return "정답: A"

    hret.quick_eval(instant, dataset=synthetic(1000), max_workers=1)  # warm-up
    start = time.perf_counter()
    result = hret.quick_eval(instant, dataset=data, max_workers=1)
    total = time.perf_counter() - start
    assert result.metrics["n"] == n and len(result.samples) == n
    print(f"overhead: {n} samples in {total:.2f} s end to end = {total / n * 1000:.4f} ms/sample "
          f"(engine only {result.metrics['duration_s'] / n * 1000:.4f} ms/sample)")


def threads(n: int = 1000, workers: int = 64, delay: float = 0.05) -> None:
    def slow(prompt: str) -> str:
        time.sleep(delay)
        return "A"

    ideal = n / workers * delay
    start = time.perf_counter()
    hret.quick_eval(slow, dataset=synthetic(n), max_workers=workers)
    wall = time.perf_counter() - start
    print(f"threads: {n} x {delay * 1000:.0f} ms at {workers} workers: {wall:.2f} s, ideal {ideal:.2f} s "
          f"-> {ideal / wall * 100:.1f}% of ideal")


def async_in_flight(n: int = 1000, workers: int = 256, delay: float = 0.05) -> None:
    async def slow(prompt: str) -> str:
        await asyncio.sleep(delay)
        return "A"

    ideal = -(-n // workers) * delay
    hret.quick_eval(slow, dataset=synthetic(10), max_workers=workers)  # warm-up: imports asyncio
    start = time.perf_counter()
    hret.quick_eval(slow, dataset=synthetic(n), max_workers=workers)
    wall = time.perf_counter() - start
    print(f"async: {n} x {delay * 1000:.0f} ms at {workers} in flight: {wall:.3f} s, ideal {ideal:.3f} s "
          f"-> {ideal / wall * 100:.1f}% of ideal")


def import_time(repeats: int = 5) -> None:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import hret"], check=True)
        with_import = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare = time.perf_counter() - start
        times.append(with_import - bare)
    print(f"import hret: {min(times) * 1000:.1f} ms (best of {repeats}, interpreter start subtracted)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100_000)
    args = parser.parse_args()
    hret.configure(output_dir=tempfile.mkdtemp(prefix="hret-bench-"), progress=False)
    overhead(args.samples)
    threads()
    async_in_flight()
    import_time()


if __name__ == "__main__":
    main()
