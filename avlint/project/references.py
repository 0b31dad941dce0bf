"""Raw primary keys that another blueprint of the set creates: what `fix --unsafe-fixes` writes
instead (`!Find` by name), as `migrate` does with a saved listing (avlint.migrate.references).

An entry that gives its object a fixed pk in its identifiers (as authentik's exports do) lets a
raw pk elsewhere in the same file refer to it; from another file it names an object that a
fresh server creates with another pk (authentik issue #5811).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avlint.migrate.references import Known
    from avlint.project.summary import FileSummary, ObjectDef

# The fields that name an object, in the order a `!Find` prefers them.
NAMING_FIELDS = ("slug", "name", "field_key", "username")


def set_references(summaries: list[FileSummary | None]) -> dict[str, Known]:
    """pk -> how to find the object by name, for every object of the set with a fixed pk and
    a plain naming field."""
    from avlint.migrate.references import Known

    found: dict[str, Known] = {}
    for summary in summaries:
        for document in summary or ():
            for definition in document.defs:
                naming = _naming(definition)
                if definition.pk is not None and naming is not None:
                    found.setdefault(definition.pk, Known(definition.model, *naming))
    return found


def _naming(definition: ObjectDef) -> tuple[str, str] | None:
    for fields in (dict(definition.identifiers), dict(definition.values)):
        for name in NAMING_FIELDS:
            if name in fields:
                return name, fields[name]
    return None
