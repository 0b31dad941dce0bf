"""`avlint graph`: which flows are drawn, what each box says, bad input, --flow, --output and
exit codes. Output formats are tested in test_graph_formats.py, drift in test_graph_live.py."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.test_graph_formats import SVG, boxes, check_mermaid

FLOW = """\
  - id: flow
    model: authentik_flows.flow
    identifiers:
      slug: {slug}
    attrs:
      name: Test
      title: Test
      designation: authentication
"""
STAGE = """\
  - id: {id}
    model: authentik_stages_identification.identificationstage
    identifiers:
      name: {name}
"""
BINDING = """\
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: {target}
      stage: {stage}
      order: {order}
"""


def blueprint(*entries: str) -> str:
    return "version: 1\nmetadata:\n  name: test\nentries:\n" + "".join(entries)


def write(tmp_path: Path, text: str, name: str = "bp.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def graph(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["graph", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def titles(svg: str) -> list[list[str]]:
    """Each box's tooltip, as lines (the first is the full name)."""
    return [box.find(f"{SVG}title").text.splitlines() for box in boxes(svg)]


def texts(svg: str, name: str) -> list[str]:
    box = next(box for box in boxes(svg) if box.find(f"{SVG}title").text.splitlines()[0] == name)
    return [text.text or "" for text in box.iter(f"{SVG}text")]


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no project config applies


# -- what is drawn -------------------------------------------------------------------------------------
def test_a_flow_with_no_bindings_is_drawn_alone(tmp_path: Path) -> None:
    code, out, _ = graph(write(tmp_path, blueprint(FLOW.format(slug="lonely"))), "--format", "svg")
    assert code == 0
    assert [t[0] for t in titles(out)] == ["lonely"]
    assert "designation: authentication" in texts(out, "lonely")
    assert "authentication: not set (none if created)" in texts(out, "lonely")


def test_a_binding_to_a_stage_that_does_not_exist_is_drawn_and_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        blueprint(
            FLOW.format(slug="f"),
            BINDING.format(target="!KeyOf flow", stage="!KeyOf ghost", order=10),
            BINDING.format(
                target="!KeyOf flow", stage="!Find [authentik_stages_password.passwordstage, [name, pw]]", order=20
            ),
        ),
    )
    code, out, _ = graph(path, "--format", "svg")
    assert code == 0
    ghost = texts(out, "ghost")
    assert "not defined in the files" in ghost
    assert any("AV111" in line for line in ghost)  # the lint finding on the binding
    assert "on the server" in texts(out, "pw")
    dashed = [b.find(f"{SVG}title").text.splitlines()[0] for b in boxes(out) if "server" in b.get("class", "")]
    assert sorted(dashed) == ["ghost", "pw"]


def test_two_bindings_at_one_order_are_both_drawn_and_flagged(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        blueprint(
            FLOW.format(slug="f"),
            STAGE.format(id="a", name="stage-a"),
            STAGE.format(id="b", name="stage-b"),
            BINDING.format(target="!KeyOf flow", stage="!KeyOf a", order=10),
            BINDING.format(target="!KeyOf flow", stage="!KeyOf b", order=10),
        ),
    )
    code, out, _ = graph(path, "--format", "svg")
    assert code == 0
    for name in ("stage-a", "stage-b"):
        assert "shares order 10 with 1 other binding(s)" in texts(out, name)


def test_policy_references_that_loop_through_find_end_in_a_drawing(tmp_path: Path) -> None:
    # A policy binding whose target is a !Find of a policy binding that is itself found with a
    # !Find, and a policy found by a name that is itself a !Find of a policy.
    text = blueprint(
        FLOW.format(slug="f"),
        STAGE.format(id="a", name="stage-a"),
        "  - id: b1\n"
        + BINDING.format(target="!KeyOf flow", stage="!KeyOf a", order=10).replace("  - model", "    model", 1),
        """\
  - model: authentik_policies.policybinding
    identifiers:
      target: !Find [authentik_policies.policybinding, [target, !Find [authentik_policies.policybinding, [order, 0]]]]
      policy: !Find [authentik_policies_expression.expressionpolicy, [name, x]]
      order: 0
  - model: authentik_policies.policybinding
    identifiers:
      target: !KeyOf b1
      policy: !Find [authentik_policies_expression.expressionpolicy, [name, !Find [authentik_policies_expression.expressionpolicy, [name, y]]]]
      order: 5
""",
    )
    code, out, err = graph(write(tmp_path, text), "--format", "svg")
    assert code == 0, err
    assert [t[0] for t in titles(out)] == ["f", "stage-a", "y"]
    # An alias that makes a !Find contain itself is refused by the loader, with its position.
    looped = text.replace(
        "policy: !Find [authentik_policies_expression.expressionpolicy, [name, x]]",
        "policy: &loop !Find [authentik_policies_expression.expressionpolicy, [name, *loop]]",
    )
    code, out, err = graph(write(tmp_path, looped, "looped.yaml"), "--format", "svg")
    assert code == 1
    assert "looped.yaml:" in err and "not drawn" in err and "recursive" in err


