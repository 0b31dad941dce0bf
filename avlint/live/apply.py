"""Bring a server in line with the files: create what is missing, patch what changed, delete
(only with prune) what should be absent. Each object is its own request; a failure is reported
with the file position of the field the server complained about, and the run goes on.

Order: flows, then validation stages, then bindings (which point at both); deletions in the
reverse order. Within a phase the requests run concurrently, bounded by the client's limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live.client import ApiError, Client
from avlint.live.drift import DriftReport, LiveResolver, ObjectDrift
from avlint.live.state import ENDPOINTS, LiveState
from avlint.nodes import start
from avlint.payload.resolve import Unresolved
from avlint.settings import Settings
from avlint.spec import model_spec

PHASES = (FLOW, VALIDATE_STAGE, BINDING)


@dataclass(frozen=True)
class Failure:
    path: str
    line: int
    column: int
    message: str


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failures: list[Failure] = field(default_factory=list)


async def apply_plan(
    client: Client,
    report: DriftReport,
    live: LiveState,
    settings: Settings,
    prune: bool,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    result = ApplyResult()
    resolvers: dict[str, LiveResolver] = {}
    for path, matched in report.matched.items():  # ids resolve within their own file
        resolvers[path] = LiveResolver(live, None)
        resolvers[path].matched = dict(matched)
    for model in PHASES:
        work = [obj for obj in report.objects if obj.model == model and obj.action in ("create", "change")]
        await asyncio.gather(
            *(_write(client, obj, live, resolvers[obj.path], settings, result, progress) for obj in work)
        )
    if prune:
        for model in reversed(PHASES):
            doomed = [obj for obj in report.objects if obj.model == model and obj.action == "delete"]
            await asyncio.gather(*(_delete(client, obj, live, result, progress) for obj in doomed))
    return result


async def _write(
    client: Client,
    obj: ObjectDrift,
    live: LiveState,
    resolver: LiveResolver,
    settings: Settings,
    result: ApplyResult,
    progress: Callable[[int], None] | None,
) -> None:
    entry = obj.entry
    assert entry is not None
    body, unresolved = _body(obj, resolver, settings)
    try:
        if unresolved:
            marker = unresolved[0]
            raise _Refused(
                Failure(
                    obj.path,
                    marker.line,
                    marker.column,
                    f"{obj.model} '{obj.name}': {marker.tag} cannot be resolved ({marker.reason})",
                )
            )
        if obj.action == "create":
            _check_body(obj, body, settings)
            response = await client.request("POST", ENDPOINTS[obj.model], json=body)
            created = response.json() if response is not None else {}
            resolver.matched[entry.id or f"#{entry.index}"] = str(created.get("pk"))
            live.add(obj.model, created)
            result.created += 1
        else:
            patch = _patch(obj, body)
            await client.request("PATCH", _detail(obj, live), json=patch)
            result.updated += 1
    except _Refused as refused:
        result.failures.append(refused.failure)
    except ApiError as error:
        result.failures.extend(_map_errors(obj, error))
    finally:
        if progress is not None:
            progress(1)


async def _delete(
    client: Client, obj: ObjectDrift, live: LiveState, result: ApplyResult, progress: Callable[[int], None] | None
) -> None:
    try:
        await client.request("DELETE", _detail(obj, live), missing_ok=True)
        result.deleted += 1
    except ApiError as error:
        result.failures.append(Failure(obj.path, obj.line, 1, f"{obj.model} '{obj.name}': {error}"))
    finally:
        if progress is not None:
            progress(1)


class _Refused(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _body(obj: ObjectDrift, resolver: LiveResolver, settings: Settings) -> tuple[dict[str, Any], list[Unresolved]]:
    """The entry's data resolved now: entries created earlier in this run have pks by now."""
    entry = obj.entry
    assert entry is not None
    spec = model_spec(entry.model, settings.release)
    writable = spec.writable if spec else {}
    resolver.unresolved = []
    body = {key: resolver.value(pair.value) for key, pair in entry.data().items() if key in writable}
    return body, list(resolver.unresolved)


def _check_body(obj: ObjectDrift, body: dict[str, Any], settings: Settings) -> None:
    """Refuse a create body authentik would reject, before sending it."""
    from avlint.engine import lint_data

    findings = lint_data(obj.path, obj.model, body, settings).findings
    rejected = [f for f in findings if f.severity == "error" and f.effect == "rejected"]
    if rejected:
        raise _Refused(
            Failure(
                obj.path,
                obj.line,
                1,
                f"{obj.model} '{obj.name}' not created: [{rejected[0].rule} {rejected[0].name}] {rejected[0].message}",
            )
        )


def _patch(obj: ObjectDrift, body: dict[str, Any]) -> dict[str, Any]:
    """Only the changed fields; `configuration_stages` rides along with `configure`, because
    authentik checks that rule against the request body alone."""
    patch = {change.field: body[change.field] for change in obj.changes if change.field in body}
    if patch.get("not_configured_action") == "configure" and "configuration_stages" in body:
        patch["configuration_stages"] = body["configuration_stages"]
    return patch


def _detail(obj: ObjectDrift, live: LiveState) -> str:
    if obj.model == FLOW:  # flows are addressed by slug
        flow = live.by_pk(FLOW, obj.live_pk or "")
        return f"{ENDPOINTS[FLOW]}{flow['slug'] if flow else obj.name}/"
    return f"{ENDPOINTS[obj.model]}{obj.live_pk}/"


def _map_errors(obj: ObjectDrift, error: ApiError) -> list[Failure]:
    """Server field errors pointed back at the field's position in the file."""
    entry = obj.entry
    fields = error.field_errors
    if not fields or entry is None:
        return [Failure(obj.path, obj.line, 1, f"{obj.model} '{obj.name}': {error}")]
    data = entry.data()
    failures = []
    for name, messages in fields.items():
        line, column = start(data[name].value) if name in data else (obj.line, 1)
        failures.append(Failure(obj.path, line, column, f"{obj.model} '{obj.name}': {name}: {_messages(messages)}"))
    return failures


def _messages(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"item {key}: {_messages(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return " ".join(str(message) for message in messages)
    return str(messages)
