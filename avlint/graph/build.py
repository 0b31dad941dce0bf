"""File summaries (with their lint findings) and drift in; one FlowGraph per flow out."""

from __future__ import annotations

from typing import Any

from avlint.blueprint import VALIDATE_STAGE
from avlint.graph.model import BINDING, CONFIG_STAGE, FLOW, POLICY, Box, Drift, Edge, FlowGraph, Issue
from avlint.graph.objects import Catalogue, Link, Obj, kind_of
from avlint.graph.summary import EntryInfo, FileInfo

# Where a box's findings and drift come from: (path, entry index) -> keys of boxes.
Sources = dict[tuple[str, int], list[str]]
# Drift of an entry, by (path, entry index).
DriftMap = dict[tuple[str, int], Drift]


def build_graphs(files: list[FileInfo], drift: DriftMap | None = None) -> list[FlowGraph]:
    """Every flow the files define or bind stages to, in the order the files name them."""
    catalogue = Catalogue()
    catalogue.add_files(files)
    by_path = {info.path: info for info in files}
    entries = {(info.path, entry.index): entry for info in files for entry in info.entries}
    bindings: dict[str, list[Link]] = {}
    for link in catalogue.bindings:
        bindings.setdefault(link.target or "", []).append(link)
    policies: dict[str, list[Link]] = {}
    for link in catalogue.policy_bindings:
        policies.setdefault(link.target or "", []).append(link)
    graphs = []
    for flow in _flows(catalogue):
        sources: Sources = {}
        builder = _FlowBuilder(catalogue, flow, sources, policies)
        graph = builder.build(sorted(bindings.get(flow.key, []), key=_order_key))
        _attach(graph, sources, by_path, entries, drift or {})
        graphs.append(graph)
    return graphs


def _flows(catalogue: Catalogue) -> list[Obj]:
    keys = {obj.key: None for obj in catalogue.objects.values() if obj.family == "flow" and not obj.on_server}
    for link in (*catalogue.bindings, *catalogue.policy_bindings):
        target = catalogue.objects.get(link.target or "")
        if target is not None and target.family == "flow":
            keys.setdefault(target.key)
    return [catalogue.objects[key] for key in keys]


def _order_key(link: Link) -> tuple[int, Any, int]:
    order = link.order
    if isinstance(order, int) and not isinstance(order, bool):
        return (0, order, link.entry.index)
    return (1, str(order), link.entry.index)


def _line(path: str, entry: EntryInfo) -> str:
    return f"{path}:{entry.first_line}"


