"""The openai backend over several replicas of one model, through real HTTP."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

import hret
from hret.backends.openai_compat import OpenAIBackend
from hret.errors import ConfigError
from tests.openai_server import OpenAIServer


@pytest.fixture
def pair() -> Iterator[tuple[OpenAIServer, OpenAIServer]]:
    with OpenAIServer(latency=0.01) as first, OpenAIServer(latency=0.01) as second:
        yield first, second


def test_requests_spread_over_replicas(pair: tuple[OpenAIServer, OpenAIServer]) -> None:
    first, second = pair
    result = hret.quick_eval("openai", dataset="ko-sample", evaluation_method="string_match",
                             model_params={"model": "tiny", "base_url": [first.base_url, second.base_url],
                                           "max_concurrency": 16})
    assert result.metrics["n"] == 100 and result.metrics["error_count"] == 0
    counts = [len(first.seen), len(second.seen)]
    assert sum(counts) == 100 and all(40 <= c <= 60 for c in counts), counts
    replicas = result.info["usage"]["replicas"]
    assert replicas == {first.base_url: {"requests": counts[0], "failures": 0, "taken_out": 0},
                        second.base_url: {"requests": counts[1], "failures": 0, "taken_out": 0}}
    assert result.info["backend"]["base_url"] == f"{first.base_url} {second.base_url}"


def test_a_killed_replica_s_requests_finish_on_the_other(pair: tuple[OpenAIServer, OpenAIServer]
                                                         ) -> None:
    doomed, survivor = pair
    prompts = [f"question {i}" for i in range(300)]
    backend = OpenAIBackend("tiny", base_url=[doomed.base_url, survivor.base_url],
                            max_concurrency=16, backoff_base=0.01, backoff_max=0.05)

    def kill_when_busy() -> None:
        while len(doomed.seen) < 40:
            time.sleep(0.002)
        doomed.kill()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    try:
        outputs = backend.generate(prompts)
    finally:
        killer.join()
        usage = backend.usage()
        backend.close()
    assert outputs == [f"echo: {p}" for p in prompts]  # none lost, none out of place
    counts = usage["replicas"]
    assert counts[doomed.base_url]["taken_out"] >= 1 and counts[doomed.base_url]["failures"] >= 1
    answered = counts[doomed.base_url]["requests"] + counts[survivor.base_url]["requests"]
    assert answered == usage["requests"] == len(prompts)  # each answered once
    asked_survivor = Counter(s.body["messages"][-1]["content"] for s in survivor.seen)
    assert max(asked_survivor.values()) == 1  # no prompt sent twice to the survivor
    seen_by_doomed = {s.body["messages"][-1]["content"] for s in doomed.seen}
    assert set(prompts) == seen_by_doomed | set(asked_survivor)
    assert counts[survivor.base_url]["requests"] > len(prompts) / 2


def test_replica_urls_are_checked() -> None:
    with pytest.raises(ConfigError, match="lists a URL twice"):
        OpenAIBackend("m", base_url=["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"])
    with pytest.raises(ConfigError, match="must be a URL or a list of URLs"):
        OpenAIBackend("m", base_url=[])
    with pytest.raises(ConfigError, match="http:// or https://"):
        OpenAIBackend("m", base_url="localhost:8000/v1")
