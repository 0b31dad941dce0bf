"""`avlint payload`: write the create bodies of every file's entries, or print them as JSON Lines."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from avlint.loader.problems import PathError
from avlint.payload.build import Payload, PayloadError, PayloadOptions, build_payloads
from avlint.settings_options import SettingsOptions, build_settings
from avlint.usage import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.kind import NotABlueprint
    from avlint.live.listing import Listing
    from avlint.live.listing_source import LiveSource
    from avlint.settings import Settings


@dataclass(frozen=True)
class PayloadRequest:
    paths: tuple[str, ...]
    options: SettingsOptions
    out_dir: str | None = None
    all_models: bool = False
    allow_unresolved: bool = False
    env_file: str | None = None
    context: tuple[str, ...] = ()  # KEY=VALUE or a YAML/JSON file
    environ: dict[str, str] | None = field(default=None, compare=False)
    live: LiveSource | None = None  # --live-file / --url: references resolve to the server's pks


def run_payload(request: PayloadRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    if request.live is not None and request.live.server is not None:
        from avlint.live.command import guarded_streams

        # Whatever a message holds (a server's text included), the token does not reach the user.
        _, out, err = guarded_streams(request.live.server, out, err)
        try:
            return _run_payload(request, out, err, cwd)
        finally:
            out.flush()
            err.flush()
    return _run_payload(request, out, err, cwd)


def _run_payload(request: PayloadRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.discovery import discover, empty_folder_warnings, named_files
    from avlint.kind import NotABlueprint, skip_note
    from avlint.workers import map_paths

    try:
        settings, _ = build_settings(request.options, cwd or Path.cwd())
        options = PayloadOptions(request.all_models, _environ(request), _context(request.context))
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    files, path_errors = discover(list(request.paths), settings.exclude)
    err.writelines(empty_folder_warnings(list(request.paths), files, "read"))
    named = named_files(request.paths, files)
    if request.live is not None:
        try:
            listing = _listing(request.live, files, settings)
        except UsageError as error:
            err.write(f"avlint: error: {error}\n")
            return EXIT_USAGE
        err.writelines(warning + "\n" for warning in listing.warnings)
        options.known = listing
    written = refused = skipped = 0
    taken: set[str] = set()
    # Files are built in worker processes when there are many; written here, in input order,
    # so that names taken by earlier files stay taken.
    for path, outcome in zip(
        files, map_paths(partial(_payloads_of, settings=settings, options=options), files, settings), strict=False
    ):
        if isinstance(outcome, PathError):
            path_errors.append(outcome)
            continue
        if isinstance(outcome, NotABlueprint):  # another kind of file: left alone, like `lint` skips it
            err.write(skip_note(path, outcome.reason) if path in named else "")
            continue
        if isinstance(outcome, str):
            err.write(f"{path}: no payloads: {outcome}\n")
            refused += 1
            continue
        for payload in outcome:
            if payload.skipped is not None:
                err.write(
                    f"{payload.path}:{payload.line}: {payload.model} '{payload.name}': skipped: {payload.skipped}\n"
                )
                skipped += 1
            elif not _report_and_check(payload, request.allow_unresolved, err):
                refused += 1
            elif _emit(payload, request.out_dir, out, taken, err):
                written += 1
            else:
                refused += 1
    for problem in path_errors:
        err.write(f"{problem.path}: error: {problem.reason}\n")
    summary = f"{written} payload{'s' if written != 1 else ''} written, {refused} refused"
    err.write(summary + (f", {skipped} skipped.\n" if skipped else ".\n"))
    if path_errors:
        return EXIT_USAGE
    return 1 if refused else 0


def _listing(live: LiveSource, files: list[str], settings: Settings) -> Listing:
    """The server's objects: from the saved pages, or fetched (the lists the files need)."""
    from avlint.live.known import models_of
    from avlint.live.listing_source import open_listing

    models: set[str] = set()
    if live.server is not None:
        models = models_of(_documents(files, settings), settings)
    return open_listing(live, models, settings.max_file_size)


def _documents(files: list[str], settings: Settings) -> list[Any]:
    """The blueprints among the files (the rest are reported when their payloads are built)."""
    from avlint.live.lint_context import document_of
    from avlint.loader.problems import ContentProblem
    from avlint.loader.source import read_source

    documents = []
    for path in files:
        try:
            document = document_of(path, read_source(path, settings.max_file_size).text)
        except (PathError, ContentProblem):
            continue
        if document is not None:
            documents.append(document)
    return documents


