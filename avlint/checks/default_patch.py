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

from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.serializer_rules import PARTIAL_UPDATE_SHAPES, SHAPES, anchor, applies, rule_data
from avlint.default_objects import patched_default


@reports("AV613")
def check_default_patches(ctx: CheckContext) -> Iterator[Hit]:
    by_model = rule_data()["models"]
    for entry in ctx.document.entries:
        if entry.api_body or entry.state not in ("present", "created", "must_created") or not entry.identifiers:
            continue
        if entry.state != "must_created" and entry.model not in by_model:
            continue  # nothing a patch of this model can leave out: do not load the data
        default = patched_default(entry, ctx.release)
        if default is None:
            continue
        what = f"authentik's default {default['model']} with {_name(default)} (created on every server by {default['blueprint']})"
        if entry.state == "must_created":
            node, path = anchor(entry)
            state = entry.pairs.get("state")
            if state is not None:
                node, path = state.value, state.path
            yield Hit(
                "AV613",
                node,
                f"State is set to must_created and object exists already: the identifiers name {what}",
                path,
            )
            continue
        data = entry.data()
        for rule in by_model.get(str(entry.model), ()):
            if rule["shape"] not in PARTIAL_UPDATE_SHAPES or not applies(rule, ctx):
                continue
            for hit in SHAPES[rule["shape"]](rule, entry, data):
                message = hit.message.split(" (", 1)[0]
                yield Hit(
                    "AV613",
                    hit.node,
                    f"{message}: this entry patches {what}, and authentik validates the patch on its own, "
                    f"without the stored values; restate {_restate(rule, default)}",
                    hit.path,
                )
                break


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
