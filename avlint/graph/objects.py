"""The objects the files define, found by what identifies them, and the references between them.

A flow is known by its slug and a stage or policy by its name, across files, so a binding in
one file that names a flow of another with `!Find` lands on the same box. A reference that no
file can satisfy becomes a placeholder drawn "on the server".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, Document, Entry
from avlint.graph.model import ON_SERVER, UNDEFINED, UNRESOLVED
from avlint.modelinfo import is_stage
from avlint.nodes import mapping_pairs, text_of
from avlint.payload.resolve import ResolveError, Resolver, Unresolved

POLICY_BINDING = "authentik_policies.policybinding"
# A !Find nested in a !Find's arguments is followed this deep, no further: a chain of lookups
# that loops (through YAML aliases) must end in a drawing, not a recursion error.
_MAX_DEPTH = 8


def family(model: str | None) -> str:
    """What kind of box an entry becomes."""
    if model == FLOW:
        return "flow"
    if model == BINDING:
        return "binding"
    if model == POLICY_BINDING:
        return "policybinding"
    if model and model.startswith("authentik_policies") and "." in model:
        return "policy"
    if is_stage(model):
        return "stage"
    if model in ("authentik_core.group", "authentik_core.user"):
        return model.split(".")[1]
    return "other"


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
    entries: list[tuple[str, Entry]] = field(default_factory=list)
    how: str = ""  # for a placeholder: "on the server", or why it is missing

    @property
    def on_server(self) -> bool:
        return not self.entries


@dataclass
class Link:
    """A stage binding or a policy binding entry with its references resolved to keys."""

    key: str
    path: str
    entry: Entry
    target: str | None  # flow key (stage binding) or flow/binding key (policy binding)
    other: str | None  # stage key, or policy/group/user key
    order: Any


class Catalogue:
    def __init__(self) -> None:
        self.objects: dict[str, Obj] = {}
        self.bindings: list[Link] = []
        self.policy_bindings: list[Link] = []
        self._ids: dict[str, dict[str, str]] = {}  # path -> entry id -> object or link key
        self._resolvers: dict[str, Resolver] = {}
        self._pks: dict[str, str] = {}  # a `pk` identifier -> the object or link key of its entry

    # -- building -------------------------------------------------------------------------

    def add_documents(self, documents: list[tuple[str, Document]]) -> None:
        """Objects first (in every file), then links, so references may point to any file."""
        for path, document in documents:
            self._resolvers[path] = _resolver(document)
            ids = self._ids.setdefault(path, {})
            for entry in document.entries:
                kind = family(entry.model)
                if kind in ("binding", "policybinding"):
                    key = f"{kind}:{path}#{entry.index}"
                elif kind in ("other",) or entry.model is None:
                    continue
                else:
                    key = self._define(path, entry, kind)
                if entry.id is not None:
                    ids.setdefault(entry.id, key)
                pk = self.text(path, entry.identifiers.get("pk"))
                if pk is not None:
                    self._pks.setdefault(pk.lower(), key)
        for path, document in documents:
            for entry in document.entries:
                kind = family(entry.model)
                if kind == "binding":
                    self.bindings.append(self._link(path, entry, "target", "stage", "flow", "stage"))
                elif kind == "policybinding":
                    other = next((name for name in ("policy", "group", "user") if name in entry.data()), "policy")
                    # A policy binding's target may be a flow or a stage binding (or an application...):
                    # a target no file defines is not assumed to be a flow.
                    self.policy_bindings.append(self._link(path, entry, "target", other, "target", other))

    def _define(self, path: str, entry: Entry, kind: str) -> str:
        name = self.text(path, entry.data().get("slug" if kind == "flow" else "name"))
        key = f"{kind}:{name}" if name is not None else f"{kind}:{path}#{entry.index}"
        obj = self.objects.get(key)
        if obj is None:
            title = name if name is not None else f"{kind} at {path}:{entry.node.start_mark.line + 1}"
            obj = self.objects[key] = Obj(key, kind, title, entry.model or "")
        obj.entries.append((path, entry))
        return key

    def _link(
        self, path: str, entry: Entry, target_field: str, other_field: str, target_kind: str, other_kind: str
    ) -> Link:
        data = entry.data()
        target = self.reference(path, data[target_field].value, target_kind) if target_field in data else None
        other = self.reference(path, data[other_field].value, other_kind) if other_field in data else None
        order_pair = data.get("order")
        order = self.value(path, order_pair.value) if order_pair is not None else None
        prefix = "binding" if entry.model == BINDING else "policybinding"
        return Link(f"{prefix}:{path}#{entry.index}", path, entry, target, other, order)

    # -- values and references ----------------------------------------------------------------

    def value(self, path: str, node: Node | None) -> Any:
        """A field's value as the importer would see it offline; None when only a server knows."""
        if node is None:
            return None
        resolver = self._resolvers.get(path) or _resolver(None)
        try:
            value = resolver.value(node)
        except (ResolveError, RecursionError, TypeError, ValueError, KeyError, IndexError):
            return None
        return None if _has_unresolved(value) else value

    def text(self, path: str, pair: Any) -> str | None:
        if pair is None:
            return None
        value = self.value(path, pair.value)
        return None if value is None or isinstance(value, (dict, list)) else str(value)

    def reference(self, path: str, node: Node, kind: str, depth: int = 0) -> str:
        """The key of the object a field points at; a placeholder is made when none is defined."""
        if node.tag == "!KeyOf":
            name = text_of(node) if isinstance(node, ScalarNode) else None
            name = name if name is not None else getattr(node, "value", "?")
            key = self._ids.get(path, {}).get(str(name))
            return (
                key
                if key is not None
                else self._placeholder(f"missing:{kind}:{name}", kind, str(name), UNDEFINED)
            )
        if node.tag in ("!Find", "!FindObject") and isinstance(node, SequenceNode) and depth < _MAX_DEPTH:
            return self._find(path, node, kind, depth)
        value = self.value(path, node)
        if isinstance(value, (str, int)) and value != "":
            return self._by_pk(str(value), kind)
        return self._placeholder(
            f"unknown:{kind}:{node.tag}", kind, node.tag if node.tag.startswith("!") else "?", UNRESOLVED
        )

    def _find(self, path: str, node: SequenceNode, kind: str, depth: int) -> str:
        items = node.value
        model = self.text_node(path, items[0], depth) if items else None
        found_kind = family(model) if model else kind
        conditions: list[tuple[str, str]] = []
        for condition in items[1:]:
            if isinstance(condition, SequenceNode) and len(condition.value) == 2:
                name = self.text_node(path, condition.value[0], depth)
                wanted = self.text_node(path, condition.value[1], depth)
                if name is not None and wanted is not None:
                    conditions.append((name.partition("__")[0], wanted))
        identity = "slug" if found_kind == "flow" else "name"
        for name, wanted in conditions:
            if name == identity:
                key = f"{found_kind}:{wanted}"
                return (
                    key if key in self.objects else self._placeholder(key, found_kind, wanted, ON_SERVER, model)
                )
        match = self._matching(found_kind, conditions)
        if match is not None:
            return match
        label = ", ".join(f"{name}={wanted}" for name, wanted in conditions) or "!Find"
        return self._placeholder(f"{found_kind}:find:{label}", found_kind, label, ON_SERVER, model)

    def text_node(self, path: str, node: Node, depth: int) -> str | None:
        if node.tag in ("!Find", "!FindObject"):
            key = self.reference(path, node, "other", depth + 1)
            return self.objects[key].title if key in self.objects else None
        value = self.value(path, node)
        return None if value is None or isinstance(value, (dict, list)) else str(value)

    def _matching(self, kind: str, conditions: list[tuple[str, str]]) -> str | None:
        if not conditions:
            return None
        for obj in self.objects.values():
            if obj.family != kind or obj.on_server:
                continue
            for path, entry in obj.entries:
                data = entry.data()
                if all(name in data and self.text(path, data[name]) == wanted for name, wanted in conditions):
                    return obj.key
        return None

    def _by_pk(self, pk: str, kind: str) -> str:
        """authentik compares pks as UUIDs, so case does not matter."""
        key = self._pks.get(pk.lower())
        return key if key is not None else self._placeholder(f"{kind}:pk:{pk}", kind, pk, ON_SERVER)

    def _placeholder(self, key: str, kind: str, title: str, how: str, model: str | None = None) -> str:
        if key not in self.objects:
            self.objects[key] = Obj(key, kind, title, model or "", how=how)
        return key


def _resolver(document: Document | None) -> Resolver:
    """Offline tag resolution for labels. The environment is never read: a drawing must not
    depend on (or leak) the variables of the machine that made it; !Env shows its default."""
    context: dict[str, Any] = {}
    pair = document.top.get("context") if document is not None else None
    if pair is not None and isinstance(pair.value, MappingNode):
        context = {item.key: item.value for item in mapping_pairs(pair.value)}
    return Resolver(context=context, environ={})


def _has_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, list):
        return any(_has_unresolved(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unresolved(item) for item in value.values())
    return False
