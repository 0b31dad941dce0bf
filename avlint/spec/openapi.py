"""`avlint spec import`: derive one release's field spec snapshot from an authentik OpenAPI schema.

For each model the request schema (`FooRequest`) says what a blueprint may write; fields that
only the response schema (`Foo`) has, or that are `readOnly`, are read-only. `$ref` and
`allOf` lead to the `*Enum` components and to nested request objects such as `FlowSetRequest`.

OpenAPI cannot say everything avlint's bundled spec knows (DRF's `allow_empty`, the
`timedelta` format, which model a UUID points at, defaults, replacements). Those attributes
come from the bundled spec of the nearest known release when the field exists there with the
same type; such rows say `derived: bundled` and list the keys in `bundled_keys`, so an imported
spec is never weaker than the bundled one.
"""

from __future__ import annotations

import re
from typing import Any

from avlint.spec.errors import SchemaError
from avlint.spec.model import FieldSpec, ModelSpec, bundled_model_spec
from avlint.spec.render import field_attributes, ordered_row, snapshot_document
from avlint.versions import Release, UnknownVersionError, known_releases

# Request and response schema per model string.
COMPONENTS = {
    "authentik_stages_authenticator_validate.authenticatorvalidatestage": (
        "AuthenticatorValidateStageRequest",
        "AuthenticatorValidateStage",
    ),
    "authentik_flows.flow": ("FlowRequest", "Flow"),
    "authentik_flows.flowstagebinding": ("FlowStageBindingRequest", "FlowStageBinding"),
}
# Row attributes the bundled spec supplies because OpenAPI has no word for them.
BUNDLED_ONLY = ("allow_empty", "format", "references", "default", "default_all_choices", "replaced_by")
_LIMITS = (
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("pattern", "pattern"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
)
_SCALARS = {"integer": "integer", "number": "number", "boolean": "boolean"}


def import_schema(document: Any, origin: str) -> dict[str, Any]:
    """The snapshot (as data) for the release whose OpenAPI document this is."""
    schemas = _schemas(document, origin)
    version = _info_version(document, origin)
    release = schema_release(version, origin)
    nearest = nearest_known_release(release)
    builder = _Builder(schemas, origin)
    models = {
        model: builder.model(model, request, response, bundled_model_spec(model, nearest))
        for model, (request, response) in COMPONENTS.items()
    }
    derived = any(row.get("derived") for entry in models.values() for row in _all_rows(entry))
    return snapshot_document(
        release, version, models, builder.enums, **({"bundled_release": str(nearest)} if derived else {})
    )


def schema_release(version: str, origin: str) -> Release:
    """The release line of an `info.version` such as 2025.12.4 or 2026.5.0-rc1."""
    try:
        release = Release.parse(version)
    except UnknownVersionError:
        release = None
    if release is None or not 1 <= release.minor <= 12:
        raise SchemaError(
            f"{origin}: info.version {version!r} is not an authentik version (expected YEAR.MINOR.PATCH such as 2025.12.4)"
        )
    if release < known_releases()[0]:
        known = ", ".join(str(r) for r in known_releases())
        raise SchemaError(
            f"{origin}: authentik {version} is older than every release avlint knows; known releases: {known}"
        )
    return release


def nearest_known_release(release: Release) -> Release:
    """The newest release avlint knows that is not newer than `release`."""
    return max(r for r in known_releases() if r <= release)


def _schemas(document: Any, origin: str) -> dict[str, Any]:
    if not isinstance(document, dict) or "openapi" not in document:
        from avlint.spec.fetch import describe_document

        raise SchemaError(
            f"{origin} is not an OpenAPI document: it is {describe_document(document)}; expected authentik's"
            " OpenAPI schema (JSON or YAML, as served at /api/v3/schema/)"
        )
    schemas = (
        (document.get("components") or {}).get("schemas") if isinstance(document.get("components"), dict) else None
    )
    if not isinstance(schemas, dict):
        raise SchemaError(f"{origin} is an OpenAPI document without components.schemas, so it describes no fields")
    return schemas


def _info_version(document: dict[str, Any], origin: str) -> str:
    info = document.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(version, (str, int, float)) or isinstance(version, bool):
        raise SchemaError(f"{origin} has no info.version, so the authentik release is unknown")
    return str(version)


def _all_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = entry["fields"]
    return fields + [row for rows in entry.get("objects", {}).values() for row in rows]


class _Builder:
    """Turns schema components into rows, collecting the choice sets of every model."""

    def __init__(self, schemas: dict[str, Any], origin: str) -> None:
        self.schemas, self.origin = schemas, origin
        self.enums: dict[str, list[str]] = {}
        self.objects: dict[str, list[dict[str, Any]]] = {}
        self._expanding: set[str] = set()

    def model(self, model: str, request_name: str, response_name: str, bundled: ModelSpec | None) -> dict[str, Any]:
        request, response = self._component(request_name, model), self._component(response_name, model)
        self.objects = {}
        required = set(request.get("required") or ())
        rows, read_only = [], []
        for name, prop in _properties(request).items():
            if isinstance(prop, dict) and prop.get("readOnly"):
                read_only.append(name)
                continue
            present = bundled is not None and name in bundled.fields
            rows.append(self._row(name, prop, name in required, _hint(bundled, name), present))
        written = {row["name"] for row in rows}
        read_only += [name for name in _properties(response) if name not in written and name not in read_only]
        rows += [{"name": name, "read_only": True} for name in read_only]
        return {"fields": rows, **({"objects": self.objects} if self.objects else {})}

    def _component(self, name: str, model: str) -> dict[str, Any]:
        component = self.schemas.get(name)
        if not isinstance(component, dict) or not isinstance(component.get("properties", {}), dict):
            raise SchemaError(f"{self.origin}: components.schemas has no {name} (needed for {model})")
        return component

    def _row(self, name: str, prop: Any, required: bool, hint: FieldSpec | None, present: bool) -> dict[str, Any]:
        """One field's row. `hint` is the bundled field of that name; `present`: it exists at the
        nearest known release, so its attributes may fill what OpenAPI cannot say."""
        row = {"name": name, **self._shape(prop, name, hint, present)}
        if required:
            row["required"] = True
        if present and hint is not None and not hint.read_only and hint.type == row.get("type"):
            filled = _fill(row, hint, "")
            if filled:
                row.update(derived="bundled", bundled_keys=filled)
        return ordered_row(row)

    def _shape(self, prop: Any, name: str, hint: FieldSpec | None, present: bool) -> dict[str, Any]:
        """Type, choices, limits, items and nested object of one property (without its name)."""
        resolved, component = self._resolve(prop)
        if resolved.get("enum") is not None:
            return {"type": "enum", "enum": self._enum(resolved["enum"], component or name, hint)}
        kind = resolved.get("type")
        shape: dict[str, Any] = {}
        if kind == "string":
            shape["type"] = "uuid" if resolved.get("format") == "uuid" else "string"
        elif kind in _SCALARS:
            shape["type"] = _SCALARS[kind]
        elif kind == "array":
            shape["type"] = "list"
            if "items" in resolved:
                shape["items"] = self._shape(resolved["items"], name, hint.items if hint else None, present)
            if isinstance(resolved.get("minItems"), int) and resolved["minItems"] > 0:
                shape["allow_empty"] = False
        elif (
            isinstance(resolved.get("properties"), dict)
            and resolved["properties"]
            and (component or name) not in self._expanding
        ):
            shape.update(type="object", object=self._object(resolved, component or name, hint, present))
        shape.update({key: resolved[openapi_key] for openapi_key, key in _LIMITS if openapi_key in resolved})
        if "default" in resolved:
            shape["default"] = resolved["default"]
        return shape

    def _resolve(self, prop: Any) -> tuple[dict[str, Any], str | None]:
        """The property with its `$ref` (or single `allOf`) merged in, and that component's name."""
        if not isinstance(prop, dict):
            raise SchemaError(f"{self.origin}: a property is {type(prop).__name__}, not a schema object")
        parts = prop.get("allOf")
        ref = prop.get("$ref") or (
            parts[0].get("$ref") if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict) else None
        )
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            target = self.schemas.get(name)
            if not isinstance(target, dict):
                raise SchemaError(f"{self.origin}: a property refers to {ref}, which components.schemas does not have")
            return {**target, **{k: v for k, v in prop.items() if k not in ("$ref", "allOf")}}, name
        alternatives = prop.get("oneOf") or prop.get("anyOf")
        if isinstance(alternatives, list):
            return self._choice_union(prop, alternatives)
        return prop, None

    def _choice_union(self, prop: dict[str, Any], alternatives: list[Any]) -> tuple[dict[str, Any], str | None]:
        """drf-spectacular writes a blank or nullable choice field as oneOf [XEnum, BlankEnum, NullEnum]."""
        values: list[Any] = []
        names: list[str] = []
        for alternative in alternatives:
            resolved, name = self._resolve(alternative)
            if resolved.get("enum") is None:
                return {
                    k: v for k, v in prop.items() if k not in ("oneOf", "anyOf")
                }, None  # not only choices: leave untyped
            values += [v for v in resolved["enum"] if v is not None and v not in values]
            names += [name] if name and name not in ("NullEnum", "BlankEnum") else []
        return {"type": "string", "enum": values}, names[0] if names else None

    def _enum(self, values: list[Any], source: str, hint: FieldSpec | None) -> str:
        choices = [str(v) for v in values if v is not None]
        name = hint.enum_name if hint is not None and hint.enum_name else _snake(source).removesuffix("_enum")
        candidate, counter = name, 1
        while self.enums.get(candidate, choices) != choices:
            counter += 1
            candidate = f"{name}_{counter}"
        self.enums[candidate] = choices
        return candidate

    def _object(self, resolved: dict[str, Any], source: str, hint: FieldSpec | None, present: bool) -> str:
        name = hint.object_name if hint is not None and hint.object_name else _snake(source).removesuffix("_request")
        if name in self.objects:
            return name
        self.objects[name] = []
        self._expanding.add(source)
        required = set(resolved.get("required") or ())
        sub_hints = (hint.object_fields or {}) if hint is not None else {}
        self.objects[name] = [
            self._row(sub, prop, sub in required, sub_hints.get(sub), present and sub in sub_hints)
            for sub, prop in resolved["properties"].items()
            if not (isinstance(prop, dict) and prop.get("readOnly"))
        ]
        self._expanding.discard(source)
        return name


