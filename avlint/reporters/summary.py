"""Counts shared by the reporters."""

from __future__ import annotations

from avlint.engine import RunResult


def summary(result: RunResult) -> dict[str, int]:
    linted = [f for f in result.files if f.skipped is None]
    return {
        "files": len(result.files) + len(result.path_errors),
        "linted": len(linted),
        "skipped": len(result.files) - len(linted),
        "unreadable": len(result.path_errors),
        "files_with_findings": sum(1 for f in linted if f.findings),
        "errors": result.count("error"),
        "warnings": result.count("warning"),
        "suppressed": sum(f.suppressed for f in result.files),
        "baselined": result.baselined,
        "baseline_gone": result.baseline_gone,
    }


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
