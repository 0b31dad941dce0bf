"""issue 11 item 5: the README's GitOps hook set-up and the GitHub Action's example workflow say
what the hook and the action really do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_readme import _AnyTagLoader, blocks

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCUMENTS = [yaml.load(body, Loader=_AnyTagLoader) for body in blocks("yaml")]


def gitops_hook() -> dict:
    return next(
        hook
        for document in DOCUMENTS
        if isinstance(document, dict) and "repos" in document
        for hook in document["repos"][0]["hooks"]
        if "files" in hook
    )


def test_the_gitops_hook_picks_blueprints_and_leaves_templates_and_vendored_files() -> None:
    hook = gitops_hook()
    assert hook["id"] == "avlint"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def selected(path: str) -> bool:  # pre-commit: re.search on the path relative to the root
        return bool(files.search(path)) and not exclude.search(path)

    assert selected("blueprints/mfa.yaml")
    assert selected("blueprints/flows/login.yaml")
    assert selected("k8s/authentik/blueprints-configmap.yaml")
    assert not selected("blueprints/vendor/upstream.yaml")
    assert not selected("charts/authentik/templates/deployment.yaml")
    assert not selected("k8s/grafana/deployment.yaml")
    assert not selected(".github/workflows/ci.yml")


def test_the_gitops_hook_lints_the_blueprints_folder_as_one_project() -> None:
    args = gitops_hook()["args"]
    assert args[args.index("--project") + 1] == "blueprints"


def test_the_action_example_uses_only_inputs_the_action_has() -> None:
    workflow = next(d for d in DOCUMENTS if isinstance(d, dict) and "jobs" in d and "lint" in d["jobs"])
    step = next(s for s in workflow["jobs"]["lint"]["steps"] if s.get("uses", "").startswith("your-org/avlint@"))
    assert set(step["with"]) <= set(ACTION["inputs"])
    assert workflow["jobs"]["lint"]["permissions"]["security-events"] == "write"  # upload-sarif: true needs it


def test_the_readme_table_lists_every_input_with_its_default() -> None:
    start = README.index("### The avlint GitHub Action")
    section = README[start : README.index("\n### ", start + 1)]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \|([^|]*)\|", section, re.MULTILINE))
    assert set(rows) == set(ACTION["inputs"])
    for name, spec in ACTION["inputs"].items():
        default = spec["default"]
        if default and name != "target-version":  # empty means the newest, as the table says
            assert rows[name].strip() == f"`{default}`", name


def test_the_gitops_hook_checks_a_changed_file_against_the_rest_of_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What pre-commit runs for that hook (the hook's entry, its args, then the staged files that
    `files:`/`exclude:` select) in a GitOps repository: only the changed blueprint is named, yet a
    stage name another blueprint of the folder holds is found."""
    import shlex

    from click.testing import CliRunner

    from avlint.cli import cli

    hook = gitops_hook()
    entry = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == hook["id"])
    (tmp_path / "blueprints" / "vendor").mkdir(parents=True)
    (tmp_path / "k8s" / "grafana").mkdir(parents=True)
    (tmp_path / "blueprints" / "password.yaml").write_text(
        "version: 1\nentries:\n  - model: authentik_stages_password.passwordstage\n"
        "    identifiers: {name: mfa}\n    attrs: {backends: [authentik.core.auth.InbuiltBackend]}\n"
    )
    (tmp_path / "blueprints" / "mfa.yaml").write_text(
        "version: 1\nentries:\n  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n"
        "    identifiers: {name: mfa}\n    attrs: {device_classes: [totp], not_configured_action: skip}\n"
    )
    (tmp_path / "k8s" / "grafana" / "deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")
    monkeypatch.chdir(tmp_path)
    staged = ["blueprints/mfa.yaml", "k8s/grafana/deployment.yaml"]
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    selected = [path for path in staged if files.search(path) and not exclude.search(path)]
    assert selected == ["blueprints/mfa.yaml"]
    command = [*shlex.split(entry["entry"])[1:], *hook["args"], "--isolated", "--format", "json", *selected]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in found} == {"blueprints/mfa.yaml"}  # only the named file is reported
    assert any(f["rule"] == "AV702" and "blueprints/password.yaml" in f["message"] for f in found)
