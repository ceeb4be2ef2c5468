"""One scrubber for every text that can carry a credential.

Backends register what they are given (``api_key``, every header value, the
user info of a URL, hub tokens) through :class:`hret.backends.base.Secret` or
:func:`register_secret` (public as ``hret.register_secret``, for the credentials
of a user's own model function); :func:`scrub` replaces each registered value,
URL user info and ``Authorization``/``api-key`` style header values with ``***``. Every error
text goes through it before it is stored, logged or handed to a sink.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

MASK = "***"
#: shorter values are not treated as secrets: masking them would garble ordinary text
MIN_LENGTH = 4

_lock = threading.Lock()
_values: tuple[str, ...] = ()

_USERINFO = re.compile(r"(?<=://)[^/\s@'\"<>]+@")
# a credential-like value after an auth header or key name; short values (``token: '<'`` in a
# parser's message) are left alone
_HEADER = re.compile(
    r"(?i)((?<![a-z0-9])(?:authorization|proxy-authorization|api[-_]?key|x-api-key|x-auth-token|"
    r"access[-_]?token|token)['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+|token\s+)?)"
    r"[^\s'\",;}]{8,}"
)


def register_secret(*values: str | None) -> None:
    """Treat each value (and, for ``Bearer <token>``, the token) as a secret: it is
    masked in everything hret stores, logs or hands to a sink. Call it with the
    credentials your own model function uses (``hret.register_secret(key)``)."""
    found = set()
    for value in values:
        if not isinstance(value, str):
            continue
        for part in (value, value.split(None, 1)[-1]):
            if len(part.strip()) >= MIN_LENGTH:
                found.add(part.strip())
    if not found:
        return
    global _values
    with _lock:
        # longest first, so that a value containing another is masked whole
        _values = tuple(sorted(set(_values) | found, key=len, reverse=True))


def register_headers(headers: Mapping[str, str] | None) -> None:
    """Every header value is a possible credential (``api-key``, custom auth)."""
    register_secret(*(str(v) for v in (headers or {}).values()))


def register_url(url: str | None) -> None:
    """The user name and password in ``scheme://user:password@host``."""
    if not url:
        return
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.password:
        register_secret(parts.password, unquote(parts.password))
    if parts.username:
        register_secret(parts.username, unquote(parts.username))


def scrub(text: str) -> str:
    """``text`` with every known credential replaced by ``***``."""
    for value in _values:
        if value in text:
            text = text.replace(value, MASK)
    if "://" in text:
        text = _USERINFO.sub(MASK + "@", text)
    return _HEADER.sub(lambda m: m.group(1) + MASK, text)
