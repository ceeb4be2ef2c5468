"""hret against lm-evaluation-harness, sample for sample, run by hand:
``python bench/crosscheck_lmeval.py``.

1. Sets up lm-eval 0.4.13 in its own virtual environment (``--venv``, default
   ``bench/.venvs/lmeval``, see ``bench/lmeval_venv.py``), unless it is there already.
2. Writes small copies of every benchmark in its hub repository's layout
   (awkward cells included: stray whitespace, quotes, commas, fractions, four
   and five options, a subject with more dev items than shots) and builds the
   tiny Llama of ``tests/tiny_model.py`` (or takes ``--model DIR``).
3. Runs lm-eval (``--log_samples``) from the copies' folder, so each task's
   ``dataset_path`` resolves to the copy of the same name, and hret with its
   default settings on the same copies and model.
4. Prints, per benchmark and mode: samples compared, prompt mismatches (byte
   for byte), prediction mismatches, the largest |Δ log-likelihood| and both
   accuracies per subject and overall.

Log-likelihood rows name no method to hret: a backend that scores
log-likelihoods is scored as lm-eval's task by default (the script checks it).
The generative KMMLU row names ``harness_match`` (lm-eval's ``kmmlu_direct``).
Generation runs with each task's own ``until`` and ``max_gen_toks``. HAE-RAE and CLIcK k-shot runs pass hret's
``fewshot_from_scored_split`` option, since lm-eval draws their examples from
the scored split.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_TELEMETRY": "1"}
os.environ.update(OFFLINE)

import lmeval_venv  # noqa: E402  (bench/, beside this script)

from tests.benchmarks.reference_copies import (  # noqa: E402
    HRM8K_ITEMS,
    KOBEST_ITEMS,
    KORMEDMCQA_ITEMS,
    build_copies,
)


# -- what is compared ------------------------------------------------------------------------
@dataclass
class Case:
    """One benchmark in one mode: the lm-eval task of each hret subset."""

    benchmark: str
    mode: str  # "loglikelihood" or "generate"
    tasks: dict[str, str]  # hret subset -> lm-eval task
    shots: tuple[int, ...]
    repo: str
    params: dict[str, Any] = field(default_factory=dict)
    fewshot_params: dict[str, Any] = field(default_factory=dict)
    #: the evaluation method named to hret; None: hret's default for this backend
    method: str | None = None


CASES = [
    Case("kmmlu", "loglikelihood", {"Math": "kmmlu_math", "Korean-History": "kmmlu_korean_history"},
         (0, 5), "HAERAE-HUB/KMMLU"),
    # a backend that scores log-likelihoods gets lm-eval's kmmlu by default; kmmlu_direct is named
    Case("kmmlu", "generate", {"Math": "kmmlu_direct_math",
                               "Korean-History": "kmmlu_direct_korean_history"},
         (0, 5), "HAERAE-HUB/KMMLU", method="harness_match"),
    Case("kmmlu-hard", "loglikelihood", {"math": "kmmlu_hard_math",
                                         "korean_history": "kmmlu_hard_korean_history"},
         (0, 5), "HAERAE-HUB/KMMLU-HARD"),
    Case("haerae", "loglikelihood", {"general_knowledge": "haerae_general_knowledge",
                                     "history": "haerae_history"},
         (0, 5), "HAERAE-HUB/HAE_RAE_BENCH", {"version": "1.0"},
         {"fewshot_from_scored_split": True}),
    Case("click", "loglikelihood", {"History": "click_cul_history", "Textual": "click_lang_text"},
         (0, 5), "EunsuKim/CLIcK", {}, {"fewshot_from_scored_split": True}),
    Case("kobest", "loglikelihood", {t: f"kobest_{t}" for t in KOBEST_ITEMS}, (0, 5), "skt/kobest_v1"),
    Case("kormedmcqa", "generate", {e: f"kormedmcqa_{e}" for e in KORMEDMCQA_ITEMS}, (0, 5),
         "sean0042/KorMedMCQA"),
    Case("hrm8k", "generate", {c: f"hrm8k_{c.lower()}" for c in HRM8K_ITEMS}, (0,), "HAERAE-HUB/HRM8K"),
    Case("hrm8k", "generate", {c: f"hrm8k_{c.lower()}_en" for c in HRM8K_ITEMS}, (0,),
         "HAERAE-HUB/HRM8K", {"language": "en"}),
]


def build_model(path: Path) -> Path:
    from tests.tiny_model import build_tiny_causal_lm

    build_tiny_causal_lm(path)
    # room for five-shot prompts: RoPE has no learned positions, so this only lifts the limit
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    config["max_position_embeddings"] = 4096
    (path / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


# -- running both ------------------------------------------------------------------------------
@dataclass
class Row:
    prompt: str
    prediction: str
    correct: float
    logliks: list[float] = field(default_factory=list)


def run_lmeval(python: Path, data: Path, model: Path, tasks: list[str], shots: int,
               out: Path) -> dict[str, list[Row]]:
    """lm-eval's per-sample records of ``tasks``, in document order."""
    command = [str(python), "-m", "lm_eval", "--model", "hf",
               "--model_args", f"pretrained={model},dtype=float32", "--tasks", ",".join(tasks),
               "--num_fewshot", str(shots), "--batch_size", "8", "--device", "cpu",
               "--log_samples", "--output_path", str(out)]
    env = {**os.environ, **OFFLINE, "HF_DATASETS_CACHE": str(out / "hf-datasets"),
           "PYTHONPATH": "", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=data, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"lm-eval failed ({done.returncode}):\n{done.stderr[-4000:]}")
    rows: dict[str, list[Row]] = {}
    for task in tasks:
        # samples_<task>_<timestamp>.jsonl; hrm8k_gsm8k must not pick hrm8k_gsm8k_en's file
        files = sorted(p for p in out.rglob(f"samples_{task}_*.jsonl")
                       if re.fullmatch(rf"samples_{re.escape(task)}_\d.*\.jsonl", p.name))
        if not files:
            raise SystemExit(f"lm-eval wrote no samples for {task} under {out}")
        records = [json.loads(line) for line in files[-1].read_text(encoding="utf-8").splitlines()]
        records.sort(key=lambda r: r["doc_id"])
        rows[task] = [lmeval_row(r) for r in records]
    return rows


