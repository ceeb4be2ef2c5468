"""A local server on 127.0.0.1 that speaks the OpenAI protocol, for tests and benchmarks.

``with OpenAIServer(responder) as server:`` serves ``/v1/chat/completions`` and
``/v1/completions`` (including ``echo`` + ``logprobs`` prompt log-probs) from a
thread. Misbehaviour is switchable: ``server.queue(Behaviour(status=429,
retry_after="1"))`` applies to the next requests in order, ``server.rule(text,
Behaviour(...))`` to every request whose prompt contains ``text``.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

TOKEN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class Behaviour:
    """How to answer one request. ``malformed``: "json" (a body that is not
    JSON) or "shape" (JSON without choices). ``echo_auth``: a 401 whose message
    repeats the Authorization header, as some providers do; ``echo_headers``:
    a 400 whose message repeats every request header and the request line."""

    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0
    malformed: str | None = None
    echo_auth: bool = False
    echo_headers: bool = False


@dataclass
class Seen:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200


def tokens(text: str) -> list[str]:
    """The server's tokenisation: words with their leading whitespace."""
    return TOKEN.findall(text)


def token_logprob(previous: str, token: str) -> float:
    """A deterministic log-prob of ``token`` after ``previous``."""
    return -1.0 - (zlib.crc32(f"{previous}|{token}".encode()) % 50) / 10.0


def is_top(previous: str, token: str) -> bool:
    """Whether ``token`` is the most likely next token after ``previous``."""
    return zlib.crc32(f"top|{previous}|{token}".encode()) % 3 != 0


def default_responder(prompt: str) -> str:
    return f"echo: {prompt[-40:]}"


