"""`avlint diff`: drift between blueprint files and a live authentik (or a saved listing)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from yaml.nodes import MappingNode

from avlint.blueprint import Document, build_document
from avlint.live.server_options import ServerOptions as ServerOptions  # re-exported: the commands import it from here
from avlint.settings_options import SettingsOptions, build_settings
from avlint.usage import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from avlint.live.apply import ApplyResult
    from avlint.live.client import Client, Stats
    from avlint.live.connection import Connection
    from avlint.live.redact import Redactor
    from avlint.live.state import LiveState
    from avlint.settings import Settings
    from avlint.versions import Release

EXIT_DRIFT = 1


@dataclass(frozen=True)
class DiffRequest:
    paths: tuple[str, ...]
    options: SettingsOptions
    server: ServerOptions
    live_file: str | None = None
    output_format: str = "text"
    show_defaults: bool = False
    orphans: bool = False
    colour: bool = False
    env_file: str | None = None  # KEY=VALUE lines for `!Env`, used as given


T = TypeVar("T")


class RunDeadline(Exception):
    """The whole run took longer than --timeout."""


def guarded_streams(server: ServerOptions, out: TextIO, err: TextIO) -> tuple[Redactor, TextIO, TextIO]:
    """The redactor for this run's token, and the output streams passed through it: whatever
    a message holds (server text included), the token does not reach the user."""
    from avlint.live.redact import RedactingStream, Redactor

    redact = Redactor(_secrets(server))
    return redact, RedactingStream(out, redact), RedactingStream(err, redact)  # type: ignore[return-value]


def _secrets(server: ServerOptions) -> list[str | None]:
    """Every value that may be avlint's API token in this run, wherever it came from."""
    secrets: list[str | None] = [server.token, os.environ.get("AUTHENTIK_TOKEN")]
    if server.contexts:
        from avlint.live.contexts import ContextError, resolve

        with contextlib.suppress(ContextError):  # reported when the connection is made
            for _, options in resolve(server, os.environ):
                secrets.extend(_secrets(options))
    if server.token_file:
        from avlint.live.connection import TokenFileError, read_token_file

        with contextlib.suppress(TokenFileError):  # reported when the connection is made
            secrets.extend(line.strip() for line in read_token_file(server.token_file).splitlines())
    return [secret.strip() if secret else None for secret in secrets]


@contextlib.contextmanager
def flushed(*streams: TextIO) -> Iterator[None]:
    """Pass on what the redacting streams still hold, however the command ends."""
    try:
        yield
    finally:
        for stream in streams:
            stream.flush()


def within(seconds: float, work: Coroutine[Any, Any, T]) -> T:
    """Run `work` in a fresh event loop, ended after `seconds` (the run's --timeout)."""

    async def bounded() -> T:
        try:
            async with asyncio.timeout(seconds):
                return await work
        except TimeoutError:
            raise RunDeadline(
                f"the run did not finish within {seconds:g} seconds (--timeout); nothing more was sent"
            ) from None

    return asyncio.run(bounded())


def blueprint_environ(
    request: DiffRequest, err: TextIO, documents: list[tuple[str, Document]], env_file: dict[str, str] | None
) -> dict[str, str]:
    """The environment `!Env` resolves from, without avlint's own credentials; each `!Env` that
    asks for them is reported."""
    from avlint.live.environ import live_environ, withheld_uses

    environ, withheld = live_environ(os.environ, _secrets(request.server), env_file)
    for use in withheld_uses(documents, withheld):
        err.write(use.message() + "\n")
    return environ


def load_documents(paths: list[str], settings: Settings, err: TextIO) -> tuple[list[tuple[str, Document]], int]:
    """Blueprints of the given paths, parsed on the lint path; unreadable ones are reported."""
    from avlint.discovery import discover, empty_folder_warnings, named_files
    from avlint.kind import BLUEPRINT, classify_text, skip_note
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import read_source

    files, errors = discover(paths, settings.exclude)
    err.writelines(empty_folder_warnings(list(paths), files, "read"))
    named = named_files(paths, files)
    documents: list[tuple[str, Document]] = []
    problems = len(errors)
    for error in errors:
        err.write(f"{error.path}: error: {error.reason}\n")
    for path in files:
        json = path.endswith(".json")  # API bodies and JSON blueprints are not applied
        try:
            verdict, root = classify_text(path, read_source(path, settings.max_file_size).text)
        except PathError as error:
            err.write(f"{error.path}: error: {error.reason}\n")
            problems += 1
            continue
        except ContentProblem as problem:
            if not json:
                err.write(f"{path}:{problem.line}:{problem.column}: error: {problem.message}\n")
                problems += 1
            continue
        if not verdict.linted:
            err.write(skip_note(path, verdict.reason) if path in named else "")
        elif not json and isinstance(root, MappingNode) and verdict.kind == BLUEPRINT:
            documents.append((path, build_document(path, root, api_body=False)))
    return documents, problems


