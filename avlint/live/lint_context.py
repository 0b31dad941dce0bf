"""`avlint lint --live-file/--url`: what only the server knows, as findings (AV801-AV807).

The engine stays offline: this pass runs after the per-file lint, on the files that linted as
blueprints, and its findings are stamped by the engine's own stamping (suppression comments,
severities from the config, --select/--ignore, fingerprints). It is imported only when a listing
is given, so `avlint lint FILE` imports none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from yaml.nodes import MappingNode

from avlint.blueprint import FLOW, Document, Entry, build_document
from avlint.live.known import KnownResolver, check_raw_pk, identifiers_of, models_of, raw_pk_nodes, tag_nodes
from avlint.live.listing import STAGE
from avlint.modelinfo import is_stage
from avlint.nodes import start
from avlint.payload.resolve import ResolveError, Unresolved

if TYPE_CHECKING:
    from avlint.engine import FileResult, Located
    from avlint.live.listing import KnownObjects
    from avlint.live.listing_source import LiveSource
    from avlint.settings import Settings

FIND_NO_MATCH = "AV801"
PK_NOT_ON_SERVER = "AV802"
PK_WRONG_MODEL = "AV803"
STAGE_NAME_TAKEN = "AV804"
FLOW_SLUG_TAKEN = "AV805"
MUST_CREATED_EXISTS = "AV806"
CREATED_EXISTS = "AV807"
CODES = frozenset(
    {
        FIND_NO_MATCH,
        PK_NOT_ON_SERVER,
        PK_WRONG_MODEL,
        STAGE_NAME_TAKEN,
        FLOW_SLUG_TAKEN,
        MUST_CREATED_EXISTS,
        CREATED_EXISTS,
    }
)
_MISS_CODES = {"find": FIND_NO_MATCH, "pk-missing": PK_NOT_ON_SERVER, "pk-wrong": PK_WRONG_MODEL}


def live_pass(
    results: list[FileResult],
    source: LiveSource,
    settings: Settings,
    err: TextIO,
    texts: dict[str, str] | None = None,
) -> None:
    """Read the listing (UsageError when it cannot be had) and add each file's findings. `texts`
    holds what was linted instead of the file on disk (standard input), by path."""
    from avlint.live.listing_source import open_listing
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import read_source

    # The listing is read even when every server rule is deselected: a bad --live-file is
    # still a usage error, never silently ignored.
    documents: list[tuple[FileResult, str, Document]] = []
    for result in results:
        if result.skipped is not None:
            continue
        try:
            text = (texts or {}).get(result.path) or read_source(result.path, settings.max_file_size).text
        except (PathError, ContentProblem):
            continue  # reported by the per-file lint
        document = document_of(result.path, text)
        if document is not None:
            documents.append((result, text, document))
    models = models_of([document for _, _, document in documents], settings)
    servers = _servers(source)
    for name, single in servers:
        listing = open_listing(single, models, settings.max_file_size)
        prefix = f"{name}: " if name is not None and len(servers) > 1 else ""
        err.writelines(f"{prefix}{warning}\n" for warning in listing.warnings)
        for result, text, document in documents:
            add_live_findings(result, text, document, settings, listing, prefix)


def _servers(source: LiveSource) -> list[tuple[str | None, LiveSource]]:
    """One source per server: `lint --context a --context b` looks each file up on every server
    named, and says which one a finding is from."""
    from avlint.live.connection import ConnectionError_
    from avlint.live.listing_source import LiveSource
    from avlint.usage import UsageError

    server = source.server
    if server is None or not server.contexts:
        return [(None, source)]
    import os

    from avlint.live.contexts import resolve

    try:
        return [(context.name, LiveSource(source.files, options)) for context, options in resolve(server, os.environ)]
    except ConnectionError_ as error:
        raise UsageError(str(error)) from None


def add_live_findings(
    result: FileResult, text: str, document: Document, settings: Settings, known: KnownObjects, prefix: str = ""
) -> None:
    """Add the server-only findings of one linted file to its result; `prefix` names the server
    when several were asked."""
    from avlint.engine import stamp_pass

    hits = [hit._replace(message=prefix + hit.message) for hit in live_hits(document, settings, known)]
    if not hits:
        return
    stamped = stamp_pass(result.path, text.removeprefix("\ufeff"), document.root, hits, settings)
    result.findings = sorted([*result.findings, *(f for f in stamped.findings if f.rule in CODES)])
    result.suppressed += stamped.suppressed


def document_of(path: str, text: str) -> Document | None:
    from avlint.kind import BLUEPRINT, classify_text
    from avlint.loader.problems import ContentProblem

    try:
        verdict, root = classify_text(path, text.removeprefix("\ufeff"))
    except ContentProblem:
        return None  # already reported by the per-file lint
    if not isinstance(root, MappingNode) or verdict.kind != BLUEPRINT:
        return None
    return build_document(path, root, api_body=False)


def live_hits(document: Document, settings: Settings, known: KnownObjects) -> list[Located]:
    from avlint.engine import Located
    from avlint.live.identity import same_pk
    from avlint.spec import model_spec

    hits: list[Located] = []
    resolver = KnownResolver(known, strict=False)
    # pks the file itself gives its entries: a reference to one is to an object this import makes.
    own_pks = {
        same_pk(pair.value.value)
        for entry in document.entries
        if (pair := entry.identifiers.get("pk")) is not None
        and hasattr(pair.value, "value")
        and isinstance(pair.value.value, str)
    }
    for entry in document.entries:
        resolver.misses = []
        for node in tag_nodes(entry.node, "!Find"):
            resolver.unresolved = []
            try:
                resolver.resolve(node)
            except ResolveError:
                continue  # a malformed or failing tag: the per-file lint reports it
        for miss in resolver.misses:
            hits.append(Located.at(_MISS_CODES[miss.kind], miss.line, miss.column, miss.message))
        spec = model_spec(entry.model, settings.release, settings.spec) if entry.model else None
        if spec is not None:
            for _, node, target in raw_pk_nodes(entry, spec):
                if same_pk(node.value) in own_pks:
                    continue
                _, wrong = check_raw_pk(known, node, target)
                if wrong is not None:
                    hits.append(Located.at(_MISS_CODES[wrong.kind], wrong.line, wrong.column, wrong.message))
        hits.extend(_existence(entry, resolver, known))
    return hits


def _existence(entry: Entry, resolver: KnownResolver, known: KnownObjects) -> list[Located]:
    """What the entry's state does with an object that exists, and names it cannot take."""
    from avlint.engine import Located

    if entry.model is None or entry.state not in ("present", "created", "must_created") or not entry.identifiers:
        return []
    identifiers = identifiers_of(entry, resolver)
    if identifiers is None:
        return []
    found = known.match(entry.model, identifiers)
    state_pair = entry.pairs.get("state")
    where = start(state_pair.value) if state_pair is not None else start(entry.node)
    if found.state == "found":
        if entry.state == "must_created":
            return [
                Located.at(
                    MUST_CREATED_EXISTS,
                    *where,
                    f"state must_created, but the {entry.model} {_label(found.obj)} exists on the server: the import fails",
                )
            ]
        if entry.state == "created":
            return [
                Located.at(
                    CREATED_EXISTS,
                    *where,
                    f"state created and the {entry.model} {_label(found.obj)} exists on the server: "
                    "the entry is skipped, its attrs are not applied",
                )
            ]
        return []
    if found.state != "missing":
        return []
    return _taken(entry, resolver, known)


