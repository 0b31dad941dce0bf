"""The README's `avlint graph` material: the sample drawing in docs/ is what avlint draws
today, and the CI snippet that posts the Markdown to a pull request works (offline: its
avlint step runs, the posting step is checked, not run)."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import ROOT, SAMPLES
from tests.test_graph_formats import SVG, boxes, check_mermaid
from tests.test_readme import README, _AnyTagLoader, blocks

DRAWING = ROOT / "docs" / "graph-mfa-login.svg"
REGENERATE = "avlint graph --format svg --output docs/graph-mfa-login.svg sample_configs/good/bp-mfa-login-flow.yaml"


def test_the_readme_shows_the_sample_drawing_and_says_how_it_is_made() -> None:
    assert "![The mfa-login sample flow, drawn by avlint graph](docs/graph-mfa-login.svg)" in README
    assert f"`{REGENERATE}`" in README


def test_the_sample_drawing_is_up_to_date(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, shlex.split(REGENERATE)[1:-3] + ["sample_configs/good/bp-mfa-login-flow.yaml"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == DRAWING.read_text(encoding="utf-8"), f"regenerate it: {REGENERATE}"
    names = [box.find(f"{SVG}title").text.splitlines()[0] for box in boxes(result.stdout)]
    assert sorted(names) == [
        "mfa-login",
        "mfa-login-identification",
        "mfa-login-password",
        "mfa-login-totp-setup",
        "mfa-login-user-login",
        "mfa-login-validation",
        "mfa-login-webauthn-setup",
    ]


def test_readme_documents_every_graph_format() -> None:
    commands = [line for body in blocks("sh") for line in body.splitlines() if line.startswith("avlint graph")]
    formats = {shlex.split(line)[shlex.split(line).index("--format") + 1] for line in commands if "--format" in line}
    assert formats | {"mermaid"} == {"mermaid", "markdown", "dot", "svg", "html"}
    assert any("--format" not in line for line in commands)  # the default, mermaid
    assert any("--flow" in line for line in commands) and any("--output" in line for line in commands)
    assert any("--live-file" in line for line in commands)
    assert any(line.startswith("avlint diff --format html") for body in blocks("sh") for line in body.splitlines())


def _graph_workflow() -> dict:
    documents = [yaml.load(body, Loader=_AnyTagLoader) for body in blocks("yaml") if "avlint graph" in body]
    assert len(documents) == 1
    return documents[0]


def test_the_ci_snippet_writes_the_markdown_it_posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workflow = _graph_workflow()
    job = workflow["jobs"]["graph"]
    assert workflow.get("on", workflow.get(True)) == "pull_request"  # YAML 1.1 reads `on` as true
    assert job["permissions"]["pull-requests"] == "write"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    graph_runs = [run for run in runs if run.startswith("avlint graph")]
    post = next(step for step in job["steps"] if "gh pr comment" in step.get("run", ""))
    assert len(graph_runs) == 1
    args = shlex.split(graph_runs[0])
    written = args[args.index("--output") + 1]
    for command in post["run"].split("||"):
        words = shlex.split(command)
        assert words[:3] == ["gh", "pr", "comment"] and words[words.index("--body-file") + 1] == written
    assert post["env"]["GH_TOKEN"] and post["env"]["PR"]
    # The avlint step, run where the workflow would run it: a checkout with blueprints/.
    shutil.copytree(SAMPLES / "good", tmp_path / "blueprints")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args[1:], env={"CI": os.environ.get("CI", "")})
    assert result.exit_code == 0, result.stderr
    body = (tmp_path / written).read_text(encoding="utf-8")
    assert body.startswith("<!-- avlint-graph -->\n## avlint graph\n")
    assert "### Flow mfa-login" in body
    block = body.split("### Flow mfa-login", 1)[1].split("```mermaid", 1)[1].split("```", 1)[0]
    assert check_mermaid("```mermaid" + block + "```\n")
    assert len(body) < 65536  # GitHub refuses comments longer than this
