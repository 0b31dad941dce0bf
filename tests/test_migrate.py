"""`avlint migrate`: the version table, source inference, pks to !KeyOf/!Find, entry order.

Golden cases live in tests/golden/migrate/: `<case>.input.yaml` is migrated to
`<case>.migrated.yaml`, compared byte for byte. Optional side files:

* `<case>.to`: the target version (default 2026.5);
* `<case>.from`: the source version, as given with `--from` (default: inferred);
* `<case>.live.json`: a saved listing passed as `--live-file`.

The outputs were generated with the tool and then read and corrected by hand: where the tool is
wrong, the golden file holds what a careful authentik admin would want and the test fails until
the tool is fixed. To rewrite them from the tool's current output:

    AVLINT_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_migrate.py -k golden

and then review `git diff tests/golden/migrate` line by line before committing anything.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from avlint.engine import lint_text
from avlint.migrate.command import MigrateRequest, Migration, MigrationError, migrate_text, run_migrate
from avlint.migrate.references import load_known
from avlint.migrate.steps import migration_steps, steps_between
from avlint.resources import load_data
from avlint.settings import Settings
from avlint.settings_options import SettingsOptions
from avlint.versions import Release, known_releases, resolve_release
from tests.conftest import DATA

GOLDEN = Path(__file__).resolve().parent / "golden" / "migrate"
REGENERATE = os.environ.get("AVLINT_REGENERATE_GOLDEN") == "1"
EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
DEFAULT_TARGET = "2026.5"
VALIDATE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
BINDING = "authentik_flows.flowstagebinding"


# ---------------------------------------------------------------------------------------------
# helpers


def read_text(path: Path) -> str:
    """The file's exact text: no newline translation."""
    return path.read_bytes().decode("utf-8")


def settings(target: str = DEFAULT_TARGET) -> Settings:
    return Settings(release=resolve_release(target))


def migrate(
    text: str,
    target: str = DEFAULT_TARGET,
    source: str | None = None,
    known: dict | None = None,
    path: str = "blueprint.yaml",
    flow_set_order: int | None = None,
) -> Migration:
    return migrate_text(
        path, text, settings(target), resolve_release(source) if source else None, known or {}, flow_set_order
    )


def side(case: str, suffix: str) -> str | None:
    path = GOLDEN / f"{case}.{suffix}"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def case_name(path: Path) -> str:
    return path.name.split(".input.")[0]


def golden_inputs() -> list[Path]:
    return sorted(GOLDEN.glob("*.input.yaml"))


def expected_path(path: Path) -> Path:
    return path.with_name(f"{case_name(path)}.migrated.yaml")


def run_case(path: Path, text: str | None = None, again: bool = False) -> Migration:
    """The golden case's migration; `again`: the migrated text, which is for the target now."""
    case = case_name(path)
    live = GOLDEN / f"{case}.live.json"
    known = load_known(str(live)) if live.exists() else {}
    target = side(case, "to") or DEFAULT_TARGET
    source = target if again else side(case, "from")
    order = side(case, "order")
    return migrate(
        read_text(path) if text is None else text,
        target,
        source,
        known,
        str(path),
        int(order) if order is not None else None,
    )


def diff(expected: str, actual: str) -> str:
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected", "actual"))


@dataclass(frozen=True)
class Tagged:
    tag: str
    value: Any


class TagLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader plus every `!Tag`, kept as a Tagged value."""


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged("!" + suffix, value)


TagLoader.add_multi_constructor("!", _construct_tagged)


def load(text: str) -> dict:
    return yaml.load(text, Loader=TagLoader)


def walk_values(value: Any):
    yield value
    if isinstance(value, Tagged):
        yield from walk_values(value.value)
    elif isinstance(value, list):
        for item in value:
            yield from walk_values(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_values(item)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["migrate", "--isolated", *args])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def comment_texts(text: str) -> list[str]:
    """Every comment in the text (`# ...` outside quotes, good enough for these files)."""
    return [match.group(0).strip() for match in re.finditer(r"(?:^|\s)#.*$", text, re.MULTILINE)]


# ---------------------------------------------------------------------------------------------
# small files used by several tests

OLD_STAGE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stage: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c
"""

EMAIL_STAGE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, email]
"""

HINTS_STAGE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      webauthn_hints: [security-key]
"""

PLAIN_STAGE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: deny
"""

# configuration_stage is gone in 2022.2, webauthn_hints arrives in 2026.5: no release has both.
CONTRADICTORY = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stage: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c
      webauthn_hints: [security-key]
"""

# a binding that relies on the pre-2023.3 defaults, in a file that uses nothing dated
BINDING_ONLY = """\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, login]]
      stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, mfa]]
      order: 30
"""

CYCLE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: first
    identifiers:
      name: first
    attrs:
      not_configured_action: configure
      configuration_stages: [!KeyOf second]
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: second
    identifiers:
      name: second
    attrs:
      not_configured_action: configure
      configuration_stages: [!KeyOf first]
