"""One registry pattern for datasets, evaluators, backends and sinks.

Entries register by name in code; third-party packages add entries through an
entry-point group (``hret.<kind>``) that is loaded lazily, on the first lookup
of a name that is not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from hret.errors import UnknownNameError, did_you_mean

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object mapping with helpful errors and entry-point plugins."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, T] = {}
        self._entry_points_loaded = False

    def register(self, name: str, obj: T, *, replace: bool = False) -> T:
        key = name.lower()
        if key in self._entries and not replace and self._entries[key] is not obj:
            raise ValueError(
                f"{self.kind} {name!r} is already registered; pass replace=True to override it"
            )
        self._entries[key] = obj
        return obj

    def decorator(self, name: str) -> Callable[[T], T]:
        """``@registry.decorator("name")`` registers the decorated object."""

        def wrap(obj: T) -> T:
            return self.register(name, obj)

        return wrap

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points  # slow to import; needed rarely

        for ep in entry_points(group=self.group):
            if ep.name.lower() not in self._entries:
                self._entries[ep.name.lower()] = ep.load()

    def get(self, name: str) -> T:
        key = name.lower()
        if key not in self._entries:
            self._load_entry_points()
        if key not in self._entries:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(
                f"Unknown {self.kind} {name!r}.{did_you_mean(key, self._entries)} "
                f"Available: {known}."
            )
        return self._entries[key]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        self._load_entry_points()
        return name.lower() in self._entries

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
