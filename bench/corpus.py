#!/usr/bin/env python3
"""Deterministic generator of realistic authentik flow exports for the benchmarks.

Every file looks like what authentik 2025.12's flow exporter
(``GET /api/v3/flows/instances/<slug>/export/``) writes: a plain
``yaml.dump(blueprint, Dumper=SafeDumper)`` of the blueprint dict, so keys
are sorted, sequences sit at offset 0, ``context: {}`` comes first, every
entry has ``attrs/conditions/identifiers/model/permissions/state``, pks are
UUIDs, ``metadata`` carries the ``blueprints.goauthentik.io/generated``
label, and long multi-line expressions are folded the way PyYAML folds
them. Dumping the four real flow exports of authentik 2025.12.4 with
PyYAML's pure-Python SafeDumper reproduces them byte for byte, and that
dumper is used here. Like the exporter, attrs that equal their serializer's initial value
(false, "", [], null) are left out, stage names go to ``identifiers`` and
the entries come in the exporter's order: flow, prompts, policies, stages,
flow-stage bindings, policy bindings.

No YAML tags are written, so every peer (check-jsonschema, yamllint,
PyYAML, ruamel.yaml) reads the files.

Each file is generated from its own RNG seeded with ``(seed, index)``, so
file N is the same whatever ``--files`` is: the first 250 files of a
1,000-file corpus are the 250-file corpus.

Usage:
    python bench/corpus.py --files 1000 --out bench/corpus
    python bench/corpus.py --one-file bench/one-200-lines.yaml
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import random
import sys
import uuid
from pathlib import Path

import yaml

DEFAULT_SEED = 20251204
DEFAULT_FILES = 1000

# Line-count distribution of the corpus: 100-300 lines, skewed towards the
# small end like real exports (the four real ones are 46-185 lines). With
# this shape 1,000 files come to about 4 MB.
MIN_LINES = 100
MAX_LINES = 300

# Bump when the output changes, so bench/run.py regenerates an old corpus.
GENERATOR_VERSION = 1
STATS_FILE = ".corpus-stats"

ORGS = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "aperture",
    "blackmesa",
    "oscorp",
    "massive",
    "vandelay",
    "pied-piper",
    "dunder",
    "sterling",
    "prestige",
    "gringotts",
    "monarch",
    "nakatomi",
    "weyland",
    "yoyodyne",
    "zorg",
    "virtucon",
    "gekko",
    "duff",
    "krusty",
]
TEAMS = [
    "corp",
    "staff",
    "partners",
    "contractors",
    "students",
    "admins",
    "ops",
    "sre",
    "finance",
    "hr",
    "legal",
    "support",
    "sales",
    "eng",
    "research",
    "guests",
]
DOMAINS = ["example.com", "example.org", "example.net", "corp.example", "intra.example"]
GROUPS = [
    "authentik Admins",
    "Domain Admins",
    "Helpdesk",
    "Contractors",
    "Finance",
    "Engineering",
    "VPN Users",
    "MFA Exempt",
    "Break Glass",
    "External Partners",
    "Students",
    "Faculty",
]
COUNTRIES = ["DE", "FR", "NL", "US", "GB", "CH", "AT", "SE", "NO", "PL", "ES", "IT", "CA"]
NETWORKS = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "203.0.113.0/24",
    "198.51.100.0/24",
    "2001:db8::/32",
    "fd00::/8",
]
THRESHOLDS = [
    "seconds=0",
    "seconds=0",
    "seconds=0",
    "hours=12",
    "hours=1",
    "minutes=30",
    "days=1",
    "hours=8",
    "weeks=1",
    "days=30",
    "hours=1;minutes=30",
    "minutes=5",
    "hours=24",
]
DEVICE_CLASSES = ["static", "totp", "webauthn", "duo", "sms", "email"]
BACKENDS = [
    "authentik.core.auth.InbuiltBackend",
    "authentik.sources.kerberos.auth.KerberosBackend",
    "authentik.sources.ldap.auth.LDAPBackend",
    "authentik.core.auth.TokenBackend",
]
DURATIONS = ["seconds=0", "hours=8", "hours=12", "days=1", "weeks=1", "days=7;hours=12"]

# Policy expressions in the style of authentik's documentation and default
# blueprints. ``{...}`` fields are filled per policy so that no two files are
# the same text.
EXPRESSIONS = [
    (
        "mfa-skip",
        'flow_plan = request.context.get("flow_plan")\n'
        "if not flow_plan:\n"
        "    return True\n"
        "# If the user does not have a backend attached to it, they haven't\n"
        "# been authenticated yet and we need the password stage\n"
        'return not hasattr(flow_plan.context.get("pending_user"), "backend")',
    ),
    (
        "webauthn-skip",
        'flow_plan = request.context.get("flow_plan")\n'
        "if not flow_plan:\n"
        "    return True\n"
        "# if the authentication method is webauthn (passwordless), then we skip the authenticator\n"
        "# validation stage by returning false (true will execute the stage)\n"
        'return not (flow_plan.context.get("auth_method") == "auth_webauthn_pwl")',
    ),
    ("group-member", 'return ak_is_group_member(request.user, name="{group}")'),
    (
        "not-group-member",
        '# Members of {group} are exempt from this stage\nreturn not ak_is_group_member(request.user, name="{group}")',
    ),
    (
        "email-domain",
        'email = request.context.get("prompt_data", {{}}).get("email", "")\n'
        'allowed_domains = ["{domain}", "{domain2}"]\n'
        'if not any(email.lower().endswith("@" + domain) for domain in allowed_domains):\n'
        '    ak_message("Only addresses of {org} ({domain}) may enroll here.")\n'
        "    return False\n"
        "return True",
    ),
    (
        "trusted-network",
        "from ipaddress import ip_address, ip_network\n\n"
        'client_ip = ip_address(request.context.get("ip", request.http_request.META.get("REMOTE_ADDR")))\n'
        'trusted = ["{net}", "{net2}"]\n'
        "# Skip the second factor only from the office networks of {org}\n"
        "return not any(client_ip in ip_network(network) for network in trusted)",
    ),
    (
        "is-sso",
        "# This policy ensures that this flow can only be used when the user\n"
        "# is in a SSO Flow (meaning they come from an external IdP)\nreturn ak_is_sso_flow",
    ),
    (
        "username-missing",
        "# Check if we've not been given a username by the external IdP\n"
        "# and trigger the enrollment flow\n"
        "return 'username' not in context.get('prompt_data', {{}})",
    ),
    (
        "password-age",
        "from datetime import timedelta\n"
        "from django.utils.timezone import now\n\n"
        "last_change = request.user.password_change_date\n"
        "if last_change and now() - last_change > timedelta(days={days}):\n"
        '    ak_message("Your password is older than {days} days, please choose a new one.")\n'
        "    return False\n"
        "return True",
    ),
    (
        "geoip-country",
        "# Block logins from outside the countries where {org} operates\n"
        'geoip = request.context.get("geoip")\n'
        "if not geoip:\n"
        "    return False\n"
        'return geoip["country"] in [{countries}]',
    ),
    (
        "attribute-flag",
        'return request.user.attributes.get("{attr}", False) is True',
    ),
    (
        "working-hours",
        "from datetime import datetime\n"
        "from zoneinfo import ZoneInfo\n\n"
        'local = datetime.now(ZoneInfo("{tz}"))\n'
        "# Outside office hours every login needs a second factor\n"
        "return local.weekday() >= 5 or not ({start} <= local.hour < {end})",
    ),
    (
        "user-agent",
        'user_agent = request.http_request.headers.get("User-Agent", "")\n'
        'if "{agent}" in user_agent:\n'
        '    ak_logger.info("Rejected client", user_agent=user_agent)\n'
        "    return False\n"
        "return True",
    ),
    (
        "event-log",
        'ak_create_event("{org}_login_attempt", username=request.context.get("pending_user"),'
        ' flow="{slug}")\nreturn True',
    ),
    (
        "map-username",
        'prompt_data = request.context.get("prompt_data", {{}})\n'
        'username = prompt_data.get("username", "")\n'
        "if not username.islower():\n"
        '    ak_message("Usernames must be lower case.")\n'
        "    return False\n"
        "if User.objects.filter(username=username).exists():\n"
        '    ak_message("This username is already taken, please pick another one.")\n'
        "    return False\n"
        "return True",
    ),
]

TIMEZONES = [
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Europe/London",
    "America/Los_Angeles",
    "Australia/Sydney",
]
AGENTS = ["curl/", "python-requests", "Go-http-client", "okhttp", "HeadlessChrome"]
ATTRS = ["mfa_required", "is_privileged", "allow_passwordless", "vpn_access", "can_enroll_devices"]


class _Gen:
    """Builds the blueprint dict of one flow export."""

    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.index = index
        self.org = rng.choice(ORGS)
        self.team = rng.choice(TEAMS)
        self.prompts: list[dict] = []
        self.policies: list[dict] = []
        self.stages: list[dict] = []
        self.fsbs: list[dict] = []
        self.pbs: list[dict] = []
        self.next_order = rng.choice([0, 10])
        self.order_step = rng.choice([1, 10, 10, 10, 5])
        self.stage_names: set[str] = set()

    # -- helpers -----------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    @staticmethod
    def entry(model: str, identifiers: dict, attrs: dict) -> dict:
        # The exporter drops attrs equal to their serializer field's initial value.
        attrs = {k: v for k, v in attrs.items() if not (v is None or v is False or v == "" or v == [])}
        return {
            "attrs": attrs,
            "conditions": [],
            "identifiers": identifiers,
            "model": model,
            "permissions": [],
            "state": "present",
        }

    def stage_name(self, kind: str) -> str:
        name = f"{self.slug}-{kind}"
        n = 2
        while name in self.stage_names:
            name = f"{self.slug}-{kind}-{n}"
            n += 1
        self.stage_names.add(name)
        return name

    # -- entries -----------------------------------------------------------
    def flow(self, designation: str) -> None:
        rng = self.rng
        purpose = {
            "authentication": ["login", "sign-in", "authentication", "sso-login", "mfa-login"],
            "enrollment": ["enrollment", "signup", "onboarding", "source-enrollment"],
            "recovery": ["recovery", "password-reset", "account-recovery"],
            "stage_configuration": ["mfa-setup", "authenticator-setup", "webauthn-setup"],
            "authorization": ["consent", "authorization", "step-up"],
            "invalidation": ["logout", "invalidation"],
            "unenrollment": ["unenrollment", "account-deletion"],
        }[designation]
        self.slug = f"{self.org}-{self.team}-{rng.choice(purpose)}-{self.index:04d}"
        self.designation = designation
        title = {
            "authentication": f"Welcome to {self.org.title()}!",
            "enrollment": f"Create your {self.org.title()} account",
            "recovery": "Reset your password",
            "stage_configuration": "Set up Two-Factor authentication",
            "authorization": "Redirecting to %(app)s",
            "invalidation": "Signing out",
            "unenrollment": "Delete your account",
        }[designation]
        authentication = {
            "authentication": "none",
            "enrollment": rng.choice(["none", "require_unauthenticated"]),
            "recovery": rng.choice(["none", "require_unauthenticated"]),
            "stage_configuration": "require_authenticated",
            "authorization": "require_authenticated",
            "invalidation": "none",
            "unenrollment": "require_authenticated",
        }[designation]
        self.flow_pk = self.uuid()
        attrs = {
            "authentication": authentication,
            "denied_action": rng.choice(["message_continue"] * 6 + ["message", "continue"]),
            "designation": designation,
            "layout": rng.choice(["stacked"] * 6 + ["content_left", "content_right", "sidebar_left"]),
            "name": rng.choice([title, self.slug, f"{self.org.title()} {designation.replace('_', ' ')}"]),
            "policy_engine_mode": rng.choice(["any", "any", "all"]),
            "title": title,
            "compatibility_mode": rng.random() < 0.15,
        }
        self.flow_entry = self.entry("authentik_flows.flow", {"pk": self.flow_pk, "slug": self.slug}, attrs)

    def policy(self, kind: str | None = None) -> str:
        rng = self.rng
        if kind is None:
            kind, template = rng.choice(EXPRESSIONS)
        else:
            template = dict(EXPRESSIONS)[kind]
        c1, c2 = rng.sample(COUNTRIES, 2)
        start = rng.choice([6, 7, 8])
        text = template.format(
            group=rng.choice(GROUPS),
            domain=rng.choice(DOMAINS),
            domain2=f"{self.org}.example",
            org=self.org.title(),
            net=rng.choice(NETWORKS),
            net2=rng.choice(NETWORKS),
            days=rng.choice([30, 60, 90, 180, 365]),
            countries=f'"{c1}", "{c2}"',
            attr=rng.choice(ATTRS),
            tz=rng.choice(TIMEZONES),
            start=start,
            end=start + 10,
            agent=rng.choice(AGENTS),
            slug=self.slug,
        )
        pk = self.uuid()
        name = f"{self.slug}-{kind}"
        if any(p["attrs"]["name"] == name for p in self.policies):
            name = f"{name}-{len(self.policies)}"
        self.policies.append(
            self.entry(
                "authentik_policies_expression.expressionpolicy",
                {"pk": pk},
                {"expression": text, "name": name, "execution_logging": rng.random() < 0.1},
            )
        )
        return pk

    def policy_binding(self, policy_pk: str, target: str, order: int = 0) -> None:
        rng = self.rng
        self.pbs.append(
            self.entry(
                "authentik_policies.policybinding",
                {"order": order, "pk": self.uuid(), "policy": policy_pk, "target": target},
                {
                    "enabled": True,
                    "failure_result": rng.random() < 0.4,
                    "negate": rng.random() < 0.15,
                    "timeout": rng.choice([30, 30, 30, 10, 60]),
                },
            )
        )

    def stage(self, model: str, kind: str, attrs: dict, bind: bool = True, with_policy: float = 0.0) -> str:
        pk = self.uuid()
        self.stages.append(self.entry(model, {"name": self.stage_name(kind), "pk": pk}, attrs))
        if bind:
            fsb_pk = self.uuid()
            rng = self.rng
            self.fsbs.append(
                self.entry(
                    "authentik_flows.flowstagebinding",
                    {"order": self.next_order, "pk": fsb_pk, "stage": pk, "target": self.flow_pk},
                    {
                        "evaluate_on_plan": rng.random() < 0.1,
                        "invalid_response_action": rng.choice(["retry"] * 8 + ["restart", "restart_with_context"]),
                        "policy_engine_mode": rng.choice(["any"] * 4 + ["all"]),
                        "re_evaluate_policies": rng.random() < 0.9,
                    },
                )
            )
            self.next_order += self.order_step
            if rng.random() < with_policy:
                for n in range(1 if rng.random() < 0.8 else 2):
                    self.policy_binding(self.policy(), fsb_pk, order=n * 10)
        return pk

    # -- stage kinds ---------------------------------------------------------
    def identification(self) -> str:
        rng = self.rng
        fields = rng.choice(
            [["email", "username"], ["username"], ["email"], ["username", "email"], ["email", "username", "upn"]]
        )
        return self.stage(
            "authentik_stages_identification.identificationstage",
            "identification",
            {
                "case_insensitive_matching": rng.random() < 0.9,
                "enable_remember_me": rng.random() < 0.2,
                "enrollment_flow": self.uuid() if rng.random() < 0.3 else None,
                "recovery_flow": self.uuid() if rng.random() < 0.3 else None,
                "passwordless_flow": self.uuid() if rng.random() < 0.15 else None,
                "pretend_user_exists": rng.random() < 0.8,
                "show_matched_user": rng.random() < 0.8,
                "show_source_labels": rng.random() < 0.2,
                "sources": [self.uuid() for _ in range(rng.choice([0, 0, 0, 1, 2]))],
                "user_fields": fields,
            },
        )

    def password(self) -> str:
        rng = self.rng
        backends = [b for b in BACKENDS if b.endswith(("InbuiltBackend", "TokenBackend")) or rng.random() < 0.5]
        return self.stage(
            "authentik_stages_password.passwordstage",
            "password",
            {
                "allow_show_password": rng.random() < 0.3,
                "backends": backends,
                "configure_flow": self.uuid() if rng.random() < 0.7 else None,
                "failed_attempts_before_cancel": rng.choice([5, 5, 3, 10]),
            },
            with_policy=0.4,
        )

    def validate(self, action: str | None = None) -> str:
        rng = self.rng
        classes = list(DEVICE_CLASSES) if rng.random() < 0.4 else rng.sample(DEVICE_CLASSES, rng.randint(1, 4))
        if action is None:
            action = rng.choice(["skip"] * 5 + ["deny"] * 2 + ["configure"] * 3)
        config = []
        if action == "configure":
            config = [self.uuid() for _ in range(rng.choice([1, 1, 2, 3]))]
        elif rng.random() < 0.1:
            config = [self.uuid()]  # left over from an earlier "configure"
        return self.stage(
            "authentik_stages_authenticator_validate.authenticatorvalidatestage",
            rng.choice(["mfa-validation", "authenticator-validate", "mfa", "2fa"]),
            {
                "configuration_stages": config,
                "device_classes": classes,
                "last_auth_threshold": rng.choice(THRESHOLDS),
                "not_configured_action": action,
                "webauthn_allowed_device_types": [self.uuid() for _ in range(rng.choice([0] * 9 + [2]))],
                "webauthn_user_verification": rng.choice(["preferred"] * 5 + ["required"] * 2 + ["discouraged"]),
            },
            with_policy=0.6,
        )

    def user_login(self) -> str:
        rng = self.rng
        return self.stage(
            "authentik_stages_user_login.userloginstage",
            "login",
            {
                "geoip_binding": rng.choice(["no_binding"] * 4 + ["bind_continent", "bind_continent_country"]),
                "network_binding": rng.choice(["no_binding"] * 4 + ["bind_asn", "bind_asn_network"]),
                "remember_device": rng.choice(["days=30", "days=30", "days=7", "days=90"]),
                "remember_me_offset": rng.choice(["seconds=0", "seconds=0", "days=7"]),
                "session_duration": rng.choice(DURATIONS),
                "terminate_other_sessions": rng.random() < 0.1,
            },
        )

    def user_write(self) -> str:
        rng = self.rng
        return self.stage(
            "authentik_stages_user_write.userwritestage",
            "write",
            {
                "create_users_as_inactive": rng.random() < 0.2,
                "create_users_group": self.uuid() if rng.random() < 0.3 else None,
                "user_creation_mode": rng.choice(["always_create", "create_when_required", "never_create"]),
                "user_path_template": rng.choice(["", "", f"users/{self.org}", "goauthentik.io/sources/%(slug)s"]),
                "user_type": rng.choice(["external", "internal", "internal"]),
            },
        )

    def prompt_stage(self, keys: list[tuple[str, str, str]]) -> str:
        rng = self.rng
        fields = []
        base = rng.choice([100, 200])
        for n, (key, label, typ) in enumerate(keys):
            pk = self.uuid()
            fields.append(pk)
            expr = typ in ("username", "email", "text") and rng.random() < 0.3
            self.prompts.append(
                self.entry(
                    "authentik_stages_prompt.prompt",
                    {"pk": pk},
                    {
                        "field_key": key,
                        "initial_value": (f"try:\n    return user.{key}\nexcept:\n    return ''" if expr else ""),
                        "initial_value_expression": expr,
                        "label": label,
                        "name": f"{self.slug}-field-{key.replace('.', '-')}",
                        "order": base + n,
                        "placeholder": label,
                        "required": typ != "checkbox",
                        "sub_text": (
                            "Must contain at least 12 characters." if typ == "password" and rng.random() < 0.5 else ""
                        ),
                        "type": typ,
                    },
                )
            )
        validation = [self.policy("map-username")] if rng.random() < 0.4 else []
        return self.stage(
            "authentik_stages_prompt.promptstage",
            "prompt",
            {
                "fields": fields,
                "validation_policies": validation,
            },
        )

    def email_stage(self) -> str:
        rng = self.rng
        global_settings = rng.random() < 0.6
        return self.stage(
            "authentik_stages_email.emailstage",
            "email",
            {
                "activate_user_on_success": rng.random() < 0.5,
                "from_address": f"noreply@{self.org}.example",
                "host": "localhost" if global_settings else f"smtp.{self.org}.example",
                "port": 25 if global_settings else 587,
                "recovery_cache_timeout": "minutes=5",
                "recovery_max_attempts": 5,
                "subject": rng.choice(["authentik", f"{self.org.title()} account", "Reset your password"]),
                "template": rng.choice(["email/password_reset.html", "email/account_confirmation.html"]),
                "timeout": 10,
                "token_expiry": rng.choice(["minutes=30", "hours=1", "days=1"]),
                "use_global_settings": global_settings,
                "use_tls": not global_settings,
            },
            with_policy=0.2,
        )

    def setup_stage(self) -> str:
        rng = self.rng
        kind = rng.choice(["totp", "webauthn", "static"])
        if kind == "totp":
            return self.stage(
                "authentik_stages_authenticator_totp.authenticatortotpstage",
                "totp-setup",
                {
                    "configure_flow": self.flow_pk,
                    "digits": rng.choice(["6", "6", "8"]),
                    "friendly_name": rng.choice(["TOTP Device", "Authenticator app", ""]),
                },
            )
        if kind == "webauthn":
            return self.stage(
                "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
                "webauthn-setup",
                {
                    "authenticator_attachment": rng.choice([None, "platform", "cross-platform"]),
                    "configure_flow": self.flow_pk,
                    "friendly_name": rng.choice(["Security key", "Passkey", ""]),
                    "max_attempts": rng.choice([0, 0, 3]),
                    "resident_key_requirement": rng.choice(["preferred", "required", "discouraged"]),
                    "user_verification": rng.choice(["preferred", "required"]),
                },
            )
        return self.stage(
            "authentik_stages_authenticator_static.authenticatorstaticstage",
            "static-setup",
            {
                "configure_flow": self.flow_pk,
                "friendly_name": rng.choice(["Recovery codes", "Static tokens", ""]),
                "token_count": rng.choice([6, 8, 10]),
                "token_length": rng.choice([8, 12]),
            },
        )

    def deny(self) -> str:
        return self.stage(
            "authentik_stages_deny.denystage",
            "deny",
            {
                "deny_message": self.rng.choice(
                    ["", "Access denied.", f"Please contact the {self.org.title()} helpdesk."]
                ),
            },
            with_policy=1.0,
        )

    def consent(self) -> str:
        rng = self.rng
        mode = rng.choice(["always_require", "permanent", "expiring"])
        return self.stage(
            "authentik_stages_consent.consentstage",
            "consent",
            {
                "consent_expire_in": rng.choice(["weeks=4", "days=30", "weeks=52"]),
                "mode": mode,
            },
        )

    def redirect(self) -> str:
        rng = self.rng
        return self.stage(
            "authentik_stages_redirect.redirectstage",
            "redirect",
            {
                "keep_context": rng.random() < 0.7,
                "mode": "flow",
                "target_flow": self.uuid(),
            },
            with_policy=0.7,
        )

    def invitation(self) -> str:
        return self.stage(
            "authentik_stages_invitation.invitationstage",
            "invitation",
            {
                "continue_flow_without_invitation": self.rng.random() < 0.5,
            },
        )

    # -- whole flows ---------------------------------------------------------
    def plan(self) -> list:
        """Create the flow entry; return the flow's stages as pieces, most important first.

        Each piece is a callable adding one stage (with its binding at a fixed
        order, so the flow reads in the natural order whatever gets dropped)
        and maybe policies. The generator adds pieces until the file is big
        enough; the authenticator validation stage comes early in the list so
        that most files have one.
        """
        rng = self.rng
        designation = rng.choice(
            ["authentication"] * 10
            + ["enrollment"] * 3
            + ["recovery"] * 2
            + ["stage_configuration"] * 2
            + ["authorization", "invalidation", "unenrollment"]
        )
        self.flow(designation)
        want_validate = rng.random() < 0.9

        def at(order, fn, *args):
            def piece():
                self.next_order = order
                fn(*args)

            return piece

        def prompts(*keys):
            return lambda: self.prompt_stage(list(keys))

        pieces = []
        if designation == "authentication":
            pieces.append(at(10, self.identification))
            if want_validate:
                pieces.append(at(30, self.validate))
            pieces.append(at(100, self.user_login))
            pieces.append(at(20, self.password))
        elif designation == "enrollment":
            fields = [
                ("username", "Username", "username"),
                ("email", "Email", "email"),
                ("password", "Password", "password"),
                ("name", "Name", "text"),
                ("password_repeat", "Password (repeat)", "password"),
            ]
            pieces.append(at(10, prompts(*fields[: rng.randint(2, 5)])))
            if want_validate:
                pieces.append(at(30, self.validate, rng.choice(["configure", "configure", "skip"])))
            pieces.append(at(20, self.user_write))
            pieces.append(at(100, self.user_login))
            pieces.append(at(0, self.invitation))
        elif designation == "recovery":
            pieces.append(at(10, self.identification))
            if want_validate:
                pieces.append(at(30, self.validate))
            pieces.append(at(20, self.email_stage))
            pieces.append(
                at(
                    40,
                    prompts(("password", "Password", "password"), ("password_repeat", "Password (repeat)", "password")),
                )
            )
            pieces.append(at(50, self.user_write))
            pieces.append(at(100, self.user_login))
        elif designation == "stage_configuration":
            if want_validate:
                pieces.append(at(0, self.validate, rng.choice(["skip", "deny"])))
            pieces.append(at(10, self.setup_stage))
        elif designation == "authorization":
            if want_validate:
                pieces.append(at(10, self.validate))
            pieces.append(at(20, self.consent))
        elif designation == "invalidation":
            if want_validate:
                pieces.append(at(0, self.validate, "skip"))
            pieces.append(at(10, self.stage, "authentik_stages_user_logout.userlogoutstage", "logout", {}))
        else:
            if want_validate:
                pieces.append(at(0, self.validate, "deny"))
            pieces.append(at(10, self.stage, "authentik_stages_user_delete.userdeletestage", "delete", {}))
        if rng.random() < 0.35:
            pieces.append(lambda: self.policy_binding(self.policy(), self.flow_pk))
        self.extra_order = 200
        return pieces

    def grow(self) -> None:
        """Add one more realistic piece to the flow."""
        rng = self.rng
        self.next_order = self.extra_order
        self.extra_order += 10
        r = rng.random()
        if r < 0.25:
            self.validate()
        elif r < 0.45:
            # A policy on an existing binding (the MFA-skip pattern of the default flow).
            if self.fsbs:
                self.policy_binding(
                    self.policy(), rng.choice(self.fsbs)["identifiers"]["pk"], order=rng.choice([0, 10, 20])
                )
            else:
                self.policy_binding(self.policy(), self.flow_pk)
        elif r < 0.55:
            self.deny()
        elif r < 0.65:
            self.redirect()
        elif r < 0.75:
            self.setup_stage()
        elif r < 0.85:
            self.consent()
        elif r < 0.92:
            self.email_stage()
        else:
            self.prompt_stage(
                [
                    (f"attributes.{rng.choice(ATTRS)}", "Attribute", "text"),
                    ("attributes.settings.locale", "Locale", "ak-locale"),
                ]
            )

    def fill(self) -> None:
        """A small piece: one more policy on the flow or on a stage binding."""
        rng = self.rng
        target = rng.choice(self.fsbs)["identifiers"]["pk"] if self.fsbs else self.flow_pk
        self.policy_binding(
            self.policy(rng.choice(["group-member", "attribute-flag", "not-group-member"])), target, order=30
        )

    def entries(self) -> list[dict]:
        fsbs = sorted(self.fsbs, key=lambda e: e["identifiers"]["order"])
        return [self.flow_entry] + self.prompts + self.policies + self.stages + fsbs + self.pbs

    def blueprint(self) -> dict:
        rng = self.rng
        ts = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(
            seconds=rng.randrange(330 * 86400), microseconds=rng.randrange(1, 1_000_000)
        )
        return {
            "context": {},
            "entries": self.entries(),
            "metadata": {
                "labels": {"blueprints.goauthentik.io/generated": "true"},
                "name": f"authentik Export - {ts}",
            },
            "version": 1,
        }


def dump(blueprint: dict) -> str:
    """Serialise exactly like authentik's exporter (pure-Python SafeDumper, defaults)."""
    return yaml.dump(blueprint, Dumper=yaml.SafeDumper)


