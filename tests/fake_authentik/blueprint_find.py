"""Django-style queries over the fake's tables, for the blueprint importer (identifier look-ups,
``!Find``, ``!FindObject``).

``apps.get_model`` is modelled by ``get_model``: every model of the blueprint schema and the
Django models a blueprint cannot write but ``!Find`` can read (``authentik_flows.stage`` ...). Only
the models below have rows in the fake; a query on any other known model matches nothing, as on a
server that holds no such object. Field look-ups follow Django: ``field``, ``field__<lookup>``
and ``relation__field``; an unknown field is Django's ``FieldError``. A module of the fake that
stores another model makes it searchable by adding a ``Table`` to ``TABLES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .data import blueprint_models
from .http import Unhandled

if TYPE_CHECKING:
    from .state import State

STAGE = "authentik_flows.stage"
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"
PROMPT_STAGE = "authentik_stages_prompt.promptstage"

# Django models outside the blueprint schema that a !Find may read, with their class for the
# importer's "Model <class '...'> not allowed" (authentik 2025.12 importer.py excluded_models).
NOT_ALLOWED: dict[str, str] = {
    "authentik_flows.stage": "authentik.flows.models.Stage",
    "authentik_core.provider": "authentik.core.models.Provider",
    "authentik_core.source": "authentik.core.models.Source",
    "authentik_core.propertymapping": "authentik.core.models.PropertyMapping",
    "authentik_core.session": "authentik.core.models.Session",
    "authentik_core.authenticatedsession": "authentik.core.models.AuthenticatedSession",
    "authentik_policies.policy": "authentik.policies.models.Policy",
    "authentik_policies.policybindingmodel": "authentik.policies.models.PolicyBindingModel",
    "auth.permission": "django.contrib.auth.models.Permission",
    "auth.group": "django.contrib.auth.models.Group",
}


class FieldError(Exception):
    """Django's FieldError: a look-up names a field the model does not have."""


@dataclass
class Table:
    pk: str  # the model's primary key field
    fields: dict[str, str]  # name -> "str" | "int" | "bool" | "uuid" | a related model
    rows: Callable[[State], Iterable[tuple[Any, dict[str, Any]]]]  # (object, field values)


def _stage_rows(model: str | None) -> Callable[[State], Iterable[tuple[Any, dict[str, Any]]]]:
    def rows(state: State) -> Iterable[tuple[Any, dict[str, Any]]]:
        for stage in state.stages.values():
            if model is None or stage.model == model:
                yield stage, {"stage_uuid": stage.pk, "name": stage.name, **(stage.fields if model else {})}

    return rows


def _flow_rows(state: State) -> Iterable[tuple[Any, dict[str, Any]]]:
    for flow in state.flows.values():
        values = {key: getattr(flow, key) for key in FLOW_FIELDS if key not in ("flow_uuid", "pbm_uuid")}
        yield flow, {"flow_uuid": flow.pk, "pbm_uuid": flow.pbm_pk, **values}


def _binding_rows(state: State) -> Iterable[tuple[Any, dict[str, Any]]]:
    for binding in state.bindings.values():
        values = {key: getattr(binding, key) for key in BINDING_FIELDS if key not in ("fsb_uuid", "pbm_uuid")}
        yield binding, {"fsb_uuid": binding.pk, "pbm_uuid": binding.pbm_pk, **values}


FLOW_FIELDS = {
    "flow_uuid": "uuid",
    "pbm_uuid": "uuid",
    "name": "str",
    "slug": "str",
    "title": "str",
    "designation": "str",
    "background": "str",
    "policy_engine_mode": "str",
    "compatibility_mode": "bool",
    "layout": "str",
    "denied_action": "str",
    "authentication": "str",
}
BINDING_FIELDS = {
    "fsb_uuid": "uuid",
    "pbm_uuid": "uuid",
    "target": FLOW,
    "stage": STAGE,
    "order": "int",
    "evaluate_on_plan": "bool",
    "re_evaluate_policies": "bool",
    "policy_engine_mode": "str",
    "invalid_response_action": "str",
}
VALIDATE_FIELDS = {
    "stage_uuid": "uuid",
    "name": "str",
    "not_configured_action": "str",
    "last_auth_threshold": "str",
    "webauthn_user_verification": "str",
}
TABLES: dict[str, Table] = {
    STAGE: Table("stage_uuid", {"stage_uuid": "uuid", "name": "str"}, _stage_rows(None)),
    FLOW: Table("flow_uuid", FLOW_FIELDS, _flow_rows),
    BINDING: Table("fsb_uuid", BINDING_FIELDS, _binding_rows),
    "authentik_core.user": Table(
        "id",
        {"id": "int", "username": "str", "name": "str", "email": "str", "is_active": "bool", "path": "str"},
        lambda state: ((u, {**vars(u), "id": u.pk}) for u in state.users.values()),
    ),
    "authentik_core.token": Table(
        "token_uuid",
        {
            "token_uuid": "uuid",
            "identifier": "str",
            "intent": "str",
            "description": "str",
            "user": "authentik_core.user",
        },
        lambda state: ((t, {**vars(t), "token_uuid": t.pk}) for t in state.tokens.values()),
    ),
    "authentik_rbac.role": Table(
        "uuid",
        {"uuid": "uuid", "name": "str"},
        lambda state: ((r, {"uuid": r.pk, "name": r.name}) for r in state.roles.values()),
    ),
    "authentik_blueprints.blueprintinstance": Table(
        "instance_uuid",
        {"instance_uuid": "uuid", "name": "str", "path": "str", "enabled": "bool"},
        lambda state: ((b, {**vars(b), "instance_uuid": b.pk}) for b in state.blueprints.values()),
    ),
}


