"""`avlint lint`: options in, a LintRequest out to avlint.run."""

from __future__ import annotations

import os
import sys

import click

from avlint.cli.options import target_version_option

FORMAT_NAMES = ("text", "json")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format.")
@target_version_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config file instead of searching for .avlint.yaml or pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids or names, comma-separated; repeatable).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (ids or names, comma-separated; repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching this glob (repeatable).")
@click.option("--strict/--no-strict", default=None, help="Exit 1 on warnings too.")
@click.option("--max-file-size", metavar="SIZE", help="Refuse larger files, e.g. 50MB (default 10MB).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: decide from the number of files and cores).")
def lint(paths: tuple[str, ...], output_format: str, target_version: str | None, config_path: str | None, isolated: bool, select: tuple[str, ...], ignore: tuple[str, ...], exclude: tuple[str, ...], strict: bool | None, max_file_size: str | None, jobs: int) -> None:
    """Lint blueprint files and folders (folders are searched for *.yaml, *.yml and *.json).

    Exit status: 0 without errors, 1 with errors (or warnings with --strict), 2 for usage
    errors and unreadable paths.
    """
    from avlint.run import LintRequest, run_lint

    request = LintRequest(
        paths=paths or (".",),
        format=output_format,
        target_version=target_version,
        config=config_path,
        isolated=isolated,
        select=select,
        ignore=ignore,
        exclude=exclude,
        strict=strict,
        max_file_size=max_file_size,
        jobs=jobs,
        colour=output_format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
    )
    sys.exit(run_lint(request, sys.stdout, sys.stderr))
