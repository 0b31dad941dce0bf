"""Documents (and their lint findings, and drift) in; one FlowGraph per flow out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from avlint.blueprint import VALIDATE_STAGE, Document, Entry
from avlint.findings import Finding
from avlint.graph.model import BINDING, CONFIG_STAGE, FLOW, POLICY, Box, Drift, Edge, FlowGraph, Issue
from avlint.graph.objects import Catalogue, Link, Obj, kind_of

# Where a box's findings and drift come from: (path, id of the Entry) -> keys of boxes.
Sources = dict[tuple[str, int], list[str]]


def build_graphs(
    documents: list[tuple[str, Document]],
    findings: dict[str, list[Finding]] | None = None,
    drift: dict[int, Drift] | None = None,
) -> list[FlowGraph]:
    """Every flow the files define or bind stages to, in the order the files name them."""
    catalogue = Catalogue()
    catalogue.add_documents(documents)
    graphs = []
    for flow in _flows(catalogue):
        sources: Sources = {}
        graph = _FlowBuilder(catalogue, flow, sources).build()
        _attach(graph, sources, documents, findings or {}, drift or {})
        graphs.append(graph)
    return graphs


def _flows(catalogue: Catalogue) -> list[Obj]:
    keys = [obj.key for obj in catalogue.objects.values() if obj.family == "flow" and not obj.on_server]
    for link in (*catalogue.bindings, *catalogue.policy_bindings):
        target = catalogue.objects.get(link.target or "")
        if target is not None and target.family == "flow" and target.key not in keys:
            keys.append(target.key)
    return [catalogue.objects[key] for key in keys]


def _order_key(link: Link) -> tuple[int, Any, int]:
    order = link.order
    if isinstance(order, int) and not isinstance(order, bool):
        return (0, order, link.entry.index)
    return (1, str(order), link.entry.index)


class _FlowBuilder:
    def __init__(self, catalogue: Catalogue, flow: Obj, sources: Sources) -> None:
        self.catalogue, self.flow, self.sources = catalogue, flow, sources

    def build(self) -> FlowGraph:
        flow_box = self._object_box(self.flow, FLOW, self.flow.key)
        flow_box.model = "flow"
        flow_box.details = self._flow_details()
        graph = FlowGraph(self.flow.title, flow_box)
        links = sorted((b for b in self.catalogue.bindings if b.target == self.flow.key), key=_order_key)
        orders: dict[str, list[str]] = {}
        for link in links:
            orders.setdefault(str(link.order), []).append(link.key)
        previous = flow_box.key
        for link in links:
            box = self._binding_box(link, orders[str(link.order)])
            graph.bindings.append(box)
            graph.edges.append(Edge(previous, box.key))
            previous = box.key
            self._config_stages(graph, link, box)
        for target in [flow_box, *graph.bindings]:
            self._policies(graph, target)
        return graph

    # -- boxes --------------------------------------------------------------------------------

    def _object_box(self, obj: Obj, kind: str, key: str) -> Box:
        box = Box(key, kind, obj.title, kind_of(obj.model) if obj.model else obj.family, on_server=obj.on_server)
        if obj.on_server:
            box.details.append(obj.how)
        for path, entry in obj.entries:
            self._source(path, entry, key)
        if obj.entries:
            path, entry = obj.entries[0]
            box.source = f"{path}:{entry.node.start_mark.line + 1}"
        return box

    def _source(self, path: str, entry: Entry, key: str) -> None:
        keys = self.sources.setdefault((path, id(entry)), [])
        if key not in keys:
            keys.append(key)

    def _field(self, obj: Obj, name: str) -> Any:
        """The value the last defining entry gives a field (later entries update the object)."""
        for path, entry in reversed(obj.entries):
            pair = entry.data().get(name)
            if pair is not None:
                value = self.catalogue.value(path, pair.value)
                return value if value is not None else pair.value.tag
        return None

    def _flow_details(self) -> list[str]:
        if self.flow.on_server:
            return [self.flow.how]
        designation = self._field(self.flow, "designation")
        authentication = self._field(self.flow, "authentication")
        return [
            f"designation: {_show(designation) if designation is not None else 'not set'}",
            f"authentication: {_show(authentication) if authentication is not None else 'none (default)'}",
        ]

    def _binding_box(self, link: Link, same_order: list[str]) -> Box:
        stage = self.catalogue.objects.get(link.other or "")
        if stage is None:
            box = Box(link.key, BINDING, "(no stage)", "binding")
        else:
            box = self._object_box(stage, BINDING, link.key)
        box.model = f"order {_show(link.order)} · {box.model}"
        box.source = f"{link.path}:{link.entry.node.start_mark.line + 1}"
        self._source(link.path, link.entry, link.key)
        if len(same_order) > 1:
            box.details.append(f"shares order {_show(link.order)} with {len(same_order) - 1} other binding(s)")
        if link.entry.state == "absent":
            box.details.append("state: absent (removed)")
        if stage is not None and stage.model == VALIDATE_STAGE and stage.entries:
            box.details.extend(self._validation_details(stage))
        for name, label in (("evaluate_on_plan", "evaluate on plan"), ("re_evaluate_policies", "re-evaluate policies")):
            value = self._link_field(link, name)
            if value is not None:
                box.details.append(f"{label}: {_show(value)}")
        return box

    def _link_field(self, link: Link, name: str) -> Any:
        pair = link.entry.data().get(name)
        if pair is None:
            return None
        value = self.catalogue.value(link.path, pair.value)
        return value if value is not None else pair.value.tag

    def _validation_details(self, stage: Obj) -> list[str]:
        classes = self._field(stage, "device_classes")
        action = self._field(stage, "not_configured_action")
        shown = ", ".join(str(item) for item in classes) if isinstance(classes, list) else None
        return [
            f"device classes: {shown if shown is not None else ('all (default)' if classes is None else _show(classes))}",
            f"not configured: {_show(action) if action is not None else 'skip (default)'}",
        ]

    def _config_stages(self, graph: FlowGraph, link: Link, box: Box) -> None:
        stage = self.catalogue.objects.get(link.other or "")
        if stage is None or stage.model != VALIDATE_STAGE:
            return
        action = self._field(stage, "not_configured_action")
        label = "not configured" if action == "configure" else f"unused: action {_show(action) if action else 'skip'}"
        seen: set[str] = set()
        for path, entry in stage.entries:
            for node in _stage_nodes(entry):
                key = self.catalogue.reference(path, node, "stage")
                if key in seen:
                    continue
                seen.add(key)
                target = self.catalogue.objects[key]
                config = self._object_box(target, CONFIG_STAGE, f"config:{self.flow.key}:{key}")
                group = graph.config_stages.setdefault(box.key, [])
                if all(existing.key != config.key for existing in group):
                    group.append(config)
                graph.edges.append(Edge(box.key, config.key, label, "dashed"))

    def _policies(self, graph: FlowGraph, target: Box) -> None:
        wanted = self.flow.key if target.kind == FLOW else target.key
        links = sorted((pb for pb in self.catalogue.policy_bindings if pb.target == wanted), key=_order_key)
        if not links:
            return
        mode = self._field(self.flow, "policy_engine_mode") if target.kind == FLOW else self._binding_mode(target.key)
        target.details.append(f"policy engine mode: {_show(mode) if mode is not None else 'any (default)'}")
        for link in links:
            policy = self.catalogue.objects.get(link.other or "")
            box = (
                self._object_box(policy, POLICY, link.key)
                if policy is not None
                else Box(link.key, POLICY, "(no policy, group or user)", "policy binding")
            )
            box.source = f"{link.path}:{link.entry.node.start_mark.line + 1}"
            self._source(link.path, link.entry, link.key)
            box.details.insert(0, f"order {_show(link.order)}")
            negate = self._link_field(link, "negate") is True
            for name, shown in (
                ("negate", "negate: true"),
                ("enabled", "enabled: false"),
                ("failure_result", "on failure: pass"),
            ):
                value = self._link_field(link, name)
                if (value is True and name != "enabled") or (name == "enabled" and value is False):
                    box.details.append(shown)
            graph.policies.setdefault(target.key, []).append(box)
            graph.edges.append(Edge(box.key, target.key, "NOT" if negate else "", "dashed"))

    def _binding_mode(self, key: str) -> Any:
        link = next(link for link in self.catalogue.bindings if link.key == key)
        return self._link_field(link, "policy_engine_mode")


def _stage_nodes(entry: Entry) -> Iterable[Any]:
    """The configuration stage references of a validation stage entry (the list, or the
    pre-2022.2 single `configuration_stage`)."""
    data = entry.data()
    pair = data.get("configuration_stages")
    if pair is not None and hasattr(pair.value, "value") and isinstance(pair.value.value, list):
        yield from pair.value.value
    single = data.get("configuration_stage")
    if single is not None and single.value.tag != "tag:yaml.org,2002:null":
        yield single.value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _attach(
    graph: FlowGraph,
    sources: Sources,
    documents: list[tuple[str, Document]],
    findings: dict[str, list[Finding]],
    drift: dict[int, Drift],
) -> None:
    """Each finding on the entry (by YAML path, else by line) it concerns; drift by entry."""
    boxes = {box.key: box for box in graph.boxes()}
    for path, document in documents:
        entries = [entry for entry in document.entries if (path, id(entry)) in sources]
        if not entries:
            continue
        for finding in findings.get(path, ()):
            entry = _entry_of(finding, entries)
            if entry is None:
                continue
            issue = Issue(
                finding.severity, finding.rule, finding.name, finding.message, path, finding.line, finding.column
            )
            for key in sources[(path, id(entry))]:
                if issue not in boxes[key].issues:
                    boxes[key].issues.append(issue)
        for entry in entries:
            change = drift.get(id(entry))
            if change is not None:
                for key in sources[(path, id(entry))]:
                    boxes[key].drift.append(change)


def _entry_of(finding: Finding, entries: list[Entry]) -> Entry | None:
    for entry in entries:
        if entry.path and finding.yaml_path[: len(entry.path)] == entry.path:
            return entry
    if finding.yaml_path:
        return None
    for entry in entries:
        first, last = entry.node.start_mark.line + 1, entry.node.end_mark.line + 1
        if first <= finding.line <= last:
            return entry
    return None
