"""Shell completion, as the README documents it: `_AVLINT_COMPLETE=bash_source avlint` prints
the script, and the script's callbacks complete commands, options and --format names."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def avlint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, **env, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-m", "avlint"], env=environment, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", "complete -o nosort -F _avlint_completion avlint"),
        ("zsh", "#compdef avlint"),
        ("fish", "complete --no-files --command avlint"),
    ],
)
def test_completion_script_is_printed(shell: str, expected: str) -> None:
    done = avlint({"_AVLINT_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert "_AVLINT_COMPLETE" in done.stdout  # the script calls avlint back with the variable set


def complete(words: str, **env: str) -> list[str]:
    done = avlint(
        {"_AVLINT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1), **env}
    )
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]  # no candidate: an empty line


def test_completion_callbacks_complete_commands_options_and_formats() -> None:
    assert {"lint", "fix", "rules", "explain"} <= set(complete("avlint "))
    assert "--format" in complete("avlint lint --for")
    assert complete("avlint lint --format ") == ["text", "json", "sarif", "github", "gitlab", "junit"]
    assert set(complete("avlint lint --changed")) == {"--changed-since"}


def test_context_names_complete_from_the_contexts_file(tmp_path) -> None:
    contexts = tmp_path / "contexts.yaml"
    contexts.write_text(
        "contexts:\n"
        "  prod:\n    url: https://a.example.com\n    token_env: A\n"
        "  prod-eu:\n    url: https://b.example.com\n    token_env: B\n"
        "  staging:\n    url: https://c.example.com\n    token_env: C\n",
        encoding="utf-8",
    )
    assert complete("avlint diff --context ", AVLINT_CONTEXTS=str(contexts)) == ["prod", "prod-eu", "staging"]
    assert complete("avlint pull --context pr", AVLINT_CONTEXTS=str(contexts)) == ["prod", "prod-eu"]
    assert complete(f"avlint diff --contexts-file {contexts} --context st") == ["staging"]
    assert complete("avlint diff --context ", AVLINT_CONTEXTS=str(tmp_path / "missing.yaml")) == []
