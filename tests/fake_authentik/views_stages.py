"""Stage endpoints: authenticator validation stages (the heart of the fake), ``stages/all``, TOTP
setup stages and the WebAuthn device-type catalogue."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from . import render
from .data import validate_stage_actions
from .fields import CharField, ChoiceField, Field, PrimaryKeyField, unique
from .http import Request, Response, empty_response, json_response, no_match, not_found
from .pagination import FilterErrors, order, paginate, search
from .routes import Method, Router, View
from .serializer import checked, run
from .state import TOTP, VALIDATE, VALIDATE_TYPE, Stage
from .validate import NOT_CONFIGURED_ACTIONS, VALIDATE_DEFAULTS, validate_stage

if TYPE_CHECKING:
    from .state import State

TOTP_TYPE = ("ak-stage-authenticator-totp-form", "TOTP Authenticator Setup Stage", "TOTP Authenticator Setup Stages")


def lookup_stage(state: State, raw: str, model: str | None, model_name: str) -> Stage:
    try:
        pk = str(uuid.UUID(raw))
    except ValueError:
        raise not_found() from None  # a malformed uuid is 404 "Not found." (032)
    stage = state.stages.get(pk)
    if stage is None or (model is not None and stage.model != model):
        raise no_match(model_name)  # 031, 080, 083
    return stage


# -- /stages/authenticator/validate/ ------------------------------------------------------------------
def validate_list(state: State, request: Request) -> Response:
    filters = FilterErrors()
    config_stages = filters.uuids(request, "configuration_stages", lambda pk: pk in state.stages)
    name = request.arg("name")
    action = filters.choice(request, "not_configured_action", NOT_CONFIGURED_ACTIONS)
    filters.raise_if_any()
    items = [s for s in state.stages.values() if s.model == VALIDATE]
    if name not in (None, ""):
        items = [s for s in items if s.name == name]
    if action is not None:
        items = [s for s in items if s.fields["not_configured_action"] == action]
    if config_stages:
        items = [s for s in items if set(config_stages) & set(s.fields["configuration_stages"])]
    items = search(request, items, lambda s: s.name)
    items = order(
        request,
        items,
        {
            "name": lambda s: s.name,
            "pk": lambda s: s.pk,
            "not_configured_action": lambda s: s.fields["not_configured_action"],
            "last_auth_threshold": lambda s: s.fields["last_auth_threshold"],
            "webauthn_user_verification": lambda s: s.fields["webauthn_user_verification"],
        },
        ["name"],
    )
    return json_response(200, paginate(request, items, lambda s: render.stage(state, s)))


def validate_create(state: State, request: Request) -> Response:
    values = checked(validate_stage, state, request.data(), partial=False)
    component, verbose, plural = VALIDATE_TYPE
    stage = Stage(
        pk=state.new_uuid(),
        name=values["name"],
        model=VALIDATE,
        component=component,
        verbose_name=verbose,
        verbose_name_plural=plural,
        fields={key: _copy(values.get(key, default)) for key, default in VALIDATE_DEFAULTS.items()},
    )
    state.stages[stage.pk] = stage
    return json_response(201, render.stage(state, stage))


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _validate_detail(state: State, request: Request) -> Stage:
    return lookup_stage(state, request.params["pk"], VALIDATE, "AuthenticatorValidateStage")


def validate_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.stage(state, _validate_detail(state, request)))


def _validate_update(state: State, request: Request, *, partial: bool) -> Response:
    stage = _validate_detail(state, request)
    values = checked(validate_stage, state, request.data(), partial=partial, instance_pk=stage.pk)
    if "name" in values:
        stage.name = values.pop("name")
    for key, value in values.items():  # omitted fields are kept, for PUT too (078)
        stage.fields[key] = _copy(value)
    return json_response(200, render.stage(state, stage))


def validate_put(state: State, request: Request) -> Response:
    return _validate_update(state, request, partial=False)


def validate_patch(state: State, request: Request) -> Response:
    return _validate_update(state, request, partial=True)


def validate_delete(state: State, request: Request) -> Response:
    state.delete_stage(_validate_detail(state, request).pk)
    return empty_response()


def validate_used_by(state: State, request: Request) -> Response:
    return json_response(200, render.used_by(state, _validate_detail(state, request)))


# -- /stages/all/ ---------------------------------------------------------------------------------------------
def all_list(state: State, request: Request) -> Response:
    items = list(state.stages.values())  # database order: there is no default ordering (129)
    name = request.arg("name")
    if name not in (None, ""):
        items = [s for s in items if s.name == name]
    items = search(request, items, lambda s: s.name)
    items = order(request, items, {"name": lambda s: s.name, "pk": lambda s: s.pk}, [])
    return json_response(200, paginate(request, items, lambda s: render.stage_base(state, s)))


def _any_stage(state: State, request: Request) -> Stage:
    return lookup_stage(state, request.params["pk"], None, "Stage")


def all_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.stage_base(state, _any_stage(state, request)))


def all_delete(state: State, request: Request) -> Response:
    state.delete_stage(_any_stage(state, request).pk)
    return empty_response()


def all_used_by(state: State, request: Request) -> Response:
    return json_response(200, render.used_by(state, _any_stage(state, request)))


# -- /stages/authenticator/totp/ (005) -----------------------------------------------------------------------
def _totp_fields(state: State, instance_pk: str | None) -> list[tuple[str, Field]]:
    def name_taken(name: str) -> bool:
        return any(s.name == name and s.pk != instance_pk for s in state.stages.values())

    return [
        ("name", CharField(required=True, validators=[unique("stage with this name already exists.", name_taken)])),
        ("configure_flow", PrimaryKeyField(lambda pk: pk in state.flows, allow_null=True)),
        ("friendly_name", CharField(allow_null=True)),
        ("digits", ChoiceField(["6", "8"])),  # inferred: not recorded beyond "6"
    ]


def totp_list(state: State, request: Request) -> Response:
    items = [s for s in state.stages.values() if s.model == TOTP]
    name = request.arg("name")
    if name not in (None, ""):
        items = [s for s in items if s.name == name]
    items = search(request, items, lambda s: s.name)
    items = order(request, items, {"name": lambda s: s.name}, ["name"])
    return json_response(200, paginate(request, items, lambda s: render.stage(state, s)))


def totp_create(state: State, request: Request) -> Response:
    values = checked(run, _totp_fields(state, None), request.data(), partial=False)
    component, verbose, plural = TOTP_TYPE
    stage = Stage(
        pk=state.new_uuid(),
        name=values["name"],
        model=TOTP,
        component=component,
        verbose_name=verbose,
        verbose_name_plural=plural,
        fields={
            "configure_flow": values.get("configure_flow"),
            "friendly_name": values.get("friendly_name"),
            "digits": values.get("digits", "6"),
        },
    )
    state.stages[stage.pk] = stage
    return json_response(201, render.stage(state, stage))


def _totp_detail(state: State, request: Request) -> Stage:
    return lookup_stage(state, request.params["pk"], TOTP, "AuthenticatorTOTPStage")


def totp_retrieve(state: State, request: Request) -> Response:
    return json_response(200, render.stage(state, _totp_detail(state, request)))


def _totp_update(state: State, request: Request, *, partial: bool) -> Response:
    stage = _totp_detail(state, request)
    values = checked(run, _totp_fields(state, stage.pk), request.data(), partial=partial)
    if "name" in values:
        stage.name = values.pop("name")
    stage.fields.update(values)
    return json_response(200, render.stage(state, stage))


def totp_delete(state: State, request: Request) -> Response:
    state.delete_stage(_totp_detail(state, request).pk)
    return empty_response()


# -- /stages/authenticator/webauthn_device_types/ (004, 156) ---------------------------------------------------
def device_types_list(state: State, request: Request) -> Response:
    items = list(state.device_types.values())
    for name in ("aaguid", "description", "icon"):
        value = request.arg(name)
        if value not in (None, ""):
            items = [d for d in items if getattr(d, name) == value]
    items = search(request, items, lambda d: d.description, lambda d: d.aaguid)
    items = order(
        request, items, {"description": lambda d: d.description, "aaguid": lambda d: d.aaguid}, ["description"]
    )
    return json_response(200, paginate(request, items, render.device_type))


def device_types_retrieve(state: State, request: Request) -> Response:
    try:
        aaguid = str(uuid.UUID(request.params["pk"]))
    except ValueError:
        raise not_found() from None
    item = state.device_types.get(aaguid)
    if item is None:
        raise no_match("WebAuthnDeviceType")
    return json_response(200, render.device_type(item))


def register(router: Router) -> None:
    pk = r"(?P<pk>[^/.]+)"
    validate_model = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
    description = "AuthenticatorValidateStage Viewset"
    router.add(
        "stages/authenticator/validate/",
        View(
            "Authenticator Validate Stage List",
            description,
            validate_model,
            {"GET": Method(validate_list), "POST": Method(validate_create)},
            metadata_actions=validate_stage_actions,
        ),
    )
    router.add(
        f"stages/authenticator/validate/{pk}/",
        View(
            "Authenticator Validate Stage Instance",
            description,
            validate_model,
            {
                "GET": Method(validate_retrieve),
                "PUT": Method(validate_put),
                "PATCH": Method(validate_patch),
                "DELETE": Method(validate_delete),
            },
            metadata_actions=validate_stage_actions,
        ),
    )
    router.add(
        f"stages/authenticator/validate/{pk}/used_by/",
        View(
            "Used by",
            description,
            validate_model,
            {"GET": Method(validate_used_by, "view")},
        ),
    )
    stage_model = "authentik_flows.stage"
    router.add("stages/all/", View("Stage List", "Stage Viewset", stage_model, {"GET": Method(all_list)}))
    router.add(
        f"stages/all/{pk}/",
        View(
            "Stage Instance",
            "Stage Viewset",
            stage_model,
            {"GET": Method(all_retrieve), "DELETE": Method(all_delete)},
        ),
    )
    router.add(
        f"stages/all/{pk}/used_by/", View("Used by", "Stage Viewset", stage_model, {"GET": Method(all_used_by, "view")})
    )
    totp_model = "authentik_stages_authenticator_totp.authenticatortotpstage"
    router.add(
        "stages/authenticator/totp/",
        View(
            "Authenticator TOTP Stage List",
            "AuthenticatorTOTPStage Viewset",
            totp_model,
            {"GET": Method(totp_list), "POST": Method(totp_create)},
        ),
    )
    router.add(
        f"stages/authenticator/totp/{pk}/",
        View(
            "Authenticator TOTP Stage Instance",
            "AuthenticatorTOTPStage Viewset",
            totp_model,
            {
                "GET": Method(totp_retrieve),
                "PUT": Method(lambda s, r: _totp_update(s, r, partial=False)),
                "PATCH": Method(lambda s, r: _totp_update(s, r, partial=True)),
                "DELETE": Method(totp_delete),
            },
        ),
    )
    device_model = "authentik_stages_authenticator_webauthn.webauthndevicetype"
    router.add(
        "stages/authenticator/webauthn_device_types/",
        View(
            "Web Authn Device Type List",
            "WebAuthnDeviceType Viewset",
            device_model,
            {"GET": Method(device_types_list)},
        ),
    )
    router.add(
        f"stages/authenticator/webauthn_device_types/{pk}/",
        View(
            "Web Authn Device Type Instance",
            "WebAuthnDeviceType Viewset",
            device_model,
            {"GET": Method(device_types_retrieve)},
        ),
    )
