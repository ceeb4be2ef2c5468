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
# Every CJK and typographic bracket pair reads as a parenthesis (NFKC folds the full-width
# ones, （）［］｛｝, by itself); curly quotes become straight ones, and a label between straight
# quotes ("B", 'B') becomes "(B)". Applied before NFKC, to outputs and option texts alike.
_OPENERS = "【〔「『《〈〖〘〚⟨⟦⟪‹«｢\u2329"
_CLOSERS = "】〕」』》〉〗〙〛⟩⟧⟫›»｣\u232a"
_BRACKET_TABLE = str.maketrans(
    {**dict.fromkeys(_OPENERS, "("), **dict.fromkeys(_CLOSERS, ")"), "“": '"', "”": '"', "‘": "'", "’": "'"}
)
_BRACKET_CHARS = f"{_OPENERS}{_CLOSERS}“”‘’"
_BRACKET_CHARS_RE = re.compile(f"[{_BRACKET_CHARS}]")
# One search tells whether a non-ASCII output needs either rewrite (circled digits, brackets).
_REWRITE_RE = re.compile("[" + "".join(_CIRCLED) + _BRACKET_CHARS + "]")
# One pattern per quote character: a single literal prefix is searched far faster than a set.
_QUOTED_LABEL_RES = tuple((q, re.compile(rf"{q}[ \t]*([A-Z]|[0-9]{{1,2}})[ \t]*{q}")) for q in "\"'")


