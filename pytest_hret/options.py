"""The ``--hret-*`` command-line options and their ``hret_*`` ini twins.

The evaluation options and their parsing come from hret's one option table
(:mod:`hret.options`); the plugin adds the options that act on the session
itself (``--hret-output``, ``--hret-json``, ``--hret-config``). Precedence is
the table's: command line over markers over the decorator over ini over
``hret.configure``/``--hret-config`` over defaults; thresholds accumulate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from hret.options import OPTIONS, argparse_type, from_text, parse_text


@dataclass(frozen=True)
class Flag:
    """One ``--hret-<flag>`` option and its ``hret_<flag>`` ini twin. ``name``:
    the hret option it sets, or the session setting (``output``, ``json``, ``config``)."""

    name: str
    flag_name: str
    parse: Callable[[str], Any]
    metavar: str
    help: str
    repeat: bool = False
    evaluation: bool = True

    @property
    def flag(self) -> str:
        return f"--hret-{self.flag_name}"

    @property
    def ini(self) -> str:
        return "hret_" + self.flag_name.replace("-", "_")

    def value(self, texts: list[str]) -> Any:
        if not self.evaluation:
            return self.parse(texts[-1])
        return from_text(BY_OPTION[self.name], texts)


BY_OPTION = {o.name: o for o in OPTIONS}
FLAGS = tuple(
    Flag(o.name, o.flag, o.parse, o.metavar, o.help, o.repeat) for o in OPTIONS if o.evaluation and o.parse
) + (
    Flag("output", "output", parse_text, "DIR", "directory for per-sample records, results and history",
         evaluation=False),
    Flag("json", "json", parse_text, "PATH", "write every result of the session to this JSON file",
         evaluation=False),
    Flag("config", "config", parse_text, "PATH", "apply an hret configuration file (.yaml/.json)",
         evaluation=False),
)
BY_NAME = {f.name: f for f in FLAGS}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("hret", "hret: LLM evaluations as test items")
    for flag in FLAGS:
        group.addoption(flag.flag, metavar=flag.metavar, help=flag.help + f" (ini: {flag.ini})",
                        type=argparse_type(flag.flag, flag.parse), dest=flag.ini, default=None,
                        action="append" if flag.repeat else "store")
        ini_type: Literal["args", "string"] = "args" if flag.repeat else "string"
        parser.addini(flag.ini, flag.help, type=ini_type)


def _ini_texts(config: pytest.Config, flag: Flag) -> list[str]:
    raw = config.getini(flag.ini)
    if isinstance(raw, str):
        return [raw] if raw.strip() else []
    return [str(v) for v in raw or []]


def read_options(config: pytest.Config) -> tuple[dict[str, Any], dict[str, Any]]:
    """(command-line values, ini values) by option name."""
    cli: dict[str, Any] = {}
    ini: dict[str, Any] = {}
    for flag in FLAGS:
        given = config.getoption(flag.ini)
        if given is not None:
            cli[flag.name] = flag.value(given if isinstance(given, list) else [given])
        texts = _ini_texts(config, flag)
        if texts:
            try:
                ini[flag.name] = flag.value(texts)
            except ValueError as exc:
                raise pytest.UsageError(f"ini option {flag.ini} = {texts[-1]!r}: {exc}") from None
    return cli, ini


def evaluation_options(values: dict[str, Any]) -> dict[str, Any]:
    """The evaluation options among ``values`` (session settings left out)."""
    return {k: v for k, v in values.items() if k in BY_NAME and BY_NAME[k].evaluation}


def resolve_path(config: pytest.Config, name: str, path: str) -> Path:
    """A path option's value as an absolute path: relative to the directory
    pytest was invoked in when given on the command line, to the ini file's
    directory when it comes from there."""
    if config.getoption(BY_NAME[name].ini) is not None:
        base = config.invocation_params.dir
    else:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
    return (base / Path(path).expanduser()).resolve()


def check_dataset(name: str) -> None:
    """A usage error unless ``name`` is a registered dataset, an ``hf:`` hub
    dataset or an existing file."""
    from hret.datasets import DATASETS, looks_like_file
    from hret.datasets.files import FILE_SUFFIXES
    from hret.errors import did_you_mean

    if looks_like_file(name):
        if not Path(name).exists():
            raise pytest.UsageError(
                f"--hret-dataset {name!r}: no such file; give an existing "
                f"{'/'.join(FILE_SUFFIXES)} file or a registered dataset name"
            )
        return
    if ("hf" if name.startswith("hf:") else name) not in DATASETS:
        known: Iterable[str] = DATASETS.names()
        raise pytest.UsageError(
            f"--hret-dataset {name!r} is not a registered dataset.{did_you_mean(name, known)} "
            f"Available: {', '.join(known)}; a .jsonl/.json/.csv/.parquet file also works."
        )


def describe_session(cli: dict[str, Any], ini: dict[str, Any]) -> list[str]:
    """Header lines: each session option with its source, then the session's
    thresholds (which every item must meet besides its own)."""
    settings = []
    for source, values in (("command line", cli), ("ini", ini)):
        for name, value in values.items():
            if name != "threshold" and not (source == "ini" and name in cli):
                settings.append(f"{name}={value} ({source})")
    lines = ["settings: " + ", ".join(settings)] if settings else []
    bounds = {**ini.get("threshold", {}), **cli.get("threshold", {})}
    if bounds:
        lines.append("thresholds (added to every item's own): "
                     + ", ".join(f"{metric}={bound:g}" for metric, bound in bounds.items()))
    return lines
