"""Every hostile behaviour of the fake authentik against every live command (issue 12).

Whatever the server (or a proxy in its place) does, `diff`, `apply`, `pull` and `graph --url` end with exit
code 1 or 2, never a traceback, with one error line that names the endpoint, and the API token
appears in no output and no written file. The README's reliability section quotes the counts
this module asserts (`HOSTILE` behaviours x `COMMANDS`, plus every behaviour on apply's writes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.fake_authentik import FakeAuthentik

VALIDATE = "/api/v3/stages/authenticator/validate/"
ENDPOINT = "/stages/authenticator/validate/"
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
# Short bounds keep the matrix fast: a deadline of 0.3 + 1.2 seconds per request (room for a
# busy machine's honest answers), no retries (tested on their own in test_live_client.py).
FAST = ["--retries", "0", "--connect-timeout", "0.3", "--read-timeout", "1.2"]
NEW_STAGE = f"""\
version: 1
metadata:
  name: hostile
entries:
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-hostile-mfa
  attrs:
    device_classes: [totp]
"""

HOSTILE: dict[str, Callable[..., object]] = {
    "latency beyond the deadline": lambda faults, **where: faults.latency(2.5, **where),
    "429 without end": lambda faults, **where: faults.rate_limit(times=None, retry_after=0, **where),
    "500": lambda faults, **where: faults.status(500, times=None, **where),
    "503": lambda faults, **where: faults.status(503, times=None, **where),
    "dropped connection": lambda faults, **where: faults.drop(times=None, **where),
    "slow body": lambda faults, **where: faults.slow_body(chunk_size=64, delay=0.5, **where),
    "HTML page with 200": lambda faults, **where: faults.html_page(**where),
    "redirect": lambda faults, **where: faults.redirect(**where),
    "malformed JSON": lambda faults, **where: faults.malformed_json(**where),
    "huge total_pages": lambda faults, **where: faults.huge_total_pages(**where),
    "item without pk": lambda faults, **where: faults.rewrite(_strip_pks, **where),
    "500 echoing the token": lambda faults, **where: faults.echo_token(**where),
    "drip-feed": lambda faults, **where: faults.drip(delay=0.3, **where),
}
COMMANDS = ("diff", "apply", "pull", "graph")
# On a write, these two deliver the server's answer too late: the object was created, and apply
# says so after looking it up (exit 0, one note naming the endpoint) instead of failing.
RECOVERED_WRITES = {"slow body", "drip-feed"}


def _strip_pks(body: object) -> object:
    if isinstance(body, dict):
        for item in body.get("results", []) if isinstance(body.get("results"), list) else []:
            item.pop("pk", None)
        body.pop("pk", None)
    return body


def _run(fake: FakeAuthentik, folder: Path, command: str) -> object:
    blueprint = folder / "hostile.yaml"
    blueprint.write_text(NEW_STAGE, encoding="utf-8")
    args = {
        "diff": ["diff", str(blueprint)],
        "apply": ["apply", str(blueprint), "--yes"],
        "pull": ["pull", "--out", str(folder / "pulled")],
        "graph": ["graph", str(blueprint), "--format", "svg", "--output", str(folder / "drift.svg")],
    }[command]
    return CliRunner().invoke(cli, [*args, "--url", fake.url, "--token", fake.token, *FAST])


def _check(result: object, fake: FakeAuthentik, folder: Path, label: str, recovered: bool = False) -> None:
    token = fake.token
    exit_code = result.exit_code  # type: ignore[attr-defined]
    exception = result.exception  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    output: str = result.output  # type: ignore[attr-defined]
    assert exit_code in ((0,) if recovered else (1, 2)), (label, output)
    assert exception is None or isinstance(exception, SystemExit), (label, repr(exception))
    assert "Traceback" not in output, label
    told = " note: " if recovered else " error: "
    errors = [line for line in stderr.splitlines() if told in line or line.startswith("avlint: error:")]
    assert len(errors) == 1, (label, stderr)
    assert ENDPOINT in errors[0], (label, errors[0])
    assert token[:8] not in output, (label, "the token is in the output")
    for path in folder.rglob("*"):
        if path.is_file():
            assert token[:8].encode() not in path.read_bytes(), (label, path)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("behaviour", sorted(HOSTILE))
def test_a_hostile_server_on_reads(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behaviour: str, command: str
) -> None:
    monkeypatch.delenv("AUTHENTIK_TOKEN", raising=False)
    HOSTILE[behaviour](fake_authentik.faults, path=VALIDATE, method="GET")
    result = _run(fake_authentik, tmp_path, command)
    _check(result, fake_authentik, tmp_path, f"{behaviour} x {command}")
    assert not (tmp_path / "pulled").exists() or not any((tmp_path / "pulled").iterdir())  # no partial pull


@pytest.mark.parametrize("behaviour", sorted(set(HOSTILE) - {"huge total_pages"}))
def test_a_hostile_server_on_apply_writes(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    monkeypatch.delenv("AUTHENTIK_TOKEN", raising=False)
    HOSTILE[behaviour](fake_authentik.faults, path=VALIDATE, method="POST")
    result = _run(fake_authentik, tmp_path, "apply")
    recovered = behaviour in RECOVERED_WRITES
    _check(result, fake_authentik, tmp_path, f"{behaviour} x apply writes", recovered)
    summary = [line for line in result.stdout.splitlines() if line.startswith("Applied: ")]
    assert len(summary) == 1  # what was done is listed, whatever went wrong
    if recovered:
        assert "looked up: it was created" in result.stderr
        assert summary[0].startswith("Applied: 1 created, 0 updated, 0 deleted, 0 failed")
    assert fake_authentik.requests.wait_finished(len(fake_authentik.requests), timeout=10)
    # never two objects for one entry, however the writes went
    assert [s.name for s in fake_authentik.state.stages.values()].count("avlint-hostile-mfa") <= 1


def test_the_readme_quotes_these_counts() -> None:
    from tests.conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    reads, writes = len(HOSTILE) * len(COMMANDS), len(HOSTILE) - 1
    assert (
        f"the four endpoints `pull --with-flows` adds (the policy bindings, the policies, a policy's and a stage's own endpoint; {len(FLOW_CASES)} runs"
        in readme
    )
    assert len(FLOW_ENDPOINTS) == 4
    assert f"{len(HOSTILE)} behaviours" in readme
    assert (
        f"on their reads ({reads} runs), and {writes} of them against `apply`'s writes: {reads + writes} runs" in readme
    )


# What `pull --with-flows` reads besides the endpoints above (issue 14): the policy lists, and the
# detail endpoints of a policy type and of a stage type other than validation.
FLOW_ENDPOINTS = {
    "/api/v3/policies/bindings/": "/policies/bindings/",
    "/api/v3/policies/all/": "/policies/all/",
    "/api/v3/policies/expression/*": "/policies/expression/",
    "/api/v3/stages/password/*": "/stages/password/",
}


# A detail answer has no pagination to lie about: "huge total_pages" applies to the lists only.
FLOW_CASES = [
    (behaviour, endpoint)
    for behaviour in sorted(HOSTILE)
    for endpoint in sorted(FLOW_ENDPOINTS)
    if not (behaviour == "huge total_pages" and endpoint.endswith("*"))
]


@pytest.mark.parametrize(("behaviour", "endpoint"), FLOW_CASES)
def test_a_hostile_server_on_what_pull_with_flows_reads(
    fake_authentik: FakeAuthentik, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behaviour: str, endpoint: str
) -> None:
    from tests.pull_support import give_real_default_flow

    monkeypatch.delenv("AUTHENTIK_TOKEN", raising=False)
    give_real_default_flow(fake_authentik)
    HOSTILE[behaviour](fake_authentik.faults, path=endpoint, method="GET")
    out = tmp_path / "pulled"
    result = CliRunner().invoke(
        cli,
        [
            "pull",
            "--with-flows",
            "--out",
            str(out),
            "--url",
            fake_authentik.url,
            "--token",
            fake_authentik.token,
            *FAST,
        ],
    )
    label = f"{behaviour} x pull --with-flows on {endpoint}"
    assert result.exit_code in (1, 2), (label, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (label, repr(result.exception))
    errors = [line for line in result.stderr.splitlines() if line.startswith("avlint: error:")]
    assert len(errors) == 1, (label, result.stderr)
    assert FLOW_ENDPOINTS[endpoint] in errors[0], (label, errors[0])
    assert fake_authentik.token[:8] not in result.output, label
    assert not out.exists() or not any(out.iterdir()), label  # nothing written
