"""The fake server's in-memory database.

Tables are dicts in insertion order, which stands in for PostgreSQL's "database order" (the order
``/stages/all/`` answers in, recording 129). Every request runs under ``State.lock``.
"""

from __future__ import annotations

import copy
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

VALIDATE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
TOTP = "authentik_stages_authenticator_totp.authenticatortotpstage"

# Users the fake seeds. The recorded instance had users 1-6 before recording 105 created pk 7, so
# users created through the API are numbered from 7 (FIRST_API_USER_PK).
ADMIN_USER_PK = 1
LIMITED_USER_PK = 2
FIRST_API_USER_PK = 7

VALIDATE_TYPE = (
    "ak-stage-authenticator-validate-form",
    "Authenticator Validation Stage",
    "Authenticator Validation Stages",
)

# Global permission codenames the fake checks, per endpoint model (authentik ObjectPermissions).
PERM_VALIDATE_VIEW = "authentik_stages_authenticator_validate.view_authenticatorvalidatestage"
LIMITED_PRESETS: dict[str, frozenset[str]] = {
    "none": frozenset(),
    # Recordings 122-126: the role holds only the global view permission on validation stages.
    "view": frozenset({PERM_VALIDATE_VIEW}),
    "write": frozenset(
        f"authentik_stages_authenticator_validate.{action}_authenticatorvalidatestage"
        for action in ("view", "add", "change", "delete")
    ),
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """DRF DateTimeField output: ISO 8601 with ``Z`` for UTC."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass
class Stage:
    pk: str
    name: str
    model: str  # meta_model_name
    component: str
    verbose_name: str
    verbose_name_plural: str
    fields: dict[str, Any] = field(default_factory=dict)  # type-specific values, serializer order


@dataclass
class Flow:
    pk: str
    pbm_pk: str
    name: str
    slug: str
    title: str
    designation: str
    background: str = ""
    policy_engine_mode: str = "any"
    compatibility_mode: bool = False
    layout: str = "stacked"
    denied_action: str = "message_continue"
    authentication: str = "none"
    policies: list[str] = field(default_factory=list)


@dataclass
class Binding:
    pk: str
    pbm_pk: str
    target: str
    stage: str
    order: int
    evaluate_on_plan: bool = False
    re_evaluate_policies: bool = True
    policy_engine_mode: str = "any"
    invalid_response_action: str = "retry"


@dataclass
class User:
    pk: int
    username: str
    name: str
    uuid: str
    date_joined: datetime
    is_active: bool = True
    is_superuser: bool = False
    email: str = ""
    path: str = "users"
    type: str = "internal"
    attributes: dict[str, Any] = field(default_factory=dict)
    last_login: datetime | None = None
    password_change_date: datetime | None = None
    last_updated: datetime | None = None
    permissions: set[str] = field(default_factory=set)  # direct grants (the built-in limited user)


@dataclass
class Token:
    pk: str
    identifier: str
    key: str
    user: int
    intent: str = "api"
    description: str = ""
    expiring: bool = True
    expires: datetime | None = None
    managed: str | None = None


@dataclass
class Role:
    pk: str
    name: str
    users: list[int] = field(default_factory=list)
    permissions: set[str] = field(default_factory=set)


@dataclass
class BlueprintInstance:
    pk: str
    name: str
    path: str
    context: dict[str, Any]
    last_applied: datetime
    enabled: bool
    content: str
    last_applied_hash: str = ""
    status: str = "unknown"
    managed_models: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeviceType:
    aaguid: str
    description: str
    icon: str = ""


class State:
    """All objects of one fake server. ``reset()`` puts back the seed state: a fresh server's
    defaults, plus the recorded server's hand-made validation stages with ``hand_made_stages``."""

    def __init__(self, *, limited_permissions: str | Iterable[str] = "none", hand_made_stages: bool = False) -> None:
        self.lock = threading.RLock()
        self.hand_made_stages = hand_made_stages
        self.admin_token = "fake-admin-" + secrets.token_hex(16)
        self.limited_token = "fake-limited-" + secrets.token_hex(16)
        self._limited_spec = limited_permissions
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------
    def reset(self) -> None:
        from . import seed  # seed imports this module

        with self.lock:
            self.stages: dict[str, Stage] = {}
            self.flows: dict[str, Flow] = {}
            self.bindings: dict[str, Binding] = {}
            self.users: dict[int, User] = {}
            self.tokens: dict[str, Token] = {}
            self.roles: dict[str, Role] = {}
            self.blueprints: dict[str, BlueprintInstance] = {}
            self.device_types: dict[str, DeviceType] = {}
            self.permissions: list[dict[str, Any]] = []
            # The server process's environment and files, for the importer's !Env and !File:
            # empty unless a test puts something there (never the test process's own).
            self.environ: dict[str, str] = {}
            self.files: dict[str, str] = {}
            self.next_user_pk = 1
            self.next_assignment_id = 1
            seed.load(self)
            if self.hand_made_stages:
                seed.add_hand_made_stages(self)
            self.set_limited_permissions(self._limited_spec)

    def transaction(self) -> State:
        """A scratch copy for a blueprint validation, which authentik runs in a transaction it
        always rolls back: writes to the copy's stages, flows and bindings never reach this state."""
        scratch = copy.copy(self)
        scratch.stages = copy.deepcopy(self.stages)
        scratch.flows = copy.deepcopy(self.flows)
        scratch.bindings = copy.deepcopy(self.bindings)
        return scratch

    # -- generated values ----------------------------------------------------------------------
    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def now() -> datetime:
        return utcnow()

    # -- stages, flows, bindings ------------------------------------------------------------
    def stage_named(self, name: str) -> Stage | None:
        return next((s for s in self.stages.values() if s.name == name), None)

    def flow_by_slug(self, slug: str) -> Flow | None:
        return next((f for f in self.flows.values() if f.slug == slug), None)

    def bindings_of_stage(self, stage_pk: str) -> list[Binding]:
        return [b for b in self.bindings.values() if b.stage == stage_pk]

    def bindings_of_flow(self, flow_pk: str) -> list[Binding]:
        return [b for b in self.bindings.values() if b.target == flow_pk]

    def delete_stage(self, pk: str) -> None:
        del self.stages[pk]
        for binding in self.bindings_of_stage(pk):
            del self.bindings[binding.pk]
        for stage in self.stages.values():  # many-to-many rows go with the stage
            if pk in stage.fields.get("configuration_stages", []):
                stage.fields["configuration_stages"].remove(pk)

    def delete_flow(self, pk: str) -> None:
        del self.flows[pk]
        for binding in self.bindings_of_flow(pk):
            del self.bindings[binding.pk]

    # -- WebAuthn device types --------------------------------------------------------------
    def add_device_types(self, items: Iterable[dict[str, str] | DeviceType]) -> None:
        """Preload catalogue entries (``{"aaguid", "description", "icon"?}``)."""
        with self.lock:
            for item in items:
                entry = (
                    item
                    if isinstance(item, DeviceType)
                    else DeviceType(str(uuid.UUID(item["aaguid"])), item["description"], item.get("icon", ""))
                )
                self.device_types[entry.aaguid] = entry

    # -- users, tokens, permissions ---------------------------------------------------------
    def add_user(self, username: str, name: str, **kwargs: Any) -> User:
        now = self.now()
        user = User(
            pk=self.next_user_pk,
            username=username,
            name=name,
            uuid=self.new_uuid(),
            date_joined=now,
            password_change_date=now,
            last_updated=now,
            **kwargs,
        )
        self.next_user_pk += 1
        self.users[user.pk] = user
        return user

    def add_token(self, identifier: str, user: int, *, key: str | None = None, **kwargs: Any) -> Token:
        token = Token(
            pk=self.new_uuid(), identifier=identifier, key=key or secrets.token_urlsafe(48), user=user, **kwargs
        )
        self.tokens[token.pk] = token
        return token

    def token_by_identifier(self, identifier: str) -> Token | None:
        return next((t for t in self.tokens.values() if t.identifier == identifier), None)

    def user_for_key(self, key: str) -> User | None:
        """authentik's API-token lookup: intent api, not expired, active user."""
        for token in self.tokens.values():
            if token.key != key or token.intent != "api":
                continue
            if token.expiring and token.expires is not None and token.expires < self.now():
                return None
            user = self.users.get(token.user)
            return user if user is not None and user.is_active else None
        return None

    def has_perm(self, user: User, codename: str) -> bool:
        if user.is_superuser:
            return True
        if codename in user.permissions:
            return True
        return any(codename in role.permissions for role in self.roles.values() if user.pk in role.users)

    @property
    def limited_user(self) -> User:
        return self.users[LIMITED_USER_PK]

    def set_limited_permissions(self, spec: str | Iterable[str]) -> None:
        """Permissions of the built-in limited token: "none", "view", "write" or codenames."""
        with self.lock:
            self._limited_spec = spec
            grants = LIMITED_PRESETS[spec] if isinstance(spec, str) else frozenset(spec)
            self.users[LIMITED_USER_PK].permissions = set(grants)

    def expire(self, key: str, *, delta: timedelta = timedelta(seconds=-1)) -> None:
        """Make a token expire (now + delta), for tests of the 403 "Token invalid/expired"."""
        with self.lock:
            for token in self.tokens.values():
                if token.key == key:
                    token.expiring = True
                    token.expires = self.now() + delta
