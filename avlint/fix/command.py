"""`avlint fix`: lint, fix, verify and write each file; report what changed."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from avlint.engine import FileResult
from avlint.fix.apply import FixOutcome, fix_text
from avlint.loader.problems import PathError
from avlint.reporters.summary import plural
from avlint.settings_options import SettingsOptions, build_settings
from avlint.usage import EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from avlint.findings import Finding
    from avlint.migrate.references import Known
    from avlint.settings import Settings


@dataclass(frozen=True)
class FixRequest:
    paths: tuple[str, ...]
    options: SettingsOptions
    diff: bool = False
    unsafe: bool = False
    project: str | None = None  # --project DIR: the blueprints whose pks --unsafe-fixes may look up by name


def run_fix(request: FixRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.discovery import discover, empty_folder_warnings, named_files
    from avlint.engine import RunResult
    from avlint.workers import iter_paths, stop_on_signals

    try:
        # --select and --ignore choose which fixes are applied, not what is checked: the findings
        # that remain, the summary and the exit code are those `avlint lint` reports (config
        # file included), so a narrow fix run cannot hide the errors it leaves.
        settings, strict = build_settings(request.options._replace(select=(), ignore=()), cwd or Path.cwd())
        chosen = (
            build_settings(request.options, cwd or Path.cwd())[0]
            if request.options.select or request.options.ignore
            else settings
        )
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    files, path_errors = discover(list(request.paths), settings.exclude)
    err.writelines(empty_folder_warnings(list(request.paths), files, "fixed"))
    named = named_files(request.paths, files)
    failures = changed = done_files = 0
    results = []
    if request.project is not None and not os.path.isdir(request.project):
        err.write(f"avlint: error: --project: {request.project} is not a folder\n")
        return EXIT_USAGE
    references = _set_references(files, request.project, settings) if request.unsafe else None
    work = partial(
        _fix_file,
        settings=settings,
        fixable=chosen.enabled_codes(),
        diff=request.diff,
        unsafe=request.unsafe,
        references=references,
        named=named,
    )
    # Each file is fixed and written on its own, in worker processes when there are many; the
    # reports are printed here, in input order, as the files are done. SIGINT or SIGTERM stops
    # the run after the files in progress, with an account of what was written.
    with stop_on_signals() as stop:
        for _, done in iter_paths(work, files, settings, stop):
            done_files += 1
            if done.path_error is not None:
                path_errors.append(done.path_error)
                continue
            out.writelines(done.out)
            err.writelines(done.err)
            failures += done.failed
            changed += done.changed
            if done.result is not None:
                results.append(done.result)
    for path_error in path_errors:
        err.write(f"{path_error.path}: error: {path_error.reason}\n")
    verb = "would fix" if request.diff else "fixed"
    if stop.requested:
        out.write(
            f"Stopped by {stop.name}: {verb} {plural(changed, 'file')}; "
            f"{plural(len(files) - done_files, 'file')} not processed.\n"
        )
        out.flush()
        return stop.exit_code
    remaining = RunResult(results, path_errors)
    if not request.diff:  # (a diff stays a patch)
        from avlint.reporters.text import TextReporter

        out.writelines(TextReporter().finding_line(finding) + "\n" for finding in remaining.findings)
    out.write(
        f"{verb.capitalize()} {plural(changed, 'file')}; {plural(remaining.count('error'), 'error')} and {plural(remaining.count('warning'), 'warning')} remain.\n"
    )
    if path_errors or failures:
        return EXIT_USAGE if path_errors else 1
    if request.diff:
        return 1 if changed else 0
    return remaining.exit_code(strict)


class FileFix(NamedTuple):
    """What fixing one file did, light enough to come back from a worker process."""

    result: FileResult | None = None  # the findings that remain (or, when nothing was written, the original's)
    out: tuple[str, ...] = ()
    err: tuple[str, ...] = ()
    failed: bool = False
    changed: bool = False
    path_error: PathError | None = None


def _set_references(files: list[str], project: str | None, settings: Settings) -> dict[str, Known]:
    """The objects with a fixed pk that the blueprints of the set create (the files of the run,
    and everything under --project): a raw pk of one of them becomes a `!Find` by name."""
    from avlint.discovery import discover
    from avlint.project.lint_set import summarise_only
    from avlint.project.references import set_references
    from avlint.workers import map_paths

    context = discover([project], settings.exclude)[0] if project is not None else []
    seen: set[str] = set()
    paths = []
    for path in [*files, *context]:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            paths.append(path)
    return set_references(map_paths(partial(summarise_only, settings=settings), paths, settings))


def _fix_file(
    path: str,
    settings: Settings,
    fixable: frozenset[str],
    diff: bool,
    unsafe: bool,
    references: dict[str, Known] | None = None,
    named: frozenset[str] = frozenset(),
) -> FileFix:
    """Read, fix (the rules in `fixable` only), verify and (unless `diff`) write one file. A file
    that is not a blueprint is left alone, with a note when it was named (`named`)."""
    from avlint.atomic_write import WriteError, write_file
    from avlint.loader.problems import ContentProblem
    from avlint.loader.source import read_source

    try:
        source = read_source(path, settings.max_file_size)
    except PathError as error:
        return FileFix(path_error=error)
    except ContentProblem as problem:
        return FileFix(err=(f"{path}: not fixed: {problem.message}\n",), failed=True)
    text = ("\ufeff" if source.had_bom else "") + source.text
    outcome = fix_text(path, text, settings, unsafe, fixable, references)
    if outcome.skipped is not None:
        from avlint.kind import skip_note

        note = (skip_note(path, outcome.skipped),) if path in named else ()
        return FileFix(FileResult(path, skipped=outcome.skipped), err=note)
    if outcome.refused:
        return FileFix(FileResult(path, _light(outcome.before)), err=(f"{path}: {outcome.refused}\n",), failed=True)
    remaining = FileResult(path, _light(outcome.remaining))
    if not outcome.changed:
        return FileFix(remaining)
    if diff:
        return FileFix(remaining, out=tuple(_diff(outcome)), changed=True)
    try:
        write_file(path, outcome.fixed)
    except WriteError as error:
        return FileFix(
            FileResult(path, _light(outcome.before)), err=(f"{error.path}: error: {error.reason}\n",), failed=True
        )  # the file is as it was
    return FileFix(remaining, out=tuple(_report(outcome)), changed=True)


def _light(findings: list[Finding]) -> list[Finding]:
    return [finding.replace(fix=None) for finding in findings]


def _report(outcome: FixOutcome) -> list[str]:
    lines = [f"{outcome.path}: applied {len(outcome.applied)} fix{'es' if len(outcome.applied) != 1 else ''}\n"]
    for applied in outcome.applied:
        kind = "" if applied.safe else " (unsafe)"
        lines.append(f"  {applied.line}:{applied.column} {applied.rule} {applied.description}{kind}\n")
    return lines


def _diff(outcome: FixOutcome) -> list[str]:
    return diff_lines(outcome.path, outcome.original, outcome.fixed)


def diff_lines(path: str, before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=f"{path} (fixed)"
    )
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]
