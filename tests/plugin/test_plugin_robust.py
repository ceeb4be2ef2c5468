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
