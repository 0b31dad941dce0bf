"""Turn live validation stages (and the flows that use them) into blueprint files that lint
clean and re-import on another server: no read-only fields, no raw pks for objects of the
file (`!KeyOf`) or outside it (`!Find` by name), one file per flow or per stage. This avoids the
export problem of authentik issue #5811.

A file is laid out as authentik lays out its own exports (avlint.roundtrip), with comments that
a plain export cannot carry: where, when and from which authentik version it was pulled, and each
object's pk on that server beside the entry's identifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from avlint import __version__
from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live.pull_names import file_name
from avlint.live.pull_state import POLICY_BINDING, PulledState
from avlint.modelinfo import is_stage
from avlint.roundtrip import Noted, Tagged, dump_export
from avlint.spec import model_spec
from avlint.versions import Release


@dataclass(frozen=True)
class Origin:
    """Where and when the objects were read, for the comment at the top of each file."""

    url: str  # the server root; credentials in it are never written
    version: str  # as the server reports it
    when: datetime


@dataclass(frozen=True)
class PulledFile:
    kind: str  # "flow" or "stage"
    label: str  # the flow's slug or the stage's name
    text: str

    @property
    def name(self) -> str:
        """The file name without folder (avlint.live.pull_names)."""
        return file_name(self.kind, self.label)


def pull_files(live: PulledState, release: Release, with_flows: bool, origin: Origin) -> list[PulledFile]:
    stages = live.objects.get(VALIDATE_STAGE, [])
    placed: set[str] = set()  # pks of the stages and policies a file defines already
    files = []
    header = header_lines(origin)
    if with_flows:
        for flow in live.objects.get(FLOW, []):
            bindings = sorted(
                (b for b in live.objects.get(BINDING, []) if str(b.get("target")) == str(flow["pk"])),
                key=lambda b: b.get("order", 0),
            )
            if not any(str(b.get("stage")) == str(s["pk"]) for b in bindings for s in stages):
                continue  # only the flows that use the pulled validation stages
            # Every stage the flow binds, of any type, and every policy bound to the flow or to
            # one of its bindings: what the flow does on another server depends on all of them.
            # A stage or policy used by several flows is defined once, in the first flow's file;
            # the others find it by name.
            entries = _flow_entries(flow, bindings, placed, live, release)
            files.append(PulledFile("flow", flow["slug"], _dump(f"avlint pull: {flow['slug']}", entries, header)))
    for stage in stages:
        if str(stage["pk"]) not in placed:
            entries = [_stage_entry(stage, live, release, {})]
            files.append(PulledFile("stage", stage["name"], _dump(f"avlint pull: {stage['name']}", entries, header)))
    return files


def header_lines(origin: Origin) -> list[str]:
    when = origin.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        f"Pulled from {public_url(origin.url)} (authentik {_plain_word(origin.version)}) at {when} by avlint {__version__}.",
        "A `pk` comment gives an object's pk on that server; the entries refer to objects by entry",
        "id (!KeyOf) or by name (!Find) instead, so the file imports on any server.",
    ]


def _plain_word(value: Any) -> str:
    """A pk or version from the server as it is when it looks like one, else `?`: in a comment,
    other text could read as a directive (`# avlint: disable-file`) to the lint of the file."""
    text = str(value)
    return text if re.fullmatch(r"[\w.+-]{1,64}", text, re.ASCII) else "?"


def public_url(url: str) -> str:
    """*url* without user, password, query or fragment: only what locates the server."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return urlunsplit((parts.scheme, host + port, parts.path.rstrip("/"), "", ""))


