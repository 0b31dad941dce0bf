"""One release's resolved field specs as data: the snapshot format `avlint spec import` writes,
`avlint spec show` prints and `--spec FILE` reads.

```yaml
format: avlint-spec
version: 1
authentik: "2025.12"          # the release line the snapshot describes
source: 2025.12.4             # where it came from: the schema's info.version, or "bundled"
bundled_release: "2025.12"    # only when some rows took attributes from the bundled spec
models:
  authentik_flows.flow:
    fields: [{name: name, type: string, required: true, min_length: 1}, ...]
    objects: {}               # rows of nested objects, named by a field's `object`
enums: {flow_designation: [authentication, ...]}
```

Rows use the keys of `rules/specs/`, without since/until: a snapshot holds one release.
"""

from __future__ import annotations

from typing import Any

from avlint.spec.model import FieldSpec, ModelSpec, SpecSource, available_models, model_spec
from avlint.versions import Release

FORMAT, FORMAT_VERSION = "avlint-spec", 1

# Row keys in the order they are written (rules/specs order; the last three are comments).
ROW_KEYS = (
    "name", "type", "enum", "required", "read_only", "nullable", "blank", "min_length", "max_length", "pattern", "minimum", "maximum",
    "allow_empty", "format", "references", "items", "object", "default", "default_all_choices", "replaced_by",
    "help", "derived", "bundled_keys",
)  # fmt: skip


def render_snapshot(release: Release, source: str, spec_source: SpecSource | None = None) -> dict[str, Any]:
    """Every model's spec at `release`, as a run resolves it (from `spec_source`, else the bundled rows)."""
    models: dict[str, Any] = {}
    enums: dict[str, list[str]] = {}
    for model in available_models():
        spec = model_spec(model, release, spec_source)
        if spec is not None:
            models[model] = render_model(spec, enums)
    return snapshot_document(release, source, models, enums)


def snapshot_document(
    release: Release, source: str, models: dict[str, Any], enums: dict[str, list[str]], **extra: Any
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "authentik": str(release),
        "source": source,
        **extra,
        "models": models,
        "enums": enums,
    }


def render_model(spec: ModelSpec, enums: dict[str, list[str]]) -> dict[str, Any]:
    objects: dict[str, list[dict[str, Any]]] = {}
    fields = [{"name": field.name, **_attributes(field, enums, objects)} for field in spec.fields.values()]
    return {"fields": fields, **({"objects": objects} if objects else {})}


def field_attributes(field: FieldSpec) -> dict[str, Any]:
    """A field's row without its name (enum and object names refer to sets not returned here)."""
    return _attributes(field, {}, {})


def ordered_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its keys in the written order (unknown keys last)."""
    rank = {key: index for index, key in enumerate(ROW_KEYS)}
    return dict(sorted(row.items(), key=lambda item: rank.get(item[0], len(rank))))


def _attributes(
    field: FieldSpec, enums: dict[str, list[str]], objects: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if field.type:
        row["type"] = field.type
    if field.enum_name:
        row["enum"] = field.enum_name
        enums.setdefault(field.enum_name, list(field.choices))
    row.update({key: True for key in ("required", "read_only", "nullable", "blank") if getattr(field, key)})
    row.update(
        {
            key: value
            for key in ("min_length", "max_length", "pattern", "minimum", "maximum")
            if (value := getattr(field, key)) is not None
        }
    )
    if not field.allow_empty:
        row["allow_empty"] = False
    row.update({key: value for key in ("format", "references") if (value := getattr(field, key))})
    if field.items is not None:
        row["items"] = _attributes(field.items, enums, objects)
    if field.object_fields is not None and field.object_name:
        row["object"] = field.object_name
        if field.object_name not in objects:
            objects[field.object_name] = [
                {"name": sub.name, **_attributes(sub, enums, objects)} for sub in field.object_fields.values()
            ]
    if field.default_all_choices:
        row["default_all_choices"] = True
    elif field.has_default:
        row["default"] = field.default
    if field.replaced_by:
        row["replaced_by"] = field.replaced_by
    return row


def dump_snapshot(document: dict[str, Any], comment: str = "") -> str:
    """YAML text of a snapshot: one flow-style row per line, as in `rules/specs/`."""
    import yaml

    class _Row(dict):  # type: ignore[type-arg]
        pass

    class _Values(list):  # type: ignore[type-arg]
        pass

    class _Dumper(yaml.SafeDumper):
        pass

    _Dumper.add_representer(
        _Row, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
    )
    _Dumper.add_representer(
        _Values, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
    )

    def rows(items: list[dict[str, Any]]) -> list[_Row]:
        return [_Row(ordered_row(row)) for row in items]

    styled = dict(document)
    styled["models"] = {
        model: {
            "fields": rows(entry["fields"]),
            **(
                {"objects": {name: rows(sub) for name, sub in entry["objects"].items()}} if entry.get("objects") else {}
            ),
        }
        for model, entry in document["models"].items()
    }
    styled["enums"] = {name: _Values(values) for name, values in document.get("enums", {}).items()}
    header = "".join(f"# {line}\n".replace("# \n", "#\n") for line in comment.splitlines())
    return header + yaml.dump(styled, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
