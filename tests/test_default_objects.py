"""The default objects of each release (rules/default_objects.json) and how an entry matches one."""

from __future__ import annotations

from pathlib import Path

import pytest

from avlint.blueprint import build_document
from avlint.default_objects import default_objects, patched_default
from avlint.default_objects_generate import generate, render
from avlint.loader.yaml_nodes import compose
from avlint.resources import rules_dir
from avlint.versions import Release
from tests.conftest import DATA

ARCHIVES = sorted((DATA / "default-blueprints").glob("blueprints-*.tar.gz"))


def test_the_committed_data_is_a_fresh_generation_from_the_archives() -> None:
    assert len(ARCHIVES) == 26
    committed = (rules_dir() / "default_objects.json").read_text(encoding="utf-8")
    assert committed == render(generate(ARCHIVES)), "stale: run python -m avlint.default_objects_generate ARCHIVES"


def test_an_archive_with_another_name_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "blueprints.tar.gz"
    odd.write_bytes(ARCHIVES[0].read_bytes())
    with pytest.raises(ValueError, match=r"not named blueprints-YEAR\.MINOR\.PATCH"):
        generate([odd])


def _ids(release: Release) -> set[tuple[str, str]]:
    return {(row["model"], str(row["identifiers"])) for row in default_objects(release)}


def test_each_release_has_its_own_objects_and_a_newer_target_uses_the_newest() -> None:
    stage = ("authentik_stages_identification.identificationstage", "{'name': 'default-authentication-identification'}")
    assert stage in _ids(Release(2022, 8)) and stage in _ids(Release(2026, 2))
    assert _ids(Release(2026, 8)) == _ids(Release(2026, 2))
    assert _ids(Release(2025, 11)) == _ids(Release(2025, 10))
    assert default_objects(Release(2022, 6)) == ()
    # The WebAuthn setup stage's model was renamed in 2024.8 (authenticatewebauthnstage before).
    old_model = {model for model, _ in _ids(Release(2022, 8))}
    assert "authentik_stages_authenticator_webauthn.authenticatewebauthnstage" in old_model


def test_long_texts_are_recorded_by_length() -> None:
    policy = next(
        row
        for row in default_objects(Release(2025, 12))
        if row["identifiers"] == {"name": "default-authentication-flow-password-stage"}
    )
    assert policy["attrs"]["expression"].startswith("<") and policy["attrs"]["expression"].endswith(" characters>")


def _entry(text: str):
    root = compose(text)
    return build_document("x.yaml", root, False).entries[0]


def test_an_entry_matches_a_default_by_every_identifier() -> None:
    entry = _entry("entries:\n  - model: authentik_flows.flow\n    identifiers: {slug: default-authentication-flow}\n")
    found = patched_default(entry, Release(2025, 12))
    assert found is not None and found["blueprint"] == "default/flow-default-authentication-flow.yaml"
    other = _entry(
        "entries:\n  - model: authentik_flows.flow\n"
        "    identifiers: {slug: default-authentication-flow, designation: enrollment}\n"
    )
    assert patched_default(other, Release(2025, 12)) is None


def test_tags_and_missing_identifiers_match_nothing() -> None:
    tagged = _entry(
        "entries:\n  - model: authentik_flows.flow\n    identifiers: {slug: !Env [S, default-authentication-flow]}\n"
    )
    assert patched_default(tagged, Release(2025, 12)) is None
    bare = _entry("entries:\n  - model: authentik_flows.flow\n    attrs: {slug: default-authentication-flow}\n")
    assert patched_default(bare, Release(2025, 12)) is None


def test_only_default_and_system_blueprints_count_in_either_layout(tmp_path: Path) -> None:
    """The archive as released (a release folder first) or repacked (blueprints/ first); the
    examples are opt-in, and entries with conditions or state absent create nothing certain."""
    import io
    import tarfile

    from avlint.default_objects_generate import objects_of_archive

    stage = "version: 1\nentries:\n  - model: authentik_stages_deny.DenyStage\n    identifiers: {name: %s}\n"
    files = {
        "blueprints-2025.12.4/blueprints/default/a.yaml": stage % "released-default",
        "blueprints/system/b.yaml": stage % "repacked-system",
        "blueprints/example/c.yaml": stage % "example",
        "blueprints/default/d.yaml": (
            "version: 1\nentries:\n"
            "  - model: authentik_stages_deny.denystage\n    state: absent\n    identifiers: {name: gone}\n"
            "  - model: authentik_stages_deny.denystage\n    conditions: [false]\n    identifiers: {name: maybe}\n"
            "  - model: authentik_stages_deny.denystage\n    identifiers: {name: !Context name}\n"
        ),
    }
    archive = tmp_path / "blueprints-2025.12.4.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    found = {(row["blueprint"], str(row["identifiers"]["name"])) for row in objects_of_archive(archive)}
    assert found == {
        ("default/a.yaml", "released-default"),
        ("system/b.yaml", "repacked-system"),
        ("default/d.yaml", '!Context "name"'),
    }
    models = {row["model"] for row in objects_of_archive(archive)}
    assert models == {"authentik_stages_deny.denystage"}  # the model name as Django resolves it


def test_a_patch_of_a_default_is_one_finding_and_an_own_stage_another() -> None:
    """One problem, one finding: the patch of the default stage is AV613 only (not also
    AV603), and the same patch of a stage of the user's own is AV603 only."""
    from tests.conftest import lint_source

    text = """version: 1
entries:
  - model: authentik_stages_identification.identificationstage
    identifiers: {name: %s}
    attrs:
      passwordless_flow: !Find [authentik_flows.flow, [slug, passwordless]]
"""
    assert [f.rule for f in lint_source(text % "default-authentication-identification")] == ["AV613"]
    assert [f.rule for f in lint_source(text % "my-identification")] == ["AV603"]
    # Before the cross-field rules' release range, neither.
    assert [f.rule for f in lint_source(text % "default-authentication-identification", target="2025.10")] == []
