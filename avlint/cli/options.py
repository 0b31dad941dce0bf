"""Options shared by several commands, as module-level decorators they stack."""

from __future__ import annotations

import click

target_version_option = click.option(
    "--target-version",
    metavar="VERSION",
    help="authentik version to check against, e.g. 2025.12 (default: the newest avlint knows).",
)

jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (0: decide from the number of files and cores).",
)

spec_option = click.option(
    "--spec",
    "spec_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Use this field spec snapshot (from `avlint spec import`) instead of the bundled spec; its release becomes the target version.",
)