def _flow_entries(
    flow: dict[str, Any], bindings: list[dict[str, Any]], placed: set[str], live: PulledState, release: Release
) -> list[dict[str, Any]]:
    """The flow, its policies, its stages, its stage bindings and its policy bindings, in the
    order of authentik's own export of a flow (each entry after the entries it refers to)."""
    ids = {str(flow["pk"]): _id(flow["slug"], set())}
    policy_bindings = _policy_bindings(flow, bindings, live)
    owned_stages = []
    for binding in bindings:
        stage = _stage_object(binding.get("stage"), live)
        if stage is not None and str(stage["pk"]) not in placed and str(stage["pk"]) not in ids:
            # Ids must be unique in the file: two labels may give one id (`A B`, `a-b`).
            ids[str(stage["pk"])] = _id(stage["name"], set(ids.values()))
            owned_stages.append(stage)
    owned_policies = []
    for pb in policy_bindings:
        policy = live.policies.get(str(pb.get("policy")))
        if policy is not None and str(policy["pk"]) not in placed and str(policy["pk"]) not in ids:
            ids[str(policy["pk"])] = _id(policy["name"], set(ids.values()))
            owned_policies.append(policy)
    targeted = {str(pb.get("target")) for pb in policy_bindings}
    for binding in bindings:
        if str(binding.get("policybindingmodel_ptr_id")) in targeted:
            # A policy binding refers to its stage binding with !KeyOf (R-PB-03: a !Find of the
            # binding would not match on re-import), so the binding needs an id.
            ids[str(binding["pk"])] = _id(f"{flow['slug']}-binding-{binding.get('order')}", set(ids.values()))
    placed.update(str(obj["pk"]) for obj in (*owned_stages, *owned_policies))

    entries = [
        _entry(
            FLOW,
            flow,
            ids[str(flow["pk"])],
            {"slug": flow["slug"]},
            _attrs(FLOW, flow, live, release, ids, skip={"slug"}),
        )
    ]
    for policy in owned_policies:
        model = str(policy.get("meta_model_name"))
        attrs = _attrs(model, policy, live, release, ids, skip={"name"})
        entries.append(_entry(model, policy, ids[str(policy["pk"])], {"name": policy["name"]}, attrs))
    entries.extend(_stage_entry(stage, live, release, ids) for stage in owned_stages)
    for binding in bindings:
        identifiers = {
            "target": Tagged("!KeyOf", ids[str(flow["pk"])]),
            "stage": _reference(binding.get("stage"), live, ids),
            "order": binding.get("order"),
        }
        attrs = _attrs(BINDING, binding, live, release, ids, skip={"target", "stage", "order"})
        entries.append(_entry(BINDING, binding, ids.get(str(binding["pk"])), identifiers, attrs))
    targets = {str(flow.get("policybindingmodel_ptr_id")): str(flow["pk"])}
    targets.update({str(b.get("policybindingmodel_ptr_id")): str(b["pk"]) for b in bindings})
    for pb in policy_bindings:
        entries.append(_policy_binding_entry(pb, ids[targets[str(pb["target"])]], live, release, ids))
    return entries


def _policy_bindings(flow: dict[str, Any], bindings: list[dict[str, Any]], live: PulledState) -> list[dict[str, Any]]:
    """The policy bindings of the flow, then of each stage binding in order, each by its order.
    A policy binding names its target by the target's `pbm_uuid` (policybindingmodel_ptr_id)."""
    targets = [str(flow.get("policybindingmodel_ptr_id"))]
    targets.extend(str(b.get("policybindingmodel_ptr_id")) for b in bindings)
    found = []
    for target in targets:
        found.extend(
            sorted(
                (pb for pb in live.objects.get(POLICY_BINDING, []) if str(pb.get("target")) == target),
                key=lambda pb: (pb.get("order", 0), str(pb.get("pk"))),
            )
        )
    return found


def _policy_binding_entry(
    binding: dict[str, Any], target_id: str, live: PulledState, release: Release, ids: dict[str, str]
) -> dict[str, Any]:
    """What is bound (a policy, a group or a user) and where (`target`) identify the binding, as
    in authentik's exports; the flags of the binding are its attrs."""
    identifiers: dict[str, Any] = {}
    if binding.get("policy") is not None:
        identifiers["policy"] = _policy_reference(binding["policy"], live, ids)
    elif binding.get("group") is not None:
        group = binding.get("group_obj") or {}
        identifiers["group"] = Tagged("!Find", ["authentik_core.group", ["name", group.get("name")]])
    elif binding.get("user") is not None:
        user = binding.get("user_obj") or {}
        identifiers["user"] = Tagged("!Find", ["authentik_core.user", ["username", user.get("username")]])
    identifiers["target"] = Tagged("!KeyOf", target_id)
    identifiers["order"] = binding.get("order")
    skip = {"policy", "group", "user", "target", "order"}
    return _entry(POLICY_BINDING, binding, None, identifiers, _attrs(POLICY_BINDING, binding, live, release, ids, skip))


