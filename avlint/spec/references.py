"""Which model a pk-valued field points at, from the field's name (the schemas do not say).

authentik's OpenAPI documents type a foreign key as a bare UUID (or integer) and its
PrimaryKeyRelatedField never names the related model, so the generator reads the target from
authentik's naming conventions: `*_flow` and `flow_*` hold a flow, `*_stage(s)` a stage,
`*_kp` and `*certificate*` a certificate-key pair, and so on. Where the name is too generic
(`target`, `webauthn_stage`, `fields`), a (model, field) entry below says what authentik's
Django model declares.

Targets are model strings; an abstract base (`authentik_flows.stage`, `authentik_core.source`,
`authentik_core.provider`, `authentik_core.propertymapping`, `authentik_policies.policy`) means
any concrete model derived from it. A pk-valued field that no rule covers gets no target: the
checks then know it holds a pk but not of what. Only fields typed as a UUID or an integer
(or lists of them) are considered, so `user_fields` or `flow_set` never match.
"""

from __future__ import annotations

import re

FLOW = "authentik_flows.flow"
STAGE = "authentik_flows.stage"
KEYPAIR = "authentik_crypto.certificatekeypair"

# (model, field) -> target, for names the conventions below would get wrong or cannot decide.
BY_MODEL_FIELD: dict[tuple[str, str], str] = {
    ("authentik_flows.flowstagebinding", "target"): FLOW,
    ("authentik_policies.policybinding", "target"): "authentik_policies.policybindingmodel",
    ("authentik_endpoints.deviceuserbinding", "target"): "authentik_policies.policybindingmodel",
    # IdentificationStage's three stage keys are typed to one stage model each (its models.py).
    (
        "authentik_stages_identification.identificationstage",
        "password_stage",
    ): "authentik_stages_password.passwordstage",
    ("authentik_stages_identification.identificationstage", "captcha_stage"): "authentik_stages_captcha.captchastage",
    (
        "authentik_stages_identification.identificationstage",
        "webauthn_stage",
    ): "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    ("authentik_stages_prompt.promptstage", "fields"): "authentik_stages_prompt.prompt",
    (
        "authentik_stages_authenticator_sms.authenticatorsmsstage",
        "mapping",
    ): "authentik_events.notificationwebhookmapping",
}

# Name conventions, first match wins.
BY_NAME: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), target)
    for pattern, target in (
        (r"^webhook_mapping_(body|headers)$", "authentik_events.notificationwebhookmapping"),
        (
            r"^(webauthn_allowed_device_types|device_type_restrictions)$",
            "authentik_stages_authenticator_webauthn.webauthndevicetype",
        ),
        (r"^(\w+_)?flow$|^flow_\w+$", FLOW),
        (r"^(\w+_)?stages?$", STAGE),
        (
            r"(^|_)(certificate|certificates|certificate_authorities)$|_kp$|^(signing|encryption)_key$|^tls_(authentication|verification)$",
            KEYPAIR,
        ),
        (r"(^|_)property_mappings(_group)?$|_mapping$", "authentik_core.propertymapping"),
        (r"^(\w+_)?groups?$|^parents$", "authentik_core.group"),
        (r"^(\w+_)?users?$|^reviewers$", "authentik_core.user"),
        (r"^roles?$", "authentik_rbac.role"),
        (r"^(\w+_)?sources?$", "authentik_core.source"),
        (r"^(\w+_)?providers?$", "authentik_core.provider"),
        (r"^policy$|_policies$", "authentik_policies.policy"),
        (r"^(default_)?application$|^app$", "authentik_core.application"),
        (r"^service_connection$", "authentik_outposts.outpostserviceconnection"),
        (r"^(notification_)?transports$", "authentik_events.notificationtransport"),
        (r"^connector$", "authentik_endpoints.connector"),
        (r"^brand$", "authentik_brands.brand"),
        (r"^tenant$", "authentik_tenants.tenant"),
        (r"^iteration$", "authentik_lifecycle.lifecycleiteration"),
    )
)


def referenced_model(model: str, field: str) -> str | None:
    """The model string a pk-valued `field` of `model` points at, or None when unknown."""
    if (model, field) in BY_MODEL_FIELD:
        return BY_MODEL_FIELD[(model, field)]
    for pattern, target in BY_NAME:
        if pattern.search(field):
            return target
    return None
