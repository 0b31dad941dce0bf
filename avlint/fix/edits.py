"""Turn fix steps into text edits on the original source.

Working on text rather than re-dumping a YAML tree is what keeps every untouched byte (comments,
quotes, indentation, line endings) exactly as it was: an edit replaces one span and nothing
else. Spans come from the nodes' character offsets.
"""

from __future__ import annotations

from typing import NamedTuple

from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from avlint.fix.model import Step


class Edit(NamedTuple):  # orders by position, then text
    start: int
    end: int
    text: str


class CannotEdit(Exception):
    """The step has no safe text edit in this layout (e.g. a nested compact sequence)."""


def content_end(node: Node) -> int:
    """Offset just after the node's own text. A block collection's end mark points at the
    next token, so its end is its last child's end instead."""
    if (
        isinstance(node, ScalarNode)
        and node.style in ("|", ">")
        and node.end_mark.column == 0
        and node.end_mark.index > node.start_mark.index
    ):
        return node.end_mark.index - 1  # a block scalar's end mark is past its final newline
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return content_end(node.value[-1][1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return content_end(node.value[-1])
    return int(node.end_mark.index)


def _target(step: Step) -> Node:
    if step.target is None:
        raise CannotEdit(f"the {step.action} step names no node")
    return step.target


def _mapping(node: Node | None) -> MappingNode:
    if not isinstance(node, MappingNode):
        raise CannotEdit("the step needs a mapping")
    return node


def _sequence(node: Node | None) -> SequenceNode:
    if not isinstance(node, SequenceNode):
        raise CannotEdit("the step needs a sequence")
    return node


def edits_for(step: Step, text: str) -> list[Edit]:
    handler = _HANDLERS.get(step.action)
    if handler is None:
        raise CannotEdit(f"unknown fix action {step.action}")
    edits: list[Edit] = []
    for edit in handler(step, text):
        edits.extend(edit if isinstance(edit, _Pair) else [edit])
    return edits


def _replace(step: Step, text: str) -> list[Edit]:
    node = _target(step)
    start, end = _after_anchor(text, node.start_mark.index), content_end(node)
    replacement = step.text or ""
    if start == end and start > 0 and text[start - 1] == ":":  # an empty value right after `key:`
        replacement = " " + replacement
    return _keeping_comments(text, [Edit(start, end, replacement)], [node])


def _after_anchor(text: str, start: int) -> int:
    """A node's span starts at its anchor (`&name`); keep the anchor, so aliases still work."""
    if not text.startswith("&", start):
        return start
    position = start
    while position < len(text) and not text[position].isspace():
        position += 1
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _rename_key(step: Step, text: str) -> list[Edit]:
    key = _target(step)
    return [Edit(key.start_mark.index, key.end_mark.index, step.text or "")]


def _delete_pair(step: Step, text: str) -> list[Edit]:
    key = _target(step)
    value = next(v for k, v in _mapping(step.parent).value if k is key)
    return _keeping_comments(text, _pair_removal(step, text), [key, value])


def _pair_removal(step: Step, text: str) -> list[Edit]:
    mapping, key = _mapping(step.parent), _target(step)
    pairs = mapping.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is key)
    value = pairs[index][1]
    if mapping.flow_style:
        return [_flow_removal(mapping, [k for k, _ in pairs], [v for _, v in pairs], index, "{}", text)]
    line_start = text.rfind("\n", 0, key.start_mark.index) + 1
    prefix = text[line_start : key.start_mark.index]
    if not prefix.strip() and len(pairs) == 1:  # the only pair: leave an empty mapping, not null
        # `{}` on the pair's own line, so the line above (`attrs:`) stays byte for byte.
        return [Edit(line_start, _line_end(text, content_end(value)), f"{prefix}{{}}{_newline(text)}")]
    if not prefix.strip():  # the key starts its line: drop the pair's whole lines
        return [Edit(line_start, _line_end(text, content_end(value)), "")]
    if prefix.strip() == "-" and len(pairs) > 1 and index == 0:  # `- key: v` then more keys
        return [Edit(key.start_mark.index, pairs[1][0].start_mark.index, "")]
    if prefix.strip() == "-" and len(pairs) == 1:
        return [Edit(key.start_mark.index, content_end(value), "{}")]
    raise CannotEdit("the key shares its line with other content")


def _delete_item(step: Step, text: str) -> list[Edit]:
    return _keeping_comments(text, _item_removal(step, text), [_target(step)])


def _item_removal(step: Step, text: str) -> list[Edit]:
    sequence, item = _sequence(step.parent), _target(step)
    items = sequence.value
    index = next(i for i, node in enumerate(items) if node is item)
    if sequence.flow_style:
        return [_flow_removal(sequence, items, items, index, "[]", text)]
    line_start = text.rfind("\n", 0, item.start_mark.index) + 1
    if text[line_start : item.start_mark.index].strip() != "-":
        raise CannotEdit("the item shares its line with another sequence indicator")
    return [Edit(line_start, _line_end(text, content_end(item)), "")]


def _flow_removal(
    collection: Node, starts: list[Node], ends: list[Node], index: int, empty: str, text: str = ""
) -> Edit:
    """Remove one element of a flow collection together with one separating comma. An element
    alone on its line (a multi-line flow collection) takes its whole line, comment included."""
    if len(starts) > 1 and text:
        line_start = text.rfind("\n", 0, starts[index].start_mark.index) + 1
        end = content_end(ends[index])
        rest = text[end : _line_end(text, end)].strip()
        if not text[line_start : starts[index].start_mark.index].strip() and (
            rest in ("", ",") or rest.lstrip(",").lstrip().startswith("#")
        ):
            if index < len(starts) - 1 or rest.startswith(","):
                return Edit(line_start, _line_end(text, end), "")
            # the last element without a trailing comma: drop the previous element's comma too
            comma = text.rfind(",", content_end(ends[index - 1]), line_start)
            if comma >= 0 and "#" not in text[content_end(ends[index - 1]) : comma]:
                return _join(Edit(comma, comma + 1, ""), Edit(line_start, _line_end(text, end), ""))
    if len(starts) == 1:
        return Edit(collection.start_mark.index, collection.end_mark.index, empty)
    if index < len(starts) - 1:
        return Edit(starts[index].start_mark.index, starts[index + 1].start_mark.index, "")
    return Edit(content_end(ends[index - 1]), content_end(ends[index]), "")


def _wrap_list(step: Step, text: str) -> list[Edit]:
    node = _target(step)
    if not (isinstance(node, ScalarNode) or (isinstance(node, CollectionNode) and node.flow_style)):
        raise CannotEdit("only a scalar or a flow value can be wrapped in a list")
    return [Edit(node.start_mark.index, node.start_mark.index, "["), Edit(content_end(node), content_end(node), "]")]


def _insert_pair(step: Step, text: str) -> list[Edit]:
    """Add `step.text` (a `key: value` line, possibly with indented lines below it) to a
    mapping: after its last pair in block style, before the closing brace in flow style."""
    mapping = _mapping(step.target)
    if mapping.flow_style:
        if "\n" in (step.text or ""):
            raise CannotEdit("a multi-line pair cannot go into a flow mapping")
        if not mapping.value:
            return [Edit(mapping.start_mark.index, mapping.end_mark.index, "{" + (step.text or "") + "}")]
        return [Edit(content_end(mapping.value[-1][1]), content_end(mapping.value[-1][1]), ", " + (step.text or ""))]
    if not mapping.value:
        raise CannotEdit("an empty block mapping has no indentation to follow")
    indent = " " * mapping.value[0][0].start_mark.column
    newline = _newline(text)
    lines = (step.text or "").split("\n")
    block = "".join(f"{indent}{line}{newline}" for line in lines)
    at = _line_end(text, content_end(mapping.value[-1][1]))
    prefix = "" if at == 0 or text[at - 1] == "\n" else newline
    return [Edit(at, at, prefix + block)]


def _insert_first_key(step: Step, text: str) -> list[Edit]:
    """Put `step.text` (`key: value`) before a block mapping's first key, on its own line."""
    mapping = _mapping(step.target)
    if not mapping.value:
        raise CannotEdit("an empty mapping has no first key to go before")
    first = mapping.value[0][0]
    if mapping.flow_style:
        return [Edit(first.start_mark.index, first.start_mark.index, f"{step.text}, ")]
    return [
        Edit(
            first.start_mark.index,
            first.start_mark.index,
            f"{step.text}{_newline(text)}{' ' * first.start_mark.column}",
        )
    ]


def _keeping_comments(text: str, edits: list[Edit], removed: list[Node]) -> list[Edit]:
    """`edits`, with every comment in the text they remove moved, not deleted: onto lines of its
    own just above the line where the removal starts (a comment on a line of its own keeps its
    indentation; one that ended a removed line gets that line's indentation). A comment is the
    user's note; a fix that removes a value has no way to know the note is obsolete."""
    flat = [edit for item in edits for edit in (item if isinstance(item, _Pair) else [item])]
    spans = _scalar_spans(text, removed)
    comments = [comment for edit in flat for comment in _comments_in(text, edit.start, edit.end, spans)]
    if not comments:
        return edits
    start = min(edit.start for edit in flat)
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start : _line_end(text, line_start)]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    newline = _newline(text)
    block = "".join(
        f"{own_indent if own_indent is not None else indent}{comment}{newline}" for own_indent, comment in comments
    )
    first = min(flat)
    if first.start == line_start:  # the removal starts its line: the comments take its place
        return [*(e for e in flat if e is not first), Edit(first.start, first.end, block + first.text)]
    return [_join(Edit(line_start, line_start, block), *flat)]


