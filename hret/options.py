"""Every option hret takes, defined once: its name, aliases, the configuration
key it falls back to, how a value is checked, how text (command line, ini) is
parsed, and how values from several places combine.

The same table serves ``hret.configure``/``load_config``, the decorators,
``evaluation_context``, ``hret run`` and the pytest plugin's ``--hret-*``
options. Precedence, highest first: the command line (the operator's choice
for this run, unless an item pins the option), ``@pytest.mark.hret`` markers,
the decorator or context, the ini file, ``hret.configure``/config file, the
defaults. Thresholds accumulate instead: every bound from every place applies,
and for a metric named twice the stricter bound wins.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hret.errors import ConfigError, did_you_mean

#: where a value came from, highest precedence first
SOURCES = ("command line", "marker", "decorator", "context", "ini", "config", "default")


# -- value checks (Python values: configure, YAML, decorators) ---------------
Check = Callable[[str, Any], Any]


def _fail(key: str, value: Any, expected: str, fix: str = "") -> ConfigError:
    """The error for a bad value: the key, the value, what is allowed, the fix."""
    return ConfigError(f"{key}={value!r} must be {expected}{'; ' + fix if fix else ''}")


def integer(minimum: int, optional: bool = False) -> Check:
    def check(key: str, value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool):
            raise _fail(key, value, "an integer, not true/false", f"e.g. {key}={max(minimum, 1)}")
        if not isinstance(value, int) or value < minimum:
            expected = f"an integer >= {minimum}" + (" or None" if optional else "")
            raise _fail(key, value, expected, f"e.g. {key}={max(minimum, 1)}")
        return value

    return check


def rate(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _fail(key, value, "a number between 0 and 1", f"e.g. {key}=0.05")
    return float(value)


def positive_number(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or not math.isfinite(value):
        raise _fail(key, value, "a number of seconds > 0, or None for no limit", f"e.g. {key}=30")
    return float(value)


def flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, value, "true or false")
    return value


def text(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, value, "a non-empty string")
    return value


def path(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Path):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        example = {"output_dir": "hret_results", "cache": "hret_cache.sqlite"}.get(key, "path/to/file")
        raise _fail(key, value, "a file or directory path (a string)", f"e.g. {key}={example!r}")
    return value


def dataset(key: str, value: Any) -> Any:
    if value is None or isinstance(value, Path) or hasattr(value, "samples"):
        return value  # a path, or a hret.Dataset
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, value, "a registered dataset name, a file path or a hret.Dataset",
                    "`hret list datasets` shows the names")
    return value


def mapping(key: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(key, value, "a mapping of name -> value", f"e.g. {key}={{'name': 'value'}}")
    return dict(value)


def names(key: str, value: Any) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _fail(key, value, "a name or a list of names")


def progress(key: str, value: Any) -> bool | str:
    if value not in (True, False, "auto"):
        raise _fail(key, value, "true, false or 'auto'")
    return value  # type: ignore[no-any-return]


def log_level(key: str, value: Any) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if not isinstance(value, str) or value.upper() not in levels:
        raise _fail(key, value, "one of " + ", ".join(levels))
    return value.upper()


def thresholds(key: str, value: Any) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(key, value, "a mapping of metric -> bound", "e.g. threshold={'accuracy': 0.5}")
    out: dict[str, float] = {}
    for metric, bound in value.items():
        if not isinstance(metric, str) or isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise _fail(key, value, "a mapping of metric name -> number", "e.g. threshold={'accuracy': 0.5}")
        out[metric] = float(bound)
    return out


def anything(key: str, value: Any) -> Any:
    return value


# -- text parsers (command line, ini) -----------------------------------------
def parse_int(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not an integer; expected an integer >= {minimum}") from None
        if value < minimum:
            raise ValueError(f"{value} is too small; expected an integer >= {minimum}")
        return value

    return parse


def parse_rate(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number; expected a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{value:g} is out of range; expected a number between 0 and 1")
    return value


def parse_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds; expected e.g. 30") from None
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{raw!r} is out of range; expected a number of seconds > 0")
    return value


def parse_text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("the value is empty; expected a non-empty string")
    return raw.strip()


def parse_names(raw: str) -> str | list[str]:
    found = [n.strip() for n in parse_text(raw).split(",") if n.strip()]
    return found[0] if len(found) == 1 else found


def parse_json_object(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not valid JSON ({exc}); expected a JSON object like '{{\"k\": 1}}'") from None
    if not isinstance(value, dict):
        raise ValueError(f"{raw!r} is not a JSON object; expected e.g. '{{\"k\": 1}}'")
    return value


def parse_pair(raw: str) -> tuple[str, Any]:
    """``KEY=VALUE``; VALUE is read as JSON when it parses, else as text."""
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{raw!r} is not KEY=VALUE; expected e.g. data_dir=/data/KMMLU")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


def parse_threshold(raw: str) -> tuple[str, float]:
    """``METRIC=VALUE`` -> ``(metric, value)``."""
    metric, sep, bound = raw.partition("=")
    if not sep or not metric.strip():
        raise ValueError(f"{raw!r} is not METRIC=VALUE; expected e.g. accuracy=0.6")
    try:
        return metric.strip(), float(bound)
    except ValueError:
        raise ValueError(f"{raw!r}: {bound!r} is not a number; expected e.g. accuracy=0.6") from None


def parse_progress(raw: str) -> bool | str:
    value = raw.strip().lower()
    table: dict[str, bool | str] = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False,
                                    "auto": "auto"}
    if value not in table:
        raise ValueError(f"{raw!r} is not one of on, off, auto")
    return table[value]


@dataclass(frozen=True)
class Option:
    """One option. ``config``: the ``HRETConfig`` key it falls back to.
    ``evaluation``: accepted by decorators, contexts and ``hret run``.
    ``parse``: how command-line/ini text becomes a value (None: not settable
    from text). ``repeat``: "pairs" options collect repeated KEY=VALUE texts
    into one mapping."""

    name: str
    check: Check = anything
    config: str | None = None
    evaluation: bool = True
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    repeat: bool = False
    metavar: str = "VALUE"
    help: str = ""
    default: Any = None
    #: command-line spelling without prefix when not the name's (``--hret-<spelling>``)
    spelling: str | None = None

    @property
    def flag(self) -> str:
        """Its command-line spelling without prefix: ``max_workers`` -> ``max-workers``."""
        return self.spelling or self.name.replace("_", "-")


OPTIONS: tuple[Option, ...] = (
    Option("dataset", dataset, "default_dataset", aliases=("dataset_name",), parse=parse_text, metavar="NAME",
           help="dataset: a registered name, hf:<owner>/<name> or a .jsonl/.csv/.parquet file"),
    Option("subset", names, parse=parse_names, metavar="NAMES", help="comma-separated subsets to evaluate"),
    Option("split", text, "split", parse=parse_text, metavar="SPLIT", help="dataset split"),
    Option("limit", integer(1, optional=True), "limit", parse=parse_int(1), metavar="N",
           help="evaluate a seeded, stratified subsample of N samples"),
    Option("seed", integer(0), "seed", parse=parse_int(0), metavar="N",
           help="seed for subsampling and few-shot choice"),
    Option("dataset_params", mapping, "dataset_params", parse=parse_pair, repeat=True, metavar="KEY=VALUE",
           spelling="dataset-param",
           help="dataset loader parameter (repeatable), e.g. data_dir=/data/KMMLU"),
    Option("column_map", mapping),
    Option("evaluation_method", text, "default_evaluation_method", aliases=("evaluation_method_name",),
           parse=parse_text, metavar="METHOD", help="evaluation method (see: hret list methods)",
           spelling="method"),
    Option("threshold_sources", mapping),
    Option("evaluator_params", mapping, parse=parse_json_object, metavar="JSON",
           help="evaluation method parameters as a JSON object"),
    Option("threshold", thresholds, parse=parse_threshold, repeat=True, metavar="METRIC=VALUE",
           help="fail when METRIC misses VALUE (repeatable; adds to the item's own bounds)"),
    Option("model", text, "default_model", aliases=("model_name",), parse=parse_text, metavar="LABEL",
           help="model label shown in results"),
    Option("model_backend_name", anything),
    Option("model_params", mapping),
    Option("num_fewshot", integer(0), "num_fewshot", parse=parse_int(0), metavar="K",
           help="few-shot examples per prompt"),
    Option("prompt", text, "prompt", parse=parse_text, metavar="NAME",
           help="a dataset's named prompt (default: the benchmark's reference prompt; 'instruct': hret's)"),
    Option("prompt_template", anything),
    Option("max_workers", integer(1), "max_workers", parse=parse_int(1), metavar="N",
           help="concurrent model calls (threads for sync functions, in flight for async)"),
    Option("batch_size", integer(1), "batch_size", parse=parse_int(1), metavar="N",
           help="batch size for batched model functions and backends"),
    Option("output_dir", path, "output_dir"),
    Option("max_error_rate", rate, "max_error_rate", parse=parse_rate, metavar="RATE",
           help="share of failed model calls (0..1) above which a run fails its gate"),
    Option("progress", progress, "progress", parse=parse_progress, metavar="on|off|auto",
           help="progress lines while samples run"),
    Option("cache", path, "cache", parse=parse_text, metavar="PATH",
           help="response cache (SQLite): repeated prompts are answered from it, so a killed run resumes"),
    Option("timeout", positive_number, "timeout", parse=parse_seconds, metavar="SECONDS",
           help="seconds one model call (one batch) may take; a call over it is that sample's "
                "error and the run goes on (a sync call is abandoned on its thread)"),
    Option("strict_sinks", flag, default=False),
    # configuration only
    Option("auto_save_results", flag, "auto_save_results", evaluation=False),
    Option("log_level", log_level, "log_level", evaluation=False),
    Option("mlflow_tracking", flag, "mlflow_tracking", evaluation=False),
    Option("wandb_tracking", flag, "wandb_tracking", evaluation=False),
)
BY_NAME = {o.name: o for o in OPTIONS}
BY_CONFIG_KEY = {o.config: o for o in OPTIONS if o.config}
EVALUATION_OPTIONS = tuple(o.name for o in OPTIONS if o.evaluation)
ALIASES = {alias: o.name for o in OPTIONS for alias in o.aliases}


def from_text(option: Option, texts: Sequence[str]) -> Any:
    """The value of ``option`` given as command-line or ini text (repeated for
    ``repeat`` options, whose KEY=VALUE pairs merge, the later winning)."""
    assert option.parse is not None
    if option.repeat:
        return dict(option.parse(t) for t in texts)
    return option.parse(texts[-1])


def argparse_type(flag: str, parse: Callable[[str], Any]) -> Callable[[str], str]:
    """An argparse ``type=`` that checks ``parse(text)`` and keeps the text (the
    value is built from every repetition later): a bad value is a usage error
    naming ``flag`` and saying what is expected."""
    import argparse

    def check(text: str) -> str:
        try:
            parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    check.__name__ = flag
    return check


def check_value(name: str, value: Any, key: str | None = None) -> Any:
    """``value`` checked (and normalised) for option ``name``; ``key`` is how
    the caller spelled it, for the message."""
    return BY_NAME[name].check(key or name, value)


def normalize_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Map aliases to option names, reject unknown options with a suggestion and
    check every value. ``None`` means "not set"."""
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in EVALUATION_OPTIONS:
            raise ConfigError(
                f"Unknown evaluation option {key!r}.{did_you_mean(key, EVALUATION_OPTIONS + tuple(ALIASES))} "
                f"Options: {', '.join(EVALUATION_OPTIONS)}."
            )
        if name in options and options[name] is not None and value is not None and options[name] != value:
            raise ConfigError(f"{key!r} and its alias both given ({options[name]!r} vs {value!r}); pass one")
        if value is not None:
            options[name] = check_value(name, value, key)
        elif name not in options:
            options[name] = None
    return options


