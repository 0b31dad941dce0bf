"""`lint` and `payload` with --live-file (saved list pages) or --url: references looked up on
the server's objects (issue 14, items 1, 2 and the `!Find` position of item 6).

The saved pages in tests/data/listings are the fake authentik's own lists (GET
/api/v3/stages/all/, /flows/instances/, /flows/bindings/ with page_size=100).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import DATA
from tests.fake_authentik import FakeAuthentik

LISTINGS = DATA / "listings"
STAGES = LISTINGS / "stages-all.json"
FLOWS = LISTINGS / "flows.json"
BINDINGS = LISTINGS / "bindings.json"
VALIDATE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
TOTP = "authentik_stages_authenticator_totp.authenticatortotpstage"
STATIC_SETUP_PK = "af98752b-3aef-4126-9117-cb2df15982bb"
PASSWORD_PK = "63430df4-05af-46a3-b635-1d5cee0499c2"
FLOW_PK = "2a841ebe-d5a2-4341-9a77-935409b6a3e5"
MFA_PK = "0f8a4b41-0608-487d-82d3-6c2e8eb7738e"
LIVE = ("--live-file", STAGES, "--live-file", FLOWS)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def at(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column where `needle` starts in `text`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def findings(*args: object) -> tuple[int, list[dict], str]:
    code, out, err = run("lint", "--format", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)["findings"], err


def rules_at(found: list[dict]) -> set[tuple[str, int, int]]:
    return {(f["rule"], f["line"], f["column"]) for f in found if f["rule"].startswith("AV8")}


EVERYTHING = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers:
      name: partner-mfa
    attrs:
      device_classes: [totp]
      not_configured_action: configure
      configuration_stages:
        - !Find [{TOTP}, [name, no-such-totp]]
        - !Find [{TOTP}, [name, default-authenticator-totp-setup]]
        - {STATIC_SETUP_PK}
        - 00000000-0000-4000-8000-000000000001
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
      stage: {FLOW_PK}
      order: 99
  - model: {VALIDATE}
    identifiers:
      name: default-authentication-password
    attrs:
      device_classes: [totp]
  - model: {VALIDATE}
    state: must_created
    identifiers:
      name: lint-good-validate
  - model: {VALIDATE}
    state: created
    identifiers:
      name: lint-bp-good-validate
  - model: authentik_flows.flow
    identifiers:
      name: Partner login
    attrs:
      slug: default-authentication-flow
      title: Partner login
      designation: authentication
"""
EXPECTED = {
    ("AV801", *at(EVERYTHING, "!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, no-such")),
    ("AV802", *at(EVERYTHING, "00000000-0000-4000")),
    ("AV803", *at(EVERYTHING, f"{FLOW_PK}\n")),
    ("AV804", *at(EVERYTHING, "default-authentication-password\n")),
    ("AV806", *at(EVERYTHING, "must_created")),
    ("AV807", *at(EVERYTHING, "created\n    identifiers:\n      name: lint-bp")),
    ("AV805", *at(EVERYTHING, "default-authentication-flow\n      title")),
}


# -- lint with saved listings ----------------------------------------------------------------------------------
def test_lint_with_saved_listings_reports_what_only_the_server_knows_at_the_exact_positions() -> None:
    path = write("everything.yaml", EVERYTHING)
    code, found, err = findings(path, *LIVE)
    assert code == 1 and err == ""
    assert rules_at(found) == EXPECTED
    by_rule = {f["rule"]: f for f in found}
    assert by_rule["AV801"]["effect"] == "rejected" and "no object matches" in by_rule["AV801"]["message"]
    assert "authentik_stages_password.passwordstage" in by_rule["AV804"]["message"]
    assert by_rule["AV807"]["severity"] == "info"  # information: never fails a run


def test_lint_without_the_options_is_unchanged() -> None:
    path = write("everything.yaml", EVERYTHING)
    _, found, _ = findings(path)
    assert rules_at(found) == set()


def test_server_findings_follow_select_ignore_and_suppression_comments() -> None:
    path = write("everything.yaml", EVERYTHING)
    _, found, _ = findings(path, *LIVE, "--ignore", "AV801,AV807")
    assert {rule for rule, *_ in rules_at(found)} == {"AV802", "AV803", "AV804", "AV805", "AV806"}
    _, found, _ = findings(path, *LIVE, "--select", "AV801")
    assert {f["rule"] for f in found} == {"AV801"}
    suppressed = write("quiet.yaml", EVERYTHING.replace("no-such-totp]]", "no-such-totp]]  # avlint: disable=AV801"))
    _, found, _ = findings(suppressed, *LIVE, "--select", "AV801")
    assert found == []