"""


# ---------------------------------------------------------------------------------------------
# golden files

CASES = golden_inputs()
CASE_IDS = [case_name(p) for p in CASES]


def _regenerate(path: Path) -> None:
    try:
        migration = run_case(path)
    except MigrationError:
        return  # the golden file keeps the hand-written output
    expected_path(path).write_bytes(migration.text.encode("utf-8"))


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_migration(path: Path) -> None:
    if REGENERATE:
        _regenerate(path)
    expected = read_text(expected_path(path))
    try:
        migration = run_case(path)
    except MigrationError as error:
        pytest.fail(f"not migrated: {error}")
    assert migration.text.encode("utf-8") == expected.encode("utf-8"), diff(expected, migration.text)


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_migrating_again_changes_nothing(path: Path) -> None:
    """The migrated file, migrated again to the same target (it is for the target now), stays as it is."""
    expected = read_text(expected_path(path))
    migration = run_case(path, text=expected, again=True)
    assert migration.text == expected, diff(expected, migration.text)


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_comments_are_kept(path: Path) -> None:
    original, migrated = comment_texts(read_text(path)), comment_texts(read_text(expected_path(path)))
    # the only comments migrate writes say where a binding entry that replaces a flow_set comes from
    assert sorted(original) == sorted(c for c in migrated if "from its flow_set (read-only from 2025.12)" not in c)


@pytest.mark.parametrize("path", CASES, ids=CASE_IDS)
def test_golden_output_loads_with_pyyaml_and_keeps_the_importer_order(path: Path) -> None:
    document = load(read_text(expected_path(path)))
    ids_so_far: set[str] = set()
    for entry in document["entries"]:
        for value in walk_values(entry):
            if isinstance(value, Tagged) and value.tag == "!KeyOf":
                assert value.value in ids_so_far, f"!KeyOf {value.value} does not point at an entry above it"
        if entry.get("id"):
            ids_so_far.add(entry["id"])


def test_golden_folder_is_complete() -> None:
    assert len(CASES) >= 10
    inputs = {case_name(p) for p in CASES}
    for path in CASES:
        assert expected_path(path).is_file(), f"{path.name} has no .migrated.yaml"
    for path in GOLDEN.iterdir():
        case, _, kind = path.name.partition(".")
        assert case in inputs, f"stray golden file {path.name}"
        assert kind in ("input.yaml", "migrated.yaml", "to", "from", "order", "live.json"), path.name
        if kind in ("to", "from"):
            assert resolve_release(read_text(path).strip()) in known_releases()
    assert read_text(GOLDEN / "export_default_authentication_flow.input.yaml") == read_text(EXPORT)


def test_golden_cases_cover_every_table_step() -> None:
    applied = set()
    for path in CASES:
        try:
            migration = run_case(path)
        except MigrationError:
            continue
        applied |= {note for _, note in migration.changes}
    for step in migration_steps():
        assert any(note.startswith(f"{step.to}: {step.note}") for note in applied), (
            f"no golden case applies the {step.to} step '{step.transform}'"
        )


# ---------------------------------------------------------------------------------------------
# the table


def test_table_rows_are_complete_and_ordered() -> None:
    rows = load_data("migrations.yaml")["steps"]
    assert len(rows) == len(migration_steps()) == 4
    for row in rows:
        assert {"to", "model", "transform", "note"} <= set(row)
        assert Release.parse(row["to"]) in known_releases()
        if row["transform"] in ("wrap_list", "delete", "flow_set_to_bindings"):
            assert row.get("old")
        if row["transform"] in ("wrap_list", "keep_old_default"):
            assert row.get("new")
    steps = migration_steps()
    assert [s.to for s in steps] == sorted(s.to for s in steps)
    assert {(str(s.to), s.transform, s.old, s.new, s.value) for s in steps} == {
        ("2022.2", "wrap_list", "configuration_stage", "configuration_stages", None),
        ("2023.3", "keep_old_default", None, "evaluate_on_plan", True),
        ("2023.3", "keep_old_default", None, "re_evaluate_policies", False),
        ("2025.12", "flow_set_to_bindings", "flow_set", None, None),
    }


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("2021.10", "2026.5", ["2022.2", "2023.3", "2023.3", "2025.12"]),
        ("2022.1", "2022.2", ["2022.2"]),
        ("2022.2", "2023.3", ["2023.3", "2023.3"]),
        ("2023.2", "2025.10", ["2023.3", "2023.3"]),
        ("2025.10", "2025.12", ["2025.12"]),
        ("2025.12", "2026.5", []),
        ("2026.5", "2026.5", []),
    ],
)
def test_steps_between_versions(source: str, target: str, expected: list[str]) -> None:
    assert [str(s.to) for s in steps_between(Release.parse(source), Release.parse(target))] == expected


@pytest.mark.parametrize(
    ("target", "has_list", "has_defaults", "has_flow_set"),
    [
        ("2022.1", False, False, True),
        ("2022.2", True, False, True),
        ("2023.2", True, False, True),
        ("2023.3", True, True, True),
        ("2025.10", True, True, True),
        ("2025.12", True, True, False),
        ("2026.5", True, True, False),
    ],
)
def test_chain_stops_at_the_target(target: str, has_list: bool, has_defaults: bool, has_flow_set: bool) -> None:
    text = read_text(GOLDEN / "chain_2021_10.input.yaml")
    migrated = load(migrate(text, target, "2021.10").text)
    stage = next(e for e in migrated["entries"] if e["model"] == VALIDATE)
    binding = next(e for e in migrated["entries"] if e["model"] == BINDING)
    assert ("configuration_stages" in stage["attrs"]) is has_list
    assert ("configuration_stage" in stage["attrs"]) is not has_list
    assert ("flow_set" in stage["attrs"]) is has_flow_set
    if has_defaults:
        assert binding["attrs"]["evaluate_on_plan"] is True
        assert binding["attrs"]["re_evaluate_policies"] is False
    else:
        assert "evaluate_on_plan" not in binding["attrs"]
        assert "re_evaluate_policies" not in binding["attrs"]


def test_binding_defaults_only_where_the_old_default_was_relied_on() -> None:
    text = """\
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !Find [authentik_flows.flow, [slug, a]], stage: !Find [authentik_stages_password.passwordstage, [name, p]], order: 1}
    attrs:
      evaluate_on_plan: false
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !Find [authentik_flows.flow, [slug, a]], stage: !Find [authentik_stages_password.passwordstage, [name, p]], order: 2}
    attrs:
      re_evaluate_policies: true
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !Find [authentik_flows.flow, [slug, a]], stage: !Find [authentik_stages_password.passwordstage, [name, p]], order: 3, evaluate_on_plan: true, re_evaluate_policies: false}
"""
    entries = load(migrate(text, "2023.3", "2023.2").text)["entries"]
    assert entries[0]["attrs"] == {"evaluate_on_plan": False, "re_evaluate_policies": False}
    assert entries[1]["attrs"] == {"re_evaluate_policies": True, "evaluate_on_plan": True}
    assert "attrs" not in entries[2]  # set in identifiers: nothing relied on a default


def test_binding_step_does_not_touch_other_models() -> None:
    migration = migrate(PLAIN_STAGE, "2023.3", "2023.2")
    assert migration.text == PLAIN_STAGE
    assert migration.changes == []


# ---------------------------------------------------------------------------------------------
# edge cases of the version steps


def test_null_configuration_stage_becomes_an_empty_list() -> None:
    """`configuration_stage: null` meant "none": `[null]` would be rejected by the related field."""
    text = OLD_STAGE.replace("not_configured_action: configure", "not_configured_action: deny").replace(
        "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c", "null"
    )
    migrated = migrate(text, "2022.2", "2022.1").text
    assert "      configuration_stages: []\n" in migrated
    assert load(migrated)["entries"][0]["attrs"]["configuration_stages"] == []


def test_empty_configuration_stage_becomes_an_empty_list() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      configuration_stage:
      device_classes: [totp]
"""
    try:
        migrated = migrate(text, "2022.2", "2022.1").text
    except MigrationError as error:
        pytest.fail(f"not migrated: {error}")
    assert migrated == text.replace("configuration_stage:\n", "configuration_stages: []\n")


