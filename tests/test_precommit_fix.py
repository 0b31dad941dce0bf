"""The `avlint-fix` pre-commit hook (`avlint fix`), through the real `pre-commit try-repo`.

pre-commit fails a hook that modified files; `avlint fix` applies safe fixes only, so the
fixable file is rewritten and the others stay byte for byte as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pre_commit")

from tests.precommit_support import BAD, FIXABLE, GOOD, try_repo


@pytest.fixture(scope="session")
def precommit_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit")


def test_fix_hook_passes_and_changes_nothing_on_a_good_blueprint(precommit_base: Path) -> None:
    run = try_repo("clean", precommit_base)
    status, output = run.hook("avlint fix")
    assert status == "Passed", run.output
    assert "files were modified" not in output
    assert (run.project / "good.yaml").read_bytes() == GOOD.read_bytes()


def test_fix_hook_fixes_and_fails_when_it_changed_a_file(precommit_base: Path) -> None:
    run = try_repo("dirty", precommit_base)
    status, output = run.hook("avlint fix")
    assert status == "Failed", run.output
    assert "- files were modified by this hook" in output
    assert "fixable.yaml: applied 1 fix" in output
    fixed = (run.project / "fixable.yaml").read_bytes()
    assert FIXABLE.read_bytes().startswith(b"\xef\xbb\xbf") and fixed == FIXABLE.read_bytes()[3:]
    assert (run.project / "good.yaml").read_bytes() == GOOD.read_bytes()
    assert (run.project / "bad.yaml").read_bytes() == BAD.read_bytes()


def test_fix_hook_lists_the_findings_that_remain_as_the_lint_hook_does(precommit_base: Path) -> None:
    """Not only `N errors remain`: the remaining findings, in lint's text format (issue 9 §4.2)."""
    run = try_repo("dirty", precommit_base)
    _, fix_output = run.hook("avlint fix")
    _, lint_output = run.hook("avlint")
    # The lint hook runs first, on the staged files; bad.yaml has nothing to fix, so its findings
    # are the same after the fix (fixable.yaml's one warning is fixed away).
    listed = [line for line in lint_output.splitlines() if line.startswith("bad.yaml:")]
    assert listed and listed[0].startswith("bad.yaml:22:11: error [AV111 keyof-undefined]")
    for line in listed:
        assert line in fix_output.splitlines()
    assert "1 error and 0 warnings remain." in fix_output
