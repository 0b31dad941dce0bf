"""`avlint fix`: options in, a FixRequest out to avlint.fix.command."""

from __future__ import annotations

import sys

import click

from avlint.cli.options import config_options, jobs_option, target_version_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@target_version_option
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes and write nothing.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also apply fixes that change what authentik does (marked unsafe in `avlint rules`).",
)
@config_options
@click.option(
    "--select",
    multiple=True,
    metavar="IDS",
    help="Only apply these rules' fixes (ids or names, comma-separated); every remaining error still counts.",
)
@click.option("--ignore", multiple=True, metavar="IDS", help="Do not apply these rules' fixes.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching this glob.")
@jobs_option
@click.option(
    "--project",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="With --unsafe-fixes: raw pks of objects that a blueprint under DIR creates become !Find by name.",
)
def fix(
    paths: tuple[str, ...],
    target_version: str | None,
    diff: bool,
    unsafe_fixes: bool,
    config_path: str | None,
    isolated: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    jobs: int,
    project: str | None,
) -> None:
    """Apply safe fixes in place, keeping comments and formatting byte for byte.

    A file is written (atomically) only when it still loads and re-lints with no new finding.
    The findings that remain are listed as `avlint lint` lists them.
    Exit status: 0 when no error remains, 1 when errors remain or a file could not be fixed
    (with --diff: 1 when there is something to fix), 2 for usage errors and unreadable paths,
    130 or 143 when stopped by SIGINT or SIGTERM.
    """
    from avlint.fix.command import FixRequest, run_fix
    from avlint.settings_options import SettingsOptions

    options = SettingsOptions(
        target_version=target_version,
        config=config_path,
        isolated=isolated,
        select=select,
        ignore=ignore,
        exclude=exclude,
        jobs=jobs,
    )
    sys.exit(
        run_fix(
            FixRequest(paths or (".",), options, diff=diff, unsafe=unsafe_fixes, project=project),
            sys.stdout,
            sys.stderr,
        )
    )
