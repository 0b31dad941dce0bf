"""R-SO-12: fields whose serializer offers only keypairs with a private key (an LDAP source's
`client_certificate`). A reference to a keypair entry of the same file that gives no key is
refused as if the keypair did not exist. Which fields: rules/serializer_rules.yaml (`keypairs:`)."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.serializer_rules import applies, checked_entries, rule_data
from avlint.checks.values import string_field_text
from avlint.modelinfo import normalise_model
from avlint.nodes import is_custom_tag, text_of

KEYPAIR = "authentik_crypto.certificatekeypair"


def _found_entry(ctx: CheckContext, node: Node) -> tuple[Entry, str] | None:
    """The keypair entry of this file a `!KeyOf` or `!Find` names, and how to name the pk."""
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        target = ctx.entries_by_id.get(str(node.value))
        if target is not None and target.model == KEYPAIR:
            return target, f"!KeyOf {node.value}"
        return None
    if node.tag != "!Find" or not isinstance(node, SequenceNode) or not node.value:
        return None
    model = text_of(node.value[0])
    if model is None or normalise_model(model) != KEYPAIR:
        return None
    query: dict[str, str] = {}
    for item in node.value[1:]:
        if not isinstance(item, SequenceNode) or len(item.value) != 2:
            return None  # a malformed query: the tag checks report it
        key, value = (text_of(part) for part in item.value)
        if key is None or value is None:
            return None  # a value given by a tag: the object it finds is known only on the server
        query[key] = value
    if not query:
        return None
    for entry in ctx.document.entries:
        if entry.model != KEYPAIR or entry.state == "absent":
            continue
        data = entry.data()
        if all(key in data and string_field_text(data[key].value) == value for key, value in query.items()):
            what = ", ".join(f"{key} {value}" for key, value in query.items())
            return entry, f"!Find {KEYPAIR} with {what}"
    return None


def _gives_no_key(entry: Entry) -> str | None:
    """Why the keypair entry leaves the keypair without a private key, or None when it may have one."""
    pair = entry.data().get("key_data")
    if pair is None:
        return "sets no key_data (the keypair it creates has no private key)"
    if is_custom_tag(pair.value):
        return None  # !File, !Env...: the key is read on the server
    text = string_field_text(pair.value)
    if text is not None and not text.strip():
        return "sets key_data to an empty string"
    return None


@reports("AV614")
def check_keypairs_with_key(ctx: CheckContext) -> Iterator[Hit]:
    if not ctx.document.entries:
        return
    table = rule_data()["keypairs"]
    if not applies(table, ctx):
        return
    for entry in checked_entries(ctx, table["fields"]):
        data = entry.data()
        for field in table["fields"][str(entry.model)]:
            pair = data.get(field)
            found = _found_entry(ctx, pair.value) if pair is not None else None
            if pair is None or found is None:
                continue
            keypair, pk = found
            why = _gives_no_key(keypair)
            if why is None:
                continue
            line = keypair.node.start_mark.line + 1
            yield Hit(
                "AV614",
                pair.value,
                table["message"].format(pk=f"<pk of {pk}>")
                + f" ({field} must be a keypair with a private key: authentik offers only keypairs whose key_data"
                f" is set, and the {KEYPAIR} entry on line {line} {why}; add its key_data, e.g. !File of the key)",
                pair.path,
            )
