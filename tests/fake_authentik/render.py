"""Serializer output: how each stored object appears in a response body (field order included)."""

from __future__ import annotations

import hashlib
from base64 import b64encode
from functools import cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from .state import VALIDATE, iso

if TYPE_CHECKING:
    from .state import Binding, BlueprintInstance, DeviceType, Flow, Role, Stage, State, Token, User

DEFAULT_BACKGROUND = "/static/dist/assets/images/flow_background.jpg"
INSTALL_ID = "fake-authentik-install-id"  # stands in for the instance's install id (user uid)


# -- flows ---------------------------------------------------------------------------------------
def flow_short(flow: Flow) -> dict[str, Any]:
    """FlowSetSerializer: the flow as nested in a stage's ``flow_set``."""
    return {
        "pk": flow.pk,
        "policybindingmodel_ptr_id": flow.pbm_pk,
        "name": flow.name,
        "slug": flow.slug,
        "title": flow.title,
        "designation": flow.designation,
        "background_url": flow.background or DEFAULT_BACKGROUND,
        "policy_engine_mode": flow.policy_engine_mode,
        "compatibility_mode": flow.compatibility_mode,
        "export_url": f"/api/v3/flows/instances/{flow.slug}/export/",
        "layout": flow.layout,
        "denied_action": flow.denied_action,
    }


def flow(state: State, flow: Flow) -> dict[str, Any]:
    """FlowSerializer (094, 095, 131, 132)."""
    return {
        "pk": flow.pk,
        "policybindingmodel_ptr_id": flow.pbm_pk,
        "name": flow.name,
        "slug": flow.slug,
        "title": flow.title,
        "designation": flow.designation,
        "background": flow.background,
        "background_url": flow.background or DEFAULT_BACKGROUND,
        "background_themed_urls": None,
        "stages": [b.stage for b in state.bindings_of_flow(flow.pk)],
        "policies": list(flow.policies),
        "cache_count": 0,
        "policy_engine_mode": flow.policy_engine_mode,
        "compatibility_mode": flow.compatibility_mode,
        "export_url": f"/api/v3/flows/instances/{flow.slug}/export/",
        "layout": flow.layout,
        "denied_action": flow.denied_action,
        "authentication": flow.authentication,
    }


# -- stages --------------------------------------------------------------------------------------
def flow_set(state: State, stage: Stage, *, in_flow_order: bool = False) -> list[dict[str, Any]]:
    """The flows a stage is bound in. The query has no ORDER BY, so the order follows the plan:
    reading a stage gives binding order (``default-authentication-login`` lists initial-setup
    first in 128/129), while a binding list's ``stage_obj`` gives flow-table order (it lists
    default-authentication-flow first in 096)."""
    targets = [b.target for b in state.bindings_of_stage(stage.pk)]
    if in_flow_order:
        targets = sorted(targets, key=list(state.flows).index)
    return [flow_short(state.flows[pk]) for pk in targets]


def stage_base(
    state: State, stage: Stage, *, as_base_model: bool = False, in_flow_order: bool = False
) -> dict[str, Any]:
    """StageSerializer: the base fields every stage type shares (``/stages/all/``, ``stage_obj``).

    ``as_base_model`` gives the generic ``authentik_flows.stage`` description that a binding's 201
    body carries (recording 143).
    """
    if as_base_model:
        component, verbose, plural, model = "", "stage", "stages", "authentik_flows.stage"
    else:
        component, verbose, plural, model = stage.component, stage.verbose_name, stage.verbose_name_plural, stage.model
    return {
        "pk": stage.pk,
        "name": stage.name,
        "component": component,
        "verbose_name": verbose,
        "verbose_name_plural": plural,
        "meta_model_name": model,
        "flow_set": flow_set(state, stage, in_flow_order=in_flow_order),
    }


def stage(state: State, stage: Stage) -> dict[str, Any]:
    """The type's own serializer: base fields, then the type-specific ones."""
    body = stage_base(state, stage)
    body.update({key: _copy(value) for key, value in stage.fields.items()})
    if stage.model == VALIDATE:
        body["webauthn_allowed_device_types_obj"] = [
            device_type(state.device_types[aaguid])
            for aaguid in stage.fields["webauthn_allowed_device_types"]
            if aaguid in state.device_types
        ]
    return body


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def used_by(state: State, stage: Stage) -> list[dict[str, Any]]:
    """UsedByMixin for a stage: its flows (cascade_many), then its bindings (cascade) (033, 150)."""
    bindings = state.bindings_of_stage(stage.pk)
    result, seen = [], set()
    for binding in bindings:
        target = state.flows[binding.target]
        if target.pk in seen:
            continue
        seen.add(target.pk)
        result.append(
            {
                "app": "authentik_flows",
                "model_name": "flow",
                "pk": target.pk,
                "name": f"Flow {target.name} ({target.slug})",
                "action": "cascade_many",
            }
        )
    for binding in bindings:
        result.append(
            {
                "app": "authentik_flows",
                "model_name": "flowstagebinding",
                "pk": binding.pk,
                "name": f"Flow-stage binding #{binding.order} to {binding.target}",
                "action": "cascade",
            }
        )
    return result


