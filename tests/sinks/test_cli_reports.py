"""``hret report``, ``hret history`` and ``hret compare`` (exit codes included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hret
from hret.cli import main
from hret.store import SavedRuns
from tests.library.helpers import oracle, wrong_on


@pytest.fixture
def runs() -> dict[str, str]:
    """A saved baseline and result files of a regressed and of an unchanged candidate."""
    base = hret.quick_eval(oracle(), dataset="ko-sample", run_name="base")
    SavedRuns(hret.get_config().output_dir).save("main", [base.to_dict()])
    worse = hret.quick_eval(wrong_on({"Math"}), dataset="ko-sample", run_name="pr")
    same = hret.quick_eval(oracle(), dataset="ko-sample", run_name="same")
    dev = hret.quick_eval(oracle(split="dev"), dataset="ko-sample", split="dev", run_name="dev")
    return {"worse": worse.info["result_path"], "same": same.info["result_path"],
            "dev": dev.info["result_path"]}


def test_compare_fails_on_a_significant_regression(runs: dict[str, str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "main", runs["worse"], "--fail", "accuracy:1%"]) == 1
    out = capsys.readouterr().out
    assert f"hret compare: {runs['worse']} against main" in out
    assert "REGRESSION model: accuracy worse by 0.1000 > tolerance 0.0100 (accuracy:1%)" in out
    assert "p=0.001953 mcnemar_exact" in out
    # a tolerance the drop stays within, and the absolute form
    assert main(["compare", "main", runs["worse"], "--fail", "accuracy:0.15"]) == 0
    capsys.readouterr()
    assert main(["compare", "main", runs["same"], "--fail", "accuracy:0.001", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["regressions"] == [] and report["comparisons"][0]["difference"] == 0.0


def test_compare_refuses_runs_of_another_split_and_bad_rules(
        runs: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "main", runs["dev"]]) == 2
    assert "split 'test' vs 'dev'" in capsys.readouterr().err
    assert main(["compare", "main", runs["same"], "--fail", "accuracy"]) == 2
    assert "bad regression rule 'accuracy'" in capsys.readouterr().err
    assert main(["compare", "mian", runs["same"]]) == 2
    assert "no saved run 'mian'" in capsys.readouterr().err


def test_compare_writes_markdown(runs: dict[str, str], tmp_path: Path) -> None:
    assert main(["compare", "main", runs["worse"], "--fail", "accuracy:1%",
                 "--markdown", str(tmp_path / "cmp.md")]) == 1
    text = (tmp_path / "cmp.md").read_text(encoding="utf-8")
    assert "**1 regression(s)**" in text and "| model | model | accuracy | -0.1000 |" in text


def test_report_writes_html_and_markdown(runs: dict[str, str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    run_json = next(Path(hret.get_config().output_dir).glob("runs/pr-*/run.json"))
    assert main(["report", str(run_json), runs["same"], "-o", str(tmp_path / "r.html"),
                 "--markdown", "-"]) == 0
    out = capsys.readouterr().out
    assert "hret report: 2 evaluation(s)" in out and "| 1 | model · same | ko-sample / test | same | 100 |" in out
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count('<tr class="sample"') == 200  # the run.json's samples came from its result file
    assert main(["report", str(tmp_path / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # a saved run by its name, beside a result file
    assert main(["report", "main", runs["worse"], "-o", str(tmp_path / "s.html"), "--max-samples", "5"]) == 0
    assert "hret report: 2 evaluation(s)" in capsys.readouterr().out
    saved = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert saved.count('<tr class="sample"') == 10 and saved.count('<tr class="lb"') == 2
    assert main(["report", "mian"]) == 2
    assert "no saved run 'mian'" in capsys.readouterr().err


def test_history_lists_runs_and_saved_runs(runs: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in lines[:4]] == ["base", "pr", "same", "dev"]
    assert "accuracy=0.9000" in lines[1] and lines[-1] == "saved runs: main"
    assert main(["history", "--json", "--last", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["metadata"]["run_name"] for r in data["runs"]] == ["dev"] and data["saved"] == ["main"]
