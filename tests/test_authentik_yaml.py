"""avlint's YAML verdict agrees with authentik's loader (PyYAML's pure-Python SafeLoader with
authentik's 14 tags), though avlint composes with libyaml: both accept or both reject.

CI runs a fixed set of examples (derandomized); set AVLINT_PROPERTY_EXAMPLES for a longer search.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avlint.engine import lint_text
from avlint.settings import Settings
from tests.conftest import SAMPLES, lint_source
from tests.fake_authentik.blueprints import TAGS

AUTHENTIK_TAGS = list(TAGS)  # the 14 tags authentik's loader registers, as the fake's importer knows them
REJECTING_RULES = {"AV001", "AV003", "AV006"}  # syntax, unknown tag, limits: the file does not load

COMMON = settings(
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    max_examples=int(os.environ.get("AVLINT_PROPERTY_EXAMPLES", "300")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class AuthentikLoader(yaml.SafeLoader):
    """What authentik's BlueprintLoader is, for the YAML: a pure-Python SafeLoader plus its 14 tags."""


def _tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


for _name in AUTHENTIK_TAGS:
    AuthentikLoader.add_constructor(_name, _tag)


def authentik_accepts(text: str) -> bool:
    try:
        yaml.load(text, Loader=AuthentikLoader)
    except Exception:  # whatever the loader raises, authentik fails to load the file
        return False
    return True


def avlint_accepts(text: str) -> bool:
    findings = lint_text("blueprint.yaml", text, Settings()).findings
    return not any(finding.rule in REJECTING_RULES for finding in findings)


# --- the constructs where libyaml and the pure-Python loader disagree, one by one -----------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("name: a\tb\n", 1, 8, "'\\t'"),
        ("name: x\t# a comment\n", 1, 8, "'\\t'"),
        ("attrs:\t[1]\n", 1, 7, "'\\t'"),
        ("a: {b: 1,\tc: 2}\n", 1, 10, "'\\t'"),
        ("<<: 5\n", 1, 5, "merging"),
        ("a: &x [1]\n<<: *x\n", 1, 8, "merging"),  # where the aliased value is, as authentik says
        ("[a, b]: c\n", 1, 1, "unhashable"),
        ("? {a: 1}\n: c\n", 1, 3, "unhashable"),
        ("when: 2025-02-30\n", 1, 7, "day is out of range"),
        ("n: !!int x\n", 1, 4, "int()"),
        ("n: !!int ''\n", 1, 4, "cannot be constructed"),
        ("b: !!binary x\n", 1, 4, "base64"),
        ("n: 0x_\n", 1, 4, "base 16"),
    ],
)
def test_what_authentik_rejects_is_reported_where_it_is(text: str, line: int, column: int, words: str) -> None:
    assert not authentik_accepts(text)  # the premise: authentik's loader fails on it...
    yaml.compose(text, Loader=yaml.CSafeLoader)  # ...and libyaml composes it
    findings = [f for f in lint_source(text) if f.rule in REJECTING_RULES]
    assert [(f.rule, f.line, f.column) for f in findings] == [("AV001", line, column)]
    assert words in findings[0].message and "authentik cannot load this file" in findings[0].message
    assert findings[0].effect == "rejected"


@pytest.mark.parametrize(
    "text",
    [
        "a: 'b\tc'\n",  # a tab inside quotes is text
        'a: "b\tc"\n',
        "a: b # c\td\n",  # and inside a comment
        "<<: {a: 1}\nb: 2\n",  # a good merge
        "base: &b {a: 1}\nm:\n  <<: [*b]\n",
        "when: 2025-02-28\n",
        "n: !!int 5\n",
        "- [a, b]\n- {c: 1}\n",
        "a: [b, [c, d]]\n",
        "key: !KeyOf other\n",
    ],
)
def test_what_authentik_accepts_is_not_reported(text: str) -> None:
    assert authentik_accepts(text)
    assert [f for f in lint_source(text) if f.rule in REJECTING_RULES] == []


