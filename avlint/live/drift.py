"""Compare blueprint entries with live objects the way the importer would apply them.

An entry finds its object as the importer does (a `pk` identifier by pk, otherwise every other
identifier must match). Its data is attrs merged with identifiers; a field the file leaves out
is not drift (the server keeps its value); many-to-many lists and device classes compare as
sets; references compare by what they point at. `state: created` only checks existence and
`state: absent` requires the object to be gone.

Fields the target release has no writable field for are `ignored` (the importer drops them; they
are never sent), and a validation stage to create whose name another stage type holds is a
`conflict` (stage names are unique across every type: the server would refuse it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE, Document, Entry
from avlint.live.identity import same_pk
from avlint.live.state import LiveState
from avlint.modelinfo import is_stage
from avlint.nodes import start, text_of
from avlint.payload.resolve import ResolveError, Resolver, Unresolved
from avlint.spec import FieldSpec, model_spec
from avlint.versions import Release

MODELS = (FLOW, VALIDATE_STAGE, BINDING)
NO_MATCH = "no object matches"
SET_FIELDS = {"configuration_stages", "webauthn_allowed_device_types", "device_classes", "webauthn_hints"}
TRIMMED_FIELDS = {"name", "last_auth_threshold"}  # the server strips these on store


@dataclass
class FieldChange:
    field: str
    live: Any
    file: Any
    line: int
    column: int


@dataclass
class ObjectDrift:
    path: str
    line: int
    model: str
    name: str
    action: str  # "create", "change", "delete", "conflict", "in-sync", "absent-ok", "unknown"
    live_pk: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    defaults: list[FieldChange] = field(default_factory=list)  # live values the file leaves out
    ignored: list[FieldChange] = field(default_factory=list)  # fields the target release lacks (file value)
    note: str = ""
    entry: Entry | None = field(default=None, repr=False, compare=False)
    body: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # the resolved file data

    @property
    def drifted(self) -> bool:
        return self.action in ("create", "change", "delete", "conflict")


@dataclass
class DriftReport:
    objects: list[ObjectDrift]
    orphans: list[tuple[str, str]] = field(default_factory=list)  # (pk, name) of unmatched live stages
    # Per file: entry id -> the pk of its live object (None when it has none).
    matched: dict[str, dict[str, str | None]] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        return any(obj.drifted for obj in self.objects)


def compute_drift(
    files: list[tuple[str, Document]], live: LiveState, release: Release, environ: dict[str, str] | None = None
) -> DriftReport:
    report = DriftReport([])
    matched: set[str] = set()
    for path, document in files:
        resolver = LiveResolver(live, environ)
        for entry in document.entries:
            if entry.model not in MODELS and is_stage(entry.model):
                # Other stage types are not managed here, but references to them must
                # resolve: find them on the server by name, as their identifiers would.
                resolver.matched[entry.id or f"#{entry.index}"] = _other_stage(entry, live)
                continue
            if entry.model not in MODELS or entry.state is None:
                continue
            drift = _entry_drift(path, entry, live, release, resolver)
            resolver.matched[entry.id or f"#{entry.index}"] = drift.live_pk
            if drift.live_pk:
                matched.add(drift.live_pk)
            report.objects.append(drift)
        report.matched[path] = resolver.matched
    if live.has(VALIDATE_STAGE):
        report.orphans = [
            (str(obj["pk"]), obj.get("name", ""))
            for obj in live.objects[VALIDATE_STAGE]
            if str(obj["pk"]) not in matched
        ]
    return report


class LiveResolver(Resolver):
    """Tags resolved against the server: !KeyOf to an entry's live object, !Find on the lists."""

    def __init__(self, live: LiveState, environ: dict[str, str] | None) -> None:
        from avlint.live.environ import default_environ

        # Without an environment from the command, the process's, less avlint's credentials.
        super().__init__(environ=default_environ() if environ is None else environ)
        self.live = live
        self.matched: dict[str, str | None] = {}
        self.failed: list[Unresolved] = []  # tags that would fail on the server too

    def evaluate(self, node: Node) -> Any:
        """The node's value, or an Unresolved marker saying why it has none: a tag that fails
        (a `!Format` short of arguments, bad JSON) is reported, not raised."""
        try:
            return self.resolve(node)
        except ResolveError as error:
            marker = Unresolved(
                node.tag if node.tag.startswith("!") else "value", error.line, error.column, error.message
            )
            self.unresolved.append(marker)
            self.failed.append(marker)
            return marker

    def _keyof(self, node: Node) -> Any:
        pk = self.matched.get(node.value)
        if pk is not None:
            return pk
        if node.value in self.matched:  # a known entry whose object is not on the server
            return self._needs_server(
                node,
                f"entry '{node.value}' has no object on the server yet; avlint creates only flows, validation stages and bindings, so apply that entry with authentik first",
            )
        return self._needs_server(node, f"no entry has id '{node.value}'")

    def _find(self, node: Node) -> Any:
        items = node.value
        model = str(self.value(items[0])).lower()
        conditions = [
            (str(self.value(c.value[0])), self.value(c.value[1]))
            for c in items[1:]
            if len(getattr(c, "value", [])) == 2
        ]
        found = self.live.find(model, conditions)
        if found is None and self._listed(model):
            # The importer would put a null here and fail on it far from the cause
            # (`'configuration_stages item' may not be null`, at the entry): say it at the tag.
            shown = ", ".join(f"[{name}, {value!r}]" for name, value in conditions)
            return self._needs_server(node, f"{NO_MATCH} !Find [{model}, {shown}] on the server")
        return found  # None when nothing matches a list avlint did not fetch, as the importer's !Find

    def _listed(self, model: str) -> bool:
        """Whether every object of `model` was fetched, so that no match means there is none."""
        return self.live.has(model) or (
            is_stage(model) and self.live.source == "server" and bool(self.live.stage_names)
        )


