"""The response cache: hits, misses, errors, repeats, SIGKILL resume, several processes."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.cache import model_identity, wrap_model
from hret.models import as_model

TIMING = ("duration_s", "latency_p50_ms", "latency_p95_ms")


def comparable(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if k not in TIMING}


def letter(prompt: str) -> str:
    """A deterministic 'model': a letter chosen by the prompt's hash."""
    return "정답: " + "ABCD"[zlib.crc32(prompt.encode()) % 4]


def rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])


class EchoBackend:
    """A backend with an identity and generation parameters, answering locally."""

    name = "echo"

    def __init__(self, model: str, max_new_tokens: int = 5, fail: Sequence[str] = ()) -> None:
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.fail = tuple(fail)
        self.calls = 0

    def identity(self) -> dict[str, str]:
        return {"backend": "echo", "model": self.model}

    def generation_params(self) -> dict[str, Any]:
        return {"max_new_tokens": self.max_new_tokens}

    def generate(self, inputs: Sequence[str], **params: Any) -> list[Any]:
        self.calls += len(inputs)
        return [RuntimeError("request failed") if any(f in p for f in self.fail) else letter(p)
                for p in inputs]


def test_a_rerun_is_served_from_the_cache(tmp_path: Path) -> None:
    calls = 0

    def model(prompt: str) -> str:
        nonlocal calls
        calls += 1
        return letter(prompt)

    cache = tmp_path / "cache.sqlite"
    first = hret.quick_eval(model, dataset="ko-sample", cache=str(cache))
    assert calls == 100 and rows(cache) == 100
    second = hret.quick_eval(model, dataset="ko-sample", cache=str(cache))
    assert calls == 100
    assert first.info["cache"] == {"path": str(cache), "hits": 0, "misses": 100}
    assert second.info["cache"] == {"path": str(cache), "hits": 100, "misses": 0}
    assert comparable(second.metrics) == comparable(first.metrics)
    assert [r["output"] for r in second.samples] == [r["output"] for r in first.samples]
    hret.configure(cache=str(cache))  # the global option works the same way
    hret.quick_eval(model, dataset="ko-sample")
    assert calls == 100


