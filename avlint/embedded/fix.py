"""`avlint fix` and `avlint migrate` on a file of ConfigMaps and Secrets: each embedded blueprint
is fixed or migrated like a file, and the new text is written back into its value
(avlint.embedded.writeback). When one value cannot be fixed or written back exactly, the file
is left as it was and the reason names the object and key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from avlint.embedded.carriers import EmbeddedValue, embedded_values
from avlint.embedded.lint import is_blueprint
from avlint.embedded.positions import PositionMap, line_starts
from avlint.embedded.writeback import WriteBackRefused, verify, write_back
from avlint.fix.edits import Edit, apply_edits

if TYPE_CHECKING:
    from avlint.fix.apply import FixOutcome
    from avlint.migrate.command import Migration
    from avlint.migrate.references import Known
    from avlint.settings import Settings
    from avlint.versions import Release


def _blueprints(values: list[EmbeddedValue]) -> list[tuple[int, EmbeddedValue, str]]:
    return [
        (index, value, value.text)
        for index, value in enumerate(values)
        if value.text is not None and is_blueprint(value.text)
    ]


def _positions(outer: str, value: EmbeddedValue, inner: str) -> PositionMap:
    return PositionMap(line_starts(outer), inner, value.offsets(outer), value.node.start_mark.index)


def fix_embedded(
    path: str, text: str, settings: Settings, unsafe: bool, fixable: frozenset[str] | None
) -> FixOutcome | None:
    """The outcome of fixing the file's embedded blueprints; None when it holds no ConfigMap or Secret."""
    from avlint.engine import lint_text
    from avlint.fix.apply import Applied, FixOutcome, fix_text

    had_bom = text.startswith("\ufeff")
    body = text.removeprefix("\ufeff")
    values = embedded_values(body)
    if values is None:
        return None
    before = lint_text(path, body, settings, had_bom)
    outcome = FixOutcome(path, text, text, remaining=before.findings, before=before.findings)
    edits: list[Edit] = []
    expected: dict[int, str] = {}
    for index, value, inner in _blueprints(values):
        fixed = fix_text(path, inner, settings, unsafe, fixable)
        if fixed.refused:
            outcome.refused = f"{value.label}: {fixed.refused}"
            return outcome
        if not fixed.changed:
            continue
        try:
            edits.append(write_back(body, value, fixed.fixed))
        except WriteBackRefused as refusal:
            outcome.refused = f"{value.label}: not fixed: {refusal}"
            return outcome
        expected[index] = fixed.fixed
        positions = _positions(body, value, inner)
        outcome.applied.extend(
            Applied(a.rule, *positions.outer(a.line, a.column), f"{value.label}: {a.description}", a.safe)
            for a in fixed.applied
        )
    keep_bom = had_bom and not (fixable is None or "AV005" in fixable)
    if had_bom and not keep_bom:
        outcome.applied.append(Applied("AV005", 1, 1, "remove the byte-order mark", True))
    new_body = apply_edits(body, edits)
    problem = verify(new_body, values, expected)
    if problem is not None:
        outcome.refused = f"not fixed: {problem}; nothing written"
        return outcome
    outcome.fixed = ("\ufeff" if keep_bom else "") + new_body
    outcome.remaining = lint_text(path, new_body, settings, keep_bom).findings
    return outcome


def migrate_embedded(
    path: str,
    text: str,
    settings: Settings,
    source: Release | None,
    known: dict[str, Known],
    flow_set_order: int | None,
) -> Migration | None:
    """The migration of the file's embedded blueprints; None when it holds no ConfigMap or Secret."""
    from avlint.migrate.command import Migration, MigrationError, migrate_text

    body = text.removeprefix("\ufeff")
    values = embedded_values(body)
    if values is None:
        return None
    blueprints = _blueprints(values)
    if not blueprints:
        raise MigrationError("no ConfigMap or Secret value in the file is an authentik blueprint")
    migration = Migration(path, text, text)
    edits: list[Edit] = []
    expected: dict[int, str] = {}
    ranges = []
    for index, value, inner in blueprints:
        try:
            done = migrate_text(path, inner, settings, source, known, flow_set_order)
            if done.text != inner:
                edits.append(write_back(body, value, done.text))
                expected[index] = done.text
        except (MigrationError, WriteBackRefused) as error:
            raise MigrationError(f"{value.label}: {error}") from None
        positions = _positions(body, value, inner)
        migration.changes.extend((positions.outer(line, 1)[0], f"{value.label}: {note}") for line, note in done.changes)
        migration.unresolved.extend((*positions.outer(line, column), pk) for line, column, pk in done.unresolved)
        if done.source_range is not None:
            ranges.append(done.source_range)
        migration.source_note = done.source_note
    if ranges:
        migration.source_range = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    if len(blueprints) > 1:
        migration.source_note = f"{len(blueprints)} embedded blueprints; {migration.source_note}"
    new_body = apply_edits(body, edits)
    problem = verify(new_body, values, expected)
    if problem is not None:
        raise MigrationError(f"{problem}; nothing written")
    migration.text = text[: len(text) - len(body)] + new_body
    return migration
