"""`avlint diff`: options in, a DiffRequest out to avlint.live.command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import env_file_option, server_from, server_options
from avlint.cli.options import colour_wanted, config_options


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@server_options
@click.option(
    "--target-version",
    metavar="VERSION|auto",
    help="authentik version to target (default: the server's own, unless a config file names one).",
)
@click.option(
    "--live-file",
    type=click.Path(dir_okay=False),
    help="Diff against a saved retrieval (the JSON of a list endpoint) instead of a server.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json", "html")),
    default="text",
    show_default=True,
    help="text (a plan), json, or html (the drift drawn on the flows, as `avlint graph --format html`).",
)
@click.option("--show-defaults", is_flag=True, help="Also show the live values of fields the files leave out.")
@click.option("--orphans", is_flag=True, help="Also list live validation stages that no file defines.")
@env_file_option
@config_options
def diff(
    paths: tuple[str, ...],
    target_version: str | None,
    live_file: str | None,
    output_format: str,
    show_defaults: bool,
    orphans: bool,
    config_path: str | None,
    isolated: bool,
    env_file: str | None,
    **server: object,
) -> None:
    """Show drift between blueprint files and a live authentik, like `terraform plan`.

    With several --context, every server is checked at once, each in its own section.
    Exit status (as `kubectl diff`): 0 no drift, 1 drift, 2 error (the worst of all servers).
    """
    from avlint.live.command import DiffRequest, run_diff
    from avlint.settings_options import SettingsOptions

    if live_file and server.get("contexts"):
        raise click.UsageError("--live-file and --context exclude each other: a saved listing is not a server")
    options = SettingsOptions(target_version=target_version, config=config_path, isolated=isolated)
    colour = output_format == "text" and colour_wanted()
    request = DiffRequest(
        paths or (".",),
        options,
        server_from(server),
        live_file,
        output_format,
        show_defaults,
        orphans,
        colour,
        env_file,
    )
    if request.server.contexts:  # one section per server, even for one: a script reads one shape
        from avlint.live.diff_many import run_diff_many

        sys.exit(run_diff_many(request, sys.stdout, sys.stderr))
    sys.exit(run_diff(request, sys.stdout, sys.stderr))