def test_dropping_the_only_attr_leaves_no_null_attrs() -> None:
    """Deleting flow_set must not leave `attrs:` holding null, which the importer cannot read."""
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      flow_set:
        - name: x
          slug: x
          title: X
          designation: authentication
"""
    migrated = migrate(text, "2025.12", "2025.10", flow_set_order=10).text
    entry = load(migrated)["entries"][0]
    assert entry.get("attrs", {}) == {}
    assert [f.rule for f in lint_text("x.yaml", migrated, settings("2025.12")).findings if f.severity == "error"] == []


# ---------------------------------------------------------------------------------------------
# 2025.12: flow_set becomes flow-stage bindings

FLOW_SET = """\
version: 1
entries:
  - model: authentik_flows.flow
    id: login
    identifiers:
      slug: login
    attrs: {name: Login, title: Login, designation: authentication}
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: mfa
    identifiers:
      name: mfa-validate
    attrs:
      not_configured_action: deny
      flow_set:
        - {name: Login, slug: login, title: Login, designation: authentication}
        - name: Recovery
          slug: recovery
          title: Recovery
          designation: recovery
"""


def test_non_empty_flow_set_without_an_order_is_refused_with_the_position(tmp_path: Path) -> None:
    path = write(tmp_path, "flow_set.yaml", FLOW_SET)
    result = invoke(str(path), "--to", "2026.5", "--from", "2025.10")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}: not migrated: line 15, column 11: stage 'mfa-validate' is in flow 'login' through flow_set, "
        "which is read-only from 2025.12; its flow-stage binding needs an order, which flow_set does not hold "
        "(it decides where the stage runs in the flow). Give --flow-set-order N, or add an "
        "authentik_flows.flowstagebinding entry (target, stage, order) for it\n"
    )
    assert read_text(path) == FLOW_SET


def test_flow_set_order_turns_each_flow_into_a_binding(tmp_path: Path) -> None:
    path = write(tmp_path, "flow_set.yaml", FLOW_SET)
    result = invoke(str(path), "--to", "2026.5", "--from", "2025.10", "--flow-set-order", "30")
    assert result.exit_code == 0, result.output
    assert (
        "  line 15: 2025.12: flow 'login' keeps stage 'mfa-validate': flow_set becomes a flow-stage binding at order 30\n"
        in result.stdout
    )
    assert "  line 16: 2025.12: flow 'recovery' keeps stage 'mfa-validate'" in result.stdout
    migrated = read_text(path)
    assert migrated.endswith(
        "      not_configured_action: deny\n"
        "  # stage 'mfa-validate' in flow 'login', from its flow_set (read-only from 2025.12); order given with --flow-set-order\n"
        "  - model: authentik_flows.flowstagebinding\n"
        "    identifiers:\n"
        "      target: !KeyOf login\n"
        "      stage: !KeyOf mfa\n"
        "      order: 30\n"
        "  # stage 'mfa-validate' in flow 'recovery', from its flow_set (read-only from 2025.12); order given with --flow-set-order\n"
        "  - model: authentik_flows.flowstagebinding\n"
        "    identifiers:\n"
        "      target: !Find [authentik_flows.flow, [slug, recovery]]\n"
        "      stage: !KeyOf mfa\n"
        "      order: 30\n"
    )
    assert [f for f in lint_text("x.yaml", migrated, settings("2026.5")).findings if f.severity == "error"] == []
    again = invoke(str(path), "--to", "2026.5", "--from", "2026.5")
    assert again.exit_code == 0 and "nothing to change" in again.stdout


@pytest.mark.parametrize(
    ("target", "stage"),
    [
        ("!KeyOf login", "!KeyOf mfa"),
        (
            "!Find [authentik_flows.flow, [slug, login]]",
            "!Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, mfa-validate]]",
        ),
        ("2a841ebe-d5a2-4341-9a77-935409b6a3e5", "0f8a4b41-0608-487d-82d3-6c2e8eb7738e"),
    ],
    ids=["keyof", "find", "pk"],
)
def test_flow_the_file_binds_already_needs_no_order(target: str, stage: str) -> None:
    text = (
        FLOW_SET.replace("      slug: login\n", "      pk: 2a841ebe-d5a2-4341-9a77-935409b6a3e5\n      slug: login\n")
        .replace(
            "      name: mfa-validate\n", "      pk: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e\n      name: mfa-validate\n"
        )
        .split("        - name: Recovery")[0]
        + f"  - model: authentik_flows.flowstagebinding\n    identifiers: {{target: {target}, stage: {stage}, order: 20}}\n"
    )
    migration = migrate(text, "2026.5", "2025.10")
    assert "flow_set" not in migration.text
    assert migration.text.count("authentik_flows.flowstagebinding") == 1
    assert any("the file binds the stage to each of its flows already" in note for _, note in migration.changes)


def test_binding_to_another_flow_does_not_count() -> None:
    text = FLOW_SET.split("        - name: Recovery")[0] + (
        "  - model: authentik_flows.flowstagebinding\n"
        "    identifiers: {target: !Find [authentik_flows.flow, [slug, other]], stage: !KeyOf mfa, order: 20}\n"
    )
    with pytest.raises(MigrationError, match="stage 'mfa-validate' is in flow 'login' through flow_set"):
        migrate(text, "2026.5", "2025.10")


def test_stage_without_an_id_is_found_by_name() -> None:
    text = FLOW_SET.replace("    id: mfa\n", "")
    migrated = migrate(text, "2026.5", "2025.10", flow_set_order=5).text
    assert (
        migrated.count(
            "      stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, mfa-validate]]\n"
        )
        == 2
    )


def test_flow_set_item_without_a_slug_is_refused() -> None:
    text = FLOW_SET.replace("{name: Login, slug: login, title: Login, designation: authentication}", "{name: Login}")
    with pytest.raises(
        MigrationError, match=r"line 15, column 11: a flow_set item of stage 'mfa-validate' names no flow by slug"
    ):
        migrate(text, "2026.5", "2025.10", flow_set_order=5)


def test_flow_set_bindings_cannot_go_into_flow_style_entries() -> None:
    text = """\
