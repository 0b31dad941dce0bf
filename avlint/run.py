"""`avlint lint` as a plain function: a parsed request in, output on the given streams, an exit
code out. The click layer (avlint.cli) only builds the request; everything here is testable
without click. The steps around the engine live in avlint.lint_steps.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, TextIO

from avlint.settings_options import SettingsOptions, merge_settings, read_config
from avlint.usage import EXIT_FINDINGS, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.engine import RunResult
    from avlint.live.listing_source import LiveSource
    from avlint.loader.problems import PathError


class LintRequest(NamedTuple):
    paths: tuple[str, ...]
    options: SettingsOptions = SettingsOptions()
    format: str = "text"
    colour: bool = False
    output: str | None = None  # also write the chosen format to this file (text goes to `out`)
    baseline: str | None = None
    write_baseline: str | None = None
    changed_since: str | None = None  # a git ref
    stdin_filename: str | None = None  # the name standard input (`-`) is linted as
    live: LiveSource | None = None  # --live-file / --url: add what only the server knows


def run_lint(
    request: LintRequest, out: TextIO, err: TextIO, cwd: Path | None = None, stdin: BinaryIO | None = None
) -> int:
    """`stdin`: where `-` reads from (sys.stdin's bytes when not given)."""
    from avlint.engine import RunResult, lint_paths
    from avlint.lint_steps import (
        apply_baseline,
        check_format,
        folders_without_blueprints,
        load_baseline,
        select_files,
        stdin_name,
        write_reports,
    )

    try:
        check_format(request.format)
        config = read_config(request.options, cwd or Path.cwd())
        settings, strict = merge_settings(request.options, config)
        baseline = load_baseline(request.baseline, request.write_baseline, config)
        stdin_path = stdin_name(request.paths, request.stdin_filename, request.changed_since)
        files, path_errors = (
            select_files(request.paths, request.changed_since, settings, err) if stdin_path is None else ([], [])
        )
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    from avlint.discovery import is_excluded, named_files

    texts: dict[str, str] = {}  # what was linted instead of a file on disk (standard input)
    if stdin_path is not None:
        if is_excluded(stdin_path, settings.exclude):
            return 0  # as ruff does: an excluded file says nothing, even from an editor
        from avlint.engine import lint_stream

        named = frozenset({stdin_path})
        read_errors: list[PathError] = []
        results = [lint_stream(stdin_path, stdin or sys.stdin.buffer, settings, texts)]
    else:
        # --changed-since picks files below the named folders, leaving hidden ones out, like a walk.
        named = frozenset() if request.changed_since else named_files(request.paths, files)
        results, read_errors = lint_paths(files, settings, named)
    if request.live is not None:
        from avlint.lint_steps import add_server_findings

        try:
            add_server_findings(results, request.live, settings, err, texts)
        except UsageError as error:
            err.write(f"avlint: error: {error}\n")
            return EXIT_USAGE
    result = RunResult(results, path_errors + read_errors)
    _note_skipped(result, named, err)
    for path_error in result.path_errors:
        err.write(f"{path_error.path}: error: {path_error.reason}\n")
    # A folder with no blueprint is most often a typo in CI: say so, though nothing is wrong in it.
    empty = [] if request.changed_since else folders_without_blueprints(request.paths, result)
    for folder in empty:
        err.write(f"{folder}: warning: no blueprint in this folder; nothing was linted there\n")
    try:
        result = apply_baseline(request.write_baseline, result, baseline, err)
        write_reports(request.format, request.output, request.colour, result, out, strict)
    except UsageError as failure:
        err.write(f"avlint: error: {failure}\n")
        return EXIT_USAGE
    code = result.exit_code(strict)
    return EXIT_FINDINGS if empty and strict and code == 0 else code


def _note_skipped(result: RunResult, named: frozenset[str], err: TextIO) -> None:
    """One note for each file named on the command line that is not a blueprint; files found in
    a folder are only counted in the summary (a repository holds many other YAML files)."""
    from avlint.kind import skip_note

    for file in result.files:
        if file.skipped is not None and file.path in named:
            err.write(skip_note(file.path, file.skipped))
