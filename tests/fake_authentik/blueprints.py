"""Blueprint validation as ``POST /managed/blueprints/`` runs it (recordings 098-102): authentik
2025.12.4's ``Importer.validate()``, which applies every entry inside a transaction it rolls back.

Per entry, in authentik's order: the model must exist ("App or Model does not exist"); its
conditions are resolved (false: skipped); the identifiers are resolved and looked up as ``pk`` OR
every other identifier ANDed; the data is the resolved attrs deep-merged with the identifiers
(identifiers win, lists concatenate); an existing object is validated as a partial update. The fake
runs its own serializers for the models it serves (validation stages, flows, bindings) and the base
stage name rule for every other stage type; other models are not validated but still "saved", so a
later ``!KeyOf`` finds them. Saves go to a scratch copy of the state, so a later ``!Find`` sees them.

The answer is the list of log events, ``[]`` when the blueprint is valid. Where authentik raises an
exception its API does not handle (content that is not YAML, dacite type errors, ``attrs: null``)
this raises ``Unhandled`` (the real server answers an empty 405).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import blueprint_yaml
from .blueprint_find import BINDING, FLOW, NOT_ALLOWED, PROMPT_STAGE, FieldError, Query, stage_models
from .blueprint_tags import Entry, EntryInvalid, Import, Saved, merge, resolve, resolve_tag
from .data import blueprint_models
from .fields import CharField, Err, unique
from .http import Unhandled
from .serializer import Invalid, run
from .state import VALIDATE, VALIDATE_TYPE, Binding, Flow, Stage
from .validate import VALIDATE_DEFAULTS, validate_binding, validate_flow, validate_stage

if TYPE_CHECKING:
    from .state import State

TAGS = blueprint_yaml.TAGS
META_APPLY = "authentik_blueprints.metaapplyblueprint"
STATES = ("present", "created", "must_created", "absent")
MUST_CREATED_MESSAGE = "State is set to must_created and object exists already"


def default_context() -> dict[str, Any]:
    """``Importer.default_context()`` on a server without a licence: the enterprise flag is the
    one-element tuple ``(False,)``, which is truthy (facts §11 item 12)."""
    models = {model.partition(".")[2]: model.partition(".")[0] for model in sorted(blueprint_models())}
    return {"goauthentik.io/enterprise/licensed": (False,), "goauthentik.io/rbac/models": models}


def validate(state: State, content: str, context: Any = None) -> list[str]:
    """Importer.from_string(content, context).validate(): the log events, [] when valid."""
    document = _checked(blueprint_yaml.load(content))
    if document.get("version", 1) != 1:
        return ["Invalid blueprint version"]
    merged = merge(default_context(), document.get("context") or {})
    if isinstance(context, dict):
        merged = merge(merged, context)
    entries = document.get("entries", [])
    if isinstance(entries, dict):
        entries = [entry for section in entries.values() for entry in section]
    blueprint = Import(state.transaction(), merged, [Entry(entry) for entry in entries])
    importer = _Importer(blueprint)
    for entry in blueprint.entries:
        error = importer.apply(entry)
        if error is not None:
            logs = [*blueprint.logs, error, "Blueprint validation failed"]
            if error.startswith("Entry invalid: "):
                logs += importer.log_entry(entry)
            return logs
    return []


def _checked(document: Any) -> dict[str, Any]:
    """dacite's ``from_dict(Blueprint, ...)`` type checks; a failure there is not handled by the API."""

    def require(condition: bool, what: str) -> None:
        if not condition:
            raise Unhandled(f"blueprint does not fit authentik's dataclasses: {what}")

    require(isinstance(document, dict), "not a mapping")
    require(isinstance(document.get("version", 1), int), "version")
    require(isinstance(document.get("context", {}), dict), "context")
    metadata = document.get("metadata")
    require(metadata is None or (isinstance(metadata, dict) and isinstance(metadata.get("name"), str)), "metadata")
    labels = (metadata or {}).get("labels", {})
    require(isinstance(labels, dict) and all(isinstance(v, str) for v in [*labels, *labels.values()]), "labels")
    entries = document.get("entries", [])
    sections = list(entries.values()) if isinstance(entries, dict) else [entries]
    require(all(isinstance(section, list) for section in sections), "entries")
    for entry in (entry for section in sections for entry in section):
        require(isinstance(entry, dict) and "model" in entry, "entry")
        require(isinstance(entry.get("id"), (str, type(None))), "id")
        require(isinstance(entry.get("conditions", []), list), "conditions")
        require(isinstance(entry.get("identifiers", {}), dict), "identifiers")
        require(isinstance(entry.get("attrs", {}), (dict, type(None))), "attrs")
        state = entry.get("state", "present")
        require(isinstance(state, blueprint_yaml.YAMLTag) or state in STATES, "state")
        permissions = entry.get("permissions", [])
        require(isinstance(permissions, list), "permissions")
        require(all(isinstance(p, dict) and "permission" in p for p in permissions), "permission")
    checked: dict[str, Any] = document
    return checked