def test_a_thousand_stages_in_one_flow(tmp_path: Path) -> None:
    entries = [FLOW.format(slug="big")]
    for number in range(1000):
        entries.append(STAGE.format(id=f"s{number}", name=f"stage-{number:04}"))
        entries.append(BINDING.format(target="!KeyOf flow", stage=f"!KeyOf s{number}", order=number))
    path = write(tmp_path, blueprint(*entries))
    code, out, _ = graph(path, "--format", "svg")
    assert code == 0
    drawn = [t[0] for t in titles(out)]
    assert drawn == ["big", *(f"stage-{n:04}" for n in range(1000))]
    code, out, _ = graph(path)
    assert code == 0 and len(check_mermaid(out)) == 1001


def test_flows_in_other_files_are_one_box_and_bindings_find_them(tmp_path: Path) -> None:
    write(tmp_path, blueprint(FLOW.format(slug="shared")), "flow.yaml")
    write(
        tmp_path,
        blueprint(
            STAGE.format(id="a", name="stage-a"),
            BINDING.format(target="!Find [authentik_flows.flow, [slug, shared]]", stage="!KeyOf a", order=10),
            BINDING.format(target="!Find [authentik_flows.flow, [slug, elsewhere]]", stage="!KeyOf a", order=10),
        ),
        "bindings.yaml",
    )
    code, out, _ = graph(str(tmp_path), "--format", "svg")
    assert code == 0
    drawn = [t[0] for t in titles(out)]
    assert drawn == ["shared", "stage-a", "elsewhere", "stage-a"]
    assert "on the server" in texts(out, "elsewhere")
    assert "designation: authentication" in texts(out, "shared")


def test_validation_details_and_configuration_stages(tmp_path: Path) -> None:
    text = blueprint(
        FLOW.format(slug="f"),
        """\
  - id: v
    model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: validate
    attrs:
      device_classes: [totp]
      not_configured_action: deny
      configuration_stages: [!Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, totp-setup]]]
  - id: plain
    model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: defaults
  - id: identification
    model: authentik_stages_identification.identificationstage
    identifiers:
      name: identification
    attrs:
      user_fields: [username]
""",
        # The user is identified first: AV401 and AV406 are about a pending user.
        BINDING.format(target="!KeyOf flow", stage="!KeyOf identification", order=0),
        BINDING.format(target="!KeyOf flow", stage="!KeyOf v", order=10),
        BINDING.format(target="!KeyOf flow", stage="!KeyOf plain", order=20),
    )
    _, out, _ = graph(write(tmp_path, text), "--format", "svg")
    assert "device classes: totp" in texts(out, "validate")
    assert "not configured: deny" in texts(out, "validate")
    assert any("AV401" in line for line in texts(out, "validate"))
    assert any("AV406" in line for line in texts(out, "validate"))  # stages listed but unused
    assert "device classes: not set (all if created)" in texts(out, "defaults")
    assert "not configured: not set (skip if created)" in texts(out, "defaults")
    assert "on the server" in texts(out, "totp-setup")
    labels = [t.text for t in ET.fromstring(out).iter(f"{SVG}text") if "edge-label" in (t.get("class") or "")]
    assert labels == ["unused: action deny"]


def test_findings_outside_drawn_objects_are_not_attached(tmp_path: Path) -> None:
    text = blueprint(
        FLOW.format(slug="f"),
        "  - model: authentik_core.group\n    identifiers:\n      name: g\n    attrs:\n      bogus_key: 1\n    typo_key: 2\n",
    )
    _, out, _ = graph(write(tmp_path, text), "--format", "markdown")
    assert "AV106" not in out and "No findings on this flow." in out


