"""`avlint fix`: lint, fix, verify and write each file; report what changed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from avlint.fix.apply import FixOutcome, fix_text
from avlint.reporters.summary import plural
from avlint.run import EXIT_USAGE, LintRequest, UsageError, build_settings


@dataclass(frozen=True)
class FixRequest:
    lint: LintRequest
    diff: bool = False
    unsafe: bool = False


def run_fix(request: FixRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.discovery import discover
    from avlint.engine import FileResult, RunResult
    from avlint.fix.writer import WriteError, write_atomic
    from avlint.loader.problems import ContentProblem, PathError
    from avlint.loader.source import read_source

    try:
        settings, strict = build_settings(request.lint, cwd or Path.cwd())
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    files, path_errors = discover(list(request.lint.paths), settings.exclude)
    failures = 0
    results: list[FileResult] = []
    changed = 0
    for path in files:
        try:
            source = read_source(path, settings.max_file_size)
        except PathError as error:
            path_errors.append(error)
            continue
        except ContentProblem as problem:
            err.write(f"{path}: not fixed: {problem.message}\n")
            failures += 1
            continue
        text = ("\ufeff" if source.had_bom else "") + source.text
        outcome = fix_text(path, text, settings, request.unsafe)
        if outcome.refused:
            err.write(f"{path}: {outcome.refused}\n")
            failures += 1
            results.append(FileResult(path, outcome.before))
            continue
        if not outcome.changed:
            results.append(FileResult(path, outcome.remaining))
            continue
        if request.diff:
            changed += 1
            results.append(FileResult(path, outcome.remaining))
            out.writelines(_diff(outcome))
            continue
        try:
            write_atomic(path, outcome.fixed)
        except WriteError as error:
            err.write(f"{error.path}: error: {error.reason}\n")
            failures += 1
            results.append(FileResult(path, outcome.before))  # the file is as it was
            continue
        changed += 1
        results.append(FileResult(path, outcome.remaining))
        _report(outcome, out)
    for error in path_errors:
        err.write(f"{error.path}: error: {error.reason}\n")
    remaining = RunResult(results, path_errors)
    verb = "would fix" if request.diff else "fixed"
    out.write(f"{verb.capitalize()} {plural(changed, 'file')}; {plural(remaining.count('error'), 'error')} and {plural(remaining.count('warning'), 'warning')} remain.\n")
    if path_errors or failures:
        return EXIT_USAGE if path_errors else 1
    if request.diff:
        return 1 if changed else 0
    return remaining.exit_code(strict)


def _report(outcome: FixOutcome, out: TextIO) -> None:
    out.write(f"{outcome.path}: applied {len(outcome.applied)} fix{'es' if len(outcome.applied) != 1 else ''}\n")
    for applied in outcome.applied:
        kind = "" if applied.safe else " (unsafe)"
        out.write(f"  {applied.line}:{applied.column} {applied.rule} {applied.description}{kind}\n")


def _diff(outcome: FixOutcome) -> list[str]:
    return _diff_lines(outcome.path, outcome.original, outcome.fixed)


def _diff_lines(path: str, before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=f"{path} (fixed)")
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]
