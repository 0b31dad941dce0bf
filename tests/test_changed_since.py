"""`--changed-since REF`: only blueprint files changed since a git ref, through real git."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.changed import ChangedError, changed_files
from avlint.cli import cli

BLUEPRINT = "version: 1\nmetadata:\n  name: {slug}\nentries: []\n"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@avlint.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@avlint.invalid",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def write(path: Path, slug: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BLUEPRINT.format(slug=slug), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """base: a, b, gone and sub/s committed; since then: g committed, a modified (unstaged),
    c staged, d untracked, gone deleted, and files that must not count (ignored, hidden,
    not YAML)."""
    git(tmp_path, "init", "-q")
    for name in ("a.yaml", "b.yaml", "gone.yaml", "sub/s.yaml", "sub/t.yaml"):
        write(tmp_path / name, Path(name).stem)
    (tmp_path / ".gitignore").write_text("ignored.yaml\n", encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "tag", "base")
    write(tmp_path / "g.yaml", "g")
    git(tmp_path, "add", "g.yaml")
    git(tmp_path, "commit", "-q", "-m", "g")
    write(tmp_path / "a.yaml", "a-changed")
    write(tmp_path / "c.yaml", "c")
    git(tmp_path, "add", "c.yaml")
    write(tmp_path / "d.yaml", "d")
    write(tmp_path / "sub" / "s.yaml", "s-changed")
    (tmp_path / "gone.yaml").unlink()
    write(tmp_path / "ignored.yaml", "ignored")
    write(tmp_path / ".hidden" / "h.yaml", "h")
    (tmp_path / "notes.txt").write_text("not a blueprint\n", encoding="utf-8")
    return tmp_path


def lint(cwd: Path, *args: str) -> tuple[int, str, str]:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["lint", "--isolated", "--format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout, result.stderr


def linted(stdout: str) -> int:
    return json.loads(stdout)["summary"]["linted"]


def test_committed_staged_unstaged_and_untracked_changes(repo: Path) -> None:
    assert changed_files("base", ["."], repo) == ["a.yaml", "c.yaml", "d.yaml", "g.yaml", "sub/s.yaml"]


def test_lint_says_how_many_files_it_lints(repo: Path) -> None:
    code, out, err = lint(repo, "--changed-since", "base")
    assert code == 0
    assert err == "linting 5 files changed since base\n"
    assert linted(out) == 5


def test_changed_files_are_narrowed_to_the_paths_given(repo: Path) -> None:
    assert changed_files("base", ["sub"], repo) == ["sub/s.yaml"]
    assert changed_files("base", ["a.yaml", "b.yaml"], repo) == ["a.yaml"]
    code, _, err = lint(repo, "--changed-since", "HEAD", "sub")
    assert (code, err) == (0, "linting 1 file changed since HEAD\n")


def test_paths_are_relative_to_a_subfolder(repo: Path) -> None:
    code, out, err = lint(repo / "sub", "--changed-since", "base")
    assert (code, err) == (0, "linting 1 file changed since base\n")
    assert json.loads(out)["summary"]["files"] == 1
    assert changed_files("base", ["."], repo / "sub") == ["s.yaml"]


def test_excludes_still_apply(repo: Path) -> None:
    code, _, err = lint(repo, "--changed-since", "base", "--exclude", "sub/*", "--exclude", "c.yaml")
    assert (code, err) == (0, "linting 3 files changed since base\n")


def test_findings_are_reported_for_changed_files_only(repo: Path) -> None:
    (repo / "b.yaml").write_text("version: 2\nentries: []\n", encoding="utf-8")  # now changed, and bad
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "everything")
    code, out, err = lint(repo, "--changed-since", "HEAD~1")
    assert err == "linting 5 files changed since HEAD~1\n"
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} == {"b.yaml"}
    code, out, err = lint(repo, "--changed-since", "HEAD")
    assert (code, err, linted(out)) == (0, "linting 0 files changed since HEAD\n", 0)


def test_unknown_ref_is_a_usage_error(repo: Path) -> None:
    code, out, err = lint(repo, "--changed-since", "no-such-branch")
    assert (code, out) == (2, "")
    assert err == "avlint: error: --changed-since: unknown git ref 'no-such-branch'\n"
    code, _, err = lint(repo, "--changed-since", "--cached")
    assert code == 2 and "unknown git ref '--cached'" in err


def test_outside_a_git_repository_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "a")
    env_ceiling = os.environ.get("GIT_CEILING_DIRECTORIES")
    os.environ["GIT_CEILING_DIRECTORIES"] = str(tmp_path.parent)  # do not find a repository above tmp
    try:
        code, out, err = lint(tmp_path, "--changed-since", "main")
        with pytest.raises(ChangedError, match="not inside a git repository"):
            changed_files("main", ["."], tmp_path)
    finally:
        if env_ceiling is None:
            del os.environ["GIT_CEILING_DIRECTORIES"]
        else:
            os.environ["GIT_CEILING_DIRECTORIES"] = env_ceiling
    assert (code, out) == (2, "")
    assert err == "avlint: error: --changed-since: . is not inside a git repository\n"


def test_paths_are_looked_up_in_their_own_repository_from_anywhere(repo: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # not a repository, not inside `repo`
    assert changed_files("base", [str(repo)], elsewhere) == sorted(
        str(repo.resolve() / name) for name in ("a.yaml", "c.yaml", "d.yaml", "g.yaml", "sub/s.yaml")
    )
    assert changed_files("base", [str(repo / "sub")], elsewhere) == [str(repo.resolve() / "sub" / "s.yaml")]
    code, out, err = lint(elsewhere, "--changed-since", "base", str(repo / "sub"))
    assert (code, err, linted(out)) == (0, "linting 1 file changed since base\n", 1)


def test_paths_in_two_repositories_are_each_compared_with_their_ref(repo: Path, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("other")
    git(other, "init", "-q")
    write(other / "x.yaml", "x")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "x")
    git(other, "tag", "base")
    write(other / "y.yaml", "y")  # untracked: changed since base
    found = changed_files("base", [str(repo / "sub"), str(other)], repo)
    assert found == sorted(["sub/s.yaml", str(other.resolve() / "y.yaml")])
    git(other, "tag", "-d", "base")
    with pytest.raises(ChangedError, match=f"unknown git ref 'base' in the repository {other.resolve()}"):
        changed_files("base", [str(repo / "sub"), str(other)], repo)