def lmeval_row(record: dict[str, Any]) -> Row:
    arguments = record["arguments"]
    first = arguments["gen_args_0"] if isinstance(arguments, dict) else arguments[0]
    prompt = first["arg_0"] if isinstance(first, dict) else first[0]
    metrics = {k: record[k] for k in ("acc", "exact_match") if k in record}
    correct = float(next(iter(metrics.values())))
    filtered = record["filtered_resps"]
    if isinstance(filtered[0], list):  # log-likelihood: [logprob, is_greedy] per choice
        logliks = [float(item[0]) for item in filtered]
        best = max(range(len(logliks)), key=logliks.__getitem__)
        return Row(prompt, "ABCDEFGHIJ"[best], correct, logliks)
    return Row(prompt, str(filtered[0]), correct)


def run_hret(case: Case, data: Path, shots: int, backend: Any) -> dict[str, list[Row]]:
    """hret's per-sample records of ``case`` with default settings, by subset."""
    import hret

    params = {"data_dir": str(data / case.repo), **case.params,
              **(case.fewshot_params if shots else {})}
    options: dict[str, Any] = {"dataset": case.benchmark, "subset": list(case.tasks),
                               "dataset_params": params, "num_fewshot": shots, "progress": False}
    if case.method is not None:
        options["evaluation_method"] = case.method
    with hret.evaluation_context(run_name="crosscheck", **options) as ctx:
        result = ctx.evaluate(backend)
    expected = "log_likelihood" if case.mode == "loglikelihood" else None
    assert expected is None or result.info["method"]["name"] == expected, result.info["method"]
    rows: dict[str, list[Row]] = defaultdict(list)
    for record in result.samples:
        output, prompt = record["output"], record["prompt"]
        logliks = [float(item[0]) for item in output] if isinstance(output, list) else []
        rows[str(record["subset"])].append(Row(prompt if isinstance(prompt, str) else prompt[0],
                                               str(record["extracted"] or ""),
                                               float(record["score"] or 0.0), logliks))
    return rows