def _entry_lines(entry: dict, cache: dict) -> int:
    hit = cache.get(id(entry))
    if hit is None or hit[0] is not entry:  # ids of dropped entries get reused
        hit = cache[id(entry)] = (entry, dump([entry]).count("\n"))
    return hit[1]


# Lines outside the entries: context, entries:, metadata (4 lines), version.
_FRAME_LINES = 7


def generate_file(seed: int, index: int, target_lines: int | None = None) -> tuple[str, str]:
    """Return (file name, YAML text) of corpus file ``index``."""
    rng = random.Random(f"avlint-bench-{seed}-{index}")
    if target_lines is None:
        target_lines = MIN_LINES + int((MAX_LINES - MIN_LINES) * rng.betavariate(1.0, 4.5))
    g = _Gen(rng, index)
    pieces = g.plan()
    cache: dict = {}
    cap = min(max(target_lines + 12, MIN_LINES + 30), MAX_LINES)

    def size() -> int:
        return _FRAME_LINES + sum(_entry_lines(e, cache) for e in g.entries())

    def attempt(piece) -> bool:
        """Add a piece; take it back if the file gets too big."""
        snapshot = (
            len(g.prompts),
            len(g.policies),
            len(g.stages),
            len(g.fsbs),
            len(g.pbs),
            set(g.stage_names),
            g.next_order,
        )
        piece()
        if size() <= cap:
            return True
        n_pr, n_po, n_st, n_fsb, n_pb, names, order = snapshot
        del g.prompts[n_pr:], g.policies[n_po:], g.stages[n_st:], g.fsbs[n_fsb:], g.pbs[n_pb:]
        g.stage_names, g.next_order = names, order
        return False

    # The flow and its first stage always go in, then the rest of the plan,
    # then random extra pieces, then small fillers, until the target is met.
    pieces[0]()
    queue = pieces[1:] + [g.grow] * 40 + [g.fill] * 10
    for piece in queue:
        if size() >= max(target_lines - 6, MIN_LINES):
            break
        attempt(piece)
    text = dump(g.blueprint())
    return f"{index:04d}-{g.slug}.yaml", text


