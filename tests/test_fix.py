"""`avlint fix`: golden files, byte-for-byte preservation, atomic writes, refusals, the command line.

Golden cases live in tests/golden/fix/: `<case>.input.yaml` (or `.input.json`) with
`<case>.fixed.yaml` (safe fixes only) and, where unsafe fixes change something more,
`<case>.unsafe.yaml`. The outputs were generated with the tool and then read and corrected by
hand: where the tool is wrong, the golden file holds what a careful human would write and the
test fails until the tool is fixed. To rewrite them from the tool's current output:

    AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_fix.py -k golden

and then review `git diff tests/golden/fix` line by line before committing anything. The cases in
HAND_WRITTEN are not rewritten: the tool's output for them was wrong when they were written, so
their expected files were written by hand (take a case out of the set once the tool gets it right).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import shutil
import stat
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from yaml.nodes import MappingNode, Node, SequenceNode

from avlint.cli import cli
from avlint.engine import lint_text
from avlint.fix import apply as fix_apply
from avlint.fix.apply import UNLOADABLE, FixOutcome, fix_text
from avlint.fix.command import FixRequest, run_fix
from avlint.fix.edits import Edit
from avlint.settings import Settings
from avlint.settings_options import SettingsOptions
from avlint.versions import resolve_release
from tests.conftest import SAMPLES

GOLDEN = Path(__file__).resolve().parent / "golden" / "fix"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"

# Cases written against an older authentik: the target version they are fixed for.
TARGETS = {
    "av212_old_target": "2022.8",
    "av213_choice_unavailable": "2024.12",
}

# Expected outputs written by hand because the tool's output was wrong (see the report in each
# test's failure): regeneration leaves them alone.
HAND_WRITTEN: set[str] = set()  # every golden output is now what the tool writes

# Every rule whose findings carry a fix; each must be applied by at least one golden case.
FIXABLE_RULES = {
    "AV002",
    "AV005",
    "AV102",
    "AV106",
    "AV115",
    "AV118",
    "AV202",
    "AV210",
    "AV211",
    "AV212",
    "AV213",
    "AV304",
    "AV403",
}
UNSAFE_RULES = {"AV102", "AV106", "AV211", "AV213", "AV304"}


# ---------------------------------------------------------------------------------------------
# helpers


def read_text(path: Path) -> str:
    """The file's exact text: no newline translation, a byte-order mark kept as U+FEFF."""
    return path.read_bytes().decode("utf-8")


def settings_for(case: str) -> Settings:
    return Settings(release=resolve_release(TARGETS.get(case)))


def golden_inputs() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if ".input." in p.name)


def case_name(path: Path) -> str:
    return path.name.split(".input.")[0]


def output_path(path: Path, kind: str) -> Path:
    return path.with_name(path.name.replace(".input.", f".{kind}."))


def expected_text(path: Path, unsafe: bool) -> str:
    if unsafe and output_path(path, "unsafe").exists():
        return read_text(output_path(path, "unsafe"))
    return read_text(output_path(path, "fixed"))


def run_case(path: Path, unsafe: bool, text: str | None = None) -> FixOutcome:
    return fix_text(path.name, read_text(path) if text is None else text, settings_for(case_name(path)), unsafe)


def keys(findings) -> Counter:
    """Findings as problems, the way the fixer tells a new one: the rule and where it is (list
    indices masked, as removed items shift them); the message, numbers masked, only for a
    finding without a place. A message may quote what a fix changed: that is no new problem."""
    return Counter(
        (
            f.rule,
            tuple("#" if isinstance(part, int) else part for part in f.yaml_path) or re.sub(r"\d+", "#", f.message),
        )
        for f in findings
    )


def loads(path: str, text: str, settings: Settings) -> bool:
    result = lint_text(path, text, settings)
    return not any(f.rule in UNLOADABLE for f in result.findings)


def is_subsequence(needles: list, haystack: list) -> bool:
    it = iter(haystack)
    return all(any(candidate == needle for candidate in it) for needle in needles)


def missing_from_sequence(needles: list, haystack: list) -> object:
    """The first needle that breaks the in-order match (for readable failures)."""
    position = 0
    for needle in needles:
        try:
            position = haystack.index(needle, position) + 1
        except ValueError:
            return needle
    return None