def connection_from(options: ServerOptions) -> Connection:
    """The connection the options describe; with `--context`, the one server it names (only
    `diff` takes several, in avlint.live.diff_many)."""
    from avlint.live.connection import ConnectionError_

    if options.contexts:
        from avlint.live.contexts import ContextError, resolve

        servers = resolve(options, os.environ)
        if len(servers) > 1:
            raise ContextError(
                "this command works on one server at a time: give one --context (only diff checks several at once)"
            )
        options = servers[0][1]
    try:
        return _connection(options)
    except ConnectionError_ as error:
        if options.context_name is None:
            raise
        raise type(error)(f"context '{options.context_name}': {error}") from None


def _connection(options: ServerOptions) -> Connection:
    from avlint.live.connection import make_connection

    return make_connection(
        options.url,
        options.token,
        options.token_file,
        options.ca_bundle,
        options.insecure,
        options.allow_http,
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        max_retries=options.max_retries,
        concurrency=options.concurrency,
        run_timeout=options.timeout,
    )


async def resolve_target(client: Client, request_version: str | None) -> Release | None:
    """The server's release for `--target-version auto`, else None (kept for `avlint graph`)."""
    return await server_release(client) if request_version == "auto" else None


async def server_release(client: Client) -> Release:
    """`--target-version auto`: the release the server reports."""
    from avlint.versions import resolve_release

    return resolve_release(await client.version())


def asks_the_server(options: SettingsOptions, cwd: Path) -> bool:
    """Whether the target release is the server's own: with `--target-version auto`, and by
    default when neither the command line nor a config file names one (a plan for a release the
    server does not run would send fields it lacks)."""
    if options.target_version is not None:
        return options.target_version == "auto"
    if options.spec is not None:
        return False  # a spec snapshot names its release
    if options.isolated:
        return True
    from avlint.config import ConfigError, find_config, load_config

    path = Path(options.config) if options.config else find_config(cwd)
    if path is None or not path.is_file():
        return True
    try:
        return load_config(path).target_version is None
    except ConfigError:
        return False  # build_settings reports the problem


