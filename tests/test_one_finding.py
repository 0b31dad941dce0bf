"""One problem, one finding: a value the field rules refuse is not also parsed by a grammar
rule, and a target release older than blueprints is one finding, not one per field."""

from __future__ import annotations

import pytest

from avlint.checks.threshold import parse_threshold
from tests.conftest import lint_source

STAGE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {{name: mfa}}
    attrs:
      last_auth_threshold: {value}
"""


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        ("~", ["AV214"]),
        ("null", ["AV214"]),
        ('""', ["AV203"]),
        ("true", ["AV201"]),
        ("[hours=1]", ["AV201"]),
        ("{hours: 1}", ["AV201"]),
        ("12h", ["AV303"]),
        ("12", ["AV303"]),  # DRF makes "12" of an integer; the grammar then refuses it
        ("!Env THRESHOLD", []),
    ],
)
def test_a_threshold_value_is_reported_by_one_rule(value: str, rules: list[str]) -> None:
    assert [f.rule for f in lint_source(STAGE.format(value=value))] == rules


OLD = """\
version: 1
metadata:
  name: MFA
entries:
  - id: totp-setup
    model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers: {name: totp-setup}
    attrs:
      digits: 6
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: !Format ["%s-mfa", !Env SITE]}
    permissions:
      - permission: view_authenticatorvalidatestage
        role: !Find [authentik_rbac.role, [name, auditors]]
    attrs:
      device_classes: [totp, webauthn, email]
      not_configured_action: configure
      configuration_stages: [!KeyOf totp-setup]
      last_auth_threshold: hours=12
      webauthn_user_verification: required
      webauthn_allowed_device_types: []
"""


@pytest.mark.parametrize("target", ["2021.3", "2021.12", "2022.7"])
def test_a_blueprint_for_a_release_before_blueprints_is_one_finding(target: str) -> None:
    findings = lint_source(OLD, target=target)
    assert [(f.rule, f.line, f.column) for f in findings] == [("AV122", 1, 1)]
    assert "2022.8" in findings[0].message and target in findings[0].message


def test_the_same_blueprint_at_2022_8_is_checked_field_by_field() -> None:
    rules = {f.rule for f in lint_source(OLD, target="2022.8")}
    assert "AV122" not in rules
    assert {"AV212", "AV213"} <= rules  # webauthn fields and email came later


def test_an_api_body_for_an_old_release_is_still_checked() -> None:
    findings = lint_source('{"name": "mfa", "device_classes": ["totp", "email"]}', target="2021.12", path="s.json")
    assert [f.rule for f in findings] == ["AV213"]


@pytest.mark.parametrize("text", ["seconds=nan", "hours=1;seconds=NaN", "minutes= nan "])
def test_nan_says_what_is_wrong_with_the_value(text: str) -> None:
    result = parse_threshold(text)
    assert not result.valid and not result.overflow
    assert result.error is not None and "NaN (not a number)" in result.error
    assert "convert" not in result.error


def test_nan_in_a_blueprint() -> None:
    (finding,) = lint_source(STAGE.format(value="seconds=nan"))
    assert finding.rule == "AV303"
    assert "the value of 'seconds' is NaN (not a number)" in finding.message


def test_av307_gives_authentiks_documented_reason_only() -> None:
    (finding,) = lint_source(
        STAGE.format(value="seconds=10").replace("attrs:\n", "attrs:\n      device_classes: [totp]\n")
    )
    assert finding.rule == "AV307"
    assert "authentik's documentation says" in finding.message
    assert "twice" not in finding.message


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        ("[~, ~]", ["AV214", "AV214"]),  # not also AV403: the nulls are refused before they are compared
        ("[Totp, Totp]", ["AV202", "AV202"]),
        ("[1, 1]", ["AV202", "AV202"]),
        ("[totp, webauthn, totp]", ["AV403"]),
    ],
)
def test_a_device_class_item_is_reported_by_one_rule(value: str, rules: list[str]) -> None:
    text = STAGE.replace("last_auth_threshold: {value}", "device_classes: {value}").format(value=value)
    assert [f.rule for f in lint_source(text)] == rules


def test_a_class_the_release_lacks_is_not_also_a_duplicate() -> None:
    text = STAGE.replace("last_auth_threshold: {value}", "device_classes: [totp, email, email]").format(value="")
    assert [f.rule for f in lint_source(text, target="2024.12")] == ["AV213", "AV213"]


def test_a_duplicate_after_a_tag_names_its_own_place() -> None:
    text = STAGE.replace("last_auth_threshold: {value}", "device_classes: [totp, !Env X, totp]").format(value="")
    (finding,) = lint_source(text)
    assert (finding.rule, finding.yaml_path[-1]) == ("AV403", 2)
