"""An item's per-sample records reach the reporting process as a reference to
their file, not as text: the payload stays small however large the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_hret.state import SessionState
from tests.plugin.plugin_support import MODES, Inner

SIZES = '''
import json
from pathlib import Path

def pytest_runtest_logreport(report):
    payload = getattr(report, "hret_results", None)
    if report.when == "call" and payload is not None:
        with Path("payload-sizes.txt").open("a") as out:
            out.write(f"{len(payload)}\\n")
'''


@pytest.mark.parametrize("mode", ["n0", "n2"])
def test_records_travel_as_a_reference_and_arrive_whole(inner: Inner, mode: str) -> None:
    rows = [{"question": f"질문 {i}: " + "가" * 200, "A": "가", "B": "나", "C": "다", "D": "라",
             "answer": "ABCD"[i % 4]} for i in range(600)]
    (inner.path / "big.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                          encoding="utf-8")
    inner.pytester.makeconftest(SIZES)
    inner.module('''
        @hret.evaluate(dataset="big.jsonl")
        def echo(prompt):
            return "정답: B"
    ''')
    inner.run("--hret-json=out.json", "--hret-output=results", mode=MODES[mode]).assert_outcomes(passed=1)
    [result] = inner.json()["results"]
    written = [json.loads(line) for line in next((inner.path / "results").rglob("*.samples.jsonl"))
               .read_text(encoding="utf-8").splitlines()]
    assert result["samples"] == sorted(written, key=lambda r: r["index"])
    assert len(result["samples"]) == 600 and result["metrics"]["accuracy"] == 0.25
    # one line from each process the report passes (the worker and the controller under xdist)
    size = max(int(n) for n in (inner.path / "payload-sizes.txt").read_text().split())
    # the records' text is over 600 kB; the payload holds 8 bytes (base64) a record plus the result
    assert size < 30_000 and size < sum(len(json.dumps(r, ensure_ascii=False)) for r in written) / 20


def test_a_hook_that_replaces_the_records_is_obeyed(inner: Inner) -> None:
    inner.conftest('''
        def pytest_hret_modify_result(item, result_dict):
            assert len(result_dict["samples"]) == 6 and result_dict["samples"][0]["index"] == 0
            result_dict["samples"] = result_dict["samples"][:2]
    ''')
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=6)
        def model(prompt):
            return right(prompt)
    ''')
    inner.run("--hret-json=out.json").assert_outcomes(passed=1)
    assert [s["index"] for s in inner.json()["results"][0]["samples"]] == [0, 1]


def test_records_not_readable_here_are_a_note(tmp_path: Path) -> None:
    state = SessionState(cli={}, ini={}, is_worker=False)
    gone = {"path": str(tmp_path / "gone.samples.jsonl"), "offsets": ""}
    state.receive("t.py::m", json.dumps({"results": [{"item": "m", "label": "m", "metrics": {},
                                                      "samples": [], "samples_file": gone}]}))
    [result] = state.results()
    assert result["samples"] == [] and "samples_file" not in result
    assert state.notes == [f"hret: the per-sample records of m (m) are not readable here: {gone['path']}"]
