"""A small blueprint importer for the tests: applies a pulled file to a fake authentik through its
API, entry by entry, the way authentik's importer does (identifiers find the object, which is
updated, or it is created; `!KeyOf` gives an earlier entry's pk, or its pbm_uuid when the entry
is a policy binding and the referenced object a flow or a flow-stage binding; `!Find` looks an
object up by its fields).

`avlint apply` writes only flows, validation stages and stage bindings; this covers the stages of
every type, the policies and the policy bindings a `pull --with-flows` file holds too, so the
round trip can be checked whole. Groups and users are not served by the fake's API: they are
found in its state.
"""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from avlint.spec import model_spec
from avlint.versions import resolve_release
from tests.fake_authentik import FakeAuthentik, views_policies

RELEASE = resolve_release("2025.12")
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"
POLICY_BINDING = "authentik_policies.policybinding"


class _Tag:
    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!KeyOf", lambda loader, node: _Tag("!KeyOf", loader.construct_scalar(node)))
_Loader.add_constructor("!Find", lambda loader, node: _Tag("!Find", loader.construct_sequence(node, deep=True)))


def import_blueprint(fake: FakeAuthentik, client: httpx.Client, text: str) -> None:
    document = yaml.load(text, Loader=_Loader)
    made: dict[str, dict[str, Any]] = {}  # entry id -> the object as the server answered
    for entry in document["entries"]:
        model = entry["model"]

        def resolve(value: Any, model: str = model) -> Any:
            if isinstance(value, _Tag) and value.tag == "!KeyOf":
                obj = made[value.value]
                if model == POLICY_BINDING and "policybindingmodel_ptr_id" in obj:
                    return obj["policybindingmodel_ptr_id"]
                return obj["pk"]
            if isinstance(value, _Tag):
                return _find(fake, client, value.value)
            if isinstance(value, list):
                return [resolve(item) for item in value]
            return value

        identifiers = {key: resolve(value) for key, value in entry["identifiers"].items()}
        body = {**{key: resolve(value) for key, value in entry.get("attrs", {}).items()}, **identifiers}
        existing = _match(client, model, identifiers)
        endpoint = model_spec(model, RELEASE).endpoint.removeprefix("/api/v3")
        if existing is None:
            answer = client.post(endpoint, json=body)
        else:
            key = existing["slug"] if model == FLOW else existing["pk"]
            answer = client.patch(f"{endpoint}{key}/", json=body)
        assert answer.status_code < 300, (model, identifiers, answer.text)
        if "id" in entry:
            made[entry["id"]] = answer.json()


def _every(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(path, params={"page_size": 100, **params})
    answer.raise_for_status()
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def _match(client: httpx.Client, model: str, identifiers: dict[str, Any]) -> dict[str, Any] | None:
    if model == FLOW:
        found = _every(client, "/flows/instances/", slug=identifiers["slug"])
    elif model == BINDING:
        found = [
            b
            for b in _every(client, "/flows/bindings/", target=identifiers["target"])
            if (b["stage"], b["order"]) == (identifiers["stage"], identifiers["order"])
        ]
    elif model == POLICY_BINDING:
        found = [
            b
            for b in _every(client, "/policies/bindings/", target=identifiers["target"])
            if all(b.get(key) == value for key, value in identifiers.items())
        ]
    else:
        kind = "/stages/all/" if "stages" in model else "/policies/all/"
        found = [o for o in _every(client, kind) if o["name"] == identifiers["name"] and o["meta_model_name"] == model]
    return found[0] if found else None


def _find(fake: FakeAuthentik, client: httpx.Client, query: list[Any]) -> Any:
    model, *conditions = query
    wanted = dict(conditions)
    if model == "authentik_core.group":
        groups = views_policies.tables(fake.state)["groups"]
        return next((pk for pk, name in groups.items() if name == wanted["name"]), None)
    if model == "authentik_core.user":
        return next((u.pk for u in fake.state.users.values() if u.username == wanted["username"]), None)
    if model == FLOW:
        found = _every(client, "/flows/instances/", slug=wanted["slug"])
    else:
        kind = "/stages/all/" if "stages" in model else "/policies/all/"
        found = [o for o in _every(client, kind) if o["name"] == wanted["name"] and o["meta_model_name"] == model]
    return found[0]["pk"] if found else None
