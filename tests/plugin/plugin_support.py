"""Inner pytest sessions for the plugin tests, built with ``pytester``."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

#: the three ways every reporting path must work
MODES = {"n0": ("-n", "0"), "n2": ("-n", "2"), "no-xdist": ("-p", "no:xdist")}

#: the top of every inner test module: answer-key models over ko-sample
PRELUDE = '''\
import asyncio
import json
import os

import pytest

import hret

ANSWERS = {str(s.input): s.reference for split in ("test", "dev")
           for s in hret.load_dataset("ko-sample", split=split)}


def question_of(prompt):
    return prompt.rsplit("질문: ", 1)[-1].split("\\n", 1)[0]


def right(prompt):
    return "풀이를 마쳤습니다.\\n정답: " + ANSWERS[question_of(prompt)]


def always_a(prompt):
    return "정답: A"


def broken(prompt):
    raise RuntimeError("model server down")
'''

INI = """\
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
{extra}
"""


class Inner:
    """An inner pytest session in a fresh directory."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path
        self.ini()

    def ini(self, extra: str = "") -> None:
        self.pytester.makefile(".ini", pytest=INI.format(extra=textwrap.dedent(extra)))

    def module(self, *sources: str, name: str = "test_inner") -> Path:
        body = "\n".join(textwrap.dedent(source) for source in sources)
        return self.pytester.makepyfile(**{name: PRELUDE + body})

    def conftest(self, source: str) -> Path:
        return self.pytester.makeconftest(PRELUDE + textwrap.dedent(source))

    def run(self, *args: str, mode: Sequence[str] = MODES["n0"]) -> pytest.RunResult:
        # hypothesis's plugin, unused here, imports hypothesis in every (worker) process
        return self.pytester.runpytest(*mode, "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                       *args)

    def json(self, name: str = "out.json") -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / name).read_text(encoding="utf-8"))
        return data
