"""Errors of the spec sources: each message is one line, ready for the user."""

from __future__ import annotations


class SpecError(Exception):
    """A spec snapshot or an OpenAPI schema that avlint cannot use."""


class SchemaError(SpecError):
    """An OpenAPI schema the importer cannot read or derive a spec from."""


class SnapshotError(SpecError):
    """A spec snapshot (`--spec FILE`) that is missing, malformed or for another release."""
