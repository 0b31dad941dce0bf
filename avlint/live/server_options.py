"""How to reach the server, as the command line said it: what every live command is given."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerOptions:
    url: str | None = None
    token: str | None = None
    token_file: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    allow_http: bool = False
    connect_timeout: float | None = None
    read_timeout: float | None = None
    max_retries: int | None = None
    concurrency: int | None = None
    timeout: float | None = None  # the whole run, in seconds
    contexts: tuple[str, ...] = ()  # --context NAME...: servers named in the contexts file
    contexts_file: str | None = None  # --contexts-file (else AVLINT_CONTEXTS, else the user's default)
    context_name: str | None = None  # set on the options a context resolved to
