"""Global configuration: ``hret.configure(**kwargs)`` and ``hret.load_config(path)``."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from hret.errors import ConfigError, did_you_mean
from hret.options import BY_CONFIG_KEY, BY_NAME


@dataclass(frozen=True)
class HRETConfig:
    """Every key has an effect; unknown keys are errors.

    default_dataset: dataset used when none is named.
    default_model: model label in results when none is given.
    output_dir: where per-sample JSONL, saved results and the run history go.
    auto_save_results: save each evaluation's result JSON under ``output_dir``.
    batch_size: batch size for batched model functions.
    max_workers: concurrent calls (threads for sync, in flight for async).
    log_level: level of the ``hret`` logger.
    mlflow_tracking / wandb_tracking: forward every evaluation to MLflow / W&B.
    seed: seed for subsampling and few-shot choice.
    limit: evaluate a stratified subsample of this many samples.
    split: dataset split (None: the dataset's own evaluation split).
    default_evaluation_method: method used when the dataset names none.
    num_fewshot: few-shot examples per prompt.
    prompt: a dataset's named prompt (None: its default, the benchmark's reference prompt).
    dataset_params: parameters for dataset loaders (e.g. ``{"data_dir": "/data/KMMLU"}``).
    max_error_rate: share of failed model calls above which a run is an error.
    progress: show a progress bar ("auto": only on an interactive terminal).
    cache: path of the response cache (None: no cache).
    timeout: seconds one model call (one batch) may take before it becomes an
        error record (None: no limit).
    """

    default_dataset: str = "ko-sample"
    default_model: str | None = None
    output_dir: str = "hret_results"
    auto_save_results: bool = True
    batch_size: int = 8
    max_workers: int = 8
    log_level: str = "WARNING"
    mlflow_tracking: bool = False
    wandb_tracking: bool = False
    seed: int = 0
    limit: int | None = None
    split: str | None = None
    default_evaluation_method: str | None = None
    num_fewshot: int = 0
    prompt: str | None = None
    dataset_params: dict[str, Any] | None = None
    max_error_rate: float = 0.0
    progress: bool | str = "auto"
    cache: str | None = None
    timeout: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = {f.name: f for f in fields(HRETConfig)}
_config = HRETConfig()


def get_config() -> HRETConfig:
    return _config


def _check(key: str, value: Any) -> Any:
    """``value`` checked by the option table's rule for configuration key ``key``."""
    if key not in _FIELDS:
        raise ConfigError(
            f"Unknown configuration key {key!r}.{did_you_mean(key, _FIELDS)} "
            f"Valid keys: {', '.join(_FIELDS)}."
        )
    return BY_CONFIG_KEY[key].check(key, value)


def configure(**kwargs: Any) -> HRETConfig:
    """Set global options; unknown keys and bad values raise ``ConfigError``."""
    global _config
    checked = {key: _check(key, value) for key, value in kwargs.items()}
    _config = replace(_config, **checked)
    if "log_level" in checked:
        logging.getLogger("hret").setLevel(checked["log_level"])
    return _config


def reset_config() -> HRETConfig:
    """Back to defaults (used by tests and the pytest plugin)."""
    global _config
    _config = HRETConfig()
    return _config


def read_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"Config file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"Config file {str(path)!r} must end in .yaml, .yml or .json")
    except ConfigError:
        raise
    except Exception as exc:
        kind = "YAML" if suffix in (".yaml", ".yml") else "JSON"
        raise ConfigError(f"Config file {str(path)!r} is not valid {kind}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file {str(path)!r} holds a {type(data).__name__}; expected a mapping of keys"
        )
    return data


def load_config(path: str | Path | dict[str, Any]) -> HRETConfig:
    """Apply a YAML or JSON file (or a dict) of configuration keys."""
    data = path if isinstance(path, dict) else read_config_file(path)
    try:
        return configure(**data)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (in {path if not isinstance(path, dict) else 'the given dict'})") from None


def fallback(name: str) -> Any:
    """The value of option ``name`` when nothing sets it: the configuration's
    (``hret.configure``) or the option's default."""
    option = BY_NAME[name]
    if option.config is not None:
        return getattr(_config, option.config)
    return option.default