def last_line(node: Node) -> int:
    """0-based line of the node's last character (a block collection's end mark points at the
    next token; a block scalar's end mark sits at the start of the line after it)."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return last_line(last[1] if isinstance(node, MappingNode) else last)
    end = node.end_mark
    if end.column == 0 and end.line > node.start_mark.line:
        return end.line - 1
    return end.line


def lines_of(node: Node) -> set[int]:
    return set(range(node.start_mark.line, last_line(node) + 1))


def _starts(collection: Node) -> list[Node]:
    return [k for k, _ in collection.value] if isinstance(collection, MappingNode) else list(collection.value)


def _ends(collection: Node) -> list[Node]:
    return [v for _, v in collection.value] if isinstance(collection, MappingNode) else list(collection.value)


def _block_removals(text: str, collection: Node, removed: set[int]) -> tuple[set[int], set[int]]:
    starts, ends = _starts(collection), _ends(collection)
    touched: set[int] = set()
    deleted: set[int] = set()
    for index in removed:
        lines = set(range(starts[index].start_mark.line, last_line(ends[index]) + 1))
        touched |= lines
        deleted |= lines
        line_start = text.rfind("\n", 0, starts[index].start_mark.index) + 1
        kept_after = [i for i in range(index + 1, len(starts)) if i not in removed]
        if (
            isinstance(collection, MappingNode)
            and text[line_start : starts[index].start_mark.index].strip() == "-"
            and kept_after
        ):
            # `- key: v`: the next kept key moves up behind the dash, over the lines between.
            touched |= set(range(starts[index].start_mark.line, starts[kept_after[0]].start_mark.line + 1))
    return touched, deleted


def _flow_removals(text: str, collection: Node, removed: set[int]) -> tuple[set[int], set[int]]:
    """Removing elements of a flow collection: their lines, plus the line of the comma that
    goes with a trailing element (none when the collection has a trailing comma)."""
    starts, ends = _starts(collection), _ends(collection)
    kept = [i for i in range(len(starts)) if i not in removed]
    if not kept:
        return lines_of(collection), set()
    touched: set[int] = set()
    deleted: set[int] = set()
    for index in removed:
        first, last = starts[index].start_mark.line, last_line(ends[index])
        touched |= set(range(first, last + 1))
        before = last_line(ends[index - 1]) if index else collection.start_mark.line
        after = starts[index + 1].start_mark.line if index + 1 < len(starts) else collection.end_mark.line
        if first > before and last < after:  # the element has lines of its own
            deleted |= set(range(first, last + 1))
    tail = text[ends[-1].end_mark.index : collection.end_mark.index]
    if max(removed) > kept[-1] and "," not in tail:
        touched.add(last_line(ends[kept[-1]]))
    return touched, deleted


def footprints(path: str, text: str, settings: Settings, unsafe: bool) -> tuple[set[int], set[int]]:
    """0-based lines the fixes of the original findings may change, and among them the lines
    they may delete whole. Computed from the nodes alone, independently of avlint.fix.edits."""
    body = text[1:] if text.startswith("\ufeff") else text
    result = lint_text(path, body, settings, text.startswith("\ufeff"))
    touched: set[int] = set()
    deleted: set[int] = set()
    removals: dict[int, tuple[Node, set[int]]] = {}  # per collection, the indices removed
    for finding in result.findings:
        if finding.fix is None or not (finding.fix.safe or unsafe):
            continue
        for step in finding.fix.steps:
            if step.action == "strip_bom":
                touched.add(0)
            elif step.action in ("replace", "rename_key", "wrap_list"):
                touched |= lines_of(step.target)
                if step.action == "replace":
                    changed, gone = _duplicates_made(path, body, step.target, step.text or "")
                    touched |= changed
                    deleted |= gone
            else:
                collection = step.parent
                index = next(i for i, node in enumerate(_starts(collection)) if node is step.target)
                removals.setdefault(id(collection), (collection, set()))[1].add(index)
    for collection, removed in removals.values():
        changed, gone = (_flow_removals if collection.flow_style else _block_removals)(body, collection, removed)
        touched |= changed
        deleted |= gone
    return touched, deleted


def _duplicates_made(path: str, text: str, target: Node, replacement: str) -> tuple[set[int], set[int]]:
    """A case fix on a list item ('TOTP' -> totp) can make it equal to a later item, which the
    next pass removes as a duplicate: that item's lines too. Found by position in a tree of
    our own, so this does not depend on the fixer's nodes."""
    from avlint.loader.json_nodes import compose_json
    from avlint.loader.yaml_nodes import compose
    from avlint.nodes import walk

    value = replacement.strip().strip("'\"")
    root = compose_json(text) if path.endswith(".json") else compose(text)
    for node, _ in walk(root) if root is not None else ():
        if not isinstance(node, SequenceNode):
            continue
        starts = [item.start_mark.index for item in node.value]
        if target.start_mark.index not in starts:
            continue
        index = starts.index(target.start_mark.index)
        later = {i for i, item in enumerate(node.value) if i > index and getattr(item, "value", None) == value}
        if not later:
            return set(), set()
        return (_flow_removals if node.flow_style else _block_removals)(text, node, later)
    return set(), set()


