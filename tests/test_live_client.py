"""The connection and the async authentik client behind `avlint diff`, `pull` and `apply`,
checked against the fake authentik over real loopback sockets: options and environment, TLS,
the plain-http refusal, timeouts, bounded retries with backoff, 403 semantics, 404, paging,
concurrency and the rule that the API token never shows up anywhere.

Nothing here asserts on elapsed time: retry delays are read from a recording `sleep`, and
concurrency from the fake's request log (overlapping requests, in-flight maxima).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import logging
import math
import os
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import avlint.live.client as client_module
from avlint.cli import cli
from avlint.live.client import PAGE_SIZE, ApiError, AuthError, Client, PermissionDenied
from avlint.live.command import ServerOptions, connection_from
from avlint.live.connection import ConnectionError_, Secret, make_connection
from tests.conftest import DATA, ROOT
from tests.fake_authentik import FakeAuthentik, seed
from tests.fake_authentik.http import Request

EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
VALIDATE = "/api/v3/stages/authenticator/validate/"
ALL_STAGES = "/api/v3/stages/all/"
FLOWS = "/api/v3/flows/instances/"
BINDINGS = "/api/v3/flows/bindings/"
VERSION = "/api/v3/admin/version/"
LIST_PATHS = (VALIDATE, ALL_STAGES, FLOWS, BINDINGS)
MFA_PK = "0f8a4b41-0608-487d-82d3-6c2e8eb7738e"


# -- helpers -------------------------------------------------------------------------------------------
@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The recorded server: a fresh server's defaults plus the four validation stages made by hand
    on it (``lint-good-validate`` ...), which these tests read, change and delete."""
    seed.add_hand_made_stages(fake_authentik.state)
    return fake_authentik


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


class _VirtualTime:
    """`time` as avlint.live.client sees it: the clock also advances by every recorded sleep."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class _RecordingAsyncio:
    """`asyncio` as avlint.live.client sees it, with a `sleep` that records and does not wait."""

    def __init__(self, recorded: list[float], clock: _VirtualTime) -> None:
        self._recorded = recorded
        self._clock = clock

    async def sleep(self, delay: float, *args: Any, **kwargs: Any) -> None:
        self._recorded.append(delay)
        self._clock.offset += delay
        await _REAL_SLEEP(0)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


_REAL_SLEEP = asyncio.sleep


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's retry delays, in order. The client does not actually wait: its clock jumps
    ahead by each delay instead, so time budgets still count the waits."""
    recorded: list[float] = []
    clock = _VirtualTime()
    monkeypatch.setattr(client_module, "time", clock)
    monkeypatch.setattr(client_module, "asyncio", _RecordingAsyncio(recorded, clock))
    return recorded


def invoke(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)


def connect(fake: FakeAuthentik, token: str | None = "admin", **options: Any):
    value = fake.token if token == "admin" else token
    return make_connection(fake.url, value, environ={}, **options)


def use(connection, action):
    """Run `action(client)` in a fresh client; returns (client, result)."""
    client = Client(connection)

    async def main() -> Any:
        async with client:
            return await action(client)

    return client, asyncio.run(main())


def fails(connection, action, expected: type[BaseException] = ApiError):
    """Run `action(client)` expecting `expected`; returns (client, exception)."""
    client = Client(connection)

    async def main() -> Any:
        async with client:
            return await action(client)

    with pytest.raises(expected) as caught:
        asyncio.run(main())
    return client, caught.value


def create_stages(fake: FakeAuthentik, count: int, prefix: str = "bulk") -> None:
    """Create validation stages through the fake's HTTP handling (in-process, not logged)."""
    headers = {"authorization": f"Bearer {fake.token}", "content-type": "application/json"}
    for index in range(count):
        body = json.dumps({"name": f"{prefix}-{index:03d}", "device_classes": ["totp"]}).encode()
        response = fake.handle(Request("POST", VALIDATE, {}, headers, body))
        assert response.status == 201, response.body


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def records(fake: FakeAuthentik, path: str | None = None, method: str | None = None) -> list:
    """Logged requests (once every one of them has been answered or dropped)."""
    assert fake.requests.wait_finished(len(fake.requests))
    return [r for r in fake.requests if (path is None or r.path == path) and (method is None or r.method == method)]


def overlap(first, second) -> bool:
    """Two logged requests were being served at the same time."""
    return first.started < second.finished and second.started < first.finished


# -- connection settings ------------------------------------------------------------------------------
def test_url_and_token_from_options() -> None:
    connection = make_connection("https://auth.example.com/", "secret-1", environ={})
    assert connection.url == "https://auth.example.com"
    assert connection.api == "https://auth.example.com/api/v3"
    assert connection.token is not None and connection.token.reveal() == "secret-1"
    # A URL given with the API path is reduced to the server root.
    assert make_connection("https://auth.example.com/api/v3/", "t", environ={}).url == "https://auth.example.com"


def test_url_and_token_from_the_environment() -> None:
    connection = make_connection(
        None, None, environ={"AUTHENTIK_URL": "https://env.example.com", "AUTHENTIK_TOKEN": " env-secret \n"}
    )
    assert connection.url == "https://env.example.com"
    assert connection.token is not None and connection.token.reveal() == "env-secret"
    # Options win over the environment.
    chosen = make_connection(
        "https://opt.example.com",
        "opt-secret",
        environ={"AUTHENTIK_URL": "https://env.example.com", "AUTHENTIK_TOKEN": "env"},
    )
    assert (chosen.url, chosen.token.reveal()) == ("https://opt.example.com", "opt-secret")


def test_cli_reads_url_and_token_from_the_environment(fake_authentik: FakeAuthentik) -> None:
    result = invoke("diff", EXPORT, env={"AUTHENTIK_URL": fake_authentik.url, "AUTHENTIK_TOKEN": fake_authentik.token})
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout
    assert {r.headers.get("authorization") for r in fake_authentik.requests} == {f"Bearer {fake_authentik.token}"}


