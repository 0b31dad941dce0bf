"""Options for commands that talk to a server (diff, pull, apply)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from avlint.live.command import ServerOptions

_SERVER_OPTIONS = [
    click.option("--url", envvar="AUTHENTIK_URL", help="The authentik server (or AUTHENTIK_URL)."),
    click.option(
        "--token", envvar="AUTHENTIK_TOKEN", help="API token (or AUTHENTIK_TOKEN; never printed).", show_envvar=False
    ),
    click.option("--token-file", type=click.Path(dir_okay=False), help="Read the API token from this file."),
    click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle to verify the server's certificate."),
    click.option("--insecure", is_flag=True, help="Do not verify TLS certificates."),
    click.option("--allow-http", is_flag=True, help="Allow sending the token over plain http to a non-loopback host."),
    click.option(
        "--connect-timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds to wait for a connection (default 5).",
    ),
    click.option(
        "--read-timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds for a whole answer, body included, to arrive (default 30).",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds for the whole run, retries included (default 300).",
    ),
    click.option(
        "--retries",
        "max_retries",
        type=click.IntRange(min=0),
        help="Retries on connection errors, 429 and 502-504 (default 4).",
    ),
    click.option("--concurrency", type=click.IntRange(1, 64), help="Requests in flight at most, 1-64 (default 32)."),
]


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_SERVER_OPTIONS):
        command = option(command)
    return command


def server_from(values: dict[str, Any]) -> ServerOptions:
    from avlint.live.command import ServerOptions

    return ServerOptions(**{key: values.pop(key) for key in _SERVER_KEYS})


_SERVER_KEYS = (
    "url",
    "token",
    "token_file",
    "ca_bundle",
    "insecure",
    "allow_http",
    "connect_timeout",
    "read_timeout",
    "max_retries",
    "concurrency",
    "timeout",
)


env_file_option = click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="KEY=VALUE lines for !Env, used as given (AUTHENTIK_TOKEN from the environment resolves as unset).",
)


def lookup_server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The server options for commands that only look objects up (lint, payload): --url is never
    taken from AUTHENTIK_URL, so an environment set for `diff` does not make `avlint lint FILE`
    go to the network."""
    for option in reversed(_SERVER_OPTIONS):
        if option is _SERVER_OPTIONS[0]:
            option = click.option("--url", help="Look references up on this authentik server (not AUTHENTIK_URL).")
        command = option(command)
    return click.option(
        "--live-file",
        "live_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A saved list page (GET /api/v3/stages/all/, /flows/instances/, ...) to look references up in (repeatable).",
    )(command)


def live_source_from(values: dict[str, Any]) -> Any:
    """The LiveSource of the lookup options (popped from `values`), or None when neither
    --live-file nor --url was given: then nothing of avlint.live is imported."""
    files = tuple(values.pop("live_files", ()) or ())
    if not files and not values.get("url"):
        for key in _SERVER_KEYS:
            values.pop(key, None)
        return None
    from avlint.live.listing_source import LiveSource

    server = server_from(values)
    return LiveSource(files, server if server.url else None)