class _FlowBuilder:
    def __init__(self, catalogue: Catalogue, flow: Obj, sources: Sources, policies: dict[str, list[Link]]) -> None:
        self.catalogue, self.flow, self.sources, self.policy_links = catalogue, flow, sources, policies

    def build(self, links: list[Link]) -> FlowGraph:
        flow_box = self._object_box(self.flow, FLOW, self.flow.key)
        flow_box.model = "flow"
        flow_box.details = self._flow_details()
        graph = FlowGraph(self.flow.title, flow_box)
        orders: dict[str, int] = {}
        for link in links:
            orders[str(link.order)] = orders.get(str(link.order), 0) + 1
        previous = flow_box.key
        for link in links:
            box = self._binding_box(link, orders[str(link.order)])
            graph.bindings.append(box)
            graph.edges.append(Edge(previous, box.key))
            previous = box.key
            self._config_stages(graph, link, box)
        self._policies(graph, flow_box, self.flow.key, self.flow.value("policy_engine_mode"))
        for link, box in zip(links, graph.bindings, strict=True):
            self._policies(graph, box, link.key, link.entry.values.get("policy_engine_mode"))
        return graph

    # -- boxes --------------------------------------------------------------------------------

    def _object_box(self, obj: Obj, kind: str, key: str) -> Box:
        box = Box(key, kind, obj.title, kind_of(obj.model) if obj.model else obj.family, on_server=obj.on_server)
        if obj.on_server:
            box.details.append(obj.how)
        for path, entry in obj.entries:
            self._source(path, entry, key)
        if obj.entries:
            box.source = _line(*obj.entries[0])
        return box

    def _source(self, path: str, entry: EntryInfo, key: str) -> None:
        keys = self.sources.setdefault((path, entry.index), [])
        if key not in keys:
            keys.append(key)

    # A field the files leave out takes its default only when the object is created; an
    # existing object keeps its value. The boxes say so rather than claim the default.

    def _flow_details(self) -> list[str]:
        if self.flow.on_server:
            return [self.flow.how]
        designation = self.flow.value("designation")
        authentication = self.flow.value("authentication")
        return [
            f"designation: {_show(designation) if designation is not None else 'not set'}",
            f"authentication: {_show(authentication) if authentication is not None else 'not set (none if created)'}",
        ]

    def _binding_box(self, link: Link, same_order: int) -> Box:
        stage = self.catalogue.objects.get(link.other or "")
        box = (
            self._object_box(stage, BINDING, link.key)
            if stage is not None
            else Box(link.key, BINDING, "(no stage)", "binding")
        )
        box.model = f"order {_show(link.order)} · {box.model}"
        box.source = _line(link.path, link.entry)
        self._source(link.path, link.entry, link.key)
        if same_order > 1:
            box.details.append(f"shares order {_show(link.order)} with {same_order - 1} other binding(s)")
        if link.entry.state == "absent":
            box.details.append("state: absent (removed)")
        if stage is not None and stage.model == VALIDATE_STAGE and stage.entries:
            box.details.extend(self._validation_details(stage))
        for name, label in (("evaluate_on_plan", "evaluate on plan"), ("re_evaluate_policies", "re-evaluate policies")):
            value = link.entry.values.get(name)
            if value is not None:
                box.details.append(f"{label}: {_show(value)}")
        return box

    def _validation_details(self, stage: Obj) -> list[str]:
        classes = stage.value("device_classes")
        action = stage.value("not_configured_action")
        shown = ", ".join(str(item) for item in classes) if isinstance(classes, list) else None
        return [
            f"device classes: {shown if shown is not None else ('not set (all if created)' if classes is None else _show(classes))}",
            f"not configured: {_show(action) if action is not None else 'not set (skip if created)'}",
        ]

    def _config_stages(self, graph: FlowGraph, link: Link, box: Box) -> None:
        stage = self.catalogue.objects.get(link.other or "")
        if stage is None or stage.model != VALIDATE_STAGE:
            return
        action = stage.value("not_configured_action")
        label = "not configured" if action == "configure" else f"unused: action {_show(action) if action else 'skip'}"
        seen: set[str] = set()
        for path, entry in stage.entries:
            for ref in (*entry.refs.get("configuration_stages", ()), *entry.refs.get("configuration_stage", ())):
                key = self.catalogue.reference(path, ref, "stage")
                if key in seen:
                    continue
                seen.add(key)
                target = self.catalogue.objects.get(key)
                if target is None:  # a reference to something that is not a stage (a binding's pk)
                    continue
                config = self._object_box(target, CONFIG_STAGE, f"config:{self.flow.key}:{key}")
                group = graph.config_stages.setdefault(box.key, [])
                if all(existing.key != config.key for existing in group):
                    group.append(config)
                graph.edges.append(Edge(box.key, config.key, label, "dashed"))

    def _policies(self, graph: FlowGraph, target: Box, target_key: str, mode: Any) -> None:
        links = sorted(self.policy_links.get(target_key, []), key=_order_key)
        if not links:
            return
        target.details.append(f"policy engine mode: {_show(mode) if mode is not None else 'not set (any if created)'}")
        for link in links:
            policy = self.catalogue.objects.get(link.other or "")
            if policy is not None:
                box = self._object_box(policy, POLICY, link.key)
            else:
                box = Box(link.key, POLICY, "(no policy, group or user)", "policy binding")
            box.source = _line(link.path, link.entry)
            self._source(link.path, link.entry, link.key)
            box.details.insert(0, f"order {_show(link.order)}")
            values = link.entry.values
            if values.get("negate") is True:
                box.details.append("negate: true")
            if values.get("enabled") is False:
                box.details.append("enabled: false")
            if values.get("failure_result") is True:
                box.details.append("on failure: pass")
            graph.policies.setdefault(target.key, []).append(box)
            graph.edges.append(Edge(box.key, target.key, "NOT" if values.get("negate") is True else "", "dashed"))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _attach(
    graph: FlowGraph,
    sources: Sources,
    files: dict[str, FileInfo],
    entries_by_key: dict[tuple[str, int], EntryInfo],
    drift: DriftMap,
) -> None:
    """Each finding on the entry (by YAML path, else by line) it concerns; drift by entry."""
    boxes = {box.key: box for box in graph.boxes()}
    by_path: dict[str, list[EntryInfo]] = {}
    for path, index in sources:
        by_path.setdefault(path, []).append(entries_by_key[(path, index)])
    for path, entries in by_path.items():
        for finding in files[path].findings:
            entry = _entry_of(finding.yaml_path, finding.line, entries)
            if entry is None:
                continue
            issue = Issue(
                finding.severity, finding.rule, finding.name, finding.message, path, finding.line, finding.column
            )
            for key in sources[(path, entry.index)]:
                if issue not in boxes[key].issues:
                    boxes[key].issues.append(issue)
        for entry in entries:
            change = drift.get((path, entry.index))
            if change is not None:
                for key in sources[(path, entry.index)]:
                    boxes[key].drift.append(change)


def _entry_of(yaml_path: tuple[str | int, ...], line: int, entries: list[EntryInfo]) -> EntryInfo | None:
    for entry in entries:
        if entry.yaml_path and yaml_path[: len(entry.yaml_path)] == entry.yaml_path:
            return entry
    if yaml_path:
        return None
    # No YAML path: the entry whose lines hold the finding (the later one where two touch).
    for entry in sorted(entries, key=lambda e: e.first_line, reverse=True):
        if entry.first_line <= line <= entry.last_line:
            return entry
    return None
