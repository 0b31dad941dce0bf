"""The seed state: what a fresh authentik 2025.12.4 holds once its default blueprints are applied,
rebuilt from the recordings of a real server (README "Seed state").

``load`` gives a real server's defaults: 18 stages (one validation stage,
``default-authentication-mfa-validation``), 14 flows and 20 bindings. The recorded server also
held four validation stages made by hand before the recordings (``HAND_MADE``); they are not
defaults, and ``add_hand_made_stages`` puts them back (at their recorded place in database
order) for the contract test's replay and for tests that want that server.

Recorded, and taken as is:

* the stages in database order with their base fields and ``flow_set`` (129);
* the validation stages' own fields (003) and the TOTP setup stage's (005);
* the two authentication flows in full (094) and the short form of the 9 other bound flows
  (every ``flow_set`` entry of 129);
* the four bindings of ``default-authentication-flow`` (096);
* the first page (100 of 680) of ``/rbac/permissions/`` (028).

Not recorded, and supplied here (marked "inferred"): the three default flows that hold no stage
(so no ``flow_set`` names them), the fields of the short-form flows that only the full serializer
shows, the other flows' bindings (their pks and orders come from the recorded exports where one
exists, otherwise from authentik's default blueprints), and the 580 other permissions.
tests/test_fake_contract.py checks the flows, stages and bindings against the 2025.12.4 default
blueprints (tests/data/default-blueprints/).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .data import response_body
from .state import (
    ADMIN_USER_PK,
    FIRST_API_USER_PK,
    LIMITED_USER_PK,
    TOTP,
    VALIDATE,
    Binding,
    Flow,
    Stage,
)

if TYPE_CHECKING:
    from .state import State

_NS = uuid.UUID("6a1c0c53-8b0e-4d51-9a55-1c2f3f4a5b6c")  # namespace of the fake's inferred pks

VALIDATE_FIELDS = (
    "not_configured_action",
    "device_classes",
    "configuration_stages",
    "last_auth_threshold",
    "webauthn_user_verification",
    "webauthn_allowed_device_types",
)
TOTP_FIELDS = ("configure_flow", "friendly_name", "digits")

# inferred: `authentication` of flows only seen in short form (exports and default blueprints).
FLOW_AUTHENTICATION = {
    "default-authenticator-static-setup": "require_authenticated",
    "default-authenticator-totp-setup": "require_authenticated",  # export
    "default-authenticator-webauthn-setup": "require_authenticated",
    "default-invalidation-flow": "none",
    "default-password-change": "require_authenticated",
    "default-provider-authorization-explicit-consent": "require_authenticated",
    "default-source-enrollment": "none",  # export
    "default-user-settings-flow": "require_authenticated",  # export
    "initial-setup": "none",
}

# inferred: the default flows that hold no stage (authentik's default blueprints, 2025.12).
UNBOUND_FLOWS = (
    (
        "default-provider-authorization-implicit-consent",
        "Authorize Application",
        "Redirecting to %(app)s",
        "authorization",
        "require_authenticated",
    ),
    (
        "default-provider-invalidation-flow",
        "Logged out of application",
        "You've logged out of %(app)s.",
        "invalidation",
        "none",
    ),
    ("default-source-pre-authentication", "Pre-Authentication", "Pre-authentication", "stage_configuration", "none"),
)

# Bindings of flows other than default-authentication-flow: (flow slug, stage name) ->
# (order, pk or None, evaluate_on_plan, re_evaluate_policies). pks from the recorded exports,
# orders from the exports or the default blueprints; None pks are generated (uuid5).
OTHER_BINDINGS: dict[tuple[str, str], tuple[int, str | None, bool, bool]] = {
    ("default-authenticator-totp-setup", "default-authenticator-totp-setup"): (
        0,
        "64d602a3-410f-4bee-bde5-af387c53285f",
        False,
        True,
    ),
    ("default-source-enrollment", "default-source-enrollment-prompt"): (
        0,
        "832f420a-52ea-4134-a355-824c5ed213f2",
        False,
        True,
    ),
    ("default-source-enrollment", "default-source-enrollment-write"): (
        1,
        "288af1a1-d334-43cf-9a43-622ca857c76a",
        False,
        True,
    ),
    ("default-source-enrollment", "default-source-enrollment-login"): (
        2,
        "862a2c0b-e210-4ccd-8d75-5ea9193ceedf",
        False,
        True,
    ),
    ("default-user-settings-flow", "default-user-settings"): (20, "dc284058-4a5e-4c6e-9a70-de3e90f72398", False, True),
    ("default-user-settings-flow", "default-user-settings-write"): (
        100,
        "e473e028-f5f5-49f8-bc24-f6a8ce3849b4",
        False,
        True,
    ),
    ("initial-setup", "stage-default-oobe-password"): (10, None, True, False),
    ("initial-setup", "default-password-change-write"): (20, None, False, True),
    ("initial-setup", "default-authentication-login"): (100, None, True, False),
    ("default-password-change", "default-password-change-prompt"): (0, None, False, True),
    ("default-password-change", "default-password-change-write"): (1, None, False, True),
    ("default-provider-authorization-explicit-consent", "default-provider-authorization-consent"): (
        0,
        None,
        False,
        True,
    ),
    ("default-authenticator-static-setup", "default-authenticator-static-setup"): (0, None, False, True),
    ("default-authenticator-webauthn-setup", "default-authenticator-webauthn-setup"): (0, None, False, True),
    ("default-invalidation-flow", "default-invalidation-logout"): (0, None, False, True),
    ("default-source-authentication", "default-source-authentication-login"): (0, None, False, True),
}

PERMISSION_COUNT = 680  # recording 028

# The policies the default blueprints bind to a flow itself (a full flow's ``policies``), for the
# flows only seen in short form: the pk from the recorded export where there is one, else inferred.
FLOW_POLICIES: dict[str, tuple[str, ...]] = {
    "default-source-enrollment": ("b8f32ab4-c1e5-4f24-9032-8161245b82da",),  # export: ...-if-sso
    "initial-setup": ("policy:default-oobe-password-usable",),  # inferred
}

# Validation stages the recorded server held that its default blueprints do not create: made by
# hand before the recordings (README "Seed state"), unbound, and listed by every list recording.
HAND_MADE = ("lint-api-applied-validate", "lint-bp-good-validate", "lint-good-validate", "probe-1795445869")


def _inferred_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, ":".join(parts)))


def _flow_from(data: dict[str, Any]) -> Flow:
    slug = data["slug"]
    return Flow(
        pk=data["pk"],
        pbm_pk=data["policybindingmodel_ptr_id"],
        name=data["name"],
        slug=slug,
        title=data["title"],
        designation=data["designation"],
        background=data.get("background", ""),
        policy_engine_mode=data["policy_engine_mode"],
        compatibility_mode=data["compatibility_mode"],
        layout=data["layout"],
        denied_action=data["denied_action"],
        authentication=data.get("authentication", FLOW_AUTHENTICATION.get(slug, "none")),
        policies=list(data["policies"]) if "policies" in data else _flow_policies(slug),
    )


def _flow_policies(slug: str) -> list[str]:
    return [_inferred_uuid(*pk.split(":")) if pk.startswith("policy:") else pk for pk in FLOW_POLICIES.get(slug, ())]


def _stage_from(data: dict[str, Any], validate_fields: dict[str, Any], totp_fields: dict[str, Any]) -> Stage:
    stage = Stage(
        pk=data["pk"],
        name=data["name"],
        model=data["meta_model_name"],
        component=data["component"],
        verbose_name=data["verbose_name"],
        verbose_name_plural=data["verbose_name_plural"],
    )
    if stage.model == VALIDATE:
        full = validate_fields[stage.pk]
        stage.fields = {key: full[key] for key in VALIDATE_FIELDS}
    elif stage.model == TOTP:
        full = totp_fields[stage.pk]
        stage.fields = {key: full[key] for key in TOTP_FIELDS}
    return stage


def add_hand_made_stages(state: State) -> None:
    """Add the recorded server's four hand-made validation stages (``HAND_MADE``) with their
    recorded pks and fields, in the recorded database order (129): the state recordings 001 and
    105 started from."""
    validate_fields = {s["pk"]: s for s in response_body(3)["results"]}
    with state.lock:
        existing = dict(state.stages)
        state.stages.clear()
        for data in response_body(129)["results"]:
            if data["name"] in HAND_MADE:
                state.stages[data["pk"]] = _stage_from(data, validate_fields, {})
            elif data["pk"] in existing:
                state.stages[data["pk"]] = existing.pop(data["pk"])
        state.stages.update(existing)  # stages created since the seed keep their order, last


def load(state: State) -> None:
    all_stages = response_body(129)["results"]
    validate_fields = {s["pk"]: s for s in response_body(3)["results"]}
    totp_fields = {s["pk"]: s for s in response_body(5)["results"]}

    # Flows: full objects where recorded, short forms otherwise.
    full_flows = {f["slug"]: f for f in response_body(94)["results"]}
    flows: dict[str, Flow] = {}
    for stage in all_stages:
        for short in stage["flow_set"]:
            if short["slug"] not in flows:
                flows[short["slug"]] = _flow_from(full_flows.get(short["slug"], short))
    for slug, name, title, designation, authentication in UNBOUND_FLOWS:
        flows[slug] = Flow(
            pk=_inferred_uuid("flow", slug),
            pbm_pk=_inferred_uuid("pbm", slug),
            name=name,
            slug=slug,
            title=title,
            designation=designation,
            authentication=authentication,
        )
    for flow in sorted(flows.values(), key=lambda f: f.slug):
        state.flows[flow.pk] = flow

    # Stages in database order.
    for data in all_stages:
        if data["name"] not in HAND_MADE:
            state.stages[data["pk"]] = _stage_from(data, validate_fields, totp_fields)

    # Bindings in an order that reproduces every recorded flow_set and Flow.stages order.
    recorded = {(b["target"], b["stage"]): b for b in response_body(96)["results"]}
    for data in all_stages:
        for short in data["flow_set"]:
            flow = flows[short["slug"]]
            binding = recorded.get((flow.pk, data["pk"]))
            if binding is not None:
                state.bindings[binding["pk"]] = Binding(
                    pk=binding["pk"],
                    pbm_pk=binding["policybindingmodel_ptr_id"],
                    target=flow.pk,
                    stage=data["pk"],
                    order=binding["order"],
                    evaluate_on_plan=binding["evaluate_on_plan"],
                    re_evaluate_policies=binding["re_evaluate_policies"],
                    policy_engine_mode=binding["policy_engine_mode"],
                    invalid_response_action=binding["invalid_response_action"],
                )
                continue
            order, pk, on_plan, on_run = OTHER_BINDINGS[(flow.slug, data["name"])]
            pk = pk or _inferred_uuid("binding", flow.slug, data["name"])
            state.bindings[pk] = Binding(
                pk=pk,
                pbm_pk=_inferred_uuid("binding-pbm", flow.slug, data["name"]),
                target=flow.pk,
                stage=data["pk"],
                order=order,
                evaluate_on_plan=on_plan,
                re_evaluate_policies=on_run,
            )

    _load_users(state)
    _load_permissions(state)
    # The role-permission row ids of the recorded instance: 119 answered [{"id": "305"}].
    state.next_assignment_id = 305


def _load_users(state: State) -> None:
    admin = state.add_user("akadmin", "authentik Default Admin", is_superuser=True, email="root@localhost")
    assert admin.pk == ADMIN_USER_PK
    state.add_token(
        "avlint-fake-admin-token",
        admin.pk,
        key=state.admin_token,
        expiring=False,
        description="fake superuser API token",
    )
    limited = state.add_user("avlint-limited", "avlint limited user")
    assert limited.pk == LIMITED_USER_PK
    state.add_token(
        "avlint-fake-limited-token",
        limited.pk,
        key=state.limited_token,
        expiring=False,
        description="fake limited API token",
    )
    state.next_user_pk = FIRST_API_USER_PK


def _load_permissions(state: State) -> None:
    recorded = response_body(28)["results"]
    permissions = list(recorded)
    used_ids = {p["id"] for p in permissions}
    known = {(p["app_label"], p["codename"]) for p in permissions}

    def add(name: str, codename: str, model: str, app_label: str, app_verbose: str, model_verbose: str) -> None:
        if (app_label, codename) in known or len(permissions) >= PERMISSION_COUNT:
            return
        next_id = max(used_ids) + 1
        used_ids.add(next_id)
        known.add((app_label, codename))
        permissions.append(
            {
                "id": next_id,
                "name": name,
                "codename": codename,
                "model": model,
                "app_label": app_label,
                "app_label_verbose": app_verbose,
                "model_verbose": model_verbose,
            }
        )

    # inferred: the permissions of the models the fake serves (their names sort after page 1).
    models = (
        (
            "authenticatorvalidatestage",
            "authentik_stages_authenticator_validate",
            "authentik Stages.Authenticator.Validate",
            "Authenticator Validation Stage",
        ),
        ("flow", "authentik_flows", "authentik Flows", "Flow"),
        ("flowstagebinding", "authentik_flows", "authentik Flows", "Flow Stage Binding"),
        ("stage", "authentik_flows", "authentik Flows", "stage"),
        ("blueprintinstance", "authentik_blueprints", "authentik Blueprints", "Blueprint Instance"),
    )
    for model, app_label, app_verbose, model_verbose in models:
        for action in ("change", "delete", "view"):
            add(f"Can {action} {model_verbose}", f"{action}_{model}", model, app_label, app_verbose, model_verbose)
    # inferred: filler so the catalogue has the recorded count.
    index = 0
    while len(permissions) < PERMISSION_COUNT:
        add(
            f"Can view fake filler {index:03d}",
            f"view_filler{index:03d}",
            f"filler{index:03d}",
            "authentik_fake",
            "authentik Fake",
            f"Filler {index:03d}",
        )
        index += 1
    state.permissions = sorted(permissions, key=lambda p: p["name"])
