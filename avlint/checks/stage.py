"""Rules for the Authenticator Validation Stage that go beyond field types."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node, ScalarNode, SequenceNode

from avlint.blueprint import VALIDATE_STAGE, Entry
from avlint.checks.base import CheckContext, Hit, reports
from avlint.checks.flow_position import positions
from avlint.checks.threshold import parse_threshold
from avlint.checks.values import string_field_text
from avlint.fix.model import Fix, delete_item, replace
from avlint.modelinfo import is_setup_stage
from avlint.nodes import STR, Pair, is_custom_tag, text_of
from avlint.versions import Release

CODE_BASED_CLASSES = ("static", "totp", "sms", "email")
WEBAUTHN_SETTINGS = ("webauthn_user_verification", "webauthn_allowed_device_types", "webauthn_hints")
CONFIGURATION_STAGES_SINCE = Release(2022, 2)
# Until 2022.11 the configure check only refused a missing list, not an empty one.
EMPTY_STAGES_REJECTED_SINCE = Release(2022, 12)


def validation_stages(ctx: CheckContext) -> Iterator[tuple[Entry, dict[str, Pair]]]:
    """Each validation stage that is applied, with the data its serializer acts on: fields the
    target release does not have are dropped unread, so no rule may look at them."""
    spec = ctx.spec(VALIDATE_STAGE)
    writable = spec.writable if spec else {}
    for entry in ctx.document.entries:
        if entry.model == VALIDATE_STAGE and entry.state not in ("absent", None):
            yield entry, {key: pair for key, pair in entry.data().items() if key in writable}


def device_classes(ctx: CheckContext, data: dict[str, Pair]) -> list[tuple[str, Node]] | None:
    """The explicit device classes as (value, node), or None when absent or not a plain list.
    Only items the field accepts count (a valid choice of the target release): a null, a typo or
    a class the release lacks is reported by the field rules, and rules about what the stage
    does must not report it again."""
    pair = data.get("device_classes")
    if pair is None or not isinstance(pair.value, SequenceNode) or is_custom_tag(pair.value):
        return None
    spec = ctx.spec(VALIDATE_STAGE)
    field = spec.fields.get("device_classes") if spec else None
    choices = field.items.choices if field and field.items else None
    classes = []
    for item in pair.value.value:
        value = string_field_text(item)
        if value is not None and (choices is None or value in choices):
            classes.append((value, item))
    return classes


@reports("AV301")
def check_configure(ctx: CheckContext) -> Iterator[Hit]:
    key = "configuration_stages" if ctx.release >= CONFIGURATION_STAGES_SINCE else "configuration_stage"
    for _, data in validation_stages(ctx):
        action = data.get("not_configured_action")
        if action is None or text_of(action.value) != "configure":
            continue
        stages = data.get(key)
        if stages is None:
            yield Hit(
                "AV301",
                action.value,
                f"not_configured_action is configure but the entry sets no {key}; authentik rejects it",
                action.path,
            )
        elif _empty_list(stages.value) and ctx.release >= EMPTY_STAGES_REJECTED_SINCE:
            yield Hit(
                "AV301",
                stages.value,
                f"not_configured_action is configure but {key} is empty; authentik rejects it",
                stages.path,
            )


def _empty_list(node: Node) -> bool:
    return isinstance(node, SequenceNode) and not node.value and not is_custom_tag(node)


@reports("AV303", "AV304", "AV305", "AV306", "AV307")
def check_threshold(ctx: CheckContext) -> Iterator[Hit]:
    for entry, data in validation_stages(ctx):
        pair = data.get("last_auth_threshold")
        text = string_field_text(pair.value) if pair else None
        if pair is None or text is None or not text.strip():
            continue  # absent, a tag, null, a wrong type or blank: the field rules report those
        # Without a pending user only a user-less WebAuthn challenge is offered: code-based
        # devices never come into it.
        user_devices = not positions(ctx).userless_everywhere(entry)
        yield from _threshold(ctx, text.strip(), pair, data, user_devices)


def _threshold(
    ctx: CheckContext, text: str, pair: Pair, data: dict[str, Pair], user_devices: bool = True
) -> Iterator[Hit]:
    result = parse_threshold(text)
    if result.overflow:
        yield Hit(
            "AV305",
            pair.value,
            f"'{text}' overflows authentik's duration parser; the server answers an error page instead of saving",
            pair.path,
        )
        return
    if not result.valid:
        yield Hit(
            "AV303",
            pair.value,
            f"'{text}' is not a valid duration ({result.error}); use key=value pairs such as hours=12;minutes=30",
            pair.path,
        )
        return
    fix = _spacing_fix(text, pair)
    for piece, why in result.dropped:
        yield Hit(
            "AV304",
            pair.value,
            f"'{piece.strip()}' is ignored: {why}; the threshold is {_duration(result.seconds)}",
            pair.path,
            fix,
        )
    seconds = result.seconds or 0.0
    if seconds < 0 or 0 < seconds < 1:
        yield Hit(
            "AV306",
            pair.value,
            f"'{text}' is {_duration(seconds)}; thresholds under one second never skip the stage (use seconds=0 to disable)",
            pair.path,
        )
        return
    classes = device_classes(ctx, data)
    code_based = [c for c, _ in classes] if classes is not None else list(CODE_BASED_CLASSES)
    code_based = [c for c in code_based if c in CODE_BASED_CLASSES]
    if 0 < seconds < 30 and code_based and user_devices:
        yield Hit(
            "AV307",
            pair.value,
            f"'{text}' is under 30 seconds while code-based devices ({', '.join(code_based)}) are allowed; authentik's documentation says such thresholds cannot be used with code-based devices",
            pair.path,
        )


def _spacing_fix(text: str, pair: Pair) -> Fix | None:
    """`hours=1; minutes=2` to `hours=1;minutes=2`: an unsafe fix, since authentik reads the
    first as one hour and the second as one hour and two minutes."""
    pieces = [piece.split("=") for piece in text.split(";")]
    if any(len(parts) != 2 for parts in pieces):
        return None
    tidy = ";".join(f"{key.strip()}={value.strip()}" for key, value in pieces)
    if tidy == text or parse_threshold(tidy).dropped or not isinstance(pair.value, ScalarNode) or pair.value.tag != STR:
        return None
    quote = pair.value.style if pair.value.style in ('"', "'") else ""
    return replace(
        pair.value,
        f"{quote}{tidy}{quote}",
        f"write '{tidy}' (changes the threshold to {_duration(parse_threshold(tidy).seconds)})",
        safe=False,
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if abs(seconds) >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if abs(seconds) >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


@reports("AV402", "AV403")
def check_device_classes(ctx: CheckContext) -> Iterator[Hit]:
    for _, data in validation_stages(ctx):
        classes = device_classes(ctx, data)
        if classes is None:
            continue
        seen: set[str] = set()
        sequence = data["device_classes"].value
        for value, node in classes:
            if value in seen:
                fix = delete_item(sequence, node, f"remove the second '{value}'")
                index = next(i for i, item in enumerate(sequence.value) if item is node)
                yield Hit(
                    "AV403", node, f"device class '{value}' is listed twice", (*data["device_classes"].path, index), fix
                )
            seen.add(value)
        if "webauthn" in seen:
            continue
        for key in WEBAUTHN_SETTINGS:
            pair = data.get(key)
            if pair is not None and _is_set(pair.value, key):
                yield Hit(
                    "AV402", pair.key_node, f"'{key}' has no effect: 'webauthn' is not in device_classes", pair.path
                )


def _is_set(node: Node, key: str) -> bool:
    if isinstance(node, SequenceNode):
        return bool(node.value)
    if key == "webauthn_user_verification":
        return text_of(node) not in (None, "preferred")  # exports always carry the default
    return True


@reports("AV401", "AV404", "AV406")
def check_enrolment(ctx: CheckContext) -> Iterator[Hit]:
    """What happens to a pending user without a device. A stage bound only before the user is
    identified never has one and never reads not_configured_action: these rules skip it."""
    where = positions(ctx)
    has_setup_stage = any(
        is_setup_stage(entry.model) and entry.state not in ("absent", None) for entry in ctx.document.entries
    )
    for entry, data in validation_stages(ctx):
        if where.userless_everywhere(entry):
            continue
        action = data.get("not_configured_action")
        action_text = text_of(action.value) if action else None
        if action is not None and action_text == "deny" and not has_setup_stage:
            yield Hit(
                "AV401",
                action.value,
                "users without an MFA device are denied and cannot enrol one: a lock-out (authentik #1048); use configure with configuration_stages",
                action.path,
            )
        stages = data.get("configuration_stages")
        if (
            action_text in ("skip", "deny")
            and stages is not None
            and isinstance(stages.value, SequenceNode)
            and stages.value.value
        ):
            yield Hit(
                "AV406",
                stages.key_node,
                f"configuration_stages is only used with not_configured_action configure, not {action_text}",
                stages.path,
            )
        if stages is not None and isinstance(stages.value, SequenceNode):
            yield from _configuration_loops(ctx, entry, stages)


def _configuration_loops(ctx: CheckContext, entry: Entry, stages: Pair) -> Iterator[Hit]:
    own_pk = text_of(entry.identifiers["pk"].value) if "pk" in entry.identifiers else None
    validate_pks = {
        text_of(e.identifiers["pk"].value): e
        for e in ctx.document.entries
        if e.model == VALIDATE_STAGE and "pk" in e.identifiers
    }
    for index, node in enumerate(stages.value.value):
        target = None
        if node.tag == "!KeyOf" and isinstance(node, ScalarNode):
            target = ctx.entries_by_id.get(node.value)
        elif text_of(node) is not None:
            target = validate_pks.get(text_of(node))
        elif node.tag in ("!Find", "!FindObject") and isinstance(node, SequenceNode) and node.value:
            model = text_of(node.value[0])
            if model and model.lower() == VALIDATE_STAGE:
                yield Hit(
                    "AV404",
                    node,
                    "a validation stage cannot enrol devices; point configuration_stages at a setup stage",
                    (*stages.path, index),
                )
            continue
        if target is None or target.model != VALIDATE_STAGE:
            continue
        itself = target is entry or (own_pk is not None and text_of(node) == own_pk)
        what = "itself" if itself else "another validation stage"
        yield Hit(
            "AV404",
            node,
            f"the stage lists {what} as a configuration stage; users without a device can never enrol one",
            (*stages.path, index),
        )
