"""Apply fixes to one file's text until nothing fixable is left, and prove the result is sound.

A result is only offered for writing when it still loads and re-lints with no finding that was
not there before; otherwise the original stays untouched and the reason is given.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from avlint.catalogue import by_code
from avlint.embedded.blueprints import holds_blueprints
from avlint.engine import lint_text
from avlint.findings import Finding
from avlint.fix.edits import CannotEdit, Edit, apply_edits, edits_for
from avlint.settings import Settings

if TYPE_CHECKING:
    from avlint.migrate.references import Known

_Path = tuple[str | int, ...]  # a place in the document: keys and list indices
_Identity = tuple[str, _Path, str]
MAX_LINTS = 60  # bound on re-lints per file, whatever the fixes do
UNLOADABLE = ("AV001", "AV004", "AV006")


@dataclass(frozen=True)
class Applied:
    rule: str
    line: int
    column: int
    description: str
    safe: bool


@dataclass
class FixOutcome:
    path: str
    original: str
    fixed: str
    applied: list[Applied] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    refused: str | None = None  # why the file cannot be fixed
    skipped: str | None = None  # what the file is instead of a blueprint (avlint.kind): left alone
    before: list[Finding] = field(default_factory=list)  # the findings of the original

    @property
    def changed(self) -> bool:
        return self.refused is None and self.fixed != self.original


def fix_text(
    path: str,
    text: str,
    settings: Settings,
    unsafe: bool = False,
    fixable: frozenset[str] | None = None,
    references: dict[str, Known] | None = None,
) -> FixOutcome:
    """Fix what `settings` finds (the fixes of the rules in `fixable` only, when given); a fix
    must not add a finding of any rule `settings` checks, selected for fixing or not.
    `references` (pk -> object, from the other blueprints of the set) turns on the rewrite of
    raw pks (AV502) that `migrate` does, as an unsafe fix."""
    if holds_blueprints(path, text):  # blueprints inside ConfigMaps and Secrets are fixed value by value
        embedded = _fix_embedded(path, text, settings, unsafe, fixable, references)
        if embedded is not None:
            return embedded
    had_bom = text.startswith("\ufeff")
    body = text.lstrip("\ufeff")
    before = lint_text(path, body, settings, had_bom)
    outcome = FixOutcome(path, text, text, remaining=before.findings, before=before.findings)
    if before.skipped is not None:
        outcome.skipped = before.skipped
        return outcome
    broken = [f for f in before.findings if f.rule in UNLOADABLE]
    if broken:
        outcome.refused = f"not fixed: {broken[0].message} (line {broken[0].line})"
        return outcome
    state = _State(body, had_bom, before.findings)
    if references is not None and unsafe and (fixable is None or "AV502" in fixable):
        _rewrite_references(path, settings, state, references, before.findings, outcome)
    # A fix refused alone, with the text it was refused on. A refusal holds for that text only:
    # another fix can remove what it objected to (`Configure` fixed to `configure` is refused
    # while `configuration_stage` is not yet renamed `configuration_stages`, since authentik
    # would then reject the entry; after the rename it is fine).
    rejected: dict[_Identity, str] = {}
    for _ in range(MAX_LINTS):
        selected = [
            f
            for f in state.findings
            if f.fix is not None and (f.fix.safe or unsafe) and (fixable is None or f.rule in fixable)
        ]
        chosen = [f for f in selected if _identity(f) not in rejected]
        if not chosen and _stale(rejected, state.body):
            # Nothing left to try, but some fixes were refused on an earlier text: try every fix
            # once more, together and alone, on this one. Stopping only after such a round on the
            # final text is what makes fixing the output again change nothing: a second run
            # starts there, with fewer findings to allow than this one.
            rejected.clear()
            chosen = selected
        if not chosen:
            break
        # All fixes at once first; when that adds a problem (a fix can unmask one, e.g. a
        # renamed key that now reaches the server), try them one by one and drop the culprits.
        if _try(path, settings, state, chosen, before.findings, outcome):
            continue
        # The first that applies alone wins; the others' nodes belong to the old text, so they
        # wait for the next pass. Those that failed alone wait until nothing else applies.
        applied_one = False
        for finding in chosen:
            if _try(path, settings, state, [finding], before.findings, outcome):
                applied_one = True
                break
            rejected[_identity(finding)] = state.body
        if not applied_one and not _stale(rejected, state.body):
            break
    outcome.fixed = ("\ufeff" if state.keep_bom else "") + state.body
    outcome.remaining = state.findings
    return outcome


def _rewrite_references(
    path: str,
    settings: Settings,
    state: _State,
    references: dict[str, Known],
    baseline: list[Finding],
    outcome: FixOutcome,
) -> None:
    """Raw pks become `!KeyOf` (an entry of the file creates the object) or `!Find` by name
    (another blueprint does), all at once (an entry's new `id` and its `!KeyOf`s go together)."""
    from yaml.nodes import MappingNode

    from avlint.blueprint import build_document
    from avlint.kind import BLUEPRINT, of_root
    from avlint.loader.yaml_nodes import compose
    from avlint.migrate.references import plan_references

    if path.lower().endswith(".json"):
        return
    root = compose(state.body)
    if not isinstance(root, MappingNode) or of_root(root).kind != BLUEPRINT:
        return
    plan = plan_references(build_document(path, root, api_body=False), settings.release, references)
    rule = by_code("AV502")
    findings = [
        Finding(
            path,
            line,
            1,
            line,
            1,
            rule.code,
            rule.name,
            "warning",
            rule.effect,
            note,
            True,
            (),
            fix._replace(safe=False),
        )
        for line, note, fix in plan.fixes
    ]
    if findings:
        _try(path, settings, state, findings, baseline, outcome)


def _stale(rejected: dict[_Identity, str], body: str) -> bool:
    """Whether a fix was refused on a text other than `body`."""
    return any(text != body for text in rejected.values())


def _fix_embedded(
    path: str,
    text: str,
    settings: Settings,
    unsafe: bool,
    fixable: frozenset[str] | None,
    references: dict[str, Known] | None = None,
) -> FixOutcome | None:
    """Fix each blueprint embedded in the file's ConfigMaps and Secrets and write it back into its
    value (avlint.embedded.writeback); None when the file holds none. One value that cannot be
    fixed or written back exactly leaves the whole file as it was, with the reason."""
    from avlint.embedded.blueprints import positions_of
    from avlint.embedded.carriers import EmbeddedValue
    from avlint.embedded.writeback import WriteBackRefused, rewrite_blueprints
    from avlint.loader.problems import ContentProblem

    had_bom = text.startswith("\ufeff")
    body = text.removeprefix("\ufeff")
    before = lint_text(path, body, settings, had_bom)
    outcome = FixOutcome(path, text, text, remaining=before.findings, before=before.findings)

    def fix_value(value: EmbeddedValue, inner: str) -> str:
        fixed = fix_text(path, inner, settings, unsafe, fixable, references)
        positions = positions_of(body, value, inner)
        if fixed.refused:  # the embedded blueprint does not load: say where, in the outer file
            broken = next(f for f in fixed.before if f.rule in UNLOADABLE)
            line = positions.outer(broken.line, broken.column)[0]
            raise WriteBackRefused(f"{value.label}: {broken.message} (line {line})")
        outcome.applied.extend(
            Applied(a.rule, *positions.outer(a.line, a.column), f"{value.label}: {a.description}", a.safe)
            for a in fixed.applied
        )
        return fixed.fixed

    try:
        rewritten = rewrite_blueprints(body, fix_value)
    except ContentProblem as problem:
        outcome.refused = f"not fixed: {problem.message} (line {problem.line})"
        return outcome
    except WriteBackRefused as refusal:
        outcome.applied, outcome.refused = [], f"not fixed: {refusal}"
        return outcome
    if rewritten is None:
        return None
    keep_bom = had_bom and fixable is not None and "AV005" not in fixable
    if had_bom and not keep_bom:
        outcome.applied.append(Applied("AV005", 1, 1, "remove the byte-order mark", True))
    outcome.fixed = ("\ufeff" if keep_bom else "") + rewritten
    outcome.remaining = lint_text(path, rewritten, settings, keep_bom).findings
    return outcome


@dataclass
class _State:
    body: str
    keep_bom: bool
    findings: list[Finding]


def _try(
    path: str, settings: Settings, state: _State, findings: list[Finding], baseline: list[Finding], outcome: FixOutcome
) -> bool:
    """Apply `findings`' fixes if the result adds no problem; True when something was applied."""
    edits, applied, keep_bom = _plan(findings, state.body, state.keep_bom)
    if not applied:
        return False
    body = apply_edits(state.body, edits)
    result = lint_text(path, body, settings, keep_bom)
    if _refusal(baseline, result.findings):
        return False
    state.body, state.keep_bom, state.findings = body, keep_bom, result.findings
    outcome.applied.extend(applied)
    return True


def _plan(findings: list[Finding], text: str, keep_bom: bool) -> tuple[list[Edit], list[Applied], bool]:
    """Edits for as many fixes as do not overlap; the rest wait for the next pass."""
    edits: list[Edit] = []
    applied: list[Applied] = []
    for finding in findings:
        fix = finding.fix
        assert fix is not None
        if any(step.action == "strip_bom" for step in fix.steps):
            keep_bom = False
            applied.append(Applied(finding.rule, finding.line, finding.column, fix.description, fix.safe))
            continue
        try:
            planned = [edit for step in fix.steps for edit in edits_for(step, text)]
        except CannotEdit:
            continue
        if any(_overlaps(edit, other) for edit in planned for other in edits):
            continue
        edits.extend(planned)
        applied.append(Applied(finding.rule, finding.line, finding.column, fix.description, fix.safe))
    return edits, applied, keep_bom


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def _refusal(before: list[Finding], after: list[Finding]) -> str | None:
    broken = [f for f in after if f.rule in UNLOADABLE]
    if broken:
        return f"the fixes would break the file ({broken[0].message}); nothing written"
    new = Counter(_key(f) for f in after) - Counter(_key(f) for f in before)
    if new:
        rule, message, _ = next(iter(new))
        return f"the fixes would add a new problem ({rule}: {message}); nothing written"
    return None


def _key(finding: Finding) -> tuple[str, object, _Path]:
    # Positions move when lines are removed, and list indices when items are: compare the rule,
    # the entry the finding is in (fixes never move one) and where in it, list indices masked.
    # Not the message where there is a place: it may quote what a fix changed (removing a
    # duplicate 'totp' turns AV307's "(totp, totp)" into "(totp)"), which is no new problem.
    where = tuple(
        "#" if isinstance(part, int) else part for part in finding.yaml_path[len(_entry_of(finding.yaml_path)) :]
    )
    return finding.rule, where or re.sub(r"\d+", "#", finding.message), _entry_of(finding.yaml_path)


def _entry_of(path: _Path) -> _Path:
    if len(path) >= 2 and path[0] == "entries" and isinstance(path[1], int):
        return tuple(path[:2])
    if len(path) >= 3 and path[0] == "entries" and isinstance(path[2], int):
        return tuple(path[:3])
    return ()


def _identity(finding: Finding) -> _Identity:
    """One finding across passes: its rule, where in the document, and its message."""
    return finding.rule, tuple(finding.yaml_path), re.sub(r"\d+", "#", finding.message)
