"""The --hret-* options, their ini twins, precedence and usage errors."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from tests.plugin.plugin_support import MODES, Inner

DUMP = '''
def test_dump(hret_config):
    with open("options.json", "w", encoding="utf-8") as f:
        json.dump(hret_config, f, default=str)
'''


def dumped(inner: Inner) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((inner.path / "options.json").read_text(encoding="utf-8"))
    return data


def write_mini_dataset(inner: Inner, rows: int = 4) -> str:
    """A .jsonl dataset of the first ko-sample rows (so ``right`` knows them)."""
    source = resources.files("hret") / "data" / "ko_sample" / "test.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()[:rows]
    (inner.path / "mini.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "mini.jsonl"


def test_every_option_reaches_the_evaluation(inner: Inner) -> None:
    inner.module(DUMP, '''
        SIZES = []

        @hret.evaluate()
        def undeclared(prompt):
            return right(prompt)

        @hret.evaluate()
        @hret.batched
        def in_batches(prompts):
            SIZES.append(len(prompts))
            return [right(p) for p in prompts]

        def test_batches_were_of_two():
            assert SIZES == [2, 2]
    ''')
    result = inner.run(
        "--hret-dataset=ko-sample", "--hret-subset=Math,Law", "--hret-split=dev", "--hret-limit=4",
        "--hret-seed=7", "--hret-threshold=accuracy=0.5", "--hret-threshold", "error_rate=0.1",
        "--hret-model=my-llm", "--hret-max-workers=3", "--hret-batch-size=2",
        "--hret-max-error-rate=0.25", "--hret-output=outdir", "--hret-json=out.json",
    )
    result.assert_outcomes(passed=4)
    options = dumped(inner)
    assert {k: options[k] for k in ("dataset", "subset", "split", "limit", "seed", "model",
                                    "max_workers", "batch_size", "max_error_rate")} == {
        "dataset": "ko-sample", "subset": ["Math", "Law"], "split": "dev", "limit": 4, "seed": 7,
        "model": "my-llm", "max_workers": 3, "batch_size": 2, "max_error_rate": 0.25}
    assert options["threshold"] == {"accuracy": 0.5, "error_rate": 0.1}
    assert options["output_dir"] == str(inner.path / "outdir")
    [undeclared, batched] = inner.json()["results"]
    for info in (undeclared["info"], batched["info"]):
        assert (info["dataset"], info["split"], info["n_samples"], info["seed"]) == ("ko-sample", "dev", 4, 7)
        assert set(info["subsets"]) == {"Math", "Law"} and info["max_workers"] == 3
        assert info["model"] == "my-llm"
    assert [c["metric"] for c in undeclared["threshold_checks"]] == ["accuracy", "error_rate"]
    assert list((inner.path / "outdir" / "runs").iterdir())
    assert (inner.path / "outdir" / "history.jsonl").exists()


def test_ini_twins(inner: Inner) -> None:
    inner.ini('''
        hret_dataset = ko-sample
        hret_subset = Law
        hret_split = dev
        hret_limit = 3
        hret_seed = 2
        hret_threshold = accuracy=0.4 error_rate=0.2
        hret_model = from-ini
        hret_max_workers = 2
        hret_batch_size = 5
        hret_max_error_rate = 0.5
        hret_output = ini_out
        hret_json = ini.json
    ''')
    inner.module(DUMP, '''
        @hret.evaluate()
        def undeclared(prompt):
            return right(prompt)
    ''')
    inner.run().assert_outcomes(passed=2)
    options = dumped(inner)
    assert {k: options[k] for k in ("dataset", "subset", "split", "limit", "seed", "threshold",
                                    "model", "max_workers", "batch_size", "max_error_rate")} == {
        "dataset": "ko-sample", "subset": "Law", "split": "dev", "limit": 3, "seed": 2,
        "threshold": {"accuracy": 0.4, "error_rate": 0.2}, "model": "from-ini", "max_workers": 2,
        "batch_size": 5, "max_error_rate": 0.5}
    assert options["output_dir"] == str(inner.path / "ini_out")
    [result] = inner.json("ini.json")["results"]
    assert result["info"]["n_samples"] == 3 and result["label"] == "from-ini"


def test_command_line_over_ini_over_config_file_over_defaults(inner: Inner) -> None:
    (inner.path / "hret.yaml").write_text("limit: 9\nseed: 5\nsplit: dev\nmax_workers: 4\n",
                                          encoding="utf-8")
    inner.ini('''
        hret_config = hret.yaml
        hret_limit = 7
        hret_threshold = accuracy=0.3 error_rate=0.5
    ''')
    inner.module(DUMP)
    inner.run("--hret-limit=6", "--hret-threshold=accuracy=0.9").assert_outcomes(passed=1)
    options = dumped(inner)
    assert (options["limit"], options["seed"], options["split"]) == (6, 5, "dev")
    assert options["threshold"] == {"accuracy": 0.9, "error_rate": 0.5}
    assert (options["max_workers"], options["batch_size"]) == (4, 8)  # 8: hret's default
    inner.run().assert_outcomes(passed=1)
    assert dumped(inner)["limit"] == 7
    inner.ini("hret_config = hret.yaml")
    inner.run().assert_outcomes(passed=1)
    assert dumped(inner)["limit"] == 9
    inner.ini()
    inner.run().assert_outcomes(passed=1)
    assert (dumped(inner)["limit"], dumped(inner)["seed"]) == (None, 0)


def test_the_config_file_applies_to_this_session_only(inner: Inner) -> None:
    import hret

    before = hret.get_config()
    (inner.path / "hret.json").write_text('{"limit": 2, "default_dataset": "ko-sample"}',
                                          encoding="utf-8")
    inner.module(DUMP)
    inner.run("--hret-config=hret.json", "--hret-output=elsewhere").assert_outcomes(passed=1)
    assert dumped(inner)["limit"] == 2
    assert hret.get_config() == before


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_the_command_line_wins_over_decorators_unless_pinned(inner: Inner, mode: list[str]) -> None:
    mini = write_mini_dataset(inner)
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=5, threshold={"accuracy": 0.9})
        def declared(prompt):
            return right(prompt)

        @hret.evaluate()
        def undeclared(prompt):
            return right(prompt)

        @pytest.mark.hret(pin=("dataset",))
        @hret.evaluate(dataset="ko-sample", limit=5)
        def pinned(prompt):
            return right(prompt)
    ''')
    result = inner.run(f"--hret-dataset={mini}", "--hret-limit=3", "--hret-threshold=accuracy=0.1",
                       "--hret-threshold=n=3", "--hret-json=out.json", mode=mode)
    result.assert_outcomes(passed=3)
    declared, undeclared, pinned = inner.json()["results"]
    assert (declared["info"]["dataset"], declared["info"]["n_samples"]) == ("mini", 3)
    # thresholds accumulate: the decorator's stricter accuracy bound and the session's n
    assert {c["metric"]: (c["bound"], c["source"]) for c in declared["threshold_checks"]} == {
        "accuracy": (0.9, "decorator"), "n": (3, "command line")}
    assert (undeclared["info"]["dataset"], undeclared["info"]["n_samples"]) == ("mini", 3)
    assert (pinned["info"]["dataset"], pinned["info"]["n_samples"]) == ("ko-sample", 3)
    result.stdout.fnmatch_lines(["hret: settings: dataset=*mini.jsonl (command line), limit=3 (command line)",
                                 "hret: thresholds (added to every item's own): accuracy=0.1, n=3"])
    result.stdout.fnmatch_lines(["hret: pinned pinned dataset=ko-sample by its marker; *does not apply*"])


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_stricter_command_line_threshold_fails_an_item_its_own_bound_passes(
        inner: Inner, mode: list[str]) -> None:
    inner.module('''
        @hret.evaluate(dataset="ko-sample", threshold={"accuracy": 0.2})
        def guesser(prompt):
            return always_a(prompt)
    ''')
    inner.run(mode=mode).assert_outcomes(passed=1)
    result = inner.run("--hret-threshold=accuracy=0.5", mode=mode)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*accuracy = 0.2500 FAILED bound >= 0.5 (from the command line)*"])


@pytest.mark.parametrize(("args", "message"), [
    (["--hret-limit=0"], "*argument --hret-limit: 0 is too small; expected an integer >= 1*"),
    (["--hret-limit=many"], "*argument --hret-limit: 'many' is not an integer; expected an integer >= 1*"),
    (["--hret-seed=-1"], "*argument --hret-seed: -1 is too small; expected an integer >= 0*"),
    (["--hret-max-workers=0"], "*argument --hret-max-workers: 0 is too small*"),
    (["--hret-batch-size=two"], "*argument --hret-batch-size: 'two' is not an integer*"),
    (["--hret-threshold=accuracy"], "*argument --hret-threshold: 'accuracy' is not METRIC=VALUE; "
                                    "expected e.g. accuracy=0.6*"),
    (["--hret-threshold=accuracy=high"], "*'high' is not a number; expected e.g. accuracy=0.6*"),
    (["--hret-max-error-rate=1.5"], "*argument --hret-max-error-rate: 1.5 is out of range; "
                                    "expected a number between 0 and 1*"),
    (["--hret-model= "], "*argument --hret-model: the value is empty*"),
    (["--hret-dataset=ko-smaple"], "*--hret-dataset 'ko-smaple' is not a registered dataset. "
                                   "Did you mean 'ko-sample'? Available: *ko-sample*"),
    (["--hret-dataset=missing.jsonl"], "*--hret-dataset 'missing.jsonl': no such file*"),
    (["--hret-config=missing.yaml"], "*--hret-config missing.yaml: Config file * does not exist*"),
])
def test_invalid_values_are_usage_errors(inner: Inner, args: list[str], message: str) -> None:
    inner.module(DUMP)
    result = inner.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_hub_dataset_option_is_accepted(inner: Inner) -> None:
    inner.module(DUMP)
    result = inner.run("--hret-dataset=hf:me/my-bench")
    result.assert_outcomes(passed=1)
    assert dumped(inner)["dataset"] == "hf:me/my-bench"


@pytest.mark.parametrize(("ini", "message"), [
    ("hret_limit = zero", "*ini option hret_limit = 'zero': 'zero' is not an integer*"),
    ("hret_threshold = accuracy", "*ini option hret_threshold = 'accuracy': 'accuracy' is not METRIC=VALUE*"),
    ("hret_max_error_rate = -0.1", "*ini option hret_max_error_rate = '-0.1': -0.1 is out of range*"),
])
def test_invalid_ini_values_are_usage_errors(inner: Inner, ini: str, message: str) -> None:
    inner.ini(ini)
    inner.module(DUMP)
    result = inner.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_an_invalid_config_file_is_a_usage_error(inner: Inner) -> None:
    (inner.path / "bad.yaml").write_text("limt: 3\n", encoding="utf-8")
    inner.module(DUMP)
    result = inner.run("--hret-config=bad.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--hret-config bad.yaml: Unknown configuration key 'limt'. "
                                 "Did you mean 'limit'?*"])


def test_options_are_listed_in_help(inner: Inner) -> None:
    result = inner.run("--help")
    result.stdout.fnmatch_lines(["hret: LLM evaluations as test items:",
                                 "*--hret-dataset=NAME*", "*--hret-threshold=METRIC=VALUE*",
                                 "*hret_max_error_rate (string):*"])


def test_paths_are_relative_to_where_they_are_given(inner: Inner, monkeypatch: pytest.MonkeyPatch) -> None:
    inner.ini("hret_json = reports/from-ini.json")
    inner.module('''
        @hret.evaluate(dataset="ko-sample", limit=3)
        def model(prompt):
            return right(prompt)
    ''', name="sub/test_inner")
    monkeypatch.chdir(inner.path / "sub")
    inner.run().assert_outcomes(passed=1)
    assert (inner.path / "reports" / "from-ini.json").exists()  # next to the ini file
    inner.run("--hret-json=here.json").assert_outcomes(passed=1)
    assert (inner.path / "sub" / "here.json").exists()  # where pytest was invoked


CALL_COUNTING = '''
@hret.evaluate(dataset="ko-sample", limit=12)
def counted(prompt):
    with open("calls.txt", "a", encoding="utf-8") as f:
        f.write("x")
    return right(prompt)
'''


@pytest.mark.parametrize("mode", [("-n", "0"), ("-n", "2")], ids=["n0", "n2"])
def test_cache_option_answers_a_rerun_from_the_cache(inner: Inner, mode: tuple[str, str]) -> None:
    inner.module(CALL_COUNTING)
    first = inner.run("--hret-cache=responses.sqlite", "--hret-json=first.json", mode=mode)
    first.assert_outcomes(passed=1)
    assert (inner.path / "calls.txt").read_text(encoding="utf-8") == "x" * 12
    (inner.path / "calls.txt").unlink()
    again = inner.run("--hret-cache=responses.sqlite", "--hret-json=again.json", mode=mode)
    again.assert_outcomes(passed=1)
    assert not (inner.path / "calls.txt").exists()  # every answer came from the cache
    metrics = [inner.json(name)["results"][0]["metrics"] for name in ("first.json", "again.json")]
    assert metrics[0]["accuracy"] == metrics[1]["accuracy"] == 1.0
