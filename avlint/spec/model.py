"""Resolve the versioned spec rows of a model into one release line's field specs.

The rows are generated from authentik's own API schemas (`rules/specs/generated/<model>.json`,
one file per model, see docs/specs.md) with the hand-kept knowledge of
`rules/specs/overrides/<model>.yaml` merged on top (`avlint.spec.overrides`). A model's file is
read only when a document uses the model: a pre-commit run that sees three models reads three
files, not all 141.

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
from avlint.versions import Release, in_range, known_releases

GENERATED = "specs/generated"
OVERRIDES = "specs/overrides"
# Snapshots written before the specs were generated name reference targets by a short kind.
SHORT_KINDS = {
    "flow": "authentik_flows.flow",
    "stage": "authentik_flows.stage",
    "webauthndevicetype": "authentik_stages_authenticator_webauthn.webauthndevicetype",
}


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
    references: str | None = None  # the model string a pk-valued field points at (a base means any subclass)
    items: FieldSpec | None = None
    object_fields: dict[str, FieldSpec] | None = None
    default: Any = None
    has_default: bool = False
    default_all_choices: bool = False  # the default is every choice (device_classes)
    nullable: bool = False  # null is accepted
    blank: bool = False  # a choice field that accepts "" besides its choices
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
def model_list() -> dict[str, dict[str, Any]]:
    """Every model some release allows in blueprints, with the releases that have it
    (`since`/`until`, or `ranges` when it left and came back), `meta`, `stage`, `permissions`."""
    models: dict[str, dict[str, Any]] = _generated("models.json")["models"]
    return models


def available_models() -> tuple[str, ...]:
    """Model strings that have a field spec (every model of `model_list`)."""
    return tuple(sorted(model_list()))


def model_exists(model: str, release: Release) -> bool:
    """Whether `release` has `model` (in its blueprint schema, or its API for the oldest lines)."""
    info = model_list().get(model)
    if info is None:
        return False
    ranges = info.get("ranges") or [info]
    return any(in_range(release, span.get("since"), span.get("until")) for span in ranges)


def model_releases(model: str) -> list[tuple[str | None, str | None]]:
    """The (since, until) spans of the releases that have `model`."""
    info = model_list().get(model) or {}
    return [(span.get("since"), span.get("until")) for span in info.get("ranges") or [info]]


def _generated(name: str) -> Any:
    import json  # here: `avlint --version` imports this package without needing it

    return json.loads((rules_dir() / GENERATED / name).read_bytes())


@cache
def merged_model(model: str) -> dict[str, Any] | None:
    """The spec document of `model`: its generated rows with its override merged in."""
    if model not in model_list():
        return None
    generated: dict[str, Any] = _generated(f"{model}.json")
    relative = f"{OVERRIDES}/{model}.yaml"
    if not (rules_dir() / relative).is_file():
        return generated
    from avlint.spec.overrides import merge_model

    return merge_model(generated, load_data(relative), known_releases())


def added_fields(model: str) -> set[str]:
    """Fields the override adds (`add: true`): those the API schemas never show, such as the
    fields a serializer takes only from blueprints."""
    relative = f"{OVERRIDES}/{model}.yaml"
    if model not in model_list() or not (rules_dir() / relative).is_file():
        return set()
    fields = load_data(relative).get("fields") or {}
    return {name for name, patches in fields.items() if any(patch.get("add") for patch in patches)}


@lru_cache(maxsize=1)
def merged_enums() -> dict[str, list[Any]]:
    """The choice sets, with the values whose dates the override file corrects."""
    from avlint.spec.overrides import merge_enums

    return merge_enums(_generated("enums.json"), load_data(f"{OVERRIDES}/enums.yaml"))


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
    """The release-independent part of a bundled spec: model, kind, title, endpoint, pk."""
    raw = merged_model(model) or {}
    return {key: raw[key] for key in ("model", "kind", "title", "endpoint", "pk")}


@cache
def bundled_model_spec(model: str, release: Release) -> ModelSpec | None:
    """The spec of `model` at `release` from the bundled rows, whatever source is in use; None
    when the release does not have the model."""
    if not model_exists(model, release):
        return None
    raw = merged_model(model)
    if raw is None:
        return None
    enums = merged_enums()
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
        references=SHORT_KINDS.get(row.get("references") or "", row.get("references")),
        items=items,
        object_fields=object_fields,
        default=row.get("default"),
        has_default="default" in row or row.get("default_all_choices", False),
        default_all_choices=row.get("default_all_choices", False),
        nullable=row.get("nullable", False),
        blank=row.get("blank", False),
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