@dataclass
class Pending:
    """A validated entry (authentik's serializer): what to save, or to delete for ``absent``."""

    model: str
    instance: Any  # the existing object, or None
    values: dict[str, Any]  # the serializer's validated data
    identifiers: dict[str, Any]


class SerializerFailed(EntryInvalid):
    """``Serializer errors {...}``: an ``absent`` entry still deletes the object it found."""

    def __init__(self, message: str, pending: Pending):
        super().__init__(message)
        self.pending = pending


class _Importer:
    def __init__(self, blueprint: Import):
        self.blueprint = blueprint
        self.state = blueprint.state
        self.pk_map: dict[Any, Any] = {}

    def resolve(self, value: Any, entry: Entry) -> Any:
        return resolve(value, entry, self.blueprint)

    def apply(self, entry: Entry) -> str | None:
        """``Importer._apply_models`` for one entry: a log event when the import fails here."""
        model = self.model_of(entry)
        if model is None:
            return "App or Model does not exist"
        pending: Pending | None
        try:
            pending = self.validate_single(entry, model)
        except EntryInvalid as exc:
            if self.resolve(entry.raw.get("state", "present"), entry) != "absent":
                return f"Entry invalid: {exc}"
            pending = exc.pending if isinstance(exc, SerializerFailed) else None
        if pending is None:
            return None
        state = self.resolve(entry.raw.get("state", "present"), entry)
        if state not in STATES:
            raise Unhandled(f"{state!r} is not a BlueprintEntryDesiredState")
        if state == "absent":
            if pending.instance is not None:
                self.delete(pending)
            return None
        if state == "created" and pending.instance is not None:
            entry.saved = self.saved(pending.model, pending.instance)  # exists: validated, not saved
        else:
            entry.saved = self.save(pending)
        if "pk" in entry.raw.get("identifiers", {}):
            try:
                self.pk_map[entry.raw["identifiers"]["pk"]] = entry.saved.pk
            except TypeError as exc:  # an unhashable pk identifier
                raise Unhandled(f"pk identifier: {exc}") from exc
        self.check_permissions(entry)
        return None

    def check_permissions(self, entry: Entry) -> None:
        """``_apply_permissions``: a ``user`` or ``role`` that does not exist is a DoesNotExist the
        importer does not catch (serializer rules §1.10)."""
        for permission in entry.raw.get("permissions") or []:
            if not isinstance(permission, dict):
                raise Unhandled("a permissions item is not a mapping")
            user = self.resolve(permission.get("user"), entry)
            role = self.resolve(permission.get("role"), entry)
            if user is not None and user not in self.state.users:
                raise Unhandled(f"User matching query does not exist: {user!r}")
            if role is not None and str(role) not in self.state.roles:
                raise Unhandled(f"Role matching query does not exist: {role!r}")

    def model_of(self, entry: Entry) -> str | None:
        """The entry's model as the blueprint registry knows it, or None (no such model)."""
        model = self.resolve(entry.raw["model"], entry)
        if not isinstance(model, str) or model.count(".") != 1:
            raise Unhandled(f"model {model!r} is not app_label.model_name")  # ValueError in authentik
        app_label, _, name = model.partition(".")
        known = f"{app_label}.{name.lower()}"  # app labels are case-sensitive, model names are not
        return known if known in blueprint_models() or known in NOT_ALLOWED else None

    def validate_single(self, entry: Entry, model: str) -> Pending | None:
        if not all(self.resolve(entry.raw.get("conditions", []), entry)):
            return None
        if model in NOT_ALLOWED:
            raise EntryInvalid(f"Model <class '{NOT_ALLOWED[model]}'> not allowed")
        if model == META_APPLY:
            return None  # applies another blueprint instance: not modelled
        identifiers = self.update_pks(self.resolve(entry.raw.get("identifiers", {}), entry))
        for key, value in list(identifiers.items()):
            if isinstance(value, dict) and "pk" in value:  # a !FindObject result
                identifiers[key] = value["pk"]
        if not identifiers:
            raise EntryInvalid("No or invalid identifiers")
        others = [(f"{k}__contains" if isinstance(v, dict) else k, v) for k, v in identifiers.items() if k != "pk"]
        any_of = [("pk", identifiers["pk"])] if "pk" in identifiers else []
        try:
            found = Query(self.state, model).filter(others, any_of=any_of)
        except FieldError as exc:
            raise EntryInvalid(f"Invalid identifier field: {exc}") from exc
        instance = found[0] if found else None
        if instance is not None and entry.raw.get("state", "present") == "must_created":
            # compares the raw state: a tag resolving to must_created updates instead (quirk)
            errors = {key: [Err(MUST_CREATED_MESSAGE, "unique")] for key in entry.raw.get("identifiers", {})}
            raise EntryInvalid(repr(errors))
        attrs = self.resolve(entry.raw.get("attrs", {}), entry)
        if not isinstance(attrs, dict):
            raise Unhandled("attrs is null: 'NoneType' object has no attribute 'items'")
        data = merge(self.update_pks(attrs), identifiers)
        pending = Pending(model, instance, {}, identifiers)
        try:
            pending.values = self.serialize(model, data, instance)
        except Invalid as exc:
            raise SerializerFailed(f"Serializer errors {exc.errors!r}", pending) from exc
        return pending

    def update_pks(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """``__update_pks_for_attrs``: values equal to an earlier entry's ``pk`` identifier become
        that object's real pk (one level deep, as in authentik)."""

        def updated(value: Any) -> Any:
            return self.pk_map.get(value, value)

        for key, value in attrs.items():
            try:
                if isinstance(value, dict):
                    for inner in value:
                        value[inner] = updated(value[inner])
                elif isinstance(value, list):
                    attrs[key] = [updated(item) for item in value]
                else:
                    attrs[key] = updated(value)
            except TypeError:  # unhashable values are left alone
                pass
        return attrs

    def log_entry(self, entry: Entry) -> list[str]:
        """Writing the "Entry invalid" log event turns the entry (a dataclass: model, state,
        conditions, identifiers, attrs, permissions, id) into JSON, and ``str()`` of a tag found
        there resolves it (``YAMLTag.__repr__``) against an empty blueprint, outside any context.
        A tag that cannot resolve there (every ``!KeyOf``, an ``!Index`` in an ``!Enumerate``, the
        tag that failed) raises while the log is written: the API answers an empty 405 (facts
        §13, since 2025.2). Returns what those resolutions log in turn (``!File`` warnings)."""
        empty = Import(self.state, {}, [])
        fields = ("model", "state", "conditions", "identifiers", "attrs", "permissions", "id")
        for tag in _tags_in([entry.raw.get(key) for key in fields]):
            try:
                resolve_tag(tag, Entry({"model": ""}), empty)
            except EntryInvalid as exc:
                raise Unhandled(f"a tag of the invalid entry fails in its log event: {exc}") from exc
        return empty.logs

    # -- serializers ------------------------------------------------------------------------------
    def serialize(self, model: str, data: dict[str, Any], instance: Any) -> dict[str, Any]:
        partial, pk = instance is not None, getattr(instance, "pk", None)
        if model == VALIDATE:
            return validate_stage(self.state, data, partial=partial, instance_pk=pk)
        if model == FLOW:
            return validate_flow(self.state, data, partial=partial, instance_pk=pk)
        if model == BINDING:
            return validate_binding(self.state, data, partial=partial, instance_pk=pk)
        if model in stage_models(self.state):
            return run([("name", self.stage_name_field(model, pk))], data, partial=partial)
        return {}

    def stage_name_field(self, model: str, pk: Any) -> CharField:
        """The base StageSerializer name: unique over every stage type, except a prompt stage's,
        whose validator looks at prompt stages only (serializer rules, appendix D)."""
        if model == PROMPT_STAGE:
            message, pool = "This field must be unique.", [s for s in self.state.stages.values() if s.model == model]
        else:
            message, pool = "stage with this name already exists.", list(self.state.stages.values())
        taken = {s.name for s in pool if s.pk != pk}
        return CharField(required=True, validators=[unique(message, lambda name: name in taken)])

    # -- the transaction ------------------------------------------------------------------------
    def saved(self, model: str, instance: Any) -> Saved:
        pbm = instance.pbm_pk if isinstance(instance, (Flow, Binding)) else None
        return Saved(model, instance.pk, pbm)

    def save(self, pending: Pending) -> Saved:
        model, instance, values = pending.model, pending.instance, pending.values
        if instance is None:
            instance = self.create(model, values, self.new_pk(pending.identifiers.get("pk")))
        elif isinstance(instance, Stage):
            instance.name = values.pop("name", instance.name)
            instance.fields.update(values)
        elif isinstance(instance, (Flow, Binding)):
            for key, value in values.items():
                setattr(instance, key, value)
        return self.saved(model, instance)

    def create(self, model: str, values: dict[str, Any], pk: str) -> Any:
        state = self.state
        if model == VALIDATE:
            component, verbose, plural = VALIDATE_TYPE
            fields = {key: values.get(key, default) for key, default in VALIDATE_DEFAULTS.items()}
            state.stages[pk] = Stage(pk, values["name"], model, component, verbose, plural, fields)
            return state.stages[pk]
        if model == FLOW:
            state.flows[pk] = Flow(pk=pk, pbm_pk=state.new_uuid(), **values)
            return state.flows[pk]
        if model == BINDING:
            state.bindings[pk] = Binding(pk=pk, pbm_pk=state.new_uuid(), **values)
            return state.bindings[pk]
        if model in stage_models(state):
            if any(s.name == values["name"] for s in state.stages.values()):
                # a prompt stage named like another type's stage: IntegrityError on the base table
                raise Unhandled("duplicate key value violates unique constraint on the stage name")
            state.stages[pk] = Stage(pk, values["name"], model, "", model, model)
            return state.stages[pk]
        return _Unmodelled(pk)

    def delete(self, pending: Pending) -> None:
        instance = pending.instance
        if isinstance(instance, Stage):
            self.state.delete_stage(instance.pk)
        elif isinstance(instance, Flow):
            self.state.delete_flow(instance.pk)
        elif isinstance(instance, Binding):
            del self.state.bindings[instance.pk]

    def new_pk(self, pk: Any) -> str:
        """A new object keeps the ``pk`` identifier it was given (exports re-import with their pks)."""
        try:
            return str(uuid.UUID(str(pk))) if pk is not None else self.state.new_uuid()
        except ValueError:
            return self.state.new_uuid()


def _tags_in(value: Any) -> list[blueprint_yaml.YAMLTag]:
    """The tags ``sanitize_item`` meets: in dict values and list items, not inside other tags."""
    if isinstance(value, blueprint_yaml.YAMLTag):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [tag for item in value for tag in _tags_in(item)]
    return []


@dataclass
class _Unmodelled:
    """An object of a model the fake does not store: only its pk, for ``!KeyOf``."""

    pk: str
