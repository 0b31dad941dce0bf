"""Drift on the drawing: `avlint graph --live-file/--url` and `avlint diff --format html`,
against the loopback fake authentik and saved listings of it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.fake_authentik import FakeAuthentik, seed
from tests.test_diff import ABSENT_STAGE, CHANGE_ACTION, EXPORT, MFA, NEW_STAGE, _save_listing, edited, write
from tests.test_graph_formats import SVG, boxes, check_mermaid, parse_html


@pytest.fixture
def fake_authentik(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The recorded server: a fresh server's defaults plus the four validation stages made by hand
    on it (``lint-good-validate`` ...), which these tests read, change and delete."""
    seed.add_hand_made_stages(fake_authentik.state)
    return fake_authentik


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AUTHENTIK_URL", "AUTHENTIK_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def box_classes(svg_or_page: str) -> dict[str, set[str]]:
    """Box name -> its CSS classes, from an SVG or the SVGs of an HTML page."""
    found: dict[str, set[str]] = {}
    for part in svg_or_page.split("<svg ")[1:]:
        svg = "<svg " + part.split("</svg>")[0] + "</svg>"
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1) if "xmlns=" not in svg else svg
        for box in boxes(svg):
            found[box.find(f"{SVG}title").text.splitlines()[0]] = set(box.get("class", "").split())
    return found


def test_graph_live_file_shows_changed_created_and_deleted_objects(fake_authentik: FakeAuthentik) -> None:
    saved = _save_listing(
        fake_authentik, "all.json", "/stages/authenticator/validate/", "/flows/instances/", "/flows/bindings/"
    )
    extra = (
        NEW_STAGE
        + ABSENT_STAGE
        + (
            "- model: authentik_flows.flowstagebinding\n  identifiers:\n"
            "    target: !KeyOf flow\n    stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, avlint-new-mfa]]\n"
            "    order: 40\n"
            "- model: authentik_flows.flowstagebinding\n  identifiers:\n"
            "    target: !KeyOf flow\n    stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, lint-good-validate]]\n"
            "    order: 50\n"
        )
    )
    path = write("edited.yaml", edited(CHANGE_ACTION, append=extra))
    code, svg, err = run("graph", path, "--live-file", saved, "--format", "svg")
    assert code == 0, err
    classes = box_classes(svg)
    assert "drift-change" in classes[MFA]
    assert "drift-create" in classes["avlint-new-mfa"]
    assert "drift-delete" in classes["lint-good-validate"]
    assert not any(c.startswith("drift-") for c in classes["default-authentication-flow"])
    mfa = next(b for b in boxes(svg) if b.find(f"{SVG}title").text.startswith(MFA))
    lines = [t.text for t in mfa.iter(f"{SVG}text")]
    assert "~ stage to change" in lines
    assert 'not_configured_action: "skip" -> "deny"' in lines
    code, markdown, _ = run("graph", path, "--live-file", saved, "--format", "markdown")
    assert "**Drift**" in markdown and 'not\\_configured\\_action: "skip" → "deny"' in markdown
    code, mermaid, _ = run("graph", path, "--live-file", saved)
    labels = check_mermaid(mermaid)
    assert any("~ stage to change" in label for label in labels.values())
    assert "class " in mermaid and " change" in mermaid
    assert len(fake_authentik.requests) == 0  # a saved listing: no server asked


def test_graph_url_asks_the_server(fake_authentik: FakeAuthentik) -> None:
    path = write("changed.yaml", edited(CHANGE_ACTION))
    code, page, err = run(
        "graph", path, "--url", fake_authentik.url, "--token", fake_authentik.token, "--format", "html"
    )
    assert code == 0, err
    parsed = parse_html(page)
    assert "not_configured_action" in parsed.text and "to change" in parsed.text
    assert "drift-change" in box_classes(page)[MFA]
    assert fake_authentik.token not in page + err
    assert all(request.method == "GET" for request in fake_authentik.requests)


