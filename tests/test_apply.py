"""`avlint apply`: the plan without --yes, then creates (POST), minimal patches (PATCH), deletes
only with --prune, failures mapped back to file positions, idempotence, convergence after an
interrupted run and bounded concurrency, all checked in the fake authentik's request log.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.live.connection import make_connection
from tests.conftest import DATA
from tests.fake_authentik import FakeAuthentik, seed

EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW_MODEL = "authentik_flows.flow"
BINDING_MODEL = "authentik_flows.flowstagebinding"
VALIDATE = "/api/v3/stages/authenticator/validate/"
FLOWS = "/api/v3/flows/instances/"
BINDINGS = "/api/v3/flows/bindings/"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
BINDING_30_PK = "153a38fd-130c-4018-9944-2628067db699"
LINT_GOOD_PK = "56ced7c7-6c7e-4717-9751-0e07e6d477e3"
LINT_BP_GOOD_PK = "26f7a1d6-6ce1-480b-b364-efa42038fc6f"
TOTP_SETUP_PK = "08e2f220-9a7f-40de-a915-8f5fbf95c4e3"
FIND_TOTP = (
    "!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, default-authenticator-totp-setup]]"
)

NEW_FLOW = f"""\
- id: flow
  model: {FLOW_MODEL}
  identifiers:
    slug: avlint-new-flow
  attrs:
    name: avlint new flow
    title: Sign in
    designation: authentication
- id: mfa
  model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-new-mfa
  attrs:
    not_configured_action: configure
    device_classes: [totp, webauthn]
    configuration_stages:
    - {FIND_TOTP}
- model: {BINDING_MODEL}
  identifiers:
    target: !KeyOf flow
    stage: !KeyOf mfa
    order: 10
  attrs:
    invalid_response_action: restart
"""


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The recorded server: a fresh server's defaults plus the four validation stages made by hand
    on it (``lint-good-validate`` ...), which these tests read, change and delete."""
    seed.add_hand_made_stages(fake_authentik.state)
    return fake_authentik


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def blueprint(entries: str) -> str:
    return "version: 1\nmetadata:\n  name: test\nentries:\n" + entries


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def run(fake: FakeAuthentik, command: str, *args: object):
    return CliRunner().invoke(cli, [command, *(str(a) for a in args), "--url", fake.url, "--token", fake.token])


def apply(fake: FakeAuthentik, *args: object):
    return run(fake, "apply", *args)


def settled(fake: FakeAuthentik) -> list:
    """The request log once every request has been answered (or dropped)."""
    assert fake.requests.wait_finished(len(fake.requests))
    return fake.requests.snapshot()


def writes(fake: FakeAuthentik) -> list:
    return [r for r in settled(fake) if r.method in WRITES]


