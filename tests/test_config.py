"""Configuration files: discovery, every key, command-line precedence and every kind of error."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.run import run_lint
from tests.conftest import ROOT, lint_request
from tests.snippets import BAD, VERSIONED

FINDING = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning) \[(?P<rule>AV\d{3}) [a-z0-9-]+\] (?P<message>.+)$",
    re.MULTILINE,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint(cwd: Path, *paths: Path | str, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    request = lint_request(tuple(str(p) for p in paths), **options)
    code = run_lint(request, out, err, cwd=cwd)
    return code, out.getvalue(), err.getvalue()


def found(out: str) -> list[tuple[str, str, int, int]]:
    """(rule, severity, line, column) of each finding line."""
    return [(m["rule"], m["severity"], int(m["line"]), int(m["col"])) for m in FINDING.finditer(out)]


def rules(out: str) -> list[str]:
    return [rule for rule, *_ in found(out)]


ALL_BAD = ["AV403", "AV301", "AV307"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tmp/project with bad.yaml in it and a nested working folder a/b/c."""
    root = tmp_path / "project"
    write(root / "bad.yaml", BAD)
    write(root / "v.yaml", VERSIONED)
    (root / "a" / "b" / "c").mkdir(parents=True)
    return root


# --- discovery --------------------------------------------------------------------------------


def test_no_config_uses_defaults(project: Path) -> None:
    code, out, err = lint(project, project / "bad.yaml")
    assert (code, err) == (1, "")
    assert rules(out) == ALL_BAD


