"""issue 11 item 1: in a GitOps repository only blueprints are linted; every other kind of file is
skipped and counted, never an error, by the one rule in avlint.kind, for every command that reads
blueprints. tests/data/repo_kinds/ holds real-shaped examples of each kind."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from avlint.engine import lint_text
from avlint.kind import classify_text
from avlint.settings import Settings
from tests.fake_authentik import FakeAuthentik

KINDS = Path(__file__).resolve().parent / "data" / "repo_kinds"

# file (relative to KINDS): (kind, the reason shown in the note)
EXPECTED = {
    "deployment.yaml": ("kubernetes", "Kubernetes Deployment"),
    "configmap.yaml": ("kubernetes-configmap", "Kubernetes ConfigMap"),
    "secret.yaml": ("kubernetes-secret", "Kubernetes Secret"),
    "manifests.yaml": ("kubernetes-stream", "Kubernetes objects (Namespace, Service, Ingress)"),
    "chart/templates/deployment.yaml": ("helm-template", "Helm template"),
    "chart/templates/blueprints-configmap.yaml": ("helm-template", "Helm template"),
    "chart/Chart.yaml": ("helm-template", "Helm chart file"),
    "docker-compose.yml": ("compose", "docker compose file"),
    "stack.yaml": ("compose", "docker compose file"),
    ".github/workflows/lint.yml": ("github-workflow", "GitHub Actions workflow"),
    "ci/release-workflow.yaml": ("github-workflow", "GitHub Actions workflow"),
    "ci/action.yml": ("github-action", "GitHub Action"),
    ".gitlab-ci.yml": ("gitlab-ci", "GitLab CI file"),
    "ci/jobs.yml": ("gitlab-ci", "GitLab CI file"),
    "ansible/site.yml": ("ansible-playbook", "Ansible playbook"),
    "ansible/tasks.yml": ("other", "YAML list without blueprint keys"),
    "tsconfig.json": ("json-with-comments", "JSON with comments"),
    "kustomization.yaml": ("kustomization", "kustomization"),
    "overlay-kustomization.yaml": ("kustomization", "kustomization"),
    "values-streams.yaml": ("yaml-stream", "multi-document YAML stream"),
}
BLUEPRINT = (
    "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: login}\n"
    "    attrs:\n      name: Login\n      title: Log in\n      designation: authentication\n"
)


def test_every_example_is_listed() -> None:
    on_disk = {str(p.relative_to(KINDS)) for p in KINDS.rglob("*") if p.is_file()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_each_kind_is_recognised(name: str, expected: tuple[str, str]) -> None:
    verdict, _ = classify_text(name, (KINDS / name).read_text(encoding="utf-8"))
    assert (verdict.kind, verdict.reason) == expected
    assert not verdict.linted


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_the_engine_skips_each_kind_with_its_reason(name: str, expected: tuple[str, str]) -> None:
    result = lint_text(name, (KINDS / name).read_text(encoding="utf-8"), Settings())
    assert (result.skipped, result.findings) == (expected[1], [])


def test_a_stream_keeps_the_kind_of_each_document() -> None:
    """The interface for blueprints embedded in ConfigMaps: each document's own verdict."""
    text = (KINDS / "configmap.yaml").read_text(encoding="utf-8") + "---\n" + (KINDS / "secret.yaml").read_text()
    verdict, root = classify_text("both.yaml", text)
    assert verdict.kind == "kubernetes-stream" and root is None
    assert [d.kind for d in verdict.documents] == ["kubernetes-configmap", "kubernetes-secret"]


# --- what stays a blueprint ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("version: 1\nentries:\n  - model: [authentik_flows.flow\n", "AV001"),  # broken blueprint
        ('version: 1\nentries:\n  - model: "{{ oops }}\n', "AV001"),  # unterminated string, `{{` inside
        ("version: 1\nentries: []\n---\napiVersion: v1\nkind: Service\n", "AV001"),  # authentik loads one document
        ("version: 1\nentries: [\n---\nversion: 1\n", "AV001"),
        ("- model: authentik_flows.flow\n  identifiers: {slug: x}\n", "AV008"),  # entries without the top level
        ("", "AV007"),
        ("{{\n", "AV001"),  # braces that do not close: no template action, a YAML error
        ("---\n---\n", "AV001"),  # a stream of empty documents is nothing else we know
        ("---\nversion: 1\n---\n- a\n", "AV001"),  # a stream with a document that may be a blueprint
    ],
    ids=[
        "syntax-error",
        "quoted-braces",
        "blueprint-in-a-stream",
        "broken-stream",
        "entries-list",
        "empty",
        "open-braces",
        "empty-stream",
        "stream-with-a-maybe-blueprint",
    ],
)
def test_a_broken_blueprint_is_reported_not_skipped(text: str, rule: str) -> None:
    result = lint_text("blueprint.yaml", text, Settings())
    assert result.skipped is None
    assert rule in {f.rule for f in result.findings}


