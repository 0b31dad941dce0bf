"""`--format` and `--output`: the chosen format in a file, text on the terminal; bad names."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.cli.lint_cmd import FORMAT_NAMES
from avlint.reporters import FORMATS
from avlint.run import LintRequest, run_lint
from tests.snippets import TWO_FINDINGS

BAD = TWO_FINDINGS  # AV403 (warning) at 9:30, AV301 (error) at 10:30


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "mfa.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, ["lint", "--isolated", *args], catch_exceptions=False)


def test_cli_offers_every_registered_format() -> None:
    assert FORMAT_NAMES == tuple(FORMATS) == ("text", "json", "sarif", "github", "gitlab", "junit")


def test_output_writes_the_format_to_the_file_and_text_to_the_terminal(bad: Path, tmp_path: Path) -> None:
    report = tmp_path / "avlint.sarif"
    result = invoke("--format", "sarif", "--output", str(report), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:10:30: error [AV301 configure-without-stages]" in result.stdout
    assert result.stdout.endswith("Found 1 error and 1 warning in 1 file of 1 file.\n")
    document = json.loads(report.read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["AV403", "AV301"]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_file_matches_what_stdout_would_show(bad: Path, tmp_path: Path, name: str) -> None:
    report = tmp_path / f"report.{name}"
    to_file = invoke("--format", name, "--output", str(report), str(bad))
    to_stdout = invoke("--format", name, str(bad))
    assert to_file.exit_code == to_stdout.exit_code == 1
    assert report.read_text(encoding="utf-8") == to_stdout.stdout


def test_output_replaces_an_existing_file_atomically(bad: Path, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    report.write_text("old", encoding="utf-8")
    assert invoke("--format", "json", "-o", str(report), str(bad)).exit_code == 1
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["errors"] == 1
    assert os.listdir(report.parent) == ["report.json"]  # no temporary file left behind


def test_output_into_a_missing_folder_is_a_usage_error(bad: Path, tmp_path: Path) -> None:
    result = invoke("--format", "gitlab", "--output", str(tmp_path / "missing" / "gl.json"), str(bad))
    assert result.exit_code == 2
    assert (
        f"avlint: error: cannot write the report {tmp_path / 'missing' / 'gl.json'}: "
        f"the folder {tmp_path / 'missing'} does not exist" in result.stderr
    )


def test_unknown_format_lists_the_valid_ones(bad: Path) -> None:
    result = invoke("--format", "xml", str(bad))
    assert result.exit_code == 2
    assert "'xml' is not one of 'text', 'json', 'sarif', 'github', 'gitlab', 'junit'" in result.stderr


def test_unknown_format_through_the_core_lists_the_valid_ones(bad: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_lint(LintRequest(paths=(str(bad),), format="checkstyle", isolated=True), out, err) == 2
    assert out.getvalue() == ""
    assert (
        err.getvalue()
        == "avlint: error: unknown format 'checkstyle'; choose one of text, json, sarif, github, gitlab, junit\n"
    )
