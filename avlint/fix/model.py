"""A fix is data: what to change, on which nodes, and whether the change keeps the meaning.

Checks attach fixes to their hits; only the applier (avlint.fix.edits) knows how a step
becomes a text edit, so checks never touch text.
"""

from __future__ import annotations

from typing import NamedTuple

from yaml.nodes import Node


class Step(NamedTuple):
    """One change. Actions:
    replace      target: node, text: its new source text
    rename_key   target: key node, text: the new key
    delete_pair  parent: mapping, target: key node (the pair goes; comments in it are moved above it)
    delete_item  parent: sequence, target: item node (likewise)
    wrap_list    target: node, written inside [ ]
    insert_pair  target: mapping, text: `key: value` added after its last pair
    insert_first_key  target: block mapping, text: `key: value` put before its first key
    strip_bom    (no node): drop a leading byte-order mark
    """

    action: str
    target: Node | None = None
    parent: Node | None = None
    text: str | None = None


class Fix(NamedTuple):
    description: str
    steps: tuple[Step, ...]
    safe: bool = True


def replace(node: Node, text: str, description: str, safe: bool = True) -> Fix:
    return Fix(description, (Step("replace", node, text=text),), safe)


def delete_pair(mapping: Node, key: Node, description: str, safe: bool = True) -> Fix:
    return Fix(description, (Step("delete_pair", key, mapping),), safe)


def delete_item(sequence: Node, item: Node, description: str, safe: bool = True) -> Fix:
    return Fix(description, (Step("delete_item", item, sequence),), safe)


def rename_key(key: Node, new: str, description: str, safe: bool = True) -> Fix:
    return Fix(description, (Step("rename_key", key, text=new),), safe)
