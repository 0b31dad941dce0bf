"""Options shared by several commands, as module-level decorators they stack."""

from __future__ import annotations

import click

target_version_option = click.option(
    "--target-version",
    metavar="VERSION",
    help="authentik version to check against, e.g. 2025.12 (default: the newest avlint knows).",
)