# -- files that cannot be drawn, options, exit codes --------------------------------------------------
def test_a_file_that_does_not_parse_is_reported_with_its_position_and_the_rest_drawn(tmp_path: Path) -> None:
    write(tmp_path, "version: 1\nentries: [\n  {model: x\n", "broken.yaml")
    write(tmp_path, blueprint(FLOW.format(slug="fine")), "fine.yaml")
    code, out, err = graph(str(tmp_path))
    assert code == 1
    assert "broken.yaml:" in err and ": error: not drawn:" in err
    assert err.split("broken.yaml:")[1].split(":")[0].isdigit()  # a line number
    assert "fine" in "\n".join(check_mermaid(out).values())


def test_unreadable_path_and_unknown_flow_exit_2(tmp_path: Path) -> None:
    write(tmp_path, blueprint(FLOW.format(slug="known")))
    code, _, err = graph(str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err
    code, out, err = graph(str(tmp_path), "--flow", "nope")
    assert code == 2 and out == ""
    assert "--flow nope: no such flow in the given files (flows: known)" in err
    code, _, err = graph(str(tmp_path), "--format", "png")
    assert code == 2 and "png" in err


def test_flow_option_selects_flows(tmp_path: Path) -> None:
    write(tmp_path, blueprint(FLOW.format(slug="one")), "one.yaml")
    write(tmp_path, blueprint(FLOW.format(slug="two").replace("id: flow", "id: flow2")), "two.yaml")
    _, out, _ = graph(str(tmp_path), "--flow", "two", "--format", "svg")
    assert [t[0] for t in titles(out)] == ["two"]
    _, out, _ = graph(str(tmp_path), "--flow", "two", "--flow", "one", "--format", "svg")
    assert sorted(t[0] for t in titles(out)) == ["one", "two"]


def test_no_flow_at_all_is_said_and_still_a_valid_drawing(tmp_path: Path) -> None:
    code, out, err = graph(write(tmp_path, blueprint(STAGE.format(id="a", name="alone"))))
    assert code == 0
    assert "no flow in the given files" in err
    assert check_mermaid(out) == {"empty": "no flow in these files"}


def test_output_is_written_atomically_and_only_when_drawn(tmp_path: Path) -> None:
    path = write(tmp_path, blueprint(FLOW.format(slug="f")))
    code, out, err = graph(path, "--format", "svg", "--output", "drawing.svg")
    assert code == 0 and out == ""
    assert "drew 1 flow in drawing.svg" in err
    assert (tmp_path / "drawing.svg").read_text(encoding="utf-8") == graph(path, "--format", "svg")[1]
    code, _, err = graph(path, "--output", str(tmp_path / "no" / "such" / "dir" / "x.md"))
    assert code == 2 and "cannot write" in err
    (tmp_path / "keep.md").write_text("previous\n", encoding="utf-8")
    code, _, _ = graph(path, "--flow", "missing", "--output", "keep.md")
    assert code == 2
    assert (tmp_path / "keep.md").read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".avlint-")] == []


def test_the_environment_never_reaches_the_drawing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_STAGE_NAME", "s3cr3t-value")
    text = blueprint(
        FLOW.format(slug="f"),
        STAGE.format(id="a", name="!Env [SECRET_STAGE_NAME, fallback-name]"),
        BINDING.format(target="!KeyOf flow", stage="!KeyOf a", order=10),
    )
    _, out, _ = graph(write(tmp_path, text), "--format", "svg")
    assert "s3cr3t-value" not in out
    assert "fallback-name" in [t[0] for t in titles(out)]


def test_the_lint_path_does_not_import_the_graph_code(tmp_path: Path) -> None:
    path = write(tmp_path, blueprint(FLOW.format(slug="f")))
    code = (
        "import sys\n"
        f"sys.argv = ['avlint', 'lint', {path!r}]\n"
        "from avlint.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('avlint.graph')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr


def test_the_cli_offers_exactly_the_formats_the_renderer_knows() -> None:
    from avlint.cli.graph_cmd import GRAPH_FORMATS
    from avlint.graph import FORMATS
    from avlint.graph.render import render

    assert GRAPH_FORMATS == FORMATS
    for output_format in FORMATS:
        assert render(output_format, [])
    with pytest.raises(ValueError):
        render("png", [])
