"""Broken inputs under pytest: an hret item reports hret's one message."""

from __future__ import annotations

from tests.plugin.plugin_support import Inner


def test_broken_dataset_is_an_item_error_with_one_message(inner: Inner) -> None:
    inner.path.joinpath("broken.jsonl").write_text(
        '{"question": "q", "A": "x", "B": "y", "answer": 1}\n[1]\n', encoding="utf-8")
    inner.module(
        """
        @hret.evaluate(dataset="broken.jsonl")
        def test_model(prompt):
            return "A"
        """
    )
    result = inner.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*DatasetError: *broken.jsonl line 2: a JSON list*"])
    assert "Traceback" not in result.stdout.str()


def test_hret_timeout_turns_a_hung_call_into_that_samples_error(inner: Inner) -> None:
    inner.module(
        """
        import threading

        RELEASE = threading.Event()
        HUNG = []


        @hret.evaluate(dataset="ko-sample", limit=10, max_error_rate=0.2)
        def test_model(prompt):
            if not HUNG:
                HUNG.append(prompt)
                RELEASE.wait(20)
            return right(prompt)


        def test_zz_release():
            RELEASE.set()
        """
    )
    result = inner.run("--hret-timeout=0.5", "--hret-json=out.json")
    result.assert_outcomes(passed=2)
    (item,) = [r for r in inner.json()["results"] if r["item"] == "test_model"]
    assert item["metrics"]["error_count"] == 1 and item["metrics"]["n"] == 9
    assert item["info"]["timeouts"] == {"timeout_s": 0.5, "timed_out": 1, "abandoned_threads": 1}
