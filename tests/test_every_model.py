"""Every model of every release from the generated specs (issue 10, items 1, 5 and 7).

authentik's own shipped blueprints (tests/data/default-blueprints/) lint with no `rejected`
finding at their own release; the per-release model list knows the models of older releases;
the field rules work for models other than the three hand-tuned ones: misspelt, read-only and
newer-release keys, enums with `""`, null where the schema allows it, formats, references by
`!KeyOf`, `!Find` and raw pk, required fields on create.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from avlint.engine import lint_file, lint_text
from avlint.settings import Settings
from avlint.versions import Release
from tests.conftest import DATA, SAMPLES

BLUEPRINTS = DATA / "default-blueprints"
ARCHIVES = sorted(BLUEPRINTS.glob("blueprints-*.tar.gz"))
EXPORTS = sorted((DATA / "exports").glob("*.yaml"))


def _tag(archive: Path) -> str:
    return archive.name.removeprefix("blueprints-").removesuffix(".tar.gz")


def test_every_release_line_with_shipped_blueprints_is_here() -> None:
    lines = {".".join(_tag(a).split(".")[:2]) for a in ARCHIVES}
    assert len(ARCHIVES) == 26
    assert {"2022.8", "2023.5", "2024.6", "2025.12", "2026.2"} <= lines


@pytest.mark.parametrize("archive", ARCHIVES, ids=[_tag(a) for a in ARCHIVES])
def test_shipped_blueprints_have_no_rejected_finding_at_their_release(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as bundle:
        bundle.extractall(tmp_path, filter="data")
    files = sorted(str(p) for p in (tmp_path / "blueprints").rglob("*.yaml"))
    assert len(files) >= 10
    settings = Settings(release=Release.parse(".".join(_tag(archive).split(".")[:2])))
    rejected = [
        f"{Path(f.path).relative_to(tmp_path)}:{f.line}:{f.column} {f.rule} {f.message}"
        for path in files
        for f in lint_file(path, settings).findings
        if f.effect == "rejected"
    ]
    assert rejected == []


# Raw pks in the exports that no entry of the export creates: authentik's export names objects
# outside the file (here the exporting server's default-password-change flow) by pk.
OUTSIDE_PKS = {"default-authentication-flow": ["62:21 AV502"]}
SUPPRESSED = "  # avlint: disable=AV502"


@pytest.mark.parametrize("export", EXPORTS, ids=[e.stem for e in EXPORTS])
def test_real_exports_lint_clean_at_2025_12_but_for_pks_outside_the_file(export: Path) -> None:
    found = lint_file(str(export), Settings(release=Release(2025, 12))).findings
    assert [f"{f.line}:{f.column} {f.rule}" for f in found] == OUTSIDE_PKS.get(export.stem, [])
    # The copies among the good samples are the same files, the pk outside the file marked.
    sample = (SAMPLES / "good" / f"export-{export.name}").read_text(encoding="utf-8")
    assert sample.replace(SUPPRESSED, "") == export.read_text(encoding="utf-8")
    assert (
        lint_file(str(SAMPLES / "good" / f"export-{export.name}"), Settings(release=Release(2025, 12))).findings == []
    )


def lint(text: str, release: str = "2025.12") -> list[tuple[int, int, str]]:
    return [
        (f.line, f.column, f.rule)
        for f in lint_text("case.yaml", text, Settings(release=Release.parse(release))).findings
    ]


def messages(text: str, release: str = "2025.12") -> list[str]:
    return [
        f"{f.line} {f.rule} {f.message}"
        for f in lint_text("case.yaml", text, Settings(release=Release.parse(release))).findings
    ]


# --- which models a release has --------------------------------------------------------------------

OLD_MODELS = """\
version: 1
entries:
  - model: authentik_tenants.tenant
    identifiers: {domain: authentik-default}
    attrs: {default: true}
  - model: authentik_stages_authenticator_webauthn.authenticatewebauthnstage
    identifiers: {name: webauthn-setup}
"""


def test_models_of_older_releases_are_known_there_and_named_with_their_release_elsewhere() -> None:
    assert lint(OLD_MODELS, "2023.10") == []
    found = messages(OLD_MODELS, "2025.12")
    assert found == [
        "3 AV107 model 'authentik_tenants.tenant' was removed in authentik 2024.2 (target 2025.12)",
        "6 AV107 model 'authentik_stages_authenticator_webauthn.authenticatewebauthnstage' was removed in"
        " authentik 2024.4 (target 2025.12)",
    ]


def test_a_model_newer_than_the_target_names_the_release_that_added_it() -> None:
    text = "version: 1\nentries:\n  - model: authentik_brands.brand\n    identifiers: {domain: example.org}\n"
    assert messages(text, "2023.10") == [
        "3 AV107 model 'authentik_brands.brand' needs authentik 2024.2 or newer (target 2023.10)"
    ]
    assert lint(text, "2024.2") == []


def test_a_misspelt_model_gets_a_suggestion() -> None:
    text = "version: 1\nentries:\n  - model: authentik_brands.brnad\n    identifiers: {domain: example.org}\n"
    (message,) = messages(text)
    assert "AV107" in message and "authentik_brands.brand" in message


# --- field rules on models beyond the three hand-tuned ones ----------------------------------------


def test_misspelt_read_only_and_newer_keys_of_any_model() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_identification.identificationstage
    identifiers: {name: id}
    attrs:
      user_fields: [username]
      pasword_stage: null
      flow_set: []
"""
    found = messages(text)
    assert found[0].startswith("7 AV211 Identification Stage has no field 'pasword_stage'")
    assert "did you mean 'password_stage'" in found[0]
    assert found[1].startswith("8 AV210 'flow_set' is read-only")
    text = """\
version: 1
entries:
  - model: authentik_stages_user_login.userloginstage
    identifiers: {name: login}
    attrs: {remember_device: days=30}
"""
    assert messages(text, "2025.6") == [
        "5 AV212 'remember_device' needs authentik 2025.8 or newer (target 2025.6); older servers drop it without a word"
    ]
    assert lint(text, "2025.8") == []


