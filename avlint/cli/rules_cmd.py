"""`avlint rules` and `avlint explain`: the rule catalogue on the terminal."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule: id, name, severity, effect, fixable and summary."""
    from avlint.docs import rules_json, rules_table

    click.echo(rules_json() if output_format == "json" else rules_table())


@click.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation with a bad and a good example."""
    from avlint.catalogue import UnknownRuleError, lookup
    from avlint.docs import explain_text

    try:
        found = lookup(rule)
    except UnknownRuleError as error:
        raise click.UsageError(str(error)) from None
    click.echo(explain_text(found))
