"""The ``hret`` command. Subcommands live in their own modules and register here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

#: modules that define ``register(subparsers)``; each adds its subcommands and
#: sets ``func`` (taking the parsed args, returning an exit code) on them
SUBCOMMAND_MODULES = ("hret.cli.run", "hret.cli.reports")


def build_parser() -> argparse.ArgumentParser:
    from hret import __version__

    parser = argparse.ArgumentParser(prog="hret", description="Evaluate LLMs on Korean benchmarks.")
    parser.add_argument("--version", action="version", version=f"hret {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