def comment_of(line: str) -> str | None:
    """The `# ...` comment of a YAML line, outside quotes (good enough for the golden files)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'" and (i == 0 or line[i - 1] in " [{:,-"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t\ufeff"):
            return line[i:].rstrip("\r\n")
    return None


def assert_untouched_lines_kept(path: Path, original: str, fixed: str, unsafe: bool) -> None:
    touched, deleted = footprints(path.name, original, settings_for(case_name(path)), unsafe)
    before = original.splitlines(keepends=True)
    after = fixed.splitlines(keepends=True)
    untouched = [line for number, line in enumerate(before) if number not in touched]
    missing = missing_from_sequence(untouched, after)
    assert missing is None, f"{path.name}: untouched line {missing!r} is not kept in order"
    # Comments: every comment not on a deleted line is kept, in order, and none is invented.
    kept = [c for number, line in enumerate(before) if number not in deleted and (c := comment_of(line))]
    out = [c for line in after if (c := comment_of(line))]
    missing = missing_from_sequence(kept, out)
    assert missing is None, f"{path.name}: comment {missing!r} was lost or moved"
    # ...and every comment of a deleted line is moved, not lost (issue 12 #16): none is lost, none invented.
    assert Counter(c.strip() for c in out) == Counter(c.strip() for line in before if (c := comment_of(line))), (
        f"{path.name}: a comment was lost or appeared"
    )


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# ---------------------------------------------------------------------------------------------
# golden files

CASES = golden_inputs()
CASE_IDS = [case_name(p) for p in CASES]


def _regenerate(path: Path) -> None:
    if case_name(path) in HAND_WRITTEN:
        return
    safe = run_case(path, unsafe=False).fixed
    unsafe = run_case(path, unsafe=True).fixed
    output_path(path, "fixed").write_bytes(safe.encode("utf-8"))
    target = output_path(path, "unsafe")
    if unsafe != safe:
        target.write_bytes(unsafe.encode("utf-8"))
    elif target.exists():
        target.unlink()


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_safe_fixes(path: Path) -> None:
    if REGENERATE:
        _regenerate(path)
    outcome = run_case(path, unsafe=False)
    expected = expected_text(path, unsafe=False)
    assert outcome.fixed.encode("utf-8") == expected.encode("utf-8"), "".join(
        difflib.unified_diff(expected.splitlines(True), outcome.fixed.splitlines(True), "expected", "actual")
    )
    assert all(applied.safe for applied in outcome.applied)


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_unsafe_fixes(path: Path) -> None:
    outcome = run_case(path, unsafe=True)
    expected = expected_text(path, unsafe=True)
    assert outcome.fixed.encode("utf-8") == expected.encode("utf-8"), "".join(
        difflib.unified_diff(expected.splitlines(True), outcome.fixed.splitlines(True), "expected", "actual")
    )


def test_golden_folder_is_complete() -> None:
    assert len(CASES) >= 20
    for path in CASES:
        assert output_path(path, "fixed").is_file(), f"{path.name} has no .fixed file"
        unsafe = output_path(path, "unsafe")
        if unsafe.exists():  # only where unsafe fixes change more than the safe ones
            assert read_text(unsafe) != read_text(output_path(path, "fixed")), unsafe.name
    names = {p.name for p in GOLDEN.iterdir()}
    inputs = {case_name(p) for p in CASES}
    for name in names:
        assert name.split(".")[0] in inputs, f"stray golden file {name}"
    assert any(p.suffix == ".json" for p in CASES), "no JSON API body case"
    assert any(output_path(p, "unsafe").exists() for p in CASES)
    refused = [p for p in CASES if case_name(p).startswith("refused_")]
    assert len(refused) >= 2


def test_golden_cases_cover_every_fixable_rule() -> None:
    applied = {a.rule for path in CASES for unsafe in (False, True) for a in run_case(path, unsafe).applied}
    assert applied >= FIXABLE_RULES, f"no golden case applies {sorted(FIXABLE_RULES - applied)}"
    unsafe_applied = {a.rule for path in CASES for a in run_case(path, True).applied if not a.safe}
    assert unsafe_applied == UNSAFE_RULES


def test_catalogue_declares_the_fixes_the_checks_attach() -> None:
    from avlint.catalogue import all_rules

    declared = {rule.code: rule.fix for rule in all_rules() if rule.fixable}
    assert set(declared) == FIXABLE_RULES
    assert {code for code, kind in declared.items() if kind == "unsafe"} == UNSAFE_RULES
    for path in CASES:
        for applied in run_case(path, unsafe=True).applied:
            assert applied.safe == (declared[applied.rule] == "safe"), (path.name, applied)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_untouched_lines_and_comments_kept(path: Path, unsafe: bool) -> None:
    original = read_text(path)
    assert_untouched_lines_kept(path, original, run_case(path, unsafe).fixed, unsafe)
    assert_untouched_lines_kept(path, original, expected_text(path, unsafe), unsafe)  # the golden file itself


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_second_run_changes_nothing(path: Path, unsafe: bool) -> None:
    first = run_case(path, unsafe)
    second = run_case(path, unsafe, text=first.fixed)
    assert second.fixed == first.fixed
    assert second.applied == []
    expected = expected_text(path, unsafe)
    again = run_case(path, unsafe, text=expected)
    assert again.fixed == expected and again.applied == []


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_output_loads_with_no_new_finding(path: Path, unsafe: bool) -> None:
    settings = settings_for(case_name(path))
    original = read_text(path)
    expected = expected_text(path, unsafe)
    before = lint_text(path.name, original, settings)
    after = lint_text(path.name, expected, settings)
    if loads(path.name, original, settings):
        assert loads(path.name, expected, settings)
    assert not keys(after.findings) - keys(before.findings), (
        f"new findings: {keys(after.findings) - keys(before.findings)}"
    )
    outcome = run_case(path, unsafe)
    assert keys(outcome.remaining) == keys(lint_text(path.name, outcome.fixed, settings).findings)
    # Each applied fix removed its own finding (the count of that rule went down).
    for rule in {a.rule for a in outcome.applied}:
        assert Counter(f.rule for f in outcome.remaining)[rule] < Counter(f.rule for f in before.findings)[rule]


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_through_the_command_line(path: Path, unsafe: bool, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    args = ["fix", "--isolated", str(copy)]
    if case_name(path) in TARGETS:
        args += ["--target-version", TARGETS[case_name(path)]]
    if unsafe:
        args.append("--unsafe-fixes")
    result = invoke(*args)
    assert copy.read_bytes() == expected_text(path, unsafe).encode("utf-8")
    changed = copy.read_bytes() != path.read_bytes()
    if changed:
        assert f"{copy}: applied " in result.stdout
    else:
        assert f"{copy}: applied" not in result.stdout
    assert ("Fixed 1 file;" if changed else "Fixed 0 files;") in result.stdout
    # Exit 1 when the file is refused or errors remain after fixing, else 0.
    settings = settings_for(case_name(path))
    remaining = lint_text(copy.name, copy.read_bytes().decode("utf-8"), settings).findings
    refused = run_case(path, unsafe).refused is not None
    assert result.exit_code == (1 if refused or any(f.severity == "error" for f in remaining) else 0)
    if refused:
        assert f"{copy}: not fixed: " in result.stderr
    else:
        assert result.stderr == ""
    assert not list(tmp_path.glob(".avlint-*")), "a temporary file was left behind"


# The refusals, one by one: what is refused and why, and that the rest still goes ahead.


def test_syntax_error_is_refused_and_never_written(tmp_path: Path) -> None:
    path = GOLDEN / "refused_syntax_error.input.yaml"
    for unsafe in (False, True):
        outcome = run_case(path, unsafe)
        assert outcome.refused is not None and outcome.refused.startswith("not fixed: ")
        assert "(line 8)" in outcome.refused
        assert outcome.fixed == outcome.original and not outcome.changed and outcome.applied == []
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    before = os.stat(copy)
    result = invoke("fix", "--isolated", "--unsafe-fixes", str(copy))
    assert result.exit_code == 1
    assert f"{copy}: not fixed: " in result.stderr
    assert copy.read_bytes() == path.read_bytes()
    assert os.stat(copy).st_ino == before.st_ino  # not even rewritten with the same bytes
    assert "Fixed 0 files;" in result.stdout


def test_enum_fix_that_unmasks_a_problem_is_refused_alone() -> None:
    path = GOLDEN / "av202_refused_configure.input.yaml"
    outcome = run_case(path, unsafe=False)
    assert outcome.refused is None
    assert "not_configured_action: Configure\n" in outcome.fixed
    remaining = [f for f in outcome.remaining if f.rule == "AV202"]
    assert len(remaining) == 1 and "'Configure'" in remaining[0].message and remaining[0].fix is not None
    assert sorted(a.rule for a in outcome.applied) == ["AV202", "AV403"]  # the others go ahead
    # Applied on its own, the fix would add the configure-without-stages problem.
    lowered = read_text(path).replace("Configure", "configure")
    assert keys(lint_text(path.name, lowered, Settings()).findings) - keys(outcome.remaining)


def test_a_fix_quoted_in_another_findings_message_is_no_new_problem() -> None:
    """AV307's message lists the code-based classes: removing the duplicate 'totp' changes it
    from "(totp, totp)" to "(totp)", at the same place. That is the same finding, not a new one."""
    from tests.snippets import BAD

    outcome = fix_text("mfa.yaml", BAD, Settings())
    assert outcome.refused is None
    assert [a.rule for a in outcome.applied] == ["AV403"]
    assert outcome.fixed == BAD.replace("[totp, totp]", "[totp]")
    assert sorted(f.rule for f in outcome.remaining) == ["AV301", "AV307"]
    assert any("(totp)" in f.message for f in outcome.remaining if f.rule == "AV307")


def test_json_enum_fix_that_unmasks_a_lockout_is_refused() -> None:
    path = GOLDEN / "api_body.input.json"
    outcome = run_case(path, unsafe=True)
    assert '"not_configured_action": "Deny"' in outcome.fixed
    assert any(f.rule == "AV202" and "'Deny'" in f.message for f in outcome.remaining)
    assert not any(f.rule == "AV401" for f in outcome.remaining)


def test_unsafe_rename_that_unmasks_a_problem_is_refused() -> None:
    path = GOLDEN / "refused_unsafe_unmasks.input.yaml"
    outcome = run_case(path, unsafe=True)
    assert outcome.refused is None and outcome.applied == [] and outcome.fixed == outcome.original
    assert any(f.rule == "AV106" and f.fix is not None for f in outcome.remaining)
    renamed = outcome.original.replace("    attr:\n", "    attrs:\n")
    assert keys(lint_text(path.name, renamed, Settings()).findings) - keys(outcome.remaining)


def test_unsafe_fixes_are_only_applied_on_request() -> None:
    for path in CASES:
        safe = run_case(path, unsafe=False)
        assert all(a.safe for a in safe.applied)
        assert not any(a.rule in UNSAFE_RULES for a in safe.applied)
    misspelt = run_case(GOLDEN / "av211_misspelt_field.input.yaml", unsafe=False)
    assert misspelt.applied == [] and misspelt.fixed == misspelt.original
    assert {f.rule for f in misspelt.remaining if f.fix is not None and not f.fix.safe} == {"AV211"}


# ---------------------------------------------------------------------------------------------
# fix_text details beyond the golden files

MFA = """\
# MFA
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, webauthn, totp]  # dup
      not_configured_action: deny
      not_configured_action: skip
