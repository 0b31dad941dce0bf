"""Inline suppressions: `# avlint: disable=...` and `# avlint: disable-file[=...]`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from avlint.engine import lint_text
from avlint.run import run_lint
from avlint.settings import Settings
from avlint.suppressions import parse_suppressions
from tests.conftest import lint_request, lint_source, positions

# Findings without suppressions: AV403 at 9:30, AV301 at 10:30, AV307 at 11:28.
TEMPLATE = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
{above9}      device_classes: [totp, totp]{end9}
{above10}      not_configured_action: configure{end10}
      last_auth_threshold: seconds=10{end11}
"""


def blueprint(**parts: str) -> str:
    values = {"above9": "", "end9": "", "above10": "", "end10": "", "end11": ""}
    values.update(parts)
    return TEMPLATE.format(**values)


def found(text: str) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in lint_source(text)]


def result(text: str):
    return lint_text("blueprint.yaml", text, Settings())


def test_baseline_without_suppressions() -> None:
    assert found(blueprint()) == [("AV403", 9, 30), ("AV301", 10, 30), ("AV307", 11, 28)]
    assert result(blueprint()).suppressed == 0


def test_same_line_by_id() -> None:
    text = blueprint(end9="  # avlint: disable=AV403")
    assert found(text) == [("AV301", 10, 30), ("AV307", 11, 28)]
    assert result(text).suppressed == 1


def test_same_line_by_name() -> None:
    text = blueprint(end10="  # avlint: disable=configure-without-stages")
    assert found(text) == [("AV403", 9, 30), ("AV307", 11, 28)]
    assert result(text).suppressed == 1


def test_ids_are_case_insensitive() -> None:
    text = blueprint(end9="  # avlint: disable=av403", end11="  # avlint: disable=Threshold-Below-30s")
    assert found(text) == [("AV301", 10, 30)]


def test_line_above_alone_on_its_line() -> None:
    text = blueprint(above10="      # avlint: disable=AV301\n")
    # The comment line shifts everything below it by one line.
    assert found(text) == [("AV403", 9, 30), ("AV307", 12, 28)]
    assert result(text).suppressed == 1


def test_line_above_by_name_with_several_ids() -> None:
    text = blueprint(above10="      # avlint: disable=configure-without-stages, AV307\n")
    # AV307 sits two lines below the comment: only the next line is covered.
    assert found(text) == [("AV403", 9, 30), ("AV307", 12, 28)]


def test_line_above_covers_only_the_next_line() -> None:
    text = blueprint(above9="      # avlint: disable=AV403,AV301,AV307\n")
    assert found(text) == [("AV301", 11, 30), ("AV307", 12, 28)]
    assert result(text).suppressed == 1


def test_several_ids_on_one_line() -> None:
    text = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: skip
      device_classes: [totp, totp, bogus]
"""
    before = found(text)
    assert {rule for rule, line, _ in before if line == 8} == {"AV403", "AV202"}
    suppressed = text.replace("bogus]", "bogus]  # avlint: disable=AV403,invalid-choice")
    assert [f for f in found(suppressed) if f[1] == 8] == []
    assert result(suppressed).suppressed == len([f for f in before if f[1] == 8])
    only_one = text.replace("bogus]", "bogus]  # avlint: disable=AV403")
    assert {rule for rule, line, _ in found(only_one) if line == 8} == {"AV202"}


def test_spacing_variants() -> None:
    assert found(blueprint(end9="  #avlint:disable=AV403")) == [("AV301", 10, 30), ("AV307", 11, 28)]
    assert found(blueprint(end9="  #   avlint:   disable = AV403 ,  AV301  ")) == [("AV301", 10, 30), ("AV307", 11, 28)]


def test_trailing_directive_on_the_line_above_does_not_cover_the_next_line() -> None:
    text = blueprint(end9="  # avlint: disable=AV403,AV301")
    assert found(text) == [("AV301", 10, 30), ("AV307", 11, 28)]
    assert result(text).suppressed == 1


def test_directive_for_another_rule_does_not_suppress() -> None:
    text = blueprint(end10="  # avlint: disable=AV403")
    assert found(text) == [("AV403", 9, 30), ("AV301", 10, 30), ("AV307", 11, 28)]
    assert result(text).suppressed == 0


def test_disable_file_anywhere() -> None:
    for text in (
        blueprint(end11="  # avlint: disable-file"),
        "# avlint: disable-file\n" + blueprint(),
        blueprint() + "# avlint: disable-file\n",
    ):
        assert found(text) == []
        assert result(text).suppressed == 3


def test_disable_file_for_one_rule() -> None:
    text = "# avlint: disable-file=AV307\n" + blueprint()
    assert found(text) == [("AV403", 10, 30), ("AV301", 11, 30)]
    assert result(text).suppressed == 1


def test_disable_file_for_several_rules_by_id_and_name() -> None:
    text = blueprint() + "# avlint: disable-file=duplicate-device-class,AV307\n"
    assert found(text) == [("AV301", 10, 30)]
    assert result(text).suppressed == 2


def test_unknown_rule_in_a_directive_is_av009() -> None:
    text = blueprint(end9="  # avlint: disable=AV999")
    findings = lint_source(text)
    assert positions(findings, "AV009") == [[9, 37]]
    av009 = next(f for f in findings if f.rule == "AV009")
    assert "AV999" in av009.message
    assert av009.severity == "warning"
    # the real finding on that line is still reported
    assert positions(findings, "AV403") == [[9, 30]]


def test_unknown_rule_next_to_a_known_one() -> None:
    text = blueprint(end9="  # avlint: disable=AV403,no-such-rule")
    findings = lint_source(text)
    assert positions(findings, "AV009") == [[9, 37]]
    assert positions(findings, "AV403") == []
    assert "no-such-rule" in next(f for f in findings if f.rule == "AV009").message


def test_unknown_rule_in_disable_file_is_av009() -> None:
    text = "# avlint: disable-file=AV9999\n" + blueprint()
    findings = lint_source(text)
    assert positions(findings, "AV009") == [[1, 1]]
    assert [f.rule for f in findings if f.rule != "AV009"] == ["AV403", "AV301", "AV307"]


@pytest.mark.parametrize(
    "comment",
    ["# avlint: enable=AV403", "# avlint: disable", "# avlint: disabled=AV403", "# avlint: disable-line=AV403"],
)
def test_malformed_directive_is_av009(comment: str) -> None:
    text = blueprint(end9="  " + comment)
    findings = lint_source(text)
    assert positions(findings, "AV009") == [[9, 37]]
    assert positions(findings, "AV403") == [[9, 30]]


def test_av009_can_be_deselected() -> None:
    text = blueprint(end9="  # avlint: disable=AV999")
    assert positions(lint_source(text, ignore=frozenset({"AV009"})), "AV009") == []


def test_deselected_rule_is_not_counted_as_suppressed() -> None:
    text = blueprint(end9="  # avlint: disable=AV403")
    outcome = lint_text("blueprint.yaml", text, Settings(ignore=frozenset({"AV403"})))
    assert outcome.suppressed == 0
    assert [f.rule for f in outcome.findings] == ["AV301", "AV307"]


POLICY_ENTRY = """\
  - model: authentik_policies_expression.expressionpolicy
    identifiers:
      name: mfa-policy
    attrs:
      expression: |
        # avlint: disable-file
        return True
