"""Every configuration value is checked when it is set: key, value, what is
allowed and the fix; the command line names the option that failed."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import hret
from hret.backends.registry import BACKENDS
from hret.cli import main
from hret.errors import ConfigError


def test_configure_rejects_a_cache_that_is_not_a_path() -> None:
    with pytest.raises(ConfigError) as info:
        hret.configure(cache=123)
    assert str(info.value) == ("cache=123 must be a file or directory path (a string); "
                               "e.g. cache='hret_cache.sqlite'")
    assert hret.get_config().cache is None  # nothing was set


def test_yaml_config_value_is_checked_when_loaded(tmp_path: Path) -> None:
    path = tmp_path / "hret.yaml"
    path.write_text("cache: 123\nmax_workers: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cache=123 must be a file or directory path.*"
                                          rf"e.g. cache='hret_cache.sqlite' \(in {path}\)"):
        hret.load_config(path)
    assert hret.get_config().max_workers != 4


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("max_workers", "x", "an integer >= 1"),
    ("timeout", 0, "a number of seconds > 0"),
    ("timeout", "30", "a number of seconds > 0"),
    ("limit", 2.5, "an integer >= 1"),
])
def test_evaluation_options_raise_config_error(key: str, value: Any, allowed: str) -> None:
    with pytest.raises(ConfigError, match=rf"{key}={value!r} must be {allowed}.*e.g. {key}="):
        hret.quick_eval(lambda p: "A", dataset="ko-sample", **{key: value})
    with pytest.raises(ConfigError, match=rf"{key}={value!r} must be {allowed}"):
        hret.configure(**{key: value})


def test_hret_run_names_the_option_that_failed_to_parse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--backend", "x", "--evaluator-params", "{bad"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --evaluator-params: '{bad' is not valid JSON" in err
    assert "expected a JSON object" in err
    with pytest.raises(SystemExit):
        main(["run", "--backend", "x", "--timeout", "soon"])
    assert "argument --timeout: 'soon' is not a number of seconds" in capsys.readouterr().err


class HangingBackend:
    """Answers "A", except that a batch holding the third question never returns."""

    name = "hanging"

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.calls = 0

    def generate(self, inputs: list[str], **params: Any) -> list[str]:
        self.calls += 1
        if self.calls == 3:
            self.release.wait(30)
        return ["정답: A" for _ in inputs]

    def close(self) -> None:
        self.release.set()


def test_hret_run_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    release = threading.Event()
    monkeypatch.setitem(BACKENDS._entries, "hanging", lambda **_: HangingBackend(release))
    output = tmp_path / "result.json"
    start = time.perf_counter()
    try:
        code = main(["run", "--dataset", "ko-sample", "--backend", "hanging", "--limit", "10",
                     "--batch-size", "2", "--max-workers", "1", "--timeout", "0.5", "--max-error-rate", "0.5",
                     "--output", str(output)])
    finally:
        release.set()
    assert code == 0 and time.perf_counter() - start < 8
    result = hret.EvaluationResult.load_json(output)
    errors = [r["error"] for r in result.samples if r["error"]]
    assert result.metrics["error_count"] == 2 and result.metrics["n"] == 8
    assert all("timeout after 0.5 s" in e for e in errors)
    assert result.info["timeouts"]["abandoned_threads"] == 1
