"""Build the create bodies of a file's validation stages (and flows and bindings on request).

The importer's view is reproduced: safe fixes applied, identifiers merged into attrs, only the
target release's writable fields kept, tags resolved where no server is needed. Each body is
then linted as an API body of its model; one that authentik would reject is marked invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from yaml.nodes import MappingNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE, Document, Entry, build_document, classify
from avlint.findings import Finding
from avlint.nodes import mapping_pairs, start, text_of
from avlint.payload.resolve import ResolveError, Resolver, Unresolved
from avlint.settings import Settings
from avlint.spec import model_spec


@dataclass
class Payload:
    path: str
    model: str
    name: str
    line: int
    body: dict[str, Any] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # error-level findings on the body
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and not self.problems


@dataclass
class PayloadOptions:
    all_models: bool = False
    environ: dict[str, str] | None = None
    context: dict[str, Any] = field(default_factory=dict)


class PayloadError(Exception):
    """The file cannot yield payloads (it does not load, or is not a blueprint)."""


def build_payloads(path: str, text: str, settings: Settings, options: PayloadOptions) -> list[Payload]:
    from avlint.fix.apply import fix_text
    from avlint.loader.yaml_nodes import compose

    outcome = fix_text(path, text, settings)
    if outcome.refused:
        raise PayloadError(outcome.refused)
    fixed = outcome.fixed.removeprefix("\ufeff")
    root = compose(fixed) if not path.lower().endswith(".json") else _json_root(fixed)
    if not isinstance(root, MappingNode) or classify(root) == "other":
        raise PayloadError("not an authentik blueprint or API body")
    document = build_document(path, root, api_body=classify(root) == "api-body")
    models = (VALIDATE_STAGE, FLOW, BINDING) if options.all_models else (VALIDATE_STAGE,)
    resolver = _resolver(document, options)
    payloads = []
    for entry in document.entries:
        if entry.model in models and entry.state not in ("absent", None):
            payloads.append(_payload(path, entry, resolver, settings))
    return payloads


def _json_root(text: str):
    from avlint.loader.json_nodes import compose_json

    return compose_json(text)


def _resolver(document: Document, options: PayloadOptions) -> Resolver:
    pks = {}
    for entry in document.entries:
        pk = entry.identifiers.get("pk")
        if entry.id is not None and pk is not None and text_of(pk.value):
            pks[entry.id] = text_of(pk.value)
    resolver = Resolver(environ=options.environ if options.environ is not None else _os_environ(), pks_by_id=pks)
    context = document.top.get("context")
    if context is not None and isinstance(context.value, MappingNode):
        resolver.context = {pair.key: pair.value for pair in mapping_pairs(context.value)}  # resolved at each use
    resolver.context.update(options.context)
    return resolver


def _os_environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def _payload(path: str, entry: Entry, resolver: Resolver, settings: Settings) -> Payload:
    spec = model_spec(entry.model, settings.release)
    writable = spec.writable if spec else {}
    data = entry.data()
    payload = Payload(path, entry.model, _name(entry, data), start(entry.node)[0])
    resolver.unresolved = []
    try:
        for key, pair in data.items():
            if key in writable:
                value = _drop_unresolved(resolver.value(pair.value))
                if not isinstance(value, Unresolved):
                    payload.body[key] = value
    except ResolveError as error:
        payload.error = f"line {error.line}: {error.message}"
        return payload
    payload.unresolved = list(resolver.unresolved)
    if isinstance(payload.body.get(_NAME_FIELD.get(entry.model, "name")), str):  # a tag-built name, now known
        payload.name = payload.body[_NAME_FIELD.get(entry.model, "name")]
    payload.problems = _validate(payload, settings)
    return payload


_NAME_FIELD = {FLOW: "slug"}


@lru_cache(maxsize=1)
def _rejecting_codes() -> frozenset[str]:
    """The rules for what authentik rejects: the only findings a payload is judged by."""
    from avlint.catalogue import all_rules

    return frozenset(rule.code for rule in all_rules() if rule.effect == "rejected")


def _drop_unresolved(value: Any) -> Any:
    if isinstance(value, list):
        return [_drop_unresolved(item) for item in value if not isinstance(item, Unresolved)]
    if isinstance(value, dict):
        return {key: _drop_unresolved(item) for key, item in value.items() if not isinstance(item, Unresolved)}
    return value


def _name(entry: Entry, data: dict) -> str:
    for key in ("slug", "name") if entry.model == FLOW else ("name",):
        pair = data.get(key)
        if pair is not None and text_of(pair.value):
            return text_of(pair.value)
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
