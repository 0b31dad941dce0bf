"""The shape of a spec snapshot, checked before use: the first problem as one line, or None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from avlint.spec.model import available_models
from avlint.spec.render import FORMAT, FORMAT_VERSION
from avlint.suggest import did_you_mean
from avlint.versions import Release, UnknownVersionError

TOP_KEYS = ("format", "version", "authentik", "source", "bundled_release", "models", "enums")
TYPES = ("string", "integer", "number", "boolean", "uuid", "enum", "list", "object")

# What each row key holds. `help`, `derived` and `bundled_keys` are comments avlint does not use.
ROW_VALUES = {
    "name": "text", "type": "type", "enum": "text", "required": "bool", "read_only": "bool", "nullable": "bool", "blank": "bool",
    "min_length": "count", "max_length": "count", "pattern": "text", "minimum": "number", "maximum": "number",
    "allow_empty": "bool", "format": "text", "references": "text", "items": "row", "object": "text",
    "default": "any", "default_all_choices": "bool", "replaced_by": "text",
    "help": "text", "derived": "text", "bundled_keys": "texts",
}  # fmt: skip

_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "type": (lambda v: v in TYPES, "one of " + ", ".join(TYPES)),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "count": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number of at least 0"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "texts": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v), "a list of strings"),
    "row": (lambda v: isinstance(v, dict), "a mapping"),
    "any": (lambda v: True, ""),
}


def check_snapshot(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"not a spec snapshot: the top level is {_kind(data)}, not a mapping"
    if data.get("format") != FORMAT:
        hint = (
            "; it is an OpenAPI schema: turn it into a snapshot with `avlint spec import`" if "openapi" in data else ""
        )
        return f"not a spec snapshot: format is {data.get('format')!r}, expected {FORMAT!r}{hint}"
    if data.get("version") != FORMAT_VERSION or isinstance(data.get("version"), bool):
        return f"snapshot format version {data.get('version')!r} is not supported; this avlint reads version {FORMAT_VERSION}"
    unknown = [key for key in data if key not in TOP_KEYS]
    if unknown:
        return f"unknown top-level key {unknown[0]!r} (expected {', '.join(TOP_KEYS)})"
    return (
        _release_problem(data.get("authentik"))
        or _enums_problem(data.get("enums"))
        or _models_problem(data.get("models"), data["enums"])
    )


def _release_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f'authentik: expected a quoted release line such as "2025.12", not {value!r}'
    try:
        Release.parse(value)
    except UnknownVersionError as error:
        return f"authentik: {error}"
    return None


def _enums_problem(enums: Any) -> str | None:
    if not isinstance(enums, dict):
        return "enums: expected a mapping of choice-set names to lists of values"
    for name, values in enums.items():
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            return f"enums.{name}: expected a non-empty list of strings"
    return None


def _models_problem(models: Any, enums: dict[str, Any]) -> str | None:
    if not isinstance(models, dict):
        return "models: expected a mapping of model strings to their fields"
    known = available_models()
    for model in models:
        if model not in known:
            return f"models: avlint has no spec for {model!r}{did_you_mean(str(model), known)}"
    for model in models:  # a model the snapshot leaves out keeps the bundled rows
        problem = _model_problem(f"models.{model}", models[model], enums)
        if problem:
            return problem
    return None


def _model_problem(where: str, entry: Any, enums: dict[str, Any]) -> str | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("fields"), list):
        return f"{where}: expected a mapping with a list of fields"
    if set(entry) - {"fields", "objects"}:
        return f"{where}: unknown key {sorted(set(entry) - {'fields', 'objects'})[0]!r} (expected fields, objects)"
    objects = entry.get("objects", {})
    if not isinstance(objects, dict) or not all(isinstance(rows, list) for rows in objects.values()):
        return f"{where}.objects: expected a mapping of object names to lists of fields"
    groups = [(f"{where}.fields", entry["fields"])] + [
        (f"{where}.objects.{name}", rows) for name, rows in objects.items()
    ]
    for group, rows in groups:
        problem = _rows_problem(group, rows, enums, objects)
        if problem:
            return problem
    return None


def _rows_problem(where: str, rows: list[Any], enums: dict[str, Any], objects: dict[str, Any]) -> str | None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        label = f"{where}[{index}]" + (
            f" ({row['name']})" if isinstance(row, dict) and isinstance(row.get("name"), str) else ""
        )
        problem = _row_problem(row, enums, objects, item=False)
        if problem:
            return f"{label}: {problem}"
        if row["name"] in seen:
            return f"{label}: the field is listed twice"
        seen.add(row["name"])
    return None


def _row_problem(row: Any, enums: dict[str, Any], objects: dict[str, Any], item: bool) -> str | None:
    if not isinstance(row, dict):
        return f"expected a mapping, not {_kind(row)}"
    if "since" in row or "until" in row:
        return "since/until do not belong in a snapshot, which describes one release"
    if not item and "name" not in row:
        return "the row has no name"
    for key, value in row.items():
        if key not in ROW_VALUES or (item and key == "name"):
            return f"unknown key {key!r}"
        test, wanted = _CHECKS[ROW_VALUES[key]]
        if not test(value):
            return f"{key}: expected {wanted}, not {value!r}"
    if "enum" in row and row["enum"] not in enums:
        return f"enum: no choice set {row['enum']!r} under enums"
    if row.get("type") == "enum" and "enum" not in row:
        return "type enum needs an enum (the name of a choice set under enums)"
    if "object" in row and row["object"] not in objects:
        return f"object: no rows {row['object']!r} under the model's objects"
    if "items" in row:
        problem = _row_problem(row["items"], enums, objects, item=True)
        return f"items: {problem}" if problem else None
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
