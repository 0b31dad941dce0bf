"""Content fingerprints: which finding is which, across runs, without line numbers.

A fingerprint hashes the rule, the YAML path and the offending node's text (whitespace
collapsed), so an edit elsewhere in the file that shifts lines leaves it unchanged, while an
edit to the node itself changes it. Baselines, SARIF `partialFingerprints` and GitLab's
`fingerprint` are built on it. Messages stay out: some name other lines ("already used on
line 12").
"""

from __future__ import annotations

import re

from avlint.findings import Finding

# The line breaks YAML counts (PyYAML's reader), so spans slice the text the way they were measured.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LENGTH = 20  # hex digits: 80 bits, plenty for the findings of one file


def stamp_fingerprints(text: str, findings: list[Finding]) -> list[Finding]:
    if not findings:
        return findings
    lines = _LINE_BREAK.split(text)
    return [finding.replace(fingerprint=fingerprint(lines, finding)) for finding in findings]


def fingerprint(lines: list[str], finding: Finding) -> str:
    content = _normalise(span_text(lines, finding.line, finding.column, finding.end_line, finding.end_column))
    if not content and 0 < finding.line <= len(lines):  # an empty span (syntax error, comment): its line
        content = _normalise(lines[finding.line - 1])
    path = "/".join(str(part) for part in finding.yaml_path)
    return digest(finding.rule, path, content)


def digest(*parts: str) -> str:
    import hashlib  # here, not at the top: a clean file never needs it, and it costs start-up time

    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:_LENGTH]


def span_text(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    """The text between two 1-based positions (the end exclusive); empty when out of range."""
    if not 0 < line <= end_line <= len(lines):
        return ""
    if line == end_line:
        return lines[line - 1][column - 1 : end_column - 1]
    return "\n".join(
        [lines[line - 1][column - 1 :], *lines[line : end_line - 1], lines[end_line - 1][: end_column - 1]]
    )


def _normalise(text: str) -> str:
    return " ".join(text.split())
