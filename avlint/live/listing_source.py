"""Where `lint` and `payload` take the server's objects from: saved list pages (--live-file,
repeatable) or a server (--url and the connection options of `diff`). Either way a `Listing`,
or a UsageError (exit 2) whose message never holds the token."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from avlint.usage import UsageError

if TYPE_CHECKING:
    from avlint.live.listing import Listing
    from avlint.live.server_options import ServerOptions


@dataclass(frozen=True)
class LiveSource:
    files: tuple[str, ...] = ()
    server: ServerOptions | None = None  # only when --url was given on the command line

    @property
    def given(self) -> bool:
        return bool(self.files) or self.server is not None


def open_listing(source: LiveSource, models: Iterable[str], max_size: int | None = None) -> Listing:
    """The listing of the saved files, or fetched from the server (only the lists that the
    given models need, besides stages and flows)."""
    from avlint.live.listing import ListingError, load_listing_files

    if source.files and source.server is not None:
        server = "--context" if source.server.contexts or source.server.context_name else "--url"
        raise UsageError(f"give either --live-file or {server}, not both")
    if source.files:
        try:
            return load_listing_files(source.files, max_size)
        except ListingError as error:
            raise UsageError(str(error)) from None
    assert source.server is not None
    return _fetch(source.server, models)


def _fetch(server: ServerOptions, models: Iterable[str]) -> Listing:
    import io

    from avlint.live.client import ApiError, Client
    from avlint.live.command import RunDeadline, connection_from, guarded_streams, within
    from avlint.live.connection import ConnectionError_
    from avlint.live.listing import endpoints_for_models, fetch_listing

    redact, _, _ = guarded_streams(server, io.StringIO(), io.StringIO())
    endpoints = endpoints_for_models(models)
    try:
        connection = connection_from(server)

        async def session() -> Listing:
            async with Client(connection) as client:
                return await fetch_listing(client, endpoints)

        return within(connection.run_timeout, session())
    except (ConnectionError_, ApiError, RunDeadline) as error:
        raise UsageError(redact(str(error))) from None
