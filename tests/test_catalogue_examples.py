"""Every example in the rule catalogue (`avlint explain`, docs/rules.md) does what it claims:
the `bad:` example triggers its rule and the `good:` example lints clean.

An example that starts with `# with --target-version X` is linted for that release, one that
starts with `# saved as PATH` is linted as that file (AV123, AV124); a rule's `bad_encoding`
names the encoding its bad example is saved in (AV004)."""

from __future__ import annotations

import re

import pytest

from avlint.catalogue import Rule, all_rules
from avlint.engine import lint_bytes
from avlint.settings import Settings
from avlint.versions import resolve_release

TARGET = re.compile(r"\A# with --target-version (\S+)\n")
SAVED_AS = re.compile(r"\A# saved as (\S+)\n")
RULES = all_rules()


def _lint(rule: Rule, text: str, encoding: str = "utf-8") -> list[tuple[str, int, int, str]]:
    target = TARGET.match(text)
    settings = Settings(release=resolve_release(target.group(1) if target else None))
    saved_as = SAVED_AS.match(text)
    path = saved_as.group(1) if saved_as else f"{rule.code}-example.yaml"
    findings = lint_bytes(path, text.encode(encoding), settings).findings
    return [(f.rule, f.line, f.column, f.message) for f in findings]


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_the_bad_example_triggers_its_rule(rule: Rule) -> None:
    found = _lint(rule, rule.bad, rule.bad_encoding or "utf-8")
    assert rule.code in {code for code, *_ in found}, found


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_the_good_example_lints_clean(rule: Rule) -> None:
    assert _lint(rule, rule.good) == []
