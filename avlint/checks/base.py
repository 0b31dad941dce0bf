"""What every check receives (the context) and yields (hits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from yaml.nodes import MappingNode, Node

from avlint.blueprint import Document, Entry
from avlint.findings import YamlPath
from avlint.nodes import is_custom_tag, walk
from avlint.spec import ModelSpec, model_spec
from avlint.versions import Release


class Hit(NamedTuple):
    """A check's report: the engine turns it into a Finding with rule data and position."""

    code: str
    node: Node
    message: str
    path: YamlPath = ()


@dataclass
class CheckContext:
    document: Document
    release: Release
    text: str
    _entry_by_path: dict[YamlPath, Entry] = field(default_factory=dict, init=False)

    def spec(self, model: str | None) -> ModelSpec | None:
        return model_spec(model, self.release) if model else None

    @cached_property
    def _index(self) -> tuple[list[tuple[Node, YamlPath]], list[tuple[MappingNode, YamlPath]]]:
        """One walk over the document: its tagged nodes and its mappings."""
        tagged: list[tuple[Node, YamlPath]] = []
        mappings: list[tuple[MappingNode, YamlPath]] = []
        may_have_tags = "!" in self.text
        for node, path in walk(self.document.root):
            if isinstance(node, MappingNode):
                mappings.append((node, path))
            if may_have_tags and is_custom_tag(node):
                tagged.append((node, path))
        return tagged, mappings

    @property
    def tagged_nodes(self) -> list[tuple[Node, YamlPath]]:
        return self._index[0]

    @property
    def mappings(self) -> list[tuple[MappingNode, YamlPath]]:
        return self._index[1]

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
