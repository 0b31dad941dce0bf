"""Every example in the rule catalogue (`avlint explain`, docs/rules.md) does what it claims:
the `bad:` example triggers its rule and the `good:` example lints clean.

An example that starts with `# with --target-version X` is linted for that release, one that
starts with `# saved as PATH` is linted as that file (AV123, AV124); a rule's `bad_encoding`
names the encoding its bad example is saved in (AV004). The rules only a server can decide
(AV801-AV807, avlint.live.lint_context) are linted with the saved listings of tests/data/listings,
as `avlint lint --live-file` does."""

from __future__ import annotations

import re

import pytest

from avlint.catalogue import Rule, all_rules
from avlint.engine import lint_bytes
from avlint.settings import Settings
from avlint.versions import resolve_release
from tests.conftest import DATA

TARGET = re.compile(r"\A# with --target-version (\S+)\n")
SAVED_AS = re.compile(r"\A# saved as (\S+)\n")
RULES = all_rules()


def _lint(rule: Rule, text: str, encoding: str = "utf-8") -> list[tuple[str, int, int, str]]:
    target = TARGET.match(text)
    settings = Settings(release=resolve_release(target.group(1) if target else None))
    saved_as = SAVED_AS.match(text)
    path = saved_as.group(1) if saved_as else f"{rule.code}-example.yaml"
    result = lint_bytes(path, text.encode(encoding), settings)
    if rule.code in SERVER_RULES:
        from avlint.live.lint_context import add_live_findings, document_of
        from avlint.live.listing import load_listing_files

        listing = load_listing_files([str(LISTINGS / "stages-all.json"), str(LISTINGS / "flows.json")])
        document = document_of(result.path, text)
        assert document is not None
        add_live_findings(result, text, document, settings, listing)
    return [(f.rule, f.line, f.column, f.message) for f in result.findings]


LISTINGS = DATA / "listings"
SERVER_RULES = {f"AV80{n}" for n in range(1, 8)}


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_the_bad_example_triggers_its_rule(rule: Rule) -> None:
    found = _lint(rule, rule.bad, rule.bad_encoding or "utf-8")
    assert rule.code in {code for code, *_ in found}, found


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_the_good_example_lints_clean(rule: Rule) -> None:
    assert _lint(rule, rule.good) == []
