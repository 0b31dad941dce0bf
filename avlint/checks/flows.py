"""Rules across entries: stages bound into the same flow, stage names across stage types."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE, Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.flow_position import positions
from avlint.checks.stage import device_classes
from avlint.modelinfo import is_stage
from avlint.nodes import Pair, text_of

LOOKUP_FIELDS = {FLOW: "slug", VALIDATE_STAGE: "name"}


@reports("AV405")
def check_disjoint_stages(ctx: CheckContext) -> Iterator[Hit]:
    """Two validation stages bound in one flow whose device classes share nothing (#14941)."""
    by_flow: dict[object, list[tuple[Entry, Pair]]] = {}
    for binding in ctx.document.entries_of(BINDING):
        data = binding.data()
        target, stage = data.get("target"), data.get("stage")
        if target is None or stage is None or binding.state == "absent":
            continue
        flow_key = _resolve(ctx, target.value, FLOW)
        stage_entry = _resolve(ctx, stage.value, VALIDATE_STAGE)
        if flow_key is None or not isinstance(stage_entry, Entry):
            continue
        by_flow.setdefault(flow_key, []).append((stage_entry, stage))
    where = positions(ctx)
    for bound in by_flow.values():
        for (first, _), (second, pair) in combinations(bound, 2):
            if where.userless_anywhere(first) or where.userless_anywhere(second):
                continue  # without a pending user, no one needs a device of each kind
            classes_a, classes_b = _classes(ctx, first), _classes(ctx, second)
            if classes_a is not None and classes_b is not None and not classes_a & classes_b:
                yield Hit(
                    "AV405",
                    pair.value,
                    f"this flow also binds a validation stage (line {first.node.start_mark.line + 1}) whose device classes share none with this one: users need a device of each kind (authentik #14941)",
                    pair.path,
                )


@reports("AV407")
def check_stage_names(ctx: CheckContext) -> Iterator[Hit]:
    """Stage names are unique across all stage types."""
    first_by_name: dict[str, Entry] = {}
    for entry in ctx.document.entries:
        if not is_stage(entry.model) or entry.state in ("absent", None):
            continue
        pair = entry.data().get("name")
        name = text_of(pair.value) if pair else None
        if pair is None or name is None:
            continue
        name = name.strip()
        earlier = first_by_name.setdefault(name, entry)
        if earlier is not entry and earlier.model != entry.model:
            line = earlier.node.start_mark.line + 1
            yield Hit(
                "AV407",
                pair.value,
                f"stage name '{name}' is already used by the {earlier.model} on line {line}; stage names are unique across all stage types",
                pair.path,
            )


def _resolve(ctx: CheckContext, node: Node, model: str) -> object:
    """What a reference points at: an entry of this file, or a key naming the outside object."""
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        entry = ctx.entries_by_id.get(node.value)
        return entry if entry is not None and entry.model == model else None
    text = text_of(node)
    if text is not None:
        for entry in ctx.document.entries_of(model):
            pk = entry.identifiers.get("pk")
            if pk is not None and text_of(pk.value) == text:
                return entry
        return ("pk", text) if model == FLOW else None
    if (
        node.tag == "!Find"
        and isinstance(node, SequenceNode)
        and node.value
        and (text_of(node.value[0]) or "").lower() == model
    ):
        conditions = tuple(
            tuple(text_of(part) for part in cond.value) for cond in node.value[1:] if isinstance(cond, SequenceNode)
        )
        field = LOOKUP_FIELDS[model]
        for entry in ctx.document.entries_of(model):
            own = entry.data().get(field)
            if own is not None and conditions == ((field, text_of(own.value)),):
                return entry
        return ("find", conditions) if model == FLOW else None
    return None


def _classes(ctx: CheckContext, entry: Entry) -> frozenset[str] | None:
    explicit = device_classes(ctx, entry.data())
    if explicit is not None:
        # An empty list is rejected outright (empty-list); it says nothing about overlap.
        return frozenset(value for value, _ in explicit) or None
    if "device_classes" in entry.data():
        return None  # a tag: unknown
    spec = ctx.spec(VALIDATE_STAGE)
    field = spec.fields.get("device_classes") if spec else None
    return frozenset(field.items.choices) if field and field.items else None
