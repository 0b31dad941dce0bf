"""`avlint migrate`: version steps, pk references, entry order, then the safe fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from yaml.nodes import MappingNode

from avlint.blueprint import Document, build_document
from avlint.embedded.blueprints import holds_blueprints
from avlint.fix.apply import fix_text
from avlint.fix.edits import CannotEdit, Edit, apply_edits, edits_for
from avlint.fix.model import Fix
from avlint.loader.problems import ContentProblem
from avlint.migrate.flow_set import FlowSetRefused, NewBinding, append_entries
from avlint.migrate.infer import infer_release
from avlint.migrate.references import Known, plan_references
from avlint.migrate.reorder import ReorderError, reorder
from avlint.migrate.steps import MigrationStep, plan, steps_between
from avlint.settings import Settings
from avlint.settings_options import SettingsOptions, build_settings
from avlint.usage import EXIT_USAGE, UsageError
from avlint.versions import Release, UnknownVersionError, resolve_release

TAGS_SINCE = Release(2022, 8)


@dataclass(frozen=True)
class MigrateRequest:
    paths: tuple[str, ...]
    options: SettingsOptions  # its target_version is the --to version
    source: str | None = None
    diff: bool = False
    live_file: str | None = None
    flow_set_order: int | None = None  # the order of bindings that replace a flow_set


@dataclass
class Migration:
    path: str
    original: str
    text: str
    # The releases the file may be for: one when given with --from, a range when inferred.
    source_range: tuple[Release, Release] | None = None
    source_note: str = ""
    changes: list[tuple[int, str]] = field(default_factory=list)
    unresolved: list[tuple[int, int, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def source(self) -> Release | None:
        """The release the file was written for, when that is known exactly."""
        if self.source_range is None or self.source_range[0] != self.source_range[1]:
            return None
        return self.source_range[0]

    @property
    def source_label(self) -> str:
        if self.source_range is None:
            return "?"
        oldest, newest = self.source_range
        return str(oldest) if oldest == newest else f"{oldest}-{newest}"


class MigrationError(Exception):
    pass


def migrate_text(
    path: str,
    text: str,
    settings: Settings,
    source: Release | None,
    known: dict[str, Known],
    flow_set_order: int | None = None,
) -> Migration:
    if holds_blueprints(path, text):  # blueprints inside ConfigMaps and Secrets are migrated value by value
        embedded = _migrate_embedded(path, text, settings, source, known, flow_set_order)
        if embedded is not None:
            return embedded
    migration = Migration(path, text, text)
    document = _document(text)
    target = settings.release
    if source is None:
        oldest, newest, migration.source_note = _inferred_range(document, text, target)
    elif source > target:
        raise MigrationError(
            f"the file is for authentik {source}, newer than --to {target}; migrate only moves forward (use `avlint fix --target-version` to drop what an older release lacks)"
        )
    else:
        oldest = newest = source
        migration.source_note = "given with --from"
    migration.source_range = (oldest, newest)
    steps = steps_between(oldest, target)
    _refuse_ambiguous_steps([s for s in steps if s.to <= newest], document, migration)
    for step in steps:
        try:
            changes = plan(step, document, flow_set_order)
        except FlowSetRefused as refusal:
            raise MigrationError(str(refusal)) from None
        text = _apply(text, [(change.line, change.note, change.fix) for change in changes], migration)
        document = _document(text)
        # Only where the flow_set did go: a binding beside a flow_set left in place would double it.
        bindings = [
            binding
            for change in changes
            if change.bindings and "flow_set" not in document.entries[change.entry].attrs
            for binding in change.bindings
        ]
        if bindings:
            text = _add_bindings(text, document, bindings, migration)
            document = _document(text)
    if target >= TAGS_SINCE:  # !KeyOf and !Find arrived with blueprints v1
        references = plan_references(document, target, known)
        migration.unresolved = references.unresolved
        text = _apply(text, references.fixes, migration)
        document = _document(text)
        try:
            reordered = reorder(document, text)
        except ReorderError as error:
            raise MigrationError(str(error)) from None
        if reordered != text:
            migration.changes.append((1, "entries reordered so that every !KeyOf points at an entry above it"))
            text = reordered
    else:
        migration.changes.append((1, f"pks kept as they are: !KeyOf and !Find need authentik {TAGS_SINCE} or newer"))
    outcome = fix_text(path, text, settings)
    if outcome.refused:
        raise MigrationError(outcome.refused)
    migration.changes.extend((applied.line, f"{applied.rule}: {applied.description}") for applied in outcome.applied)
    migration.text = outcome.fixed
    return migration


def _migrate_embedded(
    path: str,
    text: str,
    settings: Settings,
    source: Release | None,
    known: dict[str, Known],
    flow_set_order: int | None,
) -> Migration | None:
    """Migrate each blueprint embedded in the file's ConfigMaps and Secrets and write it back into
    its value (avlint.embedded.writeback); None when the file holds none."""
    from avlint.embedded.blueprints import positions_of
    from avlint.embedded.carriers import EmbeddedValue
    from avlint.embedded.writeback import WriteBackRefused, rewrite_blueprints

    body = text.removeprefix("\ufeff")
    migration = Migration(path, text, text)
    done: list[Migration] = []

    def migrate_value(value: EmbeddedValue, inner: str) -> str:
        try:
            migrated = migrate_text(path, inner, settings, source, known, flow_set_order)
        except MigrationError as error:
            raise MigrationError(f"{value.label}: {error}") from None
        positions = positions_of(body, value, inner)
        migration.changes.extend(
            (positions.outer(line, 1)[0], f"{value.label}: {note}") for line, note in migrated.changes
        )
        migration.unresolved.extend((*positions.outer(line, column), pk) for line, column, pk in migrated.unresolved)
        done.append(migrated)
        return migrated.text

    try:
        rewritten = rewrite_blueprints(body, migrate_value)
    except WriteBackRefused as refusal:
        raise MigrationError(str(refusal)) from None
    if rewritten is None:
        return None
    if not done:
        raise MigrationError("no ConfigMap or Secret value in the file is an authentik blueprint")
    ranges = [m.source_range for m in done if m.source_range is not None]
    if ranges:
        migration.source_range = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    notes = sorted({m.source_note for m in done})
    migration.source_note = (
        "; ".join(notes) if len(done) == 1 else f"{len(done)} embedded blueprints: {'; '.join(notes)}"
    )
    migration.text = text[: len(text) - len(body)] + rewritten
    return migration


def _inferred_range(document: Document, text: str, target: Release) -> tuple[Release, Release, str]:
    """The oldest and newest release the file fits (the newest no later than the target), and
    the evidence for them."""
    inference = infer_release(document, text)
    if inference.release is None or inference.oldest is None:
        raise MigrationError(f"{inference.conflict()}; give --from")
    if inference.oldest > target:
        raise MigrationError(
            f"the file needs authentik {inference.oldest} or newer{inference.needs()}, which is newer than --to {target}; migrate only moves forward"
        )
    return inference.oldest, min(inference.release, target), f"inferred from what it uses: {inference.evidence_text()}"


def _refuse_ambiguous_steps(steps: list[MigrationStep], document: Document, migration: Migration) -> None:
    """A step inside the inferred range whose effect depends on the source release (a default
    that changed) cannot be decided from the file: ask for --from, naming it and the range.

    A step that renames or removes an old form is not ambiguous: the old form in the file
    says the file predates it, and the step changes nothing where the form is absent."""
    assert migration.source_range is not None
    oldest = migration.source_range[0]
    ambiguous: dict[tuple[Release, str], tuple[list[str], set[int]]] = {}
    for step in steps:
        if step.old is None and step.to > oldest:
            lines = {change.line for change in plan(step, document)}
            if lines:
                notes, where = ambiguous.setdefault((step.to, step.model), ([], set()))
                notes.append(step.note)
                where.update(lines)
    if not ambiguous:
        return
    parts = [
        f"the {to} step ({'; '.join(notes)}) changes the {model} entr{'ies' if len(where) > 1 else 'y'} at "
        f"line{'s' if len(where) > 1 else ''} {', '.join(map(str, sorted(where)))} only if the file was written "
        f"for a release before {to}"
        for (to, model), (notes, where) in ambiguous.items()
    ]
    raise MigrationError(
        f"{'; '.join(parts)}, and what the file uses fits authentik {migration.source_label} "
        f"({migration.source_note.removeprefix('inferred from what it uses: ')}): give --from with the release it "
        "was written for"
    )


def _add_bindings(text: str, document: Document, bindings: list[NewBinding], migration: Migration) -> str:
    body = text.removeprefix("\ufeff")
    try:
        added = append_entries(body, document, bindings)
    except FlowSetRefused as refusal:
        raise MigrationError(str(refusal)) from None
    migration.changes.extend((binding.line, binding.note) for binding in bindings)
    return text[: len(text) - len(body)] + added


def _document(text: str) -> Document:
    from avlint.kind import BLUEPRINT, classify_text

    try:
        verdict, root = classify_text("", text.removeprefix("\ufeff"))
    except ContentProblem as problem:
        raise MigrationError(f"line {problem.line}: {problem.message}") from None
    if not isinstance(root, MappingNode) or verdict.kind != BLUEPRINT:
        raise MigrationError(f"not an authentik blueprint{f' ({verdict.reason})' if verdict.reason else ''}")
    return build_document("", root, api_body=False)


def _apply(text: str, planned: list[tuple[int, str, Fix]], migration: Migration) -> str:
    body = text.removeprefix("\ufeff")
    edits: list[Edit] = []
    for line, note, fix in planned:
        try:
            step_edits = [edit for step in fix.steps for edit in edits_for(step, body)]
        except CannotEdit as error:
            migration.changes.append((line, f"not changed ({error}): {note}"))
            continue
        if any(a.start < b.end and b.start < a.end for a in step_edits for b in edits):
            continue
        edits.extend(step_edits)
        migration.changes.append((line, note))
    return text[: len(text) - len(body)] + apply_edits(body, edits)


def run_migrate(request: MigrateRequest, out: TextIO, err: TextIO, cwd: Path | None = None) -> int:
    from avlint.atomic_write import WriteError, write_file
    from avlint.discovery import discover, empty_folder_warnings, named_files
    from avlint.embedded.blueprints import holds_blueprints
    from avlint.engine import lint_text
    from avlint.fix.command import diff_lines
    from avlint.kind import skip_note, skipped_reason
    from avlint.loader.problems import PathError
    from avlint.loader.source import read_source
    from avlint.migrate.references import load_known

    try:
        settings, _ = build_settings(request.options, cwd or Path.cwd())
        source = resolve_release(request.source) if request.source else None
        known = load_known(request.live_file) if request.live_file else {}
    except (UsageError, UnknownVersionError) as error:
        err.write(f"avlint: error: {error}\n")
        return EXIT_USAGE
    except (OSError, ValueError) as error:
        err.write(f"avlint: error: --live-file {request.live_file}: {error}\n")
        return EXIT_USAGE
    files, path_errors = discover(list(request.paths), settings.exclude)
    err.writelines(empty_folder_warnings(list(request.paths), files, "migrated"))
    named = named_files(request.paths, files)
    failed = changed = 0
    for path in files:
        try:
            text = (
                "\ufeff" if (source_text := read_source(path, settings.max_file_size)).had_bom else ""
            ) + source_text.text
            reason = None if holds_blueprints(path, text) else skipped_reason(path, text)
            if reason is not None:  # another kind of file: left alone, like `lint` skips it
                err.write(skip_note(path, reason) if path in named else "")
                continue
            migration = migrate_text(path, text, settings, source, known, request.flow_set_order)
        except PathError as error:
            path_errors.append(error)
            continue
        except (ContentProblem, MigrationError) as error:
            err.write(f"{path}: not migrated: {getattr(error, 'message', error)}\n")
            failed += 1
            continue
        out.write(f"{path}: from authentik {migration.source_label} to {settings.release} ({migration.source_note})\n")
        for line, note in migration.changes:
            out.write(f"  line {line}: {note}\n")
        for line, column, pk in migration.unresolved:
            out.write(
                f"  {path}:{line}:{column}: pk {pk} is not in this file; pass --live-file with a saved listing to turn it into !Find\n"
            )
        if migration.text == migration.original:
            out.write("  nothing to change\n")
            continue
        changed += 1
        if request.diff:
            out.writelines(diff_lines(path, migration.original, migration.text))
            continue
        try:
            write_file(path, migration.text)
        except WriteError as error:
            err.write(f"{error.path}: error: {error.reason}\n")
            failed += 1
            continue
        remaining = lint_text(path, migration.text.removeprefix("\ufeff"), settings).findings
        errors = sum(1 for f in remaining if f.severity == "error")
        out.write(
            f"  written; {errors} error{'s' if errors != 1 else ''} left for `avlint lint --target-version {settings.release}`\n"
        )
    for problem in path_errors:
        err.write(f"{problem.path}: error: {problem.reason}\n")
    if path_errors:
        return EXIT_USAGE
    return 1 if failed or (request.diff and changed) else 0
