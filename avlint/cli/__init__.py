"""The command line: a click group; each command lives in its own module and only parses
options before handing a request to the core."""

from __future__ import annotations

import click

from avlint.cli.apply_cmd import apply
from avlint.cli.diff_cmd import diff
from avlint.cli.fix_cmd import fix
from avlint.cli.graph_cmd import graph
from avlint.cli.lint_cmd import lint
from avlint.cli.migrate_cmd import migrate
from avlint.cli.payload_cmd import payload
from avlint.cli.pull_cmd import pull
from avlint.cli.rules_cmd import explain, rules
from avlint.cli.spec_cmd import spec
from avlint.cli_version import version_text


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the avlint version and the authentik versions it knows.",
)
def cli() -> None:
    """Lint authentik blueprints for the Authenticator Validation Stage, its flows and bindings."""


cli.add_command(lint)
cli.add_command(fix)
cli.add_command(payload)
cli.add_command(migrate)
cli.add_command(diff)
cli.add_command(apply)
cli.add_command(pull)
cli.add_command(rules)
cli.add_command(explain)
cli.add_command(spec)
cli.add_command(graph)
