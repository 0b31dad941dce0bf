"""A stable JSON document: {"version": 1, "findings": [...], "summary": {...}}."""

from __future__ import annotations

import json
from typing import TextIO

from avlint.engine import RunResult
from avlint.reporters.summary import summary

SCHEMA_VERSION = 1


class JsonReporter:
    def render(self, result: RunResult, stream: TextIO) -> None:
        document = {
            "version": SCHEMA_VERSION,
            "findings": [finding.to_dict() for finding in result.findings],
            "summary": summary(result),
            "unreadable": [{"path": error.path, "message": error.reason} for error in result.path_errors],
        }
        json.dump(document, stream, indent=2, ensure_ascii=False)
        stream.write("\n")


def create(**_: object) -> JsonReporter:
    return JsonReporter()
