"""Turn live validation stages (and the flows that use them) into blueprint files that lint
clean and re-import on another server: no read-only fields, no raw pks for objects of the
file (`!KeyOf`) or outside it (`!Find` by name), a stable key order, one file per flow or
per stage. This avoids the export problem of authentik issue #5811.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live.state import LiveState
from avlint.spec import model_spec
from avlint.versions import Release


@dataclass(frozen=True)
class KeyOf:
    target: str


@dataclass(frozen=True)
class Find:
    model: str
    field: str
    value: str


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(KeyOf, lambda dumper, ref: dumper.represent_scalar("!KeyOf", ref.target))
_Dumper.add_representer(
    Find, lambda dumper, ref: dumper.represent_sequence("!Find", [ref.model, [ref.field, ref.value]], flow_style=True)
)


@dataclass
class PulledFile:
    name: str  # file name without folder
    text: str


def pull_files(live: LiveState, release: Release, with_flows: bool) -> list[PulledFile]:
    stages = live.objects.get(VALIDATE_STAGE, [])
    placed: set[str] = set()
    files = []
    if with_flows:
        for flow in live.objects.get(FLOW, []):
            bindings = sorted(
                (b for b in live.objects.get(BINDING, []) if str(b.get("target")) == str(flow["pk"])),
                key=lambda b: b.get("order", 0),
            )
            bound = [s for s in stages if any(str(b.get("stage")) == str(s["pk"]) for b in bindings)]
            if bound:
                # A stage bound in several flows is defined once, in the first flow's file;
                # the others find it by name.
                owned = [s for s in bound if str(s["pk"]) not in placed]
                files.append(_flow_file(flow, bindings, owned, live, release))
                placed.update(str(s["pk"]) for s in owned)
    for stage in stages:
        if str(stage["pk"]) not in placed:
            files.append(
                PulledFile(
                    _file_name(stage["name"]),
                    _dump(f"avlint pull: {stage['name']}", [_stage_entry(stage, live, release, {})]),
                )
            )
    return files


def _flow_file(
    flow: dict[str, Any], bindings: list[dict[str, Any]], owned: list[dict[str, Any]], live: LiveState, release: Release
) -> PulledFile:
    ids = {str(flow["pk"]): _id(flow["slug"])}
    entries = [
        _entry(
            FLOW, ids[str(flow["pk"])], {"slug": flow["slug"]}, _attrs(FLOW, flow, live, release, ids, skip={"slug"})
        )
    ]
    for stage in owned:
        ids[str(stage["pk"])] = _id(stage["name"])
        entries.append(_stage_entry(stage, live, release, ids))
    for binding in bindings:
        identifiers = {
            "target": KeyOf(ids[str(flow["pk"])]),
            "stage": _reference(binding.get("stage"), live, ids),
            "order": binding.get("order"),
        }
        entries.append(
            _entry(
                BINDING,
                None,
                identifiers,
                _attrs(BINDING, binding, live, release, ids, skip={"target", "stage", "order"}),
            )
        )
    return PulledFile(_file_name(flow["slug"]), _dump(f"avlint pull: {flow['slug']}", entries))


def _stage_entry(stage: dict[str, Any], live: LiveState, release: Release, ids: dict[str, str]) -> dict[str, Any]:
    return _entry(
        VALIDATE_STAGE,
        ids.get(str(stage["pk"])),
        {"name": stage["name"]},
        _attrs(VALIDATE_STAGE, stage, live, release, ids, skip={"name"}),
    )


def _entry(model: str, entry_id: str | None, identifiers: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if entry_id:
        entry["id"] = entry_id
    entry["model"] = model
    entry["identifiers"] = identifiers
    if attrs:
        entry["attrs"] = attrs
    return entry


def _attrs(
    model: str, obj: dict[str, Any], live: LiveState, release: Release, ids: dict[str, str], skip: set[str]
) -> dict[str, Any]:
    """The writable fields of the target release, references turned into tags, empty lists left
    out (the server's defaults), in the spec's field order."""
    spec = model_spec(model, release)
    attrs: dict[str, Any] = {}
    for name, field in spec.writable.items() if spec else ():
        if name in skip or name not in obj or obj[name] in ([], None):
            continue
        value = obj[name]
        references = field.references or (field.items.references if field.items else None)
        if references in ("authentik_flows.stage", "authentik_flows.flow"):
            value = (
                [_reference(item, live, ids) for item in value]
                if isinstance(value, list)
                else _reference(value, live, ids)
            )
        attrs[name] = value
    return attrs


def _reference(pk: Any, live: LiveState, ids: dict[str, str]) -> Any:
    text = str(pk)
    if text in ids:
        return KeyOf(ids[text])
    if text in live.stage_names:
        name, model = live.stage_names[text]
        return Find(model, "name", name)
    flow = live.by_pk(FLOW, text)
    if flow is not None:
        return Find(FLOW, "slug", flow["slug"])
    return text  # unknown to every listing: left as it is, and the lint of the file flags nothing


def _dump(title: str, entries: list[dict[str, Any]]) -> str:
    document = {
        "version": 1,
        "metadata": {"name": title, "labels": {"blueprints.goauthentik.io/instantiate": "false"}},
        "entries": entries,
    }
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def _id(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "entry"


def _file_name(label: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_") or "unnamed") + ".yaml"
