"""Commands as plain functions: a parsed request in, output on the given streams, an exit code out.

The click layer (cli.py) only builds the request; everything here is testable without click.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from avlint.settings import Settings

if TYPE_CHECKING:
    from avlint.config import Config
from avlint.versions import Release, UnknownVersionError, resolve_release

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class LintRequest(NamedTuple):
    paths: tuple[str, ...]
    format: str = "text"
    target_version: str | None = None
    config: str | None = None
    isolated: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    strict: bool | None = None
    max_file_size: str | None = None
    jobs: int = 0
    colour: bool = False
    output: str | None = None  # also write the chosen format to this file (text goes to `out`)
    baseline: str | None = None
    write_baseline: str | None = None
    changed_since: str | None = None  # a git ref
    spec: str | None = None  # a spec snapshot (`avlint spec import`) used instead of the bundled spec


class UsageError(Exception):
    """Bad options or configuration: reported on stderr, exit code 2."""


def build_settings(request: LintRequest, cwd: Path) -> tuple[Settings, bool]:
    """Merge the config file and the command line (the command line wins)."""
    return merge_settings(request, _config(request, cwd))


def merge_settings(request: LintRequest, config: Config) -> tuple[Settings, bool]:
    from avlint.catalogue import UnknownRuleError, lookup
    from avlint.config import parse_size

    try:
        release = _release(request, config)
        select = {lookup(k).code for k in _split(request.select)} or (set(config.select) if config.select else None)
        ignore = {lookup(k).code for k in _split(request.ignore)} | set(config.ignore)
    except (UnknownVersionError, UnknownRuleError) as error:
        raise UsageError(str(error)) from None
    size = config.max_file_size
    if request.max_file_size is not None:
        size = parse_size(request.max_file_size)
        if size is None:
            raise UsageError(f"--max-file-size must be a positive size such as 50MB, not {request.max_file_size!r}")
    settings = Settings(
        release=release,
        select=frozenset(select) if select is not None else None,
        ignore=frozenset(ignore),
        severities=config.severity,
        exclude=tuple(request.exclude) + config.exclude,
        jobs=request.jobs,
        spec_file=request.spec,
        **({"max_file_size": size} if size else {}),
    )
    strict = request.strict if request.strict is not None else bool(config.strict)
    return settings, strict


def _release(request: LintRequest, config: Config) -> Release:
    """The target release; a `--spec` snapshot sets it (the command line beats the config file)."""
    if request.spec is None:
        return resolve_release(request.target_version or config.target_version)
    from avlint.spec.errors import SnapshotError
    from avlint.spec.snapshot import load_snapshot, release_for

    try:
        return release_for(load_snapshot(request.spec), request.target_version)
    except SnapshotError as error:
        raise UsageError(str(error)) from None


def _config(request: LintRequest, cwd: Path) -> Config:
    from avlint.config import Config, ConfigError, find_config, load_config

    if request.isolated:
        return Config()
    path = Path(request.config) if request.config else find_config(cwd)
    if path is None:
        return Config()
    if request.config and not path.exists():  # a FIFO or a folder: load_config says what it is
        raise UsageError(f"config file {path} does not exist")
    try:
        return load_config(path)
    except ConfigError as error:
        raise UsageError(f"{error.path}:{error.line}: invalid config: {error.message}") from None


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def run_lint(request: LintRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.engine import RunResult, lint_paths
    from avlint.lint_steps import apply_baseline, check_format, load_baseline, select_files, write_reports

    try:
        check_format(request.format)
        config = _config(request, cwd or Path.cwd())
        settings, strict = merge_settings(request, config)
        baseline = load_baseline(request, config)
        files, path_errors = select_files(request, settings, err)
    except UsageError as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    if settings.spec_file is None:
        results, read_errors = lint_paths(files, settings)
    else:
        from avlint.spec.snapshot import use_spec_file

        with use_spec_file(settings.spec_file):
            results, read_errors = lint_paths(files, settings)
    result = RunResult(results, path_errors + read_errors)
    for error in result.path_errors:
        err.write(f"{error.path}: error: {error.reason}\n")
    try:
        result = apply_baseline(request, result, baseline, err)
        write_reports(request, result, out, strict)
    except UsageError as failure:
        err.write(f"avlint: error: {failure}\n")
        return EXIT_USAGE
    return result.exit_code(strict)
