"""The CI-facing steps of `avlint lint` around the engine: which files (--changed-since), the
baseline (--baseline, --write-baseline, `baseline:` in the config), and where reports go
(--format, --output). avlint.run strings them together; each raises UsageError (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from avlint.run import LintRequest, UsageError

if TYPE_CHECKING:
    from avlint.baseline import Baseline
    from avlint.config import Config
    from avlint.engine import RunResult
    from avlint.loader.problems import PathError
    from avlint.settings import Settings


def check_format(name: str) -> None:
    from avlint.reporters import FORMATS, UnknownFormatError

    if name not in FORMATS:
        raise UsageError(str(UnknownFormatError(name)))


def select_files(request: LintRequest, settings: Settings, err: TextIO) -> tuple[list[str], list[PathError]]:
    """The files to lint: the paths given, or only those of them changed since a git ref."""
    from avlint.discovery import discover

    if request.changed_since is None:
        return discover(list(request.paths), settings.exclude)
    from avlint.changed import ChangedError, changed_files

    try:
        changed = changed_files(request.changed_since, list(request.paths), Path.cwd())
    except ChangedError as error:
        raise UsageError(f"--changed-since: {error}") from None
    files, errors = discover(changed, settings.exclude)
    err.write(f"linting {len(files)} file{'' if len(files) == 1 else 's'} changed since {request.changed_since}\n")
    return files, errors


def load_baseline(request: LintRequest, config: Config) -> Baseline | None:
    """The baseline to filter with: --baseline, else the config's `baseline:` (relative to the
    config file). Loaded before linting, so a bad baseline fails fast."""
    if request.write_baseline:
        return None
    path = request.baseline or (
        str(Path(config.path).parent / config.baseline) if config.baseline and config.path else None
    )
    if path is None:
        return None
    from avlint.baseline import BaselineError, load

    try:
        return load(path)
    except BaselineError as error:
        raise UsageError(str(error)) from None


def apply_baseline(request: LintRequest, result: RunResult, baseline: Baseline | None, err: TextIO) -> RunResult:
    """Write the baseline when asked (then every current finding is baselined), and hide
    baselined findings."""
    if not request.write_baseline and baseline is None:
        return result
    from avlint import baseline as baselines

    if request.write_baseline:
        try:
            baseline, kept = baselines.write(result, request.write_baseline)
        except baselines.BaselineError as error:
            raise UsageError(str(error)) from None
        count = len(baseline.entries)
        note = f" ({kept} kept for files not linted in this run)" if kept else ""
        err.write(f"wrote {count} finding{'' if count == 1 else 's'} to the baseline {request.write_baseline}{note}\n")
    return baselines.apply(result, baseline) if baseline is not None else result


def write_reports(request: LintRequest, result: RunResult, out: TextIO, strict: bool = False) -> None:
    """The chosen format on `out`; with --output, the chosen format in the file and text on `out`.
    `strict` (warnings fail the run) is passed on so that a report's verdict matches the exit code."""
    import io

    from avlint.reporters import get_reporter

    if request.output is None:
        get_reporter(request.format, colour=request.colour, strict=strict).render(result, out)
        return
    get_reporter("text", colour=request.colour).render(result, out)
    buffer = io.StringIO()
    get_reporter(request.format, strict=strict).render(result, buffer)
    _write_report(request.output, buffer.getvalue())


def _write_report(path: str, text: str) -> None:
    from avlint.atomic_write import write_file

    try:
        write_file(path, text)
    except OSError as error:
        raise UsageError(f"cannot write the report {path}: {error.strerror or error}") from None