def _taken(entry: Entry, resolver: KnownResolver, known: KnownObjects) -> list[Located]:
    """A new object whose unique name (stages) or slug (flows) another object holds."""
    from avlint.engine import Located

    field, family = ("slug", FLOW) if entry.model == FLOW else ("name", STAGE) if is_stage(entry.model) else ("", "")
    pair = entry.data().get(field) if field else None
    if pair is None:
        return []
    resolver.unresolved = []
    try:
        value = resolver.resolve(pair.value)
    except ResolveError:
        return []
    if isinstance(value, Unresolved) or not isinstance(value, str):
        return []
    holders = known.holders(family, field, value)
    if not holders:
        return []
    model, obj = holders[0]
    line, column = start(pair.value)
    if family == FLOW:
        message = (
            f"the slug '{value}' is taken by the flow '{obj.get('name', '')}' on the server, which this entry's "
            "identifiers do not find: the import fails with `Flow with this slug already exists.`"
        )
        return [Located.at(FLOW_SLUG_TAKEN, line, column, message)]
    kind = "another type" if model != entry.model else "the same type, which this entry's identifiers do not find"
    message = (
        f"a stage named '{value}' exists on the server ({model}, {kind}); stage names are unique across every "
        "stage type: the import fails with `stage with this name already exists.`"
    )
    return [Located.at(STAGE_NAME_TAKEN, line, column, message)]


def _label(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    for key in ("name", "slug", "username"):
        if obj.get(key):
            return f"'{obj[key]}'"
    return f"pk {obj.get('pk')}"