def _stage_object(pk: Any, live: PulledState) -> dict[str, Any] | None:
    """The full object of the stage with *pk*, whatever its type (fetched from its own endpoint)."""
    named = live.stage_names.get(str(pk))
    return live.by_pk(named[1], str(pk)) if named else None


def _stage_entry(stage: dict[str, Any], live: PulledState, release: Release, ids: dict[str, str]) -> dict[str, Any]:
    model = str(stage.get("meta_model_name") or VALIDATE_STAGE)
    return _entry(
        model,
        stage,
        ids.get(str(stage["pk"])),
        {"name": stage["name"]},
        _attrs(model, stage, live, release, ids, skip={"name"}),
    )


def _entry(
    model: str, obj: dict[str, Any], entry_id: str | None, identifiers: dict[str, Any], attrs: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"model": model}
    if entry_id:
        entry["id"] = entry_id
    # The pk is a comment, not an identifier, so that the entry matches by name on any server.
    entry["identifiers"] = (
        Noted(identifiers, f"pk {_plain_word(obj['pk'])}") if obj.get("pk") is not None else identifiers
    )
    if attrs:
        entry["attrs"] = attrs
    return entry


def _attrs(
    model: str, obj: dict[str, Any], live: PulledState, release: Release, ids: dict[str, str], skip: set[str]
) -> dict[str, Any]:
    """The writable fields of the target release, references turned into tags, empty lists left
    out (the server's defaults)."""
    spec = model_spec(model, release)
    attrs: dict[str, Any] = {}
    for name, field in spec.writable.items() if spec else ():
        if name in skip or name not in obj or obj[name] in ([], None):
            continue
        value = obj[name]
        references = field.references or (field.items.references if field.items else None)
        convert = _reference_maker(references)
        if convert is not None:
            value = (
                [convert(item, live, ids) for item in value] if isinstance(value, list) else convert(value, live, ids)
            )
        attrs[name] = value
    return attrs


def _reference_maker(references: str | None) -> Any:
    """How to write a reference to *references* (a model): stages and flows by entry id or name,
    policies by entry id or name; None for a model whose objects are not pulled (left as pks)."""
    if references in ("authentik_flows.stage", "authentik_flows.flow") or is_stage(references):
        return _reference
    if references == "authentik_policies.policy":
        return _policy_reference
    return None


def _policy_reference(pk: Any, live: PulledState, ids: dict[str, str]) -> Any:
    text = str(pk)
    if text in ids:
        return Tagged("!KeyOf", ids[text])
    policy = live.policies.get(text)
    if policy is not None:
        return Tagged("!Find", [str(policy.get("meta_model_name")), ["name", policy["name"]]])
    return text


def _reference(pk: Any, live: PulledState, ids: dict[str, str]) -> Any:
    text = str(pk)
    if text in ids:
        return Tagged("!KeyOf", ids[text])
    if text in live.stage_names:
        name, model = live.stage_names[text]
        return Tagged("!Find", [model, ["name", name]])
    flow = live.by_pk(FLOW, text)
    if flow is not None:
        return Tagged("!Find", [FLOW, ["slug", flow["slug"]]])
    return text  # unknown to every listing: left as it is, and the lint of the file flags nothing


def _dump(title: str, entries: list[dict[str, Any]], header: list[str]) -> str:
    document = {
        "version": 1,
        "metadata": {"name": title, "labels": {"blueprints.goauthentik.io/instantiate": "false"}},
        "entries": entries,
    }
    return dump_export(document, header)


def _id(label: str, taken: set[str]) -> str:
    """An entry id for `!KeyOf`, from *label*, not among *taken*."""
    base = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "entry"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
