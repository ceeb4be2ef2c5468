"""One gate everywhere (library, ``hret run``, pytest), checks before the run,
nothing lost after it, and progress you can see."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest

import hret
from hret.cli import main
from tests.library.helpers import oracle
from tests.openai_server import Behaviour, OpenAIServer
from tests.plugin.plugin_support import Inner


def test_a_script_result_fails_above_max_error_rate() -> None:
    answer = oracle()
    calls = {"n": 0}

    def flaky(prompt: str) -> str:
        calls["n"] += 1
        if "2" in prompt[-12:] or calls["n"] % 4 == 0:
            raise RuntimeError("backend hiccup")
        return answer(prompt)

    hret.configure(max_error_rate=0.05)
    result = hret.quick_eval(flaky, dataset="ko-sample", limit=40, max_workers=1)
    assert 0.05 < result.metrics["error_rate"] < 1 and result.metrics["n"] > 0
    assert not result.passed
    assert any("> max_error_rate 0.05" in reason for reason in result.gate_failures())
    tolerant = hret.quick_eval(flaky, dataset="ko-sample", limit=40, max_workers=1, max_error_rate=1.0)
    assert tolerant.passed


def test_hret_run_exits_1_when_every_call_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with OpenAIServer() as server:
        server.rule("", Behaviour(status=500))
        code = main(["run", "-d", "ko-sample", "-b", "openai", "-p", "model=m", "-p", f"base_url={server.base_url}",
                     "-p", "max_retries=0", "--limit", "6"])
    assert code == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("hret run: FAILED") and "error rate 100%" in last


def test_hret_run_prints_the_headline_with_its_interval_and_subjects(capsys: pytest.CaptureFixture[str]) -> None:
    with OpenAIServer() as server:
        code = main(["run", "-d", "ko-sample", "-b", "openai", "-p", "model=m", "-p", f"base_url={server.base_url}",
                     "--limit", "20", "--threshold", "accuracy=0.99"])
    out = capsys.readouterr().out
    assert code == 1 and "accuracy (95% CI)" in out and "  Math" in out
    assert "FAILED bound >= 0.99 (from the command line)" in out.splitlines()[-1]


def test_a_misspelt_threshold_fails_before_any_model_call() -> None:
    calls = []

    def slow(prompt: str) -> str:
        calls.append(prompt)
        time.sleep(10)
        return "A"

    with pytest.raises(hret.ThresholdError, match="'acuracy'.*Did you mean 'accuracy'"):
        hret.quick_eval(slow, dataset="ko-sample", threshold={"acuracy": 0.5})
    with pytest.raises(hret.ThresholdError, match="'acuracy'"):
        hret.evaluate(dataset="ko-sample", evaluation_method="string_match", threshold={"acuracy": 0.5})(slow)
    assert calls == []


def test_an_error_after_sampling_still_saves_the_result_and_the_run(tmp_path: Path) -> None:
    def broken_metric(predictions: list[str], references: list[str]) -> dict[str, float]:
        raise ValueError("metric bug")

    with pytest.raises(ValueError, match="metric bug"):
        with hret.evaluation_context(dataset="ko-sample", limit=10, evaluation_method_name="custom",
                                     evaluator_params={"custom_evaluator": broken_metric}) as ctx:
            ctx.evaluate(oracle(), label="m")
    [result_file] = (tmp_path / "hret_results" / "runs").glob("*/m.result.json")
    saved = json.loads(result_file.read_text(encoding="utf-8"))
    assert saved["metrics"]["n_total"] == 10 and "metric bug" in saved["info"]["failure"]
    assert len(saved["samples"]) == 10
    [samples] = (tmp_path / "hret_results" / "runs").glob("*/m.samples.jsonl")
    assert len(samples.read_text(encoding="utf-8").splitlines()) == 10
    [entry] = hret.get_metrics_history()
    assert entry["metadata"]["status"] == "failed"
    run = json.loads(next((tmp_path / "hret_results" / "runs").glob("*/run.json")).read_text(encoding="utf-8"))
    assert [r["info"]["model"] for r in run["results"]] == ["m"]


def test_progress_lines_without_a_terminal_have_an_eta(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def model(prompt: str) -> str:
        time.sleep(0.005)
        return "A"

    class Collector:
        def __init__(self) -> None:
            self.progress_writer = lambda line: (lock.acquire(), seen.append(line), lock.release())

        def add_result(self, label: str, result: object) -> None: ...

        def add_tracked(self, name: str, metrics: object) -> None: ...

    from hret.capture import collecting

    rows = [{"question": f"질문 {i}", "A": "가", "B": "나", "C": "다", "D": "라", "answer": "A"} for i in range(600)]
    path = Path("big.jsonl")
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    with collecting(Collector()):
        hret.quick_eval(model, dataset=str(path), max_workers=1, progress="auto")
    assert seen and all("ETA" in line and "/600" in line for line in seen)
    assert seen[-1].startswith("hret model: 600/600 (100%)") and "accuracy 1.000 errors 0" in seen[-1]


def test_pytest_shows_progress_without_s_and_q_silences_it(inner: Inner) -> None:
    inner.module('''
        import time

        @hret.evaluate(dataset="big.jsonl", max_workers=2)
        def slowish(prompt):
            time.sleep(0.005)
            return "A"
    ''')
    rows = [{"question": f"질문 {i}", "A": "가", "B": "나", "C": "다", "D": "라", "answer": "A"} for i in range(2000)]
    (inner.path / "big.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                          encoding="utf-8")
    shown = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider")
    shown.assert_outcomes(passed=1)
    lines = [line for line in shown.outlines if line.startswith("hret slowish:")]
    assert lines and all("ETA" in line for line in lines), shown.outlines
    quiet = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    quiet.assert_outcomes(passed=1)
    assert not [line for line in quiet.outlines if line.startswith("hret slowish:")]
    # under xdist a worker has no terminal: the controller shows its lines, marked with its id
    workers = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    workers.assert_outcomes(passed=1)
    relayed = [line for line in workers.outlines if re.match(r"\[gw[01]\] hret slowish: ", line)]
    assert relayed and all("ETA" in line for line in relayed), workers.outlines
    assert relayed[-1].split("] ", 1)[1].startswith("hret slowish: 2000/2000 (100%)")
    assert workers.outlines.index(relayed[-1]) < next(
        i for i, line in enumerate(workers.outlines) if "hret" in line and line.startswith("=")), \
        "the relayed lines come before the summary"
    quiet_workers = inner.pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-q")
    quiet_workers.assert_outcomes(passed=1)
    assert not [line for line in quiet_workers.outlines if "hret slowish:" in line]


def test_a_plain_test_with_a_missing_dataset_is_one_error_line(inner: Inner) -> None:
    inner.module('''
        def test_plain(evaluation_context):
            evaluation_context.evaluate(right, dataset="no-such-dataset")

        @hret.evaluate(dataset="no-such-dataset")
        def decorated(prompt):
            return right(prompt)
    ''')
    result = inner.run()
    result.assert_outcomes(errors=2)
    out = "\n".join(result.outlines)
    assert "Traceback" not in out and "def test_plain" not in out
    # the ERRORS sections hold the message once per test; the short summary (cut at the
    # terminal's width, so it may or may not repeat the message) names each test once
    sections, _, summary = out.partition("short test summary info")
    assert sections.count("UnknownNameError: Unknown dataset 'no-such-dataset'") == 2
    assert [line.split(" - ")[0] for line in summary.splitlines() if line.startswith("ERROR ")] == [
        "ERROR test_inner.py::test_plain", "ERROR test_inner.py::decorated"]


def test_a_worker_that_cannot_reach_the_progress_folder_goes_on(tmp_path: Path) -> None:
    """A worker on another machine has no such folder: its lines are dropped,
    its evaluation is not disturbed."""
    from types import SimpleNamespace

    from pytest_hret.relay import worker_writer

    config = SimpleNamespace(workerinput={"workerid": "gw3", "hret_progress_folder": str(tmp_path / "absent")})
    write = worker_writer(config)  # type: ignore[arg-type]
    assert write is not None
    write("hret m: 1/2 (50%)")
    write("hret m: 2/2 (100%)")
    (tmp_path / "here").mkdir()
    config.workerinput["hret_progress_folder"] = str(tmp_path / "here")
    here = worker_writer(config)  # type: ignore[arg-type]
    assert here is not None
    here("hret m: 1/2 (50%)")
    assert (tmp_path / "here" / "gw3.log").read_text(encoding="utf-8") == "[gw3] hret m: 1/2 (50%)\n"
