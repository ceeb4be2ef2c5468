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