def _last_match(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    last = None
    for m in pattern.finditer(s):
        last = m
    return last


def normalize(text: str) -> str:
    """NFKC-normalise (full-width ``Ｂ``/``：``/``（`` become ASCII) and strip whitespace."""
    return unicodedata.normalize("NFKC", text).strip()


def _unquote_labels(s: str) -> str:
    """``"B"``/``'B'`` -> ``(B)`` (after NFKC, which folds ``＂``)."""
    for quote, pattern in _QUOTED_LABEL_RES:
        if quote in s:
            s = pattern.sub(r"(\1)", s)
    return s


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
    """Circled digits -> ``N번``, brackets -> parentheses, NFKC, drop reasoning, quoted labels ->
    ``(B)``, drop markdown emphasis, strip."""
    if not text.isascii() and _REWRITE_RE.search(text):
        text = _CIRCLED_RE.sub(_circled_repl, text)
        if _BRACKET_CHARS_RE.search(text):
            text = text.translate(_BRACKET_TABLE)
    s = _unquote_labels(strip_reasoning(unicodedata.normalize("NFKC", text)))
    if "*" in s or "__" in s or "`" in s:
        s = _EMPHASIS_RE.sub("", s)
    return s.strip()


# --------------------------------------------------------------------------- marker scanning

# One literal-led alternation finds every marker keyword quickly: every alternative starts
# with a literal character, so the regex engine skips ahead on a first-character set (groups
# or character classes at the start would disable that; word boundaries are checked in code
# and the family is read from the matched text by :func:`_kind`). The label-dependent parts
# are then matched *anchored* at each hit, which keeps long chain-of-thought outputs cheap.
# Families:
#   strong  답/답변/답안/answer(s): label after ("정답: B", "Answer B", "답은 2번") or before ("B가 정답")
#   weak    선택/결론: label after a separator ("선택: B", "제 선택은 B") or before ("B를 선택합니다")
#   boxed   \boxed{B}
#   hash    #### (numeric answers only)
#   post    English predicate after the label: "(B) is correct", "B would be the best", "B is my answer"
#   verb    English verb of choosing before the label: "I would choose B", "I'd go with option B"
#   noun    option/choice/selection/response, label after a separator: "The best option is B"
#   ko      Korean predicate after the label: "B가 맞습니다", "B를 고르겠습니다", "B로 하겠습니다"
#   closing a conclusion whose label closes the phrase: "…것은 B입니다" (the usual answer to
#           "옳지 않은 것은?"), "따라서 B.", "Therefore, B.", "So it's C.", "It is B."
# "정답", "최종 답", "final answer" need no entries of their own: "답"/"answer" covers them.
_POST_WORDS = ("is", "would", "should", "must", "seems")
_NOUN_WORDS = ("option", "choice", "selection", "response")
_CLOSING_WORDS = ("것은", "따라서", "그러므로", "결국", "therefore", "thus", "hence", "so", "it's", "it")


def _cased(*words: str, after: str = r"(?![A-Za-z])") -> list[str]:
    """``word<after>`` and ``Word<after>`` for each word (no case-insensitive flag: see below)."""
    return [f"{w}{after}" for w in words] + [f"{w[0].upper()}{w[1:]}{after}" for w in words]


def _literal_led(alternatives: list[str]) -> str:
    """Join alternatives that each start with a literal character into ``c(?:...|...)|d(?:...)``.

    Every top-level branch then starts with a literal, so the compiled pattern gets a
    first-character set to skip ahead on, and at each candidate position only one branch
    gets past its first character.
    """
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        groups.setdefault(alt[0], []).append(alt[1:])
    return "|".join(f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in groups.items())


# Look-aheads that keep common words from becoming hits the anchored patterns would reject
# anyway (each hit costs a few microseconds): a noun needs its "is"/":" ("Option (A) is a
# distractor" is no hit), an English conclusion word must not run on into a word ("so the",
# "it is important").
_NOUN_AHEAD = r"(?![A-Za-z])(?=\s*(?:[:=→–—-]|(?i:is|was|would|should|will|must)\b))"
_CLOSING_AHEAD = r"\b(?!\s*,?\s*(?!it's|it\s|option|choice|letter)[a-z]{2})"
_POST_TAIL = (
    r"\s+(?:the\s+)?(?:most\s+)?(?:correct|right|best|appropriate|accurate|suitable|(?:final\s+)?answer)(?![A-Za-z])"
)
_KEY_RE = re.compile(
    r"\\boxed|"
    + _literal_led(
        [
            r"답(?:변|안)?", "answers?", "Answers?", "ANSWERS?", "선택", "결론", "####",
            f"is{_POST_TAIL}", rf"would\s+be{_POST_TAIL}", rf"should\s+be{_POST_TAIL}", rf"must\s+be{_POST_TAIL}",
            rf"seems(?:\s+to\s+be)?{_POST_TAIL}", r"is\s+my\s+(?:final\s+)?(?:answer|choice|pick)(?![A-Za-z])",
            *_cased("choose", "chose", "choosing", "pick", "picked", "picking", "select", "selected", "selecting"),
            *_cased("opt", "opting", after=r"\s+for\b"),
            *_cased("go", "going", "went", after=r"\s+with\b"),
            *_cased("settle", after=r"\s+on\b"),
            r"I'd\s+say\b", r"I\s+would\s+say\b", r"I'll\s+say\b", r"I\s+will\s+say\b",
            *_cased("option", "choice", "selection", "response", after=_NOUN_AHEAD),
            f"OPTION{_NOUN_AHEAD}", f"CHOICE{_NOUN_AHEAD}",
            *"맞 옳 올바 알맞 적절 타당 정확 고르 고릅 골라 골랐 고를 고른 택하 택합 택했 택할 하겠 할게".split(),
            *"것은 따라서 그러므로 결국".split(),
            *_cased("therefore", "thus", "hence", "so", "it's", after=_CLOSING_AHEAD),
            *_cased(r"it\s+is", r"it\s+must\s+be", after=_CLOSING_AHEAD),
        ]
    )
)


@lru_cache(maxsize=512)
def _kind(key: str) -> str:
    """The family of a :data:`_KEY_RE` match, read from its text."""
    first = key[0]
    if first == "답" or first in "aA":
        return "strong"
    if first in "선결":
        return "weak"
    if first == "\\":
        return "boxed"
    if first == "#":
        return "hash"
    word = key.split(None, 1)[0].lower()
    if word in _CLOSING_WORDS:
        return "closing"
    if not first.isascii():
        return "ko"
    if word in _POST_WORDS:
        return "post"
    if word in _NOUN_WORDS:
        return "noun"
    return "verb"


# Every optional piece starts with a non-space character and ends with ``\s*``, which keeps
# the patterns linear on long whitespace runs.
_STRONG_SEP = (
    r"\s*(?:번호\s*)?(?:\((?i:final)\)\s*)?"
    r"(?:(?:(?i:is|was|would\s+be|should\s+be|must\s+be|will\s+be)\b|[은는이가]|으로|로)\s*)?"
    r"(?:(?:[:=]|->|=>|→|[-–—](?=\s))\s*)?"
    r"(?:(?:바로|아마도?|(?i:likely|probably|clearly|definitely))\s+)?"
)
_ARROW = r"(?:[:=]|->|=>|→|[-–—](?=\s))"
_WEAK_SEP = rf"\s*(?:[은는]\s*(?:{_ARROW}\s*)?|{_ARROW}\s*)"
# A noun needs "is"/":" before its label: "Option A is wrong" names an option, it does not answer.
_NOUN_SEP = (
    rf"\s*(?:(?i:is|was|would\s+be|should\s+be|must\s+be|will\s+be)\b\s*(?:{_ARROW}\s*)?|{_ARROW}\s*)"
    r"(?:(?i:likely|probably|clearly|definitely)\s+)?"
)
_VERB_SEP = rf"\s*(?:(?:{_ARROW}|(?i:is)\b)\s*)?(?:(?i:the)\s+)?"
_CLOSING_SEP = r"\s*,?\s*(?:(?i:it's|it\s+is|it\s+must\s+be)\s+)?(?:바로\s*)?"
# "option B", "보기 (B)", "$B$", "$\mathrm{B}$": words and LaTeX around a label.
_OPT_WORD = (
    r"(?:(?:(?i:option|choice|letter)|보기|선택지|선지)\s*)?(?:\$\s*)?"
    r"(?:\\(?:text|mathrm|textbf|mathbf)\s*\{\s*)?"
)
# Counters that turn "2" into a quantity ("정답 2개를 고르시오"), not an option number.
_COUNTER = r"(?:개|가지|명|년|월|일|%|점|배|차|회|시간|분|초|세|살)"

_STRONG_SEP_RE = re.compile(_STRONG_SEP)
_WEAK_SEP_RE = re.compile(_WEAK_SEP)
# Korean negation right after an answer ("정답은 A가 아니라 C", "B가 정답이 아닙니다").
_NEG_RE = re.compile(r"\s*(?:[)\]]\s*)?(?:번\s*)?(?:[이가은는]\s*)?아(?:니|닌|닙|님|냐)")
# What follows a Korean predicate that withdraws it: negation ("맞지 않다"), hedge ("맞을 수도",
# "옳을지도"), condition ("선택하면"), question ("맞는지", "맞을까", "맞습니까?").
_KO_WITHDRAW_RE = re.compile(
    r"[가-힣]{0,4}?(?:지\s*(?:않|못|말|모르)|\s*수\s*(?:도|있)|지도|면|[는은을인할]지|[을할를]까|나요|\s*\?)"
)
# "either A or B is correct", "A와 B가 정답": a list of labels before a postfix marker ...
_LIST_BEFORE_RE = re.compile(
    r"(?:(?<![A-Za-z0-9])[A-Za-z](?![A-Za-z])|[0-9]\s*번)\s*[)\]]?\s*(?:와|과|이나|나|또는|혹은|및|,|/|&|(?i:and|or|nor)\b)"
    r"\s*(?:[(\[]\s*)?\Z"
)
# ... or alternatives after a prefix marker: "Answer: A or B", "정답은 A 또는 B".
_OR_AFTER_RE = re.compile(
    r"\s*[)\]]?\s*(?:번\s*)?(?:(?i:or)\b|또는|혹은|이나|나|/)\s*[(\[]?\s*(?:[A-Za-z](?![A-Za-z])|[0-9]{1,2}(?![0-9]))"
)
# English negation before a verb of choosing ("I would not choose A", "I can't pick").
_NOT_BEFORE_RE = re.compile(
    r"(?i:(?:\bnot|n't|\bnever|\bcannot|\bunable\s+to|\bhard\s+to)\s+(?:[A-Za-z]+\s+){0,2})\Z"
)
# A closing marker counts only when the label ends the phrase: "것은 B입니다", "Therefore, B.",
# not "이것은 A의 특징", "Therefore, A and B ...".
_CLOSING_END_RE = re.compile(r"\s*(?:[)\]]\s*)?(?:번\s*)?(?:입니다|이다|이에요|예요|임|[.!;)\n]|\Z)")
# "Answer: a bit ..." / "Answer: I think ..." are words, not labels.
_LOWER_WORD_AFTER_RE = re.compile(r"\s+[A-Za-z]")
_I_WORD_AFTER_RE = re.compile(r"\s+(?i:think|believe|guess|would|will|am|can)\b")
_BARE_STRIP = " \t\r\n()[]<>{}'\".:!,。$"
_BARE_SUFFIXES = ("입니다", "이에요", "예요", "이요", "이다", "임", "요")
_BARE_PARTICLES = "이가을를은는"
_POSTFIX_LOOKBACK = 24  # chars searched before a postfix marker for its label
_LIST_LOOKBACK = 16  # chars searched before a postfix label for a list of labels


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _lead_ends(s: str) -> list[int]:
    """End offsets of every answer lead-in ("정답은 ", "Answer: ", "#### ") in ``s``."""
    ends: list[int] = []
    for m in _KEY_RE.finditer(s):
        kind = _kind(m.group())
        if kind == "strong" or kind == "weak":
            sep = (_STRONG_SEP_RE if kind == "strong" else _WEAK_SEP_RE).match(s, m.end())
            if sep is not None:
                ends.append(sep.end())
        elif kind == "hash":
            ends.append(m.end())
    return ends


class _Patterns(NamedTuple):
    strong: re.Pattern[str]  # after 답/answer: "은 (B)", ": B", " is 2번"
    weak: re.Pattern[str]  # after 선택/결론: ": B"
    boxed: re.Pattern[str]  # after \boxed: "{B}", "{\text{B}}"
    verb: re.Pattern[str]  # after choose/go with: " option B"
    noun: re.Pattern[str]  # after option/choice: " is B", ": (B)"
    closing: re.Pattern[str]  # after 것은/따라서/therefore: " B", ", it's B"
    tail: re.Pattern[str]  # label right before a postfix marker: "B가 ", "(B) ", "2번이 ", "B번을 "
    correction: re.Pattern[str]  # label after a negation: "...가 아니라 C"
    paren: re.Pattern[str]  # "(B)", "[b]"
    line: re.Pattern[str]  # a line starting with "B.", "B)", "B:"
    ordinal: re.Pattern[str]  # "2번", "B번"
    named: re.Pattern[str]  # "Option B", "보기 B"


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
        r"|(?<![0-9.])(?P<n>[0-9]{1,2})(?=\s*번))"
        r"(?:\s*번)?\s*(?:(?P<j>[이가은는을를]|으로|로)\s*)?"
        r"(?:(?:가장|제일|최종|정말|확실히|분명히|바로)\s*)?(?:정\s*)?\Z"
    )
    return _Patterns(
        strong=re.compile(_STRONG_SEP + _OPT_WORD + tok),
        weak=re.compile(_WEAK_SEP + _OPT_WORD + tok),
        boxed=re.compile(r"\s*\{\s*(?:\\(?:text|mathrm|textbf|mathbf)\s*\{\s*)?" + tok),
        verb=re.compile(_VERB_SEP + _OPT_WORD + tok),
        noun=re.compile(_NOUN_SEP + _OPT_WORD + tok),
        closing=re.compile(_CLOSING_SEP + _OPT_WORD + tok),
        tail=re.compile(tail),
        correction=re.compile(r"(?:라|고|며)?\s*(?:[,.]\s*)?(?:(?:정답은|바로)\s*)?" + tok),
        paren=re.compile(rf"[(\[]\s*(?P<p>{custom}|[A-Za-z])\s*[)\]]"),
        line=re.compile(rf"^[ \t>•#\-]*(?P<p>{custom}|[A-Z])[ \t]*[.):](?![0-9A-Za-z])", re.M),
        ordinal=re.compile(r"(?<![0-9A-Za-z.])(?P<p>[0-9]{1,2}|[A-Z])[ \t]*번(?!째)"),
        named=re.compile(
            rf"(?<![A-Za-z])(?:[Oo]ption|[Cc]hoice|OPTION|CHOICE|보기|선택지)[ \t]+(?P<p>{custom}|[A-Z])(?![A-Za-z0-9])"
        ),
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
    return _WS_RE.sub(" ", _unquote_labels(normalize(text.translate(_BRACKET_TABLE))).casefold())


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


def _after_marker(
    s: str, key: re.Match[str], kind: str, pats: _Patterns, ctx: _Context, opts: _Options
) -> tuple[int, int] | None:
    """``(offset after the label, index)`` for a label following the marker ``key`` of family ``kind``."""
    start = key.start()
    if kind == "strong" or (kind == "post" and key.group().endswith("answer")):
        pat = pats.strong  # "...is the answer: B" as well as "B is the answer"
    elif kind == "weak":
        pat = pats.weak
    elif kind == "boxed":
        pat = pats.boxed
    elif kind == "closing":
        if start and _is_word_char(s[start - 1]):
            return None  # "also"
        pat = pats.closing
    elif kind == "verb" or kind == "noun":
        if start and _is_word_char(s[start - 1]):
            return None  # inside a word ("toothpick", "preselected")
        if kind == "verb":
            if _NOT_BEFORE_RE.search(s, max(0, start - _POSTFIX_LOOKBACK), start):
                return None
            pat = pats.verb
        elif s[max(0, start - 9) : start].lower() in ("multiple ", "multiple-"):
            return None  # "Multiple choice: A) ..." introduces options
        else:
            pat = pats.noun
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
    if idx is None or _OR_AFTER_RE.match(s, m.end()):
        return None  # "Answer: A or B" does not decide
    if kind == "closing" and not _CLOSING_END_RE.match(s, m.end()):
        return None
    return m.end(), idx


def _before_marker(
    s: str, key: re.Match[str], kind: str, pats: _Patterns, ctx: _Context, opts: _Options
) -> tuple[int, int] | None:
    """``(offset after the label, index)`` for a label right before a postfix marker of family ``kind``."""
    start, end = key.start(), key.end()
    first = s[start]
    korean = kind == "ko" or (kind == "weak" and first == "선")  # "B가 맞습니다", "B를 선택합니다"
    if kind == "strong":
        if first != "답" or end - start != 1 or _NEG_RE.match(s, end):
            return None
        after = s[end : end + 1]
        if after and _is_hangul(after) and after not in "이입임":
            # "B가 답답하다" is not an answer, "B가 정답을..." still is.
            if s[:start].rstrip()[-1:] != "정":
                return None
    elif not korean and kind != "post":
        return None
    m = pats.tail.search(s, max(0, start - _POSTFIX_LOOKBACK), start)
    if m is None:
        return None
    if kind != "post" and _KO_WITHDRAW_RE.match(s, end):
        return None  # "B가 맞지 않다", "B를 선택할 수도", "B가 맞는지", "B가 정답일 수도", "B가 정답이면"
    if korean:
        particle = m.group("j")
        if particle in ("은", "는"):
            return None  # topic: "B는 옳다" comments on one option, "B가 옳다" names the answer
        if first in "하할" and particle not in ("로", "으로"):
            return None  # "B로 하겠습니다" chooses, "B를 하겠습니다" does not
    if _LIST_BEFORE_RE.search(s, max(0, m.start() - _LIST_LOOKBACK), m.start()):
        return None  # "either A or B is correct", "A와 B가 정답"
    number = m.group("n")
    idx = _lookup(m.group("l") or m.group("u") or m.group("c") or number, number is not None, ctx, opts)
    return None if idx is None else (start, idx)


def _marked(s: str, ctx: _Context, opts: _Options) -> int | None:
    """Last answer given with an explicit marker (정답/답/answer/\\boxed, "B가 정답", "I choose B",
    "B is correct", "B가 맞습니다", ...)."""
    pats = ctx.patterns
    best_pos = -1
    best: int | None = None
    for key in _KEY_RE.finditer(s):
        kind = _kind(key.group())
        for found in (
            _after_marker(s, key, kind, pats, ctx, opts),
            _before_marker(s, key, kind, pats, ctx, opts),
        ):
            if found is not None and found[0] > best_pos:
                best_pos, best = found
    return best


def _loose(s: str, ctx: _Context, opts: _Options) -> int | None:
    """Last stand-alone label: ``(B)``, a line starting with ``B.``/``B)``, ``Option B``, ``2번``, a first
    or last line that is a bare answer (``B요.``)."""
    pats = ctx.patterns
    best_pos = -1
    best: int | None = None
    loose = (pats.paren, pats.line, pats.named, pats.ordinal) if "번" in s else (pats.paren, pats.line, pats.named)
    for pat in loose:
        ordinal = pat is pats.ordinal
        for m in reversed(list(pat.finditer(s))):
            if m.start() <= best_pos:
                break
            idx = _lookup(m.group("p"), ordinal, ctx, opts)
            if idx is not None:
                best_pos, best = m.start(), idx
                break
    if "\n" in s:  # a first or last line that is a bare answer: "B요.\n\n해설: ...", "...\n정답 B번입니다"
        last_start = s.rindex("\n") + 1
        for pos, line in ((last_start, s[last_start:]), (0, s[: s.index("\n")])):
            if pos > best_pos:
                idx = _bare(line, ctx, opts)
                if idx is not None:
                    return idx
    return best


def _bare(s: str, ctx: _Context, opts: _Options) -> int | None:
    """The whole output is a single label: ``B``, ``(B)``, ``B.``, ``B입니다``, ``B번이요``, ``B가``, ``2``."""
    core = s.strip(_BARE_STRIP)
    if not core or len(core) > 12:
        return None
    if core.endswith(_BARE_SUFFIXES):
        for suffix in _BARE_SUFFIXES:
            if core.endswith(suffix):
                core = core[: -len(suffix)].rstrip(_BARE_STRIP)
                break
    if len(core) > 1 and core[-1] in _BARE_PARTICLES:
        core = core[:-1].rstrip(_BARE_STRIP)
    ordinal = core.endswith("번")
    if ordinal:
        core = core[:-1].rstrip()
    if not core or len(core) > 8:
        return None
    if core.isascii() and core.isdigit():
        return _lookup(core, ordinal, ctx, opts) if len(core) <= 2 else None
    if core.isascii() and not core.isupper():
        return None  # lowercase bare letters are not accepted
    if ordinal and not (len(core) == 1 and core.isascii()):
        return None
    return ctx.labels.get(core)


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
    ``B가 정답``, ``B를 선택합니다``, ``B가 맞습니다``, ``옳은 것은 B입니다``, ``\\boxed{B}``,
    ``I would choose B``, ``The best option is B``, ``B is correct``, ``So it's B.``), then the
    last stand-alone label (``(B)``, a line starting with ``B.``/``B)``, ``Option B``, ``2번``,
    ``B번``, ``②``), then an unambiguous option text. Any bracket pair reads as parentheses
    (``【B】``, ``「B」``, ``《B》``, ``"B"``). Numbers are 1-based option numbers unless they spell
    out a numeric option's text. Labels beyond the number of options are ignored. Reasoning
    inside ``<think>`` blocks is ignored. Hedges and refusals give None: ``A or B``,
    ``A일 수도 있고 B일 수도``, ``B가 맞지 않다``, ``I would not choose A``.
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