def compare(ours: list[Row], theirs: list[Row]) -> dict[str, Any]:
    delta = 0.0
    for a, b in zip(ours, theirs, strict=False):
        for x, y in zip(a.logliks, b.logliks, strict=False):
            delta = max(delta, abs(x - y))
        if len(a.logliks) != len(b.logliks):
            delta = float("inf")
    return {
        "n": min(len(ours), len(theirs)),
        "sizes_differ": len(ours) != len(theirs),
        "prompts": sum(a.prompt != b.prompt for a, b in zip(ours, theirs, strict=False)),
        "predictions": sum(a.prediction != b.prediction for a, b in zip(ours, theirs, strict=False)),
        "delta": delta,
        "acc_hret": sum(r.correct for r in ours) / max(1, len(ours)),
        "acc_lmeval": sum(r.correct for r in theirs) / max(1, len(theirs)),
    }


#: model outputs scored by both sides' answer checks (the tiny model rarely answers right)
OUTPUTS = (" B", "B.", " b", "B\n", "정답: B", "정답은 C 입니다", "보기 A. 아니고 D.", "I think e", "모르겠다",
           "(B)", " B ", "답은 $\\boxed{8}$", "x = 0.5", "답은 12 입니다", "\\boxed{\\frac12}", "= .5",
           "답: 3/4", "\\boxed{8.0}", "12개", "")
TARGETS = {"harness_match": ("B", "b"), "kormedmcqa": ("B", "C", "D", "E"),
           "hrm8k": ("8", "0.5", "12", "3/4", "0.75", "B")}
LMEVAL_SCORERS = r"""
import importlib.util, json, sys
from pathlib import Path
import lm_eval
from lm_eval.api.metrics import exact_match_hf_evaluate

tasks = Path(lm_eval.__file__).parent / "tasks"
def module(path):
    spec = importlib.util.spec_from_file_location(path.parent.name + "_utils", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
med = module(tasks / "kormedmcqa" / "utils.py")
hrm = module(tasks / "hrm8k" / "default" / "utils.py")
outputs, targets = json.load(sys.stdin)
def em(p, t, ignore):
    return float(exact_match_hf_evaluate([p], [t], regexes_to_ignore=ignore, ignore_case=True,
                                         ignore_punctuation=True)["exact_match"])
print(json.dumps({
    "harness_match": [[em(o, t, [" "]) for t in targets["harness_match"]] for o in outputs],
    "kormedmcqa": [[em(med.extract_choice(o), t, [" ", "\n"]) for t in targets["kormedmcqa"]]
                   for o in outputs],
    "hrm8k": [[float(hrm.process_results({"answer": t}, [o])["exact_match"]) for t in targets["hrm8k"]]
              for o in outputs],
}))
"""


