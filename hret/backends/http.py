"""A lean asyncio HTTP/1.1 client for JSON APIs: keep-alive connection pools,
one per server, and a set of replicas that spreads requests over several servers.

Standard library only. It does what an evaluation client needs and no more:
POST a JSON body, read a ``Content-Length`` or chunked answer, reuse the
connection; go through the HTTP proxy the environment names (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, with ``NO_PROXY`` exceptions; loopback servers are
always reached directly), tunnelling TLS with ``CONNECT``. A general-purpose
client (the ``openai`` SDK over httpx) spends several times the CPU per request
on layers an evaluation does not use.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from hret.errors import ConfigError, HretError

T = TypeVar("T")

#: the names the OpenAI SDK gives these statuses, so messages read the same
STATUS_NAMES = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
                404: "NotFoundError", 409: "ConflictError", 422: "UnprocessableEntityError",
                429: "RateLimitError"}


class StatusError(HretError):
    """The server answered with a status other than 2xx."""

    def __init__(self, status_code: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        detail = body[:300].decode("utf-8", "replace")
        try:
            error = json.loads(body).get("error")
            detail = str(error.get("message", error) if isinstance(error, Mapping) else error or detail)
        except (ValueError, AttributeError):
            pass
        super().__init__(f"{status_code} {detail}")

    @property
    def kind(self) -> str:
        if self.status_code >= 500:
            return "InternalServerError"
        return STATUS_NAMES.get(self.status_code, "APIStatusError")


class ConnectionFailed(HretError):
    """No answer: the connection could not be made, broke, or timed out."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it listens and the ``Proxy-Authorization`` it needs."""

    host: str
    port: int
    authorization: str | None = None

    @classmethod
    def for_url(cls, scheme: str, host: str) -> Proxy | None:
        """The proxy the environment names for ``scheme://host``, as the OpenAI SDK
        (and curl) read it; None for a loopback host or one ``NO_PROXY`` lists."""
        import base64
        from urllib.parse import unquote
        from urllib.request import getproxies_environment, proxy_bypass

        from hret.secrets import register_secret, register_url

        proxies = getproxies_environment()
        url = proxies.get(scheme) or proxies.get("all")
        if not url or host in LOOPBACK or host.startswith("127.") or proxy_bypass(host):
            return None
        register_url(url)
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http" or not parts.hostname:
            shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            raise ConfigError(
                f"{scheme.upper()}_PROXY names {shown!r}; hret reaches servers through an "
                "http:// proxy (which tunnels https with CONNECT). Set it to http://HOST:PORT, "
                f"or list {host!r} in NO_PROXY"
            )
        authorization = None
        if parts.username:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
            register_secret(token)
            authorization = f"Basic {token}"
        return cls(parts.hostname, parts.port or 80, authorization)

    def head(self) -> str:
        return f"Proxy-Authorization: {self.authorization}\r\n" if self.authorization else ""


#: hosts that are never reached through a proxy
LOOPBACK = frozenset({"localhost", "::1"})