"""


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            blueprint().replace("  name: mfa\nentries", '  name: "mfa # avlint: disable-file"\nentries'), id="quoted"
        ),
        pytest.param(blueprint() + POLICY_ENTRY, id="block-scalar"),
    ],
)
def test_directive_text_inside_a_string_value_is_not_a_comment(text: str) -> None:
    """`#` inside a quoted or block scalar does not start a YAML comment: it neither suppresses
    anything nor is reported as a malformed directive."""
    assert found(text) == [("AV403", 9, 30), ("AV301", 10, 30), ("AV307", 11, 28)]


def test_parse_suppressions_directly() -> None:
    parsed = parse_suppressions("a: 1  # avlint: disable=AV403\n# avlint: disable=AV301\nb: 2\n")
    assert parsed.covers("AV403", 1)
    assert not parsed.covers("AV403", 2)
    assert parsed.covers("AV301", 2) and parsed.covers("AV301", 3)
    assert not parsed.covers("AV301", 4)
    assert parsed.problems == []


# --- the summary ------------------------------------------------------------------------------


def _run(tmp_path: Path, fmt: str, *texts: str) -> tuple[int, str]:
    paths = []
    for index, text in enumerate(texts):
        path = tmp_path / f"f{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    out, err = io.StringIO(), io.StringIO()
    code = run_lint(lint_request(tuple(paths), format=fmt, isolated=True), out, err, cwd=tmp_path)
    assert err.getvalue() == ""
    return code, out.getvalue()


def test_suppressed_count_in_the_text_summary(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "text", blueprint(end9="  # avlint: disable=AV403", end11="  # avlint: disable=AV307"))
    assert code == 1
    assert out.splitlines()[-1] == "Found 1 error and 0 warnings in 1 file of 1 file (2 findings suppressed)."


def test_suppressed_count_singular_and_clean(tmp_path: Path) -> None:
    code, out = _run(
        tmp_path, "text", "# avlint: disable-file=AV403,AV307\n" + blueprint(end10="  # avlint: disable=AV301")
    )
    assert code == 0
    assert out == "No problems in 1 file (3 findings suppressed).\n"
    code, out = _run(
        tmp_path, "text", blueprint(end10="  # avlint: disable=AV301", end9="  # avlint: disable=AV403", end11="")
    )
    assert out.splitlines()[-1] == "Found 0 errors and 1 warning in 1 file of 1 file (2 findings suppressed)."
    code, out = _run(tmp_path, "text", blueprint(end10="  # avlint: disable=AV301"))
    assert out.splitlines()[-1] == "Found 0 errors and 2 warnings in 1 file of 1 file (1 finding suppressed)."
    assert code == 0


def test_suppressed_count_in_json_adds_up_across_files(tmp_path: Path) -> None:
    code, out = _run(
        tmp_path,
        "json",
        blueprint(end9="  # avlint: disable=AV403"),
        "# avlint: disable-file\n" + blueprint(),
        blueprint(),
    )
    document = json.loads(out)
    assert document["summary"]["suppressed"] == 4
    assert document["summary"]["errors"] == 2
    assert document["summary"]["warnings"] == 3
    assert code == 1
