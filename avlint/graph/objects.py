"""The objects the files define, found by what identifies them, and the references between them.

A flow is known by its slug and a stage or policy by its name, across files, so a binding in
one file that names a flow of another with `!Find` lands on the same box. A reference that no
file can satisfy becomes a placeholder drawn "on the server".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from avlint.graph.model import ON_SERVER, UNDEFINED, UNRESOLVED
from avlint.graph.summary import MAX_DEPTH, EntryInfo, FileInfo, Ref, family


def kind_of(model: str | None) -> str:
    """The model kind shown on a box: the class part of the model string."""
    return (model or "unknown model").rpartition(".")[2]


@dataclass
class Obj:
    """A flow, stage, policy, group or user: defined by entries, or only referenced."""

    key: str
    family: str
    title: str
    model: str = ""
    entries: list[tuple[str, EntryInfo]] = field(default_factory=list)
    how: str = ""  # for a placeholder: "on the server", or why it is missing

    @property
    def on_server(self) -> bool:
        return not self.entries

    def value(self, name: str) -> Any:
        """The value the last defining entry gives a field (later entries update the object)."""
        for _, entry in reversed(self.entries):
            if name in entry.values:
                return entry.values[name]
        return None


@dataclass
class Link:
    """A stage binding or a policy binding entry with its references resolved to keys."""

    key: str
    path: str
    entry: EntryInfo
    target: str | None  # flow key (stage binding) or flow/binding key (policy binding)
    other: str | None  # stage key, or policy/group/user key

    @property
    def order(self) -> Any:
        return self.entry.values.get("order")


class Catalogue:
    def __init__(self) -> None:
        self.objects: dict[str, Obj] = {}
        self.bindings: list[Link] = []
        self.policy_bindings: list[Link] = []
        self._ids: dict[str, dict[str, str]] = {}  # path -> entry id -> object or link key
        self._pks: dict[str, str] = {}  # a `pk` identifier -> the object or link key of its entry

    def add_files(self, files: list[FileInfo]) -> None:
        """Objects first (in every file), then links, so references may point to any file."""
        for info in files:
            ids = self._ids.setdefault(info.path, {})
            for entry in info.entries:
                if entry.family in ("binding", "policybinding"):
                    key = f"{entry.family}:{info.path}#{entry.index}"
                else:
                    key = self._define(info.path, entry)
                if entry.id is not None:
                    ids.setdefault(entry.id, key)
                if entry.pk is not None:
                    self._pks.setdefault(entry.pk.lower(), key)
        for info in files:
            for entry in info.entries:
                if entry.family == "binding":
                    self.bindings.append(self._link(info.path, entry, "stage", "flow", "stage"))
                elif entry.family == "policybinding":
                    other = next((name for name in ("policy", "group", "user") if name in entry.refs), "policy")
                    # A policy binding's target may be a flow, a stage binding, an application...:
                    # a target no file defines is not assumed to be a flow.
                    self.policy_bindings.append(self._link(info.path, entry, other, "target", other))

    def _define(self, path: str, entry: EntryInfo) -> str:
        kind = entry.family
        key = f"{kind}:{entry.name}" if entry.name is not None else f"{kind}:{path}#{entry.index}"
        obj = self.objects.get(key)
        if obj is None:
            title = entry.name if entry.name is not None else f"{kind} at {path}:{entry.first_line}"
            obj = self.objects[key] = Obj(key, kind, title, entry.model or "")
        obj.entries.append((path, entry))
        return key

    def _link(self, path: str, entry: EntryInfo, other_field: str, target_kind: str, other_kind: str) -> Link:
        targets, others = entry.refs.get("target", []), entry.refs.get(other_field, [])
        target = self.reference(path, targets[0], target_kind) if targets else None
        other = self.reference(path, others[0], other_kind) if others else None
        return Link(f"{entry.family}:{path}#{entry.index}", path, entry, target, other)

    def reference(self, path: str, ref: Ref, kind: str, depth: int = 0) -> str:
        """The key of the object a reference points at; a placeholder when none is defined."""
        if ref.how == "keyof":
            key = self._ids.get(path, {}).get(ref.text)
            return (
                key if key is not None else self._placeholder(f"missing:{kind}:{ref.text}", kind, ref.text, UNDEFINED)
            )
        if ref.how == "find" and depth < MAX_DEPTH:
            return self._find(path, ref, kind, depth)
        if ref.how == "pk":
            key = self._pks.get(ref.text.lower())  # authentik compares pks as UUIDs: case does not matter
            return key if key is not None else self._placeholder(f"{kind}:pk:{ref.text}", kind, ref.text, ON_SERVER)
        return self._placeholder(f"unknown:{kind}:{ref.text}", kind, ref.text or "?", UNRESOLVED)

    def _find(self, path: str, ref: Ref, kind: str, depth: int) -> str:
        found_kind = family(ref.model) if ref.model else kind
        conditions = [(name, self._condition(path, wanted, depth)) for name, wanted in ref.conditions]
        identity = "slug" if found_kind == "flow" else "name"
        for name, wanted in conditions:
            if name == identity:
                key = f"{found_kind}:{wanted}"
                return key if key in self.objects else self._placeholder(key, found_kind, wanted, ON_SERVER, ref.model)
        match = self._matching(found_kind, conditions)
        if match is not None:
            return match
        label = ", ".join(f"{name}={wanted}" for name, wanted in conditions) or "!Find"
        return self._placeholder(f"{found_kind}:find:{label}", found_kind, label, ON_SERVER, ref.model)

    def _condition(self, path: str, wanted: Ref | str, depth: int) -> str:
        if isinstance(wanted, str):
            return wanted
        key = self.reference(path, wanted, "other", depth + 1)
        obj = self.objects.get(key)  # a binding found by pk is a link, not an object
        return obj.title if obj is not None else key

    def _matching(self, kind: str, conditions: list[tuple[str, str]]) -> str | None:
        if not conditions:
            return None
        for obj in self.objects.values():
            if obj.family != kind or obj.on_server:
                continue
            for _, entry in obj.entries:
                if all(str(entry.values.get(name)) == wanted for name, wanted in conditions):
                    return obj.key
        return None

    def _placeholder(self, key: str, kind: str, title: str, how: str, model: str | None = None) -> str:
        if key not in self.objects:
            self.objects[key] = Obj(key, kind, title, model or "", how=how)
        return key
