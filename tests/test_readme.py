"""The README's snippets work: every `avlint ...` command in a ```sh block runs (in a scratch
copy of sample_configs, inside a git repository) without a usage error or a traceback, and
every ```yaml block is valid YAML. Commands that need an authentik server are left out."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import ROOT, SAMPLES

README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_SUBSTITUTION = re.compile(r"\$\((.*)\)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(README) if lang == language]


def avlint_commands() -> list[tuple[dict[str, str], list[str]]]:
    """(environment, arguments) of each avlint command in the sh blocks, in README order; an
    `export` line sets the environment of the commands after it in its block, as in a shell."""
    commands = []
    for body in blocks("sh"):
        exported: dict[str, str] = {}
        for line in body.splitlines():
            if line.startswith("export "):
                exported |= dict(
                    token.partition("=")[::2] for token in shlex.split(line[7:], comments=True) if "=" in token
                )
                continue
            inner = _SUBSTITUTION.search(line)  # eval "$(_AVLINT_COMPLETE=bash_source avlint)"
            for segment in re.split(r"&&|\|\||;|\|", inner.group(1) if inner else line):
                command = _parse(segment)
                if command is not None:
                    commands.append(({**exported, **command[0]}, command[1]))
    return commands


def _parse(segment: str) -> tuple[dict[str, str], list[str]] | None:
    tokens = shlex.split(segment, comments=True)
    env = {}
    while tokens and _ASSIGNMENT.match(tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        env[name] = value
    if not tokens or tokens[0] != "avlint":
        return None
    args = tokens[1:]
    for stop in (">", ">>", "2>"):  # redirections: the command is what comes before
        if stop in args:
            args = args[: args.index(stop)]
    return env, args


def needs_server(env: dict[str, str], args: list[str]) -> bool:
    """Commands that talk to an authentik server cannot run offline."""
    return any(name.startswith("AUTHENTIK_") for name in env) or any(
        "://" in arg or arg.split("=")[0] in ("--url", "--token", "--server", "--context") for arg in args
    )


# Files the README's examples name, beyond blueprints/ and exports/ (copies of the good
# samples): a README example that names a new file needs a stand-in here.
STAND_INS = {
    "old-export.yaml": (SAMPLES / "bad" / "stage-legacy-server.yaml").read_text(encoding="utf-8"),
    "stages.json": '{"pagination": {"count": 0}, "results": []}\n',  # a saved, empty API listing
    "prod.env": "AUTHENTIK_DOMAIN=example.com\n",
    # Saved list pages of the fake authentik (lint and payload --live-file).
    "stages-all.json": (ROOT / "tests" / "data" / "listings" / "stages-all.json").read_text(encoding="utf-8"),
    "flows.json": (ROOT / "tests" / "data" / "listings" / "flows.json").read_text(encoding="utf-8"),
    "schema.yml": (ROOT / "tests" / "data" / "specs" / "mini-schema.yaml").read_text(
        encoding="utf-8"
    ),  # an OpenAPI schema
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_configs, blueprints/ (the good samples plus mfa.yaml) and the stand-ins, in a git
    repository whose `main` has a few commits, so `--changed-since main` and `HEAD~3` resolve."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(SAMPLES, root / "sample_configs")
    shutil.copytree(SAMPLES / "good", root / "blueprints")
    shutil.copyfile(SAMPLES / "good" / "stage-mfa-login.yaml", root / "blueprints" / "mfa.yaml")
    shutil.copytree(SAMPLES / "good", root / "exports")
    for name, content in STAND_INS.items():
        (root / name).write_text(content, encoding="utf-8")
    (root / "drafts").mkdir()  # an empty folder: the README's example of the no-blueprint warning
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@avlint.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@avlint.invalid",
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=env, check=True)
    for number in range(4):
        (root / "CHANGES").write_text(f"{number}\n", encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"commit {number}"], cwd=root, env=env, check=True)
    return root


def test_readme_has_avlint_commands_of_every_kind() -> None:
    subcommands = {args[0] if args else "" for _, args in avlint_commands()}
    assert {"lint", "rules", "explain"} <= subcommands
    flags = {arg.split("=")[0] for _, args in avlint_commands() for arg in args}
    assert {"--format", "--output", "--baseline", "--write-baseline", "--changed-since"} <= flags
    assert any(env.get("_AVLINT_COMPLETE") == "bash_source" for env, _ in avlint_commands())


@dataclass(frozen=True)
class Run:
    args: list[str]
    exit_code: int
    output: str
    crash: str  # the traceback, when the command raised


@pytest.fixture(scope="module")
def checkout_before() -> set[str]:
    """The checkout's top-level names before the README's commands run."""
    return set(os.listdir(ROOT))


@pytest.fixture(scope="module")
def runs(workspace: Path, checkout_before: set[str]) -> list[Run]:
    """Each offline avlint command of the README, run once in README order, in-process through
    the click entry point (the `avlint` script calls the same `cli`; a subprocess per command
    would cost a second each)."""
    done = []
    previous = os.getcwd()
    os.chdir(workspace)
    try:
        for env, args in avlint_commands():
            if not needs_server(env, args):
                result = CliRunner().invoke(cli, args, env=env, prog_name="avlint")
                crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
                crash = "".join(traceback.format_exception(result.exception)) if crashed and result.exception else ""
                done.append(Run(args, result.exit_code, result.stdout + result.stderr, crash))
    finally:
        os.chdir(previous)
    return done


def test_every_offline_avlint_command_runs(runs: list[Run]) -> None:
    failures = [
        f"avlint {shlex.join(run.args)} -> {run.exit_code}\n{run.output}{run.crash}"
        for run in runs
        if run.exit_code not in (0, 1) or run.crash or "Traceback" in run.output
    ]
    assert len(runs) >= 15
    assert failures == []


def test_readme_commands_print_and_write_their_reports(workspace: Path, runs: list[Run]) -> None:
    for run in runs:
        assert run.output, f"avlint {shlex.join(run.args)} printed nothing"
        if "--output" in run.args:
            assert (workspace / run.args[run.args.index("--output") + 1]).stat().st_size > 0


class _AnyTagLoader(yaml.SafeLoader):
    """Safe loading that accepts authentik's tags (!KeyOf, !Find...): the check is syntax."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.mark.parametrize("body", blocks("yaml"), ids=lambda body: body.splitlines()[0][:40])
