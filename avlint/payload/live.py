"""`payload --live-file/--url`: the bodies built against the server's objects.

Entries whose identifiers find an existing object give references to them that object's pk
(`!KeyOf`, a pk identifier written elsewhere in the file); entries that find none are created
first. A raw pk in a reference field must be an object of the field's model on the server (the
server's spelling of it is sent), and a new stage or flow must not take a name or slug that
another object holds. Imported only with those options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from avlint.blueprint import FLOW, Document, Entry
from avlint.live.identity import same_pk
from avlint.live.known import Miss, check_raw_pk, identifiers_of, raw_pk_nodes
from avlint.live.listing import STAGE
from avlint.modelinfo import is_stage
from avlint.nodes import text_of

if TYPE_CHECKING:
    from avlint.live.known import KnownResolver
    from avlint.live.listing import KnownObjects, Lookup
    from avlint.payload.resolve import Resolver
    from avlint.spec import ModelSpec


def match_existing(document: Document, resolver: Resolver, known: KnownObjects) -> dict[int, Lookup]:
    """Entry index -> the existing object its identifiers find, for every entry that finds one.
    Their ids and pk identifiers then resolve to the server's pk."""
    live: KnownResolver = resolver  # type: ignore[assignment]  # built by build._resolver with a listing
    existing: dict[int, Lookup] = {}
    for entry in document.entries:
        if entry.model is None or entry.state not in ("present", "created", "must_created"):
            continue
        identifiers = identifiers_of(entry, resolver)
        if identifiers is None:
            continue
        found = known.match(entry.model, identifiers)
        if found.state != "found" or found.obj is None:
            continue
        existing[entry.index] = found
        pk = found.obj.get("pk")
        if entry.id is not None:
            live.live_ids[entry.id] = pk
        written = entry.identifiers.get("pk")
        text = text_of(written.value) if written is not None else None
        if text:
            live.live_pks[text] = pk
    return existing


def mark_uncreated(document: Document, emitted: list[Entry], existing: dict[int, Lookup], resolver: Resolver) -> None:
    """A `!KeyOf` to an entry of another model that is not on the server (payload does not emit
    it): say which entry must be created first."""
    emitted_ids = {entry.index for entry in emitted}
    for entry in document.entries:
        if entry.index in existing or entry.index in emitted_ids or entry.id is None or entry.model is None:
            continue
        resolver.pending_ids.setdefault(
            entry.id,
            f"entry '{entry.id}' ({entry.model}) does not exist on the server yet: create it first "
            "(`avlint apply` or authentik's importer creates both in one go)",
        )


def existing_outcome(entry: Entry, found: Lookup) -> tuple[str, str | None, str | None]:
    """(name, why skipped, why refused) of an entry whose object exists: authentik updates it
    (or, `created`, skips it); a create body for it would be refused, so none is written."""
    obj = found.obj or {}
    name = str(obj.get("slug") if entry.model == FLOW else obj.get("name") or obj.get("pk"))
    pk = obj.get("pk")
    if entry.state == "created":
        return name, f"its object exists on the server (pk {pk}) and state is created, so authentik skips it", None
    if entry.state == "must_created":
        return name, None, f"state must_created, but its object exists on the server (pk {pk}): the import fails"
    return (
        name,
        None,
        f"its object exists on the server (pk {pk}): a create body would be refused; `avlint apply` updates it",
    )


def server_pks(
    entry: Entry, spec: ModelSpec, body: dict[str, Any], resolver: Resolver, known: KnownObjects
) -> Miss | None:
    """Check each raw pk of a reference field against the server and send the server's
    spelling of it; the first that is missing or of another model, as a Miss."""
    own = set(resolver.pending_pks) | set(getattr(resolver, "live_pks", {}))
    for field_name, node, target in raw_pk_nodes(entry, spec):
        if node.value in own or field_name not in body:
            continue
        found, miss = check_raw_pk(known, node, target)
        if miss is not None:
            return miss
        if found.state == "found" and found.obj is not None:
            body[field_name] = _respelled(body[field_name], node.value, found.obj.get("pk"))
    return None


def _respelled(value: Any, written: str, server_pk: Any) -> Any:
    if isinstance(value, list):
        return [server_pk if _same(item, written) else item for item in value]
    return server_pk if _same(value, written) else value


def _same(value: Any, written: str) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and same_pk(str(value)) == same_pk(written)


def name_taken(entry: Entry, body: dict[str, Any], known: KnownObjects) -> str | None:
    """Why the POST of a new stage or flow would be refused for its name or slug, if it would."""
    if entry.model == FLOW:
        slug = body.get("slug")
        holders = known.holders(FLOW, "slug", slug) if isinstance(slug, str) else []
        if holders:
            return f"the slug '{slug}' is taken by a flow on the server: the POST would be refused with `Flow with this slug already exists.`"
    elif is_stage(entry.model):
        name = body.get("name")
        holders = known.holders(STAGE, "name", name) if isinstance(name, str) else []
        if holders:
            return (
                f"a stage named '{name}' exists on the server ({holders[0][0]}): the POST would be refused with "
                "`stage with this name already exists.`"
            )
    return None
