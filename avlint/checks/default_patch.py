"""A `present` or `created` entry that names one of the objects authentik's own blueprints
create on every server patches that object: the importer validates the entry with
`partial=True`, and the serializer's cross-field rules see only the fields the entry sends.
A patch that leaves out what those rules need is rejected, although the stored object has it
(the real case: `default-authentication-identification` patched with `passwordless_flow`
alone). A `must_created` entry for such an object always fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.serializer_rules import PARTIAL_UPDATE_SHAPES, SHAPES, anchor, applies, rule_data
from avlint.default_objects import patched_default


@reports("AV613")
def check_default_patches(ctx: CheckContext) -> Iterator[Hit]:
    by_model = rule_data()["models"]
    for entry in ctx.document.entries:
        if entry.api_body or entry.state not in ("present", "created", "must_created") or not entry.identifiers:
            continue
        if entry.state == "must_created":
            yield from _must_created(ctx, entry)
            continue
        data = entry.data()
        fired = []
        for rule in by_model.get(str(entry.model), ()):
            if rule["shape"] in PARTIAL_UPDATE_SHAPES and applies(rule, ctx):
                hit = next(iter(SHAPES[rule["shape"]](rule, entry, data)), None)
                if hit is not None:
                    fired.append((rule, hit))
        # Only an entry a rule fires on needs the default objects: most files never load them.
        default = patched_default(entry, ctx.release) if fired else None
        if default is None:
            continue  # not a default object: AV603 reports what fired
        for rule, hit in fired:
            message = hit.message.split(" (", 1)[0]
            yield Hit(
                "AV613",
                hit.node,
                f"{message}: this entry patches {_what(default)}, and authentik validates the patch on its own, "
                f"without the stored values; restate {_restate(rule, default)}",
                hit.path,
            )


def _must_created(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    default = patched_default(entry, ctx.release)
    if default is None:
        return
    node, path = anchor(entry)
    state = entry.pairs.get("state")
    if state is not None:
        node, path = state.value, state.path
    yield Hit(
        "AV613",
        node,
        f"State is set to must_created and object exists already: the identifiers name {_what(default)}",
        path,
    )


def _what(default: dict[str, Any]) -> str:
    return f"authentik's default {default['model']} with {_name(default)} (created on every server by {default['blueprint']})"


def _name(default: dict[str, Any]) -> str:
    return ", ".join(f"{key} '{value}'" for key, value in default["identifiers"].items())


def _restate(rule: dict[str, Any], default: dict[str, Any]) -> str:
    """The fields the rule reads, with the default object's values where it sets them."""
    fields = list(rule.get("fields") or rule.get("then") or [rule["field"]])
    when = rule.get("when")
    if when and when["field"] not in fields:
        fields.append(when["field"])
    known = {**default["attrs"], **default["identifiers"]}
    given = [f"{field}: {json.dumps(known[field])}" for field in fields if field in known]
    # The default's own values satisfy the rule; when it sets none of them, name them all.
    return ", ".join(given) if given else " and ".join(fields) + " (the default object leaves them unset)"
