"""Tests for avlint.roundtrip: byte-for-byte round trips, tag access, edits, errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from avlint.roundtrip import (
    PYYAML_WIDTH,
    UNFOLDED_WIDTH,
    RoundTripError,
    dump_roundtrip,
    load_roundtrip,
    roundtrips_exactly,
    tag_of,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "sample_configs"
EXPORTS_DIR = Path(__file__).resolve().parent / "data" / "exports"


def read_exact(path: Path) -> str:
    """File text with its line endings untouched (read_text would turn CRLF into LF)."""
    return path.read_bytes().decode("utf-8")


HAND_WRITTEN = """\
# yaml-language-server: $schema=https://goauthentik.io/blueprints/schema.json
version: 1
metadata:
  name: Example - MFA validation  # trailing comment
  labels:
    blueprints.goauthentik.io/instantiate: "false"
context:
  slug: default-authentication-flow
entries:
  # the flow comes first
  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: !Context slug
    attrs:
      name: !Format ["%s (MFA)", !Context slug]
      designation: authentication

  # then the stage
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: mfa
    identifiers:
      name: default-authentication-mfa-validation
    attrs:
      device_classes: [totp, webauthn, static]
      not_configured_action: skip  # users without a device pass
      last_auth_threshold: 'seconds=0'
      configuration_stages: []
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !KeyOf mfa
      order: 30
# end of file
"""

ALL_TAGS = """\
entries:
- attrs:
    key_of: !KeyOf flow
    find: !Find [authentik_flows.flow, [slug, !Context slug]]
    find_object: !FindObject [authentik_flows.flow, [slug, default-authentication-flow]]
    context: !Context slug
    context_default: !Context [slug, default-authentication-flow]
    format: !Format ["%s-%s", !Context prefix, !Env USER]
    env: !Env AK_NAME
    env_default: !Env [AK_NAME, nobody]
    file: !File /run/secrets/token
    file_default: !File [/run/secrets/token, fallback]
    parse_json: !ParseJSON '{"a": [1, 2]}'
    condition: !Condition [OR, !Context enabled, false]
    if: !If [!Condition [AND, true], a, b]
    if_short: !If [!Context enabled]
    enumerate: !Enumerate [!Context items, SEQ, !Format ["%s: %s", !Index 0, !Value 0]]
    index: !Index 1
    value: !Value 0
    at_index: !AtIndex [!Context items, 0, default]
    at_index_short: !AtIndex [[a, b], 1]
    unknown_scalar: !Unknown tag
    unknown_sequence: !Bogus [a, b]
    unknown_mapping: !Other {a: 1}
  model: authentik_flows.flow
"""

BLOCK_TAGS = """\
entries:
- attrs:
    title: !Format
    - '%s (%s)'
    - !Context name
    - !Env
      - AK_SUFFIX
      - default
    stage: !Find
    - authentik_stages_password.passwordstage
    - - name
      - default-password
    items: !Enumerate
    - !Context items
    - MAP
    - [!Index 0, !Value 0]
  conditions:
  - !If
    - !Condition
      - NAND
      - !Context a
    - true
    - false
  model: x
"""

INLINE_CASES = {
    "hand-written": HAND_WRITTEN,
    "all-tags-flow": ALL_TAGS,
    "all-tags-block": BLOCK_TAGS,
    "tags-indented-dashes": "entries:\n  - attrs:\n      title: !Format\n        - '%s'\n"
    "        - !Context name\n    model: x\n",
    "export-style": "context: {}\nentries:\n- attrs:\n    name: x\n  conditions: []\n"
    "  identifiers:\n    slug: x\n  model: authentik_flows.flow\n  state: present\nversion: 1\n",
    "indent-4": "version: 1\nentries:\n    -   model: x\n        attrs:\n            name: y\n",
    "indent-4-dash-2": "version: 1\nentries:\n    - model: x\n      attrs:\n"
    "          name: y\n          list:\n              - a\n",
    "comments": """\
# file header
# second header line

version: 1  # trailing on version
metadata:
  # inside metadata
  name: x
