"""Fuzz: random shapes of authentik's 14 tags, through lint, fix, migrate and payload.

Whatever the shape (scalar, sequence or mapping; any number of items; tags nested in tags),
every command ends with exit status 0, 1 or 2 and never with a traceback. The shapes land
where blueprints put tags: an attr, an identifier, `conditions`, a context value read with
`!Context`, a binding's target.

CI (CI=true) runs a fixed set of examples, so a green run stays green; elsewhere every run
explores new ones. AVLINT_FUZZ_EXAMPLES=5000 runs a longer search (see tests/README.md).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avlint.cli import cli
from avlint.resources import load_data

TAGS = sorted(load_data("tags.yaml"))
TAG_EXAMPLES = 8  # per tag in CI: 14 tags, 5 commands each (quoted in tests/README.md)
EXAMPLES = int(os.environ.get("AVLINT_FUZZ_EXAMPLES", str(TAG_EXAMPLES)))
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Scalars that mean something to some tag: depths, modes, format strings, JSON, names.
SCALARS = st.sampled_from(
    [
        "0",
        "1",
        "-1",
        "2",
        "99999999999999999999",
        "1.5",
        "x",
        "SEQ",
        "MAP",
        "seq",
        "AND",
        "nor",
        "XNOR",
        "LIST",
        "true",
        "false",
        "null",
        "''",
        "'%s'",
        "'%s-%s'",
        "'%d'",
        "'%(x)s'",
        "'%'",
        "'[1, 2]'",
        "'{\"a\": [1]}'",
        "'[[[['",
        "'not json'",
        "mfa",
        "c",
        "totp",
        "authentik_flows.flow",
        "[slug, login]",
        "'a, b'",
        "'\\ud800'",
    ]
)


def _sequence(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _mapping(pairs: dict[str, str]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in pairs.items()) + "}"


VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(_sequence),
        st.dictionaries(st.sampled_from(["a", "b", "k", "slug"]), children, max_size=3).map(_mapping),
        st.tuples(st.sampled_from(TAGS), children).map(" ".join),
        st.sampled_from(TAGS),  # a tag on an empty node
    ),
    max_leaves=12,
)

SLOTS = ("attr", "identifier", "condition", "context", "target")


def tagged(tag: str) -> st.SearchStrategy[str]:
    """A node carrying `tag`, with random kind, arity and nested values."""
    return st.one_of(
        st.just(tag),
        st.tuples(st.just(tag), SCALARS).map(" ".join),
        st.tuples(st.just(tag), st.lists(VALUES, max_size=5).map(_sequence)).map(" ".join),
        st.tuples(st.just(tag), st.dictionaries(st.sampled_from(["a", "b"]), VALUES, max_size=2).map(_mapping)).map(
            " ".join
        ),
    )


def blueprint(value: str, slot: str) -> str:
    def at(name: str, default: str) -> str:
        return value if slot == name else default

    return f"""\
version: 1
context:
  c: {at("context", "hours=1")}
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    id: mfa
    identifiers:
      name: {at("identifier", "mfa")}
    conditions: [{at("condition", "true")}]
    attrs:
      not_configured_action: deny
      last_auth_threshold: {at("attr", "!Context c")}
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: {at("target", "!Find [authentik_flows.flow, [slug, login]]")}
      stage: !KeyOf mfa
      order: 10
"""


def check(result: Result, command: str, text: str) -> None:
    where = f"{command} on:\n{text}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{where}\n{result.exception!r}\n{result.output}"
    )
    assert result.exit_code in (0, 1, 2), f"{where}\nexit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, f"{where}\n{result.output}"


def run_everything(text: str) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        for command in (
            ["lint", "--isolated", str(path)],
            ["payload", "--isolated", "--all-models", "--allow-unresolved", "--context", "c=1", str(path)],
            ["migrate", "--isolated", "--to", "2026.5", "--diff", str(path)],
            ["migrate", "--isolated", "--to", "2026.5", "--from", "2021.10", str(path)],
            ["fix", "--isolated", str(path)],
        ):
            check(runner.invoke(cli, command, env={"AK_VAR": "value"}), " ".join(command[:1]), text)


@pytest.mark.parametrize("tag", TAGS)
@FUZZ
@given(data=st.data())
def test_random_tag_shapes_never_crash_a_command(tag: str, data: st.DataObject) -> None:
    value = data.draw(tagged(tag), label="value")
    slot = data.draw(st.sampled_from(SLOTS), label="slot")
    run_everything(blueprint(value, slot))


def test_every_tag_is_fuzzed() -> None:
    assert len(TAGS) == 14, TAGS


@pytest.mark.parametrize(
    "value",
    [
        "!Enumerate x",
        "!AtIndex [1]",
        "!Condition []",
        "!Format []",
        "!Index x",
        "!Value [a, b]",
        "!Env {a: b}",
        "!Context {a: b}",
        "!If [a, b]",
        "!Enumerate [5, SEQ, !Value 0]",
        "!Enumerate [[a], MAP, [[x], 1]]",
        "!Enumerate [[a], LIST, x]",
        "!Condition [[a], true]",
        "!Format ['%s', !Format []]",
        "!ParseJSON ''",
        "!AtIndex [x, [k]]",
        "!Context [[a], b]",
    ],
)
@pytest.mark.parametrize("slot", SLOTS)
def test_shapes_that_crashed_before(value: str, slot: str) -> None:
    """Shapes from the bug report (and their relatives), in every place a tag can be."""
    run_everything(blueprint(value, slot))
