"""The `avlint` pre-commit hook, through the real `pre-commit try-repo` against this checkout.

Needs PyPI (pre-commit installs the hook into its own virtual environment) and git. Skipped
only when the pre-commit package is not installed (`pip install ".[test]"` installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytest.importorskip("pre_commit")

from tests.precommit_support import try_repo


@pytest.fixture(scope="session")
def precommit_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit")


def test_hooks_file_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"avlint", "avlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["yaml", "json"]
        assert hook["require_serial"] is True
    assert hooks["avlint"]["entry"] == "avlint lint"
    assert hooks["avlint-fix"]["entry"] == "avlint fix"


def test_hook_passes_on_a_good_blueprint(precommit_base: Path) -> None:
    run = try_repo("clean", precommit_base)
    status, output = run.hook("avlint")
    assert status == "Passed", run.output
    assert "No problems in 1 file" in output
    assert run.returncode == 0, run.output


def test_hook_fails_on_a_bad_blueprint_and_names_it(precommit_base: Path) -> None:
    run = try_repo("dirty", precommit_base)
    status, output = run.hook("avlint")
    assert status == "Failed", run.output
    assert "- exit code: 1" in output
    assert "bad.yaml:24:11: error [AV111 keyof-undefined]" in output
    assert "good.yaml:" not in output  # staged and linted (three files), but clean
    assert "of 3 files" in output
    assert run.returncode == 1
