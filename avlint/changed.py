"""`--changed-since REF`: the blueprint files changed since a git ref, through the git command.

Changed means anything `git diff REF` sees (committed since REF, staged and unstaged, deleted
files left out) plus untracked files that .gitignore does not hide. The list is narrowed to
the paths given, the usual suffixes, and no hidden files or folders, like folder discovery.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from avlint.discovery import SUFFIXES


class ChangedError(Exception):
    """Not a git repository, git missing, or an unknown ref."""


def changed_files(ref: str, paths: list[str], cwd: Path) -> list[str]:
    """Changed files under `paths`, relative to `cwd` when they lie below it, sorted.

    Each path is looked up in its own repository, which need not be the one around `cwd`
    (`avlint lint --changed-since main ~/infra/blueprints` from anywhere); paths in several
    repositories are each compared with that repository's `ref`.
    """
    if ref.startswith("-"):
        raise ChangedError(f"unknown git ref {ref!r}")
    by_repository: dict[Path, list[Path]] = {}
    for path in paths or ["."]:
        root = (cwd / path).resolve()  # git reports real paths: compare real paths
        by_repository.setdefault(_repository_of(root, path), []).append(root)
    found: set[Path] = set()
    for top, roots in by_repository.items():
        _git(
            top,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            error=f"unknown git ref {ref!r}" + ("" if len(by_repository) == 1 else f" in the repository {top}"),
        )
        changed = _git(top, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", ref, "--")
        untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard")
        names = {name for name in (changed + untracked).split("\0") if name}
        found.update(file for file in (top / name for name in names) if _wanted(file, roots))
    return sorted(_display(file, cwd) for file in found)


def _repository_of(root: Path, given: str) -> Path:
    """The top folder of the repository holding `root` (a file or folder, existing or not)."""
    folder = root if root.is_dir() else root.parent
    while not folder.is_dir() and folder != folder.parent:  # a path that is gone: its nearest folder
        folder = folder.parent
    output = _git(folder, "rev-parse", "--show-toplevel", error=f"{given} is not inside a git repository")
    return Path(output.strip()).resolve()


def _wanted(file: Path, roots: list[Path]) -> bool:
    if not file.name.endswith(SUFFIXES) or not file.is_file():
        return False
    for root in roots:
        if file == root:
            return True
        if root in file.parents and not any(part.startswith(".") for part in file.relative_to(root).parts):
            return True
    return False


def _display(file: Path, cwd: Path) -> str:
    try:
        return str(file.relative_to(cwd.resolve()))
    except ValueError:
        return str(file)


def _git(cwd: Path, *args: str, error: str | None = None) -> str:
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise ChangedError("--changed-since needs git, and the git command was not found") from None
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()
        raise ChangedError(error or f"git {args[0]} failed: {detail[-1] if detail else completed.returncode}")
    return completed.stdout