def _fill(shape: dict[str, Any], bundled: FieldSpec, prefix: str) -> list[str]:
    """Copy the attributes only the bundled spec knows into `shape`; the keys copied."""
    known = field_attributes(bundled)
    filled = []
    for key in BUNDLED_ONLY:
        if key in known and key not in shape and not (key == "default_all_choices" and "default" in shape):
            shape[key] = known[key]
            filled.append(prefix + key)
    items = shape.get("items")
    if isinstance(items, dict) and bundled.items is not None and bundled.items.type == items.get("type"):
        filled += _fill(items, bundled.items, prefix + "items.")
    return filled


def _properties(component: dict[str, Any]) -> dict[str, Any]:
    return component.get("properties") or {}


def _hint(bundled: ModelSpec | None, name: str) -> FieldSpec | None:
    """The bundled field of that name in any release: its enum and object names are reused."""
    if bundled is None:
        return None
    if name in bundled.fields:
        return bundled.fields[name]
    rows = [row for row in bundled.history.get(name, ()) if not row.read_only]
    return rows[-1] if rows else None


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def openapi_view(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What an OpenAPI schema can say about each field of a snapshot, `{model: {field: attributes}}`:
    for a read-only field only that; otherwise type, required, choices, limits, items and object
    fields. Choice values are sorted: their order means nothing to authentik."""
    enums = snapshot["enums"]
    view = {}
    for model, entry in snapshot["models"].items():
        objects = entry.get("objects", {})
        view[model] = {row["name"]: _expressible(row, enums, objects) for row in entry["fields"]}
    return view


def _expressible(
    row: dict[str, Any], enums: dict[str, list[str]], objects: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    if row.get("read_only"):
        return {"read_only": True}
    out: dict[str, Any] = {
        key: row[key]
        for key in ("type", "required", "min_length", "max_length", "pattern", "minimum", "maximum")
        if key in row
    }
    if "enum" in row:
        out["enum"] = sorted(enums[row["enum"]])
    if "items" in row:
        out["items"] = _expressible(row["items"], enums, objects)
    if "object" in row:
        out["object"] = {sub["name"]: _expressible(sub, enums, objects) for sub in objects[row["object"]]}
    return out
