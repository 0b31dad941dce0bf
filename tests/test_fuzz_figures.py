"""The fuzzing figures quoted in tests/README.md and the README's Reliability section are the
ones the test modules run (issue 12, "Figures to keep")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests import (
    test_bad_input_matrix,
    test_export_mutations,
    test_fix_kill,
    test_hostile_server,
    test_property,
    test_tag_fuzz,
)
from tests.conftest import ROOT


def _flat(path: str) -> str:
    return " ".join((ROOT / path).read_text(encoding="utf-8").split())


def _cases(test: Callable[..., Any]) -> int:
    count = 1
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            count *= len(mark.args[1])
    return count


KINDS, COMMANDS = len(test_bad_input_matrix.KINDS), len(test_bad_input_matrix.COMMANDS)
TAGS = len(test_tag_fuzz.TAGS)
HOSTILE = len(test_hostile_server.HOSTILE)
HOSTILE_RUNS = HOSTILE * len(test_hostile_server.COMMANDS) + HOSTILE - 1
KILLS = sum(_cases(test) for name, test in vars(test_fix_kill).items() if name.startswith("test_") and callable(test))
PROPERTY = sum(test_property.CI_COUNTS)


def test_the_tests_readme_table_matches_the_modules() -> None:
    text = _flat("tests/README.md")
    assert f"| {KINDS} kinds x {COMMANDS} commands = {KINDS * COMMANDS} runs |" in text
    assert (
        f"| {test_tag_fuzz.TAG_EXAMPLES} shapes per tag x {TAGS} tags = {test_tag_fuzz.TAG_EXAMPLES * TAGS} blueprints,"
        in text
    )
    runs = test_export_mutations.COMMAND_RUNS
    assert f"| {test_export_mutations.MUTATION_EXAMPLES} mutants, {runs} command runs each |" in text
    assert f"| {PROPERTY} examples |" in text
    assert f"| {HOSTILE} behaviours, {HOSTILE_RUNS} runs |" in text
    assert f"| {KILLS} runs of `fix` over {test_fix_kill.FILES} files |" in text


def test_the_readme_quotes_the_same_figures() -> None:
    text = _flat("README.md")
    assert f"{KINDS} kinds of bad file x {COMMANDS} commands" in text
    assert f"{test_tag_fuzz.TAG_EXAMPLES} random shapes of each of the {TAGS} tags" in text
    assert f"{test_export_mutations.MUTATION_EXAMPLES} mutations of real exports" in text
    assert f"{PROPERTY} random inputs through lint" in text
    assert f"{HOSTILE} hostile-server behaviours in {HOSTILE_RUNS} runs" in text
    assert f"{KILLS} kill tests of `fix`" in text


def test_the_figures_are_what_they_claim() -> None:
    # the counts above are derived, not typed: check a few against what pytest would run
    assert (KINDS, COMMANDS, TAGS, HOSTILE, KILLS) == (13, 6, 14, 13, 7)
    assert PROPERTY == 250 + 250 + 150 + 400 + 300 + 200 + 150 + 150