def test_a_find_the_listing_cannot_answer_is_not_reported() -> None:
    """Without the flows list, a flow `!Find` is unknown (not missing); a lookup avlint cannot
    evaluate on a listing (`name__startswith`) neither."""
    text = f"""\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, no-such-flow]]
      stage: !Find [{VALIDATE}, [name__startswith, nothing]]
      order: 10
"""
    _, found, _ = findings(write("partial.yaml", text), "--live-file", STAGES)
    assert rules_at(found) == set()
    _, found, _ = findings(write("partial.yaml", text), "--live-file", STAGES, "--live-file", FLOWS)
    assert rules_at(found) == {("AV801", *at(text, "!Find [authentik_flows.flow"))}


def test_nested_finds_are_each_reported_at_their_own_tag() -> None:
    text = f"""\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
      stage: !Find [{VALIDATE}, [name, !Find [authentik_flows.flow, [slug, gone]]]]
      order: 10
"""
    _, found, _ = findings(write("nested.yaml", text), *LIVE)
    assert rules_at(found) == {("AV801", *at(text, "!Find [authentik_flows.flow, [slug, gone"))}


def test_a_list_of_pages_in_one_file_and_an_incomplete_listing() -> None:
    stages = json.loads(STAGES.read_text(encoding="utf-8"))
    first, second = stages["results"][:10], stages["results"][10:]
    pages = [
        {"pagination": {**stages["pagination"], "next": 2, "total_pages": 2}, "results": first},
        {"pagination": {**stages["pagination"], "next": 0, "current": 2, "total_pages": 2}, "results": second},
    ]
    text = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers: {{name: x}}
    attrs:
      configuration_stages: [!Find [{TOTP}, [name, gone]]]
"""
    path = write("find.yaml", text)
    _, found, err = findings(path, "--live-file", write("pages.json", json.dumps(pages)))
    assert rules_at(found) == {("AV801", *at(text, "!Find"))} and err == ""
    # Only the first page saved: what it lacks may be on the next one, so nothing is "missing".
    _, found, err = findings(path, "--live-file", write("page1.json", json.dumps(pages[0])))
    assert rules_at(found) == set()
    assert "page1.json: warning: the listing of /stages/all/ is incomplete (10 of 22 objects" in err


def test_one_types_own_list_covers_that_type_only() -> None:
    stages = json.loads(STAGES.read_text(encoding="utf-8"))
    validate_only = [
        dict(obj, device_classes=["totp"]) for obj in stages["results"] if obj["meta_model_name"] == VALIDATE
    ]
    page = {"pagination": {**stages["pagination"], "count": len(validate_only)}, "results": validate_only}
    text = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers: {{name: x}}
    attrs:
      configuration_stages: [!Find [{TOTP}, [name, gone]], !Find [{VALIDATE}, [name, gone]]]
"""
    _, found, _ = findings(write("f.yaml", text), "--live-file", write("validate.json", json.dumps(page)))
    assert rules_at(found) == {("AV801", *at(text, f"!Find [{VALIDATE}"))}


# -- bad listing files -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"pk": "1", "name": "x"}', "is a single object, not a list page"),
        (
            '{"pagination": {"next": 0, "count": 1}, "results": [{"pk": 1, "colour": "red"}]}',
            "not a page of a list avlint reads",
        ),
        ("<!DOCTYPE html>\n<html><body>Login</body></html>\n", "an HTML page (saved from a browser?)"),
        ('{"pagination": {"next": 0, "count": 1}, "results": [', "not valid JSON"),
        ('[{"pk": "1", "name": "x"}]', "is a list of objects, not a list page"),
        ('{"pagination": {"next": "2", "count": 1}, "results": []}', "`pagination.next`"),
        ('{"results": []}', "`pagination`: missing"),
    ],
    ids=["single-object", "unknown-endpoint", "html", "invalid-json", "bare-list", "next-not-int", "no-pagination"],
)
def test_a_bad_listing_is_a_usage_error_naming_the_file(content: str, message: str) -> None:
    path = write("everything.yaml", EVERYTHING)
    listing = write("listing.json", content)
    for command in ("lint", "payload"):
        code, out, err = run(command, path, "--live-file", listing)
        assert code == 2 and out == "", (command, err)
        assert "--live-file listing.json" in err and message in err, err
        assert "Traceback" not in err


