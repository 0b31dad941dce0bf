"""What `avlint fix` reports after fixing: the findings that remain, listed as `avlint lint` lists
them (positions in the fixed file), and a summary and exit code that count every remaining error,
whatever `--select`/`--ignore` chose to fix (issue 9 §4.2, §4.3)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from avlint.cli import cli

# AV403 (a warning, safe fix) on line 7; AV002 (an error, safe fix: the first key goes) on line 8;
# AV301 (an error, no fix) on line 10, which moves up to line 9 once the first key is removed.
BLUEPRINT = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, webauthn, totp]
      not_configured_action: skip
      # the team chose configure
      not_configured_action: configure
"""


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error [" in line or ": warning [" in line]


def lint_lines(path: Path, *options: str) -> list[str]:
    result = invoke("lint", *options, str(path))
    lines = result.stdout.splitlines()
    assert lines[-1].startswith(("Found ", "No problems"))
    return lines[:-1]


def test_fix_lists_what_remains_as_lint_does_at_the_fixed_positions(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    result = invoke("fix", "--isolated", str(path))
    assert result.exit_code == 1
    remaining = lint_lines(path, "--isolated")
    assert remaining == [
        f"{path}:9:30: error [AV301 configure-without-stages] not_configured_action is configure but the "
        "entry sets no configuration_stages; authentik rejects it"
    ]  # line 10 before the fix
    assert result.stdout.splitlines() == [
        f"{path}: applied 2 fixes",
        "  7:40 AV403 remove the second 'totp'",
        "  8:7 AV002 remove the ignored first 'not_configured_action'",
        *remaining,
        "Fixed 1 file; 1 error and 0 warnings remain.",
    ]


def test_nothing_to_fix_still_lists_the_findings(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT.replace("totp]", "sms]").replace("      not_configured_action: skip\n", ""))
    result = invoke("fix", "--isolated", str(path))
    assert result.stdout.splitlines() == [
        *lint_lines(path, "--isolated"),
        "Fixed 0 files; 1 error and 0 warnings remain.",
    ]
    assert result.exit_code == 1


def test_a_clean_run_lists_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT.replace("configure\n", "deny\n"))
    result = invoke("fix", "--isolated", str(path))
    assert finding_lines(result.stdout) == [
        line for line in lint_lines(path, "--isolated") if "AV401" in line
    ]  # deny without enrolment: a warning no fix removes
    assert result.stdout.splitlines()[-1] == "Fixed 1 file; 0 errors and 1 warning remain."
    assert result.exit_code == 0


def test_select_chooses_the_fixes_but_every_remaining_error_counts(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    result = invoke("fix", "--isolated", "--select", "AV403", str(path))
    fixed = path.read_text()
    assert "[totp, webauthn]" in fixed and "not_configured_action: skip" in fixed  # AV403 fixed, AV002 not
    assert result.stdout.splitlines()[-1] == "Fixed 1 file; 2 errors and 0 warnings remain."
    assert finding_lines(result.stdout) == lint_lines(path, "--isolated")  # AV002 and AV301, both listed
    assert len(finding_lines(result.stdout)) == 2
    assert result.exit_code == 1  # as `avlint lint` would exit


def test_ignore_chooses_the_fixes_but_every_remaining_error_counts(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    result = invoke("fix", "--isolated", "--ignore", "AV002", str(path))
    fixed = path.read_text()
    assert "[totp, webauthn]" in fixed and "not_configured_action: skip" in fixed
    assert result.stdout.splitlines()[-1] == "Fixed 1 file; 2 errors and 0 warnings remain."
    assert result.exit_code == 1


def test_select_of_a_rule_with_nothing_left_still_fails_on_other_errors(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT.replace("totp]", "sms]"))
    result = invoke("fix", "--isolated", "--select", "AV403", str(path))
    assert path.read_text() == BLUEPRINT.replace("totp]", "sms]")
    assert result.stdout.splitlines()[-1] == "Fixed 0 files; 2 errors and 0 warnings remain."
    assert result.exit_code == 1


def test_the_config_file_decides_what_is_checked(tmp_path: Path) -> None:
    """The config's own select/ignore still apply (lint honours them); only the command-line
    selection is about fixes."""
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    (tmp_path / ".avlint.yaml").write_text("ignore: [AV301]\n")
    result = invoke("fix", "--config", str(tmp_path / ".avlint.yaml"), "--select", "AV403", str(path))
    assert result.stdout.splitlines()[-1] == "Fixed 1 file; 1 error and 0 warnings remain."
    assert finding_lines(result.stdout) == lint_lines(path, "--config", str(tmp_path / ".avlint.yaml"))
    assert result.exit_code == 1


def test_an_unknown_rule_in_select_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    result = invoke("fix", "--isolated", "--select", "AV999", str(path))
    assert result.exit_code == 2 and "AV999" in result.stderr
    assert path.read_text() == BLUEPRINT


def test_diff_output_stays_a_patch(tmp_path: Path) -> None:
    path = tmp_path / "mfa.yaml"
    path.write_text(BLUEPRINT)
    result = invoke("fix", "--isolated", "--diff", str(path))
    assert finding_lines(result.stdout) == []
    assert result.stdout.splitlines()[-1] == "Would fix 1 file; 1 error and 0 warnings remain."
    assert path.read_text() == BLUEPRINT