version: 1
entries: [{model: authentik_stages_authenticator_validate.authenticatorvalidatestage, identifiers: {name: m}, attrs: {flow_set: [{slug: login}]}}]
"""
    with pytest.raises(MigrationError, match="only be added to a block list of entries"):
        migrate(text, "2026.5", "2025.10", flow_set_order=5)


def test_flow_set_bindings_follow_the_entries_indentation() -> None:
    text = """\
version: 1
entries:
- model: authentik_stages_authenticator_validate.authenticatorvalidatestage
  identifiers: {name: m}
  attrs: {not_configured_action: deny, flow_set: [{slug: login}]}
"""
    migrated = migrate(text, "2026.5", "2025.10", flow_set_order=7).text
    assert migrated.endswith(
        "  attrs: {not_configured_action: deny}\n"
        "# stage 'm' in flow 'login', from its flow_set (read-only from 2025.12); order given with --flow-set-order\n"
        "- model: authentik_flows.flowstagebinding\n"
        "  identifiers:\n"
        "    target: !Find [authentik_flows.flow, [slug, login]]\n"
        "    stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, m]]\n"
        "    order: 7\n"
    )
    assert [e["model"] for e in load(migrated)["entries"]] == [VALIDATE, BINDING]


def test_flow_set_is_kept_when_the_target_still_accepts_it() -> None:
    assert migrate(FLOW_SET, "2025.10", "2025.10").text == FLOW_SET


def test_flow_set_order_must_be_an_int32(tmp_path: Path) -> None:
    path = write(tmp_path, "flow_set.yaml", FLOW_SET)
    result = invoke(str(path), "--to", "2026.5", "--flow-set-order", str(2**31))
    assert result.exit_code == 2 and "--flow-set-order" in result.stderr
    assert read_text(path) == FLOW_SET


# ---------------------------------------------------------------------------------------------
# source inference


FIRST = known_releases()[0]  # a file that uses nothing dated fits every release from the first


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        (OLD_STAGE, "2026.5", f"{FIRST}-2022.1"),
        (OLD_STAGE, "2022.2", f"{FIRST}-2022.1"),
        (EMAIL_STAGE, "2026.5", "2025.2-2026.5"),
        (EMAIL_STAGE, "2025.2", "2025.2"),
        (HINTS_STAGE, "2026.5", "2026.5"),
        (HINTS_STAGE, "2026.8", "2026.5-2026.8"),
        (PLAIN_STAGE, "2026.5", f"{FIRST}-2026.5"),
        (PLAIN_STAGE, "2024.12", f"{FIRST}-2024.12"),
        (PLAIN_STAGE, "2022.1", f"{FIRST}-2022.1"),
    ],
    ids=[
        "configuration_stage",
        "configuration_stage-to-2022.2",
        "email",
        "email-to-2025.2",
        "hints",
        "hints-to-2026.8",
        "plain",
        "plain-to-2024.12",
        "plain-to-2022.1",
    ],
)
def test_inferred_source_range(text: str, target: str, expected: str) -> None:
    """The evidence leaves a range of releases (never later than the target); one release
    only when it pins one."""
    migration = migrate(text, target)
    assert migration.source_label == expected
    assert (migration.source is None) is ("-" in expected)  # a range, or one release


def test_inference_of_configuration_stage_is_explained() -> None:
    note = migrate(OLD_STAGE).source_note
    assert note == "inferred from what it uses: field 'configuration_stage' (line 8) exists only before 2022.2"


def test_inference_shows_floors_and_ceilings() -> None:
    """Both ends of the range are explained: what the file needs and what is gone later."""
    note = migrate(read_text(GOLDEN / "chain_2021_10.input.yaml")).source_note
    assert "field 'configuration_stage' (line 34) exists only before 2022.2" in note
    assert "field 'flow_set' (line 40) exists only before 2025.12" in note
    assert "device_classes 'sms' (line 39) needs 2021.10+" in note


def test_inference_of_email_is_explained() -> None:
    """The email device class needs 2025.2 or newer; the note shows that evidence."""
    note = migrate(EMAIL_STAGE).source_note
    assert "email" in note and "2025.2" in note, note


def test_inference_of_webauthn_hints_is_explained() -> None:
    note = migrate(HINTS_STAGE).source_note
    assert "webauthn_hints" in note and "2026.5" in note, note


def test_nothing_specific_fits_every_release_up_to_the_target(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.yaml", PLAIN_STAGE)
    result = invoke(str(path), "--to", "2024.12")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{path}: from authentik {FIRST}-2024.12 to 2024.12 (inferred from what it uses: nothing in it is "
        "specific to a release)\n  nothing to change\n"
    )


def test_inference_is_printed(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", OLD_STAGE)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert (
        first
        == f"{path}: from authentik {FIRST}-2022.1 to 2026.5 (inferred from what it uses: field 'configuration_stage' (line 8) exists only before 2022.2)"
    )


def test_step_that_depends_on_the_source_asks_for_from(tmp_path: Path) -> None:
    """A binding relying on defaults, in a file that fits 2022.8 to 2026.5: whether the 2023.3
    defaults step applies depends on the release the file was written for."""
    path = write(tmp_path, "binding.yaml", BINDING_ONLY)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}: not migrated: the 2023.3 step (binding defaults flipped in 2023.3: evaluate_on_plan was true "
        "before; binding defaults flipped in 2023.3: re_evaluate_policies was false before) changes the "
        "authentik_flows.flowstagebinding entry at line 3 only if the file was written for a release before "
        "2023.3, and what the file uses fits authentik 2022.8-2026.5 (tag !Find (line 5) needs 2022.8+): "
        "give --from with the release it was written for\n"
    )
    assert read_text(path) == BINDING_ONLY


def test_step_whose_old_form_is_absent_never_asks() -> None:
    """The same binding with both fields set: the 2023.3 step changes nothing, so the range is enough."""
    text = BINDING_ONLY + "    attrs: {evaluate_on_plan: false, re_evaluate_policies: true}\n"
    migration = migrate(text)
    assert migration.source_label == "2022.8-2026.5"
    assert migration.text == text


def test_range_past_a_step_applies_it_and_range_after_it_skips_it() -> None:
    """Evidence that ends before 2023.3 (configuration_stage) makes the defaults step certain;
    evidence that starts after it (email) makes it certainly not apply."""
    old = BINDING_ONLY.replace("!Find [authentik_flows.flow, [slug, login]]", "5e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
    old = old.replace(
        "!Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, mfa]]",
        "7a3d4e5f-6b7c-4d8e-8f9a-1b2c3d4e5f6a",
    )
    old += OLD_STAGE.split("entries:\n", 1)[1]
    migrated = load(migrate(old).text)
    binding = next(e for e in migrated["entries"] if e["model"] == BINDING)
    assert binding["attrs"] == {"evaluate_on_plan": True, "re_evaluate_policies": False}
    new = BINDING_ONLY + EMAIL_STAGE.split("entries:\n", 1)[1]
    assert migrate(new).text == new


def test_chain_across_every_step_without_from(tmp_path: Path) -> None:
    """A 2021.10 export, inferred as 2021.10-2022.1: the 2022.2, 2023.3 and 2025.12 steps
    all run, as they do with --from 2021.10."""
    path = tmp_path / "chain.yaml"
    shutil.copyfile(GOLDEN / "chain_2021_10.input.yaml", path)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{path}: from authentik 2021.10-2022.1 to 2026.5 (inferred from what it uses: ")
    for step in ("  line 28: 2022.2: ", "  line 13: 2023.3: ", "  line 30: 2025.12: "):
        assert step in result.stdout
    assert read_text(path) == read_text(GOLDEN / "chain_2021_10.migrated.yaml")


def test_2025_10_export_runs_the_flow_set_step_and_no_older_one() -> None:
    """A file that fits 2024.4-2025.10 (webauthn_allowed_device_types, flow_set): the 2025.12
    step runs, the 2023.3 step cannot apply (the file is newer), and nothing asks for --from."""
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: mfa
    identifiers: {name: mfa}
    attrs:
      webauthn_allowed_device_types: [2fb7b1f2-c6c8-4c4a-a2ad-5a4e4f2a0a59]
      flow_set: []
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !Find [authentik_flows.flow, [slug, login]], stage: !KeyOf mfa, order: 30}
"""
    migration = migrate(text)
    assert migration.source_label == "2024.4-2025.10"
    assert [note.split(":")[0] for _, note in migration.changes] == ["2025.12"]
    assert "flow_set" not in migration.text and "evaluate_on_plan" not in migration.text


