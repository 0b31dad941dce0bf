"""One release's field rows of one model, read from that release's OpenAPI components.

`<Model>Request` is what a create or update accepts: its properties are the writable fields,
its `required` list the fields a create needs. Properties only the response schema `<Model>`
has are read-only (authentik drops them from a blueprint without a word). drf-spectacular
writes a choice field as a `$ref` (or a one-item `allOf`) to an `*Enum` component, and one that
also takes `""` or null as `oneOf: [XEnum, BlankEnum, NullEnum]`: those become `blank` and
`nullable`. A model with no request schema (a few internal ones) takes its fields from the
blueprint JSON schema's `attrs` definition, which never marks a field required.

A row is the data `rules/specs/` holds for one field, without `since`/`until` (the history
step adds those): type, required, read_only, nullable, blank, enum (a shared choice set by
name), format, references, min/max length, pattern, minimum/maximum, default, items (the row
of one list item) and object (the name of a nested object's rows).
"""

from __future__ import annotations

import re
from typing import Any

from avlint.spec.errors import SchemaError
from avlint.spec.references import referenced_model

# Formats a check can test; int64/double/binary say nothing a type does not.
FORMATS = frozenset({"uri", "email", "date-time", "date"})
_LIMITS = (
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("pattern", "pattern"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
)
_SCALARS = {"integer": "integer", "number": "number", "boolean": "boolean"}
_NOT_CHOICES = frozenset({"BlankEnum", "NullEnum"})
ROW_KEYS = (
    "name",
    "since",
    "until",
    "type",
    "required",
    "read_only",
    "nullable",
    "blank",
    "enum",
    "format",
    "references",
    "min_length",
    "max_length",
    "pattern",
    "minimum",
    "maximum",
    "default",
    "items",
    "object",
)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def ordered(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its keys in the documented order (diffs of generated files stay readable);
    keys only overrides know (`help`, `allow_empty`...) follow in their own order."""
    return {key: row[key] for key in ROW_KEYS if key in row} | {k: v for k, v in row.items() if k not in ROW_KEYS}


class RowBuilder:
    """Rows of the models of one release; collects the choice sets they use in `enums`."""

    def __init__(self, schemas: dict[str, Any], origin: str) -> None:
        self.schemas, self.origin = schemas, origin
        self.enums: dict[str, list[str]] = {}

    def model_rows(
        self, model: str, request: dict[str, Any], response: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """The field rows of `model` (writable first, in the schema's order, then read-only) and
        the rows of the nested objects they use."""
        objects: dict[str, list[dict[str, Any]]] = {}
        required = set(request.get("required") or ())
        rows: list[dict[str, Any]] = []
        read_only: list[str] = []
        for name, prop in _properties(request).items():
            if isinstance(prop, dict) and prop.get("readOnly"):
                read_only.append(name)
            else:
                rows.append(self._row(model, name, prop, name in required, objects))
        written = {row["name"] for row in rows}
        read_only += [name for name in _properties(response or {}) if name not in written and name not in read_only]
        rows += [{"name": name, "read_only": True} for name in read_only]
        return rows, objects

    def _row(
        self, model: str, name: str, prop: Any, required: bool, objects: dict[str, list[dict[str, Any]]]
    ) -> dict[str, Any]:
        row = {"name": name, **self._shape(model, name, prop, objects, depth=0)}
        if required:
            row["required"] = True
        return ordered(row)

    def _shape(
        self,
        model: str,
        name: str,
        prop: Any,
        objects: dict[str, list[dict[str, Any]]],
        depth: int,
        object_name: str | None = None,
    ) -> dict[str, Any]:
        """Type, choices, limits, items and nested object of the property of field `name`."""
        resolved, component, flags = self._resolve(prop)
        shape: dict[str, Any] = dict(flags)
        if resolved.get("nullable") is True or prop_flag(prop, "nullable"):
            shape["nullable"] = True
        if isinstance(resolved.get("enum"), list):
            values = [str(v) for v in resolved["enum"] if v is not None]
            if "" in values:
                shape["blank"] = True
            source = component or f"{model.partition('.')[2]}_{name}"
            return {"type": "enum", "enum": self._enum(source, [v for v in values if v != ""]), **shape}
        kind = resolved.get("type")
        if isinstance(kind, list):  # JSON schema's ["string", "null"] (blueprint schemas)
            if "null" in kind:
                shape["nullable"] = True
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        if not isinstance(kind, str):
            kind = None
        if kind == "string":
            shape["type"] = "uuid" if resolved.get("format") == "uuid" else "string"
            if resolved.get("format") in FORMATS:
                shape["format"] = resolved["format"]
        elif kind in _SCALARS:
            shape["type"] = _SCALARS[kind]
        elif kind == "array":
            shape["type"] = "list"
            if isinstance(resolved.get("items"), dict):
                items = self._shape(model, name, resolved["items"], objects, depth + 1, f"{name}_item")
                shape["items"] = ordered(items)
        elif kind == "object" or "properties" in resolved or "additionalProperties" in resolved:
            shape["type"] = "object"
            if isinstance(resolved.get("properties"), dict) and resolved["properties"] and depth < 3:
                shape["object"] = self._object(model, object_name or name, resolved, objects, depth)
        shape.update({key: resolved[openapi_key] for openapi_key, key in _LIMITS if openapi_key in resolved})
        if "default" in resolved:
            shape["default"] = resolved["default"]
        if _holds_pk(shape, resolved):
            target = referenced_model(model, name)
            if target is not None:
                shape["references"] = target
        return shape

    def _resolve(self, prop: Any) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
        """The property with its `$ref` (or one-item `allOf`) merged in, that component's name,
        and the flags a oneOf with BlankEnum or NullEnum adds."""
        if not isinstance(prop, dict):
            raise SchemaError(f"{self.origin}: a property is {type(prop).__name__}, not a schema object")
        parts = prop.get("allOf")
        ref = prop.get("$ref")
        if ref is None and isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict):
            ref = parts[0].get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            target = self.schemas.get(name)
            if not isinstance(target, dict):
                raise SchemaError(f"{self.origin}: a property refers to {ref}, which components.schemas does not have")
            return {**target, **{k: v for k, v in prop.items() if k not in ("$ref", "allOf")}}, name, {}
        alternatives = prop.get("oneOf") or prop.get("anyOf")
        if isinstance(alternatives, list):
            return self._union(prop, alternatives)
        return prop, None, {}

    def _union(
        self, prop: dict[str, Any], alternatives: list[Any]
    ) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
        flags: dict[str, Any] = {}
        choices: list[tuple[dict[str, Any], str | None]] = []
        for alternative in alternatives:
            resolved, name, _ = self._resolve(alternative)
            if name == "BlankEnum":
                flags["blank"] = True
            elif name == "NullEnum":
                flags["nullable"] = True
            else:
                choices.append((resolved, name))
        if len(choices) == 1:
            resolved, name = choices[0]
            return {**resolved, **{k: v for k, v in prop.items() if k not in ("oneOf", "anyOf")}}, name, flags
        return {k: v for k, v in prop.items() if k not in ("oneOf", "anyOf")}, None, flags  # a real union: untyped

    def _enum(self, source: str, values: list[str]) -> str:
        name = snake(source).removesuffix("_enum")
        candidate, counter = name, 1
        while self.enums.get(candidate, values) != values:
            counter += 1
            candidate = f"{name}_{counter}"
        self.enums[candidate] = values
        return candidate

    def _object(
        self, model: str, name: str, resolved: dict[str, Any], objects: dict[str, list[dict[str, Any]]], depth: int
    ) -> str:
        """The name of a nested object's rows: its field's name (`flow_set_item` for the items of
        `flow_set`), not its component's, which drf-spectacular renames across releases."""
        if name not in objects:
            objects[name] = []  # placed first: a self-referencing object stops here
            required = set(resolved.get("required") or ())
            objects[name] = [
                ordered(
                    {
                        "name": sub,
                        **self._shape(model, sub, prop, objects, depth + 1),
                        **({"required": True} if sub in required else {}),
                    }
                )
                for sub, prop in resolved["properties"].items()
                if not (isinstance(prop, dict) and prop.get("readOnly"))
            ]
        return name


def prop_flag(prop: Any, key: str) -> bool:
    return isinstance(prop, dict) and prop.get(key) is True


def _holds_pk(shape: dict[str, Any], resolved: dict[str, Any]) -> bool:
    """A UUID or an unbounded integer (DRF gives model IntegerFields int32 bounds, pks none). A
    list's items carry the target, as `rules/specs/` does."""
    return shape.get("type") == "uuid" or (shape.get("type") == "integer" and "minimum" not in resolved)


def _properties(component: dict[str, Any]) -> dict[str, Any]:
    properties = component.get("properties")
    return properties if isinstance(properties, dict) else {}
