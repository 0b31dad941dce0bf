"""`avlint apply`: options in, an ApplyRequest out to avlint.live.command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import env_file_option, server_from, server_options
from avlint.cli.options import colour_wanted, config_options


class _Progress:
    """A click progress bar on a terminal; silent elsewhere."""

    def __init__(self, total: int) -> None:
        self._bar = click.progressbar(length=total, label="Applying", file=sys.stderr) if sys.stderr.isatty() else None
        if self._bar is not None:
            self._bar.__enter__()

    def update(self, steps: int) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@server_options
@click.option(
    "--target-version",
    metavar="VERSION|auto",
    help="authentik version to target (default: the server's own, unless a config file names one).",
)
@click.option("--yes", is_flag=True, help="Carry out the plan (without it, only print the plan).")
@click.option("--prune", is_flag=True, help="Also delete objects the files mark `state: absent`.")
@env_file_option
@config_options
def apply(
    paths: tuple[str, ...],
    target_version: str | None,
    yes: bool,
    prune: bool,
    config_path: str | None,
    isolated: bool,
    env_file: str | None,
    **server: object,
) -> None:
    """Bring a live authentik in line with the files: print the plan, then with --yes create
    missing objects, patch changed ones and (with --prune) delete absent ones.

    A failing object is reported with the file position the server complained about and the
    run goes on. Exit status: 0 when everything succeeded, 1 when something failed, 2 for
    usage and connection errors. Running it twice in a row, the second run does nothing.
    """
    from avlint.live.command import ApplyRequest, DiffRequest, run_apply
    from avlint.settings_options import SettingsOptions

    options = SettingsOptions(target_version=target_version, config=config_path, isolated=isolated)
    diff = DiffRequest(paths or (".",), options, server_from(server), colour=colour_wanted(), env_file=env_file)
    request = ApplyRequest(diff, yes, prune)
    sys.exit(run_apply(request, sys.stdout, sys.stderr, progress_factory=_Progress))
