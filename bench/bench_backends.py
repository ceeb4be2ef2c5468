"""Backend throughput, run by hand: ``python bench/bench_backends.py``.

1. Multiple-choice log-likelihood on the bundled ko-sample (100 questions x 4
   options) with the tiny Llama of ``tests/tiny_model.py``: hret's huggingface
   backend against lm-evaluation-harness's HF backend (when ``lm_eval`` is
   installed), same model, same requests, side by side. Both single-token
   continuations (`` A``..`` D``) and the options' own texts.
2. The openai backend against the local OpenAI-protocol server (in its own
   process, 50 ms per request): requests kept in flight and client overhead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def mc_requests(choices: str) -> list[tuple[str, str]]:
    import hret
    from hret.prompts.templates import DEFAULT_MC

    requests = []
    for sample in hret.load_dataset("ko-sample").samples:
        prompt = DEFAULT_MC.render(sample)
        texts = "ABCD"[: len(sample.options)] if choices == "labels" else sample.options
        requests += [(prompt, f" {text}") for text in texts]
    return requests


def best_times(fns: list[Any], repeats: int) -> list[tuple[float, Any]]:
    """Best wall time and result of each function, run in turns so that load
    from other processes hits all of them alike."""
    results = [fn() for fn in fns]  # warm-up
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return list(zip(best, results, strict=True))


def bench_loglikelihood(model_path: Path, batch_size: int, repeats: int) -> None:
    import torch

    from hret.backends.huggingface import HuggingFaceBackend

    torch.set_num_threads(1)
    ours = HuggingFaceBackend(model_path, chat_template=False, batch_size=batch_size)
    theirs = None
    try:
        from lm_eval.api.instance import Instance
        from lm_eval.models.huggingface import HFLM

        theirs = HFLM(pretrained=str(model_path), batch_size=batch_size, device="cpu",
                      dtype="float32")
    except ImportError as exc:
        print(f"lm-evaluation-harness not importable ({exc}); measuring hret alone")

    print(f"\nmultiple-choice log-likelihood, tiny Llama on CPU, batch_size={batch_size}, "
          f"best of {repeats}")
    for choices in ("labels", "options"):
        requests = mc_requests(choices)
        single = sum(len(k) == 1 for _, k in ours.encoder.encode_pairs(requests))
        runs = [lambda r=requests: ours.loglikelihood(r)]
        if theirs is not None:
            instances = [Instance(request_type="loglikelihood", doc={}, arguments=r, idx=i)
                         for i, r in enumerate(requests)]
            runs.append(lambda i=instances: theirs.loglikelihood(i, disable_tqdm=True))
        timings = best_times(runs, repeats)
        seconds, got = timings[0]
        line = (f"  {choices:<8} {len(requests)} requests ({single} single-token): "
                f"hret {len(requests) / seconds:8.1f} req/s")
        if theirs is not None:
            their_s, their = timings[1]
            gap = max(abs(a[0] - b[0]) for a, b in zip(got, their, strict=True))
            line += (f" | lm-eval {len(requests) / their_s:8.1f} req/s | hret/lm-eval "
                     f"{their_s / seconds:5.2f}x | max |logprob diff| {gap:.2e}")
        print(line)


def bench_openai(latency: float, requests: int, in_flight: int) -> None:
    from hret.backends.openai_compat import OpenAIBackend

    server = subprocess.Popen([sys.executable, "-m", "tests.openai_server", str(latency)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        backend = OpenAIBackend("bench", base_url=base_url, api_key="sk-bench",
                                max_concurrency=in_flight)
        backend.generate([f"warm-up {i}" for i in range(in_flight)])
        prompts = [f"question {i}" for i in range(requests)]
        cpu, wall = time.process_time(), time.perf_counter()
        outputs = backend.generate(prompts)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert outputs == [f"echo: {p}" for p in prompts]
        with urllib.request.urlopen(f"{base_url}/stats") as response:
            stats = json.load(response)
        ideal = requests * latency / in_flight
        print(f"\nopenai backend, {requests} chat requests, server latency {latency * 1000:.0f} ms, "
              f"max_concurrency={in_flight}")
        print(f"  in flight at the server: max {stats['max_in_flight']}")
        print(f"  wall {wall:.2f} s (ideal {ideal:.2f} s) -> {requests / wall:.0f} req/s")
        print(f"  client CPU {cpu / requests * 1000:.2f} ms/request; wall beyond ideal "
              f"{(wall - ideal) / requests * 1000:.2f} ms/request")
        backend.close()
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2048)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--skip", choices=("loglikelihood", "openai"), action="append", default=[])
    args = parser.parse_args()
    if "loglikelihood" not in args.skip:
        from tests.tiny_model import build_tiny_causal_lm

        with tempfile.TemporaryDirectory() as tmp:
            bench_loglikelihood(build_tiny_causal_lm(Path(tmp) / "tiny"), args.batch_size,
                                args.repeats)
    if "openai" not in args.skip:
        bench_openai(args.latency, args.requests, args.in_flight)


if __name__ == "__main__":
    main()