def body(record) -> dict:
    return json.loads(record.body)


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of what follows `needle`."""
    index = text.index(needle) + len(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def names(fake: FakeAuthentik) -> list[str]:
    return [stage.name for stage in fake.state.stages.values()]


# -- the plan -------------------------------------------------------------------------------------------
def test_without_yes_only_the_plan_is_printed(fake_authentik: FakeAuthentik) -> None:
    absent = f"- model: {VALIDATE_MODEL}\n  state: absent\n  identifiers:\n    name: lint-good-validate\n"
    text = blueprint(NEW_FLOW + absent)
    result = apply(fake_authentik, write("plan.yaml", text), "--prune")
    assert result.exit_code == 0, result.output
    assert f'+ {FLOW_MODEL} "avlint-new-flow" (plan.yaml:5): missing on server\n' in result.stdout
    assert f'+ {VALIDATE_MODEL} "avlint-new-mfa" (plan.yaml:13): missing on server\n' in result.stdout
    assert f'- {VALIDATE_MODEL} "lint-good-validate" (plan.yaml:' in result.stdout
    assert "Drift: 3 to create, 0 to change, 1 to delete" in result.stdout
    assert "Nothing changed: run again with --yes to apply this plan." in result.stdout
    assert writes(fake_authentik) == []
    assert "avlint-new-mfa" not in names(fake_authentik) and "lint-good-validate" in names(fake_authentik)


def test_nothing_to_do_when_in_sync(fake_authentik: FakeAuthentik) -> None:
    result = apply(fake_authentik, EXPORT, "--yes", "--prune")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout
    assert writes(fake_authentik) == []


# -- creating -------------------------------------------------------------------------------------------
def test_yes_creates_flows_stages_and_bindings(fake_authentik: FakeAuthentik) -> None:
    result = apply(fake_authentik, write("new.yaml", blueprint(NEW_FLOW)), "--yes")
    assert result.exit_code == 0, result.output
    assert "Applied: 3 created, 0 updated, 0 deleted, 0 failed" in result.stdout
    posts = writes(fake_authentik)
    assert sorted(r.path for r in posts) == sorted([FLOWS, VALIDATE, BINDINGS])
    assert {r.method for r in posts} == {"POST"} and {r.status for r in posts} == {201}
    state = fake_authentik.state
    flow = state.flow_by_slug("avlint-new-flow")
    stage = state.stage_named("avlint-new-mfa")
    assert flow is not None and stage is not None
    assert body(next(r for r in posts if r.path == FLOWS)) == {
        "name": "avlint new flow",
        "title": "Sign in",
        "designation": "authentication",
        "slug": "avlint-new-flow",
    }
    assert body(next(r for r in posts if r.path == VALIDATE)) == {
        "not_configured_action": "configure",
        "device_classes": ["totp", "webauthn"],
        "configuration_stages": [TOTP_SETUP_PK],
        "name": "avlint-new-mfa",
    }
    binding_post = next(r for r in posts if r.path == BINDINGS)
    assert body(binding_post) == {
        "target": flow.pk,
        "stage": stage.pk,
        "order": 10,
        "invalid_response_action": "restart",
    }
    # Bindings wait for the objects they point at.
    assert all(binding_post.started >= r.finished for r in posts if r.path != BINDINGS)
    assert [(b.order, b.invalid_response_action) for b in state.bindings_of_flow(flow.pk)] == [(10, "restart")]


def test_a_second_run_does_nothing(fake_authentik: FakeAuthentik) -> None:
    path = write("new.yaml", blueprint(NEW_FLOW))
    assert apply(fake_authentik, path, "--yes").exit_code == 0
    fake_authentik.requests.clear()
    again = apply(fake_authentik, path, "--yes", "--prune")
    assert again.exit_code == 0, again.output
    assert "No drift: 0 to create, 0 to change, 0 to delete; 3 in sync." in again.stdout
    assert writes(fake_authentik) == []
    assert run(fake_authentik, "diff", path).exit_code == 0


# -- updating -------------------------------------------------------------------------------------------
def test_updates_patch_only_the_changed_fields(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: lint-bp-good-validate
  attrs:
    not_configured_action: skip
    device_classes: [webauthn, totp, static]
    last_auth_threshold: hours=2
    webauthn_user_verification: required
- model: {FLOW_MODEL}
  identifiers:
    slug: default-authentication-flow
  attrs:
    name: Welcome to authentik!
    title: Welcome back
- model: {BINDING_MODEL}
  identifiers:
    pk: {BINDING_30_PK}
  attrs:
    order: 30
    invalid_response_action: restart
""")
    result = apply(fake_authentik, write("update.yaml", text), "--yes")
    assert result.exit_code == 0, result.output
    assert "Applied: 0 created, 3 updated, 0 deleted, 0 failed" in result.stdout
    patches = {r.path: body(r) for r in writes(fake_authentik)}
    assert {r.method for r in writes(fake_authentik)} == {"PATCH"}
    assert patches == {
        f"{VALIDATE}{LINT_BP_GOOD_PK}/": {"last_auth_threshold": "hours=2", "webauthn_user_verification": "required"},
        f"{FLOWS}default-authentication-flow/": {"title": "Welcome back"},
        f"{BINDINGS}{BINDING_30_PK}/": {"invalid_response_action": "restart"},
    }
    stage = fake_authentik.state.stages[LINT_BP_GOOD_PK]
    assert stage.fields["device_classes"] == ["totp", "static", "webauthn"]  # untouched: same set
    assert stage.fields["last_auth_threshold"] == "hours=2"
    assert run(fake_authentik, "diff", "update.yaml").exit_code == 0


