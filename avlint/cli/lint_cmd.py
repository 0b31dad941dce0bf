"""`avlint lint`: options in, a LintRequest out to avlint.run."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import lint_context_options, live_source_from, lookup_server_options
from avlint.cli.options import colour_wanted, config_options, jobs_option, spec_option, target_version_option
from avlint.reporters import FORMATS  # names only: no reporter is imported here

FORMAT_NAMES = tuple(FORMATS)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="Output format.",
)
@target_version_option
@spec_option
@config_options
@click.option(
    "--select", multiple=True, metavar="IDS", help="Only these rules (ids or names, comma-separated; repeatable)."
)
@click.option(
    "--ignore", multiple=True, metavar="IDS", help="Skip these rules (ids or names, comma-separated; repeatable)."
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching this glob (repeatable).")
@click.option("--strict/--no-strict", default=None, help="Exit 1 on warnings too.")
@click.option("--max-file-size", metavar="SIZE", help="Refuse larger files, e.g. 50MB (default 10MB).")
@jobs_option
@click.option(
    "--output",
    "-o",
    "output_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the --format report to FILE (atomically); text still goes to the terminal.",
)
@click.option(
    "--baseline",
    "baseline",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Record every current finding in FILE; later runs with --baseline FILE report only new ones.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Lint only files changed since this git ref (committed, staged, unstaged and untracked).",
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="Lint standard input (`-`) as this file: its name in messages, JSON or YAML by its suffix, "
    "and --exclude matching.",
)
@lookup_server_options
@lint_context_options
def lint(
    paths: tuple[str, ...],
    output_format: str,
    target_version: str | None,
    spec_file: str | None,
    config_path: str | None,
    isolated: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    strict: bool | None,
    max_file_size: str | None,
    jobs: int,
    output_file: str | None,
    baseline: str | None,
    write_baseline: str | None,
    changed_since: str | None,
    stdin_filename: str | None,
    **live: object,
) -> None:
    """Lint blueprint files and folders (folders are searched for *.yaml, *.yml and *.json);
    `-` reads one blueprint from standard input.

    Exit status: 0 without errors, 1 with errors (or warnings with --strict), 2 for usage
    errors and unreadable paths. With --live-file or --url, also what only the server knows
    (AV801-AV807: `!Find` targets that do not exist, names already taken...).
    """
    from avlint.run import LintRequest, run_lint
    from avlint.settings_options import SettingsOptions

    options = SettingsOptions(
        target_version=target_version,
        config=config_path,
        isolated=isolated,
        select=select,
        ignore=ignore,
        exclude=exclude,
        strict=strict,
        max_file_size=max_file_size,
        jobs=jobs,
        spec=spec_file,
    )
    request = LintRequest(
        paths=paths or (() if stdin_filename is not None else (".",)),
        options=options,
        format=output_format,
        colour=(output_format == "text" or output_file is not None) and colour_wanted(),
        output=output_file,
        baseline=baseline,
        write_baseline=write_baseline,
        changed_since=changed_since,
        stdin_filename=stdin_filename,
        live=live_source_from(live),
    )
    sys.exit(run_lint(request, sys.stdout, sys.stderr))