entries:
  # before the first entry
  - model: a  # after model
    # between keys
    id: one

  # between entries, after a blank line
  - model: b
    attrs:
      k: v
    # last in entry

# at the end of file
""",
    "quotes": """\
a: 'single'
b: "double"
c: plain text here
d: 'it''s'
e: "tab\\there \\"quoted\\""
f: ''
g: ""
h: 'true'
i: "123"
j: '%s-x'
k: "line1\\nline2"
l: https://example.com/path?x=1#frag
m: 'a # not a comment'
n: -leading-dash
""",
    "nulls-and-bools": "a: ~\nb: null\nc:\nd: Null\ne: NULL\nf: [~, null, x]\ng: True\n"
    "h: FALSE\ni: false\nj: true\nk: yes\nl: no\nm: 0\nn: 1.5\no: 0x1F\n",
    "empty-flow": "a: []\nb: {}\nc: [[]]\nd: {x: []}\ne:\n  - []\n  - {}\n",
    "block-scalars": "a: |\n  l1\n\n  l3\nb: >-\n  folded\n  text\nc: |+\n  keep\n\n"
    "d: |-\n  strip\ne: >\n  x\n\n  y\nf: |2\n    indented\ng: x\n",
    "sectioned-entries": """\
version: 1
entries:
  flows:
    - model: authentik_flows.flow
      identifiers:
        slug: x
  stages:
    # comment in a section
    - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
      identifiers:
        name: mfa
""",
    "crlf": "version: 1\r\n# comment\r\nentries:\r\n  - model: x  # t\r\n    attrs:\r\n"
    "      name: !Context name\r\n      text: |\r\n        a\r\n        b\r\n",
    "no-final-newline": "version: 1\nentries:\n- model: x\n  attrs: {}",
    "no-final-newline-comment": "version: 1\nentries: []  # none",
    "document-start": "---\nversion: 1\nentries: []\n",
    "comment-before-start": "# top\n\n---\n# after\nversion: 1\nentries: []\n",
    "directive": "%YAML 1.2\n---\nversion: 1\n",
    "document-end": "---\nversion: 1\nentries: []\n...\n",
    "blank-lines-at-end": "version: 1\n\n\n",
    "long-double-quoted": 'entries:\n- attrs:\n    expression: "return request.context.get('
    '\\"flow_plan\\")'
    " is not None and request.user.is_authenticated\\\n      \\ and request.user.username !="
    ' \\"akadmin\\""\n  model: x\n',
    "long-plain-line": "description: " + "word " * 40 + "end\n",
    "long-flow-line": "entries:\n  - identifiers:\n      stage: !Find ["
    "authentik_stages_authenticator_validate"
    ".authenticatorvalidatestage, [name, default-authentication-mfa-validation]]\n",
    "anchors": "a: &base\n  x: 1\nb: *base\nc:\n  <<: *base\n  y: 2\n",
    "unicode": 'name: "Grüße 😀: x"\nplain: naïve\n',
    "escapes-in-ascii-file": 'name: "caf\\xE9 \\U0001F600"\n',
    "byte-order-mark": "\ufeffversion: 1\n",
    "empty": "",
    "comment-only": "# nothing here\n",
}


def _roundtrip_params() -> list:
    params = [pytest.param(text, id=f"inline:{name}") for name, text in INLINE_CASES.items()]
    for path in sorted(EXPORTS_DIR.iterdir()):
        params.append(pytest.param(read_exact(path), id=f"export:{path.name}"))
    # Globbed at collection time: samples are added while this module exists.
    samples = sorted({*SAMPLES_DIR.rglob("*.yaml"), *SAMPLES_DIR.rglob("*.yml")})
    for path in samples:
        name = path.relative_to(SAMPLES_DIR).as_posix()
        params.append(pytest.param(read_exact(path), id=f"sample:{name}"))
    return params


def _refused_by_design(text: str) -> bool:
    """Not YAML at all (PyYAML cannot compose it either), or has duplicate keys."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return True
    try:
        load_roundtrip(text)
    except RoundTripError as exc:
        return "duplicate key" in exc.message
    return False


