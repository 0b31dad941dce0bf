"""Bring a server in line with the files: create what is missing, patch what changed, delete
(only with prune) what should be absent. Each object is its own request; a failure is reported
with the file position of the field the server complained about, and the run goes on.

Order: flows, then validation stages, then bindings (which point at both); deletions in the
reverse order. Within a phase the requests run concurrently, bounded by the client's limit.

A POST whose answer never came may have created the object: it is looked up before it is sent
again or reported. An answer that is not the API's (`BadAnswer`) stops the run: the writes in
flight finish, no new one starts, and the result says exactly what was done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live.client import ApiError, BadAnswer, Client
from avlint.live.connection import ConnectionError_
from avlint.live.drift import DriftReport, LiveResolver, ObjectDrift, match_entry
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
    skipped: list[Failure] = field(default_factory=list)  # not attempted because something they need failed
    notes: list[Failure] = field(default_factory=list)  # what the user should know about a success
    failed_ids: dict[str, set[str]] = field(default_factory=dict)  # per file: ids of entries not created
    fatal: ApiError | None = None  # the answer that stopped the run
    not_attempted: int = 0  # writes never sent because the run stopped
    in_flight: int = 0  # writes sent and not yet answered

    def summary(self) -> str:
        extra = f", {len(self.skipped)} skipped" if self.skipped else ""
        if self.not_attempted:
            extra += f", {self.not_attempted} not attempted"
        if self.in_flight:
            extra += f", {self.in_flight} unknown (no answer yet when the run stopped)"
        return f"{self.created} created, {self.updated} updated, {self.deleted} deleted, {len(self.failures)} failed{extra}"


async def apply_plan(
    client: Client,
    report: DriftReport,
    live: LiveState,
    settings: Settings,
    prune: bool,
    progress: Callable[[int], None] | None = None,
    environ: dict[str, str] | None = None,
    result: ApplyResult | None = None,
) -> ApplyResult:
    """Carry out the plan; `result` (given by the caller, so that it survives a deadline that
    cancels the run) counts what was done."""
    result = result if result is not None else ApplyResult()
    resolvers: dict[str, LiveResolver] = {}
    for path, matched in report.matched.items():  # ids resolve within their own file
        resolvers[path] = LiveResolver(live, environ if environ is not None else {})
        resolvers[path].matched = dict(matched)
    for obj in report.objects:
        if obj.action == "conflict":  # the server would refuse it: not sent, and what needs it is skipped
            entry = obj.entry
            name = entry.data().get("name") if entry is not None else None
            line, column = start(name.value) if name is not None else (obj.line, 1)
            result.failures.append(Failure(obj.path, line, column, f"{obj.model} '{obj.name}' not created: {obj.note}"))
            if entry is not None:
                result.failed_ids.setdefault(obj.path, set()).add(entry.id or f"#{entry.index}")
            if progress is not None:
                progress(1)
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
    key = entry.id or f"#{entry.index}"
    try:
        if result.fatal is not None:
            result.not_attempted += 1
            return
        blocked = _failed_targets(entry.node, result.failed_ids.get(obj.path, set()))
        if blocked:
            result.failed_ids.setdefault(obj.path, set()).add(key)
            result.skipped.append(
                Failure(
                    obj.path,
                    obj.line,
                    1,
                    f"{obj.model} '{obj.name}' skipped: the entry '{blocked[0]}' it refers to failed to create",
                )
            )
            return
        body, unresolved = _body(obj, resolver, settings)
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
            created = await _create(client, obj, body, live, resolver, result)
            resolver.matched[key] = str(created.get("pk"))
            live.add(obj.model, created)
            result.created += 1
        else:
            patch = _patch(obj, body)
            await _sent(result, client.write("PATCH", _detail(obj, live), patch))
            result.updated += 1
    except _Refused as refused:
        result.failures.append(refused.failure)
        if obj.action == "create":
            result.failed_ids.setdefault(obj.path, set()).add(key)
    except (BadAnswer, ConnectionError_) as error:
        # The server (or what answers in its place) cannot be trusted with more writes.
        result.fatal = result.fatal or (error if isinstance(error, ApiError) else BadAnswer(str(error)))
        result.failed_ids.setdefault(obj.path, set()).add(key)
    except ApiError as error:
        result.failures.extend(_map_errors(obj, error))
        if obj.action == "create":
            result.failed_ids.setdefault(obj.path, set()).add(key)
    finally:
        if progress is not None:
            progress(1)


async def _sent(result: ApplyResult, request: Any) -> Any:
    """Await a write, counting it as in flight meanwhile (for a run stopped by its deadline)."""
    result.in_flight += 1
    try:
        answer = await request
    except asyncio.CancelledError:
        raise  # the run's deadline: sent, never answered, so it stays counted as unknown
    except BaseException:
        result.in_flight -= 1
        raise
    result.in_flight -= 1
    return answer


async def _create(
    client: Client,
    obj: ObjectDrift,
    body: dict[str, Any],
    live: LiveState,
    resolver: LiveResolver,
    result: ApplyResult,
) -> dict[str, Any]:
    """POST the object. When no answer came, the server may have created it anyway: look it up
    and only send it again when it is not there."""
    endpoint = ENDPOINTS[obj.model]
    try:
        created: dict[str, Any] = await _sent(result, client.write("POST", endpoint, body))
        return created
    except ApiError as error:
        if not error.maybe_done or isinstance(error, BadAnswer):
            raise
        first = error
    try:
        found = await _look_up(client, obj, resolver)
    except ApiError as error:
        raise ApiError(
            f"{first}; the object may have been created, and looking it up failed too ({error}): run `avlint diff` to see"
        ) from None
    if found is not None:
        result.notes.append(
            Failure(obj.path, obj.line, 1, f"{obj.model} '{obj.name}': {first}; looked up: it was created")
        )
        return found
    try:
        created = await _sent(result, client.write("POST", endpoint, body))
    except ApiError as error:
        if isinstance(error, BadAnswer):
            raise
        raise ApiError(
            f"{first}; looked up: it was not created; sent again: {error}", error.status, error.body
        ) from None
    result.notes.append(
        Failure(
            obj.path,
            obj.line,
            1,
            f"{obj.model} '{obj.name}': {first}; looked up: it was not created; sent again: created",
        )
    )
    return created


async def _look_up(client: Client, obj: ObjectDrift, resolver: LiveResolver) -> dict[str, Any] | None:
    """The entry's object as the server has it now, found as the importer would find it."""
    assert obj.entry is not None
    objects = await client.list_all(ENDPOINTS[obj.model])
    return match_entry(obj.entry, LiveState({obj.model: objects}), resolver)


def _failed_targets(node: Node, failed: set[str]) -> list[str]:
    """The ids of failed entries this entry points at with `!KeyOf`."""
    if not failed:
        return []
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.tag == "!KeyOf" and isinstance(current, ScalarNode):
            if current.value in failed:
                found.append(current.value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            stack.extend(value for _, value in current.value)
    return sorted(found)


async def _delete(
    client: Client, obj: ObjectDrift, live: LiveState, result: ApplyResult, progress: Callable[[int], None] | None
) -> None:
    try:
        if result.fatal is not None:
            result.not_attempted += 1
            return
        await _sent(result, client.delete(_detail(obj, live)))
        result.deleted += 1
    except (BadAnswer, ConnectionError_) as error:
        result.fatal = result.fatal or (error if isinstance(error, ApiError) else BadAnswer(str(error)))
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
    spec = model_spec(entry.model, settings.release) if entry.model else None
    writable = spec.writable if spec else {}
    resolver.unresolved = []
    body = {key: resolver.evaluate(pair.value) for key, pair in entry.data().items() if key in writable}
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
