"""What the plugin keeps per session and per item, in ``pytest.StashKey``s."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hret.api import Spec
    from hret.config import HRETConfig
    from hret.results import EvaluationResult

#: name of the test-report attribute that carries an item's results as a JSON
#: string; pytest serialises report attributes of builtin types, so it reaches
#: the xdist controller with the report
REPORT_ATTR = "hret_results"
#: report attribute marking a call that failed as an evaluation error
ERROR_ATTR = "hret_error"


@dataclass
class SessionState:
    """Options of the session and, on the controller, every collected result.
    ``cli`` and ``ini``: evaluation options from the command line and the ini
    file, which rank differently against markers and decorators."""

    cli: dict[str, Any]
    ini: dict[str, Any]
    is_worker: bool
    json_path: Path | None = None
    saved_config: HRETConfig | None = None
    #: nodeid -> {"results": [...], "tracked": [...], "order": [path, line]};
    #: keyed so that a report seen twice (reruns) replaces, never duplicates
    by_node: dict[str, dict[str, Any]] = field(default_factory=dict)
    sink_failures: list[str] = field(default_factory=list)
    #: one line per failing sink, with its count
    sink_summary: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _nodes(self) -> list[dict[str, Any]]:
        # source order, the same whichever process ran which item
        return sorted(self.by_node.values(), key=lambda n: (*n["order"], n["nodeid"]))

    def results(self) -> list[dict[str, Any]]:
        return [r for node in self._nodes() for r in node["results"]]

    def tracked(self) -> list[dict[str, Any]]:
        return [t for node in self._nodes() for t in node["tracked"]]

    def receive(self, nodeid: str, payload: str) -> None:
        data = json.loads(payload)
        path, line = data.get("order") or (nodeid, 0)
        results = list(data.get("results", []))
        for result in results:
            self._attach_records(result)
        self.by_node[nodeid] = {"nodeid": nodeid, "order": (str(path), int(line or 0)),
                                "results": results, "tracked": list(data.get("tracked", []))}

    def _attach_records(self, result: dict[str, Any]) -> None:
        """A result's records sent as a reference are read from their file when used."""
        reference = result.pop("samples_file", None)
        if reference is None:
            return
        from hret.store.recorder import RecordFile

        records = RecordFile.from_reference(reference)
        if records is None:
            self.notes.append(f"hret: the per-sample records of {result.get('item')} "
                              f"({result.get('label')}) are not readable here: {reference['path']}")
        result["samples"] = records if records is not None else []


@dataclass(frozen=True)
class ItemSpec:
    """An hret item: the decorator's spec and the fixtures its function takes."""

    spec: Spec
    argnames: tuple[str, ...]


class ItemCollector:
    """Receives every result and tracked metric produced while an item runs;
    ``progress_writer`` shows the progress of its evaluations (None: quiet)."""

    def __init__(self, progress_writer: Callable[[str], None] | None = None) -> None:
        self.progress_writer = progress_writer
        self.results: list[tuple[str, EvaluationResult]] = []
        self.tracked: list[tuple[str, dict[str, Any]]] = []

    def add_result(self, label: str, result: EvaluationResult) -> None:
        self.results.append((label, result))

    def add_tracked(self, name: str, metrics: Mapping[str, Any]) -> None:
        self.tracked.append((name, dict(metrics)))


STATE = pytest.StashKey[SessionState]()
#: an hret item's resolved options: {"sources": {option: source}, "pinned": {option: source}}
SETTINGS = pytest.StashKey[dict[str, Any]]()
ITEM = pytest.StashKey[ItemSpec]()
PAYLOAD = pytest.StashKey[str]()
