"""MLOps options of the hret pytest plugin (MLflow, W&B, run history, HTML report).

Loaded by ``pytest_hret.plugin``; implements the ``pytest_hret_*`` hooks of
:mod:`pytest_hret.hookspec`. Everything here happens once, on the process
that reports (the xdist controller): sinks get the session's results, the
session is compared with a saved run (failing it on a regression), saved,
and rendered as HTML.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_hret.state import STATE

if TYPE_CHECKING:
    from hret.compare import FailRule, RunComparison
    from hret.sinks import Sink

GROUP = ("hret", "hret: LLM evaluations as test items")
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass
class MlopsOptions:
    """``None``: off; ``True``: on with the default target; a string: that target."""

    mlflow: str | bool | None = None
    wandb: str | bool | None = None
    save: str | None = None
    autosave: bool = False
    compare: str | bool | None = None
    compare_fail: list[FailRule] = field(default_factory=list)
    html: Path | None = None
    strict_sinks: bool = False
    session_name: str = ""


MLOPS = pytest.StashKey[MlopsOptions]()

#: (option name, metavar or None for a plain flag, takes an optional value, help)
OPTIONS = (
    ("mlflow", "TRACKING_URI", True,
     "log every result to MLflow: one parent run per session, one nested run per result "
     "(default URI: MLFLOW_TRACKING_URI, else a SQLite store under the output directory)"),
    ("wandb", "PROJECT", True, "log every result to Weights & Biases (default project: hret)"),
    ("save", "NAME", False, "save this session's results, with every sample, as run NAME"),
    ("autosave", None, False, "save this session's results under a generated name"),
    ("compare", "RUN", True,
     "compare this session with saved run RUN (default: the latest), pairing samples by id"),
    ("compare-fail", "METRIC:AMOUNT", False,
     "with --hret-compare, fail the session on a significant regression beyond AMOUNT, "
     "e.g. accuracy:1%% (relative) or accuracy:0.01 (absolute); comma-separated"),
    ("html", "PATH", False, "write a self-contained HTML report of the session"),
    ("strict-sinks", None, False, "fail the session when a sink (MLflow, W&B, ...) fails"),
)


OPTIONAL = frozenset(name for name, _, optional, _ in OPTIONS if optional)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(*GROUP)
    for name, metavar, optional, text in OPTIONS:
        dest = "hret_" + name.replace("-", "_")
        if metavar is None:
            group.addoption(f"--hret-{name}", action="store_true", default=None, dest=dest,
                            help=f"{text} (ini: {dest})")
            parser.addini(dest, text, type="bool")
        elif optional:
            group.addoption(f"--hret-{name}", nargs="?", const=True, default=None, dest=dest,
                            metavar=metavar, help=f"{text} (ini: {dest})")
            parser.addini(dest, f"{text}; true for the default".replace("%%", "%"), type="string",
                          default="")
        else:
            group.addoption(f"--hret-{name}", default=None, dest=dest, metavar=metavar,
                            help=f"{text} (ini: {dest})")
            parser.addini(dest, text.replace("%%", "%"), type="string", default="")


def _value(config: pytest.Config, name: str) -> Any:
    """The command-line value, else the ini value (``None`` when neither is set).
    For options with an optional value, ini ``true`` means "on, default target"."""
    dest = "hret_" + name.replace("-", "_")
    cli = config.getoption(dest)
    if cli is not None:
        return cli
    ini = config.getini(dest)
    if not isinstance(ini, str):
        return ini or None
    text = ini.strip()
    if name in OPTIONAL:
        if text.lower() in FALSE:
            return None
        return True if text.lower() in TRUE else text
    return text or None


def _check_target(config: pytest.Config, name: str, value: Any, what: str) -> Any:
    """``--hret-<name> tests/`` gives ``tests/`` to the option, not to pytest:
    a separate value that looks like a test path is a usage error."""
    given = config.getoption("hret_" + name.replace("-", "_"))
    if not isinstance(given, str) or f"--hret-{name}=" in " ".join(config.invocation_params.args):
        return value
    if "::" in value or value.endswith(".py") or Path(value).is_dir():
        raise pytest.UsageError(
            f"--hret-{name} took {value!r}, which looks like a test path, as {what}. Write "
            f"--hret-{name}={what.split()[-1].upper()} with '=', or put --hret-{name} after the "
            "test paths."
        )
    return value


def read_options(config: pytest.Config) -> MlopsOptions:
    """The options as set; hret is imported only when one of them needs it, so
    that sessions without hret stay as they were."""
    opts = MlopsOptions(
        mlflow=_check_target(config, "mlflow", _value(config, "mlflow"), "its tracking uri"),
        wandb=_check_target(config, "wandb", _value(config, "wandb"), "its project"),
        save=_value(config, "save"),
        autosave=bool(_value(config, "autosave")),
        compare=_check_target(config, "compare", _value(config, "compare"), "the saved run"),
        html=None, strict_sinks=bool(_value(config, "strict-sinks")),
        session_name=f"pytest-{time.strftime('%Y%m%d-%H%M%S')}",
    )
    if isinstance(opts.wandb, str) and any(c in opts.wandb for c in "/\\#?%:"):
        raise pytest.UsageError(
            f"--hret-wandb {opts.wandb!r} is not a W&B project name (no / \\ # ? % :)")
    if opts.save is not None:
        from hret.store import SavedRuns

        try:
            SavedRuns.check_name(opts.save)
        except ValueError as exc:
            raise pytest.UsageError(f"--hret-save: {exc}") from None
    fail = _value(config, "compare-fail")
    if isinstance(fail, str):
        from hret.compare import parse_fail_rules

        try:
            opts.compare_fail = parse_fail_rules(fail)
        except ValueError as exc:
            raise pytest.UsageError(f"--hret-compare-fail: {exc}") from None
    if opts.compare_fail and opts.compare is None:
        raise pytest.UsageError("--hret-compare-fail needs --hret-compare[=RUN] (the run to compare with)")
    html = _value(config, "html")
    if isinstance(html, str):
        opts.html = (config.invocation_params.dir / Path(html).expanduser()).resolve()
    return opts


def pytest_configure(config: pytest.Config) -> None:
    config.stash[MLOPS] = read_options(config)


def pytest_hret_sinks(config: pytest.Config) -> list[Sink]:
    opts = config.stash[MLOPS]
    sinks: list[Sink] = []
    if opts.mlflow is not None:
        from hret.sinks import mlflow_sink

        sinks.append(mlflow_sink(tracking_uri=opts.mlflow if isinstance(opts.mlflow, str) else None,
                                 parent_run=True, parent_run_name=opts.session_name))
    if opts.wandb is not None:
        from hret.sinks import wandb_sink

        sinks.append(wandb_sink(project_name=opts.wandb if isinstance(opts.wandb, str) else None,
                                group=opts.session_name))
    return sinks


def pytest_hret_session_finish(session: pytest.Session, results: list[dict[str, Any]]) -> None:
    from hret.config import get_config

    config = session.config
    opts, state = config.stash[MLOPS], config.stash[STATE]
    output_dir = get_config().output_dir
    if opts.strict_sinks and state.sink_failures:
        _fail(session)
        state.notes.append(f"hret: --hret-strict-sinks: {len(state.sink_failures)} sink failure(s) "
                           "fail the session")
    comparison = _compare(session, opts, results, output_dir) if opts.compare is not None else None
    name = opts.save or (opts.session_name if opts.autosave else None)
    if name is not None:
        from hret.provenance import git_commit
        from hret.store import SavedRuns

        path = SavedRuns(output_dir).save(name, results, {
            "source": "pytest", "args": list(config.invocation_params.args),
            "git_commit": git_commit()})
        state.notes.append(f"hret: saved run {name!r} to {path}")
    if opts.html is not None:
        from hret.report import write_html

        rows = [{**c, "baseline": f"{comparison.baseline}: {c['baseline']}", "candidate": c["key"]}
                for c in comparison.to_dict()["comparisons"]] if comparison else []
        from hret.store import HistoryStore

        page = write_html(results, opts.html, comparisons=rows, history=HistoryStore(output_dir).read())
        state.notes.append(f"hret: HTML report written to {page}")


def _fail(session: pytest.Session) -> None:
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _compare(session: pytest.Session, opts: MlopsOptions, results: list[dict[str, Any]],
             output_dir: str) -> RunComparison | None:
    from hret.compare import ComparisonError, compare_runs
    from hret.store import SavedRuns, read_results

    state = session.config.stash[STATE]
    saved = SavedRuns(output_dir)
    ref = opts.compare if isinstance(opts.compare, str) else saved.latest()
    if ref is None:
        state.notes.append(f"hret: no saved run under {output_dir!r} to compare with; "
                           "save one with --hret-save NAME or --hret-autosave")
        return None
    try:
        baseline = read_results(ref) if ref.endswith(".json") else saved.load(ref)
        report = compare_runs(baseline, results, baseline_name=ref, candidate_name="this session",
                              rules=opts.compare_fail)
    except (ComparisonError, OSError, ValueError) as exc:
        state.notes.append(f"hret: --hret-compare={ref}: {exc}")
        if opts.compare_fail:  # the gate was asked for and could not run
            _fail(session)
        return None
    state.notes += report.lines()
    if report.failed:
        _fail(session)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        from hret.report import comparison_markdown

        with Path(summary).open("a", encoding="utf-8") as f:
            f.write("\n" + comparison_markdown(report))
    return report
