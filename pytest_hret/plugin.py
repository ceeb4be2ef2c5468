"""pytest plugin: hret evaluations as test items, with fixtures, thresholds and reports.

hret items are the decorated functions, tests that use an hret fixture and
tests marked ``@pytest.mark.hret``. Each runs with a collector installed
(``hret.capture.collecting``), so every result and tracked metric it produces
is attached to its call report as a JSON string. The reporting process (the
xdist controller, or the only process) reads them back in
``pytest_runtest_logreport``; see :mod:`pytest_hret.controller`.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import pytest

from pytest_hret import hookspec, items, options, relay
from pytest_hret.controller import Controller
from pytest_hret.items import EvaluationError
from pytest_hret.state import (
    ERROR_ATTR,
    ITEM,
    PAYLOAD,
    REPORT_ATTR,
    SETTINGS,
    STATE,
    ItemCollector,
    SessionState,
)

if TYPE_CHECKING:
    from hret.context import EvaluationContext
    from hret.datasets import Dataset
    from hret.methods import Evaluator

CONTROLLER = "hret-controller"
RELAY = "hret-progress-relay"
MARKER = ("hret(**options): an hret item, whose results are reported; keyword options "
          "apply to its evaluations and fixtures, e.g. @pytest.mark.hret(dataset='ko-sample', limit=20)")
#: a test that uses one of these is an hret item
HRET_FIXTURES = frozenset({"evaluation_context", "hret_dataset", "hret_evaluator", "hret_config"})


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)
    # the MLOps options live in their own plugin module; loading it here makes
    # its options and hooks part of every session that has this plugin
    pluginmanager.import_plugin("pytest_hret.mlops")


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    cli, ini = options.read_options(config)
    state = SessionState(cli=options.evaluation_options(cli), ini=options.evaluation_options(ini),
                         is_worker=hasattr(config, "workerinput"))
    config.stash[STATE] = state
    values = {**ini, **cli}
    if "config" in values or "output" in values:
        _apply_global_config(config, state, values)
    if "dataset" in values:
        options.check_dataset(values["dataset"])
    if "json" in values:
        state.json_path = options.resolve_path(config, "json", values["json"])
    for layer in (state.cli, state.ini):
        if "cache" in layer:  # one absolute path, shared by every xdist worker
            layer["cache"] = str(options.resolve_path(config, "cache", layer["cache"]))
    if not state.is_worker:
        config.pluginmanager.register(Controller(config, state), CONTROLLER)
        if getattr(config.option, "dist", "no") != "no" and config.get_verbosity() >= 0:
            # the terminal reporter may not exist yet: the relay asks for it when workers start
            config.pluginmanager.register(relay.ProgressRelay(lambda: terminal_writer(config)), RELAY)


def _apply_global_config(config: pytest.Config, state: SessionState, values: dict[str, Any]) -> None:
    """``--hret-config`` and ``--hret-output`` change hret's global configuration
    (so that history and saved results follow them) for this session only."""
    import hret
    from hret.errors import ConfigError

    state.saved_config = hret.get_config()
    if "config" in values:
        path = options.resolve_path(config, "config", values["config"])
        try:
            hret.load_config(path)
        except ConfigError as exc:
            raise pytest.UsageError(f"--hret-config {values['config']}: {exc}") from None
    if "output" in values:
        hret.configure(output_dir=str(options.resolve_path(config, "output", values["output"])))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The session's hret settings, when the operator gave any: what every
    item is evaluated with unless it pins an option."""
    state = config.stash.get(STATE, None)
    if state is None or not (state.cli or state.ini):
        return []
    return [f"hret: {line}" for line in options.describe_session(state.cli, state.ini)]


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.saved_config is not None:
        import hret

        hret.configure(**state.saved_config.to_dict())
    controller = config.pluginmanager.get_plugin(CONTROLLER)
    if controller is not None:
        config.pluginmanager.unregister(controller)


def session_results(config: pytest.Config) -> list[dict[str, Any]]:
    """Every result dict the session has received so far, in source order
    (on the controller; empty on an xdist worker)."""
    return config.stash[STATE].results()


def session_tracked(config: pytest.Config) -> list[dict[str, Any]]:
    """Every ``@hret.track_metrics`` record of the session, in source order."""
    return config.stash[STATE].tracked()


# -- collection and running -------------------------------------------------------
def pytest_pycollect_makeitem(collector: pytest.Module | pytest.Class, name: str,
                              obj: object) -> list[Any] | None:
    return items.make_items(collector, name, obj)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use an hret fixture are hret items too: they get the marker,
    and their results are reported."""
    for item in items:
        if HRET_FIXTURES.intersection(getattr(item, "fixturenames", ())) \
                and item.get_closest_marker("hret") is None:
            item.add_marker(pytest.mark.hret)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    info = pyfuncitem.stash.get(ITEM, None)
    if info is None:
        return None
    items.run_item(pyfuncitem, info)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # only hret items report results (so suites that merely call hret stay
    # quiet); and without hret imported nothing can produce any
    collector_module = sys.modules.get("hret.capture")
    if collector_module is None or item.get_closest_marker("hret") is None:
        return (yield)
    collector = ItemCollector(progress_writer(item.config))
    with collector_module.collecting(collector):
        try:
            return (yield)
        finally:
            payload = _payload(item, collector)
            if payload is not None:
                item.stash[PAYLOAD] = payload


def progress_writer(config: pytest.Config) -> Callable[[str], None] | None:
    """Where an item's progress lines go: pytest's terminal, or on an xdist
    worker the controller's relay; none under ``-q``."""
    if config.get_verbosity() < 0:
        return None
    if hasattr(config, "workerinput"):
        return relay.worker_writer(config)
    return terminal_writer(config)


