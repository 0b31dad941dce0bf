"""Hand-kept knowledge on top of the generated specs: one override file per model, merged in.

The schemas say which fields exist, with what type, choices and limits, per release. They do
not say what avlint's own rules need beyond that (defaults, DRF's `allow_empty`, the timedelta
grammar, which field replaced which, help texts), and they are wrong in a few known places
(drf-spectacular before 2021.12 never wrote `minLength: 1`; fields that predate the oldest schema
are undated). `rules/specs/overrides/<model>.yaml` holds exactly that and nothing else:

    model: authentik_flows.flowstagebinding
    header: {kind: binding}                 # replaces keys of the generated header
    fields:
      evaluate_on_plan:                     # patches, each for a release range
        - {until: "2023.3", default: true}
        - {since: "2023.3", default: false}
      invalid_response_action:
        - {until: "2021.6", absent: true}   # the field does not exist before 2021.6
        - {default: retry}
    objects:
      flow_set_item: {name: [{min_length: 1}]}   # the same, for a nested object's rows

A patch sets its keys on the field's rows at every release in [since, until) (both optional);
a key set to null removes it, a mapping (`items`) is merged key by key, and `absent: true`
removes the field there. `rules/specs/overrides/enums.yaml` dates choice values the schemas
cannot (`device_classes: {duo: {since: "2021.6"}}`). Merging expands each field to one row per
release line avlint knows, applies the patches, and folds equal neighbours back into
`since`/`until` rows, so a patch that makes two generated rows equal leaves one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from avlint.spec.schema_rows import ordered
from avlint.spec.spec_history import dated, runs
from avlint.versions import Release, in_range

GENERATED = "specs/generated"
OVERRIDES = "specs/overrides"
_RANGE = ("since", "until")


def merge_model(
    generated: dict[str, Any], override: dict[str, Any] | None, releases: Sequence[Release]
) -> dict[str, Any]:
    """The spec document of one model: the generated base with its override applied."""
    override = override or {}
    merged = {key: value for key, value in generated.items() if key not in ("fields", "objects")}
    merged.update(override.get("header") or {})
    merged["fields"] = merge_rows(generated.get("fields", []), override.get("fields") or {}, releases)
    objects = dict(generated.get("objects") or {})
    for name, patches in (override.get("objects") or {}).items():
        objects[name] = merge_rows(objects.get(name, []), patches, releases)
    if objects:
        merged["objects"] = objects
    return merged


def merge_rows(
    rows: list[dict[str, Any]], patches: dict[str, list[dict[str, Any]]], releases: Sequence[Release]
) -> list[dict[str, Any]]:
    names = list(dict.fromkeys(row["name"] for row in rows))
    out: list[dict[str, Any]] = []
    for name in names:
        field_rows = [row for row in rows if row["name"] == name]
        if name not in patches:
            out += field_rows
            continue
        per_release = [_row_at(field_rows, release) for release in releases]
        per_release = [
            _patched(row, patches[name], release) for row, release in zip(per_release, releases, strict=True)
        ]
        for start, end, value in runs(per_release):
            out.append(ordered({"name": name, **dated(releases, start, end), **value}))
    return out


def _row_at(rows: list[dict[str, Any]], release: Release) -> dict[str, Any] | None:
    for row in rows:
        if in_range(release, row.get("since"), row.get("until")):
            return {key: value for key, value in row.items() if key not in ("name", *_RANGE)}
    return None


def _patched(row: dict[str, Any] | None, patches: list[dict[str, Any]], release: Release) -> dict[str, Any] | None:
    for patch in patches:
        if row is None or not in_range(release, patch.get("since"), patch.get("until")):
            continue
        if patch.get("absent"):
            return None
        row = _apply(row, {key: value for key, value in patch.items() if key not in (*_RANGE, "absent")})
    return row


def _apply(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _apply(out[key], value)
        else:
            out[key] = value
    return out


def merge_enums(
    generated: dict[str, list[Any]], override: dict[str, dict[str, dict[str, str]]] | None
) -> dict[str, list[Any]]:
    """The choice sets with the hand-kept dates of some values (a value's dates are replaced)."""
    merged = {name: list(values) for name, values in generated.items()}
    for name, dates in (override or {}).items():
        values = merged.get(name, [])
        for index, item in enumerate(values):
            value = item if isinstance(item, str) else item["value"]
            if value in dates:
                values[index] = {"value": value, **dates[value]} if dates[value] else value
    return merged


def merged_specs(rules: Path, model: str, releases: Sequence[Release]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The merged spec document of `model` and the merged choice sets, read from `rules/`."""
    import json

    generated = json.loads((rules / GENERATED / f"{model}.json").read_text(encoding="utf-8"))
    enums = json.loads((rules / GENERATED / "enums.json").read_text(encoding="utf-8"))
    override = _yaml(rules / OVERRIDES / f"{model}.yaml")
    return merge_model(generated, override, releases), merge_enums(enums, _yaml(rules / OVERRIDES / "enums.yaml"))


def _yaml(path: Path) -> Any:
    import yaml

    if not path.is_file():
        return None
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