def test_a_huge_listing_is_refused_by_the_guarded_reader() -> None:
    path = write("everything.yaml", EVERYTHING)
    listing = write("huge.json", json.dumps({"pagination": {"next": 0, "count": 0}, "results": [], "pad": "x" * 5000}))
    code, _, err = run("lint", path, "--live-file", listing, "--max-file-size", "2KB")
    assert code == 2 and "--live-file huge.json: file is 4.9 KB, over the 2.0 KB limit" in err, err


def test_an_empty_page_is_not_used_and_said_so() -> None:
    path = write("everything.yaml", EVERYTHING)
    empty = write("empty.json", '{"pagination": {"next": 0, "count": 0}, "results": []}')
    code, _, err = run("lint", path, "--live-file", empty)
    assert code == 0 and "empty.json: warning: the page holds no objects" in err


def test_live_file_and_url_together_are_a_usage_error() -> None:
    code, _, err = run("lint", write("a.yaml", EVERYTHING), "--live-file", STAGES, "--url", "http://127.0.0.1:9")
    assert code == 2 and "either --live-file or --url" in err


# -- the pre-commit path -------------------------------------------------------------------------------------
def test_lint_through_click_without_the_options_imports_nothing_live(tmp_path: Path) -> None:
    good = write("good.yaml", "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: a}\n")
    code = (
        "import sys\n"
        f"sys.argv = ['avlint', 'lint', '--format', 'json', {str(good)!r}]\n"
        "from avlint.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith(('avlint.live', 'avlint.payload.live', 'httpx', 'pydantic'))])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False
    )
    assert done.stdout.splitlines()[-1] == "[]", done.stderr