def flow_used_by(state: State, flow: Flow) -> list[dict[str, Any]]:
    return [
        {
            "app": "authentik_flows",
            "model_name": "flowstagebinding",
            "pk": b.pk,
            "name": f"Flow-stage binding #{b.order} to {b.target}",
            "action": "cascade",
        }
        for b in state.bindings_of_flow(flow.pk)
    ]


def binding(state: State, binding: Binding, *, created: bool = False) -> dict[str, Any]:
    return {
        "pk": binding.pk,
        "policybindingmodel_ptr_id": binding.pbm_pk,
        "target": binding.target,
        "stage": binding.stage,
        "stage_obj": stage_base(state, state.stages[binding.stage], as_base_model=created, in_flow_order=True),
        "evaluate_on_plan": binding.evaluate_on_plan,
        "re_evaluate_policies": binding.re_evaluate_policies,
        "order": binding.order,
        "policy_engine_mode": binding.policy_engine_mode,
        "invalid_response_action": binding.invalid_response_action,
    }


def device_type(item: DeviceType) -> dict[str, Any]:
    return {"aaguid": item.aaguid, "description": item.description}


# -- users, tokens, roles, blueprints -------------------------------------------------------------
def user(state: State, user: User) -> dict[str, Any]:
    roles = [r for r in state.roles.values() if user.pk in r.users]
    return {
        "pk": user.pk,
        "username": user.username,
        "name": user.name,
        "is_active": user.is_active,
        "last_login": iso(user.last_login),
        "date_joined": iso(user.date_joined),
        "is_superuser": user.is_superuser,
        "groups": [],
        "groups_obj": [],
        "roles": [r.pk for r in roles],
        "roles_obj": [role(r) for r in roles],
        "email": user.email,
        "avatar": avatar(user.name.strip() or user.username.strip() or "a k"),
        "attributes": dict(user.attributes),
        "uid": hashlib.sha256(f"{INSTALL_ID}-{user.pk}".encode()).hexdigest(),
        "path": user.path,
        "type": user.type,
        "uuid": user.uuid,
        "password_change_date": iso(user.password_change_date),
        "last_updated": iso(user.last_updated),
    }


def token(state: State, token: Token) -> dict[str, Any]:
    owner = state.users.get(token.user)
    return {
        "pk": token.pk,
        "managed": token.managed,
        "identifier": token.identifier,
        "intent": token.intent,
        "user": token.user,
        "user_obj": user(state, owner) if owner else None,
        "description": token.description,
        "expires": iso(token.expires),
        "expiring": token.expiring,
    }


def role(item: Role) -> dict[str, Any]:
    return {"pk": item.pk, "name": item.name}


def blueprint(item: BlueprintInstance) -> dict[str, Any]:
    return {
        "pk": item.pk,
        "name": item.name,
        "path": item.path,
        "context": item.context,
        "last_applied": iso(item.last_applied),
        "last_applied_hash": item.last_applied_hash,
        "status": item.status,
        "enabled": item.enabled,
        "managed_models": list(item.managed_models),
        "metadata": item.metadata,
        "content": item.content,
    }


# -- avatars (authentik/lib/avatars.py, "initials" mode) -----------------------------------------------
def _colors(text: str) -> tuple[str, str]:
    color = int(hashlib.md5(text.lower().encode("utf-8"), usedforsecurity=False).hexdigest(), 16) % 0xFFFFFF
    blue = min(max(color & 0xFF, 55), 200)
    green = min(max((color >> 8) & 0xFF, 55), 200)
    red = min(max((color >> 16) & 0xFF, 55), 200)
    text_hex = "000" if (red * 0.299 + green * 0.587 + blue * 0.114) > 186 else "fff"
    return f"{red:02x}{green:02x}{blue:02x}", text_hex


@cache
def avatar(name: str) -> str:
    parts = name.split()
    if len(parts) > 2:
        parts = [parts[0], parts[-1]]
    initials = parts[0][:2] if len(parts) == 1 else ("".join(part[0] for part in parts[:-1]) + parts[-1])[:2]
    background, foreground = _colors(name)
    fonts = ",".join(["'RedHatText'", "'Overpass'", "overpass", "helvetica", "arial", "sans-serif"])
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="64px" viewBox="0 0 64 64" version="1.1">'
        f'<rect fill="#{background}" cx="32" cy="32" width="64" height="64" r="32"/>'
        f'<text x="50%" y="50%" style="color: #{foreground}; line-height: 1; font-family: {fonts}; " '
        f'fill="#{foreground}" alignment-baseline="middle" dominant-baseline="middle" text-anchor="middle" '
        f'font-size="28" font-weight="400" dy=".1em">{escape(initials.upper())}</text></svg>'
    )
    return "data:image/svg+xml;base64," + b64encode(svg.encode("utf-8")).decode("ascii")
