"""`avlint fix` and `avlint migrate` on ConfigMaps and Secrets: the new text goes back into the
embedded value, and every byte outside that value stays as it was; what cannot be written back
exactly is refused with the reason, and the file is left alone."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from avlint.cli import cli
from avlint.embedded.carriers import embedded_values
from avlint.embedded.writeback import WriteBackRefused, double_quoted, verify, write_back
from avlint.engine import lint_text
from avlint.fix.apply import fix_text
from avlint.fix.edits import apply_edits
from tests.test_embedded import BLUEPRINT, HEADER, SETTINGS, _block, _configmap

FLOW = "{version: 1, entries: [{model: authentik_stages_authenticator_validate.authenticatorvalidatestage, identifiers: {name: mfa}, attrs: {device_classes: [totp, webauthn, totp]}}]}"
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


def _value_span(text: str, key: str = "mfa.yaml") -> tuple[int, int]:
    values = embedded_values(text)
    assert values is not None
    node = next(value.node for value in values if value.key == key)
    return node.start_mark.index, node.end_mark.index


def _assert_only_the_value_changed(before: str, after: str, key: str = "mfa.yaml") -> None:
    start, end = _value_span(before, key)
    tail = len(before) - end
    assert after[:start] == before[:start]
    assert after[len(after) - tail :] == before[end:]


def _embedded(text: str, key: str = "mfa.yaml") -> str | None:
    values = embedded_values(text)
    assert values is not None
    return next(value.text for value in values if value.key == key)


def _fixed_inner(inner: str) -> str:
    return fix_text("inner.yaml", inner, SETTINGS).fixed


@pytest.mark.parametrize(
    ("header", "indent"), [("|", 4), ("|", 8), ("|-", 4), ("|+", 6), ("|2", 4), ("|4-", 6), ("|  # comment", 4)]
)
def test_fix_rewrites_only_the_changed_lines_of_a_literal_block(header: str, indent: int) -> None:
    blueprint = BLUEPRINT.replace("  name: mfa\n", "  name: mfa\n  name: mfa\n")  # AV002 too
    before = _configmap(_block(blueprint.rstrip("\n"), header, indent))
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.refused is None and outcome.changed
    _assert_only_the_value_changed(before, outcome.fixed)
    expected = _fixed_inner(_embedded(before) or "")
    assert _embedded(outcome.fixed) == expected != _embedded(before)
    # Unchanged lines keep their bytes; the rest is indented as the block is.
    assert f"{' ' * indent}  - model: authentik_stages_authenticator_validate" in outcome.fixed
    assert {a.rule for a in outcome.applied} == {"AV002", "AV403"}
    assert [f.rule for f in outcome.remaining] == ["AV401"]
    assert [(a.rule, a.line) for a in outcome.applied if a.rule == "AV403"] == [("AV403", 18)]


def test_fix_keeps_crlf_line_ends() -> None:
    before = _configmap(_block(BLUEPRINT.rstrip("\n"))).replace("\n", "\r\n")
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.changed and "\r\n" in outcome.fixed and "\n" not in outcome.fixed.replace("\r\n", "")
    _assert_only_the_value_changed(before, outcome.fixed)


def test_fix_rewrites_a_double_quoted_value_escaped() -> None:
    before = _configmap(double_quoted(BLUEPRINT.replace("mfa}", 'mf"a}')))
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.changed
    _assert_only_the_value_changed(before, outcome.fixed)
    assert _embedded(outcome.fixed) == _fixed_inner(_embedded(before) or "")


def test_fix_rewrites_a_one_line_single_quoted_value() -> None:
    before = _configmap(f"'{FLOW}'")
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.changed
    _assert_only_the_value_changed(before, outcome.fixed)
    assert "device_classes: [totp, webauthn]}" in (_embedded(outcome.fixed) or "")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (_block(FLOW, ">"), "folded block scalar"),
        ("'" + FLOW.replace(", attrs", ",\n\n   attrs") + "'", "multi-line single-quoted"),
    ],
)
def test_a_value_that_cannot_be_written_back_exactly_is_refused(tmp_path: Path, value: str, reason: str) -> None:
    path = tmp_path / "cm.yaml"
    path.write_bytes(_configmap(value).encode())
    done = CliRunner().invoke(cli, ["fix", "--isolated", str(path)])
    assert done.exit_code == 1
    assert f"not fixed: ConfigMap authentik/blueprints, key mfa.yaml: the value is a {reason}" in done.stderr
    assert path.read_bytes() == _configmap(value).encode()


def test_a_broken_embedded_blueprint_refuses_the_file(tmp_path: Path) -> None:
    broken = BLUEPRINT.replace("{name: mfa}", "{name: mfa")
    text = _configmap(_block(broken.rstrip("\n"))) + f"  two.yaml: {_block(BLUEPRINT.rstrip(chr(10)))}\n"
    path = tmp_path / "cm.yaml"
    path.write_text(text)
    done = CliRunner().invoke(cli, ["fix", "--isolated", str(path)])
    assert done.exit_code == 1
    assert "not fixed: ConfigMap authentik/blueprints, key mfa.yaml: while parsing a flow mapping" in done.stderr
    (error,) = [f for f in lint_text("inner.yaml", broken, SETTINGS).findings if f.rule == "AV001"]
    assert f"(line {error.line + 8})" in done.stderr  # where the error is in the manifest
    assert path.read_text() == text


def _secret(value: str) -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: bp}}\ndata:\n  mfa.yaml: {value}\n  other: aGVsbG8=\n"


@pytest.mark.parametrize("quote", ["", '"', "'"])
def test_fix_re_encodes_a_one_line_base64_value(quote: str) -> None:
    before = _secret(quote + base64.b64encode(BLUEPRINT.encode()).decode() + quote)
    outcome = fix_text("secret.yaml", before, SETTINGS)
    assert outcome.changed
    _assert_only_the_value_changed(before, outcome.fixed)
    assert _embedded(outcome.fixed) == _fixed_inner(BLUEPRINT)
    assert outcome.fixed.count("'") == before.count("'") and outcome.fixed.count('"') == before.count('"')


def test_base64_spread_over_lines_is_refused() -> None:
    encoded = base64.b64encode(BLUEPRINT.encode()).decode()
    before = _secret(_block("\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))))
    assert _embedded(before) == BLUEPRINT
    outcome = fix_text("secret.yaml", before, SETTINGS)
    assert outcome.refused is not None and "spans several lines" in outcome.refused
    assert not outcome.changed


def test_fix_command_writes_the_file_and_reports_outer_positions(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    before = _configmap(_block(BLUEPRINT.rstrip("\n")))
    path.write_text(before)
    done = CliRunner().invoke(cli, ["fix", "--isolated", str(path)])
    assert "17:44 AV403 ConfigMap authentik/blueprints, key mfa.yaml: remove the second 'totp'" in done.stdout
    assert f"{path}:16:34: warning [AV401" in done.stdout
    after = path.read_text()
    _assert_only_the_value_changed(before, after)
    assert [f.rule for f in lint_text(str(path), after, SETTINGS).findings] == ["AV401"]


def test_a_blueprint_key_in_one_document_and_text_in_another(tmp_path: Path) -> None:
    text = (
        _configmap(_block(BLUEPRINT.rstrip("\n")))
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata:\n  mfa.yaml: |\n    not: [a blueprint\n"
    )
    result = lint_text("cm.yaml", text, SETTINGS)
    assert {f.rule for f in result.findings} == {"AV401", "AV403"} and result.skipped_values == 2
    outcome = fix_text("cm.yaml", text, SETTINGS)
    assert outcome.changed and outcome.fixed.endswith("  mfa.yaml: |\n    not: [a blueprint\n")


# ---- migrate ------------------------------------------------------------------------------------


def test_migrate_writes_back_into_the_configmap(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    before = _configmap(_block(OLD_STAGE.rstrip("\n")))
    path.write_text(before)
    done = CliRunner().invoke(cli, ["migrate", "--isolated", "--from", "2022.1", "--to", "2022.2", str(path)])
    assert done.exit_code == 0, done.output
    assert "line 11: ConfigMap authentik/blueprints, key mfa.yaml: 2022.2:" in done.stdout
    after = path.read_text()
    _assert_only_the_value_changed(before, after)
    assert "        configuration_stages: [9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c]\n" in after


def test_migrate_refuses_a_value_it_cannot_write_back(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    flow = "{version: 1, entries: [{model: authentik_stages_authenticator_validate.authenticatorvalidatestage,\nidentifiers: {name: mfa}, attrs: {configuration_stage: 9b2c1a43-2a1d-4f0e-8c3b-5d7e6f8a9b0c}}]}"
    text = _configmap(_block(flow, ">"))
    path.write_text(text)
    done = CliRunner().invoke(cli, ["migrate", "--isolated", "--from", "2022.1", "--to", "2022.2", str(path)])
    assert done.exit_code == 1
    assert "not migrated: ConfigMap authentik/blueprints, key mfa.yaml: the value is a folded block" in done.stderr
    assert path.read_text() == text


def test_migrate_skips_a_configmap_without_blueprints_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(HEADER + "  nginx.conf: |\n    server {}\n")
    done = CliRunner().invoke(cli, ["migrate", "--isolated", "--to", "2022.2", str(path)])
    assert done.exit_code == 0, done.output  # skipped like any other Kubernetes file, with one note
    assert f"{path}: note: skipped: Kubernetes ConfigMap, not a blueprint" in done.stderr
    assert path.read_text() == HEADER + "  nginx.conf: |\n    server {}\n"


def test_a_value_shared_through_an_alias_is_refused() -> None:
    before = _configmap(_block(BLUEPRINT.rstrip("\n")).replace("|", "&bp |", 1)) + "  two.yaml: *bp\n"
    assert len(lint_text("cm.yaml", before, SETTINGS).findings) == 4  # both keys are blueprints authentik reads
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.refused is not None and "shared with another key through a YAML alias" in outcome.refused
    assert outcome.fixed == before and outcome.applied == []


def test_an_outer_byte_order_mark_is_reported_and_removed_with_the_fixes() -> None:
    before = "\ufeff" + _configmap(_block(BLUEPRINT.rstrip("\n")))
    found = [(f.rule, f.line) for f in lint_text("cm.yaml", before, SETTINGS).findings]
    assert ("AV005", 1) in found and ("AV403", 17) in found
    outcome = fix_text("cm.yaml", before, SETTINGS)
    assert outcome.fixed.startswith("# blueprints") and {a.rule for a in outcome.applied} == {"AV005", "AV403"}
    assert fix_text("cm.yaml", before, SETTINGS, fixable=frozenset({"AV403"})).fixed.startswith("\ufeff# blueprints")


@pytest.mark.parametrize("indent", [4, 6])
def test_every_golden_migration_inside_a_configmap(indent: int) -> None:
    """Each golden migration, its input embedded in a ConfigMap: the value becomes the golden
    output (as migrating the file gives) and nothing outside the value changes."""
    from tests.test_migrate import CASES, expected_path, read_text, run_case

    for path in CASES:
        source = read_text(path)
        outer = _configmap(_block(source.rstrip("\n"), "|" if source.endswith("\n") else "|-", indent))
        assert _embedded(outer) == source, path.name
        migration = run_case(path, text=outer)
        assert _embedded(migration.text) == read_text(expected_path(path)), path.name
        _assert_only_the_value_changed(outer, migration.text)


@pytest.mark.parametrize("unsafe", [False, True])
def test_every_golden_fix_inside_a_configmap(unsafe: bool) -> None:
    """Each YAML golden fix case, embedded in a ConfigMap: the value becomes the golden output
    and nothing outside it changes (a case whose input starts with a byte-order mark has nothing
    to fix once embedded, and is left out)."""
    from tests.test_fix import CASES, expected_text, read_text, run_case

    tried = 0
    for path in CASES:
        source = read_text(path)
        if path.suffix != ".yaml" or source.startswith("\ufeff"):
            continue
        outer = _configmap(_block(source.rstrip("\n"), "|" if source.endswith("\n") else "|-"))
        assert _embedded(outer) == source, path.name
        outcome = run_case(path, unsafe, text=outer)
        if run_case(path, unsafe).refused:
            assert outcome.refused is not None and outcome.refused.startswith("not fixed: ConfigMap authentik/")
            assert outcome.fixed == outer
            continue
        assert outcome.refused is None, (path.name, outcome.refused)
        assert _embedded(outcome.fixed) == expected_text(path, unsafe), path.name
        _assert_only_the_value_changed(outer, outcome.fixed)
        tried += 1
    assert tried >= 15


_LINE = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "Zs"), blacklist_characters="\u2028\u2029\x85"), max_size=12
)


_YAML_LINE = st.sampled_from(["a", " a", "  b: c", "", " ", "x  y ", "#c", "- d", "\tt"])


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(_LINE | _YAML_LINE, min_size=1, max_size=6),
    new=st.lists(_LINE | _YAML_LINE, min_size=1, max_size=6),
    style=st.sampled_from(["|", '"', "'"]),
    base64_data=st.booleans(),
)
def test_a_new_text_is_written_back_exactly_or_refused(
    old: list[str], new: list[str], style: str, base64_data: bool
) -> None:
    """Whatever the old and new texts, a write-back reads back as the new text, with every byte
    outside the value unchanged, or is refused: never a wrong write."""
    old_text, new_text = "\n".join(old) + "\n", "\n".join(new) + "\n"
    if base64_data:
        outer = _secret(base64.b64encode(old_text.encode()).decode())
    else:
        outer = yaml.safe_dump(
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"mfa.yaml": old_text, "z": "after"}},
            sort_keys=False,
            default_style=style,
        )
    values = embedded_values(outer)
    assert values is not None
    (value,) = [v for v in values if v.key == "mfa.yaml"]
    assert value.text == old_text
    try:
        edit = write_back(outer, value, new_text)
    except WriteBackRefused:
        return
    after = apply_edits(outer, [edit])
    assert verify(after, values, {values.index(value): new_text}) is None, (outer, after)
    _assert_only_the_value_changed(outer, after)


def test_an_indented_first_line_is_refused_without_an_indentation_indicator() -> None:
    outer = _configmap(_block("version: 1\nentries: []"))
    (value, _) = embedded_values(outer) or []
    with pytest.raises(WriteBackRefused, match="without an indentation indicator"):
        write_back(outer, value, "  version: 1\nentries: []\n")
    indicated = _configmap(_block("version: 1\nentries: []", "|2"))
    (value, _) = embedded_values(indicated) or []
    after = apply_edits(indicated, [write_back(indicated, value, "  version: 1\nentries: []\n")])
    assert _embedded(after) == "  version: 1\nentries: []\n"
