"""authentik's 14 YAML tags: known names, node shapes, argument counts and release lines."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.checks.base import CheckContext, Hit
from avlint.findings import YamlPath
from avlint.fix.edits import flow_scalar
from avlint.fix.model import replace
from avlint.nodes import a_or_an, is_custom_tag, kind_name, text_of
from avlint.resources import load_data
from avlint.suggest import did_you_mean
from avlint.versions import Release

CONDITION_MODES = ("AND", "NAND", "OR", "NOR", "XOR", "XNOR")
ENUMERATE_MODES = ("SEQ", "MAP")


@lru_cache(maxsize=1)
def tag_table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = load_data("tags.yaml")
    return table


def check_tags(ctx: CheckContext) -> Iterator[Hit]:
    table = tag_table()
    enumerates = [path for node, path in ctx.tagged_nodes if node.tag == "!Enumerate"]
    for node, path in ctx.tagged_nodes:
        spec = table.get(node.tag)
        if spec is None:
            known = did_you_mean(node.tag, table) if is_custom_tag(node) else ""
            yield Hit(
                "AV003", node, f"unknown tag {node.tag}; authentik's safe loader cannot load the file{known}", path
            )
            continue
        since = Release.parse(spec["since"])
        if ctx.release < since:
            yield Hit("AV114", node, f"{node.tag} needs authentik {since} or newer (target {ctx.release})", path)
        yield from _shape(node, spec, path)
        if node.tag in ("!Index", "!Value") and isinstance(node, ScalarNode):
            yield from _enumerate_depth(node, path, enumerates)


def _enumerate_depth(node: ScalarNode, path: YamlPath, enumerates: list[YamlPath]) -> Iterator[Hit]:
    """!Index N and !Value N need N+1 enclosing !Enumerate tags."""
    try:
        depth = int(node.value)
    except ValueError:
        return  # reported as a bad argument
    enclosing = sum(1 for outer in enumerates if len(outer) < len(path) and path[: len(outer)] == outer)
    if depth < 0:
        yield Hit("AV113", node, f"{node.tag} depth must be 0 or more, not {depth}", path)
    elif depth >= enclosing:
        where = "outside any !Enumerate" if enclosing == 0 else f"inside only {enclosing} !Enumerate"
        yield Hit("AV113", node, f"{node.tag} {depth} is {where}; it fails when the blueprint is applied", path)


def _shape(node: Node, spec: dict[str, Any], path: YamlPath) -> Iterator[Hit]:
    shape = "scalar" if isinstance(node, ScalarNode) else "sequence" if isinstance(node, SequenceNode) else "mapping"
    if shape not in spec["shapes"]:
        wanted = " or ".join(spec["shapes"])
        yield Hit("AV113", node, f"{node.tag} takes {a_or_an(wanted)}, not {a_or_an(shape)}", path)
        return
    if isinstance(node, ScalarNode):
        yield from _scalar_arguments(node, path)
        return
    args = spec.get("args", {})
    count = len(node.value)
    counts = args.get("counts")
    if counts and count not in counts:
        wanted = " or ".join(str(c) for c in counts)
        extra = "; a 2-item !If breaks at load time" if node.tag == "!If" and count == 2 else ""
        yield Hit("AV113", node, f"{node.tag} takes {wanted} items, not {count}{extra}", path)
        return
    if count < args.get("min", 0):
        yield Hit(
            "AV113",
            node,
            f"{node.tag} needs at least {args['min']} item{'s' if args['min'] > 1 else ''}, not {count}",
            path,
        )
        return
    if "max" in args and count > args["max"]:
        yield Hit("AV113", node, f"{node.tag} takes at most {args['max']} items, not {count}", path)
        return
    if isinstance(node, SequenceNode):  # the shapes table allows no mapping with arguments
        yield from _sequence_arguments(node, path)


def _scalar_arguments(node: ScalarNode, path: YamlPath) -> Iterator[Hit]:
    if node.tag in ("!Index", "!Value"):
        try:
            int(node.value)
        except ValueError:
            yield Hit(
                "AV113",
                node,
                f"{node.tag} takes an integer depth (0 is the innermost !Enumerate), not '{node.value}'",
                path,
            )
    elif node.tag in ("!KeyOf", "!Context", "!Env", "!File") and not node.value.strip():
        yield Hit("AV113", node, f"{node.tag} needs a name", path)
    elif node.tag in ("!Env", "!File") and "," in node.value:
        name, default = (part.strip() for part in node.value.split(",", 1))
        fixed = f"{node.tag} [{flow_scalar(name)}, {flow_scalar(default)}]"
        fix = replace(node, fixed, f"write {fixed}")
        yield Hit(
            "AV115",
            node,
            f"the whole text '{node.value}' is read as the name; write {node.tag} [{name}, {default}] for a default",
            path,
            fix,
        )
    elif node.tag == "!ParseJSON":
        # payload's evaluator, imported only for a file with the tag; too deep is AV006 (checks.evaluation)
        from avlint.loader.yaml_nodes import MAX_DEPTH
        from avlint.payload.resolve import ResolveError, json_depth, parse_json

        if json_depth(node.value) <= MAX_DEPTH:
            try:
                parse_json(node, node.value)
            except ResolveError as error:
                yield Hit("AV113", node, error.message, path)


def _sequence_arguments(node: SequenceNode, path: YamlPath) -> Iterator[Hit]:
    items = node.value
    if node.tag in ("!Find", "!FindObject"):
        model = items[0]
        if isinstance(model, (SequenceNode, MappingNode)):
            yield Hit(
                "AV113", model, f"{node.tag} starts with the model name, not {a_or_an(kind_name(model))}", (*path, 0)
            )
        for index, condition in enumerate(items[1:], start=1):
            if not (isinstance(condition, SequenceNode) and len(condition.value) == 2 and not is_custom_tag(condition)):
                yield Hit(
                    "AV113",
                    condition,
                    f"{node.tag} conditions are [field, value] pairs; item {index} is {a_or_an(kind_name(condition))}",
                    (*path, index),
                )
    elif node.tag == "!Condition":
        mode = text_of(items[0])
        if mode is not None and mode.upper() not in CONDITION_MODES:
            yield Hit(
                "AV113",
                items[0],
                f"!Condition mode must be one of {', '.join(CONDITION_MODES)}, not '{mode}'{did_you_mean(mode.upper(), CONDITION_MODES)}",
                (*path, 0),
            )
    elif node.tag == "!Enumerate":
        mode = text_of(items[1])
        if mode is not None and mode.upper() not in ENUMERATE_MODES:
            yield Hit("AV113", items[1], f"!Enumerate output must be SEQ or MAP, not '{mode}'", (*path, 1))
        first = items[0]
        if first.tag in ("!Index", "!Value") and isinstance(first, ScalarNode) and first.value.strip() == "0":
            yield Hit(
                "AV113",
                first,
                f"!Enumerate cannot iterate over its own {first.tag} 0; use a depth of 1 or more for an outer !Enumerate",
                (*path, 0),
            )
    elif node.tag == "!Format" and isinstance(items[0], (SequenceNode, MappingNode)):
        yield Hit(
            "AV113", items[0], f"!Format starts with the format string, not {a_or_an(kind_name(items[0]))}", (*path, 0)
        )
    elif node.tag == "!KeyOf":
        return
