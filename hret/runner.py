"""``PipelineRunner``: the older runner's interface over an evaluation context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hret.context import EvaluationContext
from hret.errors import ConfigError
from hret.results import EvaluationResult


class PipelineRunner:
    """Evaluate a backend, named with its parameters, on a dataset.

    ``PipelineRunner(dataset_name="ko-sample", model_backend_name="huggingface",
    model_backend_params={"model": "/path"}, evaluation_method_name="string_match").run()``
    returns an ``EvaluationResult``. ``model_backend_name`` may also be a backend
    object or a model function. Other evaluation options (``limit``, ``seed``,
    ``num_fewshot``, ``cache``, ``max_workers``...) pass through ``**options``.
    """

    def __init__(self, dataset_name: Any = None, subset: str | Sequence[str] | None = None,
                 split: str | None = None, model_backend_name: Any = None,
                 model_backend_params: Mapping[str, Any] | None = None,
                 evaluation_method_name: str | None = None,
                 evaluator_params: Mapping[str, Any] | None = None,
                 dataset_params: Mapping[str, Any] | None = None,
                 scaling_method_name: str | None = None, run_name: str | None = None,
                 **options: Any) -> None:
        if scaling_method_name:
            raise ConfigError(
                f"scaling_method_name={scaling_method_name!r} is not supported; sample several "
                "answers in a model function and return the chosen one instead"
            )
        if model_backend_name is None:
            raise ConfigError("PipelineRunner needs model_backend_name (e.g. 'huggingface', 'openai')")
        self.dataset_name = dataset_name
        self.subset = subset
        self.split = split
        self.model_backend_name = model_backend_name
        self.model_backend_params = dict(model_backend_params or {})
        self.evaluation_method_name = evaluation_method_name
        self.evaluator_params = dict(evaluator_params or {})
        self.dataset_params = dict(dataset_params or {})
        self.run_name = run_name
        self.options = options
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The backend, created on first use and reused by later runs."""
        if self._model is None:
            if isinstance(self.model_backend_name, str):
                from hret.backends.registry import create_backend

                self._model = create_backend(self.model_backend_name, **self.model_backend_params)
            else:
                if self.model_backend_params:
                    raise ConfigError("model_backend_params apply to a backend given by name; "
                                      "this runner was given an object")
                self._model = self.model_backend_name
        return self._model

    def close(self) -> None:
        """Close the backend this runner created by name; a later run creates it anew."""
        if self._model is not None and isinstance(self.model_backend_name, str):
            from hret.backends.registry import close_backend

            close_backend(self._model)
            self._model = None

    def run(self) -> EvaluationResult:
        """Run the evaluation and return its result."""
        options = {"dataset": self.dataset_name, "subset": self.subset, "split": self.split,
                   "evaluation_method": self.evaluation_method_name,
                   "evaluator_params": self.evaluator_params or None,
                   "dataset_params": self.dataset_params or None, **self.options}
        if isinstance(self.model_backend_name, str):
            options.setdefault("model_backend_name", self.model_backend_name)
        with EvaluationContext(run_name=self.run_name, **options) as ctx:
            return ctx.evaluate(self.model)
