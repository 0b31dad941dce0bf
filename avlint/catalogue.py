"""The rule catalogue (rules/catalogue.yaml): ids, names, default severities and documentation."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from avlint.findings import EFFECTS, SEVERITIES
from avlint.resources import load_data


class Rule(NamedTuple):
    code: str
    name: str
    severity: str
    effect: str
    fix: str | None  # "safe", "unsafe" or None
    summary: str
    description: str
    bad: str
    good: str
    aliases: tuple[str, ...] = ()
    bad_encoding: str | None = None  # the encoding the bad example is saved in, when not UTF-8

    @property
    def fixable(self) -> bool:
        return self.fix is not None


class UnknownRuleError(KeyError):
    def __init__(self, key: str, suggestion: str | None) -> None:
        super().__init__(key)
        self.key = key
        self.suggestion = suggestion

    def __str__(self) -> str:
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        return f"unknown rule '{self.key}'{hint}"


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for raw in load_data("catalogue.yaml")["rules"]:
        rule = Rule(
            code=raw["code"],
            name=raw["name"],
            severity=raw["severity"],
            effect=raw["effect"],
            fix=raw.get("fix"),
            summary=raw["summary"],
            description=raw["description"],
            bad=raw["bad"],
            good=raw["good"],
            aliases=tuple(raw.get("aliases", ())),
            bad_encoding=raw.get("bad_encoding"),
        )
        assert rule.severity in SEVERITIES and rule.effect in EFFECTS and rule.fix in (None, "safe", "unsafe"), (
            rule.code
        )
        rules.append(rule)
    return tuple(rules)


@lru_cache(maxsize=1)
def _index() -> dict[str, Rule]:
    index: dict[str, Rule] = {}
    for rule in all_rules():
        for key in (rule.code, rule.name, *rule.aliases):
            index[key.lower()] = rule
    return index


def _canonical(key: str) -> str:
    """The spelling a user should type for an index key: the code, or the name."""
    rule = _index()[key]
    return rule.code if key == rule.code.lower() else rule.name


def by_code(code: str) -> Rule:
    return _index()[code.lower()]


def lookup(key: str) -> Rule:
    """A rule by code, name or alias (case-insensitive); UnknownRuleError with a suggestion."""
    rule = _index().get(key.strip().lower())
    if rule is None:
        from avlint.suggest import closest

        match = closest(key.lower(), _index().keys())
        raise UnknownRuleError(key, _canonical(match) if match else None)
    return rule
