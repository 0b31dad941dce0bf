"""The picture of a flow, independent of any output format.

A FlowGraph holds the flow box, one box per stage binding in `order`, the policies bound to the
flow and to each binding, and the configuration stages the validation stages lead to. Boxes
carry the lint findings and the drift of the blueprint entries they were drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a box stands for; renderers pick shapes and colours by kind.
FLOW, BINDING, POLICY, CONFIG_STAGE = "flow", "binding", "policy", "config-stage"
# The note a box gets when its object is only referenced (see avlint.graph.objects).
ON_SERVER, UNDEFINED, UNRESOLVED = "on the server", "not defined in the files", "not resolvable offline"
PLACEHOLDER_NOTES = frozenset({ON_SERVER, UNDEFINED, UNRESOLVED})


@dataclass(frozen=True)
class Issue:
    """A lint finding on a box."""

    severity: str
    rule: str
    name: str
    message: str
    path: str
    line: int
    column: int

    @property
    def short(self) -> str:
        return f"{self.severity} {self.rule} {self.name}"


@dataclass(frozen=True)
class FieldDrift:
    field: str
    live: str
    file: str


@dataclass(frozen=True)
class Drift:
    """What applying the files would do to a box's object (avlint.live.drift actions)."""

    action: str  # create, change, delete, conflict, in-sync, absent-ok, unknown
    subject: str  # which object of the box: "flow", "stage", "binding", ...
    changes: tuple[FieldDrift, ...] = ()
    note: str = ""

    @property
    def drifted(self) -> bool:
        return self.action in ("create", "change", "delete", "conflict")


@dataclass
class Box:
    key: str  # unique within a graph; renderers derive their element ids from it
    kind: str
    title: str  # the object's name (slug for a flow)
    model: str  # the model kind shown to a reader, e.g. "validation stage"
    details: list[str] = field(default_factory=list)
    on_server: bool = False  # referenced with !Find (or a pk) but defined in none of the files
    issues: list[Issue] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    source: str = ""  # path:line of the defining entry

    @property
    def drift_action(self) -> str | None:
        """The strongest drift on the box: a conflict (apply would fail), then delete, create, change."""
        actions = {drift.action for drift in self.drift}
        return next((action for action in ("conflict", "delete", "create", "change") if action in actions), None)

    @property
    def worst(self) -> str | None:
        severities = {issue.severity for issue in self.issues}
        return "error" if "error" in severities else ("warning" if severities else None)


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""
    style: str = "solid"  # solid: the flow's sequence; dashed: a policy or configuration link


@dataclass
class FlowGraph:
    slug: str
    flow: Box
    bindings: list[Box] = field(default_factory=list)  # in order
    # Side boxes by the key of the box they belong to: policies on the left, configuration
    # stages on the right.
    policies: dict[str, list[Box]] = field(default_factory=dict)
    config_stages: dict[str, list[Box]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def boxes(self) -> list[Box]:
        seen: dict[str, Box] = {self.flow.key: self.flow}
        for box in self.bindings:
            seen.setdefault(box.key, box)
        for group in (*self.policies.values(), *self.config_stages.values()):
            for box in group:
                seen.setdefault(box.key, box)
        return list(seen.values())

    def issues(self) -> list[tuple[Box, Issue]]:
        return [(box, issue) for box in self.boxes() for issue in box.issues]
