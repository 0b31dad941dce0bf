"""Entry structure: known keys, model, state, identifiers, ids and permissions."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from yaml.nodes import MappingNode, SequenceNode

from avlint.blueprint import ENTRY_KEYS, Entry
from avlint.checks.base import CheckContext, Hit
from avlint.nodes import is_custom_tag, is_null, kind_name, mapping_pairs, text_of
from avlint.resources import load_data
from avlint.suggest import did_you_mean
from avlint.versions import Release, in_range

STATES = {"present": None, "created": None, "must_created": Release(2023, 10), "absent": None}
PERMISSIONS_SINCE = Release(2024, 8)
_SHAPES = {"model": "string", "id": "string", "state": "string", "identifiers": "mapping", "attrs": "mapping", "conditions": "list", "permissions": "list"}


@lru_cache(maxsize=1)
def known_models() -> dict[str, Any]:
    return load_data("models.yaml")


def check_entries(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.document.api_body:
        return
    for entry in ctx.document.entries:
        if not isinstance(entry.node, MappingNode):
            continue
        for pair in entry.pairs.values():
            if pair.key not in ENTRY_KEYS:
                yield Hit("AV106", pair.key_node, f"unknown entry key '{pair.key}'; authentik ignores it{did_you_mean(pair.key, ENTRY_KEYS)}", pair.path)
            elif not _shape_ok(pair.key, pair.value):
                yield Hit("AV117", pair.value, f"`{pair.key}` must be a {_SHAPES[pair.key]}, not a {kind_name(pair.value)}", pair.path)
        yield from _model(ctx, entry)
        yield from _state(ctx, entry)
        yield from _permissions(ctx, entry)
        yield from _identifier_overrides(entry)


def check_entry_ids(ctx: CheckContext) -> Iterator[Hit]:
    first: dict[str, Entry] = {}
    for entry in ctx.document.entries:
        entry_id = entry.id
        if entry_id is None:
            continue
        if entry_id in first:
            pair = entry.pairs["id"]
            line = first[entry_id].pairs["id"].value.start_mark.line + 1
            yield Hit("AV110", pair.value, f"id '{entry_id}' is already used by the entry on line {line}; !KeyOf {entry_id} resolves to that one", pair.path)
        else:
            first[entry_id] = entry


def _shape_ok(key: str, node) -> bool:
    if is_custom_tag(node) or (is_null(node) and key in ("attrs", "conditions", "permissions", "identifiers")):
        return True
    wanted = _SHAPES[key]
    if wanted == "mapping":
        return isinstance(node, MappingNode)
    if wanted == "list":
        return isinstance(node, SequenceNode)
    return text_of(node) is not None


def _model(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("model")
    if pair is None:
        yield Hit("AV109", entry.node, "the entry has no `model`", entry.path)
        return
    model = entry.model
    if model is None:
        return  # a tag or a wrong type (reported above)
    catalogue = known_models()
    info = catalogue["models"].get(model)
    if info is None:
        reason = catalogue["not_allowed"].get(model)
        if reason:
            yield Hit("AV107", pair.value, f"model '{model}' is not allowed in blueprints: {reason}", pair.path)
        else:
            yield Hit("AV107", pair.value, f"unknown model '{model}'{did_you_mean(model, catalogue['models'])}", pair.path)
        return
    if not in_range(ctx.release, info.get("since"), info.get("until")):
        yield Hit("AV107", pair.value, f"model '{model}' does not exist in authentik {ctx.release}", pair.path)
    if info.get("meta") or entry.state == "absent" and entry.identifiers:
        return
    identifiers = entry.pairs.get("identifiers")
    if identifiers is None or is_null(identifiers.value):
        yield Hit("AV109", pair.key_node, "the entry has no `identifiers`; authentik cannot find or create its object (No or invalid identifiers)", entry.path)
    elif isinstance(identifiers.value, MappingNode) and not identifiers.value.value:
        yield Hit("AV109", identifiers.value, "`identifiers` is empty; authentik cannot find or create the object (No or invalid identifiers)", identifiers.path)


def _state(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("state")
    if pair is None or is_custom_tag(pair.value):
        return
    state = text_of(pair.value)
    if state is None:
        return
    if state not in STATES:
        yield Hit("AV108", pair.value, f"unknown state '{state}'; use one of {', '.join(STATES)}{did_you_mean(state, STATES)}", pair.path)
        return
    since = STATES[state]
    if since is not None and ctx.release < since:
        yield Hit("AV108", pair.value, f"state '{state}' needs authentik {since} or newer (target {ctx.release})", pair.path)


def _permissions(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("permissions")
    if pair is None or not isinstance(pair.value, SequenceNode) or not pair.value.value:
        return
    if ctx.release < PERMISSIONS_SINCE:
        yield Hit("AV116", pair.key_node, f"entry `permissions` need authentik {PERMISSIONS_SINCE} or newer (target {ctx.release})", pair.path)
    info = known_models()["models"].get(entry.model or "")
    allowed = info.get("permissions", []) if info else []
    for index, item in enumerate(pair.value.value):
        path = (*pair.path, index)
        if is_custom_tag(item):
            continue
        if not isinstance(item, MappingNode):
            yield Hit("AV116", item, f"a permission must be a mapping {{permission, user or role}}, not a {kind_name(item)}", path)
            continue
        fields = {p.key: p for p in mapping_pairs(item, path)}
        for key, field in fields.items():
            if key not in ("permission", "user", "role"):
                yield Hit("AV116", field.key_node, f"unknown permission key '{key}'{did_you_mean(key, ('permission', 'user', 'role'))}", field.path)
        permission = fields.get("permission")
        if permission is None:
            yield Hit("AV116", item, "the permission item has no `permission`", path)
        elif allowed and text_of(permission.value) is not None and permission.value.value not in allowed:
            codename = permission.value.value
            yield Hit("AV116", permission.value, f"'{codename}' is not a permission of {entry.model}{did_you_mean(codename, allowed)}", permission.path)
        if "user" not in fields and "role" not in fields:
            yield Hit("AV116", item, "the permission item names neither a `user` nor a `role`", path)


def _identifier_overrides(entry: Entry) -> Iterator[Hit]:
    for key, attr in entry.attrs.items():
        identifier = entry.identifiers.get(key)
        if identifier is None or key == "pk":
            continue
        same = text_of(attr.value) is not None and text_of(attr.value) == text_of(identifier.value)
        if not same:
            line = identifier.key_node.start_mark.line + 1
            yield Hit("AV118", attr.key_node, f"'{key}' is also an identifier (line {line}); the identifier's value wins and this one is dropped", attr.path)
