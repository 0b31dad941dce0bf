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
from avlint.live.state import LiveState
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


def pull_files(live: LiveState, release: Release, with_flows: bool, origin: Origin) -> list[PulledFile]:
    stages = live.objects.get(VALIDATE_STAGE, [])
    placed: set[str] = set()
    files = []
    header = header_lines(origin)
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
                entries = _flow_entries(flow, bindings, owned, live, release)
                files.append(PulledFile("flow", flow["slug"], _dump(f"avlint pull: {flow['slug']}", entries, header)))
                placed.update(str(s["pk"]) for s in owned)
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
    flow: dict[str, Any], bindings: list[dict[str, Any]], owned: list[dict[str, Any]], live: LiveState, release: Release
) -> list[dict[str, Any]]:
    ids = {str(flow["pk"]): _id(flow["slug"], set())}
    entries = [
        _entry(
            FLOW,
            flow,
            ids[str(flow["pk"])],
            {"slug": flow["slug"]},
            _attrs(FLOW, flow, live, release, ids, skip={"slug"}),
        )
    ]
    for stage in owned:
        # Ids must be unique in the file: two labels may give one id (`A B`, `a-b`).
        ids[str(stage["pk"])] = _id(stage["name"], set(ids.values()))
        entries.append(_stage_entry(stage, live, release, ids))
    for binding in bindings:
        identifiers = {
            "target": Tagged("!KeyOf", ids[str(flow["pk"])]),
            "stage": _reference(binding.get("stage"), live, ids),
            "order": binding.get("order"),
        }
        attrs = _attrs(BINDING, binding, live, release, ids, skip={"target", "stage", "order"})
        entries.append(_entry(BINDING, binding, None, identifiers, attrs))
    return entries


def _stage_entry(stage: dict[str, Any], live: LiveState, release: Release, ids: dict[str, str]) -> dict[str, Any]:
    return _entry(
        VALIDATE_STAGE,
        stage,
        ids.get(str(stage["pk"])),
        {"name": stage["name"]},
        _attrs(VALIDATE_STAGE, stage, live, release, ids, skip={"name"}),
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
    model: str, obj: dict[str, Any], live: LiveState, release: Release, ids: dict[str, str], skip: set[str]
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
        if references in ("stage", "flow"):
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
