"""OpenAI-protocol client cost, run by hand: ``python bench/bench_openai_client.py``.

Starts one loopback OpenAI-protocol server in its own process (once with no
latency, once with 50 ms per request) and sends the same chat requests to it from

- hret's ``openai`` backend (``backend.generate``, one call for all prompts),
- a whole ``hret run``-style evaluation through ``PipelineRunner`` with default
  options (engine, scoring, records written to disk), on the same prompts,
- lm-evaluation-harness 0.4.13's ``local-chat-completions`` model
  (``generate_until``) with the same number in flight, in its own virtual
  environment: ``bench/.venvs/lmeval`` is created on first use by
  ``bench/lmeval_venv.py`` (or pass ``--lmeval-python``).

Each client runs in a fresh process; the table shows client CPU per request
(``time.process_time`` of that process over the timed part) and requests per
second, side by side. Ideal req/s at latency L with N in flight is N / L.
"server held ms" is how long the server held each request on average (its
sleep and its own work): on a loaded machine it exceeds L, and N / held is the
most any client could get from it. "of at most" compares with N divided by
the round trip of one request at a time through a plain blocking client, which
adds this machine's wake-up and transit costs to L.

The server (``--server asyncio``, the default) answers chat completions from one
asyncio loop with keep-alive, so that its own cost stays small next to the
clients'; ``--server threads`` uses the threaded test server of
``tests/openai_server.py`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

HRET_BACKEND = """
import json, sys, time
sys.path.insert(0, {root!r})
from hret.backends.openai_compat import OpenAIBackend
base_url, n, in_flight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
backend = OpenAIBackend("bench", base_url=base_url, max_concurrency=in_flight)
backend.generate([f"warm-up {{i}}" for i in range(in_flight)])
prompts = [f"question {{i}}" for i in range(n)]
cpu, wall = time.process_time(), time.perf_counter()
outputs = backend.generate(prompts)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert outputs == [f"echo: {{p}}" for p in prompts], outputs[:3]
backend.close()
print(json.dumps({{"cpu": cpu, "wall": wall}}))
"""

HRET_RUN = """
import json, sys, time, tempfile
sys.path.insert(0, {root!r})
import hret
base_url, n, in_flight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
for i in range(n):
    data.write(json.dumps({{"input": f"question {{i}}", "reference": f"echo: question {{i}}"}}) + "\\n")
data.close()
hret.configure(output_dir=tempfile.mkdtemp(), progress=False)
def run(limit):
    runner = hret.PipelineRunner(dataset_name=data.name, model_backend_name="openai",
                                 model_backend_params={{"model": "bench", "base_url": base_url,
                                                        "max_concurrency": in_flight}},
                                 column_map={{"input": "input", "reference": "reference"}},
                                 evaluation_method_name="exact_match", limit=limit)
    try:
        return runner.run()
    finally:
        runner.close()
run(in_flight)
cpu, wall = time.process_time(), time.perf_counter()
result = run(None)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert result.metrics["n"] == n and result.metrics["error_count"] == 0, result.metrics
print(json.dumps({{"cpu": cpu, "wall": wall}}))
"""

LMEVAL = """
import json, logging, sys, time
logging.disable(logging.WARNING)
from lm_eval.api.instance import Instance
from lm_eval.models.api_models import JsonChatStr
from lm_eval.models.openai_completions import LocalChatCompletion
base_url, n, in_flight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = LocalChatCompletion(base_url=base_url + "/chat/completions", model="bench",
                            num_concurrent=in_flight, tokenizer_backend=None,
                            tokenized_requests=False, max_retries=3)
def requests(prefix, count):
    return [Instance(request_type="generate_until", idx=i, doc={},
                     arguments=(JsonChatStr(json.dumps([{"role": "user", "content": f"{prefix} {i}"}])),
                                {"until": ["\\n\\n"], "max_gen_toks": 256}))
            for i in range(count)]
model.generate_until(requests("warm-up", in_flight), disable_tqdm=True)
batch = requests("question", n)
cpu, wall = time.process_time(), time.perf_counter()
outputs = model.generate_until(batch, disable_tqdm=True)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert sorted(outputs) == sorted(f"echo: question {i}" for i in range(n)), outputs[:3]
print(json.dumps({"cpu": cpu, "wall": wall}))
"""


SERVER = """
import asyncio, json, sys, time
latency = float(sys.argv[1])
count = 0
busy = 0.0  # seconds between reading a request and writing its answer, summed

