"""Compose YAML text into PyYAML nodes through libyaml, guarded against hostile input.

The lint path never constructs Python objects: libyaml's composer gives nodes that keep tags
and 0-based marks, which is all the checks need, at a fraction of ruamel.yaml's cost (see
bench/README.md). Three guards come first, because libyaml's C composer recurses per nesting
level (a few hundred thousand levels crash the interpreter) and aliases can multiply a small
file into billions of nodes.
"""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from avlint.loader.limits import AUTHENTIK_SAFE_DEPTH, MAX_EXPANDED_NODES
from avlint.loader.limits import MAX_DEPTH as MAX_DEPTH  # re-exported: its users import it from here
from avlint.loader.problems import ContentProblem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The last text composed and its tree. `fix` and `payload` lint a file, then build from the
# same text: the second compose is free. Nothing changes a composed tree, so sharing it is safe.
_last: tuple[str, Node | None] | None = None


def compose(text: str) -> Node | None:
    """A blueprint's root node (None for an empty document) or ContentProblem, also when
    authentik's stricter loader would reject what libyaml accepts."""
    global _last
    if _last is not None and _last[0] == text:
        return _last[1]
    root = _compose(text, AUTHENTIK_SAFE_DEPTH)
    from avlint.loader.authentik_yaml import rejection

    problem = rejection(text)
    if problem is not None:
        raise problem
    _last = (text, root)
    return root


def compose_plain(text: str) -> Node | None:
    """The root node of a YAML file that is not a blueprint (a config, a side input): the same
    guards, without authentik's verdict, which only matters for what authentik reads."""
    return _compose(text, MAX_DEPTH)


def compose_stream(text: str) -> list[Node | None]:
    """The root node of every document of a multi-document stream (Kubernetes manifests), with
    the same guards; only for telling what a file that is not a blueprint is."""
    if _depth_bound(text) > MAX_DEPTH:
        _check_depth_exactly(text, MAX_DEPTH)
    try:
        return list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    except yaml.YAMLError as error:
        raise _reader_problem(error, text) from None
    except RecursionError:
        raise ContentProblem("AV006", f"nesting deeper than {MAX_DEPTH} levels") from None


def _compose(text: str, loadable_depth: int) -> Node | None:
    """`loadable_depth`: nesting beyond it is refused (AV001) because the program that reads the
    file cannot load it, below avlint's own limit (AV006). Only a text whose cheap bound passes
    it walks its events."""
    if _depth_bound(text) > loadable_depth:
        _check_depth_exactly(text, loadable_depth)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    except yaml.YAMLError as error:  # reader errors: characters YAML does not allow
        raise _reader_problem(error, text) from None
    except RecursionError:  # the pure-Python composer, when libyaml is missing
        raise ContentProblem("AV006", f"nesting deeper than {MAX_DEPTH} levels") from None
    if root is not None and "*" in text:
        _check_aliases(root)
    return root


def _depth_bound(text: str) -> int:
    """An upper bound of the nesting depth, cheap to compute.

    Flow collections open with `[` or `{`; a nested block collection needs a deeper indent or
    a `- ` on the same line, so block depth cannot exceed the longest line's length.
    """
    longest = max(map(len, text.splitlines()), default=0)
    return text.count("[") + text.count("{") + longest + 1


def _check_depth_exactly(text: str, loadable_depth: int) -> None:
    depth = 0
    too_deep_to_load: ContentProblem | None = None
    try:
        for event in yaml.parse(text, Loader=_Loader):  # an event stream: no recursion
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > loadable_depth:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    if depth > MAX_DEPTH:
                        raise ContentProblem("AV006", f"nesting deeper than {MAX_DEPTH} levels", line, column)
                    if too_deep_to_load is None:  # kept: deeper still (AV006) or a syntax error comes first
                        too_deep_to_load = ContentProblem("AV001", _unloadable(loadable_depth), line, column)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    except yaml.YAMLError as error:
        raise _reader_problem(error, text) from None
    if too_deep_to_load is not None:
        raise too_deep_to_load


def _unloadable(depth: int) -> str:
    return (
        f"authentik cannot load this file: it nests deeper than {depth} levels, and PyYAML's SafeLoader, "
        "which authentik reads blueprints with, recurses once per level and overflows Python's recursion limit"
    )


def _check_aliases(root: Node) -> None:
    """Count nodes as if every alias were expanded; refuse cycles and alias bombs."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            mark = node.start_mark
            raise ContentProblem(
                "AV006",
                "an alias refers to the collection that contains it (a recursive document)",
                mark.line + 1,
                mark.column + 1,
            )
        in_progress.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        in_progress.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            mark = node.start_mark
            raise ContentProblem(
                "AV006",
                f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)",
                mark.line + 1,
                mark.column + 1,
            )
        return total

    size(root)


def _syntax_problem(error: yaml.MarkedYAMLError) -> ContentProblem:
    mark = error.problem_mark or error.context_mark
    if error.problem and "maximum nesting depth" in error.problem:
        # libyaml 0.2.5 as bundled since PyYAML 6.0.3 stops at 1,000 levels by itself, and its
        # scanner can get there before our event count does: the user's problem is the nesting.
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return ContentProblem("AV006", f"nesting deeper than {MAX_DEPTH} levels", line, column)
    parts = [part for part in (error.context, error.problem) if part]
    message = "; ".join(parts) or "invalid YAML"
    if mark is None:
        return ContentProblem("AV001", message)
    return ContentProblem("AV001", message, mark.line + 1, mark.column + 1)


def _reader_problem(error: yaml.YAMLError, text: str) -> ContentProblem:
    position = getattr(error, "position", None)
    character = getattr(error, "character", None)
    if isinstance(character, int):
        character = chr(character)
    message = "the file contains a character YAML does not allow"
    if isinstance(character, str) and len(character) == 1:
        message = f"the file contains the character U+{ord(character):04X}, which YAML does not allow"
    if not isinstance(position, int):
        return ContentProblem("AV001", message)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return ContentProblem("AV001", message, line, column)
