"""End-to-end tests of the command line through click's CliRunner (and twice through a real
`python -m avlint` process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint import __version__
from avlint.catalogue import all_rules
from avlint.cli import cli
from avlint.versions import default_release, known_releases
from tests.conftest import ROOT
from tests.snippets import BAD, VERSIONED

# Each sample names its own stage: files linted together are one set, and one stage with
# other attrs in two files is a finding of its own (AV701).
GOOD = """\
version: 1
metadata:
  name: mfa
entries:
  - id: totp-setup
    model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers:
      name: totp-setup
    attrs:
      digits: 6
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa-good
    attrs:
      device_classes: [totp, static]
      not_configured_action: configure
      configuration_stages: [!KeyOf totp-setup]
"""


# Only a warning: AV403 at 9:38.
WARN_ONLY = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa-warn
    attrs:
      device_classes: [totp, static, totp]
      not_configured_action: skip
"""


# An API create body: AV301 at 1:42.
API_BODY_JSON = '{"name": "mfa", "not_configured_action": "configure"}\n'

COMPOSE = """\
services:
  web:
    image: nginx
    ports: ["80:80"]
"""

LINE_RE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) \[(?P<rule>AV\d{3}) (?P<name>[a-z0-9-]+)\] (?P<message>.+)$"
)
FINDING_FIELDS = {
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "rule",
    "name",
    "severity",
    "effect",
    "message",
    "fixable",
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from an empty folder, so no .avlint.yaml or pyproject.toml is found."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def finding_lines(stdout: str) -> list[re.Match]:
    matches = [LINE_RE.match(line) for line in stdout.splitlines()]
    return [m for m in matches if m]


def rules_of(stdout: str) -> list[str]:
    return [m["rule"] for m in finding_lines(stdout)]


def run_json(*args: str) -> tuple[int, dict]:
    result = invoke("lint", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


# --- lint: exit codes, text format, sorting, summary ------------------------------------------


def test_good_file_exits_0(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    result = invoke("lint", str(good))
    assert result.exit_code == 0, result.output
    assert result.stdout == "No problems in 1 file.\n"


def test_bad_file_exits_1_with_text_lines(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint", str(bad))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{bad}:9:30: warning [AV403 duplicate-device-class] device class 'totp' is listed twice",
        f"{bad}:10:30: error [AV301 configure-without-stages] "
        + lines[1].split("[AV301 configure-without-stages] ", 1)[1],
        f"{bad}:11:28: warning [AV307 threshold-below-30s] " + lines[2].split("[AV307 threshold-below-30s] ", 1)[1],
        "Found 1 error and 2 warnings in 1 file of 1 file.",
    ]
    for line in lines[:3]:
        match = LINE_RE.match(line)
        assert match, line
        assert match["path"] == str(bad)
        assert match["message"].strip()


def test_every_text_line_matches_the_documented_format(tmp_path: Path) -> None:
    write(tmp_path / "p" / "bad.yaml", BAD)
    write(tmp_path / "p" / "warn.yaml", WARN_ONLY)
    write(tmp_path / "p" / "body.json", API_BODY_JSON)
    result = invoke("lint", "p")
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert all(LINE_RE.match(line) for line in lines[:-1]), lines
    assert lines[-1] == "Found 2 errors and 3 warnings in 3 files of 3 files."


def test_findings_sorted_by_file_then_position(tmp_path: Path) -> None:
    later = write(tmp_path / "b.yaml", BAD)
    warn = write(tmp_path / "c.yaml", WARN_ONLY)
    first = write(tmp_path / "a.yaml", BAD)
    result = invoke("lint", str(later), str(warn), str(first))
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in finding_lines(result.stdout)]
    assert keys == sorted(keys)
    assert keys == [
        (str(first), 9, 30),
        (str(first), 10, 30),
        (str(first), 11, 28),
        (str(later), 9, 30),
        (str(later), 10, 30),
        (str(later), 11, 28),
        (str(warn), 9, 38),
    ]
    assert result.stdout.splitlines()[-1] == "Found 2 errors and 5 warnings in 3 files of 3 files."


def test_summary_pluralises_and_counts_files_with_findings(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    warn = write(tmp_path / "warn.yaml", WARN_ONLY)
    result = invoke("lint", str(good), str(warn))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Found 0 errors and 1 warning in 1 file of 2 files."


def test_no_path_lints_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint")
    assert result.exit_code == 1
    assert {os.path.normpath(m["path"]) for m in finding_lines(result.stdout)} == {"bad.yaml"}


# --- --format json ----------------------------------------------------------------------------


def test_json_format(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    good = write(tmp_path / "good.yaml", GOOD)
    code, document = run_json(str(bad), str(good))
    assert code == 1
    assert document["version"] == 1
    assert {"version", "findings", "summary"} <= set(document)
    findings = document["findings"]
    assert len(findings) == 3
    for finding in findings:
        assert set(finding) == FINDING_FIELDS
        assert finding["path"] == str(bad)
        assert isinstance(finding["line"], int) and finding["line"] >= 1
        assert isinstance(finding["column"], int) and finding["column"] >= 1
        assert (finding["end_line"], finding["end_column"]) >= (finding["line"], finding["column"])
        assert finding["severity"] in ("error", "warning")
        assert finding["effect"] in ("rejected", "ignored", "runtime", "risk", "style")
        assert isinstance(finding["fixable"], bool)
        assert finding["message"]
    assert [(f["rule"], f["name"], f["line"], f["column"], f["severity"]) for f in findings] == [
        ("AV403", "duplicate-device-class", 9, 30, "warning"),
        ("AV301", "configure-without-stages", 10, 30, "error"),
        ("AV307", "threshold-below-30s", 11, 28, "warning"),
    ]
    summary = document["summary"]
    assert summary["files"] == 2
    assert summary["linted"] == 2
    assert summary["errors"] == 1
    assert summary["warnings"] == 2
    assert summary["files_with_findings"] == 1
    assert summary["skipped"] == 0
    assert summary["unreadable"] == 0
    assert document["unreadable"] == []


def test_json_clean_run(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    code, document = run_json(str(good))
    assert code == 0
    assert document["findings"] == []
    assert document["summary"]["linted"] == 1


# --- --strict ---------------------------------------------------------------------------------


def test_strict_turns_warnings_into_exit_1(tmp_path: Path) -> None:
    warn = write(tmp_path / "warn.yaml", WARN_ONLY)
    assert invoke("lint", str(warn)).exit_code == 0
    assert invoke("lint", "--strict", str(warn)).exit_code == 1
    assert invoke("lint", "--strict", "--no-strict", str(warn)).exit_code == 0


def test_strict_keeps_a_clean_run_at_0(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    assert invoke("lint", "--strict", str(good)).exit_code == 0


# --- --select / --ignore ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected", "code"),
    [
        (["--select", "AV403"], ["AV403"], 0),
        (["--select", "configure-without-stages"], ["AV301"], 1),
        (["--select", "av307"], ["AV307"], 0),
        (["--select", "AV403,threshold-below-30s"], ["AV403", "AV307"], 0),
        (["--select", "AV403, AV301"], ["AV403", "AV301"], 1),
        (["--select", "duplicate-device-class", "--select", "AV301"], ["AV403", "AV301"], 1),
        (["--ignore", "AV301"], ["AV403", "AV307"], 0),
        (["--ignore", "configure-without-stages"], ["AV403", "AV307"], 0),
        (["--ignore", "AV403,threshold-below-30s"], ["AV301"], 1),
        (["--ignore", "configure-without-stages", "--ignore", "AV307"], ["AV403"], 0),
        (["--select", "AV301,AV403", "--ignore", "AV301"], ["AV403"], 0),
    ],
)
def test_select_and_ignore(tmp_path: Path, options: list[str], expected: list[str], code: int) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint", *options, str(bad))
    assert rules_of(result.stdout) == expected
    assert result.exit_code == code


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_in_select_or_ignore_is_a_usage_error(tmp_path: Path, option: str) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint", option, "AV403,configure-without-stage", str(bad))
    assert result.exit_code == 2
    assert "configure-without-stage" in result.stderr
    assert "did you mean 'configure-without-stages'" in result.stderr
    assert finding_lines(result.stdout) == []


# --- --exclude and folders --------------------------------------------------------------------


def test_exclude_glob(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "mine.yaml", BAD)
    write(tmp_path / "proj" / "vendor" / "theirs.yaml", BAD)
    write(tmp_path / "proj" / "vendor" / "deeper" / "more.yaml", BAD)
    write(tmp_path / "proj" / "body.json", API_BODY_JSON)
    everything = {m["path"] for m in finding_lines(invoke("lint", "proj").stdout)}
    assert everything == {
        os.path.join("proj", p) for p in ("mine.yaml", "vendor/theirs.yaml", "vendor/deeper/more.yaml", "body.json")
    }

    result = invoke("lint", "--exclude", "proj/vendor/*", "proj")
    assert {m["path"] for m in finding_lines(result.stdout)} == {
        os.path.join("proj", "mine.yaml"),
        os.path.join("proj", "body.json"),
    }
    assert "in 2 files of 2 files" in result.stdout

    result = invoke("lint", "--exclude", "proj/vendor/*", "--exclude", "*.json", "proj")
    assert {m["path"] for m in finding_lines(result.stdout)} == {os.path.join("proj", "mine.yaml")}


def test_exclude_relative_to_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "mine.yaml", BAD)
    write(tmp_path / "vendor" / "theirs.yaml", BAD)
    result = invoke("lint", "--exclude", "vendor/*", ".")
    assert {os.path.normpath(m["path"]) for m in finding_lines(result.stdout)} == {"mine.yaml"}


def test_exclude_applies_to_a_file_named_directly(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    good = write(tmp_path / "good.yaml", GOOD)
    result = invoke("lint", "--exclude", "bad.yaml", str(bad), str(good))
    assert result.exit_code == 0
    assert result.stdout == "No problems in 1 file.\n"


def test_folder_recursion(tmp_path: Path) -> None:
    root = tmp_path / "blueprints"
    write(root / "good.yaml", GOOD)
    write(root / "bad.yml", BAD)
    write(root / "body.json", API_BODY_JSON)
    write(root / "sub" / "deeper" / "warn.yaml", WARN_ONLY)
    write(root / "docker-compose.yaml", COMPOSE)
    write(root / "tsconfig.json", '{"compilerOptions": {"strict": true}, "include": ["src"]}\n')
    write(root / "notes.txt", BAD)  # wrong suffix: never read
    write(root / "bad.yaml.bak", BAD)
    write(root / ".hidden" / "bad.yaml", BAD)  # hidden folder: skipped
    write(root / "sub" / ".git" / "bad.yaml", BAD)
    result = invoke("lint", "blueprints")
    paths = {m["path"] for m in finding_lines(result.stdout)}
    assert paths == {os.path.join("blueprints", p) for p in ("bad.yml", "body.json", "sub/deeper/warn.yaml")}
    assert result.exit_code == 1
    assert (
        result.stdout.splitlines()[-1]
        == "Found 2 errors and 4 warnings in 3 files of 4 files (2 skipped as not blueprints)."  # AV123 on bad.yml
    )

    code, document = run_json("blueprints")
    assert code == 1
    assert document["summary"]["skipped"] == 2
    assert document["summary"]["linted"] == 4
    assert document["summary"]["files"] == 6


def test_non_blueprint_yaml_alone_is_skipped_and_counted(tmp_path: Path) -> None:
    compose = write(tmp_path / "docker-compose.yml", COMPOSE)
    result = invoke("lint", str(compose))
    assert result.exit_code == 0
    assert result.stdout == "No problems in 0 files (1 skipped as not blueprints).\n"


def test_file_named_directly_is_linted_whatever_its_suffix(tmp_path: Path) -> None:
    odd = write(tmp_path / "blueprint.txt", BAD)
    result = invoke("lint", str(odd))
    assert result.exit_code == 1
    assert rules_of(result.stdout) == ["AV403", "AV301", "AV307"]


def test_a_file_given_twice_is_linted_once(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint", str(bad), str(bad))
    assert rules_of(result.stdout) == ["AV403", "AV301", "AV307"]
    assert "in 1 file of 1 file" in result.stdout


def test_a_file_named_and_inside_a_named_folder_is_linted_once(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", BAD)
    result = invoke("lint", "bad.yaml", ".")
    assert rules_of(result.stdout) == ["AV403", "AV301", "AV307"]
    assert result.stdout.splitlines()[-1] == "Found 1 error and 2 warnings in 1 file of 1 file."


def test_compose_file_with_a_version_key_is_skipped(tmp_path: Path) -> None:
    """Most docker-compose files written before 2023 start with `version: "3.8"`; they are not
    blueprints and must not fail a folder lint."""
    write(tmp_path / "proj" / "docker-compose.yml", 'version: "3.8"\n' + COMPOSE)
    write(tmp_path / "proj" / "good.yaml", GOOD)
    result = invoke("lint", "proj")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "No problems in 1 file (1 skipped as not blueprints).\n"


# --- --target-version -------------------------------------------------------------------------


def test_target_version_default_is_the_newest(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", VERSIONED)
    result = invoke("lint", str(path))
    assert result.exit_code == 0, result.stdout
    assert str(default_release()) == str(known_releases()[-1])


def test_target_version_with_patch_number(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", VERSIONED)
    result = invoke("lint", "--target-version", "2025.12.4", str(path))
    assert result.exit_code == 1
    matches = finding_lines(result.stdout)
    assert [(m["rule"], int(m["line"]), int(m["col"])) for m in matches] == [("AV212", 9, 7)]
    assert "2025.12" in matches[0]["message"]


def test_target_version_older_release(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", VERSIONED)
    result = invoke("lint", "--target-version", "2024.12", str(path))
    assert [(m["rule"], int(m["line"]), int(m["col"])) for m in finding_lines(result.stdout)] == [
        ("AV213", 7, 30),
        ("AV212", 9, 7),
    ]


@pytest.mark.parametrize("version", ["2099.1", "2025.1", "2025.3.1"])
def test_unknown_target_version_exits_2_listing_known(tmp_path: Path, version: str) -> None:
    path = write(tmp_path / "v.yaml", VERSIONED)
    result = invoke("lint", "--target-version", version, str(path))
    assert result.exit_code == 2
    assert version in result.stderr
    for release in known_releases():
        assert str(release) in result.stderr
    assert "Traceback" not in result.output


def test_malformed_target_version_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", VERSIONED)
    result = invoke("lint", "--target-version", "banana", str(path))
    assert result.exit_code == 2
    assert "banana" in result.stderr
    assert result.stdout == ""


# --- unreadable paths -------------------------------------------------------------------------


def test_missing_path_exits_2_but_other_files_are_linted(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    missing = tmp_path / "missing.yaml"
    result = invoke("lint", str(missing), str(bad))
    assert result.exit_code == 2
    assert f"{missing}: error: no such file or directory" in result.stderr
    assert rules_of(result.stdout) == ["AV403", "AV301", "AV307"]
    assert result.stdout.splitlines()[-1] == "Found 1 error and 2 warnings in 1 file of 1 file (1 unreadable)."


def test_missing_path_in_json(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    missing = tmp_path / "nowhere" / "missing.yaml"
    code, document = run_json(str(good), str(missing))
    assert code == 2
    assert document["unreadable"] == [{"path": str(missing), "message": "no such file or directory"}]
    assert document["summary"]["unreadable"] == 1
    assert document["summary"]["linted"] == 1


def test_missing_path_beats_findings_for_the_exit_code(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    result = invoke("lint", str(good), str(tmp_path / "gone.yml"))
    assert result.exit_code == 2
    assert result.stdout == "No problems in 1 file (1 unreadable).\n"


def test_unreadable_file_exits_2_and_others_still_linted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import errno

    locked = write(tmp_path / "locked.yaml", GOOD)
    bad = write(tmp_path / "bad.yaml", BAD)
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if os.fspath(file) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("avlint.loader.source.open", guarded_open, raising=False)
    result = invoke("lint", str(locked), str(bad))
    assert result.exit_code == 2
    assert f"{locked}: error: permission denied" in result.stderr
    assert rules_of(result.stdout) == ["AV403", "AV301", "AV307"]


# --- rules and explain ------------------------------------------------------------------------


def test_rules_lists_every_rule() -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    for rule in all_rules():
        assert rule.code in rows, rule.code
        row = rows[rule.code]
        assert rule.name in row and rule.severity in row and rule.effect in row
    assert len(rows) == len(all_rules())


def test_rules_json() -> None:
    result = invoke("rules", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [item["code"] for item in data] == [rule.code for rule in all_rules()]
    for item, rule in zip(data, all_rules(), strict=True):
        assert item["name"] == rule.name
        assert item["severity"] == rule.severity
        assert item["effect"] == rule.effect
        assert item["fixable"] is rule.fixable
        assert item["summary"] == rule.summary


@pytest.mark.parametrize("key", ["AV301", "configure-without-stages", "av301"])
def test_explain_shows_bad_and_good_example(key: str) -> None:
    rule = next(r for r in all_rules() if r.code == "AV301")
    result = invoke("explain", key)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("AV301 configure-without-stages")
    assert rule.summary in text
    bad_at, good_at = text.index("Problematic:"), text.index("Correct:")
    assert bad_at < good_at
    for line in rule.bad.strip("\n").splitlines():
        assert line.strip() in text[bad_at:good_at]
    for line in rule.good.strip("\n").splitlines():
        assert line.strip() in text[good_at:]


def test_explain_every_rule() -> None:
    for rule in all_rules():
        by_id = invoke("explain", rule.code)
        by_name = invoke("explain", rule.name)
        assert by_id.exit_code == 0 and by_name.exit_code == 0, rule.code
        assert by_id.stdout == by_name.stdout
        assert "Problematic:" in by_id.stdout and "Correct:" in by_id.stdout


@pytest.mark.parametrize(
    ("key", "suggestion"), [("deny-without-enrolmnt", "deny-without-enrolment"), ("AV3011", "AV301")]
)
def test_explain_unknown_rule_exits_2_with_did_you_mean(key: str, suggestion: str) -> None:
    result = invoke("explain", key)
    assert result.exit_code == 2
    assert f"unknown rule '{key}'" in result.stderr
    assert f"did you mean '{suggestion.lower()}'" in result.stderr.lower()
    assert result.stdout == ""


def test_explain_suggestion_uses_the_canonical_spelling() -> None:
    result = invoke("explain", "AV3011")
    assert result.exit_code == 2
    assert "did you mean 'AV301'?" in result.stderr


def test_explain_nonsense_has_no_suggestion() -> None:
    result = invoke("explain", "zzzzzzzzzzzzzzzz")
    assert result.exit_code == 2
    assert "unknown rule 'zzzzzzzzzzzzzzzz'" in result.stderr
    assert "did you mean" not in result.stderr


# --- --version --------------------------------------------------------------------------------


def _expected_version_line() -> str:
    releases = known_releases()
    return f"avlint {__version__} (authentik {releases[0]} to {releases[-1]}; default target {default_release()})"


def test_version_via_click() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == _expected_version_line() + "\n"
    assert "2021.3" in result.stdout and "2026.8" in result.stdout


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("NO_COLOR", None)
    return env


def test_version_via_python_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "avlint", "--version"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == _expected_version_line() + "\n"
    assert done.stderr == ""


def test_version_fast_path_does_not_import_click() -> None:
    code = "import sys; sys.argv = ['avlint', '--version']; from avlint.__main__ import main; main(); print('click' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [_expected_version_line(), "False"]


# Modules whose import the pre-commit call `avlint lint FILE...` must not pay for: click (the
# fast path skips it), dataclasses (creating them costs start-up time; the lint path uses named
# tuples), PyYAML's pure-Python constructor run on rule data (compiled.json is read instead),
# hashlib for a clean file, uuid, and the modules of options not given.
_NOT_ON_THE_PLAIN_LINT_PATH = (
    "click",
    "dataclasses",
    "hashlib",
    "uuid",
    "avlint.baseline",
    "avlint.spec.snapshot",
    "avlint.fix.apply",
    "avlint.payload",
    "avlint.live",
    "pydantic",
)


def test_plain_lint_of_a_clean_file_imports_only_what_it_needs(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", GOOD)
    code = (
        "import sys, yaml.constructor as c\n"
        "calls = []\n"
        "original = c.BaseConstructor.construct_document\n"
        "c.BaseConstructor.construct_document = lambda self, node: calls.append(1) or original(self, node)\n"
        f"sys.argv = ['avlint', 'lint', {str(good)!r}]\n"
        "from avlint.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        f"print(code, [m for m in {_NOT_ON_THE_PLAIN_LINT_PATH!r} if m in sys.modules], len(calls))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 [] 0"


def test_python_m_lint_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    good = write(tmp_path / "good.yaml", GOOD)
    done = subprocess.run(
        [sys.executable, "-m", "avlint", "lint", str(bad), str(good)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr == ""
    assert f"{bad}:10:30: error [AV301 configure-without-stages]" in done.stdout
    assert "\033[" not in done.stdout  # not a terminal: no colour

    done = subprocess.run(
        [sys.executable, "-m", "avlint", "lint", str(tmp_path / "missing.yaml"), str(good)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "missing.yaml: error: no such file or directory" in done.stderr


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    result = CliRunner().invoke(cli, ["lint", "--frmat", "json", str(bad)])
    assert result.exit_code == 2
    assert "--frmat" in result.stderr


# --- --jobs -----------------------------------------------------------------------------------


def test_parallel_run_matches_serial_run(tmp_path: Path) -> None:
    for index in range(70):
        write(tmp_path / "many" / f"f{index:02}.yaml", (BAD, GOOD, WARN_ONLY, COMPOSE, "- a\n")[index % 5])
    serial_code, serial = run_json("--jobs", "1", "many")
    parallel_code, parallel = run_json("--jobs", "2", "many")
    assert serial_code == parallel_code == 1
    assert parallel["findings"] == serial["findings"]
    assert parallel["summary"] == serial["summary"]
    assert serial["summary"]["skipped"] == 14
    assert len(serial["findings"]) == 14 * 3 + 14 + 14


def _many_files(folder: Path) -> Path:
    """70 files (over the parallel threshold): fixable, clean, warning-only, not a blueprint,
    not loadable; several share a stage name, so payload file names collide across files."""
    for index in range(70):
        write(folder / f"f{index:02}.yaml", (BAD, GOOD, WARN_ONLY, COMPOSE, "- a\n")[index % 5])
    return folder


def _both(tmp_path: Path, *args: str) -> tuple:
    """The command run with one worker and with two on copies of the same files: (result, folder) each."""
    import shutil

    runs = []
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs-{jobs}"
        shutil.copytree(_many_files(tmp_path / "source"), folder / "files")
        runner_args = [arg.replace("{folder}", str(folder)) for arg in args]
        result = CliRunner().invoke(cli, [*runner_args, "--jobs", jobs, str(folder / "files")])
        runs.append((result, folder))
    return runs


def _same_output(one: str, two: str, tmp_path: Path) -> None:
    assert one.replace(str(tmp_path / "jobs-1"), "<folder>") == two.replace(str(tmp_path / "jobs-2"), "<folder>")


def test_parallel_fix_matches_serial_fix(tmp_path: Path) -> None:
    (serial, one), (parallel, two) = _both(tmp_path, "fix")
    assert serial.exit_code == parallel.exit_code == 1  # BAD keeps its AV301 error
    assert "Fixed 28 files" in serial.stdout  # every BAD and WARN_ONLY: a duplicate device class
    _same_output(serial.stdout, parallel.stdout, tmp_path)
    _same_output(serial.stderr, parallel.stderr, tmp_path)
    for path in sorted((one / "files").iterdir()):
        assert path.read_text(encoding="utf-8") == (two / "files" / path.name).read_text(encoding="utf-8"), path.name
    assert (one / "files" / "f00.yaml").read_text(encoding="utf-8") == BAD.replace("[totp, totp]", "[totp]")
    assert (one / "files" / "f02.yaml").read_text(encoding="utf-8") == WARN_ONLY.replace(
        "[totp, static, totp]", "[totp, static]"
    )


def test_parallel_payload_matches_serial_payload(tmp_path: Path) -> None:
    (serial, one), (parallel, two) = _both(tmp_path, "payload", "--out", "{folder}/out")
    assert serial.exit_code == parallel.exit_code == 1  # BAD's body would be rejected, GOOD's has a !KeyOf
    _same_output(serial.stderr, parallel.stderr, tmp_path)
    written = sorted(path.name for path in (one / "out").iterdir())
    assert written == sorted(path.name for path in (two / "out").iterdir())
    # WARN_ONLY's, each named after its source file
    assert len(written) == 14 and "f67.authenticatorvalidatestage-mfa-warn.json" in written
    for name in written:
        assert (one / "out" / name).read_bytes() == (two / "out" / name).read_bytes(), name
