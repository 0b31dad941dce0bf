"""Hard-coded primary keys become references that survive a move to another server.

authentik's exports write every reference as a raw pk (authentik issue #5811). A pk of an entry
in the same file becomes `!KeyOf <id>` (the entry gets an `id` when it has none); a pk of an
object outside the file becomes `!Find [model, [name, ...]]` when a saved listing names it;
anything else is reported, with its position, for a human to resolve.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document, Entry
from avlint.fix.edits import flow_scalar
from avlint.fix.model import Fix, Step, replace
from avlint.nodes import STR, start, text_of
from avlint.spec import model_spec
from avlint.versions import Release

REFERENCE_KINDS = ("stage", "flow")


@dataclass(frozen=True)
class Known:
    """An object outside the file, from a saved listing: how `!Find` can look it up."""

    model: str
    field: str
    value: str


@dataclass
class ReferencePlan:
    fixes: list[tuple[int, str, Fix]] = field(default_factory=list)  # (line, note, fix)
    unresolved: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, pk)


def plan_references(document: Document, release: Release, known: dict[str, Known]) -> ReferencePlan:
    result = ReferencePlan()
    by_pk = {
        text_of(e.identifiers["pk"].value): e
        for e in document.entries
        if "pk" in e.identifiers and text_of(e.identifiers["pk"].value)
    }
    ids = {e.id for e in document.entries if e.id}
    new_ids: dict[int, str] = {}
    for entry in document.entries:
        for pair_key, node, in_reference_field in _reference_candidates(entry, release):
            pk = text_of(node)
            target = by_pk.get(pk or "")
            line, column = start(node)
            if target is not None and target is not entry:
                target_id = target.id or new_ids.get(target.index)
                if target_id is None:
                    target_id = new_ids[target.index] = _new_id(target, ids)
                result.fixes.append(
                    (
                        line,
                        f"'{pair_key}' refers to the entry '{target_id}' by pk",
                        replace(node, f"!KeyOf {target_id}", f"write !KeyOf {target_id}"),
                    )
                )
            elif pk in known:
                found = known[pk]
                text = f"!Find [{found.model}, [{found.field}, {flow_scalar(found.value)}]]"
                result.fixes.append(
                    (
                        line,
                        f"'{pair_key}' refers to {found.model} '{found.value}' by pk",
                        replace(node, text, f"write {text}"),
                    )
                )
            elif in_reference_field and target is None:
                result.unresolved.append((line, column, pk or ""))
    for index, new_id in new_ids.items():
        entry = document.entries[index]
        result.fixes.append(
            (
                start(entry.node)[0],
                f"the entry gets id '{new_id}' for !KeyOf",
                Fix(f"add id: {new_id}", (Step("insert_first_key", entry.node, text=f"id: {new_id}"),)),
            )
        )
    return result


def _reference_candidates(entry: Entry, release: Release) -> Iterator[tuple[str, ScalarNode, bool]]:
    """(field, node, is a declared reference field) for every UUID string in the entry's data,
    except the entry's own pk."""
    spec = model_spec(entry.model, release) if entry.model else None
    for key, pair in entry.data().items():
        field_spec = spec.fields.get(key) if spec else None
        # A model avlint has no spec for: any UUID may be a reference, so report it.
        declared = spec is None or (
            field_spec is not None
            and (
                field_spec.references in REFERENCE_KINDS
                or (field_spec.items is not None and field_spec.items.references in REFERENCE_KINDS)
            )
        )
        for node in _strings(pair.value):
            if _is_uuid(node.value):
                yield key, node, declared


def _strings(node: Node) -> Iterator[ScalarNode]:
    if isinstance(node, ScalarNode):
        if node.tag == STR:
            yield node
    elif isinstance(node, SequenceNode) and not node.tag.startswith("!"):
        for item in node.value:
            yield from _strings(item)
    elif isinstance(node, MappingNode) and not node.tag.startswith("!"):
        for _, value in node.value:
            yield from _strings(value)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _new_id(entry: Entry, taken: set[str]) -> str:
    data = entry.data()
    label = next((text_of(data[k].value) for k in ("slug", "name") if k in data and text_of(data[k].value)), None)
    if label is None and "order" in data:  # bindings have no name: use their order
        label = f"{(entry.model or 'binding').rsplit('.', 1)[-1].removeprefix('flowstage')}-{getattr(data['order'].value, 'value', '')}"
    base = (
        re.sub(r"[^a-z0-9]+", "-", (label or (entry.model or "entry").rsplit(".", 1)[-1]).lower()).strip("-") or "entry"
    )
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def load_known(path: str) -> dict[str, Known]:
    """Objects from a saved API listing (a list endpoint's JSON, or a list of objects)."""
    from avlint.loader.side import SideInputError, load_json

    try:
        data = load_json(path)  # guarded like a blueprint: regular file, size, depth
    except SideInputError as error:
        raise ValueError(error.detail) from None
    items = data.get("results", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("expected a list endpoint's JSON or a list of objects")
    known = {}
    for item in items:
        if not isinstance(item, dict) or "pk" not in item:
            continue
        if "slug" in item and "designation" in item:
            known[str(item["pk"])] = Known("authentik_flows.flow", "slug", item["slug"])
        elif item.get("meta_model_name") and item.get("name"):
            known[str(item["pk"])] = Known(item["meta_model_name"], "name", item["name"])
    return known
