"""`avlint pull`: options in, a PullRequest out to avlint.live.pull_command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import server_from, server_options


@click.command()
@server_options
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the blueprint files (or use --update)."
)
@click.option(
    "--update",
    "update_paths",
    multiple=True,
    metavar="PATH",
    type=click.Path(),
    help="Write the live values into these existing blueprint files or folders instead (repeatable).",
)
@click.option("--diff", is_flag=True, help="With --update: print a unified diff of the update and write nothing.")
@click.option(
    "--add-missing",
    is_flag=True,
    help="With --update: also add the fields the server has and an entry leaves out.",
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
    out_dir: str | None,
    update_paths: tuple[str, ...],
    diff: bool,
    add_missing: bool,
    name: str | None,
    all_stages: bool,
    with_flows: bool,
    target_version: str | None,
    force: bool,
    **server: object,
) -> None:
    """Write live validation stages as blueprint files that lint clean and re-import elsewhere,
    or (--update) write the live values back into existing files, keeping comments and layout.

    Files are named flow-SLUG.yaml and stage-NAME.yaml; a name that is not a safe file name is
    shortened and made unique with a hash (stage-a_b~1a2b3c4d5e.yaml).
    With --update, exit status: 0 when done (with --diff: nothing to update), 1 when a file was
    not written (with --diff: something to update), 2 for usage errors and files that cannot be
    read, parsed or written (then nothing is written)."""
    contexts = server["contexts"]
    assert isinstance(contexts, tuple)
    if len(set(contexts)) > 1:
        raise click.UsageError(
            "pull writes one server's objects into --out: give one --context (pull each server into its own folder)"
            if not update_paths
            else "pull --update writes one server's values into the files: give one --context"
        )
    if update_paths:
        from avlint.live.pull_update import UpdateRequest, run_update

        given = [
            flag
            for flag, used in (
                ("--out", out_dir),
                ("--name", name),
                ("--all", all_stages),
                ("--with-flows", with_flows),
                ("--force", force),
            )
            if used
        ]
        if given:
            raise click.UsageError(f"--update writes into existing files: {given[0]} does not apply")
        update = UpdateRequest(update_paths, server_from(server), target_version, diff, add_missing)
        sys.exit(run_update(update, sys.stdout, sys.stderr))
    from avlint.live.pull_command import PullRequest, run_pull

    if out_dir is None:
        raise click.UsageError("give --out FOLDER for new files, or --update PATH to update existing ones")
    if diff or add_missing:
        raise click.UsageError(f"{'--diff' if diff else '--add-missing'} applies only with --update")
    if name and all_stages:
        raise click.UsageError("--name and --all exclude each other")
    request = PullRequest(server_from(server), out_dir, target_version, name, with_flows, force)
    sys.exit(run_pull(request, sys.stdout, sys.stderr))
