"""No credential reaches any file a run writes, whatever error text quotes it."""

from __future__ import annotations

from pathlib import Path

import pytest

import hret
from hret.secrets import register_headers, register_secret, register_url, scrub
from tests.openai_server import Behaviour, OpenAIServer
from tests.plugin.plugin_support import Inner

KEY = "sk-test-KEY-0f9e8d7c6b5a"
AZURE = "azure-HEADER-1a2b3c4d5e"
CUSTOM = "custom-AUTH-9z8y7x6w5v"
URL_PASSWORD = "url-PASSWORD-4q3w2e1r"
SECRETS = (KEY, AZURE, CUSTOM, URL_PASSWORD)

MODULE = """
@hret.benchmark(dataset="ko-sample", limit=12)
def test_remote():
    from hret.backends.openai_compat import OpenAIBackend

    backend = OpenAIBackend(
        model="m", base_url=os.environ["T_URL"], api_key=os.environ["T_KEY"],
        default_headers={"api-key": os.environ["T_AZURE"], "X-Custom-Auth": os.environ["T_CUSTOM"]},
        max_retries=0)
    return {"remote": backend}
"""


def test_no_credential_in_any_file_a_run_writes(inner: Inner, wandb_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    summary = inner.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with OpenAIServer() as server:
        # every other request fails with a message quoting all its headers
        server.queue(*[Behaviour(echo_headers=True), Behaviour()] * 6)
        host = server.base_url.split("://", 1)[1]
        monkeypatch.setenv("T_URL", f"http://user:{URL_PASSWORD}@{host}")
        for name, value in (("T_KEY", KEY), ("T_AZURE", AZURE), ("T_CUSTOM", CUSTOM)):
            monkeypatch.setenv(name, value)
        inner.module(MODULE)
        # in its own process: an in-process session that loads MLflow leaves this process's
        # package metadata unreadable for later tests (entry points then list nothing)
        result = inner.pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--hret-max-error-rate=1", "--hret-html=report.html", "--junitxml=junit.xml",
            "--hret-json=all.json", "--hret-save=main", "--hret-cache=cache.sqlite",
            f"--hret-output={inner.path / 'out'}", "--hret-mlflow", "--hret-wandb=secrets", "-rA")
        sent = server.seen
    assert sent and all(s.headers.get("api-key") == AZURE for s in sent)  # the credentials were used
    result.assert_outcomes(passed=1)
    assert "sink" not in result.stdout.str()  # every sink wrote its files
    written = [p for p in [*inner.path.rglob("*"), *wandb_dir.parent.rglob("*")] if p.is_file()]
    names = {p.name for p in written}
    assert {"report.html", "junit.xml", "all.json", "step-summary.md", "cache.sqlite"} <= names
    assert any(p.suffix == ".wandb" for p in written) and any("mlflow" in str(p) for p in written)
    leaks = [(p, s) for p in written for s in SECRETS if s.encode() in p.read_bytes()]
    assert leaks == []
    (records,) = [p for p in written if p.name.endswith(".samples.jsonl") and "runs" in p.parts]
    errors = [line for line in records.read_text(encoding="utf-8").splitlines() if "api-key: ***" in line]
    assert len(errors) == 6  # the error texts are kept, with the credentials masked
    assert all(s not in result.stdout.str() for s in SECRETS)


def test_scrub_masks_registered_values_headers_and_url_user_info() -> None:
    register_headers({"api-key": "hdr-VALUE-123456", "Authorization": "Bearer tok-VALUE-654321"})
    register_url("https://name:pw-VALUE-777@host.example/v1")
    register_secret("abc")  # too short to mask safely: ordinary text keeps it
    text = ("sent api-key hdr-VALUE-123456 and tok-VALUE-654321 to https://name:pw-VALUE-777@host"
            " (abc); Authorization: Bearer unregistered-999 x-api-key=other-888")
    cleaned = scrub(text)
    for secret in ("hdr-VALUE-123456", "tok-VALUE-654321", "pw-VALUE-777", "unregistered-999",
                   "other-888"):
        assert secret not in cleaned
    assert "https://***@host" in cleaned and "(abc)" in cleaned


def test_backend_tokens_and_keys_are_registered_when_given() -> None:
    from hret.backends.base import Secret

    Secret("hf-TOKEN-abcdef12")
    assert scrub("401 for token hf-TOKEN-abcdef12") == "401 for token ***"


def test_short_values_after_token_words_are_not_masked() -> None:
    assert scrub("JSON parse error: unexpected token: '<' at 1") == "JSON parse error: unexpected token: '<' at 1"
    assert scrub("max_tokens=512 and prompt_tokens: 20") == "max_tokens=512 and prompt_tokens: 20"


def test_a_users_own_credential_is_masked_once_registered(tmp_path: Path) -> None:
    """A model function that calls a service itself registers its key with
    ``hret.register_secret``; error texts quoting it are stored masked."""
    key = "user-own-KEY-0192837465"

    def model(prompt: str) -> str:
        raise RuntimeError(f"service refused key {key}")

    hret.register_secret(key)
    result = hret.quick_eval(model, dataset="ko-sample", limit=3, progress=False,
                             output_dir=str(tmp_path))
    assert result.metrics["error_count"] == 3
    assert all("service refused key ***" in r["error"] for r in result.samples)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
