"""One registry pattern for datasets, evaluators, backends and sinks.

Entries register by name in code; third-party packages add entries through an
entry-point group (``hret.<kind>``) that is loaded lazily, on the first lookup
of a name that is not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from hret.errors import UnknownNameError, did_you_mean

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

T = TypeVar("T")
#: an importable module and the pip extra of pytest-hret that installs it
Requirement = tuple[str, str]


def requires(*needs: Requirement) -> Callable[[T], T]:
    """Mark a registered entry (dataset loader, method, backend or sink
    factory) with the modules it needs and the extras that install them;
    ``hret list`` shows them and whether they are installed."""

    def mark(obj: T) -> T:
        setattr(obj, "requires", needs)  # noqa: B010 (functions have no typed attribute)
        return obj

    return mark


class Registry(Generic[T]):
    """A name -> object mapping with helpful errors and entry-point plugins."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, T] = {}
        self._plugins: dict[str, EntryPoint] | None = None

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

    def _entry_points(self) -> dict[str, EntryPoint]:
        """The group's entry points by name, read once; each is loaded on its first lookup."""
        if self._plugins is None:
            from importlib.metadata import entry_points  # slow to import; needed rarely

            self._plugins = {ep.name.lower(): ep for ep in entry_points(group=self.group)}
        return self._plugins

    def _load(self, key: str) -> None:
        plugin = self._entry_points().get(key)
        if plugin is not None and key not in self._entries:
            self._entries[key] = plugin.load()

    def get(self, name: str) -> T:
        key = name.lower()
        if key not in self._entries:
            self._load(key)
        if key not in self._entries:
            known = ", ".join(self.names()) or "(none)"
            raise UnknownNameError(
                f"Unknown {self.kind} {name!r}.{did_you_mean(key, self.names())} "
                f"Available: {known}."
            )
        return self._entries[key]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name.lower() in self._entries or name.lower() in self._entry_points()

    def requirements(self, name: str) -> tuple[Requirement, ...]:
        """What the entry ``name`` needs installed (see ``requires``)."""
        return tuple(getattr(self.get(name), "requires", ()))

    def names(self) -> list[str]:
        return sorted(set(self._entries) | set(self._entry_points()))

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
