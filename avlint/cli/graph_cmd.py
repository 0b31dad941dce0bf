"""`avlint graph`: options in, a GraphRequest out to avlint.graph.command."""

from __future__ import annotations

import sys

import click

from avlint.cli.live_options import server_from, server_options

GRAPH_FORMATS = ("mermaid", "markdown", "dot", "svg", "html")  # avlint.graph.FORMATS, without importing it


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(GRAPH_FORMATS),
    default="mermaid",
    show_default=True,
    help="mermaid (a fenced block for a comment), markdown (a section per flow with findings), dot, svg or html.",
)
@click.option("--flow", "flows", multiple=True, metavar="SLUG", help="Draw only this flow (repeatable).")
@click.option(
    "--output",
    "-o",
    "output_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the drawing to FILE (atomically) instead of standard output.",
)
@click.option(
    "--target-version",
    metavar="VERSION",
    help="authentik version to lint against (`auto` with --url asks the server).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Use this config file.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching this glob (repeatable).")
@click.option(
    "--live-file",
    type=click.Path(dir_okay=False),
    help="Show drift against a saved listing (the JSON of a list endpoint) on the drawing.",
)
@server_options
def graph(
    paths: tuple[str, ...],
    output_format: str,
    flows: tuple[str, ...],
    output_file: str | None,
    target_version: str | None,
    config_path: str | None,
    isolated: bool,
    exclude: tuple[str, ...],
    live_file: str | None,
    **server: object,
) -> None:
    """Draw the flows the blueprint files define: stages by order, policies, configuration
    stages and lint findings; with --live-file or --url (not AUTHENTIK_URL alone), also the
    drift from the server.

    Exit status: 0 drawn, 1 some file could not be read as a blueprint, 2 usage error.
    """
    from avlint.graph.command import GraphRequest, run_graph
    from avlint.run import LintRequest

    # Drift only when asked on the command line: an AUTHENTIK_URL exported for `diff` must not
    # turn every drawing into a call to the server.
    if click.get_current_context().get_parameter_source("url") is not click.core.ParameterSource.COMMANDLINE:
        server["url"] = None

    lint = LintRequest(
        paths=paths or (".",), target_version=target_version, config=config_path, isolated=isolated, exclude=exclude
    )
    request = GraphRequest(lint, output_format, flows, output_file, live_file, server_from(server))
    sys.exit(run_graph(request, sys.stdout, sys.stderr))