def test_graph_live_errors_exit_2_without_the_token(fake_authentik: FakeAuthentik, tmp_path: Path) -> None:
    code, out, err = run("graph", EXPORT, "--live-file", write("broken.json", "{not json"))
    assert code == 2 and out == "" and "--live-file" in err
    code, out, err = run("graph", EXPORT, "--url", fake_authentik.url, "--token", "wrong-token-value")
    assert code == 2 and out == ""
    assert "wrong-token-value" not in err


def test_diff_format_html_draws_the_plan(fake_authentik: FakeAuthentik) -> None:
    path = write("added.yaml", edited(CHANGE_ACTION, append=NEW_STAGE))
    code, page, err = run(
        "diff", path, "--url", fake_authentik.url, "--token", fake_authentik.token, "--format", "html"
    )
    assert code == 1, err  # drift, as with the other formats
    parsed = parse_html(page)
    assert "<script" not in page
    assert "avlint diff" in parsed.text
    assert "drift-change" in box_classes(page)[MFA]
    assert "not_configured_action" in parsed.text and '"skip"' in parsed.text and '"deny"' in parsed.text
    assert "AV401" in parsed.text  # the lint findings are on the same picture
    in_sync = write("same.yaml", EXPORT.read_text(encoding="utf-8"))
    code, page, _ = run(
        "diff", in_sync, "--url", fake_authentik.url, "--token", fake_authentik.token, "--format", "html"
    )
    assert code == 0
    assert "In sync with the server." in parse_html(page).text
    drawing = ET.fromstring(page.split('<div class="drawing">')[1].split("</div>")[0])  # the inline SVG is XML
    assert drawing.tag == f"{SVG}svg"


def test_an_exported_authentik_url_alone_does_not_make_a_drawing_call_the_server(
    fake_authentik: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHENTIK_URL", fake_authentik.url)
    monkeypatch.setenv("AUTHENTIK_TOKEN", fake_authentik.token)
    path = write("changed.yaml", edited(CHANGE_ACTION))
    code, svg, _ = run("graph", path, "--format", "svg")
    assert code == 0 and len(fake_authentik.requests) == 0
    assert not any(c.startswith("drift-") for classes in box_classes(svg).values() for c in classes)
    code, svg, _ = run("graph", path, "--format", "svg", "--url", fake_authentik.url)  # the token from the environment
    assert code == 0 and len(fake_authentik.requests) > 0
    assert "drift-change" in box_classes(svg)[MFA]


def test_a_stage_whose_name_another_type_holds_is_drawn_as_a_conflict(fake_authentik: FakeAuthentik) -> None:
    taken = "default-authentication-password"  # a password stage's name on the server
    extra = NEW_STAGE.replace("avlint-new-mfa", taken) + (
        "- model: authentik_flows.flowstagebinding\n  identifiers:\n"
        f"    target: !KeyOf flow\n    stage: !Find [authentik_stages_authenticator_validate.authenticatorvalidatestage, [name, {taken}]]\n"
        "    order: 40\n"
    )
    path = write("taken.yaml", edited(CHANGE_ACTION, append=extra))
    code, svg, err = run("graph", path, "--url", fake_authentik.url, "--token", fake_authentik.token, "--format", "svg")
    assert code == 0, err
    conflicted = [name for name, classes in box_classes(svg).items() if "drift-conflict" in classes]
    assert conflicted == [taken]
    box = next(b for b in boxes(svg) if b.find(f"{SVG}title").text.startswith(taken))
    assert "! stage in conflict: apply would fail" in [t.text for t in box.iter(f"{SVG}text")]
    code, mermaid, _ = run("graph", path, "--url", fake_authentik.url, "--token", fake_authentik.token)
    assert code == 0 and "classDef conflict" in mermaid
    assert any(
        line.strip().startswith("class ") and line.rstrip().endswith(" conflict") for line in mermaid.splitlines()
    )
    code, dot, _ = run("graph", path, "--url", fake_authentik.url, "--token", fake_authentik.token, "--format", "dot")
    assert code == 0 and 'fillcolor="#ffcecb"' in dot