def stage_models(state: State) -> set[str]:
    """Stage models: those of the schema named ``...stage`` in a stages app, and any seeded type."""
    models = {m for m in blueprint_models() if m.startswith("authentik_stages_") and m.endswith("stage")}
    return models | {stage.model for stage in state.stages.values()}


def table(state: State, model: str) -> Table | None:
    if model in TABLES:
        return TABLES[model]
    if model in stage_models(state):
        fields = VALIDATE_FIELDS if model.endswith(".authenticatorvalidatestage") else TABLES[STAGE].fields
        return Table("stage_uuid", fields, _stage_rows(model))
    return None


def get_model(model_name: str) -> str:
    """Django ``apps.get_model(app_label, model_name)``: the app label is case-sensitive, the model
    name is not. Raises LookupError with Django's message."""
    app_label, _, name = model_name.partition(".")
    known = blueprint_models() | set(NOT_ALLOWED)
    if not any(model.partition(".")[0] == app_label for model in known):
        raise LookupError(f"No installed app with label '{app_label}'.")
    if f"{app_label}.{name.lower()}" not in known:
        raise LookupError(f"App '{app_label}' doesn't have a '{name}' model.")
    return f"{app_label}.{name.lower()}"


# -- look-ups ------------------------------------------------------------------------------------
LOOKUPS = {
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "in",
    "isnull",
    "gt",
    "gte",
    "lt",
    "lte",
}


def _coerce(kind: str, value: Any) -> Any:
    """The value as Django's field prepares it for the query (a bad one is a crash there)."""
    if value is None:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "bool":  # Django's BooleanField.to_python
            if value in (True, False):
                return bool(value)
            if value in ("t", "True", "1"):
                return True
            if value in ("f", "False", "0"):
                return False
            raise ValueError(value)
        if kind == "str":
            return str(value)
        return str(uuid.UUID(str(value)))  # uuid and related pk fields
    except (TypeError, ValueError) as exc:
        raise Unhandled(f"query value {value!r} does not fit a {kind} field") from exc


def _compare(lookup: str, actual: Any, expected: Any) -> bool:
    if lookup == "isnull":
        return (actual is None) == bool(expected)
    if expected is None or actual is None:
        return lookup == "exact" and actual is None and expected is None
    if lookup in ("exact", "in"):
        return bool(actual == expected)
    if lookup.startswith("i"):
        actual, expected, lookup = str(actual).lower(), str(expected).lower(), lookup[1:]
    if lookup == "exact":
        return bool(actual == expected)
    if lookup == "contains":
        return str(expected) in str(actual)
    if lookup == "startswith":
        return str(actual).startswith(str(expected))
    if lookup == "endswith":
        return str(actual).endswith(str(expected))
    try:
        if lookup == "gt":
            return bool(actual > expected)
        if lookup == "gte":
            return bool(actual >= expected)
        if lookup == "lt":
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False


class Query:
    """One model's rows and Django ``filter()``/``first()`` over them."""

    def __init__(self, state: State, model: str):
        self.state = state
        self.model = model
        self.table = table(state, model)

    def _matches(self, table: Table, values: dict[str, Any], key: str, expected: Any) -> bool:
        name, _, rest = key.partition("__")
        if name == "pk":
            name = table.pk
        if name not in table.fields:
            choices = ", ".join(sorted({*table.fields, "pk"} - {"pk"}))
            raise FieldError(f"Cannot resolve keyword '{name}' into field. Choices are: {choices}")
        kind = table.fields[name]
        actual = values.get(name)
        if "." in kind and rest and rest.partition("__")[0] not in LOOKUPS:  # a relation: follow it
            related = table_for(self.state, kind)
            row = next((v for _, v in related.rows(self.state) if v[related.pk] == actual), None)
            return row is not None and self._matches(related, row, rest, expected)
        lookup = rest or "exact"
        if lookup not in LOOKUPS:
            raise FieldError(f"Unsupported lookup '{lookup}' for field '{name}'")
        if lookup == "in":
            return any(_coerce(kind, item) == actual for item in expected)
        if lookup in ("exact", "iexact", "gt", "gte", "lt", "lte"):
            expected = _coerce(kind, expected)
        return _compare(lookup, actual, expected)

    def filter(
        self,
        conditions: Iterable[tuple[str, Any]],
        *,
        any_of: Iterable[tuple[str, Any]] = (),
        match_all: bool = False,
    ) -> list[Any]:
        """Rows matching every condition, or (``any_of``) matching one of those: ``pk | AND(...)``.
        ``match_all``: an empty ``Q()``, which matches every row."""
        conditions, any_of = list(conditions), list(any_of)
        if self.table is None:
            return []
        found = []
        for obj, values in self.table.rows(self.state):
            if (
                match_all
                or any(self._matches(self.table, values, k, v) for k, v in any_of)
                or (conditions and all(self._matches(self.table, values, k, v) for k, v in conditions))
            ):
                found.append((values[self.table.pk], obj))
        # .first() on an unordered queryset orders by pk
        return [obj for _, obj in sorted(found, key=lambda item: str(item[0]))]


def table_for(state: State, model: str) -> Table:
    found = table(state, model)
    assert found is not None, model
    return found
