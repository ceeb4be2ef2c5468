"""The openai backend through the HTTP proxy the environment names, as the
OpenAI SDK goes: a ``CONNECT`` tunnel for https, absolute URIs for http, the
proxy's credentials sent and never shown, ``NO_PROXY`` and loopback direct."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest

import hret
from hret.backends.openai_compat import OpenAIBackend
from hret.errors import ConfigError
from tests.openai_server import OpenAIServer
from tests.proxy_server import ProxyServer

#: a host that resolves nowhere: only the proxy (which sends everything to loopback) reaches it
HOST = "api.hret-proxy-test.invalid"
PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy",
              "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for HOST and its key, written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_goes_through_a_connect_tunnel_with_the_proxys_credentials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    with OpenAIServer(tls=server_tls) as server, ProxyServer("alice:pr0xy-PASS-5150") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with OpenAIBackend("tiny", base_url=f"https://{HOST}:{server.port}/v1", api_key="sk-test",
                           max_concurrency=4) as backend:
            outputs = backend.generate([f"질문 {i}" for i in range(6)])
            assert len(outputs) == 6 and all(isinstance(o, str) and o for o in outputs)
    assert proxy.seen.lines and all(line == f"CONNECT {HOST}:{server.port} HTTP/1.1" for line in proxy.seen.lines)
    assert len(proxy.seen.lines) <= 4  # tunnels are kept alive and reused
    assert set(proxy.seen.authorizations) == {"Basic YWxpY2U6cHIweHktUEFTUy01MTUw"}


def test_plain_http_sends_absolute_uris_to_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIServer() as server, ProxyServer() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        with OpenAIBackend("tiny", base_url=f"http://{HOST}:{server.port}/v1", api_key="sk-test",
                           max_concurrency=2) as backend:
            result = hret.quick_eval(backend, dataset="ko-sample", limit=4, progress=False)
    assert result.metrics["n"] == 4 and result.metrics["error_count"] == 0
    assert proxy.seen.lines and all(
        line == f"POST http://{HOST}:{server.port}/v1/chat/completions HTTP/1.1" for line in proxy.seen.lines)


def test_a_refused_proxy_is_an_error_that_never_shows_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIServer() as server, ProxyServer("alice:right-PASS-1") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("right-PASS-1", "wrong-PASS-2"))
        with OpenAIBackend("tiny", base_url=f"https://{HOST}:{server.port}/v1", api_key="sk-test",
                           max_retries=0) as backend:
            result = hret.quick_eval(backend, dataset="ko-sample", limit=2, progress=False)
    errors = [r["error"] for r in result.samples]
    assert result.metrics["error_count"] == 2
    assert all("refused the tunnel" in e and "407" in e for e in errors), errors
    assert not any("wrong-PASS-2" in e or "d3JvbmctUEFTUy0y" in e for e in errors)


def test_loopback_and_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIServer() as server:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        with OpenAIBackend("tiny", base_url=server.base_url, api_key="sk-test") as backend:
            assert len(backend.generate(["hi"])) == 1
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        monkeypatch.setenv("NO_PROXY", f".hret-proxy-test.invalid,{HOST}")
        from hret.backends.http import Proxy

        assert Proxy.for_url("http", HOST) is None
        assert Proxy.for_url("http", "api.example.org") == Proxy("127.0.0.1", 9)


def test_a_proxy_that_is_not_http_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:secret-SOCKS@127.0.0.1:1080")
    with pytest.raises(ConfigError, match=r"HTTPS_PROXY names 'socks5://127.0.0.1:1080'; .*http://HOST:PORT") as info:
        OpenAIBackend("tiny", base_url=f"https://{HOST}/v1", api_key="sk-test")
    assert "secret-SOCKS" not in str(info.value)
