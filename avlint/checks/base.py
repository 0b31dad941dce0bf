"""What every check receives (the context) and yields (hits)."""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document, Entry
from avlint.findings import YamlPath
from avlint.fix.model import Fix
from avlint.nodes import SAFE_STANDARD_TAGS, walk
from avlint.spec import ModelSpec, model_spec
from avlint.versions import Release


class Hit(NamedTuple):
    """A check's report: the engine turns it into a Finding with rule data and position."""

    code: str
    node: Node
    message: str
    path: YamlPath = ()
    fix: Fix | None = None


class CheckContext:
    def __init__(self, document: Document, release: Release, text: str) -> None:
        self.document, self.release, self.text = document, release, text
        self._entry_by_path: dict[YamlPath, Entry] = {}

    def spec(self, model: str | None) -> ModelSpec | None:
        return model_spec(model, self.release) if model else None

    @cached_property
    def tagged_nodes(self) -> list[tuple[Node, YamlPath]]:
        """Every explicitly tagged node (custom tags, and standard tags the safe loader cannot
        build such as !!python/object), with its path. Only a text with a `!` can have one."""
        if "!" not in self.text:
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
                return path
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
    def entries_by_id(self) -> dict[str, Entry]:
        """The first entry with each `id`: the one `!KeyOf` resolves to."""
        found: dict[str, Entry] = {}
        for entry in self.document.entries:
            if entry.id is not None:
                found.setdefault(entry.id, entry)
        return found