def test_from_overrides_the_inference(tmp_path: Path) -> None:
    path = write(tmp_path, "binding.yaml", BINDING_ONLY)
    result = invoke(str(path), "--to", "2026.5", "--from", "2022.8")
    assert result.exit_code == 0, result.output
    assert f"{path}: from authentik 2022.8 to 2026.5 (given with --from)" in result.stdout
    assert load(read_text(path))["entries"][0]["attrs"] == {"evaluate_on_plan": True, "re_evaluate_policies": False}
    assert migrate(BINDING_ONLY, "2026.5", "2023.3").text == BINDING_ONLY


def test_from_overrides_an_older_inference() -> None:
    # the file fits 2022.1 at the newest, but --from says 2021.10: the same steps run
    migration = migrate(OLD_STAGE, "2026.5", "2021.10")
    assert str(migration.source) == "2021.10" and migration.source_label == "2021.10"
    assert migration.source_note == "given with --from"
    assert "configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]" in migration.text


def test_source_version_is_an_alias_of_from(tmp_path: Path) -> None:
    path = write(tmp_path, "binding.yaml", BINDING_ONLY)
    result = invoke(str(path), "--to", "2026.5", "--source-version", "2022.8")
    assert result.exit_code == 0, result.output
    assert "(given with --from)" in result.stdout or "given with --source-version" in result.stdout


def test_backwards_migration_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.yaml", PLAIN_STAGE)
    result = invoke(str(path), "--to", "2022.1", "--from", "2026.5")
    assert result.exit_code == 1
    assert (
        f"{path}: not migrated: the file is for authentik 2026.5, newer than --to 2022.1; migrate only moves forward"
        in result.stderr
    )
    assert read_text(path) == PLAIN_STAGE


def test_inferred_backwards_migration_names_the_evidence(tmp_path: Path) -> None:
    """email needs 2025.2: the refusal says so instead of claiming the file is for 2026.8."""
    path = write(tmp_path, "email.yaml", EMAIL_STAGE)
    result = invoke(str(path), "--to", "2024.12")
    assert result.exit_code == 1
    assert "not migrated" in result.stderr and "only moves forward" in result.stderr
    assert "2025.2" in result.stderr and "email" in result.stderr, result.stderr
    assert "2026.8" not in result.stderr, result.stderr
    assert read_text(path) == EMAIL_STAGE


def test_contradictory_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.yaml", CONTRADICTORY)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 1
    # The refusal names the two fields that cannot coexist and the releases that part them.
    assert (
        f"{path}: not migrated: field 'webauthn_hints' (line 9) needs 2026.5+, but field 'configuration_stage' (line 8) is gone from 2022.2: no release has both; give --from"
        in result.stderr
    )
    assert read_text(path) == CONTRADICTORY


def test_contradictory_file_names_the_conflicting_fields() -> None:
    with pytest.raises(MigrationError) as caught:
        migrate(CONTRADICTORY)
    assert "configuration_stage" in str(caught.value) and "webauthn_hints" in str(caught.value), str(caught.value)


