"""A loopback HTTP proxy for the tests: ``CONNECT`` tunnels (https) and
absolute-URI forwarding (http), every target host resolved to 127.0.0.1, so a
client can name a host that exists nowhere and still reach a loopback server."""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import BinaryIO


@dataclass
class Seen:
    """What the proxy was asked: each request line and its Proxy-Authorization."""

    lines: list[str] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, line: str, authorization: str | None) -> None:
        with self.lock:
            self.lines.append(line)
            self.authorizations.append(authorization)


class ProxyServer:
    """Start with ``with``; ``url`` is ``http://[user:password@]127.0.0.1:PORT``.
    With ``credentials``, requests without the matching Basic header get 407."""

    def __init__(self, credentials: str | None = None) -> None:
        import base64

        self.seen = Seen()
        self.credentials = credentials
        expected = f"Basic {base64.b64encode(credentials.encode()).decode()}" if credentials else None
        seen = self.seen

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    head = _read_head(self.rfile)
                    if head is None:
                        return
                    line, headers = head
                    authorization = headers.get("proxy-authorization")
                    seen.add(line, authorization)
                    if expected is not None and authorization != expected:
                        self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                        return
                    method, target, _ = line.split(" ", 2)
                    if method == "CONNECT":
                        port = int(target.rsplit(":", 1)[1])
                        upstream = socket.create_connection(("127.0.0.1", port))
                        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        _pipe(self.connection, upstream)
                        return
                    self._forward(method, target, headers)

            def _forward(self, method: str, target: str, headers: dict[str, str]) -> None:
                rest = target.split("://", 1)[1]
                authority, _, path = rest.partition("/")
                port = int(authority.rsplit(":", 1)[1]) if ":" in authority else 80
                body = self.rfile.read(int(headers.get("content-length") or 0))
                kept = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k != "proxy-authorization")
                with socket.create_connection(("127.0.0.1", port)) as upstream:
                    upstream.sendall(f"{method} /{path} HTTP/1.1\r\n{kept}Connection: close\r\n\r\n"
                                     .encode("latin-1") + body)
                    answer = b""
                    while chunk := upstream.recv(65536):
                        answer += chunk
                head, _, payload = answer.partition(b"\r\n\r\n")
                lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
                self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + payload)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://{self.credentials + '@' if self.credentials else ''}127.0.0.1:{port}"

    def __enter__(self) -> ProxyServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()


def _read_head(stream: BinaryIO) -> tuple[str, dict[str, str]] | None:
    readline = stream.readline
    first = readline()
    if not first.strip():
        return None
    headers: dict[str, str] = {}
    while (line := readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return first.decode("latin-1").strip(), headers


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""

    def copy(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (sink, source):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    other = threading.Thread(target=copy, args=(upstream, client), daemon=True)
    other.start()
    copy(client, upstream)
    other.join()
    upstream.close()
