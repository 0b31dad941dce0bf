"""issue 11 item 5: action.yml, the composite GitHub Action. Its shell steps run here as the runner
runs them (`bash --noprofile --norc -eo pipefail`, the step's `env:` with the inputs filled in, a
GITHUB_OUTPUT file), against sample_configs: the annotations, the SARIF file (validated against the
SARIF 2.1.0 schema), the exit status, and inputs that try to inject a command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, SAMPLES

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def step(name: str) -> dict[str, Any]:
    return next(s for s in STEPS if s.get("name") == name)


class Runner:
    """The few parts of the Actions runner a composite action's shell steps see."""

    def __init__(self, workspace: Path, inputs: dict[str, str], path: str | None = None) -> None:
        self.workspace, self.path = workspace, path
        self.inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | inputs
        self.output_file = workspace / "github_output"
        self.output_file.write_text("", encoding="utf-8")

    def outputs(self) -> dict[str, str]:
        lines = self.output_file.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def value(self, expression: str) -> str:
        if expression.startswith("inputs."):
            return self.inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        if expression.startswith("steps.lint.outputs."):
            return self.outputs().get(expression.removeprefix("steps.lint.outputs."), "")
        raise AssertionError(f"an expression the test runner does not know: {expression}")

    def run(self, name: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        spec = step(name)
        assert spec["shell"] == "bash"
        env = {
            "PATH": self.path or f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "GITHUB_OUTPUT": str(self.output_file),
            "GITHUB_ACTION_PATH": str(ROOT),
            **(extra_env or {}),
        }
        for key, raw in (spec.get("env") or {}).items():
            env[key] = EXPRESSION.sub(lambda match: self.value(match.group(1)), str(raw))
        script = self.workspace / "step.sh"
        script.write_text(spec["run"], encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "sample_configs")
    return tmp_path


# --- the file itself -----------------------------------------------------------------------------


def test_it_is_a_composite_action_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "paths",
        "target-version",
        "strict",
        "args",
        "sarif-file",
        "upload-sarif",
        "python-version",
    }
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] and "default" in spec, name


def test_no_input_is_interpolated_into_a_script() -> None:
    """`${{ inputs.x }}` inside `run:` would paste the text into the script before bash reads it."""
    for spec in STEPS:
        if "run" in spec:
            assert "${{" not in spec["run"], spec["name"]


def test_the_options_it_passes_exist() -> None:
    from avlint.cli.lint_cmd import lint

    options = {opt for param in lint.params for opt in getattr(param, "opts", [])}
    script = step("Lint")["run"]
    for option in set(re.findall(r"--[a-z-]+", script)):
        assert option in options, option


def test_the_sarif_upload_is_optional_and_uses_code_scanning() -> None:
    upload = step("Upload the SARIF file to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"] == "inputs.upload-sarif == 'true'"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


# --- its shell steps, run ------------------------------------------------------------------------


def test_install_passes_the_action_path_as_one_argument(tmp_path: Path) -> None:
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD"\n', encoding="utf-8")
    (shim / "python").chmod(0o755)
    runner = Runner(tmp_path, {}, path=f"{shim}{os.pathsep}/usr/bin{os.pathsep}/bin")
    done = runner.run("Install avlint", {"RECORD": str(tmp_path / "record")})
    assert done.returncode == 0, done.stderr
    args = (tmp_path / "record").read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["-m", "pip", "install"] and args[-1] == str(ROOT)


def test_findings_become_annotations_and_a_valid_sarif_file(workspace: Path) -> None:
    runner = Runner(workspace, {"paths": "sample_configs/bad"})
    lint = runner.run("Lint")
    assert lint.returncode == 0, lint.stderr  # the findings fail the last step, after the upload
    assert runner.outputs()["exit-code"] == "1"
    annotations = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=sample_configs/bad/") for line in annotations)
    assert any(line.startswith("::warning file=sample_configs/bad/") for line in annotations)
    sarif = json.loads((workspace / "avlint.sarif").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(SARIF_SCHEMA).iter_errors(sarif)) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and all(uri.startswith("sample_configs/bad/") for uri in uris)
    assert len(sarif["runs"][0]["results"]) == len(annotations)
    assert runner.run("Fail on findings").returncode == 1


def test_a_clean_run_passes_with_strict_and_a_target(workspace: Path) -> None:
    runner = Runner(
        workspace,
        {
            "paths": "sample_configs/good\nsample_configs/good/stage-mfa-login.yaml",
            "strict": "true",
            "target-version": "2025.10",
            "sarif-file": "out/avlint report.sarif",
        },
    )
    (workspace / "out").mkdir()
    lint = runner.run("Lint")
    assert lint.returncode == 0, lint.stderr
    assert runner.outputs()["exit-code"] == "0"
    good = sorted((workspace / "sample_configs" / "good").iterdir())  # every one is a blueprint
    assert lint.stdout.startswith(f"No problems in {len(good)} files")
    assert (
        json.loads((workspace / "out" / "avlint report.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []
    )
    assert runner.run("Fail on findings").returncode == 0


def test_strict_fails_on_warnings_and_extra_args_reach_avlint(workspace: Path) -> None:
    warnings_only = "sample_configs/bad/bp-byte-order-mark.yaml"
    assert Runner(workspace, {"paths": warnings_only}).run("Lint").returncode == 0
    strict = Runner(workspace, {"paths": warnings_only, "strict": "true"})
    strict.run("Lint")
    assert strict.outputs()["exit-code"] == "1"
    ignored = Runner(workspace, {"paths": warnings_only, "strict": "true", "args": "--ignore   AV005"})
    ignored.run("Lint")
    assert ignored.outputs()["exit-code"] == "0"


@pytest.mark.parametrize(
    "inputs",
    [
        {"paths": "sample_configs/good $(touch pwned) `touch pwned` ; touch pwned && touch pwned"},
        {"paths": "sample_configs/good", "args": "--exclude $(touch${IFS}pwned)"},
        {"paths": "sample_configs/good", "target-version": '2025.10"; touch pwned; echo "'},
        {"paths": "sample_configs/good", "sarif-file": "x.sarif; touch pwned"},
        {"paths": "*", "args": "--isolated"},  # no glob expansion either: `*` is a path that does not exist
    ],
    ids=["paths", "args", "target-version", "sarif-file", "glob"],
)
def test_inputs_cannot_inject_a_command(workspace: Path, inputs: dict[str, str]) -> None:
    runner = Runner(workspace, inputs)
    lint = runner.run("Lint")
    assert not list(workspace.glob("pwned*"))
    assert "Traceback" not in lint.stderr
    assert lint.returncode in (0, 2)


def test_a_path_that_does_not_exist_fails_the_lint_step(workspace: Path) -> None:
    runner = Runner(workspace, {"paths": "sample_configs/missing"})
    lint = runner.run("Lint")
    assert lint.returncode == 2
    assert "sample_configs/missing: error: no such file or directory" in lint.stderr


def test_a_strict_value_that_is_not_a_boolean_is_refused(workspace: Path) -> None:
    lint = Runner(workspace, {"paths": "sample_configs/good", "strict": "yes"}).run("Lint")
    assert lint.returncode == 2
    assert lint.stdout == "::error title=avlint::the strict input must be true or false\n"
