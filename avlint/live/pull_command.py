"""`avlint pull`: read the server, build every file, check them all, then write.

Everything that can refuse the run is decided before the first file is written: a file that
exists already (replaced only with --force), a path that is a folder. So a refused run leaves
--out exactly as it was. A file that would not lint clean is reported and left out, and the run
fails, but the other files are still written: each is valid on its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE
from avlint.live.command import RunDeadline, ServerOptions, connection_from, guarded_streams, within
from avlint.live.connection import Connection
from avlint.live.pull import Origin, PulledFile
from avlint.live.pull_state import PulledState
from avlint.live.redact import Redactor
from avlint.usage import EXIT_USAGE
from avlint.versions import Release

EXIT_NOT_WRITTEN = 1


@dataclass(frozen=True)
class PullRequest:
    server: ServerOptions
    out_dir: str
    target_version: str | None = None
    name: str | None = None
    with_flows: bool = False
    force: bool = False  # replace files that exist already


class _Refused(Exception):
    """The run stops before writing anything; the message is printed as is."""


class _NoSuchStage(Exception):
    """--name matched no validation stage on the server."""


def run_pull(request: PullRequest, out: TextIO, err: TextIO) -> int:
    redact, out, err = guarded_streams(request.server, out, err)
    try:
        return _run_pull(request, out, err, redact)
    finally:  # the redacting streams pass on what they still hold, however the run ends
        out.flush()
        err.flush()


def _run_pull(request: PullRequest, out: TextIO, err: TextIO, redact: Redactor) -> int:
    try:
        _check_out_dir(request.out_dir)
        when = pull_time(os.environ)
        files, release = _pull(request, when)
        planned = _plan(request, files, release, err, redact)
        if planned:
            _make_folder(request.out_dir)
    except _Refused as refusal:
        err.write(f"{refusal}\n")
        return EXIT_USAGE
    except _NoSuchStage as missing:
        err.write(f"avlint: error: no validation stage named '{missing}' on the server\n")
        return EXIT_NOT_WRITTEN
    all_written = _write(planned, out, err)
    return 0 if all_written and len(planned) == len(files) else EXIT_NOT_WRITTEN


def pull_time(environ: Mapping[str, str]) -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set (the reproducible-builds convention), so that a pull
    can be repeated byte for byte."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise _Refused(f"avlint: error: SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None


def _check_out_dir(out_dir: str) -> None:
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise _Refused(f"avlint: error: --out {out_dir} exists and is not a folder")


def _make_folder(out_dir: str) -> None:
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as error:
        raise _Refused(f"avlint: error: cannot create --out {out_dir}: {error.strerror}") from None


def _pull(request: PullRequest, when: datetime) -> tuple[list[PulledFile], Release]:
    from avlint.live.client import ApiError
    from avlint.live.connection import ConnectionError_
    from avlint.live.pull import pull_files
    from avlint.live.pull_state import NoEndpoint
    from avlint.versions import UnknownVersionError, resolve_release

    try:
        connection = connection_from(request.server)
        fixed = None if request.target_version in (None, "auto") else resolve_release(request.target_version)
        version, release, state = within(connection.run_timeout, _fetch(connection, request, fixed))
    except (ConnectionError_, ApiError, UnknownVersionError, RunDeadline, NoEndpoint) as error:
        raise _Refused(f"avlint: error: {error}") from None
    return pull_files(state, release, request.with_flows, Origin(connection.url, version, when)), release


async def _fetch(
    connection: Connection, request: PullRequest, fixed: Release | None
) -> tuple[str, Release, PulledState]:
    from avlint.live.client import Client
    from avlint.live.pull_state import fetch_flow_behaviour, pulled_state
    from avlint.live.state import fetch_state
    from avlint.versions import resolve_release

    async with Client(connection) as client:
        version = await client.version()  # for the file header, even when --target-version is given
        release = fixed or resolve_release(version)
        models = {VALIDATE_STAGE, FLOW, BINDING} if request.with_flows else {VALIDATE_STAGE}
        state = pulled_state(await fetch_state(client, models))
        if request.name is not None:
            state.objects[VALIDATE_STAGE] = [
                s for s in state.objects.get(VALIDATE_STAGE, []) if s.get("name") == request.name
            ]
            if not state.objects[VALIDATE_STAGE]:
                raise _NoSuchStage(request.name)
        if request.with_flows:
            pulled = {str(s["pk"]) for s in state.objects.get(VALIDATE_STAGE, [])}
            await fetch_flow_behaviour(client, state, release, pulled)
        return version, release, state


@dataclass(frozen=True)
class _Planned:
    path: str
    text: str
    replaces: bool  # a file of that name exists (and --force was given)


def _plan(
    request: PullRequest, files: list[PulledFile], release: Release, err: TextIO, redact: Redactor
) -> list[_Planned]:
    """The files to write, once every check passed: lint clean, unique names, no existing file
    replaced without --force. The text is what will be written: passed through the same
    redaction as the output streams, so the API token cannot reach a file."""
    from avlint.engine import lint_text
    from avlint.live.pull_names import caseless, file_name
    from avlint.settings import Settings

    settings = Settings(release=release)
    planned: list[_Planned] = []
    seen: dict[str, str] = {}  # caseless file name -> label
    for pulled in files:
        name = file_name(pulled.kind, redact(pulled.label))  # the token is kept out of names too
        # Never a path outside --out, never a hidden file: pull_names gives plain, visible names,
        # and this keeps it so whatever changes there.
        if os.path.basename(name) != name or name.startswith(".") or os.sep in name:
            raise _Refused(f"avlint: error: '{pulled.label}' gave the unsafe file name {name!r}; nothing written")
        if caseless(name) in seen:
            raise _Refused(f"avlint: error: '{pulled.label}' and '{seen[caseless(name)]}' would share the file {name}")
        seen[caseless(name)] = pulled.label
        path = os.path.join(request.out_dir, name)
        text = redact(pulled.text)
        errors = [f for f in lint_text(path, text, settings).findings if f.severity == "error"]
        if errors:
            err.write(f"{path}: not written: it would not lint clean ({errors[0].rule}: {errors[0].message})\n")
            continue
        planned.append(_Planned(path, text, os.path.lexists(path)))
    _refuse_replacing(planned, request.force)
    return planned


def _refuse_replacing(planned: list[_Planned], force: bool) -> None:
    folders = [p.path for p in planned if os.path.isdir(p.path) and not os.path.islink(p.path)]
    existing = [p.path for p in planned if p.replaces]
    if folders:
        lines = [f"{path}: error: a folder is in the way of this file" for path in folders]
        raise _Refused("\n".join([*lines, "avlint: error: nothing written"]))
    if existing and not force:
        lines = [f"{path}: error: exists" for path in existing]
        summary = f"avlint: error: nothing written: {len(existing)} file(s) exist already; --force replaces them"
        raise _Refused("\n".join([*lines, summary]))


def _write(planned: list[_Planned], out: TextIO, err: TextIO) -> bool:
    """Write each file atomically; list what was written. False when one could not be."""
    from avlint.atomic_write import WriteError, write_file

    ok = True
    for item in planned:
        try:
            if os.path.islink(item.path):
                # Replaced by a file, never written through: its target may be outside --out.
                os.unlink(item.path)
            # A file that exists keeps its mode; a new one is only ever created, so a file that
            # appeared since the check for existing ones is refused, not overwritten.
            write_file(item.path, item.text, create_only=not item.replaces)
        except WriteError as error:
            err.write(f"{error.path}: error: {error.reason}\n")
            ok = False
            continue
        except OSError as error:
            err.write(f"{item.path}: error: cannot write: {error.strerror}\n")
            ok = False
            continue
        out.write(f"{'replaced' if item.replaces else 'wrote'} {item.path}\n")
    return ok
