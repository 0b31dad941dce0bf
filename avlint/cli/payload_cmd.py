"""`avlint payload`: options in, a PayloadRequest out to avlint.payload.command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import live_source_from, lookup_server_options
from avlint.cli.options import config_options, jobs_option, target_version_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@target_version_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write one <source stem>.<model>-<name>.json per object here (default: JSON Lines on stdout).",
)
@click.option("--all-models", is_flag=True, help="Also emit flows and flow-stage bindings, not only validation stages.")
@click.option(
    "--allow-unresolved",
    is_flag=True,
    help="Write payloads even when references need a server (they are left out and reported).",
)
@click.option(
    "--env-file", type=click.Path(dir_okay=False), help="KEY=VALUE lines for !Env (on top of the environment)."
)
@click.option(
    "--context",
    multiple=True,
    metavar="KEY=VALUE|FILE",
    help="Values for !Context (repeatable): KEY=VALUE, read as a YAML scalar (false, 3, null; quote for text), or a YAML/JSON file.",
)
@config_options
@jobs_option
@lookup_server_options
def payload(
    paths: tuple[str, ...],
    target_version: str | None,
    out_dir: str | None,
    all_models: bool,
    allow_unresolved: bool,
    env_file: str | None,
    context: tuple[str, ...],
    config_path: str | None,
    isolated: bool,
    jobs: int,
    **live: object,
) -> None:
    """Emit the JSON create bodies the target version's API accepts.

    Safe fixes are applied, identifiers merged into attrs, only writable fields kept and tags
    resolved offline. A body that authentik would reject, or that has unresolved references
    (without --allow-unresolved; a reference to an object this run creates is one), is not
    written; an entry whose conditions are false is skipped. Each JSON Lines record carries
    the source path, line, model and API endpoint. With --live-file (saved list pages) or
    --url, `!Find`, `!KeyOf` to entries whose object exists and raw pks resolve to the
    server's pks, and a reference to nothing is an error at its position. Exit status: 0 when every payload was
    written or skipped, 1 when some were refused, 2 for usage errors and unreadable paths.
    """
    from avlint.payload.command import PayloadRequest, run_payload
    from avlint.settings_options import SettingsOptions

    options = SettingsOptions(target_version=target_version, config=config_path, isolated=isolated, jobs=jobs)
    request = PayloadRequest(
        paths or (".",), options, out_dir, all_models, allow_unresolved, env_file, context, live=live_source_from(live)
    )
    sys.exit(run_payload(request, sys.stdout, sys.stderr))
