"""Macro-F1 over option labels, per subset: KoBEST's second metric."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from hret.methods.base import Score, register_evaluator
from hret.methods.matching import StringMatch
from hret.sample import Sample


def macro_f1(references: Sequence[str], predictions: Sequence[str | None]) -> float:
    """Unweighted mean of per-class F1 over every class seen in either list
    (as ``sklearn.metrics.f1_score(average="macro")``). A missing prediction
    (None: nothing could be extracted) counts against the true class only."""
    classes = sorted({*references, *(p for p in predictions if p is not None)})
    if not classes:
        raise ValueError("macro_f1 needs at least one reference")
    total = 0.0
    for label in classes:
        tp = sum(1 for r, p in zip(references, predictions, strict=True) if r == label and p == label)
        fp = sum(1 for r, p in zip(references, predictions, strict=True) if r != label and p == label)
        fn = sum(1 for r, p in zip(references, predictions, strict=True) if r == label and p != label)
        total += 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return total / len(classes)


def subset_macro_f1(samples: Sequence[Sample], predictions: Sequence[str | None]) -> dict[str, float]:
    """``macro_f1`` per subset (``macro_f1/<subset>``) and their mean (``macro_f1``):
    labels of different subsets are different classes (KoBEST's A is 아니오 in
    BoolQ and the first alternative in COPA)."""
    groups: dict[str, tuple[list[str], list[str | None]]] = defaultdict(lambda: ([], []))
    for sample, predicted in zip(samples, predictions, strict=True):
        refs, preds = groups[sample.subset or ""]
        refs.append(sample.reference)
        preds.append(predicted)
    if not groups:
        return {}
    per_subset = {key: macro_f1(*pair) for key, pair in groups.items()}
    metrics = {"macro_f1": sum(per_subset.values()) / len(per_subset)}
    if len(per_subset) > 1:
        metrics.update({f"macro_f1/{key}": value for key, value in per_subset.items()})
    return metrics


@register_evaluator("macro_f1")
class MacroF1(StringMatch):
    """``string_match`` per sample, plus macro-F1 over the extracted labels."""

    name = "macro_f1"
    extra_metrics = frozenset({"macro_f1"})

    def aggregate(self, samples: Sequence[Sample], outputs: Sequence[str],
                  scores: Sequence[Score]) -> dict[str, float]:
        return subset_macro_f1(samples, [s.extracted for s in scores])
