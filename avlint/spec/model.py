"""Resolve the versioned spec rows in `rules/specs/` into one release line's field specs.

A spec file lists rows per field, each valid from `since` (inclusive) to `until` (exclusive).
Resolving picks the rows valid for the target release, so "valid in 2024.4, unknown in 2022.2"
is a lookup. Rows of other releases are kept to explain why a field or value is unavailable.

A spec source (a snapshot given with `--spec FILE`, see `avlint.spec.snapshot`) replaces the
bundled rows for its own release. It is passed in by the caller (it travels in the run's
Settings), never kept in a module global.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, NamedTuple, Protocol

from avlint.resources import load_data, rules_dir
from avlint.versions import Release, in_range

SPEC_FOLDER = "specs"


class Choice(NamedTuple):
    value: str
    since: str | None = None
    until: str | None = None


class FieldSpec(NamedTuple):
    """One field as the target release's API serializer sees it."""

    name: str
    type: str | None = None  # string, integer, number, boolean, uuid, enum, list, object
    required: bool = False
    read_only: bool = False
    choices: tuple[str, ...] = ()  # enum values valid in the target release
    all_choices: tuple[Choice, ...] = ()  # every value the enum ever had, with its history
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    allow_empty: bool = True
    format: str | None = None
    references: str | None = None  # stage, flow, webauthndevicetype
    items: FieldSpec | None = None
    object_fields: dict[str, FieldSpec] | None = None
    default: Any = None
    has_default: bool = False
    default_all_choices: bool = False  # the default is every choice (device_classes)
    enum_name: str | None = None  # the choice set's name in enums.yaml
    object_name: str | None = None  # the name of the object's rows under `objects:`
    replaced_by: str | None = None
    since: str | None = None
    until: str | None = None


class ModelSpec(NamedTuple):
    model: str
    kind: str
    title: str
    endpoint: str
    release: Release
    pk_name: str
    fields: dict[str, FieldSpec]
    # Rows for field names that exist in some other release, to explain unavailability.
    history: dict[str, tuple[FieldSpec, ...]]
    # Every row of every field, whatever its release range (for version inference).
    rows: dict[str, tuple[FieldSpec, ...]]

    @property
    def writable(self) -> dict[str, FieldSpec]:
        return {name: spec for name, spec in self.fields.items() if not spec.read_only}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name, spec in self.fields.items() if spec.required)


@lru_cache(maxsize=1)
def available_models() -> tuple[str, ...]:
    """Model strings that have a field spec."""
    folder = rules_dir() / SPEC_FOLDER
    return tuple(sorted(p.stem for p in folder.glob("*.yaml") if p.stem != "enums"))


class SpecSource(Protocol):
    """Field specs of one release from somewhere other than `rules/specs/`."""

    @property
    def release(self) -> Release: ...

    def model_spec(self, model: str) -> ModelSpec | None: ...


def model_spec(model: str, release: Release, source: SpecSource | None = None) -> ModelSpec | None:
    """The spec of `model` (lower-case model string) at `release`, or None when avlint has none:
    from `source` when it describes that release, else from the bundled rows."""
    if source is not None and source.release == release:
        return source.model_spec(model)
    return bundled_model_spec(model, release)


def model_header(model: str) -> dict[str, Any]:
    """The release-independent part of a bundled spec file: model, kind, title, endpoint, pk."""
    raw = load_data(f"{SPEC_FOLDER}/{model}.yaml")
    return {key: raw[key] for key in ("model", "kind", "title", "endpoint", "pk")}


@cache
def bundled_model_spec(model: str, release: Release) -> ModelSpec | None:
    """The spec of `model` at `release` from the rows in `rules/specs/`, whatever source is in use."""
    if model not in available_models():
        return None
    raw = load_data(f"{SPEC_FOLDER}/{model}.yaml")
    enums = load_data(f"{SPEC_FOLDER}/enums.yaml")
    objects = raw.get("objects", {})
    fields: dict[str, FieldSpec] = {}
    history: dict[str, list[FieldSpec]] = {}
    for row in raw["fields"]:
        spec = field_from_row(row, release, enums, objects)
        history.setdefault(spec.name, []).append(spec)
        if in_range(release, row.get("since"), row.get("until")):
            fields[spec.name] = spec
    return ModelSpec(
        model=raw["model"],
        kind=raw["kind"],
        title=raw["title"],
        endpoint=raw["endpoint"],
        release=release,
        pk_name=raw["pk"]["name"],
        fields=fields,
        history={name: tuple(rows) for name, rows in history.items() if name not in fields},
        rows={name: tuple(rows) for name, rows in history.items()},
    )


def field_from_row(row: dict[str, Any], release: Release, enums: dict[str, Any], objects: dict[str, Any]) -> FieldSpec:
    all_choices: tuple[Choice, ...] = ()
    if "enum" in row:
        all_choices = tuple(_choice(item) for item in enums[row["enum"]])
    items = None
    if "items" in row:
        items = field_from_row({"name": "[]", **row["items"]}, release, enums, objects)
    object_fields = None
    if "object" in row:
        object_fields = {
            sub["name"]: field_from_row(sub, release, enums, objects)
            for sub in objects[row["object"]]
            if in_range(release, sub.get("since"), sub.get("until"))
        }
    return FieldSpec(
        name=row["name"],
        type=row.get("type"),
        required=row.get("required", False),
        read_only=row.get("read_only", False),
        choices=tuple(c.value for c in all_choices if in_range(release, c.since, c.until)),
        all_choices=all_choices,
        min_length=row.get("min_length"),
        max_length=row.get("max_length"),
        pattern=row.get("pattern"),
        minimum=row.get("minimum"),
        maximum=row.get("maximum"),
        allow_empty=row.get("allow_empty", True),
        format=row.get("format"),
        references=row.get("references"),
        items=items,
        object_fields=object_fields,
        default=row.get("default"),
        has_default="default" in row or row.get("default_all_choices", False),
        default_all_choices=row.get("default_all_choices", False),
        enum_name=row.get("enum"),
        object_name=row.get("object"),
        replaced_by=row.get("replaced_by"),
        since=row.get("since"),
        until=row.get("until"),
    )


def _choice(item: str | dict[str, str]) -> Choice:
    if isinstance(item, str):
        return Choice(item)
    return Choice(item["value"], item.get("since"), item.get("until"))