"""
MFA_FIXED = MFA.replace("[totp, webauthn, totp]", "[totp, webauthn]").replace("      not_configured_action: deny\n", "")


def test_fix_text_applies_every_safe_fix() -> None:
    outcome = fix_text("mfa.yaml", MFA, Settings())
    assert outcome.fixed == MFA_FIXED
    assert outcome.changed and outcome.refused is None
    assert [(a.rule, a.line, a.column) for a in outcome.applied] == [("AV403", 8, 40), ("AV002", 9, 7)]
    assert [a.description for a in outcome.applied] == [
        "remove the second 'totp'",
        "remove the ignored first 'not_configured_action'",
    ]
    assert outcome.remaining == lint_text("mfa.yaml", MFA_FIXED, Settings()).findings


def test_crlf_line_endings_are_kept() -> None:
    crlf = MFA.replace("\n", "\r\n")
    outcome = fix_text("mfa.yaml", crlf, Settings())
    assert outcome.fixed == MFA_FIXED.replace("\n", "\r\n")
    assert "\n" not in outcome.fixed.replace("\r\n", "")


def test_missing_final_newline_is_kept() -> None:
    text = MFA.rstrip("\n")
    assert fix_text("mfa.yaml", text, Settings()).fixed == MFA_FIXED.rstrip("\n")
    ends_with_duplicate = MFA.replace(
        "      not_configured_action: deny\n      not_configured_action: skip\n",
        "      not_configured_action: skip\n      not_configured_action: deny",
    )
    assert fix_text("mfa.yaml", ends_with_duplicate, Settings()).fixed.endswith(
        "[totp, webauthn]  # dup\n      not_configured_action: deny"
    )


def test_bom_is_removed_and_other_fixes_still_apply() -> None:
    outcome = fix_text("mfa.yaml", "\ufeff" + MFA, Settings())
    assert outcome.fixed == MFA_FIXED
    assert {a.rule for a in outcome.applied} == {"AV005", "AV403", "AV002"}


def test_two_byte_order_marks_are_both_removed() -> None:
    """A file saved twice "with BOM" by tools that prepend one blindly starts with two marks.
    The fix must reach its fixed point in one run: a second run may not change the file."""
    outcome = fix_text("mfa.yaml", "\ufeff\ufeff" + MFA_FIXED, Settings())
    assert outcome.fixed == MFA_FIXED
    assert fix_text("mfa.yaml", outcome.fixed, Settings()).fixed == outcome.fixed


TWO_STAGES = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: first}
    attrs:
      device_clases: [totp, totp]
      not_configured_action: skip
      component: ak-stage-authenticator-validate-form
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: second}
    attrs:
      device_clases: [static]
      not_configured_action: skip
"""