def test_configure_patch_carries_the_configuration_stages(fake_authentik: FakeAuthentik) -> None:
    with fake_authentik.state.lock:
        fake_authentik.state.stages[LINT_GOOD_PK].fields["configuration_stages"] = [TOTP_SETUP_PK]
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: lint-good-validate
  attrs:
    not_configured_action: configure
    configuration_stages: [{FIND_TOTP}]
""")
    path = write("configure.yaml", text)
    plan = run(fake_authentik, "diff", path, "--format", "json")
    assert [c["field"] for c in json.loads(plan.stdout)["objects"][0]["changes"]] == ["not_configured_action"]
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 0, result.output
    (patch,) = writes(fake_authentik)
    assert (patch.method, patch.path, patch.status) == ("PATCH", f"{VALIDATE}{LINT_GOOD_PK}/", 200)
    assert body(patch) == {"not_configured_action": "configure", "configuration_stages": [TOTP_SETUP_PK]}
    assert fake_authentik.state.stages[LINT_GOOD_PK].fields["not_configured_action"] == "configure"


# -- deleting -------------------------------------------------------------------------------------------
def test_deletes_only_with_prune(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  state: absent
  identifiers:
    name: lint-good-validate
- model: {VALIDATE_MODEL}
  state: absent
  identifiers:
    name: never-existed
""")
    path = write("absent.yaml", text)
    kept = apply(fake_authentik, path, "--yes")
    assert kept.exit_code == 0, kept.output
    assert writes(fake_authentik) == []
    assert "lint-good-validate" in names(fake_authentik)
    pruned = apply(fake_authentik, path, "--yes", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "Applied: 0 created, 0 updated, 1 deleted, 0 failed" in pruned.stdout
    assert [(r.method, r.path, r.status) for r in writes(fake_authentik)] == [
        ("DELETE", f"{VALIDATE}{LINT_GOOD_PK}/", 204)
    ]
    assert "lint-good-validate" not in names(fake_authentik)
    fake_authentik.requests.clear()
    assert apply(fake_authentik, path, "--yes", "--prune").exit_code == 0
    assert writes(fake_authentik) == []


# -- failures -------------------------------------------------------------------------------------------
def test_failures_are_reported_at_their_file_position_and_the_run_goes_on(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(f"""\
- model: {VALIDATE_MODEL}
  identifiers:
    name: default-authentication-password
  attrs:
    device_classes: [totp]
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-fine
  attrs:
    device_classes: [static]
- model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-unknown-key
  attrs:
    device_classes: [webauthn]
    webauthn_allowed_device_types:
    - 4b0c1f6e-2d8a-4a3e-9b7c-0d1e2f3a4b5c
""")
    path = write("failing.yaml", text)
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 1
    assert "Applied: 1 created, 0 updated, 0 deleted, 2 failed" in result.stdout
    line, column = position(text, "    name: ")
    assert (line, column) == (7, 11)
    # a password stage holds the name (names are unique across stage types): refused before sending
    assert (
        f"failing.yaml:{line}:{column}: error: {VALIDATE_MODEL} 'default-authentication-password' not created: "
        "the name is taken by a stage of another type (authentik_stages_password.passwordstage, "
    ) in result.stderr
    line, column = position(text, "webauthn_allowed_device_types:\n    ")
    reported = [entry for entry in result.stderr.splitlines() if "avlint-unknown-key" in entry]
    assert len(reported) == 1
    assert reported[0].startswith(f"failing.yaml:{line}:{column}: error: ")
    assert "webauthn_allowed_device_types" in reported[0]
    assert "avlint-fine" in names(fake_authentik)
    assert names(fake_authentik).count("default-authentication-password") == 1
    assert "avlint-unknown-key" not in names(fake_authentik)
    assert sorted(r.status for r in writes(fake_authentik)) == [201, 400]


def test_a_server_error_on_one_object_does_not_stop_the_others(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(
        "".join(
            f"- model: {VALIDATE_MODEL}\n  identifiers:\n    name: avlint-{i}\n  attrs:\n    device_classes: [totp]\n"
            for i in range(4)
        )
    )
    fake_authentik.faults.status(503, times=1, method="POST")
    result = apply(fake_authentik, write("four.yaml", text), "--yes")
    assert result.exit_code == 1
    assert "Applied: 3 created, 0 updated, 0 deleted, 1 failed" in result.stdout
    assert "HTTP 503" in result.stderr
    assert len(list(writes(fake_authentik))) == 4  # a 503 on a write is not blindly repeated
    assert apply(fake_authentik, "four.yaml", "--yes").exit_code == 0
    assert sorted(n for n in names(fake_authentik) if n.startswith("avlint-")) == [f"avlint-{i}" for i in range(4)]


def test_an_interrupted_run_converges_when_run_again(fake_authentik: FakeAuthentik) -> None:
    stages = "".join(
        f"- id: s{i}\n  model: {VALIDATE_MODEL}\n  identifiers:\n    name: avlint-batch-{i:02d}\n  attrs:\n    device_classes: [totp]\n"
        for i in range(10)
    )
    bindings = "".join(
        f"- model: {BINDING_MODEL}\n  identifiers:\n    target: !KeyOf flow\n    stage: !KeyOf s{i}\n    order: {i}\n"
        for i in range(10)
    )
    flow = f"- id: flow\n  model: {FLOW_MODEL}\n  identifiers:\n    slug: avlint-batch\n  attrs:\n    name: batch\n    title: batch\n    designation: authentication\n"
    path = write("batch.yaml", blueprint(flow + stages + bindings))
    # Every stage POST loses its connection (and is looked up, and sent again, and lost again).
    rule = fake_authentik.faults.drop(times=None, method="POST", path=VALIDATE)
    first = apply(fake_authentik, path, "--yes")
    assert first.exit_code == 1
    assert rule.hits == 20  # each stage: the POST, then once more after the look-up found nothing
    assert [r.status for r in writes(fake_authentik)].count(None) == 20
    assert [n for n in names(fake_authentik) if n.startswith("avlint-batch-")] == []
    assert "Applied: 1 created, 0 updated, 0 deleted, 10 failed, 10 skipped" in first.stdout
    for i in range(10):  # each binding is skipped, naming the stage entry that failed
        assert f"skipped: the entry 's{i}' it refers to failed to create" in first.stderr
    fake_authentik.faults.clear()
    second = apply(fake_authentik, path, "--yes")
    assert second.exit_code == 0, second.output
    assert sorted(n for n in names(fake_authentik) if n.startswith("avlint-batch-")) == [
        f"avlint-batch-{i:02d}" for i in range(10)
    ]
    flow_pk = fake_authentik.state.flow_by_slug("avlint-batch").pk
    bound = sorted(
        (b.order, fake_authentik.state.stages[b.stage].name) for b in fake_authentik.state.bindings_of_flow(flow_pk)
    )
    assert bound == [(i, f"avlint-batch-{i:02d}") for i in range(10)]
    fake_authentik.requests.clear()
    third = apply(fake_authentik, path, "--yes")
    assert third.exit_code == 0
    assert writes(fake_authentik) == []


def test_concurrency_option_sets_the_bound_in_flight(fake_authentik: FakeAuthentik) -> None:
    text = blueprint(
        "".join(
            f"- model: {VALIDATE_MODEL}\n  identifiers:\n    name: avlint-gentle-{i:02d}\n  attrs:\n    device_classes: [totp]\n"
            for i in range(12)
        )
    )
    fake_authentik.faults.latency(0.05, method="POST")
    result = apply(fake_authentik, write("gentle.yaml", text), "--yes", "--concurrency", "3")
    assert result.exit_code == 0, result.output
    posts = [r for r in writes(fake_authentik) if r.method == "POST"]
    assert len(posts) == 12
    assert fake_authentik.requests.max_in_flight == 3  # reached, never passed
    assert "at most 3 in flight" in result.stdout


@pytest.mark.parametrize("value", ["0", "65", "many"])
def test_concurrency_out_of_range_is_a_usage_error(fake_authentik: FakeAuthentik, value: str) -> None:
    result = run(fake_authentik, "diff", write("one.yaml", blueprint("")), "--concurrency", value)
    assert result.exit_code == 2
    assert "--concurrency" in result.stderr
    assert fake_authentik.requests.snapshot() == []


def test_200_creations_never_exceed_the_bound_in_flight(fake_authentik: FakeAuthentik) -> None:
    bound = make_connection("https://a.example.com", None, environ={}).concurrency
    text = blueprint(
        "".join(
            f"- model: {VALIDATE_MODEL}\n  identifiers:\n    name: avlint-many-{i:03d}\n  attrs:\n    device_classes: [totp]\n"
            for i in range(200)
        )
    )
    fake_authentik.faults.latency(0.02, method="POST")
    result = apply(fake_authentik, write("many.yaml", text), "--yes")
    assert result.exit_code == 0, result.output
    assert "Applied: 200 created, 0 updated, 0 deleted, 0 failed" in result.stdout
    posts = [r for r in writes(fake_authentik) if r.method == "POST"]
    assert len(posts) == 200 and {r.status for r in posts} == {201}
    assert 1 < fake_authentik.requests.max_in_flight <= bound
    assert max(r.in_flight for r in posts) <= bound
    reported = int(re.search(r"at most (\d+) in flight", result.stdout).group(1))
    assert 1 < reported <= bound
    assert len([n for n in names(fake_authentik) if n.startswith("avlint-many-")]) == 200


# -- errors ---------------------------------------------------------------------------------------------
def test_connection_and_auth_errors_exit_2(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    path = write("new.yaml", blueprint(NEW_FLOW))
    bad = CliRunner().invoke(cli, ["apply", str(path), "--yes", "--url", fake_authentik.url, "--token", "not-a-token"])
    assert bad.exit_code == 2
    assert "unknown or expired" in bad.stderr
    fake_authentik.set_limited_permissions("view")
    limited = CliRunner().invoke(
        cli, ["apply", str(path), "--yes", "--url", fake_authentik.url, "--token", fake_authentik.limited_token]
    )
    assert limited.exit_code == 2
    assert "lacks permission" in limited.stderr
    missing = apply(fake_authentik, tmp_path / "missing.yaml", "--yes")
    assert missing.exit_code == 2
    assert writes(fake_authentik) == []


# -- writes whose answer never came (issue 12 item 2) ---------------------------------------------------
ONE_STAGE = f"""\
- id: mfa
  model: {VALIDATE_MODEL}
  identifiers:
    name: avlint-lost-mfa
  attrs:
    device_classes: [totp]
"""


def posts(fake: FakeAuthentik) -> list:
    return [r for r in settled(fake) if r.method == "POST"]


def test_a_post_whose_answer_was_lost_is_looked_up_not_sent_again(fake_authentik: FakeAuthentik) -> None:
    path = write("lost.yaml", blueprint(ONE_STAGE))
    fake_authentik.faults.lose_answer(times=1, method="POST", path=VALIDATE)
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 0, result.output
    assert len(posts(fake_authentik)) == 1
    assert names(fake_authentik).count("avlint-lost-mfa") == 1
    assert (
        "lost.yaml:5: note: authentik_stages_authenticator_validate.authenticatorvalidatestage 'avlint-lost-mfa': "
        "POST /stages/authenticator/validate/: the server closed the connection without a complete response "
        "(after 1 attempt); looked up: it was created"
    ) in result.stderr.replace(":5:1:", ":5:")
    assert "Applied: 1 created, 0 updated, 0 deleted, 0 failed" in result.stdout
    # the look-up is a read of the list after the POST
    log = settled(fake_authentik)
    post_index = next(i for i, r in enumerate(log) if r.method == "POST")
    assert any(r.method == "GET" and r.path == VALIDATE for r in log[post_index + 1 :])


def test_a_post_answered_too_late_is_looked_up(fake_authentik: FakeAuthentik) -> None:
    path = write("late.yaml", blueprint(ONE_STAGE))
    fake_authentik.faults.late_answer(4.0, times=1, method="POST", path=VALIDATE)
    result = apply(fake_authentik, path, "--yes", "--read-timeout", "1", "--connect-timeout", "0.5")
    assert result.exit_code == 0, result.output
    assert "timed out waiting for the response (after 1 attempt); looked up: it was created" in result.stderr
    assert len(posts(fake_authentik)) == 1 and names(fake_authentik).count("avlint-lost-mfa") == 1


def test_a_dropped_post_that_created_nothing_is_sent_again_once(fake_authentik: FakeAuthentik) -> None:
    path = write("dropped.yaml", blueprint(ONE_STAGE))
    fake_authentik.faults.drop(times=1, method="POST", path=VALIDATE)
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 0, result.output
    assert "looked up: it was not created; sent again: created" in result.stderr
    assert len(posts(fake_authentik)) == 2 and names(fake_authentik).count("avlint-lost-mfa") == 1


def test_a_write_that_may_have_happened_is_not_reported_as_plain_failure(fake_authentik: FakeAuthentik) -> None:
    path = write("dropped.yaml", blueprint(ONE_STAGE))
    fake_authentik.faults.drop(times=None, method="POST", path=VALIDATE)
    # the plan's own read of the list passes; the look-up after the lost POST fails
    fake_authentik.faults.status(500, times=None, method="GET", path=VALIDATE).after = 1
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 1
    assert "the object may have been created, and looking it up failed too" in result.stderr


# -- bindings of stages that failed (issue 12 item 2) -----------------------------------------------------
def test_a_binding_whose_stage_failed_to_create_is_skipped_with_the_reason(fake_authentik: FakeAuthentik) -> None:
    taken = NEW_FLOW.replace("name: avlint-new-mfa", "name: default-authentication-password")  # a password stage's
    path = write("taken.yaml", blueprint(taken))
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 1
    assert "not created: the name is taken by a stage of another type" in result.stderr
    line = taken.splitlines().index(f"- model: {BINDING_MODEL}") + 5
    assert (
        f"taken.yaml:{line}:1: error: {BINDING_MODEL} 'order 10' skipped: the entry 'mfa' it refers to failed to create"
    ) in result.stderr
    assert "Applied: 1 created, 0 updated, 0 deleted, 1 failed, 1 skipped" in result.stdout
    assert [r.path for r in writes(fake_authentik)] == [FLOWS]  # neither the stage nor its binding was sent


# -- an answer that is not the API's stops the run (issue 12 item 3) -----------------------------------
def test_a_bad_answer_stops_apply_and_the_summary_says_what_was_done(fake_authentik: FakeAuthentik) -> None:
    path = write("new.yaml", blueprint(NEW_FLOW))
    fake_authentik.faults.html_page(times=None, method="POST", path=VALIDATE)
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 2
    assert "Applied: 1 created, 0 updated, 0 deleted, 0 failed, 1 not attempted" in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "avlint: error: POST /stages/authenticator/validate/: the server answered an HTML page (HTTP 200) instead "
        "of JSON; check --url (a login proxy or another service in front of authentik?)"
    )
    assert [r.path for r in writes(fake_authentik)] == [FLOWS, VALIDATE]


def test_the_run_deadline_during_apply_still_lists_what_was_done(fake_authentik: FakeAuthentik) -> None:
    path = write("new.yaml", blueprint(NEW_FLOW))
    fake_authentik.faults.latency(10.0, method="POST", path=VALIDATE)
    result = apply(fake_authentik, path, "--yes", "--timeout", "4")
    assert result.exit_code == 2
    assert (
        "Applied: 1 created, 0 updated, 0 deleted, 0 failed, 1 unknown (no answer yet when the run stopped)"
        in result.stdout
    )
    assert result.stderr.splitlines()[-1] == (
        "avlint: error: the run did not finish within 4 seconds (--timeout); nothing more was sent"
    )


def test_a_binding_whose_stage_the_server_rejected_is_skipped(fake_authentik: FakeAuthentik) -> None:
    path = write("rejected.yaml", blueprint(NEW_FLOW))
    fake_authentik.faults.status(
        400, method="POST", path=VALIDATE, body='{"device_classes": ["Not allowed."]}', content_type="application/json"
    )
    result = apply(fake_authentik, path, "--yes")
    assert result.exit_code == 1
    assert "device_classes: Not allowed." in result.stderr
    assert "skipped: the entry 'mfa' it refers to failed to create" in result.stderr
    assert "Applied: 1 created, 0 updated, 0 deleted, 1 failed, 1 skipped" in result.stdout
    assert [r.path for r in writes(fake_authentik)] == [FLOWS, VALIDATE]
