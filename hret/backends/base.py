"""What every backend shares: generation settings, stop strings, secrets, usage.

Backends may offer, besides the protocol in :mod:`hret.backends.protocol`:
``generation_params() -> dict`` (the settings that change outputs; part of
cache keys) and ``usage() -> dict`` (token and request counts so far; an
evaluation records what it used in ``result.info["usage"]``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from hret.errors import ConfigError, did_you_mean

#: other spellings of generation settings, as OpenAI-style APIs name them
SETTING_ALIASES = {"max_tokens": "max_new_tokens", "stop_sequences": "stop"}


@dataclass(frozen=True)
class GenerationSettings:
    """How text is generated. Greedy unless ``temperature > 0`` or ``do_sample=True``.

    max_new_tokens: most tokens generated per prompt.
    temperature / top_p / top_k: sampling parameters (ignored when greedy).
    do_sample: force sampling on or off; None follows ``temperature``.
    stop: strings that end generation; the output is cut before the first one.
    seed: seed for sampling, where the backend supports one.
    """

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int | None = None
    do_sample: bool | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None

    @classmethod
    def build(cls, params: Mapping[str, Any], base: GenerationSettings | None = None,
              owner: str = "backend", other_options: Iterable[str] = ()) -> GenerationSettings:
        """Validated settings from ``params`` (over ``base``); bad names and
        values raise ``ConfigError`` naming the fix."""
        names = {f.name for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in params.items():
            name = SETTING_ALIASES.get(key, key)
            if name not in names:
                known = sorted(names | set(other_options))
                raise ConfigError(
                    f"{owner} got unknown parameter {key!r}.{did_you_mean(key, known)} "
                    f"Parameters: {', '.join(known)}."
                )
            changes[name] = value
        if "stop" in changes:
            changes["stop"] = _stop_tuple(changes["stop"])
        settings = replace(base or cls(), **changes)
        settings.check(owner)
        return settings

    def check(self, owner: str) -> None:
        if isinstance(self.max_new_tokens, bool) or not isinstance(self.max_new_tokens, int) \
                or self.max_new_tokens < 1:
            raise ConfigError(f"{owner}: max_new_tokens={self.max_new_tokens!r} must be an integer >= 1")
        if isinstance(self.temperature, bool) or not isinstance(self.temperature, (int, float)) \
                or self.temperature < 0:
            raise ConfigError(f"{owner}: temperature={self.temperature!r} must be a number >= 0")
        if not isinstance(self.top_p, (int, float)) or not 0 < self.top_p <= 1:
            raise ConfigError(f"{owner}: top_p={self.top_p!r} must be in (0, 1]")
        if self.top_k is not None and (not isinstance(self.top_k, int) or self.top_k < 1):
            raise ConfigError(f"{owner}: top_k={self.top_k!r} must be None or an integer >= 1")
        if self.do_sample is True and self.temperature == 0:
            raise ConfigError(
                f"{owner}: do_sample=True with temperature=0 cannot sample. Set temperature > 0 "
                "(e.g. 0.7) to sample, or do_sample=False (or leave it out) for greedy decoding."
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ConfigError(f"{owner}: seed={self.seed!r} must be an integer or None")

    @property
    def sampling(self) -> bool:
        return self.do_sample if self.do_sample is not None else self.temperature > 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stop"] = list(self.stop)
        if not self.sampling:  # greedy: sampling knobs do not change outputs
            data.update(temperature=0.0, top_p=1.0, top_k=None, do_sample=False, seed=None)
        return data


def _stop_tuple(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    items = (stop,) if isinstance(stop, str) else tuple(stop)
    if not all(isinstance(s, str) and s for s in items):
        raise ConfigError(f"stop={stop!r} must be a non-empty string or a list of them")
    return items


def truncate_at_stop(text: str, stop: Iterable[str]) -> str:
    """``text`` up to the earliest stop string (which is not kept)."""
    cut = len(text)
    for s in stop:
        at = text.find(s)
        if at != -1:
            cut = min(cut, at)
    return text[:cut]


class Secret:
    """A credential that never prints: ``str``/``repr`` give ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        from hret.secrets import register_secret

        self._value = value
        register_secret(value)

    def reveal(self) -> str | None:
        return self._value

    @staticmethod
    def scrub(text: str) -> str:
        """``text`` with this and every other known credential replaced by ``***``."""
        from hret.secrets import scrub

        return scrub(text)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "***" if self._value else "None"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickling must not carry the value either
        raise TypeError("a hret Secret cannot be pickled")


class Usage:
    """Thread-safe running totals: ``requests`` answered, their ``prompt_tokens``
    and ``completion_tokens`` (as the server reports them), ``retries`` made and
    requests that failed for good (``failures``)."""

    KEYS = ("requests", "prompt_tokens", "completion_tokens", "retries", "failures")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self.KEYS, 0)

    def add(self, **counts: int) -> None:
        with self._lock:
            for key, value in counts.items():
                self._counts[key] += int(value or 0)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            data = dict(self._counts)
        data["total_tokens"] = data["prompt_tokens"] + data["completion_tokens"]
        return data


def usage_of(model: Any) -> dict[str, Any] | None:
    """The usage totals of ``model``'s backend, when it reports any."""
    report = getattr(getattr(model, "backend", None), "usage", None)
    return dict(report()) if callable(report) else None


def usage_between(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
                  ) -> dict[str, Any] | None:
    """What was used between two ``usage_of`` snapshots (counts nest, e.g. per replica)."""
    if after is None:
        return None
    before = before or {}
    return {k: usage_between(before.get(k), v) if isinstance(v, Mapping) else v - int(before.get(k, 0))
            for k, v in after.items()}


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]