def test_avlint_yaml_found_walking_up(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    code, out, err = lint(project / "a" / "b" / "c", project / "bad.yaml")
    assert err == ""
    assert rules(out) == ["AV403", "AV301"]
    assert code == 1


def test_avlint_yml_is_found_too(project: Path) -> None:
    write(project / "a" / ".avlint.yml", "ignore: [AV301]\n")
    code, out, _ = lint(project / "a" / "b", project / "bad.yaml")
    assert rules(out) == ["AV403", "AV307"]
    assert code == 0


def test_nearest_config_wins(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    write(project / "a" / "b" / ".avlint.yaml", "ignore: [AV403]\n")
    _, out, _ = lint(project / "a" / "b" / "c", project / "bad.yaml")
    assert rules(out) == ["AV301", "AV307"]
    _, out, _ = lint(project / "a", project / "bad.yaml")
    assert rules(out) == ["AV403", "AV301"]


def test_config_found_from_the_working_directory_not_the_linted_file(project: Path, tmp_path: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _, out, _ = lint(elsewhere, project / "bad.yaml")
    assert rules(out) == ALL_BAD


def test_pyproject_tool_avlint(project: Path) -> None:
    write(
        project / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.avlint]\ntarget_version = "2025.12"\nignore = ["AV307"]\n\n[tool.avlint.severity]\nAV403 = "error"\n',
    )
    code, out, err = lint(project / "a", project / "bad.yaml")
    assert err == ""
    assert found(out) == [("AV403", "error", 9, 30), ("AV301", "error", 10, 30)]
    assert code == 1
    _, out, _ = lint(project / "a", project / "v.yaml")
    assert [f for f in found(out) if f[0] == "AV212"] == [("AV212", "error", 9, 7)]
    assert "target 2025.12" in out


def test_pyproject_without_tool_avlint_is_passed_over(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    write(project / "a" / "pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    _, out, err = lint(project / "a" / "b", project / "bad.yaml")
    assert err == ""
    assert rules(out) == ["AV403", "AV301"]


def test_avlint_yaml_before_pyproject_in_the_same_folder(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    write(project / "pyproject.toml", '[tool.avlint]\nignore = ["AV403"]\n')
    _, out, _ = lint(project, project / "bad.yaml")
    assert rules(out) == ["AV403", "AV301"]


def test_config_option_names_a_file(project: Path, tmp_path: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\n")
    named = write(tmp_path / "ci" / "lint-settings.yaml", "ignore: [AV403]\n")
    _, out, err = lint(project, project / "bad.yaml", config=str(named))
    assert err == ""
    assert rules(out) == ["AV301", "AV307"]


def test_config_option_accepts_a_pyproject(project: Path, tmp_path: Path) -> None:
    named = write(tmp_path / "other" / "pyproject.toml", '[tool.avlint]\nselect = ["AV301"]\n')
    _, out, _ = lint(project, project / "bad.yaml", config=str(named))
    assert rules(out) == ["AV301"]


def test_config_option_missing_file_exits_2(project: Path, tmp_path: Path) -> None:
    code, out, err = lint(project, project / "bad.yaml", config=str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "nope.yaml" in err and "does not exist" in err
    assert out == ""


def test_isolated_ignores_config_files(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV307]\nstrict: true\n")
    _, out, _ = lint(project, project / "bad.yaml", isolated=True)
    assert rules(out) == ALL_BAD


def test_isolated_ignores_even_a_broken_config(project: Path) -> None:
    write(project / ".avlint.yaml", "no_such_setting: 1\n")
    code, out, err = lint(project, project / "bad.yaml", isolated=True)
    assert (code, err) == (1, "")
    assert rules(out) == ALL_BAD


def test_config_through_the_cli(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / ".avlint.yaml", "ignore: [threshold-below-30s]\n")
    monkeypatch.chdir(project / "a" / "b")
    result = CliRunner().invoke(cli, ["lint", str(project / "bad.yaml")], catch_exceptions=False)
    assert rules(result.stdout) == ["AV403", "AV301"]
    result = CliRunner().invoke(cli, ["lint", "--isolated", str(project / "bad.yaml")], catch_exceptions=False)
    assert rules(result.stdout) == ALL_BAD
    other = write(project / "other.yaml", "ignore: [AV301]\n")
    result = CliRunner().invoke(
        cli, ["lint", "--config", str(other), str(project / "bad.yaml")], catch_exceptions=False
    )
    assert rules(result.stdout) == ["AV403", "AV307"]
    assert result.exit_code == 0


def test_config_error_through_the_cli(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(project / ".avlint.yaml", "ignore: [AV307]\nstrick: true\n")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["lint", "bad.yaml"], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"{config}:2:" in result.stderr
    assert "did you mean 'strict'" in result.stderr
    assert result.stdout == ""


# --- command line over config -----------------------------------------------------------------


def test_command_line_target_version_wins(project: Path) -> None:
    write(project / ".avlint.yaml", 'target_version: "2024.12"\n')
    _, out, _ = lint(project, project / "v.yaml")
    assert rules(out) == ["AV213", "AV212"]
    code, out, _ = lint(project, project / "v.yaml", target_version="2026.8")
    assert (code, rules(out)) == (0, [])


def test_command_line_select_replaces_config_select(project: Path) -> None:
    write(project / ".avlint.yaml", "select: [AV403]\n")
    _, out, _ = lint(project, project / "bad.yaml")
    assert rules(out) == ["AV403"]
    _, out, _ = lint(project, project / "bad.yaml", select=("AV301",))
    assert rules(out) == ["AV301"]


def test_command_line_ignore_adds_to_config_ignore(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [AV403]\n")
    _, out, _ = lint(project, project / "bad.yaml", ignore=("AV307",))
    assert rules(out) == ["AV301"]


def test_command_line_no_strict_wins(project: Path) -> None:
    write(project / ".avlint.yaml", "strict: true\nignore: [AV301]\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert (code, rules(out)) == (1, ["AV403", "AV307"])
    code, _, _ = lint(project, project / "bad.yaml", strict=False)
    assert code == 0


def test_command_line_max_file_size_wins(project: Path) -> None:
    write(project / ".avlint.yaml", "max_file_size: 100\n")
    _, out, _ = lint(project, project / "bad.yaml")
    assert rules(out) == ["AV006"]
    _, out, _ = lint(project, project / "bad.yaml", max_file_size="1MB")
    assert rules(out) == ALL_BAD


def test_command_line_exclude_adds_to_config_exclude(project: Path) -> None:
    write(project / ".avlint.yaml", 'exclude: ["*/v.yaml"]\n')
    files = (project / "bad.yaml", project / "v.yaml")
    _, out, _ = lint(project, *files)
    assert {Path(m["path"]).name for m in FINDING.finditer(out)} == {"bad.yaml"}
    code, out, _ = lint(project, *files, exclude=("*/bad.yaml",))
    assert (code, out) == (0, "No problems in 0 files.\n")


# --- each key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"2025.10"', "'2025.10'", "2025.10"])
def test_target_version_quoted_or_not_means_2025_10(project: Path, value: str) -> None:
    write(project / ".avlint.yaml", f"target_version: {value}\n")
    code, out, err = lint(project, project / "v.yaml")
    assert err == ""
    assert found(out) == [("AV212", "error", 9, 7)]
    assert "(target 2025.10)" in out
    assert code == 1


def test_target_version_with_patch_number_in_config(project: Path) -> None:
    write(project / ".avlint.yaml", "target_version: 2024.12.3\n")
    _, out, err = lint(project, project / "v.yaml")
    assert err == ""
    assert rules(out) == ["AV213", "AV212"]


def test_unknown_target_version_in_config(project: Path) -> None:
    config = write(project / ".avlint.yaml", "ignore: []\ntarget_version: 2025.1\n")
    code, out, err = lint(project, project / "v.yaml")
    assert code == 2
    assert f"{config}:2:" in err
    assert "2025.10" in err  # the known releases are listed
    assert out == ""


def test_unquoted_float_target_version_in_toml_is_an_error(project: Path) -> None:
    config = write(project / "pyproject.toml", "[tool.avlint]\nignore = []\ntarget_version = 2025.10\n")
    code, _, err = lint(project, project / "v.yaml")
    assert code == 2
    assert f"{config}:3:" in err
    assert "quotes" in err


def test_select_by_id_and_name(project: Path) -> None:
    write(project / ".avlint.yaml", "select:\n  - AV403\n  - configure-without-stages\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert (code, rules(out)) == (1, ["AV403", "AV301"])


def test_select_a_single_string(project: Path) -> None:
    write(project / ".avlint.yaml", "select: threshold-below-30s\n")
    _, out, _ = lint(project, project / "bad.yaml")
    assert rules(out) == ["AV307"]


def test_empty_select_means_every_rule(project: Path) -> None:
    """README: `select: []  # empty or absent: every rule`."""
    write(project / ".avlint.yaml", "select: []\n")
    code, out, err = lint(project, project / "bad.yaml")
    assert err == ""
    assert rules(out) == ALL_BAD
    assert code == 1


def test_empty_select_in_pyproject_means_every_rule(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.avlint]\nselect = []\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert (code, rules(out)) == (1, ALL_BAD)


def test_ignore_by_id_and_name(project: Path) -> None:
    write(project / ".avlint.yaml", "ignore: [duplicate-device-class, av307]\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert (code, rules(out)) == (1, ["AV301"])


def test_severity_by_id_and_name(project: Path) -> None:
    write(
        project / ".avlint.yaml",
        "severity:\n  duplicate-device-class: error\n  AV301: warning\n  threshold-below-30s: 'off'\n",
    )
    code, out, err = lint(project, project / "bad.yaml")
    assert err == ""
    assert found(out) == [("AV403", "error", 9, 30), ("AV301", "warning", 10, 30)]
    assert code == 1
    assert out.splitlines()[-1] == "Found 1 error and 1 warning in 1 file of 1 file."


def test_severity_demoted_errors_exit_0(project: Path) -> None:
    write(project / ".avlint.yaml", "severity:\n  configure-without-stages: warning\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert code == 0
    assert {severity for _, severity, *_ in found(out)} == {"warning"}


def test_severity_off_unquoted_as_in_the_readme(project: Path) -> None:
    """The README's example writes `AV403: off` without quotes; YAML 1.1 reads that as false."""
    write(project / ".avlint.yaml", "severity:\n  deny-without-enrolment: error\n  AV403: off\n")
    code, out, err = lint(project, project / "bad.yaml")
    assert err == ""
    assert rules(out) == ["AV301", "AV307"]
    assert code == 1


def test_severity_in_pyproject_subtable(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.avlint.severity]\nAV301 = "off"\nthreshold-below-30s = "error"\n')
    code, out, err = lint(project, project / "bad.yaml")
    assert err == ""
    assert found(out) == [("AV403", "warning", 9, 30), ("AV307", "error", 11, 28)]
    assert code == 1


def test_exclude(project: Path) -> None:
    write(project / "vendor" / "theirs.yaml", BAD)
    write(project / ".avlint.yaml", 'exclude: ["*/vendor/*", "*/v.yaml"]\n')
    _, out, _ = lint(project, project)
    assert {m["path"] for m in FINDING.finditer(out)} == {str(project / "bad.yaml")}


@pytest.mark.parametrize("value", ["1KB", "1kb", '"1 KB"', "1k", "1024"])
def test_max_file_size(project: Path, value: str) -> None:
    write(project / ".avlint.yaml", f"max_file_size: {value}\n")
    big = write(project / "big.yaml", BAD + "# padding\n" * 110)
    assert big.stat().st_size > 1024 > (project / "bad.yaml").stat().st_size
    code, out, err = lint(project, big, project / "bad.yaml")
    assert err == ""
    big_findings = [m for m in FINDING.finditer(out) if m["path"] == str(big)]
    assert [(m["rule"], int(m["line"]), int(m["col"])) for m in big_findings] == [("AV006", 1, 1)]
    assert "limit" in big_findings[0]["message"] and "--max-file-size" in big_findings[0]["message"]
    assert [m["rule"] for m in FINDING.finditer(out) if m["path"] != str(big)] == ALL_BAD
    assert code == 1


def test_strict(project: Path) -> None:
    write(project / ".avlint.yaml", "strict: true\nseverity: {AV301: warning}\n")
    code, out, _ = lint(project, project / "bad.yaml")
    assert {severity for _, severity, *_ in found(out)} == {"warning"}
    assert code == 1
    write(project / ".avlint.yaml", "strict: false\nseverity: {AV301: warning}\n")
    code, _, _ = lint(project, project / "bad.yaml")
    assert code == 0


def test_empty_config_file_uses_defaults(project: Path) -> None:
    write(project / ".avlint.yaml", "# nothing configured yet\n")
    code, out, err = lint(project, project / "bad.yaml")
    assert (code, err) == (1, "")
    assert rules(out) == ALL_BAD


def test_full_readme_example(project: Path) -> None:
    write(
        project / ".avlint.yaml",
        '# .avlint.yaml\ntarget_version: "2025.12"\nselect: []\nignore: [threshold-below-30s]\nseverity:\n  deny-without-enrolment: error\n  AV403: "off"\nexclude: ["vendor/*"]\nmax_file_size: 20MB\nstrict: false\n',
    )
    code, out, err = lint(project, project / "bad.yaml")
    assert err == ""
    assert rules(out) == ["AV301"]
    assert code == 1


# --- errors: exit 2 with file and line --------------------------------------------------------


def config_error(project: Path, name: str, text: str) -> tuple[Path, str]:
    config = write(project / name, text)
    code, out, err = lint(project, project / "bad.yaml")
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("avlint: error: ")
    assert "Traceback" not in err
    return config, err


def test_unknown_key(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", 'target_version: "2025.12"\ntarget_versoin: "2025.10"\n')
    assert f"{config}:2: " in err
    assert "unknown setting 'target_versoin'" in err
    assert "did you mean 'target_version'" in err


def test_unknown_key_in_pyproject(project: Path) -> None:
    config, err = config_error(
        project, "pyproject.toml", '[project]\nname = "x"\n\n[tool.avlint]\nignore = ["AV307"]\nstrictt = true\n'
    )
    assert f"{config}:6: " in err
    assert "did you mean 'strict'" in err


def test_select_as_a_number(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "strict: false\nselect: 5\n")
    assert f"{config}:2: " in err
    assert "select" in err


def test_severity_level_fatal(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "strict: false\nseverity:\n  AV301: warning\n  AV403: fatal\n")
    assert "fatal" in err
    assert "error, warning, info, off" in err
    assert f"{config}:4: " in err  # the line of the bad level, not of `severity:`


def test_severity_not_a_mapping(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "severity: [AV301]\n")
    assert f"{config}:1: " in err


def test_unknown_rule_name_in_ignore(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "strict: false\nignore: [AV403, threshold-below-3s]\n")
    assert f"{config}:2: " in err
    assert "unknown rule 'threshold-below-3s'" in err
    assert "did you mean 'threshold-below-30s'" in err


def test_unknown_rule_name_in_severity_table_of_pyproject(project: Path) -> None:
    config, err = config_error(
        project,
        "pyproject.toml",
        '[tool.avlint]\nignore = ["AV307"]\n\n[tool.avlint.severity]\nAV301 = "warning"\nconfigure-without-stage = "error"\n',
    )
    assert "unknown rule 'configure-without-stage'" in err
    assert f"{config}:6: " in err  # the line of the bad rule, not of the table header


def test_bad_toml(project: Path) -> None:
    config, err = config_error(
        project, "pyproject.toml", '[tool.avlint]\ntarget_version = "2025.12"\nignore = ["AV307"\nstrict = true\n'
    )
    assert re.search(re.escape(str(config)) + r":[34]: ", err), err
    assert "TOML" in err


def test_bad_yaml_config(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "ignore: [AV307\nstrict: true\n")
    assert re.search(re.escape(str(config)) + r":\d+: ", err), err


def test_config_not_a_mapping(project: Path) -> None:
    config, err = config_error(project, ".avlint.yaml", "# settings\n- ignore\n- AV301\n")
    assert f"{config}:2: " in err
    assert "mapping" in err


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("strict: false\nstrict_mode: true\n", 2),
        ('strict: "yes please"\n', 1),
        ("ignore: []\nmax_file_size: -5\n", 2),
        ("max_file_size: huge\n", 1),
        ("max_file_size: true\n", 1),
        ("exclude: 5\n", 1),
        ("ignore: [1, 2]\n", 1),
        ("ignore: []\ntarget_version: [2025, 12]\n", 2),
        ("ignore: []\n\ntarget_version: banana\n", 3),
    ],
)
def test_ill_typed_values(project: Path, text: str, line: int) -> None:
    config, err = config_error(project, ".avlint.yaml", text)
    assert f"{config}:{line}: " in err


@pytest.mark.parametrize("value", ["lots", "-1MB", "0", "0KB"])
def test_invalid_max_file_size_on_the_command_line(project: Path, value: str) -> None:
    code, out, err = lint(project, project / "bad.yaml", max_file_size=value)
    assert code == 2
    assert "--max-file-size" in err and repr(value) in err
    assert out == ""


@pytest.mark.parametrize("value", ["0", '"0MB"'])
def test_zero_max_file_size_in_config_is_an_error(project: Path, value: str) -> None:
    config, err = config_error(project, ".avlint.yaml", f"strict: false\nmax_file_size: {value}\n")
    assert f"{config}:2: " in err


# --- configs that are not configs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("ignore: [AV307]\ntarget_version: !Env AKV\n", 2, "the tag !Env is not allowed here"),
        ("severity:\n  AV403: !!python/name:os.system\n", 2, "the tag !!python/name:os.system is not allowed"),
        ("? [a, b]\n: 1\n", 1, "found unhashable key"),
        ("strict: 2025-02-30\n", 1, "day is out of range"),
    ],
)
def test_a_config_that_yaml_cannot_build_is_a_usage_error_with_its_line(
    project: Path, text: str, line: int, words: str
) -> None:
    config = write(project / ".avlint.yaml", text)
    result = CliRunner().invoke(cli, ["lint", "--config", str(config), str(project / "bad.yaml")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{config}:{line}: invalid config: " in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr and "ConstructorError" not in result.stderr
    assert result.stdout == ""


def test_a_blueprint_passed_as_the_config_is_named_as_such(project: Path) -> None:
    blueprint = ROOT / "sample_configs" / "good" / "stage-mfa-login.yaml"  # has !KeyOf and !Find
    result = CliRunner().invoke(cli, ["lint", "--config", str(blueprint), str(project / "bad.yaml")])
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(blueprint))}:\d+: invalid config: this is an authentik blueprint", result.stderr)
    assert "not an avlint config" in result.stderr and "Traceback" not in result.stderr
