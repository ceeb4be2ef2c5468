"""The example module a user would write passes and prints the report."""

from __future__ import annotations

from pathlib import Path

from tests.plugin.plugin_support import Inner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "test_ko_sample_models.py"


def test_the_example_module_passes_and_prints_the_table(inner: Inner) -> None:
    inner.pytester.makepyfile(test_ko_sample_models=EXAMPLE.read_text(encoding="utf-8"))
    result = inner.run("-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([
        "*= hret =*",
        "hret results",
        "answer_key_model *ko-sample *answer-key *100 *1.000 [[]0.963, 1.000[]] *✓ *0 *s",
        "  Law *10 *1.000*",
        "keyword_model *ko-sample *keyword-overlap *100 *✓ *0 *s",
        "async_answer_key_model *ko-sample *async_answer_key_model *20 *1.000*✓*",
        "test_answer_key_beats_keywords *answer-key (plain test) *100 *1.000*",
        "benchmark answer_key_vs_keywords on ko-sample",
        "thresholds *✓ *✓",
        "*6 passed*",
    ])
