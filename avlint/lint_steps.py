"""The CI-facing steps of `avlint lint` around the engine: which files (--changed-since), the
baseline (--baseline, --write-baseline, `baseline:` in the config), named folders that held no
blueprint, and where reports go (--format, --output). avlint.run strings them together; each
raises UsageError (exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from avlint.usage import UsageError

if TYPE_CHECKING:
    from avlint.baseline import Baseline
    from avlint.config import Config
    from avlint.engine import FileResult, RunResult
    from avlint.live.listing_source import LiveSource
    from avlint.loader.problems import PathError
    from avlint.settings import Settings


def check_format(name: str) -> None:
    from avlint.reporters import FORMATS, UnknownFormatError

    if name not in FORMATS:
        raise UsageError(str(UnknownFormatError(name)))


STDIN = "-"


def stdin_name(paths: tuple[str, ...], stdin_filename: str | None, changed_since: str | None) -> str | None:
    """The name standard input is linted as (`-`, or --stdin-filename), or None when files are
    linted. Standard input is one blueprint: `-` with other paths is a usage error."""
    if STDIN not in paths and stdin_filename is None:
        return None
    if paths not in ((STDIN,), ()):
        if STDIN in paths:
            raise UsageError("`-` (standard input) cannot be mixed with other paths")
        raise UsageError("--stdin-filename names standard input: give `-` as the only path")
    if changed_since is not None:
        raise UsageError("--changed-since lists files from git; it cannot be used with `-` (standard input)")
    if stdin_filename is not None and not stdin_filename.strip():
        raise UsageError("--stdin-filename must not be empty")
    return stdin_filename or STDIN


def select_files(
    paths: tuple[str, ...], changed_since: str | None, settings: Settings, err: TextIO
) -> tuple[list[str], list[PathError]]:
    """The files to lint: the paths given, or only those of them changed since a git ref."""
    from avlint.discovery import discover

    if changed_since is None:
        return discover(list(paths), settings.exclude)
    from avlint.changed import ChangedError, changed_files

    try:
        changed = changed_files(changed_since, list(paths), Path.cwd())
    except ChangedError as error:
        raise UsageError(f"--changed-since: {error}") from None
    files, errors = discover(changed, settings.exclude)
    err.write(f"linting {len(files)} file{'' if len(files) == 1 else 's'} changed since {changed_since}\n")
    return files, errors


def folders_without_blueprints(paths: tuple[str, ...], result: RunResult) -> list[str]:
    """The named folders in which no file was linted as a blueprint (empty, every file excluded,
    or only other YAML and JSON). A named file is not reported: a hook passes every changed
    YAML file, and a file that is not a blueprint is already counted as skipped."""
    linted = [(os.path.normpath(f.path), os.path.realpath(f.path)) for f in result.files if f.skipped is None]
    empty = []
    for raw in paths:
        root = os.path.normpath(raw)
        if not os.path.isdir(root):
            continue  # a file, or a path that does not exist (already an error)
        real = os.path.realpath(root)
        if not any(_inside(path, root) or _inside(real_path, real) for path, real_path in linted):
            empty.append(raw)
    return empty


def _inside(path: str, folder: str) -> bool:
    if folder == os.curdir:
        return not os.path.isabs(path) and not path.startswith(os.pardir + os.sep) and path != os.pardir
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def add_server_findings(
    results: list[FileResult], live: LiveSource, settings: Settings, err: TextIO, texts: dict[str, str]
) -> None:
    """With --live-file or --url: a pass after the per-file lint (which stays offline) adds what
    only the server knows. Without those options nothing here is imported. `texts`: what was
    linted instead of a file on disk (standard input)."""
    from avlint.live.lint_context import live_pass

    live_pass(results, live, settings, err, texts)


def load_baseline(path: str | None, write_baseline: str | None, config: Config) -> Baseline | None:
    """The baseline to filter with: --baseline (`path`), else the config's `baseline:` (relative
    to the config file). Loaded before linting, so a bad baseline fails fast."""
    if write_baseline:
        return None
    path = path or (str(Path(config.path).parent / config.baseline) if config.baseline and config.path else None)
    if path is None:
        return None
    from avlint.baseline import BaselineError, load

    try:
        return load(path)
    except BaselineError as error:
        raise UsageError(str(error)) from None


def apply_baseline(write_baseline: str | None, result: RunResult, baseline: Baseline | None, err: TextIO) -> RunResult:
    """Write the baseline when asked (then every current finding is baselined), and hide
    baselined findings."""
    if not write_baseline and baseline is None:
        return result
    from avlint import baseline as baselines

    if write_baseline:
        try:
            baseline, kept = baselines.write(result, write_baseline)
        except baselines.BaselineError as error:
            raise UsageError(str(error)) from None
        count = len(baseline.entries)
        note = f" ({kept} kept for files not linted in this run)" if kept else ""
        err.write(f"wrote {count} finding{'' if count == 1 else 's'} to the baseline {write_baseline}{note}\n")
    return baselines.apply(result, baseline) if baseline is not None else result


def write_reports(
    format_name: str, output: str | None, colour: bool, result: RunResult, out: TextIO, strict: bool = False
) -> None:
    """The chosen format on `out`; with --output, the chosen format in the file and text on `out`.
    `strict` (warnings fail the run) is passed on so that a report's verdict matches the exit code."""
    import io

    from avlint.reporters import get_reporter

    if output is None:
        get_reporter(format_name, colour=colour, strict=strict).render(result, out)
        return
    get_reporter("text", colour=colour).render(result, out)
    buffer = io.StringIO()
    get_reporter(format_name, strict=strict).render(result, buffer)
    _write_report(output, buffer.getvalue())


def _write_report(path: str, text: str) -> None:
    from avlint.atomic_write import write_file

    try:
        write_file(path, text)
    except OSError as error:
        raise UsageError(f"cannot write the report {path}: {error.strerror or error}") from None
