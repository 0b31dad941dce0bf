"""`avlint pull --update PATH` (issue 14 item 3): the server's values written back into existing
files, the reverse of `apply`, through fix's text edits: comments and every byte outside the
changed values stay as they were, tags are never replaced, entries without a live object are
reported and left alone, and bad input (unparsable, read-only, changed during the run) writes
nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.fake_authentik import FakeAuthentik
from tests.pull_support import api

VALIDATE = "/stages/authenticator/validate/"
MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
HAND_WRITTEN = f"""\
# Our MFA, kept by hand.   A comment with  odd   spacing.
version: 1
metadata:
  name: mine  # the blueprint's name
entries:
- model: {MODEL}
  id: mfa
  identifiers:
    name: team-mfa   # the stage we own
  attrs:
    # how long a login counts
    last_auth_threshold: "hours=1"   # was one hour
    not_configured_action: skip
    device_classes:
      - totp   # keep totp
      - static
    configuration_stages: [!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, default-authenticator-totp-setup]]]
- model: {MODEL}
  identifiers:
    name: not-on-the-server
  attrs:
    not_configured_action: deny   # a new stage
"""
UPDATED = f"""\
# Our MFA, kept by hand.   A comment with  odd   spacing.
version: 1
metadata:
  name: mine  # the blueprint's name
entries:
- model: {MODEL}
  id: mfa
  identifiers:
    name: team-mfa   # the stage we own
  attrs:
    # how long a login counts
    last_auth_threshold: "minutes=30"   # was one hour
    not_configured_action: deny
    device_classes:
      # keep totp
      - webauthn
      - totp
    configuration_stages: [!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, default-authenticator-totp-setup]]]
- model: {MODEL}
  identifiers:
    name: not-on-the-server
  attrs:
    not_configured_action: deny   # a new stage
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """A fresh fake holding, besides the defaults, the validation stage these files describe."""
    body = {
        "name": "team-mfa",
        "device_classes": ["totp", "webauthn"],
        "not_configured_action": "skip",
        "last_auth_threshold": "seconds=0",
        "webauthn_user_verification": "preferred",
    }
    with api(fake_authentik) as client:
        client.post(VALIDATE, json=body).raise_for_status()
    fake_authentik.requests.clear()
    return fake_authentik


def update(fake: FakeAuthentik, *args: object) -> Any:
    """`pull --update` of each path among *args* (the others are options, passed as they are)."""
    words: list[str] = []
    for arg in args:
        words.extend(["--update", str(arg)] if isinstance(arg, Path) else [str(arg)])
    return CliRunner().invoke(cli, ["pull", *words, "--url", fake.url, "--token", fake.token])


def change_stage(fake: FakeAuthentik, name: str, **values: Any) -> None:
    pk = fake.state.stage_named(name).pk
    with api(fake) as client:
        client.patch(f"{VALIDATE}{pk}/", json=values).raise_for_status()


@pytest.fixture
def drifted(fake_authentik: FakeAuthentik, tmp_path: Path) -> Path:
    """The hand-written file, and a server whose stage differs in three fields (and has no
    configuration stages, where the file finds one by name)."""
    change_stage(
        fake_authentik,
        "team-mfa",
        last_auth_threshold="minutes=30",
        device_classes=["webauthn", "totp"],
        not_configured_action="deny",
        configuration_stages=[],
    )
    path = tmp_path / "mine.yaml"
    path.write_bytes(HAND_WRITTEN.encode("utf-8"))
    fake_authentik.requests.clear()
    return path


# -- what is written --------------------------------------------------------------------------------
def test_live_values_are_written_keeping_comments_and_every_other_byte(
    fake_authentik: FakeAuthentik, drifted: Path
) -> None:
    result = update(fake_authentik, drifted)
    assert result.exit_code == 0, result.output
    # Exactly the three values changed, in the file's own style (quotes, block list); comments
    # stay (the one inside a replaced list is moved above it, as `fix` does), nothing else moves.
    assert drifted.read_bytes() == UPDATED.encode("utf-8")
    assert "Updated 1 file." in result.stdout
    assert "last_auth_threshold: 'hours=1' -> 'minutes=30'" in result.stdout


