"""Speed of the pytest plugin, run by hand; prints figures.

    python bench/bench_plugin.py [--runs 7] [--items 10] [--seconds 2.0]

1. Overhead on a session without hret items: the same 50 plain tests with the
   plugin (default) and without it (``-p no:hret``). Target: < 50 ms.
2. Scaling: CPU-bound evaluation items under ``-n 2`` against ``-n 0``.
   Target: >= 1.7x faster (needs 2 free cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PLAIN_TESTS = "\n".join(f"def test_{i}():\n    assert {i} + 1 > {i}\n" for i in range(50))

CPU_ITEMS = '''
import hashlib

import hret

ANSWERS = {{str(s.input): s.reference for s in hret.load_dataset("ko-sample")}}
ROUNDS = {rounds}


def think(prompt):
    """CPU-bound stand-in for a local model: hash chains, no I/O."""
    digest = prompt.encode()
    for _ in range(ROUNDS):
        digest = hashlib.sha256(digest).digest()
    question = prompt.rsplit("질문: ", 1)[-1].split("\\n", 1)[0]
    return "정답: " + ANSWERS[question]

'''
CPU_ITEM = '''
@hret.evaluate(dataset="ko-sample", limit=20, max_workers=1, threshold={{"accuracy": 1.0}})
def item_{i}(prompt):
    return think(prompt)
'''


def env() -> dict[str, str]:
    values = dict(os.environ)
    values.update({"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
                   "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true",
                   "WANDB_MODE": "offline"})
    # let pytest cache its rewritten modules, as in a normal installation
    values.pop("PYTHONDONTWRITEBYTECODE", None)
    return values


def pytest_seconds(where: Path, *args: str) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=where, env=env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def overhead(runs: int) -> None:
    variants = {"default": (), "-p no:hret": ("-p", "no:hret"),
                # the core plugin alone, without the MLOps options module it loads
                "-p no:pytest_hret.mlops": ("-p", "no:pytest_hret.mlops")}
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        (where / "test_plain.py").write_text(PLAIN_TESTS, encoding="utf-8")
        for args in variants.values():  # warm caches
            pytest_seconds(where, *args)
        for _ in range(runs):  # interleaved, so drifting load hits all alike
            for name, args in variants.items():
                times[name].append(pytest_seconds(where, *args))
    base = statistics.median(times["-p no:hret"])
    print(f"no hret items, 50 tests, median of {runs} (best in brackets):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<26} {median * 1000:6.0f} ms [{min(values) * 1000:.0f}]  "
              f"overhead {(median - base) * 1000:+.0f} ms "
              f"[{(min(values) - min(times['-p no:hret'])) * 1000:+.0f}]")
    print("  target: overhead < 50 ms")


def calibrate(seconds: float) -> int:
    """Hash rounds per call so that one item (20 calls) takes about ``seconds``."""
    import hashlib

    rounds, start = 200_000, time.perf_counter()
    digest = b"x"
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    per_round = (time.perf_counter() - start) / rounds
    return max(1000, int(seconds / 20 / per_round))


def scaling(items: int, seconds: float, runs: int) -> None:
    rounds = calibrate(seconds)
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        source = CPU_ITEMS.format(rounds=rounds) + "".join(CPU_ITEM.format(i=i) for i in range(items))
        (where / "test_cpu.py").write_text(textwrap.dedent(source), encoding="utf-8")
        serial, parallel = [], []
        for _ in range(runs):
            serial.append(pytest_seconds(where, "-n", "0"))
            parallel.append(pytest_seconds(where, "-n", "2"))
    a, b = statistics.median(serial), statistics.median(parallel)
    print(f"{items} CPU-bound items (~{seconds:.1f} s each), median of {runs}: -n 0 {a:.2f} s, "
          f"-n 2 {b:.2f} s, speed-up {a / b:.2f}x (target >= 1.7x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="repetitions of each overhead run")
    parser.add_argument("--items", type=int, default=10, help="evaluation items in the scaling run")
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU time of one item")
    parser.add_argument("--scaling-runs", type=int, default=3, help="0 skips the scaling run")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    overhead(args.runs)
    if args.scaling_runs:
        scaling(args.items, args.seconds, args.scaling_runs)


if __name__ == "__main__":
    main()
