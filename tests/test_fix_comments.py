"""A fix moves a comment, never deletes it (issue 12 #16): a comment on or inside what a fix
removes ends up on a line of its own where the removed text was."""

from __future__ import annotations

import yaml

from avlint.fix.apply import fix_text
from avlint.settings import Settings

HEAD = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
"""


def fixed(attrs: str, unsafe: bool = False) -> str:
    outcome = fix_text("mfa.yaml", HEAD + attrs, Settings(), unsafe)
    assert outcome.refused is None and outcome.applied, outcome.refused
    yaml.safe_load(outcome.fixed)  # still loads
    assert fix_text("mfa.yaml", outcome.fixed, Settings(), unsafe).fixed == outcome.fixed  # stable
    return outcome.fixed.removeprefix(HEAD)


def test_trailing_comment_of_a_removed_duplicate_key_is_kept() -> None:
    assert fixed(
        "    attrs:\n"
        "      not_configured_action: skip   # skip until the rollout, ticket 42\n"
        "      device_classes: [totp]\n"
        "      not_configured_action: configure\n"
    ) == (
        "    attrs:\n"
        "      # skip until the rollout, ticket 42\n"
        "      device_classes: [totp]\n"
        "      not_configured_action: configure\n"
    )


def test_comments_inside_a_removed_block_value_are_kept_in_order() -> None:
    assert fixed(
        "    attrs:\n"
        "      device_classes:  # what we allow\n"
        "        # apps first\n"
        "        - totp\n"
        "        - webauthn  # keys\n"
        "      device_classes: [totp, webauthn]\n"
        "      not_configured_action: skip\n"
    ) == (
        "    attrs:\n"
        "      # what we allow\n"
        "        # apps first\n"
        "      # keys\n"
        "      device_classes: [totp, webauthn]\n"
        "      not_configured_action: skip\n"
    )


def test_a_hash_inside_a_quoted_or_block_scalar_is_not_a_comment() -> None:
    out = fixed(
        "    attrs:\n"
        '      name: "mfa # not a comment"\n'
        "      name: |  # header comment\n"
        "        # not a comment either\n"
        "      name: mfa\n"
        "      not_configured_action: skip\n"
    )
    assert out == ("    attrs:\n      # header comment\n      name: mfa\n      not_configured_action: skip\n")


def test_the_first_key_after_a_dash_keeps_its_comment_above_the_item() -> None:
    text = (
        "version: 1\n"
        "entries:\n"
        "  - model: authentik_flows.flow  # first try\n"
        "    model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
        "    identifiers:\n"
        "      name: mfa\n"
        "    attrs:\n"
        "      not_configured_action: skip\n"
    )
    outcome = fix_text("mfa.yaml", text, Settings())
    assert outcome.fixed == (
        "version: 1\n"
        "entries:\n"
        "  # first try\n"
        "  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
        "    identifiers:\n"
        "      name: mfa\n"
        "    attrs:\n"
        "      not_configured_action: skip\n"
    )


def test_a_removed_item_of_a_multi_line_flow_list_leaves_its_comment() -> None:
    assert fixed(
        "    attrs:\n"
        "      device_classes: [\n"
        "        totp,  # apps\n"
        "        totp,  # pasted twice\n"
        "      ]\n"
        "      not_configured_action: skip\n"
    ) == (
        "    attrs:\n"
        "      device_classes: [\n"
        "        totp,  # apps\n"
        "        # pasted twice\n"
        "      ]\n"
        "      not_configured_action: skip\n"
    )


def test_crlf_files_get_crlf_comment_lines() -> None:
    text = (HEAD + "    attrs:\n      not_configured_action: skip  # old\n      not_configured_action: deny\n").replace(
        "\n", "\r\n"
    )
    outcome = fix_text("mfa.yaml", text, Settings())
    assert "\r\n      # old\r\n      not_configured_action: deny\r\n" in outcome.fixed
    assert "\n" not in outcome.fixed.replace("\r\n", "")
