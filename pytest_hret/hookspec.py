"""Hooks the hret plugin calls; implement them in a ``conftest.py`` or a plugin.

Under pytest-xdist, ``pytest_hret_run_name`` and ``pytest_hret_modify_result``
run where the item runs (a worker); ``pytest_hret_sinks`` and
``pytest_hret_session_finish`` run once, on the controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hret.sinks import Sink


@pytest.hookspec(firstresult=True)
def pytest_hret_run_name(item: pytest.Item) -> str | None:
    """The run name of the evaluations ``item`` runs (first non-None answer wins).

    The default is ``"<kind>_<item name>"``. Example ``conftest.py``::

        import os

        def pytest_hret_run_name(item):
            return f"{os.environ.get('GITHUB_SHA', 'local')[:7]}-{item.name}"
    """


@pytest.hookspec
def pytest_hret_modify_result(item: pytest.Item, result_dict: dict[str, Any]) -> None:
    """Change a result of ``item`` in place before it is reported.

    ``result_dict`` is ``EvaluationResult.to_dict()`` plus ``"nodeid"``,
    ``"item"``, ``"label"`` and ``"kind"``; its ``"samples"`` is the result's
    records as a sequence (read from disk as it is used); keep what you add
    JSON-serialisable.
    Example ``conftest.py``::

        def pytest_hret_modify_result(item, result_dict):
            result_dict["info"]["team"] = "search"
            result_dict["samples"] = []  # keep reports small
    """


@pytest.hookspec
def pytest_hret_sinks(config: pytest.Config) -> list[Sink] | None:
    """Sinks that receive every result of the session (once, on the controller).

    Each sink gets ``on_run_start``, one ``on_result`` per result and
    ``on_run_end``; a failing sink is reported and never fails the session.
    Example ``conftest.py``::

        import hret

        class Printer(hret.Sink):
            def on_result(self, event):
                print(event.label, event.result.metrics["accuracy"])

        def pytest_hret_sinks(config):
            return [Printer()]
    """


@pytest.hookspec
def pytest_hret_session_finish(session: pytest.Session, results: list[dict[str, Any]]) -> None:
    """Called once, on the controller, after a session that produced hret results.

    ``results`` holds every result dict (see ``pytest_hret_modify_result``),
    in source order. Example ``conftest.py``::

        import json

        def pytest_hret_session_finish(session, results):
            best = max(results, key=lambda r: r["metrics"].get("accuracy", 0))
            print("best:", best["label"], json.dumps(best["metrics"]))
    """