def test_yaml_blocks_are_valid_yaml(body: str) -> None:
    yaml.load(body, Loader=_AnyTagLoader)


def test_readme_has_the_ci_snippets() -> None:
    bodies = blocks("yaml")
    assert len(bodies) >= 4
    documents = [yaml.load(body, Loader=_AnyTagLoader) for body in bodies]
    precommit = next(d for d in documents if isinstance(d, dict) and "repos" in d)
    assert {hook["id"] for hook in precommit["repos"][0]["hooks"]} == {"avlint", "avlint-fix"}
    workflow = next(d for d in documents if isinstance(d, dict) and "jobs" in d)
    steps = workflow["jobs"]["avlint"]["steps"]
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)
    gitlab = next(d for d in documents if isinstance(d, dict) and "avlint" in d and "script" in d["avlint"])
    assert gitlab["avlint"]["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"


def test_readme_commands_run_in_a_temporary_folder_and_write_nothing_in_the_checkout(
    workspace: Path, checkout_before: set[str], runs: list[Run]
) -> None:
    assert not workspace.resolve().is_relative_to(ROOT)
    assert any("--output" in run.args or "--write-baseline" in run.args for run in runs)  # some do write
    assert set(os.listdir(ROOT)) == checkout_before


def test_contributing_lists_the_tools_ci_runs() -> None:
    section = README[README.index("## Contributing") :]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for body in _BLOCK.findall(section) for line in body[1].splitlines()]
    for tool in ("python -m pytest", "ruff check .", "ruff format --check .", "mypy", "lint-imports"):
        assert tool in commands, tool
        assert tool in ci, tool
    assert 'pip install -e ".[test,lint]"' in commands
