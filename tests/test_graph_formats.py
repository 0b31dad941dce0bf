"""`avlint graph` output formats: golden files, parsed SVG and HTML, and Mermaid that keeps to
the flowchart grammar whatever the names hold.

Golden files live in tests/golden/graph/; after a deliberate change of the drawing,
regenerate them with

    AVLINT_UPDATE_GOLDEN=1 python -m pytest tests/test_graph_formats.py -k golden

and review `git diff tests/golden/graph` before committing.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "golden" / "graph"
INPUTS = GOLDEN / "inputs"
UPDATE = os.environ.get("AVLINT_UPDATE_GOLDEN") == "1"
SVG = "{http://www.w3.org/2000/svg}"


def graph(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["graph", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are relative, as a user would type them


# -- a checker of the Mermaid flowchart grammar avlint emits -----------------------------------------
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"(?:[^"#\n]|#(?:quot|amp|lt|gt|\d+);)*"'
_SHAPES = (r"\(\[", r"\]\)"), (r"\[\[", r"\]\]"), (r"\{\{", r"\}\}"), (r"\[", r"\]")
_NODE = re.compile(rf"^\s*({_ID})(?:" + "|".join(f"{o}({_LABEL}){c}" for o, c in _SHAPES) + r")$")
_EDGE = re.compile(rf"^\s*({_ID}) (?:-->|-\.->)(?:\|({_LABEL})\|)? ({_ID})$")
_SUBGRAPH = re.compile(rf"^\s*subgraph ({_ID})\[({_LABEL})\]$")
_CLASS = re.compile(rf"^\s*class ({_ID}(?:,{_ID})*) ({_ID})$")
_CLASSDEF = re.compile(rf"^\s*classDef ({_ID}) [a-z-]+:[^;\n]+$")
_RESERVED = {"end", "subgraph", "graph", "flowchart", "class", "classDef", "style", "click", "direction"}


class MermaidError(AssertionError):
    pass


def check_mermaid(text: str) -> dict[str, str]:
    """Validate the subset of Mermaid's flowchart grammar that avlint writes (a fenced block,
    quoted labels with entity codes, `<br/>` the only markup); the node labels, decoded."""
    lines = text.splitlines()
    if lines[:1] != ["```mermaid"] or lines[-1:] != ["```"]:
        raise MermaidError("not a fenced mermaid block")
    body = lines[1:-1]
    if not body or body[0] not in ("flowchart TB", "flowchart TD", "flowchart LR"):
        raise MermaidError(f"bad header {body[:1]}")
    labels: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    depth = 0
    classes: set[str] = set()
    used_classes: set[str] = set()
    for number, line in enumerate(body[1:], 2):
        stripped = line.strip()
        if match := _SUBGRAPH.match(line):
            depth += 1
            _label(match.group(2), number)
        elif stripped == "end":
            depth -= 1
            if depth < 0:
                raise MermaidError(f"line {number}: end without subgraph")
        elif stripped in ("direction TB", "direction LR"):
            pass
        elif match := _NODE.match(line):
            node = match.group(1)
            if node in labels or node in _RESERVED:
                raise MermaidError(f"line {number}: node {node} declared twice or reserved")
            labels[node] = _label(next(g for g in match.groups()[1:] if g is not None), number)
        elif match := _EDGE.match(line):
            if match.group(2):
                _label(match.group(2), number)
            edges.append((match.group(1), match.group(3)))
        elif match := _CLASS.match(line):
            used_classes.add(match.group(2))
            for node in match.group(1).split(","):
                if node not in labels:
                    raise MermaidError(f"line {number}: class on unknown node {node}")
        elif match := _CLASSDEF.match(line):
            classes.add(match.group(1))
        else:
            raise MermaidError(f"line {number}: not in the grammar: {line!r}")
    if depth:
        raise MermaidError("unclosed subgraph")
    for source, target in edges:
        if source not in labels or target not in labels:
            raise MermaidError(f"edge between unknown nodes {source} -> {target}")
    if used_classes - classes:
        raise MermaidError(f"undefined classes {used_classes - classes}")
    return labels


def _label(quoted: str, number: int) -> str:
    inner = quoted[1:-1]
    if re.search(r"<(?!br/>)", inner.replace("<br/>", "")) or ">" in inner.replace("<br/>", ""):
        raise MermaidError(f"line {number}: markup other than <br/> in {quoted}")
    decoded = re.sub(r"#(quot|amp|lt|gt|\d+);", _entity, inner)
    return decoded.replace("<br/>", "\n")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    return chr(int(name)) if name.isdigit() else {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}[name]


def test_the_checker_rejects_what_mermaid_would_misread() -> None:
    good = '```mermaid\nflowchart TB\n  a["x #quot;y#quot;"]\n  b["z"]\n  a --> b\n```\n'
    assert check_mermaid(good) == {"a": 'x "y"', "b": "z"}
    for bad in (
        '```mermaid\nflowchart TB\n  a["x "y""]\n```\n',  # a raw quote ends the label
        "```mermaid\nflowchart TB\n  a[x]\n```\n",  # an unquoted label
        '```mermaid\nflowchart TB\n  a["x #y"]\n```\n',  # a # that is not an entity
        '```mermaid\nflowchart TB\n  a["<b>x</b>"]\n```\n',  # markup
        '```mermaid\nflowchart TB\n  a["x"]\n  a --> b\n```\n',  # an edge to nowhere
        '```mermaid\nflowchart TB\n  subgraph s["x"]\n  a["x"]\n```\n',  # unclosed
        'flowchart TB\n  a["x"]\n',  # not fenced
    ):
        with pytest.raises(MermaidError):
            check_mermaid(bad)


# -- names that would break a careless writer ----------------------------------------------------------
NASTY = [
    'say "hi"',
    "brackets [x] (y) {z} <b>",
    "emoji 🔐 passkey 👩‍💻",
    "hash #35; and & amp",
    "end",
    "pipe | and `backtick`",
    "x" * 300,
    "line\nbreak",
]


def nasty_blueprint(tmp_path: Path) -> Path:
    entries = [
        {
            "id": "flow",
            "model": "authentik_flows.flow",
            "identifiers": {"slug": "nasty-flow"},
            "attrs": {"name": "n", "title": "t", "designation": "authentication"},
        },
    ]
    for number, name in enumerate(NASTY):
        entries.append(
            {"id": f"s{number}", "model": "authentik_stages_dummy.dummystage", "identifiers": {"name": name}}
        )
        entries.append(
            {
                "model": "authentik_flows.flowstagebinding",
                "identifiers": {"target": "__KEYOF__flow", "stage": f"__KEYOF__s{number}", "order": number},
            }
        )
    text = yaml.safe_dump(
        {"version": 1, "metadata": {"name": "nasty"}, "entries": entries}, allow_unicode=True, width=10000
    )
    text = re.sub(r"'?__KEYOF__([a-z0-9]+)'?", r"!KeyOf \1", text)
    path = tmp_path / "nasty.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mermaid_of_nasty_names_is_valid_and_keeps_them(tmp_path: Path) -> None:
    code, out, err = graph(str(nasty_blueprint(tmp_path)))
    assert code == 0, err
    labels = check_mermaid(out)
    shown = "\n".join(labels.values())
    for name in NASTY[:-2]:
        assert name in shown, name
    assert "line break" in shown  # a line break in a name is a space
    assert "x" * 30 in shown and "x" * 300 not in shown and "…" in shown  # a very long name is ellipsised


def test_svg_and_html_of_nasty_names_parse_and_keep_the_full_names(tmp_path: Path) -> None:
    path = str(nasty_blueprint(tmp_path))
    _, svg, _ = graph(path, "--format", "svg")
    titles = [box.find(f"{SVG}title").text for box in boxes(svg)]
    for name in NASTY[:-1]:
        assert any(title.splitlines()[0] == name for title in titles), name
    _, page, _ = graph(path, "--format", "html")
    parsed = parse_html(page)
    assert 'say "hi"' in parsed.text and "brackets [x] (y) {z} <b>" in parsed.text
    code, dot, _ = graph(path, "--format", "dot")
    assert code == 0 and check_dot(dot)


# -- golden files ------------------------------------------------------------------------------------------
CASES = {
    "good": ["sample_configs/good"],
    "policies": ["tests/golden/graph/inputs"],
}
SUFFIXES = {"mermaid": "md", "dot": "dot", "svg": "svg", "markdown": "markdown.md"}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("output_format", sorted(SUFFIXES))
def test_golden(case: str, output_format: str) -> None:
    code, out, err = graph(*CASES[case], "--format", output_format)
    assert code == 0, err
    golden = GOLDEN / f"{case}.{SUFFIXES[output_format]}"
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


# -- every object and finding of the input appears -------------------------------------------------------
class _Tags(yaml.SafeLoader):
    pass


_Tags.add_multi_constructor(
    "!",
    lambda loader, tag, node: (
        tag,
        loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node),
    ),
)


def expected_objects(paths: list[Path]) -> tuple[set[str], set[str]]:
    """Names of the stages bound and of the policies (or groups) bound, read from the YAML
    without avlint: !KeyOf by entry id, !Find by its name condition."""
    stages, policies = set(), set()
    for path in paths:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Tags)
        entries = (
            data["entries"] if isinstance(data["entries"], list) else [e for s in data["entries"].values() for e in s]
        )
        names = {e.get("id"): (e.get("identifiers") or {}).get("name") for e in entries}

        def name_of(value: object, names: dict = names) -> str:
            tag, argument = value  # type: ignore[misc]
            return names[argument] if tag == "KeyOf" else dict(argument[1:])["name"]  # type: ignore[index]

        for entry in entries:
            identifiers = entry.get("identifiers") or {}
            if entry["model"] == "authentik_flows.flowstagebinding":
                stages.add(name_of(identifiers["stage"]))
            if entry["model"] == "authentik_policies.policybinding":
                policies.add(name_of(identifiers.get("policy") or identifiers.get("group")))
    return stages, policies


def lint_findings(paths: list[str]) -> list[tuple[str, str]]:
    import json

    result = CliRunner().invoke(cli, ["lint", "--format", "json", *paths])
    return [(f["rule"], f["name"]) for f in json.loads(result.stdout)["findings"]]


def test_every_stage_policy_and_finding_of_the_input_is_drawn_in_every_format() -> None:
    paths = ["tests/golden/graph/inputs"]
    stages, policies = expected_objects(sorted(INPUTS.glob("*.yaml")))
    assert len(stages) == 4 and policies == {"default-reputation", "graph-is-admin", "admins"}
    # Each file's own findings: the graph draws those; the set's (AV7xx, across files) are lint's.
    findings = [(rule, name) for rule, name in lint_findings(paths) if not rule.startswith("AV7")]
    assert sorted(rule for rule, _ in findings) == ["AV302", "AV401"]
    _, svg, _ = graph(*paths, "--format", "svg")
    svg_titles = {box.find(f"{SVG}title").text.splitlines()[0] for box in boxes(svg)}
    svg_text = " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    _, page, _ = graph(*paths, "--format", "html")
    parsed = parse_html(page)
    labels = "\n".join(check_mermaid(graph(*paths)[1]).values())
    _, dot, _ = graph(*paths, "--format", "dot")
    _, markdown, _ = graph(*paths, "--format", "markdown")
    for name in stages | policies | {"graph-login", "graph-totp-setup", "default-authenticator-webauthn-setup"}:
        assert name in svg_titles, name
        assert name in parsed.text and name in labels and name in dot and name in markdown, name
    for rule, rule_name in findings:
        for text in (svg_text, parsed.text, labels, dot, markdown):
            assert rule in text and rule_name in text, (rule, text[:200])


def test_objects_only_referenced_are_drawn_dashed_on_the_server() -> None:
    _, svg, _ = graph("tests/golden/graph/inputs", "--format", "svg")
    server = {
        box.find(f"{SVG}title").text.splitlines()[0] for box in boxes(svg) if "server" in box.get("class", "").split()
    }
    assert server == {
        "default-reputation",
        "admins",
        "default-authenticator-webauthn-setup",
        "default-authentication-login",
    }
    assert ".server rect { stroke-dasharray" in svg
    _, dot, _ = graph("tests/golden/graph/inputs", "--format", "dot")
    login = next(line for line in dot.splitlines() if '"default-authentication-login' in line)
    assert "dashed" in login and "on the server" in login
    labels = check_mermaid(graph("tests/golden/graph/inputs")[1])
    assert "on the server" in next(label for label in labels.values() if label.startswith("default-reputation"))


def test_bindings_are_drawn_in_order_with_their_policies_and_modes() -> None:
    _, svg, _ = graph("tests/golden/graph/inputs", "--format", "svg")
    by_title = {box.find(f"{SVG}title").text.splitlines()[0]: box for box in boxes(svg)}
    tops = [
        float(by_title[name].find(f"{SVG}rect").get("y"))
        for name in (
            "graph-login",
            "graph-identification",
            "graph-validation",
            "graph-admin-validation",
            "default-authentication-login",
        )
    ]
    assert tops == sorted(tops)
    texts = lambda name: [t.text for t in by_title[name].iter(f"{SVG}text")]  # noqa: E731
    assert "policy engine mode: all" in texts("graph-login")
    assert "designation: authentication" in texts("graph-login")
    assert "authentication: require_unauthenticated" in texts("graph-login")
    assert "negate: true" in texts("graph-is-admin") or "negate: true" in svg
    assert "device classes: totp, webauthn" in texts("graph-validation")
    assert "not configured: deny" in texts("graph-validation")
    assert "error AV302 binding-evaluation-disabled" in texts("graph-admin-validation")


# -- helpers: parsing -------------------------------------------------------------------------------------
def boxes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if "box" in g.get("class", "").split()]


class _Page(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "img", "link", "input", "hr", "path", "rect"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return html.unescape("".join(self.chunks))


def parse_html(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], parser.stack
    return parser


def check_dot(dot: str) -> bool:
    """Balanced braces outside quoted strings, and every quoted string closed."""
    depth, quoted, escaped = 0, False, False
    for char in dot:
        if quoted:
            quoted = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            assert depth >= 0
    return depth == 0 and not quoted


def test_html_is_self_contained_with_no_script_and_dark_mode() -> None:
    _, page, _ = graph("sample_configs/good", "--format", "html")
    parsed = parse_html(page)
    names = {tag for tag, _ in parsed.tags}
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert not any(key.startswith("on") for _, attrs in parsed.tags for key in attrs)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    assert "@media (prefers-color-scheme: dark)" in page
    ids = [attrs["id"] for _, attrs in parsed.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))  # one arrow marker per drawing, never a clash


def test_svg_is_self_contained_with_dark_mode() -> None:
    _, svg, _ = graph("sample_configs/good", "--format", "svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and float(root.get("width")) > 0 and float(root.get("height")) > 0
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}image"))
    assert "https://" not in svg and "@import" not in svg and not re.search(r"url\((?!#)", svg)
    assert "@media (prefers-color-scheme: dark)" in svg
