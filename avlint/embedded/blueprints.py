"""The blueprints embedded in a file: which values are blueprints, and where their positions are
in the file. What every command reads (lint, fix, migrate, payload, graph, checks across files)."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode

from avlint.embedded.carriers import EmbeddedValue
from avlint.embedded.positions import PositionMap, line_starts
from avlint.kind import BLUEPRINT, classify_text
from avlint.loader.problems import ContentProblem

# An embedded text that does not parse still counts as a blueprint when it has a top-level
# blueprint key: then the syntax error is the user's problem (AV001), not a reason to skip.
_BLUEPRINT_LINE = re.compile(r"^(?:version|entries|metadata|context)\s*:", re.MULTILINE)


def is_blueprint(text: str) -> bool:
    """The test a file passes to be linted (avlint.kind, the one rule for every command), for a
    value: only a mapping counts (a file of a bare scalar is reported, a value of one is text)."""
    try:
        verdict, root = classify_text("", text.removeprefix("\ufeff"))
    except ContentProblem:
        return _BLUEPRINT_LINE.search(text) is not None
    return verdict.kind == BLUEPRINT and isinstance(root, MappingNode)


def holds_blueprints(path: str, text: str) -> bool:
    """Whether a ConfigMap or Secret of the file carries a blueprint: such a file is read, not
    skipped as another kind of YAML."""
    from avlint.embedded import might_embed
    from avlint.embedded.carriers import embedded_values

    if not might_embed(path, text):
        return False
    try:
        values = embedded_values(text.removeprefix("\ufeff"))
    except ContentProblem:
        return True  # a broken stream of ConfigMaps: the command reports it at its position
    return values is not None and bool(blueprint_values(values))


def blueprint_values(values: list[EmbeddedValue]) -> list[tuple[int, EmbeddedValue, str]]:
    """The values that are blueprints, with their place in `values` and their text."""
    return [
        (index, value, value.text)
        for index, value in enumerate(values)
        if value.text is not None and is_blueprint(value.text)
    ]


def positions_of(outer: str, value: EmbeddedValue, inner: str) -> PositionMap:
    """Where the embedded text's positions are in the outer file."""
    return PositionMap(line_starts(outer), inner, value.offsets(outer), value.node.start_mark.index)
