"""Everything the generator knows about one release line: its blueprint models and their rows.

Which models a blueprint may hold at a release:

- 2023.5 and later: the blueprint JSON schema of that release lists them (one `oneOf` branch
  per model; a branch that does not require `identifiers` is a meta model).
- A release with an OpenAPI `ModelEnum` but no blueprint schema (2026.5 and 2026.8, read from
  the published client): the enum, plus the meta models, which it never lists.
- Earlier releases (the blueprint schema of 2022.8-2023.4 describes only the file's outer shape,
  and their OpenAPI documents have no `ModelEnum`): every model some later list names whose
  serializer (`<Model>Request`) the release's OpenAPI document has, plus the meta models.
  A model removed before 2023.5 is therefore missing there; blueprints themselves only exist
  from 2022.8, so for older lines the list says which models the API had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from avlint.spec.errors import SchemaError
from avlint.spec.schema_files import OpenApiDocument
from avlint.spec.schema_rows import RowBuilder
from avlint.versions import Release


@dataclass
class ModelRelease:
    """One model at one release."""

    fields: list[dict[str, Any]]
    objects: dict[str, list[dict[str, Any]]]
    header: dict[str, Any]
    stage: bool = False
    meta: bool = False
    permissions: list[str] | None = None


@dataclass
class ReleaseSpecs:
    release: Release
    models: dict[str, ModelRelease] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class BlueprintModels:
    """What a blueprint JSON schema says about each model: its attrs definition, meta, permissions."""

    attrs: dict[str, dict[str, Any]]
    meta: set[str]
    permissions: dict[str, list[str]]


def blueprint_models(document: dict[str, Any]) -> BlueprintModels:
    """The models a blueprint JSON schema lists (none before 2023.5)."""
    found = document.get("$defs")
    definitions: dict[str, Any] = found if isinstance(found, dict) else {}
    branches: dict[str, dict[str, Any]] = {}
    _collect_branches(document, branches)
    attrs: dict[str, dict[str, Any]] = {}
    meta: set[str] = set()
    permissions: dict[str, list[str]] = {}
    for model, branch in branches.items():
        properties = branch.get("properties", {})
        attrs[model] = _definition(properties.get("attrs"), definitions)
        if "identifiers" not in (branch.get("required") or ()):
            meta.add(model)
        perms = _definition(properties.get("permissions"), definitions)
        enum = ((perms.get("items") or {}).get("properties") or {}).get("permission", {}).get("enum")
        if isinstance(enum, list):
            permissions[model] = [str(p) for p in enum]
    return BlueprintModels(attrs, meta, permissions)


def _collect_branches(node: Any, out: dict[str, dict[str, Any]]) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        model = properties.get("model") if isinstance(properties, dict) else None
        if isinstance(model, dict) and isinstance(model.get("const"), str):
            out[model["const"]] = node
            return
        for value in node.values():
            _collect_branches(value, out)
    elif isinstance(node, list):
        for value in node:
            _collect_branches(value, out)


def _definition(prop: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    if isinstance(prop, dict) and isinstance(prop.get("$ref"), str):
        target = definitions.get(prop["$ref"].rsplit("/", 1)[-1])
        return target if isinstance(target, dict) else {}
    return prop if isinstance(prop, dict) else {}


def release_model_list(
    openapi: OpenApiDocument, blueprint: BlueprintModels | None, known: set[str], meta: set[str]
) -> list[str]:
    """The model strings allowed in blueprints at this release (see the module docstring)."""
    if blueprint is not None and blueprint.attrs:
        return sorted(blueprint.attrs)
    enum = openapi.schemas.get("ModelEnum", {}).get("enum")
    if isinstance(enum, list):
        return sorted({str(m) for m in enum} | meta)
    requests = _request_components(openapi.schemas)
    return sorted({m for m in known if m.partition(".")[2] in requests} | meta)


def build_release(
    release: Release,
    openapi: OpenApiDocument,
    blueprint: BlueprintModels | None,
    models: list[str],
    meta: set[str],
    origin: str,
) -> ReleaseSpecs:
    builder = RowBuilder(openapi.schemas, origin)
    requests = _request_components(openapi.schemas)
    specs = ReleaseSpecs(release)
    for model in models:
        request_name = requests.get(model.partition(".")[2])
        if request_name is not None:
            request = openapi.schemas[request_name]
            response = openapi.schemas.get(request_name.removesuffix("Request"))
        elif blueprint is not None and model in blueprint.attrs:
            request, response = blueprint.attrs[model], None  # no serializer in the API: the blueprint view
        else:
            request, response = {}, None
        fields, objects = builder.model_rows(model, request, response)
        stage = _is_stage(response, openapi, request_name)
        specs.models[model] = ModelRelease(
            fields=fields,
            objects=objects,
            header=_header(model, request_name, response, openapi) | ({"kind": "stage"} if stage else {}),
            stage=stage,
            meta=model in meta,
            permissions=blueprint.permissions.get(model) if blueprint is not None else None,
        )
    specs.enums = builder.enums
    return specs


def _request_components(schemas: dict[str, Any]) -> dict[str, str]:
    """Lower-case model name -> its request component (`OAuth2ProviderRequest` for oauth2provider).

    The model string's second half is Django's lower-cased class name, and drf-spectacular names
    a serializer's component after the model class, so the two meet in lower case. `Patched*`
    components are the PATCH variants of the same fields."""
    out: dict[str, str] = {}
    for name in schemas:
        if name.endswith("Request") and not name.startswith("Patched"):
            out.setdefault(name.removesuffix("Request").lower(), name)
    return out


def _header(
    model: str, request_name: str | None, response: dict[str, Any] | None, openapi: OpenApiDocument
) -> dict[str, Any]:
    component = request_name.removesuffix("Request") if request_name else model.partition(".")[2]
    return {
        "model": model,
        "kind": "model",
        "title": title_of(component),
        "endpoint": openapi.endpoints.get(request_name or "", ""),
        "pk": _primary_key((response or {}).get("properties") or {}),
    }


def _primary_key(properties: dict[str, Any]) -> dict[str, str]:
    """The pk's field name and type. drf-spectacular titles the read-only `pk` after the model
    field (`Stage uuid` for stage_uuid, `ID` for id); a serializer without `pk` shows the field
    itself (`brand_uuid`). Without either (no response schema) only `pk` is certain."""
    pk = properties.get("pk")
    if isinstance(pk, dict):
        return {"name": str(pk.get("title") or "id").lower().replace(" ", "_"), "type": _pk_type(pk)}
    for name, prop in properties.items():
        if (name in ("id", "uuid") or name.endswith("_uuid")) and isinstance(prop, dict) and prop.get("readOnly"):
            return {"name": name, "type": _pk_type(prop)}
    return {"name": "pk"}


def _pk_type(prop: dict[str, Any]) -> str:
    return "uuid" if prop.get("format") == "uuid" else str(prop.get("type", "integer"))


def title_of(component: str) -> str:
    """`OAuth2Provider` -> `OAuth2 Provider`, `LDAPSourcePropertyMapping` -> `LDAP Source Property Mapping`."""
    words = re.findall(r"OAuth2?|WebAuthn|[A-Z0-9]+(?=[A-Z][a-z]|$)|[A-Z][a-z0-9]*|[a-z0-9]+", component)
    return " ".join(words) if words else component


def _is_stage(response: dict[str, Any] | None, openapi: OpenApiDocument, request_name: str | None) -> bool:
    """A concrete stage: StageSerializer gives every stage `flow_set` and `component`, and the
    create endpoint sits under /stages/ (prompts and invitations sit there too, without flow_set)."""
    properties = (response or {}).get("properties", {})
    endpoint = openapi.endpoints.get(request_name or "", "")
    if endpoint:
        return "flow_set" in properties and endpoint.startswith("/api/v3/stages/")
    return "flow_set" in properties and "component" in properties


def check_release_models(models: list[str], origin: str) -> None:
    for model in models:
        if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", model):
            raise SchemaError(f"{origin}: {model!r} is not a model string (app_label.modelname)")
