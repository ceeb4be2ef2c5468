"""Errors raised by hret. Each message names the bad value, what was expected and the fix."""

from __future__ import annotations

from collections.abc import Iterable


class HretError(Exception):
    """Base class of every error hret raises on purpose."""


class ConfigError(HretError, ValueError):
    """A configuration key or value is invalid."""


class DatasetError(HretError, ValueError):
    """A dataset cannot be found, read or used."""


class UnknownNameError(HretError, KeyError):
    """A registry lookup found no entry of that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModelFunctionError(HretError, TypeError):
    """The model function has a signature hret cannot call."""


class ThresholdError(HretError, ValueError):
    """A threshold names a metric that the evaluation does not compute."""


class MissingDependencyError(HretError, ImportError):
    """An optional dependency is not installed."""


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``name``, or None when nothing is close."""
    import difflib

    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ``" Did you mean 'x'?"`` suffix, or an empty string."""
    match = closest(name, choices)
    return f" Did you mean {match!r}?" if match else ""


def require(module: str, extra: str) -> None:
    """Raise MissingDependencyError with the install line when ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"{module!r} is not installed; it is needed here. "
            f"Install it with: pip install 'pytest-hret[{extra}]'"
        )


def extra_status(requires: Iterable[tuple[str, str]]) -> tuple[str, bool]:
    """For ``(module, extra)`` pairs, as a registered entry's ``requires``
    declares them: the extras to install (``""``: none) and whether every
    module is importable (found without importing it)."""
    import importlib.util

    pairs = list(requires)
    extras = ",".join(dict.fromkeys(extra for _, extra in pairs))
    return extras, all(importlib.util.find_spec(module) is not None for module, _ in pairs)