def test_a_refused_fix_does_not_block_another_finding_with_the_same_message() -> None:
    """Renaming the first `device_clases` unmasks a duplicate class (AV403), so it is refused; the
    second has the same message but its rename is sound and must be applied in the same run."""
    outcome = fix_text("stages.yaml", TWO_STAGES, Settings(), unsafe=True)
    expected = TWO_STAGES.replace("      component: ak-stage-authenticator-validate-form\n", "").replace(
        "device_clases: [static]", "device_classes: [static]"
    )
    assert outcome.fixed == expected
    assert "device_clases: [totp, totp]" in outcome.fixed  # the refused one stays
    again = fix_text("stages.yaml", outcome.fixed, Settings(), unsafe=True)
    assert again.fixed == outcome.fixed and again.applied == []


# Found by tests/test_fix_property.py: three fixes that cannot all go at once, where the first
# tried alone is refused until the second has been applied.
CONFIGURE_BEFORE_RENAME = """\
version: 1
entries:
  - id: totp-setup
    model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers:
      name: totp-setup
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: Configure
      configuration_stage: !KeyOf totp-setup
      device_clases: [TOTP]
"""


def test_a_fix_refused_before_another_fix_is_tried_again_after_it() -> None:
    """`configure` without configuration_stages is rejected by authentik (AV301), so writing
    'configure' is refused while the removed `configuration_stage` is not yet renamed; once the
    rename is applied the case fix is sound and belongs to the same run, or a second run would
    apply it. (Renaming `device_clases` unmasks 'TOTP' (AV202) and is refused throughout, which
    keeps the three from being applied all at once.)"""
    outcome = fix_text("mfa.yaml", CONFIGURE_BEFORE_RENAME, Settings(), unsafe=True)
    assert outcome.fixed == CONFIGURE_BEFORE_RENAME.replace(
        "not_configured_action: Configure", "not_configured_action: configure"
    ).replace("configuration_stage: !KeyOf totp-setup", "configuration_stages: [!KeyOf totp-setup]")
    assert sorted(a.rule for a in outcome.applied) == ["AV202", "AV212"]
    assert [f.rule for f in outcome.remaining if f.fix is not None] == ["AV211"]
    again = fix_text("mfa.yaml", outcome.fixed, Settings(), unsafe=True)
    assert again.fixed == outcome.fixed and again.applied == []


def test_ignored_and_suppressed_rules_are_not_fixed() -> None:
    ignored = fix_text("mfa.yaml", MFA, Settings(ignore=frozenset({"AV403"})))
    assert "[totp, webauthn, totp]" in ignored.fixed and "not_configured_action: deny" not in ignored.fixed
    selected = fix_text("mfa.yaml", MFA, Settings(select=frozenset({"AV403"})))
    assert "[totp, webauthn]  # dup" in selected.fixed and "not_configured_action: deny" in selected.fixed
    suppressed = MFA.replace("  # dup", "  # avlint: disable=AV403")
    outcome = fix_text("mfa.yaml", suppressed, Settings())
    assert "[totp, webauthn, totp]  # avlint: disable=AV403" in outcome.fixed
    assert [a.rule for a in outcome.applied] == ["AV002"]


