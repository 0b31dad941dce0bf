"""`avlint spec import`: derive one release's field spec snapshot from an authentik OpenAPI schema.

Rows come from the generator's own reader (`avlint.spec.schema_rows.RowBuilder`), so an import
and the bundled data read a schema the same way, for every model: each model of the nearest
release avlint knows whose request schema (`FooRequest`) the document has. A model the document
does not describe keeps the bundled rows (`avlint.spec.snapshot`).

OpenAPI cannot say everything avlint's bundled spec knows (DRF's `allow_empty`, the `timedelta`
format, defaults, replacements, the fields a serializer takes only from blueprints). Those come
from the bundled spec of the nearest known release when the field exists there with the same
type; such rows say `derived: bundled` and list the keys in `bundled_keys`, so an imported spec
is never weaker than the bundled one.
"""

from __future__ import annotations

from typing import Any

from avlint.spec.errors import SchemaError
from avlint.spec.model import FieldSpec, ModelSpec, added_fields, available_models, bundled_model_spec, model_exists
from avlint.spec.release_specs import request_components
from avlint.spec.render import field_attributes, ordered_row, render_model, snapshot_document
from avlint.spec.schema_rows import RowBuilder
from avlint.versions import Release, UnknownVersionError, known_releases

# Row attributes the bundled spec supplies because OpenAPI has no word for them.
BUNDLED_ONLY = ("allow_empty", "format", "references", "default", "default_all_choices", "replaced_by")


def import_schema(document: Any, origin: str) -> dict[str, Any]:
    """The snapshot (as data) for the release whose OpenAPI document this is."""
    schemas = _schemas(document, origin)
    version = _info_version(document, origin)
    release = schema_release(version, origin)
    nearest = nearest_known_release(release)
    builder = RowBuilder(schemas, origin)
    requests = request_components(schemas)
    models: dict[str, Any] = {}
    for model in available_models():
        request_name = requests.get(model.partition(".")[2])
        if request_name is None or not model_exists(model, nearest) or not isinstance(schemas[request_name], dict):
            continue
        response = schemas.get(request_name.removesuffix("Request"))
        rows, objects = builder.model_rows(
            model, schemas[request_name], response if isinstance(response, dict) else None
        )
        models[model] = _with_bundled(model, rows, objects, bundled_model_spec(model, nearest), builder.enums)
    if not models:
        raise SchemaError(f"{origin} describes none of the models avlint knows (no <Model>Request component)")
    derived = any(row.get("derived") for entry in models.values() for row in _all_rows(entry))
    return snapshot_document(
        release, version, models, builder.enums, **({"bundled_release": str(nearest)} if derived else {})
    )


def _with_bundled(
    model: str,
    rows: list[dict[str, Any]],
    objects: dict[str, list[dict[str, Any]]],
    bundled: ModelSpec | None,
    enums: dict[str, list[str]],
) -> dict[str, Any]:
    """The model's rows with what only the bundled spec knows filled in, and the fields the
    override adds (which no API schema shows) taken over whole."""
    fields = bundled.fields if bundled is not None else {}
    out = []
    for row in rows:
        hint = fields.get(row["name"])
        if hint is not None and not hint.read_only and not row.get("read_only") and hint.type == row.get("type"):
            filled = _fill(row, hint, "") + _loosened_items(row, hint)
            for sub in objects.get(row.get("object") or (row.get("items") or {}).get("object") or "", []):
                sub_hint = _object_field(hint, sub["name"])
                if sub_hint is not None and sub_hint.type == sub.get("type"):
                    _fill(sub, sub_hint, "")
            if filled:
                row = {**row, "derived": "bundled", "bundled_keys": filled}
        out.append(ordered_row(row))
    if bundled is not None:
        added = [name for name in added_fields(model) if name in fields and name not in {r["name"] for r in rows}]
        if added:
            rendered = render_model(bundled._replace(fields={name: fields[name] for name in added}), enums)
            out += [ordered_row({**row, "derived": "bundled", "bundled_keys": ["*"]}) for row in rendered["fields"]]
    return {"fields": out, **({"objects": objects} if objects else {})}


def _loosened_items(row: dict[str, Any], hint: FieldSpec) -> list[str]:
    """Items the schema lists as an enum and the bundled spec (by an override) takes as plain
    strings, because the serializer accepts more than the enum says (a GeoIP policy's countries:
    `us`, `USA`, `840`; a serializer rule checks them). Keep the bundled items, or a live
    schema would bring back the false findings the override removed."""
    items = row.get("items")
    bundled = hint.items
    if not isinstance(items, dict) or items.get("type") != "enum" or bundled is None:
        return []
    if bundled.type != "string" or bundled.choices:
        return []
    row["items"] = {key: value for key, value in items.items() if key not in ("type", "enum")} | {"type": "string"}
    return ["items"]


def _object_field(hint: FieldSpec, name: str) -> FieldSpec | None:
    holder = hint.items if hint.items is not None and hint.items.object_fields else hint
    return (holder.object_fields or {}).get(name)


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
