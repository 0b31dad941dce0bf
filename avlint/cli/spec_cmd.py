"""`avlint spec import` and `avlint spec show`: field specs as snapshot files."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from avlint.cli.options import spec_option, target_version_option


@click.group()
def spec() -> None:
    """Field specs: import one from an authentik OpenAPI schema, or show the one a run uses."""


@spec.command("import")
@click.argument("schema")
@click.option(
    "--out",
    "-o",
    "out_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the snapshot to FILE (default: standard output).",
)
def import_(schema: str, out_file: str | None) -> None:
    """Write the field spec of the authentik release whose OpenAPI SCHEMA this is.

    SCHEMA is a YAML or JSON file, or a server's URL such as https://HOST/api/v3/schema/
    (readable without a token). Lint with the result through `avlint lint --spec FILE`.
    """
    from avlint.atomic_write import write_file
    from avlint.spec.errors import SpecError
    from avlint.spec.text import import_note, imported_text

    try:
        text, snapshot = imported_text(schema)
    except SpecError as error:
        _fail(str(error))
    note = import_note(snapshot)
    if note:
        click.echo(f"avlint: note: {note}", err=True)
    if out_file is None:
        click.echo(text, nl=False)
        return
    try:
        write_file(out_file, text)
    except OSError as error:
        _fail(f"cannot write {out_file}: {error.strerror or error}")
    click.echo(
        f"wrote {out_file}: field spec of authentik {snapshot['authentik']} (from {snapshot['source']})", err=True
    )


@spec.command()
@target_version_option
@spec_option
def show(target_version: str | None, spec_file: str | None) -> None:
    """Print the field spec a lint run with these options uses, in the snapshot format."""
    from avlint.spec.errors import SpecError
    from avlint.spec.text import shown_text
    from avlint.versions import UnknownVersionError

    try:
        click.echo(shown_text(target_version, spec_file), nl=False)
    except (SpecError, UnknownVersionError) as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    click.echo(f"avlint: error: {message}", err=True)
    sys.exit(2)
