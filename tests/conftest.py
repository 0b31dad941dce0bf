"""Shared test helpers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from avlint.engine import lint_text
from avlint.settings import Settings
from avlint.versions import resolve_release

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_configs"
DATA = Path(__file__).resolve().parent / "data"


def lint_source(text: str, *, target: str | None = None, path: str = "blueprint.yaml", **settings: object):
    """Lint text in memory and return its findings."""
    result = lint_text(path, text, Settings(release=resolve_release(target), **settings))  # type: ignore[arg-type]
    return result.findings


def lint_request(paths: tuple[str, ...], **flat: object):
    """A LintRequest from flat keywords: those that are settings options (isolated, select,
    target_version...) go into its SettingsOptions, the rest (format, output...) into the request."""
    from avlint.run import LintRequest
    from avlint.settings_options import SettingsOptions

    options = {key: flat.pop(key) for key in list(flat) if key in SettingsOptions._fields}
    return LintRequest(paths=paths, options=SettingsOptions(**options), **flat)  # type: ignore[arg-type]


def positions(findings, rule: str) -> list[list[int]]:
    return sorted([f.line, f.column] for f in findings if f.rule == rule)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise OSError(f"tests may not connect to {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def fake_authentik():
    """A fresh fake authentik 2025.12.4 server on 127.0.0.1 (free port), holding a fresh server's
    defaults (``seed.add_hand_made_stages(fake.state)`` adds the recorded server's four hand-made
    validation stages).

    Yields a ``tests.fake_authentik.FakeAuthentik``: ``.url``, ``.api_url``, ``.token``,
    ``.limited_token`` (``.set_limited_permissions("none" | "view" | "write" | codenames)``),
    ``.state``, ``.faults`` and ``.requests``.
    """
    from tests.fake_authentik import FakeAuthentik

    with FakeAuthentik() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_authentik_session():
    """One fake server for the whole session; call ``.reset()`` before relying on its state."""
    from tests.fake_authentik import FakeAuthentik

    with FakeAuthentik() as fake:
        yield fake