class Endpoint:
    """One server: a pool of keep-alive connections to ``base_url``, through the
    environment's proxy when it names one."""

    def __init__(self, base_url: str, headers: Mapping[str, str], timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"base_url={base_url!r} must be an http:// or https:// URL, "
                              "e.g. http://localhost:8000/v1")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = parts.scheme == "https"
        self.prefix = parts.path.rstrip("/")
        self.query = f"?{parts.query}" if parts.query else ""
        self.timeout = timeout
        default_port = self.port == (443 if self.tls else 80)
        host = self.host if ":" not in self.host else f"[{self.host}]"
        self.authority = f"{host}:{self.port}"
        self.proxy = Proxy.for_url(parts.scheme, self.host)
        if self.proxy is not None and self.tls and sys.version_info < (3, 11):
            raise ConfigError("https through a proxy needs Python 3.11 or later (StreamWriter.start_tls); "
                              f"list {self.host!r} in NO_PROXY or upgrade Python")
        # a plain-http request through a proxy names the whole URL; a tunnel does not
        self.target = f"http://{self.authority}" if self.proxy is not None and not self.tls else ""
        lines = {"Host": host if default_port else self.authority,
                 "Content-Type": "application/json", "Accept": "application/json",
                 "User-Agent": "hret", **headers}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in lines.items()).encode("latin-1")
        if self.target and self.proxy is not None:
            self._head += self.proxy.head().encode("latin-1")
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._open: set[asyncio.StreamWriter] = set()
        self._ssl: ssl.SSLContext | None = None

    def __repr__(self) -> str:  # the headers may hold a credential
        return f"Endpoint({'https' if self.tls else 'http'}://{self.host}:{self.port}{self.prefix})"

    async def post(self, path: str, body: bytes) -> Response:
        """POST ``body`` (JSON) to ``path`` under the base URL."""
        request = (f"POST {self.target}{self.prefix}{path}{self.query} HTTP/1.1\r\n"
                   f"Content-Length: {len(body)}\r\n").encode("latin-1") + self._head + b"\r\n" + body
        try:
            if sys.version_info >= (3, 11):
                async with asyncio.timeout(self.timeout):
                    return await self._exchange(request)
            return await asyncio.wait_for(self._exchange(request), self.timeout)
        except TimeoutError:
            raise ConnectionFailed(f"no answer within {self.timeout:g} s") from None

    async def _exchange(self, request: bytes) -> Response:
        while True:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._connect()
            try:
                writer.write(request)
                response, keep = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                self._discard(writer)
                # a kept-alive connection the server closed meanwhile: try a fresh one
                if reused and isinstance(exc, (asyncio.IncompleteReadError, ConnectionError)):
                    continue
                raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from None
            except BaseException:  # cancelled or timed out mid-answer: the stream is unusable
                self._discard(writer)
                raise
            if keep:
                self._idle.append((reader, writer))
            else:
                self._discard(writer)
            return response

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        if self.proxy is not None:
            return await self._through_proxy(self.proxy)
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self._ssl,
                                                           limit=1 << 20)
        except OSError as exc:
            raise ConnectionFailed(f"cannot connect to {self.host}:{self.port}: {exc}") from None
        self._open.add(writer)
        return reader, writer

    async def _through_proxy(self, proxy: Proxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the proxy; for https, a ``CONNECT`` tunnel with TLS inside."""
        where = f"proxy {proxy.host}:{proxy.port}"
        try:
            reader, writer = await asyncio.open_connection(proxy.host, proxy.port, limit=1 << 20)
        except OSError as exc:
            raise ConnectionFailed(f"cannot connect to {where}: {exc}") from None
        self._open.add(writer)
        if not self.tls:
            return reader, writer
        try:
            writer.write(f"CONNECT {self.authority} HTTP/1.1\r\nHost: {self.authority}\r\n"
                         f"{proxy.head()}\r\n".encode("latin-1"))
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1] if head.count(b" ") >= 1 else b""
            if status != b"200":
                first = head.split(b"\r\n", 1)[0].decode("latin-1")
                raise ConnectionFailed(f"{where} refused the tunnel to {self.authority}: {first}")
            await writer.start_tls(self._ssl, server_hostname=self.host)  # type: ignore[arg-type]
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self._discard(writer)
            raise ConnectionFailed(f"{where}: {type(exc).__name__}: {exc}") from None
        except BaseException:
            self._discard(writer)
            raise
        return reader, writer

    def _discard(self, writer: asyncio.StreamWriter) -> None:
        self._open.discard(writer)
        writer.close()

    async def aclose(self) -> None:
        writers = list(self._open)
        self._idle.clear()
        self._open.clear()
        for writer in writers:
            writer.close()
        for writer in writers:
            try:
                await writer.wait_closed()
            except (OSError, asyncio.CancelledError):
                pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    length = headers.get("content-length")
    if length is not None:
        body = await reader.readexactly(int(length))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()
        keep = False
    return Response(status, headers, body), keep


class Replica:
    """One server of a :class:`ReplicaSet`, with its counts."""

    def __init__(self, url: str, endpoint: Endpoint) -> None:
        self.url = url
        self.endpoint = endpoint
        self.outstanding = 0
        self.requests = 0
        self.failures = 0
        self.taken_out = 0
        self.down_until = 0.0
        self.cooldown = 0.0

    def counts(self) -> dict[str, int]:
        return {"requests": self.requests, "failures": self.failures, "taken_out": self.taken_out}


class ReplicaSet:
    """Servers that serve the same model. Each request goes to the replica with
    the fewest requests outstanding; a replica that fails to answer (no
    connection, a timeout, a 5xx) is taken out for a cool-down that doubles
    while it keeps failing (1 s up to ``max_cooldown``) and gets requests again
    after it. When every replica is out, the one back soonest is tried."""

    def __init__(self, urls: list[str], headers: Mapping[str, str], timeout: float,
                 max_cooldown: float = 30.0) -> None:
        self.replicas = [Replica(url, Endpoint(url, headers, timeout)) for url in urls]
        self.max_cooldown = max_cooldown

    def pick(self) -> Replica:
        if len(self.replicas) == 1:
            return self.replicas[0]
        now = time.monotonic()
        up = [r for r in self.replicas if r.down_until <= now]
        if not up:
            return min(self.replicas, key=lambda r: r.down_until)
        return min(up, key=lambda r: (r.outstanding, r.requests))

    async def post(self, path: str, body: bytes, replica: Replica) -> Response:
        replica.outstanding += 1
        try:
            response = await replica.endpoint.post(path, body)
        except ConnectionFailed:
            self._failed(replica)
            raise
        finally:
            replica.outstanding -= 1
        if response.status >= 500:
            self._failed(replica)
        else:
            replica.requests += 1
            replica.cooldown = 0.0
        return response

    def _failed(self, replica: Replica) -> None:
        replica.failures += 1
        if len(self.replicas) == 1:
            return  # nowhere else to send it; the retry backoff paces it
        if replica.down_until <= time.monotonic():
            replica.taken_out += 1
            replica.cooldown = min(self.max_cooldown, max(1.0, replica.cooldown * 2))
            replica.down_until = time.monotonic() + replica.cooldown

    def counts(self) -> dict[str, dict[str, int]]:
        return {r.url: r.counts() for r in self.replicas}

    async def aclose(self) -> None:
        for replica in self.replicas:
            await replica.endpoint.aclose()


class LoopThread:
    """An event loop on a daemon thread, started on first use, so that
    synchronous callers (from any thread) can run coroutines on it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._started()).result()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self.name, daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    @property
    def running(self) -> bool:
        return self._loop is not None

    def close(self, final: Callable[[], Coroutine[Any, Any, Any]] | None = None) -> None:
        """Run ``final()`` (e.g. closing connections) on the loop, then stop it.
        Safe from any thread, the loop's own included (then it does not wait)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:
            if final is not None:
                loop.create_task(final())  # its first step runs before the stop below
            loop.call_soon(loop.stop)
            return
        if final is not None:
            asyncio.run_coroutine_threadsafe(final(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