@pytest.mark.parametrize("text", _roundtrip_params())
def test_dump_reproduces_input_byte_for_byte(text: str) -> None:
    if _refused_by_design(text):  # e.g. a deliberately broken sample in bad/
        with pytest.raises(RoundTripError):
            load_roundtrip(text)
        return
    assert dump_roundtrip(load_roundtrip(text)) == text
    assert roundtrips_exactly(text)


def test_the_four_authentik_exports_are_present() -> None:
    names = sorted(path.name for path in EXPORTS_DIR.iterdir())
    assert names == [
        "default-authentication-flow.yaml",
        "default-authenticator-totp-setup.yaml",
        "default-source-enrollment.yaml",
        "default-user-settings-flow.yaml",
    ]


def _pyyaml_documents(count: int, seed: int) -> list[str]:
    """Random documents written by PyYAML as authentik writes its exports."""
    rnd = random.Random(seed)
    pieces = ["word", "x" * 25, " ", "  ", "\n", '"', "'", "\\", "\t", ":", "#", "-", "é"]
    pieces.append("\u2028")

    def text() -> str:
        return "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 50)))

    def value(depth: int) -> object:
        roll = rnd.random()
        if depth < 3 and roll < 0.2:
            return {f"key{i}": value(depth + 1) for i in range(rnd.randint(0, 4))}
        if depth < 3 and roll < 0.35:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        if roll < 0.45:
            return rnd.choice([None, True, False, 30, 2.5])
        return text()

    documents = []
    for _ in range(count):
        data = {f"k{i}": value(0) for i in range(4)}
        dumped = yaml.dump(data, allow_unicode=rnd.random() < 0.5)
        if yaml.safe_load(dumped) == data:  # PyYAML folds some strings lossily
            documents.append(dumped)
    return documents


def test_documents_written_by_pyyaml_round_trip() -> None:
    documents = _pyyaml_documents(100, seed=2025)
    assert len(documents) > 60
    failures = [text for text in documents if dump_roundtrip(load_roundtrip(text)) != text]
    assert failures == []


# --- tags --------------------------------------------------------------------

SCALAR_TAGS = [
    ("!KeyOf", "!KeyOf flow", "flow"),
    ("!Context", "!Context slug", "slug"),
    ("!Env", "!Env AK_NAME", "AK_NAME"),
    ("!File", "!File /run/secrets/token", "/run/secrets/token"),
    ("!ParseJSON", "!ParseJSON '{\"a\": 1}'", '{"a": 1}'),
    ("!Index", "!Index 0", "0"),  # scalar tags keep their text, even a number
    ("!Value", "!Value 1", "1"),
]

SEQUENCE_TAGS = [
    ("!Find", "!Find [authentik_flows.flow, [slug, x]]", ["authentik_flows.flow", ["slug", "x"]]),
    (
        "!FindObject",
        "!FindObject [authentik_flows.flow, [slug, x]]",
        ["authentik_flows.flow", ["slug", "x"]],
    ),
    ("!Context", "!Context [slug, fallback]", ["slug", "fallback"]),
    ("!Format", "!Format ['%s-x', name]", ["%s-x", "name"]),
    ("!Env", "!Env [AK_NAME, nobody]", ["AK_NAME", "nobody"]),
    ("!File", "!File [/run/secrets/token, none]", ["/run/secrets/token", "none"]),
    ("!Condition", "!Condition [AND, true, false]", ["AND", True, False]),
    ("!If", "!If [true, a, b]", [True, "a", "b"]),
    ("!Enumerate", "!Enumerate [[a, b], SEQ, x]", [["a", "b"], "SEQ", "x"]),
    ("!AtIndex", "!AtIndex [[a, b], 1, none]", [["a", "b"], 1, "none"]),
]


def test_the_tag_lists_cover_all_fourteen_tags() -> None:
    names = {tag for tag, _, _ in SCALAR_TAGS + SEQUENCE_TAGS}
    assert len(names) == 14


