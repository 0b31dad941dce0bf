"""A named folder that holds no blueprint (empty, only excluded files, only other YAML) is most
often a typo in CI: avlint warns on stderr and names it; exit 0, or 1 with --strict."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from avlint.run import run_lint
from tests.conftest import lint_request
from tests.snippets import BAD

GOOD = "version: 1\nentries: []\n"


def lint(cwd: Path, *paths: str, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_lint(lint_request(paths, isolated=True, **options), out, err, cwd=cwd)
    return code, out.getvalue(), err.getvalue()


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": warning: " in line]


def test_an_empty_folder_is_named_in_a_warning(tmp_path: Path) -> None:
    (tmp_path / "blueprints").mkdir()
    code, out, err = lint(tmp_path, str(tmp_path / "blueprints"))
    assert code == 0
    assert warnings(err) == [
        f"{tmp_path / 'blueprints'}: warning: no blueprint in this folder; nothing was linted there"
    ]
    assert "0 files" in out


def test_strict_makes_the_empty_folder_fail(tmp_path: Path) -> None:
    (tmp_path / "blueprints").mkdir()
    code, _, err = lint(tmp_path, str(tmp_path / "blueprints"), strict=True)
    assert code == 1
    assert len(warnings(err)) == 1


def test_a_folder_of_other_yaml_is_a_folder_without_blueprints(tmp_path: Path) -> None:
    folder = tmp_path / "compose"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    code, out, err = lint(tmp_path, str(folder))
    assert code == 0
    assert [w.split(": warning: ")[0] for w in warnings(err)] == [str(folder)]
    assert "1 skipped" in out


def test_a_folder_whose_files_are_all_excluded_is_warned_about(tmp_path: Path) -> None:
    folder = tmp_path / "vendor"
    folder.mkdir()
    (folder / "bp.yaml").write_text(BAD, encoding="utf-8")
    code, _, err = lint(tmp_path, str(folder), exclude=("vendor/*",))
    assert code == 0
    assert [w.split(": warning: ")[0] for w in warnings(err)] == [str(folder)]


def test_only_the_folder_without_blueprints_is_named(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "bp.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "typo").mkdir()
    code, _, err = lint(tmp_path, str(tmp_path / "good"), str(tmp_path / "typo"))
    assert code == 0
    assert [w.split(": warning: ")[0] for w in warnings(err)] == [str(tmp_path / "typo")]


def test_a_folder_with_a_blueprint_in_a_subfolder_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "bp.yaml").write_text(GOOD, encoding="utf-8")
    code, _, err = lint(tmp_path, str(tmp_path / "a"), str(tmp_path / "a" / "b"))
    assert (code, warnings(err)) == (0, [])


def test_the_current_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = lint(tmp_path, ".")
    assert code == 0
    assert warnings(err) == [".: warning: no blueprint in this folder; nothing was linted there"]
    (tmp_path / "bp.yaml").write_text(GOOD, encoding="utf-8")
    assert warnings(lint(tmp_path, ".")[2]) == []


def test_a_named_file_that_is_not_a_blueprint_gives_no_warning(tmp_path: Path) -> None:
    """A hook passes every changed YAML file; those that are not blueprints are only counted."""
    other = tmp_path / "compose.yaml"
    other.write_text("services: {}\n", encoding="utf-8")
    code, _, err = lint(tmp_path, str(other), strict=True)
    assert (code, warnings(err)) == (0, [])


def test_a_missing_path_stays_an_error(tmp_path: Path) -> None:
    code, _, err = lint(tmp_path, str(tmp_path / "blueprnts"))
    assert code == 2
    assert "error" in err and warnings(err) == []


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_a_symlinked_folder_with_blueprints_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "bp.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    code, _, err = lint(tmp_path, str(tmp_path / "real"), str(tmp_path / "link"))
    assert (code, warnings(err)) == (0, [])
