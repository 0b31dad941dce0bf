"""Blueprints embedded in Kubernetes ConfigMaps and Secrets (issue 11, item 2): found in `data`
and `stringData` values, linted at the outer file's line and column, fixed and migrated by
writing the new text back into the value, every other byte left as it was."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from avlint.cli import cli
from avlint.embedded.carriers import embedded_values
from avlint.embedded.scalar import value_offsets
from avlint.embedded.writeback import double_quoted
from avlint.engine import lint_text
from avlint.settings import Settings
from avlint.versions import resolve_release

SETTINGS = Settings(release=resolve_release(None))

# Two fixable problems (a duplicate device class, a duplicate key) and one that is not (deny).
BLUEPRINT = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: mfa}
    attrs:
      not_configured_action: deny
      device_classes: [totp, webauthn, totp]
"""
HEADER = """\
# blueprints mounted by the authentik Helm chart (blueprints.configMaps)
apiVersion: v1
kind: ConfigMap
metadata:
  name: blueprints
  namespace: authentik
data:
"""


def _block(text: str, header: str = "|", indent: int = 4) -> str:
    lines = [(" " * indent + line) if line else "" for line in text.split("\n")]
    return f"{header}\n" + "\n".join(lines)


def _configmap(value: str, key: str = "mfa.yaml") -> str:
    return HEADER + f"  {key}: {value}" + ("" if value.endswith("\n") else "\n") + "  other.txt: hello\n"


def _inner(text: str) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in lint_text("inner.yaml", text, SETTINGS).findings]


def _outer(text: str) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in lint_text("cm.yaml", text, SETTINGS).findings]


def _char(text: str, line: int, column: int) -> str:
    return re.split("\r\n|\n", text)[line - 1][column - 1]


def _assert_same_characters(inner: str, outer: str) -> None:
    """Every finding points at the same character in the outer file as in the blueprint."""
    inner_found, outer_found = _inner(inner), _outer(outer)
    assert [rule for rule, *_ in outer_found] == [rule for rule, *_ in inner_found]
    assert inner_found, "the example must have findings"
    for (_, line, column), (_, outer_line, outer_column) in zip(inner_found, outer_found, strict=True):
        assert _char(inner, line, column) == _char(outer, outer_line, outer_column)


# ---- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "indent"),
    [("|", 4), ("|", 8), ("|-", 4), ("|+", 6), ("|2", 4), ("|4-", 6), ("|-2", 4), ("|  # a comment", 4)],
)
def test_literal_block_findings_are_at_the_outer_line_and_column(header: str, indent: int) -> None:
    outer = _configmap(_block(BLUEPRINT.rstrip("\n"), header, indent))
    first_content_line = outer.splitlines().index(f"  mfa.yaml: {header}") + 2
    expected = [(rule, first_content_line + line - 1, indent + column) for rule, line, column in _inner(BLUEPRINT)]
    assert _outer(outer) == sorted(expected)


def test_deeper_mapping_indentation_and_crlf_line_ends() -> None:
    outer = (
        HEADER + "    mfa.yaml: |\n" + "\n".join("        " + line if line else "" for line in BLUEPRINT.split("\n"))
    )
    outer = outer.replace("\n", "\r\n")
    _assert_same_characters(BLUEPRINT, outer)
    assert {line for _, line, _ in _outer(outer)} == {17, 16}


def test_blank_lines_and_comments_inside_the_block() -> None:
    blueprint = BLUEPRINT.replace("entries:\n", "\n# the stages\n\nentries:\n")
    _assert_same_characters(blueprint, _configmap(_block(blueprint.rstrip("\n"))))


def test_folded_block_maps_each_character() -> None:
    flow = "{version: 1, entries: [{model: authentik_flows.flw,\nidentifiers: {slug: a},\nattrs: {designation: nope}}]}"
    outer = _configmap(_block(flow, ">"))
    _assert_same_characters(flow.replace("\n", " "), outer)


