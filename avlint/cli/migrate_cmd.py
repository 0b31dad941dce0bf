"""`avlint migrate`: options in, a MigrateRequest out to avlint.migrate.command."""

from __future__ import annotations

import sys

import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--to", "to_version", required=True, metavar="VERSION", help="The authentik release to migrate to, e.g. 2026.5."
)
@click.option(
    "--from",
    "--source-version",
    "from_version",
    metavar="VERSION",
    help="The release the files were written for (default: the range their content fits; asked for when a step depends on it).",
)
@click.option("--diff", is_flag=True, help="Print a unified diff and write nothing.")
@click.option(
    "--live-file",
    type=click.Path(dir_okay=False),
    help="A saved API listing (e.g. /api/v3/stages/all/ as JSON) to turn pks of objects outside the file into !Find.",
)
@click.option(
    "--flow-set-order",
    type=click.IntRange(-(2**31), 2**31 - 1),
    metavar="N",
    help="Crossing 2025.12: bind the flows a stage's flow_set names at this order (flow_set holds none).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config file.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
def migrate(
    paths: tuple[str, ...],
    to_version: str,
    from_version: str | None,
    diff: bool,
    live_file: str | None,
    flow_set_order: int | None,
    config_path: str | None,
    isolated: bool,
) -> None:
    """Move blueprints to a newer authentik: version steps, pks to !KeyOf/!Find, entry order,
    then the safe fixes. Prints what changed per file.

    Exit status: 0 when every file migrated (with --diff: nothing to change), 1 when a file
    could not be migrated (with --diff: something to change), 2 for usage errors.
    """
    from avlint.migrate.command import MigrateRequest, run_migrate
    from avlint.run import LintRequest

    lint = LintRequest(paths=paths or (".",), target_version=to_version, config=config_path, isolated=isolated)
    sys.exit(run_migrate(MigrateRequest(lint, from_version, diff, live_file, flow_set_order), sys.stdout, sys.stderr))
