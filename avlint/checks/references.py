"""`!KeyOf` references: the id must exist and belong to an earlier entry."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node, ScalarNode

from avlint.checks.base import CheckContext, Hit, reports
from avlint.suggest import did_you_mean


@reports("AV111", "AV112")
def check_keyof(ctx: CheckContext) -> Iterator[Hit]:
    if "!KeyOf" not in ctx.text:
        return
    ids = ctx.entries_by_id
    for node, path in ctx.tagged_nodes:
        if node.tag != "!KeyOf" or not isinstance(node, ScalarNode) or not node.value.strip():
            continue
        target = ids.get(node.value)
        if target is None:
            yield Hit("AV111", node, f"no entry has id '{node.value}'{did_you_mean(node.value, ids)}", path)
            continue
        user = ctx.entry_at(path)
        if user is None or target.index < user.index:
            continue
        line = target.node.start_mark.line + 1
        where = "this entry itself" if target is user else f"the entry on line {line}, which comes later"
        yield Hit(
            "AV112",
            node,
            f"!KeyOf {node.value} points at {where}; entries are applied in order, so move it above",
            path,
        )


def target_of(ctx: CheckContext, node: Node) -> object:
    """The entry a `!KeyOf` node resolves to, or None."""
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        return ctx.entries_by_id.get(node.value)
    return None