def test_double_quoted_value_maps_to_the_line_and_exact_column_without_escapes() -> None:
    outer = _configmap(double_quoted(BLUEPRINT))
    found = _outer(outer)
    assert found and {line for _, line, _ in found} == {8}
    _assert_same_characters(BLUEPRINT, outer)


def test_double_quoted_value_spread_over_lines_with_escapes() -> None:
    # As `kubectl get -o yaml` writes a long string: `\n\` ends each source line, and the
    # indentation of the next is escaped (`\ `). Lines stay exact; columns shift by the escapes.
    lines = BLUEPRINT.rstrip("\n").split("\n")
    escaped = ["\\ " * (len(line) - len(line.lstrip())) + line.lstrip() for line in lines]
    body = "\\n\\\n    ".join(escaped).replace("name: mfa", "name: mf\\u0061")
    outer = _configmap(f'"{body}\\n"')
    values = embedded_values(outer)
    assert values is not None and values[0].text == BLUEPRINT
    _assert_same_characters(BLUEPRINT, outer)
    assert [line for _, line, _ in _outer(outer)] == [line + 7 for _, line, _ in _inner(BLUEPRINT)]


def test_single_quoted_flow_blueprint() -> None:
    flow = "{version: 1, entries: [{model: authentik_flows.flw, identifiers: {slug: a}}]}"
    _assert_same_characters(flow, _configmap(f"'{flow}'"))


@pytest.mark.parametrize(
    "source",
    [
        "k: plain text\n  over   lines\n\n  and more\n",
        "k: 'it''s\n\n   folded  \n   here'\n",
        'k: "tab\\there\\x41\\\n   joined\n\n   \\u00e9 end"\n',
        "k: >+\n  folded\n  text\n\n   more\n\n",
        "k: |2-\n    two extra\n  spaces\n",
    ],
)
def test_every_character_of_a_value_comes_from_its_place(source: str) -> None:
    node = yaml.compose(source).value[0][1]
    offsets = value_offsets(source, node, 0)
    assert offsets is not None and len(offsets) == len(node.value) + 1
    assert offsets == sorted(offsets)  # characters come in source order
    for char, offset in zip(node.value, offsets, strict=False):
        assert char in " \n" or source[offset] in (char, "\\")


def test_secret_string_data_and_base64_data() -> None:
    encoded = base64.b64encode(BLUEPRINT.encode()).decode()
    outer = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: bp}\ntype: Opaque\n"
        f"data:\n  mfa.yaml: {encoded}\n  cert.der: {base64.b64encode(bytes(range(256))).decode()}\n"
        f"stringData:\n  second.yaml: {_block(BLUEPRINT.rstrip(chr(10)))}\n"
    )
    findings = lint_text("secret.yaml", outer, SETTINGS).findings
    from_data = [f for f in findings if "key mfa.yaml" in f.message]
    assert from_data and {(f.line, f.column) for f in from_data} == {(6, 13)}  # the value's position
    assert all("decoded from base64: line 8 of the blueprint" in f.message or f.line == 6 for f in from_data)
    assert any("line 9 of the blueprint" in f.message for f in from_data)
    assert [f.rule for f in findings if "key second.yaml" in f.message] == [f.rule for f in from_data]


def test_invalid_base64_is_a_finding_at_the_value() -> None:
    outer = "apiVersion: v1\nkind: Secret\nmetadata: {name: bp, namespace: authentik}\ndata:\n  mfa.yaml: 'dmVy!!'\n"
    (finding,) = lint_text("secret.yaml", outer, SETTINGS).findings
    assert (finding.rule, finding.line, finding.column, finding.severity) == ("AV010", 5, 13, "error")
    assert finding.message.startswith("Secret authentik/bp, key mfa.yaml: the value is not valid base64")


# ---- what is a blueprint ------------------------------------------------------------------------


STREAM = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: authentik-worker}
spec: {replicas: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: first}
data:
  bp.yaml: |
    version: 1
    entries:
      - model: authentik_flows.flw
        identifiers: {slug: a}
  settings.yaml: |
    replicas: 3
  binary: ""
binaryData:
  logo.yaml: dmVyc2lvbjogMQplbnRyaWVzOiBbe21vZGVsOiB4fV0K
