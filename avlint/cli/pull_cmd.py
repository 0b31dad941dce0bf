"""`avlint pull`: options in, a PullRequest out to avlint.live.pull_command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import server_from, server_options


@click.command()
@server_options
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the blueprint files."
)
@click.option("--name", help="Only the validation stage with this name.")
@click.option(
    "--all", "all_stages", is_flag=True, help="Every validation stage (the default when --name is not given)."
)
@click.option(
    "--with-flows", is_flag=True, help="Also the flows that use the stages, with their bindings (one file per flow)."
)
@click.option(
    "--target-version", metavar="VERSION|auto", help="authentik version of the server (default: ask the server)."
)
@click.option(
    "--force", is_flag=True, help="Replace files that exist in --out (otherwise the run refuses and writes nothing)."
)
def pull(
    out_dir: str,
    name: str | None,
    all_stages: bool,
    with_flows: bool,
    target_version: str | None,
    force: bool,
    **server: object,
) -> None:
    """Write live validation stages as blueprint files that lint clean and re-import elsewhere.

    Files are named flow-SLUG.yaml and stage-NAME.yaml; a name that is not a safe file name is
    shortened and made unique with a hash (stage-a_b~1a2b3c4d5e.yaml)."""
    from avlint.live.pull_command import PullRequest, run_pull

    if name and all_stages:
        raise click.UsageError("--name and --all exclude each other")
    contexts = server["contexts"]
    assert isinstance(contexts, tuple)
    if len(set(contexts)) > 1:
        raise click.UsageError(
            "pull writes one server's objects into --out: give one --context (pull each server into its own folder)"
        )
    request = PullRequest(server_from(server), out_dir, target_version, name, with_flows, force)
    sys.exit(run_pull(request, sys.stdout, sys.stderr))