def test_token_file(tmp_path: Path, fake_authentik: FakeAuthentik) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(fake_authentik.token + "\n", encoding="utf-8")
    connection = make_connection("https://a.example.com", None, str(token_file), environ={"AUTHENTIK_TOKEN": "other"})
    assert connection.token is not None and connection.token.reveal() == fake_authentik.token  # the file wins, stripped
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token-file", token_file)
    assert result.exit_code == 0, result.output
    assert {r.headers.get("authorization") for r in fake_authentik.requests} == {f"Bearer {fake_authentik.token}"}


def test_token_file_problems_are_reported_without_connecting(tmp_path: Path, fake_authentik: FakeAuthentik) -> None:
    empty = tmp_path / "empty"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(ConnectionError_, match="is empty"):
        make_connection("https://a.example.com", None, str(empty), environ={})
    with pytest.raises(ConnectionError_, match="cannot read --token-file"):
        make_connection("https://a.example.com", None, str(tmp_path / "missing"), environ={})
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token-file", tmp_path / "missing")
    assert result.exit_code == 2
    assert "cannot read --token-file" in result.stderr
    assert len(fake_authentik.requests) == 0


def test_a_token_file_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """Read like every side input: a FIFO nobody writes to would block the run for ever."""
    fifo = tmp_path / "token.fifo"
    os.mkfifo(fifo)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "avlint",
            "diff",
            str(EXPORT),
            "--url",
            "https://a.example.com",
            "--token-file",
            str(fifo),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot read --token-file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("url", [None, "ftp://auth.example.com", "auth.example.com", "https://"])
def test_a_server_url_is_required(url: str | None) -> None:
    with pytest.raises(ConnectionError_):
        make_connection(url, "t", environ={})


