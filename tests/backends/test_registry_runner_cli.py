"""Backends by name, PipelineRunner and the ``hret run`` / ``hret list`` commands."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.backends.registry import BACKENDS, create_backend
from hret.cli import main
from hret.errors import ConfigError, UnknownNameError
from hret.registry import requires
from tests.backends.helpers import answer_key
from tests.openai_server import OpenAIServer


def test_registry_names_and_errors() -> None:
    assert {"huggingface", "openai", "vllm", "litellm"} <= set(BACKENDS.names())
    with pytest.raises(UnknownNameError, match="Did you mean 'openai'"):
        create_backend("opnai", model="m")
    with pytest.raises(ConfigError, match="Did you mean 'max_concurrency'"):
        create_backend("openai", model="m", base_url="http://127.0.0.1:9/v1", max_concurency=2)
    with pytest.raises(ConfigError, match="missing 1 required"):
        create_backend("openai", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="both given"):
        create_backend("openai", model="a", model_name="b")


def test_naming_backends_imports_nothing_heavy() -> None:
    code = ("import sys, hret, hret.backends.registry as r, hret.cache, hret.runner, hret.cli.run;"
            "r.BACKENDS.get('huggingface'); r.BACKENDS.get('vllm');"
            "print(sorted(m for m in ('torch', 'transformers', 'openai', 'litellm', 'vllm', "
            "'pytest') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pipeline_runner_and_quick_eval_by_name() -> None:
    with OpenAIServer(answer_key) as server:
        runner = hret.PipelineRunner(
            dataset_name="ko-sample", split="test", model_backend_name="openai",
            model_backend_params={"model_name": "tiny", "api_base": server.base_url,
                                  "api_key": "sk-x"},
            evaluation_method_name="string_match", limit=10)
        result = runner.run()
        runner.close()
        assert isinstance(result, hret.EvaluationResult)
        assert result.metrics["accuracy"] == 1.0 and result.metrics["n"] == 10
        assert result.info["backend"]["model"] == "tiny" and result.info["usage"]["requests"] == 10
        quick = hret.quick_eval("openai", dataset="ko-sample", limit=5,
                                model_params={"model": "tiny", "base_url": server.base_url})
        assert quick.metrics["accuracy"] == 1.0
    with pytest.raises(ConfigError, match="scaling_method_name"):
        hret.PipelineRunner(model_backend_name="openai", scaling_method_name="best_of_n")


class ClosingBackend:
    """Answers "A" to everything and records whether it was closed."""

    name = "closing"

    def __init__(self) -> None:
        self.closed = False

    def generate(self, inputs: list[str], **params: Any) -> list[str]:
        return ["A" for _ in inputs]

    def close(self) -> None:
        self.closed = True


def test_backends_made_by_name_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ClosingBackend] = []

    def factory(**params: Any) -> ClosingBackend:
        made.append(ClosingBackend())
        return made[-1]

    monkeypatch.setitem(BACKENDS._entries, "closing", factory)
    assert hret.quick_eval("closing", dataset="ko-sample", limit=3).metrics["n"] == 3
    runner = hret.PipelineRunner(dataset_name="ko-sample", model_backend_name="closing", limit=3)
    runner.run()
    assert [b.closed for b in made] == [True, False]  # the runner reuses its backend
    runner.close()
    assert main(["run", "--dataset", "ko-sample", "--backend", "closing", "--limit", "3"]) == 0
    assert [b.closed for b in made] == [True, True, True]


def test_hret_run_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "result.json"
    with OpenAIServer(answer_key) as server:
        code = main(["run", "--dataset", "ko-sample", "--backend", "openai",
                     "--backend-params", json.dumps({"model": "tiny"}),
                     "-p", f"base_url={server.base_url}", "-p", "max_concurrency=4",
                     "--method", "string_match", "--limit", "8", "--output", str(output)])
    assert code == 0
    saved = json.loads(output.read_text())
    assert saved["metrics"]["n"] == 8 and saved["metrics"]["accuracy"] == 1.0
    printed = capsys.readouterr().out
    assert f"result: {output}" in printed and "accuracy" in printed
    assert main(["run", "--backend", "openai", "-p", "nonsense"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_hret_list_shows_each_entrys_extra_and_whether_it_is_installed(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # an entry whose module does not exist anywhere
    monkeypatch.setitem(BACKENDS._entries, "remote-thing",
                        requires(("hret_no_such_module", "remote"))(lambda **params: None))
    assert main(["list", "backends"]) == 0
    rows = [line.split(None, 2) for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["name", "extra", "installed"]
    assert [row[0] for row in rows[1:]] == BACKENDS.names()
    table = {row[0]: row[1:] for row in rows[1:]}
    assert table["remote-thing"] == ["remote", "no: pip install 'pytest-hret[remote]'"]
    assert table["huggingface"] == ["transformers", "yes"]  # torch and transformers are here
    vllm = "yes" if importlib.util.find_spec("vllm") else "no: pip install 'pytest-hret[vllm]'"
    assert table["vllm"] == ["vllm", vllm]
    assert main(["list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line for line in listing if not line.startswith(" ")] == [
        "datasets:", "methods:", "backends:", "sinks:"]
    found = {tuple(line.split(None, 2)) for line in listing}
    assert {("ko-sample", "-", "yes"), ("kmmlu", "datasets", "yes"), ("math_match", "math", "yes"),
            ("string_match", "-", "yes"), ("mlflow", "mlflow", "yes"), ("wandb", "wandb", "yes")} <= found
