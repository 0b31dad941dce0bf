"""authentik's cross-field and value rules that share a shape, read as data from
rules/serializer_rules.yaml (the file's header explains each shape)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.serializer_choices import country_problems, permission_problems, shared_codename_problems
from avlint.checks.values import string_field_text
from avlint.default_objects import patched_default
from avlint.nodes import BOOL, Pair, is_custom_tag, is_null, scalar_value
from avlint.resources import load_data
from avlint.versions import in_range

DATA = "serializer_rules.yaml"
_TRUE_TEXT = frozenset({"t", "y", "yes", "true", "on", "1"})


@lru_cache(maxsize=1)
def rule_data() -> dict[str, Any]:
    data: dict[str, Any] = load_data(DATA)
    return data


def applies(rule: dict[str, Any], ctx: CheckContext) -> bool:
    since = rule.get("since", rule_data()["defaults"]["since"])
    return in_range(ctx.release, since, rule.get("until"))


def checked_entries(ctx: CheckContext, models: object) -> Iterator[Entry]:
    """Entries of these models whose data the serializer validates: not `absent` (deleted
    whatever validation says), and with a state avlint can read."""
    for entry in ctx.document.entries:
        if entry.model in models and entry.state not in ("absent", None) and not entry.api_body:  # type: ignore[operator]
            yield entry


# --- how a value reads in the entry -------------------------------------------------------------


def is_unknown(node: Node) -> bool:
    """A value built on the server (a tag): it may satisfy any rule."""
    return is_custom_tag(node)


def is_non_empty(node: Node) -> bool:
    """A truthy value as Python's `if value` reads the validated data: a list with items, a
    non-blank string, true, a non-zero number; null, "", [] and false are empty."""
    if is_unknown(node):
        return True
    if isinstance(node, SequenceNode | MappingNode):
        return bool(node.value)
    if is_null(node):
        return False
    value = scalar_value(node)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def is_true(node: Node) -> bool:
    """A value DRF's BooleanField reads as true (tags count: they may be)."""
    if is_unknown(node):
        return True
    if not isinstance(node, ScalarNode):
        return False
    if node.tag == BOOL:
        return bool(scalar_value(node))
    return str(node.value).strip().lower() in _TRUE_TEXT


def _text(pair: Pair | None) -> str | None:
    return string_field_text(pair.value) if pair is not None else None


# --- the shapes -----------------------------------------------------------------------------------


