"""Resolve authentik's YAML tags offline, the way the importer would, where no server is needed.

!Env, !Context, !Format, !If, !Condition, !Enumerate/!Index/!Value, !ParseJSON, !AtIndex and
!KeyOf (to an entry of the file that carries its pk) resolve here. !Find, !FindObject, !File and
!KeyOf to an entry without a pk need a server: they become Unresolved, with their position.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.nodes import is_custom_tag, mapping_pairs, scalar_value, start, text_of


@dataclass(frozen=True)
class Unresolved:
    """A value only a server can provide."""

    tag: str
    line: int
    column: int
    reason: str


class ResolveError(Exception):
    """The tag would fail on the server too (bad JSON, a failing !Format, a missing index)."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.line, self.column = start(node)
        self.message = message


@dataclass
class Resolver:
    context: dict[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    pks_by_id: dict[str, str] = field(default_factory=dict)  # entry id -> its pk identifier
    unresolved: list[Unresolved] = field(default_factory=list)
    _enumerations: list[tuple[Any, Any]] = field(default_factory=list)  # (index, value), innermost last

    def value(self, node: Node) -> Any:
        if is_custom_tag(node):
            return self._tag(node)
        if isinstance(node, ScalarNode):
            return scalar_value(node)
        if isinstance(node, SequenceNode):
            return [self.value(item) for item in node.value]
        if isinstance(node, MappingNode):
            return {pair.key: self.value(pair.value) for pair in mapping_pairs(node)}
        return None

    def _tag(self, node: Node) -> Any:
        handler = getattr(self, "_" + node.tag[1:].lower(), None)
        if handler is None:
            return self._needs_server(node, "is not a tag authentik knows")
        return handler(node)

    def _needs_server(self, node: Node, reason: str) -> Unresolved:
        line, column = start(node)
        marker = Unresolved(node.tag, line, column, reason)
        self.unresolved.append(marker)
        return marker

    def _args(self, node: Node) -> list[Node]:
        return node.value if isinstance(node, SequenceNode) else [node]

    def _keyof(self, node: Node) -> Any:
        target = node.value if isinstance(node, ScalarNode) else None
        pk = self.pks_by_id.get(target or "")
        return (
            pk
            if pk is not None
            else self._needs_server(
                node, f"entry '{target}' has no pk in the file; its pk is known once a server creates it"
            )
        )

    def _find(self, node: Node) -> Any:
        return self._needs_server(node, "looks the object up on the server")

    _findobject = _find

    def _file(self, node: Node) -> Any:
        return self._needs_server(node, "reads a file on the authentik server")

    def _env(self, node: Node) -> Any:
        name, default = self._name_default(node)
        return self.environ.get(str(name)) or default  # os.getenv(name) or default: empty falls back

    def _context(self, node: Node) -> Any:
        name, default = self._name_default(node)
        value = self.context.get(name, default)
        # The file's own context holds nodes, resolved where they are used so that a value
        # only a server has is reported at the use.
        return self.value(value) if isinstance(value, Node) else value

    def _name_default(self, node: Node) -> tuple[Any, Any]:
        if isinstance(node, ScalarNode):
            return node.value, None
        items = node.value
        return self.value(items[0]), self.value(items[1]) if len(items) > 1 else None

    def _format(self, node: Node) -> Any:
        items = self._args(node)
        template = text_of(items[0]) if isinstance(items[0], ScalarNode) else None
        args = tuple(self.value(item) for item in items[1:])
        if template is None or any(isinstance(arg, Unresolved) for arg in args):
            return next((arg for arg in args if isinstance(arg, Unresolved)), None) or self._needs_server(
                node, "has no plain format string"
            )
        try:
            return template % args
        except (TypeError, ValueError) as error:
            raise ResolveError(node, f"!Format fails: {error}") from None

    def _if(self, node: Node) -> Any:
        items = self._args(node)
        condition = self.value(items[0])
        if isinstance(condition, Unresolved):
            return condition
        if len(items) == 1:
            return bool(condition)
        return self.value(items[1] if condition else items[2])

    def _condition(self, node: Node) -> Any:
        items = self._args(node)
        mode = str(self.value(items[0])).upper()
        values = [self.value(item) for item in items[1:]]
        pending = next((v for v in values if isinstance(v, Unresolved)), None)
        if pending is not None:
            return pending
        flags = [bool(v) for v in values]
        result = {"AND": all(flags), "NAND": not all(flags), "OR": any(flags), "NOR": not any(flags)}.get(mode)
        if result is None:
            parity = sum(flags) % 2 == 1  # XOR folds with ^
            result = parity if mode == "XOR" else not parity
        return result

    def _parsejson(self, node: Node) -> Any:
        try:
            return json.loads(node.value)
        except (ValueError, TypeError) as error:
            raise ResolveError(node, f"!ParseJSON holds invalid JSON: {error}") from None

    def _atindex(self, node: Node) -> Any:
        items = self._args(node)
        container, key = self.value(items[0]), self.value(items[1])
        if isinstance(container, Unresolved):
            return container
        try:
            return container[key]
        except (KeyError, IndexError, TypeError):
            if len(items) > 2:
                return self.value(items[2])
            raise ResolveError(node, f"!AtIndex: no item {key!r}") from None

    def _enumerate(self, node: Node) -> Any:
        items = self._args(node)
        # While its iterable resolves, this tag already counts as depth 0 (authentik refuses
        # `!Index 0`/`!Value 0` there), so `!Value 1` reaches the enclosing !Enumerate.
        self._enumerations.append(_NOT_YET)
        try:
            iterable = self.value(items[0])
        finally:
            self._enumerations.pop()
        if isinstance(iterable, Unresolved):
            return iterable
        mode = str(self.value(items[1])).upper()
        pairs = list(iterable.items()) if isinstance(iterable, dict) else list(enumerate(iterable))
        output: Any = [] if mode == "SEQ" else {}
        for index, value in pairs:
            self._enumerations.append((index, value))
            try:
                item = self.value(items[2])
            finally:
                self._enumerations.pop()
            if mode == "SEQ":
                output.append(item)
            elif isinstance(item, dict):
                output = _deep_merge(output, item)
            elif isinstance(item, list) and len(item) == 2:
                output = _deep_merge(output, {item[0]: item[1]})
            else:
                raise ResolveError(
                    node, "Invalid Enumerate item found: MAP items must be a mapping or a [key, value] pair"
                )
        return output

    def _index(self, node: Node) -> Any:
        return self._enumerated(node, 0)

    def _value(self, node: Node) -> Any:
        return self._enumerated(node, 1)

    def _enumerated(self, node: Node, part: int) -> Any:
        depth = int(node.value)
        if depth >= len(self._enumerations) or depth < 0:
            raise ResolveError(node, f"{node.tag} {depth} is outside its !Enumerate")
        context = self._enumerations[-1 - depth]
        if context is _NOT_YET:
            raise ResolveError(node, f"{node.tag} {depth} refers to the !Enumerate whose iterable it is")
        return context[part]


_NOT_YET: Any = object()  # an !Enumerate whose iterable is being resolved


def _deep_merge(base: Any, extra: Any) -> Any:
    """deepmerge's default strategy, as authentik's !Enumerate MAP uses it: dicts merge
    recursively, lists append, anything else is replaced."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _deep_merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        return base + extra
    return extra
