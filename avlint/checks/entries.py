"""Entry structure: known keys, model, state, identifiers, ids and permissions.

The importer builds each entry with dacite, which checks types: only `model` and `state` may be
tags, `id` may be null, `attrs` may be null in the dataclass but the importer then calls
`.items()` on it, and every other key must have its own type.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import ENTRY_KEYS, Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.document import rename_fix
from avlint.findings import YamlPath
from avlint.fix.model import delete_pair
from avlint.modelinfo import model_table
from avlint.nodes import INT, a_or_an, is_custom_tag, is_null, kind_name, mapping_pairs, same_value, text_of
from avlint.spec.model import model_exists, model_releases
from avlint.suggest import did_you_mean
from avlint.versions import Release

STATES = {"present": None, "created": None, "must_created": Release(2023, 10), "absent": None}
PERMISSIONS_SINCE = Release(2024, 8)
_SHAPES = {
    "model": "string",
    "id": "string",
    "state": "string",
    "identifiers": "mapping",
    "attrs": "mapping",
    "conditions": "list",
    "permissions": "list",
}
_TAG_ALLOWED = ("model", "state")


@reports("AV106", "AV107", "AV108", "AV109", "AV116", "AV117", "AV118")
def check_entries(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.document.api_body:
        return
    for entry in ctx.document.entries:
        if not isinstance(entry.node, MappingNode):
            continue
        for pair in entry.pairs.values():
            if pair.key not in ENTRY_KEYS:
                fix = rename_fix(pair, ENTRY_KEYS, entry.pairs)
                yield Hit(
                    "AV106",
                    pair.key_node,
                    f"unknown entry key '{pair.key}'; authentik ignores it{did_you_mean(pair.key, ENTRY_KEYS)}",
                    pair.path,
                    fix,
                )
            else:
                problem = _shape_problem(pair.key, pair.value)
                if problem:
                    yield Hit("AV117", pair.value, problem, pair.path)
        yield from _model(ctx, entry)
        yield from _state(ctx, entry)
        yield from _permissions(ctx, entry)
        yield from _identifier_overrides(entry)


@reports("AV110")
def check_entry_ids(ctx: CheckContext) -> Iterator[Hit]:
    first: dict[str, Entry] = {}
    for entry in ctx.document.entries:
        entry_id = entry.id
        if entry_id is None:
            continue
        if entry_id in first:
            pair = entry.pairs["id"]
            line = first[entry_id].pairs["id"].value.start_mark.line + 1
            yield Hit(
                "AV110",
                pair.value,
                f"id '{entry_id}' is already used by the entry on line {line}; !KeyOf {entry_id} resolves to that one",
                pair.path,
            )
        else:
            first[entry_id] = entry


def _missing_at_release(model: str, release: Release) -> str:
    spans = model_releases(model)
    later = [since for since, _ in spans if since and Release.parse(since) > release]
    if later:
        return f"model '{model}' needs authentik {later[0]} or newer (target {release})"
    until = max((u for _, u in spans if u), key=Release.parse, default=None)
    return f"model '{model}' was removed in authentik {until} (target {release})"


def _shape_problem(key: str, node: Node) -> str | None:
    wanted = _SHAPES[key]
    if is_custom_tag(node):
        if key in _TAG_ALLOWED:
            return None
        return f"`{key}` cannot be a tag ({node.tag}): the importer checks its type before resolving tags"
    if is_null(node):
        if key == "id":
            return None
        if key == "attrs":
            return "`attrs` is null; the importer fails on it (remove the key or write {})"
        return f"`{key}` is null; it must be {a_or_an(wanted)} (remove the key if it is empty)"
    if wanted == "mapping":
        ok = isinstance(node, MappingNode)
    elif wanted == "list":
        ok = isinstance(node, SequenceNode)
    else:
        ok = text_of(node) is not None
    return None if ok else f"`{key}` must be {a_or_an(wanted)}, not {a_or_an(kind_name(node))}"


def _model(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("model")
    if pair is None:
        yield Hit("AV109", entry.node, "the entry has no `model`", entry.path)
        return
    model = entry.model
    if model is None:
        return  # a tag or a wrong type (reported above)
    table = model_table()
    info = table["models"].get(model)
    if info is None:
        reason = table["not_allowed"].get(model)
        if reason:
            yield Hit("AV107", pair.value, f"model '{model}' is not allowed in blueprints: {reason}", pair.path)
        else:
            hint = did_you_mean(model, table["models"])
            yield Hit(
                "AV107",
                pair.value,
                f"unknown model '{model}' (the app label is case-sensitive){hint}"
                if model.lower() in table["models"]
                else f"unknown model '{model}'{hint}",
                pair.path,
            )
        return
    if not model_exists(model, ctx.release):
        yield Hit("AV107", pair.value, _missing_at_release(model, ctx.release), pair.path)
    if info.get("meta"):
        return
    identifiers = entry.pairs.get("identifiers")
    if identifiers is None:
        yield Hit(
            "AV109",
            pair.key_node,
            "the entry has no `identifiers`; authentik cannot find or create its object (No or invalid identifiers)",
            entry.path,
        )
    elif isinstance(identifiers.value, MappingNode) and not identifiers.value.value:
        yield Hit(
            "AV109",
            identifiers.value,
            "`identifiers` is empty; authentik cannot find or create the object (No or invalid identifiers)",
            identifiers.path,
        )


def _state(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("state")
    if pair is None or is_custom_tag(pair.value):
        return
    state = text_of(pair.value)
    if state is None:
        return
    if state not in STATES:
        yield Hit(
            "AV108",
            pair.value,
            f"unknown state '{state}'; use one of {', '.join(STATES)}{did_you_mean(state, STATES)}",
            pair.path,
        )
        return
    since = STATES[state]
    if since is not None and ctx.release < since:
        yield Hit(
            "AV108", pair.value, f"state '{state}' needs authentik {since} or newer (target {ctx.release})", pair.path
        )


def _permissions(ctx: CheckContext, entry: Entry) -> Iterator[Hit]:
    pair = entry.pairs.get("permissions")
    if pair is None or not isinstance(pair.value, SequenceNode) or not pair.value.value:
        return
    if ctx.release < PERMISSIONS_SINCE:
        yield Hit(
            "AV116",
            pair.key_node,
            f"entry `permissions` need authentik {PERMISSIONS_SINCE} or newer (target {ctx.release})",
            pair.path,
        )
    info = model_table()["models"].get(entry.model or "")
    allowed = info.get("permissions", []) if info else []
    for index, item in enumerate(pair.value.value):
        yield from _permission(entry, item, (*pair.path, index), allowed)


def _permission(entry: Entry, item: Node, path: YamlPath, allowed: list[str]) -> Iterator[Hit]:
    if not isinstance(item, MappingNode):
        yield Hit(
            "AV116",
            item,
            f"a permission must be a mapping {{permission, user or role}}, not {a_or_an(kind_name(item))}",
            path,
        )
        return
    fields = {p.key: p for p in mapping_pairs(item, path)}
    for key, field in fields.items():
        if key not in ("permission", "user", "role"):
            yield Hit(
                "AV116",
                field.key_node,
                f"unknown permission key '{key}'{did_you_mean(key, ('permission', 'user', 'role'))}",
                field.path,
            )
    permission = fields.get("permission")
    if permission is None:
        yield Hit("AV116", item, "the permission item has no `permission`", path)
    elif allowed and text_of(permission.value) is not None and permission.value.value not in allowed:
        codename = permission.value.value
        yield Hit(
            "AV116",
            permission.value,
            f"'{codename}' is not a permission of {entry.model}{did_you_mean(codename, allowed)}",
            permission.path,
        )
    user = fields.get("user")
    if user is not None and not (
        is_custom_tag(user.value) or (isinstance(user.value, ScalarNode) and user.value.tag == INT)
    ):
        yield Hit(
            "AV116",
            user.value,
            "`user` must be the user's integer primary key (or a tag such as !Find), not a username",
            user.path,
        )
    if "user" not in fields and "role" not in fields:
        yield Hit("AV116", item, "the permission item names neither a `user` nor a `role`", path)


def _identifier_overrides(entry: Entry) -> Iterator[Hit]:
    for key, attr in entry.attrs.items():
        identifier = entry.identifiers.get(key)
        if identifier is None or key == "pk" or same_value(attr.value, identifier.value):
            continue
        line = identifier.key_node.start_mark.line + 1
        fix = (
            delete_pair(attr.parent, attr.key_node, f"remove the ignored attrs value of '{key}'")
            if attr.parent is not None
            else None
        )
        yield Hit(
            "AV118",
            attr.key_node,
            f"'{key}' is also an identifier (line {line}); the identifier's value wins and this one is dropped",
            attr.path,
            fix,
        )
