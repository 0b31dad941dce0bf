"""Run the real `pre-commit try-repo` against this checkout, shared by the pre-commit tests.

try-repo clones the hook repository's HEAD, so the working tree (committed or not) is copied
into a temporary git repository and committed there. Each try-repo installs the hooks into a
fresh virtual environment of its own (its store is a temporary folder, whatever
PRE_COMMIT_HOME says), which takes PyPI and a while: so two runs per test session, each with
both hooks, answer every test (`clean`: a good blueprint staged; `dirty`: a good, a bad and a
fixable one staged), and their outcomes are kept here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, SAMPLES

GOOD = SAMPLES / "good" / "stage-mfa-login.yaml"
BAD = SAMPLES / "bad" / "bp-keyof-undefined.yaml"  # an error that no fix can remove
FIXABLE = SAMPLES / "bad" / "bp-byte-order-mark.yaml"  # one warning, fixed by stripping the mark
SCENARIOS = {"clean": {"good.yaml": GOOD}, "dirty": {"good.yaml": GOOD, "bad.yaml": BAD, "fixable.yaml": FIXABLE}}
_JUNK = (
    ".git",
    ".venv",
    ".ci-venv",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
    "build",
    "dist",
    "corpus",
    "*.egg-info",
)
_STATUS = re.compile(
    r"^(?P<name>\S.*?)\.{3,}(?P<status>Passed|Failed|Skipped|\(no files to check\)Skipped)$", re.MULTILINE
)


@dataclass(frozen=True)
class TryRepoRun:
    returncode: int
    output: str
    project: Path  # the git repository the hooks ran in

    def hook(self, name: str) -> tuple[str, str]:
        """(status, the hook's own output) for the hook shown as `name`."""
        matches = list(_STATUS.finditer(self.output))
        for index, match in enumerate(matches):
            if match["name"] == name:
                end = matches[index + 1].start() if index + 1 < len(matches) else len(self.output)
                return match["status"], self.output[match.end() : end]
        raise AssertionError(f"hook {name!r} did not run:\n{self.output}")


_RUNS: dict[str, TryRepoRun] = {}
_HOOK_REPO: list[Path] = []


def try_repo(scenario: str, base: Path) -> TryRepoRun:
    """The outcome of `pre-commit try-repo CHECKOUT` in a repository with the scenario's files staged."""
    if scenario not in _RUNS:
        _RUNS[scenario] = _run(scenario, base)
    return _RUNS[scenario]


def _run(scenario: str, base: Path) -> TryRepoRun:
    hooks = _hook_repo(base)
    project = base / f"project-{scenario}"
    project.mkdir()
    _git(project, "init", "-q")
    for name, source in SCENARIOS[scenario].items():
        shutil.copyfile(source, project / name)
    _git(project, "add", "--", *SCENARIOS[scenario])
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "--verbose", "--color", "never"]
    env = {**_git_env(), "PRE_COMMIT_HOME": str(base / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=1800, check=False)
    return TryRepoRun(completed.returncode, completed.stdout + completed.stderr, project)


def _hook_repo(base: Path) -> Path:
    """This checkout's working tree, committed in a temporary repository (once per session)."""
    if not _HOOK_REPO:
        repo = base / "avlint-hooks"
        shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(*_JUNK), symlinks=True)
        _git(repo, "init", "-q")
        _git(repo, "add", "-A")
        _git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "avlint working tree")
        _HOOK_REPO.append(repo)
    return _HOOK_REPO[0]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=_git_env(), check=True, capture_output=True)


def _git_env() -> dict[str, str]:
    identity = {
        f"GIT_{who}_{what}": value
        for who in ("AUTHOR", "COMMITTER")
        for what, value in (("NAME", "avlint tests"), ("EMAIL", "tests@avlint.invalid"))
    }
    return {**os.environ, **identity, "GIT_CONFIG_NOSYSTEM": "1"}