@pytest.mark.parametrize(("tag", "source", "value"), SCALAR_TAGS, ids=[source for _, source, _ in SCALAR_TAGS])
def test_scalar_tag_exposes_name_and_text(tag: str, source: str, value: str) -> None:
    loaded = load_roundtrip(f"value: {source}\n").data["value"]
    assert tag_of(loaded) == tag
    assert loaded.value == value


@pytest.mark.parametrize(("tag", "source", "items"), SEQUENCE_TAGS, ids=[source for _, source, _ in SEQUENCE_TAGS])
def test_sequence_tag_exposes_name_and_items(tag: str, source: str, items: list) -> None:
    loaded = load_roundtrip(f"value: {source}\n").data["value"]
    assert tag_of(loaded) == tag
    assert loaded == items
    assert roundtrips_exactly(f"value: {source}\n")


def test_nested_tags_are_exposed_at_every_level() -> None:
    data = load_roundtrip(ALL_TAGS).data["entries"][0]["attrs"]
    if_tag = data["if"]
    assert tag_of(if_tag) == "!If"
    assert tag_of(if_tag[0]) == "!Condition"
    assert list(if_tag[0]) == ["AND", True]
    assert list(if_tag[1:]) == ["a", "b"]
    find = data["find"]
    assert tag_of(find[1][1]) == "!Context" and find[1][1].value == "slug"
    enumerate_body = data["enumerate"][2]
    assert tag_of(enumerate_body) == "!Format"
    assert [tag_of(item) for item in enumerate_body[1:]] == ["!Index", "!Value"]


def test_unknown_tags_load_and_are_exposed() -> None:
    data = load_roundtrip(ALL_TAGS).data["entries"][0]["attrs"]
    assert tag_of(data["unknown_scalar"]) == "!Unknown"
    assert tag_of(data["unknown_sequence"]) == "!Bogus"
    assert tag_of(data["unknown_mapping"]) == "!Other" and data["unknown_mapping"]["a"] == 1


def test_untagged_values_have_no_tag() -> None:
    data = load_roundtrip("a: text\nb: [1]\nc: {d: 1}\ne: 3\n").data
    assert [tag_of(data[key]) for key in "abce"] == [None, None, None, None]
    assert tag_of(data) is None


# --- edits -------------------------------------------------------------------


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=False) if a != b]


def test_changing_one_scalar_changes_only_its_line() -> None:
    doc = load_roundtrip(HAND_WRITTEN)
    doc.data["entries"][1]["attrs"]["not_configured_action"] = "deny"
    assert _changed_lines(HAND_WRITTEN, dump_roundtrip(doc)) == [
        (
            "      not_configured_action: skip  # users without a device pass\n",
            "      not_configured_action: deny  # users without a device pass\n",
        )
    ]


def test_changing_a_tag_value_changes_only_its_line() -> None:
    doc = load_roundtrip(HAND_WRITTEN)
    doc.data["entries"][2]["identifiers"]["stage"].value = "other"
    assert _changed_lines(HAND_WRITTEN, dump_roundtrip(doc)) == [
        ("      stage: !KeyOf mfa\n", "      stage: !KeyOf other\n")
    ]


def test_editing_an_export_matches_what_pyyaml_would_write() -> None:
    path = EXPORTS_DIR / "default-authentication-flow.yaml"
    text = read_exact(path)
    doc, plain = load_roundtrip(text), yaml.safe_load(text)
    # Indented code, as expressions are: PyYAML double-quotes it, and ruamel
    # keeps the double quotes of the value it replaces.
    checks = " and ".join(f'request.context.get("key_{i}") is not None' for i in range(6))
    guard = 'plan = request.context.get("flow_plan")\nif not plan:\n    return True\n'
    expression = f"{guard}return {checks}"
    for data in (doc.data, plain):
        data["entries"][1]["attrs"]["expression"] = expression
        data["entries"][0]["attrs"]["title"] = "Welcome back!"
    assert dump_roundtrip(doc) == yaml.dump(plain)


def test_a_string_assigned_over_a_quoted_one_keeps_its_quotes() -> None:
    # ruamel's CommentedMap gives the new str the old value's quoting style.
    doc = load_roundtrip("a: 'seconds=0'\nb: \"x\"\nc: plain\n")
    doc.data["a"], doc.data["b"], doc.data["c"] = "hours=1", "y", "other"
    assert dump_roundtrip(doc) == "a: 'hours=1'\nb: \"y\"\nc: other\n"


