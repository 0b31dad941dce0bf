"""GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding.

Escaping follows the runner's own (actions/toolkit, core/src/command.ts): `%`, CR and LF in
the message; those and also `:` and `,` in property values.
"""

from __future__ import annotations

from typing import TextIO

from avlint.engine import RunResult
from avlint.findings import Finding
from avlint.reporters.text import TextReporter

# The runner's annotation levels: an info finding is a notice.
_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


class GithubReporter:
    def render(self, result: RunResult, stream: TextIO) -> None:
        stream.writelines(
            command("error", {"file": error.path, "title": "avlint: unreadable path"}, error.reason)
            for error in result.path_errors
        )
        stream.writelines(
            command(_COMMANDS[finding.severity], properties(finding), finding.message) for finding in result.findings
        )
        stream.write(TextReporter().summary_line(result) + "\n")


def properties(finding: Finding) -> dict[str, object]:
    return {
        "file": finding.path,
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": f"{finding.rule} {finding.name}",
    }


def command(name: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {rendered}::{escape_data(message)}\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def create(**_: object) -> GithubReporter:
    return GithubReporter()
