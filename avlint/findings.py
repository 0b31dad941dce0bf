"""The finding record: what a check reports once the engine has stamped rule and severity."""

from __future__ import annotations

from functools import total_ordering
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avlint.fix.model import Fix

SEVERITIES = ("error", "warning", "info")  # info: worth knowing, never fails a run
EFFECTS = ("rejected", "ignored", "runtime", "risk", "style")

YamlPath = tuple[str | int, ...]


@total_ordering
class Finding:
    """One problem at a 1-based position in a file. Sorts by file, then position.

    A plain class with slots, not a dataclass: creating dataclasses costs a pre-commit run
    measurable start-up time. Equality, hashing and order use `identity()`: the fields up to
    `fixable`; the YAML path, fix and fingerprint are derived data."""

    # In the order of __init__'s parameters.
    FIELDS = (
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "rule",
        "name",
        "severity",
        "effect",
        "message",
        "fixable",
        "yaml_path",
        "fix",
        "fingerprint",
    )
    __slots__ = FIELDS

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        rule: str,
        name: str,
        severity: str,
        effect: str,
        message: str,
        fixable: bool = False,
        yaml_path: YamlPath = (),
        fix: Fix | None = None,
        fingerprint: str = "",  # content hash, stable when lines shift (avlint.fingerprint)
    ) -> None:
        self.path, self.line, self.column, self.end_line, self.end_column = path, line, column, end_line, end_column
        self.rule, self.name, self.severity, self.effect, self.message = rule, name, severity, effect, message
        self.fixable, self.yaml_path, self.fix, self.fingerprint = fixable, yaml_path, fix, fingerprint

    def identity(
        self,
    ) -> tuple[str, int, int, int, int, str, str, str, str, str, bool]:
        """What makes two findings the same finding, in sort order."""
        return (
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.rule,
            self.name,
            self.severity,
            self.effect,
            self.message,
            self.fixable,
        )

    def replace(self, **changes: Any) -> Finding:
        """A copy with some fields changed (findings are not changed in place once made)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        values.update(changes)
        return Finding(**values)

    def __eq__(self, other: object) -> bool:
        return self.identity() == other.identity() if isinstance(other, Finding) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.identity())

    def __lt__(self, other: Finding) -> bool:
        return self.identity() < other.identity()

    def __repr__(self) -> str:
        return f"Finding({self.path!r}, {self.line}:{self.column}, {self.rule}, {self.severity}, {self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "effect": self.effect,
            "message": self.message,
            "fixable": self.fixable,
        }
