"""issue 11 item 4: `avlint lint -` reads one blueprint from standard input, for editors and scripts;
`--stdin-filename` names it for messages, JSON or YAML, and --exclude matching."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli

BAD = b"version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: x}\n    attrs: {designation: nope}\n"
GOOD = b"version: 1\nentries: []\n"


def lint(stdin: bytes, *args: str):  # the click Result
    return CliRunner().invoke(cli, ["lint", "--isolated", *args], input=stdin, catch_exceptions=False)


def test_findings_on_stdin_are_reported_as_dash() -> None:
    result = lint(BAD, "-")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("-:3:5:")
    assert result.stdout.endswith("in 1 file of 1 file.\n")


def test_the_same_findings_as_a_file(tmp_path: Path) -> None:
    path = tmp_path / "login.yaml"
    path.write_bytes(BAD)
    from_file = CliRunner().invoke(cli, ["lint", "--isolated", "--format", "json", str(path)])
    from_stdin = lint(BAD, "-", "--stdin-filename", str(path), "--format", "json")
    assert from_stdin.exit_code == from_file.exit_code == 1
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)


def test_the_stdin_filename_is_the_path_in_messages() -> None:
    result = lint(BAD, "-", "--stdin-filename", "blueprints/login.yaml")
    assert result.stdout.splitlines()[0].startswith("blueprints/login.yaml:3:5:")


def test_stdin_filename_alone_reads_stdin() -> None:
    """As with ruff: --stdin-filename without a path means standard input."""
    result = lint(BAD, "--stdin-filename", "login.yaml")
    assert result.exit_code == 1 and result.stdout.startswith("login.yaml:3:5:")


def test_json_or_yaml_by_the_stdin_filename() -> None:
    body = b'{"name": "mfa", "not_configured_action": "deny", "device_classes": ["static"]}\n'
    as_json = lint(body, "-", "--stdin-filename", "body.json", "--format", "json")
    assert json.loads(as_json.stdout)["summary"]["linted"] == 1
    # JSON's number rules differ from YAML's: `1e5` is a number in JSON, a string in YAML 1.1
    broken = b'{"version": 1, "entries": [1 2]}\n'
    assert [
        f["rule"]
        for f in json.loads(lint(broken, "-", "--stdin-filename", "x.json", "--format", "json").stdout)["findings"]
    ] == ["AV001"]


def test_a_file_that_is_not_a_blueprint_gets_the_note() -> None:
    result = lint(b"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n", "-", "--stdin-filename", "k8s/svc.yaml")
    assert result.exit_code == 0
    assert result.stderr == "k8s/svc.yaml: note: skipped: Kubernetes Service, not a blueprint\n"
    assert result.stdout == "No problems in 0 files (1 skipped as not blueprints).\n"


def test_an_excluded_stdin_filename_prints_nothing() -> None:
    result = lint(BAD, "-", "--stdin-filename", "vendor/login.yaml", "--exclude", "vendor/*")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    json_result = lint(BAD, "-", "--stdin-filename", "vendor/login.yaml", "--exclude", "vendor/*", "--format", "json")
    assert (json_result.exit_code, json_result.stdout) == (0, "")


def test_an_excluded_stdin_filename_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".avlint.yaml").write_text("exclude: [vendor/*]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "-", "--stdin-filename", "vendor/login.yaml"], input=BAD)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    kept = CliRunner().invoke(cli, ["lint", "-", "--stdin-filename", "blueprints/login.yaml"], input=BAD)
    assert kept.exit_code == 1


def test_the_stdin_filename_is_judged_like_a_named_file() -> None:
    result = lint(GOOD, "-", "--stdin-filename", ".drafts/login.yml", "--format", "json")
    assert sorted(f["rule"] for f in json.loads(result.stdout)["findings"]) == ["AV123", "AV124"]


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"version: 1\nentries: [\xff]\n", "AV004"),  # not UTF-8
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "AV004"),  # binary
        ("version: 1\nentries: []\n".encode("utf-16"), "AV004"),
        (b"version: 1\nentries: [\n", "AV001"),
        (b"", "AV007"),
    ],
    ids=["latin-1", "binary", "utf-16", "syntax", "empty"],
)
def test_bad_input_gets_the_same_finding_as_a_file(data: bytes, rule: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(data)
    from_file = json.loads(CliRunner().invoke(cli, ["lint", "--isolated", "--format", "json", str(path)]).stdout)
    from_stdin = json.loads(lint(data, "-", "--format", "json").stdout)
    assert [f["rule"] for f in from_stdin["findings"]] == [f["rule"] for f in from_file["findings"]] == [rule]
    assert [(f["line"], f["column"]) for f in from_stdin["findings"]] == [
        (f["line"], f["column"]) for f in from_file["findings"]
    ]


def test_huge_input_is_refused_at_the_size_limit_without_reading_it_all() -> None:
    result = lint(b"#" * 2048 + b"\n", "-", "--max-file-size", "1KB", "--format", "json")
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["AV006"]


@pytest.mark.parametrize(
    "args",
    [("-", "other.yaml"), ("other.yaml", "-"), ("-", "-"), ("--stdin-filename", "x.yaml", "other.yaml")],
    ids=["dash-first", "dash-last", "dash-twice", "filename-with-a-path"],
)
def test_dash_mixed_with_paths_is_a_usage_error(args: tuple[str, ...]) -> None:
    result = lint(GOOD, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("avlint: error: ")


def test_dash_with_changed_since_is_a_usage_error() -> None:
    result = lint(GOOD, "-", "--changed-since", "HEAD")
    assert result.exit_code == 2 and "--changed-since" in result.stderr


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "junit", "github", "gitlab"])
def test_every_format(format_name: str) -> None:
    result = lint(BAD, "-", "--stdin-filename", "login.yaml", "--format", format_name)
    assert result.exit_code == 1
    out = result.stdout
    if format_name == "json":
        assert {f["path"] for f in json.loads(out)["findings"]} == {"login.yaml"}
    elif format_name == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"login.yaml"}
    elif format_name == "junit":
        assert {case.get("name") for case in ET.fromstring(out).iter("testcase")} == {"login.yaml"}
    elif format_name == "gitlab":
        assert {issue["location"]["path"] for issue in json.loads(out)} == {"login.yaml"}
    elif format_name == "github":
        assert out.startswith("::") and "file=login.yaml," in out
    else:
        assert out.startswith("login.yaml:3:5:")


def test_a_real_pipe() -> None:
    """Through a real process and pipe, as an editor runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "avlint", "lint", "--isolated", "-", "--stdin-filename", "login.yaml"],
        input=BAD,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.decode().startswith("login.yaml:3:5:")
