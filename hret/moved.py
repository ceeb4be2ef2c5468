"""Old module paths kept for one release: importing one warns and re-exports
the new module's public names."""

from __future__ import annotations

import importlib
import sys
import warnings

#: old module -> new module
MOVED = {
    "hret.evaluators": "hret.methods",
    "hret.history": "hret.store",
    "hret.tracking": "hret.store.tracker",
    "hret.backends_registry": "hret.backends.registry",
    "hret.sinks_builtin": "hret.sinks",
    "hret.collector": "hret.capture",
}


def reexport(old: str) -> None:
    """Fill module ``old`` with the public names of its new home, warning once."""
    new = MOVED[old]
    warnings.warn(f"{old} moved to {new}; import from {new} (the old path goes away in the next release)",
                  DeprecationWarning, stacklevel=3)
    target = importlib.import_module(new)
    module = sys.modules[old]
    for name in getattr(target, "__all__", ()):
        setattr(module, name, getattr(target, name))