def terminal_writer(config: pytest.Config) -> Callable[[str], None] | None:
    """Lines through pytest's terminal writer, with output capture suspended for
    the line, so they show without ``-s``."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")
    lock = threading.Lock()

    def write(line: str) -> None:
        with lock, capture.global_and_fixture_disabled() if capture is not None else nullcontext():
            if config.get_terminal_writer().width_of_current_line:
                reporter.write_line("")  # end a line of progress dots first
            reporter.write_line(line)

    return write


def _payload(item: pytest.Item, collector: ItemCollector) -> str | None:
    """The item's results as one JSON string; metrics also become JUnit properties.
    Per-sample records kept in a file are sent as a reference to it (8 bytes a
    record), never as text: a million-sample item costs the payload 11 MB."""
    if not collector.results and not collector.tracked:
        return None
    info = item.stash.get(ITEM, None)
    kind = info.spec.kind if info is not None else "test"
    settings = item.stash.get(SETTINGS, {})
    results = []
    from hret.store.recorder import RecordFile

    for label, result in collector.results:
        data = {**result.to_dict(samples=False), "samples": result.samples, "nodeid": item.nodeid,
                "item": item.name, "label": label, "kind": kind, "settings": settings}
        item.ihook.pytest_hret_modify_result(item=item, result_dict=data)
        if isinstance(data["samples"], RecordFile):  # records on disk travel as a reference
            data["samples_file"], data["samples"] = data["samples"].reference(), []
        else:
            data["samples"] = list(data["samples"])
        results.append(data)
        item.user_properties += [(f"hret.{label}.{k}", v) for k, v in data["metrics"].items()]
        item.user_properties.append((f"hret.{label}.passed", data["passed"]))
    tracked = [{"nodeid": item.nodeid, "item": item.name, "name": name, "metrics": metrics}
               for name, metrics in collector.tracked]
    path, line, _ = item.location
    return json.dumps({"results": results, "tracked": tracked, "order": [path, line]},
                      ensure_ascii=False, default=str)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "call":
        payload = item.stash.get(PAYLOAD, None)
        if payload is not None:
            setattr(report, REPORT_ATTR, payload)
        if report.failed and call.excinfo is not None and call.excinfo.errisinstance(EvaluationError):
            setattr(report, ERROR_ATTR, True)
    if report.failed and call.excinfo is not None and item.get_closest_marker("hret") is not None \
            and _user_error(call.excinfo.value):
        # a missing dataset, a bad option, a missing extra: one line that says
        # what to do, not a traceback through hret
        exc = call.excinfo.value
        report.longrepr = f"{type(exc).__name__}: {exc}"
        setattr(report, ERROR_ATTR, True)
    return report


def _user_error(exc: BaseException) -> bool:
    errors = sys.modules.get("hret.errors")
    return errors is not None and isinstance(exc, errors.HretError)


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    if report.when == "call" and report.failed and getattr(report, ERROR_ATTR, False):
        return "error", "E", "ERROR"
    return None


# -- fixtures ---------------------------------------------------------------------
@pytest.fixture
def evaluation_context(request: pytest.FixtureRequest) -> Iterator[EvaluationContext]:
    """An ``hret.EvaluationContext`` bound to the running test: its options come
    from ``@pytest.mark.hret`` and the ``--hret-*`` options, and its results
    are reported with the test's."""
    from hret.context import EvaluationContext

    node = request.node
    context = EvaluationContext(run_name=items.run_name(node), **items.item_options(node))
    yield context
    if context.metrics_tracker.run_metadata:  # only a context that ran has a run to end
        context.close()


@pytest.fixture
def hret_dataset(evaluation_context: EvaluationContext) -> Dataset:
    """The dataset the running test's options select (split, subset, limit, seed applied)."""
    return evaluation_context.dataset()


@pytest.fixture
def hret_evaluator(evaluation_context: EvaluationContext) -> Evaluator:
    """The evaluator the running test's options select (the dataset's default method if none)."""
    return evaluation_context.evaluator()


@pytest.fixture
def hret_config(evaluation_context: EvaluationContext) -> dict[str, Any]:
    """Every evaluation option as it applies to the running test, after precedence
    (command line, marker, ini, ``hret.configure`` / ``--hret-config``, defaults)."""
    from hret.options import EVALUATION_OPTIONS

    return {name: evaluation_context.option(name) for name in EVALUATION_OPTIONS}
