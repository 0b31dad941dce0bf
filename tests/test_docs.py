"""Generated documentation stays in step with the catalogue; the wheel ships rules/ as data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from avlint.catalogue import all_rules
from avlint.docs import readme_with_rules, rules_markdown
from tests.conftest import ROOT


def test_docs_rules_md_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(), "docs/rules.md is stale: run python -m avlint.docs"


def test_readme_rule_list_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_rules(readme), "README rule list is stale: run python -m avlint.docs"
    for rule in all_rules():
        assert f"| {rule.code} | `{rule.name}` |" in readme


def test_catalogue_entries_are_complete_and_unique() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert rule.summary and rule.description and rule.bad and rule.good, rule.code


def test_wheel_ships_rules_as_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            "-q",
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("avlint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if n.startswith("avlint/_rules/")]
    assert "avlint/_rules/catalogue.yaml" in data
    assert "avlint/_rules/specs/generated/authentik_flows.flow.json" in data  # one file per model, read lazily
    assert "avlint/_rules/specs/generated/models.json" in data
    assert "avlint/_rules/specs/overrides/authentik_flows.flow.yaml" in data
    assert "avlint/_rules/compiled.json" in data  # the pre-parsed copy the lint path reads
    assert not [n for n in data if n.endswith(".py")], "rules/ must hold data only"
    assert "avlint/checks/fields.py" in names
