"""Named contexts (issue 14 item 4 and its bad input): a contexts file naming many servers,
`--context NAME` on the live commands, and `diff` against several servers at once."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.live.contexts import ContextError, normalised_url, parse_contexts
from tests.conftest import DATA
from tests.fake_authentik import FakeAuthentik

EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
VERSION = "/api/v3/admin/version/"
CHANGED = ("not_configured_action: skip", "not_configured_action: deny")
PROD_TOKEN = "PROD_TOKEN"
MFA_PK = "0f8a4b41-0608-487d-82d3-6c2e8eb7738e"
STAGING_TOKEN = "STAGING_TOKEN"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "AVLINT_CONTEXTS", "NO_COLOR", PROD_TOKEN, STAGING_TOKEN):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # never the user's own file
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def second_authentik():
    """Another fake server, so that a run can reach two."""
    with FakeAuthentik() as fake:
        yield fake


def invoke(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)


def write_contexts(text: str, name: str = "contexts.yaml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def private_token_file(token: str, name: str = "token") -> Path:
    path = Path(name).resolve()
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def two_servers(first: FakeAuthentik, second: FakeAuthentik) -> Path:
    private_token_file(second.token, "staging.token")
    return write_contexts(
        f"contexts:\n"
        f"  prod:\n    url: {first.url}\n    token_env: {PROD_TOKEN}\n"
        f"  staging:\n    url: {second.url}\n    token_file: staging.token\n"
    )


def changed_export() -> Path:
    old, new = CHANGED
    path = Path("changed.yaml")
    path.write_text(EXPORT.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def error_of(text: str) -> str:
    with pytest.raises(ContextError) as caught:
        parse_contexts(text, "ctx.yaml")
    return str(caught.value)


# -- the file format ----------------------------------------------------------------------------------
def test_a_contexts_file_is_read_with_every_setting(tmp_path: Path) -> None:
    found = parse_contexts(
        "contexts:\n"
        "  prod:\n"
        "    url: https://auth.example.com\n"
        "    token_env: AUTHENTIK_PROD_TOKEN\n"
        "    ca_bundle: certs/ca.pem\n"
        "    connect_timeout: 2\n"
        "    read_timeout: 10.5\n"
        "    timeout: 60\n"
        "    retries: 0\n"
        "    concurrency: 8\n"
        "  lab:\n"
        "    url: http://lab.internal:9000\n"
        "    token_file: /run/secrets/lab\n"
        "    insecure: true\n"
        "    allow_http: true\n",
        str(tmp_path / "ctx.yaml"),
    )
    prod, lab = found.contexts["prod"], found.contexts["lab"]
    assert (prod.url, prod.token_env, prod.token_file) == ("https://auth.example.com", "AUTHENTIK_PROD_TOKEN", None)
    assert prod.ca_bundle == str(tmp_path / "certs" / "ca.pem")  # relative to the file's folder
    assert (prod.connect_timeout, prod.read_timeout, prod.timeout, prod.retries, prod.concurrency) == (
        2.0,
        10.5,
        60.0,
        0,
        8,
    )
    assert (lab.token_file, lab.insecure, lab.allow_http) == ("/run/secrets/lab", True, True)
    assert prod.where == f"{tmp_path / 'ctx.yaml'}:2:3"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token: ak-secret-value\n",
            "ctx.yaml:4:5: context 'prod': an inline 'token' is not allowed: a contexts file is shared and committed",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n    timout: 5\n",
            "ctx.yaml:5:5: context 'prod': unknown setting 'timout' (did you mean 'timeout'?)",
        ),
        ("contexts:\n  prod:\n    token_env: T\n", "ctx.yaml:2:3: context 'prod' has no 'url'"),
        ("contexts:\n  prod:\n    url: https://a.example.com\n", "ctx.yaml:2:3: context 'prod' needs exactly one of"),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n    token_file: t\n",
            "ctx.yaml:2:3: context 'prod' needs exactly one of",
        ),
        (
            "contexts:\n  prod:\n    url: ftp://a.example.com\n    token_env: T\n",
            "ctx.yaml:3:10: context 'prod': 'url' must be the http(s) URL of an authentik server",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com:https\n    token_env: T\n",
            "ctx.yaml:3:10: context 'prod': 'url' must be the http(s) URL of an authentik server",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: 'not a name'\n",
            "ctx.yaml:4:16: context 'prod': 'token_env' must name an environment variable",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n    timeout: -1\n",
            "ctx.yaml:5:14: context 'prod': 'timeout' must be a positive number of seconds, not -1",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n    concurrency: 0\n",
            "ctx.yaml:5:18: context 'prod': 'concurrency' must be a whole number from 1 to 64, not 0",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n    insecure: 'yes'\n",
            "ctx.yaml:5:15: context 'prod': 'insecure' must be true or false, not 'yes'",
        ),
        (
            "contexts:\n  prod:\n    url: https://a.example.com\n    token_env: T\n"
            "  prod:\n    url: https://b.example.com\n    token_env: T\n",
            "ctx.yaml:5:3: 'prod' is given twice",
        ),
        (
            "contexts:\n  prod:\n    url: !Env URL\n    token_env: T\n",
            "ctx.yaml:3:10: the tag !Env is not allowed here",
        ),
        ("contexts:\n  'a b':\n    url: https://a.example.com\n", "ctx.yaml:2:3: context name 'a b'"),
        ("servers:\n  prod: {}\n", "ctx.yaml:1:1: unknown key 'servers': the contexts file holds only 'contexts'"),
        ("- prod\n", "ctx.yaml:1:1: the contexts file must be a mapping with the key 'contexts'"),
        ("contexts: [prod]\n", "ctx.yaml:1:11: 'contexts' must map context names to their settings"),
        ("contexts:\n  prod: [1\n", "ctx.yaml:3:1: while parsing a flow sequence"),
    ],
)
def test_a_wrong_contexts_file_is_an_error_at_its_position(text: str, message: str) -> None:
    assert error_of(text).startswith(message)


def test_an_inline_token_is_a_usage_error_that_never_shows_it(fake_authentik: FakeAuthentik) -> None:
    write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token: {fake_authentik.token}\n")
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod")
    assert result.exit_code == 2
    assert result.stderr.startswith("avlint: error: contexts.yaml:4:5: context 'prod': an inline 'token'")
    assert fake_authentik.token not in result.output
    assert len(fake_authentik.requests) == 0


def test_where_the_contexts_file_is_found(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    body = f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n"
    # No file anywhere: the message says where one is looked for.
    result = invoke("diff", EXPORT, "--context", "prod")
    assert result.exit_code == 2
    default = tmp_path / "config" / "avlint" / "contexts.yaml"
    assert f"no contexts file: --context needs one; write {default}" in result.stderr
    # The user's default, under XDG_CONFIG_HOME.
    default.parent.mkdir(parents=True)
    default.write_text(body, encoding="utf-8")
    assert invoke("diff", EXPORT, "--context", "prod").exit_code == 0
    # AVLINT_CONTEXTS beats the default, --contexts-file beats both.
    default.write_text("contexts: {}\n", encoding="utf-8")
    write_contexts(body, "team.yaml")
    assert invoke("diff", EXPORT, "--context", "prod").exit_code == 2
    assert invoke("diff", EXPORT, "--context", "prod", env={"AVLINT_CONTEXTS": "team.yaml"}).exit_code == 0
    result = invoke(
        "diff", EXPORT, "--context", "prod", "--contexts-file", "missing.yaml", env={"AVLINT_CONTEXTS": "team.yaml"}
    )
    assert result.exit_code == 2 and result.stderr == "avlint: error: contexts file missing.yaml does not exist\n"


# -- bad input: token files, unknown names, one server twice -----------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_token_file_others_may_read_is_refused_unread(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    token_file = private_token_file(fake_authentik.token)
    token_file.chmod(mode)
    write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_file: token\n")
    read: list[str] = []
    import avlint.live.connection as connection

    real = connection.read_bytes
    monkeypatch.setattr(connection, "read_bytes", lambda path, *a, **k: read.append(path) or real(path, *a, **k))
    for command in (["diff", EXPORT], ["apply", EXPORT], ["pull", "--out", "pulled"], ["graph", EXPORT]):
        result = invoke(*command, "--contexts-file", "contexts.yaml", "--context", "prod")
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr == (
            f"avlint: error: contexts.yaml:4:17: context 'prod': token file token has mode {mode:04o}, so "
            "others may read it; it was not read. Make it private to you: chmod 600 token\n"
        )
        assert fake_authentik.token not in result.output
    assert read == []  # never opened
    assert len(fake_authentik.requests) == 0
    assert not Path("pulled").exists()


def test_a_token_file_owned_by_someone_else_is_refused(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = private_token_file(fake_authentik.token)
    write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_file: token\n")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(token_file).st_uid + 1)
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod")
    assert result.exit_code == 2
    assert result.stderr == (
        f"avlint: error: contexts.yaml:4:17: context 'prod': token file token is owned by uid "
        f"{os.stat(token_file).st_uid}, not by you; it was not read\n"
    )
    assert len(fake_authentik.requests) == 0


def test_a_private_token_file_is_used(fake_authentik: FakeAuthentik) -> None:
    private_token_file(fake_authentik.token).chmod(0o400)  # stricter than 0600 is fine
    write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_file: token\n")
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod")
    assert result.exit_code == 0, result.output
    assert all(r.headers.get("authorization") == f"Bearer {fake_authentik.token}" for r in fake_authentik.requests)


def test_an_unknown_context_lists_the_known_ones(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik
) -> None:
    two_servers(fake_authentik, second_authentik)
    for command in (["diff", EXPORT], ["pull", "--out", "pulled"], ["apply", EXPORT]):
        result = invoke(*command, "--contexts-file", "contexts.yaml", "--context", "stagng")
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            "avlint: error: unknown context 'stagng' (did you mean 'staging'?); "
            "known contexts in contexts.yaml: prod, staging\n"
        )
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", "--context", "qa")
    assert result.exit_code == 2
    assert result.stderr == "avlint: error: unknown context 'qa'; known contexts in contexts.yaml: prod, staging\n"
    assert len(fake_authentik.requests) == len(second_authentik.requests) == 0


@pytest.mark.parametrize(
    "spelling",
    ["{url}/", "{url}/api/v3/", "{upper}", "http://localhost:{port}".replace("localhost", "127.0.0.1") + "/"],
)
def test_two_contexts_pointing_at_one_server_are_refused(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    other = spelling.format(url=fake_authentik.url, upper=fake_authentik.url.upper(), port=fake_authentik.port)
    write_contexts(
        f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n"
        f"  also-prod:\n    url: '{other}'\n    token_env: {PROD_TOKEN}\n"
    )
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", "--context", "also-prod")
    assert result.exit_code == 2
    assert result.stderr == (
        "avlint: error: contexts 'prod' (contexts.yaml:2:3) and 'also-prod' (contexts.yaml:5:3) point at one "
        f"server, {fake_authentik.url}: each server once per run (its findings would be reported twice)\n"
    )
    assert fake_authentik.token not in result.output
    assert len(fake_authentik.requests) == 0
    # Each alone is fine (a read-only and an admin token for one server may both have a name).
    assert invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "also-prod").exit_code == 0


def test_urls_are_compared_as_the_server_they_reach() -> None:
    assert normalised_url("HTTPS://Auth.Example.com:443/api/v3/") == "https://auth.example.com"
    assert normalised_url("http://auth.example.com:80") == "http://auth.example.com"
    assert normalised_url("https://auth.example.com:8443/") == "https://auth.example.com:8443"
    assert normalised_url("https://example.com/authentik/") == "https://example.com/authentik"
    assert normalised_url("http://[::1]:9000") == "http://[::1]:9000"
    assert normalised_url("https://user:secret@auth.example.com/") == "https://auth.example.com"  # never shown
    assert normalised_url("https://a.example.com") != normalised_url("http://a.example.com")


def test_a_token_variable_that_is_unset_is_a_usage_error(fake_authentik: FakeAuthentik) -> None:
    write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n")
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod")
    assert result.exit_code == 2
    assert result.stderr == (
        f"avlint: error: contexts.yaml:4:16: context 'prod': the environment variable {PROD_TOKEN} is not set (or empty)\n"
    )
    assert len(fake_authentik.requests) == 0


@pytest.mark.parametrize("source", ["env", "file"])
def test_a_context_token_with_a_line_break_is_a_usage_error(fake_authentik: FakeAuthentik, source: str) -> None:
    token = "abcdefgh\nijklmnop"
    if source == "env":
        write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n")
        env = {PROD_TOKEN: token}
    else:
        Path("token").write_text("abcdefgh\nijklmnop\n", encoding="utf-8")
        Path("token").chmod(0o600)
        write_contexts(f"contexts:\n  prod:\n    url: {fake_authentik.url}\n    token_file: token\n")
        env = {}
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("avlint: error: context 'prod': ") and "contains a line break" in result.stderr
    assert "abcdefgh" not in result.output
    assert len(fake_authentik.requests) == 0  # never sent, never retried


def test_context_and_url_exclude_each_other(fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik) -> None:
    two_servers(fake_authentik, second_authentik)
    for option in (["--url", fake_authentik.url], ["--token", "x" * 20], ["--insecure"], ["--token-file", "t"]):
        result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", *option)
        assert result.exit_code == 2
        assert f"--context and {option[0]} exclude each other" in result.output
    result = invoke("diff", EXPORT, "--context", "prod", "--live-file", "x.json")
    assert result.exit_code == 2 and "--live-file and --context exclude each other" in result.output
    assert len(fake_authentik.requests) == 0


def test_authentik_url_and_token_in_the_environment_are_set_aside(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik
) -> None:
    two_servers(fake_authentik, second_authentik)
    env = {"AUTHENTIK_URL": second_authentik.url, "AUTHENTIK_TOKEN": second_authentik.token}
    result = invoke(
        "diff",
        EXPORT,
        "--contexts-file",
        "contexts.yaml",
        "--context",
        "prod",
        env={**env, PROD_TOKEN: fake_authentik.token},
    )
    assert result.exit_code == 0, result.output
    assert len(second_authentik.requests) == 0  # the context's server, with the context's token
    assert {r.headers.get("authorization") for r in fake_authentik.requests} == {f"Bearer {fake_authentik.token}"}


# -- diff against several servers --------------------------------------------------------------------------
def test_diff_checks_each_server_in_its_own_section(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    with second_authentik.state.lock:  # staging has drifted: its MFA stage denies
        second_authentik.state.stages[MFA_PK].fields["not_configured_action"] = "deny"
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", "--context", "staging")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(
        f"== prod ({fake_authentik.url}) ==\nNo drift: 0 to create, 0 to change, 0 to delete; 6 in sync.\n\n"
        f"== staging ({second_authentik.url}) ==\n"
    )
    staging = result.stdout.split("== staging")[1]
    assert '    not_configured_action: "deny" -> "skip"\n' in staging
    assert result.stdout.endswith("\n2 servers: 1 in sync, 1 with drift, 0 not checked.\n")
    assert result.stderr == ""
    for fake in (fake_authentik, second_authentik):
        assert len([r for r in fake.requests if r.path == VERSION]) == 1
        assert all(r.method == "GET" for r in fake.requests)


def test_diff_json_has_one_object_per_context(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    second_authentik.faults.status(500, times=None, path="/api/v3/flows/bindings/")
    result = invoke(
        "diff", changed_export(), "--contexts-file", "contexts.yaml", "--context", "staging", "--context", "prod",
        "--format", "json", "--retries", "0",
    )  # fmt: skip
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["version"] == 1
    staging, prod = document["contexts"]
    assert set(staging) == {"context", "url", "exit", "error"}  # no plan for a server that failed
    assert (staging["context"], staging["url"], staging["exit"]) == ("staging", second_authentik.url, 2)
    assert staging["error"].startswith("GET /flows/bindings/: HTTP 500")
    assert (prod["context"], prod["url"], prod["exit"], prod["release"], prod["drift"]) == (
        "prod",
        fake_authentik.url,
        1,
        "2025.12",
        True,
    )
    assert prod["summary"]["change"] == 1
    assert result.stderr.startswith("avlint: error: context 'staging': GET /flows/bindings/: HTTP 500")


def test_a_server_that_fails_does_not_stop_the_others(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_live_client import closed_port

    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    monkeypatch.setenv(STAGING_TOKEN, "wrong-token-" + "7" * 20)
    write_contexts(
        f"contexts:\n"
        f"  down:\n    url: http://127.0.0.1:{closed_port()}\n    token_env: {PROD_TOKEN}\n    retries: 0\n"
        f"  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n"
        f"  wrong:\n    url: {second_authentik.url}\n    token_env: {STAGING_TOKEN}\n"
    )
    result = invoke(
        "diff",
        EXPORT,
        "--contexts-file",
        "contexts.yaml",
        "--context",
        "down",
        "--context",
        "prod",
        "--context",
        "wrong",
    )
    assert result.exit_code == 2  # the worst of 2, 0 and 2
    sections = result.stdout.split("\n\n")
    assert (
        sections[0].startswith("== down (http://127.0.0.1:")
        and "Not checked: GET /admin/version/: could not connect (after 1 attempt)" in sections[0]  # `retries: 0`
    )
    assert (
        sections[1] == f"== prod ({fake_authentik.url}) ==\nNo drift: 0 to create, 0 to change, 0 to delete; 6 in sync."
    )
    assert sections[2] == (
        f"== wrong ({second_authentik.url}) ==\nNot checked: GET /admin/version/: the token is unknown or expired"
    )
    assert sections[3] == "3 servers: 1 in sync, 0 with drift, 2 not checked.\n"
    assert result.stderr.count("avlint: error: context ") == 2
    assert "wrong-token-" not in result.output and fake_authentik.token not in result.output


def test_servers_are_checked_concurrently_each_within_its_own_deadline(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    private_token_file(second_authentik.token, "staging.token")
    write_contexts(
        f"contexts:\n"
        f"  prod:\n    url: {fake_authentik.url}\n    token_env: {PROD_TOKEN}\n"
        f"  slow:\n    url: {second_authentik.url}\n    token_file: staging.token\n    timeout: 1\n"
    )
    fake_authentik.faults.latency(0.4, path="/api/v3/*")
    second_authentik.faults.latency(5, path="/api/v3/flows/*")
    started = time.monotonic()
    result = invoke("diff", EXPORT, "--contexts-file", "contexts.yaml", "--context", "prod", "--context", "slow")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert "== prod" in result.stdout and "No drift" in result.stdout
    assert "Not checked: the run did not finish within 1 seconds (--timeout)" in result.stdout
    assert elapsed < 4  # the slow server's deadline, not its 5 s answers, nor one server after the other
    # Both servers were asked at the same time: the slow server's flow list was out while the
    # other server answered (one after the other, it would have started after them all).
    assert fake_authentik.requests.wait_finished(len(fake_authentik.requests))
    (hanging,) = [r for r in second_authentik.requests if r.path == "/api/v3/flows/instances/"]
    until = hanging.finished or float("inf")  # still being served (5 s) when the run ended
    assert any(r.started < until and hanging.started < (r.finished or 0) for r in fake_authentik.requests)


def test_command_line_timeouts_apply_to_every_context(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    fake_authentik.faults.latency(3, path="/api/v3/*")
    second_authentik.faults.latency(3, path="/api/v3/*")
    started = time.monotonic()
    result = invoke(
        "diff",
        EXPORT,
        "--contexts-file",
        "contexts.yaml",
        "--context",
        "prod",
        "--context",
        "staging",
        "--timeout",
        "0.5",
    )
    assert result.exit_code == 2 and time.monotonic() - started < 2.5
    assert result.stdout.count("Not checked: the run did not finish within 0.5 seconds") == 2


def test_no_context_token_reaches_the_output(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    second_authentik.faults.echo_token(path="/api/v3/stages/all/")  # a debug page repeating the header
    blueprint = Path("env.yaml")
    blueprint.write_text(
        "version: 1\nmetadata:\n  name: env\nentries:\n"
        "- model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
        "  identifiers:\n    name: from-env\n"
        f"  attrs:\n    device_classes: [totp]\n    not_configured_action: !Env {PROD_TOKEN}\n",
        encoding="utf-8",
    )
    outputs = []
    for output_format in ("text", "json"):
        result = invoke(
            "diff", blueprint, "--contexts-file", "contexts.yaml", "--context", "prod", "--context", "staging",
            "--format", output_format, "--retries", "0",
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        outputs.append(result.output)
    assert "resolves as unset" in outputs[0]  # `!Env PROD_TOKEN` does not hand the token to the blueprint
    assert "HTTP 500" in outputs[0]
    for text in outputs:
        assert fake_authentik.token not in text and second_authentik.token not in text
        assert fake_authentik.token[:8] not in text and second_authentik.token[:8] not in text


# -- one context on the other live commands ---------------------------------------------------------------------
def test_pull_apply_and_graph_take_one_context(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    context = ["--contexts-file", "contexts.yaml", "--context", "staging"]
    result = invoke("pull", *context, "--out", "pulled")
    assert result.exit_code == 0, result.output
    assert any(Path("pulled").glob("stage-*.yaml"))
    assert second_authentik.url in next(Path("pulled").glob("stage-*.yaml")).read_text(encoding="utf-8")
    result = invoke("apply", changed_export(), *context, "--yes")
    assert result.exit_code == 0, result.output
    assert [r.method for r in second_authentik.requests if r.method != "GET"] == ["PATCH"]
    assert len(fake_authentik.requests) == 0
    result = invoke("graph", EXPORT, *context, "--format", "svg")
    assert result.exit_code == 0, result.output
    # Several servers into one folder, or applied at once, is refused.
    result = invoke(
        "pull", "--contexts-file", "contexts.yaml", "--context", "staging", "--context", "prod", "--out", "two"
    )
    assert result.exit_code == 2 and "give one --context" in result.output and not Path("two").exists()
    result = invoke("apply", EXPORT, "--contexts-file", "contexts.yaml", "--context", "staging", "--context", "prod")
    assert result.exit_code == 2
    assert result.stderr == (
        "avlint: error: this command works on one server at a time: give one --context (only diff checks several at once)\n"
    )
    result = invoke("diff", EXPORT, *context, "--context", "prod", "--format", "html")
    assert result.exit_code == 2 and "--format html draws one server: give one --context" in result.stderr
    result = invoke("diff", changed_export(), *context, "--format", "html")
    assert result.exit_code == 0, result.output  # the apply above brought staging in line
    assert result.stdout.startswith("<!DOCTYPE html>") and "In sync with the server." in result.stdout


def test_a_context_resolves_to_its_own_connection_settings(tmp_path: Path) -> None:
    from avlint.live.contexts import resolve
    from avlint.live.server_options import ServerOptions

    token_file = private_token_file("lab-token-0123456789")
    write_contexts(
        "contexts:\n"
        "  prod:\n    url: https://auth.example.com/\n    token_env: PROD_TOKEN\n    ca_bundle: ca.pem\n"
        "    connect_timeout: 2\n    read_timeout: 9\n    timeout: 60\n    retries: 1\n    concurrency: 4\n"
        "  lab:\n    url: http://lab.internal:9000\n    token_file: token\n    insecure: true\n    allow_http: true\n"
    )
    environ = {"PROD_TOKEN": "prod-token-0123456789", "AVLINT_CONTEXTS": "contexts.yaml"}
    (_, prod), (_, lab) = resolve(ServerOptions(contexts=("prod", "lab")), environ)
    assert prod == ServerOptions(
        url="https://auth.example.com/",
        token="prod-token-0123456789",
        ca_bundle=str(Path("ca.pem")),
        connect_timeout=2.0,
        read_timeout=9.0,
        timeout=60.0,
        max_retries=1,
        concurrency=4,
        context_name="prod",
    )
    assert (lab.token, lab.token_file, lab.insecure, lab.allow_http) == (None, str(Path("token")), True, True)
    assert Path(lab.token_file or "").resolve() == token_file
    # The command line's timeouts and bounds apply to every context, over the file's.
    given = ServerOptions(contexts=("prod",), timeout=5.0, max_retries=0, concurrency=2)
    ((_, prod),) = resolve(given, environ)
    assert (prod.timeout, prod.max_retries, prod.concurrency, prod.connect_timeout) == (5.0, 0, 2, 2.0)


@pytest.mark.parametrize("kind", ["folder", "fifo", "binary"])
def test_a_contexts_file_that_is_not_a_text_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "contexts.yaml"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # reading it would block forever
    else:
        path.write_bytes(b"contexts:\n  \xff\xfe: {}\n")
    started = time.monotonic()
    result = invoke("diff", EXPORT, "--context", "prod", env={"AVLINT_CONTEXTS": str(path)})
    assert time.monotonic() - started < 10
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"avlint: error: cannot read the contexts file {path}")
    assert result.stderr.count("\n") == 1


def test_an_interrupted_diff_stops_every_server_at_once(
    fake_authentik: FakeAuthentik,
    second_authentik: FakeAuthentik,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    import avlint.live.diff_many as diff_many
    from avlint.live.command import DiffRequest
    from avlint.live.server_options import ServerOptions
    from avlint.settings_options import SettingsOptions

    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    two_servers(fake_authentik, second_authentik)
    for fake in (fake_authentik, second_authentik):
        fake.faults.latency(8, path="/api/v3/*")

    def interrupted(*_: object) -> None:
        time.sleep(0.3)  # the requests are out
        raise KeyboardInterrupt

    monkeypatch.setattr(diff_many, "load_documents", interrupted)
    request = DiffRequest(
        (str(EXPORT),),
        SettingsOptions(isolated=True),
        ServerOptions(contexts=("prod", "staging"), contexts_file="contexts.yaml"),
    )
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        diff_many.run_diff_many(request, io.StringIO(), io.StringIO())
    assert time.monotonic() - started < 3  # not the servers' 8 s, nor the 300 s deadline
    assert len(fake_authentik.requests) > 0 and len(second_authentik.requests) > 0


def test_the_readme_examples_of_contexts_files_are_valid() -> None:
    from tests.test_readme import blocks

    examples = [
        body for body in blocks("yaml") if body.lstrip().startswith(("# contexts.yaml", "# authentik/contexts"))
    ]
    assert len(examples) == 2
    for body in examples:
        found = parse_contexts(body, "README.md")
        assert found.contexts and all(context.url.startswith("http") for context in found.contexts.values())
    (shown,) = [body for body in blocks("json") if '"contexts"' in body]
    assert [entry["context"] for entry in json.loads(shown)["contexts"]] == ["prod", "lab"]


def test_a_home_relative_token_file_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    found = parse_contexts(
        "contexts:\n  prod:\n    url: https://a.example.com\n    token_file: ~/.config/avlint/prod.token\n",
        str(tmp_path / "team" / "contexts.yaml"),
    )
    assert found.contexts["prod"].token_file == str(tmp_path / "home" / ".config" / "avlint" / "prod.token")


def test_lint_looks_references_up_on_every_named_server(
    fake_authentik: FakeAuthentik, second_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint --context a --context b`: each server answers for itself, and a finding says which."""
    contexts = two_servers(fake_authentik, second_authentik)
    monkeypatch.setenv(PROD_TOKEN, fake_authentik.token)
    # A stage only the staging server holds: prod cannot resolve the !Find, staging can.
    import httpx

    headers = {"Authorization": f"Bearer {second_authentik.token}"}
    with httpx.Client(headers=headers) as client:
        answer = client.post(f"{second_authentik.api_url}/stages/authenticator/totp/", json={"name": "staging-only"})
    assert answer.status_code == 201, answer.text
    path = Path("uses.yaml")
    path.write_text(
        "version: 1\nentries:\n"
        "  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
        "    identifiers: {name: uses-staging-only}\n"
        "    attrs:\n      not_configured_action: configure\n"
        "      configuration_stages:\n"
        "        - !Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, staging-only]]\n",
        encoding="utf-8",
    )
    done = invoke(
        "lint",
        "--isolated",
        "--format",
        "json",
        "--contexts-file",
        contexts,
        "--context",
        "prod",
        "--context",
        "staging",
        path,
    )
    assert done.exit_code == 1, done.output
    found = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "AV801"]
    assert [f["message"].split(":")[0] for f in found] == ["prod"]
    assert fake_authentik.token not in done.output and second_authentik.token not in done.output
    alone = invoke("lint", "--isolated", "--contexts-file", contexts, "--context", "staging", path)
    assert alone.exit_code == 0, alone.output
    clash = invoke("lint", "--isolated", "--context", "prod", "--url", fake_authentik.url, path)
    assert clash.exit_code == 2 and "exclude each other" in clash.output
    listing = Path("stages.json")
    listing.write_text('{"pagination": {"count": 0}, "results": []}', encoding="utf-8")
    both = invoke("lint", "--isolated", "--contexts-file", contexts, "--context", "prod", "--live-file", listing, path)
    assert both.exit_code == 2 and "give either --live-file or --context, not both" in both.output
