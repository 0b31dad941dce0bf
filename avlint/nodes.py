"""Small helpers over PyYAML nodes: positions, kinds, scalar values and mapping pairs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.findings import YamlPath

STANDARD = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (STANDARD + t for t in ("str", "int", "float", "bool", "null"))
MERGE = STANDARD + "merge"
# Tags PyYAML's SafeLoader can construct; any other tag fails authentik's loader.
SAFE_STANDARD_TAGS = frozenset(
    STANDARD + t
    for t in (
        "null",
        "bool",
        "int",
        "float",
        "binary",
        "timestamp",
        "omap",
        "pairs",
        "set",
        "str",
        "seq",
        "map",
        "merge",
        "value",
    )
)

_constructor = yaml.SafeLoader("")  # only its scalar constructors are used, never its stream


class Pair(NamedTuple):
    """One key of a mapping: its text, its key and value nodes, and the value's YAML path."""

    key: str
    key_node: Node
    value: Node
    path: YamlPath
    parent: Node | None = None  # the mapping holding the pair; None when merged in by `<<`


def start(node: Node) -> tuple[int, int]:
    """1-based line and column where the node starts (the only place 0-based marks convert)."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def end(node: Node) -> tuple[int, int]:
    mark = node.end_mark or node.start_mark
    return mark.line + 1, mark.column + 1


def is_custom_tag(node: Node) -> bool:
    return node.tag.startswith("!")


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def scalar_value(node: Node) -> Any:
    """The Python value PyYAML's safe loader would build for a standard-tagged scalar."""
    if node.tag == STR:
        return node.value
    constructor = _constructor.yaml_constructors.get(node.tag)
    if constructor is None:
        return node.value
    try:
        return constructor(_constructor, node)
    except (ValueError, yaml.YAMLError):
        return node.value


def text_of(node: Node) -> str | None:
    """The string a plain (untagged) scalar holds, or None for anything else."""
    if isinstance(node, ScalarNode) and node.tag == STR:
        value: str = node.value
        return value
    return None


def kind_name(node: Node) -> str:
    """How the value reads to a user: string, integer, list, mapping, tag !KeyOf..."""
    if is_custom_tag(node):
        return f"tag {node.tag}"
    if isinstance(node, MappingNode):
        return "mapping"
    if isinstance(node, SequenceNode):
        return "list"
    names = {STR: "string", INT: "integer", FLOAT: "number", BOOL: "boolean", NULL: "null"}
    return names.get(node.tag, node.tag.removeprefix(STANDARD))


def mapping_pairs(node: MappingNode, path: YamlPath = ()) -> list[Pair]:
    """The mapping's pairs in order, with YAML merge keys (`<<`) flattened as PyYAML does.

    Merged pairs come first so that explicit keys, appearing later, win. Keys that are not
    plain scalars are given their YAML text.
    """
    merged: list[Pair] = []
    explicit: list[Pair] = []
    for key_node, value in node.value:
        if key_node.tag == MERGE:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend(Pair(p.key, p.key_node, p.value, p.path) for p in mapping_pairs(source, path))
            continue
        key = key_node.value if isinstance(key_node, ScalarNode) else kind_name(key_node)
        explicit.append(Pair(str(key), key_node, value, (*path, str(key)), node))
    return merged + explicit if merged else explicit


def last_wins(pairs: list[Pair]) -> dict[str, Pair]:
    """A dict of pairs where a repeated key keeps its last value, as PyYAML does."""
    return {pair.key: pair for pair in pairs}


def walk(root: Node) -> Iterator[tuple[Node, YamlPath]]:
    """Every node once, depth first, with its YAML path. Shared (aliased) nodes are visited
    once, so a document the loader accepted cannot blow up here."""
    seen: set[int] = set()
    stack: list[tuple[Node, YamlPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, path
        if isinstance(node, MappingNode):
            for key_node, value in reversed(node.value):
                key = key_node.value if isinstance(key_node, ScalarNode) else "?"
                stack.append((value, (*path, key)))
                stack.append((key_node, path))
        elif isinstance(node, SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[index], (*path, index)))


def same_value(left: Node, right: Node) -> bool:
    """True when two nodes hold the same data (tags included), whatever their spelling."""
    if type(left) is not type(right) or ((is_custom_tag(left) or is_custom_tag(right)) and left.tag != right.tag):
        return False
    if isinstance(left, ScalarNode):
        return bool(scalar_value(left) == scalar_value(right) if not is_custom_tag(left) else left.value == right.value)
    if isinstance(left, SequenceNode):
        return len(left.value) == len(right.value) and all(
            same_value(a, b) for a, b in zip(left.value, right.value, strict=False)
        )
    return len(left.value) == len(right.value) and all(
        same_value(ka, kb) and same_value(va, vb) for (ka, va), (kb, vb) in zip(left.value, right.value, strict=False)
    )


def a_or_an(noun: str) -> str:
    """`a string`, `an integer`: the article a message needs before `noun`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def key_identity(node: ScalarNode) -> object:
    """What a mapping key is once loaded: `true` and `True` are the same key, `1` and `"1"` are not."""
    if node.tag == STR:
        return ("str", node.value)
    value = scalar_value(node)
    try:
        hash(value)
    except TypeError:
        return (node.tag, node.value)
    return ("value", value)


_NO_MARK = yaml.error.Mark("<data>", 0, 0, 0, None, None)  # type: ignore[arg-type]  # the stubs want an int pointer; PyYAML takes None (no buffer)


def node_of(value: Any) -> Node:
    """Nodes for plain data (what a JSON body decodes to), so data can be linted without
    writing and re-parsing it."""
    if isinstance(value, dict):
        return MappingNode(
            STANDARD + "map",
            [(node_of(str(k)), node_of(v)) for k, v in value.items()],
            _NO_MARK,
            _NO_MARK,
            flow_style=True,
        )
    if isinstance(value, (list, tuple)):
        return SequenceNode(STANDARD + "seq", [node_of(item) for item in value], _NO_MARK, _NO_MARK, flow_style=True)
    if value is None:
        return ScalarNode(NULL, "null", _NO_MARK, _NO_MARK)
    if isinstance(value, bool):
        return ScalarNode(BOOL, "true" if value else "false", _NO_MARK, _NO_MARK)
    if isinstance(value, int):
        return ScalarNode(INT, str(value), _NO_MARK, _NO_MARK)
    if isinstance(value, float):
        return ScalarNode(FLOAT, repr(value), _NO_MARK, _NO_MARK)
    return ScalarNode(STR, str(value), _NO_MARK, _NO_MARK, style='"')
