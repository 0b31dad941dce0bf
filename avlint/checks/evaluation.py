"""Tags lint can evaluate offline, evaluated by payload's evaluator (avlint.payload.resolve).

One evaluator for both commands, so that a `!Format` lint passes never fails in `payload` (or
on the server). Only tags whose value needs nothing from the environment are evaluated: a
`!Format` whose arguments are all literal values, and the nesting depth of a `!ParseJSON`
string. The evaluator is imported only when the file has such a tag: linting stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.checks.base import CheckContext, Hit
from avlint.nodes import is_custom_tag

OFFLINE_TAGS = ("!Format", "!ParseJSON")


def check_evaluation(ctx: CheckContext) -> Iterator[Hit]:
    candidates = [(node, path) for node, path in ctx.tagged_nodes if node.tag in OFFLINE_TAGS]
    if not candidates:
        return
    from avlint.loader.yaml_nodes import MAX_DEPTH
    from avlint.payload.resolve import NotEvaluated, ResolveError, Resolver, json_depth, shape_problem

    for node, path in candidates:
        if shape_problem(node) is not None:
            continue  # AV113 reports it
        if node.tag == "!ParseJSON":
            # The same limit as deep YAML (AV006): json.loads recurses per level.
            if json_depth(node.value) > MAX_DEPTH:
                yield Hit("AV006", node, f"!ParseJSON holds JSON nested deeper than {MAX_DEPTH} levels", path)
            continue
        if not isinstance(node.value[0], ScalarNode):
            continue  # AV113: the format string comes first
        if not all(_literal(item) for item in node.value):
            continue  # an argument only the environment, the context or a server can give
        try:
            Resolver(environ={}).resolve(node)
        except NotEvaluated:
            continue  # too large to build here; not a failure on the server
        except ResolveError as error:
            yield Hit("AV121", node, f"{error.message}; authentik fails the same way when it applies the file", path)


def _literal(node: Node) -> bool:
    """A value without tags: the same wherever the blueprint is applied."""
    stack = [node]
    while stack:
        current = stack.pop()
        if is_custom_tag(current):
            return False
        if isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            stack.extend(value for _, value in current.value)
        elif not isinstance(current, ScalarNode):
            return False
    return True
