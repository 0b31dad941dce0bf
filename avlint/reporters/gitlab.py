"""GitLab Code Quality: a JSON array of issues (the CodeClimate subset GitLab reads).

Each issue's `fingerprint` must be unique in the report and stable across runs, so GitLab can
tell new problems from old in a merge request: it hashes the path with the finding's content
fingerprint (avlint.fingerprint) and a counter for identical findings.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from avlint.engine import RunResult
from avlint.fingerprint import digest
from avlint.reporters.paths import relative_path

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
CATEGORY = {"rejected": "Bug Risk", "ignored": "Bug Risk", "runtime": "Bug Risk", "risk": "Security", "style": "Style"}


class GitlabReporter:
    def render(self, result: RunResult, stream: TextIO) -> None:
        json.dump(issues(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


def issues(result: RunResult) -> list[dict[str, Any]]:
    seen: Counter[tuple[str, str]] = Counter()
    rendered = []
    for error in result.path_errors:
        rendered.append(
            _issue(
                f"cannot read {error.path}: {error.reason}",
                "avlint-unreadable-path",
                "Bug Risk",
                digest("unreadable", error.path),
                "blocker",
                error.path,
                (1, 1),
            )
        )
    for finding in result.findings:
        seen[(finding.path, finding.fingerprint)] += 1
        fingerprint = digest(_posix(finding.path), finding.fingerprint, str(seen[(finding.path, finding.fingerprint)]))
        description = f"{finding.message} [{finding.rule} {finding.name}]"
        rendered.append(
            _issue(
                description,
                finding.rule,
                CATEGORY[finding.effect],
                fingerprint,
                SEVERITY[finding.severity],
                finding.path,
                (finding.line, finding.end_line),
            )
        )
    return rendered


def _issue(
    description: str, check: str, category: str, fingerprint: str, severity: str, path: str, lines: tuple[int, int]
) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": description,
        "check_name": check,
        "categories": [category],
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": _posix(path), "lines": {"begin": lines[0], "end": max(lines)}},
    }


def _posix(path: str) -> str:
    return relative_path(path).as_posix()


def create(**_: object) -> GitlabReporter:
    return GitlabReporter()
