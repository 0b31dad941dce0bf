"""Read the files beside the blueprints (a baseline, a saved API listing, an env or context file,
a spec snapshot, an OpenAPI schema, the config) under the same guards as a blueprint.

Each is read only when it is a regular file (a FIFO would block forever), no larger than the
blueprint limit, as UTF-8, and parsed without recursion into plain data: nesting deeper than
the blueprint limit and alias bombs are refused with a position instead of a `RecursionError`.
Tags are refused too: only blueprints hold authentik's tags, so a tag here means a wrong file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from avlint.loader.problems import ContentProblem, PathError
from avlint.loader.source import DEFAULT_MAX_FILE_SIZE, decode, read_bytes
from avlint.loader.yaml_nodes import MAX_DEPTH, compose_plain

# Strings are blanked out (keeping their length, so positions hold) before brackets are counted.
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class SideInputError(ValueError):
    """A side input that cannot be used; `detail` is the reason with its line and column, `rule`
    the blueprint rule the same problem would be (AV004 encoding, AV006 size or depth), if any."""

    def __init__(
        self, path: str, reason: str, line: int | None = None, column: int | None = None, rule: str | None = None
    ) -> None:
        self.path = path
        self.rule = rule
        self.reason = reason
        self.line = line
        self.column = column
        self.detail = f"line {line}, column {column}: {reason}" if line is not None else reason
        where = f"{path}:{line}:{column}" if line is not None else path
        super().__init__(f"{where}: {reason}")


def read_text(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """The file's text (a UTF-8 byte-order mark removed), or SideInputError."""
    try:
        return decode(read_bytes(path, max_size, hint="")).text
    except PathError as error:
        raise SideInputError(path, error.reason) from None
    except ContentProblem as problem:
        raise _from_problem(path, problem) from None


def read_env_file(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> dict[str, str]:
    """`--env-file`: KEY=VALUE lines (blank lines, `#` comments and an `export ` prefix allowed),
    read with the same guards as every side input."""
    values: dict[str, str] = {}
    for number, line in enumerate(read_text(path, max_size).splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise SideInputError(path, "expected KEY=VALUE", number, 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load_json(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Any:
    return parse_json(read_text(path, max_size), path)


def load_data(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Any:
    """A JSON or YAML file's data."""
    return parse_data(read_text(path, max_size), path)


def parse_json(text: str, origin: str) -> Any:
    _check_json_depth(text, origin)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SideInputError(origin, f"not valid JSON: {error.msg}", error.lineno, error.colno, "AV001") from None
    except RecursionError:  # cannot happen under the depth check; kept as the last guard
        raise SideInputError(origin, f"nesting deeper than {MAX_DEPTH} levels", rule="AV006") from None


def parse_data(text: str, origin: str) -> Any:
    """JSON (tried first when the text starts like JSON) or YAML, as plain data."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return parse_json(text, origin)
        except SideInputError as error:
            if error.rule == "AV006":
                raise
            # YAML flow style starts the same way: let the YAML parser decide.
    return parse_yaml(text, origin)


def parse_yaml(text: str, origin: str) -> Any:
    try:
        root = compose_plain(text)
    except ContentProblem as problem:
        raise _from_problem(origin, problem) from None
    return construct(root, origin)


def construct(root: Any, origin: str) -> Any:
    """Plain data from a composed node (None for an empty document); tags are refused."""
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    if root is None:
        return None
    tagged = _first_local_tag(root)
    if tagged is not None:
        mark = tagged.start_mark
        raise SideInputError(
            origin,
            f"the tag {tagged.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed here (authentik's tags belong in blueprints)",
            mark.line + 1,
            mark.column + 1,
            rule="AV003",
        )
    try:
        return SafeConstructor().construct_document(root)
    except ConstructorError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise SideInputError(origin, error.problem or "invalid YAML value", line, column) from None
    except yaml.YAMLError as error:
        raise SideInputError(origin, str(error)) from None
    except Exception as error:  # a constructor's own: a date such as 2025-02-30, `!!int ''`
        raise SideInputError(origin, f"invalid value: {error}") from None


def _first_local_tag(root: Any) -> Any:
    """The first node with a tag other than the standard ones SafeLoader builds, in document order."""
    from yaml.nodes import MappingNode, SequenceNode

    from avlint.nodes import SAFE_STANDARD_TAGS

    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if node.tag not in SAFE_STANDARD_TAGS:
            return node
        if isinstance(node, MappingNode):
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
    return None


def _check_json_depth(text: str, origin: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    blanked = _JSON_STRING.sub(lambda match: '"' + " " * (len(match.group()) - 2) + '"', text)
    depth = 0
    for match in _BRACKET.finditer(blanked):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            offset = match.start()
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            raise SideInputError(origin, f"nesting deeper than {MAX_DEPTH} levels", line, column, rule="AV006")


def _from_problem(path: str, problem: ContentProblem) -> SideInputError:
    if problem.line == 1 and problem.column == 1 and problem.message.startswith("file is"):
        return SideInputError(path, problem.message, rule=problem.rule)  # the size: no position to give
    return SideInputError(path, problem.message, problem.line, problem.column, rule=problem.rule)
