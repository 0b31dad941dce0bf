"""`avlint spec import` / `spec show` and `--spec FILE`: field specs derived from OpenAPI schemas.

The bundled specs for 2025.12 and 2026.5 are checked against the importer's output for the two
real schemas, committed as tests/data/specs/derived-*.yaml (made once with `avlint spec import`;
the schemas themselves are not needed here).

Known difference: the 2026.5 schema is 2026.5.0-rc1 (authentik main c6ee7b68). The released
2026.5.0 added four `*_otp_throttling_factor` fields after it (they come from the 2026.5.0 API
client), so the bundled 2026.5 spec has them and the derived one does not. The test names them
and checks that they are the only difference.
"""

from __future__ import annotations

import json
import pickle
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from avlint.engine import lint_file, lint_paths
from avlint.settings import Settings
from avlint.spec import model_spec
from avlint.spec.model import bundled_model_spec
from avlint.spec.openapi import openapi_view
from avlint.spec.render import render_snapshot
from avlint.spec.snapshot import load_snapshot
from avlint.versions import Release, known_releases
from tests.conftest import DATA, SAMPLES

SPECS = DATA / "specs"
MINI = SPECS / "mini-schema.yaml"
STAGE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"
# In the released 2026.5.0 (API client 2026.5.0), not yet in the 2026.5.0-rc1 schema.
AFTER_RC1 = {
    "email_otp_throttling_factor",
    "sms_otp_throttling_factor",
    "totp_otp_throttling_factor",
    "static_otp_throttling_factor",
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def one_error_line(result, *parts: str) -> None:
    """Exit 2 with a single `avlint: error:` line naming `parts`, and no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("avlint: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


# --- the bundled specs equal what the importer derives from the real schemas --------------------


def test_bundled_2025_12_equals_the_schema_of_2025_12_4() -> None:
    derived = load_yaml(SPECS / "derived-2025.12.yaml")
    assert (derived["authentik"], derived["source"]) == ("2025.12", "2025.12.4")
    bundled = openapi_view(render_snapshot(Release(2025, 12), "bundled"))
    imported = openapi_view(derived)
    assert len(imported) == 113  # every model of 2025.12 with a request schema, not only three
    # The three without one (meta and internal models) keep the bundled rows.
    assert set(bundled) - set(imported) == {
        "authentik_blueprints.metaapplyblueprint",
        "authentik_endpoints_connectors_agent.agentdeviceuserbinding",
        "authentik_reports.dataexport",
    }
    assert {model: bundled[model] for model in imported} == imported


def test_bundled_2026_5_equals_the_rc1_schema_except_fields_added_after_rc1() -> None:
    derived = load_yaml(SPECS / "derived-2026.5.yaml")
    assert (derived["authentik"], derived["source"]) == ("2026.5", "2026.5.0-rc1")
    bundled = openapi_view(render_snapshot(Release(2026, 5), "bundled"))
    imported = openapi_view(derived)  # imported before `spec import` covered every model: three models
    bundled = {model: bundled[model] for model in imported}
    assert set(bundled[STAGE]) - set(imported[STAGE]) == AFTER_RC1
    assert all(bundled[STAGE][name] == {"type": "number"} for name in AFTER_RC1)
    for name in AFTER_RC1:
        del bundled[STAGE][name]
    assert bundled == imported


@pytest.mark.parametrize("release", ["2025.12", "2026.5"])
def test_derived_snapshot_fills_what_openapi_cannot_say_from_the_bundled_spec(release: str) -> None:
    fields = {row["name"]: row for row in load_yaml(SPECS / f"derived-{release}.yaml")["models"][STAGE]["fields"]}
    assert fields["device_classes"]["allow_empty"] is False
    assert fields["device_classes"]["derived"] == "bundled"
    assert fields["last_auth_threshold"]["format"] == "timedelta"
    # The 2026.5 file was imported when references came from the bundled spec by short kind.
    assert fields["configuration_stages"]["items"]["references"] in ("authentik_flows.stage", "stage")
    assert "derived" not in fields["name"]


def test_linting_the_samples_with_the_derived_2025_12_snapshot_matches_the_bundled_spec() -> None:
    files = sorted(str(p) for p in SAMPLES.rglob("*") if p.is_file())
    bundled = Settings(release=Release(2025, 12))
    snapshot = str(SPECS / "derived-2025.12.yaml")
    expected = [lint_file(path, bundled).findings for path in files]
    source = load_snapshot(snapshot)
    assert model_spec(STAGE, Release(2025, 12), source) is not bundled_model_spec(STAGE, Release(2025, 12))
    got = [lint_file(path, Settings(release=Release(2025, 12), spec=source)).findings for path in files]
    assert got == expected
    assert any(expected)


# --- importing a schema ---------------------------------------------------------------------------


def test_mini_schema_imports_to_the_expected_snapshot() -> None:
    result = invoke("spec", "import", str(MINI))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == load_yaml(SPECS / "mini-expected.yaml")
    assert result.stderr == ""


def test_mini_schema_as_json_imports_the_same(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(load_yaml(MINI)), encoding="utf-8")
    out = tmp_path / "snapshot.yaml"
    result = invoke("spec", "import", str(schema), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert load_yaml(out) == load_yaml(SPECS / "mini-expected.yaml")


def test_imported_snapshot_reads_back_as_the_spec_it_describes(tmp_path: Path) -> None:
    out = tmp_path / "snapshot.yaml"
    assert invoke("spec", "import", str(MINI), "-o", str(out)).exit_code == 0
    snapshot = load_snapshot(str(out))
    assert snapshot.release == Release(2025, 10)
    stage = snapshot.model_spec(STAGE)
    assert stage is not None
    flow_set = stage.fields["flow_set"]
    assert flow_set.items is not None and flow_set.items.object_fields is not None
    assert flow_set.items.object_fields["slug"].max_length == 50
    binding = snapshot.model_spec(BINDING)
    action = binding.fields["invalid_response_action"] if binding is not None else None
    assert action is not None and action.choices == ("retry", "restart", "restart_with_context")
    assert action.blank and action.nullable  # oneOf [Enum, BlankEnum, NullEnum]: "" and null accepted
    assert binding.fields["retry_limit"].type == "number"
    flow = snapshot.model_spec(FLOW)
    assert flow is not None and flow.fields["cache_count"].read_only and flow.fields["export_url"].read_only


def _schema_with(tmp_path: Path, change) -> Path:
    document = load_yaml(MINI)
    change(document)
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _drop_flow_request(document: dict) -> None:
    del document["components"]["schemas"]["FlowRequest"]


def _drop_every_request(document: dict) -> None:
    schemas = document["components"]["schemas"]
    for name in [name for name in schemas if name.endswith("Request")]:
        del schemas[name]


def test_a_model_the_schema_does_not_describe_keeps_the_bundled_rows(tmp_path: Path) -> None:
    out = tmp_path / "snapshot.yaml"
    assert invoke("spec", "import", str(_schema_with(tmp_path, _drop_flow_request)), "-o", str(out)).exit_code == 0
    snapshot = load_snapshot(str(out))
    assert FLOW not in snapshot.models and STAGE in snapshot.models
    assert snapshot.model_spec(FLOW) == bundled_model_spec(FLOW, Release(2025, 10))


def _dangling_ref(document: dict) -> None:
    document["components"]["schemas"]["FlowRequest"]["properties"]["layout"] = {
        "$ref": "#/components/schemas/FlowLayoutEnum"
    }


def _version(text: object):
    def change(document: dict) -> None:
        document["info"]["version"] = text

    return change


@pytest.mark.parametrize(
    ("change", "parts"),
    [
        (_drop_every_request, ["describes none of the models avlint knows"]),
        (_dangling_ref, ["#/components/schemas/FlowLayoutEnum", "does not have"]),
        (_version("1.0.0"), ["info.version '1.0.0' is not an authentik version"]),
        (_version("2025.13.1"), ["info.version '2025.13.1' is not an authentik version"]),
        (_version("2019.2.1"), ["older than every release avlint knows", "known releases: 2021.3, 2021.4"]),
        (lambda d: d.pop("info"), ["has no info.version"]),
        (lambda d: d.pop("openapi"), ["is not an OpenAPI document"]),
        (lambda d: d.pop("components"), ["without components.schemas"]),
    ],
)
def test_bad_schemas_give_one_clear_line(tmp_path: Path, change, parts: list[str]) -> None:
    one_error_line(invoke("spec", "import", str(_schema_with(tmp_path, change))), *parts)


@pytest.mark.parametrize(
    ("content", "parts"),
    [
        (b"openapi: [unclosed\n", ["is neither YAML nor JSON", "line 2"]),
        (b'{"openapi": "3.0.3", ', ["is neither YAML nor JSON"]),
        (b"\xff\xfe\x00binary", ["is not UTF-8 text"]),
        (b"- a\n- b\n", ["is not an OpenAPI document"]),
        (b"just some words\n", ["is not an OpenAPI document"]),
        (b"", ["is not an OpenAPI document"]),
    ],
)
def test_files_that_are_not_openapi_give_one_clear_line(tmp_path: Path, content: bytes, parts: list[str]) -> None:
    path = tmp_path / "schema.yml"
    path.write_bytes(content)
    one_error_line(invoke("spec", "import", str(path)), *parts)


def test_missing_schema_file(tmp_path: Path) -> None:
    one_error_line(invoke("spec", "import", str(tmp_path / "nope.yml")), "cannot read", "nope.yml")


def test_unwritable_out_file(tmp_path: Path) -> None:
    one_error_line(
        invoke("spec", "import", str(MINI), "--out", str(tmp_path / "no" / "dir" / "x.yaml")), "cannot write"
    )


def test_an_unknown_newer_release_imports_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "snapshot.yaml"
    result = invoke("spec", "import", str(_schema_with(tmp_path, _version("2027.2.0"))), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "avlint does not know authentik 2027.2 yet" in result.stderr
    assert f"comes from its spec for {known_releases()[-1]}" in result.stderr
    data = load_yaml(out)
    assert (data["authentik"], data["bundled_release"]) == ("2027.2", str(known_releases()[-1]))


# --- fetching from a server -----------------------------------------------------------------------


@pytest.fixture
def schema_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A loopback server answering /api/v3/schema/ with the mini schema and 404 elsewhere."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    body = MINI.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/api/v3/schema/"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/yaml" if found else "text/html")
            self.end_headers()
            self.wfile.write(body if found else b"<h1>Not Found</h1>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_from_a_server_url(schema_server: str) -> None:
    result = invoke("spec", "import", f"{schema_server}/api/v3/schema/")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == load_yaml(SPECS / "mini-expected.yaml")


def test_a_bare_server_url_means_its_schema_endpoint(schema_server: str) -> None:
    result = invoke("spec", "import", schema_server)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["source"] == "2025.10.3"


def test_a_server_answering_404_gives_one_line(schema_server: str) -> None:
    one_error_line(invoke("spec", "import", f"{schema_server}/wrong/"), "the server answered HTTP 404")


def test_an_unreachable_server_gives_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    one_error_line(
        invoke("spec", "import", f"http://127.0.0.1:{port}/api/v3/schema/"),
        f"cannot fetch http://127.0.0.1:{port}/api/v3/schema/",
    )


# --- --spec FILE on lint, and spec show -------------------------------------------------------------

NEWER_BLUEPRINT = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp]
      passkey_only: true
"""


def _newer_snapshot(tmp_path: Path) -> Path:
    """A 2027.2 snapshot whose stage has a field no bundled release has (passkey_only)."""

    def change(document: dict) -> None:
        document["info"]["version"] = "2027.2.1"
        document["components"]["schemas"]["AuthenticatorValidateStageRequest"]["properties"]["passkey_only"] = {
            "type": "boolean"
        }

    out = tmp_path / "snapshot-2027.2.yaml"
    assert invoke("spec", "import", str(_schema_with(tmp_path, change)), "-o", str(out)).exit_code == 0
    return out


def _lint_json(*args: str) -> tuple[int, dict]:
    result = invoke("lint", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}


def test_lint_with_a_snapshot_of_an_unknown_release(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    blueprint = tmp_path / "mfa.yaml"
    blueprint.write_text(NEWER_BLUEPRINT, encoding="utf-8")
    code, bundled = _lint_json("--isolated", str(blueprint))
    assert code == 1 and [f["rule"] for f in bundled["findings"]] == ["AV211"]
    code, imported = _lint_json("--isolated", "--spec", str(snapshot), str(blueprint))
    assert code == 0, imported
    assert imported["findings"] == []
    assert model_spec(STAGE, Release(2027, 2)) == bundled_model_spec(STAGE, Release(2027, 2))  # nothing left behind


def test_spec_and_a_matching_target_version(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    blueprint = tmp_path / "mfa.yaml"
    blueprint.write_text(NEWER_BLUEPRINT, encoding="utf-8")
    code, _ = _lint_json("--isolated", "--spec", str(snapshot), "--target-version", "2027.2.3", str(blueprint))
    assert code == 0


def test_spec_and_a_different_target_version_exit_2(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    result = invoke("lint", "--isolated", "--spec", str(snapshot), "--target-version", "2025.12", str(tmp_path))
    one_error_line(result, "--target-version 2025.12 disagrees with", str(snapshot), "authentik 2027.2")


def test_snapshot_keeps_the_bundled_history_for_messages(tmp_path: Path) -> None:
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text(
        "version: 1\nentries:\n"
        "  - model: authentik_flows.flow\n    identifiers: {slug: f}\n"
        "    attrs: {name: f, title: f, designation: authentication, layout: sidebar_left_frame_background}\n"
        "  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n    identifiers: {name: s}\n"
        "    attrs: {webauthn_hints: [hybrid]}\n",
        encoding="utf-8",
    )
    _, bundled = _lint_json("--isolated", "--target-version", "2025.12", str(blueprint))
    _, imported = _lint_json("--isolated", "--spec", str(SPECS / "derived-2025.12.yaml"), str(blueprint))
    assert imported["findings"] == bundled["findings"]
    assert {f["rule"] for f in imported["findings"]} >= {"AV212", "AV213"}


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("format: avlint-spec\nversion: 1\nauthentik: [\n", ["not YAML"]),
        ("- a\n", ["the top level is a list"]),
        ("openapi: 3.0.3\ninfo: {version: 2025.12.4}\n", ["format is None", "avlint spec import"]),
        ("format: avlint-spec\nversion: 2\n", ["snapshot format version 2 is not supported"]),
        ("format: avlint-spec\nversion: 1\nauthentik: 2025.10\nmodels: {}\nenums: {}\n", ["quoted release line"]),
        (
            "format: avlint-spec\nversion: 1\nauthentik: 'soon'\nmodels: {}\nenums: {}\n",
            ["authentik:", "not an authentik version"],
        ),
        (
            "format: avlint-spec\nversion: 1\nauthentik: '2025.12'\nmodels: {}\nenums: {}\ncolour: red\n",
            ["unknown top-level key 'colour'"],
        ),
    ],
)
def test_malformed_snapshots_exit_2_with_file_and_reason(tmp_path: Path, text: str, parts: list[str]) -> None:
    path = tmp_path / "snap.yaml"
    path.write_text(text, encoding="utf-8")
    one_error_line(invoke("lint", "--isolated", "--spec", str(path), str(tmp_path)), str(path), *parts)


def _edit_snapshot(tmp_path: Path, change) -> Path:
    data = load_yaml(SPECS / "derived-2025.12.yaml")
    change(data)
    path = tmp_path / "snap.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _row(data: dict, model: str, name: str) -> dict:
    return next(row for row in data["models"][model]["fields"] if row["name"] == name)


@pytest.mark.parametrize(
    ("change", "parts"),
    [
        (
            lambda d: d["models"].update({"authentik_core.usr": {"fields": []}}),
            ["avlint has no spec for 'authentik_core.usr'", "did you mean 'authentik_core.user'"],
        ),
        (lambda d: _row(d, FLOW, "slug").update(since="2025.12"), ["fields[1] (slug)", "since/until do not belong"]),
        (lambda d: _row(d, FLOW, "slug").update(max_lenght=5), ["(slug)", "unknown key 'max_lenght'"]),
        (lambda d: _row(d, FLOW, "slug").update(max_length="long"), ["(slug)", "max_length: expected a whole number"]),
        (lambda d: _row(d, FLOW, "layout").update(enum="layouts"), ["(layout)", "no choice set 'layouts'"]),
        (lambda d: _row(d, FLOW, "name").update(type="text"), ["(name)", "type: expected one of string"]),
        (lambda d: d["models"][FLOW]["fields"].append({"name": "name"}), ["(name)", "listed twice"]),
        (lambda d: d["enums"].update(device_classes=[]), ["enums.device_classes: expected a non-empty list"]),
        (
            lambda d: (
                d["models"][FLOW].update(objects={"loop": [{"name": "again", "type": "object", "object": "loop"}]})
                or _row(d, FLOW, "background").update(type="object", object="loop")
            ),
            ["refer to the object itself"],
        ),
    ],
)
def test_snapshots_with_bad_rows_exit_2_naming_the_row(tmp_path: Path, change, parts: list[str]) -> None:
    path = _edit_snapshot(tmp_path, change)
    one_error_line(invoke("lint", "--isolated", "--spec", str(path), str(tmp_path)), str(path), *parts)


def test_missing_snapshot_file(tmp_path: Path) -> None:
    one_error_line(
        invoke("lint", "--spec", str(tmp_path / "none.yaml"), str(tmp_path)),
        "none.yaml",
        "cannot read the spec snapshot",
    )


def test_spec_show_prints_the_bundled_spec_in_snapshot_form() -> None:
    result = invoke("spec", "show", "--target-version", "2025.12.4")
    assert result.exit_code == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert (shown["authentik"], shown["source"]) == ("2025.12", "bundled")
    assert shown == render_snapshot(Release(2025, 12), "bundled")
    assert len(shown["models"]) == 116
    imported = openapi_view(load_yaml(SPECS / "derived-2025.12.yaml"))
    assert {model: fields for model, fields in openapi_view(shown).items() if model in imported} == imported


def test_spec_show_defaults_to_the_newest_release() -> None:
    result = invoke("spec", "show")
    assert yaml.safe_load(result.stdout)["authentik"] == str(known_releases()[-1])


def test_spec_show_of_a_snapshot(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    result = invoke("spec", "show", "--spec", str(snapshot))
    assert result.exit_code == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert (shown["authentik"], shown["source"]) == ("2027.2", "2027.2.1")
    described = openapi_view(load_yaml(snapshot))
    assert {model: fields for model, fields in openapi_view(shown).items() if model in described} == described


@pytest.mark.parametrize(
    ("version", "parts"),
    [("2027.2", ["not a release avlint knows", "known releases: 2021.3"]), ("soon", ["not an authentik version"])],
)
def test_spec_show_of_an_unknown_version_lists_the_known_ones(version: str, parts: list[str]) -> None:
    one_error_line(invoke("spec", "show", "--target-version", version), *parts)


# --- worker processes ---------------------------------------------------------------------------------


def _stage_fields_in_worker(settings: Settings) -> list[str]:
    spec = model_spec(STAGE, settings.release, settings.spec)
    return sorted(spec.fields) if spec else []


def test_a_spawned_worker_loads_the_snapshot_from_the_settings(tmp_path: Path) -> None:
    from avlint.workers import worker_pool

    snapshot = _newer_snapshot(tmp_path)
    settings = Settings(release=Release(2027, 2), spec=load_snapshot(str(snapshot)))
    assert (
        "passkey_only"
        not in (model_spec(STAGE, Release(2027, 2)) or bundled_model_spec(STAGE, Release(2027, 2))).fields
    )
    with worker_pool(settings, 1, "spawn") as pool:
        fields = pool.submit(_stage_fields_in_worker, settings).result(timeout=120)
    assert "passkey_only" in fields
    with worker_pool(settings, 1, "spawn") as pool:  # without --spec: the bundled rows
        assert "passkey_only" not in pool.submit(_stage_fields_in_worker, settings.replace(spec=None)).result(
            timeout=120
        )


def test_copying_settings_in_the_main_process_changes_no_spec(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    settings = Settings(release=Release(2027, 2), spec=load_snapshot(str(snapshot)))
    copied = pickle.loads(pickle.dumps(settings))
    assert copied == settings and copied.spec is not None and copied.spec.release == Release(2027, 2)
    assert model_spec(STAGE, Release(2027, 2)) == bundled_model_spec(STAGE, Release(2027, 2))


def test_parallel_lint_uses_the_snapshot(tmp_path: Path) -> None:
    snapshot = _newer_snapshot(tmp_path)
    files = []
    for index in range(70):
        path = tmp_path / "many" / f"f{index:02}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(NEWER_BLUEPRINT, encoding="utf-8")
        files.append(str(path))
    settings = Settings(release=Release(2027, 2), spec=load_snapshot(str(snapshot)), jobs=2)
    results, errors = lint_paths(files, settings)
    assert errors == [] and len(results) == 70
    assert all(result.findings == [] for result in results)


# --- no process-global spec ---------------------------------------------------------------------------


def test_runs_with_and_without_a_snapshot_interleave_in_one_process(tmp_path: Path) -> None:
    """The snapshot travels in the settings: two runs in one process (as a library or a test
    would do them) each see their own spec, whatever the order."""
    from avlint.engine import lint_text

    snapshot = load_snapshot(str(_newer_snapshot(tmp_path)))
    with_spec = Settings(release=Release(2027, 2), spec=snapshot)
    bundled = Settings(release=Release(2027, 2))
    for _ in range(2):
        assert [f.rule for f in lint_text("mfa.yaml", NEWER_BLUEPRINT, bundled).findings] == ["AV211"]
        assert lint_text("mfa.yaml", NEWER_BLUEPRINT, with_spec).findings == []
    assert model_spec(STAGE, Release(2027, 2)) == bundled_model_spec(STAGE, Release(2027, 2))
    assert (
        "passkey_only"
        in (model_spec(STAGE, Release(2027, 2), snapshot) or bundled_model_spec(STAGE, Release(2027, 2))).fields
    )


def test_the_spec_modules_keep_no_source_in_a_global() -> None:
    import avlint.spec.model as model
    import avlint.spec.snapshot as snapshot

    assert not hasattr(model, "set_spec_source") and not hasattr(model, "_active_source")
    assert not hasattr(snapshot, "use_spec_file") and not hasattr(snapshot, "activate_spec_file")
