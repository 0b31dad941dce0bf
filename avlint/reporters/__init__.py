"""Reporters render a RunResult; they decide nothing (exit codes come from the result).

The registry maps each `--format` name to its module, imported only when chosen; the CLI reads
the names from here without importing any reporter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from avlint.engine import RunResult

FORMATS = {
    "text": "avlint.reporters.text",
    "json": "avlint.reporters.json_report",
    "sarif": "avlint.reporters.sarif",
    "github": "avlint.reporters.github",
    "gitlab": "avlint.reporters.gitlab",
    "junit": "avlint.reporters.junit",
}


class Reporter(Protocol):
    def render(self, result: RunResult, stream: TextIO) -> None: ...


class UnknownFormatError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")


def get_reporter(name: str, **options: object) -> Reporter:
    if name not in FORMATS:
        raise UnknownFormatError(name)
    module = importlib.import_module(FORMATS[name])
    reporter: Reporter = module.create(**options)
    return reporter