def test_changing_model_or_generation_parameter_misses(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache.sqlite")

    def run(backend: EchoBackend) -> int:
        hret.quick_eval(backend, dataset="ko-sample", cache=cache, limit=20)
        return backend.calls

    assert run(EchoBackend("m1")) == 20
    assert run(EchoBackend("m1")) == 0
    assert run(EchoBackend("m2")) == 20
    assert run(EchoBackend("m1", max_new_tokens=6)) == 20

    def other(prompt: str) -> str:
        return letter(prompt)

    assert model_identity(as_model(letter)) != model_identity(as_model(other))
    assert model_identity(as_model(letter))["model"]["function"] == f"{__name__}.letter"


def test_errors_are_never_cached(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache.sqlite")
    samples = hret.load_dataset("ko-sample").samples
    doomed = [str(samples[i].input) for i in (3, 40, 77)]
    flaky = EchoBackend("m", fail=doomed)
    result = hret.quick_eval(flaky, dataset="ko-sample", cache=cache)
    # a failed request is an error record for its own sample only
    assert [r["index"] for r in result.samples if r["error"]] == [3, 40, 77]
    assert result.metrics["n"] == 97
    healthy = EchoBackend("m")
    again = hret.quick_eval(healthy, dataset="ko-sample", cache=cache)
    assert healthy.calls == 3 and again.metrics["error_count"] == 0

    def raising(prompt: str) -> str:
        raise ConnectionError("down")

    hret.quick_eval(raising, dataset="ko-sample", cache=cache, limit=5)
    assert rows(Path(cache)) == 100


def test_repeated_prompts_get_their_own_entries(tmp_path: Path) -> None:
    rng = random.Random(0)
    seen: list[list[str]] = []

    @hret.batched
    def sampler(prompts: list[str]) -> list[str]:
        seen.append(list(prompts))
        return [f"{p}-{rng.random()}" for p in prompts]

    prompts = ["p", "p", "q", "p"]
    first = wrap_model(as_model(sampler), tmp_path / "c.sqlite").call(prompts)
    assert len(set(first)) == 4  # three samples of "p" stay three answers
    again = wrap_model(as_model(sampler), tmp_path / "c.sqlite").call(prompts)
    assert again == first and len(seen) == 1


def test_async_and_batched_models(tmp_path: Path) -> None:
    calls = {"async": 0, "batched": 0}

    async def async_model(prompt: str) -> str:
        calls["async"] += 1
        await asyncio.sleep(0)
        return letter(prompt)

    def batched(prompts: list[str]) -> list[str]:
        calls["batched"] += len(prompts)
        return [letter(p) for p in prompts]

    batched_model = hret.batched(batched, batch_size=7)

    cache = str(tmp_path / "cache.sqlite")
    for model in (async_model, batched_model, async_model, batched_model):
        result = hret.quick_eval(model, dataset="ko-sample", cache=cache, limit=30)
        assert result.metrics["error_count"] == 0
    assert calls == {"async": 30, "batched": 30}


def test_log_likelihood_scores_are_cached(tmp_path: Path, hf_backend: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = str(tmp_path / "cache.sqlite")
    options = {"dataset": "ko-sample", "evaluation_method": "log_likelihood", "limit": 10,
               "cache": cache}
    first = hret.quick_eval(hf_backend, **options)

    def unreachable(requests: Any) -> Any:
        raise AssertionError("served from the cache, the model is not asked")

    monkeypatch.setattr(hf_backend, "loglikelihood", unreachable)
    second = hret.quick_eval(hf_backend, **options)
    assert second.metrics["error_count"] == 0
    assert comparable(second.metrics) == comparable(first.metrics)
    # generating with the same backend is not answered by the scores
    assert hret.quick_eval(hf_backend, dataset="ko-sample", limit=2, cache=cache,
                           max_workers=1).metrics["error_count"] == 0


SCRIPT = """
import json, sys, time, zlib
import hret

calls_path, cache, out_path, output_dir = sys.argv[1:5]

def model(prompt):
    with open(calls_path, "a") as calls:
        calls.write("x\\n")
    time.sleep(0.01)
    return "정답: " + "ABCD"[zlib.crc32(prompt.encode()) % 4]

hret.configure(output_dir=output_dir, progress=False)
result = hret.quick_eval(model, dataset="ko-sample", cache=None if cache == "-" else cache,
                         max_workers=int(sys.argv[5]) if len(sys.argv) > 5 else 1)
with open(out_path, "w") as out:
    json.dump(result.metrics, out)
"""


def run_script(tmp_path: Path, calls: Path, cache: str, out: Path, *extra: str
               ) -> subprocess.Popen[bytes]:
    script = tmp_path / "run_eval.py"
    script.write_text(SCRIPT, encoding="utf-8")
    return subprocess.Popen([sys.executable, str(script), str(calls), cache, str(out),
                             str(tmp_path / "out"), *extra])


def count_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_run_killed_with_sigkill_resumes_with_equal_metrics(tmp_path: Path) -> None:
    import json

    cache = tmp_path / "cache.sqlite"
    calls = tmp_path / "calls.txt"
    killed = run_script(tmp_path, calls, str(cache), tmp_path / "killed.json")
    deadline = time.monotonic() + 120
    while count_lines(calls) < 40:
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert not (tmp_path / "killed.json").exists()
    stored, called = rows(cache), count_lines(calls)
    assert 40 <= called < 100 and called - 1 <= stored <= called

    resumed = run_script(tmp_path, calls, str(cache), tmp_path / "resumed.json")
    assert resumed.wait(timeout=120) == 0
    assert count_lines(calls) - called == 100 - stored  # only the missing samples ran
    fresh = run_script(tmp_path, tmp_path / "fresh_calls.txt", "-", tmp_path / "fresh.json")
    assert fresh.wait(timeout=120) == 0
    resumed_metrics = json.loads((tmp_path / "resumed.json").read_text())
    fresh_metrics = json.loads((tmp_path / "fresh.json").read_text())
    assert resumed_metrics["error_count"] == 0
    assert comparable(resumed_metrics) == comparable(fresh_metrics)


def test_several_processes_write_one_cache_at_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    workers = [run_script(tmp_path, tmp_path / f"calls{i}.txt", str(cache),
                          tmp_path / f"out{i}.json", "4") for i in range(3)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    assert rows(cache) == 100
    assert sum(count_lines(tmp_path / f"calls{i}.txt") for i in range(3)) >= 100


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_cache_shared_by_xdist_workers(pytester: pytest.Pytester,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_FILE", str(pytester.path / "cache.sqlite"))
    pytester.makepyfile(test_cached=textwrap.dedent("""
        import os, zlib
        import pytest
        import hret

        def model(prompt):
            if os.environ.get("FORBID_CALLS"):
                raise RuntimeError("should have been served from the cache")
            return "정답: " + "ABCD"[zlib.crc32(prompt.encode()) % 4]

        @pytest.mark.parametrize("seed", range(4))
        def test_eval(seed, tmp_path):
            hret.configure(output_dir=str(tmp_path), progress=False)
            result = hret.quick_eval(model, dataset="ko-sample", limit=60, seed=seed,
                                     cache=os.environ["CACHE_FILE"], max_workers=4)
            assert result.metrics["error_count"] == 0
    """))
    first = pytester.runpytest_subprocess("-n", "2", "-p", "no:hret", "-p", "no:cacheprovider")
    first.assert_outcomes(passed=4)
    monkeypatch.setenv("FORBID_CALLS", "1")
    second = pytester.runpytest_subprocess("-n", "2", "-p", "no:hret", "-p", "no:cacheprovider")
    second.assert_outcomes(passed=4)
