"""Answer extraction from free-form model outputs.

Turns a generation such as ``"...따라서 정답은 (C)입니다"`` into the 0-based index of the chosen
option (:func:`extract_choice`) or the final number of a numeric answer (:func:`extract_number`).
Everything here is pure, stdlib-only and cheap enough to run on every sample.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "MAX_LABELS",
    "extract_choice",
    "extract_number",
    "normalize",
    "option_labels",
    "strip_reasoning",
]

MAX_LABELS = 26
"""Largest number of letter labels :func:`option_labels` can produce (A-Z)."""

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DEFAULT_LABELS: tuple[tuple[str, ...], ...] = tuple(tuple(_LETTERS[:n]) for n in range(MAX_LABELS + 1))

# --------------------------------------------------------------------------- preprocessing

# Circled digits (①, ❶, ➀, ➊ families). NFKC folds ① into a bare "1", which would lose the
# information that it denotes an option, so they are rewritten as "N번" beforehand.
_CIRCLED: dict[str, int] = {chr(base + i): i + 1 for base in (0x2460, 0x2776, 0x2780, 0x278A) for i in range(10)}
_CIRCLED_RE = re.compile("([" + "".join(_CIRCLED) + r"])(?:[ \t]*번)?")
_THINK_BLOCK_RE = re.compile(r"<(think(?:ing)?)>.*?</\1>", re.S | re.I)
_THINK_OPEN_RE = re.compile(r"<think(?:ing)?>", re.I)
_THINK_CLOSE_RE = re.compile(r"</think(?:ing)?>", re.I)
_EMPHASIS_RE = re.compile(r"\*+|_{2,}|`+")
_WS_RE = re.compile(r"\s+")


def _last_match(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    last = None
    for m in pattern.finditer(s):
        last = m
    return last


def normalize(text: str) -> str:
    """NFKC-normalise (full-width ``Ｂ``/``：``/``（`` become ASCII) and strip whitespace."""
    return unicodedata.normalize("NFKC", text).strip()


def strip_reasoning(text: str) -> str:
    """Remove ``<think>...</think>`` blocks.

    A stray ``</think>`` without an opening tag means everything before it was reasoning, so
    only the text after the last one is kept; an unterminated ``<think>`` (truncated reasoning)
    is dropped up to the end. Text without tags is returned unchanged.
    """
    if "<" not in text:
        return text
    out = _THINK_BLOCK_RE.sub("", text)
    last_close = _last_match(_THINK_CLOSE_RE, out)
    if last_close is not None:
        out = out[last_close.end() :]
    opened = _THINK_OPEN_RE.search(out)
    if opened is not None:
        out = out[: opened.start()]
    return out.strip()


def option_labels(n: int) -> list[str]:
    """Letter labels ``["A", "B", ...]`` for ``n`` options (``0 <= n <= 26``)."""
    if not 0 <= n <= MAX_LABELS:
        raise ValueError(f"n must be between 0 and {MAX_LABELS}, got {n}")
    return list(_LETTERS[:n])


def _circled_repl(m: re.Match[str]) -> str:
    return f"{_CIRCLED[m.group(1)]}번"


def _prepare(text: str) -> str:
    """Circled digits -> ``N번``, NFKC, drop reasoning and markdown emphasis, strip."""
    if not text.isascii() and _CIRCLED_RE.search(text):
        text = _CIRCLED_RE.sub(_circled_repl, text)
    s = strip_reasoning(unicodedata.normalize("NFKC", text))
    if "*" in s or "__" in s or "`" in s:
        s = _EMPHASIS_RE.sub("", s)
    return s.strip()


# --------------------------------------------------------------------------- marker scanning

# One literal-led alternation finds every marker keyword quickly (the regex engine can skip
# ahead on its first characters); the label-dependent parts are then matched *anchored* at
# each hit, which keeps long chain-of-thought outputs cheap.
#   답/답변/답안/answer(s)  -> "strong" prefix marker: "정답: B", "Answer B", "답은 2번"
#   선택/결론               -> "weak" prefix marker, needs a separator: "선택: B"
#   is correct/the answer  -> English postfix marker: "(B) is correct"
#   \boxed                 -> "\boxed{B}"
#   ####                   -> numeric answers only ("#### 42")
# "정답", "최종 답", "final answer" need no entries of their own: "답"/"answer" covers them.
_KEY_RE = re.compile(
    r"답(?:변|안)?|answers?|Answers?|ANSWERS?|선택|결론|\\boxed|####"
    r"|is\s+(?:the\s+)?(?:(?:correct|right|best)\b|(?:final\s+)?answer\b)"
)
# Every optional piece starts with a non-space character and ends with ``\s*``, which keeps
# the patterns linear on long whitespace runs.
_STRONG_SEP = (
    r"\s*(?:\((?i:final)\)\s*)?"
    r"(?:(?:(?i:is|was|would\s+be|should\s+be|must\s+be|will\s+be)\b|[은는이가]|으로|로)\s*)?"
    r"(?:(?:[:=]|->|=>|→|[-–—](?=\s))\s*)?"
    r"(?:(?:바로|아마도?|(?i:likely|probably|clearly|definitely))\s+)?"
)
_WEAK_SEP = r"\s*(?:[:=]|->|=>|→|[-–—](?=\s))\s*"
_OPT_WORD = r"(?:(?:(?i:option|choice)|보기|선택지|선지)\s*)?(?:\$\s*)?"
# Counters that turn "2" into a quantity ("정답 2개를 고르시오"), not an option number.
_COUNTER = r"(?:개|가지|명|년|월|일|%|점|배|차|회|시간|분|초|세|살)"

_STRONG_SEP_RE = re.compile(_STRONG_SEP)
_WEAK_SEP_RE = re.compile(_WEAK_SEP)
# Korean negation right after an answer ("정답은 A가 아니라 C", "B가 정답이 아닙니다").
_NEG_RE = re.compile(r"\s*(?:[)\]]\s*)?(?:번\s*)?(?:[이가은는]\s*)?아(?:니|닌|닙|님|냐)")
# "Answer: a bit ..." / "Answer: I think ..." are words, not labels.
_LOWER_WORD_AFTER_RE = re.compile(r"\s+[A-Za-z]")
_I_WORD_AFTER_RE = re.compile(r"\s+(?i:think|believe|guess|would|will|am|can)\b")
_BARE_STRIP = " \t\r\n()[]<>{}'\".:!,。"
_BARE_SUFFIXES = ("입니다", "이다", "임", "요")
_POSTFIX_LOOKBACK = 24  # chars searched before a postfix marker for its label


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def _lead_ends(s: str) -> list[int]:
    """End offsets of every answer lead-in ("정답은 ", "Answer: ", "#### ") in ``s``."""
    ends: list[int] = []
    for m in _KEY_RE.finditer(s):
        first = s[m.start()]
        if first in "답aA" or first in "선결":
            sep = (_STRONG_SEP_RE if first in "답aA" else _WEAK_SEP_RE).match(s, m.end())
            if sep is not None:
                ends.append(sep.end())
        elif first == "#":
            ends.append(m.end())
    return ends


class _Patterns(NamedTuple):
    strong: re.Pattern[str]  # after 답/answer: "은 (B)", ": B", " is 2번"
    weak: re.Pattern[str]  # after 선택/결론: ": B"
    boxed: re.Pattern[str]  # after \boxed: "{B}", "{\text{B}}"
    tail: re.Pattern[str]  # label right before a postfix marker: "B가 ", "(B) ", "2번이 "
    correction: re.Pattern[str]  # label after a negation: "...가 아니라 C"
    paren: re.Pattern[str]  # "(B)", "[b]"
    line: re.Pattern[str]  # a line starting with "B.", "B)", "B:"
    ordinal: re.Pattern[str]  # "2번"


def _token(custom: str) -> str:
    """Label token; groups in order: ``o`` (opening bracket), ``c`` (custom label),
    ``l`` (letter), ``n`` (number), ``b`` (a following 번)."""
    return (
        rf"(?P<o>[(\[<{{]\s*)?(?:(?P<c>{custom})(?!\w)"
        r"|(?<![A-Za-z])(?P<l>[A-Za-z])(?![A-Za-z0-9]|-[A-Za-z0-9]|'[a-z])"
        rf"|(?<![0-9])(?P<n>[0-9]{{1,2}})(?![0-9]|[.,][0-9]|\s*{_COUNTER})(?P<b>\s*번)?)"
    )


@lru_cache(maxsize=64)  # compiled on first use, not at import
def _build(custom: str) -> _Patterns:
    """Compile the label-dependent patterns; ``custom`` is an alternation of extra labels."""
    tok = _token(custom)
    tail = (
        rf"(?:[(\[]\s*(?P<l>{custom}|[A-Za-z])\s*[)\]]"
        r"|(?<![A-Za-z0-9])(?P<u>[A-Z])"
        rf"|(?<!\w)(?P<c>{custom})"
        r"|(?<![0-9.])(?P<n>[0-9]{1,2})\s*번)"
        r"\s*(?:[이가은는]\s*)?(?:최종\s*)?(?:정\s*)?\Z"
    )
    return _Patterns(
        strong=re.compile(_STRONG_SEP + _OPT_WORD + tok),
        weak=re.compile(_WEAK_SEP + _OPT_WORD + tok),
        boxed=re.compile(r"\s*\{\s*(?:\\(?:text|mathrm|textbf|mathbf)\s*\{\s*)?" + tok),
        tail=re.compile(tail),
        correction=re.compile(r"(?:라|고|며)?\s*(?:[,.]\s*)?(?:(?:정답은|바로)\s*)?" + tok),
        paren=re.compile(rf"[(\[]\s*(?P<p>{custom}|[A-Za-z])\s*[)\]]"),
        line=re.compile(rf"^[ \t>•#\-]*(?P<p>{custom}|[A-Z])[ \t]*[.):](?![0-9A-Za-z])", re.M),
        ordinal=re.compile(r"(?<![0-9.])(?P<p>[0-9]{1,2})[ \t]*번(?!째)"),
    )


_NEVER = "(?!)"  # no extra labels

# --------------------------------------------------------------------------- label context


class _Context(NamedTuple):
    patterns: _Patterns
    labels: dict[str, int]  # normalised label (single letters upper-cased) -> index
    n: int  # number of valid options


def _label_key(label: str) -> str:
    return label.upper() if len(label) == 1 and label.isascii() and label.isalpha() else label


@lru_cache(maxsize=256)
def _context(labels: tuple[str, ...], n: int) -> _Context:
    mapping: dict[str, int] = {}
    custom: list[str] = []
    for i, raw in enumerate(labels[:n]):
        lab = normalize(raw)
        if not lab:
            continue
        mapping.setdefault(_label_key(lab), i)
        is_letter = len(lab) == 1 and lab.isascii() and lab.isalpha()
        if not is_letter and not (lab.isascii() and lab.isdigit() and len(lab) <= 2):
            custom.append(lab)
    alt = "|".join(re.escape(c) for c in sorted(set(custom), key=len, reverse=True))
    return _Context(_build(alt or _NEVER), mapping, n)


class _Options(NamedTuple):
    texts: tuple[tuple[int, str], ...]  # (index, folded text), longest first
    numeric: dict[str, int]  # numeric option text ("4", "-1.5") -> index


_NUMERIC_OPTION_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _fold(text: str) -> str:
    return _WS_RE.sub(" ", normalize(text).casefold())


@lru_cache(maxsize=1024)
def _options(options: tuple[str, ...]) -> _Options:
    texts: list[tuple[int, str]] = []
    numeric: dict[str, int] = {}
    for i, opt in enumerate(options):
        t = _fold(opt).rstrip(".。").strip()
        if not t:
            continue
        texts.append((i, t))
        if _NUMERIC_OPTION_RE.fullmatch(t):
            numeric.setdefault(t, i)
    texts.sort(key=lambda it: len(it[1]), reverse=True)
    return _Options(tuple(texts), numeric)


_NO_OPTIONS = _Options((), {})


def _lookup(tok: str | None, ordinal: bool, ctx: _Context, opts: _Options) -> int | None:
    """Map a matched token to an option index (None when out of range / unknown)."""
    if not tok:
        return None
    if tok.isascii() and tok.isdigit():
        idx = ctx.labels.get(tok)
        if idx is not None:
            return idx
        if not ordinal:  # "정답: 4" with options "2","4","6","8" means the option "4"
            idx = opts.numeric.get(str(int(tok)))
            if idx is not None:
                return idx
        k = int(tok) - 1
        return k if 0 <= k < ctx.n else None
    return ctx.labels.get(_label_key(tok))


def _token_index(m: re.Match[str], text: str, ctx: _Context, opts: _Options) -> int | None:
    """Resolve a token match (see :func:`_token`), applying the word guards."""
    bracket, custom, letter, number, beon = m.groups()
    if letter is not None and bracket is None:
        if letter.islower() and _LOWER_WORD_AFTER_RE.match(text, m.end()):
            return None
        if letter == "I" and _I_WORD_AFTER_RE.match(text, m.end()):
            return None
    return _lookup(custom or letter or number, beon is not None, ctx, opts)


def _after_marker(s: str, key: re.Match[str], pats: _Patterns, ctx: _Context, opts: _Options) -> tuple[int, int] | None:
    """``(offset after the label, index)`` for a label following the marker ``key``."""
    first = s[key.start()]
    if first in "답aA":
        pat = pats.strong
    elif first in "선결":
        pat = pats.weak
    elif first == "\\":
        pat = pats.boxed
    else:
        return None
    m = pat.match(s, key.end())
    if m is None:
        return None
    neg = _NEG_RE.match(s, m.end())
    if neg is not None:  # "정답은 A가 아니라 C": A is rejected, C (if given) is the answer
        m = pats.correction.match(s, neg.end())
        if m is None:
            return None
    idx = _token_index(m, s, ctx, opts)
    return None if idx is None else (m.end(), idx)


def _before_marker(
    s: str, key: re.Match[str], pats: _Patterns, ctx: _Context, opts: _Options
) -> tuple[int, int] | None:
    """``(offset after the label, index)`` for a label right before a postfix marker."""
    start, end = key.start(), key.end()
    first = s[start]
    if first == "답":
        if end - start != 1 or _NEG_RE.match(s, end):
            return None
        after = s[end : end + 1]
        if after and _is_hangul(after) and after not in "이입임":
            # "B가 답답하다" is not an answer, "B가 정답을..." still is.
            if s[:start].rstrip()[-1:] != "정":
                return None
    elif first != "i":
        return None
    m = pats.tail.search(s, max(0, start - _POSTFIX_LOOKBACK), start)
    if m is None:
        return None
    bracketed, upper, custom, number = m.groups()
    idx = _lookup(bracketed or upper or custom or number, number is not None, ctx, opts)
    return None if idx is None else (start, idx)


def _marked(s: str, ctx: _Context, opts: _Options) -> int | None:
    """Last answer given with an explicit marker (정답/답/answer/\\boxed, or "B가 정답")."""
    pats = ctx.patterns
    best_pos = -1
    best: int | None = None
    for key in _KEY_RE.finditer(s):
        for found in (
            _after_marker(s, key, pats, ctx, opts),
            _before_marker(s, key, pats, ctx, opts),
        ):
            if found is not None and found[0] > best_pos:
                best_pos, best = found
    return best


def _loose(s: str, ctx: _Context, opts: _Options) -> int | None:
    """Last stand-alone label: ``(B)``, a line starting with ``B.``/``B)``, or ``2번``."""
    pats = ctx.patterns
    best_pos = -1
    best: int | None = None
    for pat in (pats.paren, pats.line, pats.ordinal) if "번" in s else (pats.paren, pats.line):
        ordinal = pat is pats.ordinal
        for m in reversed(list(pat.finditer(s))):
            if m.start() <= best_pos:
                break
            idx = _lookup(m.group("p"), ordinal, ctx, opts)
            if idx is not None:
                best_pos, best = m.start(), idx
                break
    return best


def _bare(s: str, ctx: _Context, opts: _Options) -> int | None:
    """The whole output is a single label: ``B``, ``(B)``, ``B.``, ``B입니다``, ``2``."""
    core = s.strip(_BARE_STRIP)
    for suffix in _BARE_SUFFIXES:
        if core.endswith(suffix):
            core = core[: -len(suffix)].rstrip(_BARE_STRIP)
            break
    ordinal = core.endswith("번")
    if ordinal:
        core = core[:-1].rstrip()
    if not core or len(core) > 8:
        return None
    if core.isascii() and core.isdigit():
        return _lookup(core, ordinal, ctx, opts) if len(core) <= 2 else None
    if ordinal or (core.isascii() and not core.isupper()):
        return None  # lowercase bare letters are not accepted
    return ctx.labels.get(core)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _by_text(s: str, opts: _Options) -> int | None:
    """Match option texts; several candidates are resolved only by an explicit marker."""
    if not opts.texts:
        return None
    hay = _WS_RE.sub(" ", s.casefold())
    found: list[tuple[int, int, int]] = []  # (start, end, index)
    for idx, t in opts.texts:  # longest first, so shorter options covered by them are skipped
        size = len(t)
        # a one-character option ("다") must stand alone: inside a Hangul word it is just a syllable
        word = str.isalnum if size == 1 else _is_word_char
        check_left = word(t[0])
        check_right = word(t[-1])
        pos = hay.find(t)
        while pos != -1:
            end = pos + size
            ok = not (check_left and pos > 0 and word(hay[pos - 1]))
            ok = ok and not (check_right and end < len(hay) and word(hay[end]))
            if ok and not any(a <= pos and end <= b for a, b, _ in found):
                found.append((pos, end, idx))
            pos = hay.find(t, pos + 1)
    chosen = {idx for _, _, idx in found}
    if len(chosen) == 1:
        return chosen.pop()
    if not chosen:
        return None
    for end in reversed(_lead_ends(hay)):
        near = [(a, -(b - a), idx) for a, b, idx in found if end <= a <= end + 20]
        if near:
            return min(near)[2]
    return None


# --------------------------------------------------------------------------- public API


def extract_choice(text: str, options: Sequence[str] = (), labels: Sequence[str] | None = None) -> int | None:
    """Return the 0-based index of the option chosen by ``text``, or None.

    ``labels`` defaults to ``A, B, C, ...`` (one per option). Precedence: the last answer given
    with an explicit marker (``정답: B``, ``정답은 (B)입니다``, ``Answer: B``, ``답: 2번``,
    ``B가 정답``, ``\\boxed{B}``), then the last stand-alone label (``(B)``, a line starting with
    ``B.``/``B)``, ``2번``, ``②``), then an unambiguous option text. Numbers are 1-based option
    numbers unless they spell out a numeric option's text. Labels beyond the number of options
    are ignored. Reasoning inside ``<think>`` blocks is ignored.
    """
    if labels is None:
        n = len(options)
        ctx = _context(_DEFAULT_LABELS[min(n, MAX_LABELS)], n)
    else:
        labs = tuple(labels)
        n = min(len(labs), len(options)) if options else len(labs)
        ctx = _context(labs, n)
    if n == 0:
        return None
    s = _prepare(text)
    if not s:
        return None
    opts = _options(tuple(options[:n])) if options else _NO_OPTIONS
    for step in (_bare, _marked, _loose):
        idx = step(s, ctx, opts)
        if idx is not None:
            return idx
    return _by_text(s, opts)


_NUMBER = (
    r"(?:(?:(?<![0-9A-Za-z.])-)?(?<![0-9.])(?:[0-9]{1,3}(?:,[0-9]{3}(?![0-9]))+|[0-9]+)"
    r"(?:\.[0-9]+)?|(?:(?<![0-9A-Za-z])-)?(?<![0-9])\.[0-9]+)"
)
_NUMBER_RE = re.compile(_NUMBER)
_MARKED_NUMBER_RE = re.compile(rf"\s*(?:\$\s*)?(?:\\boxed\s*\{{\s*)?(?P<num>{_NUMBER})")
_BOXED_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
_MINUS_TABLE = str.maketrans({"\u2212": "-"})


def _clean_number(raw: str) -> str:
    """``"1,234.50"`` -> ``"1234.5"``, ``"-0"`` -> ``"0"``, ``".5"`` -> ``"0.5"``."""
    s = raw.replace(",", "")
    negative = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    out = f"{whole}.{frac}" if frac else whole
    return f"-{out}" if negative and out != "0" else out


def _last_number(s: str) -> str | None:
    last = _last_match(_NUMBER_RE, s)
    return _clean_number(last.group()) if last is not None else None


def _boxed_content(s: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (balanced braces; unterminated runs to the end)."""
    last = _last_match(_BOXED_RE, s)
    if last is None:
        return None
    depth = 1
    for i in range(last.end(), len(s)):
        ch = s[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return s[last.end() : i]
    return s[last.end() :]


def extract_number(text: str) -> str | None:
    """Return the answer number in ``text`` as a normalised string (``"1234"``, ``"-3.5"``).

    Preference: the last ``\\boxed{...}``, then the last number right after an answer marker
    (``정답: 42``, ``Answer: 42``, ``#### 42``), then the last number anywhere. Thousands
    separators are removed, trailing decimal zeros dropped. None when there is no number.
    """
    s = strip_reasoning(normalize(text)).translate(_MINUS_TABLE)
    if "*" in s:
        s = s.replace("*", "")
    if "\\" in s:
        boxed = _boxed_content(s)
        if boxed is not None:
            num = _last_number(boxed)
            if num is not None:
                return num
    for end in reversed(_lead_ends(s)):
        marked = _MARKED_NUMBER_RE.match(s, end)
        if marked is not None:
            return _clean_number(marked.group("num"))
    return _last_number(s)
