"""Reporters render a RunResult; they decide nothing (exit codes come from the result).

The registry maps each `--format` name to its module, imported only when chosen.
"""

from __future__ import annotations

import importlib
from typing import Protocol, TextIO

from avlint.engine import RunResult

FORMATS = {"text": "avlint.reporters.text", "json": "avlint.reporters.json_report"}


class Reporter(Protocol):
    def render(self, result: RunResult, stream: TextIO) -> None: ...


def get_reporter(name: str, **options: object) -> Reporter:
    module = importlib.import_module(FORMATS[name])
    return module.create(**options)
