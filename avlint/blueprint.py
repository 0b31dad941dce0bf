"""The blueprint as the importer sees it: top-level keys and entries, with their nodes.

Built once per file from the composed nodes; the checks read this instead of re-walking YAML.
An API create body (a JSON or YAML mapping of stage fields) becomes a document with one entry.
"""

from __future__ import annotations

from functools import cached_property

from yaml.nodes import MappingNode, Node, SequenceNode

from avlint.findings import YamlPath
from avlint.modelinfo import normalise_model
from avlint.nodes import Pair, last_wins, mapping_pairs, text_of

TOP_KEYS = ("version", "metadata", "context", "entries")
ENTRY_KEYS = ("model", "state", "identifiers", "attrs", "id", "conditions", "permissions")
VALIDATE_STAGE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"


class Entry:
    """One entry of the blueprint. Entries compare and hash by identity.

    This module and its neighbours on the lint path use plain classes and named tuples, not
    dataclasses: creating dataclasses at import costs every pre-commit run start-up time."""

    def __init__(
        self,
        index: int,  # position among all entries, sections flattened in order
        node: Node,
        path: YamlPath,
        pairs: dict[str, Pair] | None = None,
        identifiers: dict[str, Pair] | None = None,
        attrs: dict[str, Pair] | None = None,
        api_body: bool = False,
        api_model: str = VALIDATE_STAGE,  # the model an API body is for
    ) -> None:
        self.index, self.node, self.path = index, node, path
        self.pairs = pairs if pairs is not None else {}
        self.identifiers = identifiers if identifiers is not None else {}
        self.attrs = attrs if attrs is not None else {}
        self.api_body, self.api_model = api_body, api_model

    def __repr__(self) -> str:
        return f"Entry(index={self.index}, path={self.path!r}, model={self.model!r})"

    @cached_property
    def model(self) -> str | None:
        """The model string as the importer resolves it; None if missing or a tag."""
        if self.api_body:
            return self.api_model
        pair = self.pairs.get("model")
        text = text_of(pair.value) if pair else None
        return normalise_model(text) if text else None

    @property
    def state(self) -> str | None:
        """The state, `present` when absent; None when it is not a plain string."""
        pair = self.pairs.get("state")
        return "present" if pair is None else text_of(pair.value)

    @property
    def id(self) -> str | None:
        pair = self.pairs.get("id")
        return text_of(pair.value) if pair else None

    def data(self) -> dict[str, Pair]:
        """attrs merged with identifiers, identifiers winning: what the serializer receives."""
        if not self.identifiers:
            return self.attrs
        return {**self.attrs, **{k: p for k, p in self.identifiers.items() if k != "pk"}}


class Document:
    def __init__(
        self,
        path: str,
        root: MappingNode,
        api_body: bool,
        top: dict[str, Pair],
        entries: list[Entry],
        sectioned: bool = False,
    ) -> None:
        self.walked = False  # found in a named folder: the folders above it are not judged (AV124)
        self.path, self.root, self.api_body, self.top, self.entries, self.sectioned = (
            path,
            root,
            api_body,
            top,
            entries,
            sectioned,
        )

    def __repr__(self) -> str:
        return f"Document(path={self.path!r}, {len(self.entries)} entries)"

    def entries_of(self, model: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.model == model]


def build_document(path: str, root: MappingNode, api_body: bool, api_model: str = VALIDATE_STAGE) -> Document:
    top_pairs = mapping_pairs(root)
    if api_body:
        entry = Entry(0, root, (), attrs=last_wins(top_pairs), api_body=True, api_model=api_model)
        return Document(path, root, True, {}, [entry])
    top = last_wins(top_pairs)
    entries: list[Entry] = []
    sectioned = False
    entries_pair = top.get("entries")
    if entries_pair is not None:
        value = entries_pair.value
        if isinstance(value, SequenceNode):
            _collect(value, ("entries",), entries)
        elif isinstance(value, MappingNode):
            sectioned = True
            for section in mapping_pairs(value, ("entries",)):
                if isinstance(section.value, SequenceNode):
                    _collect(section.value, section.path, entries)
    return Document(path, root, False, top, entries, sectioned)


def _collect(sequence: SequenceNode, path: YamlPath, into: list[Entry]) -> None:
    for position, node in enumerate(sequence.value):
        entry = Entry(len(into), node, (*path, position))
        if isinstance(node, MappingNode):
            entry.pairs = last_wins(mapping_pairs(node, entry.path))
            for key in ("identifiers", "attrs"):
                pair = entry.pairs.get(key)
                if pair is not None and isinstance(pair.value, MappingNode):
                    setattr(entry, key, last_wins(mapping_pairs(pair.value, pair.path)))
        into.append(entry)
