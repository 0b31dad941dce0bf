"""`avlint lint` as a plain function: a parsed request in, output on the given streams, an exit
code out. The click layer (avlint.cli) only builds the request; everything here is testable
without click. The steps around the engine live in avlint.lint_steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from avlint.settings_options import SettingsOptions, merge_settings, read_config
from avlint.usage import EXIT_FINDINGS, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.live.listing_source import LiveSource


class LintRequest(NamedTuple):
    paths: tuple[str, ...]
    options: SettingsOptions = SettingsOptions()
    format: str = "text"
    colour: bool = False
    output: str | None = None  # also write the chosen format to this file (text goes to `out`)
    baseline: str | None = None
    write_baseline: str | None = None
    changed_since: str | None = None  # a git ref
    live: LiveSource | None = None  # --live-file / --url: add what only the server knows


def run_lint(request: LintRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.engine import RunResult, lint_paths
    from avlint.lint_steps import (
        apply_baseline,
        check_format,
        folders_without_blueprints,
        load_baseline,
        select_files,
        write_reports,
    )

    try:
        check_format(request.format)
        config = read_config(request.options, cwd or Path.cwd())
        settings, strict = merge_settings(request.options, config)
        baseline = load_baseline(request.baseline, request.write_baseline, config)
        files, path_errors = select_files(request.paths, request.changed_since, settings, err)
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    results, read_errors = lint_paths(files, settings)
    if request.live is not None:
        from avlint.lint_steps import add_server_findings

        try:
            add_server_findings(results, request.live, settings, err)
        except UsageError as error:
            err.write(f"avlint: error: {error}\n")
            return EXIT_USAGE
    result = RunResult(results, path_errors + read_errors)
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
