"""Options shared by several commands, defined once, as decorators they stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from avlint.terminal import colour_wanted

__all__ = ["colour_wanted", "config_options", "jobs_option", "spec_option", "target_version_option"]

Command = TypeVar("Command", bound=Callable[..., Any])

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

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Use this config file instead of searching for .avlint.yaml or pyproject.toml.",
)

_isolated_option = click.option("--isolated", is_flag=True, help="Ignore every config file.")


def config_options(command: Command) -> Command:
    """--config FILE and --isolated: which config file, if any, the command reads."""
    return _config_option(_isolated_option(command))
