"""hret items: collecting decorated functions, running them, judging their results."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

from pytest_hret.state import ITEM, SETTINGS, STATE, ItemSpec

if TYPE_CHECKING:
    from hret.api import Spec
    from hret.options import Resolved
    from hret.results import EvaluationResult

#: how many failed model calls an error message shows
SHOWN_ERRORS = 3


class EvaluationError(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """An hret item that could not be judged: nothing was scored, too many
    model calls failed, or the evaluation was misconfigured. Reported as an
    error, never as a pass or an ordinary failure."""


def spec_of(obj: object) -> Spec | None:
    """The hret spec of a decorated function, or None. Only objects that carry
    the spec attribute cost an import of ``hret.api``: every other collected
    object is rejected by one dictionary lookup."""
    try:
        marked = "__hret_spec__" in getattr(obj, "__dict__", {})
    except Exception:  # objects whose attribute lookup fails are not hret's
        return None
    if not marked:
        return None
    from hret.api import get_spec

    return get_spec(obj)


def _fixture_parameters(spec: Spec, in_class: bool) -> tuple[list[inspect.Parameter], list[inspect.Parameter]]:
    """(leading parameters pytest binds itself, parameters that are fixtures)."""
    params = list(inspect.signature(spec.func).parameters.values())
    leading = params[:1] if in_class else []
    rest = params[len(leading):]
    if spec.kind == "evaluate":
        if not rest:
            raise pytest.Collector.CollectError(
                f"@hret.evaluate function {spec.name!r} takes no parameters; its first "
                "parameter receives the model input, e.g. def model(input_text: str) -> str"
            )
        rest = rest[1:]  # the model input
    return leading, rest


def make_items(collector: pytest.Module | pytest.Class, name: str, obj: object) -> list[Any] | None:
    """Items for a decorated function (one per parametrization), or None."""
    spec = spec_of(obj)
    if spec is None:
        return None
    if not getattr(obj, "__test__", True):
        return []
    leading, fixtures = _fixture_parameters(spec, isinstance(collector, pytest.Class))

    # pytest derives fixtures and parametrization from the callable it is given:
    # show it the fixture parameters only, not the model input
    def signature_only(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("never called")

    functools.update_wrapper(signature_only, obj)  # type: ignore[arg-type]
    signature_only.__signature__ = inspect.Signature(leading + fixtures)  # type: ignore[attr-defined]
    argnames = tuple(p.name for p in fixtures if p.default is inspect.Parameter.empty
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    # the same generator pytest uses for test functions: parametrize,
    # pytest_generate_tests and fixture closures behave as for any test
    items = list(collector._genfunctions(name, signature_only))
    for item in items:
        item.stash[ITEM] = ItemSpec(spec, argnames)
        item.add_marker(pytest.mark.hret)
    return items


def resolved_options(item: pytest.Item, spec: Spec | None = None) -> Resolved:
    """Evaluation options of an item and where each came from: the command line
    (unless a marker pins the option: ``@pytest.mark.hret(pin=("dataset",))``),
    then the item's own ``@pytest.mark.hret``, the decorator, class and module
    marks (closest first), the ini file. Thresholds from all of them apply;
    for a metric bounded twice the stricter bound wins."""
    from hret.errors import ConfigError
    from hret.options import Layer, normalize_options, resolve

    state = item.config.stash[STATE]
    own: list[Layer] = []
    inherited: list[Layer] = []  # class and module marks: broader than the decorator
    for node, mark in item.iter_markers_with_node("hret"):  # closest first
        if mark.args:
            raise EvaluationError(
                f"@pytest.mark.hret takes keyword options only, got {mark.args!r}; "
                "e.g. @pytest.mark.hret(dataset='ko-sample', limit=20)", pytrace=False)
        kwargs = dict(mark.kwargs)
        pin = kwargs.pop("pin", ())
        pin = (pin,) if isinstance(pin, str) else tuple(pin)
        try:
            layer = Layer("marker", normalize_options(kwargs), pin)
        except ConfigError as exc:
            raise EvaluationError(f"@pytest.mark.hret: {exc}", pytrace=False) from None
        (own if node is item else inherited).append(layer)
    decorator = [Layer("decorator", spec.options)] if spec is not None else []
    layers = [Layer("command line", state.cli), *own, *decorator, *inherited, Layer("ini", state.ini)]
    return resolve(layers)


def item_options(item: pytest.Item, spec: Spec | None = None) -> dict[str, Any]:
    """The effective evaluation options of an item (see ``resolved_options``)."""
    return resolved_options(item, spec).options()


def run_name(item: pytest.Item) -> str:
    """The ``pytest_hret_run_name`` answer, or the item's name."""
    name = item.ihook.pytest_hret_run_name(item=item)
    return str(name) if name else item.name


def run_item(item: pytest.Function, info: ItemSpec) -> None:
    """Run the evaluation an hret item declares and judge its results."""
    from hret.api import run_spec
    from hret.errors import HretError

    spec = info.spec
    fixtures = {name: item.funcargs[name] for name in info.argnames}
    bound = (item.instance,) if item.instance is not None else ()
    resolved = resolved_options(item, spec)
    item.stash[SETTINGS] = {"sources": resolved.sources, "pinned": resolved.pinned}
    options = resolved.options()
    try:
        if spec.kind == "benchmark":
            target: Any = spec.func(*bound, **fixtures)
        else:
            # the undecorated function, so that async and @hret.batched are recognised
            target = functools.partial(spec.func, *bound, **fixtures) if bound or fixtures else spec.func
        outcome = run_spec(spec, target, run_name=run_name(item), **options)
    except HretError as exc:
        raise EvaluationError(f"{type(exc).__name__}: {exc}", pytrace=False) from None
    results = outcome if isinstance(outcome, dict) else {str(options.get("model") or spec.name): outcome}
    judge(results)


def _first_errors(result: EvaluationResult) -> list[str]:
    failed = [r for r in result.samples if r.get("error")]
    return [f"    sample {r.get('id')}: {r['error']}" for r in failed[:SHOWN_ERRORS]]


def judge(results: Mapping[str, EvaluationResult]) -> None:
    """Raise ``EvaluationError`` for results that cannot be judged (nothing
    scored, too many failed calls), then fail the item with one line per
    metric that misses its bound: the library's gate, told apart."""
    errors: list[str] = []
    failures: list[str] = []
    for label, result in results.items():
        metrics = result.metrics
        n, total = int(metrics.get("n", 0)), int(metrics.get("n_total", 0))
        count, rate = int(metrics.get("error_count", 0)), float(metrics.get("error_rate", 0.0))
        if n == 0:
            errors.append(f"{label}: 0 of {total} samples scored ({count} model calls failed); "
                          "an evaluation that scores nothing cannot pass")
            errors += _first_errors(result)
            continue
        limit = float(result.info.get("max_error_rate") or 0.0)
        if rate > limit:
            errors.append(f"{label}: {count} of {total} model calls failed (error rate "
                          f"{rate:.2%} > max_error_rate {limit:g}; raise it with "
                          "--hret-max-error-rate or max_error_rate=...). First errors:")
            errors += _first_errors(result)
        failures += [f"{label}: {check.describe()}" for check in result.failed_checks]
    if errors:
        raise EvaluationError("\n".join(errors + failures), pytrace=False)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
