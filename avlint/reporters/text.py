"""`path:line:col: severity [ID name] message` lines and a one-line summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from avlint.engine import RunResult
from avlint.reporters.summary import plural, summary

if TYPE_CHECKING:
    from avlint.findings import Finding

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


class TextReporter:
    def __init__(self, colour: bool = False) -> None:
        self.colour = colour

    def _paint(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.colour else text

    def render(self, result: RunResult, stream: TextIO) -> None:
        for finding in result.findings:
            stream.write(self.finding_line(finding) + "\n")
        stream.write(self.summary_line(result) + "\n")

    def finding_line(self, finding: Finding) -> str:
        """`path:line:col: severity [ID name] message` (also how `fix` lists what remains)."""
        location = self._paint(f"{finding.path}:{finding.line}:{finding.column}:", "bold")
        severity = self._paint(finding.severity, finding.severity)
        rule = self._paint(f"[{finding.rule} {finding.name}]", "dim")
        return f"{location} {severity} {rule} {finding.message}"

    def summary_line(self, result: RunResult) -> str:
        counts = summary(result)
        extras = []
        if counts["skipped"]:
            extras.append(f"{counts['skipped']} skipped as not blueprints")
        values = sum(file.skipped_values for file in result.files)
        if values:  # ConfigMap and Secret values that hold no blueprint
            extras.append(f"{plural(values, 'ConfigMap/Secret value')} skipped as not blueprints")
        if counts["unreadable"]:
            extras.append(f"{counts['unreadable']} unreadable")
        if counts["suppressed"]:
            extras.append(f"{plural(counts['suppressed'], 'finding')} suppressed")
        if counts["baselined"]:
            extras.append(f"{counts['baselined']} baselined")
        if counts["baseline_gone"]:
            extras.append(f"{plural(counts['baseline_gone'], 'baselined finding')} gone")
        tail = f" ({', '.join(extras)})" if extras else ""
        checked = plural(counts["linted"], "file")
        if not counts["errors"] and not counts["warnings"]:
            return f"No problems in {checked}{tail}."
        found = f"{plural(counts['errors'], 'error')} and {plural(counts['warnings'], 'warning')}"
        return f"Found {found} in {plural(counts['files_with_findings'], 'file')} of {checked}{tail}."


def create(colour: bool = False, **_: object) -> TextReporter:
    return TextReporter(colour=colour)
