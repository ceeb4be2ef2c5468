"""Results as plain dicts, and the few facts every report shows about them."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hret.results import EvaluationResult, headline_of

Results = (EvaluationResult | Mapping[str, Any] | Mapping[str, EvaluationResult]
           | Iterable[EvaluationResult | Mapping[str, Any]])


def as_result_dicts(results: Results) -> list[dict[str, Any]]:
    """Accepts one result, a result dict (``to_dict()``, optionally with the
    pytest plugin's ``nodeid``/``label``/``kind``), ``{label: result}`` as a
    benchmark returns it, or a list of those."""
    if isinstance(results, EvaluationResult):
        return [results.to_dict()]
    if isinstance(results, Mapping):
        if "metrics" in results:
            return [dict(results)]
        return [{**one, "label": one.get("label") or str(label)}
                for label, value in results.items() for one in as_result_dicts(value)]
    return [one for item in results for one in as_result_dicts(item)]


def headline(result: Mapping[str, Any]) -> str:
    return headline_of(result.get("info", {}))


def title_of(result: Mapping[str, Any]) -> str:
    """What names a result: the pytest item, else the model label."""
    info = result.get("info", {})
    label = str(result.get("label") or info.get("model") or "model")
    item = result.get("item") or result.get("nodeid")
    if item and result.get("kind") == "benchmark":
        return f"{item} [{label}]"
    return str(item or label)


def dataset_of(result: Mapping[str, Any]) -> str:
    info = result.get("info", {})
    return " / ".join(str(x) for x in (info.get("dataset"), info.get("split")) if x)


def method_of(result: Mapping[str, Any]) -> str:
    method = result.get("info", {}).get("method")
    return str(method.get("name")) if isinstance(method, Mapping) else str(method or "")


def passed(result: Mapping[str, Any]) -> bool:
    if "passed" in result:
        return bool(result["passed"])
    return EvaluationResult.from_dict(result).passed


def sample_flags(sample: Mapping[str, Any]) -> dict[str, bool]:
    """``wrong``: scored below full marks; ``extraction``: no answer could be
    read from the output; ``error``: the model call or scoring failed."""
    score = sample.get("score")
    return {"wrong": score is not None and float(score) < 1.0,
            "extraction": bool(sample.get("extraction_failed")),
            "error": sample.get("error") is not None}


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def verdict(comparison: Mapping[str, Any], alpha: float = 0.05) -> str:
    if "error" in comparison and "difference" not in comparison:
        return f"not compared: {comparison['error']}"
    p = comparison.get("p_value")
    if p is None:
        return "no paired test"
    if p >= alpha:
        return "no significant difference"
    worse = (comparison["difference"] > 0) == bool(comparison.get("lower_is_better"))
    return "significantly worse" if worse else "significantly better"


# --------------------------------------------------------------------------- #
# many evaluations: names, families, leaderboard, pairs, trends
# --------------------------------------------------------------------------- #

def lower_is_better(metric: str) -> bool:
    from hret.metrics import LOWER_IS_BETTER

    return metric in LOWER_IS_BETTER


def run_of(result: Mapping[str, Any]) -> str:
    """The hret run an evaluation belongs to (its name, else its id)."""
    info = result.get("info", {})
    return str(info.get("run_name") or info.get("run_id") or result.get("run") or "")


def started_of(result: Mapping[str, Any]) -> float:
    value = result.get("info", {}).get("started_at")
    return float(value) if isinstance(value, (int, float)) else 0.0


def names_of(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """A short name per evaluation that no other evaluation shares: the label,
    then the dataset/split and the run added only where the label alone is
    ambiguous (``#2``... as the last resort)."""
    names = [title_of(r) for r in results]
    for extra in (dataset_of, run_of):
        seen: dict[str, set[str]] = {}
        for n, r in zip(names, results, strict=True):
            seen.setdefault(n, set()).add(extra(r))
        # only where it tells the evaluations that share a name apart
        names = [f"{n} · {extra(r)}" if len(seen[n]) > 1 and extra(r) else n
                 for n, r in zip(names, results, strict=True)]
    taken: Counter[str] = Counter()
    out = []
    counts = Counter(names)
    for n in names:
        taken[n] += 1
        out.append(f"{n} #{taken[n]}" if counts[n] > 1 else n)
    return out


def families(results: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """Indices of the evaluations that can be compared with each other (same
    dataset, split, revision, prompt, few-shot count and method), in order."""
    from hret.compare import differences

    groups: list[list[int]] = []
    for index, result in enumerate(results):
        for group in groups:
            if not differences(results[group[0]], result):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


def value_of(result: Mapping[str, Any], metric: str | None = None) -> float | None:
    value = result.get("metrics", {}).get(metric or headline(result))
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def ranked(results: Sequence[Mapping[str, Any]], group: Sequence[int]) -> list[int]:
    """``group`` best first on its headline metric; evaluations without a value last."""
    metric = headline(results[group[0]]) if group else "accuracy"
    sign = 1.0 if lower_is_better(metric) else -1.0

    def key(index: int) -> tuple[int, float, int]:
        value = value_of(results[index], metric)
        return (value is None, sign * (value or 0.0), index)

    return sorted(group, key=key)


def latest_per_label(results: Sequence[Mapping[str, Any]], group: Sequence[int]) -> list[int]:
    """The newest evaluation of each model in ``group``, models in first-seen order."""
    latest: dict[str, int] = {}
    for index in group:
        label = title_of(results[index])
        if label not in latest or started_of(results[index]) >= started_of(results[latest[label]]):
            latest[label] = index
    return list(latest.values())


def disagreements(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Ids of the samples both scored, with different scores."""
    scores = {str(s["id"]): s.get("score") for s in a.get("samples") or []}
    return [str(s["id"]) for s in b.get("samples") or []
            if s.get("score") is not None and scores.get(str(s["id"])) is not None
            and float(s["score"]) != float(scores[str(s["id"])])]


def pairs(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Paired comparisons (``hret.compare.compare_results``) within each family:
    every two models' newest evaluations, and each model's newest evaluation
    against its previous one. Each row adds ``a``/``b`` (indices), ``kind``
    and ``disagree`` (the sample ids scored differently)."""
    from hret.compare import ComparisonError, compare_results

    out = []
    for group in families(results):
        current = latest_per_label(results, group)
        wanted = [(a, b, "models") for i, a in enumerate(current) for b in current[i + 1:]]
        for index in current:
            same = sorted((i for i in group if title_of(results[i]) == title_of(results[index])
                           and i != index), key=lambda i: started_of(results[i]))
            if same:
                wanted.append((same[-1], index, "runs"))
        for a, b, kind in wanted:
            row: dict[str, Any] = {"a": a, "b": b, "kind": kind}
            try:
                row.update(compare_results(results[a], results[b], check=False).to_dict())
            except ComparisonError as exc:
                row["error"] = str(exc)
            row["disagree"] = disagreements(results[a], results[b])
            out.append(row)
    return out


MC_LETTER = re.compile(r"^[A-J]$")


def answer_distribution(result: Mapping[str, Any]) -> dict[str, tuple[int, int]] | None:
    """``{letter: (picked, gold)}`` over a multiple-choice evaluation's samples
    (``"none"``: no letter read); None when the references are not letters."""
    samples = result.get("samples") or []
    letters = [s for s in samples if MC_LETTER.match(str(s.get("reference") or ""))]
    if not letters or len(letters) < len(samples) / 2:
        return None
    picked = Counter(str(s.get("extracted")) if MC_LETTER.match(str(s.get("extracted") or ""))
                     else "none" for s in letters)
    gold = Counter(str(s["reference"]) for s in letters)
    keys = sorted((set(picked) | set(gold)) - {"none"}) + (["none"] if picked["none"] else [])
    return {k: (picked[k], gold[k]) for k in keys}


def latencies(result: Mapping[str, Any]) -> list[float]:
    return sorted(float(s["latency_ms"]) for s in result.get("samples") or []
                  if isinstance(s.get("latency_ms"), (int, float)))


def option_probabilities(sample: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A log-likelihood sample's options: each continuation with its probability
    normalised over the options (softmax of the log-probabilities), and whether
    the model chose it and whether it is the gold one. None for other samples."""
    output, prompt = sample.get("output"), sample.get("prompt")
    if not (isinstance(output, list) and output and all(
            isinstance(o, (list, tuple)) and o and isinstance(o[0], (int, float)) for o in output)):
        return None
    logprobs = [float(o[0]) for o in output]
    top = max(logprobs)
    weights = [math.exp(lp - top) for lp in logprobs]
    total = sum(weights)
    continuations = (prompt[1] if isinstance(prompt, (list, tuple)) and len(prompt) == 2
                     and isinstance(prompt[1], list) and len(prompt[1]) == len(output) else [])
    rows = []
    for i, (lp, w) in enumerate(zip(logprobs, weights, strict=True)):
        letter = chr(ord("A") + i)
        rows.append({"label": letter, "text": str(continuations[i]).strip() if continuations else letter,
                     "logprob": lp, "probability": w / total,
                     "chosen": sample.get("extracted") == letter, "gold": sample.get("reference") == letter})
    return rows


def trend_points(results: Sequence[Mapping[str, Any]], group: Sequence[int],
                 history: Iterable[Mapping[str, Any]] = ()) -> dict[str, list[dict[str, Any]]]:
    """Headline value (with its CI) of each model over time, oldest first: from
    the evaluations of ``group`` and from run-history entries (``history.jsonl``)
    of the same dataset. Only models with at least two points are returned."""
    first = results[group[0]]
    metric, dataset = headline(first), first.get("info", {}).get("dataset")
    points: dict[str, dict[str, dict[str, Any]]] = {}
    for index in group:
        r = results[index]
        m = r.get("metrics", {})
        points.setdefault(title_of(r), {})[run_of(r) or str(index)] = {
            "run": run_of(r), "when": started_of(r), "value": value_of(r, metric),
            "low": m.get(f"{metric}_ci_low"), "high": m.get(f"{metric}_ci_high"), "n": m.get("n")}
    labels = list(points)
    for entry in history:
        meta, metrics = entry.get("metadata", {}), entry.get("metrics", {})
        if dataset is None or meta.get("dataset") != dataset:
            continue
        run = str(meta.get("run_name") or "")
        for label in labels:
            prefix = f"{label}/" if f"{label}/{metric}" in metrics else (
                "" if metric in metrics and meta.get("model") == label else None)
            if prefix is None or run in points[label]:
                continue
            value = metrics[f"{prefix}{metric}"]
            if not isinstance(value, (int, float)):
                continue
            points[label][run] = {"run": run, "when": float(meta.get("start_time") or 0.0),
                                  "value": float(value), "low": metrics.get(f"{prefix}{metric}_ci_low"),
                                  "high": metrics.get(f"{prefix}{metric}_ci_high"),
                                  "n": metrics.get(f"{prefix}n")}
    return {label: sorted((p for p in found.values() if p["value"] is not None),
                          key=lambda p: p["when"])
            for label, found in points.items() if len(found) >= 2}