@dataclass(frozen=True)
class Layer:
    """Option values from one place (``source``, one of ``SOURCES``). ``pin``
    names options this layer keeps against the command line."""

    source: str
    values: Mapping[str, Any]
    pin: tuple[str, ...] = ()


@dataclass
class Resolved:
    """The effective options of an evaluation and where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    #: metric -> source of its effective bound
    threshold_sources: dict[str, str] = field(default_factory=dict)
    pinned: dict[str, str] = field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        out = {k: v for k, v in self.values.items() if v is not None}
        if self.threshold_sources:
            out["threshold_sources"] = dict(self.threshold_sources)
        return out


def stricter(metric: str, a: float, b: float) -> float:
    """The stricter of two bounds on ``metric``."""
    from hret.metrics import LOWER_IS_BETTER

    return min(a, b) if metric in LOWER_IS_BETTER else max(a, b)


def resolve(layers: Sequence[Layer]) -> Resolved:
    """Combine layers given from highest to lowest precedence. A command-line
    value loses only to a pin; thresholds accumulate (the stricter bound wins)."""
    resolved = Resolved()
    pins = {name: layer.source for layer in layers if layer.source != "command line" for name in layer.pin}
    for layer in reversed(layers):  # lowest first: later layers override
        for name, value in layer.values.items():
            if value is None:
                continue
            if name == "threshold":
                for metric, bound in value.items():
                    current = resolved.values.setdefault("threshold", {}).get(metric)
                    if current is None or stricter(metric, current, bound) == bound:
                        resolved.values["threshold"][metric] = float(bound)
                        resolved.threshold_sources[metric] = layer.source
                continue
            if layer.source == "command line" and name in pins:
                resolved.pinned[name] = pins[name]
                continue
            resolved.values[name] = value
            resolved.sources[name] = layer.source
    return resolved
