"""Adapting whatever the user evaluates into one calling convention.

Accepted: ``fn(text) -> str``, ``async def fn(text)``, batched functions declared
with :func:`batched` (``fn(list[str]) -> list[str]``, sync or async), and backend
objects with a ``generate(list) -> list[str]`` method.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from hret.errors import ModelFunctionError

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["sync", "async", "batched", "async_batched"]

_BATCH_ATTR = "__hret_batch_size__"


def batched(fn: F | None = None, *, batch_size: int | None = None) -> Any:
    """Declare that ``fn`` takes a list of inputs and returns a list of outputs.

    ``@hret.batched`` or ``@hret.batched(batch_size=16)``; the batch size given
    here wins over ``hret.configure(batch_size=...)``.
    """

    def mark(func: F) -> F:
        setattr(func, _BATCH_ATTR, batch_size or 0)
        return func

    return mark(fn) if fn is not None else mark


@dataclass(frozen=True)
class Model:
    """A callable with its calling convention and label."""

    call: Callable[..., Any]
    kind: Kind
    label: str
    batch_size: int | None = None
    backend: Any = None


def _is_async(fn: Any) -> bool:
    import inspect

    target = fn.func if isinstance(fn, functools.partial) else fn
    # a callable object whose __call__ is async counts as async too
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(type(target).__call__)


def _label(fn: Any) -> str:
    target = fn.func if isinstance(fn, functools.partial) else fn
    return str(getattr(target, "__name__", None) or type(target).__name__)


def check_single_argument(fn: Callable[..., Any]) -> None:
    """Fail early, with the fix, when ``fn`` cannot be called with one input."""
    import inspect

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins and C callables: let the call itself decide
    try:
        signature.bind("input")
    except TypeError:
        params = ", ".join(signature.parameters) or "no parameters"
        raise ModelFunctionError(
            f"model function {_label(fn)!r} takes ({params}); expected a function of one "
            "argument, the input text, e.g. def model(input_text: str) -> str. Bind other "
            "arguments with functools.partial or a lambda."
        ) from None


def as_model(obj: Any, label: str | None = None) -> Model:
    """Wrap ``obj`` in a :class:`Model`, raising a clear error if it cannot be called."""
    if isinstance(obj, Model):
        return obj if label is None else Model(obj.call, obj.kind, label, obj.batch_size, obj.backend)
    if _is_backend(obj) or (callable(getattr(obj, "generate", None)) and not callable(obj)):
        return Model(
            call=obj.generate,
            kind="async_batched" if _is_async(obj.generate) else "batched",
            label=label or str(getattr(obj, "label", None) or getattr(obj, "name", type(obj).__name__)),
            batch_size=getattr(obj, "batch_size", None),
            backend=obj,
        )
    if not callable(obj):
        raise ModelFunctionError(
            f"model {obj!r} is a {type(obj).__name__}; expected a function "
            "fn(input_text) -> str, an async function, a @hret.batched function or a backend"
        )
    check_single_argument(obj)
    size = getattr(obj.func if isinstance(obj, functools.partial) else obj, _BATCH_ATTR, None)
    is_async = _is_async(obj)
    if size is not None:
        kind: Kind = "async_batched" if is_async else "batched"
        return Model(obj, kind, label or _label(obj), batch_size=size or None)
    return Model(obj, "async" if is_async else "sync", label or _label(obj))


def batch_mismatch(outputs: Any, count: int) -> str | None:
    """Why ``outputs`` is not one output per input of a batch of ``count``; None when it is."""
    if isinstance(outputs, (list, tuple)) and len(outputs) == count:
        return None
    got = f"{len(outputs)} outputs" if isinstance(outputs, (list, tuple)) else type(outputs).__name__
    return f"batched model returned {got} for {count} inputs; expected a list of {count}"


def _is_backend(obj: Any) -> bool:
    from hret.backends.protocol import Backend

    return isinstance(obj, Backend)


def run_coroutine(coro: Any) -> Any:
    """Run ``coro`` to completion, also when an event loop already runs here
    (Jupyter, pytest-asyncio): then it runs on a fresh loop in a worker thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def with_generation(model: Model, generation: Mapping[str, Any] | None) -> Model:
    """``model`` generating with a task's settings (``stop``, ``max_new_tokens``),
    as the reference task generates: its stop strings join the backend's own,
    its length limit replaces the backend's. Plain functions are left as they are."""
    backend = model.backend
    if not generation or backend is None or model.call != getattr(backend, "generate", None):
        return model
    params = dict(generation)
    own = tuple(getattr(getattr(backend, "settings", None), "stop", ()) or ())
    if "stop" in params:
        params["stop"] = list(dict.fromkeys([*own, *params["stop"]]))
    return Model(functools.partial(backend.generate, **params), model.kind, model.label,
                 model.batch_size, backend)


def chat_template_info(model: Model, mode: str, plain_text: bool = False) -> str | None:
    """The chat template the backend applies to this evaluation's prompts, as its
    identity names it (``off`` or a hash); None when the model is a plain function.
    ``plain_text``: the prompts are a reference harness's plain text, which gets
    the template scoring gets."""
    backend = model.backend
    identity = backend.identity() if backend is not None and hasattr(backend, "identity") else {}
    key = "loglikelihood_chat_template" if mode == "loglikelihood" or plain_text else "chat_template"
    value = identity.get(key, identity.get("chat_template"))
    return None if value is None else str(value)
