"""One file, linted and summarised in a worker process: its findings and, for each entry that
can appear in a drawing, the few values and references the drawing needs.

The summary is small plain data, cheap to send back from a worker (parse trees are not), and
it is made from the parse tree the lint already built (avlint.loader.yaml_nodes keeps the last
one), so graphing a corpus costs little more than linting it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, Document, Entry
from avlint.embedded import might_embed
from avlint.findings import Finding, YamlPath
from avlint.modelinfo import is_stage
from avlint.nodes import mapping_pairs
from avlint.payload.resolve import ResolveError, Resolver, Unresolved
from avlint.settings import Settings

POLICY_BINDING = "authentik_policies.policybinding"
REFERENCE_FIELDS = ("target", "stage", "policy", "group", "user", "configuration_stages", "configuration_stage")
# A !Find nested in a !Find's arguments is followed this deep, no further.
MAX_DEPTH = 8


@dataclass(frozen=True)
class Ref:
    """A reference as written: !KeyOf an id, !Find with conditions, a pk, or something only a
    server could resolve."""

    how: str  # keyof, find, pk, unresolved
    text: str = ""  # the id, the pk, or the tag
    model: str = ""  # the model a !Find looks in
    conditions: tuple[tuple[str, Ref | str], ...] = ()


@dataclass
class EntryInfo:
    index: int
    yaml_path: YamlPath
    first_line: int
    last_line: int
    model: str | None
    family: str
    id: str | None
    state: str | None
    name: str | None  # what identifies it: a flow's slug, anything else's name
    pk: str | None
    values: dict[str, Any] = field(default_factory=dict)  # scalar (or list) fields, resolved offline
    refs: dict[str, list[Ref]] = field(default_factory=dict)


@dataclass
class FileInfo:
    path: str
    findings: list[Finding] = field(default_factory=list)
    entries: list[EntryInfo] = field(default_factory=list)
    problem: str = ""  # "line:column: message" when the file is not a readable blueprint
    unreadable: str = ""  # why the path cannot be read at all
    skipped: str = ""  # what the file is instead of a blueprint (avlint.kind): not drawn


def family(model: str | None) -> str:
    """What kind of box an entry becomes."""
    if model == FLOW:
        return "flow"
    if model == BINDING:
        return "binding"
    if model == POLICY_BINDING:
        return "policybinding"
    if model and model.startswith("authentik_policies") and "." in model:
        return "policy"
    if is_stage(model):
        return "stage"
    if model in ("authentik_core.group", "authentik_core.user"):
        return model.split(".")[1]
    return "other"


def summarise_file(path: str, settings: Settings) -> FileInfo:
    """Lint one file and summarise its blueprint (run in a worker: module-level, picklable)."""
    from avlint.engine import lint_file, lint_text
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import read_source

    try:
        source = read_source(path, settings.max_file_size)
    except PathError as error:
        return FileInfo(path, unreadable=error.reason)
    except ContentProblem as problem:
        info = FileInfo(path, problem=f"{problem.line}:{problem.column}: {problem.message}")
        info.findings = [f.replace(fix=None) for f in lint_file(path, settings).findings]
        return info
    result = lint_text(path, source.text, settings, source.had_bom)
    if result.skipped is not None:
        return FileInfo(path, skipped=result.skipped)
    info = FileInfo(path, [f.replace(fix=None) for f in result.findings])
    embedded = _embedded_entries(path, source.text) if might_embed(path, source.text) else None
    if embedded is not None:
        info.entries = embedded
        return info
    try:
        document = parse_document(path, source.text)
    except ContentProblem as problem:
        info.problem = f"{problem.line}:{problem.column}: {problem.message}"
        return info
    if document is not None:
        info.entries = summarise(document)
    return info


def _embedded_entries(path: str, text: str) -> list[EntryInfo] | None:
    """The entries of the blueprints embedded in a file's ConfigMaps and Secrets, at the lines of
    the outer file, their YAML paths led by the object and key as the findings' are; None when
    the file holds none. A value that does not parse adds no entry (its AV001 is a finding)."""
    from avlint.embedded.blueprints import blueprint_values, positions_of
    from avlint.embedded.carriers import embedded_values
    from avlint.loader.problems import ContentProblem

    body = text.removeprefix("\ufeff")
    try:
        values = embedded_values(body)
    except ContentProblem:
        return []
    if values is None:
        return None
    entries: list[EntryInfo] = []
    offset = 0  # entry numbers stay unique across the blueprints of the file
    for _, value, inner in blueprint_values(values):
        try:
            document = parse_document(path, inner)
        except ContentProblem:
            continue
        if document is None:
            continue
        positions = positions_of(body, value, inner)
        for entry in summarise(document):
            entry.index += offset
            entry.yaml_path = (value.owner, value.key, *entry.yaml_path)
            entry.first_line = positions.outer(entry.first_line, 1)[0]
            entry.last_line = positions.outer(entry.last_line, 1)[0]
            entries.append(entry)
        offset += len(document.entries)
    return entries


def parse_document(path: str, text: str) -> Document | None:
    """The blueprint in `text` (None when it is not one); ContentProblem when it does not parse.
    The lint of the same text has just composed it, so this is the cached tree."""
    from avlint.blueprint import build_document
    from avlint.kind import BLUEPRINT, classify_text

    verdict, root = classify_text(path, text.removeprefix("\ufeff"))
    if isinstance(root, MappingNode) and verdict.kind == BLUEPRINT:
        return build_document(path, root, api_body=False)
    return None


def summarise(document: Document) -> list[EntryInfo]:
    resolver = _resolver(document)
    infos = []
    for entry in document.entries:
        kind = family(entry.model)
        if kind == "other":
            continue
        infos.append(_entry_info(entry, kind, resolver))
    return infos


def _entry_info(entry: Entry, kind: str, resolver: Resolver) -> EntryInfo:
    data = entry.data()
    values: dict[str, Any] = {}
    refs: dict[str, list[Ref]] = {}
    for key, pair in data.items():
        if key in REFERENCE_FIELDS:
            nodes = (
                pair.value.value
                if key == "configuration_stages" and isinstance(pair.value, SequenceNode)
                else [pair.value]
            )
            refs[key] = [to_ref(node, resolver) for node in nodes if not _is_null(node)]
        elif not isinstance(pair.value, MappingNode):
            values[key] = _value(resolver, pair.value)
    identity_pair = data.get("slug" if kind == "flow" else "name")
    identity = _plain(resolver, identity_pair.value) if identity_pair is not None else None
    pk_pair = entry.identifiers.get("pk")
    pk = _plain(resolver, pk_pair.value) if pk_pair is not None else None
    return EntryInfo(
        entry.index,
        entry.path,
        entry.node.start_mark.line + 1,
        entry.node.end_mark.line + 1,
        entry.model,
        kind,
        entry.id,
        entry.state,
        _text(identity),
        _text(pk),
        values,
        refs,
    )


def to_ref(node: Node, resolver: Resolver, depth: int = 0) -> Ref:
    if node.tag == "!KeyOf":
        return Ref("keyof", str(node.value) if isinstance(node, ScalarNode) else "?")
    if node.tag in ("!Find", "!FindObject") and isinstance(node, SequenceNode) and node.value and depth < MAX_DEPTH:
        items = node.value
        conditions: list[tuple[str, Ref | str]] = []
        for condition in items[1:]:
            if isinstance(condition, SequenceNode) and len(condition.value) == 2:
                name = _text(_value(resolver, condition.value[0]))
                wanted = condition.value[1]
                found: Ref | str | None = (
                    to_ref(wanted, resolver, depth + 1)
                    if wanted.tag in ("!Find", "!FindObject")
                    else _text(_value(resolver, wanted))
                )
                if name is not None and found is not None:
                    conditions.append((name.partition("__")[0], found))
        return Ref("find", "", _text(_value(resolver, items[0])) or "", tuple(conditions))
    value = _value(resolver, node)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "" and not str(value).startswith("!"):
        return Ref("pk", str(value))
    return Ref("unresolved", node.tag if node.tag.startswith("!") else "?")


def _value(resolver: Resolver, node: Node) -> Any:
    """The value offline (a tag's text when only a server could tell)."""
    try:
        value = resolver.value(node)
    except (ResolveError, RecursionError, TypeError, ValueError, KeyError, IndexError, AttributeError):
        return node.tag
    return node.tag if _has_unresolved(value) else value


def _plain(resolver: Resolver, node: Node) -> Any:
    """The value offline, or None when only a server could tell."""
    value = _value(resolver, node)
    return None if node.tag.startswith("!") and value == node.tag else value


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _resolver(document: Document) -> Resolver:
    """Offline tag resolution. The environment is never read: a drawing must not depend on
    (or leak) the variables of the machine that made it; !Env shows its default."""
    context: dict[str, Any] = {}
    pair = document.top.get("context")
    if pair is not None and isinstance(pair.value, MappingNode):
        context = {item.key: item.value for item in mapping_pairs(pair.value)}
    return Resolver(context=context, environ={})


def _has_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, list):
        return any(_has_unresolved(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unresolved(item) for item in value.values())
    return False
