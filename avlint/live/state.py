"""What the server holds, fetched once per run (or read from a saved listing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live import identity
from avlint.live.client import Client, settle_all
from avlint.live.identity import same_pk

ENDPOINTS = {
    VALIDATE_STAGE: "/stages/authenticator/validate/",
    FLOW: "/flows/instances/",
    BINDING: "/flows/bindings/",
}
ALL_STAGES = "/stages/all/"


@dataclass
class LiveState:
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # model -> objects
    stage_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # pk -> (name, model)
    source: str = "server"
    _indexes: dict[tuple[Any, ...], dict[Any, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def has(self, model: str) -> bool:
        return model in self.objects

    def by_pk(self, model: str, pk: str) -> dict[str, Any] | None:
        return self._pk_index(model).get(same_pk(pk))

    def by_fields(self, model: str, wanted: dict[str, Any]) -> dict[str, Any] | None:
        """The first object whose fields equal `wanted`, compared as the importer's query
        compares them (avlint.live.identity): UUIDs as UUIDs, everything else exactly."""
        if not wanted or any(value is None for value in wanted.values()):
            return None
        keys = tuple(sorted(wanted))
        index = self._indexes.get((model, keys))
        if index is None:  # built once per model and key set: matching stays linear overall
            index = {}
            for obj in self.objects.get(model, []):
                if all(obj.get(name) is not None for name in keys):
                    index.setdefault(tuple(identity.key(model, name, obj.get(name)) for name in keys), obj)
            self._indexes[(model, keys)] = index
        return index.get(tuple(identity.key(model, name, wanted[name]) for name in keys))

    def _pk_index(self, model: str) -> dict[str, dict[str, Any]]:
        index = self._indexes.get((model, "pk"))
        if index is None:
            index = {same_pk(obj.get("pk")): obj for obj in reversed(self.objects.get(model, []))}
            self._indexes[(model, "pk")] = index
        return index

    def add(self, model: str, obj: dict[str, Any]) -> None:
        """An object created during this run, so later lookups (`!Find`, `!KeyOf`) see it."""
        self.objects.setdefault(model, []).append(obj)
        self._indexes = {key: index for key, index in self._indexes.items() if key[0] != model}
        if model != FLOW and model != BINDING and "name" in obj:
            self.stage_names[str(obj["pk"])] = (obj["name"], model)

    def label(self, pk: Any) -> str:
        """How to show a referenced pk: its stage or flow name when known."""
        text = str(pk)
        if text in self.stage_names:
            return self.stage_names[text][0]
        flow = self.by_pk(FLOW, text)
        return flow["slug"] if flow else text

    def find(self, model: str, conditions: list[tuple[str, Any]]) -> str | None:
        """A `!Find [model, [field, value]...]` on what was fetched: the pk of the first match."""
        candidates: list[dict[str, Any]]
        if model in self.objects:
            candidates = self.objects[model]
        elif model.startswith("authentik_stages_") or model == "authentik_endpoints.endpointstage":
            candidates = [{"pk": pk, "name": name} for pk, (name, kind) in self.stage_names.items() if kind == model]
        else:
            return None
        for obj in candidates:
            if all(_matches(model, obj, field_name, value) for field_name, value in conditions):
                return str(obj.get("pk"))
        return None


def _matches(model: str, obj: dict[str, Any], lookup: str, value: Any) -> bool:
    name, _, operator = lookup.partition("__")
    live = obj.get(name)
    if operator == "iexact":
        return isinstance(live, str) and isinstance(value, str) and live.lower() == value.lower()
    if live is None or value is None:
        return False
    return bool(identity.key(model, name, live) == identity.key(model, name, value))


async def fetch_state(client: Client, models: set[str]) -> LiveState:
    """The lists the diff needs, all fetched concurrently."""
    wanted = [model for model in ENDPOINTS if model in models]
    # The server's version (any valid token may read it) goes out with the first page of every
    # list: waiting for it first would cost a round trip, a whole 0.5 s at a real server's pace.
    # A bad token, a TLS or a network problem fails them all alike and as fast; the version's
    # error is the one reported, as when it was asked alone.
    _, *lists = await settle_all(
        client.version(), client.list_all(ALL_STAGES), *(client.list_all(ENDPOINTS[model]) for model in wanted)
    )
    state = LiveState(dict(zip(wanted, lists[1:], strict=False)))
    state.stage_names = {str(obj["pk"]): (obj.get("name", ""), obj.get("meta_model_name", "")) for obj in lists[0]}
    return state


def load_state(path: str) -> LiveState:
    """A saved retrieval: the JSON of a list endpoint (or a plain list of its objects)."""
    from avlint.loader.side import SideInputError, load_json

    try:
        data = load_json(path)  # guarded like a blueprint: regular file, size, depth
    except SideInputError as error:
        raise ValueError(error.detail) from None
    items = data.get("results") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("expected the JSON of a list endpoint ({'results': [...]}) or a list of objects")
    state = LiveState(source=path)
    for number, obj in enumerate(items, 1):
        if not isinstance(obj, dict) or "pk" not in obj:
            raise ValueError("every object needs a pk")
        model = _model_of(obj)
        if model is None:
            raise ValueError(
                f"object {number} of the list is not a stage, flow or flow-stage binding: save the "
                "listing of /stages/all/, /stages/authenticator/validate/, /flows/instances/ or /flows/bindings/"
            )
        state.objects.setdefault(model, []).append(obj)
        if "name" in obj and model != FLOW:
            state.stage_names[str(obj["pk"])] = (obj["name"], obj.get("meta_model_name", model))
    return state


def _model_of(obj: dict[str, Any]) -> str | None:
    """The model of a listed object, told by its shape; None for an object of another endpoint
    (a saved list of users or policies must not be read as validation stages)."""
    if "designation" in obj and "slug" in obj:
        return FLOW
    if {"target", "stage", "order"} <= obj.keys():
        return BINDING
    model = obj.get("meta_model_name")
    if isinstance(model, str):
        return model if model.startswith("authentik_stages_") else None
    # The validation stage's own list carries no meta_model_name: its fields tell it.
    return VALIDATE_STAGE if {"device_classes", "not_configured_action"} <= obj.keys() else None
