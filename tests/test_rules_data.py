"""The data in `rules/`, validated as typed documents (pydantic, as for every external shape).

The rule catalogue, the tag table, the release list, the migration table and the generated
field specs are read by code that trusts their shape: a misspelt key there (`severty:`,
`mininum:`) would be dropped as silently as authentik drops a blueprint's. Each model here
forbids unknown keys and checks what the code relies on (codes, release names, ranges).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from avlint.findings import EFFECTS, SEVERITIES
from tests.conftest import ROOT

RULES = ROOT / "rules"
GENERATED = RULES / "specs" / "generated"
Release = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}\.[0-9]{1,2}$")]
KNOWN_RELEASES: list[str] = yaml.safe_load((RULES / "versions.yaml").read_text(encoding="utf-8"))["releases"]


def _release_key(release: str) -> tuple[int, int]:
    year, minor = release.split(".")
    return int(year), int(minor)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Ranged(Strict):
    """A row valid from `since` (inclusive) to `until` (exclusive)."""

    since: Release | None = None
    until: Release | None = None

    @field_validator("until")
    @classmethod
    def _after_since(cls, until: str | None, info: Any) -> str | None:
        since = info.data.get("since")
        if since and until and _release_key(until) <= _release_key(since):
            raise ValueError(f"until {until} is not after since {since}")
        return until


# --- the rule catalogue --------------------------------------------------------------------------


class Rule(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^AV[0-9]{3}$")]
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    effect: Literal[EFFECTS]  # type: ignore[valid-type]
    summary: Annotated[str, StringConstraints(min_length=10)]
    description: Annotated[str, StringConstraints(min_length=10)]
    bad: Annotated[str, StringConstraints(min_length=1)]
    good: Annotated[str, StringConstraints(min_length=1)]
    fix: Literal["safe", "unsafe"] | None = None
    bad_encoding: str | None = None


class Catalogue(Strict):
    rules: list[Rule]


# --- tags, releases, migrations ------------------------------------------------------------------


class TagArgs(Strict):
    min: int | None = None
    max: int | None = None
    counts: list[int] | None = None


class Tag(Strict):
    shapes: list[Literal["scalar", "sequence", "mapping"]] = Field(min_length=1)
    yields: str
    since: Release
    args: TagArgs | None = None


class Versions(Strict):
    default: Release
    releases: list[Release] = Field(min_length=1)


class MigrationStep(Strict):
    to: Release
    model: str
    transform: Literal["wrap_list", "delete", "flow_set_to_bindings", "keep_old_default"]
    note: Annotated[str, StringConstraints(min_length=10)]
    old: str | None = None
    new: str | None = None
    value: Any = None


class Migrations(Strict):
    steps: list[MigrationStep] = Field(min_length=1)


# --- generated field specs -----------------------------------------------------------------------

FieldType = Literal["string", "uuid", "boolean", "enum", "list", "integer", "number", "object"]


class ItemSpec(Strict):
    type: FieldType | None = None
    references: str | None = None
    object: str | None = None
    enum: str | None = None
    min_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None


class FieldRow(Ranged):
    name: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    type: FieldType | None = None
    required: bool | None = None
    read_only: bool | None = None
    nullable: bool | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    minimum: int | float | None = None
    maximum: int | float | None = None
    pattern: str | None = None
    format: str | None = None
    enum: str | None = None
    references: str | None = None
    object: str | None = None
    items: ItemSpec | None = None
    default: Any = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            re.compile(pattern)
        return pattern


class PkSpec(Strict):
    name: str
    type: FieldType | None = None


class ModelRange(Ranged):
    """One of the release ranges of a model that left the blueprint list and came back."""


class ModelSpecFile(Ranged):
    model: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$")]
    kind: str
    title: str
    endpoint: str
    pk: PkSpec
    fields: list[FieldRow]
    objects: dict[str, list[FieldRow]] = {}
    stage: bool | None = None
    meta: bool | None = None
    ranges: list[ModelRange] | None = None


class ModelEntry(Ranged):
    permissions: list[str] = []
    stage: bool | None = None
    meta: bool | None = None
    ranges: list[ModelRange] | None = None


class ModelList(Strict):
    releases: list[Release]
    sources: list[str]
    models: dict[str, ModelEntry]


class EnumValue(Ranged):
    value: str


EnumFile = dict[str, list[str | EnumValue]]


# --- the tests -----------------------------------------------------------------------------------


def _yaml(name: str) -> Any:
    return yaml.safe_load((RULES / name).read_text(encoding="utf-8"))


def test_the_catalogue_is_well_formed() -> None:
    catalogue = Catalogue.model_validate(_yaml("catalogue.yaml"))
    codes = [rule.code for rule in catalogue.rules]
    names = [rule.name for rule in catalogue.rules]
    assert len(set(codes)) == len(codes), "a code is used twice"
    assert len(set(names)) == len(names), "a name is used twice"
    assert codes == sorted(codes), "the catalogue is kept in code order"


def test_the_tag_table_is_well_formed() -> None:
    tags = {name: Tag.model_validate(tag) for name, tag in _yaml("tags.yaml").items()}
    assert len(tags) == 14 and all(re.fullmatch(r"![A-Z][A-Za-z]+", name) for name in tags)
    assert all(tag.since in KNOWN_RELEASES for tag in tags.values())


def test_the_release_list_is_ordered_and_holds_its_default() -> None:
    versions = Versions.model_validate(_yaml("versions.yaml"))
    assert versions.releases == sorted(versions.releases, key=_release_key)
    assert len(set(versions.releases)) == len(versions.releases)
    assert versions.default in versions.releases


def test_the_migration_table_is_well_formed() -> None:
    migrations = Migrations.model_validate(_yaml("migrations.yaml"))
    assert all(step.to in KNOWN_RELEASES for step in migrations.steps)
    assert [step.to for step in migrations.steps] == sorted((s.to for s in migrations.steps), key=_release_key)
    for step in migrations.steps:
        assert step.old or step.new, step


def _release_fields(value: Any) -> list[str]:
    """Every since/until in a document, wherever it sits."""
    found: list[str] = []
    if isinstance(value, dict):
        found += [value[key] for key in ("since", "until") if isinstance(value.get(key), str)]
        for item in value.values():
            found += _release_fields(item)
    elif isinstance(value, list):
        for item in value:
            found += _release_fields(item)
    return found


GENERATED_MODELS = sorted(p for p in GENERATED.glob("*.json") if p.stem not in ("models", "enums"))


@pytest.mark.parametrize("path", GENERATED_MODELS, ids=lambda p: p.stem)
def test_each_generated_model_spec_is_well_formed(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    spec = ModelSpecFile.model_validate(raw)
    assert spec.model == path.stem
    enums = set(json.loads((GENERATED / "enums.json").read_text(encoding="utf-8")))
    rows = spec.fields + [row for rows in spec.objects.values() for row in rows]
    for row in rows:
        named = row.enum or (row.items.enum if row.items else None)
        assert named is None or named in enums, (row.name, named)
        shape = row.object or (row.items.object if row.items else None)
        assert shape is None or shape in spec.objects, (row.name, shape)
    assert set(_release_fields(raw)) <= set(KNOWN_RELEASES)


def test_the_generated_model_list_and_enums_are_well_formed() -> None:
    models = ModelList.model_validate(json.loads((GENERATED / "models.json").read_text(encoding="utf-8")))
    assert set(models.releases) <= set(KNOWN_RELEASES)
    assert {p.stem for p in GENERATED_MODELS} <= set(models.models)
    enums = json.loads((GENERATED / "enums.json").read_text(encoding="utf-8"))
    for name, values in enums.items():
        parsed = [value if isinstance(value, str) else EnumValue.model_validate(value) for value in values]
        spelled = [value if isinstance(value, str) else value.value for value in parsed]
        assert len(set(spelled)) == len(spelled), f"enum {name} lists a value twice"


def test_a_misspelt_key_is_caught() -> None:
    """The models are strict: the point is to catch what the code would silently ignore."""
    with pytest.raises(ValidationError, match="severty"):
        Rule.model_validate(
            {
                "code": "AV999",
                "name": "example",
                "severty": "error",
                "severity": "error",
                "effect": "rejected",
                "summary": "An example rule.",
                "description": "An example rule.",
                "bad": "x",
                "good": "y",
            }
        )
    with pytest.raises(ValidationError, match="until"):
        FieldRow.model_validate({"name": "a", "since": "2025.12", "until": "2025.2"})
    with pytest.raises(ValidationError):
        FieldRow.model_validate({"name": "a", "mininum": 1})
