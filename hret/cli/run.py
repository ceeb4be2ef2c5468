"""``hret run`` (evaluate a backend on a dataset) and ``hret list`` (what exists)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

LISTS = ("datasets", "methods", "backends")


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run", help="evaluate a model backend on a dataset",
        description="Evaluate a model backend on a dataset and save the result as JSON.",
        epilog="example: hret run --dataset ko-sample --backend openai "
               "-p model=my-model -p base_url=http://localhost:8000/v1 --limit 20",
    )
    run.add_argument("--dataset", "-d", default=None,
                     help="registered dataset name or a .jsonl/.csv/.parquet path")
    run.add_argument("--backend", "-b", required=True, help="model backend (see: hret list backends)")
    run.add_argument("--backend-params", default=None, metavar="JSON",
                     help='backend parameters as a JSON object, e.g. \'{"model": "gpt2"}\'')
    run.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                     help="one backend parameter (repeatable); VALUE is read as JSON when it "
                          "parses, else as text")
    run.add_argument("--method", "-m", default=None, help="evaluation method (see: hret list methods)")
    run.add_argument("--evaluator-params", type=_table("evaluator_params"), default=None, metavar="JSON",
                     help="evaluation method parameters as a JSON object")
    run.add_argument("--split", default=None)
    run.add_argument("--subset", action="append", default=None, help="subset (repeatable)")
    run.add_argument("--limit", type=_positive, default=None, help="evaluate a stratified subsample")
    run.add_argument("--num-fewshot", type=int, default=None)
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--max-workers", type=_positive, default=None)
    run.add_argument("--batch-size", type=_positive, default=None)
    run.add_argument("--cache", default=None, metavar="PATH", help="response cache (SQLite file)")
    run.add_argument("--timeout", type=_table("timeout"), default=None, metavar="SECONDS",
                     help="seconds one model call may take; a call over it is that sample's error")
    run.add_argument("--output", "-o", default=None, metavar="PATH",
                     help="write the result JSON here (it is also saved under the output dir)")
    run.add_argument("--run-name", default=None)
    run.set_defaults(func=run_command)

    listing = subparsers.add_parser("list", help="list datasets, evaluation methods and backends")
    listing.add_argument("what", nargs="?", choices=LISTS, default=None,
                         help="one of: " + ", ".join(LISTS) + " (default: all)")
    listing.set_defaults(func=list_command)


def _table(name: str) -> Any:
    """The option table's parser for ``name``, as an argparse type: a bad value
    is reported as ``argument --NAME: <what is wrong and what is expected>``."""
    from hret.options import BY_NAME

    parse = BY_NAME[name].parse
    assert parse is not None

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name.replace("_", "-")
    return convert


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def parse_params(json_text: str | None, pairs: list[str]) -> dict[str, Any]:
    """Backend parameters from a JSON object and ``KEY=VALUE`` pairs (pairs win)."""
    from hret.errors import ConfigError

    params: dict[str, Any] = {}
    if json_text:
        try:
            loaded = json.loads(json_text)
        except ValueError as exc:
            raise ConfigError(f"--backend-params is not valid JSON ({exc}): {json_text!r}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"--backend-params must be a JSON object; got {json_text!r}")
        params.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {pair!r} must look like KEY=VALUE, e.g. -p model=gpt2")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def run_command(args: argparse.Namespace) -> int:
    from hret.errors import HretError
    from hret.runner import PipelineRunner

    try:
        evaluator_params = args.evaluator_params
        options = {k: v for k, v in {
            "limit": args.limit, "num_fewshot": args.num_fewshot, "seed": args.seed,
            "max_workers": args.max_workers, "batch_size": args.batch_size, "cache": args.cache,
            "timeout": args.timeout,
        }.items() if v is not None}
        runner = PipelineRunner(
            dataset_name=args.dataset, subset=args.subset, split=args.split,
            model_backend_name=args.backend,
            model_backend_params=parse_params(args.backend_params, args.param),
            evaluation_method_name=args.method, evaluator_params=evaluator_params,
            run_name=args.run_name, **options,
        )
        try:
            result = runner.run()
        finally:
            runner.close()
    except (HretError, ValueError) as exc:
        print(f"hret run: error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        path = result.save_json(args.output)
        print(f"result: {path}")
    elif result.info.get("result_path"):
        print(f"result: {result.info['result_path']}")
    shown = {k: v for k, v in result.metrics.items() if not k.endswith(("_ci_low", "_ci_high"))}
    for key, value in shown.items():
        print(f"{key:>28}  {value:.4f}" if isinstance(value, float) else f"{key:>28}  {value}")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from hret.backends.registry import BACKENDS
    from hret.datasets import DATASETS
    from hret.methods import EVALUATORS

    registries: dict[str, Any] = {"datasets": DATASETS, "methods": EVALUATORS, "backends": BACKENDS}
    chosen = [args.what] if args.what else list(LISTS)
    for what in chosen:
        if len(chosen) > 1:
            print(f"{what}:")
        for name in registries[what].names():
            print(f"  {name}" if len(chosen) > 1 else name)
    return 0
