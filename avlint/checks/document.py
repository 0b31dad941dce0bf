"""The blueprint's top level: version, metadata, context, entries, and repeated keys anywhere."""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import TOP_KEYS
from avlint.checks.authentik_discovery import DISCOVERY_STOPS, stops_discovery
from avlint.checks.base import CheckContext, Hit, reports
from avlint.fix.model import Fix, delete_pair, rename_key
from avlint.nodes import (
    INT,
    MERGE,
    Pair,
    a_or_an,
    key_identity,
    kind_name,
    last_wins,
    mapping_pairs,
    scalar_value,
    start,
    text_of,
)
from avlint.suggest import did_you_mean
from avlint.versions import Release

METADATA_KEYS = ("name", "labels")
SECTIONED_ENTRIES_SINCE = Release(2025, 8)


@reports("AV002")
def check_duplicate_keys(ctx: CheckContext) -> Iterator[Hit]:
    for mapping in ctx.mappings:
        keys = [key.value.lower() for key, _ in mapping.value if isinstance(key, ScalarNode)]
        if len(set(keys)) == len(keys):
            continue  # the common case, decided without building anything
        seen: dict[object, ScalarNode] = {}
        for key_node, _ in mapping.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == MERGE:
                continue
            identity = key_identity(key_node)
            earlier = seen.get(identity)
            if earlier is not None:
                line = start(key_node)[0]
                path = (*ctx.path_of(mapping), key_node.value)
                fix = delete_pair(mapping, earlier, f"remove the ignored first '{key_node.value}'")
                yield Hit(
                    "AV002",
                    earlier,
                    f"key '{key_node.value}' is repeated on line {line}; authentik keeps that value and drops this one",
                    path,
                    fix,
                )
            seen[identity] = key_node


@reports("AV101", "AV102", "AV103", "AV104", "AV105", "AV125")
def check_top_level(ctx: CheckContext) -> Iterator[Hit]:
    doc = ctx.document
    if doc.api_body:
        return
    for pair in doc.top.values():
        if pair.key not in TOP_KEYS:
            fix = rename_fix(pair, TOP_KEYS, doc.top)
            yield Hit(
                "AV102",
                pair.key_node,
                f"unknown top-level key '{pair.key}'; authentik ignores it{did_you_mean(pair.key, TOP_KEYS)}",
                pair.path,
                fix,
            )
    yield from _version(ctx)
    yield from _metadata_problems(ctx)
    context = doc.top.get("context")
    if context is not None and not isinstance(context.value, MappingNode):
        yield Hit(
            "AV104",
            context.value,
            f"`context` must be a mapping, not {a_or_an(kind_name(context.value))} (remove the key if it is empty)",
            context.path,
        )
    yield from _entries_shape(ctx)


def rename_fix(pair: Pair, known: Iterable[str], present: Container[str]) -> Fix | None:
    """Renaming a misspelt key changes what authentik does, so it is an unsafe fix."""
    from avlint.suggest import closest

    match = closest(pair.key, known)
    if match is None or match in present:
        return None
    return rename_key(pair.key_node, match, f"rename '{pair.key}' to '{match}'", safe=False)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _version(ctx: CheckContext) -> Iterator[Hit]:
    pair = ctx.document.top.get("version")
    if pair is None:
        return
    node = pair.value
    if not (isinstance(node, ScalarNode) and node.tag == INT and scalar_value(node) == 1):
        shown = node.value if isinstance(node, ScalarNode) else kind_name(node)
        yield Hit(
            "AV101",
            node,
            f"blueprint version must be the integer 1, not {shown!r}; authentik rejects the file (Invalid blueprint version)",
            pair.path,
        )


def _metadata_problems(ctx: CheckContext) -> Iterator[Hit]:
    """One finding per problem: malformed metadata in a file authentik's discovery reads stops
    that discovery for every file (AV125); in any other file it fails this import only (AV103)."""
    hits = list(_metadata(ctx))
    if any(hit.code == "AV103" for hit in hits) and stops_discovery(ctx):
        hits = [
            hit._replace(code="AV125", message=hit.message + DISCOVERY_STOPS) if hit.code == "AV103" else hit
            for hit in hits
        ]
    yield from hits


def _metadata(ctx: CheckContext) -> Iterator[Hit]:
    pair = ctx.document.top.get("metadata")
    if pair is None or _is_null(pair.value):
        return
    if not isinstance(pair.value, MappingNode):
        yield Hit("AV103", pair.value, f"`metadata` must be a mapping, not {a_or_an(kind_name(pair.value))}", pair.path)
        return
    fields = last_wins(mapping_pairs(pair.value, pair.path))
    for key, item in fields.items():
        if key not in METADATA_KEYS:
            yield Hit(
                "AV102",
                item.key_node,
                f"unknown metadata key '{key}'; authentik ignores it{did_you_mean(key, METADATA_KEYS)}",
                item.path,
            )
    name = fields.get("name")
    if name is None:
        yield Hit("AV103", pair.key_node, "`metadata` needs a `name`", pair.path)
    elif text_of(name.value) is None:
        yield Hit(
            "AV103",
            name.value,
            f"`metadata.name` must be a plain string, not {a_or_an(kind_name(name.value))}: the importer checks it before resolving tags",
            name.path,
        )
    labels = fields.get("labels")
    if labels is None:
        return
    if not isinstance(labels.value, MappingNode):
        yield Hit(
            "AV103",
            labels.value,
            f"`metadata.labels` must be a mapping of strings, not {a_or_an(kind_name(labels.value))}",
            labels.path,
        )
        return
    for label in mapping_pairs(labels.value, labels.path):
        if text_of(label.value) is None and isinstance(label.value, ScalarNode):
            yield Hit(
                "AV103",
                label.value,
                f"label '{label.key}' must be a string; quote it (\"{label.value.value}\")",
                label.path,
            )
        elif text_of(label.value) is None:  # a list, a mapping, or a tag on one: nothing to quote
            yield Hit(
                "AV103",
                label.value,
                f"label '{label.key}' must be a plain string, not {a_or_an(kind_name(label.value))}: the importer reads labels before resolving tags",
                label.path,
            )


def _entries_shape(ctx: CheckContext) -> Iterator[Hit]:
    pair = ctx.document.top.get("entries")
    if pair is None:
        return
    node = pair.value
    if isinstance(node, MappingNode):
        if ctx.release < SECTIONED_ENTRIES_SINCE:
            yield Hit(
                "AV105",
                node,
                f"named sections in `entries` need authentik {SECTIONED_ENTRIES_SINCE} or newer (target {ctx.release})",
                pair.path,
            )
        for section in mapping_pairs(node, pair.path):
            if not isinstance(section.value, SequenceNode):
                yield Hit(
                    "AV105",
                    section.value,
                    f"entries section '{section.key}' must be a list of entries, not {a_or_an(kind_name(section.value))}",
                    section.path,
                )
    elif not isinstance(node, SequenceNode):
        yield Hit("AV105", node, f"`entries` must be a list of entries, not {a_or_an(kind_name(node))}", pair.path)
    for entry in ctx.document.entries:
        if not isinstance(entry.node, MappingNode):
            yield Hit(
                "AV105",
                entry.node,
                f"an entry must be a mapping with at least `model`, not {a_or_an(kind_name(entry.node))}",
                entry.path,
            )