def _generate_to(args: tuple[Path, int, int]) -> tuple[int, int]:
    out, seed, index = args
    name, text = generate_file(seed, index)
    data = text.encode("utf-8")
    (out / name).write_bytes(data)
    return len(data), text.count("\n")


def write_corpus(out: Path, files: int, seed: int = DEFAULT_SEED, jobs: int | None = None, quiet: bool = False) -> dict:
    """Write ``files`` files to ``out`` (its old *.yaml files are removed first)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.yaml"):
        old.unlink()
    jobs = jobs or os.cpu_count() or 1
    work = [(out, seed, i) for i in range(files)]
    if jobs > 1 and files > 50:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_generate_to, work, chunksize=25))
    else:
        results = [_generate_to(w) for w in work]
    line_counts = [n for _, n in results]
    stats = {
        "files": files,
        "bytes": sum(b for b, _ in results),
        "lines": sum(line_counts),
        "min_lines": min(line_counts) if line_counts else 0,
        "max_lines": max(line_counts) if line_counts else 0,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
    }
    (out / STATS_FILE).write_text("".join(f"{k}={v}\n" for k, v in stats.items()), encoding="utf-8")
    if not quiet:
        print(
            f"wrote {files} files to {out}: {stats['bytes'] / 1e6:.2f} MB, {stats['lines']} "
            f"lines ({stats['min_lines']}-{stats['max_lines']} per file), seed {seed}"
        )
    return stats


def read_stats(out: Path) -> dict | None:
    """The stats of a corpus written by write_corpus, or None."""
    try:
        text = (out / STATS_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    stats = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        stats[key] = int(value) if value.isdigit() else value
    return stats


def write_one_file(path: Path, seed: int = DEFAULT_SEED, lines: int = 200) -> int:
    """Write one file of about ``lines`` lines (for the start-up benchmark)."""
    best = None
    # The growth step is coarse; try a few indices and keep the closest authentication
    # flow (the most common kind, with an authenticator validation stage).
    for index in range(9000, 9100):
        _name, text = generate_file(seed, index, target_lines=lines)
        if "designation: authentication" not in text or "authenticatorvalidatestage" not in text:
            continue
        n = text.count("\n")
        if best is None or abs(n - lines) < abs(best[1] - lines):
            best = (text, n)
        if abs(n - lines) <= 2:
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(best[0], encoding="utf-8")
    return best[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=DEFAULT_FILES, help="number of files (1000)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "corpus",
        help="output directory (bench/corpus); its *.yaml files are replaced",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--one-file", type=Path, metavar="PATH", help="write only one ~200-line file to PATH")
    p.add_argument("--lines", type=int, default=200, help="line count for --one-file")
    p.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    args = p.parse_args(argv)
    if args.one_file:
        n = write_one_file(args.one_file, args.seed, args.lines)
        print(f"wrote {args.one_file} ({n} lines)")
        return 0
    write_corpus(args.out, args.files, args.seed, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