def test_tagged_values_are_kept_and_reported(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    result = update(fake_authentik, drifted)
    assert "configuration_stages: kept: tagged (!Find); the server has []" in result.stdout
    assert "configuration_stages: [!Find [" in drifted.read_text(encoding="utf-8")


def test_a_tag_is_never_replaced_by_a_literal_whatever_the_tag(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    change_stage(fake_authentik, "team-mfa", last_auth_threshold="minutes=30", not_configured_action="deny")
    text = f"""\
version: 1
entries:
- model: {MODEL}
  identifiers:
    name: team-mfa
  attrs:
    last_auth_threshold: !Env [MFA_THRESHOLD, "hours=1"]
    not_configured_action: !Format ["%s", skip]
"""
    path = tmp_path / "tags.yaml"
    path.write_text(text, encoding="utf-8")
    result = update(fake_authentik, path)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == text
    assert "last_auth_threshold: kept: tagged (!Env)" in result.stdout
    assert "not_configured_action: kept: tagged (!Format)" in result.stdout


def test_entries_without_a_live_object_are_reported_and_untouched(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    result = update(fake_authentik, drifted)
    assert "authenticatorvalidatestage 'not-on-the-server': no live object: left as it is" in result.stdout
    assert "not_configured_action: deny   # a new stage\n" in drifted.read_text(encoding="utf-8")


def test_entries_match_their_objects_exactly_as_diff_matches_them(
    fake_authentik: FakeAuthentik, tmp_path: Path
) -> None:
    """The importer compares names exactly: `TEAM-MFA` is not `team-mfa`,
    so nothing is written into it (diff calls it "to create" too)."""
    change_stage(fake_authentik, "team-mfa", not_configured_action="deny")
    text = f"version: 1\nentries:\n- model: {MODEL}\n  identifiers:\n    name: TEAM-MFA\n  attrs:\n    not_configured_action: skip\n"
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    result = update(fake_authentik, path)
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == text
    assert "'TEAM-MFA': no live object" in result.stdout
    diff = CliRunner().invoke(cli, ["diff", str(path), "--url", fake_authentik.url, "--token", fake_authentik.token])
    assert "to create" in diff.output or "create" in diff.output


def test_missing_fields_are_left_out_by_default_and_added_with_add_missing(
    fake_authentik: FakeAuthentik, tmp_path: Path
) -> None:
    change_stage(fake_authentik, "team-mfa", webauthn_user_verification="required")
    text = f"version: 1\nentries:\n- model: {MODEL}\n  identifiers:\n    name: team-mfa\n  attrs:\n    not_configured_action: skip  # ours\n"
    path = tmp_path / "short.yaml"
    path.write_text(text, encoding="utf-8")
    with api(fake_authentik) as client:
        live = client.get(f"{VALIDATE}{fake_authentik.state.stage_named('team-mfa').pk}/").json()
    path.write_text(text.replace("skip", live["not_configured_action"]), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    result = update(fake_authentik, path)
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == before
    assert "not in the file, left out:" in result.stdout and "webauthn_user_verification" in result.stdout
    result = update(fake_authentik, path, "--add-missing")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # added after the last pair; the rest as it was
    assert "    webauthn_user_verification: required\n" in after
    assert "    device_classes: [" in after
    # and now the file is in sync with the server on everything it states
    diff = CliRunner().invoke(cli, ["diff", str(path), "--url", fake_authentik.url, "--token", fake_authentik.token])
    assert diff.exit_code == 0, diff.output


def test_added_references_are_tags_never_this_servers_pks(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    totp = fake_authentik.state.stage_named("default-authenticator-totp-setup").pk
    change_stage(fake_authentik, "team-mfa", configuration_stages=[totp], not_configured_action="configure")
    text = f"version: 1\nentries:\n- model: {MODEL}\n  identifiers:\n    name: team-mfa\n  attrs:\n    not_configured_action: configure\n"
    path = tmp_path / "refs.yaml"
    path.write_text(text, encoding="utf-8")
    assert update(fake_authentik, path, "--add-missing").exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert totp not in after
    assert (
        "configuration_stages: [!Find [authentik_stages_authenticator_totp.authenticatortotpstage, "
        "[name, default-authenticator-totp-setup]]]" in after
    )


def test_a_pulled_file_updated_after_the_server_changed_shows_no_drift(
    fake_authentik: FakeAuthentik, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert (
        CliRunner()
        .invoke(
            cli,
            [
                "pull",
                "--out",
                str(out),
                "--name",
                "team-mfa",
                "--url",
                fake_authentik.url,
                "--token",
                fake_authentik.token,
            ],
        )
        .exit_code
        == 0
    )
    path = out / "stage-team-mfa.yaml"
    pulled = path.read_text(encoding="utf-8")
    change_stage(fake_authentik, "team-mfa", last_auth_threshold="days=2", device_classes=["sms"])
    result = update(fake_authentik, out)
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after != pulled
    # only the two values' lines changed; the header and pk comments are the pull's
    changed = [line for line in after.splitlines() if line not in pulled.splitlines()]
    assert changed == ["    - sms", "    last_auth_threshold: days=2"]
    diff = CliRunner().invoke(cli, ["diff", str(out), "--url", fake_authentik.url, "--token", fake_authentik.token])
    assert diff.exit_code == 0, diff.output


def test_a_file_in_sync_is_not_written(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    assert update(fake_authentik, drifted).exit_code == 0
    before = os.stat(drifted)
    os.utime(drifted, ns=(before.st_atime_ns, before.st_mtime_ns - 10_000_000_000))
    stamped = os.stat(drifted).st_mtime_ns
    result = update(fake_authentik, drifted)
    assert result.exit_code == 0
    assert f"{drifted}: in sync" in result.stdout
    assert os.stat(drifted).st_mtime_ns == stamped  # not rewritten


def test_crlf_and_a_byte_order_mark_are_kept(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    drifted.write_bytes(b"\xef\xbb\xbf" + HAND_WRITTEN.replace("\n", "\r\n").encode("utf-8"))
    assert update(fake_authentik, drifted).exit_code == 0
    assert drifted.read_bytes() == b"\xef\xbb\xbf" + UPDATED.replace("\n", "\r\n").encode("utf-8")


# -- --diff -----------------------------------------------------------------------------------------
def test_diff_prints_the_update_and_writes_nothing(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    result = update(fake_authentik, drifted, "--diff")
    assert result.exit_code == 1
    assert drifted.read_bytes() == HAND_WRITTEN.encode("utf-8")
    assert f"--- {drifted}\n+++ {drifted} (updated)\n" in result.stdout
    assert '+    last_auth_threshold: "minutes=30"   # was one hour\n' in result.stdout
    assert "Would update 1 file; nothing written (--diff)." in result.stdout
    assert "no live object" in result.stderr  # the plan, beside the patch
    assert update(fake_authentik, drifted).exit_code == 0
    again = update(fake_authentik, drifted, "--diff")
    assert again.exit_code == 0 and "Would update 0 files" in again.stdout


# -- bad input -------------------------------------------------------------------------------------------
def test_a_file_that_does_not_parse_refuses_the_run(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    broken = drifted.parent / "broken.yaml"
    broken.write_text("version: 1\nentries:\n- model: [unclosed\n", encoding="utf-8")
    result = update(fake_authentik, drifted, broken)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{broken}:" in result.stderr and "avlint: error: nothing written" in result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith(str(broken)))
    assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit()  # file:line:column
    assert drifted.read_bytes() == HAND_WRITTEN.encode("utf-8")  # the good file is not written either
    assert len(fake_authentik.requests) == 0  # refused before asking the server


def test_a_read_only_file_refuses_the_run_for_every_user(
    fake_authentik: FakeAuthentik, drifted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check asks os.access, made here to answer as for a user without write permission (the
    tests may run as root, whom permission bits do not stop)."""
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: real(path, mode) and not (str(path) == str(drifted) and mode & os.W_OK)
    )
    other = drifted.parent / "other.yaml"
    other.write_text(HAND_WRITTEN, encoding="utf-8")
    result = update(fake_authentik, drifted, other)
    assert result.exit_code == 2
    assert f"{drifted}: error: read-only: cannot be updated" in result.stderr
    assert "avlint: error: nothing written" in result.stderr
    assert drifted.read_bytes() == HAND_WRITTEN.encode("utf-8")
    assert other.read_text(encoding="utf-8") == HAND_WRITTEN  # nothing written at all


def test_a_file_changed_on_disk_during_the_run_is_not_overwritten(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    edited = HAND_WRITTEN.replace("# Our MFA", "# Someone else's edit")

    def edit_meanwhile(body: Any) -> Any:  # while the server answers, someone saves the file
        drifted.write_text(edited, encoding="utf-8")
        return body

    fake_authentik.faults.rewrite(edit_meanwhile, path=f"/api/v3{VALIDATE}", method="GET")
    result = update(fake_authentik, drifted)
    assert result.exit_code == 1
    assert f"{drifted}: error: changed on disk during the run; not written" in result.stderr
    assert drifted.read_text(encoding="utf-8") == edited


def test_usage_errors(fake_authentik: FakeAuthentik, drifted: Path, tmp_path: Path) -> None:
    for extra in (["--out", str(tmp_path / "o")], ["--with-flows"], ["--force"], ["--name", "x"]):
        result = update(fake_authentik, drifted, *extra)
        assert result.exit_code == 2, extra
        assert "does not apply" in result.output
    plain = CliRunner().invoke(cli, ["pull", "--url", fake_authentik.url, "--token", fake_authentik.token])
    assert plain.exit_code == 2 and "--out FOLDER" in plain.output
    diff_alone = CliRunner().invoke(
        cli,
        ["pull", "--out", str(tmp_path / "o"), "--diff", "--url", fake_authentik.url, "--token", fake_authentik.token],
    )
    assert diff_alone.exit_code == 2 and "only with --update" in diff_alone.output
    assert drifted.read_bytes() == HAND_WRITTEN.encode("utf-8")


def test_the_token_is_never_shown(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    result = update(fake_authentik, drifted)
    assert fake_authentik.token not in result.output
    assert fake_authentik.token not in drifted.read_text(encoding="utf-8")


def test_the_readme_example_is_what_update_prints(fake_authentik: FakeAuthentik, drifted: Path) -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```text\nmine.yaml: updated\n") + len("```text\n")
    example = readme[start : readme.index("```", start)].splitlines()
    result = update(fake_authentik, drifted.relative_to(Path.cwd()))
    printed = result.stdout.splitlines()
    assert printed[0] == example[0]
    assert set(example) <= set(printed), set(example) - set(printed)


def test_aliases_anchors_and_merged_keys_are_not_rewritten(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    """Their text is shared with other places: rewriting it would change those too."""
    change_stage(
        fake_authentik,
        "team-mfa",
        not_configured_action="deny",
        last_auth_threshold="minutes=5",
        device_classes=["sms"],
    )
    text = f"""\
version: 1
entries:
- model: {MODEL}
  identifiers:
    name: team-mfa
  attrs:
    <<: {{device_classes: [totp]}}
    not_configured_action: &action skip
    last_auth_threshold: &threshold hours=1
- model: {MODEL}
  identifiers:
    name: not-on-the-server
  attrs:
    not_configured_action: *action
    last_auth_threshold: *threshold
"""
    path = tmp_path / "shared.yaml"
    path.write_text(text, encoding="utf-8")
    result = update(fake_authentik, path)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == text
    assert "device_classes: not updated: the field is merged in with `<<`" in result.stdout
    assert "not_configured_action: not updated: the value carries an anchor (&)" in result.stdout


def test_update_takes_one_server(drifted: Path) -> None:
    """The values of one server go into the files: two contexts are a usage error."""
    result = CliRunner().invoke(
        cli, ["pull", "--update", str(drifted), "--context", "staging", "--context", "prod", "--diff"]
    )
    assert result.exit_code == 2
    assert "give one --context" in result.output
    assert drifted.read_bytes() == HAND_WRITTEN.encode("utf-8")
