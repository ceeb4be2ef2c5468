"""``math_match``: the final answer of a solution equals the reference, mathematically.

Answers are read with the ``math-verify`` package: the last ``\\boxed{}``
first, then anchored answers (``정답: 42``, ``answer is 42``) and LaTeX or plain
expressions; if the whole text yields nothing, its last line, then the last
number in it. ``1/2``, ``0.5`` and ``\\frac{2}{4}`` are equal; a plain-number
reference such as ``18`` or ``18.0`` is compared as a number.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from hret.errors import require
from hret.extraction import extract_number, strip_reasoning
from hret.methods.base import Evaluator, Score, register_evaluator
from hret.registry import Requirement, requires
from hret.sample import Sample

#: the tail of an output that is parsed; answers come last, and sympy on megabytes is slow
MAX_CHARS = 4000
TIMEOUT_S = 5


def _timeout() -> int | None:
    # math-verify's timeouts use signal.alarm, which works in the main thread only;
    # the engine scores in worker threads when max_workers > 1 (MAX_CHARS bounds the work)
    return TIMEOUT_S if threading.current_thread() is threading.main_thread() else None


class _NoTimeoutNotice(logging.Filter):
    """Drops math-verify's warning, logged on every call, that timeouts are off."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Timeout is disabled" not in record.getMessage()


def _quiet_timeout_notices() -> None:
    for name in ("math_verify.parser", "math_verify.grader"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTimeoutNotice) for f in logger.filters):
            logger.addFilter(_NoTimeoutNotice())


#: math-verify checks the answers (``hret list`` shows it)
MATH_VERIFY: Requirement = ("math_verify", "math")


@register_evaluator("math_match")
@requires(MATH_VERIFY)
class MathMatch(Evaluator):
    """Mathematical equivalence of the final answer and the reference."""

    name = "math_match"

    def __init__(self, float_rounding: int = 6) -> None:
        require(*MATH_VERIFY)
        _quiet_timeout_notices()
        self.float_rounding = float_rounding

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "float_rounding": self.float_rounding}

    def score(self, sample: Sample, output: str) -> Score:
        from math_verify import parse, verify

        timeout = _timeout()
        gold = parse(sample.reference, parsing_timeout=timeout) or parse(
            f"${sample.reference}$", parsing_timeout=timeout)
        for candidate in self._candidates(output):
            predicted = parse(candidate, parsing_timeout=timeout)
            if predicted:
                correct = bool(gold) and verify(gold, predicted, float_rounding=self.float_rounding,
                                                timeout_seconds=timeout)
                return Score(float(correct), str(predicted[-1]))
        return Score(0.0, None, True)

    @staticmethod
    def _candidates(output: str) -> list[str]:
        text = strip_reasoning(output)[-MAX_CHARS:]
        lines = [line for line in text.splitlines() if line.strip()]
        number = extract_number(text)
        return [c for c in (text, lines[-1] if lines else "", number or "") if c.strip()]
