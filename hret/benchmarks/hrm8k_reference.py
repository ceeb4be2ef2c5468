"""HRM8K's answer check as lm-evaluation-harness 0.4.13 scores it
(``lm_eval/tasks/hrm8k/default/utils.py``, MIT licence; its normalisation comes
from the MATH benchmark's ``math_equivalence.py``).

The last ``\\boxed{...}`` of the output (else the last ``$...$``, else what
follows the last ``=``, else the last number) is normalised and compared with
the reference written as lm-eval writes it (``8.0`` -> ``8``).
"""

from __future__ import annotations

import re
from typing import Any


def postprocess(value: Any) -> str:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else str(number)


def is_equiv(output: str | None, reference: str | None) -> bool:
    if output is None and reference is None:
        return True
    if output is None or reference is None:
        return False
    first, second = parse_math_answer(output), parse_math_answer(reference)
    try:
        return postprocess(_strip_string(first)) == _strip_string(second)  # type: ignore[arg-type]
    except Exception:  # the reference compares raw answers whenever normalising fails
        return first == second


def _remove_boxed(s: str | None) -> str | None:
    left = "\\boxed{"
    if s is None or s[: len(left)] != left or not s or s[-1] != "}":
        return None
    answer = s[len(left):-1]
    if "=" in answer:
        answer = answer.split("=")[-1].lstrip(" ")
    return answer


def _last_boxed_only_string(text: str) -> str | None:
    idx = text.rfind("\\boxed")
    if idx < 0:
        idx = text.rfind("\\fbox")
        if idx < 0:
            return None
    depth, right = 0, None
    for i in range(idx, len(text)):
        if text[i] == "{":
            depth += 1
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                right = i
                break
    return None if right is None else text[idx:right + 1]


def parse_math_answer(raw: str) -> str | None:
    if "\\boxed" in raw:
        return _remove_boxed(_last_boxed_only_string(raw))
    matches = re.findall(r"\$(.*)\$", raw)
    answer: str | None = None
    if matches:
        answer = matches[-1]
        if "=" in answer:
            answer = answer.split("=")[-1].lstrip(" ")
    if not answer:
        answer = None
        if "=" in raw:
            answer = raw.split("=")[-1].lstrip(" ").rstrip(".")
            if "\\n" in answer:
                answer = answer.split("\\n")[0]
        else:
            numbers = re.findall("(?:\\$)?\\d+(?:\\.\\d+)?(?![\\w\\d])", raw)
            if numbers:
                answer = numbers[-1]
    return answer


def _fix_fracs(text: str) -> str:
    parts = text.split("\\frac")
    out = parts[0]
    for part in parts[1:]:
        out += "\\frac"
        if part[0] == "{":
            out += part
            continue
        if len(part) < 2:
            return text
        a, b = part[0], part[1]
        if b != "{":
            out += "{" + a + "}{" + b + "}" + part[2:]
        else:
            out += "{" + a + "}" + b + part[2:]
    return out


def _fix_a_slash_b(text: str) -> str:
    if len(text.split("/")) != 2:
        return text
    a, b = text.split("/")
    try:
        ia, ib = int(a), int(b)
    except ValueError:
        return text
    if text != f"{ia}/{ib}":
        return text
    return "\\frac{" + str(ia) + "}{" + str(ib) + "}"


def _remove_right_units(text: str) -> str:
    if "\\text{ " in text:
        splits = text.split("\\text{ ")
        if len(splits) != 2:
            raise ValueError("more than one unit")
        return splits[0]
    return text


def _fix_sqrt(text: str) -> str:
    if "\\sqrt" not in text:
        return text
    splits = text.split("\\sqrt")
    out = splits[0]
    for split in splits[1:]:
        out += "\\sqrt{" + split[0] + "}" + split[1:] if split[0] != "{" else "\\sqrt" + split
    return out


def _strip_string(text: str) -> str:
    text = text.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    text = text.replace("tfrac", "frac").replace("dfrac", "frac")
    text = text.replace("\\left", "").replace("\\right", "")
    text = text.replace("^{\\circ}", "").replace("^\\circ", "")
    text = text.replace("\\$", "")
    text = _remove_right_units(text)
    text = text.replace("\\%", "")
    text = text.replace(" .", " 0.").replace("{.", "{0.")
    if not text:
        return text
    if text[0] == ".":
        text = "0" + text
    if len(text.split("=")) == 2 and len(text.split("=")[0]) <= 2:
        text = text.split("=")[1]
    text = _fix_sqrt(text)
    text = text.replace(" ", "")
    text = _fix_fracs(text)
    if text == "0.5":
        text = "\\frac{1}{2}"
    return _fix_a_slash_b(text)