def compare_scorers(python: Path) -> list[tuple[str, ...]]:
    """Both sides' answer checks on the same outputs: cases compared and disagreements."""
    import hret
    from hret.benchmarks.harness import HarnessMatch

    done = subprocess.run([str(python), "-c", LMEVAL_SCORERS], input=json.dumps([OUTPUTS, TARGETS]),
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    if done.returncode != 0:
        raise SystemExit(f"lm-eval scorers failed:\n{done.stderr[-3000:]}")
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    scorers = {"harness_match": HarnessMatch(), "kormedmcqa": HarnessMatch("choice", (" ", "\n")),
               "hrm8k": HarnessMatch("math")}
    rows = []
    for name, scorer in scorers.items():
        ours = [[scorer.score(hret.Sample(id="x", input="", reference=t), o).value
                 for t in TARGETS[name]] for o in OUTPUTS]
        cases = len(OUTPUTS) * len(TARGETS[name])
        differ = sum(a != b for x, y in zip(ours, theirs[name], strict=True)
                     for a, b in zip(x, y, strict=True))
        correct = sum(sum(x) for x in ours)
        rows.append((name, str(cases), str(int(correct)), str(differ)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=lmeval_venv.VENV)
    parser.add_argument("--model", type=Path, default=None, help="a local causal LM (default: tiny Llama)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--benchmarks", nargs="*", default=None)
    parser.add_argument("--show-diff", action="store_true", help="print the first differing prompt")
    args = parser.parse_args()

    python = lmeval_venv.ensure(args.venv.absolute())
    work = args.workdir or Path(tempfile.mkdtemp(prefix="hret-crosscheck-"))
    data = work / "data"
    build_copies(data)
    model = args.model or build_model(work / "tiny-lm")
    cases = [c for c in CASES if not args.benchmarks or c.benchmark in args.benchmarks]

    import torch

    import hret
    from hret.backends.huggingface import HuggingFaceBackend

    torch.set_num_threads(1)
    hret.configure(auto_save_results=False, output_dir=str(work / "hret-results"))
    # the backend with its defaults, for both modes: the tiny model's tokenizer has a chat
    # template, which hret applies neither to scored text nor to a reference task's
    # prompts unless asked by name, as lm-eval runs without --apply_chat_template
    backend = HuggingFaceBackend(model, dtype="float32", device="cpu")

    table: list[tuple[str, ...]] = []
    for shots in sorted({s for c in cases for s in c.shots}):
        chosen = [c for c in cases if shots in c.shots]
        tasks = [t for c in chosen for t in c.tasks.values()]
        reference = run_lmeval(python, data, model, tasks, shots, work / f"lmeval-{shots}shot")
        for case in chosen:
            ours = run_hret(case, data, shots, backend)
            label = case.benchmark + "".join(f" {v}" for k, v in case.params.items() if k != "version")
            totals = {"n": 0, "prompts": 0, "predictions": 0, "delta": 0.0, "h": 0.0, "l": 0.0}
            for subset, task in case.tasks.items():
                c = compare(ours.get(subset, []), reference[task])
                if args.show_diff and c["prompts"]:
                    for a, b in zip(ours[subset], reference[task], strict=False):
                        if a.prompt != b.prompt:
                            print(f"--- hret {case.benchmark}/{subset}\n{a.prompt!r}\n"
                                  f"--- lm-eval {task}\n{b.prompt!r}")
                            break
                table.append((label, case.mode, f"{shots}-shot", subset,
                              f"{c['n']}{' (sizes differ)' if c['sizes_differ'] else ''}",
                              str(c["prompts"]), str(c["predictions"]),
                              f"{c['delta']:.1e}" if case.mode == "loglikelihood" else "-",
                              f"{c['acc_hret']:.4f}", f"{c['acc_lmeval']:.4f}"))
                totals["n"] += c["n"]
                totals["prompts"] += c["prompts"]
                totals["predictions"] += c["predictions"]
                totals["delta"] = max(totals["delta"], c["delta"])
                totals["h"] += c["acc_hret"] * len(ours.get(subset, []))
                totals["l"] += c["acc_lmeval"] * len(reference[task])
            n = max(1, totals["n"])
            table.append((label, case.mode, f"{shots}-shot", "ALL (micro)", str(totals["n"]),
                          str(totals["prompts"]), str(totals["predictions"]),
                          f"{totals['delta']:.1e}" if case.mode == "loglikelihood" else "-",
                          f"{totals['h'] / n:.4f}", f"{totals['l'] / n:.4f}"))
    header = ("benchmark", "mode", "shots", "subset", "samples", "prompt≠", "pred≠", "max|Δll|",
              "acc hret", "acc lm-eval")
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    print("\nanswer checks on fixed outputs (scorer, cases, scored correct, disagreements):")
    for row in compare_scorers(python):
        print("  " + "  ".join(row))
    print(f"\nlm-eval: {' '.join(lmeval_venv.SPEC)} in {args.venv}; model: {model}; data: {data}")


if __name__ == "__main__":
    main()