def test_cli_without_a_server_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("diff", EXPORT)
    assert result.exit_code == 2
    assert "no server given" in result.stderr
    result = invoke("pull", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "no server given" in result.stderr


def test_the_token_is_masked_in_reprs() -> None:
    secret = Secret("very-secret-value")
    assert "very-secret-value" not in repr(secret) and "very-secret-value" not in str(secret)
    assert f"{secret}" == "Secret('***')"
    connection = make_connection("https://a.example.com", "very-secret-value", environ={})
    assert "very-secret-value" not in repr(connection)
    assert connection.token.reveal() == "very-secret-value"


@pytest.mark.parametrize(
    "url", ["http://auth.example.com", "http://10.0.0.8:9000", "http://127.0.0.1.nip.io", "http://[2001:db8::1]/"]
)
def test_plain_http_with_a_token_is_refused_for_remote_hosts(url: str) -> None:
    with pytest.raises(ConnectionError_, match="plain http"):
        make_connection(url, "t", environ={})
    # --allow-http lifts the refusal; https and a missing token never trigger it.
    assert make_connection(url, "t", allow_http=True, environ={}).token is not None
    assert make_connection(url.replace("http://", "https://"), "t", environ={}).url.startswith("https://")
    assert make_connection(url, None, environ={}).token is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000", "http://127.0.0.2", "http://localhost:9000", "http://LOCALHOST", "http://[::1]:9000"],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert make_connection(url, "t", environ={}).token is not None


@pytest.fixture
def connection_attempts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every name lookup and socket connect, recorded; none reaches anything."""
    attempts: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(("connect", address))
        raise OSError("tests may not connect anywhere here")

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        attempts.append(("getaddrinfo", host))
        raise socket.gaierror(socket.EAI_NONAME, "tests may not resolve names")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


@pytest.mark.parametrize("command", ["diff", "pull", "apply"])
@pytest.mark.parametrize("host", ["10.255.255.1", "auth.example.com"])
def test_cli_refuses_plain_http_before_any_connection(
    command: str, host: str, tmp_path: Path, connection_attempts: list[object]
) -> None:
    args = [
        command,
        *([EXPORT] if command != "pull" else ["--out", tmp_path / "out"]),
        "--url",
        f"http://{host}",
        "--token",
        "remote-secret",
        "--retries",
        "0",
    ]
    result = invoke(*args)
    assert result.exit_code == 2
    assert "refusing to send the API token over plain http" in result.stderr
    assert connection_attempts == []
    assert not (tmp_path / "out").exists()
    # The control: with --allow-http the client does try to reach the host (and fails here).
    allowed = invoke(*args, "--allow-http")
    assert allowed.exit_code == 2
    assert connection_attempts, "--allow-http should have tried to connect"
    assert "could not connect" in allowed.stderr


def test_refusal_also_applies_to_the_environment(connection_attempts: list[object]) -> None:
    result = invoke("diff", EXPORT, env={"AUTHENTIK_URL": "http://10.255.255.1", "AUTHENTIK_TOKEN": "remote-secret"})
    assert result.exit_code == 2
    assert "plain http" in result.stderr
    assert connection_attempts == []


# -- TLS ---------------------------------------------------------------------------------------------
def _make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1, signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    valid = {"not_valid_before": now - datetime.timedelta(days=1), "not_valid_after": now + datetime.timedelta(days=1)}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "avlint test CA")])
    usage = {
        "content_commitment": False,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "encipher_only": False,
        "decipher_only": False,
    }
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid["not_valid_before"])
        .not_valid_after(valid["not_valid_after"])
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class TlsProxy:
    """TLS in front of the fake (which speaks plain HTTP): terminates TLS, pipes bytes through."""

    def __init__(self, target_port: int, certificate: Path, key: Path) -> None:
        self.target = ("127.0.0.1", target_port)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certificate, key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.handshakes = {"ok": 0, "failed": 0}
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(conn,), daemon=True).start()

    def _pipe(self, conn: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshakes["failed"] += 1
            conn.close()
            return
        self.handshakes["ok"] += 1
        upstream = socket.create_connection(self.target)
        selector = selectors.DefaultSelector()
        selector.register(tls, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, tls)
        try:
            while True:
                for key, _ in selector.select(timeout=10):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            tls.close()
            upstream.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def tls_server(fake_authentik: FakeAuthentik, tmp_path: Path):
    ca, certificate, key = _make_certificates(tmp_path)
    proxy = TlsProxy(fake_authentik.port, certificate, key)
    proxy.ca = ca  # type: ignore[attr-defined]
    yield proxy
    proxy.close()


def test_tls_verification_is_on_by_default(fake_authentik: FakeAuthentik, tls_server: TlsProxy) -> None:
    assert make_connection(tls_server.url, "t", environ={}).verify is True
    result = invoke("diff", EXPORT, "--url", tls_server.url, "--token", fake_authentik.token, "--retries", "0")
    assert result.exit_code == 2
    assert "GET /" in result.stderr
    assert len(fake_authentik.requests) == 0  # nothing got past the handshake
    # The proxy thread notes the failed handshake after the client has already given up.
    for _ in range(200):
        if tls_server.handshakes["failed"]:
            break
        time.sleep(0.01)
    assert tls_server.handshakes["failed"] >= 1 and tls_server.handshakes["ok"] == 0


def test_tls_failure_names_the_certificate_problem(fake_authentik: FakeAuthentik, tls_server: TlsProxy) -> None:
    """A certificate the client does not trust must be reported as such, not as a plain
    "could not connect" that sends the user looking for a network problem."""
    result = invoke("diff", EXPORT, "--url", tls_server.url, "--token", fake_authentik.token, "--retries", "0")
    assert result.exit_code == 2
    assert "certificate" in result.stderr.lower()


def test_ca_bundle_verifies_the_server(fake_authentik: FakeAuthentik, tls_server: TlsProxy) -> None:
    result = invoke(
        "diff", EXPORT, "--url", tls_server.url, "--token", fake_authentik.token, "--ca-bundle", tls_server.ca
    )  # type: ignore[attr-defined]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout
    assert tls_server.handshakes["ok"] >= 1
    assert len(records(fake_authentik)) >= 4


def test_insecure_skips_verification(fake_authentik: FakeAuthentik, tls_server: TlsProxy) -> None:
    assert make_connection(tls_server.url, "t", insecure=True, environ={}).verify is False
    result = invoke("diff", EXPORT, "--url", tls_server.url, "--token", fake_authentik.token, "--insecure")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout
    assert tls_server.handshakes["ok"] >= 1 and tls_server.handshakes["failed"] == 0


def test_ca_bundle_must_be_a_file(tmp_path: Path, fake_authentik: FakeAuthentik) -> None:
    with pytest.raises(ConnectionError_, match="--ca-bundle"):
        make_connection("https://a.example.com", "t", ca_bundle=str(tmp_path / "nope.pem"), environ={})
    result = invoke(
        "diff",
        EXPORT,
        "--url",
        fake_authentik.url,
        "--token",
        fake_authentik.token,
        "--ca-bundle",
        tmp_path / "nope.pem",
    )
    assert result.exit_code == 2
    assert "--ca-bundle" in result.stderr
    assert len(fake_authentik.requests) == 0


# -- timeouts ---------------------------------------------------------------------------------------
def test_timeout_options_reach_the_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr("avlint.live.command.run_diff", lambda request, out, err, cwd=None: seen.append(request) or 0)
    result = invoke(
        "diff",
        EXPORT,
        "--url",
        "https://a.example.com",
        "--token",
        "t",
        "--connect-timeout",
        "2.5",
        "--read-timeout",
        "7",
        "--retries",
        "1",
    )
    assert result.exit_code == 0
    server = seen[0].server
    assert (server.connect_timeout, server.read_timeout, server.max_retries) == (2.5, 7.0, 1)
    connection = connection_from(server)
    assert (connection.connect_timeout, connection.read_timeout, connection.max_retries) == (2.5, 7.0, 1)
    defaults = connection_from(ServerOptions(url="https://a.example.com", token="t"))
    assert (defaults.connect_timeout, defaults.read_timeout) == (5.0, 30.0)

    async def timeouts(client: Client) -> httpx.Timeout:
        return client._client.timeout  # type: ignore[union-attr]

    _, timeout = use(connection, timeouts)
    assert (timeout.connect, timeout.read) == (2.5, 7.0)


def test_read_timeout_is_reported_and_a_get_retried(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.latency(1.0, path=VERSION)
    client, error = fails(connect(fake_authentik, read_timeout=0.2, max_retries=1), lambda c: c.version())
    assert "timed out waiting for the response" in str(error)
    assert "after 2 attempts" in str(error)
    assert len(records(fake_authentik, VERSION)) == 2
    assert client.stats.retries == 1 and len(sleeps) == 1


def test_a_body_that_trickles_in_times_out(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.slow_body(chunk_size=32, delay=0.5, path=VALIDATE)
    _, error = fails(
        connect(fake_authentik, read_timeout=0.2, max_retries=0),
        lambda c: c.list_all("/stages/authenticator/validate/"),
    )
    assert "timed out" in str(error)
    assert len(records(fake_authentik, VALIDATE)) == 1


# -- retries ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(fake_authentik: FakeAuthentik, sleeps: list[float], status: int) -> None:
    rule = fake_authentik.faults.status(status, times=2, path=VALIDATE)
    client, stages = use(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 5
    assert rule.hits == 2
    assert [r.status for r in records(fake_authentik, VALIDATE)] == [status, status, 200]
    assert client.stats.retries == 2 and len(sleeps) == 2


def test_backoff_is_exponential_with_jitter(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.status(503, times=4, path=VERSION)
    client, version = use(connect(fake_authentik, max_retries=4), lambda c: c.version())
    assert version == "2025.12.4"
    assert len(sleeps) == 4 and client.stats.retries == 4
    for attempt, delay in enumerate(sleeps):
        base = 0.2 * 2**attempt
        assert base <= delay <= base * 1.5, (attempt, delay)
    assert sleeps == sorted(sleeps)
    # Jitter: the delays are not the bare exponential series.
    assert any(delay != 0.2 * 2**attempt for attempt, delay in enumerate(sleeps))
    fake_authentik.faults.status(503, times=1, path=VERSION)
    use(connect(fake_authentik), lambda c: c.version())
    assert sleeps[4] != sleeps[0]  # a second run draws a different jitter


def test_429_honours_retry_after(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.rate_limit(times=1, retry_after=7, path=VALIDATE)
    client, stages = use(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 5
    assert [r.status for r in records(fake_authentik, VALIDATE)] == [429, 200]
    assert len(sleeps) == 1 and sleeps[0] >= 7
    assert client.stats.retries == 1


def test_429_on_a_write_is_retried_once_the_server_allows(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.rate_limit(times=1, retry_after=2, method="POST")

    async def create(client: Client) -> Any:
        return (
            await client.request(
                "POST", "/stages/authenticator/validate/", json={"name": "after-429", "device_classes": ["totp"]}
            )
        ).json()

    _, created = use(connect(fake_authentik), create)
    assert created["name"] == "after-429"
    assert [r.status for r in records(fake_authentik, VALIDATE, "POST")] == [429, 201]
    assert sleeps and sleeps[0] >= 2
    assert [s.name for s in fake_authentik.state.stages.values()].count("after-429") == 1


def test_retries_are_bounded_in_count(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.status(503, times=None, path=VALIDATE)
    client, error = fails(
        connect(fake_authentik, max_retries=2), lambda c: c.list_all("/stages/authenticator/validate/")
    )
    assert error.status == 503
    assert "HTTP 503" in str(error)
    assert len(records(fake_authentik, VALIDATE)) == 3
    assert client.stats.retries == 2


def test_cli_retries_option_bounds_the_attempts(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.status(502, times=None, path=ALL_STAGES)
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token, "--retries", "1")
    assert result.exit_code == 2
    assert "HTTP 502" in result.stderr
    assert len(records(fake_authentik, ALL_STAGES)) == 2


def test_retries_are_bounded_in_total_time(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    # A Retry-After beyond the budget is not waited for at all.
    fake_authentik.faults.rate_limit(times=None, retry_after=10, path=VALIDATE)
    _, error = fails(
        connect(fake_authentik, max_retries=10, max_retry_seconds=3),
        lambda c: c.list_all("/stages/authenticator/validate/"),
    )
    assert error.status == 429
    assert len(records(fake_authentik, VALIDATE)) == 1 and sleeps == []
    # Waits of 0.2-0.3 and 0.4-0.6 s fit in 1.3 s; adding the third (0.8-1.2 s) would not.
    fake_authentik.faults.clear()
    fake_authentik.requests.clear()
    fake_authentik.faults.status(503, times=None, path=VALIDATE)
    _, error = fails(
        connect(fake_authentik, max_retries=10, max_retry_seconds=1.3),
        lambda c: c.list_all("/stages/authenticator/validate/"),
    )
    assert error.status == 503
    assert len(records(fake_authentik, VALIDATE)) == 3
    assert len(sleeps) == 2 and sum(sleeps) <= 1.3


def test_dropped_connections_on_reads_are_retried(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    rule = fake_authentik.faults.drop(times=2, path=VALIDATE)
    client, stages = use(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 5
    assert rule.hits == 2
    assert [r.status for r in records(fake_authentik, VALIDATE)] == [None, None, 200]
    assert client.stats.retries == 2


def test_a_dropped_write_is_not_repeated(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.drop(times=1, method="POST")

    async def create(client: Client) -> Any:
        return await client.request(
            "POST", "/stages/authenticator/validate/", json={"name": "dropped", "device_classes": ["totp"]}
        )

    client, error = fails(connect(fake_authentik), create)
    assert "closed the connection" in str(error)
    assert len(records(fake_authentik, VALIDATE, "POST")) == 1
    assert client.stats.retries == 0


def test_connection_refused_is_retried_then_reported(sleeps: list[float]) -> None:
    connection = make_connection(f"http://127.0.0.1:{closed_port()}", "t", max_retries=3, environ={})
    client, error = fails(connection, lambda c: c.version())
    assert "could not connect" in str(error)
    assert "after 4 attempts" in str(error)
    assert client.stats.requests == 4 and len(sleeps) == 3


def test_server_errors_are_not_retried(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    fake_authentik.faults.status(500, times=None, path=VALIDATE)
    _, error = fails(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert error.status == 500
    assert "HTTP 500" in str(error)
    assert len(records(fake_authentik, VALIDATE)) == 1 and sleeps == []


# -- 403 and 404 ------------------------------------------------------------------------------------
def test_unknown_token_is_an_auth_error(fake_authentik: FakeAuthentik) -> None:
    _, error = fails(
        connect(fake_authentik, "not-a-real-token"), lambda c: c.list_all("/stages/authenticator/validate/"), AuthError
    )
    assert error.status == 403
    assert "unknown or expired" in str(error)
    assert not isinstance(error, PermissionDenied)


def test_missing_token_is_an_auth_error(fake_authentik: FakeAuthentik) -> None:
    _, error = fails(connect(fake_authentik, None), lambda c: c.list_all("/stages/authenticator/validate/"), AuthError)
    assert "no usable token" in str(error)
    assert all("authorization" not in r.headers for r in fake_authentik.requests)


def test_expired_token_is_an_auth_error(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.state.expire(fake_authentik.limited_token)
    _, error = fails(
        connect(fake_authentik, fake_authentik.limited_token), lambda c: c.list_all("/flows/instances/"), AuthError
    )
    assert "unknown or expired" in str(error)


def test_missing_permission_is_told_apart_and_named(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.set_limited_permissions("none")
    _, error = fails(
        connect(fake_authentik, fake_authentik.limited_token),
        lambda c: c.list_all("/stages/authenticator/validate/"),
        PermissionDenied,
    )
    assert error.status == 403
    assert "authentik_stages_authenticator_validate.view_authenticatorvalidatestage" in str(error)
    assert not isinstance(error, AuthError)


def test_view_only_token_may_read_but_not_write(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.set_limited_permissions("view")
    connection = connect(fake_authentik, fake_authentik.limited_token)
    _, stages = use(connection, lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 5

    async def create(client: Client) -> Any:
        return await client.request(
            "POST", "/stages/authenticator/validate/", json={"name": "x", "device_classes": ["totp"]}
        )

    _, error = fails(connection, create, PermissionDenied)
    assert "authentik_stages_authenticator_validate.add_authenticatorvalidatestage" in str(error)
    _, error = fails(connection, lambda c: c.list_all("/flows/bindings/"), PermissionDenied)
    assert "authentik_flows.view_flowstagebinding" in str(error)


def test_cli_names_the_missing_permission(fake_authentik: FakeAuthentik) -> None:
    granted = {
        "authentik_stages_authenticator_validate.view_authenticatorvalidatestage",
        "authentik_flows.view_flow",
        "authentik_flows.view_stage",
    }
    fake_authentik.set_limited_permissions(granted)
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.limited_token)
    assert result.exit_code == 2
    assert "lacks permission" in result.stderr
    assert "authentik_flows.view_flowstagebinding" in result.stderr
    bad = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", "wrong-token-value")
    assert bad.exit_code == 2
    assert "unknown or expired" in bad.stderr and "permission" not in bad.stderr


def test_404_means_not_on_the_server(fake_authentik: FakeAuthentik) -> None:
    async def lookups(client: Client) -> tuple[Any, Any, Any]:
        missing = await client.get("/stages/authenticator/validate/8c0c84f7-6a6b-4d0e-9d4c-6c1f0d1e2f3a/")
        flow = await client.get("/flows/instances/no-such-flow/")
        present = await client.get(f"/stages/authenticator/validate/{MFA_PK}/")
        return missing, flow, present

    _, (missing, flow, present) = use(connect(fake_authentik), lookups)
    assert missing is None and flow is None
    assert present["name"] == "default-authentication-mfa-validation"
    assert [r.status for r in records(fake_authentik)] == [404, 404, 200]

    async def strict(client: Client) -> Any:
        return await client.request("GET", "/flows/instances/no-such-flow/")

    _, error = fails(connect(fake_authentik), strict)
    assert error.status == 404


# -- paging and concurrency ---------------------------------------------------------------------------
def test_paging_fetches_pages_of_100_not_objects(fake_authentik: FakeAuthentik) -> None:
    create_stages(fake_authentik, 230)
    fake_authentik.requests.clear()
    client, stages = use(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 235
    assert len({s["pk"] for s in stages}) == 235
    listed = records(fake_authentik, VALIDATE)
    total_pages = math.ceil(235 / PAGE_SIZE)
    assert PAGE_SIZE == 100
    assert len(listed) == 1 + (total_pages - 1) == 3
    assert sorted(r.arg("page") for r in listed) == ["1", "2", "3"]
    assert {r.arg("page_size") for r in listed} == {"100"}
    assert listed[0].arg("page") == "1"  # the first page tells how many there are
    assert len(fake_authentik.requests) == 3  # no request per object
    assert client.stats.requests == 3


def test_diff_lists_every_model_in_pages(fake_authentik: FakeAuthentik) -> None:
    create_stages(fake_authentik, 230)
    fake_authentik.requests.clear()
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert result.exit_code == 0, result.output
    counts = {path: len(records(fake_authentik, path)) for path in LIST_PATHS}
    totals = {VALIDATE: 235, ALL_STAGES: 22 + 230, FLOWS: 14, BINDINGS: 20}
    assert counts == {path: math.ceil(total / 100) for path, total in totals.items()}
    # Besides the lists, only the version, asked once up front as a connection check.
    others = [r for r in fake_authentik.requests if r.path not in LIST_PATHS]
    assert [(r.method, r.path) for r in others] == [("GET", VERSION)]
    assert all(r.method == "GET" for r in fake_authentik.requests)


def test_later_pages_are_fetched_concurrently(fake_authentik: FakeAuthentik) -> None:
    create_stages(fake_authentik, 230)
    fake_authentik.requests.clear()
    fake_authentik.faults.latency(0.3, path=VALIDATE)
    client, stages = use(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 235
    first, *rest = sorted(records(fake_authentik, VALIDATE), key=lambda r: r.arg("page"))
    assert first.arg("page") == "1"
    assert all(r.started >= first.finished for r in rest)  # pages 2.. wait for page 1's total
    assert overlap(rest[0], rest[1])
    assert client.stats.max_in_flight == 2


def test_lists_of_different_models_run_concurrently(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.latency(0.3, path="/api/v3/*")
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert result.exit_code == 0, result.output
    # The server's version and the first page of each of the four lists go out together
    # (issue 14 item 5: waiting for the version first cost a round trip).
    probe = records(fake_authentik, "/api/v3/admin/version/")
    firsts = probe + [records(fake_authentik, path)[0] for path in LIST_PATHS]
    assert len(firsts) == 5
    assert all(overlap(a, b) for index, a in enumerate(firsts) for b in firsts[index + 1 :])
    assert fake_authentik.requests.max_in_flight == 5


@pytest.mark.parametrize("auto", [False, True])
def test_a_bad_token_is_one_error_from_the_version_request(fake_authentik: FakeAuthentik, auto: bool) -> None:
    # Every first request fails alike; the run waits for them (nothing is cut off halfway)
    # and reports the version's error, once, as when it was asked alone.
    extra = ["--target-version", "auto"] if auto else []
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", "wrong-token-123456789", *extra)
    assert result.exit_code == 2
    assert result.stderr == "avlint: error: GET /admin/version/: the token is unknown or expired\n"
    assert len(records(fake_authentik, VERSION)) == 1
    assert len(records(fake_authentik)) == 5  # the version and one first page per list, nothing more


def test_client_never_exceeds_its_concurrency(fake_authentik: FakeAuthentik) -> None:
    create_stages(fake_authentik, 900)  # ten pages of validation stages, ten of all stages
    fake_authentik.requests.clear()
    fake_authentik.faults.latency(0.05, path="/api/v3/stages/*")
    connection = connect(fake_authentik, concurrency=3)

    async def both(client: Client) -> tuple[list, list]:
        return await asyncio.gather(client.list_all("/stages/authenticator/validate/"), client.list_all("/stages/all/"))

    client, (validate, every) = use(connection, both)
    assert (len(validate), len(every)) == (905, 922)
    assert client.stats.max_in_flight == 3
    assert fake_authentik.requests.max_in_flight <= 3
    assert client.stats.requests == len(fake_authentik.requests) == 20


# -- --target-version auto -------------------------------------------------------------------------------
def test_target_version_auto_asks_the_server(fake_authentik: FakeAuthentik) -> None:
    # The version is asked once per run in any case (it doubles as the connection check);
    # `auto` uses the answer, which test_target_version_auto_uses_the_answer pins down.
    plain = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert plain.exit_code == 0
    assert len(records(fake_authentik, VERSION)) == 1
    auto = invoke(
        "diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token, "--target-version", "auto"
    )
    assert auto.exit_code == 0, auto.output
    assert len(records(fake_authentik, VERSION)) == 2


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"version_current": "2099.1.0"}', "not a release avlint knows"),
        ('{"detail": "nope"}', "did not report its version"),
    ],
)
def test_target_version_auto_uses_the_answer(fake_authentik: FakeAuthentik, body: str, message: str) -> None:
    fake_authentik.faults.status(200, times=None, path=VERSION, body=body, content_type="application/json")
    for command in (["diff", EXPORT], ["apply", EXPORT]):
        result = invoke(
            *command, "--url", fake_authentik.url, "--token", fake_authentik.token, "--target-version", "auto"
        )
        assert result.exit_code == 2, result.output
        assert message in result.stderr


# -- the token never leaks ----------------------------------------------------------------------------------
def _edited_export(folder: Path) -> Path:
    text = EXPORT.read_text(encoding="utf-8").replace("not_configured_action: skip", "not_configured_action: deny")
    text = text.replace(
        "metadata:\n  labels:",
        (
            "- model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
            "  identifiers:\n    name: default-authentication-password\n"
            "  attrs:\n    device_classes: [totp]\n"
            "- model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
            "  state: absent\n  identifiers:\n    name: probe-1795445869\n"
            "metadata:\n  labels:"
        ),
    )
    path = folder / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_token_never_appears_in_output_logs_errors_or_files(
    fake_authentik: FakeAuthentik,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    sleeps: list[float],
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = fake_authentik
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    secret_folder = tmp_path / "secret"
    secret_folder.mkdir()
    token_file = secret_folder / "token"
    token_file.write_text(fake.token + "\n", encoding="utf-8")
    wrong = "wrong-token-" + "9" * 24
    secrets = [fake.token, fake.limited_token, wrong]
    edited = _edited_export(work)
    server = ["--url", fake.url, "--token", fake.token]
    seen: list[tuple[str, str]] = []  # (what, text) to search

    def run(expected: int, *args: object, env: dict[str, str] | None = None) -> None:
        result = invoke(*args, env=env)
        label = " ".join(str(a) for a in args if str(a) not in secrets)
        assert result.exit_code == expected, (label, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (label, repr(result.exception))
        seen.append((label, result.stdout + result.stderr + result.output))
        if result.exception is not None:
            seen.append(
                (label + " exception", repr(result.exception) + "".join(traceback.format_exception(result.exception)))
            )

    # diff: success, drift, json, environment, token file, bad tokens
    run(0, "diff", EXPORT, *server)
    run(1, "diff", edited, *server, "--format", "json", "--show-defaults", "--orphans")
    run(1, "diff", edited, *server, "--show-defaults", "--orphans")
    run(0, "diff", EXPORT, env={"AUTHENTIK_URL": fake.url, "AUTHENTIK_TOKEN": fake.token})
    run(0, "diff", EXPORT, "--url", fake.url, "--token-file", token_file, "--target-version", "auto")
    run(2, "diff", EXPORT, "--url", fake.url, "--token", wrong)
    run(2, "diff", EXPORT, "--url", fake.url, "--token", fake.limited_token)
    # pull (the default flow as a real server holds it: its stages' own fields, its policies)
    from tests.pull_support import give_real_default_flow

    give_real_default_flow(fake)
    run(0, "pull", *server, "--with-flows", "--out", work / "pulled")
    run(0, "pull", *server, "--name", "lint-good-validate", "--out", work / "one")
    run(1, "pull", *server, "--name", "no-such-stage", "--out", work / "none")
    # apply: plan, partial failure, prune
    run(0, "apply", edited, *server)
    run(1, "apply", edited, *server, "--yes")
    run(1, "apply", edited, *server, "--yes", "--prune")
    # connection refused, on every command
    refused = ["--url", f"http://127.0.0.1:{closed_port()}", "--token", fake.token, "--retries", "1"]
    run(2, "diff", EXPORT, *refused)
    run(2, "pull", *refused, "--out", work / "refused")
    run(2, "apply", EXPORT, *refused, "--yes")
    # a 500 on reads, then on writes
    fake.faults.status(500, times=None, path=ALL_STAGES)
    run(2, "diff", EXPORT, *server)
    run(2, "pull", *server, "--out", work / "failed")
    run(2, "apply", edited, *server, "--yes")
    fake.faults.clear()
    fake.faults.status(500, times=None, method="POST")
    fake.faults.status(500, times=None, method="PATCH")
    run(1, "apply", edited, *server, "--yes")
    fake.faults.clear()
    # dropped connections on reads and writes
    fake.faults.drop(times=None, method="GET", path=VALIDATE)
    run(2, "diff", EXPORT, *server, "--retries", "1")
    fake.faults.clear()
    fake.faults.drop(times=None, method="POST")
    run(1, "apply", edited, *server, "--yes")
    fake.faults.clear()
    # refusals before connecting
    run(2, "diff", EXPORT, "--url", "http://10.255.255.1", "--token", fake.token)
    run(2, "pull", "--url", "http://10.255.255.1", "--token", fake.token, "--out", work / "remote")

    # a real process, with the token in its environment
    env = {**os.environ, "AUTHENTIK_URL": fake.url, "AUTHENTIK_TOKEN": fake.token, "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)
    for args, expected in (
        (["diff", str(EXPORT)], 1),
        (["pull", "--with-flows", "--out", str(work / "subprocess")], 0),
    ):
        process = subprocess.run(
            [sys.executable, "-m", "avlint", *args], capture_output=True, text=True, env=env, cwd=work, timeout=120
        )
        assert process.returncode == expected, process.stderr
        seen.append((" ".join(args), process.stdout + process.stderr))
    fake.faults.status(500, times=None, path=FLOWS)
    process = subprocess.run(
        [sys.executable, "-m", "avlint", "diff", str(EXPORT), "--retries", "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=120,
    )
    assert process.returncode == 2 and "HTTP 500" in process.stderr
    seen.append(("subprocess 500", process.stdout + process.stderr))
    fake.faults.clear()

    # the library's own errors
    for token, path in (
        (wrong, "/flows/instances/"),
        (fake.limited_token, "/flows/bindings/"),
        (fake.token, "/no/such/endpoint/"),
    ):
        try:
            use(make_connection(fake.url, token, environ={}), lambda c, p=path: c.list_all(p))
        except ApiError as error:
            seen.append((f"ApiError {path}", f"{error!s} {error!r} {error.body!r} {error.args!r}"))
        else:
            pytest.fail(f"listing {path} should have failed")
    try:
        use(
            make_connection(f"http://127.0.0.1:{closed_port()}", fake.token, max_retries=0, environ={}),
            lambda c: c.version(),
        )
    except ApiError as error:
        seen.append(("refused", f"{error!s} {error!r} {error.__cause__!r} {error.__context__!r}"))
    for bad_url in ("http://10.255.255.1", "gopher://x"):
        try:
            make_connection(bad_url, fake.token, environ={})
        except ConnectionError_ as error:
            seen.append(("refusal", f"{error!s} {error!r}"))
    seen.append(("connection repr", repr(make_connection(fake.url, fake.token, environ={}))))

    # The token was really used, and a lot was written.
    assert any(r.headers.get("authorization") == f"Bearer {fake.token}" for r in fake.requests)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != token_file]
    assert len([p for p in files if p.suffix == ".yaml"]) >= 10
    assert len(seen) > 30

    for secret in secrets:
        for label, text in seen:
            assert secret not in text, f"the token appears in: {label}"
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"the token appears in the file {path}"
        assert secret not in caplog.text, "the token appears in the logs"


# -- answers that are not the API's (issue 12 item 3) -------------------------------------------------
HOSTILE_SHAPES = {
    "a list where an object belongs": (VERSION, "[1, 2]", "GET /admin/version/"),
    "results that are not a list": (
        VALIDATE,
        '{"pagination": {"count": 1, "total_pages": 1}, "results": {}}',
        "results",
    ),
    "an item without pk": (
        VALIDATE,
        '{"pagination": {"count": 1, "total_pages": 1}, "results": [{"name": "x"}]}',
        "pk",
    ),
    "pagination as text": (VALIDATE, '{"pagination": {"count": "1", "total_pages": 1}, "results": []}', "count"),
    "fractional pagination": (
        VALIDATE,
        '{"pagination": {"count": 1, "total_pages": 1.5}, "results": []}',
        "total_pages",
    ),
    "no pagination": (VALIDATE, '{"results": []}', "pagination"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SHAPES))
def test_an_answer_of_another_shape_is_one_clear_error(fake_authentik: FakeAuthentik, case: str) -> None:
    path, body, named = HOSTILE_SHAPES[case]
    fake_authentik.faults.status(200, times=None, path=path, body=body, content_type="application/json")
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("avlint: error: GET /"), lines
    assert path.removeprefix("/api/v3") in lines[0] and named in lines[0]
    assert "unexpected answer" in lines[0] or "did not report its version" in lines[0]


def test_a_redirect_is_not_followed_and_names_where_it_led(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.redirect(302, "https://sso.example.com/login?next=/x", path=VALIDATE)
    _, error = fails(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert isinstance(error, client_module.BadAnswer)
    assert str(error).startswith(
        "GET /stages/authenticator/validate/: the server answered a redirect (HTTP 302 to https://sso.example.com/login"
    )
    assert len(records(fake_authentik, VALIDATE)) == 1  # neither followed nor retried


def test_an_html_page_with_200_is_not_json(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.html_page(path=VERSION)
    _, error = fails(connect(fake_authentik), lambda c: c.version())
    assert "GET /admin/version/: the server answered an HTML page (HTTP 200) instead of JSON" in str(error)


def test_malformed_json_is_reported_with_its_size(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.malformed_json(path=VALIDATE)
    _, error = fails(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert "GET /stages/authenticator/validate/: the server answered malformed JSON (HTTP 200, 26 bytes" in str(error)


def test_a_write_answered_with_html_is_a_bad_answer(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.html_page(path=VALIDATE, method="POST")
    _, error = fails(
        connect(fake_authentik),
        lambda c: c.write("POST", "/stages/authenticator/validate/", {"name": "x", "device_classes": ["totp"]}),
    )
    assert isinstance(error, client_module.BadAnswer) and "POST /stages/authenticator/validate/" in str(error)


# -- pages: lazy, and no more than the count allows (issue 12 item 6) ----------------------------------
def test_huge_total_pages_is_refused_after_one_request(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.huge_total_pages(10_000_000, path=VALIDATE)
    client, error = fails(connect(fake_authentik), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert str(error) == (
        "GET /stages/authenticator/validate/: the server claims 10000000 pages for 5 objects at 100 a page "
        "(at most 1); refusing to request them"
    )
    assert client.stats.requests == 1


def test_page_requests_are_created_lazily_within_the_bound(fake_authentik: FakeAuthentik, monkeypatch) -> None:
    create_stages(fake_authentik, 995)  # 1,000 stages: 10 pages
    pending = {"now": 0, "most": 0}
    real_page = Client._page

    async def counted(self: Client, path: str, params: dict) -> Any:
        pending["now"] += 1
        pending["most"] = max(pending["most"], pending["now"])
        try:
            return await real_page(self, path, params)
        finally:
            pending["now"] -= 1

    monkeypatch.setattr(Client, "_page", counted)
    _, stages = use(connect(fake_authentik, concurrency=3), lambda c: c.list_all("/stages/authenticator/validate/"))
    assert len(stages) == 1000 and len({s["pk"] for s in stages}) == 1000
    assert pending["most"] <= 3  # never a request object per page up front
    assert sorted(int(r.arg("page")) for r in records(fake_authentik, VALIDATE)) == list(range(1, 11))


# -- deadlines (issue 12 item 7) ----------------------------------------------------------------------
def test_a_body_dripping_one_byte_at_a_time_hits_the_request_deadline(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.drip(delay=0.2, path=VERSION)  # each read is quick; the whole never arrives
    started = time.monotonic()
    _, error = fails(
        connect(fake_authentik, connect_timeout=0.2, read_timeout=0.6, max_retries=0), lambda c: c.version()
    )
    assert time.monotonic() - started < 5
    assert str(error) == "GET /admin/version/: timed out: no complete answer within 0.8 seconds (after 1 attempt)"


def test_timeout_bounds_the_whole_run(fake_authentik: FakeAuthentik) -> None:
    fake_authentik.faults.latency(1.0, path="/api/v3/stages/*")
    for command in (["diff", EXPORT], ["apply", EXPORT, "--yes"], ["pull", "--out", "pulled"]):
        started = time.monotonic()
        result = invoke(*command, "--url", fake_authentik.url, "--token", fake_authentik.token, "--timeout", "0.3")
        assert time.monotonic() - started < 5
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1] == (
            "avlint: error: the run did not finish within 0.3 seconds (--timeout); nothing more was sent"
        )


def test_timeout_must_be_positive(fake_authentik: FakeAuthentik) -> None:
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--timeout", "0")
    assert result.exit_code == 2 and "--timeout" in result.stderr


# -- usage errors that used to look like network errors (issue 12 item 12, issue 14 item 6) ---------
@pytest.mark.parametrize(
    "token, message",
    [
        ("abcdefgh\nijkl", "contains a line break"),
        ("abcdefgh\r\nijkl", "contains a line break"),
        ("abcdéfgh", "contains a non-ASCII character"),
        ("abcd efgh", "contains whitespace"),
        ("abcd\x00efgh", "contains a control character"),
    ],
)
def test_a_token_no_header_can_carry_is_a_usage_error(
    fake_authentik: FakeAuthentik, tmp_path: Path, token: str, message: str
) -> None:
    for source in ("option", "file"):
        if source == "option":
            args = ["--token", token]
        else:
            (tmp_path / "token").write_text(token, encoding="utf-8")
            args = ["--token-file", tmp_path / "token"]
        for command in (["diff", EXPORT], ["apply", EXPORT], ["pull", "--out", tmp_path / "out"]):
            result = invoke(*command, "--url", fake_authentik.url, *args)
            assert result.exit_code == 2, (command, result.output)
            assert result.stderr.count("\n") == 1 and message in result.stderr
            assert token not in result.output and "abcdefgh" not in result.output
    assert len(fake_authentik.requests) == 0  # never sent, never retried


def test_a_ca_bundle_without_certificates_is_a_usage_error(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("this is not a certificate\n", encoding="utf-8")
    for url in (fake_authentik.url, "https://auth.example.com"):
        for command in (["diff", EXPORT], ["apply", EXPORT], ["pull", "--out", tmp_path / "out"]):
            result = invoke(*command, "--url", url, "--token", fake_authentik.token, "--ca-bundle", bundle)
            assert result.exit_code == 2, result.output
            assert (
                result.stderr
                == f"avlint: error: --ca-bundle {bundle} holds no usable certificate (NO_CERTIFICATE_OR_CRL_FOUND); give a PEM file of CA certificates\n"
            )
            assert "--live-file" not in result.stderr
    assert len(fake_authentik.requests) == 0


# -- redaction at the output boundary (issue 12 item 5) -----------------------------------------------
def test_redactor_masks_the_token_and_long_prefixes_only() -> None:
    from avlint.live.redact import Redactor

    token = "ak-0123456789abcdefghijklmnopqrstuvwxyz"
    redact = Redactor([token, None, ""])
    assert redact(f"Authorization: Bearer {token}.") == "Authorization: Bearer ***."
    assert redact(f"{token[:8]}|{token[:7]}|{token[:20]}X{token}{token}") == f"***|{token[:7]}|***X******"
    assert redact("nothing here") == "nothing here"
    assert Redactor(["abc"])("abc") == "abc"  # too short to be a token: would mask ordinary words


def test_a_server_error_that_echoes_the_token_is_redacted(fake_authentik: FakeAuthentik, sleeps: list[float]) -> None:
    token = fake_authentik.token
    fake_authentik.faults.echo_token(path=ALL_STAGES)
    result = invoke("diff", EXPORT, "--url", fake_authentik.url, "--token", token, "--retries", "0")
    assert result.exit_code == 2
    assert "GET /stages/all/: HTTP 500:" in result.stderr and "HTTP_AUTHORIZATION = 'Bearer ***'" in result.stderr
    assert token[:8] not in result.output


def test_spec_import_from_a_url_has_a_deadline_for_the_whole_answer(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    import avlint.spec.fetch as fetch
    from avlint.spec.errors import SchemaError

    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 0.6)
    fake_authentik.faults.status(
        200, times=None, path="/api/v3/schema/", body="{" + " " * 200 + "}", content_type="application/json"
    )
    fake_authentik.faults.drip(delay=0.1, path="/api/v3/schema/")  # each read is quick; the whole takes 20 s
    started = time.monotonic()
    with pytest.raises(SchemaError) as caught:
        fetch.read_schema(fake_authentik.url)
    assert time.monotonic() - started < 5
    assert (
        str(caught.value) == f"cannot fetch {fake_authentik.url}/api/v3/schema/: no complete answer within 0.6 seconds"
    )


def test_redacting_stream_recognises_a_token_written_in_pieces() -> None:
    import io

    from avlint.live.redact import RedactingStream, Redactor

    token = "ak-0123456789abcdefghijklmnopqrstuvwxyz"
    sink = io.StringIO()
    stream = RedactingStream(sink, Redactor([token]))
    for piece in ("value: ", token[:5], token[5:20], token[20:], "\nnext ", token[:12]):
        stream.write(piece)
    assert sink.getvalue() == "value: ***\n"  # the unfinished line waits
    stream.flush()
    assert sink.getvalue() == "value: ***\nnext ***"