def run_diff(request: DiffRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    _, out, err = guarded_streams(request.server, out, err)
    with flushed(out, err):
        return _run_diff(request, out, err, cwd)


def _run_diff(request: DiffRequest, out: TextIO, err: TextIO, cwd: Path | None) -> int:
    from avlint.live.client import ApiError
    from avlint.live.connection import ConnectionError_
    from avlint.live.drift import MODELS, compute_drift
    from avlint.live.environ import EnvFileError, read_env_file
    from avlint.live.render import render_html, render_json, render_text
    from avlint.live.state import load_state
    from avlint.versions import UnknownVersionError

    auto = asks_the_server(request.options, cwd or Path.cwd()) and not request.live_file
    options = (
        request.options._replace(target_version=None) if request.options.target_version == "auto" else request.options
    )
    try:
        settings, _ = build_settings(options, cwd or Path.cwd())
        env_file = read_env_file(request.env_file) if request.env_file else None
    except (UsageError, EnvFileError) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    paths = list(request.paths)
    try:
        if request.live_file:
            documents, problems = load_documents(paths, settings, err)
            try:
                state, release = load_state(request.live_file), settings.release
            except (OSError, ValueError, RecursionError) as error:
                err.write(f"avlint: error: --live-file {request.live_file}: {_reason(error)}\n")
                return EXIT_USAGE
        else:
            # Every list is fetched: orphans need the stages, `!Find` may name a flow or a stage
            # that no entry of the files defines. The server sets the pace, so the files are read
            # while the first requests are out.
            connection = connection_from(request.server)
            (documents, problems), (state, release) = within(
                connection.run_timeout,
                _fetch_while(
                    lambda: load_documents(paths, settings, err), connection, auto, settings.release, set(MODELS)
                ),
            )
    except (ConnectionError_, ApiError, UnknownVersionError, RunDeadline) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    report = compute_drift(documents, state, release, blueprint_environ(request, err, documents, env_file))
    if not request.orphans:
        report.orphans = []
    if request.output_format == "json":
        render_json(report, out, request.show_defaults)
    elif request.output_format == "html":
        render_html(report, documents, settings, out)
    else:
        render_text(report, out, request.colour, request.show_defaults, release=release)
    if problems:
        return EXIT_USAGE
    return EXIT_DRIFT if report.drifted or report.orphans else 0


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or error.__class__.__name__
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


async def _fetch_while(
    load: Callable[[], tuple[list[tuple[str, Document]], int]],
    connection: Connection,
    auto: bool,
    release: Release,
    models: set[str],
) -> tuple[tuple[list[tuple[str, Document]], int], tuple[LiveState, Release]]:
    """`load()` in a thread while the lists are fetched; both results. When the fetch fails, the
    files are still read to the end first, so their problems are reported before the error."""
    loading = asyncio.ensure_future(asyncio.to_thread(load))
    try:
        fetched = await fetch_live(connection, auto, release, models)
    finally:
        loaded = await loading
    return loaded, fetched


async def fetch_live(
    connection: Connection, auto: bool, release: Release, models: set[str]
) -> tuple[LiveState, Release]:
    """What the server holds, and the release to target (the server's own when `auto`). The
    version and the first page of every list go out together: at a real server's pace (0.5 s
    a page) waiting for the version first would add a whole round trip."""
    from avlint.live.client import Client
    from avlint.live.state import fetch_state

    async with Client(connection) as client:
        state = await fetch_state(client, models)  # asks the version along with the lists
        if auto:
            release = await server_release(client)  # the answer fetch_state already has
    return state, release


@dataclass(frozen=True)
class ApplyRequest:
    diff: DiffRequest
    yes: bool = False
    prune: bool = False
    progress: bool = False


def run_apply(
    request: ApplyRequest, out: TextIO, err: TextIO, cwd: Path | None = None, progress_factory: Any = None
) -> int:
    """Print the plan; with --yes, carry it out. 0 when everything succeeded, 1 when something
    failed, 2 when the run could not go on (connection, an answer that is not the API's)."""
    _, out, err = guarded_streams(request.diff.server, out, err)
    with flushed(out, err):
        return _run_apply(request, out, err, cwd, progress_factory)


def _run_apply(request: ApplyRequest, out: TextIO, err: TextIO, cwd: Path | None, progress_factory: Any) -> int:
    from avlint.live.apply import ApplyResult
    from avlint.live.client import ApiError, Client
    from avlint.live.connection import ConnectionError_
    from avlint.live.drift import MODELS, compute_drift
    from avlint.live.environ import EnvFileError, read_env_file
    from avlint.live.render import render_text
    from avlint.live.state import fetch_state
    from avlint.versions import UnknownVersionError

    diff = request.diff
    auto = asks_the_server(diff.options, cwd or Path.cwd())
    options = diff.options._replace(target_version=None) if diff.options.target_version == "auto" else diff.options
    try:
        settings, _ = build_settings(options, cwd or Path.cwd())
        connection = connection_from(diff.server)
        env_file = read_env_file(diff.env_file) if diff.env_file else None
    except (UsageError, ConnectionError_, EnvFileError) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    documents, problems = load_documents(list(diff.paths), settings, err)
    if problems:
        return EXIT_USAGE
    environ = blueprint_environ(diff, err, documents, env_file)
    models = set(MODELS)
    result = ApplyResult()
    started = False  # whether writes began: from then on, the summary says what was done

    async def session() -> int:
        nonlocal started
        from avlint.live.apply import apply_plan

        async with Client(connection) as client:
            state = await fetch_state(client, models)  # asks the version along with the lists
            release = (await server_release(client)) if auto else settings.release
            report = compute_drift(documents, state, release, environ)
            report.orphans = []
            render_text(report, out, diff.colour, release=release)
            work = [
                obj
                for obj in report.objects
                if obj.action in ("create", "change", "conflict") or (request.prune and obj.action == "delete")
            ]
            if all(obj.action == "conflict" for obj in work) and not request.yes:
                work = []  # nothing --yes would do; the conflicts are in the plan and the exit status
            if not work:
                if any(obj.action == "conflict" for obj in report.objects):
                    return 1
                if any(obj.action == "delete" for obj in report.objects):
                    out.write("Objects marked `state: absent` are only deleted with --prune.\n")
                return 0
            if not request.yes:
                out.write("Nothing changed: run again with --yes to apply this plan.\n")
                return 0
            run_settings = settings if not auto else _with_release(settings, release)
            bar = progress_factory(len(work)) if progress_factory is not None else None
            started = True
            await apply_plan(
                client, report, state, run_settings, request.prune, bar.update if bar else None, environ, result
            )
            if bar is not None:
                bar.finish()
            _report_apply(result, out, err, client.stats)
            if result.fatal is not None:
                err.write(f"avlint: error: {result.fatal}\n")
                return EXIT_USAGE
            return 1 if result.failures or result.skipped else 0

    try:
        return within(connection.run_timeout, session())
    except (ApiError, UnknownVersionError, ConnectionError_, RunDeadline) as error:
        if started:
            _report_apply(result, out, err, None)
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE


def _report_apply(result: ApplyResult, out: TextIO, err: TextIO, stats: Stats | None) -> None:
    for note in result.notes:
        err.write(f"{note.path}:{note.line}:{note.column}: note: {note.message}\n")
    for failure in [*result.failures, *result.skipped]:
        err.write(f"{failure.path}:{failure.line}:{failure.column}: error: {failure.message}\n")
    counts = f" ({stats.requests} requests, at most {stats.max_in_flight} in flight)" if stats is not None else ""
    out.write(f"Applied: {result.summary()}{counts}.\n")


def _with_release(settings: Settings, release: Release) -> Settings:
    return settings.replace(release=release)
