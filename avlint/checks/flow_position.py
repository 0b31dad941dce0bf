"""Where a validation stage sits in the flows of the file: before or after the user is known.

authentik's validation stage reads `not_configured_action` only for a pending user. Bound
before any stage that identifies the user (a passwordless flow), it has none: it offers a
user-less WebAuthn challenge when `webauthn` is allowed and the flow is an authentication
flow, and otherwise passes. Rules that assume a pending user must stay quiet there; the
rules of this module say what does matter there.

Position comes from the bindings' `order` within this file only, for a flow the file defines
(an outside or default flow has bindings elsewhere): a stage counts as user-less only when
everything bound before it in the file is known not to identify the user. The rules about that position are in `avlint.checks.userless`.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import BINDING, FLOW, VALIDATE_STAGE, Entry
from avlint.checks.base import CheckContext
from avlint.default_objects import patched_default
from avlint.modelinfo import is_stage
from avlint.nodes import Pair, scalar_value, text_of

# Stages after which the plan has a pending user: the identification stage names the user,
# a source stage returns with one, a user-write stage creates one.
IDENTIFYING_STAGES = frozenset(
    {
        "authentik_stages_identification.identificationstage",
        "authentik_stages_source.sourcestage",
        "authentik_stages_user_write.userwritestage",
    }
)
# A stage without a pending user in the plan falls back to the logged-in user of the request.
# A flow that requires one has it, and so do flows only logged-in users run: authorization
# (a provider sends the user to log in first), stage configuration, invalidation (logout)
# and unenrolment.
_AUTHENTICATED = frozenset({"require_authenticated", "require_superuser", "require_outpost"})
_RUN_LOGGED_IN = frozenset({"authorization", "stage_configuration", "invalidation", "unenrollment"})


class Bound(NamedTuple):
    """One binding of a validation stage: its flow (an entry of the file, or a key naming an
    outside flow), the binding, and whether a pending user exists there."""

    flow: object
    binding: Entry
    stage_pair: Pair
    userless: bool


class FlowPositions:
    """The bindings of the file's validation stages and their position, computed once."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx

    @cached_property
    def bound(self) -> dict[Entry, list[Bound]]:
        ctx = self.ctx
        rows: list[tuple[object, int | None, Entry | None, Entry, Pair]] = []
        for binding in ctx.document.entries_of(BINDING):
            if binding.state in ("absent", None):
                continue
            data = binding.data()
            target, stage, order_pair = data.get("target"), data.get("stage"), data.get("order")
            if target is None or stage is None:
                continue
            flow = _resolve(ctx, target.value, FLOW)
            if flow is None:
                continue
            stage_entry = _resolve(ctx, stage.value, None)
            known = stage_entry if isinstance(stage_entry, Entry) else None
            rows.append((flow, _order(order_pair.value) if order_pair else 0, known, binding, stage))
        found: dict[Entry, list[Bound]] = {}
        for flow, order, stage_entry, binding, stage_pair in rows:
            if stage_entry is None or stage_entry.model != VALIDATE_STAGE or order is None:
                continue
            others = [row for row in rows if row[0] == flow and row[3] is not binding]
            # The default-object lookup last: it loads data, and most stages are decided before.
            userless = (
                isinstance(flow, Entry)
                and not _flow_has_user(flow)
                and flow not in self.source_authentication_flows
                and all(
                    _runs_later_or_leaves_no_user(order, other_order, other_stage)
                    for _, other_order, other_stage, _, _ in others
                )
                and _bindings_all_here(ctx, flow)
            )
            found.setdefault(stage_entry, []).append(Bound(flow, binding, stage_pair, userless))
        return found

    @cached_property
    def source_authentication_flows(self) -> list[object]:
        """Flows a source of this file logs its users in with: authentik starts them with the
        user the source matched already pending."""
        found: list[object] = []
        for entry in self.ctx.document.entries:
            if entry.model is None or not entry.model.startswith("authentik_sources_"):
                continue
            pair = entry.data().get("authentication_flow")
            flow = _resolve(self.ctx, pair.value, FLOW) if pair is not None else None
            if flow is not None:
                found.append(flow)
        return found

    def userless_everywhere(self, stage: Entry) -> bool:
        """True when the stage is bound in the file and every binding puts it before the user
        is known: a rule about what happens to a pending user never applies to it."""
        bound = self.bound.get(stage, [])
        return bool(bound) and all(b.userless for b in bound)

    def userless_anywhere(self, stage: Entry) -> bool:
        return any(b.userless for b in self.bound.get(stage, ()))


def positions(ctx: CheckContext) -> FlowPositions:
    """One FlowPositions per context, shared by the checks that need it."""
    cached = ctx.__dict__.get("_flow_positions")
    if not isinstance(cached, FlowPositions):
        cached = FlowPositions(ctx)
        ctx.__dict__["_flow_positions"] = cached
    return cached


def _order(node: Node) -> int | None:
    value = scalar_value(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _runs_later_or_leaves_no_user(order: int, other_order: int | None, other: Entry | None) -> bool:
    """Another binding of the same flow cannot have identified the user before `order`: it
    runs later, or it binds a stage of this file that identifies nobody. An unknown order or
    stage, or an identifying stage at the same order, may have."""
    if other_order is None:
        return False
    if other_order > order:
        return True
    return other is not None and is_stage(other.model) and other.model not in IDENTIFYING_STAGES


def _bindings_all_here(ctx: CheckContext, flow: object) -> bool:
    """Only a flow this file defines has its bindings here: an outside flow (a `!Find` of the
    default login, say) or one of authentik's default flows has others on the server."""
    return isinstance(flow, Entry) and patched_default(flow, ctx.release) is None


def _flow_has_user(flow: object) -> bool:
    if not isinstance(flow, Entry):
        return False  # an outside flow: its settings are unknown, and by default it has none
    data = flow.data()
    authentication, designation = data.get("authentication"), data.get("designation")
    if authentication is not None and text_of(authentication.value) in _AUTHENTICATED:
        return True
    return designation is not None and text_of(designation.value) in _RUN_LOGGED_IN


def _resolve(ctx: CheckContext, node: Node, model: str | None) -> object:
    """An entry of this file a reference points at (of `model`, when given), or for a flow a
    key naming the outside object; None when unknown."""
    if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
        entry = ctx.entries_by_id.get(node.value)
        if entry is None or (model is not None and entry.model != model):
            return None
        return entry
    text = text_of(node) if isinstance(node, ScalarNode) and node.tag != "!KeyOf" else None
    if text is None and isinstance(node, ScalarNode) and not node.tag.startswith("!"):
        text = str(node.value)
    if text is not None:
        for entry in ctx.document.entries:
            pk = entry.identifiers.get("pk")
            if pk is not None and text_of(pk.value) == text and (model is None or entry.model == model):
                return entry
        return ("pk", text) if model == FLOW else None
    if node.tag in ("!Find", "!FindObject") and isinstance(node, SequenceNode) and model == FLOW:
        return ("find", tuple(repr(getattr(part, "value", None)) for part in node.value))
    return None