def test_enum_blank_null_and_empty_string() -> None:
    text = """\
version: 1
entries:
  - model: authentik_providers_oauth2.oauth2provider
    identifiers: {name: app}
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      redirect_uris: []
      client_type: ""
      signing_key: null
"""
    assert lint(text) == [(9, 20, "AV202")]  # signing_key is nullable; client_type has no blank choice
    text = """\
version: 1
entries:
  - model: authentik_stages_identification.identificationstage
    identifiers: {name: id}
    attrs:
      user_fields: [username]
      password_stage: null
      pretend_user_exists: null
"""
    assert lint(text) == [(8, 28, "AV214")]


def test_formats_where_the_schema_says_so() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_email.emailstage
    identifiers: {name: mail}
    attrs:
      from_address: not-an-address
  - model: authentik_core.application
    identifiers: {slug: app}
    attrs:
      name: App
      meta_launch_url: example.org/start
  - model: authentik_core.application
    identifiers: {slug: app2}
    attrs:
      name: App 2
      meta_launch_url: https://example.org/start
"""
    assert lint(text) == [(6, 21, "AV501"), (11, 24, "AV501")]


def test_references_by_keyof_find_and_raw_pk() -> None:
    text = """\
version: 1
entries:
  - id: group
    model: authentik_core.group
    identifiers: {name: admins}
  - model: authentik_brands.brand
    identifiers: {domain: example.org}
    attrs:
      flow_authentication: !KeyOf group
      flow_invalidation: !Find [authentik_core.group, [name, admins]]
      flow_recovery: !Find [authentik_flows.flow, [slug, default-recovery-flow]]
      flow_user_settings: 3f1b4e0a-9d1c-4f59-9a59-2d7c4c5a8b11
"""
    assert lint(text) == [(9, 28, "AV119"), (10, 26, "AV119"), (12, 27, "AV502")]


def test_a_raw_pk_of_an_entry_in_the_file_is_fine_when_the_model_fits() -> None:
    text = """\
version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {pk: 3f1b4e0a-9d1c-4f59-9a59-2d7c4c5a8b11, slug: settings}
    attrs: {name: Settings, title: Settings, designation: stage_configuration}
  - model: authentik_core.group
    identifiers: {pk: 0c2f5a5e-7d0e-4b8e-9a53-6f1f3a7c2d10, name: admins}
  - model: authentik_brands.brand
    identifiers: {domain: example.org}
    attrs:
      flow_user_settings: 3f1b4e0a-9d1c-4f59-9a59-2d7c4c5a8b11
      flow_recovery: 0c2f5a5e-7d0e-4b8e-9a53-6f1f3a7c2d10
"""
    assert lint(text) == [(12, 22, "AV119")]


def test_required_fields_with_identifiers_merged_as_the_importer_does() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_prompt.prompt
    identifiers: {name: username-field}
    attrs: {field_key: username, label: Username, type: username}
  - model: authentik_stages_password.passwordstage
    state: must_created
    identifiers: {name: password}
"""
    found = messages(text)
    assert found == ["6 AV205 Password Stage needs 'backends' on create; the entry (state must_created) lacks it"]
    text = text.replace("    state: must_created\n", "")
    assert [m.split(" ")[1] for m in messages(text)] == ["AV206"]


def test_an_identifier_that_is_no_field_of_any_model() -> None:
    text = """\
version: 1
entries:
  - model: authentik_core.group
    identifiers: {nmae: admins}
"""
    assert [m.split(" (did")[0] for m in messages(text)] == [
        "3 AV206 Group needs 'name' when it is created; if no object matches the identifiers, authentik rejects the entry",
        "4 AV120 Group has no field 'nmae' to look objects up by; the importer fails (Invalid identifier field)",
    ]


def test_an_attrs_value_of_the_wrong_shape_is_a_finding_not_a_crash() -> None:
    text = """\
version: 1
entries:
  - model: authentik_core.group
    identifiers: {name: admins}
    attrs:
      attributes: [not, a, mapping]
      users: {not: a list}
      is_superuser: {deep: {er: [1]}}
"""
    assert lint(text) == [(6, 19, "AV201"), (7, 14, "AV201"), (8, 21, "AV201")]


def test_an_unknown_model_has_no_field_findings() -> None:
    text = "version: 1\nentries:\n  - model: authentik_core.nothing\n    identifiers: {x: 1}\n    attrs: {y: [1]}\n"
    assert [rule for _, _, rule in lint(text)] == ["AV107"]


def test_url_fields_with_their_own_schemes_are_left_to_the_serializer_rules() -> None:
    """An LDAP source's server_uri is an ldap:// URL: the schema's generic `uri` format (AV501)
    does not judge it; the serializer rules (AV607) know its schemes. One problem, one finding."""
    text = """\
version: 1
entries:
  - model: authentik_sources_ldap.ldapsource
    identifiers: {slug: ldap}
    attrs:
      name: LDAP
      server_uri: ldaps://dc1.example.org
      base_dn: dc=example,dc=org
  - model: authentik_providers_proxy.proxyprovider
    identifiers: {name: proxy}
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      external_host: app.example.org
"""
    found = lint(text)
    assert [rule for _, _, rule in found if rule in ("AV501", "AV607")] == ["AV607"]
    assert not [f for f in found if f[0] == 7]