def test_a_new_entry_follows_the_file_indentation() -> None:
    text = "entries:\n  - model: a\n    attrs:\n      name: x\n"
    doc = load_roundtrip(text)
    doc.data["entries"].append({"model": "b", "attrs": {"name": "y", "list": ["z"]}})
    expected = text + "  - model: b\n    attrs:\n      name: y\n      list:\n        - z\n"
    assert dump_roundtrip(doc) == expected


def test_null_and_bool_spellings_are_kept_only_while_unchanged() -> None:
    text = "a: ~\nb: Null\nc: True\nd: FALSE\n"
    doc = load_roundtrip(text)
    doc.data["a"] = "set"
    doc.data["c"] = False
    assert dump_roundtrip(doc) == "a: set\nb: Null\nc: false\nd: FALSE\n"


def test_an_edited_crlf_file_keeps_crlf() -> None:
    text = INLINE_CASES["crlf"]
    doc = load_roundtrip(text)
    doc.data["version"] = 2
    assert dump_roundtrip(doc) == text.replace("version: 1", "version: 2")


# --- layout ------------------------------------------------------------------


def test_layout_of_an_export() -> None:
    layout = load_roundtrip(read_exact(EXPORTS_DIR / "default-authentication-flow.yaml")).layout
    assert (layout.mapping_indent, layout.sequence_indent, layout.sequence_offset) == (2, 2, 0)
    assert layout.width == PYYAML_WIDTH  # its expressions are folded
    assert not layout.allow_unicode  # ASCII only, as PyYAML writes by default


def test_layout_of_a_hand_written_file() -> None:
    layout = load_roundtrip(HAND_WRITTEN).layout
    assert (layout.mapping_indent, layout.sequence_indent, layout.sequence_offset) == (2, 4, 2)
    assert layout.width == UNFOLDED_WIDTH
    assert (layout.line_break, layout.final_newline, layout.explicit_start) == ("\n", True, False)


@pytest.mark.parametrize(
    "text",
    [
        "a: [ 1, 2 ]\n",  # spacing inside a flow collection
        "a: [1, # dropped\n  2]\n",  # comment inside a flow collection
        "a:   1\n",  # spaces after the colon
        "a: 1 \n",  # trailing whitespace
        "a:\n  b:\n      c: 1\n  d: 2\n",  # indentation that varies
        "a:\n  - - x\n    - y\n",  # nested block sequence with indented dashes
        "a: 'hand\n  wrapped'\n",  # a flow scalar folded by hand
        "a: 1\r\nb: 2\n",  # mixed line endings
        "a: +1\n",  # a spelling ruamel normalises
        "a: [\n",  # not YAML at all
    ],
)
def test_constructs_that_do_not_round_trip_are_reported(text: str) -> None:
    assert not roundtrips_exactly(text)


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("version: 1\nentries:\n  - model: x\n   attrs: {}\n", 4, 4, "expected <block end>"),
        ("a: 1\nb:\n\t- x\n", 3, 1, "cannot start any token"),
        ("a: 1\na: 2\n", 2, 1, "duplicate key"),
        ('a: "x\x01"\n', 1, 6, "special characters"),
        ("a: 1\n---\nb: 2\n", 2, 1, "single document"),
        ("a: *missing\n", 1, 4, "undefined alias"),
    ],
)
def test_syntax_errors_carry_one_based_positions(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(RoundTripError) as caught:
        load_roundtrip(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert words in error.message
    assert str(error) == f"{line}:{column}: {error.message}"


def test_error_positions_are_the_same_in_a_crlf_file() -> None:
    text = "a: 1\nb:\n  c: d: e\n"
    positions = []
    for variant in (text, text.replace("\n", "\r\n")):
        with pytest.raises(RoundTripError) as caught:
            load_roundtrip(variant)
        positions.append((caught.value.line, caught.value.column))
    assert positions == [(3, 7), (3, 7)]
