"""Options for commands that talk to a server (diff, pull, apply, graph): --url and its token, TLS and
timeouts, or --context NAME for a server of the contexts file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from avlint.live.server_options import ServerOptions

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
    click.option(
        "--context",
        "contexts",
        multiple=True,
        metavar="NAME",
        help="A server named in the contexts file, instead of --url (diff: repeat it to check several at once).",
        shell_complete=lambda context, _, incomplete: _context_names(context, incomplete),
    ),
    click.option(
        "--contexts-file",
        type=click.Path(dir_okay=False),
        help="The contexts file (default: AVLINT_CONTEXTS, else ~/.config/avlint/contexts.yaml).",
    ),
]
# What a context names itself: given with --context, these are a usage error, and values that
# came from the environment (AUTHENTIK_URL, AUTHENTIK_TOKEN) are set aside.
_CONTEXT_DECIDES = {
    "url": "a context names its server",
    "token": "a context's token comes from its token_env or token_file",
    "token_file": "a context's token comes from its token_env or token_file",
    "ca_bundle": "a context names its own ca_bundle",
    "insecure": "a context says itself whether it is insecure",
    "allow_http": "a context says itself whether it allows http",
}


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_SERVER_OPTIONS):
        command = option(command)
    return command


def server_from(values: dict[str, Any]) -> ServerOptions:
    from avlint.live.server_options import ServerOptions

    keys = (*_LOOKUP_KEYS, "contexts", "contexts_file")
    given = {key: values.pop(key) for key in keys}
    if given["contexts"]:
        _set_aside_for_contexts(given)
    return ServerOptions(**given)


def _set_aside_for_contexts(given: dict[str, Any]) -> None:
    source = click.get_current_context().get_parameter_source
    for key, reason in _CONTEXT_DECIDES.items():
        if not given[key]:
            continue
        if source(key) is click.core.ParameterSource.ENVIRONMENT:
            given[key] = None
            continue
        option = "--" + key.replace("_", "-")
        raise click.UsageError(f"--context and {option} exclude each other: {reason}")


env_file_option = click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="KEY=VALUE lines for !Env, used as given (AUTHENTIK_TOKEN from the environment resolves as unset).",
)


def _context_names(context: click.Context, incomplete: str) -> list[str]:
    """Shell completion of --context: the names of the contexts file (none when it cannot be read)."""
    import os

    from avlint.live.contexts import ContextError, load_contexts

    try:
        found = load_contexts(context.params.get("contexts_file"), os.environ)
    except ContextError:
        return []
    return [name for name in sorted(found.contexts) if name.startswith(incomplete)]


def lookup_server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The server options for commands that only look objects up (lint, payload): --url is never
    taken from AUTHENTIK_URL, so an environment set for `diff` does not make `avlint lint FILE`
    go to the network."""
    # The connection options of `diff`, without --context/--contexts-file (payload's --context
    # gives !Context values) and with a --url that the environment does not set.
    url = click.option("--url", help="Look references up on this authentik server (not AUTHENTIK_URL).")
    for option in reversed([url, *_SERVER_OPTIONS[1 : len(_LOOKUP_KEYS)]]):
        command = option(command)
    return click.option(
        "--live-file",
        "live_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A saved list page (GET /api/v3/stages/all/, /flows/instances/, ...) to look references up in (repeatable).",
    )(command)


def lint_context_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`lint --context NAME` (repeatable) and --contexts-file: the servers of the contexts file to
    look references up on. Not on `payload`, whose --context gives !Context values."""
    for option in reversed(_SERVER_OPTIONS[-2:]):
        command = option(command)
    return command


def live_source_from(values: dict[str, Any]) -> Any:
    """The LiveSource of the lookup options (popped from `values`), or None when neither
    --live-file, --url nor --context was given: then nothing of avlint.live is imported."""
    files = tuple(values.pop("live_files", ()) or ())
    contexts = tuple(values.pop("contexts", ()) or ())
    contexts_file = values.pop("contexts_file", None)
    if not files and not values.get("url") and not contexts:
        for key in _LOOKUP_KEYS:
            values.pop(key, None)
        return None
    from avlint.live.listing_source import LiveSource
    from avlint.live.server_options import ServerOptions

    given = {key: values.pop(key) for key in _LOOKUP_KEYS}
    if contexts:
        for key, reason in _CONTEXT_DECIDES.items():
            if given[key]:
                raise click.UsageError(f"--context and --{key.replace('_', '-')} exclude each other: {reason}")
        return LiveSource(files, ServerOptions(**given, contexts=contexts, contexts_file=contexts_file))
    server = ServerOptions(**given)
    return LiveSource(files, server if server.url else None)


# The options of lookup_server_options, in the order of _SERVER_OPTIONS.
_LOOKUP_KEYS = (
    "url",
    "token",
    "token_file",
    "ca_bundle",
    "insecure",
    "allow_http",
    "connect_timeout",
    "read_timeout",
    "timeout",
    "max_retries",
    "concurrency",
)
