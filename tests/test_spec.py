"""Versioned field specs and release lines."""

from __future__ import annotations

import pytest

from avlint.spec import available_models, model_spec
from avlint.spec.model import model_exists
from avlint.versions import Release, UnknownVersionError, known_releases, resolve_release

STAGE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"


def writable(model: str, version: str) -> set[str]:
    spec = model_spec(model, resolve_release(version))
    assert spec is not None
    return set(spec.writable)


def test_known_releases_span_2021_3_to_2026_8() -> None:
    releases = known_releases()
    assert releases[0] == Release(2021, 3) and releases[-1] == Release(2026, 8)
    assert list(releases) == sorted(releases)
    for line in ("2022.1", "2024.4", "2025.10", "2026.5"):
        assert Release.parse(line) in releases


@pytest.mark.parametrize("text", ["2025.12.4", "2025.12", "v2025.12.0", "2025.12.0-rc1"])
def test_patch_numbers_map_to_their_release_line(text: str) -> None:
    assert resolve_release(text) == Release(2025, 12)


@pytest.mark.parametrize("text", ["2025.13", "1.0", "latest-ish", "2020.1"])
def test_unknown_versions_list_the_known_ones(text: str) -> None:
    with pytest.raises(UnknownVersionError) as error:
        resolve_release(text)
    assert "2025.12" in str(error.value) or "not an authentik version" in str(error.value)


def test_default_is_the_newest_release() -> None:
    assert resolve_release(None) == known_releases()[-1]


@pytest.mark.parametrize(
    ("version", "fields"),
    [
        ("2021.10", {"name", "flow_set", "not_configured_action", "device_classes", "configuration_stage"}),
        ("2022.2", {"name", "flow_set", "not_configured_action", "device_classes", "configuration_stages"}),
        (
            "2022.5",
            {
                "name",
                "flow_set",
                "not_configured_action",
                "device_classes",
                "configuration_stages",
                "last_auth_threshold",
            },
        ),
        (
            "2024.4",
            {
                "name",
                "flow_set",
                "not_configured_action",
                "device_classes",
                "configuration_stages",
                "last_auth_threshold",
                "webauthn_user_verification",
                "webauthn_allowed_device_types",
            },
        ),
        (
            "2025.10",
            {
                "name",
                "flow_set",
                "not_configured_action",
                "device_classes",
                "configuration_stages",
                "last_auth_threshold",
                "webauthn_user_verification",
                "webauthn_allowed_device_types",
            },
        ),
        (
            "2025.12",
            {
                "name",
                "not_configured_action",
                "device_classes",
                "configuration_stages",
                "last_auth_threshold",
                "webauthn_user_verification",
                "webauthn_allowed_device_types",
            },
        ),
    ],
)
def test_stage_request_fields_per_release(version: str, fields: set[str]) -> None:
    assert writable(STAGE, version) == fields


def test_2026_5_adds_hints_and_throttling_factors() -> None:
    added = writable(STAGE, "2026.5") - writable(STAGE, "2026.2")
    assert added == {
        "webauthn_hints",
        "email_otp_throttling_factor",
        "sms_otp_throttling_factor",
        "totp_otp_throttling_factor",
        "static_otp_throttling_factor",
    }


@pytest.mark.parametrize(("version", "classes"), [("2021.4", 3), ("2021.6", 4), ("2021.10", 5), ("2025.2", 6)])
def test_device_class_choices_grow(version: str, classes: int) -> None:
    spec = model_spec(STAGE, resolve_release(version))
    assert spec is not None and len(spec.fields["device_classes"].items.choices) == classes


def test_flow_slug_limit_dropped_in_2025_12() -> None:
    old = model_spec("authentik_flows.flow", resolve_release("2025.10"))
    new = model_spec("authentik_flows.flow", resolve_release("2025.12"))
    assert old and new
    assert old.fields["slug"].max_length == 50 and new.fields["slug"].max_length is None
    assert set(old.required) == {"name", "slug", "title", "designation"}


def test_binding_defaults_flip_in_2023_3() -> None:
    before = model_spec("authentik_flows.flowstagebinding", resolve_release("2023.2"))
    after = model_spec("authentik_flows.flowstagebinding", resolve_release("2023.3"))
    assert before and after
    assert (before.fields["evaluate_on_plan"].default, before.fields["re_evaluate_policies"].default) == (True, False)
    assert (after.fields["evaluate_on_plan"].default, after.fields["re_evaluate_policies"].default) == (False, True)


def test_flow_set_is_validated_until_2025_12_then_read_only() -> None:
    old = model_spec(STAGE, resolve_release("2025.10"))
    new = model_spec(STAGE, resolve_release("2025.12"))
    assert old and new
    items = old.fields["flow_set"].items
    assert items is not None and items.object_fields is not None
    assert {n for n, f in items.object_fields.items() if f.required} == {"name", "slug", "title", "designation"}
    assert new.fields["flow_set"].read_only


def test_specs_exist_for_every_model_of_every_release() -> None:
    models = set(available_models())
    assert {STAGE, "authentik_flows.flow", "authentik_flows.flowstagebinding"} <= models
    assert len(models) == 141
    # The counts the issue names: models allowed in blueprints at three releases.
    for release, count in (("2023.5", 71), ("2025.12", 116), ("2026.2", 121)):
        assert sum(model_exists(m, Release.parse(release)) for m in models) == count, release


def test_versions_file_reads_the_same_without_a_yaml_parser() -> None:
    """known_releases() reads rules/versions.yaml with regular expressions (for a fast
    `avlint --version`); a YAML parser must see exactly the same list and default."""
    from avlint.resources import load_data

    data = load_data("versions.yaml")
    assert [str(r) for r in known_releases()] == data["releases"]
    assert str(resolve_release(None)) == data["default"]
