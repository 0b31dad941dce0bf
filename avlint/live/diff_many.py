"""`avlint diff --context A --context B ...`: the files against several servers at once.

Each server is fetched in its own thread, with its own client and its own run deadline, so a
slow or unreachable one neither holds up nor fails the others. The files are read once, while
the servers answer. Each server gets its own section (its context's name and URL, never its
token), and the exit status is the worst of them: 2 when any failed, else 1 when any drifted.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from avlint.live.command import (
    EXIT_DRIFT,
    DiffRequest,
    RunDeadline,
    asks_the_server,
    blueprint_environ,
    connection_from,
    fetch_live,
    flushed,
    guarded_streams,
    load_documents,
    run_diff,
    within,
)
from avlint.live.server_options import ServerOptions
from avlint.settings_options import build_settings
from avlint.usage import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.live.connection import Connection
    from avlint.live.drift import DriftReport
    from avlint.live.state import LiveState
    from avlint.versions import Release

# Threads at most: each is one server's client (with its own bound on requests in flight).
MAX_SERVERS_AT_ONCE = 16


@dataclass
class ServerResult:
    name: str
    url: str
    report: DriftReport | None = None
    release: Release | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None or self.report is None:
            return EXIT_USAGE
        return EXIT_DRIFT if self.report.drifted or self.report.orphans else 0


def run_diff_many(request: DiffRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    """The files against every server `request.server.contexts` names; the worst exit status."""
    if request.output_format == "html" and len(set(request.server.contexts)) == 1:
        return run_diff(request, out, err, cwd)  # one server's drift drawn, as with --url
    _, out, err = guarded_streams(request.server, out, err)  # every context's token is redacted
    with flushed(out, err):
        return _run_diff_many(request, out, err, cwd)


def _run_diff_many(request: DiffRequest, out: TextIO, err: TextIO, cwd: Path | None) -> int:
    from avlint.live.connection import ConnectionError_
    from avlint.live.contexts import resolve
    from avlint.live.drift import MODELS
    from avlint.live.environ import EnvFileError, read_env_file

    if request.output_format == "html":
        err.write("avlint: error: --format html draws one server: give one --context, or use text or json\n")
        return EXIT_USAGE
    here = cwd or Path.cwd()
    auto = asks_the_server(request.options, here)
    options = (
        request.options._replace(target_version=None) if request.options.target_version == "auto" else request.options
    )
    try:
        settings, _ = build_settings(options, here)
        env_file = read_env_file(request.env_file) if request.env_file else None
        servers = [(context.name, server) for context, server in resolve(request.server, os.environ)]
        # Every setting of every server is checked before the first request goes out.
        connections = [(name, server, connection_from(server)) for name, server in servers]
    except (UsageError, EnvFileError, ConnectionError_) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    models = set(MODELS)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=min(MAX_SERVERS_AT_ONCE, len(connections))) as pool:
        futures = [
            pool.submit(_fetch_one, connection, auto, settings.release, models, stop)
            for _, _, connection in connections
        ]
        try:
            documents, problems = load_documents(list(request.paths), settings, err)  # while the servers answer
            fetched = [_outcome(future) for future in futures]
        except BaseException:  # Ctrl-C: the threads stop now, not at their deadlines
            stop.set()
            raise
    environ = blueprint_environ(request, err, documents, env_file)
    results = []
    for (name, server, _), (answer, failure) in zip(connections, fetched, strict=True):
        result = ServerResult(name, _shown_url(server))
        if failure is not None:
            result.error = failure
            err.write(f"avlint: error: context '{name}': {failure}\n")
        else:
            from avlint.live.drift import compute_drift

            assert answer is not None
            state, release = answer
            result.report, result.release = compute_drift(documents, state, release, environ), release
            if not request.orphans:
                result.report.orphans = []
        results.append(result)
    if request.output_format == "json":
        _render_json(results, out, request.show_defaults)
    else:
        _render_text(results, out, request.colour, request.show_defaults)
    worst = max(result.exit_code for result in results)
    return EXIT_USAGE if problems else worst


def _fetch_one(
    connection: Connection, auto: bool, release: Release, models: set[str], stop: threading.Event
) -> tuple[LiveState, Release]:
    """One server's lists, in this thread's own event loop, within its own run deadline; given
    up (its requests cancelled) as soon as `stop` is set."""

    async def watched() -> tuple[LiveState, Release]:
        work = asyncio.ensure_future(fetch_live(connection, auto, release, models))
        while not work.done():
            if stop.is_set():
                work.cancel()
            await asyncio.wait({work}, timeout=0.1)
        return work.result()

    return within(connection.run_timeout, watched())


def _outcome(future: Future[tuple[LiveState, Release]]) -> tuple[tuple[LiveState, Release] | None, str | None]:
    from avlint.live.client import ApiError
    from avlint.live.connection import ConnectionError_
    from avlint.versions import UnknownVersionError

    try:
        return future.result(), None
    except (ApiError, ConnectionError_, UnknownVersionError, RunDeadline) as error:
        return None, str(error)


def _shown_url(server: ServerOptions) -> str:
    from avlint.live.contexts import normalised_url

    return normalised_url(server.url or "")


def _render_text(results: list[ServerResult], out: TextIO, colour: bool, show_defaults: bool) -> None:
    from avlint.live.render import render_text

    for index, result in enumerate(results):
        if index:
            out.write("\n")
        header = f"== {result.name} ({result.url}) =="
        out.write((f"\033[1m{header}\033[0m" if colour else header) + "\n")
        if result.report is None:
            out.write(f"Not checked: {result.error}\n")
        else:
            render_text(result.report, out, colour, show_defaults, release=result.release)
    counts = {
        "in sync": sum(1 for r in results if r.exit_code == 0),
        "with drift": sum(1 for r in results if r.exit_code == EXIT_DRIFT),
        "not checked": sum(1 for r in results if r.exit_code == EXIT_USAGE),
    }
    servers = f"{len(results)} server{'s' if len(results) != 1 else ''}"
    out.write(f"\n{servers}: {', '.join(f'{count} {what}' for what, count in counts.items())}.\n")


def _render_json(results: list[ServerResult], out: TextIO, show_defaults: bool) -> None:
    from avlint.live.render import drift_document, write_json

    servers: list[dict[str, Any]] = []
    for result in results:
        entry: dict[str, Any] = {"context": result.name, "url": result.url, "exit": result.exit_code}
        if result.report is None:
            entry["error"] = result.error
        else:
            entry["release"] = str(result.release)
            entry.update(drift_document(result.report, show_defaults))
        servers.append(entry)
    write_json({"version": 1, "contexts": servers}, out)
