"""The finding record: what a check reports once the engine has stamped rule and severity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from avlint.fix.model import Fix

SEVERITIES = ("error", "warning")
EFFECTS = ("rejected", "ignored", "runtime", "risk", "style")

YamlPath = tuple[str | int, ...]


class Finding(NamedTuple):
    """One problem at a 1-based position in a file. Sorts by file, then position.

    A named tuple, not a dataclass: creating dataclasses costs a pre-commit run measurable
    start-up time. Equality, hashing and order use the fields up to `fixable` only (the
    YAML path, fix and fingerprint are derived data)."""

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
    yaml_path: YamlPath = ()
    fix: Fix | None = None
    fingerprint: str = ""  # content hash, stable when lines shift (avlint.fingerprint)

    def __eq__(self, other: object) -> bool:
        return self[:_COMPARED] == other[:_COMPARED] if isinstance(other, Finding) else NotImplemented

    def __ne__(self, other: object) -> bool:
        return self[:_COMPARED] != other[:_COMPARED] if isinstance(other, Finding) else NotImplemented

    def __lt__(self, other: Finding) -> bool:
        return self[:_COMPARED] < other[:_COMPARED]

    def __le__(self, other: Finding) -> bool:
        return self[:_COMPARED] <= other[:_COMPARED]

    def __gt__(self, other: Finding) -> bool:
        return self[:_COMPARED] > other[:_COMPARED]

    def __ge__(self, other: Finding) -> bool:
        return self[:_COMPARED] >= other[:_COMPARED]

    def __hash__(self) -> int:
        return hash(self[:_COMPARED])

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


_COMPARED = Finding._fields.index("fixable") + 1