def _scalar_spans(text: str, nodes: list[Node]) -> list[tuple[int, int]]:
    """Where the scalars under `nodes` are in the text: a `#` there is text, not a comment."""
    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            start = node.start_mark.index
            if node.style in ("|", ">"):  # the header line (`|-  # note`) may end in a comment
                header_end = text.find("\n", start)
                start = header_end if header_end >= 0 else start
            spans.append((start, node.end_mark.index))
        elif isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return spans


def _comments_in(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[str | None, str]]:
    """The comments that begin in text[start:end], outside scalars: (the indentation of a comment
    alone on its line, else None; the comment)."""
    found: list[tuple[str | None, str]] = []
    position = text.find("#", start, end)
    while position >= 0:
        if any(low <= position < high for low, high in spans):
            position = text.find("#", position + 1, end)
            continue
        line_start = text.rfind("\n", 0, position) + 1
        before = text[line_start:position]
        stop = _line_end(text, position)
        found.append((before if not before.strip(" \t") else None, text[position:stop].rstrip("\r\n")))
        position = text.find("#", stop, end)
    return found


def _join(*edits: Edit) -> Edit:
    """Marker for two edits that belong together; see edits_for."""
    return _Pair(edits)  # type: ignore[return-value]


class _Pair(tuple[Edit, ...]):
    pass


def _strip_bom(step: Step, text: str) -> list[Edit]:
    return [Edit(0, 1, "")] if text.startswith("\ufeff") else []


def _newline(text: str) -> str:
    """The file's line ending, so inserted lines match it."""
    return "\r\n" if "\r\n" in text else "\n"


def _line_end(text: str, offset: int) -> int:
    """Offset after the newline that ends the line holding `offset` (comments included)."""
    newline = text.find("\n", offset)
    return len(text) if newline < 0 else newline + 1


_HANDLERS = {
    "replace": _replace,
    "rename_key": _rename_key,
    "delete_pair": _delete_pair,
    "delete_item": _delete_item,
    "strip_bom": _strip_bom,
    "wrap_list": _wrap_list,
    "insert_pair": _insert_pair,
    "insert_first_key": _insert_first_key,
}


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (the caller drops overlaps)."""
    for edit in sorted(edits, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def flow_scalar(value: str) -> str:
    """A scalar's text that is safe inside a flow collection or as a plain value."""
    import yaml

    dumped = yaml.safe_dump(value, default_flow_style=True, width=1 << 30)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


__all__ = ["CannotEdit", "Edit", "SequenceNode", "apply_edits", "content_end", "edits_for", "flow_scalar"]