@pytest.mark.parametrize(
    "text",
    [
        BLUEPRINT.replace("title: Log in", 'title: "{{ not a template }}"'),
        "version: 1\nentries:\n  - model: authentik_policies_expression.expressionpolicy\n"
        "    identifiers: {name: p}\n    attrs:\n      expression: |\n        {{ a }}\n        return True\n",
        "# {{ a comment }}\n" + BLUEPRINT,
        "metadata: {name: no version or entries at column 0}\nentries: []\n",
    ],
    ids=["quoted", "block-scalar", "comment", "metadata-first"],
)
def test_braces_in_strings_and_comments_do_not_make_a_helm_template(text: str) -> None:
    verdict, _ = classify_text("blueprint.yaml", text)
    assert verdict.kind == "blueprint"


def test_a_json_blueprint_with_a_comment_is_reported() -> None:
    result = lint_text("bp.json", '{"version": 1, // here\n "entries": []}\n', Settings())
    assert result.skipped is None and [f.rule for f in result.findings] == ["AV001"]


# --- every command that reads blueprints -----------------------------------------------------------


def _commands(fake_url: str, token: str) -> dict[str, list[str]]:
    live = ["--url", fake_url, "--token", token]
    return {
        "lint": ["lint"],
        "lint-json": ["lint", "--format", "json"],
        "fix": ["fix"],
        "fix-diff": ["fix", "--diff"],
        "migrate": ["migrate", "--to", "2025.12"],
        "payload": ["payload"],
        "graph": ["graph"],
        "diff": ["diff", *live],
        "apply": ["apply", *live],
    }


COMMANDS = ["lint", "lint-json", "fix", "fix-diff", "migrate", "payload", "graph", "diff", "apply"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(KINDS, root)
    monkeypatch.chdir(root)
    return root


def _run(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_skips_named_files_with_one_note_each(
    command: str, repo: Path, fake_authentik: FakeAuthentik
) -> None:
    args = _commands(fake_authentik.url, fake_authentik.token)[command]
    names = sorted(EXPECTED)
    before = {name: (repo / name).read_bytes() for name in names}
    result = _run([*args, *names])
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if ": note: skipped: " in line]
    assert notes == [f"{name}: note: skipped: {EXPECTED[name][1]}, not a blueprint" for name in names]
    assert "error" not in result.stderr.replace("0 errors", "")
    assert {name: (repo / name).read_bytes() for name in names} == before


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_skips_walked_files_silently(command: str, repo: Path, fake_authentik: FakeAuthentik) -> None:
    (repo / "blueprints").mkdir()
    (repo / "blueprints" / "login.yaml").write_text(BLUEPRINT, encoding="utf-8")
    args = _commands(fake_authentik.url, fake_authentik.token)[command]
    result = _run([*args, "."])
    assert "note: skipped" not in result.stderr
    assert "error" not in result.stderr.replace("0 errors", ""), result.stderr
    assert result.exit_code in (0, 1)  # 1: diff and apply report the login flow the server lacks


def test_a_walk_counts_the_skipped_files_in_every_format(repo: Path) -> None:
    (repo / "blueprints").mkdir()
    (repo / "blueprints" / "login.yaml").write_text(BLUEPRINT, encoding="utf-8")
    # a walk skips hidden files and folders (.gitlab-ci.yml, .github/)
    skipped = sum(1 for name in EXPECTED if not any(part.startswith(".") for part in Path(name).parts))
    text = _run(["lint", "."])
    assert text.exit_code == 0
    # the ConfigMap's two values and the Secret's two, none a blueprint, are counted apart
    assert text.stdout.endswith(
        f"No problems in 1 file ({skipped} skipped as not blueprints, 4 ConfigMap/Secret values skipped as not blueprints).\n"
    )
    document = json.loads(_run(["lint", "--format", "json", "."]).stdout)
    assert (document["summary"]["skipped"], document["summary"]["linted"]) == (skipped, 1)
    sarif = json.loads(_run(["lint", "--format", "sarif", "."]).stdout)
    assert sarif["runs"][0]["properties"]["summary"]["skipped"] == skipped
    junit = ET.fromstring(_run(["lint", "--format", "junit", "."]).stdout)
    assert int(junit.get("skipped") or junit[0].get("skipped") or 0) == skipped
    messages = sorted(
        case.find("skipped").get("message") for case in junit.iter("testcase") if case.find("skipped") is not None
    )  # type: ignore[union-attr]
    assert messages == sorted(reason for name, (_, reason) in EXPECTED.items() if not name.startswith("."))


def test_the_note_names_a_skipped_file_once_even_when_given_twice(repo: Path) -> None:
    result = _run(["lint", "deployment.yaml", "./deployment.yaml"])
    assert result.stderr == "deployment.yaml: note: skipped: Kubernetes Deployment, not a blueprint\n"
    assert result.stdout == "No problems in 0 files (1 skipped as not blueprints).\n"