def test_not_a_blueprint_is_left_alone() -> None:
    compose = "services:\n  web:\n    image: nginx\n    image: httpd\n"
    outcome = fix_text("docker-compose.yaml", compose, Settings())
    assert outcome.fixed == compose and outcome.applied == [] and not outcome.changed and outcome.refused is None


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nentries:\n  - model: [unclosed\n",
        "version: 1\nentries:\n\t- model: x\n",
        "version: 1\nentries: *nowhere\n",
        "version: 1\x00\nentries: []\n",
    ],
    ids=["unclosed-flow", "tab-indent", "undefined-alias", "nul"],
)
def test_unloadable_text_is_refused(text: str) -> None:
    outcome = fix_text("broken.yaml", text, Settings())
    assert outcome.refused is not None and outcome.refused.startswith("not fixed: ")
    assert outcome.fixed == text and outcome.applied == [] and not outcome.changed


def test_a_fix_that_would_break_the_file_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fix_apply.edits_for

    def breaking(step, text):
        edits = real(step, text)
        return [Edit(edit.start, edit.end, edit.text + "{") for edit in edits]  # unbalanced

    monkeypatch.setattr(fix_apply, "edits_for", breaking)
    outcome = fix_text("mfa.yaml", MFA, Settings())
    assert outcome.fixed == MFA and outcome.applied == [] and not outcome.changed
    assert keys(outcome.remaining) == keys(lint_text("mfa.yaml", MFA, Settings()).findings)


def test_a_fix_that_would_add_a_finding_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fix_apply.edits_for

    def noisy(step, text):
        edits = real(step, text)
        if step.action == "delete_pair":  # instead of deleting, write an unknown field
            return [Edit(edit.start, edit.end, "      webauthn_hintz: []\n") for edit in edits]
        return edits

    monkeypatch.setattr(fix_apply, "edits_for", noisy)
    outcome = fix_text("mfa.yaml", MFA, Settings())
    assert "not_configured_action: deny" in outcome.fixed and "webauthn_hintz" not in outcome.fixed
    assert [a.rule for a in outcome.applied] == ["AV403"]  # the sound fix still goes ahead


def test_fix_text_on_every_sample_config_is_sound_and_idempotent() -> None:
    settings = Settings()
    samples = [p for p in sorted(SAMPLES.rglob("*")) if p.is_file()]
    assert len(samples) >= 40
    for path in samples:
        try:
            text = read_text(path)
        except UnicodeDecodeError:
            continue  # the Latin-1 sample: the command refuses it (tested below)
        for unsafe in (False, True):
            outcome = fix_text(path.name, text, settings, unsafe)
            if loads(path.name, text, settings):
                assert loads(path.name, outcome.fixed, settings), path
            assert not keys(lint_text(path.name, outcome.fixed, settings).findings) - keys(
                lint_text(path.name, text, settings).findings
            ), path
            again = fix_text(path.name, outcome.fixed, settings, unsafe)
            assert again.fixed == outcome.fixed and again.applied == [], path


# ---------------------------------------------------------------------------------------------
# the command: writes, diff, exit codes, report lines


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_fix_rewrites_the_file_and_reports_each_fix(tmp_path: Path) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    result = invoke("fix", "--isolated", str(target))
    assert target.read_bytes() == MFA_FIXED.encode()
    assert result.stdout.splitlines() == [
        f"{target}: applied 2 fixes",
        "  8:40 AV403 remove the second 'totp'",
        "  9:7 AV002 remove the ignored first 'not_configured_action'",
        "Fixed 1 file; 0 errors and 0 warnings remain.",
    ]
    assert result.stderr == ""
    assert result.exit_code == 0


def test_fix_reports_one_fix_and_unsafe_marks(tmp_path: Path) -> None:
    path = GOLDEN / "av304_threshold_spacing.input.yaml"
    target = tmp_path / "threshold.yaml"
    shutil.copyfile(path, target)
    result = invoke("fix", "--isolated", str(target))
    assert result.stdout.splitlines()[0].startswith(f"{target}:12:28: warning [AV304 threshold-ignored-")
    assert result.stdout.splitlines()[-1].startswith("Fixed 0 files; ")
    assert target.read_bytes() == path.read_bytes()
    result = invoke("fix", "--isolated", "--unsafe-fixes", str(target))
    lines = result.stdout.splitlines()
    assert lines[0] == f"{target}: applied 2 fixes"
    assert lines[1] == "  12:28 AV304 write 'hours=1;minutes=30' (changes the threshold to 90 min) (unsafe)"
    assert lines[2].startswith("  16:") and lines[2].endswith("(unsafe)")
    assert lines[-1].startswith("Fixed 1 file; ")
    single = write(tmp_path / "single.yaml", MFA.replace("      not_configured_action: deny\n", ""))
    result = invoke("fix", "--isolated", str(single))
    assert result.stdout.splitlines()[:2] == [f"{single}: applied 1 fix", "  8:40 AV403 remove the second 'totp'"]


