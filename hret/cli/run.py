"""``hret run`` (evaluate a backend on a dataset) and ``hret list`` (what exists)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

LISTS = ("datasets", "methods", "backends", "sinks")


#: short spellings of table options on ``hret run``
SHORT = {"dataset": "-d", "evaluation_method": "-m"}


def register(subparsers: Any) -> None:
    from hret.options import OPTIONS, argparse_type

    run = subparsers.add_parser(
        "run", help="evaluate a model backend on a dataset",
        description="Evaluate a model backend on a dataset, print the headline with its 95% interval "
                    "and per-subject rows, and save the result as JSON. Exit status: 0 when the gate "
                    "passes (thresholds, max error rate), 1 when it fails, 2 on a usage error.",
        epilog="example: hret run --dataset ko-sample --backend openai "
               "-p model=my-model -p base_url=http://localhost:8000/v1 --limit 20",
    )
    run.add_argument("--backend", "-b", required=True, help="model backend (see: hret list backends)")
    run.add_argument("--backend-params", default=None, metavar="JSON",
                     help='backend parameters as a JSON object, e.g. \'{"model": "gpt2"}\'')
    run.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                     help="one backend parameter (repeatable); VALUE is read as JSON when it "
                          "parses, else as text")
    for option in OPTIONS:  # every evaluation option that reads from text, from the one table
        if option.evaluation and option.parse is not None:
            flags = [f"--{option.flag}", *([SHORT[option.name]] if option.name in SHORT else [])]
            run.add_argument(*flags, dest=option.name, metavar=option.metavar, help=option.help,
                             type=argparse_type(f"--{option.flag}", option.parse), default=None,
                             action="append" if option.repeat else "store")
    run.add_argument("--output", "-o", default=None, metavar="PATH",
                     help="write the result JSON here (it is also saved under the output dir)")
    run.add_argument("--run-name", default=None)
    run.set_defaults(func=run_command)

    listing = subparsers.add_parser("list", help="list datasets, evaluation methods, backends and sinks, "
                                                    "with the extra each needs and whether it is installed")
    listing.add_argument("what", nargs="?", choices=LISTS, default=None,
                         help="one of: " + ", ".join(LISTS) + " (default: all)")
    listing.set_defaults(func=list_command)


def parse_params(json_text: str | None, pairs: list[str]) -> dict[str, Any]:
    """Backend parameters from a JSON object and ``KEY=VALUE`` pairs (pairs win)."""
    from hret.errors import ConfigError
    from hret.options import parse_json_object, parse_pair

    try:
        params = parse_json_object(json_text) if json_text else {}
    except ValueError as exc:
        raise ConfigError(f"--backend-params: {exc}") from None
    for pair in pairs:
        try:
            key, value = parse_pair(pair)
        except ValueError as exc:
            raise ConfigError(f"--param: {exc}") from None
        params[key] = value
    return params


def evaluation_options(args: argparse.Namespace) -> dict[str, Any]:
    """The table options given on the command line, parsed."""
    from hret.options import OPTIONS, from_text

    given = {}
    for option in OPTIONS:
        texts = getattr(args, option.name, None) if option.evaluation and option.parse else None
        if texts is not None:
            given[option.name] = from_text(option, texts if isinstance(texts, list) else [texts])
    return given


def run_command(args: argparse.Namespace) -> int:
    from hret.errors import HretError
    from hret.report.terminal import result_lines
    from hret.runner import PipelineRunner

    try:
        options = evaluation_options(args)
        if "threshold" in options:  # failure lines say where a bound came from
            options["threshold_sources"] = dict.fromkeys(options["threshold"], "command line")
        runner = PipelineRunner(
            dataset_name=options.pop("dataset", None), model_backend_name=args.backend,
            model_backend_params=parse_params(args.backend_params, args.param),
            evaluation_method_name=options.pop("evaluation_method", None), run_name=args.run_name, **options,
        )
        try:
            result = runner.run()
        finally:
            runner.close()
    except (HretError, ValueError) as exc:
        print(f"hret run: error: {exc}", file=sys.stderr)
        return 2
    path = result.save_json(args.output) if args.output else result.info.get("result_path")
    for line in result_lines(result.to_dict()):
        print(line)
    if path:
        print(f"result: {path}")
    reasons = result.gate_failures()
    if reasons:
        print(f"hret run: FAILED: {'; '.join(reasons)}")
        return 1
    print("hret run: passed")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from hret.backends.registry import BACKENDS
    from hret.datasets import DATASETS
    from hret.errors import extra_status
    from hret.methods import EVALUATORS
    from hret.sinks import SINKS

    registries: dict[str, Any] = {"datasets": DATASETS, "methods": EVALUATORS, "backends": BACKENDS,
                                  "sinks": SINKS}
    chosen = [args.what] if args.what else list(LISTS)
    for what in chosen:
        registry = registries[what]
        rows = [("name", "extra", "installed")]
        for name in registry.names():
            extra, installed = extra_status(registry.requirements(name))
            rows.append((name, extra or "-", "yes" if installed else f"no: pip install 'pytest-hret[{extra}]'"))
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        indent = "  " if len(chosen) > 1 else ""
        if len(chosen) > 1:
            print(f"{what}:")
        for row in rows:
            print(f"{indent}{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    return 0
