"""The write serializers of the modelled endpoints: their fields in DRF order, and their rules.

Each ``*_fields`` function returns the writable fields of one authentik serializer; ``run`` from
serializer.py validates a body against them and raises ``Invalid`` with DRF's error dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import threshold
from .fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DictField,
    Err,
    Field,
    FieldError,
    IntegerField,
    ListField,
    ManyPrimaryKeyField,
    PrimaryKeyField,
    fail,
    regex,
    unique,
)
from .serializer import non_field, run

if TYPE_CHECKING:
    from .state import State

DEVICE_CLASSES = ["static", "totp", "webauthn", "duo", "sms", "email"]
NOT_CONFIGURED_ACTIONS = ["skip", "deny", "configure"]
USER_VERIFICATION = ["required", "preferred", "discouraged"]
DESIGNATIONS = [
    "authentication",
    "authorization",
    "invalidation",
    "enrollment",
    "unenrollment",
    "recovery",
    "stage_configuration",
]
POLICY_ENGINE_MODES = ["all", "any"]
LAYOUTS = ["stacked", "content_left", "content_right", "sidebar_left", "sidebar_right"]
DENIED_ACTIONS = ["message_continue", "message", "continue"]
AUTHENTICATIONS = [
    "none",
    "require_authenticated",
    "require_unauthenticated",
    "require_superuser",
    "require_redirect",
    "require_outpost",
]
INVALID_RESPONSE_ACTIONS = ["retry", "restart", "restart_with_context"]
TOKEN_INTENTS = ["verification", "api", "recovery", "app_password"]
USER_TYPES = ["internal", "external", "service_account", "internal_service_account"]
INT32 = 2147483647

VALIDATE_DEFAULTS: dict[str, Any] = {
    "not_configured_action": "skip",
    "device_classes": list(DEVICE_CLASSES),
    "configuration_stages": [],
    "last_auth_threshold": "seconds=0",
    "webauthn_user_verification": "preferred",
    "webauthn_allowed_device_types": [],
}
CONFIGURE_MESSAGE = 'When "Not configured action" is set to "Configure", you must set a configuration stage.'


# -- AuthenticatorValidateStageSerializer ----------------------------------------------------------------
def validate_stage_fields(state: State, instance_pk: str | None) -> list[tuple[str, Field]]:
    def name_taken(name: str) -> bool:  # names are unique across every stage type (130)
        return any(s.name == name and s.pk != instance_pk for s in state.stages.values())

    return [
        ("name", CharField(required=True, validators=[unique("stage with this name already exists.", name_taken)])),
        ("not_configured_action", ChoiceField(NOT_CONFIGURED_ACTIONS)),
        ("device_classes", ListField(ChoiceField(DEVICE_CLASSES, required=True), allow_empty=False)),
        ("configuration_stages", ManyPrimaryKeyField(lambda pk: pk in state.stages)),
        ("last_auth_threshold", CharField(validators=[threshold.validate])),
        ("webauthn_user_verification", ChoiceField(USER_VERIFICATION)),
        ("webauthn_allowed_device_types", ManyPrimaryKeyField(lambda pk: pk in state.device_types)),
    ]


def _configure_rule(value: Any, initial_data: dict[str, Any]) -> Any:
    """validate_not_configured_action: reads configuration_stages from the request body only."""
    if value == "configure" and not initial_data.get("configuration_stages"):
        raise FieldError([Err(CONFIGURE_MESSAGE, "invalid")])
    return value


def validate_stage(state: State, data: Any, *, partial: bool, instance_pk: str | None = None) -> dict[str, Any]:
    return run(
        validate_stage_fields(state, instance_pk),
        data,
        partial=partial,
        hooks={"not_configured_action": _configure_rule},
    )


# -- FlowSerializer ---------------------------------------------------------------------------------------
def validate_flow(state: State, data: Any, *, partial: bool, instance_pk: str | None = None) -> dict[str, Any]:
    def slug_taken(slug: str) -> bool:
        return any(f.slug == slug and f.pk != instance_pk for f in state.flows.values())

    slug_validators = [
        regex(r"^[-a-zA-Z0-9_]+\Z", "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
        unique("Flow with this slug already exists.", slug_taken),
    ]
    fields: list[tuple[str, Field]] = [
        ("name", CharField(required=True)),
        ("slug", CharField(required=True, validators=slug_validators)),  # no length limit since 2025.12.0 (135)
        ("title", CharField(required=True)),
        ("designation", ChoiceField(DESIGNATIONS, required=True)),
        ("background", CharField(allow_blank=True)),
        ("policy_engine_mode", ChoiceField(POLICY_ENGINE_MODES)),
        ("compatibility_mode", BooleanField()),
        ("layout", ChoiceField(LAYOUTS)),
        ("denied_action", ChoiceField(DENIED_ACTIONS)),
        ("authentication", ChoiceField(AUTHENTICATIONS)),
    ]
    return run(fields, data, partial=partial)


# -- FlowStageBindingSerializer -----------------------------------------------------------------------------
def validate_binding(state: State, data: Any, *, partial: bool, instance_pk: str | None = None) -> dict[str, Any]:
    current = state.bindings.get(instance_pk) if instance_pk else None
    fields: list[tuple[str, Field]] = [
        ("target", PrimaryKeyField(lambda pk: pk in state.flows, required=True)),
        ("stage", PrimaryKeyField(lambda pk: pk in state.stages, required=True)),
        ("evaluate_on_plan", BooleanField()),
        ("re_evaluate_policies", BooleanField()),
        ("order", IntegerField(required=True, min_value=-INT32 - 1, max_value=INT32)),
        ("policy_engine_mode", ChoiceField(POLICY_ENGINE_MODES)),
        ("invalid_response_action", ChoiceField(INVALID_RESPONSE_ACTIONS)),
    ]

    def unique_together(attrs: dict[str, Any]) -> None:
        values = {}
        for key in ("target", "stage", "order"):
            if key in attrs:
                values[key] = attrs[key]
            elif current is not None:
                values[key] = getattr(current, key)
            else:
                return
        for other in state.bindings.values():
            if other.pk != instance_pk and (other.target, other.stage, other.order) == (
                values["target"],
                values["stage"],
                values["order"],
            ):
                raise non_field("The fields target, stage, order must make a unique set.", "unique")

    def evaluation(attrs: dict[str, Any]) -> None:  # reads the submitted values only
        if not attrs.get("evaluate_on_plan", False) and not attrs.get("re_evaluate_policies", True):
            raise non_field("Either evaluation on plan or evaluation on run must be enabled")

    return run(fields, data, partial=partial, rules=[unique_together, evaluation])


# -- users, tokens, roles, blueprint instances ----------------------------------------------------------------
def validate_user(state: State, data: Any, *, partial: bool, instance_pk: int | None = None) -> dict[str, Any]:
    def username_taken(username: str) -> bool:
        return any(u.username == username and u.pk != instance_pk for u in state.users.values())

    fields: list[tuple[str, Field]] = [
        ("username", CharField(required=True, validators=[unique("This field must be unique.", username_taken)])),
        ("name", CharField(required=True, allow_blank=True)),
        ("is_active", BooleanField()),
        ("email", CharField(allow_blank=True)),
        ("attributes", DictField()),
        ("path", CharField()),
        ("type", ChoiceField(USER_TYPES)),
    ]
    return run(fields, data, partial=partial)


def validate_token(state: State, data: Any, *, partial: bool, instance_pk: str | None = None) -> dict[str, Any]:
    def identifier_taken(identifier: str) -> bool:
        return any(t.identifier == identifier and t.pk != instance_pk for t in state.tokens.values())

    def user_exists(value: Any) -> None:
        if value not in state.users:
            raise fail(f'Invalid pk "{value}" - object does not exist.', "does_not_exist")

    fields: list[tuple[str, Field]] = [
        (
            "identifier",
            CharField(
                required=True,
                validators=[
                    regex(
                        r"^[-a-zA-Z0-9_]+\Z",
                        "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
                    ),
                    unique("Token with this identifier already exists.", identifier_taken),
                ],
            ),
        ),
        ("intent", ChoiceField(TOKEN_INTENTS)),
        ("user", IntegerField(validators=[user_exists])),
        ("description", CharField(allow_blank=True)),
        ("expiring", BooleanField()),
    ]
    return run(fields, data, partial=partial)


def validate_role(state: State, data: Any, *, partial: bool, instance_pk: str | None = None) -> dict[str, Any]:
    def name_taken(name: str) -> bool:
        return any(r.name == name and r.pk != instance_pk for r in state.roles.values())

    return run(
        [("name", CharField(required=True, validators=[unique("role with this name already exists.", name_taken)]))],
        data,
        partial=partial,
    )


def validate_blueprint_instance(
    data: Any, *, partial: bool, check_content: Callable[[str, Any], list[str]]
) -> dict[str, Any]:
    """BlueprintInstanceSerializer; ``check_content(content, context)`` gives the importer's log
    lines ([] = valid). The importer gets the request's ``context`` as the instance context."""

    def validate_content(content: str, initial_data: dict[str, Any]) -> str:
        logs = check_content(content, initial_data.get("context", {})) if content else []
        if logs:
            raise FieldError(
                [Err("Failed to validate blueprint", "invalid")] + [Err(f"- {line}", "invalid") for line in logs]
            )
        return content

    fields: list[tuple[str, Field]] = [
        ("name", CharField(required=True)),
        ("path", CharField(allow_blank=True)),
        ("context", DictField()),
        ("enabled", BooleanField()),
        ("content", CharField(allow_blank=True)),
    ]
    return run(fields, data, partial=partial, hooks={"content": validate_content})