def test_an_exported_authentik_url_does_not_make_lint_call_the_server(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHENTIK_URL", fake_authentik.url)
    monkeypatch.setenv("AUTHENTIK_TOKEN", fake_authentik.token)
    _, found, _ = findings(write("everything.yaml", EVERYTHING))
    assert rules_at(found) == set() and len(fake_authentik.requests) == 0


# -- lint --url ----------------------------------------------------------------------------------------------
def fake_objects(fake: FakeAuthentik) -> dict[str, str]:
    """Names and pks the --url tests need, taken from the fake's own lists (its seed may
    change): two validation stages the test creates, another stage type's name, a flow."""
    with httpx.Client(headers={"Authorization": f"Bearer {fake.token}"}) as client:
        for name in ("avlint-existing-1", "avlint-existing-2"):
            created = client.post(f"{fake.api_url}/stages/authenticator/validate/", json={"name": name})
            assert created.status_code == 201, created.text
        stages = client.get(f"{fake.api_url}/stages/all/", params={"page_size": 100}).json()["results"]
        flows = client.get(f"{fake.api_url}/flows/instances/", params={"page_size": 100}).json()["results"]
    other = next(stage for stage in stages if stage["meta_model_name"] != VALIDATE)
    setup = {stage["meta_model_name"]: stage for stage in stages}
    return {
        "other_stage": other["name"],
        "other_model": other["meta_model_name"],
        "flow_slug": flows[0]["slug"],
        "flow_pk": flows[0]["pk"],
        "totp_setup": setup[TOTP]["name"],
        "totp_setup_pk": setup[TOTP]["pk"],
        "static_setup_pk": setup["authentik_stages_authenticator_static.authenticatorstaticstage"]["pk"],
        "validate": next(
            stage["name"]
            for stage in stages
            if stage["meta_model_name"] == VALIDATE and not stage["name"].startswith("avlint-")
        ),
        "validate_pk": next(
            stage["pk"]
            for stage in stages
            if stage["meta_model_name"] == VALIDATE and not stage["name"].startswith("avlint-")
        ),
    }


def test_lint_url_fetches_the_lists_and_reports_the_same_findings(fake_authentik: FakeAuthentik) -> None:
    live = fake_objects(fake_authentik)
    text = (
        EVERYTHING.replace("lint-good-validate", "avlint-existing-1")
        .replace("lint-bp-good-validate", "avlint-existing-2")
        .replace("default-authentication-password", live["other_stage"])
        .replace(FLOW_PK, live["flow_pk"])
        .replace("slug: default-authentication-flow", f"slug: {live['flow_slug']}")
    )
    fake_authentik.requests.clear()
    code, out, err = run(
        "lint",
        "--format",
        "json",
        write("everything.yaml", text),
        "--url",
        fake_authentik.url,
        "--token",
        fake_authentik.token,
    )
    assert code == 1
    found = json.loads(out)["findings"]
    assert {rule for rule, *_ in rules_at(found)} == {f"AV80{n}" for n in range(1, 8)}
    assert ("AV806", *at(text, "must_created")) in rules_at(found)
    by_rule = {f["rule"]: f for f in found}
    assert live["other_model"] in by_rule["AV804"]["message"]
    assert all(request.method == "GET" for request in fake_authentik.requests)
    assert fake_authentik.token not in out + err


def test_lint_url_errors_exit_2_without_the_token(fake_authentik: FakeAuthentik) -> None:
    path = write("everything.yaml", EVERYTHING)
    code, out, err = run("lint", path, "--url", fake_authentik.url, "--token", "wrong-token-value")
    assert code == 2 and "wrong-token-value" not in out + err and "avlint: error:" in err
    code, _, err = run("lint", path, "--url", "ftp://example.com")
    assert code == 2 and "not an http(s) URL" in err


# -- payload -------------------------------------------------------------------------------------------------
PAYLOAD = f"""\
version: 1
entries:
  - model: {VALIDATE}
    id: partner
    identifiers:
      name: partner-mfa
    attrs:
      device_classes: [totp, static]
      not_configured_action: configure
      configuration_stages:
        - !Find [{TOTP}, [name, default-authenticator-totp-setup]]
        - {STATIC_SETUP_PK.upper()}
  - model: {VALIDATE}
    id: mfa
    state: created
    identifiers:
      name: default-authentication-mfa-validation
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
      stage: !KeyOf mfa
      order: 97
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
      stage: !KeyOf partner
      order: 98
"""


def payload_records(*args: object) -> tuple[int, list[dict], str]:
    code, out, err = run("payload", "--all-models", *args)
    assert code in (0, 1), err
    return code, [json.loads(line) for line in out.splitlines()], err


def test_payload_url_resolves_references_and_every_body_posts(fake_authentik: FakeAuthentik) -> None:
    live = fake_objects(fake_authentik)
    text = (
        PAYLOAD.replace("default-authenticator-totp-setup", live["totp_setup"])
        .replace(STATIC_SETUP_PK.upper(), live["static_setup_pk"].upper())
        .replace("default-authentication-mfa-validation", live["validate"])
        .replace("default-authentication-flow", live["flow_slug"])
    )
    code, records, err = payload_records(
        write("payload.yaml", text), "--url", fake_authentik.url, "--token", fake_authentik.token
    )
    assert code == 1  # the binding to the new stage must wait for it
    assert [(r["model"], r["name"]) for r in records] == [
        (VALIDATE, "partner-mfa"),
        ("authentik_flows.flowstagebinding", "binding-97"),
    ]
    stage, binding = (r["body"] for r in records)
    assert stage["configuration_stages"] == [live["totp_setup_pk"], live["static_setup_pk"]]  # as the server spells it
    assert binding["target"] == live["flow_pk"] and binding["stage"] == live["validate_pk"]
    assert "skipped: its object exists on the server" in err
    line, column = at(text, "!KeyOf partner")
    assert f"payload.yaml:{line}:{column}: unresolved !KeyOf:" in err
    assert "does not exist on the server yet: POST its payload first" in err and "avlint apply" in err
    assert fake_authentik.token not in err
    with httpx.Client(headers={"Authorization": f"Bearer {fake_authentik.token}"}) as client:
        for record in records:
            answer = client.post(fake_authentik.url + record["endpoint"], json=record["body"])
            assert answer.status_code == 201, answer.text


def test_payload_with_saved_listings_errors_at_the_reference(fake_authentik: FakeAuthentik) -> None:
    text = PAYLOAD.replace("default-authenticator-totp-setup]]", "gone]]").replace(STATIC_SETUP_PK.upper(), PASSWORD_PK)
    code, records, err = payload_records(write("p.yaml", text), *LIVE)
    assert code == 1 and [record["name"] for record in records] == ["binding-97"]
    line, column = at(text, "!Find [authentik_stages_authenticator_totp")
    assert f"not written: line {line}, column {column}: no object matches !Find [{TOTP}, [name, 'gone']]" in err
    text = PAYLOAD.replace(STATIC_SETUP_PK.upper(), FLOW_PK)
    code, records, err = payload_records(write("p.yaml", text), *LIVE)
    line, column = at(text, FLOW_PK)
    assert (
        f"not written: line {line}, column {column}: pk {FLOW_PK} is the authentik_flows.flow 'Welcome to authentik!' on the server; the field points at authentik_flows.stage"
        in err
    )
    text = PAYLOAD.replace(STATIC_SETUP_PK.upper(), "00000000-0000-4000-8000-000000000009")
    code, records, err = payload_records(write("p.yaml", text), *LIVE)
    line, column = at(text, "00000000-0000")
    assert f"not written: line {line}, column {column}: no authentik_flows.stage with pk" in err


def test_payload_resolves_pk_identifiers_of_existing_objects_and_says_what_to_create_first() -> None:
    text = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers:
      pk: {MFA_PK.upper()}
    attrs:
      device_classes: [totp]
  - model: {TOTP}
    id: new-totp
    identifiers:
      name: partner-totp
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: {FLOW_PK}
      stage: {MFA_PK.upper()}
      order: 96
  - model: {VALIDATE}
    identifiers:
      name: partner-mfa
    attrs:
      not_configured_action: configure
      configuration_stages: [!KeyOf new-totp]
"""
    code, records, err = payload_records(write("p.yaml", text), *LIVE)
    assert code == 1
    assert [(r["name"], r["body"].get("stage")) for r in records] == [("binding-96", MFA_PK)]
    assert f"exists on the server (pk {MFA_PK}): a create body would be refused; `avlint apply` updates it" in err
    line, column = at(text, "!KeyOf new-totp")
    assert (
        f"p.yaml:{line}:{column}: unresolved !KeyOf: entry 'new-totp' ({TOTP}) does not exist on the server yet" in err
    )


def test_a_reference_whose_targets_no_list_holds_is_not_judged() -> None:
    """A policy binding's target is any PolicyBindingModel (flows, applications, sources...) by
    its binding-model pk, which no list shows: no AV802/AV803 for it."""
    text = f"""\
version: 1
entries:
  - model: authentik_policies.policybinding
    identifiers:
      target: {FLOW_PK}
      order: 0
"""
    _, found, _ = findings(write("binding.yaml", text), *LIVE)
    assert rules_at(found) == set()


def test_payload_in_worker_processes_gives_the_same_bodies() -> None:
    for number in range(40):
        write(f"many-{number:02}.yaml", PAYLOAD.replace("partner-mfa", f"partner-mfa-{number}"))
    _, serial, _ = payload_records(".", "--jobs", "1", *LIVE)
    _, parallel, _ = payload_records(".", "--jobs", "2", *LIVE)
    assert serial == parallel and len(serial) == 80


def test_payload_refuses_a_new_stage_whose_name_another_type_holds() -> None:
    text = f"version: 1\nentries:\n  - model: {VALIDATE}\n    identifiers: {{name: default-authentication-password}}\n"
    code, records, err = payload_records(write("p.yaml", text), *LIVE)
    assert code == 1 and records == []
    assert "stage with this name already exists." in err


def test_payload_without_the_options_is_unchanged() -> None:
    code, records, err = payload_records(write("payload.yaml", PAYLOAD))
    assert code == 1 and "looks the object up on the server" in err
    assert [record["name"] for record in records] == ["default-authentication-mfa-validation"]


# -- item 6: a !Find that matches nothing, in diff and apply -----------------------------------------------
def test_apply_reports_a_find_that_matches_nothing_at_the_tag(fake_authentik: FakeAuthentik) -> None:
    text = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers:
      name: partner-mfa
    attrs:
      device_classes: [totp]
      not_configured_action: configure
      configuration_stages:
        - !Find [{TOTP}, [name, gone]]
"""
    path = write("apply.yaml", text)
    line, column = at(text, "!Find")
    code, out, err = run("diff", path, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert f"!Find at line {line}, column {column}: no object matches !Find [{TOTP}, [name, 'gone']]" in out
    code, out, err = run("apply", path, "--yes", "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert code == 1
    assert f"apply.yaml:{line}:{column}: error:" in err and "no object matches" in err
    assert "may not be null" not in out + err
    assert all(request.method == "GET" for request in fake_authentik.requests)


def test_lint_url_leaves_out_a_list_the_server_lacks_with_a_warning(fake_authentik: FakeAuthentik) -> None:
    """The fake has no /crypto/certificatekeypairs/: a `!Find` of a key pair is then unknown,
    never "missing", and the run goes on with the lists it has."""
    text = f"""\
version: 1
entries:
  - model: {VALIDATE}
    identifiers: {{name: x}}
    attrs:
      configuration_stages: [!Find [{TOTP}, [name, gone]]]
  - model: authentik_flows.flow
    identifiers: {{slug: x}}
    attrs:
      title: x
      designation: authentication
      background: !Find [authentik_crypto.certificatekeypair, [name, gone]]
"""
    code, out, err = run(
        "lint", "--format", "json", write("f.yaml", text), "--url", fake_authentik.url, "--token", fake_authentik.token
    )
    assert code == 1 and "warning: GET /crypto/certificatekeypairs/: this server has no such list" in err
    found = json.loads(out)["findings"]
    assert rules_at(found) == {("AV801", *at(text, f"!Find [{TOTP}"))}


def test_sources_chain_found_first_then_what_could_tell() -> None:
    from avlint.live.listing import Chain, Listing, load_listing_files

    live = load_listing_files([str(STAGES), str(FLOWS)])
    empty = Listing()  # knows nothing: every answer is unknown
    flow = [("slug", "default-authentication-flow")]
    assert Chain(empty, live).find("authentik_flows.flow", flow).state == "found"
    assert Chain(live, empty).find("authentik_flows.flow", [("slug", "gone")]).state == "missing"
    assert Chain(empty).find("authentik_flows.flow", flow).state == "unknown"
    assert Chain(empty, live).check_pk(VALIDATE, FLOW_PK).state == "wrong"
    assert [
        model
        for model, _ in Chain(empty, live).holders("authentik_flows.stage", "name", "default-authentication-password")
    ] == ["authentik_stages_password.passwordstage"]


def test_a_bad_listing_is_reported_even_when_no_server_rule_is_selected() -> None:
    code, _, err = run("lint", write("a.yaml", EVERYTHING), "--select", "AV301", "--live-file", write("x.json", "[]"))
    assert code == 2 and "--live-file x.json" in err


def test_standard_input_is_looked_up_as_given_not_as_the_file_on_disk() -> None:
    """An editor lints its unsaved buffer: the server's findings are those of the text on stdin,
    at its positions, whatever the file of that name on disk holds."""
    write("editing.yaml", "version: 1\nentries: []\n")  # the saved, older version
    result = CliRunner().invoke(
        cli,
        ["lint", "--format", "json", "-", "--stdin-filename", "editing.yaml", *map(str, LIVE)],
        input="# unsaved lines above move every position\n\n" + EVERYTHING,
    )
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)["findings"]
    expected = ("# unsaved lines above move every position\n\n" + EVERYTHING).index("no-such-totp")
    assert {f["path"] for f in found} == {"editing.yaml"}
    av801 = [f for f in found if f["rule"] == "AV801"]
    text = "# unsaved lines above move every position\n\n" + EVERYTHING
    assert av801 and all(f["line"] > 2 for f in av801)
    assert any(f["line"] == text.count("\n", 0, expected) + 1 for f in av801)


def test_the_server_answers_what_the_set_of_files_leaves_to_it() -> None:
    """Checked as a set, a `!Find` no file creates "needs the server" (AV704, info); given the
    server's objects, the server tells: found (nothing to say) or missing (AV801), never both."""
    text = f"""\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !Find [{VALIDATE}, [name, lint-good-validate]]
      order: 10
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !Find [{VALIDATE}, [name, nowhere-to-be-found]]
      order: 20
  - model: authentik_flows.flow
    id: flow
    identifiers: {{slug: set-and-server}}
    attrs: {{name: Set and server, title: Set and server, designation: authentication}}
"""
    path = write("uses.yaml", text)
    write("other.yaml", "version: 1\nentries: []\n")  # two files: checked as a set
    found_at = at(text, f"!Find [{VALIDATE}, [name, lint-good")
    missing_at = at(text, f"!Find [{VALIDATE}, [name, nowhere")
    _, offline, _ = findings(path, "other.yaml")
    assert {(f["rule"], f["line"], f["column"]) for f in offline if f["rule"] == "AV704"} == {
        ("AV704", *found_at),
        ("AV704", *missing_at),
    }
    _, live, _ = findings(path, "other.yaml", "--live-file", STAGES)
    assert not [f for f in live if f["rule"] == "AV704"]
    assert rules_at(live) == {("AV801", *missing_at)}


def test_a_listing_and_a_server_together_are_a_usage_error() -> None:
    code, _, err = run("lint", write("x.yaml", EVERYTHING), *LIVE, "--url", "https://auth.example.com")
    assert code == 2 and "give either --live-file or --url, not both" in err