def test_the_samples_do_not_need_the_slow_loader() -> None:
    """The common path stays on libyaml: no sample blueprint has any of the suspect constructs."""
    from avlint.loader.authentik_yaml import suspect

    # Not the real exports among the good samples (export-*): authentik writes them, avlint only reads them.
    suspects = [
        p.name
        for p in SAMPLES.rglob("*.yaml")
        if not p.name.startswith("export-") and suspect(p.read_text(encoding="utf-8"))
    ]
    assert len(suspects) <= 2, suspects


@pytest.mark.parametrize(
    "text",
    [
        "id: dbf33bae-8756-4d24-83aa-7d35e8fc9a01\n",  # a UUID's `8756-4d24` is no date
        "metadata:\n  name: authentik Export - 2026-07-22 02:48:01\n",  # a date inside text
        'expression: "flow_plan = request.context"\n',  # an `=` inside text
        "expression: |\n  a = 1\n  return a == 1\n",
        "a: x - =\n",
    ],
)
def test_what_every_export_holds_stays_on_the_fast_path(text: str) -> None:
    """Exports are full of UUIDs, export dates and expressions: none may cost the slow loader."""
    from avlint.loader.authentik_yaml import suspect

    assert not suspect(text)


@pytest.mark.parametrize(
    "text",
    ["a: =\n", "- - =\n", "a: &x =\n", "a: &x 2025-02-30\n", "  - 2025-2-3\n", "2025-02-30: x\n", "a: [=, b]\n"],
)
def test_a_scalar_that_may_not_construct_is_suspect(text: str) -> None:
    from avlint.loader.authentik_yaml import suspect

    assert suspect(text)


# --- generated YAML: the same verdict ------------------------------------------------------------

KEYS = ["a", "name", "<<", "[a]", "{a: 1}", "? a", "*x", "&x k", "'q'", "2025-01-01", "1"]
VALUES = [
    "b",
    "a\tb",
    "[a, b]",
    "[a,\tb]",
    "{a: 1}",
    "{a: 1,\tb: 2}",
    "2025-02-30",
    "2025-02-28",
    "!!int x",
    "!!int 5",
    "!!str 5",
    "!!binary aGk=",
    "!!binary x",
    "0b_",
    "0x1F",
    "*x",
    "&x v",
    "&x [1]",
    "&x {c: 1}",
    "'q\tq'",
    '"d\te"',
    "!KeyOf k",
    "!Env [A, b]",
    "",
    "-",
    "|\n  text",
]
SEPARATORS = [": ", ":\t", ":  ", ": \t", ":"]
TRAILERS = ["", " ", "\t", " # c", "\t# c", " #\tc"]
INDENTS = ["", "  ", "    ", "- ", "  - ", "\t"]


@st.composite
def yaml_lines(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.tuples(
                st.sampled_from(INDENTS),
                st.sampled_from(KEYS),
                st.sampled_from(SEPARATORS),
                st.sampled_from(VALUES),
                st.sampled_from(TRAILERS),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return "".join(f"{indent}{key}{sep}{value}{trailer}\n" for indent, key, sep, value, trailer in lines)


TOKENS = [
    "a",
    "b",
    ": ",
    ":",
    "\t",
    " ",
    "\n",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ",",
    "<<",
    "*x",
    "&x ",
    "? ",
    "!!int ",
    "!!str ",
    "2025-02-30",
    "'",
    '"',
    "#",
    "0x_",
    "!KeyOf ",
    "|",
    ">",
    "---\n",
]


@COMMON
@given(st.one_of(yaml_lines(), st.lists(st.sampled_from(TOKENS), max_size=16).map("".join)))
def test_avlint_and_authentik_agree_on_every_generated_yaml(text: str) -> None:
    assert avlint_accepts(text) == authentik_accepts(text), repr(text)