def _payloads_of(
    path: str, settings: Settings, options: PayloadOptions
) -> list[Payload] | PathError | NotABlueprint | str:
    """One file's payloads; the PathError when it cannot be read; NotABlueprint for another kind
    of file; why it yields none, as text."""
    from avlint.kind import NotABlueprint
    from avlint.loader.problems import ContentProblem
    from avlint.loader.source import read_source

    try:
        source = read_source(path, settings.max_file_size)
        return build_payloads(path, source.text, settings, options)
    except (PathError, NotABlueprint) as error:
        return error
    except (ContentProblem, PayloadError) as problem:
        return str(getattr(problem, "message", problem))


def _report_and_check(payload: Payload, allow_unresolved: bool, err: TextIO) -> bool:
    where = f"{payload.path}:{payload.line}: {payload.model} '{payload.name}'"
    if payload.error:
        err.write(f"{where}: not written: {payload.error}\n")
        return False
    for marker in payload.unresolved:
        err.write(f"{payload.path}:{marker.line}:{marker.column}: unresolved {marker.tag}: {marker.reason}\n")
    if payload.unresolved and not allow_unresolved:
        err.write(
            f"{where}: not written: {len(payload.unresolved)} unresolved reference(s) (use --allow-unresolved to write it without them)\n"
        )
        return False
    if payload.problems:
        for finding in payload.problems:
            err.write(f"{where}: authentik would reject it: [{finding.rule} {finding.name}] {finding.message}\n")
        err.write(f"{where}: not written\n")
        return False
    return True


def _emit(payload: Payload, out_dir: str | None, out: TextIO, taken: set[str], err: TextIO) -> bool:
    """Write one payload; False (with the reason on `err`) when it cannot be written."""
    if out_dir is None:
        record = {
            "path": payload.path,
            "line": payload.line,
            "model": payload.model,
            "endpoint": payload.endpoint,
            "name": payload.name,
            "body": payload.body,
        }
        line = json.dumps(record, ensure_ascii=False, default=str)
        if not _encodable(line):  # a file name that is not UTF-8: escape it, JSON allows that
            line = json.dumps(record, default=str)
        out.write(line + "\n")
        return True
    from avlint.atomic_write import WriteError, write_file

    target = _out_name(payload, out_dir, taken)
    try:
        write_file(target, json.dumps(payload.body, indent=2, ensure_ascii=False, default=str) + "\n", make_folder=True)
    except WriteError as error:
        err.write(f"{error.path}: error: {error.reason}\n")
        return False
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _out_name(payload: Payload, out_dir: str, taken: set[str]) -> str:
    """`<source file stem>.<model>-<name>.json`: the source file is in the name, so files from
    two sources never take each other's names. Names already taken in this run (compared
    without case, as macOS and Windows compare them) get a number: nothing is overwritten."""
    source = _safe_name(Path(payload.path).stem)
    short = payload.model.rsplit(".", 1)[-1]
    stem, number = f"{source}.{short}-{_safe_name(payload.name)}", 2
    target = os.path.join(out_dir, f"{stem}.json")
    while target.casefold() in taken:  # two objects with one name (e.g. bindings at one order)
        target, number = os.path.join(out_dir, f"{stem}-{number}.json"), number + 1
    taken.add(target.casefold())
    return target


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "unnamed"


def _environ(request: PayloadRequest) -> dict[str, str]:
    environ = dict(request.environ if request.environ is not None else os.environ)
    if request.env_file:
        environ.update(_read_env_file(request.env_file))
    return environ


def _read_env_file(path: str) -> dict[str, str]:
    from avlint.loader.side import SideInputError, read_env_file

    try:
        return read_env_file(path)
    except SideInputError as error:
        raise UsageError(f"--env-file: {error}") from None


def _scalar(key: str, text: str) -> Any:
    import yaml

    # A flow collection is refused before parsing: it is never a scalar, and a deeply nested one
    # would exhaust the pure-Python parser's recursion.
    if text.lstrip()[:1] in ("[", "{"):
        value: Any = []
    else:
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as error:
            raise UsageError(
                f"--context {key}={text}: not a YAML scalar ({getattr(error, 'problem', error)})"
            ) from None
    if isinstance(value, (list, dict)):
        raise UsageError(
            f"--context {key}={text}: a value on the command line is a scalar; put lists and mappings in a YAML file"
        )
    return value


def _context(items: tuple[str, ...]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if sep:
            # A YAML scalar, as in the file's own `context:`: `false` is False (falsy in !If),
            # `3` is 3, `null` is None; quote to keep text: strict='false'.
            context[key.strip()] = _scalar(key.strip(), value)
            continue
        from avlint.loader.side import SideInputError, load_data

        try:
            loaded = load_data(item)
        except SideInputError as error:
            raise UsageError(f"--context {item}: expected KEY=VALUE or a YAML/JSON file ({error.detail})") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--context {item}: the file must hold a mapping")
        context.update(loaded)
    return context
