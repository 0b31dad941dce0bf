"""Move entries so that every `!KeyOf` points at an entry above it (the importer's order)."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import Document
from avlint.fix.edits import content_end
from avlint.nodes import walk


class ReorderError(Exception):
    pass


def reorder(document: Document, text: str) -> str:
    """The text with entries in dependency order; unchanged when already in order."""
    entries = document.entries
    ids: dict[str, int] = {}
    for entry in entries:
        if entry.id is not None:
            ids.setdefault(entry.id, entry.index)
    needs = {
        entry.index: {
            ids[n.value]
            for n, _ in walk(entry.node)
            if n.tag == "!KeyOf" and isinstance(n, ScalarNode) and n.value in ids
        }
        - {entry.index}
        for entry in entries
    }
    order = _stable_topological(len(entries), needs)
    if order == list(range(len(entries))):
        return text
    pair = document.top.get("entries")
    if document.sectioned or pair is None or not isinstance(pair.value, SequenceNode) or pair.value.flow_style:
        raise ReorderError("entries can only be reordered in a block list (not in sections or flow style)")
    spans = _spans(text, [entry.node for entry in entries])
    blocks = [text[begin:end] for begin, end in spans]
    if not blocks[-1].endswith("\n"):
        blocks[-1] += "\n"
    body = "".join(blocks[i] for i in order)
    tail = text[spans[-1][1] :]
    if not text[: spans[-1][1]].endswith("\n"):
        body = body[:-1]
    return text[: spans[0][0]] + body + tail


def _stable_topological(count: int, needs: dict[int, set[int]]) -> list[int]:
    placed: list[int] = []
    done: set[int] = set()
    while len(placed) < count:
        ready = next((i for i in range(count) if i not in done and needs[i] <= done), None)
        if ready is None:
            raise ReorderError("entries refer to each other in a cycle; no order satisfies every !KeyOf")
        placed.append(ready)
        done.add(ready)
    return placed


def _spans(text: str, nodes: list[Node]) -> list[tuple[int, int]]:
    """Each entry's text: from its `- ` line (with the comment lines right above it) to the
    start of the next entry's block."""
    starts = []
    for node in nodes:
        begin = text.rfind("\n", 0, node.start_mark.index) + 1
        while begin > 0:
            previous = text.rfind("\n", 0, begin - 1) + 1
            if not text[previous:begin].strip().startswith("#"):
                break
            begin = previous
        starts.append(begin)
    last_end = text.find("\n", content_end(nodes[-1]))
    last_end = len(text) if last_end < 0 else last_end + 1
    return [(starts[i], starts[i + 1] if i + 1 < len(starts) else last_end) for i in range(len(starts))]
