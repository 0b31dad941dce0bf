"""Parse JSON into the same positioned nodes the YAML path produces.

Python's json module keeps no positions, and libyaml reads JSON as YAML 1.1 (where `1e5` is a
string and tabs can break a file), so API bodies get this small strict parser instead. It is
iterative, so deep nesting cannot overflow the stack; the depth limit matches the YAML path.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.loader.problems import ContentProblem
from avlint.loader.yaml_nodes import MAX_DEPTH

_TAG = "tag:yaml.org,2002:"
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_LITERALS = {"true": "bool", "false": "bool", "null": "null"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def mark(self, offset: int) -> Mark:
        line = bisect_right(self.line_starts, offset) - 1
        return Mark("<json>", offset, line, offset - self.line_starts[line], None, None)  # type: ignore[arg-type]  # no buffer: PyYAML takes None

    def fail(self, message: str, offset: int | None = None) -> ContentProblem:
        mark = self.mark(self.pos if offset is None else offset)
        return ContentProblem("AV001", f"invalid JSON: {message}", mark.line + 1, mark.column + 1)

    def skip_space(self) -> None:
        self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def scalar(self) -> ScalarNode:
        text, start = self.text, self.pos
        char = text[start] if start < len(text) else ""
        if char == '"':
            match = _STRING.match(text, start)
            if not match:
                raise self.fail("unterminated string or invalid escape")
            self.pos = match.end()
            return ScalarNode(_TAG + "str", json.loads(match.group()), self.mark(start), self.mark(self.pos), style='"')
        match = _NUMBER.match(text, start)
        if match and match.end() > start:
            self.pos = match.end()
            kind = "float" if match.group(1) or match.group(2) else "int"
            return ScalarNode(_TAG + kind, match.group(), self.mark(start), self.mark(self.pos))
        for literal, kind in _LITERALS.items():
            if text.startswith(literal, start):
                self.pos = start + len(literal)
                return ScalarNode(_TAG + kind, literal, self.mark(start), self.mark(self.pos))
        found = repr(char) if char else "end of file"
        raise self.fail(f"expected a value, found {found}")

    def parse(self) -> Node:
        root: Node | None = None
        stack: list[Node] = []  # open collections
        pending_keys: list[ScalarNode | None] = []
        self.skip_space()
        while True:
            if stack and self._close_or_separate(stack, pending_keys):
                node = stack.pop()
                pending_keys.pop()
                node.end_mark = self.mark(self.pos)
                if not stack:
                    root = node
                    break
                continue
            node = self._value()
            if isinstance(node, (MappingNode, SequenceNode)):
                if len(stack) >= MAX_DEPTH:
                    raise ContentProblem(
                        "AV006",
                        f"nesting deeper than {MAX_DEPTH} levels",
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                    )
                self._attach(stack, pending_keys, node)
                stack.append(node)
                pending_keys.append(None)
                self._after_open(node, pending_keys)
                continue
            if not stack:
                root = node
                break
            self._attach(stack, pending_keys, node)
        self.skip_space()
        if self.pos != len(self.text):
            raise self.fail("extra data after the top-level value")
        return root

    def _value(self) -> Node:
        self.skip_space()
        start = self.pos
        char = self.text[start : start + 1]
        if char == "{":
            self.pos += 1
            return MappingNode(_TAG + "map", [], self.mark(start), None, flow_style=True)
        if char == "[":
            self.pos += 1
            return SequenceNode(_TAG + "seq", [], self.mark(start), None, flow_style=True)
        return self.scalar()

    def _after_open(self, node: Node, pending_keys: list[ScalarNode | None]) -> None:
        """Right after `{` or `[`: read the first key unless the collection is empty."""
        self.skip_space()
        closer = "}" if isinstance(node, MappingNode) else "]"
        if self.text.startswith(closer, self.pos):
            return
        if isinstance(node, MappingNode):
            pending_keys[-1] = self._key()

    def _key(self) -> ScalarNode:
        self.skip_space()
        if not self.text.startswith('"', self.pos):
            raise self.fail("expected a string key in double quotes")
        key = self.scalar()
        self.skip_space()
        if not self.text.startswith(":", self.pos):
            raise self.fail("expected ':' after the key")
        self.pos += 1
        return key

    def _attach(self, stack: list[Node], pending_keys: list[ScalarNode | None], node: Node) -> None:
        if not stack:
            return
        parent = stack[-1]
        if isinstance(parent, MappingNode):
            key = pending_keys[-1]
            if key is None:
                raise self.fail("expected a string key in double quotes", node.start_mark.index)
            parent.value.append((key, node))
            pending_keys[-1] = None
        else:
            parent.value.append(node)

    def _close_or_separate(self, stack: list[Node], pending_keys: list[ScalarNode | None]) -> bool:
        """Consume `,` (then the next key) or the closing bracket; True when the top closes."""
        parent = stack[-1]
        is_map = isinstance(parent, MappingNode)
        if is_map and pending_keys[-1] is not None:
            return False  # a value is due
        if not parent.value and not (is_map and pending_keys[-1] is not None):
            self.skip_space()
            closer = "}" if is_map else "]"
            if self.text.startswith(closer, self.pos):
                self.pos += 1
                return True
            return False
        self.skip_space()
        char = self.text[self.pos : self.pos + 1]
        closer = "}" if is_map else "]"
        if char == closer:
            self.pos += 1
            return True
        if char != ",":
            found = repr(char) if char else "end of file"
            raise self.fail(f"expected ',' or '{closer}', found {found}")
        self.pos += 1
        if is_map:
            pending_keys[-1] = self._key()
        else:
            self.skip_space()
            if self.text.startswith("]", self.pos):
                raise self.fail("trailing comma before ']'")
        return False


def compose_json(text: str) -> Node | None:
    """The root node of a JSON document (None when the text is only whitespace)."""
    if not text.strip():
        return None
    return _Parser(text).parse()
