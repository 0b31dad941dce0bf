"""SARIF 2.1.0, as GitHub code scanning takes it (github/codeql-action/upload-sarif).

The whole rule catalogue goes into `tool.driver.rules`, so every result's `ruleIndex` points
at its rule's help. Artifact URIs are relative, as code scanning wants them: run avlint from
the repository root. `partialFingerprints` come from the content fingerprints
(avlint.fingerprint), so an alert keeps its identity when unrelated lines move.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import quote

from avlint import __version__
from avlint.catalogue import Rule, all_rules
from avlint.engine import RunResult
from avlint.findings import Finding
from avlint.reporters.paths import relative_path
from avlint.reporters.summary import summary

# SARIF's result levels: an info finding is a note.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "avlint/v1"


@dataclass
class SarifReporter:
    rules: Sequence[Rule] | None = None  # None: the whole catalogue (tests pass a fixed list)
    version: str = __version__

    def render(self, result: RunResult, stream: TextIO) -> None:
        json.dump(self.document(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")

    def document(self, result: RunResult) -> dict[str, Any]:
        rules = list(self.rules if self.rules is not None else all_rules())
        index = {rule.code: number for number, rule in enumerate(rules)}
        driver = {
            "name": "avlint",
            "version": self.version,
            "semanticVersion": self.version,
            "rules": [rule_descriptor(rule) for rule in rules],
        }
        run = {
            "tool": {"driver": driver},
            "invocations": [invocation(result)],
            "columnKind": "unicodeCodePoints",
            "results": results(result.findings, index),
            "properties": {"summary": summary(result)},
        }
        return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description.strip()},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["authentik", "blueprint", rule.effect], "effect": rule.effect},
    }


def _help_text(rule: Rule) -> str:
    def indent(text: str) -> str:
        return "".join(f"    {line}\n" for line in text.rstrip("\n").splitlines())

    return f"{rule.description.strip()}\n\nProblematic:\n{indent(rule.bad)}\nCorrect:\n{indent(rule.good)}"


def _help_markdown(rule: Rule) -> str:
    return f"{rule.description.strip()}\n\nProblematic:\n\n```yaml\n{rule.bad.rstrip()}\n```\n\nCorrect:\n\n```yaml\n{rule.good.rstrip()}\n```"


def results(findings: list[Finding], index: dict[str, int]) -> list[dict[str, Any]]:
    seen: Counter[tuple[str, str]] = Counter()
    rendered = []
    for finding in findings:
        seen[(finding.path, finding.fingerprint)] += 1  # identical findings in one file: number them
        item: dict[str, Any] = {"ruleId": finding.rule}
        if finding.rule in index:
            item["ruleIndex"] = index[finding.rule]
        item |= {
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(finding.path)},
                        "region": region(finding),
                    }
                }
            ],
            "partialFingerprints": {
                FINGERPRINT_KEY: f"{finding.fingerprint}:{seen[(finding.path, finding.fingerprint)]}"
            },
            "properties": {"effect": finding.effect, "fixable": finding.fixable},
        }
        rendered.append(item)
    return rendered


def region(finding: Finding) -> dict[str, int]:
    end = max((finding.end_line, finding.end_column), (finding.line, finding.column))
    return {"startLine": finding.line, "startColumn": finding.column, "endLine": end[0], "endColumn": end[1]}


def invocation(result: RunResult) -> dict[str, Any]:
    notifications = [
        {
            "level": "error",
            "message": {"text": f"cannot read {error.path}: {error.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(error.path)}}}],
        }
        for error in result.path_errors
    ]
    return {"executionSuccessful": not result.path_errors, "toolExecutionNotifications": notifications}


def artifact_uri(path: str) -> str:
    """A relative URI reference, percent-encoded; a path outside the working folder becomes a file: URI."""
    location = relative_path(path)
    return location.as_uri() if location.is_absolute() else quote(location.as_posix(), safe="/")


def create(**_: object) -> SarifReporter:
    return SarifReporter()
