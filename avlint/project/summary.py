"""A blueprint document in a few plain values: what the set checks need and nothing else.

Built in the worker that parsed the file, from the document the lint has just built; sent back
to the main process and cached as JSON, so it holds only tuples, strings, numbers and None
(named tuples: dataclasses cost the lint path start-up time). A file may hold several
documents (a Kubernetes ConfigMap with several blueprints), so a file's summary is a tuple of
document summaries.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document, Entry
from avlint.findings import YamlPath
from avlint.modelinfo import is_stage, normalise_model
from avlint.nodes import STR, end, is_custom_tag, scalar_value, start, text_of, walk

META_APPLY = "authentik_blueprints.metaapplyblueprint"
INSTANTIATE = "blueprints.goauthentik.io/instantiate"

# A position in the file: (line, column, end line, end column), 1-based.
Span = tuple[int, int, int, int]
# A longer value (an expression, a certificate) is nothing a !Find looks up by: not kept.
MAX_VALUE = 64
# Plain values of an entry's identifiers (or a !Find's conditions), sorted by key.
Values = tuple[tuple[str, str], ...]


class ObjectDef(NamedTuple):
    """An entry that creates or updates an object."""

    model: str
    identifiers: Values  # without pk; empty when any identifier is a tag (not comparable)
    pk: str | None
    attrs: int  # a checksum of the attrs as written (tags included): equal attrs, equal checksum
    name: str | None  # a stage's name, a flow's slug: what must be unique
    values: Values  # the other short plain fields (attrs, identifiers not in `identifiers`), for !Find

    id: str | None
    span: Span
    yaml_path: YamlPath


class FindRef(NamedTuple):
    """A `!Find [model, [field, value], ...]` whose conditions are all plain values."""

    model: str
    conditions: Values
    span: Span
    yaml_path: YamlPath


class KeyOfMiss(NamedTuple):
    """A `!KeyOf` whose id no entry of its own document defines."""

    id: str
    span: Span
    yaml_path: YamlPath


class MetaApply(NamedTuple):
    """An `authentik_blueprints.metaapplyblueprint` entry: the blueprint it applies first."""

    identifiers: Values  # attrs.identifiers: `path` (relative to the blueprints root) or `name`
    required: bool
    span: Span
    yaml_path: YamlPath


class DocumentSummary(NamedTuple):
    name: str | None  # metadata.name: the blueprint instance's name
    instantiate: bool  # False when the instantiate label is "false": listed, never applied
    defs: tuple[ObjectDef, ...]
    finds: tuple[FindRef, ...]
    keyof_misses: tuple[KeyOfMiss, ...]
    ids: tuple[tuple[str, int], ...]  # (id, line) of every entry with an id
    metas: tuple[MetaApply, ...]


FileSummary = tuple[DocumentSummary, ...]


def summarise(document: Document, text: str = "!Find !KeyOf") -> DocumentSummary:
    """The summary of one document. `text` is the file's text: without `!Find` or `!KeyOf` it
    has neither, and the walk that looks for them is skipped (the hot path of large runs)."""
    metadata = document.top.get("metadata")
    name, instantiate = _metadata(metadata.value) if metadata is not None else (None, True)
    defs: list[ObjectDef] = []
    metas: list[MetaApply] = []
    ids: list[tuple[str, int]] = []
    for entry in document.entries:
        if entry.id is not None:
            ids.append((entry.id, entry.node.start_mark.line + 1))
        if entry.model == META_APPLY:
            meta = _meta(entry)
            if meta is not None:
                metas.append(meta)
            continue
        if entry.model is None or entry.state in ("absent", None):
            continue
        defs.append(_object_def(entry))
    finds: list[FindRef] = []
    misses: list[KeyOfMiss] = []
    if "!Find" in text or "!KeyOf" in text:
        defined = {entry_id for entry_id, _ in ids}
        for node, path in walk(document.root):
            if node.tag == "!Find":
                found = _find(node, path)
                if found is not None:
                    finds.append(found)
            elif node.tag == "!KeyOf" and isinstance(node, ScalarNode):
                wanted = node.value.strip()
                if wanted and wanted not in defined:
                    misses.append(KeyOfMiss(wanted, _span(node), path))
    return DocumentSummary(name, instantiate, tuple(defs), tuple(finds), tuple(misses), tuple(ids), tuple(metas))


def _metadata(node: Node) -> tuple[str | None, bool]:
    if not isinstance(node, MappingNode):
        return None, True
    name, instantiate = None, True
    for key, value in node.value:
        if text_of(key) == "name":
            name = text_of(value)
        elif text_of(key) == "labels" and isinstance(value, MappingNode):
            for label, setting in value.value:
                if text_of(label) == INSTANTIATE and (text_of(setting) or "").lower() == "false":
                    instantiate = False
    return name, instantiate


def _object_def(entry: Entry) -> ObjectDef:
    model = str(entry.model)
    identifiers: list[tuple[str, str]] = []
    comparable = True
    pk = None
    for key, pair in entry.identifiers.items():
        value = _plain(pair.value)
        if key == "pk":
            pk = value
        elif value is None:
            comparable = False
        else:
            identifiers.append((key, value))
    kept = dict(identifiers) if comparable else {}
    # Short plain strings only: what `!Find` conditions name objects by (names, slugs, keys).
    values = {
        key: node.value
        for key, pair in entry.data().items()
        if key not in kept
        and key != "pk"
        and isinstance(node := pair.value, ScalarNode)
        and node.tag == STR
        and len(node.value) <= MAX_VALUE
        and "\n" not in node.value
    }
    name_key = "slug" if model == "authentik_flows.flow" else ("name" if is_stage(model) else None)
    attrs = entry.pairs.get("attrs")
    checksum = zlib.crc32(_canonical(attrs.value).encode("utf-8", "surrogatepass")) if attrs is not None else 0
    return ObjectDef(
        model,
        tuple(sorted(identifiers)) if comparable else (),
        pk,
        checksum,
        (kept.get(name_key) or values.get(name_key)) if name_key else None,
        tuple(sorted(values.items())),
        entry.id,
        _span(entry.node),
        entry.path,
    )


def _meta(entry: Entry) -> MetaApply | None:
    identifiers = entry.attrs.get("identifiers")
    if identifiers is None or not isinstance(identifiers.value, MappingNode):
        return None
    values = []
    for key, value in identifiers.value.value:
        key_text, plain = text_of(key), _plain(value)
        if key_text is None or plain is None:
            return None  # a tag: only the server can tell which blueprint it names
        values.append((key_text, plain))
    required_pair = entry.attrs.get("required")
    required = True
    if required_pair is not None and isinstance(required_pair.value, ScalarNode):
        required = scalar_value(required_pair.value) is not False
    return MetaApply(tuple(sorted(values)), required, _span(entry.node), entry.path)


def _find(node: Node, path: YamlPath) -> FindRef | None:
    if not isinstance(node, SequenceNode) or not node.value:
        return None
    model_text = text_of(node.value[0])
    if model_text is None:
        return None
    conditions = []
    for condition in node.value[1:]:
        if not isinstance(condition, SequenceNode) or len(condition.value) != 2:
            return None
        field, value = text_of(condition.value[0]), _plain(condition.value[1])
        if field is None or value is None:
            return None  # a nested tag: only the server can resolve it
        conditions.append((field, value))
    if not conditions:
        return None
    return FindRef(normalise_model(model_text), tuple(sorted(conditions)), _span(node), path)


def _plain(node: Node) -> str | None:
    """A scalar's value as text (booleans and numbers as the safe loader builds them), None
    for a tag, a list or a mapping."""
    if not isinstance(node, ScalarNode) or is_custom_tag(node):
        return None
    if node.tag == STR:
        return str(node.value)
    value: Any = scalar_value(node)
    return None if value is None else str(value)


def _canonical(node: Node) -> str:
    """The data a node holds, spelled one way (mapping keys sorted), tags included. Runs on
    every entry of every file: plain string work, no helper calls for the common cases."""
    if isinstance(node, ScalarNode):
        tag = node.tag
        if tag == STR:
            return "s" + str(node.value)
        return f"{tag}={node.value}" if tag.startswith("!") else repr(scalar_value(node))
    if isinstance(node, MappingNode):
        return (
            "{" + "\x1e".join(sorted(_canonical(key) + "\x1f" + _canonical(value) for key, value in node.value)) + "}"
        )
    if isinstance(node, SequenceNode):
        return node.tag + "[" + "\x1e".join([_canonical(item) for item in node.value]) + "]"
    return ""


def _span(node: Node) -> Span:
    (line, column), (end_line, end_column) = start(node), end(node)
    return line, column, end_line, end_column


def at_positions(summary: DocumentSummary, outer: Callable[[int, int], tuple[int, int]]) -> DocumentSummary:
    """The summary of an embedded blueprint with its positions moved to the outer file."""

    def moved(span: Span) -> Span:
        return (*outer(span[0], span[1]), *outer(span[2], span[3]))

    return summary._replace(
        defs=tuple(d._replace(span=moved(d.span)) for d in summary.defs),
        finds=tuple(f._replace(span=moved(f.span)) for f in summary.finds),
        keyof_misses=tuple(m._replace(span=moved(m.span)) for m in summary.keyof_misses),
        ids=tuple((entry_id, outer(line, 1)[0]) for entry_id, line in summary.ids),
        metas=tuple(m._replace(span=moved(m.span)) for m in summary.metas),
    )


# ---- JSON form, for the cache ----------------------------------------------------------------


def to_data(summary: FileSummary) -> list[Any]:
    """Plain lists: named tuples become lists, in field order."""
    return [list(_listed(document)) for document in summary]


def _listed(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_listed(item) for item in value]
    return value


def from_data(data: Any) -> FileSummary:
    """The summary back from `to_data`'s lists; ValueError (or TypeError) when they are not one.
    On the path of every warm `--project` run: plain loops, few calls."""
    documents = []
    for raw in data:
        name, instantiate, defs, finds, misses, ids, metas = raw
        definitions = []
        for model, identifiers, pk, checksum, unique, values, entry_id, span, path in defs:
            if not isinstance(model, str) or not isinstance(checksum, int):
                raise ValueError("not a summary")
            definitions.append(
                ObjectDef(
                    model,
                    _values(identifiers),
                    _optional_text(pk),
                    checksum,
                    _optional_text(unique),
                    _values(values),
                    _optional_text(entry_id),
                    _as_span(span),
                    _as_path(path),
                )
            )
        documents.append(
            DocumentSummary(
                _optional_text(name),
                bool(instantiate),
                tuple(definitions),
                tuple(FindRef(str(f[0]), _values(f[1]), _as_span(f[2]), _as_path(f[3])) for f in finds),
                tuple(KeyOfMiss(str(m[0]), _as_span(m[1]), _as_path(m[2])) for m in misses),
                tuple((str(i), int(line)) for i, line in ids),
                tuple(MetaApply(_values(m[0]), bool(m[1]), _as_span(m[2]), _as_path(m[3])) for m in metas),
            )
        )
    return tuple(documents)


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _values(raw: Any) -> Values:
    if not raw:
        return ()
    pairs = tuple(map(tuple, raw))
    if any(len(pair) != 2 or not isinstance(pair[0], str) or not isinstance(pair[1], str) for pair in pairs):
        raise ValueError("not a summary")
    return pairs


def _as_span(raw: Any) -> Span:
    line, column, end_line, end_column = raw
    if not isinstance(line, int) or not isinstance(column, int):
        raise ValueError("not a summary")
    return line, column, end_line, end_column


def _as_path(raw: Any) -> YamlPath:
    return tuple(part if isinstance(part, int) else str(part) for part in raw)
