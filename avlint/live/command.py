"""`avlint diff`: drift between blueprint files and a live authentik (or a saved listing)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from yaml.nodes import MappingNode

from avlint.blueprint import Document, build_document, classify
from avlint.run import EXIT_USAGE, LintRequest, UsageError, build_settings

EXIT_DRIFT = 1


@dataclass(frozen=True)
class ServerOptions:
    url: str | None = None
    token: str | None = None
    token_file: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    allow_http: bool = False
    connect_timeout: float | None = None
    read_timeout: float | None = None
    max_retries: int | None = None
    concurrency: int | None = None


@dataclass(frozen=True)
class DiffRequest:
    lint: LintRequest
    server: ServerOptions
    live_file: str | None = None
    output_format: str = "text"
    show_defaults: bool = False
    orphans: bool = False
    colour: bool = False


def load_documents(paths: list[str], settings, err: TextIO) -> tuple[list[tuple[str, Document]], int]:
    """Blueprints of the given paths, parsed on the lint path; unreadable ones are reported."""
    from avlint.discovery import discover
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import read_source
    from avlint.loader.yaml_nodes import compose

    files, errors = discover(paths, settings.exclude)
    documents = []
    problems = len(errors)
    for error in errors:
        err.write(f"{error.path}: error: {error.reason}\n")
    for path in files:
        try:
            root = compose(read_source(path, settings.max_file_size).text) if not path.endswith(".json") else None
        except PathError as error:
            err.write(f"{error.path}: error: {error.reason}\n")
            problems += 1
            continue
        except ContentProblem as problem:
            err.write(f"{path}:{problem.line}:{problem.column}: error: {problem.message}\n")
            problems += 1
            continue
        if isinstance(root, MappingNode) and classify(root) == "blueprint":
            documents.append((path, build_document(path, root, api_body=False)))
    return documents, problems


def connection_from(options: ServerOptions):
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
    )


async def resolve_target(client, request_version: str | None):
    """`--target-version auto` asks the server."""
    from avlint.versions import resolve_release

    if request_version == "auto":
        return resolve_release(await client.version())
    return None


def run_diff(request: DiffRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.live.client import ApiError
    from avlint.live.connection import ConnectionError_
    from avlint.live.drift import MODELS, compute_drift
    from avlint.live.render import render_html, render_json, render_text
    from avlint.live.state import load_state
    from avlint.versions import UnknownVersionError

    auto = request.lint.target_version == "auto"
    lint = request.lint if not auto else request.lint._replace(target_version=None)
    try:
        settings, _ = build_settings(lint, cwd or Path.cwd())
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    paths = list(request.lint.paths)
    try:
        if request.live_file:
            documents, problems = load_documents(paths, settings, err)
            state, release = load_state(request.live_file), settings.release
        else:
            # Every list is fetched: orphans need the stages, `!Find` may name a flow or a stage
            # that no entry of the files defines. The server sets the pace, so the files are read
            # while the first requests are out.
            connection = connection_from(request.server)
            (documents, problems), (state, release) = asyncio.run(
                _fetch_while(
                    lambda: load_documents(paths, settings, err), connection, auto, settings.release, set(MODELS)
                )
            )
    except (ConnectionError_, ApiError, UnknownVersionError) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    except (OSError, ValueError) as error:
        err.write(f"avlint: error: --live-file {request.live_file}: {error}\n")
        return EXIT_USAGE
    report = compute_drift(documents, state, release)
    if not request.orphans:
        report.orphans = []
    if request.output_format == "json":
        render_json(report, out, request.show_defaults)
    elif request.output_format == "html":
        render_html(report, documents, settings, out)
    else:
        render_text(report, out, request.colour, request.show_defaults)
    if problems:
        return EXIT_USAGE
    return EXIT_DRIFT if report.drifted or report.orphans else 0


async def _fetch_while(load, connection, auto: bool, release, models: set[str]):
    """`load()` in a thread while the lists are fetched; both results. When the fetch fails, the
    files are still read to the end first, so their problems are reported before the error."""
    loading = asyncio.ensure_future(asyncio.to_thread(load))
    try:
        fetched = await _fetch(connection, auto, release, models)
    finally:
        loaded = await loading
    return loaded, fetched


async def _fetch(connection, auto: bool, release, models: set[str]):
    from avlint.live.client import Client
    from avlint.live.state import fetch_state

    async with Client(connection) as client:
        if auto:
            release = await resolve_target(client, "auto")
        state = await fetch_state(client, models)
    return state, release


@dataclass(frozen=True)
class ApplyRequest:
    diff: DiffRequest
    yes: bool = False
    prune: bool = False
    progress: bool = False


def run_apply(request: ApplyRequest, out: TextIO, err: TextIO, cwd: Path | None = None, progress_factory=None) -> int:
    """Print the plan; with --yes, carry it out. 0 when everything succeeded, 1 otherwise."""
    from avlint.live.client import ApiError, Client
    from avlint.live.connection import ConnectionError_
    from avlint.live.drift import MODELS, compute_drift
    from avlint.live.render import render_text
    from avlint.live.state import fetch_state
    from avlint.versions import UnknownVersionError

    diff = request.diff
    auto = diff.lint.target_version == "auto"
    lint = diff.lint if not auto else diff.lint._replace(target_version=None)
    try:
        settings, _ = build_settings(lint, cwd or Path.cwd())
        connection = connection_from(diff.server)
    except (UsageError, ConnectionError_) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    documents, problems = load_documents(list(diff.lint.paths), settings, err)
    if problems:
        return EXIT_USAGE
    models = set(MODELS)

    async def session() -> int:
        from avlint.live.apply import apply_plan

        async with Client(connection) as client:
            release = (await resolve_target(client, "auto")) if auto else settings.release
            state = await fetch_state(client, models)
            report = compute_drift(documents, state, release)
            report.orphans = []
            render_text(report, out, diff.colour)
            work = [
                obj
                for obj in report.objects
                if obj.action in ("create", "change") or (request.prune and obj.action == "delete")
            ]
            if not work:
                if any(obj.action == "delete" for obj in report.objects):
                    out.write("Objects marked `state: absent` are only deleted with --prune.\n")
                return 0
            if not request.yes:
                out.write("Nothing changed: run again with --yes to apply this plan.\n")
                return 0
            run_settings = settings if not auto else _with_release(settings, release)
            bar = progress_factory(len(work)) if progress_factory is not None else None
            result = await apply_plan(client, report, state, run_settings, request.prune, bar.update if bar else None)
            if bar is not None:
                bar.finish()
            for failure in result.failures:
                err.write(f"{failure.path}:{failure.line}:{failure.column}: error: {failure.message}\n")
            out.write(
                f"Applied: {result.created} created, {result.updated} updated, {result.deleted} deleted, {len(result.failures)} failed ({client.stats.requests} requests, at most {client.stats.max_in_flight} in flight).\n"
            )
            return 1 if result.failures else 0

    try:
        return asyncio.run(session())
    except (ApiError, UnknownVersionError) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE


def _with_release(settings, release):
    return settings._replace(release=release)
