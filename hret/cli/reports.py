"""``hret report``, ``hret history`` and ``hret compare`` (exit 1 on a regression)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

#: exit codes of ``hret compare``
OK, REGRESSION, UNUSABLE = 0, 1, 2


def register(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report", help="write one self-contained HTML report of runs and result files",
        description="Render runs (a result JSON, a run.json or a saved run's name) as one HTML file "
                    "that needs no network: a leaderboard, per-subject charts across models, paired "
                    "comparisons, answer behaviour, latencies, trends over runs (from the run history "
                    "too) and a sample browser; optionally its Markdown twin.",
        epilog="example: hret report hret_results/runs/*/run.json main -o report.html --markdown -")
    report.add_argument("results", nargs="+", metavar="RUN_OR_FILE")
    report.add_argument("-o", "--output", default="hret_report.html", metavar="PATH")
    report.add_argument("--markdown", default=None, metavar="PATH",
                        help="also write the Markdown summary ('-' for stdout)")
    report.add_argument("--title", default="hret evaluation report")
    report.add_argument("--max-samples", type=_positive, default=None, metavar="N",
                        help="samples shown per evaluation in the browser (default: 200; errors, "
                             "wrong answers and disagreements first)")
    report.add_argument("--no-history", action="store_true",
                        help="leave out earlier runs of the run history from the trend charts")
    _output_dir(report)
    report.set_defaults(func=report_command)

    history = subparsers.add_parser(
        "history", help="show the run history and the saved runs",
        description="List finished runs from the history under the output directory, "
                    "and the named runs saved for comparison.")
    history.add_argument("--metric", default=None, help="show this metric of every run")
    history.add_argument("--last", type=int, default=20, metavar="N", help="show the last N runs")
    history.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _output_dir(history)
    history.set_defaults(func=history_command)

    compare = subparsers.add_parser(
        "compare", help="paired comparison of two runs; exit 1 on a regression",
        description="Compare run B (candidate) with run A (baseline), pairing samples by id: "
                    "exact McNemar for 0/1 scores, paired bootstrap otherwise. A and B are "
                    "saved run names or result JSON files.",
        epilog="example: hret compare baseline hret_results/runs/x/model.result.json "
               "--fail accuracy:1%%")
    compare.add_argument("baseline", metavar="A")
    compare.add_argument("candidate", metavar="B")
    compare.add_argument("--fail", action="append", default=[], metavar="METRIC:AMOUNT",
                         help="regression rule, 'accuracy:1%%' (relative) or 'accuracy:0.01' "
                              "(absolute); repeatable")
    compare.add_argument("--metric", action="append", default=[], help="also compare this metric")
    compare.add_argument("--alpha", type=_alpha, default=0.05,
                         help="significance level a regression must reach (default: 0.05)")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--markdown", default=None, metavar="PATH",
                         help="also write the comparison as Markdown ('-' for stdout)")
    _output_dir(compare)
    compare.set_defaults(func=compare_command)


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"alpha {value} must be between 0 and 1, e.g. 0.05")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; expected one >= 1, e.g. 200") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1, e.g. 200")
    return value


def _output_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output-dir", default=None,
                        help="hret output directory (default: the configured output_dir)")


def _dir(args: argparse.Namespace) -> str:
    from hret.config import get_config

    return str(args.output_dir or get_config().output_dir)


def _write(text: str, target: str) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text, encoding="utf-8")


def load_run(ref: str, output_dir: str) -> list[dict[str, Any]]:
    """Results of a saved run name or of a result JSON file."""
    from hret.store import SavedRuns, read_results

    path = Path(ref)
    if path.suffix == ".json" or path.exists():
        return read_results(path)
    return SavedRuns(output_dir).load(ref)


def report_command(args: argparse.Namespace) -> int:
    from hret.report import markdown_summary, write_html
    from hret.store import HistoryStore

    directory = _dir(args)
    try:
        results = [r for ref in args.results for r in load_run(ref, directory)]
    except (OSError, ValueError) as exc:
        print(f"hret report: {exc}", file=sys.stderr)
        return UNUSABLE
    options: dict[str, Any] = {"title": args.title}
    if args.max_samples:
        options["max_samples"] = args.max_samples
    history = [] if args.no_history else HistoryStore(directory).read()
    path = write_html(results, args.output, history=history, **options)
    print(f"hret report: {len(results)} evaluation(s) -> {path}")
    if args.markdown:
        _write(markdown_summary(results, title=args.title), args.markdown)
    return OK


def history_command(args: argparse.Namespace) -> int:
    from hret.store import HistoryStore, SavedRuns

    directory = _dir(args)
    entries = HistoryStore(directory).read()[-args.last:] if args.last > 0 else []
    saved = SavedRuns(directory).names()
    if args.json:
        print(json.dumps({"runs": entries, "saved": saved}, ensure_ascii=False, indent=2, default=str))
        return OK
    if not entries and not saved:
        print(f"no runs recorded under {directory!r}")
        return OK
    for entry in entries:
        meta, metrics = entry.get("metadata", {}), entry.get("metrics", {})
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(meta.get("start_time") or 0))
        if args.metric:
            shown = {k: v for k, v in metrics.items() if k == args.metric or k.endswith(f"/{args.metric}")}
        else:
            shown = {k: v for k, v in metrics.items() if k.rsplit("/", 1)[-1] in ("accuracy", "n")}
        values = ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in list(shown.items())[:8])
        print(f"{when}  {meta.get('run_name')}  dataset={meta.get('dataset')}  {values}")
    if saved:
        print("saved runs: " + ", ".join(saved))
    return OK


def compare_command(args: argparse.Namespace) -> int:
    from hret.compare import ComparisonError, compare_runs, parse_fail_rules
    from hret.report import comparison_markdown

    directory = _dir(args)
    try:
        rules = parse_fail_rules(args.fail)
        report = compare_runs(load_run(args.baseline, directory), load_run(args.candidate, directory),
                              baseline_name=args.baseline, candidate_name=args.candidate,
                              metrics=args.metric, rules=rules, alpha=args.alpha)
    except (ComparisonError, OSError, ValueError) as exc:
        print(f"hret compare: {exc}", file=sys.stderr)
        return UNUSABLE
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    if args.markdown:
        _write(comparison_markdown(report), args.markdown)
    return REGRESSION if report.failed else OK
