"""Resolve authentik's YAML tags offline, the way the importer would, where no server is needed.

!Env, !Context, !Format, !If, !Condition, !Enumerate/!Index/!Value, !ParseJSON, !AtIndex and
!KeyOf (to an entry of the file that carries its pk) resolve here. !Find, !FindObject, !File and
!KeyOf to an entry without a pk need a server: they become Unresolved, with their position.

This is the one evaluator: `payload` resolves whole entries with it and `lint` evaluates the
tags it can evaluate offline with it (avlint.checks.evaluation). Whatever the input, it either
returns a value or raises ResolveError with a position: a malformed tag (the shapes of
rules/tags.yaml, which lint reports as AV113), a tag that fails on the server too, or nesting
deeper than the loader's limit (AV006), which also stops a `!Context` that refers to itself.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Hashable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.loader.yaml_nodes import MAX_DEPTH
from avlint.nodes import is_custom_tag, mapping_pairs, scalar_value, start, text_of


class Unresolved(NamedTuple):
    """A value only a server can provide. (No dataclasses in this module: lint imports it for
    files with a !Format or !ParseJSON, and `dataclasses` costs start-up time.)"""

    tag: str
    line: int
    column: int
    reason: str


class ResolveError(Exception):
    """The tag would fail on the server too (bad JSON, a failing !Format, a missing index), is
    malformed, or nests too deep to evaluate."""

    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.line, self.column = start(node)
        self.message = message


class NotEvaluated(ResolveError):
    """avlint will not compute the value (it would be huge); authentik might. Lint stays quiet
    about it, payload refuses the entry with the reason."""


@lru_cache(maxsize=1)
def _tag_table() -> dict[str, dict[str, Any]]:
    from avlint.resources import load_data

    table: dict[str, dict[str, Any]] = load_data("tags.yaml")
    return table


def shape_problem(node: Node) -> str | None:
    """Why the tagged node does not have a shape authentik's loader accepts (None when it does).

    The same table as lint's AV113 check: node kinds, item counts, integer depths."""
    spec = _tag_table().get(node.tag)
    if spec is None:
        return f"unknown tag {node.tag}; authentik's safe loader cannot load the file"
    kind = "scalar" if isinstance(node, ScalarNode) else "sequence" if isinstance(node, SequenceNode) else "mapping"
    if kind not in spec["shapes"]:
        return f"{node.tag} takes a {' or '.join(spec['shapes'])}, not a {kind}"
    if isinstance(node, SequenceNode):  # worded as lint's AV113 (avlint.checks.tags)
        args = spec.get("args", {})
        count = len(node.value)
        if args.get("counts") and count not in args["counts"]:
            return f"{node.tag} takes {' or '.join(str(c) for c in args['counts'])} items, not {count}"
        if count < args.get("min", 0):
            return f"{node.tag} needs at least {args['min']} item{'s' if args['min'] > 1 else ''}, not {count}"
        if count > args.get("max", count):
            return f"{node.tag} takes at most {args['max']} items, not {count}"
    elif node.tag in ("!Index", "!Value") and _integer(node.value) is None:
        return f"{node.tag} takes an integer depth (0 is the innermost !Enumerate), not '{node.value}'"
    return None


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def json_depth(text: str) -> int:
    """How deep JSON text nests its arrays and objects (brackets inside strings do not count).

    Checked before json.loads, which recurses per level and would crash on a hostile string."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json(node: Node, text: str) -> Any:
    """!ParseJSON's value: json.loads, bounded like the loader's nesting limit (AV006)."""
    if json_depth(text) > MAX_DEPTH:
        raise ResolveError(node, f"!ParseJSON holds JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError) as error:
        raise ResolveError(node, f"!ParseJSON holds invalid JSON: {error}") from None


class Resolver:
    def __init__(
        self,
        context: dict[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        pks_by_id: dict[str, str] | None = None,
    ) -> None:
        self.context: dict[str, Any] = context if context is not None else {}
        self.environ: Mapping[str, str] = environ if environ is not None else os.environ
        self.pks_by_id = pks_by_id if pks_by_id is not None else {}  # entry id -> its pk identifier
        # entry id -> why its pk is not known offline (an object this payload run creates)
        self.pending_ids: dict[str, str] = {}
        self.pending_pks: dict[str, str] = {}  # the same, for a pk written as a string
        self.unresolved: list[Unresolved] = []
        self._enumerations: list[tuple[Any, Any]] = []  # (index, value), innermost last
        self._depth = 0
        self._steps = 0

    def resolve(self, node: Node) -> Any:
        """The node's value; ResolveError (with a position) when it cannot have one."""
        self._depth = self._steps = 0
        self._enumerations = []
        try:
            return self.value(node)
        except RecursionError:
            # The explicit bound below normally comes first; this covers frames it does not count.
            raise ResolveError(node, _TOO_DEEP) from None

    def value(self, node: Node) -> Any:
        self._depth += 1
        self._steps += 1
        try:
            if self._steps > MAX_STEPS:
                # Nested !Enumerate multiply: a small file could otherwise keep payload busy for hours.
                raise NotEvaluated(node, f"evaluating the tags takes over {MAX_STEPS:,} steps; avlint stops there")
            if self._depth > MAX_DEPTH:
                # Also what stops `context: {a: !Context a}`, which would otherwise never end.
                raise ResolveError(node, _TOO_DEEP)
            if is_custom_tag(node):
                return self._tag(node)
            if isinstance(node, ScalarNode):
                if node.value in self.pending_pks and text_of(node) is not None:
                    return self._needs_server(node, self.pending_pks[node.value], "pk")
                return scalar_value(node)
            if isinstance(node, SequenceNode):
                return [self.value(item) for item in node.value]
            if isinstance(node, MappingNode):
                return {pair.key: self.value(pair.value) for pair in mapping_pairs(node)}
            return None
        finally:
            self._depth -= 1

    def _tag(self, node: Node) -> Any:
        problem = shape_problem(node)
        if problem is not None:
            raise ResolveError(node, problem)
        handler = getattr(self, "_" + node.tag[1:].lower())
        return handler(node)

    def _needs_server(self, node: Node, reason: str, tag: str | None = None) -> Unresolved:
        line, column = start(node)
        marker = Unresolved(tag or node.tag, line, column, reason)
        self.unresolved.append(marker)
        return marker

    def _keyof(self, node: ScalarNode) -> Any:
        target = node.value
        if target in self.pending_ids:
            return self._needs_server(node, self.pending_ids[target])
        pk = self.pks_by_id.get(target)
        if pk is not None:
            return pk
        return self._needs_server(
            node, f"entry '{target}' has no pk in the file; its pk is known once a server creates it"
        )

    def _find(self, node: Node) -> Any:
        return self._needs_server(node, "looks the object up on the server")

    _findobject = _find

    def _file(self, node: Node) -> Any:
        return self._needs_server(node, "reads a file on the authentik server")

    def _env(self, node: Node) -> Any:
        name, default = self._name_default(node)
        if isinstance(name, Unresolved):
            return name
        return self.environ.get(str(name)) or default  # os.getenv(name) or default: empty falls back

    def _context(self, node: Node) -> Any:
        name, default = self._name_default(node)
        if isinstance(name, Unresolved):
            return name
        if not isinstance(name, Hashable):
            raise ResolveError(node, f"!Context takes a name, not a {type(name).__name__}")
        value = self.context.get(name, default)  # type: ignore[call-overload]  # authentik looks any key up
        # The file's own context holds nodes, resolved where they are used so that a value
        # only a server has is reported at the use.
        return self.value(value) if isinstance(value, Node) else value

    def _name_default(self, node: Node) -> tuple[Any, Any]:
        if isinstance(node, ScalarNode):
            return node.value, None
        name, default = node.value  # the shape check allows exactly two items
        return self.value(name), self.value(default)

    def _format(self, node: SequenceNode) -> Any:
        items = node.value
        template = text_of(items[0])
        args = tuple(self.value(item) for item in items[1:])
        pending = next((arg for arg in args if isinstance(arg, Unresolved)), None)
        if pending is not None:
            return pending
        if template is None:
            raise ResolveError(items[0], "!Format starts with the format string")
        if _too_wide(template, args):
            raise NotEvaluated(
                node, f"!Format asks for a field over {MAX_FORMAT_WIDTH:,} characters wide; avlint does not build it"
            )
        try:
            return template % args
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            raise ResolveError(node, f"!Format fails: {error}") from None

    def _if(self, node: SequenceNode) -> Any:
        items = node.value
        condition = self.value(items[0])
        if isinstance(condition, Unresolved):
            return condition
        if len(items) == 1:
            return bool(condition)
        return self.value(items[1] if condition else items[2])

    def _condition(self, node: SequenceNode) -> Any:
        items = node.value
        mode = self.value(items[0])
        values = [self.value(item) for item in items[1:]]
        pending = next((v for v in (mode, *values) if isinstance(v, Unresolved)), None)
        if pending is not None:
            return pending
        mode = str(mode).upper()
        flags = [bool(v) for v in values]
        parity = sum(flags) % 2 == 1  # XOR folds with ^
        results = {
            "AND": all(flags),
            "NAND": not all(flags),
            "OR": any(flags),
            "NOR": not any(flags),
            "XOR": parity,
            "XNOR": not parity,
        }
        if mode not in results:
            raise ResolveError(items[0], f"!Condition mode must be one of {', '.join(results)}, not '{mode}'")
        return results[mode]

    def _parsejson(self, node: ScalarNode) -> Any:
        return parse_json(node, node.value)

    def _atindex(self, node: SequenceNode) -> Any:
        items = node.value
        container, key = self.value(items[0]), self.value(items[1])
        pending = next((v for v in (container, key) if isinstance(v, Unresolved)), None)
        if pending is not None:
            return pending
        try:
            return container[key]
        except (KeyError, IndexError, TypeError):
            if len(items) > 2:
                return self.value(items[2])
            raise ResolveError(node, f"!AtIndex: no item {_short(key)}") from None

    def _enumerate(self, node: SequenceNode) -> Any:
        items = node.value
        # While its iterable resolves, this tag already counts as depth 0 (authentik refuses
        # `!Index 0`/`!Value 0` there), so `!Value 1` reaches the enclosing !Enumerate.
        self._enumerations.append(_NOT_YET)
        try:
            iterable = self.value(items[0])
        finally:
            self._enumerations.pop()
        mode = self.value(items[1])
        pending = next((v for v in (iterable, mode) if isinstance(v, Unresolved)), None)
        if pending is not None:
            return pending
        mode = str(mode).upper()
        if mode not in ("SEQ", "MAP"):
            raise ResolveError(items[1], f"!Enumerate output must be SEQ or MAP, not '{mode}'")
        if isinstance(iterable, dict):
            pairs = list(iterable.items())
        elif isinstance(iterable, (list, str)):
            pairs = list(enumerate(iterable))
        else:
            raise ResolveError(items[0], f"!Enumerate iterates over a list or a mapping, not {_short(iterable)}")
        output: Any = [] if mode == "SEQ" else {}
        for index, value in pairs:
            self._enumerations.append((index, value))
            try:
                item = self.value(items[2])
            finally:
                self._enumerations.pop()
            if isinstance(item, Unresolved):
                return item
            if mode == "SEQ":
                output.append(item)
            elif isinstance(item, dict):
                output = _deep_merge(output, item)
            elif isinstance(item, list) and len(item) == 2 and isinstance(item[0], Hashable):
                output = _deep_merge(output, {item[0]: item[1]})
            else:
                raise ResolveError(
                    node, "Invalid Enumerate item found: MAP items must be a mapping or a [key, value] pair"
                )
        return output

    def _index(self, node: ScalarNode) -> Any:
        return self._enumerated(node, 0)

    def _value(self, node: ScalarNode) -> Any:
        return self._enumerated(node, 1)

    def _enumerated(self, node: ScalarNode, part: int) -> Any:
        depth = int(node.value)  # the shape check made sure it is an integer
        if depth >= len(self._enumerations) or depth < 0:
            raise ResolveError(node, f"{node.tag} {depth} is outside its !Enumerate")
        context = self._enumerations[-1 - depth]
        if context is _NOT_YET:
            raise ResolveError(node, f"{node.tag} {depth} refers to the !Enumerate whose iterable it is")
        return context[part]


MAX_STEPS = 1_000_000  # values computed for one field, about a second of work
MAX_FORMAT_WIDTH = 10_000  # `%999999999s` would build a gigabyte string: lint must stay fast
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.DOTALL)


def _too_wide(template: str, args: tuple[Any, ...]) -> bool:
    """Whether a width or precision (written, or taken from the arguments with `*`) is huge."""
    if "%" not in template:
        return False
    position = 0
    for match in _CONVERSION.finditer(template):
        width, precision, conversion = match.groups()
        if conversion == "%":
            continue
        for part in (width, precision):
            if part == "*":
                value = args[position] if position < len(args) else 0
                position += 1
                if isinstance(value, int) and abs(value) > MAX_FORMAT_WIDTH:
                    return True
            elif part is not None and int(part) > MAX_FORMAT_WIDTH:
                return True
        position += 1
    return False


_TOO_DEEP = f"tags nest too deep to evaluate (over {MAX_DEPTH} levels, or a !Context that refers to itself)"
_NOT_YET: Any = object()  # an !Enumerate whose iterable is being resolved


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