async def handle(reader, writer):
    global count, busy
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            path = head.split(b" ", 2)[1]
            for line in head.split(b"\\r\\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            start = time.perf_counter()
            if path.endswith(b"/stats"):
                data = json.dumps({"requests": count, "busy": busy}).encode()
            else:
                count += 1
                request = json.loads(body)
                prompt = request["messages"][-1]["content"]
                if latency:
                    await asyncio.sleep(latency)
                text = "echo: " + prompt[-40:]
                data = json.dumps({"id": "chatcmpl-local", "object": "chat.completion", "created": 0,
                                   "model": request.get("model", ""),
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": text}}],
                                   "usage": {"prompt_tokens": 2, "completion_tokens": 3,
                                             "total_tokens": 5}}).encode()
            busy += time.perf_counter() - start
            writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: "
                         + str(len(data)).encode() + b"\\r\\n\\r\\n" + data)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"http://{host}:{port}/v1", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def lmeval_python(given: str | None) -> str | None:
    if given:
        return given
    sys.path.insert(0, str(Path(__file__).parent))
    import lmeval_venv

    try:
        return str(lmeval_venv.ensure())
    except subprocess.CalledProcessError:
        print("could not install lm-eval; measuring hret alone")
        return None


def server_stats(base_url: str) -> dict[str, float]:
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/stats") as response:
        return dict(json.load(response))


def round_trip(base_url: str, count: int = 40) -> float:
    """Seconds per request, one at a time, from a plain blocking ``http.client``
    keep-alive connection: the server's latency plus this machine's wake-up and
    transit costs, which no client can beat."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "ping"}]})
    times = []
    for _ in range(count + 1):
        start = time.perf_counter()
        connection.request("POST", f"{parts.path}/chat/completions", body,
                           {"Content-Type": "application/json"})
        connection.getresponse().read()
        times.append(time.perf_counter() - start)
    connection.close()
    return sorted(times[1:])[len(times) // 2]  # the median, after one warm-up


def client(python: str, code: str, base_url: str, n: int, in_flight: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([python, "-c", code, base_url, str(n), str(in_flight)], cwd=tmp,
                             capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"client failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2048)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--latency", type=float, action="append", default=None,
                        help="server latency in seconds (repeatable; default 0 and 0.05)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs per client")
    parser.add_argument("--server", choices=("asyncio", "threads"), default="asyncio")
    parser.add_argument("--lmeval-python", default=None,
                        help="python of a virtual environment with lm-eval 0.4.13 installed")
    args = parser.parse_args()
    clients: dict[str, tuple[str, str]] = {
        "hret backend.generate": (sys.executable, HRET_BACKEND.format(root=str(ROOT))),
        "hret run (PipelineRunner)": (sys.executable, HRET_RUN.format(root=str(ROOT))),
    }
    other = lmeval_python(args.lmeval_python)
    if other:
        clients["lm-eval local-chat-completions"] = (other, LMEVAL)
    print(f"{args.requests} chat requests, {args.in_flight} in flight, best of {args.repeats}; "
          f"client CPU per request and throughput")
    for latency in args.latency or [0.0, 0.05]:
        command = ["-c", SERVER] if args.server == "asyncio" else ["-m", "tests.openai_server"]
        server = subprocess.Popen([sys.executable, *command, str(latency)],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            ideal = args.in_flight / latency if latency else float("inf")
            rtt = round_trip(base_url)
            print(f"\n{args.server} server, latency {latency * 1000:.0f} ms (ideal {ideal:.0f} req/s); "
                  f"one request at a time takes {rtt * 1000:.2f} ms here "
                  f"(so at most {args.in_flight / rtt:.0f} req/s)")
            print(f"  {'client':<32} {'CPU ms/request':>15} {'req/s':>8} {'of ideal':>9}"
                  f" {'of at most':>11} {'server held ms':>15}")
            for name, (python, code) in clients.items():
                runs: list[dict[str, Any]] = []
                for _ in range(args.repeats):
                    before = server_stats(base_url) if args.server == "asyncio" else None
                    runs.append(client(python, code, base_url, args.requests, args.in_flight))
                    if before is not None:
                        after = server_stats(base_url)
                        runs[-1]["held"] = (after["busy"] - before["busy"]) / (after["requests"] - before["requests"])
                cpu = min(r["cpu"] for r in runs) / args.requests * 1000
                rate = args.requests / min(r["wall"] for r in runs)
                share = f"{rate / ideal:9.0%}" if latency else f"{'-':>9}"
                most = f"{rate * rtt / args.in_flight:11.0%}" if latency else f"{'-':>11}"
                held = min((r["held"] * 1000 for r in runs if "held" in r), default=float("nan"))
                print(f"  {name:<32} {cpu:15.3f} {rate:8.0f} {share} {most} {held:15.2f}", flush=True)
        finally:
            server.kill()
            server.wait()
    print(f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
