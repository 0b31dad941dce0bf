"""How the blueprint importer compares an identifier with a stored value, for finding an
entry's live object.

Django compares in the database: a UUID field parses the value as a UUID (so letter case and
the hyphen-less form do not matter), an integer field as an integer, and every other field
exactly, letter case included. Lower-casing everything would match a file's `partner-mfa` with
a live `Partner-MFA` and change the wrong object.
"""

from __future__ import annotations

import uuid
from typing import Any

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE

# Fields whose values are UUIDs (pks and references to other objects' pks), per model; any
# other model compares only its pk as a UUID.
UUID_FIELDS = {
    FLOW: frozenset({"pk", "flow_uuid"}),
    VALIDATE_STAGE: frozenset({"pk", "stage_uuid"}),
    BINDING: frozenset({"pk", "fsb_uuid", "target", "stage"}),
}
INTEGER_FIELDS = {BINDING: frozenset({"order"})}
_MISSING = ("missing",)


def same_pk(value: Any) -> str:
    """A UUID in one canonical spelling, as Django compares UUIDs; anything else as it is."""
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return value
    return str(value)


def key(model: str, field: str, value: Any) -> Any:
    """What the database compares for `field = value`: equal keys match, different keys do not."""
    if value is None:
        return _MISSING  # `field = NULL` matches no row (no identifier field is nullable)
    if field in UUID_FIELDS.get(model, frozenset({"pk"})):
        return ("uuid", same_pk(value))
    if field in INTEGER_FIELDS.get(model, frozenset()):
        try:
            return ("int", int(value))
        except (TypeError, ValueError):
            return ("bad-int", str(value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str | int | float):
        return ("text", str(value))
    return ("other", repr(value))