def test_contradictory_file_migrates_with_from(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.yaml", CONTRADICTORY)
    result = invoke(str(path), "--to", "2026.5", "--from", "2022.1")
    assert result.exit_code == 0, result.output
    attrs = load(read_text(path))["entries"][0]["attrs"]
    assert attrs == {
        "not_configured_action": "configure",
        "configuration_stages": ["9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"],
        "webauthn_hints": ["security-key"],
    }


# ---------------------------------------------------------------------------------------------
# authentik issue #5811 on a real export


def export_pks(document: dict) -> dict[str, int]:
    return {
        entry["identifiers"]["pk"]: index
        for index, entry in enumerate(document["entries"])
        if "pk" in entry.get("identifiers", {})
    }


def test_export_pks_become_keyof() -> None:
    original = load(read_text(EXPORT))
    pks = export_pks(original)
    references = [
        value
        for entry in original["entries"]
        for key, value in {**entry.get("attrs", {}), **entry["identifiers"]}.items()
        if key != "pk" and isinstance(value, str) and value in pks
    ]
    assert len(references) == 12  # 4 bindings x (stage, target) + 2 policy bindings x (policy, target)

    migrated = load(migrate(read_text(EXPORT)).text)
    assert export_pks(migrated) == pks  # the entries keep their pk identifiers
    ids = {entry.get("id"): index for index, entry in enumerate(migrated["entries"]) if entry.get("id")}
    keyofs = 0
    for index, entry in enumerate(migrated["entries"]):
        for key, value in {**entry.get("attrs", {}), **entry["identifiers"]}.items():
            if key == "pk":
                continue
            for item in walk_values(value):
                assert not (isinstance(item, str) and item in pks), f"entry {index} still refers to {item} by pk"
                if isinstance(item, Tagged) and item.tag == "!KeyOf":
                    keyofs += 1
                    assert ids[item.value] < index
    assert keyofs == 12
    # every referenced entry got an id; the id names the right entry
    binding = next(e for e in migrated["entries"] if e["model"] == BINDING and e["identifiers"]["order"] == 30)
    assert (
        migrated["entries"][ids[binding["identifiers"]["stage"].value]]["identifiers"]["name"]
        == "default-authentication-mfa-validation"
    )
    assert (
        migrated["entries"][ids[binding["identifiers"]["target"].value]]["identifiers"]["slug"]
        == "default-authentication-flow"
    )


def test_export_migration_lints_clean_and_is_stable() -> None:
    migrated = migrate(read_text(EXPORT), path=str(EXPORT)).text
    # Clean but for the password stage's configure_flow, a pk of a flow outside the file (which
    # migrate reports and leaves alone without a listing to turn it into a !Find).
    assert [
        f"{f.line}:{f.column} {f.rule}" for f in lint_text("export.yaml", migrated, settings("2026.5")).findings
    ] == ["67:21 AV502"]
    again = migrate(migrated)
    assert again.text == migrated
    assert again.changes == []


def test_export_keeps_every_untouched_line() -> None:
    """Only the pk references change and ids are added; every other line stays, in order."""
    original = read_text(EXPORT)
    migrated = migrate(original).text
    changes = [line for line in difflib.ndiff(original.splitlines(), migrated.splitlines()) if line[:2] in ("- ", "+ ")]
    removed = [line[2:] for line in changes if line.startswith("- ")]
    added = [line[2:] for line in changes if line.startswith("+ ")]
    references = [line for line in removed if re.fullmatch(r"    (stage|target|policy): [0-9a-f-]{36}", line)]
    assert len(references) == 12
    assert sorted(set(removed) - set(references)) == ["- attrs:"]
    assert len(removed) == 12 + 9  # 9 entries get an id as their first key
    assert sorted({re.sub(r" [-a-z0-9]+$", " X", line) for line in added}) == [
        "    policy: !KeyOf X",
        "    stage: !KeyOf X",
        "    target: !KeyOf X",
        "  attrs:",
        "- id: X",
    ]
    assert len(added) == 12 + 2 * 9


def test_export_out_of_file_pk_is_reported_with_position(tmp_path: Path) -> None:
    """The password stage's configure_flow names a flow the export does not contain."""
    path = tmp_path / EXPORT.name
    shutil.copyfile(EXPORT, path)
    result = invoke(str(path), "--to", "2026.5", "--diff")
    assert f"{path}:62:21: pk 6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae is not in this file" in result.stdout, result.stdout


def test_export_out_of_file_flow_becomes_find_with_a_flow_listing(tmp_path: Path) -> None:
    listing = {
        "pagination": {
            "next": 0,
            "previous": 0,
            "count": 1,
            "current": 1,
            "total_pages": 1,
            "start_index": 1,
            "end_index": 1,
        },
        "results": [
            {
                "pk": "6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae",
                "policybindingmodel_ptr_id": "6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae",
                "name": "Change Password",
                "slug": "default-password-change",
                "title": "Change password",
                "designation": "stage_configuration",
                "background": "",
                "policy_engine_mode": "any",
                "compatibility_mode": False,
                "export_url": "/api/v3/flows/instances/default-password-change/export/",
                "layout": "stacked",
                "denied_action": "message_continue",
                "authentication": "none",
            }
        ],
        "autocomplete": {},
    }
    live = write(tmp_path, "flows.json", json.dumps(listing))
    path = tmp_path / EXPORT.name
    shutil.copyfile(EXPORT, path)
    result = invoke(str(path), "--to", "2026.5", "--live-file", str(live))
    assert result.exit_code == 0, result.output
    assert "line 62: 'configure_flow' refers to authentik_flows.flow 'default-password-change' by pk" in result.stdout
    migrated = read_text(path)
    assert "    configure_flow: !Find [authentik_flows.flow, [slug, default-password-change]]\n" in migrated
    assert "is not in this file" not in result.stdout
    assert lint_text("x.yaml", migrated, settings()).findings == []


def test_export_migrates_through_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / EXPORT.name
    shutil.copyfile(EXPORT, path)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 0, result.output
    assert read_text(path) == read_text(GOLDEN / "export_default_authentication_flow.migrated.yaml")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{path}: from authentik 2025.8-2026.5 to 2026.5 (inferred from what it uses: field 'remember_device' "
        "(line 46) needs 2025.8+; device_classes 'email' (line 78) needs 2025.2+; backends "
        "'authentik.sources.kerberos.auth.KerberosBackend' (line 59) needs 2024.10+)"
    )
    assert "  line 137: 'stage' refers to the entry 'default-authentication-mfa-validation' by pk" in lines
    assert "  line 71: the entry gets id 'default-authentication-mfa-validation' for !KeyOf" in lines
    assert lines[-1] == "  written; 0 errors left for `avlint lint --target-version 2026.5`"
    again = invoke(str(path), "--to", "2026.5")
    assert again.exit_code == 0
    # The password stage's configure_flow points outside the file: reported again, not changed.
    assert again.stdout.splitlines()[1:] == [
        f"  {path}:67:21: pk 6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae is not in this file; pass --live-file with a saved listing to turn it into !Find",
        "  nothing to change",
    ]


# ---------------------------------------------------------------------------------------------
# pks outside the file


def test_out_of_file_pks_are_reported_with_position(tmp_path: Path) -> None:
    path = tmp_path / "live_stages.yaml"
    shutil.copyfile(GOLDEN / "live_stages.input.yaml", path)
    result = invoke(str(path), "--to", "2026.5", "--diff")
    assert result.exit_code == 0, result.output  # nothing to change without a listing
    for line, pk in [
        (11, "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"),
        (12, "5d1c7e0a-3b2f-4c6d-9e8f-0a1b2c3d4e5f"),
        (13, "3e0b2a91-7c4d-4f5e-a6b7-c8d9e0f1a2b3"),
    ]:
        assert f"  {path}:{line}:11: pk {pk} is not in this file" in result.stdout
    assert read_text(path) == read_text(GOLDEN / "live_stages.input.yaml")


def test_live_file_turns_known_pks_into_find(tmp_path: Path) -> None:
    path = tmp_path / "live_stages.yaml"
    shutil.copyfile(GOLDEN / "live_stages.input.yaml", path)
    result = invoke(str(path), "--to", "2026.5", "--live-file", str(GOLDEN / "live_stages.live.json"))
    assert result.exit_code == 0, result.output
    assert (
        "  line 11: 'configuration_stages' refers to authentik_stages_authenticator_totp.authenticatortotpstage 'default-authenticator-totp-setup' by pk"
        in result.stdout
    )
    assert f"  {path}:13:11: pk 3e0b2a91-7c4d-4f5e-a6b7-c8d9e0f1a2b3 is not in this file" in result.stdout
    assert "pk 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c is not in this file" not in result.stdout
    assert "pk 5d1c7e0a-3b2f-4c6d-9e8f-0a1b2c3d4e5f is not in this file" not in result.stdout
    assert read_text(path) == read_text(GOLDEN / "live_stages.migrated.yaml")
    stages = load(read_text(path))["entries"][0]["attrs"]["configuration_stages"]
    assert stages[1] == Tagged(
        "!Find",
        ["authentik_stages_authenticator_static.authenticatorstaticstage", ["name", 'backup codes: it\'s "static"']],
    )


def test_load_known_reads_listings(tmp_path: Path) -> None:
    known = load_known(str(GOLDEN / "live_stages.live.json"))
    assert set(known) == {
        "9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c",
        "5d1c7e0a-3b2f-4c6d-9e8f-0a1b2c3d4e5f",
        "0c52c832-d54c-4a53-a09f-e9cc78ecceed",
    }
    assert (
        known["9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"].model
        == "authentik_stages_authenticator_totp.authenticatortotpstage"
    )
    assert known["9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c"].field == "name"
    # a bare list of objects works too, and flows are found by slug
    bare = write(
        tmp_path,
        "list.json",
        json.dumps(
            [
                {
                    "pk": "6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae",
                    "name": "Change",
                    "slug": "change",
                    "title": "t",
                    "designation": "stage_configuration",
                }
            ]
        ),
    )
    flow = load_known(str(bare))["6b43ca12-68d0-48fe-9d5c-3a4b0cba10ae"]
    assert (flow.model, flow.field, flow.value) == ("authentik_flows.flow", "slug", "change")


def test_in_file_entry_wins_over_the_listing() -> None:
    """A pk that is both in the file and in the listing becomes !KeyOf, not !Find."""
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers:
      pk: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c
      name: default-authenticator-totp-setup
    attrs:
      digits: 6
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]
"""
    migrated = migrate(text, known=load_known(str(GOLDEN / "live_stages.live.json"))).text
    assert "configuration_stages: [!KeyOf default-authenticator-totp-setup]" in migrated
    assert "!Find" not in migrated
    assert "      pk: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c\n" in migrated  # its own pk stays


def test_no_tags_before_2022_8() -> None:
    """authentik before 2022.8 has no YAML tags: pks stay pks."""
    path = GOLDEN / "keyof_needs_2022_8.input.yaml"
    migrated = run_case(path).text
    body = "\n".join(line for line in migrated.splitlines() if not line.lstrip().startswith("#"))
    assert "!KeyOf" not in body and "!Find" not in body
    assert [f.rule for f in lint_text("x.yaml", migrated, settings("2022.2")).findings if f.rule == "AV114"] == []


def test_flow_style_entry_gets_no_dangling_keyof() -> None:
    """When the target entry cannot get an id, a !KeyOf to it would fail on import."""
    text = """\