@dataclass
class _State:
    responder: Callable[[str], str]
    latency: float
    pending: deque[Behaviour] = field(default_factory=deque)
    rules: list[tuple[str, Behaviour]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    connections: set[socket.socket] = field(default_factory=set)
    dead: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class OpenAIServer:
    """Start with ``with`` (or ``start()``); ``base_url`` ends in ``/v1``."""

    def __init__(self, responder: Callable[[str], str] = default_responder,
                 latency: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.state = _State(responder, latency)
        state = self.state

        class Handler(_Handler):
            shared = state

        self._server = _Server(("127.0.0.1", 0), Handler)
        if tls is not None:  # https: each accepted connection does the TLS handshake
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def kill(self) -> None:
        """Die as a crashed server does: stop listening and drop every open
        connection, answered or not."""
        with self.state.lock:
            self.state.dead = True  # connections accepted from now on are dropped at once
            connections = list(self.state.connections)
        for connection in connections:
            _drop(connection)
        self.stop()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------
    def queue(self, *behaviours: Behaviour) -> None:
        with self.state.lock:
            self.state.pending.extend(behaviours)

    def rule(self, text: str, behaviour: Behaviour) -> None:
        with self.state.lock:
            self.state.rules.append((text, behaviour))

    @property
    def seen(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.seen)

    @property
    def max_in_flight(self) -> int:
        return self.state.max_in_flight

    def serve(self) -> None:
        """Run in the foreground (``python -m tests.openai_server LATENCY``)."""
        print(self.base_url, flush=True)
        self._server.serve_forever()

    def reset(self) -> None:
        with self.state.lock:
            self.state.seen.clear()
            self.state.pending.clear()
            self.state.rules.clear()
            self.state.max_in_flight = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out close their sockets; that is expected here


def _drop(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def prompt_of(body: dict[str, Any]) -> str:
    if "messages" in body:
        users = [m.get("content", "") for m in body["messages"] if m.get("role") == "user"]
        return str(users[-1]) if users else ""
    return str(body.get("prompt", ""))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    shared: _State

    def setup(self) -> None:
        super().setup()
        # answers go out at once, as from a real server, not after a delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.shared.lock:
            self.shared.connections.add(self.connection)
            dead = self.shared.dead
        if dead:
            _drop(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.shared.lock:
                self.shared.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.endswith("/stats"):  # for benchmarks that run the server in a subprocess
            with self.shared.lock:
                stats = {"requests": len(self.shared.seen), "max_in_flight": self.shared.max_in_flight}
            self._send(200, stats)
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        state = self.shared
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        prompt = prompt_of(body)
        seen = Seen(self.path, body, {k.lower(): v for k, v in self.headers.items()}, time.time())
        with state.lock:
            behaviour = next((b for text, b in state.rules if text in prompt), None)
            if behaviour is None:
                behaviour = state.pending.popleft() if state.pending else Behaviour()
            seen.status = 401 if behaviour.echo_auth else behaviour.status
            state.seen.append(seen)
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if behaviour.delay or state.latency:
                time.sleep(behaviour.delay or state.latency)
            self._answer(body, prompt, behaviour)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, body: dict[str, Any], prompt: str, behaviour: Behaviour) -> None:
        if behaviour.echo_headers:
            sent = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
            self._send(400, {"error": {"message": f"bad request {self.requestline} with {sent}",
                                       "type": "invalid_request_error"}})
            return
        if behaviour.echo_auth:
            key = self.headers.get("Authorization", "")
            self._send(401, {"error": {"message": f"Incorrect API key provided: {key}",
                                       "type": "invalid_request_error"}})
            return
        if behaviour.status != 200:
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            self._send(behaviour.status, {"error": {"message": f"status {behaviour.status}"}},
                       headers)
            return
        if behaviour.malformed == "json":
            self._send_raw(200, b'{"choices": [{"text": "cut off', {})
            return
        if behaviour.malformed == "shape":
            self._send(200, {"object": "chat.completion", "id": "x"})
            return
        if self.path.endswith("/chat/completions"):
            self._send(200, self._chat(body, prompt))
        elif self.path.endswith("/completions"):
            self._send(200, self._completion(body, prompt))
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def _chat(self, body: dict[str, Any], prompt: str) -> dict[str, Any]:
        text = self.shared.responder(prompt)
        return {
            "id": "chatcmpl-local", "object": "chat.completion", "created": 0,
            "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": _usage(prompt, text),
        }

    def _completion(self, body: dict[str, Any], prompt: str) -> dict[str, Any]:
        logprobs = None
        if body.get("echo") and body.get("logprobs") is not None:
            text = " next"
            logprobs = prompt_logprobs(prompt, text)
            text = prompt + text
        else:
            text = self.shared.responder(prompt)
        return {
            "id": "cmpl-local", "object": "text_completion", "created": 0,
            "model": body.get("model", ""),
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": logprobs}],
            "usage": _usage(prompt, text),
        }

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
              ) -> None:
        self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode(), headers or {})

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def prompt_logprobs(prompt: str, generated: str) -> dict[str, Any]:
    """OpenAI-style ``logprobs`` for ``prompt`` echoed and ``generated`` appended."""
    toks = tokens(prompt) + tokens(generated)
    offsets: list[int] = []
    values: list[float | None] = []
    top: list[dict[str, float] | None] = []
    position = 0
    previous = ""
    for i, tok in enumerate(toks):
        offsets.append(position)
        position += len(tok)
        value = token_logprob(previous, tok)
        values.append(None if i == 0 else value)
        if i == 0:
            top.append(None)
        elif is_top(previous, tok):
            top.append({tok: value})
        else:
            top.append({"<other>": value + 0.5, tok: value})
        previous = tok
    return {"tokens": toks, "token_logprobs": values, "text_offset": offsets, "top_logprobs": top}


def expected_loglikelihood(context: str, continuation: str) -> tuple[float, bool]:
    """What a client should compute from ``prompt_logprobs`` when the
    continuation starts on a token boundary."""
    previous = tokens(context)[-1] if context else ""
    total = 0.0
    greedy = True
    for tok in tokens(continuation):
        total += token_logprob(previous, tok)
        greedy = greedy and is_top(previous, tok)
        previous = tok
    return total, greedy


def _usage(prompt: str, text: str) -> dict[str, int]:
    p, c = len(tokens(prompt)), len(tokens(text))
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


if __name__ == "__main__":
    import sys

    OpenAIServer(latency=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0).serve()
