"""Fixtures of the plugin tests."""

from __future__ import annotations

import pytest

from tests.plugin.plugin_support import MODES, Inner


@pytest.fixture(autouse=True)
def _no_ci_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    # an outer CI run must not receive the inner sessions' summaries
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def inner(pytester: pytest.Pytester) -> Inner:
    return Inner(pytester)


@pytest.fixture(params=list(MODES), ids=list(MODES))
def mode(request: pytest.FixtureRequest) -> tuple[str, ...]:
    return MODES[request.param]