def _entry_drift(path: str, entry: Entry, live: LiveState, release: Release, resolver: LiveResolver) -> ObjectDrift:
    data = entry.data()
    drift = ObjectDrift(path, start(entry.node)[0], entry.model or "", _name(entry), "unknown", entry=entry)
    if not live.has(entry.model or ""):
        drift.note = "not in the saved retrieval"
        return drift
    spec = model_spec(entry.model, release) if entry.model else None
    writable = spec.writable if spec else {}
    resolver.unresolved, resolver.failed = [], []
    body = {key: resolver.evaluate(pair.value) for key, pair in data.items() if key in writable}
    drift.body = body
    miss = next((m for m in resolver.unresolved if m.reason.startswith(NO_MATCH)), None)
    if miss is not None:
        drift.note = f"{miss.tag} at line {miss.line}, column {miss.column}: {miss.reason}"
    if spec is not None:
        drift.ignored = [
            FieldChange(key, None, _plain(pair.value), *start(pair.value))
            for key, pair in data.items()
            if key not in writable
        ]
    obj = match_entry(entry, live, resolver)
    drift.live_pk = str(obj["pk"]) if obj else None
    if resolver.failed:
        failed = resolver.failed[0]
        drift.note = f"{failed.tag} at line {failed.line}, column {failed.column} cannot be evaluated: {failed.reason}"
        return drift  # "unknown": what the server would make of it cannot be told
    if entry.state == "absent":
        drift.action = "delete" if obj else "absent-ok"
        return drift
    if obj is None:
        holder = _name_holder(entry.model or "", body.get("name"), live)
        if holder is not None:
            drift.action = "conflict"
            drift.note = f"the name is taken by a stage of another type ({holder[1]}, {holder[0]})"
        else:
            drift.action = "create"
        return drift
    if entry.state == "created":
        drift.action = "in-sync"
        drift.note = "state created: only existence is checked"
        return drift
    compared = {
        key: _normalise(key, obj.get(key), value, writable.get(key))
        for key, value in body.items()
        if not isinstance(value, Unresolved)
    }
    live_side, file_side = {k: pair[0] for k, pair in compared.items()}, {k: pair[1] for k, pair in compared.items()}
    # The common case, an object in sync, is settled by a plain comparison; DeepDiff runs only
    # on the objects that differ, to name the fields.
    differing = set() if live_side == file_side else _differing_fields(live_side, file_side)
    for key in body:
        if key in differing:
            line, column = start(data[key].value)
            drift.changes.append(
                FieldChange(
                    key,
                    _show(live, obj.get(key), writable.get(key)),
                    _show(live, body[key], writable.get(key)),
                    line,
                    column,
                )
            )
    drift.defaults = [
        FieldChange(key, _show(live, obj.get(key), spec_field), None, 0, 0)
        for key, spec_field in writable.items()
        if key not in body and key in obj
    ]
    drift.action = "change" if drift.changes else "in-sync"
    return drift


