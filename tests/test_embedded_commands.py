"""`avlint payload` and `avlint graph` read the blueprints embedded in ConfigMaps and Secrets
like files, and point at the outer file's lines."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from avlint.cli import cli

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: blueprints
  namespace: authentik
data:
  login.yaml: |
    version: 1
    entries:
      - model: authentik_flows.flow
        id: flow
        identifiers: {slug: mfa-login}
        attrs: {name: MFA login, title: Log in, designation: authentication}
      - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
        id: mfa
        identifiers: {name: mfa}
        attrs:
          not_configured_action: deny
          device_classes: [totp, totp]
      - model: authentik_flows.flowstagebinding
        identifiers: {target: !KeyOf flow, stage: !KeyOf mfa, order: 10}
  notes.txt: |
    not a blueprint
---
apiVersion: v1
kind: Service
metadata: {name: authentik}
"""


def _write(tmp_path: Path, text: str = CONFIGMAP) -> Path:
    path = tmp_path / "blueprints.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_payload_builds_the_embedded_blueprints_with_outer_lines(tmp_path: Path) -> None:
    path = _write(tmp_path)
    done = CliRunner().invoke(cli, ["payload", "--isolated", "--all-models", str(path)])
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["model"].split(".")[1], r["line"]) for r in records] == [
        ("flow", 10),
        ("authenticatorvalidatestage", 14),
    ]
    assert records[1]["body"]["device_classes"] == ["totp"]  # built after the safe fixes, as from a file
    assert f"{path}:21:31: unresolved !KeyOf" in done.stderr
    assert f"{path}:20: authentik_flows.flowstagebinding" in done.stderr


def test_payload_skips_a_configmap_without_blueprints_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a.txt: hello\n")
    done = CliRunner().invoke(cli, ["payload", "--isolated", str(path)])
    # skipped like any other Kubernetes file: one note, nothing refused
    assert done.exit_code == 0, done.output
    assert f"{path}: note: skipped: Kubernetes ConfigMap, not a blueprint" in done.stderr


def test_graph_draws_the_embedded_flow_with_its_findings_at_outer_positions(tmp_path: Path) -> None:
    path = _write(tmp_path)
    done = CliRunner().invoke(cli, ["graph", "--isolated", "--format", "markdown", str(path)])
    assert "### Flow mfa-login" in done.stdout
    assert "warning AV403 duplicate-device-class" in done.stdout  # attached to the stage's box
    assert ":19:34): ConfigMap authentik/blueprints, key login.yaml: device class" in done.stdout


def test_the_readme_example_output_is_what_avlint_prints(monkeypatch) -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- embedded-example:start -->\n```text\n", 1)[1].split("```\n<!-- embedded-example:end", 1)[
        0
    ]
    monkeypatch.chdir(ROOT)
    done = CliRunner().invoke(cli, ["lint", "--isolated", "sample_configs/bad/k8s-configmap-blueprints.yaml"])
    assert done.exit_code == 1
    assert done.stdout == shown
