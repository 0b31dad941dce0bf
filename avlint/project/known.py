"""Which objects a `!Find` can find: one question, several sources.

A source answers `find(model, conditions)` with the objects it knows that match. The set of
blueprints is one source (`SetObjects`), authentik's own default blueprints another
(`DefaultObjects`); a live server or a saved listing can be put after them with `Chain`, which
asks each source in turn and keeps the first answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from avlint.project.summary import ObjectDef, Values
from avlint.versions import Release


class Known(NamedTuple):
    """An object some source knows: its model, its plain field values, and who creates it."""

    model: str
    values: Values
    source: str  # "set", "default", or another source's name
    path: str | None = None  # the file that creates it (set objects)
    line: int = 0
    blueprint: str | None = None  # the default blueprint that creates it (default objects)


class KnownObjects(Protocol):
    def find(self, model: str | None, conditions: Values) -> list[Known]:
        """The objects matching every condition; with model None, of any model."""
        ...


def matches(values: Values | dict[str, str], conditions: Values) -> bool:
    """Whether an object with these field values is what `!Find` conditions look up. Only
    exact lookups (`field`, `field__exact`, `field__iexact`) can be decided offline."""
    known = dict(values)
    for field, wanted in conditions:
        name, _, lookup = field.partition("__")
        if lookup not in ("", "exact", "iexact"):
            return False
        have = known.get(name)
        if have is None:
            return False
        if have != wanted and not (lookup == "iexact" and have.lower() == wanted.lower()):
            return False
    return True


def decidable(conditions: Values) -> bool:
    """Whether conditions only use lookups `matches` can decide."""
    return all(field.partition("__")[2] in ("", "exact", "iexact") for field, _ in conditions)


class SetObjects:
    """The objects the blueprints of the set create, by model. Indexed on the first question:
    most sets of exports hold no `!Find` at all."""

    def __init__(self, definitions: Iterable[tuple[str, ObjectDef]]) -> None:
        self.definitions = definitions
        self.by_model: dict[str, list[tuple[str, ObjectDef]]] | None = None
        # (field, value) -> the objects with it: an exact condition looks at those only.
        self.by_value: dict[tuple[str, str], list[tuple[str, ObjectDef]]] = {}

    def find(self, model: str | None, conditions: Values) -> list[Known]:
        if self.by_model is None:
            self.by_model = {}
            for path, definition in self.definitions:
                self.by_model.setdefault(definition.model, []).append((path, definition))
                for pair in _fields(definition):
                    self.by_value.setdefault(pair, []).append((path, definition))
        exact = next(((field.partition("__")[0], value) for field, value in conditions if _is_exact(field)), None)
        if exact is not None:
            pools = [[item for item in self.by_value.get(exact, []) if model is None or item[1].model == model]]
        else:
            pools = [self.by_model.get(model, [])] if model is not None else list(self.by_model.values())
        found = []
        for pool in pools:
            for path, definition in pool:
                values = _fields(definition)
                if matches(values, conditions):
                    found.append(Known(definition.model, values, "set", path, definition.span[0]))
        return found


class DefaultObjects:
    """The objects authentik's own blueprints create on every server of a release line."""

    def __init__(self, release: Release) -> None:
        from avlint.default_objects import default_objects

        self.rows: list[Known] = []
        for row in default_objects(release):
            values = {**_texts(row["attrs"]), **_texts(row["identifiers"])}
            self.rows.append(Known(row["model"], tuple(sorted(values.items())), "default", blueprint=row["blueprint"]))
        self.blueprints = frozenset(str(row["blueprint"]) for row in default_objects(release))

    def find(self, model: str | None, conditions: Values) -> list[Known]:
        return [
            known
            for known in self.rows
            if (model is None or known.model == model) and matches(known.values, conditions)
        ]


class Chain:
    """Several sources asked in order; the first that knows a match answers."""

    def __init__(self, *sources: KnownObjects) -> None:
        self.sources = sources

    def find(self, model: str | None, conditions: Values) -> list[Known]:
        for source in self.sources:
            found = source.find(model, conditions)
            if found:
                return found
        return []


def _is_exact(field: str) -> bool:
    return field.partition("__")[2] in ("", "exact")


def _fields(definition: ObjectDef) -> Values:
    pk = (("pk", definition.pk),) if definition.pk is not None else ()
    return definition.identifiers + definition.values + pk


def _texts(values: dict[str, Any]) -> dict[str, str]:
    """Plain values as the summaries spell them (a tag's text, kept as a string, never matches
    a plain condition by accident: it starts with `!`)."""
    return {
        key: str(value) for key, value in values.items() if value is not None and not isinstance(value, (dict, list))
    }