def test_exit_code_follows_what_remains(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean.yaml", MFA)
    assert invoke("fix", "--isolated", str(clean)).exit_code == 0
    assert invoke("fix", "--isolated", str(clean)).exit_code == 0  # nothing left to do
    # An error that no fix removes: exit 1, the file still fixed.
    errors = write(
        tmp_path / "errors.yaml", MFA.replace("not_configured_action: skip", "not_configured_action: configure")
    )
    result = invoke("fix", "--isolated", str(errors))
    assert result.exit_code == 1
    assert "[totp, webauthn]  # dup" in errors.read_text()
    assert re.search(r"Fixed 1 file; [1-9]\d* errors? and \d+ warnings? remain\.", result.stdout)
    # Warnings only: exit 0.
    warnings = write(tmp_path / "warn.yaml", MFA.replace("not_configured_action: skip", "not_configured_action: deny"))
    result = invoke("fix", "--isolated", str(warnings))
    assert re.search(r"0 errors and [1-9]\d* warnings? remain\.", result.stdout)
    assert result.exit_code == 0


def test_usage_errors_and_missing_paths_exit_2(tmp_path: Path) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    result = invoke("fix", "--isolated", "--target-version", "1999.1", str(target))
    assert result.exit_code == 2 and "avlint: error:" in result.stderr
    assert target.read_bytes() == MFA.encode()
    missing = tmp_path / "missing.yaml"
    result = invoke("fix", "--isolated", str(missing), str(target))
    assert result.exit_code == 2
    assert f"{missing}: error:" in result.stderr
    assert target.read_bytes() == MFA_FIXED.encode()  # the other file still goes on


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    before = os.stat(target)
    result = invoke("fix", "--isolated", "--diff", str(target))
    assert result.exit_code == 1  # something to fix
    assert target.read_bytes() == MFA.encode()
    assert os.stat(target).st_ino == before.st_ino and os.stat(target).st_mtime_ns == before.st_mtime_ns
    expected = "".join(
        difflib.unified_diff(MFA.splitlines(True), MFA_FIXED.splitlines(True), str(target), f"{target} (fixed)")
    )
    assert result.stdout == expected + "Would fix 1 file; 0 errors and 0 warnings remain.\n"
    assert result.stdout.startswith(f"--- {target}\n+++ {target} (fixed)\n@@ ")
    assert "-      not_configured_action: deny\n" in result.stdout
    assert not list(tmp_path.glob(".avlint-*"))
    # Nothing to fix: exit 0 and no diff.
    result = invoke("fix", "--isolated", "--diff", str(write(tmp_path / "done.yaml", MFA_FIXED)))
    assert result.exit_code == 0
    assert result.stdout == "Would fix 0 files; 0 errors and 0 warnings remain.\n"


def test_diff_with_unsafe_fixes_and_no_final_newline(tmp_path: Path) -> None:
    text = "version: 1\nentries:\n  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n    identifiers: {name: mfa}\n    attrs:\n      not_configured_action: skip\n      last_auth_threshold: hours=1; minutes=2"
    target = write(tmp_path / "mfa.yaml", text)
    result = invoke("fix", "--isolated", "--diff", str(target))
    assert result.exit_code == 0 and "---" not in result.stdout
    result = invoke("fix", "--isolated", "--diff", "--unsafe-fixes", str(target))
    assert result.exit_code == 1
    assert "-      last_auth_threshold: hours=1; minutes=2\n\\ No newline at end of file\n" in result.stdout
    assert "+      last_auth_threshold: hours=1;minutes=2\n\\ No newline at end of file\n" in result.stdout
    assert target.read_bytes() == text.encode()


def test_diff_exit_code_is_1_for_a_refused_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    shutil.copyfile(GOLDEN / "refused_syntax_error.input.yaml", broken)
    result = invoke("fix", "--isolated", "--diff", str(broken))
    assert result.exit_code == 1
    assert f"{broken}: not fixed:" in result.stderr and "---" not in result.stdout


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    invoke("fix", "--isolated", str(target))
    inode = os.stat(target).st_ino
    result = invoke("fix", "--isolated", str(target))
    assert result.stdout == "Fixed 0 files; 0 errors and 0 warnings remain.\n"
    assert target.read_bytes() == MFA_FIXED.encode()
    assert os.stat(target).st_ino == inode  # not rewritten


SAMPLE_FILES = [p for p in sorted(SAMPLES.rglob("*")) if p.is_file()]


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=[str(p.relative_to(SAMPLES)) for p in SAMPLE_FILES])
def test_sample_configs_fix_then_a_second_run_changes_nothing(sample: Path, unsafe: bool, tmp_path: Path) -> None:
    copy = tmp_path / sample.name
    shutil.copyfile(sample, copy)
    flags = ["--unsafe-fixes"] if unsafe else []
    first = invoke("fix", "--isolated", *flags, str(copy))
    assert first.exit_code in (0, 1, 2)
    after_first = copy.read_bytes()
    if b"\xef\xbb\xbf" not in sample.read_bytes()[:3]:
        try:
            original = sample.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            original = None
        if original is not None and loads(sample.name, original, Settings()):
            assert loads(sample.name, after_first.decode("utf-8"), Settings()), "the fixed file no longer loads"
    inode = os.stat(copy).st_ino
    second = invoke("fix", "--isolated", *flags, str(copy))
    assert copy.read_bytes() == after_first
    assert os.stat(copy).st_ino == inode
    assert "Fixed 0 files;" in second.stdout and ": applied" not in second.stdout
    assert not list(tmp_path.glob(".avlint-*"))


def test_undecodable_file_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    shutil.copyfile(SAMPLES / "bad" / "bp-latin1-api-body.json", latin1)
    good = write(tmp_path / "mfa.yaml", MFA)
    result = invoke("fix", "--isolated", str(latin1), str(good))
    assert f"{latin1}: not fixed: byte 0x" in result.stderr
    assert latin1.read_bytes() == (SAMPLES / "bad" / "bp-latin1-api-body.json").read_bytes()
    assert good.read_bytes() == MFA_FIXED.encode()
    assert result.exit_code == 1


