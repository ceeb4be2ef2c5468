"""The ``--hret-*`` command-line options, their ``hret_*`` ini twins and their parsing.

Precedence: command line, then ini, then ``hret.configure`` / ``--hret-config``,
then hret's defaults. The first two become explicit evaluation options; the
last two are hret's global configuration, which evaluations fall back to.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest


def _int(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an integer; expected an integer >= {minimum}") from None
        if value < minimum:
            raise ValueError(f"{value} is too small; expected an integer >= {minimum}")
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number; expected a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{value:g} is out of range; expected a number between 0 and 1")
    return value


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("the value is empty; expected a non-empty string")
    return text.strip()


def _subset(text: str) -> str | list[str]:
    names = [n.strip() for n in _text(text).split(",") if n.strip()]
    return names[0] if len(names) == 1 else names


def parse_threshold(text: str) -> tuple[str, float]:
    """``METRIC=VALUE`` -> ``(metric, value)``."""
    metric, sep, bound = text.partition("=")
    if not sep or not metric.strip():
        raise ValueError(f"{text!r} is not METRIC=VALUE; expected e.g. accuracy=0.6")
    try:
        return metric.strip(), float(bound)
    except ValueError:
        raise ValueError(f"{text!r}: {bound!r} is not a number; expected e.g. accuracy=0.6") from None


@dataclass(frozen=True)
class Option:
    """One ``--hret-<name>`` option and its ``hret_<name>`` ini twin.

    ``key`` is the evaluation option it sets (see ``hret.context.OPTIONS``);
    None for options that act on the session itself.
    """

    name: str
    key: str | None
    parse: Callable[[str], Any]
    metavar: str
    help: str

    @property
    def flag(self) -> str:
        return f"--hret-{self.name}"

    @property
    def ini(self) -> str:
        return "hret_" + self.name.replace("-", "_")


OPTIONS = (
    Option("dataset", "dataset", _text, "NAME",
           "dataset for every item whose decorator names none: a registered name or a file"),
    Option("subset", "subset", _subset, "NAMES", "comma-separated subsets to evaluate"),
    Option("split", "split", _text, "SPLIT", "dataset split"),
    Option("limit", "limit", _int(1), "N", "evaluate a seeded, stratified subsample of N samples"),
    Option("seed", "seed", _int(0), "N", "seed for subsampling and few-shot choice"),
    Option("threshold", "threshold", parse_threshold, "METRIC=VALUE",
           "fail items whose METRIC misses VALUE (repeatable)"),
    Option("model", "model", _text, "LABEL", "model label shown in results"),
    Option("max-workers", "max_workers", _int(1), "N", "concurrent model calls per item"),
    Option("batch-size", "batch_size", _int(1), "N", "batch size for batched model functions"),
    Option("max-error-rate", "max_error_rate", _rate, "RATE",
           "share of failed model calls (0..1) above which an item is an error"),
    Option("cache", "cache", _text, "PATH",
           "response cache (SQLite): repeated prompts are answered from it, so an interrupted run resumes"),
    Option("output", None, _text, "DIR", "directory for per-sample records, results and history"),
    Option("json", None, _text, "PATH", "write every result of the session to this JSON file"),
    Option("config", None, _text, "PATH", "apply an hret configuration file (.yaml/.json)"),
)
BY_NAME = {o.name: o for o in OPTIONS}


def _cli_type(option: Option) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return option.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = option.name
    return convert


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("hret", "hret: LLM evaluations as test items")
    for option in OPTIONS:
        repeat = option.name == "threshold"
        settings: dict[str, Any] = {"type": _cli_type(option), "dest": option.ini,
                                    "action": "append" if repeat else "store", "default": None}
        group.addoption(option.flag, metavar=option.metavar,
                        help=option.help + f" (ini: {option.ini})", **settings)
        ini_type: Literal["args", "string"] = "args" if repeat else "string"
        parser.addini(option.ini, option.help, type=ini_type)


def _ini_values(config: pytest.Config, option: Option) -> list[str]:
    raw = config.getini(option.ini)
    if isinstance(raw, str):
        return [raw] if raw.strip() else []
    return [str(v) for v in raw or []]


def _parse_ini(option: Option, text: str) -> Any:
    try:
        return option.parse(text)
    except ValueError as exc:
        raise pytest.UsageError(f"ini option {option.ini} = {text!r}: {exc}") from None


def read_options(config: pytest.Config) -> dict[str, Any]:
    """Every option set on the command line or in the ini file, by option name."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        cli = config.getoption(option.ini)
        ini = [_parse_ini(option, text) for text in _ini_values(config, option)]
        if option.name == "threshold":
            merged = dict(ini) | dict(cli or [])
            if merged:
                values["threshold"] = merged
        elif cli is not None:
            values[option.name] = cli
        elif ini:
            values[option.name] = ini[-1]
    return values


def evaluation_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation options (``hret.context.OPTIONS`` keys) among ``values``."""
    return {o.key: values[o.name] for o in OPTIONS if o.key is not None and o.name in values}


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
    # load_dataset's own rule for files
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
