"""issue 11 item 1: what authentik's own discovery would miss is a finding (AV123 `*.yml`, AV124 a
hidden path part, AV125 metadata that stops discovery for every file), judged the way the lint run
found the file: a named file by all its path parts, a walked file by the parts below the named
folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli

GOOD = "version: 1\nentries: []\n"


def rules(*args: str) -> dict[str, list[str]]:
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--format", "json", *args])
    by_path: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout)["findings"]:
        by_path.setdefault(finding["path"], []).append(finding["rule"])
    return {path: sorted(found) for path, found in by_path.items()}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (".config/blueprints/login.yaml", ".config/blueprints/.drafts/old.yaml", "blueprints/.drafts/new.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_named_file_is_judged_by_every_part_of_its_path(tree: Path) -> None:
    assert rules("blueprints/.drafts/new.yaml") == {"blueprints/.drafts/new.yaml": ["AV124"]}
    assert rules(".config/blueprints/login.yaml") == {".config/blueprints/login.yaml": ["AV124"]}


def test_a_walked_file_is_judged_below_the_named_folder(tree: Path) -> None:
    """The named folder stands for the blueprints folder: a hidden folder above it is not part of
    what authentik sees, and the walk does not enter hidden folders below it."""
    assert rules(".config/blueprints") == {}
    assert rules("blueprints") == {}  # .drafts is not entered (and the folder warning says why)


def test_files_from_changed_since_are_judged_like_walked_files(tree: Path) -> None:
    """--changed-since keeps the files below the named folders, without hidden ones, like a walk."""
    import subprocess

    (tree / "README.md").write_text("x\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--changed-since", "HEAD", ".config/blueprints"])
    assert result.exit_code == 0
    assert result.stdout == "No problems in 1 file.\n"


def test_a_yml_blueprint_is_a_warning_and_a_yml_compose_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "login.yml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: {image: nginx}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--isolated", str(tmp_path)])
    assert result.exit_code == 0
    assert "[AV123 not-found-as-yml]" in result.stdout
    assert result.stdout.endswith("Found 0 errors and 1 warning in 1 file of 1 file (1 skipped as not blueprints).\n")


def test_malformed_metadata_in_a_discovered_file_is_av125_and_in_a_yml_file_av103(tmp_path: Path) -> None:
    text = "version: 1\nmetadata:\n  labels: {}\nentries: []\n"
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yml").write_text(text, encoding="utf-8")
    found = rules(str(tmp_path / "a.yaml"), str(tmp_path / "b.yml"))
    assert found == {str(tmp_path / "a.yaml"): ["AV125"], str(tmp_path / "b.yml"): ["AV103", "AV123"]}
    result = CliRunner().invoke(cli, ["lint", "--isolated", str(tmp_path / "a.yaml")])
    assert result.exit_code == 1
    assert "stops the discovery of every blueprint" in result.stdout
