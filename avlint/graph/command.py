"""`avlint graph`: read the files, lint them, optionally compare with a server, draw, write.

Exit status: 0 when the drawing was made; 1 when some file could not be read as a blueprint
(it is left out of the drawing and reported); 2 for usage errors, unreadable paths, a `--flow`
no file draws, a live source that fails, or an output file that cannot be written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from avlint.settings_options import SettingsOptions, build_settings
from avlint.usage import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.graph.model import FlowGraph
    from avlint.graph.summary import FileInfo
    from avlint.live.command import ServerOptions
    from avlint.live.connection import Connection
    from avlint.live.drift import DriftReport
    from avlint.live.state import LiveState
    from avlint.settings import Settings
    from avlint.versions import Release


@dataclass(frozen=True)
class GraphRequest:
    paths: tuple[str, ...]
    options: SettingsOptions
    output_format: str = "mermaid"
    flows: tuple[str, ...] = ()
    output: str | None = None
    live_file: str | None = None
    server: ServerOptions | None = None


class _Failed(Exception):
    """A problem already worth exit 2; its message is printed as is."""


def run_graph(request: GraphRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    if request.server is None or not _has_url(request):
        return _run_graph(request, out, err, cwd, None)
    # A run that talks to a server holds its token: every stream and the drawing go through the
    # same redaction as the live commands', so server text that echoes the token cannot show it.
    from avlint.live.command import guarded_streams

    redact, out, err = guarded_streams(request.server, out, err)
    try:
        return _run_graph(request, out, err, cwd, redact)
    finally:
        out.flush()
        err.flush()


def _run_graph(
    request: GraphRequest, out: TextIO, err: TextIO, cwd: Path | None, redact: Callable[[str], str] | None
) -> int:
    from avlint.graph.render import render

    try:
        settings = _settings(request.options, cwd)
        infos, problems = load_and_lint(list(request.paths), settings, err)
        drift = _live_drift(request, infos, settings) if (request.live_file or _has_url(request)) else None
        graphs = select_flows(_graphs(infos, drift), request.flows)
        text = render(request.output_format, graphs, live=drift is not None)
        if redact is not None:
            text = redact(text)
        _write(text, request.output, out)
    except _Failed as failure:
        err.write(f"avlint: error: {failure}\n")
        return EXIT_USAGE
    if not graphs:
        err.write("avlint: no flow in the given files (a flow entry, or a stage binding's target)\n")
    if request.output:
        err.write(f"avlint: drew {len(graphs)} flow{'s' if len(graphs) != 1 else ''} in {request.output}\n")
    return EXIT_USAGE if problems.unreadable else (1 if problems.unparsed else 0)


def _has_url(request: GraphRequest) -> bool:
    """Whether a server was named: with --url or --context."""
    return request.server is not None and bool(request.server.url or request.server.contexts)


def _settings(options: SettingsOptions, cwd: Path | None) -> Settings:
    auto = options.target_version == "auto"
    try:
        settings, _ = build_settings(options._replace(target_version=None) if auto else options, cwd or Path.cwd())
    except UsageError as error:
        raise _Failed(str(error)) from None
    return settings


@dataclass
class Problems:
    unreadable: int = 0  # paths that cannot be read at all (exit 2)
    unparsed: int = 0  # files that are not a readable blueprint (exit 1)


def load_and_lint(paths: list[str], settings: Settings, err: TextIO) -> tuple[list[FileInfo], Problems]:
    """Every file linted and summarised, in worker processes when there are many. A path that
    cannot be read, or a file that does not parse, is reported with its position."""
    from functools import partial

    from avlint.discovery import discover, empty_folder_warnings, named_files
    from avlint.graph.summary import summarise_file
    from avlint.kind import skip_note
    from avlint.workers import map_paths

    files, errors = discover(paths, settings.exclude)
    err.writelines(empty_folder_warnings(list(paths), files, "drawn"))
    named = named_files(paths, files)
    problems = Problems(unreadable=len(errors))
    for error in errors:
        err.write(f"{error.path}: error: {error.reason}\n")
    infos = map_paths(partial(summarise_file, settings=settings), files, settings)
    for info in infos:
        if info.skipped and info.path in named:
            err.write(skip_note(info.path, info.skipped))
        elif info.unreadable:
            err.write(f"{info.path}: error: {info.unreadable}\n")
            problems.unreadable += 1
        elif info.problem:
            err.write(f"{info.path}:{info.problem.replace(': ', ': error: not drawn: ', 1)}\n")
            problems.unparsed += 1
    return [info for info in infos if not info.unreadable], problems


def _graphs(infos: list[FileInfo], drift: DriftReport | None) -> list[FlowGraph]:
    from avlint.graph.drift import graphs_with_drift

    return graphs_with_drift(infos, drift)


def select_flows(graphs: list[FlowGraph], slugs: tuple[str, ...]) -> list[FlowGraph]:
    if not slugs:
        return graphs
    known = {graph.slug for graph in graphs}
    missing = [slug for slug in slugs if slug not in known]
    if missing:
        shown = ", ".join(sorted(known)) or "none"
        raise _Failed(f"--flow {', '.join(missing)}: no such flow in the given files (flows: {shown})")
    return [graph for graph in graphs if graph.slug in slugs]


def _live_drift(request: GraphRequest, infos: list[FileInfo], settings: Settings) -> DriftReport:
    """Drift against a saved listing or a server, as `avlint diff` computes it (on the parsed
    documents, read again here: only a live run needs them)."""
    from avlint.graph.summary import parse_document
    from avlint.live.client import ApiError
    from avlint.live.command import RunDeadline
    from avlint.live.connection import ConnectionError_
    from avlint.live.drift import compute_drift
    from avlint.loader.problems import ContentProblem
    from avlint.loader.source import read_source
    from avlint.versions import UnknownVersionError

    try:
        if request.live_file:
            from avlint.live.state import load_state

            state, release = load_state(request.live_file), settings.release
        else:
            from avlint.live.command import connection_from, within

            assert request.server is not None
            connection = connection_from(request.server)
            state, release = within(connection.run_timeout, _fetch(connection, request.options, settings))
    except (ConnectionError_, ApiError, UnknownVersionError, RunDeadline) as error:
        raise _Failed(str(error)) from None
    except (OSError, ValueError) as error:
        raise _Failed(f"--live-file {request.live_file}: {error}") from None
    documents = []
    for info in infos:
        if info.entries:
            try:
                document = parse_document(info.path, read_source(info.path, settings.max_file_size).text)
            except (ContentProblem, OSError):
                continue
            if document is not None:
                documents.append((info.path, document))
    return compute_drift(documents, state, release)


async def _fetch(connection: Connection, options: SettingsOptions, settings: Settings) -> tuple[LiveState, Release]:
    from avlint.live.client import Client
    from avlint.live.command import resolve_target
    from avlint.live.drift import MODELS
    from avlint.live.state import fetch_state

    async with Client(connection) as client:
        release = await resolve_target(client, options.target_version) or settings.release
        return await fetch_state(client, set(MODELS)), release


def _write(text: str, output: str | None, out: TextIO) -> None:
    if output is None:
        out.write(text)
        return
    from avlint.atomic_write import write_file

    try:
        write_file(output, text)
    except OSError as error:
        raise _Failed(f"cannot write {output}: {error.strerror or error}") from None