---
apiVersion: v1
kind: ConfigMap
metadata: {name: second}
data:
  bp.yaml: |
    just some text, not a blueprint
"""


def test_multi_document_stream_lints_only_blueprint_values() -> None:
    result = lint_text("stream.yaml", STREAM, SETTINGS)
    assert result.skipped is None
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("AV107", 13, 16)]
    assert result.findings[0].message.startswith("ConfigMap first, key bp.yaml: unknown model")
    assert result.skipped_values == 3  # settings.yaml, binary and the second bp.yaml; binaryData is not read


def test_a_file_of_configmaps_without_blueprints_is_skipped_and_counted() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nginx}\ndata:\n  nginx.conf: |\n    server {}\n"
    result = lint_text("nginx.yaml", text, SETTINGS)
    assert result.findings == [] and result.skipped == "Kubernetes ConfigMap"  # avlint.kind's reason
    assert result.skipped_values == 1


def test_an_embedded_blueprint_that_does_not_parse_is_av001_at_the_outer_position() -> None:
    broken = "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: a}}\n    attrs: {}\n"
    outer = _configmap(_block(broken.rstrip("\n")))
    inner = _inner(broken)
    assert [rule for rule, *_ in inner] == ["AV001"]
    ((_, line, column),) = [f for f in _outer(outer) if f[0] == "AV001"]
    assert (line, column) == (inner[0][1] + 8, inner[0][2] + 4)


def test_undiscoverable_key_is_av011_at_the_key() -> None:
    found = _outer(_configmap(_block(BLUEPRINT.rstrip("\n")), key="mfa.yml"))
    assert ("AV011", 8, 3) in found
    assert not [f for f in _outer(_configmap(_block(BLUEPRINT.rstrip("\n")))) if f[0] == "AV011"]


# ---- suppressions, fingerprints, output formats -------------------------------------------------


def test_a_suppression_inside_the_embedded_text_applies_to_it() -> None:
    blueprint = BLUEPRINT.replace("deny\n", "deny  # avlint: disable=AV401\n")
    result = lint_text("cm.yaml", _configmap(_block(blueprint.rstrip("\n"))), SETTINGS)
    assert "AV401" not in {f.rule for f in result.findings} and result.suppressed == 1


def test_an_outer_disable_file_comment_covers_the_embedded_blueprints() -> None:
    outer = "# avlint: disable-file=AV401\n" + _configmap(_block(BLUEPRINT.rstrip("\n")))
    result = lint_text("cm.yaml", outer, SETTINGS)
    assert "AV401" not in {f.rule for f in result.findings} and result.suppressed == 1
    assert "AV403" in {f.rule for f in result.findings}


def test_an_outer_line_comment_covers_a_one_line_value() -> None:
    outer = _configmap(double_quoted(BLUEPRINT)).replace("  mfa.yaml:", "  # avlint: disable=AV401\n  mfa.yaml:")
    result = lint_text("cm.yaml", outer, SETTINGS)
    assert "AV401" not in {f.rule for f in result.findings} and result.suppressed == 1


def test_an_avlint_comment_inside_another_value_is_text_for_the_outer_file() -> None:
    outer = _configmap(_block(BLUEPRINT.rstrip("\n"))) + "  notes.txt: |\n    # avlint: disable-file\n"
    assert "AV401" in {f.rule for f in lint_text("cm.yaml", outer, SETTINGS).findings}


def test_fingerprints_survive_lines_moving_and_name_the_object_and_key() -> None:
    outer = _configmap(_block(BLUEPRINT.rstrip("\n")))
    moved = outer.replace("\ndata:\n", "\ndata:\n  before.txt: |\n    a\n    b\n")
    first, second = (lint_text("cm.yaml", text, SETTINGS).findings for text in (outer, moved))
    assert [f.line + 3 for f in first] == [f.line for f in second]
    assert [f.fingerprint for f in first] == [f.fingerprint for f in second]
    assert first[0].yaml_path[:2] == ("ConfigMap authentik/blueprints", "mfa.yaml")
    other_key = lint_text("cm.yaml", outer.replace("mfa.yaml", "two.yaml"), SETTINGS).findings
    assert {f.fingerprint for f in other_key}.isdisjoint({f.fingerprint for f in first})


@pytest.mark.parametrize("output", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_every_output_format_shows_the_outer_position(tmp_path: Path, output: str) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(_configmap(_block(BLUEPRINT.rstrip("\n"))), encoding="utf-8")
    done = CliRunner().invoke(cli, ["lint", "--isolated", "--format", output, str(path)])
    assert done.exit_code == 0 or done.exit_code == 1, done.output
    shown = done.stdout
    (_, line, column) = next(f for f in _inner(BLUEPRINT) if f[0] == "AV403")
    line, column = line + 8, column + 4  # the blueprint starts on line 9, indented by 4
    if output == "json":
        assert ("AV403", line, column) in {(f["rule"], f["line"], f["column"]) for f in json.loads(shown)["findings"]}
    elif output == "sarif":
        regions = [r["locations"][0]["physicalLocation"]["region"] for r in json.loads(shown)["runs"][0]["results"]]
        assert (line, column) in [(r["startLine"], r["startColumn"]) for r in regions]
    elif output == "gitlab":
        assert line in [item["location"]["lines"]["begin"] for item in json.loads(shown)]
    elif output == "text":
        assert f"cm.yaml:{line}:{column}: warning [AV403" in shown
    elif output == "github":
        assert f"line={line},col={column}" in shown or f"line={line},endLine" in shown, shown
    else:
        assert f"{line}:{column}" in shown or f'line="{line}"' in shown, shown


def test_configmaps_in_a_kubectl_list_are_read() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n"
        "    metadata: {name: bp, namespace: authentik}\n    data:\n      mfa.yaml: |\n"
        + "\n".join("        " + line if line else "" for line in BLUEPRINT.split("\n"))
    )
    found = lint_text("list.yaml", text, SETTINGS).findings
    assert {f.rule for f in found} == {"AV401", "AV403"}
    _assert_same_characters(BLUEPRINT, text)


def test_a_helm_template_is_not_read_as_a_configmap() -> None:
    template = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-blueprints\ndata:\n"
        '  mfa.yaml: |\n    {{- .Files.Get "blueprints/mfa.yaml" | nindent 4 }}\n'
    )
    assert embedded_values(template) is None


def test_truncated_and_damaged_manifests_never_raise_and_never_write_wrongly() -> None:
    from avlint.fix.apply import fix_text

    whole = (Path(__file__).parent.parent / "sample_configs" / "bad" / "k8s-configmap-blueprints.yaml").read_text()
    for cut in range(0, len(whole), 11):
        for text in (whole[:cut], whole[:cut] + whole[cut + 3 :], whole[:cut] + "\t" + whole[cut:]):
            lint_text("cm.yaml", text, SETTINGS)  # no exception
            outcome = fix_text("cm.yaml", text, SETTINGS)
            if outcome.changed:
                before, after = embedded_values(text), embedded_values(outcome.fixed)
                assert before is not None and after is not None
                assert [(v.owner, v.key) for v in before] == [(v.owner, v.key) for v in after]


_LINES = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x85\u2028\u2029\ufeff"), max_size=30),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, style=st.sampled_from(["|", ">", '"', "'", None]), indent=st.sampled_from([2, 4, 7]))
def test_every_style_pyyaml_writes_is_read_back_character_by_character(
    lines: list[str], style: str | None, indent: int
) -> None:
    value = "\n".join(lines)
    dumped = yaml.safe_dump({"data": {"key.yaml": value}}, default_style=style, indent=indent, width=40)
    root = yaml.compose(dumped)
    mapping = root.value[0][1]
    node = mapping.value[0][1]
    assert node.value == value
    offsets = value_offsets(dumped, node, mapping.start_mark.column)
    assert offsets is not None, dumped
    assert offsets == sorted(offsets)
    for char, offset in zip(value, offsets, strict=False):
        assert char in " \n" or dumped[offset] in (char, "\\") or not char.isprintable(), (char, dumped)
