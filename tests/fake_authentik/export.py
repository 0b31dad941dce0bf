"""``GET /flows/instances/<slug>/export/``: a flow as a blueprint (recording 097).

Flows with a recorded export (tests/data/recordings/exports/) answer that text with a fresh
``metadata.name`` timestamp, byte for byte as recorded. Other flows get an export built from the
fake's state in the exporter's shape (flow, stages, bindings; attrs without read-only or falsy
values; keys sorted), written with PyYAML's safe dumper as authentik's BlueprintDumper does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .data import export_text
from .state import VALIDATE

if TYPE_CHECKING:
    from .state import Flow, State

_STAMP = re.compile(r"^(  name: authentik Export - ).*$", re.MULTILINE)
FLOW_ATTRS = (
    "authentication",
    "background",
    "compatibility_mode",
    "denied_action",
    "designation",
    "layout",
    "name",
    "policy_engine_mode",
    "title",
)
BINDING_ATTRS = ("evaluate_on_plan", "invalid_response_action", "policy_engine_mode", "re_evaluate_policies")


def export_flow(state: State, flow: Flow) -> str:
    moment = str(state.now())  # str(datetime), e.g. "2026-11-23 15:04:49.392371+00:00"
    recorded = export_text(flow.slug)
    if recorded is not None:
        return _STAMP.sub(lambda m: m.group(1) + moment, recorded, count=1)
    return _generate(state, flow, f"authentik Export - {moment}")


def _entry(model: str, identifiers: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "attrs": {key: value for key, value in attrs.items() if value not in (False, "", [], None)},
        "conditions": [],
        "identifiers": identifiers,
        "model": model,
        "permissions": [],
        "state": "present",
    }


def _generate(state: State, flow: Flow, stamp: str) -> str:
    import yaml

    bindings = sorted(state.bindings_of_flow(flow.pk), key=lambda b: b.order)
    entries = [
        _entry(
            "authentik_flows.flow", {"pk": flow.pk, "slug": flow.slug}, {key: getattr(flow, key) for key in FLOW_ATTRS}
        )
    ]
    seen: set[str] = set()
    for binding in bindings:
        stage = state.stages[binding.stage]
        if stage.pk in seen:
            continue
        seen.add(stage.pk)
        attrs = dict(stage.fields) if stage.model == VALIDATE else {}
        entries.append(_entry(stage.model, {"name": stage.name, "pk": stage.pk}, attrs))
    for binding in bindings:
        entries.append(
            _entry(
                "authentik_flows.flowstagebinding",
                {"order": binding.order, "pk": binding.pk, "stage": binding.stage, "target": binding.target},
                {key: getattr(binding, key) for key in BINDING_ATTRS},
            )
        )
    document = {
        "context": {},
        "entries": entries,
        "metadata": {"labels": {"blueprints.goauthentik.io/generated": "true"}, "name": stamp},
        "version": 1,
    }
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)
