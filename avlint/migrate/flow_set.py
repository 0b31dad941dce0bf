"""2025.12: a stage's `flow_set` becomes read-only, so the flows it named would lose the stage.

Each flow it names becomes an `authentik_flows.flowstagebinding` entry (target, stage, order),
appended after the last entry so that the flow and the stage are created first. A flow the
file already binds the stage to needs nothing. `flow_set` carries no order, and the order
decides where the stage runs in the flow: it cannot be guessed. Without `--flow-set-order`
the file is refused, naming each flow and its position; with it, every new binding gets that
order (the facts: unique_together is target, stage, order; bindings run by order).
"""

from __future__ import annotations

from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, Document, Entry
from avlint.fix.edits import content_end, flow_scalar
from avlint.nodes import mapping_pairs, start, text_of


class FlowSetRefused(Exception):
    """The flow_set cannot become bindings without more information from the user."""


@dataclass(frozen=True)
class NewBinding:
    line: int  # of the flow_set item it replaces
    note: str
    comment: str  # written above the entry, so that a reader knows where it comes from
    lines: tuple[str, ...]  # the entry's YAML, unindented, first line after `- `


def bindings_for(entry: Entry, document: Document, order: int | None) -> list[NewBinding]:
    """The binding entries that keep what the stage's flow_set said; [] when the file binds
    every named flow already. FlowSetRefused when an item names no flow or has no order."""
    pair = entry.attrs.get("flow_set")
    if pair is None or not isinstance(pair.value, SequenceNode):
        return []
    stage_name = _stage_name(entry)
    new: list[NewBinding] = []
    for item in pair.value.value:
        line, column = start(item)
        slug = _slug_of(item, document)
        if slug is None:
            raise FlowSetRefused(
                f"line {line}, column {column}: a flow_set item of stage '{stage_name}' names no flow by slug; "
                "write the flow-stage binding entry for it by hand"
            )
        if _already_bound(entry, slug, document):
            continue
        if order is None:
            raise FlowSetRefused(
                f"line {line}, column {column}: stage '{stage_name}' is in flow '{slug}' through flow_set, which "
                "is read-only from 2025.12; its flow-stage binding needs an order, which flow_set does not hold "
                "(it decides where the stage runs in the flow). Give --flow-set-order N, or add an "
                "authentik_flows.flowstagebinding entry (target, stage, order) for it"
            )
        new.append(
            NewBinding(
                line,
                f"2025.12: flow '{slug}' keeps stage '{stage_name}': flow_set becomes a flow-stage binding at order {order}",
                f"stage '{stage_name}' in flow '{slug}', from its flow_set (read-only from 2025.12); order given with --flow-set-order",
                (
                    f"model: {BINDING}",
                    "identifiers:",
                    f"  target: {_flow_reference(slug, document)}",
                    f"  stage: {_stage_reference(entry, stage_name)}",
                    f"  order: {order}",
                ),
            )
        )
    return new


def append_entries(text: str, document: Document, bindings: list[NewBinding]) -> str:
    """`text` with the binding entries added after the last entry, indented like it."""
    pair = document.top.get("entries")
    if (
        document.sectioned
        or pair is None
        or not isinstance(pair.value, SequenceNode)
        or pair.value.flow_style
        or not document.entries
    ):
        raise FlowSetRefused("flow-stage binding entries can only be added to a block list of entries")
    last = document.entries[-1].node
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    prefix = text[line_start : last.start_mark.index]
    if prefix.strip() != "-":
        raise FlowSetRefused("flow-stage binding entries can only be added after a `- ` entry on its own line")
    dash = prefix[: prefix.index("-")]
    indent = " " * len(prefix)
    end = text.find("\n", content_end(last))
    at = len(text) if end < 0 else end + 1
    block = "" if text[:at].endswith("\n") else "\n"
    for binding in bindings:
        block += f"{dash}# {binding.comment}\n"
        block += f"{prefix}{binding.lines[0]}\n" + "".join(f"{indent}{line}\n" for line in binding.lines[1:])
    return text[:at] + block + text[at:]


def _stage_name(entry: Entry) -> str:
    pair = entry.data().get("name")
    return text_of(pair.value) or "?" if pair is not None else "?"


def _stage_reference(entry: Entry, name: str) -> str:
    if entry.id is not None:
        return f"!KeyOf {entry.id}"
    if name == "?":
        raise FlowSetRefused(
            f"line {start(entry.node)[0]}: the stage has neither an id nor a plain name; a binding cannot refer to it"
        )
    return f"!Find [{entry.model}, [name, {flow_scalar(name)}]]"


def _flow_reference(slug: str, document: Document) -> str:
    flow = _flow_entry(slug, document)
    if flow is not None and flow.id is not None:
        return f"!KeyOf {flow.id}"
    return f"!Find [{FLOW}, [slug, {flow_scalar(slug)}]]"


def _flow_entry(slug: str, document: Document) -> Entry | None:
    for entry in document.entries:
        pair = entry.data().get("slug")
        if entry.model == FLOW and pair is not None and text_of(pair.value) == slug:
            return entry
    return None


def _slug_of(item: Node, document: Document) -> str | None:
    """The slug of the flow a flow_set item names: its `slug`, or a flow entry's pk."""
    if isinstance(item, MappingNode):
        pair = next((p for p in mapping_pairs(item) if p.key == "slug"), None)
        return text_of(pair.value) if pair is not None else None
    pk = text_of(item)
    for entry in document.entries:
        if entry.model == FLOW and pk is not None and _pk(entry) == pk:
            slug = entry.data().get("slug")
            return text_of(slug.value) if slug is not None else None
    return None


def _pk(entry: Entry) -> str | None:
    pair = entry.identifiers.get("pk")
    return text_of(pair.value) if pair is not None else None


def _already_bound(stage: Entry, slug: str, document: Document) -> bool:
    for entry in document.entries:
        if entry.model != BINDING or entry.state == "absent":
            continue
        data = entry.data()
        target, bound = data.get("target"), data.get("stage")
        if target is not None and bound is not None:
            if _names_flow(target.value, slug, document) and _names_stage(bound.value, stage):
                return True
    return False


def _names_flow(node: Node, slug: str, document: Document) -> bool:
    flow = _flow_entry(slug, document)
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        return flow is not None and bool(flow.id == node.value)
    if node.tag == "!Find":
        return _find_pair(node) == (FLOW, "slug", slug)
    return flow is not None and text_of(node) is not None and text_of(node) == _pk(flow)


def _names_stage(node: Node, stage: Entry) -> bool:
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        return bool(stage.id == node.value)
    if node.tag == "!Find":
        return _find_pair(node) == (stage.model, "name", _stage_name(stage))
    return text_of(node) is not None and text_of(node) == _pk(stage)


def _find_pair(node: Node) -> tuple[str | None, str | None, str | None] | None:
    """(model, field, value) of `!Find [model, [field, value]]`; None for other shapes."""
    if not isinstance(node, SequenceNode) or len(node.value) != 2:
        return None
    model, condition = node.value
    if not isinstance(condition, SequenceNode) or len(condition.value) != 2:
        return None
    model_name = text_of(model)
    return model_name.lower() if model_name else None, text_of(condition.value[0]), text_of(condition.value[1])
