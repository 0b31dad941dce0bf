"""What every check receives (the context) and yields (hits)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document, Entry
from avlint.findings import YamlPath
from avlint.fix.model import Fix
from avlint.nodes import SAFE_STANDARD_TAGS, walk
from avlint.spec import ModelSpec, model_spec
from avlint.versions import Release

if TYPE_CHECKING:
    from avlint.spec.model import SpecSource


# Where a YAML tag can begin; a `!=` then a blank is Python's operator inside an expression.
_TAG_START = re.compile(r"(?:^|[\s\[{,:])!(?!=(?:\s|$))", re.MULTILINE)


class Hit(NamedTuple):
    """A check's report: the engine turns it into a Finding with rule data and position."""

    code: str
    node: Node
    message: str
    path: YamlPath = ()
    fix: Fix | None = None


class Check:
    """A check and the rule codes it can report, declared once beside its function by
    `@reports(...)`. The engine skips a check whose codes are all deselected, so a code a
    check yields but does not declare would silently vanish under `--select`."""

    __slots__ = ("codes", "name", "run")

    def __init__(self, run: Callable[[CheckContext], Iterator[Hit]], codes: frozenset[str]) -> None:
        self.run, self.codes, self.name = run, codes, f"{run.__module__}.{run.__qualname__}"

    def __call__(self, context: CheckContext) -> Iterator[Hit]:
        return self.run(context)

    def __repr__(self) -> str:
        return f"Check({self.name}, {sorted(self.codes)})"


def reports(*codes: str) -> Callable[[Callable[[CheckContext], Iterator[Hit]]], Check]:
    """Declare the rule codes the decorated check can yield."""

    def declare(run: Callable[[CheckContext], Iterator[Hit]]) -> Check:
        return Check(run, frozenset(codes))

    return declare


class CheckContext:
    """One document under check, with what the run decided: the target release and the spec
    source (a `--spec` snapshot) the field specs come from."""

    def __init__(self, document: Document, release: Release, text: str, spec_source: SpecSource | None = None) -> None:
        self.document, self.release, self.text = document, release, text
        self.spec_source = spec_source
        self._entry_by_path: dict[YamlPath, Entry] = {}

    def spec(self, model: str | None) -> ModelSpec | None:
        return model_spec(model, self.release, self.spec_source) if model else None

    @cached_property
    def tagged_nodes(self) -> list[tuple[Node, YamlPath]]:
        """Every explicitly tagged node (custom tags, and standard tags the safe loader cannot
        build such as !!python/object), with its path. Only a text with a `!` where a tag can
        start (a line's start, a blank or a flow indicator before it) can have one: the `!=` and
        `Hello!` of expression policies and messages do not cost a walk of the whole tree."""
        if "!" not in self.text or _TAG_START.search(self.text) is None:
            return []
        return [(node, path) for node, path in walk(self.document.root) if node.tag not in SAFE_STANDARD_TAGS]

    @cached_property
    def mappings(self) -> list[MappingNode]:
        """Every mapping in the document. No paths: this is the hot path of large runs, and
        the rare finding that needs one asks `path_of`."""
        found: list[MappingNode] = []
        stack: list[Node] = [self.document.root]
        shared = "*" in self.text  # only aliases make a node reachable twice
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if shared:
                if id(node) in seen:
                    continue
                seen.add(id(node))
            if isinstance(node, MappingNode):
                found.append(node)
                stack.extend(value for _, value in node.value if not isinstance(value, ScalarNode))
            elif isinstance(node, SequenceNode):
                stack.extend(item for item in node.value if not isinstance(item, ScalarNode))
        return found

    def path_of(self, target: Node) -> YamlPath:
        for node, path in walk(self.document.root):
            if node is target:
                return tuple(path)
        return ()

    def entry_at(self, path: YamlPath) -> Entry | None:
        """The entry a YAML path lies in (entries may sit in named sections)."""
        if not self._entry_by_path:
            self._entry_by_path = {entry.path: entry for entry in self.document.entries}
        for length in (2, 3):
            entry = self._entry_by_path.get(path[:length])
            if entry is not None:
                return entry
        return None

    @cached_property
    def entries_by_pk(self) -> dict[str, Entry]:
        """The first entry whose identifiers give each pk (`pk`, `*_uuid`, `id`; lower case): a
        raw pk elsewhere in the file that names it refers to that entry (as exports do)."""
        found: dict[str, Entry] = {}
        for entry in self.document.entries:
            for key, pair in entry.identifiers.items():
                if (key == "pk" or key.endswith("_uuid") or key == "id") and isinstance(pair.value, ScalarNode):
                    found.setdefault(pair.value.value.strip().lower(), entry)
        return found

    @cached_property
    def entries_by_id(self) -> dict[str, Entry]:
        """The first entry with each `id`: the one `!KeyOf` resolves to."""
        found: dict[str, Entry] = {}
        for entry in self.document.entries:
            if entry.id is not None:
                found.setdefault(entry.id, entry)
        return found