def _plain(node: Node) -> Any:
    """A file value as written, for showing it (scalars and lists of them; None otherwise)."""
    if isinstance(node, SequenceNode):
        return [_plain(item) for item in node.value]
    return text_of(node) if isinstance(node, ScalarNode) else None


def _name_holder(model: str, name: Any, live: LiveState) -> tuple[str, str] | None:
    """(pk, model) of a stage of another type that holds `name`, which every stage type shares."""
    if not is_stage(model) or not isinstance(name, str):
        return None
    return next(
        ((pk, kind) for pk, (held, kind) in live.stage_names.items() if held == name and kind and kind != model),
        None,
    )


def _differing_fields(live_side: dict[str, Any], file_side: dict[str, Any]) -> set[str]:
    from deepdiff import DeepDiff  # a third of a second to import: only when something differs

    return set(DeepDiff(live_side, file_side).affected_root_keys)


def _other_stage(entry: Entry, live: LiveState) -> str | None:
    pair = entry.data().get("name")
    name = text_of(pair.value) if pair is not None else None
    return next(
        (pk for pk, (stage_name, model) in live.stage_names.items() if stage_name == name and model == entry.model),
        None,
    )


def match_entry(entry: Entry, live: LiveState, resolver: LiveResolver) -> dict[str, Any] | None:
    """The importer's lookup: pk OR (every other identifier)."""
    pk_pair = entry.identifiers.get("pk")
    if pk_pair is not None:
        found = live.by_pk(entry.model or "", str(resolver.evaluate(pk_pair.value)))
        if found is not None:
            return found
    others = {key: resolver.evaluate(pair.value) for key, pair in entry.identifiers.items() if key != "pk"}
    if not others or any(isinstance(value, Unresolved) or value is None for value in others.values()):
        return None
    return live.by_fields(entry.model or "", others)


def _normalise(key: str, live: Any, wanted: Any, spec_field: FieldSpec | None) -> tuple[Any, Any]:
    if key in SET_FIELDS and isinstance(live, list) and isinstance(wanted, list):
        return sorted({str(v) for v in live}), sorted({str(v) for v in wanted if not isinstance(v, Unresolved)})
    if key in TRIMMED_FIELDS and isinstance(wanted, str) and isinstance(live, str):
        return live.strip(), wanted.strip()
    if spec_field is not None and spec_field.type == "uuid" and wanted is not None:
        return same_pk(live), same_pk(wanted)
    if key in SET_FIELDS and isinstance(live, list) and isinstance(wanted, list):
        return sorted({same_pk(v) for v in live}), sorted({same_pk(v) for v in wanted if not isinstance(v, Unresolved)})
    return live, wanted


def _show(live: LiveState, value: Any, spec_field: FieldSpec | None) -> Any:
    """References shown by name; everything else as it is."""
    references = spec_field is not None and (
        spec_field.references or (spec_field.items is not None and spec_field.items.references)
    )
    if isinstance(value, Unresolved):
        return f"{value.tag} (needs {value.reason})"
    if references and isinstance(value, list):
        return [live.label(item) for item in value]
    if references and value is not None:
        return live.label(value)
    return value


def _name(entry: Entry) -> str:
    data = entry.data()
    for key in ("slug", "name") if entry.model == FLOW else ("name",):
        pair = data.get(key)
        text = text_of(pair.value) if pair is not None else None
        if text:
            return text
    order = data.get("order")
    if order is not None:
        return f"order {getattr(order.value, 'value', '?')}"
    return f"entry {entry.index + 1}"