def _at_least_one(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    test = is_true if rule.get("truthy") else is_non_empty
    pairs = [data.get(name) for name in rule["fields"]]
    if any(pair is not None and test(pair.value) for pair in pairs):
        return
    given = next((pair for pair in pairs if pair is not None), None)
    node, path = (given.value, given.path) if given else anchor(entry)
    fields = " or ".join(rule["fields"])
    how = "true" if rule.get("truthy") else "non-empty"
    yield Hit(
        "AV603",
        node,
        f"{rule['message']} (authentik reads only this entry, on create and on update: set {fields} {how} here)",
        path,
    )


def _holds(when: dict[str, Any], data: dict[str, Pair]) -> bool:
    pair = data.get(when["field"])
    if pair is None:
        return bool(when.get("or_absent"))
    if when.get("set"):
        return not is_null(pair.value)  # a tag (a !Find of the keypair, say) sets it too
    if is_unknown(pair.value):
        return False  # unknown: the rule cannot be said to apply
    if "in" in when:
        return _text(pair) in when["in"]
    return bool(when.get("truthy")) and is_true(pair.value)


def _requires(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    when = rule["when"]
    if not _holds(when, data):
        return
    lifting = rule.get("unless_set")
    if lifting and data.get(lifting) is not None and is_non_empty(data[lifting].value):
        return
    trigger = data.get(when["field"])
    node, path = (trigger.value, trigger.path) if trigger else anchor(entry)
    then = rule["then"]
    if rule.get("then_any"):
        if not any(data.get(name) is not None and is_true(data[name].value) for name in then):
            yield Hit("AV603", node, f"{rule['message']} (set {' or '.join(then)} to true in this entry)", path)
        return
    for name in then:
        pair = data.get(name)
        if rule.get("then_present"):
            if pair is None:
                yield Hit("AV603", node, rule["message"].format(field=name), path)
                return  # authentik reports the first missing one
            continue
        if pair is None or not is_non_empty(pair.value):
            where = (pair.value, pair.path) if pair is not None else (node, path)
            yield Hit("AV603", where[0], f"{rule['message']} ({name} must be set in this entry)", where[1])
            return  # one message per rule, as authentik raises one


def _present(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    if rule["field"] not in data:
        node, path = anchor(entry)
        yield Hit("AV603", node, f"{rule['message']} (add '{rule['field']}' to this entry)", path)


def _refused(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    pair = data.get(rule["field"])
    text = _text(pair)
    if pair is not None and text is not None and text in rule["values"]:
        yield Hit("AV604", pair.value, rule["message"].format(value=text), pair.path)


def _not_empty(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    pair = data.get(rule["field"])
    if (
        pair is not None
        and isinstance(pair.value, SequenceNode)
        and not pair.value.value
        and not is_unknown(pair.value)
    ):
        yield Hit("AV604", pair.value, f"{rule['field']}: {rule['message']}", pair.path)


def _forbid(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    pair = data.get(rule["field"])
    text = _text(pair)
    if pair is not None and text and re.search(rule["regex"], text):
        message = rule["message"].format(value=text)
        yield Hit(
            "AV604", pair.value, message if text in message else f"{rule['field']} '{text}': {message}", pair.path
        )


def _on_create(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    """Refused on create: certain for a must_created entry. For one that may update an
    existing object the runtime notes (AV612, serializer_values) report it."""
    pair = data.get(rule["field"])
    if pair is not None and entry.state == "must_created" and _text(pair) in rule["values"]:
        yield Hit("AV604", pair.value, f"{rule['message']} (the entry always creates the object)", pair.path)


# The shapes a serializer's validate() checks against the entry alone: on a patch of an existing
# object they fire although the stored object has the fields.
PARTIAL_UPDATE_SHAPES = frozenset({"at_least_one", "requires", "present"})


def _reported_elsewhere(rule: dict[str, Any], entry: Entry, data: dict[str, Pair]) -> Iterator[Hit]:
    """A runtime note (AV612): serializer_values reports it with the other notes."""
    return iter(())


def _choice_hits(rule: dict[str, Any], data: dict[str, Pair], ctx: CheckContext) -> Iterator[Hit]:
    """The choice-list shapes (countries, permissions): their data is read only when used."""
    if rule["shape"] == "countries":
        found = country_problems(rule, data)
    else:
        found = permission_problems(rule, data, ctx.release)
    for node, path, message in found:
        yield Hit("AV604", node, message, path)


CHOICE_SHAPES = frozenset({"countries", "permissions"})

SHAPES = {
    "at_least_one": _at_least_one,
    "requires": _requires,
    "present": _present,
    "refused": _refused,
    "not_empty": _not_empty,
    "forbid": _forbid,
    "on_create": _on_create,
    "note_unless": _reported_elsewhere,
}


def anchor(entry: Entry) -> tuple[Node, tuple[str | int, ...]]:
    """Where an entry-wide finding points: its `model` value (the entry's first line)."""
    pair = entry.pairs.get("model")
    return (pair.value, pair.path) if pair is not None else (entry.node, entry.path)


@reports("AV603", "AV604")
def check_serializer_rules(ctx: CheckContext) -> Iterator[Hit]:
    if not ctx.document.entries:
        return
    by_model = rule_data()["models"]
    for entry in checked_entries(ctx, by_model):
        data = entry.data()
        spec = ctx.spec(entry.model)
        patches_default: bool | None = None  # looked up only when a rule fires: most never do
        for rule in by_model[str(entry.model)]:
            if rule["shape"] == "present" and spec is not None and rule["field"] in spec.required:
                continue  # a required field: the field rules report it missing, once
            if not applies(rule, ctx):
                continue
            shape = rule["shape"]
            found = _choice_hits(rule, data, ctx) if shape in CHOICE_SHAPES else SHAPES[shape](rule, entry, data)
            hits = list(found)
            if hits and rule["shape"] in PARTIAL_UPDATE_SHAPES:
                # A patch of one of authentik's default objects: AV613 reports it with the
                # reason and the default's values to restate.
                if patches_default is None:
                    patches_default = entry.state != "must_created" and patched_default(entry, ctx.release) is not None
                if patches_default:
                    continue
            yield from hits


PERMISSION_MODELS = ("authentik_core.user", "authentik_rbac.role")


@reports("AV615")
def check_shared_codenames(ctx: CheckContext) -> Iterator[Hit]:
    """R-CORE-08, R-RB-02: authentik grants a listed permission's codename in every app."""
    if not ctx.document.entries:
        return
    by_model = rule_data()["models"]
    for entry in checked_entries(ctx, PERMISSION_MODELS):
        for rule in by_model[str(entry.model)]:
            if rule["shape"] == "permissions" and applies(rule, ctx):
                for node, path, message in shared_codename_problems(rule, entry.data(), ctx.release):
                    yield Hit("AV615", node, message, path)
