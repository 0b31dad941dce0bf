"""Rules for a validation stage bound before the user is identified (a passwordless position).

There is no pending user there: authentik offers a user-less WebAuthn challenge when `webauthn`
is allowed and the flow is an authentication flow; otherwise the stage passes every request
(facts: the stage's run-time behaviour without a pending user).
"""

from __future__ import annotations

from collections.abc import Iterator

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.flow_position import positions
from avlint.checks.stage import device_classes
from avlint.nodes import Pair, text_of


def _designation_text(flow: object) -> str | None:
    found = _designation(flow)
    return found[0] if found else None


def _designation(flow: object) -> tuple[str, Pair] | None:
    if not isinstance(flow, Entry):
        return None
    pair = flow.data().get("designation")
    text = text_of(pair.value) if pair else None
    return (text, pair) if text is not None and pair is not None else None


@reports("AV601", "AV602")
def check_userless_validation(ctx: CheckContext) -> Iterator[Hit]:
    where = positions(ctx)
    for stage, bound in where.bound.items():
        userless = [b for b in bound if b.userless]
        if not userless or stage.state in ("absent", None):
            continue
        classes = device_classes(ctx, stage.data())
        # In a flow that is not an authentication flow the stage passes whatever its classes
        # are: AV602 says so, once.
        in_authentication = any(_designation_text(b.flow) in (None, "authentication") for b in userless)
        if in_authentication and classes and "webauthn" not in {value for value, _ in classes}:
            pair = stage.data()["device_classes"]
            yield Hit(
                "AV601",
                pair.value,
                "this stage is bound before any stage that identifies the user, so there is no pending user: "
                "without 'webauthn' in device_classes it offers nothing and passes every request",
                pair.path,
            )
        for b in userless:
            designation = _designation(b.flow)
            if designation is None or designation[0] == "authentication":
                continue
            line = designation[1].value.start_mark.line + 1
            yield Hit(
                "AV602",
                b.stage_pair.value,
                f"the validation stage is bound before the user is identified in a flow designated "
                f"'{designation[0]}' (line {line}); authentik refuses passwordless validation outside "
                "authentication flows and the stage passes every request",
                b.stage_pair.path,
            )
