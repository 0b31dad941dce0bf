"""Build the create bodies of a file's validation stages (and flows and bindings on request).

The importer's view is reproduced: safe fixes applied, identifiers merged into attrs, only the
target release's writable fields kept, tags resolved where no server is needed. Each body is
then linted as an API body of its model; one that authentik would reject is marked invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE, Document, Entry, build_document
from avlint.findings import Finding
from avlint.nodes import Pair, mapping_pairs, start, text_of
from avlint.payload.resolve import ResolveError, Resolver, Unresolved
from avlint.settings import Settings
from avlint.spec import model_spec

if TYPE_CHECKING:
    from avlint.live.listing import KnownObjects, Lookup

# Where each model's create request goes (POST), so that a record says where to send it.
ENDPOINTS = {
    VALIDATE_STAGE: "/api/v3/stages/authenticator/validate/",
    FLOW: "/api/v3/flows/instances/",
    BINDING: "/api/v3/flows/bindings/",
}
# The tag rules whose findings make an entry impossible to evaluate: a malformed or unknown tag.
MALFORMED_TAG_RULES = frozenset({"AV003", "AV113"})


@dataclass
class Payload:
    path: str
    model: str
    name: str
    line: int  # of the entry in the source file
    body: dict[str, Any] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # error-level findings on the body
    error: str | None = None
    skipped: str | None = None  # why authentik would not apply the entry at all
    notes: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return ENDPOINTS.get(self.model, "")

    @property
    def valid(self) -> bool:
        return self.error is None and self.skipped is None and not self.problems


@dataclass
class PayloadOptions:
    all_models: bool = False
    environ: dict[str, str] | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The server's objects (--live-file / --url): references resolve to their pks.
    known: KnownObjects | None = None


class PayloadError(Exception):
    """The file cannot yield payloads (it does not load, or is not a blueprint)."""


def build_payloads(path: str, text: str, settings: Settings, options: PayloadOptions) -> list[Payload]:
    from avlint.embedded.blueprints import holds_blueprints
    from avlint.fix.apply import fix_text
    from avlint.kind import API_BODY, NotABlueprint, classify_text

    if holds_blueprints(path, text):
        embedded = _embedded_payloads(path, text, settings, options)
        if embedded is not None:
            return embedded
    outcome = fix_text(path, text, settings)
    if outcome.skipped is not None:
        raise NotABlueprint(outcome.skipped)
    if outcome.refused:
        raise PayloadError(outcome.refused)
    fixed = outcome.fixed.removeprefix("\ufeff")
    verdict, root = classify_text(path, fixed)
    if not isinstance(root, MappingNode) or not verdict.linted:
        raise PayloadError("not an authentik blueprint or API body")
    document = build_document(path, root, api_body=verdict.kind == API_BODY)
    models = (VALIDATE_STAGE, FLOW, BINDING) if options.all_models else (VALIDATE_STAGE,)
    # Positions below are in the fixed text; a record points at the file the user wrote.
    source_line = _line_map(text.removeprefix("\ufeff"), fixed) if outcome.applied else (lambda line: line)
    malformed = [f for f in outcome.remaining if f.rule in MALFORMED_TAG_RULES]
    resolver = _resolver(document, options)
    emitted = [entry for entry in document.entries if entry.model in models and entry.state not in ("absent", None)]
    skipped = {entry.index: _skip_reason(entry, resolver) for entry in emitted}
    existing: dict[int, Lookup] = {}
    if options.known is not None:
        from avlint.payload.live import match_existing

        existing = match_existing(document, resolver, options.known)
    created = [entry for entry in emitted if skipped[entry.index] is None and entry.index not in existing]
    _mark_created(created, resolver, options.known is not None)
    if options.known is not None:
        from avlint.payload.live import mark_uncreated

        mark_uncreated(document, emitted, existing, resolver)
    where = _Where(source_line, malformed)
    payloads = []
    for entry in emitted:
        if entry.index in existing and skipped[entry.index] is None:
            from avlint.payload.live import existing_outcome

            name, skip, error = existing_outcome(entry, existing[entry.index])
            line = where.source_line(start(entry.node)[0])
            payloads.append(Payload(path, str(entry.model), name, line, skipped=skip, error=error))
            continue
        payloads.append(_payload(path, entry, resolver, settings, where, skipped[entry.index], options.known))
    return payloads


def _embedded_payloads(path: str, text: str, settings: Settings, options: PayloadOptions) -> list[Payload] | None:
    """The payloads of the blueprints embedded in a file's ConfigMaps and Secrets, each built as
    from a file of its own, with lines of the outer file; None when the file holds none."""
    from avlint.embedded.blueprints import blueprint_values, positions_of
    from avlint.embedded.carriers import embedded_values

    body = text.removeprefix("\ufeff")
    values = embedded_values(body)
    if values is None:
        return None
    found = blueprint_values(values)
    if not found:
        raise PayloadError("no ConfigMap or Secret value in the file is an authentik blueprint")
    payloads: list[Payload] = []
    for _, value, inner in found:
        try:
            built = build_payloads(path, inner, settings, options)
        except PayloadError as error:
            raise PayloadError(f"{value.label}: {error}") from None
        positions = positions_of(body, value, inner)
        for payload in built:
            payload.line = positions.outer(payload.line, 1)[0]
            payload.unresolved = [
                marker._replace(line=line, column=column)
                for marker in payload.unresolved
                for line, column in [positions.outer(marker.line, marker.column)]
            ]
        payloads.extend(built)
    return payloads


@dataclass(frozen=True)
class _Where:
    source_line: Callable[[int], int]
    malformed: list[Finding]  # AV003/AV113 findings of the whole (fixed) file


def _skip_reason(entry: Entry, resolver: Resolver) -> str | None:
    """Why authentik never applies the entry: `conditions` that are false without a server.

    The importer resolves the list and applies the entry only when all() of it holds."""
    pair = entry.pairs.get("conditions")
    if pair is None or not isinstance(pair.value, SequenceNode):
        return None
    resolver.unresolved = []
    try:
        values = resolver.resolve(pair.value)
    except ResolveError:
        return None  # reported as the entry's error when its body is built
    if not isinstance(values, list) or any(isinstance(v, Unresolved) for v in values):
        return None
    false = next((index for index, value in enumerate(values) if not value), None)
    if false is None:
        return None
    return (
        f"its conditions are false (item {false + 1}, line {start(pair.value.value[false])[0]}), so authentik skips it"
    )


def _mark_created(entries: list[Entry], resolver: Resolver, live: bool = False) -> None:
    """References to objects this run creates cannot hold their pk: the API ignores `pk` on
    create and the server gives the new object its own. They are unresolved, like a !KeyOf
    to an entry without a pk, never a pk that would not exist on the server."""
    for entry in entries:
        label = f"{entry.model} '{_name(entry, entry.data())}'"
        reason = f"{label} is created by this payload run; its pk is known only once the server creates it"
        if live:
            reason = (
                f"{label} does not exist on the server yet: POST its payload first, then build this one again "
                "(or let `avlint apply` create both in one go)"
            )
        if entry.id is not None:
            resolver.pending_ids.setdefault(entry.id, reason)
        pk = entry.identifiers.get("pk")
        if pk is not None and text_of(pk.value):
            resolver.pending_pks.setdefault(str(text_of(pk.value)), reason)


def _line_map(original: str, fixed: str) -> Callable[[int], int]:
    """fixed-text line -> source-file line. Safe fixes only edit lines in place or drop them,
    so unchanged lines map one to one and an edited line maps to where its block started."""
    import difflib

    before, after = original.splitlines(), fixed.splitlines()
    table: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            table[j + 1] = i1 + 1 + min(j - j1, max(i2 - i1 - 1, 0))
    return lambda line: table.get(line, line)


def _resolver(document: Document, options: PayloadOptions) -> Resolver:
    pks: dict[str, str] = {}
    for entry in document.entries:
        pk = entry.identifiers.get("pk")
        pk_text = text_of(pk.value) if pk is not None else None
        if entry.id is not None and pk_text:
            pks[entry.id] = pk_text
    environ = options.environ if options.environ is not None else _os_environ()
    resolver: Resolver
    if options.known is not None:
        from avlint.live.known import KnownResolver

        # A !Find that matches nothing is an error at the tag: the body would hold a null.
        resolver = KnownResolver(options.known, strict=True, environ=environ)
        resolver.pks_by_id = pks
    else:
        resolver = Resolver(environ=environ, pks_by_id=pks)
    context = document.top.get("context")
    if context is not None and isinstance(context.value, MappingNode):
        resolver.context = {pair.key: pair.value for pair in mapping_pairs(context.value)}  # resolved at each use
    resolver.context.update(options.context)
    return resolver


def _os_environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def _payload(
    path: str,
    entry: Entry,
    resolver: Resolver,
    settings: Settings,
    where: _Where,
    skipped: str | None,
    known: KnownObjects | None = None,
) -> Payload:
    spec = model_spec(entry.model, settings.release) if entry.model else None
    writable = spec.writable if spec else {}
    data = entry.data()
    line = where.source_line
    payload = Payload(path, str(entry.model), _name(entry, data), line(start(entry.node)[0]))
    if skipped is not None:
        payload.skipped = skipped
        return payload
    malformed = [f for f in where.malformed if f.yaml_path[: len(entry.path)] == entry.path]
    if malformed:
        payload.error = "; ".join(
            f"line {line(f.line)}, column {f.column}: [{f.rule} {f.name}] {f.message}" for f in malformed
        )
        return payload
    resolver.unresolved = []
    try:
        for key, pair in data.items():
            if key in writable:
                value = _drop_unresolved(resolver.resolve(pair.value))
                if not isinstance(value, Unresolved):
                    payload.body[key] = value
    except ResolveError as error:
        payload.error = f"line {line(error.line)}, column {error.column}: {error.message}"
        return payload
    payload.unresolved = [marker._replace(line=line(marker.line)) for marker in resolver.unresolved]
    if known is not None and spec is not None:
        from avlint.payload.live import name_taken, server_pks

        miss = server_pks(entry, spec, payload.body, resolver, known)
        if miss is not None:
            payload.error = f"line {line(miss.line)}, column {miss.column}: {miss.message}"
            return payload
        payload.error = name_taken(entry, payload.body, known)
        if payload.error is not None:
            return payload
    broken = _not_unicode(payload.body)
    if broken is not None:
        payload.error = f"'{broken}' holds a lone surrogate (such as \\ud800): not Unicode text, so it cannot be sent"
        return payload
    if isinstance(payload.body.get(_NAME_FIELD.get(entry.model or "", "name")), str):  # a tag-built name, now known
        payload.name = payload.body[_NAME_FIELD.get(entry.model or "", "name")]
    payload.problems = _validate(payload, settings)
    return payload


_NAME_FIELD = {FLOW: "slug"}


@lru_cache(maxsize=1)
def _rejecting_codes() -> frozenset[str]:
    """The rules for what authentik rejects: the only findings a payload is judged by."""
    from avlint.catalogue import all_rules

    return frozenset(rule.code for rule in all_rules() if rule.effect == "rejected")


def _not_unicode(value: Any, where: str = "") -> str | None:
    """The first field path holding a string that UTF-8 cannot encode (a JSON `"\\ud800"`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "the body"
    elif isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _not_unicode(v, f"{where}[{i}]"))), None)
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _not_unicode(key, where) or _not_unicode(item, f"{where}.{key}" if where else str(key))
            if found is not None:
                return found
    return None


def _drop_unresolved(value: Any) -> Any:
    if isinstance(value, list):
        return [_drop_unresolved(item) for item in value if not isinstance(item, Unresolved)]
    if isinstance(value, dict):
        return {key: _drop_unresolved(item) for key, item in value.items() if not isinstance(item, Unresolved)}
    return value


def _name(entry: Entry, data: dict[str, Pair]) -> str:
    for key in ("slug", "name") if entry.model == FLOW else ("name",):
        pair = data.get(key)
        text = text_of(pair.value) if pair is not None else None
        if text:
            return text
    order = data.get("order")
    return (
        f"binding-{text_of(order.value) or getattr(order.value, 'value', '')}"
        if order is not None
        else f"entry-{entry.index + 1}"
    )


def _validate(payload: Payload, settings: Settings) -> list[Finding]:
    from avlint.engine import lint_data

    result = lint_data(
        f"{payload.path} ({payload.name})", payload.model, payload.body, settings, only=_rejecting_codes()
    )
    # Without fixes: they hold parse trees, and a payload may travel back from a worker process.
    return [
        finding.replace(fix=None)
        for finding in result.findings
        if finding.severity == "error" and finding.effect == "rejected"
    ]
