"""The declarative migration table (rules/migrations.yaml) turned into fixes per entry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from yaml.nodes import MappingNode, SequenceNode

from avlint.blueprint import Document, Entry
from avlint.fix.model import Fix, Step, delete_pair
from avlint.migrate.flow_set import NewBinding, bindings_for
from avlint.nodes import is_null, start
from avlint.resources import load_data
from avlint.versions import Release


@dataclass(frozen=True)
class MigrationStep:
    to: Release
    model: str
    transform: str
    note: str
    old: str | None = None
    new: str | None = None
    value: Any = None


@dataclass(frozen=True)
class Change:
    line: int
    note: str
    fix: Fix
    bindings: tuple[NewBinding, ...] = ()  # entries to add once the fix is applied
    entry: int = -1  # the index of the entry the fix changes


@lru_cache(maxsize=1)
def migration_steps() -> tuple[MigrationStep, ...]:
    rows = load_data("migrations.yaml")["steps"]
    steps = [
        MigrationStep(
            Release.parse(row["to"]),
            row["model"],
            row["transform"],
            row["note"],
            row.get("old"),
            row.get("new"),
            row.get("value"),
        )
        for row in rows
    ]
    return tuple(sorted(steps, key=lambda step: step.to))


def steps_between(source: Release, target: Release) -> list[MigrationStep]:
    return [step for step in migration_steps() if source < step.to <= target]


def plan(step: MigrationStep, document: Document, flow_set_order: int | None = None) -> list[Change]:
    """The step's changes to the document. FlowSetRefused when a flow_set cannot become
    bindings (a flow it names has no binding and no order was given)."""
    changes = []
    for entry in document.entries:
        if entry.model != step.model or entry.state in ("absent", None) or not isinstance(entry.node, MappingNode):
            continue
        if step.transform == "flow_set_to_bindings":
            change = _flow_set_to_bindings(step, entry, document, flow_set_order)
            if change is not None:
                changes.append(change)
            continue
        fix = _TRANSFORMS[step.transform](step, entry)
        if fix is not None:
            changes.append(Change(start(entry.node)[0], f"{step.to}: {step.note}", fix))
    return changes


def _flow_set_to_bindings(step: MigrationStep, entry: Entry, document: Document, order: int | None) -> Change | None:
    fix = _delete(step, entry)
    if fix is None:
        return None
    bindings = tuple(bindings_for(entry, document, order))
    pair = entry.attrs[step.old or ""]
    named = len(pair.value.value) if isinstance(pair.value, SequenceNode) else 0
    if bindings:
        note = f"{step.to}: {step.note}: {len(bindings)} binding entr{'ies' if len(bindings) > 1 else 'y'} added"
    elif named:
        note = f"{step.to}: {step.note}: the file binds the stage to each of its flows already"
    else:
        note = f"{step.to}: {step.note}"
    return Change(start(entry.node)[0], note, fix, bindings, entry.index)


def _wrap_list(step: MigrationStep, entry: Entry) -> Fix | None:
    pair = entry.attrs.get(step.old or "")
    if pair is None or pair.parent is None:
        return None
    if step.new in entry.data():  # both spellings: the new one wins on the newer server
        return delete_pair(pair.parent, pair.key_node, f"remove '{step.old}' ('{step.new}' is set too)")
    if is_null(pair.value):  # no stage set: an empty list, never [null]
        return Fix(
            f"'{step.old}' becomes '{step.new}' (empty)",
            (Step("rename_key", pair.key_node, text=step.new), Step("replace", pair.value, text="[]")),
        )
    steps = (Step("rename_key", pair.key_node, text=step.new), Step("wrap_list", pair.value))
    return Fix(f"'{step.old}' becomes '{step.new}' (a list)", steps)


def _delete(step: MigrationStep, entry: Entry) -> Fix | None:
    pair = entry.attrs.get(step.old or "")
    if pair is None or pair.parent is None:
        return None
    return delete_pair(pair.parent, pair.key_node, f"remove '{step.old}'")


def _keep_old_default(step: MigrationStep, entry: Entry) -> Fix | None:
    if step.new in entry.data():
        return None
    value = _yaml_scalar(step.value)
    attrs = entry.pairs.get("attrs")
    if attrs is not None and isinstance(attrs.value, MappingNode):
        return Fix(f"write {step.new}: {value}", (Step("insert_pair", attrs.value, text=f"{step.new}: {value}"),))
    if attrs is None:
        return Fix(
            f"write {step.new}: {value}", (Step("insert_pair", entry.node, text=f"attrs: {{{step.new}: {value}}}"),)
        )
    return None


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_TRANSFORMS = {"wrap_list": _wrap_list, "delete": _delete, "keep_old_default": _keep_old_default}