version: 1
entries:
  - {model: authentik_flows.flow, identifiers: {pk: 2a841ebe-d5a2-4341-9a77-935409b6a3e5, slug: login}, attrs: {name: A, title: A, designation: authentication}}
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {pk: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e, name: mfa}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: 2a841ebe-d5a2-4341-9a77-935409b6a3e5, stage: 0f8a4b41-0608-487d-82d3-6c2e8eb7738e, order: 10}
"""
    document = load(migrate(text, source="2025.12").text)
    ids = {entry.get("id") for entry in document["entries"]}
    for value in walk_values(document["entries"][2]):
        if isinstance(value, Tagged) and value.tag == "!KeyOf":
            assert value.value in ids, f"!KeyOf {value.value} names no entry"


# ---------------------------------------------------------------------------------------------
# entry order


def test_binding_above_its_stage_moves_below_it(tmp_path: Path) -> None:
    path = tmp_path / "reorder.yaml"
    shutil.copyfile(GOLDEN / "reorder_comments.input.yaml", path)
    result = invoke(str(path), "--to", "2026.5", "--from", "2025.12")
    assert result.exit_code == 0, result.output
    assert "  line 1: entries reordered so that every !KeyOf points at an entry above it" in result.stdout
    migrated = read_text(path)
    assert migrated == read_text(GOLDEN / "reorder_comments.migrated.yaml")
    # the comment lines above the binding moved with it
    assert (
        "  # binding of the MFA stage into the login flow\n  # (written before the stage and the flow)\n  - model: authentik_flows.flowstagebinding\n"
        in migrated
    )
    assert migrated.endswith("      order: 30\n# end of file\n")
    models = [entry["model"] for entry in load(migrated)["entries"]]
    assert models.index(BINDING) > models.index(VALIDATE)


def test_keyof_cycle_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "cycle.yaml", CYCLE)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 1
    assert (
        f"{path}: not migrated: entries refer to each other in a cycle; no order satisfies every !KeyOf"
        in result.stderr
    )
    assert read_text(path) == CYCLE
    with pytest.raises(MigrationError, match="cycle"):
        migrate(CYCLE)


def test_entries_in_order_are_left_alone() -> None:
    text = read_text(GOLDEN / "reorder_comments.migrated.yaml")
    migration = migrate(text, source="2026.5")
    assert migration.text == text
    assert migration.changes == []


# ---------------------------------------------------------------------------------------------
# what is printed, what is written


def test_changes_are_printed_per_file(tmp_path: Path) -> None:
    chain = tmp_path / "chain.yaml"
    shutil.copyfile(GOLDEN / "chain_2021_10.input.yaml", chain)
    plain = write(tmp_path, "plain.yaml", PLAIN_STAGE)
    result = invoke(str(chain), str(plain), "--to", "2026.5", "--from", "2021.10")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index(f"{chain}: from authentik 2021.10 to 2026.5 (given with --from)") < out.index(
        f"{plain}: from authentik 2021.10 to 2026.5 (given with --from)"
    )
    chain_part = out[: out.index(f"{plain}:")]
    for expected in [
        "  line 28: 2022.2: the single configuration stage became the list configuration_stages in 2022.2",
        "  line 13: 2023.3: binding defaults flipped in 2023.3: evaluate_on_plan was true before",
        "  line 13: 2023.3: binding defaults flipped in 2023.3: re_evaluate_policies was false before",
        "  line 30: 2025.12: flow_set is read-only from 2025.12: each flow it names is bound with an authentik_flows.flowstagebinding entry: the file binds the stage to each of its flows already",
        "  line 36: 'configuration_stages' refers to the entry 'mfa-totp-setup' by pk",
        "  line 1: entries reordered so that every !KeyOf points at an entry above it",
        "  line 31: AV403: remove the second 'totp'",
        "  written; 0 errors left for `avlint lint --target-version 2026.5`",
    ]:
        assert expected + "\n" in chain_part
    assert out.endswith(f"{plain}: from authentik 2021.10 to 2026.5 (given with --from)\n  nothing to change\n")
    assert read_text(chain) == read_text(GOLDEN / "chain_2021_10.migrated.yaml")
    assert read_text(plain) == PLAIN_STAGE


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    shutil.copyfile(GOLDEN / "chain_2021_10.input.yaml", path)
    before = path.stat()
    result = invoke(str(path), "--to", "2026.5", "--from", "2021.10", "--diff")
    assert result.exit_code == 1  # something to change
    assert read_text(path) == read_text(GOLDEN / "chain_2021_10.input.yaml")
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.yaml"]
    assert f"--- {path}\n" in result.stdout and f"+++ {path} (fixed)\n" in result.stdout
    assert "-      configuration_stage: 8b4e5f6a-7c8d-4e9f-9a0b-2c3d4e5f6a7b\n" in result.stdout
    assert "+      configuration_stages: [!KeyOf mfa-totp-setup]\n" in result.stdout
    assert "written;" not in result.stdout


def test_diff_with_nothing_to_change_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "unchanged.yaml"
    shutil.copyfile(GOLDEN / "unchanged.input.yaml", path)
    result = invoke(str(path), "--to", "2026.5", "--diff")
    assert result.exit_code == 0, result.output
    first, *rest = result.stdout.splitlines()
    assert first.startswith(
        f"{path}: from authentik 2026.5 to 2026.5 (inferred from what it uses: field 'webauthn_hints'"
    )
    assert rest == ["  nothing to change"]


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    text = read_text(GOLDEN / "chain_2021_10.input.yaml").replace("\n", "\r\n")
    migrated = migrate(text, "2026.5", "2021.10").text
    assert migrated.replace("\r\n", "\n") == read_text(GOLDEN / "chain_2021_10.migrated.yaml")
    assert re.search(r"(?<!\r)\n", migrated) is None, "a line ends in a bare LF"


def test_run_migrate_without_click(tmp_path: Path) -> None:
    path = tmp_path / "step.yaml"
    shutil.copyfile(GOLDEN / "step_2023_3.input.yaml", path)
    out, err = io.StringIO(), io.StringIO()
    request = MigrateRequest((str(path),), SettingsOptions(target_version="2023.3", isolated=True), source="2023.2")
    assert run_migrate(request, out, err, cwd=tmp_path) == 0
    assert err.getvalue() == ""
    assert read_text(path) == read_text(GOLDEN / "step_2023_3.migrated.yaml")


def test_one_failing_file_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = write(tmp_path, "a-cycle.yaml", CYCLE)
    good = write(tmp_path, "b-old.yaml", OLD_STAGE)
    result = invoke(str(bad), str(good), "--to", "2026.5")
    assert result.exit_code == 1
    assert f"{bad}: not migrated:" in result.stderr
    assert "configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]" in read_text(good)
    assert read_text(bad) == CYCLE


# ---------------------------------------------------------------------------------------------
# exit codes


def test_exit_0_when_migrated(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", OLD_STAGE)
    assert invoke(str(path), "--to", "2026.5").exit_code == 0


def test_exit_1_for_diff_with_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", OLD_STAGE)
    assert invoke(str(path), "--to", "2026.5", "--diff").exit_code == 1
    assert read_text(path) == OLD_STAGE


def test_exit_1_when_a_file_cannot_be_migrated(tmp_path: Path) -> None:
    text = "version: 1\nentries: [\n"
    path = write(tmp_path, "x.yaml", text)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 1
    assert f"{path}: not migrated:" in result.stderr
    assert read_text(path) == text


def test_a_file_that_is_not_a_blueprint_is_skipped_with_a_note(tmp_path: Path) -> None:
    """issue 11: a compose file named on the command line is left alone, like `lint` skips it."""
    text = "services:\n  web:\n    image: nginx\n"
    path = write(tmp_path, "x.yaml", text)
    result = invoke(str(path), "--to", "2026.5")
    assert result.exit_code == 0
    assert result.stderr == f"{path}: note: skipped: docker compose file, not a blueprint\n"
    assert read_text(path) == text


def test_exit_2_for_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", OLD_STAGE)
    missing_to = invoke(str(path))
    assert missing_to.exit_code == 2 and "--to" in missing_to.stderr
    unknown = invoke(str(path), "--to", "2099.1")
    assert unknown.exit_code == 2 and "avlint: error: authentik 2099.1 is not a release avlint knows" in unknown.stderr
    bad_from = invoke(str(path), "--to", "2026.5", "--from", "yesterday")
    assert bad_from.exit_code == 2 and "'yesterday' is not an authentik version" in bad_from.stderr
    missing = invoke(str(tmp_path / "nope.yaml"), "--to", "2026.5")
    assert missing.exit_code == 2 and "nope.yaml: error: no such file or directory" in missing.stderr
    not_json = write(tmp_path, "live.json", "not json")
    bad_live = invoke(str(path), "--to", "2026.5", "--live-file", str(not_json))
    assert bad_live.exit_code == 2 and f"avlint: error: --live-file {not_json}:" in bad_live.stderr
    assert read_text(path) == OLD_STAGE
