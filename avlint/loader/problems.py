"""The two ways loading can fail: a path that cannot be read, or content avlint must report."""

from __future__ import annotations


class PathError(Exception):
    """The path cannot be read at all (missing, permission, symlink loop, not a regular file).

    These are usage-level errors: the CLI reports them and exits 2 after linting the rest.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ContentProblem(Exception):
    """The content cannot be analysed; reported as a finding of `rule` at a 1-based position."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
