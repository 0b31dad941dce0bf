"""Flow position (issue 10, item 4): a validation stage bound before the user is identified has
no pending user, so the rules about users without a device stay quiet there, and the hook's
`avlint lint --strict` passes a correct passwordless flow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, lint_source

PASSKEY_FIRST = DATA / "passkey-first.yaml"


def _strict(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "avlint", "lint", "--strict", "--isolated", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_strict_lint_passes_a_correct_passwordless_flow() -> None:
    done = _strict(PASSKEY_FIRST)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_same_stage_after_an_identification_stage_is_a_lock_out_again(tmp_path: Path) -> None:
    text = PASSKEY_FIRST.read_text(encoding="utf-8").replace(
        "entries:\n",
        "entries:\n"
        "  - id: identification\n"
        "    model: authentik_stages_identification.identificationstage\n"
        "    identifiers: {name: example-passkey-first-identification}\n"
        "    attrs: {user_fields: [username]}\n"
        "  - model: authentik_flows.flowstagebinding\n"
        "    identifiers: {target: !KeyOf passkey-flow, stage: !KeyOf identification, order: 5}\n",
        1,
    )
    # The binding refers to the flow by id, so it must follow the flow's entry: move it last.
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "order: 5}" in line) - 1
    binding = lines[start : start + 2]
    del lines[start : start + 2]
    path = tmp_path / "flow.yaml"
    path.write_text("".join(lines + binding), encoding="utf-8")
    done = _strict(path)
    assert done.returncode == 1 and "AV401" in done.stdout, done.stdout + done.stderr


def test_position_follows_order_not_the_order_of_entries() -> None:
    """The bindings may be listed in any order: `order` decides which stage runs first."""
    text = """version: 1
entries:
  - id: flow
    model: authentik_flows.flow
    identifiers: {slug: login}
    attrs: {name: Login, title: Login, designation: authentication}
  - id: identification
    model: authentik_stages_identification.identificationstage
    identifiers: {name: login-identification}
    attrs: {user_fields: [username]}
  - id: mfa
    model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: login-mfa}
    attrs: {device_classes: [totp]}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf identification, order: 50}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf mfa, order: 40}
"""
    assert [f.rule for f in lint_source(text)] == ["AV601"]
    swapped = text.replace("order: 50", "order: 30")
    assert [f.rule for f in lint_source(swapped)] == []


def test_an_enrollment_flow_stage_without_webauthn_is_one_finding() -> None:
    text = """version: 1
entries:
  - id: flow
    model: authentik_flows.flow
    identifiers: {slug: signup}
    attrs: {name: Sign up, title: Sign up, designation: enrollment}
  - id: mfa
    model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: signup-mfa}
    attrs: {device_classes: [totp], not_configured_action: deny}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf mfa, order: 10}
"""
    assert [f.rule for f in lint_source(text)] == ["AV602"]
