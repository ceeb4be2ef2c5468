"""Facts about the environment recorded in every result's ``info``."""

from __future__ import annotations

import functools


def hret_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pytest-hret")
    except PackageNotFoundError:
        return "0+unknown"


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the working directory's repository, if any."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    import platform

    return {"hret": hret_version(), "python": platform.python_version()}


#: distributions whose versions tracking runs record, when installed
TRACKED_PACKAGES = ("pytest-hret", "pytest", "torch", "transformers", "datasets", "accelerate", "vllm",
                    "openai", "litellm", "mlflow", "wandb", "math-verify")


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Installed versions of the packages an evaluation's numbers depend on,
    read from their metadata (nothing is imported)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def _cpu() -> str:
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    """GPU names: from torch when something already imported it, else from
    ``nvidia-smi`` when there is one (torch is never imported for this)."""
    import shutil
    import subprocess
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_available():
                return [str(torch.cuda.get_device_name(i)) for i in range(torch.cuda.device_count())]
        except Exception:  # a broken CUDA set-up must not stop the run being recorded
            pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


@functools.lru_cache(maxsize=1)
def host() -> dict[str, str]:
    """The machine that ran the evaluation: OS, CPU model and count, GPUs."""
    import os
    import platform

    gpus = _gpus()
    return {"os": f"{platform.system()} {platform.release()}", "cpu": _cpu(),
            "cpu_count": str(os.cpu_count() or 0), "gpu": ", ".join(gpus) if gpus else "none"}


def system_tags(commit: str | None = None) -> dict[str, str]:
    """Tags for a tracking run: the git commit, package versions and the host."""
    tags = {f"hret.version.{name}": value for name, value in package_versions().items()}
    tags.update({f"hret.host.{key}": value for key, value in host().items()})
    commit = commit or git_commit()
    if commit:
        tags["mlflow.source.git.commit"] = commit
        tags["hret.git_commit"] = commit
    return tags
