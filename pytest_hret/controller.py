"""The controller side: gathers results from reports, hands them to sinks, files
and hooks at session end, and prints the summary. Registered only on the
process that reports (never on an xdist worker)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_hret.state import REPORT_ATTR, SessionState

SESSION_RUN_NAME = "pytest"


class Controller:
    def __init__(self, config: pytest.Config, state: SessionState) -> None:
        self.config = config
        self.state = state
        self.started = time.time()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, REPORT_ATTR, None)
        if report.when == "call" and isinstance(payload, str):
            self.state.receive(report.nodeid, payload)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        results, tracked = self.state.results(), self.state.tracked()
        if self.state.json_path is not None:
            from hret.store import write_json_atomic

            write_json_atomic(self.state.json_path, {"results": results, "tracked": tracked})
        if not results and not tracked:
            return
        if self.state.json_path is not None:
            self.state.notes.append(f"hret: results written to {self.state.json_path}")
        if results:
            self._emit(results)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            from hret.report import pairs_markdown, terminal

            tables = terminal.tables(results, tracked, verbose=self.config.get_verbosity() > 0)
            with Path(summary).open("a", encoding="utf-8") as f:
                f.write(terminal.markdown(tables) + "\n".join(pairs_markdown(results)))
        if results:
            self.config.hook.pytest_hret_session_finish(session=session, results=results)

    def _emit(self, results: list[dict[str, Any]]) -> None:
        groups = self.config.hook.pytest_hret_sinks(config=self.config)
        sinks = [sink for group in groups if group for sink in group]
        if not sinks:
            return
        from hret.results import EvaluationResult
        from hret.sinks import Subscribers

        objects = [EvaluationResult.from_dict(r) for r in results]
        ended = time.time()
        metadata = {"run_name": SESSION_RUN_NAME, "source": "pytest", "start_time": self.started,
                    "end_time": ended, "duration": ended - self.started}
        run_result = {"metadata": metadata, "metrics": {
            f"{r['item']}/{r['label']}/{k}": v for r in results for k, v in r["metrics"].items()}}
        # failures are listed in the summary; a warning here, under
        # filterwarnings=error, would turn a sink problem into a session crash
        subscribers = Subscribers(warn=False)
        subscribers.sinks += sinks
        subscribers.run_start(SESSION_RUN_NAME, metadata, self._settings())
        for data, result in zip(results, objects, strict=True):
            subscribers.result(str(data.get("info", {}).get("run_name") or SESSION_RUN_NAME), str(data["label"]),
                               result, {"nodeid": data["nodeid"], "kind": data["kind"], **metadata})
        subscribers.run_end(SESSION_RUN_NAME, run_result, objects)
        self.state.sink_failures += subscribers.failures
        self.state.sink_summary += subscribers.summary()

    def _settings(self) -> dict[str, Any]:
        """The session's settings: hret's configuration, then the ``--hret-*``
        evaluation options of the ini file and of the command line."""
        from hret.config import get_config

        return {**get_config().to_dict(), **self.state.ini, **self.state.cli}

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        results, tracked = self.state.results(), self.state.tracked()
        tables = []
        if results or tracked:  # a session without hret items imports nothing of hret
            from hret.report import terminal

            tables = terminal.tables(results, tracked, verbose=self.config.get_verbosity() > 0)
        extra = self.state.notes + pinned_lines(results) + [f"hret: {m}" for m in self.state.sink_summary]
        if not tables and not extra:
            return
        terminalreporter.write_sep("=", "hret")
        for table in tables:
            terminalreporter.write_line(table.title)
            for line in terminal.text_lines(table):
                terminalreporter.write_line(line)
            terminalreporter.write_line("")
        for line in extra:
            terminalreporter.write_line(line)


def pinned_lines(results: list[dict[str, Any]]) -> list[str]:
    """One line per option an item pinned against the command line."""
    lines = []
    for result in results:
        for name, source in (result.get("settings") or {}).get("pinned", {}).items():
            value = result.get("info", {}).get(name)
            shown = f"{name}={value}" if value is not None else name
            lines.append(f"hret: {result['item']} pinned {shown} by its {source}; "
                         "the command line's value does not apply to it")
    return lines
