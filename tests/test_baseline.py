"""Baselines: --write-baseline records today's findings, --baseline (or `baseline:` in the
config) reports only new ones, edits that shift lines keep the baseline valid, and a bad
baseline file is an error, never a silent full or empty report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.baseline import Baseline, apply
from avlint.cli import cli
from avlint.engine import FileResult, RunResult
from avlint.findings import Finding
from tests.snippets import TWO_FINDINGS

OLD = TWO_FINDINGS  # AV403 (warning) at 9:30, AV301 (error) at 10:30

# An entry with a problem of its own (AV401 warning: deny without enrolment).
NEW_ENTRY = """\
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: other
    attrs:
      device_classes: [static]
      not_configured_action: deny
"""


def lint(cwd: Path, *args: str, isolated: bool = True) -> tuple[int, str, str]:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["lint", *(["--isolated"] if isolated else []), *args], catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "mfa.yaml").write_text(OLD, encoding="utf-8")
    return tmp_path


def write_baseline(project: Path) -> dict:
    code, out, err = lint(project, "--write-baseline", ".avlint-baseline.json", "blueprints")
    assert code == 0, out + err
    assert "wrote 2 findings to the baseline .avlint-baseline.json" in err
    return json.loads((project / ".avlint-baseline.json").read_text(encoding="utf-8"))


def test_write_baseline_records_every_finding_without_lines(project: Path) -> None:
    document = write_baseline(project)
    assert document["tool"] == "avlint" and document["version"] == 1
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [
        ("blueprints/mfa.yaml", "AV403"),
        ("blueprints/mfa.yaml", "AV301"),
    ]
    for finding in document["findings"]:
        assert set(finding) == {"path", "rule", "name", "fingerprint", "message"}
        assert len(finding["fingerprint"]) == 20


def test_a_baselined_run_is_clean_and_says_so(project: Path) -> None:
    write_baseline(project)
    code, out, _ = lint(project, "--baseline", ".avlint-baseline.json", "blueprints")
    assert code == 0
    assert out.strip() == "No problems in 1 file (2 baselined)."


def test_baseline_survives_edits_that_shift_lines(project: Path) -> None:
    write_baseline(project)
    shifted = "# MFA for the default login flow\n# (maintained by the platform team)\n\n" + OLD.replace(
        "metadata:\n  name: mfa\n", "metadata:\n  name: mfa\n  labels:\n    team: platform\n"
    )
    (project / "blueprints" / "mfa.yaml").write_text(shifted, encoding="utf-8")
    code, out, _ = lint(project, "--format", "json", "--baseline", ".avlint-baseline.json", "blueprints")
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    assert (report["summary"]["baselined"], report["summary"]["baseline_gone"]) == (2, 0)


def test_only_new_findings_are_reported(project: Path) -> None:
    write_baseline(project)
    (project / "blueprints" / "mfa.yaml").write_text(OLD + NEW_ENTRY, encoding="utf-8")
    code, out, _ = lint(project, "--format", "json", "--baseline", ".avlint-baseline.json", "--strict", "blueprints")
    report = json.loads(out)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("AV401", 16)]
    assert report["summary"]["baselined"] == 2
    assert code == 1  # the new warning fails a --strict run; the baselined error does not


def test_fixed_baselined_findings_are_counted_as_gone(project: Path) -> None:
    write_baseline(project)
    (project / "blueprints" / "mfa.yaml").write_text(OLD.replace("[totp, totp]", "[totp]"), encoding="utf-8")
    code, out, _ = lint(project, "--baseline", ".avlint-baseline.json", "blueprints")
    assert code == 0
    assert out.strip() == "No problems in 1 file (1 baselined, 1 baselined finding gone)."


def test_a_changed_node_is_a_new_finding(project: Path) -> None:
    write_baseline(project)
    (project / "blueprints" / "mfa.yaml").write_text(OLD.replace("[totp, totp]", "[static, static]"), encoding="utf-8")
    code, out, _ = lint(project, "--format", "json", "--baseline", ".avlint-baseline.json", "blueprints")
    report = json.loads(out)
    assert code == 0  # the new finding is a warning
    assert [f["rule"] for f in report["findings"]] == ["AV403"]
    assert (report["summary"]["baselined"], report["summary"]["baseline_gone"]) == (1, 1)


def test_baseline_paths_do_not_depend_on_the_working_folder(project: Path) -> None:
    write_baseline(project)
    code, out, _ = lint(project / "blueprints", "--baseline", "../.avlint-baseline.json", "mfa.yaml")
    assert (code, out.strip()) == (0, "No problems in 1 file (2 baselined).")


def test_baseline_from_the_config_file_is_relative_to_it(project: Path) -> None:
    write_baseline(project)
    (project / ".avlint.yaml").write_text("baseline: .avlint-baseline.json\n", encoding="utf-8")
    code, out, _ = lint(project / "blueprints", "mfa.yaml", isolated=False)  # finds ../.avlint.yaml
    assert (code, out.strip()) == (0, "No problems in 1 file (2 baselined).")


def test_baseline_config_key_is_validated(project: Path) -> None:
    (project / ".avlint.yaml").write_text("strict: false\nbaseline: 42\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--config", str(project / ".avlint.yaml"), str(project / "blueprints")])
    assert result.exit_code == 2
    assert ".avlint.yaml:2: invalid config: 'baseline' must be a file path" in result.stderr


def test_write_baseline_replaces_the_old_one(project: Path) -> None:
    write_baseline(project)
    (project / "blueprints" / "mfa.yaml").write_text(OLD + NEW_ENTRY, encoding="utf-8")
    code, _, err = lint(
        project, "--baseline", ".avlint-baseline.json", "--write-baseline", ".avlint-baseline.json", "blueprints"
    )
    assert code == 0 and "wrote 3 findings" in err
    assert len(json.loads((project / ".avlint-baseline.json").read_text(encoding="utf-8"))["findings"]) == 3
    assert [p.name for p in project.iterdir() if p.name.startswith(".avlint-")] == [
        ".avlint-baseline.json"
    ]  # no temporary left


def test_rewriting_part_of_the_tree_keeps_the_other_files_entries(project: Path) -> None:
    (project / "blueprints" / "other.yaml").write_text(OLD.replace("name: mfa", "name: other"), encoding="utf-8")
    code, _, err = lint(project, "--write-baseline", "b.json", "blueprints")
    assert code == 0 and "wrote 4 findings to the baseline b.json\n" in err
    (project / "blueprints" / "mfa.yaml").write_text(OLD.replace("[totp, totp]", "[totp]"), encoding="utf-8")
    code, _, err = lint(project, "--write-baseline", "b.json", "blueprints/mfa.yaml")
    assert code == 0 and "wrote 3 findings to the baseline b.json (2 kept for files not linted in this run)\n" in err
    code, out, _ = lint(project, "--baseline", "b.json", "blueprints")
    assert (code, out.strip()) == (0, "No problems in 2 files (3 baselined).")


def test_write_baseline_refuses_to_overwrite_another_file(project: Path) -> None:
    (project / "package.json").write_text('{"name": "web"}\n', encoding="utf-8")
    code, _, err = lint(project, "--write-baseline", "package.json", "blueprints")
    assert code == 2
    assert "package.json is not an avlint baseline" in err
    assert (project / "package.json").read_text(encoding="utf-8") == '{"name": "web"}\n'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", ".avlint-baseline.json:1:2: the baseline is not valid JSON"),
        ('{"version": 1, "findings": []}', 'is not an avlint baseline (it has no "tool": "avlint")'),
        (
            '{"tool": "ansible-lint", "version": 1, "findings": []}',
            "is not an avlint baseline (its tool is 'ansible-lint')",
        ),
        ("[]", 'is not an avlint baseline (it has no "tool": "avlint")'),
        (
            '{"tool": "avlint", "version": 2, "findings": []}',
            "baseline version 2 is not supported (this avlint reads version 1)",
        ),
        ('{"tool": "avlint", "version": 1}', '"findings" must be a list'),
        (
            '{"tool": "avlint", "version": 1, "findings": [{"path": "a.yaml", "rule": "AV301"}]}',
            'finding 1 must be an object with string "path", "rule" and "fingerprint"',
        ),
        ("\udcff", "cannot read baseline file"),
    ],
)
def test_a_bad_baseline_is_a_clear_error(project: Path, content: str, message: str) -> None:
    path = project / ".avlint-baseline.json"
    path.write_bytes(b"\xff\xfe" if content == "\udcff" else content.encode("utf-8"))
    code, out, err = lint(project, "--baseline", ".avlint-baseline.json", "blueprints")
    assert code == 2
    assert message in err
    assert out == ""  # no report at all: neither a full nor an empty one


def test_a_missing_baseline_is_a_clear_error(project: Path) -> None:
    code, out, err = lint(project, "--baseline", "nowhere.json", "blueprints")
    assert (code, out) == (2, "")
    assert "baseline file nowhere.json does not exist (create it with --write-baseline nowhere.json)" in err


def test_an_unwritable_baseline_is_a_clear_error(project: Path) -> None:
    code, _, err = lint(project, "--write-baseline", "no/such/folder/b.json", "blueprints")
    assert code == 2
    assert "cannot write the baseline no/such/folder/b.json" in err


def entry(path: str, fingerprint: str) -> dict[str, str]:
    return {
        "path": path,
        "rule": "AV403",
        "name": "duplicate-device-class",
        "fingerprint": fingerprint,
        "message": "twice",
    }


def finding(line: int, fingerprint: str, rule: str = "AV403") -> Finding:
    return Finding(
        "a.yaml", line, 1, line, 5, rule, "duplicate-device-class", "warning", "style", "twice", fingerprint=fingerprint
    )


def test_identical_findings_are_counted_not_merged(tmp_path: Path) -> None:
    path = str(tmp_path / "a.yaml")
    baseline = Baseline(str(tmp_path), (entry("a.yaml", "f1"), entry("a.yaml", "f1")))
    findings = [finding(1, "f1"), finding(2, "f1"), finding(3, "f1"), finding(4, "f2")]
    result = apply(RunResult([FileResult(path, [f.replace(path=path) for f in findings])], []), baseline)
    assert [f.line for f in result.findings] == [3, 4]
    assert (result.baselined, result.baseline_gone) == (2, 0)


def test_baselined_findings_of_files_not_linted_are_not_gone(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("x: 1\n", encoding="utf-8")
    entries = (entry("other.yaml", "f1"), entry("deleted.yaml", "f1"), entry("a.yaml", "f9"))
    result = apply(RunResult([FileResult(str(tmp_path / "a.yaml"), [])], []), Baseline(str(tmp_path), entries))
    assert result.baseline_gone == 2  # a.yaml was linted, deleted.yaml no longer exists; other.yaml may still have it
