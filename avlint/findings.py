"""The finding record: what a check reports once the engine has stamped rule and severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avlint.fix.model import Fix

SEVERITIES = ("error", "warning")
EFFECTS = ("rejected", "ignored", "runtime", "risk", "style")

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at a 1-based position in a file. Sorts by file, then position."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    name: str
    severity: str
    effect: str
    message: str
    fixable: bool = False
    yaml_path: YamlPath = field(default=(), compare=False)
    fix: Fix | None = field(default=None, compare=False, repr=False)
    fingerprint: str = field(default="", compare=False, repr=False)  # content hash, stable when lines shift (avlint.fingerprint)

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