def test_bom_file_through_the_command(tmp_path: Path) -> None:
    target = tmp_path / "bom.yaml"
    target.write_bytes(b"\xef\xbb\xbf" + MFA.encode())
    result = invoke("fix", "--isolated", str(target))
    assert target.read_bytes() == MFA_FIXED.encode()
    assert "  1:1 AV005 remove the byte-order mark" in result.stdout.splitlines()


def test_crlf_file_through_the_command(tmp_path: Path) -> None:
    target = write(tmp_path / "crlf.yaml", MFA.replace("\n", "\r\n"))
    invoke("fix", "--isolated", str(target))
    assert target.read_bytes() == MFA_FIXED.replace("\n", "\r\n").encode()


def test_run_fix_without_click(tmp_path: Path) -> None:
    import io

    target = write(tmp_path / "mfa.yaml", MFA)
    out, err = io.StringIO(), io.StringIO()
    code = run_fix(FixRequest((str(target),), SettingsOptions(isolated=True), diff=True), out, err, tmp_path)
    assert code == 1 and target.read_bytes() == MFA.encode() and out.getvalue().startswith("--- ")
    out, err = io.StringIO(), io.StringIO()
    code = run_fix(FixRequest((str(target),), SettingsOptions(isolated=True)), out, err, tmp_path)
    assert code == 0 and target.read_bytes() == MFA_FIXED.encode() and err.getvalue() == ""


def test_folder_argument_fixes_every_blueprint_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "blueprints"
    folder.mkdir()
    first = write(folder / "a.yaml", MFA)
    second = write(folder / "b.yaml", "\ufeff" + MFA_FIXED)
    result = invoke("fix", "--isolated", str(folder))
    assert first.read_bytes() == MFA_FIXED.encode() and second.read_bytes() == MFA_FIXED.encode()
    assert "Fixed 2 files;" in result.stdout


# ---------------------------------------------------------------------------------------------
# atomic writes


def test_write_is_atomic_in_the_same_folder_and_keeps_the_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    os.chmod(target, 0o640)
    inode = os.stat(target).st_ino
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source, destination, *args, **kwargs):
        renames.append((str(source), str(destination)))
        assert Path(source).read_bytes() == MFA_FIXED.encode()  # complete before the rename
        assert target.read_bytes() == MFA.encode()  # the original untouched until then
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    result = invoke("fix", "--isolated", str(target))
    assert result.exit_code == 0
    assert len(renames) == 1
    source, destination = renames[0]
    assert Path(source).parent == tmp_path and Path(source).name.startswith(".avlint-")
    assert Path(destination) == target or os.path.abspath(destination) == str(target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.stat(target).st_ino != inode  # a new file renamed over the old one
    assert target.read_bytes() == MFA_FIXED.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mfa.yaml"]


def test_read_only_file_gives_a_clear_error_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = write(tmp_path / "locked.yaml", MFA)
    other = write(tmp_path / "other.yaml", MFA)
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if os.path.abspath(path) == str(locked) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    result = invoke("fix", "--isolated", str(locked), str(other))
    assert f"{locked}: error: the file is read-only" in result.stderr.splitlines()
    assert locked.read_bytes() == MFA.encode()
    assert other.read_bytes() == MFA_FIXED.encode()
    assert f"{other}: applied 2 fixes" in result.stdout
    assert f"{locked}: applied" not in result.stdout
    assert result.exit_code == 1
    # Only the file that was written counts as fixed, and the unwritten file's findings remain
    # (MFA has one error, AV002, and one warning, AV403).
    assert "Fixed 1 file; 1 error and 1 warning remain.\n" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.yaml", "other.yaml"]


def test_read_only_folder_gives_a_clear_error_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked_dir = tmp_path / "locked"
    locked_dir.mkdir()
    locked = write(locked_dir / "mfa.yaml", MFA)
    other = write(tmp_path / "other.yaml", MFA)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == locked_dir:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = invoke("fix", "--isolated", str(locked), str(other))
    assert f"{locked}: error: cannot write in {locked_dir}: Permission denied" in result.stderr.splitlines()
    assert locked.read_bytes() == MFA.encode()
    assert other.read_bytes() == MFA_FIXED.encode()
    assert result.exit_code == 1
    assert sorted(p.name for p in locked_dir.iterdir()) == ["mfa.yaml"]


def test_failed_rename_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "mfa.yaml", MFA)
    other = write(tmp_path / "other.yaml", MFA)

    def crash(source, destination, *args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    result = invoke("fix", "--isolated", str(target), str(other))
    assert f"{target}: error: could not replace the file: Input/output error" in result.stderr.splitlines()
    assert f"{other}: error: could not replace the file: Input/output error" in result.stderr.splitlines()
    assert target.read_bytes() == MFA.encode() and other.read_bytes() == MFA.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mfa.yaml", "other.yaml"]
    assert result.exit_code == 1
    # Nothing was written: what remains is what each file had, listed as `lint` lists it.
    lint = invoke("lint", "--isolated", str(target), str(other))
    assert (
        result.stdout == "".join(lint.stdout.splitlines(True)[:-1]) + "Fixed 0 files; 2 errors and 2 warnings remain.\n"
    )
